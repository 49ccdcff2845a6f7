// Package authapi is the public authentication API that apps call on
// behalf of their users, under /auth/: log in and out, sign up and
// activate, forgotten and changed passwords, the language, and "who am
// I". Its request fields and answers follow the authentication views of
// SoL (a form or a JSON body; a JSON answer with success, message and
// per-field errors); the session is a cookie whose value is the session
// token.
//
// The rules live in acct: the handler reads fields, guards the edges
// (limits, body size, cross-site requests, never telling whether an
// account exists) and calls the Service.
package authapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/api"
	"github.com/acctl/acctl/internal/forwarded"
)

// Prefix is the path under which the auth API is served.
const Prefix = "/auth/"

// The default cookie names.
const (
	DefaultCookieName = "acctl_session"
	CSRFHeader        = "X-CSRF-Token"
)

// DefaultActor names the auth API in the audit trail.
const DefaultActor = "auth-api"

// freshenAfter is how long after a session was last seen GET /auth/session
// moves its idle deadline (a write at most once a minute per session).
const freshenAfter = time.Minute

// Options configure the handler. The zero value of each field means its
// default.
type Options struct {
	// PublicURL is the address of the app (the public_url key): an
	// activation redirects there, a reset answers it as "location", and
	// its origin may send state-changing requests.
	PublicURL string
	// Signin turns on POST and GET /auth/signin, LostPassword POST
	// /auth/lost_password and /auth/email: they need public_url and mail
	// delivery. Off, they answer 404 (a sign-up by phone needs SMS only).
	Signin       bool
	LostPassword bool
	// AllowedOrigins are origins ("https://app.example.com") besides the
	// server's own and PublicURL's that may send state-changing requests
	// with the session cookie.
	AllowedOrigins []string
	// TrustedProxies are the reverse proxies whose forwarded headers
	// (X-Forwarded-For and -Proto, Forwarded) name the client's address
	// (the limits) and scheme (the cookies' Secure, the origin checks);
	// from anyone else they are ignored. nil: no one.
	TrustedProxies *forwarded.Trust
	// AddressRate and AccountRate limit attempts per client address and
	// per account (DefaultAddressRate, DefaultAccountRate; Unlimited), in
	// the memory of this process. A login is limited per account by acct
	// instead (acct.Options.LoginLimit, in the store): AccountRate limits
	// the sign-ups, lost passwords and password changes of an address or
	// account.
	AddressRate Rate
	AccountRate Rate
	// LimitClock is the clock of the limits; default time.Now.
	LimitClock func() time.Time
	// Now is the clock of the Service, to decide when a session is
	// freshened; default time.Now.
	Now func() time.Time
	// Log receives what goes wrong (never a secret); nil: nothing.
	Log *slog.Logger
	// CookieName is the session cookie's name (DefaultCookieName); the
	// CSRF cookie is named after it with "_csrf" in place of "_session"
	// (or added).
	CookieName string
	// Actor names the auth API in the audit trail (DefaultActor).
	Actor string
	// SMS turns on the endpoints that send text messages (sign-up by
	// phone, /auth/phone, /auth/recovery/sms): they need SMS delivery.
	SMS bool
	// DeletionHold is how long POST /auth/delete_account keeps an account
	// restorable (the deletion.hold key); DefaultDeletionHold when zero.
	DeletionHold time.Duration
}

// DefaultDeletionHold is the default of Options.DeletionHold, as the
// deletion.hold key's.
const DefaultDeletionHold = 14 * 24 * time.Hour

// handler serves the auth API.
type handler struct {
	svc       acct.Service
	opt       Options
	log       *slog.Logger
	byAddress *limiter
	byAccount *limiter
	origins   map[string]bool
	cop       *http.CrossOriginProtection
	redirect  string // where an activation goes
	csrfName  string
}

