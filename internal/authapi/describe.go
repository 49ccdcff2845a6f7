package authapi

import (
	"net/http"
	"slices"
	"strings"
)

// The auth API's own description, for its OpenAPI document
// (internal/openapi, docs/openapi.yaml): what each endpoint answers and
// which guards it applies, beside the routes and their bodyFields.
// TestEveryRouteIsDescribed fails when a route (or a method of one) has no
// entry here, or an entry names no route.

// An Endpoint is one method of one route of the auth API, as its OpenAPI
// document describes it.
type Endpoint struct {
	Method, Path string
	// Summary is one line; Description, if any, says more.
	Summary, Description string
	// Fields are the fields its request body may carry (bodyFields), in
	// that order; nil for an endpoint without a body.
	Fields []string
	// Required are the fields it always needs.
	Required []string
	// Query are the query parameters it reads (GET /auth/signin: confirm).
	Query []string
	// Session: it needs the session cookie (401 without a valid one).
	Session bool
	// Guarded: the cross-site guard applies (403): a browser's Origin or
	// Sec-Fetch-Site, or without them and with the session cookie a
	// same-origin Referer or the X-CSRF-Token header.
	Guarded bool
	// Limited: a per-address or per-account limit applies (429 with
	// Retry-After).
	Limited bool
	// Optional: it is off unless the server is configured for it (404).
	Optional bool
	// Login: it opens a session (Set-Cookie), and its failures may be a
	// WaitAnswer or an MFAAnswer.
	Login bool
	// SetsCookies and ClearsCookies: the answer sets (renews) or removes
	// the session and CSRF cookies.
	SetsCookies, ClearsCookies bool
	// Answer is a value of the type of its success answer (200); nil for
	// an endpoint that answers a redirect (303) instead.
	Answer any
}

// endpoint is an Endpoint's entry in endpoints, keyed "METHOD PATH".
type endpoint struct {
	summary, description string
	required, query      []string
	session, guarded     bool
	limited, optional    bool
	login, sets, clears  bool
	answer               any
}

