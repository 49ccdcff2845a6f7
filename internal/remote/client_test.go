package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/api"
	"github.com/acctl/acctl/internal/cmdutil"
)

const secret = "s3cret-api-key-do-not-show"

func TestNewChecksTheURL(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:8080", "http://localhost", "http://[::1]:9/", "https://acctl.example.com",
		"https://acctl.example.com/prefix/", "HTTPS://Example.com"} {
		if _, err := New(ok, secret, Options{}); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://acctl.example.com", "http://10.0.0.1:8080", "ftp://x", "https://",
		"https://user:" + secret + "@example.com", "https://example.com/?token=" + secret, "https://example.com/#x",
		"http://127.0.0.1.example.com"} {
		_, err := New(bad, secret, Options{})
		if acct.ErrorCode(err) != acct.CodeInvalid {
			t.Errorf("%s: %v, want invalid", bad, err)
		} else if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error shows the token: %v", bad, err)
		}
	}
	for _, tok := range []string{"", "  \n", "two words", "nl\ninside"} {
		if _, err := New("https://example.com", tok, Options{}); acct.ErrorField(err) != "token" {
			t.Errorf("token %q: %v", tok, err)
		}
	}
	c, err := New("https://example.com", secret+"\n", Options{})
	if err != nil || c.token != secret {
		t.Errorf("a final newline (a token file) is not trimmed: %v", err)
	}
}

// TestSendsTheKey checks the request: POST to the operation, the key in
// the Authorization header only, a JSON body.
func TestSendsTheKey(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.URL.Path != "/base/v1/UpdateUser" || r.URL.RawQuery != "" ||
			r.Header.Get("Authorization") != "Bearer "+secret || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("request %s %s %v", r.Method, r.URL, r.Header)
		}
		var in api.UpdateUserRequest
		if err := jsonDecode(r, &in); err != nil || in.Ref != "alice" || in.Update.FirstName == nil || *in.Update.FirstName != "Al" {
			t.Errorf("body %+v, %v", in, err)
		}
		api.WriteJSON(w, 200, acct.User{ID: 3, FirstName: "Al"})
	}))
	defer srv.Close()
	c, err := New(srv.URL+"/base/", secret, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	u, err := c.UpdateUser(context.Background(), "alice", acct.UserUpdate{FirstName: new("Al")})
	if err != nil || u.ID != 3 || u.FirstName != "Al" {
		t.Fatalf("%+v, %v", u, err)
	}
}

