// Package serve holds "acctl serve": one local store over HTTP, with the
// admin API (/v1/, API keys) for `acctl --store https://…`, the auth API
// (/auth/) for apps, and /livez, /readyz and /healthz.
package serve

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/api"
	"github.com/acctl/acctl/internal/authapi"
	"github.com/acctl/acctl/internal/cmdutil"
	"github.com/acctl/acctl/internal/forwarded"
	"github.com/acctl/acctl/internal/httpapi"
	"github.com/acctl/acctl/internal/openapi"
	"github.com/acctl/acctl/internal/pages"
)

// The server's limits on slow or greedy clients.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 30 * time.Second
	WriteTimeout      = 60 * time.Second
	IdleTimeout       = 120 * time.Second
	MaxHeaderBytes    = 64 << 10
)

// Options are the parsed command line of "serve".
type Options struct {
	Factory         *cmdutil.Factory
	Listen          string
	TLSCert         string
	TLSKey          string
	LogFormat       string
	ShutdownTimeout time.Duration
	// Ready, if set, is called with the address the server listens on
	// (tests listen on port 0).
	Ready func(addr net.Addr)
	// After, if set, is the job runner's timer (tests inject their own);
	// nil: time.After.
	After func(time.Duration) <-chan time.Time
}

// NewCmdServe returns "serve". runF, if not nil, replaces the command's
// work.
func NewCmdServe(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the store over HTTP: the admin API, the auth API for apps, /healthz",
		Long: cmdutil.LongHelp(`Serve one local store (a SQLite file or PostgreSQL, as --store names it)
over HTTP until SIGTERM or SIGINT; then stop taking connections, let the
requests under way finish (up to --shutdown-timeout) and exit 0.

  POST /v1/<Operation>   the admin API, for acctl --store https://… and
                         scripts: an API key (acctl apikey create) in
                         Authorization: Bearer, checked against its role
                         (a support key acts on non-admin accounts only)
  /auth/…                the auth API for apps: login, logout, signin,
                         lost_password, reset_password, change_password,
                         change_language, session (a session cookie), and
                         self-service: email, confirm, signin/verify,
                         phone, recovery/sms, personal_data, preregister,
                         delete_account
  /auth/pages/…          with links.pages (or public_url under /auth/): the
                         pages behind the links acctl mails (the reset
                         form, the confirmation of an address, a page to
                         ask for a reset link), for an operator without
                         pages of their own; the links then point there
  GET /livez             200 "ok" while the process answers
  GET /readyz            200 when the store answers, its schema has no
                         pending migration and delivery is complete
                         where the auth API needs it; else 503, with
                         a JSON body naming the failed checks
  GET /healthz           200 "ok" when the store answers, else 503

docs/http-api.md describes every endpoint. An http:// or https:// store is
refused: a server serves the store it holds.

Codes are keyed by the installation secret (secret_file), which every
server and operator of a store must share: the store remembers the first
one. A server started with another one logs an error at once, and refuses
every code operation (400, field secret_file); the rest works.

Without --tls-cert and --tls-key the server speaks plain HTTP: keep it on
loopback (the default 127.0.0.1:8080) or behind a reverse proxy that
terminates TLS. Session cookies are Secure unless a request comes over
plain HTTP to a loopback host.

The auth API limits attempts per client address (auth.rate.address,
default 30/1m) and per account (auth.rate.account, default 10/15m: a
login's failures are counted in the store, every spelling of an account
in one bucket).

Behind a reverse proxy, list its addresses (CIDRs) in
serve.trusted_proxies: from those only, X-Forwarded-For and
X-Forwarded-Proto (or Forwarded) name the client's address (limits, logs)
and scheme (Secure cookies, origin checks, HSTS); from anyone else they
are ignored.

With TLS the server offers HTTP/2, sends Strict-Transport-Security
(max-age one year) and reloads the certificate and key on SIGHUP (a pair
that does not load leaves the old one in use, with an error in the log).
SIGHUP never stops the server.

Sign-up and lost_password (and /auth/email) are on when public_url and
email delivery (email.smtp.host or outbox) are configured; sign-up by
phone, /auth/phone and /auth/recovery/sms when SMS delivery is
(sms.webhook.url, sms.command or outbox). /auth/delete_account holds an
account for deletion.hold.

What an answer promises (the link of a sign-up, of lost_password, of
"acctl password forgot") is a job committed to the store before the
answer; the server runs the store's job queue at start, every
jobs.interval (10s) and at once for the jobs it committed itself, tries a
failed one again with a growing wait, up to jobs.attempts times, and
writes each failure to the audit trail. A server killed mid-job leaves it
to be taken again after 5 minutes; several servers on one PostgreSQL
share the queue and never run one job twice. jobs.interval 0: this server
runs no jobs (see "acctl job run").

Logs go to stderr, one line per request (method, path, status,
duration_ms, bytes, client address, API key name, request_id), as text or
JSON (--log-format); never a token, a cookie, a password or a query
string (a mailed link's token is in its query, and its page moves it
into a cookie at once). The request id is a trusted proxy's X-Request-Id, else one made
by the server; the answer echoes it in X-Request-Id, and every line
logged for the request names it.

With serve.metrics_listen (HOST:PORT, off by default) the server answers
GET /metrics (Prometheus) on a listener of its own, plain HTTP: requests
by route and status, latency, logins by outcome, rate-limit refusals,
store errors, the hashing pool, the job queue, the Go runtime.

Every flag of serve is also a setting (flag > environment > config file):
serve.listen (ACCTL_SERVE_LISTEN), serve.tls_cert, serve.tls_key,
serve.log_format and serve.shutdown_timeout; so is the store. Under
systemd (see README, "Running the server") the SQLite store defaults to
$STATE_DIRECTORY/acctl.db, and the credentials "secret" and
"smtp_password" in $CREDENTIALS_DIRECTORY, when present, are the defaults
of secret_file and email.smtp.password_file.`),
		Example: `  acctl serve
  acctl --store /srv/acctl/accounts.db serve --listen 0.0.0.0:8443 \
      --tls-cert /etc/acctl/cert.pem --tls-key /etc/acctl/key.pem --log-format json
  ACCTL_STORE=postgres://acctl@db/accounts acctl serve --listen 127.0.0.1:9000`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// flag > ACCTL_SERVE_* > serve.* in the config file > default;
			// the config checks the values.
			cfg, err := f.Config()
			if err != nil {
				return err
			}
			opts.Listen = cfg.Serve.Listen
			opts.TLSCert, opts.TLSKey = cfg.Serve.TLSCert, cfg.Serve.TLSKey
			opts.LogFormat = cfg.Serve.LogFormat
			opts.ShutdownTimeout = cfg.Serve.ShutdownTimeout
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Listen, "listen", "127.0.0.1:8080", "listen on `ADDRESS` (host:port)")
	fl.StringVar(&opts.TLSCert, "tls-cert", "", "serve HTTPS with the certificate (chain) in `FILE` (PEM)")
	fl.StringVar(&opts.TLSKey, "tls-key", "", "the private key of --tls-cert in `FILE` (PEM)")
	fl.StringVar(&opts.LogFormat, "log-format", "text", "log `FORMAT`: text or json")
	fl.DurationVar(&opts.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "on SIGTERM or SIGINT, wait up to `DURATION` for the requests under way")
	f.BindFlag(cmdutil.KeyServeListen, fl.Lookup("listen"))
	f.BindFlag(cmdutil.KeyServeTLSCert, fl.Lookup("tls-cert"))
	f.BindFlag(cmdutil.KeyServeTLSKey, fl.Lookup("tls-key"))
	f.BindFlag(cmdutil.KeyServeLogFormat, fl.Lookup("log-format"))
	f.BindFlag(cmdutil.KeyServeShutdownTimeout, fl.Lookup("shutdown-timeout"))
	_ = cmd.RegisterFlagCompletionFunc("log-format", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
	cmdutil.SetFormats(cmd) // logs have --log-format
	return cmd
}