// New returns the handler of the auth API over svc. It serves the paths
// under Prefix: mount it there.
func New(svc acct.Service, opts Options) http.Handler {
	h := &handler{svc: svc, opt: opts}
	if h.opt.Log == nil {
		h.opt.Log = slog.New(slog.DiscardHandler)
	}
	h.log = h.opt.Log
	if h.opt.Now == nil {
		h.opt.Now = time.Now
	}
	if h.opt.LimitClock == nil {
		h.opt.LimitClock = time.Now
	}
	if h.opt.AddressRate == (Rate{}) {
		h.opt.AddressRate = DefaultAddressRate
	}
	if h.opt.AccountRate == (Rate{}) {
		h.opt.AccountRate = DefaultAccountRate
	}
	if h.opt.CookieName == "" {
		h.opt.CookieName = DefaultCookieName
	}
	if h.opt.Actor == "" {
		h.opt.Actor = DefaultActor
	}
	if h.opt.DeletionHold <= 0 {
		h.opt.DeletionHold = DefaultDeletionHold
	}
	h.csrfName = csrfCookieName(h.opt.CookieName)
	h.byAddress = newLimiter(h.opt.AddressRate, h.opt.LimitClock)
	h.byAccount = newLimiter(h.opt.AccountRate, h.opt.LimitClock)
	h.origins = map[string]bool{}
	for _, o := range append([]string{h.opt.PublicURL}, h.opt.AllowedOrigins...) {
		if o = originOf(o); o != "" {
			h.origins[o] = true
		}
	}
	h.cop = http.NewCrossOriginProtection()
	for o := range h.origins {
		if err := h.cop.AddTrustedOrigin(o); err != nil {
			h.log.Warn("auth api: origin not trusted", slog.String("origin", o), slog.String("error", err.Error()))
		}
	}
	h.redirect = redirectTarget(h.opt.PublicURL)
	return h
}

func csrfCookieName(session string) string {
	if base, ok := strings.CutSuffix(session, "_session"); ok {
		return base + "_csrf"
	}
	return session + "_csrf"
}

