// Package api is the wire contract of acctl's admin HTTP API, shared by the
// server (internal/httpapi) and the client (internal/remote): the list of
// operations, the request bodies of the operations whose arguments are not
// one struct, the error body, and the one-to-one mapping between acct's
// error codes and HTTP statuses.
//
// The API is RPC over acct.Service: every operation is `POST
// /v1/<Operation>`, named exactly like the Service method, with a JSON body
// (the method's argument struct, or one of the request types below) and a
// JSON answer (the method's result; {} for a method that returns only an
// error). A failure answers the status of its code and an ErrorBody.
package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// Prefix is the path prefix of the admin operations: POST Prefix+Operation.
const Prefix = "/v1/"

// MaxBodyBytes is the largest request body the server reads (1 MiB);
// a larger one is answered 413 with code invalid.
const MaxBodyBytes = 1 << 20

// Operations are the admin operations, one per acct.Service method (Close
// aside), named exactly like the method, in the interface's order.
var Operations = []string{
	"Register", "User", "LookupUsers", "ListUsers", "UpdateUser", "Unregister", "Restore", "PurgeHeld",
	"AddAddress", "ListAddresses", "RemoveAddress", "SetPrimaryAddress",
	"Login", "ChallengeBegin", "ChallengeFinish", "ValidateSession", "ValidateSessions", "ListSessions", "FreshenSession", "EndSessions", "PurgeSessions",
	"SetPassword", "ChangePassword", "VerifyPassword", "PasswordHashes", "LockUser", "UnlockUser",
	"IssueResetCode", "ResetPassword", "ListCodes", "RevokeCodes", "ForgotPassword",
	"SignUp", "RunJobs", "ListJobs",
	"SendOTP", "VerifyOTP", "SendActivation", "Activate", "CheckLink",
	"Preregister", "ListPreregistrations", "RemovePreregistration", "Points", "AddPoints", "PointsHistory",
	"ImportUsers", "ExportUsers", "ExportUsersWithHashes",
	"ClaimAddress", "ConfirmAddress", "RecoverBySMS", "CheckIdentifiers",
	"ListEvents",
	"EnrollMFA", "ConfirmMFA", "RegenerateRecoveryCodes", "MFAStatus", "ResetMFA", "VerifyMFA",
}

// The request bodies of the operations whose arguments are not one struct.
// An operation whose argument is a struct (Register: acct.NewUser,
// ListUsers: acct.UserQuery, …) takes that struct as its body.

// RefRequest names a user by REF: User, Restore, UnlockUser, ListCodes,
// SendActivation, Points.
type RefRequest struct {
	Ref string `json:"ref"`
}

// UpdateUserRequest is the body of UpdateUser.
type UpdateUserRequest struct {
	Ref    string          `json:"ref"`
	Update acct.UserUpdate `json:"update"`
}

// UnregisterRequest is the body of Unregister.
type UnregisterRequest struct {
	Ref     string            `json:"ref"`
	Options UnregisterOptions `json:"options"`
}

// A request body holds no time.Duration: each has a Duration instead (a
// test checks every operation's body), in these copies of acct's types.

// UnregisterOptions is acct.UnregisterOptions in a request body.
type UnregisterOptions struct {
	Hold     Duration `json:"hold"`
	Purge    bool     `json:"purge,omitempty"`
	Password string   `json:"password,omitempty"`
}

// UnregisterOptionsOf returns o as a request body holds it.
func UnregisterOptionsOf(o acct.UnregisterOptions) UnregisterOptions {
	return UnregisterOptions{Hold: Duration(o.Hold), Purge: o.Purge, Password: o.Password}
}

// Acct returns o as acct takes it.
func (o UnregisterOptions) Acct() acct.UnregisterOptions {
	return acct.UnregisterOptions{Hold: time.Duration(o.Hold), Purge: o.Purge, Password: o.Password}
}

// SessionPurgeOptions is acct.SessionPurgeOptions, the body of
// PurgeSessions.
type SessionPurgeOptions struct {
	OlderThan Duration `json:"older_than"`
}

// Acct returns o as acct takes it.
func (o SessionPurgeOptions) Acct() acct.SessionPurgeOptions {
	return acct.SessionPurgeOptions{OlderThan: time.Duration(o.OlderThan)}
}

