package authapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/api"
)

// The self-service endpoints (issue 16): for the signed-in user, add an
// email address or a phone, change the names (and the password), delete
// the account; for the visitor, confirm a mailed link, verify a sign-up by
// phone, recover by SMS, join the waiting list. Each is one or two calls
// of the Service, whose rules they are; the handler reads the fields,
// applies the limits and answers alike where an answer could tell whether
// an account exists.

func init() {
	for p, rt := range selfRoutes {
		routes[p] = rt
	}
}

// selfRoutes are added to routes (kept apart so that the endpoints of
// other changes and these do not edit the same lines).
var selfRoutes = map[string]route{
	"/auth/email":              {[]string{http.MethodPost}, (*handler).claimEmail},
	"/auth/confirm":            {[]string{http.MethodPost}, (*handler).confirmKey},
	"/auth/signin/verify":      {[]string{http.MethodPost}, (*handler).signinVerify},
	"/auth/phone":              {[]string{http.MethodPost}, (*handler).claimPhone},
	"/auth/phone/verify":       {[]string{http.MethodPost}, (*handler).confirmPhone},
	"/auth/recovery/sms":       {[]string{http.MethodPost}, (*handler).recoverySMS},
	"/auth/recovery/sms/reset": {[]string{http.MethodPost}, (*handler).recoverySMSReset},
	"/auth/personal_data":      {[]string{http.MethodPost}, (*handler).personalData},
	"/auth/preregister":        {[]string{http.MethodPost}, (*handler).preregister},
	"/auth/delete_account":     {[]string{http.MethodPost}, (*handler).deleteAccount},
}

// bodyFields are the fields each endpoint reads from a request body: any
// other is refused (400 naming it), so that a typo or a field an endpoint
// does not take (an "invite" the server would ignore) is never silently
// dropped. Every route that reads a body has its list (a test checks).
var bodyFields = map[string][]string{
	"/auth/login":              {"username", "email", "password", "keep"},
	"/auth/logout":             {},
	"/auth/signin":             {"email", "phone", "username", "password", "firstname", "lastname", "language", "invite"},
	"/auth/lost_password":      {"email"},
	"/auth/reset_password":     {"token", "password"},
	"/auth/change_password":    {"oldpassword", "newpassword"},
	"/auth/change_language":    {"language"},
	"/auth/email":              {"email"},
	"/auth/confirm":            {"key"},
	"/auth/signin/verify":      {"phone", "code"},
	"/auth/phone":              {"phone"},
	"/auth/phone/verify":       {"phone", "code"},
	"/auth/recovery/sms":       {"phone"},
	"/auth/recovery/sms/reset": {"phone", "code", "password"},
	"/auth/personal_data":      {"firstname", "lastname", "password", "confirmation", "oldpassword"},
	"/auth/preregister":        {"email"},
	"/auth/delete_account":     {"password"},
	"/auth/mfa/verify":         {"mfa_token", "code", "recovery_code"},
	"/auth/mfa/totp":           {},
	"/auth/mfa/totp/confirm":   {"code"},
	"/auth/challenge":          {"client_first"},
	"/auth/challenge/login":    {"challenge_id", "client_final", "keep"},
}

