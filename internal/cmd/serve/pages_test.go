package serve_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmdutil"
	"github.com/acctl/acctl/internal/pages"
)

// pagesEnv is newEnv with the pages on (links.pages) and no job runner in
// the server: the test sends the queued links with `acctl job run`, so
// that it knows when they are in the outbox.
func pagesEnv(t *testing.T) *cmdtest.Env {
	e := newEnv(t)
	e.Defaults[cmdutil.KeyLinksPages] = true
	e.Defaults[cmdutil.KeyJobsInterval] = "0"
	return e
}

// resetLink is the path and query of the last reset link in e's outbox,
// which must point at the pages at public_url's origin.
var resetLink = regexp.MustCompile(`https://app\.example\.com(/auth/pages/link\?token=[0-9A-Z]+)`)

func lastResetLink(t *testing.T, e *cmdtest.Env) string {
	t.Helper()
	e.MustRun("job", "run")
	b, err := os.ReadFile(filepath.Join(filepath.Dir(e.Store), "outbox.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	m := resetLink.FindAllStringSubmatch(string(b), -1)
	if len(m) == 0 {
		t.Fatalf("no reset link to the pages in the outbox:\n%s", b)
	}
	return m[len(m)-1][1]
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// TestServePages runs the reset through a real `acctl serve`: the mailed
// link points at the pages, the page sets the password, and the token is
// in no log line.
func TestServePages(t *testing.T) {
	e := pagesEnv(t)
	e.Register("--email", "alice@example.com")
	s := start(t, e)
	resp, body := s.do(http.MethodPost, "/auth/lost_password", "email=alice%40example.com", form)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("lost_password: %d %s", resp.StatusCode, body)
	}
	link := lastResetLink(t, e)
	token := strings.TrimPrefix(link, "/auth/pages/link?token=")

	resp, err := noRedirect.Get(s.url + link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != pages.ResetPath {
		t.Fatalf("the link: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	cookie := resp.Cookies()[0]
	resp, body = s.do(http.MethodGet, pages.ResetPath, "", nil, cookie)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Security-Policy") != pages.CSP ||
		!strings.Contains(body, `autocomplete="new-password"`) {
		t.Fatalf("the form: %d %v\n%s", resp.StatusCode, resp.Header, body)
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)[1]
	newPW := "seven tired otters nap on driftwood"
	f := url.Values{"csrf": {csrf}, "password": {newPW}, "confirmation": {newPW}}
	resp, body = s.do(http.MethodPost, pages.ResetPath, f.Encode(),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": s.url}, cookie)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Your password is set") {
		t.Fatalf("the reset: %d\n%s", resp.StatusCode, body)
	}
	resp, body = s.do(http.MethodPost, "/auth/login", "username=alice%40example.com&password="+url.QueryEscape(newPW), form)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login with the new password: %d %s", resp.StatusCode, body)
	}

	if code := s.shutdown(); code != 0 {
		t.Fatalf("exit %d\n%s", code, s.log)
	}
	log := s.log.String()
	for _, want := range []string{"pages=true", "path=/auth/pages/link status=303", "path=/auth/pages/reset status=200"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
	for _, secret := range []string{token, strings.ToLower(token), csrf, cookie.Value, newPW} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds a secret %q:\n%s", secret, log)
		}
	}
}

// TestServePagesOff: without links.pages the pages are not served (the
// auth API's 404) and the links go to public_url; public_url under /auth/
// (the server itself) turns them on.
func TestServePagesOff(t *testing.T) {
	e := newEnv(t)
	e.Defaults[cmdutil.KeyJobsInterval] = "0"
	e.Register("--email", "bob@example.com")
	s := start(t, e)
	resp, body := s.do(http.MethodGet, pages.LinkPath+"?token=X", "", nil)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, `"success":false`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	s.do(http.MethodPost, "/auth/lost_password", "email=bob%40example.com", form)
	e.MustRun("job", "run")
	b, _ := os.ReadFile(filepath.Join(filepath.Dir(e.Store), "outbox.jsonl"))
	if !strings.Contains(string(b), "https://app.example.com/?token=") {
		t.Fatalf("the link is not public_url's:\n%s", b)
	}
	s.shutdown()

	e.Defaults[cmdutil.KeyPublicURL] = "https://accounts.example.com/auth/signin"
	s = start(t, e)
	resp, _ = s.do(http.MethodGet, pages.ForgotPath, "", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Security-Policy") != pages.CSP {
		t.Fatalf("public_url at the server: the forgot page %d", resp.StatusCode)
	}
}

// TestPagesDoc fails when docs/http-api.md misses a page or the key.
func TestPagesDoc(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "http-api.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{pages.LinkPath, pages.ResetPath, pages.ConfirmPath, pages.ForgotPath, pages.StylePath,
		pages.ResetCookie, pages.ConfirmCookie, pages.ForgotCookie, pages.CSP, cmdutil.KeyLinksPages} {
		if !strings.Contains(string(b), p) {
			t.Errorf("docs/http-api.md does not describe %s", p)
		}
	}
}
