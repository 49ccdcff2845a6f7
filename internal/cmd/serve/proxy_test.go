package serve_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/api"
	"github.com/acctl/acctl/internal/authapi"
	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmd/serve"
	"github.com/acctl/acctl/internal/cmdutil"
	"github.com/acctl/acctl/internal/forwarded"
)

// writePair writes a self-signed certificate for 127.0.0.1 named cn, and
// its key, to the two files.
func writePair(t *testing.T, certFile, keyFile, cn string) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
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
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// served is the name on the certificate a TLS handshake with addr shows.
func served(t *testing.T, addr string) string {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true}) // the name is what is checked
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].Subject.CommonName
}

func TestCertReload(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePair(t, certFile, keyFile, "first")
	r, err := serve.NewCertReloader(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	name := func() string {
		leaf, err := x509.ParseCertificate(r.Current().Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		return leaf.Subject.CommonName
	}
	var log bytes.Buffer
	l := slog.New(slog.NewTextHandler(&log, nil))

	writePair(t, certFile, keyFile, "second")
	r.Reload(l)
	if name() != "second" || !strings.Contains(log.String(), "reloaded") {
		t.Errorf("after a good pair: %s; log %s", name(), log.String())
	}

	// A bad pair: a key that is not the certificate's, then garbage.
	other := filepath.Join(dir, "other")
	writePair(t, certFile, other, "third")
	log.Reset()
	r.Reload(l)
	if name() != "second" || !strings.Contains(log.String(), "level=ERROR") || !strings.Contains(log.String(), "old ones stay") {
		t.Errorf("after a mismatched pair: %s; log %s", name(), log.String())
	}
	if err := os.WriteFile(certFile, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	log.Reset()
	r.Reload(l)
	if name() != "second" || !strings.Contains(log.String(), "level=ERROR") {
		t.Errorf("after garbage: %s; log %s", name(), log.String())
	}
}

// waitLog waits until the server's log holds want.
func (s *server) waitLog(want string) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.log.String(), want) {
		if time.Now().After(deadline) {
			s.t.Fatalf("the log never held %q:\n%s", want, s.log)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestServeTLSReloadHSTSAndHTTP2(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	first := writePair(t, certFile, keyFile, "first")
	s := start(t, e, "--tls-cert", certFile, "--tls-key", keyFile)
	addr := strings.TrimPrefix(s.url, "https://")

	// HTTP/2 is offered (ALPN), and HSTS is sent.
	pool := x509.NewCertPool()
	pool.AddCert(first)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	resp, err := client.Get(s.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.TLS == nil || resp.TLS.NegotiatedProtocol != "h2" {
		t.Errorf("protocol %s (ALPN %q), want HTTP/2", resp.Proto, resp.TLS.NegotiatedProtocol)
	}
	if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("HSTS %q", got)
	}
	// HTTP/1.1 still works.
	h1 := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}}}
	if resp, err = h1.Get(s.url + "/healthz"); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 1 || resp.StatusCode != http.StatusOK {
		t.Errorf("HTTP/1.1: %s %d", resp.Proto, resp.StatusCode)
	}

	// SIGHUP reloads the pair and does not stop the server.
	writePair(t, certFile, keyFile, "second")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	s.waitLog("certificate and key reloaded")
	if got := served(t, addr); got != "second" {
		t.Errorf("after SIGHUP the server shows %q, want the new certificate", got)
	}
	// A bad pair keeps the one in use.
	if err := os.WriteFile(keyFile, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	s.waitLog("do not load; the old ones stay in use")
	if got := served(t, addr); got != "second" {
		t.Errorf("after a bad pair the server shows %q", got)
	}
	if c := s.shutdown(); c != 0 {
		t.Errorf("exit %d\n%s", c, s.log)
	}
}

func TestSIGHUPWithoutTLS(t *testing.T) {
	e := newEnv(t)
	s := start(t, e)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	s.waitLog("SIGHUP: nothing to reload")
	resp, body := s.do(http.MethodGet, "/healthz", "", nil)
	if resp.StatusCode != http.StatusOK || body != "ok\n" {
		t.Errorf("healthz after SIGHUP: %d %q", resp.StatusCode, body)
	}
	if resp.Header.Get("Strict-Transport-Security") != "" {
		t.Errorf("HSTS over plain HTTP")
	}
	if c := s.shutdown(); c != 0 {
		t.Errorf("exit %d", c)
	}
}

func TestUncleanPathsAre404(t *testing.T) {
	e := newEnv(t)
	token := strings.TrimSpace(e.MustRun("apikey", "create", "ops", "--role", "admin"))
	s := start(t, e)
	for _, c := range []struct{ method, path string }{
		{http.MethodPost, "/v1"},
		{http.MethodPost, "/auth"},
		{http.MethodPost, "/auth//login"},
		{http.MethodPost, "/v1/../auth/login"},
		{http.MethodPost, "/v1//User"},
		{http.MethodPost, "/v1/./User"},
		{http.MethodGet, "/auth/./session"},
		{http.MethodGet, "/healthz/"},
	} {
		r, err := http.NewRequest(c.method, s.url+c.path, strings.NewReader(`{"ref":"x"}`))
		if err != nil {
			t.Fatal(err)
		}
		r.URL.Opaque = c.path // sent as written, not cleaned by the client
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+token)
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(r)
		if err != nil {
			t.Fatal(err)
		}
		var body api.ErrorBody
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || err != nil || body.Error.Code != "not_found" ||
			resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: %d %s, body %+v (%v)", c.method, c.path, resp.StatusCode, resp.Header.Get("Content-Type"), body, err)
		}
	}
	// The admin API refuses what is not JSON.
	resp, body := s.do(http.MethodPost, "/v1/User", "ref=x", map[string]string{"Authorization": "Bearer " + token,
		"Content-Type": "application/x-www-form-urlencoded"})
	if resp.StatusCode != http.StatusUnsupportedMediaType || !strings.Contains(body, `"code":"invalid"`) {
		t.Errorf("a form to the admin API: %d %s", resp.StatusCode, body)
	}
}

