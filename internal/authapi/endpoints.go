package authapi

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/api"
)

// PublicUser is what the auth API shows of an account to its owner:
// never a lock, a failure count or anything an operator keeps.
type PublicUser struct {
	ID            int64       `json:"id"`
	Username      string      `json:"username"`
	Email         string      `json:"email"`
	EmailVerified bool        `json:"email_verified"`
	Phone         string      `json:"phone"`
	PhoneVerified bool        `json:"phone_verified"`
	FirstName     string      `json:"first_name"`
	LastName      string      `json:"last_name"`
	Language      string      `json:"language"`
	Admin         bool        `json:"admin"`
	Status        acct.Status `json:"status"`
	ReferralCode  string      `json:"referral_code,omitempty"`
	Points        int64       `json:"points"`
	CreatedAt     time.Time   `json:"created_at"`
}

// PublicSession is what the auth API shows of a session: never its token
// (that is the cookie).
type PublicSession struct {
	ID                string    `json:"id"`
	CreatedAt         time.Time `json:"created_at"`
	ExpiresAt         time.Time `json:"expires_at"`
	AbsoluteExpiresAt time.Time `json:"absolute_expires_at"`
	Persistent        bool      `json:"persistent"`
}

// SessionAnswer is the answer of a login and of GET /auth/session: SoL's
// fields (user_id, fullname, ui_language, is_admin), the account, the
// session and its CSRF token.
type SessionAnswer struct {
	Answer
	UserID     int64         `json:"user_id"`
	Fullname   string        `json:"fullname"`
	UILanguage string        `json:"ui_language"`
	IsAdmin    bool          `json:"is_admin"`
	User       PublicUser    `json:"user"`
	Session    PublicSession `json:"session"`
	CSRFToken  string        `json:"csrf_token"`
}

// LanguageAnswer is the answer of POST /auth/change_language.
type LanguageAnswer struct {
	Answer
	UILanguage string `json:"ui_language"`
}

// LocationAnswer is the answer of POST /auth/reset_password: where to go
// next (the app, to log in).
type LocationAnswer struct {
	Answer
	Location string `json:"location"`
}

func publicUser(u acct.User) PublicUser {
	return PublicUser{ID: u.ID, Username: u.Username, Email: u.Email, EmailVerified: u.EmailVerified,
		Phone: u.Phone, PhoneVerified: u.PhoneVerified, FirstName: u.FirstName, LastName: u.LastName,
		Language: u.Language, Admin: u.Admin, Status: u.Status, ReferralCode: u.ReferralCode,
		Points: u.Points, CreatedAt: u.CreatedAt}
}

func fullname(u acct.User) string {
	if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
		return n
	}
	if u.Username != "" {
		return u.Username
	}
	return u.Email
}

// sessionAnswer is the answer about the session of info, whose CSRF token
// is csrf (csrfToken of the session's token).
func sessionAnswer(info *acct.SessionInfo, csrf, msg string) SessionAnswer {
	s := info.Session
	return SessionAnswer{
		Answer:     Answer{Success: true, Message: msg},
		UserID:     info.User.ID,
		Fullname:   fullname(info.User),
		UILanguage: info.User.Language,
		IsAdmin:    info.User.Admin,
		User:       publicUser(info.User),
		Session: PublicSession{ID: s.ID, CreatedAt: s.CreatedAt, ExpiresAt: s.ExpiresAt,
			AbsoluteExpiresAt: s.AbsoluteExpiresAt, Persistent: s.Persistent},
		CSRFToken: csrf,
	}
}

// The answers that must not tell whether an account exists.
const (
	msgBadLogin = "wrong username or password"
	msgSignin   = "check your email: the link in it activates the account"
	msgLost     = "if the address belongs to an account, a link to set a new password is on its way"
)

// badLogin is the one answer of every failed login with well-formed
// fields before the password is proven: unknown account, wrong password
// (of a locked or pending account too), no password. After it, acct's
// refusal carries a Reason and is answered as it is (403).
func (h *handler) badLogin(w http.ResponseWriter) {
	h.fail(w, http.StatusUnauthorized, acct.CodeUnauthenticated, msgBadLogin,
		map[string]string{"username": "invalid credentials", "password": "invalid credentials"})
}

