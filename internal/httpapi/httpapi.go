// Package httpapi serves an acct.Service over the admin HTTP API described
// by package api: `POST /v1/<Operation>` with a JSON body and a JSON
// answer, authenticated by an API key (`Authorization: Bearer <key>`).
// Every call runs with the key's name as the actor, so the audit trail
// records it, and with the key's role (acct.WithRole), which the Service
// checks: acct holds the role matrix, and a refusal comes back as the
// error refused (403).
//
// The handler holds no rules: it decodes, authenticates the key, calls
// the Service and encodes. internal/remote is the client of this API.
package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/api"
	"github.com/acctl/acctl/internal/forwarded"
)

// Authenticator finds the API key of a bearer token. acct.KeyManager
// (Local) satisfies it. It answers an error of code unauthenticated for a
// token that is unknown or revoked.
type Authenticator interface {
	AuthenticateAPIKey(ctx context.Context, token string) (*acct.APIKey, error)
}

// call is one operation: run decodes the body with dec and calls the
// Service; in and out are the types of its body and of its answer (the
// tests check them: durations as api.Duration, the JSON keys of /v1).
type call struct {
	run     func(ctx context.Context, svc acct.Service, dec *json.Decoder) (any, error)
	in, out reflect.Type
}

// rpc makes the call of a method whose argument is one value (a struct or
// an api request type) and whose answer is one value.
func rpc[In, Out any](f func(acct.Service, context.Context, In) (Out, error)) call {
	return call{
		run: func(ctx context.Context, svc acct.Service, dec *json.Decoder) (any, error) {
			var in In
			if err := decode(dec, &in); err != nil {
				return nil, err
			}
			return f(svc, ctx, in)
		},
		in:  reflect.TypeFor[In](),
		out: reflect.TypeFor[Out](),
	}
}

// svc and cx keep the table's lines short.
type (
	svc = acct.Service
	cx  = context.Context
)