// Run serves the configured store until ctx ends, then shuts down
// gracefully and returns nil.
func Run(ctx context.Context, opts *Options) error {
	f := opts.Factory
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	if s := strings.ToLower(strings.TrimSpace(cfg.Store)); strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		return cmdutil.WithHint(&acct.Error{Code: acct.CodeInvalid, Field: "store",
			Message: "acctl serve serves a local store (a SQLite file or PostgreSQL), not another server"},
			"give --store the path of the SQLite file or the postgres:// URL")
	}
	if cfg.AuthClientIPHeader != "" {
		return cmdutil.WithHint(acct.FieldError(cmdutil.KeyAuthClientIPHeader,
			"replaced by serve.trusted_proxies (it believed the header from any client)"),
			"list the addresses (CIDRs) of your reverse proxies in serve.trusted_proxies (ACCTL_SERVE_TRUSTED_PROXIES), "+
				"whose X-Forwarded-For or Forwarded header then names the client, and remove auth.client_ip_header")
	}
	var certs *certReloader
	if opts.TLSCert != "" {
		if certs, err = newCertReloader(opts.TLSCert, opts.TLSKey); err != nil {
			return &acct.Error{Code: acct.CodeInvalid, Field: "tls-cert", Message: "--tls-cert, --tls-key: " + err.Error(), Err: err}
		}
	}
	log := newLogger(f.IO.ErrOut, opts.LogFormat)
	var runner *Runner
	needs := cmdutil.Needs{Secret: true, Delivery: true}
	if cfg.JobsInterval > 0 {
		needs.JobQueued = func() { runner.Wake() } // set below, before any request
	}
	svc, err := f.ServiceFor(ctx, needs)
	if err != nil {
		return err
	}
	if cfg.JobsInterval > 0 {
		runner = NewRunner(svc, cfg.JobsInterval, log, opts.After)
	}
	keys, ok := svc.(acct.KeyManager)
	if !ok {
		return acct.Errorf(acct.CodeInternal, "the store's service does not manage API keys")
	}
	// A secret that is not the store's fails every code operation (each
	// with the same message); say so at once, but serve the rest.
	if c, ok := svc.(interface{ CheckSecret(context.Context) error }); ok {
		if err := c.CheckSecret(ctx); err != nil {
			log.Error("installation secret: every code operation will be refused", slog.String("error", err.Error()))
		}
	}

	pool, err := f.HashPool() // the Service's: one pool for the process
	if err != nil {
		return err
	}
	auth := authOptions(cfg, f, log)
	// The admin API logs the causes of its failures; its successes are in
	// the request lines already.
	apiLog := slog.New(minLevel{log.Handler(), slog.LevelWarn})
	var metrics *Metrics
	var metricsLn net.Listener
	if cfg.Serve.MetricsListen != "" {
		metrics = NewMetrics(svc, pool, f.Clock)
		if runner != nil {
			runner.SetMetrics(metrics)
		}
		if metricsLn, err = net.Listen("tcp", cfg.Serve.MetricsListen); err != nil {
			return &acct.Error{Code: acct.CodeUnavailable, Field: cmdutil.KeyServeMetricsListen,
				Message: fmt.Sprintf("listen on %s: %v", cfg.Serve.MetricsListen, err), Err: err}
		}
		defer metricsLn.Close()
	}
	var pageOpts *pages.Options
	if cfg.PagesOn() {
		pageOpts = &pages.Options{PublicURL: cfg.PublicURL, TrustedProxies: cfg.TrustedProxies, Forgot: auth.LostPassword,
			Limit:        authapi.NewLimiter(cfg.AuthAddressRate, nil, cfg.TrustedProxies),
			AccountLimit: authapi.NewLimiter(cfg.AuthAccountRate, nil, cfg.TrustedProxies), Log: log}
	}
	h := NewHandler(HandlerConfig{Service: svc, Keys: keys, Auth: auth, Pages: pageOpts, APILog: apiLog, Log: log, Metrics: metrics,
		Delivery: deliveryNeed(cfg.PublicURL, cfg.DeliveryConfigured(), cfg.CheckDelivery(acct.ChannelEmail))})

	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return &acct.Error{Code: acct.CodeUnavailable, Message: fmt.Sprintf("listen on %s: %v", opts.Listen, err), Err: err}
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	scheme := "http"
	if certs != nil {
		// ServeTLS offers HTTP/2 and HTTP/1.1 (ALPN) over this config.
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: certs.getCertificate}
		scheme = "https"
	}
	// SIGHUP reloads the certificate and key; it never stops the server.
	defer watchHUP(certs, log)()
	log.Info("listening", slog.String("url", scheme+"://"+ln.Addr().String()),
		slog.String("store", cmdutil.RedactURL(cfg.Store)),
		slog.String("trusted_proxies", fmt.Sprint(cfg.TrustedProxies.Prefixes())),
		slog.Bool("signin", auth.Signin), slog.Bool("lost_password", auth.LostPassword), slog.Bool("sms", auth.SMS),
		slog.Bool("pages", pageOpts != nil),
		slog.Duration("jobs_interval", cfg.JobsInterval),
		slog.Int("hash_max_concurrent", pool.Size()), slog.Int("hash_max_queue", pool.Queue()),
		slog.String("hash_memory", cfg.HashMemory()))
	if metricsLn != nil {
		// Plain HTTP, no TLS: keep it on loopback or a private network.
		msrv := &http.Server{Handler: metrics.Handler(), ReadHeaderTimeout: ReadHeaderTimeout, ReadTimeout: ReadTimeout,
			WriteTimeout: WriteTimeout, IdleTimeout: IdleTimeout, MaxHeaderBytes: MaxHeaderBytes,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		go msrv.Serve(metricsLn)
		defer msrv.Close()
		log.Info("metrics listening", slog.String("url", "http://"+metricsLn.Addr().String()+MetricsPath))
	}
	if scheme == "http" && !loopback(ln.Addr()) {
		log.Warn("plain HTTP on a non-loopback address: put a reverse proxy with TLS in front, or give --tls-cert and --tls-key")
	}
	if !auth.Signin || !auth.LostPassword {
		log.Info("auth: sign-up and lost_password need public_url and email delivery (email.smtp.host or outbox); sign-up also signup.verify other than phone")
	}
	if pageOpts != nil && cfg.PublicURL == "" {
		log.Warn("links.pages: the pages are served, but no link can be made without public_url (the server's public address, such as https://accounts.example.com)")
	}
	if opts.Ready != nil {
		opts.Ready(ln.Addr())
	}
	return serve(ctx, srv, ln, runner, opts.ShutdownTimeout, log)
}