// login: POST username (or email), password, keep.
func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	if !h.guard(w, r) {
		return
	}
	f, ok := h.body(w, r)
	if !ok {
		return
	}
	ref := f.get("username")
	if ref == "" {
		ref = f.get("email")
	}
	password := f.raw("password")
	errs := map[string]string{}
	if ref == "" {
		errs["username"] = "required"
	}
	if password == "" {
		errs["password"] = "required"
	}
	if len(errs) > 0 {
		h.fail(w, http.StatusBadRequest, acct.CodeInvalid, "missing fields", errs)
		return
	}
	// The per-account limit is acct's, in the store (Options.LoginLimit):
	// every spelling of an account shares one bucket there.
	if !h.limit(w, r, "") {
		return
	}
	// acct does the same work for every outcome (one password check, one
	// read, one write): nothing here may add to one of them.
	s, err := h.svc.Login(r.Context(), acct.Login{Ref: ref, Password: password, Keep: f.bool("keep")})
	if err != nil {
		h.loginFailed(w, r, err, map[string]string{"user": "username", "ref": "username", "email": "username", "phone": "username"})
		return
	}
	h.opened(w, r, s)
}

// loginFailed answers a failed login, by password (/auth/login) or by a
// challenge's proof (/auth/challenge/login), alike: names maps acct's
// field names to the request's, for an invalid input.
func (h *handler) loginFailed(w http.ResponseWriter, r *http.Request, err error, names map[string]string) {
	if acct.ErrorReason(err) == acct.ReasonMFARequired {
		// The password was right: the login waits for a second factor
		// (POST /auth/mfa/verify). Telling so gives nothing away.
		api.WriteJSON(w, http.StatusUnauthorized, MFAAnswer{
			Answer:   Answer{Message: "a second factor is required: send a code with the mfa_token to /auth/mfa/verify", Code: acct.CodeUnauthenticated, Reason: acct.ReasonMFARequired},
			MFAToken: acct.ErrorMFAToken(err)})
		return
	}
	if acct.ErrorReason(err) != "" && acct.RetryAfter(err) == 0 {
		// The password was right (acct says what stops the login:
		// unverified, locked, held, and whose account it is), or the
		// challenge is gone (challenge_expired).
		h.failErr(w, r, err, nil)
		return
	}
	switch acct.ErrorCode(err) {
	case acct.CodeRefused:
		if wait := acct.RetryAfter(err); wait > 0 { // the account's limit, whether or not there is one
			h.tooMany(w, wait)
			return
		}
	case acct.CodeUnauthenticated, acct.CodeNotFound: // wrong password, no password; unknown or purged
	case acct.CodeInvalid:
		h.failErr(w, r, err, names)
		return
	default:
		h.failErr(w, r, err, nil)
		return
	}
	h.badLogin(w) // unknown, wrong password, or refused before the password was proven: one answer
}

// opened answers a login that opened session s: the session cookie and
// the session's answer.
func (h *handler) opened(w http.ResponseWriter, r *http.Request, s *acct.Session) {
	info, err := h.svc.ValidateSession(r.Context(), s.Token)
	if err != nil {
		h.failErr(w, r, err, nil)
		return
	}
	h.setSession(w, r, s.Token, info.Session, s.CreatedAt)
	api.WriteJSON(w, http.StatusOK, sessionAnswer(info, csrfToken(s.Token), "welcome, "+fullname(info.User)))
}

// MFAAnswer is the answer of a login whose password was right and that
// waits for a second factor: reason mfa_required and the token to give
// POST /auth/mfa/verify.
type MFAAnswer struct {
	Answer
	MFAToken string `json:"mfa_token"`
}

// MFAVerifyAnswer is the answer of POST /auth/mfa/verify: a login's,
// and after a recovery code how many are left.
type MFAVerifyAnswer struct {
	SessionAnswer
	// RecoveryCodesLeft, after a login by a recovery code, is how many
	// unused ones the account has left.
	RecoveryCodesLeft *int `json:"recovery_codes_left,omitempty"`
}

// MFAEnrollAnswer is the answer of POST /auth/mfa/totp: the new pending
// factor's secret and otpauth:// URI, shown this once.
type MFAEnrollAnswer struct {
	Answer
	Secret    string `json:"secret"`
	URI       string `json:"uri"`
	Algorithm string `json:"algorithm"`
	Digits    int    `json:"digits"`
	Period    int    `json:"period"`
}