// endpoints describe every method of every route.
var endpoints = map[string]endpoint{
	"POST /auth/login": {summary: "Log in with a username (or email) and password", guarded: true, limited: true, login: true, sets: true,
		required: []string{"password"}, answer: SessionAnswer{},
		description: "Opens a session: the session cookie (HttpOnly) and the CSRF cookie. `username` or `email` names the account; `keep` (true, 1, on, yes) makes the session outlive the browser's. Every failure before the password is proven is one answer (401, `wrong username or password`); after it, 403 with a reason (unverified, locked, held) and the account's user_id, or 401 with reason mfa_required and an mfa_token for POST /auth/mfa/verify."},
	"POST /auth/challenge": {summary: "Begin a challenge (SCRAM-SHA-256) login", guarded: true, limited: true,
		required: []string{"client_first"}, answer: ChallengeAnswer{},
		description: "Takes RFC 5802's client-first-message; answers the server-first-message and the challenge's id. The answer has the same shape whether or not the name is an account's."},
	"POST /auth/challenge/login": {summary: "Finish a challenge login with the client's proof", guarded: true, limited: true, login: true, sets: true,
		required: []string{"challenge_id", "client_final"}, answer: ChallengeLoginAnswer{},
		description: "Takes RFC 5802's client-final-message; answers as POST /auth/login, with the server-final-message. An unknown, used or expired challenge is 401 with reason challenge_expired."},
	"GET /auth/logout": {summary: "Log out (end the session of the cookie)", guarded: true, session: true, clears: true, answer: Answer{},
		description: "Judged by the cross-site guard as a POST is: it changes state."},
	"POST /auth/logout": {summary: "Log out (end the session of the cookie)", guarded: true, session: true, clears: true, answer: Answer{}},
	"GET /auth/signin": {summary: "Activate a signed-up account with the key of its mailed link", limited: true, optional: true,
		query:       []string{"confirm"},
		description: "Answers 303 to the app (public_url) once the account is active (or was already). Off (404) unless sign-up by email is configured."},
	"POST /auth/signin": {summary: "Sign up", guarded: true, limited: true, optional: true,
		required: []string{"password", "firstname", "lastname"}, answer: Answer{},
		description: "With `email`, queues the account and mails its activation link; with `phone` and no email (when SMS is configured), texts a signup passcode for POST /auth/signin/verify. The answer is the same whether or not the address is an account's. Off (404) unless sign-up is configured."},
	"POST /auth/lost_password": {summary: "Mail a link to set a new password", guarded: true, limited: true, optional: true,
		required: []string{"email"}, answer: Answer{},
		description: "The answer is the same whether or not the address is an account's. Off (404) unless public_url and mail delivery are configured."},
	"POST /auth/reset_password": {summary: "Set a new password with the token of a reset link (or a reset code)", guarded: true, limited: true,
		required: []string{"token", "password"}, answer: LocationAnswer{}},
	"POST /auth/change_password": {summary: "Change the signed-in user's password", guarded: true, session: true, limited: true,
		required: []string{"oldpassword", "newpassword"}, answer: Answer{},
		description: "The session stays; the account's other sessions end."},
	"POST /auth/change_language": {summary: "Change the signed-in user's language", guarded: true, session: true,
		required: []string{"language"}, answer: LanguageAnswer{},
		description: "`language` must be sent; \"\" clears it."},
	"GET /auth/session": {summary: "Who is logged in", session: true, sets: true, answer: SessionAnswer{},
		description: "Freshens the session (at most once a minute) and sets the CSRF cookie again when it is missing. HEAD is answered too."},
	"GET /auth/connect": {summary: "Who is logged in, changing nothing", session: true, answer: SessionAnswer{},
		description: "As GET /auth/session, but it neither freshens the session nor sets a cookie. HEAD is answered too."},
	"POST /auth/mfa/verify": {summary: "Complete a login that answered mfa_required", guarded: true, limited: true, login: true, sets: true,
		required: []string{"mfa_token"}, answer: MFAVerifyAnswer{},
		description: "With `code` (from the authenticator app) or `recovery_code`."},
	"POST /auth/mfa/totp": {summary: "Enroll a TOTP second factor (pending until confirmed)", guarded: true, session: true,
		answer: MFAEnrollAnswer{}, description: "The secret and its otpauth:// URI are shown this once."},
	"POST /auth/mfa/totp/confirm": {summary: "Confirm the pending TOTP factor with a code", guarded: true, session: true,
		required: []string{"code"}, answer: RecoveryCodesAnswer{}, description: "The recovery codes are shown this once."},
	"POST /auth/email": {summary: "Add an email address to the signed-in account (mails its link)", guarded: true, session: true, limited: true, optional: true,
		required: []string{"email"}, answer: Answer{}},
	"POST /auth/confirm": {summary: "Use the key of a mailed link (activation or added address)", guarded: true, limited: true,
		required: []string{"key"}, answer: UserAnswer{},
		description: "200 done; 409 already verified or used; 401 invalid or outdated; 404 the account is gone."},
	"POST /auth/signin/verify": {summary: "Activate an account signed up by phone with its passcode", guarded: true, limited: true, optional: true,
		required: []string{"phone", "code"}, answer: Answer{}},
	"POST /auth/phone": {summary: "Text a passcode to a new phone of the signed-in account", guarded: true, session: true, limited: true, optional: true,
		required: []string{"phone"}, answer: Answer{}},
	"POST /auth/phone/verify": {summary: "Add the phone, verified, with its passcode", guarded: true, session: true, limited: true,
		required: []string{"phone", "code"}, answer: UserAnswer{}},
	"POST /auth/recovery/sms": {summary: "Text a passcode to set a new password", guarded: true, limited: true, optional: true,
		required: []string{"phone"}, answer: Answer{},
		description: "The answer is the same whether or not the number is an account's."},
	"POST /auth/recovery/sms/reset": {summary: "Set a new password with a recovery passcode", guarded: true, limited: true,
		required: []string{"phone", "code", "password"}, answer: LocationAnswer{}},
	"POST /auth/personal_data": {summary: "Change the signed-in user's names (and password)", guarded: true, session: true, limited: true,
		required: []string{"firstname", "lastname"}, answer: UserAnswer{},
		description: "With `password`, `confirmation` and `oldpassword`, the password too, as POST /auth/change_password does."},
	"POST /auth/preregister": {summary: "Put an email address on the waiting list", guarded: true, limited: true,
		required: []string{"email"}, answer: Answer{},
		description: "The answer is the same when the address is listed already or an account's."},
	"POST /auth/delete_account": {summary: "Put the signed-in account on the deletion hold", guarded: true, session: true, limited: true, clears: true,
		required: []string{"password"}, answer: HoldAnswer{},
		description: "Ends its sessions; a login within the hold brings the account back."},
}

// Endpoints returns every method of every route of the auth API, by path
// and method.
func Endpoints() []Endpoint {
	var out []Endpoint
	for path, rt := range routes {
		for _, m := range rt.methods {
			d := endpoints[m+" "+path]
			e := Endpoint{Method: m, Path: path, Summary: d.summary, Description: d.description,
				Required: d.required, Query: d.query, Session: d.session, Guarded: d.guarded, Limited: d.limited,
				Optional: d.optional, Login: d.login, SetsCookies: d.sets, ClearsCookies: d.clears, Answer: d.answer}
			if m == http.MethodPost {
				e.Fields = bodyFields[path]
				if e.Fields == nil {
					e.Fields = []string{}
				}
			}
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b Endpoint) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	})
	return out
}

// CSRFCookieName is the name of the CSRF cookie beside the session cookie
// named session (DefaultCookieName: "acctl_csrf").
func CSRFCookieName(session string) string { return csrfCookieName(session) }