// serve runs srv on ln (with TLS when srv has a TLSConfig), and runner (when not nil) beside it, until ctx
// ends, then stops taking connections and waits for the requests and the
// job under way, up to timeout. It returns nil after a graceful stop. A
// job cut by the timeout (or by a kill) is claimed again when its lease
// ends.
func serve(ctx context.Context, srv *http.Server, ln net.Listener, runner *Runner, timeout time.Duration, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() {
		if srv.TLSConfig != nil {
			errc <- srv.ServeTLS(ln, "", "")
			return
		}
		errc <- srv.Serve(ln)
	}()
	jobsDone := make(chan struct{})
	if runner != nil {
		go func() {
			defer close(jobsDone)
			runner.Run(ctx)
		}()
	} else {
		close(jobsDone)
	}
	select {
	case err := <-errc:
		return &acct.Error{Code: acct.CodeUnavailable, Message: "serve: " + err.Error(), Err: err}
	case <-ctx.Done():
	}
	log.Info("shutting down: waiting for the requests under way", slog.Duration("timeout", timeout))
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err == nil {
		select {
		case <-jobsDone:
		case <-sctx.Done():
			err = sctx.Err()
		}
	}
	if err != nil {
		srv.Close()
		log.Warn("shutdown timeout: the requests still under way were cut", slog.String("error", err.Error()))
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("serve", slog.String("error", err.Error()))
	}
	log.Info("stopped")
	return nil
}

