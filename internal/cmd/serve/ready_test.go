package serve_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/authapi"
	"github.com/acctl/acctl/internal/cmd/root"
	"github.com/acctl/acctl/internal/cmd/serve"
	"github.com/acctl/acctl/internal/cmdutil"
)

// readyBody is the body of /readyz.
type readyBody struct {
	Ready  bool     `json:"ready"`
	Failed []string `json:"failed"`
	Checks []struct {
		Name   string `json:"name"`
		OK     bool   `json:"ok"`
		Detail string `json:"detail"`
	} `json:"checks"`
}

func readyz(t *testing.T, status int, body string) readyBody {
	t.Helper()
	var b readyBody
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatalf("/readyz: %d %q: %v", status, body, err)
	}
	if b.Ready != (status == http.StatusOK) || len(b.Checks) != 3 {
		t.Errorf("/readyz: %d %s", status, body)
	}
	return b
}

// TestReadinessWhenTheStoreGoesAway: a served store answers /readyz 200;
// once it is closed under the server, /readyz is 503 naming the store,
// while /livez still answers 200.
func TestReadinessWhenTheStoreGoesAway(t *testing.T) {
	e := newEnv(t)
	var local *acct.Local
	e.Opener = func(ctx context.Context, p cmdutil.OpenParams) (acct.Service, error) {
		svc, err := root.OpenService(ctx, p)
		if err == nil {
			local = svc.(*acct.Local)
		}
		return svc, err
	}
	e.Defaults[cmdutil.KeyServeMetricsListen] = "127.0.0.1:0"
	s := start(t, e)
	resp, body := s.do(http.MethodGet, "/readyz", "", nil)
	if b := readyz(t, resp.StatusCode, body); resp.StatusCode != http.StatusOK || len(b.Failed) != 0 {
		t.Fatalf("/readyz on a healthy store: %d %s", resp.StatusCode, body)
	}
	if resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("/readyz headers %v", resp.Header)
	}
	if resp, body := s.do(http.MethodGet, "/livez", "", nil); resp.StatusCode != http.StatusOK || body != "ok\n" {
		t.Errorf("/livez: %d %q", resp.StatusCode, body)
	}

	local.Close() // the store goes away
	resp, body = s.do(http.MethodGet, "/readyz", "", nil)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz on a closed store: %d %s", resp.StatusCode, body)
	}
	b := readyz(t, resp.StatusCode, body)
	if len(b.Failed) == 0 || b.Failed[0] != "store" || b.Checks[0].OK || b.Checks[0].Detail == "" {
		t.Errorf("/readyz on a closed store: %s", body)
	}
	if resp, _ := s.do(http.MethodGet, "/livez", "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("/livez on a closed store: %d", resp.StatusCode)
	}
	if resp, _ := s.do(http.MethodGet, "/healthz", "", nil); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/healthz on a closed store: %d", resp.StatusCode)
	}
	// The metrics still answer, and count the store's failures (a scrape's
	// own failure, counted while it gathers, shows in the next one).
	mu := metricsURL.FindStringSubmatch(s.log.String())[1]
	scrape(t, mu)
	fams := scrape(t, mu)
	if v := value(fams, "acctl_store_errors_total", "source", "probe"); v < 2 {
		t.Errorf("store errors seen by the probes: %v, want 2", v)
	}
	if v := value(fams, "acctl_store_errors_total", "source", "metrics"); v < 1 {
		t.Errorf("store errors seen by the scrape: %v, want 1", v)
	}
	s.shutdown()
	if !strings.Contains(s.log.String(), "readyz: the store does not answer") {
		t.Errorf("the log does not say why:\n%s", s.log)
	}
}

// stale is a Service whose store answers but lacks migrations.
type stale struct{ acct.Service }

func (stale) ListUsers(context.Context, acct.UserQuery) (*acct.UserPage, error) {
	return &acct.UserPage{}, nil
}

func (stale) PendingMigrations(context.Context) ([]string, error) {
	return []string{"0013_next.sql"}, nil
}

func TestReadinessChecks(t *testing.T) {
	l := slog.New(slog.DiscardHandler)
	for _, c := range []struct {
		name     string
		svc      acct.Service
		delivery error
		failed   []string
		detail   string
	}{
		{"store down", down{}, nil, []string{"store"}, "the store does not answer"},
		{"pending migrations", stale{}, nil, []string{"schema"}, "pending migrations: 0013_next.sql"},
		{"delivery", stale{}, acct.FieldError("send", "email delivery is not configured"), []string{"schema", "delivery"}, "email delivery is not configured"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := serve.NewHandler(serve.HandlerConfig{Service: c.svc, Auth: authapi.Options{}, APILog: l, Log: l, Delivery: c.delivery})
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if w.Code != http.StatusServiceUnavailable {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			b := readyz(t, w.Code, w.Body.String())
			if !reflect.DeepEqual(b.Failed, c.failed) || !strings.Contains(w.Body.String(), c.detail) {
				t.Errorf("%s", w.Body)
			}
		})
	}
	h := serve.Handler(down{}, nil, authapi.Options{}, l, l)
	for _, p := range []string{"/livez", "/readyz"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, p, nil))
		if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("POST %s: %d", p, w.Code)
		}
	}
}

// TestServeNotReadyWithoutDelivery: with public_url and a delivery
// setting but no way to send email (no SMTP host, no outbox), the
// server's sign-up is off and /readyz says what is missing.
func TestServeNotReadyWithoutDelivery(t *testing.T) {
	e := newEnv(t)
	delete(e.Defaults, cmdutil.KeyOutbox)
	e.Defaults[cmdutil.KeyEmailFrom] = "accounts@example.com"
	s := start(t, e)
	resp, body := s.do(http.MethodGet, "/readyz", "", nil)
	b := readyz(t, resp.StatusCode, body)
	if resp.StatusCode != http.StatusServiceUnavailable || !reflect.DeepEqual(b.Failed, []string{"delivery"}) ||
		!strings.Contains(body, "email.smtp.host") {
		t.Errorf("/readyz: %d %s", resp.StatusCode, body)
	}
}