// TestErrorsFromStatuses checks that the client gives back the server's
// error for every code, field kept, and that every 5xx is unavailable.
func TestErrorsFromStatuses(t *testing.T) {
	var answer func(w http.ResponseWriter)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { answer(w) }))
	defer srv.Close()
	c, err := New(srv.URL, secret, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, code := range []acct.Code{acct.CodeInvalid, acct.CodeUnauthenticated, acct.CodeRefused,
		acct.CodeNotFound, acct.CodeConflict, acct.CodeInternal, acct.CodeUnavailable} {
		answer = func(w http.ResponseWriter) {
			api.WriteError(w, &acct.Error{Code: code, Field: "email", Message: "bad " + string(code)})
		}
		u, err := c.User(ctx, "x")
		want := code
		if code == acct.CodeInternal {
			want = acct.CodeUnavailable // a 5xx, safe to retry
		}
		if u != nil || acct.ErrorCode(err) != want {
			t.Errorf("%s: %v, %v (code %s), want code %s", code, u, err, acct.ErrorCode(err), want)
			continue
		}
		// The server's own unavailable error (a busy store, a failed
		// delivery) comes back as it is, as a local command says it.
		if code != acct.CodeInternal && (acct.ErrorField(err) != "email" || err.Error() != "bad "+string(code)) {
			t.Errorf("%s: %q field %q, want the server's message and field", code, err, acct.ErrorField(err))
		}
	}
	for status, want := range map[int]acct.Code{502: acct.CodeUnavailable, 504: acct.CodeUnavailable,
		500: acct.CodeUnavailable, 404: acct.CodeNotFound, 413: acct.CodeInvalid, 418: acct.CodeInvalid} {
		answer = func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			fmt.Fprint(w, "<html>proxy error</html>")
		}
		err := c.VerifyPassword(ctx, "x", "pw")
		if acct.ErrorCode(err) != want || !strings.Contains(err.Error(), fmt.Sprint(status)) {
			t.Errorf("plain %d: %v (%s), want %s", status, err, acct.ErrorCode(err), want)
		}
	}
	answer = func(w http.ResponseWriter) {
		w.Header().Set("Location", "https://elsewhere.example/")
		w.WriteHeader(http.StatusFound)
	}
	if err := c.ForgotPassword(ctx, "a@example.com"); acct.ErrorCode(err) != acct.CodeInvalid || !strings.Contains(err.Error(), "elsewhere") {
		t.Errorf("redirect: %v", err)
	}
	answer = func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"x"`)
	}
	if _, err := c.User(ctx, "x"); err == nil {
		t.Errorf("a cut answer is not an error")
	}
	answer = func(w http.ResponseWriter) { fmt.Fprint(w, "null") }
	if u, err := c.User(ctx, "x"); u != nil || acct.ErrorCode(err) != acct.CodeInternal {
		t.Errorf("a null answer: %v, %v", u, err)
	}
	answer = func(w http.ResponseWriter) { fmt.Fprint(w, `<html>`) }
	if _, err := c.User(ctx, "x"); acct.ErrorCode(err) != acct.CodeInternal {
		t.Errorf("an answer that is not JSON: %v", err)
	}
}

func TestUnreachableAndTimeout(t *testing.T) {
	// A port that nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, err := New("http://"+addr, secret, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.User(context.Background(), "x")
	if acct.ErrorCode(err) != acct.CodeUnavailable || strings.Contains(err.Error(), secret) {
		t.Errorf("unreachable: %v (%s)", err, acct.ErrorCode(err))
	}

	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	c, err = New(srv.URL, secret, Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.User(context.Background(), "x")
	if acct.ErrorCode(err) != acct.CodeUnavailable || !strings.Contains(err.Error(), "in time") || strings.Contains(err.Error(), secret) {
		t.Errorf("timeout: %v (%s)", err, acct.ErrorCode(err))
	}

	// An interrupt stays an interrupt (exit 130), not unavailable.
	c, _ = New(srv.URL, secret, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = c.User(ctx, "x")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("interrupted: %v", err)
	}
}

func jsonDecode(r *http.Request, v any) error {
	return json.NewDecoder(r.Body).Decode(v)
}

// TestBusyServer: a server whose hashing pool is full answers 503 with
// Retry-After; the client gives the server's unavailable error back with
// the hint, and a command exits 7. A proxy's bare 503 keeps its hint too.
func TestBusyServer(t *testing.T) {
	var answer func(w http.ResponseWriter)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { answer(w) }))
	defer srv.Close()
	c, err := New(srv.URL, secret, Options{})
	if err != nil {
		t.Fatal(err)
	}
	pool := acct.NewHashPool(1, 0)
	started, stop := make(chan struct{}), make(chan struct{})
	go pool.Do(context.Background(), func() { close(started); <-stop })
	<-started
	defer close(stop)
	full := pool.Do(context.Background(), func() {})
	answer = func(w http.ResponseWriter) { api.WriteError(w, full) }
	_, err = c.Login(context.Background(), acct.Login{Ref: "a@example.com", Password: "pw"})
	if !acct.IsCode(err, acct.CodeUnavailable) || err.Error() != full.Error() {
		t.Fatalf("busy server: %v, want the server's unavailable error %q", err, full)
	}
	if got, want := acct.RetryAfter(err), acct.RetryAfter(full); got != want || got < time.Second {
		t.Errorf("retry after %s, want %s", got, want)
	}
	if code := cmdutil.ExitCode(err); code != cmdutil.ExitUnavailable {
		t.Errorf("exit %d, want %d", code, cmdutil.ExitUnavailable)
	}
	answer = func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	err = c.VerifyPassword(context.Background(), "x", "pw")
	if !acct.IsCode(err, acct.CodeUnavailable) || acct.RetryAfter(err) != 5*time.Second {
		t.Errorf("bare 503: %v, retry after %s", err, acct.RetryAfter(err))
	}
}

// TestUnsupportedOperation: an operation the server does not know (a
// server older than the client) is invalid input, exit 2, saying to
// upgrade the server: from a server that answers 501 unsupported, and
// from one before it that answered 404 not_found "unknown operation". A
// real not_found stays not_found.
func TestUnsupportedOperation(t *testing.T) {
	var answer func(w http.ResponseWriter)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { answer(w) }))
	defer srv.Close()
	c, err := New(srv.URL, secret, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, old := range []struct {
		status int
		detail api.ErrorDetail
	}{
		{http.StatusNotImplemented, api.ErrorDetail{Code: api.CodeUnsupported, Message: `unknown operation "PasswordHashes": this server does not support it`}},
		{http.StatusNotFound, api.ErrorDetail{Code: acct.CodeNotFound, Message: `unknown operation "PasswordHashes"`}},
	} {
		answer = func(w http.ResponseWriter) { api.WriteJSON(w, old.status, api.ErrorBody{Error: old.detail}) }
		_, err := c.PasswordHashes(context.Background())
		want := "the server at " + srv.URL + " does not support PasswordHashes: upgrade it"
		if acct.ErrorCode(err) != acct.CodeInvalid || err.Error() != want || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%d %s: %v (code %q, exit %d), want %q, exit 2", old.status, old.detail.Code, err, acct.ErrorCode(err), cmdutil.ExitCode(err), want)
		}
	}
	answer = func(w http.ResponseWriter) {
		api.WriteJSON(w, http.StatusNotFound, api.ErrorBody{Error: api.ErrorDetail{Code: acct.CodeNotFound, Message: `no user "bob"`}})
	}
	if _, err := c.User(context.Background(), "bob"); acct.ErrorCode(err) != acct.CodeNotFound || cmdutil.ExitCode(err) != cmdutil.ExitNotFound {
		t.Errorf("no such user: %v", err)
	}
}

// TestDurationsSentAsNumbers: the client sends durations as integer
// nanoseconds, which every server of /v1 reads.
func TestDurationsSentAsNumbers(t *testing.T) {
	var bodies []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		if err := jsonDecode(r, &m); err != nil {
			t.Error(err)
		}
		bodies = append(bodies, m)
		switch r.URL.Path {
		case "/v1/Unregister":
			api.WriteJSON(w, 200, acct.User{ID: 1})
		case "/v1/PurgeSessions":
			api.WriteJSON(w, 200, acct.SessionPurgeResult{})
		default:
			api.WriteJSON(w, 200, acct.ResetCode{ID: "x"})
		}
	}))
	defer srv.Close()
	c, err := New(srv.URL, secret, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if _, err := c.Unregister(ctx, "alice", acct.UnregisterOptions{Hold: 30 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PurgeSessions(ctx, acct.SessionPurgeOptions{OlderThan: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.IssueResetCode(ctx, acct.ResetCodeRequest{Ref: "alice", TTL: 10 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(bodies[0]["options"].(map[string]any)["hold"], " ", bodies[1]["older_than"], " ", bodies[2]["ttl"])
	if want := fmt.Sprint(float64(30*24*time.Hour), " ", float64(time.Hour), " ", float64(10*time.Minute)); got != want {
		t.Errorf("durations sent %s, want numbers %s", got, want)
	}
}