// originOf returns "scheme://host[:port]" of a URL in lower case, or "".
func originOf(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// redirectTarget is the public URL without its query, fragment and
// "{code}" placeholder: the page an activation leads to. Without a public
// URL it is "/".
func redirectTarget(public string) string {
	u, err := url.Parse(strings.TrimSpace(public))
	if public == "" || err != nil || u.Host == "" {
		return "/"
	}
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	if i := strings.Index(u.Path, "{code}"); i >= 0 {
		u.Path = u.Path[:i]
		u.RawPath = ""
	}
	if strings.TrimSuffix(u.Path, "/") == "/auth/signin" {
		u.Path = "/" // the link led here: never back to the endpoint itself
	}
	return u.String()
}

// Answer is the body of every answer, as SoL's views give it: success, a
// message for people, and the message of each field at fault. Code is
// acct's error code of a failure.
type Answer struct {
	Success bool      `json:"success"`
	Message string    `json:"message"`
	Code    acct.Code `json:"code,omitempty"`
	// Reason refines Code where telling it is safe (acct.Reason).
	Reason acct.Reason       `json:"reason,omitempty"`
	Errors map[string]string `json:"errors,omitempty"`
}

// route is one endpoint: the methods it takes and its work.
type route struct {
	methods []string
	serve   func(h *handler, w http.ResponseWriter, r *http.Request)
}

var routes = map[string]route{
	"/auth/login":            {[]string{http.MethodPost}, (*handler).login},
	"/auth/challenge":        {[]string{http.MethodPost}, (*handler).challenge},      // challenge.go
	"/auth/challenge/login":  {[]string{http.MethodPost}, (*handler).challengeLogin}, // challenge.go
	"/auth/logout":           {[]string{http.MethodGet, http.MethodPost}, (*handler).logout},
	"/auth/signin":           {[]string{http.MethodGet, http.MethodPost}, (*handler).signin},
	"/auth/lost_password":    {[]string{http.MethodPost}, (*handler).lostPassword},
	"/auth/reset_password":   {[]string{http.MethodPost}, (*handler).resetPassword},
	"/auth/change_password":  {[]string{http.MethodPost}, (*handler).changePassword},
	"/auth/change_language":  {[]string{http.MethodPost}, (*handler).changeLanguage},
	"/auth/session":          {[]string{http.MethodGet}, (*handler).session},
	"/auth/connect":          {[]string{http.MethodGet}, (*handler).connect},
	"/auth/mfa/verify":       {[]string{http.MethodPost}, (*handler).mfaVerify},
	"/auth/mfa/totp":         {[]string{http.MethodPost}, (*handler).mfaEnroll},
	"/auth/mfa/totp/confirm": {[]string{http.MethodPost}, (*handler).mfaConfirm},
}

// IsRoute reports whether path is one of the auth API's endpoints
// ("/auth/login"): a server's metrics label requests by these paths only,
// never by whatever path a client sends.
func IsRoute(path string) bool {
	_, ok := routes[path]
	return ok
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt, ok := routes[r.URL.Path]
	if !ok {
		h.fail(w, http.StatusNotFound, acct.CodeNotFound, "no such endpoint", nil)
		return
	}
	// HEAD only where GET changes nothing.
	allowed := r.Method == http.MethodHead && (r.URL.Path == "/auth/session" || r.URL.Path == "/auth/connect")
	for _, m := range rt.methods {
		allowed = allowed || r.Method == m
	}
	if !allowed {
		w.Header().Set("Allow", strings.Join(rt.methods, ", "))
		h.fail(w, http.StatusMethodNotAllowed, acct.CodeInvalid, fmt.Sprintf("method %s not allowed", r.Method), nil)
		return
	}
	r = r.WithContext(acct.WithActor(r.Context(), h.opt.Actor))
	rt.serve(h, w, r)
}

// fail writes a failure answer.
func (h *handler) fail(w http.ResponseWriter, status int, code acct.Code, msg string, errs map[string]string) {
	api.WriteJSON(w, status, Answer{Message: msg, Code: code, Errors: errs})
}

// failErr writes the answer of a Service error: its status from the one
// mapping of package api, its message (never an internal one), and the
// field at fault under the name the request used (names maps acct's field
// names to the request's).
func (h *handler) failErr(w http.ResponseWriter, r *http.Request, err error, names map[string]string) {
	if acct.IsConfigFault(err) {
		// The server's configuration is at fault: the operator reads the
		// keys to set (and the secret file's path) in the log; the user
		// of a public endpoint gets a 500 without them.
		err = acct.Internal(err, "server configuration")
	}
	d := api.Detail(err)
	status := api.StatusOf(d.Code)
	if status >= 500 {
		h.log.LogAttrs(r.Context(), slog.LevelError, "auth api failure", slog.String("path", r.URL.Path),
			slog.String("code", string(acct.ErrorCode(err))), slog.String("error", err.Error()))
	}
	if d.Code == acct.CodeUnavailable {
		api.SetRetryAfter(w.Header(), err)
	}
	var errs map[string]string
	if d.Field != "" {
		name := d.Field
		if n, ok := names[name]; ok {
			name = n
		}
		errs = map[string]string{name: fieldMessage(d.Message, d.Field)}
	}
	a := Answer{Message: d.Message, Code: d.Code, Reason: d.Reason, Errors: errs}
	if d.UserID != 0 {
		api.WriteJSON(w, status, WaitAnswer{Answer: a, UserID: d.UserID})
		return
	}
	api.WriteJSON(w, status, a)
}

// WaitAnswer is the answer of a login refused after its password was
// proven right (reason unverified, locked or held): it names the account,
// as ez_api's LoginWait does, so that the app can say how to go on.
type WaitAnswer struct {
	Answer
	UserID int64 `json:"user_id"`
}

// fieldMessage drops the "field: " prefix of acct's field errors.
func fieldMessage(msg, field string) string {
	if m, ok := strings.CutPrefix(msg, field+": "); ok {
		return m
	}
	return msg
}

// required answers 400 naming the empty fields, and reports whether it
// did.
func (h *handler) required(w http.ResponseWriter, f fields, names ...string) bool {
	errs := map[string]string{}
	for _, n := range names {
		if f.get(n) == "" {
			errs[n] = "required"
		}
	}
	if len(errs) == 0 {
		return false
	}
	h.fail(w, http.StatusBadRequest, acct.CodeInvalid, "missing fields", errs)
	return true
}

// body reads the request body and answers its failure (413, 415, 400).
func (h *handler) body(w http.ResponseWriter, r *http.Request) (fields, bool) {
	f, err := readBody(w, r)
	switch {
	case errors.Is(err, errTooLarge):
		h.fail(w, http.StatusRequestEntityTooLarge, acct.CodeInvalid,
			fmt.Sprintf("request body larger than %d bytes", api.MaxBodyBytes), nil)
	case errors.Is(err, errMediaType):
		h.fail(w, http.StatusUnsupportedMediaType, acct.CodeInvalid,
			"send a form (application/x-www-form-urlencoded or multipart/form-data) or a JSON object", nil)
	case err != nil:
		h.failErr(w, r, err, nil)
	case h.unknownFields(w, r, f): // selfservice.go
	default:
		return f, true
	}
	return nil, false
}

// limit takes a token from the client address's bucket and, when account
// is not "", from the account's; when one is empty it answers 429 with
// Retry-After and reports false.
func (h *handler) limit(w http.ResponseWriter, r *http.Request, account string) bool {
	ok, wait := h.byAddress.allow(limitKey(h.opt.TrustedProxies.Of(r).Addr))
	if ok && account != "" {
		ok, wait = h.byAccount.allow(accountKey(account))
	}
	if ok {
		return true
	}
	h.tooMany(w, wait)
	return false
}

// tooMany answers 429 with Retry-After: a limit refused the request for
// wait.
func (h *handler) tooMany(w http.ResponseWriter, wait time.Duration) {
	secs := int((wait + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	h.fail(w, http.StatusTooManyRequests, acct.CodeRefused,
		fmt.Sprintf("too many attempts: try again in %d seconds", secs), nil)
}

// accountKey bounds the memory of a bucket's key: a long name (a body may
// hold a megabyte) stands as its SHA-256.
func accountKey(name string) string {
	if len(name) <= 128 {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return "sha256:" + base64.RawURLEncoding.EncodeToString(sum[:])
}

// sessionToken returns the token of the session cookie, or "".
func (h *handler) sessionToken(r *http.Request) string {
	c, err := r.Cookie(h.opt.CookieName)
	if err != nil {
		return ""
	}
	return c.Value
}

// csrfToken is the CSRF token of a session: derived from its token, so a
// cookie planted by another site (or subdomain) cannot match it, and the
// token cannot be found from it.
func csrfToken(sessionToken string) string {
	sum := sha256.Sum256([]byte("acctl csrf v1\x00" + sessionToken))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// crossSite reports whether a state-changing request must be refused.
//
// A browser says where a request comes from: net/http's
// CrossOriginProtection judges Sec-Fetch-Site, or, from a browser too old
// to send it, Origin against Host; the origins of public_url and
// auth.origins are trusted. Origin against Host alone ignores the scheme,
// so without Sec-Fetch-Site an http:// Origin is refused when the client
// spoke HTTPS (to the server, or to a trusted proxy that says so), unless
// it is trusted: a page of http://host, which anyone on the network can
// forge, must not act on https://host. The other way round (an https://
// page, a request that looks plain) is what a TLS proxy not listed in
// serve.trusted_proxies gives, and is let through.
//
// A request with neither header (a script, curl), or with Origin: null,
// passes when it carries no session cookie; with the cookie it needs a
// same-origin Referer or the session's CSRF token in X-CSRF-Token.
//
// GET /auth/logout changes state too: it is judged as a POST would be.
func (h *handler) crossSite(r *http.Request) (string, bool) {
	origin := r.Header.Get("Origin")
	site := r.Header.Get("Sec-Fetch-Site")
	hasOrigin := origin != "" && origin != "null"
	if hasOrigin || site != "" {
		if hasOrigin && site == "" && !h.origins[origin] && h.downgrade(r, origin) {
			return "cross-origin request refused: origin " + origin + " is plain HTTP and this server HTTPS", true
		}
		check := r
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			check = r.WithContext(r.Context())
			check.Method = http.MethodPost
		}
		if err := h.cop.Check(check); err != nil {
			if hasOrigin {
				return "cross-origin request refused: origin " + origin + " is not allowed", true
			}
			return "cross-origin request refused (Sec-Fetch-Site: " + site + ")", true
		}
		return "", false
	}
	token := h.sessionToken(r)
	if token == "" {
		return "", false
	}
	if ref := r.Header.Get("Referer"); origin == "" && ref != "" && h.allowedOrigin(r, ref) {
		return "", false
	}
	if got := r.Header.Get(CSRFHeader); got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(csrfToken(token))) == 1 {
		return "", false
	}
	return "cross-site request refused: send a same-origin Origin header or the " + CSRFHeader + " header", true
}

// downgrade reports whether the URL u is http:// (or any scheme but
// https) while the client of r spoke HTTPS. A URL that does not parse is
// left to the other checks.
func (h *handler) downgrade(r *http.Request, u string) bool {
	p, err := url.Parse(u)
	return err == nil && !strings.EqualFold(p.Scheme, "https") && h.opt.TrustedProxies.Of(r).HTTPS()
}

// allowedOrigin reports whether the origin of u (a Referer) is the
// server's own (the Host the request was sent to, not over http:// when
// the client spoke HTTPS) or allowed.
func (h *handler) allowedOrigin(r *http.Request, u string) bool {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return false
	}
	if strings.EqualFold(p.Host, r.Host) && !h.downgrade(r, u) {
		return true
	}
	return h.origins[strings.ToLower(p.Scheme+"://"+p.Host)]
}

// guard refuses a cross-site state-changing request with 403 and reports
// false.
func (h *handler) guard(w http.ResponseWriter, r *http.Request) bool {
	if msg, bad := h.crossSite(r); bad {
		h.fail(w, http.StatusForbidden, acct.CodeRefused, msg, nil)
		return false
	}
	return true
}

// secure reports whether cookies get the Secure attribute: always, unless
// the client spoke plain HTTP (to the server, or to a trusted proxy that
// says so) to a loopback host (development on one's own machine).
func (h *handler) secure(r *http.Request) bool {
	if h.opt.TrustedProxies.Of(r).HTTPS() {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// setSession sets the session cookie and the CSRF cookie: a keep session
// gets Max-Age up to its absolute deadline, any other lasts as long as the
// browser session.
func (h *handler) setSession(w http.ResponseWriter, r *http.Request, token string, s acct.Session, now time.Time) {
	maxAge := 0
	if s.Persistent {
		if maxAge = int(s.AbsoluteExpiresAt.Sub(now) / time.Second); maxAge <= 0 {
			maxAge = -1
		}
	}
	sec := h.secure(r)
	http.SetCookie(w, &http.Cookie{Name: h.opt.CookieName, Value: token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: sec, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: h.csrfName, Value: csrfToken(token), Path: "/", MaxAge: maxAge,
		Secure: sec, SameSite: http.SameSiteLaxMode})
}

// clearSession removes both cookies.
func (h *handler) clearSession(w http.ResponseWriter, r *http.Request) {
	sec := h.secure(r)
	http.SetCookie(w, &http.Cookie{Name: h.opt.CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: sec, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: h.csrfName, Value: "", Path: "/", MaxAge: -1,
		Secure: sec, SameSite: http.SameSiteLaxMode})
}

// current validates the session cookie. Without a valid session it
// answers 401 (clearing a stale cookie) and reports false.
func (h *handler) current(w http.ResponseWriter, r *http.Request) (*acct.SessionInfo, string, bool) {
	token := h.sessionToken(r)
	if token == "" {
		// No cookie: no token, as acct calls a token no session has.
		api.WriteJSON(w, http.StatusUnauthorized, Answer{Message: "not logged in", Code: acct.CodeUnauthenticated, Reason: acct.ReasonInvalid})
		return nil, "", false
	}
	info, err := h.svc.ValidateSession(r.Context(), token)
	if err != nil {
		if acct.IsCode(err, acct.CodeUnauthenticated) || acct.IsCode(err, acct.CodeNotFound) {
			h.clearSession(w, r)
			reason := acct.ErrorReason(err)
			msg := "not logged in: the session has ended or expired"
			switch reason {
			case acct.ReasonExpired:
				msg = "not logged in: the session expired"
			case acct.ReasonEnded:
				msg = "not logged in: the session has ended"
			case acct.ReasonInvalid:
				msg = "not logged in: no session has this token"
			}
			api.WriteJSON(w, http.StatusUnauthorized, Answer{Message: msg, Code: acct.CodeUnauthenticated, Reason: reason})
			return nil, "", false
		}
		h.failErr(w, r, err, nil)
		return nil, "", false
	}
	return info, token, true
}
