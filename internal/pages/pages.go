// Package pages serves the small pages behind the links acctl mails,
// for an operator without app pages of their own (links.pages): the
// password reset form, and the confirmation of an email address (which
// activates a pending account, or verifies an added address), each with
// a clear page for a used, an expired or an unknown link.
//
// They are server-rendered with html/template and need no script. Every
// answer carries a strict Content-Security-Policy (nothing but the
// pages' own stylesheet; forms post to the same origin only; no framing)
// and Referrer-Policy: no-referrer. Forms are posted to the same origin
// with a CSRF token (see csrfToken) and judged by net/http's
// CrossOriginProtection first.
//
// No secret in a URL that is logged: the link's token arrives in the
// query of GET /auth/pages/link (the request log writes the path only,
// never the query; the metrics label a fixed route). That answer moves
// the token into an HttpOnly cookie limited to the page's path and
// redirects (303) to the page's address without it, as OWASP's Forgot
// Password Cheat Sheet and Django's PasswordResetConfirmView do, so that
// the token leaves the address bar, the history and any Referer at once.
//
// A link is checked when its page is opened (Service.CheckLink, which
// reads only: nothing is used or counted), so that a used, an expired or
// an unknown link gets its page at once, not after its form is posted;
// the form is shown only for a link that works. A GET never uses a link:
// the confirmation of an address is a button whose POST confirms, so a
// mail scanner that prefetches links uses none.
//
// The rules are acct's: the handlers read fields and call
// Service.CheckLink, Service.ResetPassword and Service.Activate, and show
// the outcome by the error's code and Reason.
package pages

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/api"
	"github.com/acctl/acctl/internal/authapi"
	"github.com/acctl/acctl/internal/forwarded"
)

// The pages' paths. They are under the auth API's /auth/, so that a
// reverse proxy that routes /auth/ to acctl serve serves them too.
const (
	Prefix      = "/auth/pages/"
	LinkPath    = Prefix + "link"    // the mailed links: ?token= or ?confirm=
	ResetPath   = Prefix + "reset"   // the reset form
	ConfirmPath = Prefix + "confirm" // the confirmation of an address
	ForgotPath  = Prefix + "forgot"  // asks for a reset link
	StylePath   = Prefix + "style.css"
)

// The cookies that carry a link's token from the landing page to its
// form, each sent to its page only.
const (
	ResetCookie   = "acctl_reset"
	ConfirmCookie = "acctl_confirm"
	// ForgotCookie holds a random value from which the forgot form's CSRF
	// token is derived (there is no link yet).
	ForgotCookie = "acctl_forgot"
)

// DefaultActor names the pages in the audit trail.
const DefaultActor = "auth-pages"

// CSP is the Content-Security-Policy of every page: nothing may load but
// the pages' own stylesheet, forms post to the same origin only, and no
// other site may frame a page (clickjacking).
const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'"

// cookieLife bounds how long a link's token waits in its cookie; the
// link itself may be opened again while acct lets it live.
const cookieLife = time.Hour

// maxToken is the longest token the landing page takes into a cookie
// (acct's are 28 characters; people may add hyphens or spaces).
const maxToken = 200

// maxForm bounds a posted form.
const maxForm = 64 << 10

// Options configure the pages.
type Options struct {
	// PublicURL is public_url: its origin may post the forms (besides the
	// host the request was sent to), and "Log in" leads to it after a
	// reset or a confirmation (unless it points at the server itself).
	PublicURL string
	// TrustedProxies name the client's scheme (the cookies' Secure) and
	// address (the limit); nil: no one.
	TrustedProxies *forwarded.Trust
	// Forgot turns on the page that asks for a reset link (GET and POST
	// /auth/pages/forgot): on where the auth API's lost_password is
	// (public_url and email delivery). Off, it is an unknown page.
	Forgot bool
	// Limit limits the forms' posts per client address; nil: no limit.
	Limit *authapi.Limiter
	// AccountLimit limits the reset links asked for one address, in
	// buckets of their own; nil: no limit.
	AccountLimit *authapi.Limiter
	// Log receives what goes wrong (never a token); nil: nothing.
	Log *slog.Logger
	// Actor names the pages in the audit trail (DefaultActor).
	Actor string
}

//go:embed templates/pages.html
var pagesHTML string

