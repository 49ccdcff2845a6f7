package acct

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an error so that every front end (exit codes, HTTP status,
// JSON error objects) can react to it the same way.
type Code string

// The error codes. Their string values appear in JSON error objects and are
// part of the stable interface.
const (
	CodeInternal        Code = "internal"        // a bug or an unexpected failure
	CodeInvalid         Code = "invalid"         // bad input; Field names the culprit
	CodeNotFound        Code = "not_found"       // no such user (or other object)
	CodeConflict        Code = "conflict"        // already exists, wrong state for the request
	CodeUnauthenticated Code = "unauthenticated" // wrong password, wrong or expired code or session
	CodeRefused         Code = "refused"         // refused by policy: weak password, hold, lock, rate limit
	CodeUnavailable     Code = "unavailable"     // transient: store busy, server unreachable; safe to retry
)

// Error is the error type of the acct package. Every error that a Service
// returns carries one, possibly wrapped.
type Error struct {
	Code    Code   // what kind of failure
	Field   string // the input field at fault, for CodeInvalid and CodeConflict
	Message string // lower-case, no final period, safe to show to the caller
	Err     error  // the underlying cause, if any (never shown over the API)
	// RetryAfter is how long until an attempt may succeed, when that is
	// known: a refusal by a rate limit, a full hashing pool, a server that
	// answered Retry-After; 0 otherwise.
	RetryAfter time.Duration
	// Reason refines Code where telling it is safe (reasons.go): why a
	// session is not valid, or what stops a proven password from opening
	// a session; "" otherwise.
	Reason Reason
	// UserID names the account of a refusal that comes after its
	// password was proven (Reason unverified, locked or held: ez_api's
	// LoginWait user_id); 0 otherwise.
	UserID int64
	// MFAToken, with Reason ReasonMFARequired, is the short-lived
	// single-use token of a login whose password was right and that waits
	// for a second factor (Service.VerifyMFA); "" otherwise. It is a
	// secret for its holder: never in Message, logs or the audit trail.
	MFAToken string
}

func (e *Error) Error() string {
	if e.Message != "" {
		return e.Message
	}
	if e.Err != nil {
		return e.Err.Error()
	}
	return string(e.Code)
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns a CodeInvalid error that names the field at fault.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalid, Field: field, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected failure with context.
func Internal(err error, context string) *Error {
	return &Error{Code: CodeInternal, Message: context + ": " + err.Error(), Err: err}
}

// ErrorCode returns the Code of err: the code of the first *Error in its chain,
// CodeInternal for any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorField returns the field named by the first *Error in err's chain.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ErrorReason returns the Reason of the first *Error in err's chain, ""
// when it has none.
func ErrorReason(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// ErrorUserID returns the UserID of the first *Error in err's chain, 0
// when it has none.
func ErrorUserID(err error) int64 {
	var e *Error
	if errors.As(err, &e) {
		return e.UserID
	}
	return 0
}

// ErrorMFAToken returns the MFAToken of the first *Error in err's chain,
// "" when it has none.
func ErrorMFAToken(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.MFAToken
	}
	return ""
}

// SecretFileField is the field of the error a code operation gets when
// the process's installation secret is not the store's (secret.go).
const SecretFileField = "secret_file"

// IsConfigFault reports whether err blames the configuration of the
// process that answered (an installation secret that is not the store's,
// Firebase parameters that cannot verify an imported hash) rather than
// the caller's input. The operator who runs a command reads it as exit 2
// naming the key; a public endpoint answers it as its own internal
// failure, with the details in its log, not in the answer.
func IsConfigFault(err error) bool {
	switch ErrorField(err) {
	case SecretFileField, FirebaseConfigField:
		return IsCode(err, CodeInvalid)
	}
	return false
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code Code) bool { return ErrorCode(err) == code }

// RetryAfter returns the RetryAfter of the first *Error in err's chain:
// how long until a retry may succeed (a rate limit lapses, a full hashing
// pool makes room), 0 when that is not known.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
