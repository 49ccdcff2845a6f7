package openapi

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"net/http"
	"strconv"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/api"
)

// Document is the OpenAPI document that `go run ./cmd/gen-docs` wrote
// here, a copy of docs/openapi.yaml (a test keeps both equal to what
// Generate gives).
//
//go:embed openapi.yaml
var Document []byte

// etag is the document's entity tag: a hash of its bytes.
var etag = func() string {
	sum := sha256.Sum256(Document)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
}()

// MaxAge is how long a client or a cache may keep the document without
// asking again (then If-None-Match makes the question cheap).
const MaxAge = time.Hour

// Handler answers GET and HEAD of the document, to anyone: as
// application/yaml, cacheable, with an ETag (304 for a matching
// If-None-Match). Another method is 405.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			api.WriteJSON(w, http.StatusMethodNotAllowed, api.ErrorBody{Error: api.ErrorDetail{Code: acct.CodeInvalid,
				Message: "method " + r.Method + " not allowed: GET the document"}})
			return
		}
		h := w.Header()
		h.Set("Content-Type", MediaType+"; charset=utf-8")
		h.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(MaxAge/time.Second)))
		h.Set("ETag", etag)
		h.Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(Document))
	})
}