//go:embed templates/style.css
var styleCSS []byte

var tmpl = template.Must(template.New("pages").Option("missingkey=error").Parse(pagesHTML))

// handler serves the pages.
type handler struct {
	svc   acct.Service
	opt   Options
	log   *slog.Logger
	cop   *http.CrossOriginProtection
	login string
}

// New returns the pages over svc. It serves the paths under Prefix:
// mount it there.
func New(svc acct.Service, opt Options) http.Handler {
	h := &handler{svc: svc, opt: opt, log: opt.Log, cop: http.NewCrossOriginProtection(), login: loginURL(opt.PublicURL)}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.opt.Actor == "" {
		h.opt.Actor = DefaultActor
	}
	if o := LinkURL(opt.PublicURL); o != "" {
		if err := h.cop.AddTrustedOrigin(strings.TrimSuffix(o, LinkPath)); err != nil {
			h.log.Warn("pages: public_url's origin not trusted", slog.String("error", err.Error()))
		}
	}
	return h
}

// IsRoute reports whether path is one of the pages (a server's metrics
// label requests by these paths only).
func IsRoute(path string) bool {
	switch path {
	case LinkPath, ResetPath, ConfirmPath, ForgotPath, StylePath:
		return true
	}
	return false
}

// kind is one of the pages with a form: its path, its cookie, the
// link's query parameter.
type kind struct {
	path, cookie, param string
	purpose             string // in the CSRF token: a reset's token is no confirmation's
}

var (
	resetKind   = kind{ResetPath, ResetCookie, "token", "reset"}
	confirmKind = kind{ConfirmPath, ConfirmCookie, "confirm", "confirm"}
	forgotKind  = kind{ForgotPath, ForgotCookie, "", "forgot"}
)

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	getOnly := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch r.URL.Path {
	case StylePath:
		if !h.methods(w, r, getOnly, "GET, HEAD") {
			return
		}
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Write(styleCSS)
	case LinkPath:
		if h.methods(w, r, getOnly, "GET, HEAD") {
			h.landing(w, r)
		}
	case ResetPath, ConfirmPath, ForgotPath:
		k := resetKind
		switch r.URL.Path {
		case ConfirmPath:
			k = confirmKind
		case ForgotPath:
			if !h.opt.Forgot {
				h.message(w, r, http.StatusNotFound, texts(r).UnknownTitle, texts(r).UnknownText)
				return
			}
			k = forgotKind
		}
		switch {
		case getOnly && k == forgotKind:
			h.forgotForm(w, r)
		case getOnly:
			h.form(w, r, k)
		case r.Method == http.MethodPost:
			h.post(w, r, k)
		default:
			h.methods(w, r, false, "GET, HEAD, POST")
		}
	default:
		h.message(w, r, http.StatusNotFound, texts(r).UnknownTitle, texts(r).UnknownText)
	}
}

// methods answers 405 unless ok, and reports ok.
func (h *handler) methods(w http.ResponseWriter, r *http.Request, ok bool, allow string) bool {
	if !ok {
		w.Header().Set("Allow", allow)
		h.message(w, r, http.StatusMethodNotAllowed, texts(r).ErrorTitle, texts(r).ErrorText)
	}
	return ok
}

// landing: GET /auth/pages/link?token=… (a reset link) or ?confirm=… (an
// activation link) moves the token into its page's cookie and redirects
// to the page, so that the token leaves the address at once.
func (h *handler) landing(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	k := resetKind
	token := strings.TrimSpace(q.Get(k.param))
	if token == "" {
		k = confirmKind
		token = strings.TrimSpace(q.Get(k.param))
	}
	if token == "" || len(token) > maxToken || strings.IndexFunc(token, notCookieSafe) >= 0 {
		h.message(w, r, http.StatusNotFound, texts(r).UnknownTitle, texts(r).UnknownText)
		return
	}
	h.setCookie(w, r, k, token, int(cookieLife/time.Second))
	headers(w)
	http.Redirect(w, r, k.path, http.StatusSeeOther)
}

// notCookieSafe reports the characters that no link's token has (acct's
// are letters and digits, which people may split with hyphens or
// spaces): such a token is unknown, and never goes into a cookie, where
// net/http would drop or quote them.
func notCookieSafe(c rune) bool {
	return !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == ' ')
}