// RecoveryCodesAnswer is the answer of POST /auth/mfa/totp/confirm: the
// recovery codes, shown this once.
type RecoveryCodesAnswer struct {
	Answer
	RecoveryCodes []string `json:"recovery_codes"`
}

// mfaVerify: POST mfa_token and code (or recovery_code) completes a login
// that answered mfa_required, with the session cookie as /auth/login's.
func (h *handler) mfaVerify(w http.ResponseWriter, r *http.Request) {
	if !h.guard(w, r) {
		return
	}
	f, ok := h.body(w, r)
	if !ok {
		return
	}
	if h.required(w, f, "mfa_token") {
		return
	}
	if !h.limit(w, r, "") {
		return
	}
	in := acct.MFAVerify{Token: f.raw("mfa_token"), Code: f.get("code"), RecoveryCode: f.get("recovery_code")}
	s, err := h.svc.VerifyMFA(r.Context(), in)
	if err != nil {
		if wait := acct.RetryAfter(err); wait > 0 && acct.IsCode(err, acct.CodeRefused) {
			h.tooMany(w, wait)
			return
		}
		h.failErr(w, r, err, nil)
		return
	}
	info, err := h.svc.ValidateSession(r.Context(), s.Token)
	if err != nil {
		h.failErr(w, r, err, nil)
		return
	}
	h.setSession(w, r, s.Token, info.Session, s.CreatedAt)
	a := sessionAnswer(info, csrfToken(s.Token), "welcome, "+fullname(info.User))
	api.WriteJSON(w, http.StatusOK, MFAVerifyAnswer{SessionAnswer: a, RecoveryCodesLeft: s.RecoveryCodesLeft})
}

// mfaEnroll: POST with the session cookie gives its account a pending
// TOTP factor.
func (h *handler) mfaEnroll(w http.ResponseWriter, r *http.Request) {
	if !h.guard(w, r) {
		return
	}
	info, _, ok := h.current(w, r)
	if !ok {
		return
	}
	en, err := h.svc.EnrollMFA(r.Context(), strconv.FormatInt(info.User.ID, 10))
	if err != nil {
		h.failErr(w, r, err, nil)
		return
	}
	api.WriteJSON(w, http.StatusOK, MFAEnrollAnswer{
		Answer: Answer{Success: true, Message: "scan the code, then confirm it with a code from the app"},
		Secret: en.Secret, URI: en.URI, Algorithm: en.Algorithm, Digits: en.Digits, Period: en.Period})
}

// mfaConfirm: POST code with the session cookie activates its account's
// pending factor and answers the recovery codes.
func (h *handler) mfaConfirm(w http.ResponseWriter, r *http.Request) {
	info, _, f, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	if h.required(w, f, "code") {
		return
	}
	rc, err := h.svc.ConfirmMFA(r.Context(), acct.MFACodeRequest{Ref: strconv.FormatInt(info.User.ID, 10), Code: f.get("code")})
	if err != nil {
		h.failErr(w, r, err, nil)
		return
	}
	api.WriteJSON(w, http.StatusOK, RecoveryCodesAnswer{
		Answer:        Answer{Success: true, Message: "the second factor is active: keep the recovery codes, they are shown only this once"},
		RecoveryCodes: rc.Codes})
}

// logout: GET or POST with the session cookie.
func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	if !h.guard(w, r) {
		return
	}
	info, _, ok := h.current(w, r)
	if !ok {
		return
	}
	if _, err := h.svc.EndSessions(r.Context(), acct.EndSessions{IDs: []string{info.Session.ID}}); err != nil {
		h.failErr(w, r, err, nil)
		return
	}
	h.clearSession(w, r)
	api.WriteJSON(w, http.StatusOK, Answer{Success: true, Message: "goodbye"})
}

// signUpFields names SignUp's fields as the sign-up form does.
var signUpFields = map[string]string{"first_name": "firstname", "last_name": "lastname"}