// watchHUP holds SIGHUP, whose default action would end the process, and
// reloads certs (nil: nothing to reload) at each one, until the returned
// function is called.
func watchHUP(certs *certReloader, log *slog.Logger) (stop func()) {
	hup := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for {
			select {
			case <-hup:
				certs.reloadLogged(log)
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(hup)
		close(done)
	}
}

// authOptions are the auth API's options from the configuration.
func authOptions(cfg *cmdutil.Config, f *cmdutil.Factory, log *slog.Logger) authapi.Options {
	email := cfg.PublicURL != "" && cfg.DeliveryConfigured() && cfg.CheckDelivery(acct.ChannelEmail) == nil
	sms := cfg.CheckDelivery(acct.ChannelSMS) == nil
	return authapi.Options{
		PublicURL:      cfg.PublicURL,
		Signin:         email && cfg.SignupVerify != acct.SignupVerifyPhone,
		SMS:            sms,
		DeletionHold:   cfg.DeletionHold,
		LostPassword:   email,
		AllowedOrigins: cfg.AuthOrigins,
		TrustedProxies: cfg.TrustedProxies,
		AddressRate:    cfg.AuthAddressRate,
		AccountRate:    cfg.AuthAccountRate,
		Now:            f.Clock,
		Log:            log,
	}
}

// Handler is the server's whole handler: /livez, /readyz, /healthz, the
// admin API under /v1/ (authenticated by keys), the auth API under
// /auth/ and their OpenAPI document at /openapi.yaml, with one log line
// per request on log. apiLog receives the admin API's own lines (the causes of failures). Answers to a client that
// spoke HTTPS (to the server, or to a trusted proxy that says so) carry
// HSTS.
func Handler(svc acct.Service, keys acct.KeyManager, auth authapi.Options, apiLog, log *slog.Logger) http.Handler {
	return NewHandler(HandlerConfig{Service: svc, Keys: keys, Auth: auth, APILog: apiLog, Log: log})
}

// HandlerConfig is what NewHandler serves.
type HandlerConfig struct {
	Service acct.Service
	Keys    acct.KeyManager
	Auth    authapi.Options
	// Pages, when not nil, serves the pages behind the mailed links
	// under pages.Prefix (links.pages).
	Pages *pages.Options
	// Log receives one line per request; APILog the admin API's own
	// lines. Each line written for a request names its request_id.
	APILog, Log *slog.Logger
	// Delivery, when not nil, is what the auth API lacks to deliver what
	// it promises: /readyz fails its delivery check with it.
	Delivery error
	// Metrics, when not nil, record the requests.
	Metrics *Metrics
}

// NewHandler is Handler with the whole configuration.
func NewHandler(c HandlerConfig) http.Handler {
	log, apiLog := withIDs(c.Log), withIDs(c.APILog)
	auth := c.Auth
	auth.Log = withIDs(auth.Log)
	authSvc := c.Service
	if c.Metrics != nil {
		authSvc = metered{c.Service, c.Metrics}
	}
	rt := &router{
		live:   live(),
		ready:  ready(c.Service, c.Delivery, log, c.Metrics),
		health: health(c.Service, log, c.Metrics),
		admin:  httpapi.New(c.Service, keyRecorder{c.Keys}, apiLog),
		auth:   authapi.New(authSvc, auth),
	}
	rt.openapi = openapi.Handler()
	if c.Pages != nil {
		p := *c.Pages
		p.Log = withIDs(p.Log)
		rt.pages = pages.New(authSvc, p)
	}
	return logRequests(log, c.Metrics, auth.TrustedProxies, rt)
}

// router sends a request to its API by the path's prefix. Unlike
// http.ServeMux it never redirects: an unclean path ("/auth//login",
// "/v1/../auth/login") or a prefix without its slash ("/v1") is 404 with
// the error body, as any unknown path is.
type router struct {
	live, ready, health, admin, auth http.Handler
	openapi                          http.Handler // the APIs' OpenAPI document
	pages                            http.Handler // nil: off, the auth API answers 404
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case !cleanPath(p):
		api.WriteError(w, acct.Errorf(acct.CodeNotFound, "no such endpoint: the path is not in its clean form"))
	case p == "/livez":
		rt.live.ServeHTTP(w, r)
	case p == "/readyz":
		rt.ready.ServeHTTP(w, r)
	case p == "/healthz":
		rt.health.ServeHTTP(w, r)
	case p == openapi.Path:
		rt.openapi.ServeHTTP(w, r)
	case strings.HasPrefix(p, api.Prefix):
		rt.admin.ServeHTTP(w, r)
	case rt.pages != nil && strings.HasPrefix(p, pages.Prefix):
		rt.pages.ServeHTTP(w, r)
	case strings.HasPrefix(p, authapi.Prefix):
		rt.auth.ServeHTTP(w, r)
	default:
		api.WriteError(w, acct.Errorf(acct.CodeNotFound, "no such endpoint: see /v1/, /auth/, /openapi.yaml, /livez, /readyz and /healthz"))
	}
}