// form: GET of a page checks the link of the token in its cookie
// (Service.CheckLink, which reads only) and shows its form when the link
// can be used, or at once the page that says it was used, has expired
// or is unknown. The check is limited per client address as posts are,
// so that a page is no faster oracle for guessing links than its form.
//
// A confirmation is never made by a GET: the page shows a button whose
// POST confirms, so that a mail scanner that fetches the link (and
// follows its redirect) confirms nothing and uses nothing.
func (h *handler) form(w http.ResponseWriter, r *http.Request, k kind) {
	t := texts(r)
	token := h.token(r, k)
	if token == "" {
		h.message(w, r, http.StatusNotFound, t.UnknownTitle, t.UnknownText)
		return
	}
	if !h.allow(w, r) {
		return
	}
	lk := acct.LinkReset
	if k == confirmKind {
		lk = acct.LinkActivation
	}
	_, err := h.svc.CheckLink(acct.WithActor(r.Context(), h.opt.Actor), acct.LinkCheck{Kind: lk, Code: token})
	switch {
	case err == nil:
		h.render(w, r, http.StatusOK, h.formView(r, k, token))
	case k == confirmKind && acct.IsCode(err, acct.CodeConflict): // used already: the address is confirmed
		h.setCookie(w, r, confirmKind, "", -1)
		h.done(w, r, t.UsedTitle, t.ConfirmUsedText)
	default:
		h.failed(w, r, k, err)
	}
}

// allow applies the limit per client address, answering 429 when it
// refuses.
func (h *handler) allow(w http.ResponseWriter, r *http.Request) bool {
	ok, wait := h.opt.Limit.Allow(r)
	if !ok {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int((wait+time.Second-1)/time.Second))))
		h.message(w, r, http.StatusTooManyRequests, texts(r).BusyTitle, texts(r).TooManyText)
	}
	return ok
}

// formView is the view of k's form.
func (h *handler) formView(r *http.Request, k kind, token string) *view {
	t := texts(r)
	v := &view{T: t, Kind: k.purpose, Action: k.path, CSRF: csrfToken(k.purpose, token)}
	switch k {
	case resetKind:
		v.Title = t.ResetTitle
	case confirmKind:
		v.Title = t.ConfirmTitle
	default:
		v.Title = t.ForgotTitle
	}
	return v
}

// post: POST of a page's form uses the token of its cookie.
func (h *handler) post(w http.ResponseWriter, r *http.Request, k kind) {
	t := texts(r)
	if err := h.cop.Check(r); err != nil {
		h.message(w, r, http.StatusForbidden, t.ForbidTitle, t.ForbidText)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		h.message(w, r, http.StatusBadRequest, t.ForbidTitle, t.ForbidText)
		return
	}
	token := h.token(r, k)
	switch {
	case token == "" && k == forgotKind: // the form's cookie is gone
		h.message(w, r, http.StatusForbidden, t.ForbidTitle, t.ForbidText)
		return
	case token == "":
		h.message(w, r, http.StatusNotFound, t.UnknownTitle, t.UnknownText)
		return
	}
	if got := r.PostForm.Get("csrf"); subtle.ConstantTimeCompare([]byte(got), []byte(csrfToken(k.purpose, token))) != 1 {
		h.message(w, r, http.StatusForbidden, t.ForbidTitle, t.ForbidText)
		return
	}
	if !h.allow(w, r) {
		return
	}
	r = r.WithContext(acct.WithActor(r.Context(), h.opt.Actor))
	switch k {
	case resetKind:
		h.reset(w, r, token)
	case confirmKind:
		h.confirm(w, r, token)
	default:
		h.forgot(w, r, token)
	}
}

// forgotForm: GET /auth/pages/forgot shows the form that asks for a
// reset link, with a fresh random value in its cookie for the CSRF
// token.
func (h *handler) forgotForm(w http.ResponseWriter, r *http.Request) {
	token := h.token(r, forgotKind)
	if token == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			h.failed(w, r, forgotKind, acct.Internal(err, "csrf cookie"))
			return
		}
		token = base64.RawURLEncoding.EncodeToString(b)
		h.setCookie(w, r, forgotKind, token, int(cookieLife/time.Second))
	}
	h.render(w, r, http.StatusOK, h.formView(r, forgotKind, token))
}