// signin: POST email (or phone), password, firstname, lastname, and
// optionally phone, username, language, invite queues a sign-up (a
// pending account and its activation link, or with a phone and no email
// its signup passcode by SMS, see acct.Local.SignUp); GET ?confirm=KEY
// activates it and redirects to the app.
func (h *handler) signin(w http.ResponseWriter, r *http.Request) {
	if !h.opt.Signin && (r.Method != http.MethodPost || !h.opt.SMS) {
		h.fail(w, http.StatusNotFound, acct.CodeNotFound, "sign-up is not enabled on this server", nil)
		return
	}
	if r.Method != http.MethodPost {
		h.confirm(w, r)
		return
	}
	if !h.guard(w, r) {
		return
	}
	f, ok := h.body(w, r)
	if !ok {
		return
	}
	byPhone := f.get("email") == "" && f.get("phone") != ""
	need := []string{"email", "password", "firstname", "lastname"}
	if byPhone {
		need[0] = "phone"
	}
	if h.required(w, f, need...) {
		return
	}
	switch {
	case byPhone && !h.opt.SMS:
		h.fail(w, http.StatusBadRequest, acct.CodeInvalid, "sign-up by phone is not enabled on this server",
			map[string]string{"email": "required"})
		return
	case !byPhone && !h.opt.Signin:
		h.fail(w, http.StatusNotFound, acct.CodeNotFound, "sign-up by email is not enabled on this server", nil)
		return
	}
	email, err := acct.NormalizeEmail(f.get("email"))
	if err != nil {
		h.failErr(w, r, err, nil)
		return
	}
	key := "mail:" + email
	if byPhone {
		key = phoneKey(f.get("phone"))
	}
	if !h.limit(w, r, key) {
		return
	}
	// Local checks the fields, hashes the password and commits the job
	// that makes the account and sends its link (or, by phone, its
	// passcode), the same work whether or not the address is an
	// account's: the answer comes after.
	err = h.svc.SignUp(r.Context(), acct.SignUpRequest{Email: email, Phone: f.get("phone"), Username: f.get("username"),
		Invite: f.get("invite"), Password: f.raw("password"),
		FirstName: f.get("firstname"), LastName: f.get("lastname"), Language: f.get("language")})
	if err != nil {
		h.failErr(w, r, err, signUpFields)
		return
	}
	msg := msgSignin
	if byPhone {
		msg = msgSigninSMS
	}
	api.WriteJSON(w, http.StatusOK, Answer{Success: true, Message: msg})
}

// confirm: GET /auth/signin?confirm=KEY.
func (h *handler) confirm(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimSpace(r.URL.Query().Get("confirm"))
	if key == "" {
		h.fail(w, http.StatusBadRequest, acct.CodeInvalid, "missing fields", map[string]string{"confirm": "required"})
		return
	}
	if !h.limit(w, r, "") {
		return
	}
	_, err := h.svc.Activate(r.Context(), key)
	if err != nil && !acct.IsCode(err, acct.CodeConflict) { // a conflict: activated already
		h.failErr(w, r, onField(err, acct.CodeUnauthenticated, "confirm"), map[string]string{"key": "confirm", "code": "confirm"})
		return
	}
	http.Redirect(w, r, h.redirect, http.StatusSeeOther)
}

// lostPassword: POST email sends a link to set a new password, when the
// address is an account's.
func (h *handler) lostPassword(w http.ResponseWriter, r *http.Request) {
	if !h.opt.LostPassword {
		h.fail(w, http.StatusNotFound, acct.CodeNotFound, "password reset by email is not enabled on this server", nil)
		return
	}
	if !h.guard(w, r) {
		return
	}
	f, ok := h.body(w, r)
	if !ok {
		return
	}
	if h.required(w, f, "email") {
		return
	}
	email, err := acct.NormalizeEmail(f.get("email"))
	if err != nil {
		h.failErr(w, r, err, nil)
		return
	}
	if !h.limit(w, r, "mail:"+email) {
		return
	}
	// Local commits a job that sends the link if the address is an
	// account's: the same work either way, and the answer comes after.
	if err := h.svc.ForgotPassword(r.Context(), email); err != nil {
		h.failErr(w, r, err, nil)
		return
	}
	api.WriteJSON(w, http.StatusOK, Answer{Success: true, Message: msgLost})
}

// resetPassword: POST token, password sets a new password with a reset
// link's token (or a reset code).
func (h *handler) resetPassword(w http.ResponseWriter, r *http.Request) {
	if !h.guard(w, r) {
		return
	}
	f, ok := h.body(w, r)
	if !ok {
		return
	}
	if h.required(w, f, "token", "password") {
		return
	}
	if !h.limit(w, r, "") {
		return
	}
	_, err := h.svc.ResetPassword(r.Context(), acct.PasswordReset{Code: f.get("token"), Password: f.raw("password")})
	if err != nil {
		h.failErr(w, r, onField(err, acct.CodeUnauthenticated, "token"), map[string]string{"code": "token"})
		return
	}
	api.WriteJSON(w, http.StatusOK, LocationAnswer{
		Answer:   Answer{Success: true, Message: "the password is set: log in with it"},
		Location: h.redirect,
	})
}

