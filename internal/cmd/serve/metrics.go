package serve

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/api"
	"github.com/acctl/acctl/internal/authapi"
	"github.com/acctl/acctl/internal/pages"
)

// MetricsPath is where the metrics listener answers.
const MetricsPath = "/metrics"

// jobScrapeLimit bounds the jobs of each state that a scrape lists: the
// queue's depth is reported up to it, and the oldest pending job's age is
// that of the oldest among the newest jobScrapeLimit (the store has no
// cheaper count; a deeper queue is a page-worthy fact anyway).
const jobScrapeLimit = 1000

// Metrics are the server's Prometheus metrics, in a registry of their own
// (not the process-wide default one): requests by route and status, their
// latency, login outcomes, rate-limit refusals, store errors, the
// hashing pool, the job queue and the Go runtime. A nil *Metrics records
// nothing.
type Metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	logins      *prometheus.CounterVec
	limited     *prometheus.CounterVec
	storeErrors *prometheus.CounterVec
	jobFailures *prometheus.CounterVec
}

// NewMetrics returns the metrics of a server of svc whose password
// hashing runs in pool (nil: no pool metrics); now is the clock of the
// job queue's age (nil: time.Now).
func NewMetrics(svc acct.Service, pool *acct.HashPool, now func() time.Time) *Metrics {
	if now == nil {
		now = time.Now
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "acctl_http_requests_total",
			Help: "HTTP requests answered, by route (a fixed set: the endpoint's path, /v1/ for the admin API, other) and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "acctl_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "acctl_auth_logins_total",
			Help: "Logins of the auth API by outcome: success, or the error code (unauthenticated, refused, invalid, unavailable, internal), or address_limited when the per-address limit refused it first.",
		}, []string{"outcome"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "acctl_rate_limited_total",
			Help: "Requests refused by a rate limit (answered 429), by route.",
		}, []string{"route"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "acctl_store_errors_total",
			Help: "Store failures (unavailable or internal) seen by the server, by source: auth (logins and session checks), probe (/readyz, /healthz), jobs (the job runner), metrics (a scrape's job listing).",
		}, []string{"source"}),
		jobFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "acctl_job_failures_total",
			Help: "Jobs of the delivery queue that this server ran and that failed, by kind and the state they were left in (pending: tried again later; dead: given up).",
		}, []string{"kind", "state"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.logins, m.limited, m.storeErrors, m.jobFailures,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&jobCollector{svc: svc, now: now, errors: m.storeErrors.WithLabelValues("metrics")})
	for _, s := range []string{"auth", "probe", "jobs", "metrics"} {
		m.storeErrors.WithLabelValues(s) // present at 0 from the start
	}
	if pool != nil {
		m.reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "acctl_hash_pool_size", Help: "Password hashes the pool runs at once at most (hash.max_concurrent)."},
				func() float64 { return float64(pool.Size()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "acctl_hash_pool_queue_limit", Help: "Password hashes that may wait for a slot (hash.max_queue)."},
				func() float64 { return float64(pool.Queue()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "acctl_hash_pool_busy", Help: "Password hashes running now."},
				func() float64 { return float64(pool.Busy()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "acctl_hash_pool_queued", Help: "Password hashes waiting for a slot now."},
				func() float64 { return float64(pool.Queued()) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "acctl_hash_pool_refused_total", Help: "Password hashes refused because the queue was full (answered unavailable)."},
				func() float64 { return float64(pool.Refused()) }),
		)
	}
	return m
}

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	// A store that does not answer costs the job queue's metrics, not the
	// scrape: the rest (store errors among them) still matter most then.
	mux.Handle(MetricsPath, promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	return mux
}

// route is the label of a request's path: one of a fixed set, never the
// path as the client sent it.
func route(p string) string {
	switch {
	case p == "/livez" || p == "/readyz" || p == "/healthz":
		return p
	case strings.HasPrefix(p, api.Prefix):
		return api.Prefix
	case authapi.IsRoute(p), pages.IsRoute(p):
		return p
	}
	return "other"
}

// observe records an answered request.
func (m *Metrics) observe(path string, status int, d time.Duration, info *requestInfo) {
	if m == nil {
		return
	}
	rt := route(path)
	m.requests.WithLabelValues(rt, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(rt).Observe(d.Seconds())
	if status == http.StatusTooManyRequests {
		m.limited.WithLabelValues(rt).Inc()
	}
	switch {
	case info.login != "":
		m.logins.WithLabelValues(info.login).Inc()
	case rt == "/auth/login" && status == http.StatusTooManyRequests:
		m.logins.WithLabelValues("address_limited").Inc()
	}
}

// storeError counts err if it is a store failure seen by source.
func (m *Metrics) storeError(source string, err error) {
	if m == nil || err == nil {
		return
	}
	switch acct.ErrorCode(err) {
	case acct.CodeInternal:
	case acct.CodeUnavailable:
		if acct.RetryAfter(err) > 0 || errors.Is(err, context.Canceled) {
			return // a full hashing pool, or a client gone: not the store
		}
	default:
		return
	}
	m.storeErrors.WithLabelValues(source).Inc()
}

// jobFailed counts a job that this server ran and that failed.
func (m *Metrics) jobFailed(j acct.Job) {
	if m == nil || j.State == acct.JobDone {
		return
	}
	m.jobFailures.WithLabelValues(string(j.Kind), string(j.State)).Inc()
}

// metered is the Service of the auth API, noting each login's outcome
// for the request's metrics and counting store failures.
type metered struct {
	acct.Service
	m *Metrics
}

func (s metered) Login(ctx context.Context, in acct.Login) (*acct.Session, error) {
	sess, err := s.Service.Login(ctx, in)
	if info, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		info.login = "success"
		if err != nil {
			info.login = string(acct.ErrorCode(err))
		}
	}
	s.m.storeError("auth", err)
	return sess, err
}

func (s metered) ValidateSession(ctx context.Context, token string) (*acct.SessionInfo, error) {
	info, err := s.Service.ValidateSession(ctx, token)
	s.m.storeError("auth", err)
	return info, err
}

// jobCollector reports the job queue at each scrape, from the store:
// every server of a store reports the same queue.
type jobCollector struct {
	svc    acct.Service
	now    func() time.Time
	errors prometheus.Counter
}

var (
	jobsDesc = prometheus.NewDesc("acctl_jobs", "Jobs of the store's delivery queue by state (pending, claimed, dead), counted up to 1000 each.",
		[]string{"state"}, nil)
	jobAgeDesc = prometheus.NewDesc("acctl_jobs_oldest_pending_age_seconds",
		"Age of the oldest pending job of the store's queue (among the newest 1000), 0 when none.", nil, nil)
)

func (c *jobCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- jobsDesc
	ch <- jobAgeDesc
}

func (c *jobCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	for _, st := range []acct.JobState{acct.JobPending, acct.JobClaimed, acct.JobDead} {
		jobs, err := c.svc.ListJobs(ctx, acct.JobQuery{States: []acct.JobState{st}, Limit: jobScrapeLimit})
		if err != nil {
			c.errors.Inc()
			ch <- prometheus.NewInvalidMetric(jobsDesc, err)
			return
		}
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(len(jobs)), string(st))
		if st == acct.JobPending {
			age := 0.0
			if len(jobs) > 0 { // newest first
				age = max(c.now().Sub(jobs[len(jobs)-1].CreatedAt).Seconds(), 0)
			}
			ch <- prometheus.MustNewConstMetric(jobAgeDesc, prometheus.GaugeValue, age)
		}
	}
}
