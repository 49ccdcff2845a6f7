// Package serve holds "acctl serve": one local store over HTTP, with the
// admin API (/v1/, API keys) for `acctl --store https://…`, the auth API
// (/auth/) for apps, and /healthz.
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
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/api"
	"github.com/acctl/acctl/internal/authapi"
	"github.com/acctl/acctl/internal/cmdutil"
	"github.com/acctl/acctl/internal/httpapi"
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
  /auth/…                the auth API for apps: login, logout, signin,
                         lost_password, reset_password, change_password,
                         change_language, session (a session cookie)
  GET /healthz           200 "ok" when the store answers, else 503

docs/http-api.md describes every endpoint. An http:// or https:// store is
refused: a server serves the store it holds.

Without --tls-cert and --tls-key the server speaks plain HTTP: keep it on
loopback (the default 127.0.0.1:8080) or behind a reverse proxy that
terminates TLS. Session cookies are Secure unless a request comes over
plain HTTP to a loopback host.

The auth API limits attempts per client address (auth.rate.address,
default 30/1m) and per account (auth.rate.account, default 10/15m: a
login's failures are counted in the store, every spelling of an account
in one bucket);
behind a proxy, auth.client_ip_header (X-Forwarded-For) names the client.
Sign-up and lost_password are on when public_url and email delivery
(email.smtp.host or outbox) are configured.

Logs go to stderr, one line per request (method, path, status, duration,
bytes, client address, API key name), as text or JSON (--log-format);
never a token, a cookie, a password or a query string.`),
		Example: `  acctl serve
  acctl --store /srv/acctl/accounts.db serve --listen 0.0.0.0:8443 \
      --tls-cert /etc/acctl/cert.pem --tls-key /etc/acctl/key.pem --log-format json
  ACCTL_STORE=postgres://acctl@db/accounts acctl serve --listen 127.0.0.1:9000`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, _, err := net.SplitHostPort(opts.Listen); err != nil {
				return cmdutil.UsageErrorf("--listen: want HOST:PORT such as 127.0.0.1:8080, got %q", opts.Listen)
			}
			if (opts.TLSCert == "") != (opts.TLSKey == "") {
				return cmdutil.UsageErrorf("--tls-cert and --tls-key go together")
			}
			switch opts.LogFormat {
			case "text", "json":
			default:
				return cmdutil.UsageErrorf("--log-format: want text or json, got %q", opts.LogFormat)
			}
			if opts.ShutdownTimeout <= 0 {
				return cmdutil.UsageErrorf("--shutdown-timeout: want a positive duration, got %s", opts.ShutdownTimeout)
			}
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
	_ = cmd.RegisterFlagCompletionFunc("log-format", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
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
	var cert tls.Certificate
	if opts.TLSCert != "" {
		if cert, err = tls.LoadX509KeyPair(opts.TLSCert, opts.TLSKey); err != nil {
			return &acct.Error{Code: acct.CodeInvalid, Field: "tls-cert", Message: "--tls-cert, --tls-key: " + err.Error(), Err: err}
		}
	}
	log := newLogger(f.IO.ErrOut, opts.LogFormat)
	svc, err := f.ServiceFor(ctx, cmdutil.Needs{Secret: true, Delivery: true})
	if err != nil {
		return err
	}
	keys, ok := svc.(acct.KeyManager)
	if !ok {
		return acct.Errorf(acct.CodeInternal, "the store's service does not manage API keys")
	}

	tasks := authapi.NewTasks(0)
	auth := authOptions(cfg, f, tasks, log)
	// The admin API logs the causes of its failures; its successes are in
	// the request lines already.
	apiLog := slog.New(minLevel{log.Handler(), slog.LevelWarn})
	h := Handler(svc, keys, auth, apiLog, log)

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
	if opts.TLSCert != "" {
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
		ln = tls.NewListener(ln, srv.TLSConfig)
		scheme = "https"
	}
	log.Info("listening", slog.String("url", scheme+"://"+ln.Addr().String()),
		slog.String("store", cmdutil.RedactURL(cfg.Store)),
		slog.Bool("signin", auth.Signin), slog.Bool("lost_password", auth.LostPassword))
	if scheme == "http" && !loopback(ln.Addr()) {
		log.Warn("plain HTTP on a non-loopback address: put a reverse proxy with TLS in front, or give --tls-cert and --tls-key")
	}
	if !auth.Signin || !auth.LostPassword {
		log.Info("auth: sign-up and lost_password need public_url and email delivery (email.smtp.host or outbox); sign-up also signup.verify other than phone")
	}
	if opts.Ready != nil {
		opts.Ready(ln.Addr())
	}
	return serve(ctx, srv, ln, tasks, opts.ShutdownTimeout, log)
}

// serve runs srv on ln until ctx ends, then stops taking connections and
// waits for the requests under way and the background tasks, up to
// timeout. It returns nil after a graceful stop.
func serve(ctx context.Context, srv *http.Server, ln net.Listener, tasks *authapi.Tasks, timeout time.Duration, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
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
		err = tasks.Wait(sctx)
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

// authOptions are the auth API's options from the configuration.
func authOptions(cfg *cmdutil.Config, f *cmdutil.Factory, tasks *authapi.Tasks, log *slog.Logger) authapi.Options {
	email := cfg.PublicURL != "" && cfg.DeliveryConfigured() && cfg.CheckDelivery(acct.ChannelEmail) == nil
	return authapi.Options{
		PublicURL:         cfg.PublicURL,
		Signin:            email && cfg.SignupVerify != acct.SignupVerifyPhone,
		LostPassword:      email,
		PasswordMinLength: cfg.PasswordMinLength,
		AllowedOrigins:    cfg.AuthOrigins,
		ClientIPHeader:    cfg.AuthClientIPHeader,
		AddressRate:       cfg.AuthAddressRate,
		AccountRate:       cfg.AuthAccountRate,
		Now:               f.Clock,
		Tasks:             tasks,
		Log:               log,
	}
}

// Handler is the server's whole handler: /healthz, the admin API under
// /v1/ (authenticated by keys) and the auth API under /auth/, with one log
// line per request on log. apiLog receives the admin API's own lines
// (the causes of failures).
func Handler(svc acct.Service, keys acct.KeyManager, auth authapi.Options, apiLog, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/healthz", health(svc, log))
	mux.Handle(api.Prefix, httpapi.New(svc, keyRecorder{keys}, apiLog))
	mux.Handle(authapi.Prefix, authapi.New(svc, auth))
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.WriteError(w, acct.Errorf(acct.CodeNotFound, "no such endpoint: see /v1/, /auth/ and /healthz"))
	}))
	return logRequests(log, auth.ClientIPHeader, mux)
}

// health answers GET /healthz: 200 "ok" when the store answers a read,
// 503 otherwise.
func health(svc acct.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		w.Header().Set("Cache-Control", "no-store")
		if _, err := svc.ListUsers(ctx, acct.UserQuery{Limit: 1}); err != nil {
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
	key string // the API key's name
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

// logRequests logs one line per request: method, path (never the query),
// status, duration, bytes, client address and API key name.
func logRequests(log *slog.Logger, ipHeader string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{}
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
		rec := &recorder{ResponseWriter: w}
		defer func() {
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			attrs := []slog.Attr{
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Duration("duration", time.Since(start)),
				slog.Int64("bytes", rec.bytes),
				slog.String("client", authapi.ClientAddr(r, ipHeader)),
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