// operations maps every operation of api.Operations to its call: a Service
// method gets one line here.
var operations = map[string]call{
	"Register": rpc(svc.Register),
	"User":     rpc(func(s svc, c cx, r api.RefRequest) (*acct.User, error) { return s.User(c, r.Ref) }),
	"LookupUsers": rpc(func(s svc, c cx, r api.RefsRequest) ([]acct.UserLookup, error) {
		return s.LookupUsers(c, r.Refs)
	}),
	"ListUsers": rpc(svc.ListUsers),
	"UpdateUser": rpc(func(s svc, c cx, r api.UpdateUserRequest) (*acct.User, error) {
		return s.UpdateUser(c, r.Ref, r.Update)
	}),
	"Unregister": rpc(func(s svc, c cx, r api.UnregisterRequest) (*acct.User, error) {
		return s.Unregister(c, r.Ref, r.Options.Acct())
	}),
	"Restore":    rpc(func(s svc, c cx, r api.RefRequest) (*acct.User, error) { return s.Restore(c, r.Ref) }),
	"PurgeHeld":  rpc(svc.PurgeHeld),
	"AddAddress": rpc(svc.AddAddress),
	"ListAddresses": rpc(func(s svc, c cx, r api.ListAddressesRequest) ([]acct.Address, error) {
		return s.ListAddresses(c, r.Ref, r.Kind)
	}),
	"RemoveAddress":     rpc(svc.RemoveAddress),
	"SetPrimaryAddress": rpc(svc.SetPrimaryAddress),
	"Login":             rpc(svc.Login),
	"ChallengeBegin":    rpc(svc.ChallengeBegin),
	"ChallengeFinish":   rpc(svc.ChallengeFinish),
	"ValidateSession": rpc(func(s svc, c cx, r api.TokenRequest) (*acct.SessionInfo, error) {
		return s.ValidateSession(c, r.Token)
	}),
	"ValidateSessions": rpc(func(s svc, c cx, r api.TokensRequest) ([]acct.SessionCheck, error) {
		return s.ValidateSessions(c, r.Tokens)
	}),
	"ListSessions":   rpc(svc.ListSessions),
	"FreshenSession": rpc(svc.FreshenSession),
	"EndSessions":    rpc(svc.EndSessions),
	"PurgeSessions":  rpc(purgeSessions),
	"SetPassword": rpc(func(s svc, c cx, r api.PasswordRequest) (*acct.User, error) {
		return s.SetPassword(c, r.Ref, r.Password)
	}),
	"ChangePassword": rpc(svc.ChangePassword),
	"VerifyPassword": rpc(func(s svc, c cx, r api.PasswordRequest) (api.Empty, error) {
		return api.Empty{}, s.VerifyPassword(c, r.Ref, r.Password)
	}),
	"PasswordHashes": rpc(func(s svc, c cx, _ api.Empty) ([]acct.HashCount, error) { return s.PasswordHashes(c) }),
	"LockUser": rpc(func(s svc, c cx, r api.LockUserRequest) (*acct.User, error) {
		return s.LockUser(c, r.Ref, r.Options)
	}),
	"UnlockUser":     rpc(func(s svc, c cx, r api.RefRequest) (*acct.User, error) { return s.UnlockUser(c, r.Ref) }),
	"IssueResetCode": rpc(issueResetCode),
	"ResetPassword":  rpc(svc.ResetPassword),
	"ListCodes":      rpc(func(s svc, c cx, r api.RefRequest) ([]acct.CodeInfo, error) { return s.ListCodes(c, r.Ref) }),
	"RevokeCodes":    rpc(svc.RevokeCodes),
	"ForgotPassword": rpc(func(s svc, c cx, r api.EmailRequest) (api.Empty, error) {
		return api.Empty{}, s.ForgotPassword(c, r.Email)
	}),
	"SignUp": rpc(func(s svc, c cx, r acct.SignUpRequest) (api.Empty, error) {
		return api.Empty{}, s.SignUp(c, r)
	}),
	"RunJobs":   rpc(svc.RunJobs),
	"ListJobs":  rpc(svc.ListJobs),
	"SendOTP":   rpc(svc.SendOTP),
	"VerifyOTP": rpc(svc.VerifyOTP),
	"SendActivation": rpc(func(s svc, c cx, r api.RefRequest) (*acct.ActivationSent, error) {
		return s.SendActivation(c, r.Ref)
	}),
	"Activate":             rpc(func(s svc, c cx, r api.KeyRequest) (*acct.User, error) { return s.Activate(c, r.Key) }),
	"CheckLink":            rpc(svc.CheckLink),
	"Preregister":          rpc(func(s svc, c cx, r api.EmailRequest) (*acct.Preregistration, error) { return s.Preregister(c, r.Email) }),
	"ListPreregistrations": rpc(svc.ListPreregistrations),
	"RemovePreregistration": rpc(func(s svc, c cx, r api.EmailRequest) (*acct.Preregistration, error) {
		return s.RemovePreregistration(c, r.Email)
	}),
	"Points":        rpc(func(s svc, c cx, r api.RefRequest) (*acct.PointsBalance, error) { return s.Points(c, r.Ref) }),
	"AddPoints":     rpc(svc.AddPoints),
	"PointsHistory": rpc(svc.PointsHistory),
	"ListEvents":    rpc(svc.ListEvents),
	"EnrollMFA": rpc(func(s svc, c cx, r api.RefRequest) (*acct.MFAEnrollment, error) {
		return s.EnrollMFA(c, r.Ref)
	}),
	"ConfirmMFA": rpc(svc.ConfirmMFA),
	"RegenerateRecoveryCodes": rpc(func(s svc, c cx, r api.RefRequest) (*acct.RecoveryCodes, error) {
		return s.RegenerateRecoveryCodes(c, r.Ref)
	}),
	"MFAStatus": rpc(func(s svc, c cx, r api.RefRequest) (*acct.MFAInfo, error) { return s.MFAStatus(c, r.Ref) }),
	"ResetMFA":  rpc(svc.ResetMFA),
	"VerifyMFA": rpc(svc.VerifyMFA),
	// Import and export (acct/import.go, export.go): the hashes are a
	// separate operation so that the role check can keep them to admin.
	"ImportUsers":           rpc(svc.ImportUsers),
	"ExportUsers":           rpc(svc.ExportUsers),
	"ExportUsersWithHashes": rpc(svc.ExportUsersWithHashes),
	// Self-service (acct/selfservice.go).
	"ClaimAddress": rpc(func(s svc, c cx, r acct.AddressClaim) (api.Empty, error) {
		return api.Empty{}, s.ClaimAddress(c, r)
	}),
	"ConfirmAddress": rpc(svc.ConfirmAddress),
	"RecoverBySMS": rpc(func(s svc, c cx, r api.PhoneRequest) (api.Empty, error) {
		return api.Empty{}, s.RecoverBySMS(c, r.Phone)
	}),
	"CheckIdentifiers": rpc(svc.CheckIdentifiers),
}

