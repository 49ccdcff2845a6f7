package serve_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/authapi"
	"github.com/acctl/acctl/internal/cmd/serve"
	"github.com/acctl/acctl/internal/forwarded"
)

// TestRequestIDs: a trusted proxy's X-Request-Id is kept, anyone else's
// (or a malformed one) is replaced by a made one; the id is echoed in the
// answer and named by every log line of the request (the admin API's
// line too), and the duration is in milliseconds.
func TestRequestIDs(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewJSONHandler(&buf, nil))
	h := serve.Handler(down{}, nil, authapi.Options{TrustedProxies: forwarded.MustParse("10.0.0.0/8")}, l, l)
	seen := map[string]bool{}
	for _, c := range []struct {
		remote, id string
		keep       bool
	}{
		{"10.0.0.5:1", "proxy-id-1", true},
		{"192.0.2.1:1", "client-id", false}, // not a trusted proxy
		{"10.0.0.5:1", "", false},
		{"10.0.0.5:1", "bad id\nlevel=ERROR", false},
		{"10.0.0.5:1", strings.Repeat("x", 129), false},
	} {
		buf.Reset()
		r := httptest.NewRequest(http.MethodPost, "/v1/User", strings.NewReader(`{}`))
		r.RemoteAddr = c.remote
		if c.id != "" {
			r.Header.Set("X-Request-Id", c.id)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		got := w.Header().Get("X-Request-Id")
		if c.keep && got != c.id || !c.keep && (got == c.id || len(got) != 16 || seen[got]) {
			t.Errorf("%+v: X-Request-Id %q", c, got)
		}
		seen[got] = true
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if len(lines) != 2 { // the admin API's line and the request line
			t.Fatalf("%+v: log\n%s", c, buf.String())
		}
		for _, line := range lines {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatal(err)
			}
			if m["request_id"] != got {
				t.Errorf("%+v: line without the id %q: %s", c, got, line)
			}
			if _, ok := m["duration_ms"].(float64); !ok || m["duration"] != nil {
				t.Errorf("%+v: duration not in ms: %s", c, line)
			}
		}
	}
}