// cleanPath reports whether p is rooted and in the form path.Clean gives
// it (a final slash aside): no empty, "." or ".." segment.
func cleanPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}

// health answers GET /healthz: 200 "ok" when the store answers a read,
// 503 otherwise.
func health(svc acct.Service, log *slog.Logger, m *Metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !getOrHead(w, r) {
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), probeTimeout)
		defer cancel()
		w.Header().Set("Cache-Control", "no-store")
		if _, err := svc.ListUsers(ctx, acct.UserQuery{Limit: 1}); err != nil {
			m.storeError("probe", err)
			log.LogAttrs(r.Context(), slog.LevelError, "health: the store does not answer", slog.String("error", err.Error()))
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
}

// requestInfo is what the handlers below the log tell it about a request.
type requestInfo struct {
	key   string // the API key's name
	login string // a login's outcome (metered): success or the error code
}

type infoKey struct{}

// keyRecorder is the admin API's Authenticator: the store's KeyManager,
// noting the key's name for the request's log line.
type keyRecorder struct{ keys acct.KeyManager }

func (k keyRecorder) AuthenticateAPIKey(ctx context.Context, token string) (*acct.APIKey, error) {
	key, err := k.keys.AuthenticateAPIKey(ctx, token)
	if info, ok := ctx.Value(infoKey{}).(*requestInfo); ok && key != nil {
		info.key = key.Name
	}
	return key, err
}