// purgeSessions and issueResetCode take bodies whose durations are
// api.Duration: integer nanoseconds or a string such as "30d".
func purgeSessions(s svc, c cx, r api.SessionPurgeOptions) (*acct.SessionPurgeResult, error) {
	return s.PurgeSessions(c, r.Acct())
}

func issueResetCode(s svc, c cx, r api.ResetCodeRequest) (*acct.ResetCode, error) {
	return s.IssueResetCode(c, r.Acct())
}

// decode reads one JSON value into v: unknown fields are refused, an empty
// body is the zero value, and nothing may follow the value.
func decode(dec *json.Decoder, v any) error {
	err := dec.Decode(v)
	if err == io.EOF {
		return nil
	}
	if err == nil {
		if _, err = dec.Token(); err == io.EOF {
			return nil
		} else if err == nil {
			return &acct.Error{Code: acct.CodeInvalid, Message: "request body: more than one JSON value"}
		}
	}
	return bodyError(err)
}

// bodyError turns a failure to read or decode the body into an acct error.
func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &tooLarge{err: &acct.Error{Code: acct.CodeInvalid,
			Message: fmt.Sprintf("request body larger than %d bytes", tooBig.Limit), Err: err}}
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return &acct.Error{Code: acct.CodeInvalid, Field: typeErr.Field,
			Message: fmt.Sprintf("request body: %s: want a JSON %s, not %s", typeErr.Field, typeErr.Type, typeErr.Value), Err: err}
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	field := ""
	if name, ok := strings.CutPrefix(msg, "unknown field "); ok {
		field = strings.Trim(name, `"`)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		msg = "unexpected end of JSON"
	}
	return &acct.Error{Code: acct.CodeInvalid, Field: field, Message: "request body: " + msg, Err: err}
}

// tooLarge marks an oversized body: it is answered 413, with code invalid.
type tooLarge struct{ err *acct.Error }

func (e *tooLarge) Error() string { return e.err.Error() }
func (e *tooLarge) Unwrap() error { return e.err }

// handler serves the admin API.
type handler struct {
	svc  acct.Service
	auth Authenticator
	log  *slog.Logger
}

// New returns the handler of the admin API: it serves POST /v1/<Operation>
// for every operation of api.Operations, over svc, for the callers that
// auth accepts. It logs one line per call on log (nil: none), never a
// secret: the operation, the key's name, the status and the error code.
func New(svc acct.Service, auth Authenticator, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &handler{svc: svc, auth: auth, log: log}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	op, _ := strings.CutPrefix(r.URL.Path, api.Prefix)
	var key *acct.APIKey
	status, err := h.serve(w, r, op, &key)
	attrs := []slog.Attr{slog.String("op", op), slog.Int("status", status),
		slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000), slog.String("remote", remote(r))}
	if key != nil {
		attrs = append(attrs, slog.String("key", key.Name), slog.String("role", string(key.Role)))
	}
	level := slog.LevelInfo
	if err != nil {
		attrs = append(attrs, slog.String("code", string(acct.ErrorCode(err))))
		switch {
		case status >= 500:
			level = slog.LevelError
			attrs = append(attrs, slog.String("error", err.Error()))
		case status == http.StatusUnauthorized || status == http.StatusForbidden:
			level = slog.LevelWarn
			attrs = append(attrs, slog.String("error", err.Error()))
		}
	}
	h.log.LogAttrs(r.Context(), level, "api call", attrs...)
}