// forgot asks for a reset link: acct commits a job that sends it if the
// address is an account's, the same work and the same answer either way.
func (h *handler) forgot(w http.ResponseWriter, r *http.Request, token string) {
	t := texts(r)
	email, err := acct.NormalizeEmail(r.PostForm.Get("email"))
	if err == nil {
		if ok, wait := h.opt.AccountLimit.AllowKey("mail:" + email); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int((wait+time.Second-1)/time.Second))))
			h.message(w, r, http.StatusTooManyRequests, t.BusyTitle, t.TooManyText)
			return
		}
		err = h.svc.ForgotPassword(r.Context(), email)
	}
	switch {
	case err == nil:
		h.message(w, r, http.StatusOK, t.ForgotSentTitle, t.ForgotSentText)
	case acct.IsCode(err, acct.CodeInvalid) && !acct.IsConfigFault(err):
		v := h.formView(r, forgotKind, token)
		v.Error, v.Detail, v.Email = t.EmailInvalid, strings.TrimPrefix(api.Detail(err).Message, "email: "), r.PostForm.Get("email")
		h.render(w, r, http.StatusBadRequest, v)
	default:
		h.failed(w, r, forgotKind, err)
	}
}

// reset sets the password of the reset form; a refused password shows
// the form again with the policy's reason.
func (h *handler) reset(w http.ResponseWriter, r *http.Request, token string) {
	t := texts(r)
	password, again := r.PostForm.Get("password"), r.PostForm.Get("confirmation")
	if password == "" || again == "" || password != again {
		v := h.formView(r, resetKind, token)
		v.Error = t.PasswordMissing
		if password != "" && again != "" {
			v.Error = t.PasswordDiffer
		}
		h.render(w, r, http.StatusBadRequest, v)
		return
	}
	_, err := h.svc.ResetPassword(r.Context(), acct.PasswordReset{Code: token, Password: password})
	if err == nil {
		h.setCookie(w, r, resetKind, "", -1)
		h.done(w, r, t.ResetDoneTitle, t.ResetDoneText)
		return
	}
	if f := acct.ErrorField(err); f == "password" && !acct.IsConfigFault(err) {
		v := h.formView(r, resetKind, token)
		msg := api.Detail(err).Message
		for _, p := range []string{"password: ", "password refused: "} {
			msg = strings.TrimPrefix(msg, p)
		}
		v.Error, v.Detail = t.PasswordRefused, msg
		h.render(w, r, api.StatusOf(acct.ErrorCode(err)), v)
		return
	}
	h.failed(w, r, resetKind, err)
}

// confirm uses an activation link.
func (h *handler) confirm(w http.ResponseWriter, r *http.Request, token string) {
	t := texts(r)
	_, err := h.svc.Activate(r.Context(), token)
	switch {
	case err == nil:
		h.setCookie(w, r, confirmKind, "", -1)
		h.done(w, r, t.ConfirmDoneTitle, t.ConfirmDoneText)
	case acct.IsCode(err, acct.CodeConflict): // used already: the address is confirmed
		h.setCookie(w, r, confirmKind, "", -1)
		h.done(w, r, t.UsedTitle, t.ConfirmUsedText)
	default:
		h.failed(w, r, confirmKind, err)
	}
}

// done shows a success, with the way to log in.
func (h *handler) done(w http.ResponseWriter, r *http.Request, title, text string) {
	v := &view{T: texts(r), Kind: "message", Title: title, Text: []string{text}}
	if h.login != "" {
		v.Link, v.LinkText = h.login, v.T.LogIn
	}
	h.render(w, r, http.StatusOK, v)
}