// unknownFields answers 400 naming the fields of f that the endpoint of
// r does not take, and reports whether it did. A path without a list
// refuses nothing.
func (h *handler) unknownFields(w http.ResponseWriter, r *http.Request, f fields) bool {
	known, ok := bodyFields[r.URL.Path]
	if !ok {
		return false
	}
	errs := map[string]string{}
	for name := range f {
		if !contains(known, name) {
			errs[name] = "unknown field"
		}
	}
	if len(errs) == 0 {
		return false
	}
	h.fail(w, http.StatusBadRequest, acct.CodeInvalid, "unknown fields", errs)
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// The answers of the self-service endpoints that must not tell whether an
// account exists.
const (
	msgEmailClaim = "check your email: the link in it confirms the address"
	msgPhoneSent  = "a passcode is on its way to the phone"
	msgSigninSMS  = "check your phone: the passcode in it activates the account"
	msgRecovery   = "if the number belongs to an account, a passcode to set a new password is on its way"
	msgPrereg     = "the address is on the waiting list: you will hear when you may sign up"
	msgBadCode    = "wrong or expired passcode"
)

// UserAnswer is the answer of the endpoints that change the account: the
// account as it now is.
type UserAnswer struct {
	Answer
	User PublicUser `json:"user"`
}

// HoldAnswer is the answer of POST /auth/delete_account: until when a
// login brings the account back.
type HoldAnswer struct {
	Answer
	HoldUntil time.Time `json:"hold_until"`
}

// badCode is the one answer of a passcode that a visitor sends: wrong,
// expired, for an unknown or an active number alike.
func (h *handler) badCode(w http.ResponseWriter) {
	h.fail(w, http.StatusUnauthorized, acct.CodeUnauthenticated, msgBadCode, map[string]string{"code": "wrong or expired"})
}

// phoneKey is the per-account limit's key of a phone as sent (spaces and
// punctuation dropped: the Service normalises it).
func phoneKey(p string) string {
	return "phone:" + strings.Map(func(r rune) rune {
		if r == '+' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, p)
}

// signedIn is the start of an endpoint for the signed-in user: the CSRF
// guard, the session, the body; the account's REF.
func (h *handler) signedIn(w http.ResponseWriter, r *http.Request) (*acct.SessionInfo, string, fields, bool) {
	if !h.guard(w, r) {
		return nil, "", nil, false
	}
	info, _, ok := h.current(w, r)
	if !ok {
		return nil, "", nil, false
	}
	f, ok := h.body(w, r)
	if !ok {
		return nil, "", nil, false
	}
	return info, strconv.FormatInt(info.User.ID, 10), f, true
}

// visitor is the start of an endpoint for anyone: the CSRF guard and the
// body.
func (h *handler) visitor(w http.ResponseWriter, r *http.Request) (fields, bool) {
	if !h.guard(w, r) {
		return nil, false
	}
	return h.body(w, r)
}

// claimEmail: POST email adds the address to the signed-in account and
// mails its link (acct.Local.ClaimAddress: by a job, alike whether or not
// another account has it).
func (h *handler) claimEmail(w http.ResponseWriter, r *http.Request) {
	if !h.opt.LostPassword { // the same needs: public_url and mail
		h.fail(w, http.StatusNotFound, acct.CodeNotFound, "email links are not enabled on this server", nil)
		return
	}
	_, id, f, ok := h.signedIn(w, r)
	if !ok || h.required(w, f, "email") || !h.limit(w, r, "claim:"+id) {
		return
	}
	if err := h.svc.ClaimAddress(r.Context(), acct.AddressClaim{User: id, Kind: acct.AddressEmail, Value: f.get("email")}); err != nil {
		h.failErr(w, r, err, nil)
		return
	}
	api.WriteJSON(w, http.StatusOK, Answer{Success: true, Message: msgEmailClaim})
}

// confirmKey: POST key uses the key of a mailed link (an activation or an
// added address's confirmation) and tells its outcomes apart as `acctl
// user activate` does: done (200), already verified or used (409),
// invalid or outdated (401), its account gone (404).
func (h *handler) confirmKey(w http.ResponseWriter, r *http.Request) {
	f, ok := h.visitor(w, r)
	if !ok || h.required(w, f, "key") || !h.limit(w, r, "") {
		return
	}
	u, err := h.svc.Activate(r.Context(), f.get("key"))
	if err != nil {
		h.failErr(w, r, onField(err, acct.CodeUnauthenticated, "key"), map[string]string{"code": "key", "confirm": "key"})
		return
	}
	api.WriteJSON(w, http.StatusOK, UserAnswer{Answer: Answer{Success: true, Message: "confirmed"}, User: publicUser(*u)})
}

// signinVerify: POST phone, code activates an account signed up by phone.
func (h *handler) signinVerify(w http.ResponseWriter, r *http.Request) {
	if !h.opt.SMS {
		h.fail(w, http.StatusNotFound, acct.CodeNotFound, "sign-up by phone is not enabled on this server", nil)
		return
	}
	f, ok := h.visitor(w, r)
	if !ok || h.required(w, f, "phone", "code") || !h.limit(w, r, phoneKey(f.get("phone"))) {
		return
	}
	_, err := h.svc.VerifyOTP(r.Context(), acct.OTPCheck{Ref: f.get("phone"), Purpose: acct.PurposeSignup, Code: f.get("code")})
	if err != nil {
		h.visitorCodeFailed(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, Answer{Success: true, Message: "the account is active: log in"})
}

// visitorCodeFailed answers a visitor's failed passcode: a field at fault
// in the request (a malformed phone or code, a weak password) is told;
// every other failure (no such number, a wrong, used or expired code, an
// account already active, locked or held) is the one badCode answer.
func (h *handler) visitorCodeFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch acct.ErrorCode(err) {
	case acct.CodeInvalid:
		if acct.ErrorField(err) != "user" {
			h.failErr(w, r, err, map[string]string{"ref": "phone"})
			return
		}
	case acct.CodeRefused:
		if acct.ErrorField(err) == "password" {
			h.failErr(w, r, err, nil)
			return
		}
	case acct.CodeNotFound, acct.CodeConflict, acct.CodeUnauthenticated:
	default:
		h.failErr(w, r, err, nil)
		return
	}
	h.badCode(w)
}

// claimPhone: POST phone sends a passcode to a new number of the
// signed-in account.
func (h *handler) claimPhone(w http.ResponseWriter, r *http.Request) {
	if !h.opt.SMS {
		h.fail(w, http.StatusNotFound, acct.CodeNotFound, "text messages are not enabled on this server", nil)
		return
	}
	_, id, f, ok := h.signedIn(w, r)
	if !ok || h.required(w, f, "phone") || !h.limit(w, r, "claim:"+id) {
		return
	}
	if err := h.svc.ClaimAddress(r.Context(), acct.AddressClaim{User: id, Kind: acct.AddressPhone, Value: f.get("phone")}); err != nil {
		h.failErr(w, r, err, nil)
		return
	}
	api.WriteJSON(w, http.StatusOK, Answer{Success: true, Message: msgPhoneSent})
}

// confirmPhone: POST phone, code adds the number, verified, to the
// signed-in account.
func (h *handler) confirmPhone(w http.ResponseWriter, r *http.Request) {
	_, id, f, ok := h.signedIn(w, r)
	if !ok || h.required(w, f, "phone", "code") || !h.limit(w, r, "claim:"+id) {
		return
	}
	u, err := h.svc.ConfirmAddress(r.Context(), acct.AddressCode{User: id, Kind: acct.AddressPhone, Value: f.get("phone"), Code: f.get("code")})
	if err != nil {
		h.failErr(w, r, onField(err, acct.CodeUnauthenticated, "code"), map[string]string{"value": "phone"})
		return
	}
	api.WriteJSON(w, http.StatusOK, UserAnswer{Answer: Answer{Success: true, Message: "the phone is added"}, User: publicUser(*u)})
}

// recoverySMS: POST phone sends a recovery passcode if the number is an
// account's; the answer is the same either way.
func (h *handler) recoverySMS(w http.ResponseWriter, r *http.Request) {
	if !h.opt.SMS {
		h.fail(w, http.StatusNotFound, acct.CodeNotFound, "text messages are not enabled on this server", nil)
		return
	}
	f, ok := h.visitor(w, r)
	if !ok || h.required(w, f, "phone") || !h.limit(w, r, phoneKey(f.get("phone"))) {
		return
	}
	// Local commits a job that sends the passcode if the number is an
	// account's: the same work either way, and the answer comes after.
	if err := h.svc.RecoverBySMS(r.Context(), f.get("phone")); err != nil {
		h.failErr(w, r, err, nil)
		return
	}
	api.WriteJSON(w, http.StatusOK, Answer{Success: true, Message: msgRecovery})
}

// recoverySMSReset: POST phone, code, password sets a new password with a
// recovery passcode.
func (h *handler) recoverySMSReset(w http.ResponseWriter, r *http.Request) {
	f, ok := h.visitor(w, r)
	if !ok || h.required(w, f, "phone", "code", "password") || !h.limit(w, r, phoneKey(f.get("phone"))) {
		return
	}
	_, err := h.svc.ResetPassword(r.Context(), acct.PasswordReset{Phone: f.get("phone"), Code: f.get("code"), Password: f.raw("password")})
	if err != nil {
		h.visitorCodeFailed(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, LocationAnswer{
		Answer:   Answer{Success: true, Message: "the password is set: log in with it"},
		Location: h.redirect,
	})
}

// personalData: POST firstname, lastname sets the signed-in user's names;
// with password and confirmation (and the current password as
// oldpassword) the password too, as /auth/change_password does.
func (h *handler) personalData(w http.ResponseWriter, r *http.Request) {
	info, id, f, ok := h.signedIn(w, r)
	if !ok || h.required(w, f, "firstname", "lastname") {
		return
	}
	first, last := f.get("firstname"), f.get("lastname")
	// The names are checked first, so that a refused name leaves the
	// password as it was (UpdateUser checks them again).
	for field, v := range map[string]string{"first_name": first, "last_name": last} {
		if _, err := acct.NormalizeName(field, v); err != nil {
			h.failErr(w, r, err, signUpFields)
			return
		}
	}
	changed := "the names are changed"
	if f.raw("password") != "" || f.raw("confirmation") != "" || f.raw("oldpassword") != "" {
		if h.required(w, f, "password", "confirmation", "oldpassword") || !h.limit(w, r, "password:"+id) {
			return
		}
		_, err := h.svc.ChangePassword(r.Context(), acct.PasswordChange{Ref: id, Current: f.raw("oldpassword"),
			New: f.raw("password"), Confirmation: f.raw("confirmation"), KeepSession: info.Session.ID})
		if acct.IsCode(err, acct.CodeUnauthenticated) {
			h.fail(w, http.StatusUnauthorized, acct.CodeUnauthenticated, "invalid old password",
				map[string]string{"oldpassword": "old password does not match"})
			return
		}
		if err != nil {
			h.failErr(w, r, err, map[string]string{"current": "oldpassword", "new": "password"})
			return
		}
		changed = "the names and the password are changed; other sessions have ended"
	}
	u, err := h.svc.UpdateUser(r.Context(), id, acct.UserUpdate{FirstName: &first, LastName: &last})
	if err != nil {
		h.failErr(w, r, err, signUpFields)
		return
	}
	api.WriteJSON(w, http.StatusOK, UserAnswer{Answer: Answer{Success: true, Message: changed}, User: publicUser(*u)})
}

// preregister: POST email puts the address on the waiting list; the
// answer is the same when it is listed already or an account's.
func (h *handler) preregister(w http.ResponseWriter, r *http.Request) {
	f, ok := h.visitor(w, r)
	if !ok || h.required(w, f, "email") {
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
	if _, err := h.svc.Preregister(r.Context(), email); err != nil && !acct.IsCode(err, acct.CodeConflict) {
		h.failErr(w, r, err, nil)
		return
	}
	api.WriteJSON(w, http.StatusOK, Answer{Success: true, Message: msgPrereg})
}

// deleteAccount: POST password puts the signed-in account on the deletion
// hold (Options.DeletionHold) and ends its sessions; a login within the
// hold brings it back.
func (h *handler) deleteAccount(w http.ResponseWriter, r *http.Request) {
	_, id, f, ok := h.signedIn(w, r)
	if !ok || h.required(w, f, "password") || !h.limit(w, r, "password:"+id) {
		return
	}
	u, err := h.svc.Unregister(r.Context(), id, acct.UnregisterOptions{Hold: h.opt.DeletionHold, Password: f.raw("password")})
	if acct.IsCode(err, acct.CodeUnauthenticated) {
		h.fail(w, http.StatusUnauthorized, acct.CodeUnauthenticated, "wrong password",
			map[string]string{"password": "does not match"})
		return
	}
	if err != nil {
		h.failErr(w, r, err, nil)
		return
	}
	h.clearSession(w, r)
	until := time.Time{}
	if u.HoldUntil != nil {
		until = *u.HoldUntil
	}
	api.WriteJSON(w, http.StatusOK, HoldAnswer{
		Answer:    Answer{Success: true, Message: "the account will be deleted on " + until.Format(time.RFC3339) + ": log in before then to keep it"},
		HoldUntil: until,
	})
}