func TestBehindATrustedProxy(t *testing.T) {
	e := newEnv(t)
	e.Defaults[cmdutil.KeyTrustedProxies] = []string{"127.0.0.1/32"}
	e.Register("--email", "alice@example.com")
	s := start(t, e)
	// nginx's defaults: Host 127.0.0.1:PORT, the client's scheme and address
	// in X-Forwarded-Proto and X-Forwarded-For.
	resp, body := s.do(http.MethodPost, "/auth/login", "username=alice%40example.com&password="+url.QueryEscape(cmdtest.Password),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded",
			"X-Forwarded-For": "198.51.100.1, 203.0.113.7", "X-Forwarded-Proto": "https"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	for _, c := range resp.Cookies() {
		if !c.Secure {
			t.Errorf("cookie %s without Secure behind a proxy that says https", c.Name)
		}
	}
	if got := resp.Header.Get("Strict-Transport-Security"); got == "" {
		t.Errorf("no HSTS behind a proxy that says https")
	}
	// The admin API's own line of a failure names the client too.
	resp, _ = s.do(http.MethodPost, "/v1/User", `{"ref":"x"}`, map[string]string{"Authorization": "Bearer nope",
		"Content-Type": "application/json", "X-Forwarded-For": "203.0.113.8"})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("/v1/User with a bad key: %d", resp.StatusCode)
	}
	s.shutdown()
	if !strings.Contains(s.log.String(), "path=/auth/login status=200") || !strings.Contains(s.log.String(), "client=203.0.113.7") {
		t.Errorf("the log does not name the client behind the proxy:\n%s", s.log)
	}
	if !strings.Contains(s.log.String(), "msg=\"api call\" op=User status=401") || !strings.Contains(s.log.String(), "remote=203.0.113.8") {
		t.Errorf("the admin API's line does not name the client behind the proxy:\n%s", s.log)
	}
}

func TestHandlerProxyHeaders(t *testing.T) {
	var log bytes.Buffer
	l := slog.New(slog.NewTextHandler(&log, nil))
	h := serve.Handler(down{}, nil, authapi.Options{TrustedProxies: forwarded.MustParse("10.0.0.0/8")}, l, l)
	for _, c := range []struct {
		remote string
		tls    bool
		xfp    string
		hsts   bool
		client string
	}{
		{"192.0.2.1:1", false, "", false, "192.0.2.1"},
		{"192.0.2.1:1", true, "", true, "192.0.2.1"},
		{"192.0.2.1:1", false, "https", false, "192.0.2.1"}, // an untrusted peer's header is ignored
		{"10.0.0.5:1", false, "https", true, "203.0.113.7"},
		{"10.0.0.5:1", true, "http", false, "203.0.113.7"},
	} {
		log.Reset()
		r := httptest.NewRequest(http.MethodGet, "/nowhere", nil)
		r.RemoteAddr = c.remote
		if c.tls {
			r.TLS = &tls.ConnectionState{}
		}
		r.Header.Set("X-Forwarded-For", "203.0.113.7")
		if c.xfp != "" {
			r.Header.Set("X-Forwarded-Proto", c.xfp)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if got := w.Header().Get("Strict-Transport-Security") != ""; got != c.hsts {
			t.Errorf("%+v: HSTS %v", c, got)
		}
		if !strings.Contains(log.String(), "client="+c.client) {
			t.Errorf("%+v: log %s", c, log.String())
		}
	}
}

func TestServeRefusesTheRemovedClientIPHeader(t *testing.T) {
	e := newEnv(t)
	e.Defaults[cmdutil.KeyAuthClientIPHeader] = "X-Forwarded-For"
	res := e.Run("serve", "--listen", "127.0.0.1:0")
	if res.Code != cmdutil.ExitUsage || !strings.Contains(res.Err, "serve.trusted_proxies") || !strings.Contains(res.Err, "auth.client_ip_header") {
		t.Errorf("exit %d, stderr %s", res.Code, res.Err)
	}
	// Other commands do not care.
	if res := e.Run("user", "list"); res.Code != 0 {
		t.Errorf("user list: exit %d %s", res.Code, res.Err)
	}
}
