package serve_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/authapi"
	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmd/root"
	"github.com/acctl/acctl/internal/cmd/serve"
	"github.com/acctl/acctl/internal/cmdutil"
)

// syncBuffer is a bytes.Buffer for a server's log, read while it writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// server is an `acctl serve` running in the test.
type server struct {
	t    *testing.T
	url  string
	log  *syncBuffer
	stop context.CancelFunc
	code chan int
	// stopped is set once the exit code is read.
	stopped bool
}

// listening finds the URL in the "listening" line, text or JSON.
var listening = regexp.MustCompile(`msg"?[=:]"?listening"?[, ]"?url"?[=:]"?([^\s"]+)`)

// start runs `acctl serve --listen 127.0.0.1:0 args…` on e's store and
// waits until it listens.
func start(t *testing.T, e *cmdtest.Env, args ...string) *server {
	t.Helper()
	f, _, _ := e.Factory(cmdtest.Run{})
	s := &server{t: t, log: &syncBuffer{}, code: make(chan int, 1)}
	f.IO.ErrOut = s.log
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	go func() {
		s.code <- root.Execute(ctx, f, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...))
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := listening.FindStringSubmatch(s.log.String()); m != nil {
			s.url = m[1]
			break
		}
		select {
		case code := <-s.code:
			t.Fatalf("acctl serve exited %d before listening:\n%s", code, s.log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("acctl serve does not listen:\n%s", s.log)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Cleanup(func() {
		if !s.stopped {
			s.shutdown()
		}
	})
	return s
}

// shutdown stops the server as SIGTERM does (the context of the command
// ends) and returns its exit code.
func (s *server) shutdown() int {
	s.t.Helper()
	s.stop()
	select {
	case code := <-s.code:
		s.stopped = true
		return code
	case <-time.After(20 * time.Second):
		s.t.Fatalf("acctl serve does not stop:\n%s", s.log)
		return -1
	}
}

func (s *server) do(method, path, body string, header map[string]string, cookies ...*http.Cookie) (*http.Response, string) {
	s.t.Helper()
	r, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	for _, c := range cookies {
		r.AddCookie(c)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var form = map[string]string{"Content-Type": "application/x-www-form-urlencoded"}

func newEnv(t *testing.T) *cmdtest.Env {
	e := cmdtest.New(t)
	dir := filepath.Dir(e.Store)
	e.Defaults[cmdutil.KeyPublicURL] = "https://app.example.com/"
	e.Defaults[cmdutil.KeyOutbox] = filepath.Join(dir, "outbox.jsonl")
	return e
}

func TestServe(t *testing.T) {
	e := newEnv(t)
	e.Register("--email", "alice@example.com", "--first-name", "Alice")
	token := strings.TrimSpace(e.MustRun("apikey", "create", "ops", "--role", "admin"))
	s := start(t, e)

	resp, body := s.do(http.MethodGet, "/healthz", "", nil)
	if resp.StatusCode != http.StatusOK || body != "ok\n" {
		t.Errorf("healthz: %d %q", resp.StatusCode, body)
	}

	// The admin API, with the key.
	resp, body = s.do(http.MethodPost, "/v1/User", `{"ref":"alice@example.com"}`, map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"email":"alice@example.com"`) {
		t.Errorf("/v1/User: %d %s", resp.StatusCode, body)
	}
	resp, _ = s.do(http.MethodPost, "/v1/User", `{"ref":"alice@example.com"}`, nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("/v1/User without a key: %d", resp.StatusCode)
	}

	// The auth API.
	resp, body = s.do(http.MethodPost, "/auth/login", "username=alice%40example.com&password="+url.QueryEscape(cmdtest.Password), form)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == authapi.DefaultCookieName {
			session = c
		}
	}
	if session == nil || session.Secure {
		t.Fatalf("session cookie %+v (plain HTTP on loopback: not Secure)", session)
	}
	resp, body = s.do(http.MethodGet, "/auth/session", "", nil, session)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"fullname":"Alice"`) {
		t.Errorf("session: %d %s", resp.StatusCode, body)
	}
	resp, _ = s.do(http.MethodGet, "/auth/signin?confirm=SECRETKEY123", "", nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("signin confirm with a bad key: %d", resp.StatusCode)
	}
	resp, body = s.do(http.MethodGet, "/nowhere", "", nil)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, `"not_found"`) {
		t.Errorf("/nowhere: %d %s", resp.StatusCode, body)
	}

	if code := s.shutdown(); code != 0 {
		t.Errorf("exit %d, want 0\n%s", code, s.log)
	}
	log := s.log.String()
	for _, want := range []string{
		`msg=request method=GET path=/healthz status=200`,
		`msg=request method=POST path=/v1/User status=200`,
		`client=127.0.0.1 key=ops`,
		`msg=request method=POST path=/auth/login status=200`,
		`path=/auth/signin status=401`,
		`msg=stopped`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
	for _, secret := range []string{token, session.Value, cmdtest.Password, "SECRETKEY123", "alice%40example.com"} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds %q:\n%s", secret, log)
		}
	}
	if n := strings.Count(log, "msg=request"); n != 7 {
		t.Errorf("%d request lines, want 7:\n%s", n, log)
	}
}

func TestServeJSONLog(t *testing.T) {
	e := newEnv(t)
	s := start(t, e, "--log-format", "json")
	s.do(http.MethodGet, "/healthz", "", nil)
	if c := s.shutdown(); c != 0 {
		t.Fatalf("exit %d", c)
	}
	var requests int
	for line := range strings.SplitSeq(strings.TrimSpace(s.log.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		if m["msg"] == "request" {
			requests++
			if m["method"] != "GET" || m["path"] != "/healthz" || m["status"] != float64(200) || m["bytes"] != float64(3) ||
				m["client"] != "127.0.0.1" || m["duration_ms"] == nil {
				t.Errorf("request line %v", m)
			}
		}
	}
	if requests != 1 {
		t.Errorf("%d request lines:\n%s", requests, s.log)
	}
}

// slow is the store's Service whose ValidateSession waits for release.
type slow struct {
	*acct.Local
	entered chan struct{}
	release chan struct{}
}

func (s *slow) ValidateSession(ctx context.Context, token string) (*acct.SessionInfo, error) {
	s.entered <- struct{}{}
	<-s.release
	return s.Local.ValidateSession(ctx, token)
}

func slowEnv(t *testing.T) (*cmdtest.Env, *slow) {
	e := newEnv(t)
	sl := &slow{entered: make(chan struct{}, 1), release: make(chan struct{})}
	e.Opener = func(ctx context.Context, p cmdutil.OpenParams) (acct.Service, error) {
		svc, err := root.OpenService(ctx, p)
		if err != nil {
			return nil, err
		}
		sl.Local = svc.(*acct.Local)
		return sl, nil
	}
	return e, sl
}

func TestGracefulShutdown(t *testing.T) {
	e, sl := slowEnv(t)
	s := start(t, e)
	type answer struct {
		status int
		err    error
	}
	done := make(chan answer, 1)
	go func() {
		r, _ := http.NewRequest(http.MethodGet, s.url+"/auth/session", nil)
		r.AddCookie(&http.Cookie{Name: authapi.DefaultCookieName, Value: "acctl_sess_unknown"})
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			done <- answer{err: err}
			return
		}
		resp.Body.Close()
		done <- answer{status: resp.StatusCode}
	}()
	<-sl.entered // the request is under way

	code := make(chan int, 1)
	go func() { code <- s.shutdown() }()
	// The server stops taking connections…
	addr := strings.TrimPrefix(s.url, "http://")
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still takes connections")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// …but not before the request under way is answered.
	select {
	case c := <-code:
		t.Fatalf("exited %d with a request under way", c)
	case <-time.After(100 * time.Millisecond):
	}
	close(sl.release)
	if a := <-done; a.err != nil || a.status != http.StatusUnauthorized {
		t.Errorf("the request under way: %d, %v", a.status, a.err)
	}
	if c := <-code; c != 0 {
		t.Errorf("exit %d, want 0\n%s", c, s.log)
	}
	if log := s.log.String(); !strings.Contains(log, "path=/auth/session status=401") || strings.Contains(log, "cut") {
		t.Errorf("log:\n%s", log)
	}
}

func TestShutdownTimeoutCutsSlowRequests(t *testing.T) {
	e, sl := slowEnv(t)
	defer close(sl.release)
	s := start(t, e, "--shutdown-timeout", "200ms")
	errc := make(chan error, 1)
	go func() {
		r, _ := http.NewRequest(http.MethodGet, s.url+"/auth/session", nil)
		r.AddCookie(&http.Cookie{Name: authapi.DefaultCookieName, Value: "acctl_sess_unknown"})
		resp, err := http.DefaultClient.Do(r)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	<-sl.entered
	if c := s.shutdown(); c != 0 {
		t.Errorf("exit %d, want 0\n%s", c, s.log)
	}
	if err := <-errc; err == nil {
		t.Errorf("the request outlived the shutdown timeout")
	}
	if !strings.Contains(s.log.String(), "the requests still under way were cut") {
		t.Errorf("log:\n%s", s.log)
	}
}

func TestServeRefusals(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := ln.Addr().String()
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--store", "https://acctl.example.com", "serve"}, cmdutil.ExitUsage, "serves a local store"},
		{[]string{"serve", "--tls-cert", "c.pem"}, cmdutil.ExitUsage, "go together"},
		{[]string{"serve", "--log-format", "xml"}, cmdutil.ExitUsage, "text or json"},
		{[]string{"serve", "--shutdown-timeout", "0s"}, cmdutil.ExitUsage, "positive"},
		{[]string{"serve", "--tls-cert", filepath.Join(dir, "none.pem"), "--tls-key", filepath.Join(dir, "none.key")}, cmdutil.ExitUsage, "--tls-cert"},
		{[]string{"serve", "--listen", "nowhere"}, cmdutil.ExitUsage, "HOST:PORT"},
		{[]string{"serve", "--listen", taken}, cmdutil.ExitUnavailable, "listen on " + taken},
		{[]string{"serve", "extra"}, cmdutil.ExitUsage, ""},
	} {
		res := e.Run(c.args...)
		if res.Code != c.code || !strings.Contains(res.Err, c.want) {
			t.Errorf("acctl %s: exit %d, want %d; stderr %s", strings.Join(c.args, " "), res.Code, c.code, res.Err)
		}
	}
}

func TestServeTLS(t *testing.T) {
	e := newEnv(t)
	e.Register("--email", "alice@example.com")
	certFile, keyFile, pool := selfSigned(t)
	s := start(t, e, "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(s.url, "https://") {
		t.Fatalf("url %s", s.url)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(s.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("healthz over TLS: %d", resp.StatusCode)
	}
	resp, err = client.Post(s.url+"/auth/login", "application/json",
		strings.NewReader(`{"username":"alice@example.com","password":"`+cmdtest.Password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(resp.Cookies()) == 0 || !resp.Cookies()[0].Secure {
		t.Errorf("cookies over TLS %v", resp.Header.Values("Set-Cookie"))
	}
	// Plain HTTP to the TLS port is refused.
	if resp, err := http.Get("http://" + strings.TrimPrefix(s.url, "https://") + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("plain HTTP served")
		}
	}
	if c := s.shutdown(); c != 0 {
		t.Errorf("exit %d", c)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "acctl test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// down is a Service whose store does not answer.
type down struct{ acct.Service }

func (down) ListUsers(context.Context, acct.UserQuery) (*acct.UserPage, error) {
	return nil, acct.Errorf(acct.CodeUnavailable, "database is locked")
}

func TestHealthzWhenTheStoreIsDown(t *testing.T) {
	var log bytes.Buffer
	l := slog.New(slog.NewTextHandler(&log, nil))
	h := serve.Handler(down{}, nil, authapi.Options{}, l, l)
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(m, "/healthz", nil))
		want := http.StatusServiceUnavailable
		if m == http.MethodPost {
			want = http.StatusMethodNotAllowed
		}
		if w.Code != want {
			t.Errorf("%s /healthz: %d, want %d", m, w.Code, want)
		}
	}
	if !strings.Contains(log.String(), "database is locked") || !strings.Contains(log.String(), "status=503") {
		t.Errorf("log:\n%s", log.String())
	}
}

// TestServeWarnsOfAnotherSecret: a server whose secret file is not the
// one the store's codes are made with says so when it starts, naming
// secret_file, and serves the rest; its code operations are refused.
func TestServeWarnsOfAnotherSecret(t *testing.T) {
	e := newEnv(t)
	e.Register("--email", "alice@example.com")
	e.MustRun("password", "reset-code", "alice@example.com")
	token := strings.TrimSpace(e.MustRun("apikey", "create", "ops", "--role", "admin"))
	other := filepath.Join(t.TempDir(), "other-secret")
	e.Defaults[cmdutil.KeySecretFile] = other
	s := start(t, e)
	log := s.log.String()
	if !strings.Contains(log, "level=ERROR msg=\"installation secret: every code operation will be refused\"") ||
		!strings.Contains(log, "secret_file ("+other+") holds another installation secret") {
		t.Errorf("the start log does not warn of the secret:\n%s", log)
	}
	bearer := map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}
	if resp, body := s.do(http.MethodPost, "/v1/User", `{"ref":"alice@example.com"}`, bearer); resp.StatusCode != http.StatusOK {
		t.Errorf("/v1/User: %d %s", resp.StatusCode, body)
	}
	resp, body := s.do(http.MethodPost, "/v1/IssueResetCode", `{"ref":"alice@example.com"}`, bearer)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"field":"secret_file"`) {
		t.Errorf("/v1/IssueResetCode: %d %s", resp.StatusCode, body)
	}
}
