package serve_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/api"
)

// TestHTTPAPIDoc fails when docs/http-api.md misses an operation of the
// admin API, shows a role wrongly, or misses an endpoint of the auth API.
func TestHTTPAPIDoc(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "http-api.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	row := regexp.MustCompile("(?m)^\\| `([A-Za-z]+)` \\|.*\\| *(✓?) *\\| *(✓?) *\\|$")
	var documented []string
	for _, m := range row.FindAllStringSubmatch(doc, -1) {
		op := m[1]
		documented = append(documented, op)
		for role, mark := range map[acct.Role]string{acct.RoleSupport: m[2], acct.RoleAuditor: m[3]} {
			if want := acct.Permitted(role, op); want != (mark != "") {
				t.Errorf("%s: the doc says %s may call it: %v; acct says %v", op, role, mark != "", want)
			}
		}
	}
	ops := slices.Clone(api.Operations)
	slices.Sort(ops)
	slices.Sort(documented)
	if !slices.Equal(ops, documented) {
		t.Errorf("operations in docs/http-api.md:\n%v\nwant api.Operations:\n%v", documented, ops)
	}
	for _, p := range []string{"POST /auth/login", "POST /auth/logout", "POST /auth/signin", "GET /auth/signin?confirm=KEY",
		"POST /auth/lost_password", "POST /auth/reset_password", "POST /auth/change_password",
		"POST /auth/change_language", "GET /auth/session", "GET /healthz", "GET /livez", "GET /readyz", "X-Request-Id", "serve.metrics_listen"} {
		if !strings.Contains(doc, p) {
			t.Errorf("docs/http-api.md does not describe %s", p)
		}
	}
}