// hsts is the Strict-Transport-Security header's value.
var hsts = fmt.Sprintf("max-age=%d", int(HSTSMaxAge/time.Second))

// logRequests logs one line per request: method, path (never the query),
// status, duration in milliseconds, bytes, client address (as the trusted
// proxies name it), API key name and request id. The id is the
// X-Request-Id of a trusted proxy, or else made here; it is echoed in the
// answer and carried in the request's context, so that every line logged
// for the request names it. logRequests also sets HSTS on answers to
// HTTPS clients.
func logRequests(log *slog.Logger, m *Metrics, proxies *forwarded.Trust, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		client := proxies.Of(r)
		if client.HTTPS() {
			w.Header().Set("Strict-Transport-Security", hsts)
		}
		id := r.Header.Get(RequestIDHeader)
		if !client.Proxied || !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		info := &requestInfo{}
		ctx := withRequestID(context.WithValue(r.Context(), infoKey{}, info), id)
		r = r.WithContext(forwarded.NewContext(ctx, client))
		rec := &recorder{ResponseWriter: w}
		defer func() {
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			took := time.Since(start)
			m.observe(r.URL.Path, status, took, info)
			attrs := []slog.Attr{
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Float64("duration_ms", millis(took)),
				slog.Int64("bytes", rec.bytes),
				slog.String("client", client.Addr),
			}
			if info.key != "" {
				attrs = append(attrs, slog.String("key", info.key))
			}
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			log.LogAttrs(r.Context(), level, "request", attrs...)
		}()
		next.ServeHTTP(rec, r)
	})
}

// millis is d in milliseconds, to the microsecond: what the logs say of
// a duration.
func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// recorder notes the status and the size of an answer.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// newLogger logs to w as text or JSON.
func newLogger(w io.Writer, format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// minLevel passes on the records of level min and above: a quieter logger
// that shares its handler (and so its lock on the output).
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(a []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(a), h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.min}
}

func loopback(a net.Addr) bool {
	t, ok := a.(*net.TCPAddr)
	return ok && t.IP.IsLoopback()
}
