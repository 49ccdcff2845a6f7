package serve_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmdutil"
)

var metricsURL = regexp.MustCompile(`msg="metrics listening" url=(\S+)`)

// scrape reads the metrics at u and parses them as Prometheus does: the
// check of the exposition that CI runs (promtool's parser).
func scrape(t *testing.T, u string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("the exposition does not parse: %v", err)
	}
	return fams
}

// value is the value of the sample of family name whose labels include
// labels (name=value pairs); -1 when there is none.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
next:
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if got[labels[i]] != labels[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	return -1
}

// TestMetrics: with serve.metrics_listen, the metrics are on their own
// listener, parse as Prometheus's exposition format, and count the
// requests by route (never the raw path), the logins by outcome, the
// rate-limit refusals, the hashing pool, the job queue and the runtime.
func TestMetrics(t *testing.T) {
	e := newEnv(t)
	e.Register("--email", "alice@example.com")
	e.Defaults[cmdutil.KeyServeMetricsListen] = "127.0.0.1:0"
	e.Defaults[cmdutil.KeyAuthRateAddress] = "3/1m"
	s := start(t, e)
	m := metricsURL.FindStringSubmatch(s.log.String())
	if m == nil {
		t.Fatalf("no metrics listener in the log:\n%s", s.log)
	}
	if strings.HasPrefix(m[1], s.url) {
		t.Fatalf("metrics on the API's listener: %s", m[1])
	}

	s.do(http.MethodGet, "/healthz", "", nil)
	s.do(http.MethodGet, "/nowhere/12345", "", nil)
	if resp, body := s.do(http.MethodPost, "/auth/login", "username=alice%40example.com&password="+url.QueryEscape(cmdtest.Password), form); resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	limited := false
	for range 10 {
		resp, _ := s.do(http.MethodPost, "/auth/login", "username=alice%40example.com&password=wrong-password", form)
		if resp.StatusCode == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("the address limit never refused a login")
	}

	fams := scrape(t, m[1])
	for _, c := range []struct {
		name   string
		labels []string
		min    float64
	}{
		{"acctl_http_requests_total", []string{"route", "/healthz", "code", "200"}, 1},
		{"acctl_http_requests_total", []string{"route", "other", "code", "404"}, 1},
		{"acctl_http_requests_total", []string{"route", "/auth/login", "code", "200"}, 1},
		{"acctl_http_request_duration_seconds", []string{"route", "/auth/login"}, 2},
		{"acctl_auth_logins_total", []string{"outcome", "success"}, 1},
		{"acctl_auth_logins_total", []string{"outcome", "unauthenticated"}, 1},
		{"acctl_auth_logins_total", []string{"outcome", "address_limited"}, 1},
		{"acctl_rate_limited_total", []string{"route", "/auth/login"}, 1},
		{"acctl_store_errors_total", []string{"source", "auth"}, 0},
		{"acctl_hash_pool_size", nil, 1},
		{"acctl_hash_pool_busy", nil, 0},
		{"acctl_hash_pool_queued", nil, 0},
		{"acctl_hash_pool_refused_total", nil, 0},
		{"acctl_jobs", []string{"state", "pending"}, 0},
		{"acctl_jobs", []string{"state", "dead"}, 0},
		{"acctl_jobs_oldest_pending_age_seconds", nil, 0},
		{"go_goroutines", nil, 1},
	} {
		if v := value(fams, c.name, c.labels...); v < c.min {
			t.Errorf("%s%v = %v, want at least %v", c.name, c.labels, v, c.min)
		}
	}
	if v := value(fams, "acctl_http_requests_total", "route", "/nowhere/12345"); v != -1 {
		t.Errorf("a raw path is a label")
	}
	if resp, err := http.Get(strings.TrimSuffix(m[1], "/metrics") + "/healthz"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("the metrics listener serves more than /metrics: %v %v", resp, err)
	}
	// The API's listener has no metrics.
	if resp, _ := s.do(http.MethodGet, "/metrics", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the API's listener: %d", resp.StatusCode)
	}
}

// TestNoMetricsByDefault: without serve.metrics_listen no metrics
// listener starts.
func TestNoMetricsByDefault(t *testing.T) {
	s := start(t, newEnv(t))
	s.shutdown()
	if strings.Contains(s.log.String(), "metrics") {
		t.Errorf("metrics without serve.metrics_listen:\n%s", s.log)
	}
}