// serve answers one request and returns its status and error, for the log.
func (h *handler) serve(w http.ResponseWriter, r *http.Request, op string, key **acct.APIKey) (int, error) {
	fail := func(status int, err error) (int, error) {
		d := api.Detail(err)
		if status == 0 {
			status = api.StatusOf(d.Code)
		}
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="acctl"`)
		}
		if status == http.StatusServiceUnavailable {
			api.SetRetryAfter(w.Header(), err) // a full hashing pool, a busy store
		}
		api.WriteJSON(w, status, api.ErrorBody{Error: d})
		return status, err
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return fail(http.StatusMethodNotAllowed, acct.Errorf(acct.CodeInvalid, "method %s not allowed: the API takes POST", r.Method))
	}
	token, ok := bearer(r)
	if !ok {
		return fail(0, acct.Errorf(acct.CodeUnauthenticated, "missing API key: send the header Authorization: Bearer <key>"))
	}
	k, err := h.auth.AuthenticateAPIKey(r.Context(), token)
	if err != nil {
		if acct.IsCode(err, acct.CodeUnauthenticated) {
			return fail(0, &acct.Error{Code: acct.CodeUnauthenticated, Message: "invalid API key", Err: err})
		}
		return fail(0, err)
	}
	if k == nil {
		return fail(0, acct.Errorf(acct.CodeUnauthenticated, "invalid API key"))
	}
	*key = k
	run, ok := operations[op]
	if !ok {
		return fail(0, acct.Errorf(api.CodeUnsupported, api.UnknownOperationPrefix+"%q: this server does not support it", op))
	}
	if !jsonBody(r) {
		return fail(http.StatusUnsupportedMediaType, acct.Errorf(acct.CodeInvalid,
			"request body: send Content-Type: application/json, not %q", r.Header.Get("Content-Type")))
	}
	// The whole body, bounded, so that its strings are checked as sent:
	// the decoder would read bytes that are not UTF-8 as U+FFFD.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, api.MaxBodyBytes))
	if err == nil {
		err = api.CheckUTF8(body)
	} else {
		err = bodyError(err)
	}
	if err != nil {
		var big *tooLarge
		if errors.As(err, &big) {
			return fail(http.StatusRequestEntityTooLarge, err)
		}
		return fail(0, err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	// The key's name is the actor of the audit trail, its role what the
	// Service lets it do (acct's role matrix, roles.go).
	ctx := acct.WithRole(acct.WithActor(r.Context(), k.Name), k.Role)
	out, err := run.run(ctx, h.svc, dec)
	if err != nil {
		var big *tooLarge
		if errors.As(err, &big) {
			return fail(http.StatusRequestEntityTooLarge, err)
		}
		return fail(0, err)
	}
	api.WriteJSON(w, http.StatusOK, emptySlice(out))
	return http.StatusOK, nil
}

// remote is the client of r for the log: the one the server's trusted
// proxies name (forwarded.FromContext), else the connection's address.
func remote(r *http.Request) string {
	if c, ok := forwarded.FromContext(r.Context()); ok {
		return c.Addr
	}
	return r.RemoteAddr
}

// jsonBody reports whether the body of r is declared JSON: Content-Type
// application/json, with no parameter but charset=utf-8. A request with
// no body at all (Content-Length: 0) may leave the header out.
func jsonBody(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return r.ContentLength == 0
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return false
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return false
		}
	}
	return true
}

// bearer returns the token of an `Authorization: Bearer` header.
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// emptySlice answers a nil slice as [] rather than null: a list is an
// array, empty or not.
func emptySlice(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice && rv.IsNil() {
		return reflect.MakeSlice(rv.Type(), 0, 0).Interface()
	}
	return v
}

// OperationTypes returns the Go types of the request body and of the
// answer of op, as the handler decodes and encodes them: what the API's
// OpenAPI document describes (internal/openapi). ok is false for an
// operation the handler does not serve.
func OperationTypes(op string) (in, out reflect.Type, ok bool) {
	c, ok := operations[op]
	return c.in, c.out, ok
}