// failed shows why a link cannot be used, by the error's code and
// Reason (acct's), or that the server failed.
func (h *handler) failed(w http.ResponseWriter, r *http.Request, k kind, err error) {
	t := texts(r)
	again := ""
	if k == resetKind {
		again = t.AskAgainReset
	}
	gone := func(status int, title, text string) {
		h.setCookie(w, r, k, "", -1) // the link is of no more use
		v := &view{T: t, Kind: "message", Title: title, Text: []string{text}}
		switch {
		case k == resetKind && h.opt.Forgot:
			v.Link, v.LinkText = ForgotPath, t.AskNewLink
		case again != "":
			v.Text = append(v.Text, again)
		}
		h.render(w, r, status, v)
	}
	code := acct.ErrorCode(err)
	switch {
	case acct.IsConfigFault(err):
	case code == acct.CodeUnauthenticated && acct.ErrorReason(err) == acct.ReasonExpired:
		gone(http.StatusGone, t.ExpiredTitle, t.ExpiredText)
		return
	case code == acct.CodeUnauthenticated && acct.ErrorReason(err) == acct.ReasonEnded:
		gone(http.StatusGone, t.UsedTitle, t.UsedText)
		return
	case code == acct.CodeUnauthenticated, code == acct.CodeNotFound:
		gone(http.StatusNotFound, t.UnknownTitle, t.UnknownText)
		return
	case code == acct.CodeRefused:
		h.message(w, r, http.StatusForbidden, t.RefusedTitle, t.RefusedText)
		return
	case code == acct.CodeUnavailable:
		api.SetRetryAfter(w.Header(), err)
		h.message(w, r, http.StatusServiceUnavailable, t.BusyTitle, t.BusyText)
		return
	}
	h.log.LogAttrs(r.Context(), slog.LevelError, "pages: failure", slog.String("path", r.URL.Path),
		slog.String("code", string(code)), slog.String("error", err.Error()))
	h.message(w, r, http.StatusInternalServerError, t.ErrorTitle, t.ErrorText)
}

// token is the link's token in k's cookie, or "".
func (h *handler) token(r *http.Request, k kind) string {
	c, err := r.Cookie(k.cookie)
	if err != nil || len(c.Value) > maxToken {
		return ""
	}
	return c.Value
}

// setCookie sets (or, with maxAge < 0, clears) k's cookie: HttpOnly, sent
// to k's page only, SameSite=Lax (the link is opened from a mail, another
// site: Strict would withhold it from the redirect), Secure unless the
// client spoke plain HTTP to a loopback host.
func (h *handler) setCookie(w http.ResponseWriter, r *http.Request, k kind, token string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: k.cookie, Value: token, Path: k.path, MaxAge: maxAge,
		HttpOnly: true, Secure: h.secure(r), SameSite: http.SameSiteLaxMode})
}

// secure reports whether cookies get the Secure attribute (as the auth
// API decides it): always, unless the client spoke plain HTTP to a
// loopback host (development on one's own machine).
func (h *handler) secure(r *http.Request) bool {
	if h.opt.TrustedProxies.Of(r).HTTPS() {
		return true
	}
	host := r.Host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		host = hh
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// csrfToken is the CSRF token of a form: derived from the link's token
// in the cookie (a double-submit token that a planted cookie cannot
// match without the token, and that does not reveal it), and from the
// purpose, so that a reset form's token does not post a confirmation.
func csrfToken(purpose, token string) string {
	sum := sha256.Sum256([]byte("acctl page csrf v1\x00" + purpose + "\x00" + token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// view is what the template shows.
type view struct {
	T      *Texts
	Kind   string // reset, confirm or message
	Title  string
	Style  string
	Action string
	CSRF   string
	Error  string // the form's error
	Email  string // the forgot form's address, shown again with its error
	Detail string // acct's reason of a refused password
	Text   []string
	Link   string
	// LinkText is Link's text.
	LinkText string
}

// message shows a page of text: a title and paragraphs.
func (h *handler) message(w http.ResponseWriter, r *http.Request, status int, title string, text ...string) {
	v := &view{T: texts(r), Kind: "message", Title: title}
	for _, s := range text {
		if s != "" {
			v.Text = append(v.Text, s)
		}
	}
	h.render(w, r, status, v)
}

// render writes v with the pages' security headers.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, v *view) {
	v.Style = StylePath
	var b strings.Builder
	if err := tmpl.ExecuteTemplate(&b, "page", v); err != nil {
		h.log.LogAttrs(r.Context(), slog.LevelError, "pages: template", slog.String("error", err.Error()))
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	headers(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", v.T.Lang)
	w.Header().Add("Vary", "Accept-Language") // the words depend on it
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write([]byte(b.String()))
	}
}

// headers sets the headers every answer of the pages carries.
func headers(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", CSP)
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cache-Control", "no-store")
}

// texts are the texts of r's language (Accept-Language).
func texts(r *http.Request) *Texts { return textsFor(r.Header.Get("Accept-Language")) }