// ResetCodeRequest is acct.ResetCodeRequest, the body of IssueResetCode.
type ResetCodeRequest struct {
	Ref    string       `json:"ref"`
	TTL    Duration     `json:"ttl,omitempty"`
	Send   acct.Channel `json:"send,omitempty"`
	Reason string       `json:"reason,omitempty"`
}

// Acct returns r as acct takes it.
func (r ResetCodeRequest) Acct() acct.ResetCodeRequest {
	return acct.ResetCodeRequest{Ref: r.Ref, TTL: time.Duration(r.TTL), Send: r.Send, Reason: r.Reason}
}

// ListAddressesRequest is the body of ListAddresses; Kind "" means both.
type ListAddressesRequest struct {
	Ref  string           `json:"ref"`
	Kind acct.AddressKind `json:"kind,omitempty"`
}

// TokenRequest is the body of ValidateSession.
type TokenRequest struct {
	Token string `json:"token"`
}

// RefsRequest is the body of LookupUsers: at most acct.MaxBatch REFs.
type RefsRequest struct {
	Refs []string `json:"refs"`
}

// TokensRequest is the body of ValidateSessions: at most acct.MaxBatch
// session tokens.
type TokensRequest struct {
	Tokens []string `json:"tokens"`
}

// PasswordRequest is the body of SetPassword and VerifyPassword.
type PasswordRequest struct {
	Ref      string `json:"ref"`
	Password string `json:"password"`
}

// LockUserRequest is the body of LockUser.
type LockUserRequest struct {
	Ref     string           `json:"ref"`
	Options acct.LockOptions `json:"options"`
}

// EmailRequest is the body of ForgotPassword, Preregister and
// RemovePreregistration.
type EmailRequest struct {
	Email string `json:"email"`
}

// PhoneRequest is the body of RecoverBySMS.
type PhoneRequest struct {
	Phone string `json:"phone"`
}

// KeyRequest is the body of Activate.
type KeyRequest struct {
	Key string `json:"key"`
}

// Empty is the answer of an operation whose method returns only an error
// (VerifyPassword, ForgotPassword): {}.
type Empty struct{}

// ErrorBody is the body of every failed call:
// {"error":{"code":"not_found","message":"…","field":"…"}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of an ErrorBody.
type ErrorDetail struct {
	Code    acct.Code `json:"code"`
	Message string    `json:"message"`
	Field   string    `json:"field,omitempty"`
	// RetryAfter, for a refusal by a rate limit, is how many seconds
	// until an attempt may succeed (also the Retry-After header).
	RetryAfter int `json:"retry_after,omitempty"`
	// Reason refines Code where telling it is safe (acct.Reason):
	// "expired", "unverified", "mfa_required", …
	Reason acct.Reason `json:"reason,omitempty"`
	// UserID names the account of a login refused after its password
	// was proven (reason unverified, locked or held).
	UserID int64 `json:"user_id,omitempty"`
	// MFAToken, with reason "mfa_required", is the token of the login
	// that waits for a second factor (VerifyMFA takes it).
	MFAToken string `json:"mfa_token,omitempty"`
}

// Err returns the acct error that d describes.
func (d ErrorDetail) Err() *acct.Error {
	return &acct.Error{Code: d.Code, Field: d.Field, Message: d.Message, Reason: d.Reason, UserID: d.UserID, MFAToken: d.MFAToken,
		RetryAfter: time.Duration(d.RetryAfter) * time.Second}
}

// CodeUnsupported is the code of a call to an operation the server does
// not know (a client newer than its server): 501 Not Implemented. It is
// the API's own, not one of acct's: remote.Client reads it as invalid
// input (exit 2) that says to upgrade the server.
const CodeUnsupported acct.Code = "unsupported"

// UnknownOperationPrefix starts the message of an unknown operation, as
// servers before CodeUnsupported answered it too (404, not_found).
const UnknownOperationPrefix = "unknown operation "

var statuses = map[acct.Code]int{
	CodeUnsupported:          http.StatusNotImplemented,
	acct.CodeInvalid:         http.StatusBadRequest,
	acct.CodeUnauthenticated: http.StatusUnauthorized,
	acct.CodeRefused:         http.StatusForbidden,
	acct.CodeNotFound:        http.StatusNotFound,
	acct.CodeConflict:        http.StatusConflict,
	acct.CodeInternal:        http.StatusInternalServerError,
	acct.CodeUnavailable:     http.StatusServiceUnavailable,
}