// changePassword: POST oldpassword, newpassword for the session's
// account; the session stays, the account's others end.
func (h *handler) changePassword(w http.ResponseWriter, r *http.Request) {
	info, _, f, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	if h.required(w, f, "oldpassword", "newpassword") {
		return
	}
	id := strconv.FormatInt(info.User.ID, 10)
	if !h.limit(w, r, "password:"+id) {
		return
	}
	_, err := h.svc.ChangePassword(r.Context(), acct.PasswordChange{Ref: id, Current: f.raw("oldpassword"),
		New: f.raw("newpassword"), KeepSession: info.Session.ID})
	if acct.IsCode(err, acct.CodeUnauthenticated) {
		h.fail(w, http.StatusUnauthorized, acct.CodeUnauthenticated, "invalid old password",
			map[string]string{"oldpassword": "old password does not match"})
		return
	}
	if err != nil {
		h.failErr(w, r, err, map[string]string{"current": "oldpassword", "password": "newpassword", "new": "newpassword"})
		return
	}
	api.WriteJSON(w, http.StatusOK, Answer{Success: true, Message: "the password is changed; other sessions have ended"})
}

// changeLanguage: POST language ("" for none) for the session's account.
func (h *handler) changeLanguage(w http.ResponseWriter, r *http.Request) {
	info, _, f, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	if _, given := f["language"]; !given {
		h.fail(w, http.StatusBadRequest, acct.CodeInvalid, "missing fields", map[string]string{"language": "required"})
		return
	}
	lang, err := acct.NormalizeLanguage(f.get("language"))
	if err != nil {
		h.failErr(w, r, err, nil)
		return
	}
	u, err := h.svc.UpdateUser(r.Context(), strconv.FormatInt(info.User.ID, 10), acct.UserUpdate{Language: &lang})
	if err != nil {
		h.failErr(w, r, err, nil)
		return
	}
	api.WriteJSON(w, http.StatusOK, LanguageAnswer{Answer: Answer{Success: true, Message: "the language is changed"},
		UILanguage: u.Language})
}

// connect: GET answers the session of the cookie and its account, as
// ez_api's connect answers AuthOk; without a valid session, 401 with the
// reason (invalid, expired, ended). Unlike GET /auth/session it changes
// nothing: it neither freshens the session nor sets a cookie again.
func (h *handler) connect(w http.ResponseWriter, r *http.Request) {
	info, token, ok := h.current(w, r)
	if !ok {
		return
	}
	api.WriteJSON(w, http.StatusOK, sessionAnswer(info, csrfToken(token), ""))
}

// session: GET tells who is logged in. It freshens the session (at most
// once a minute) and sets the CSRF cookie again if it is missing.
func (h *handler) session(w http.ResponseWriter, r *http.Request) {
	info, token, ok := h.current(w, r)
	if !ok {
		return
	}
	now := h.opt.Now()
	if now.Sub(info.Session.LastSeenAt) >= freshenAfter {
		s, err := h.svc.FreshenSession(r.Context(), acct.SessionRef{ID: info.Session.ID})
		if err == nil {
			info.Session = *s
		} else {
			h.log.LogAttrs(r.Context(), slog.LevelWarn, "auth api: freshen session failed",
				slog.String("session", info.Session.ID), slog.String("error", err.Error()))
		}
	}
	csrf := csrfToken(token)
	if c, err := r.Cookie(h.csrfName); err != nil || c.Value != csrf {
		h.setSession(w, r, token, info.Session, now)
	}
	api.WriteJSON(w, http.StatusOK, sessionAnswer(info, csrf, ""))
}

// onField names field as the culprit of an error of code that names none
// (a wrong or outdated key is the fault of the field that carried it).
func onField(err error, code acct.Code, field string) error {
	if acct.ErrorCode(err) != code || acct.ErrorField(err) != "" {
		return err
	}
	return &acct.Error{Code: code, Field: field, Message: err.Error(), Err: err}
}
