package openapi

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/acctl/acctl/internal/api"
	"github.com/acctl/acctl/internal/authapi"
)

// TestEmbeddedCopyIsTheDocument fails when the copy the binary serves
// differs from docs/openapi.yaml (cmd/gen-docs's test fails when both are
// stale).
func TestEmbeddedCopyIsTheDocument(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, Document) {
		t.Error("internal/openapi/openapi.yaml differs from docs/openapi.yaml: run go run ./cmd/gen-docs")
	}
}

// TestEveryRouteHasAnOperation reads the generated document back and
// expects exactly one operation per admin operation and per method of
// every auth route, each with a 200 (or 303) answer and its failures.
func TestEveryRouteHasAnOperation(t *testing.T) {
	b, err := Generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]any `yaml:"responses"`
		} `yaml:"paths"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, op := range api.Operations {
		want = append(want, "post "+api.Prefix+op)
	}
	want = append(want, "post "+api.Prefix+"{operation}", "get "+Path)
	for _, e := range authapi.Endpoints() {
		want = append(want, strings.ToLower(e.Method)+" "+e.Path)
	}
	for p, ops := range doc.Paths {
		for m, op := range ops {
			got = append(got, m+" "+p)
			if op.Responses["200"] == nil && op.Responses["303"] == nil && op.Responses["501"] == nil {
				t.Errorf("%s %s: no success answer", m, p)
			}
			if strings.HasPrefix(p, "/auth/") && op.Responses["500"] == nil {
				t.Errorf("%s %s: no failure answers", m, p)
			}
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		t.Errorf("operations in the document:\n%v\nwant:\n%v", got, want)
	}
}

// TestHandler: the document as application/yaml, cacheable, with an
// ETag that answers 304; another method is 405.
func TestHandler(t *testing.T) {
	h := Handler()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, Path, nil))
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), Document) || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/yaml") ||
		!strings.Contains(w.Header().Get("Cache-Control"), "max-age=3600") || w.Header().Get("ETag") == "" {
		t.Fatalf("GET: %d %v", w.Code, w.Header())
	}
	r := httptest.NewRequest(http.MethodGet, Path, nil)
	r.Header.Set("If-None-Match", w.Header().Get("ETag"))
	w2 := httptest.NewRecorder()
	h.ServeHTTP(w2, r)
	if w2.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", w2.Code)
	}
	w3 := httptest.NewRecorder()
	h.ServeHTTP(w3, httptest.NewRequest(http.MethodPost, Path, nil))
	if w3.Code != http.StatusMethodNotAllowed || w3.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d %v", w3.Code, w3.Header())
	}
}
