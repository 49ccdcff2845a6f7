package authapi

import (
	"net/http"
	"slices"
	"testing"
)

// TestEveryRouteIsDescribed fails when a method of a route has no entry in
// endpoints (so the OpenAPI document would miss it), when an entry names
// no route, or when an entry's required fields are not fields its body
// may carry.
func TestEveryRouteIsDescribed(t *testing.T) {
	seen := map[string]bool{}
	for p, rt := range routes {
		for _, m := range rt.methods {
			key := m + " " + p
			seen[key] = true
			d, ok := endpoints[key]
			if !ok {
				t.Errorf("route %s is not described in endpoints (describe.go)", key)
				continue
			}
			if d.summary == "" {
				t.Errorf("%s: no summary", key)
			}
			if (d.answer == nil) != (key == "GET /auth/signin") {
				t.Errorf("%s: answer %T: only the activation link redirects", key, d.answer)
			}
			for _, f := range d.required {
				if m != http.MethodPost || !slices.Contains(bodyFields[p], f) {
					t.Errorf("%s: required field %q is not in its bodyFields", key, f)
				}
			}
		}
	}
	for key := range endpoints {
		if !seen[key] {
			t.Errorf("endpoints describes %s, which is no route", key)
		}
	}
	if n := len(Endpoints()); n != len(seen) {
		t.Errorf("Endpoints() gives %d, want %d", n, len(seen))
	}
}