// Codes returns every error code an answer may carry (acct's and
// CodeUnsupported), sorted.
func Codes() []acct.Code {
	out := make([]acct.Code, 0, len(statuses))
	for c := range statuses {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// StatusOf returns the HTTP status of an acct error code; an unknown code
// is 500, like internal.
func StatusOf(code acct.Code) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// CodeOf returns the acct error code of an HTTP status, the inverse of
// StatusOf. A status StatusOf never answers is classed by its family:
// another 4xx (413, 405, …) is invalid, 429 is refused, another 5xx
// (502, 504, …) is unavailable; 2xx and 3xx are "".
func CodeOf(status int) acct.Code {
	for c, s := range statuses {
		if s == status {
			return c
		}
	}
	switch {
	case status == http.StatusTooManyRequests:
		return acct.CodeRefused
	case status >= 400 && status < 500:
		return acct.CodeInvalid
	case status >= 500:
		return acct.CodeUnavailable
	}
	return ""
}

// InternalMessage is the message of an internal error over the API: its
// details are for the server's log, not for the caller.
const InternalMessage = "internal server error"

// Detail returns the error detail of err: its code, field and message. The
// message of an internal error is InternalMessage.
func Detail(err error) ErrorDetail {
	d := ErrorDetail{Code: acct.ErrorCode(err), Field: acct.ErrorField(err), Reason: acct.ErrorReason(err), UserID: acct.ErrorUserID(err),
		MFAToken: acct.ErrorMFAToken(err)}
	if d.Code == "" || d.Code == acct.CodeInternal {
		return ErrorDetail{Code: acct.CodeInternal, Message: InternalMessage}
	}
	d.Message = err.Error()
	if wait := acct.RetryAfter(err); wait > 0 {
		d.RetryAfter = int((wait + time.Second - 1) / time.Second)
	}
	return d
}

// WriteError answers err: the status of its code and its ErrorBody; an
// unavailable error, and one that knows when to retry (a rate limit),
// also get Retry-After (SetRetryAfter).
func WriteError(w http.ResponseWriter, err error) {
	d := Detail(err)
	if d.Code == acct.CodeUnavailable || d.RetryAfter > 0 {
		SetRetryAfter(w.Header(), err)
	}
	WriteJSON(w, StatusOf(d.Code), ErrorBody{Error: d})
}

// SetRetryAfter sets the Retry-After header of an answer that may be
// tried again: the hint err carries (acct.RetryAfter: a rate limit, a full
// hashing pool) in whole seconds, rounded up, or 1 second.
func SetRetryAfter(h http.Header, err error) {
	secs := int64((acct.RetryAfter(err) + time.Second - 1) / time.Second)
	h.Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
}

// ParseRetryAfter reads a Retry-After header given in seconds (the form
// acctl answers); an absent, malformed or HTTP-date value gives 0.
func ParseRetryAfter(v string) time.Duration {
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
	if err != nil {
		return 0
	}
	return time.Duration(n) * time.Second
}

// WriteJSON answers v as JSON with status.
//
// It is on the path of every answer (GET /auth/session most of all), so it
// encodes into a pooled buffer, not a new slice each time, and sets its
// three headers to shared values, not a new slice each (net/http only
// reads them; Header.Add, should a handler call it, appends to a
// one-element slice and so copies).
func WriteJSON(w http.ResponseWriter, status int, v any) {
	buf := jsonBuffers.Get().(*bytes.Buffer)
	defer putJSONBuffer(buf)
	buf.Reset()
	if err := json.NewEncoder(buf).Encode(v); err != nil { // HTML escaped and a final newline, as json.Marshal+'\n'
		status = http.StatusInternalServerError
		buf.Reset()
		json.NewEncoder(buf).Encode(ErrorBody{Error: ErrorDetail{Code: acct.CodeInternal, Message: InternalMessage}})
	}
	h := w.Header()
	h["Content-Type"] = headerJSON
	h["X-Content-Type-Options"] = headerNosniff
	h["Cache-Control"] = headerNoStore
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// The header values of WriteJSON, each a slice of one: see WriteJSON.
var (
	headerJSON    = []string{"application/json"}
	headerNosniff = []string{"nosniff"}
	headerNoStore = []string{"no-store"}
)

// jsonBuffers hold the encoding of WriteJSON's answers.
var jsonBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putJSONBuffer gives buf back to jsonBuffers, unless a large answer (a
// page of a listing) made it large: the pool keeps the common size only.
func putJSONBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= 64<<10 {
		jsonBuffers.Put(buf)
	}
}
