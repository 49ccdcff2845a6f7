package acct

import (
	"context"
	"errors"
	"fmt"
)

// MaxBatch is the most REFs or tokens that one LookupUsers or
// ValidateSessions call takes: a caller with more splits them into
// batches (the command line does, reading stdin).
const MaxBatch = 1000

// ItemError is the failure of one item of a batch: the code, message,
// field and reason that the single call (User, ValidateSession) would have
// failed with. It travels as JSON, so it is not an *Error.
type ItemError struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	Reason  Reason `json:"reason,omitempty"`
}

// Err returns the *Error that e describes.
func (e *ItemError) Err() *Error {
	return &Error{Code: e.Code, Message: e.Message, Field: e.Field, Reason: e.Reason}
}

// itemError returns the ItemError of err when err is the failure of one
// item (its code is one of codes), or nil when it must fail the batch.
func itemError(err error, codes ...Code) *ItemError {
	var e *Error
	if !errors.As(err, &e) {
		return nil
	}
	for _, c := range codes {
		if e.Code == c {
			return &ItemError{Code: e.Code, Message: e.Error(), Field: e.Field, Reason: e.Reason}
		}
	}
	return nil
}

// UserLookup is one answer of LookupUsers: the account with every address
// (as "user get" shows it), or the error of a REF that names nobody or is
// not a REF.
type UserLookup struct {
	User      *User      `json:"user,omitempty"`
	Addresses []Address  `json:"addresses,omitempty"`
	Error     *ItemError `json:"error,omitempty"`
}

// SessionCheck is one answer of ValidateSessions: the active session and
// its user, or why the token is not valid.
type SessionCheck struct {
	Session *Session   `json:"session,omitempty"`
	User    *User      `json:"user,omitempty"`
	Error   *ItemError `json:"error,omitempty"`
}

// batchSize refuses a batch larger than MaxBatch.
func batchSize(field string, n int) error {
	if n > MaxBatch {
		return FieldError(field, "%d in one call, at most %d", n, MaxBatch)
	}
	return nil
}

// LookupUsers finds the account of each REF and its addresses, in one
// read transaction, answering in the order of refs. A REF that names
// nobody (not_found) or is not a REF (invalid) gets its error in its
// answer; any other failure fails the whole call.
func (l *Local) LookupUsers(ctx context.Context, refs []string) ([]UserLookup, error) {
	if err := l.permit(ctx, "LookupUsers"); err != nil {
		return nil, err
	}
	if err := batchSize("refs", len(refs)); err != nil {
		return nil, err
	}
	out := make([]UserLookup, len(refs))
	err := l.store.View(ctx, func(tx Tx) error {
		for i, ref := range refs {
			rec, err := l.get(ctx, tx, ref)
			if err == nil {
				out[i].Addresses, err = addresses(ctx, tx, rec, "")
			}
			if err != nil {
				if out[i].Error = itemError(err, CodeNotFound, CodeInvalid); out[i].Error == nil {
					return fmt.Errorf("ref %d: %w", i+1, err)
				}
				out[i].Addresses = nil
				continue
			}
			out[i].User = &rec.User
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, "look up users")
	}
	return out, nil
}

// ValidateSessions checks each token as ValidateSession does, in one read
// transaction, answering in the order of tokens. A token that is not
// valid (unauthenticated: invalid, expired, ended; or its account
// deleted) gets its error in its answer; any other failure fails the
// whole call. Like ValidateSession, it freshens nothing.
func (l *Local) ValidateSessions(ctx context.Context, tokens []string) ([]SessionCheck, error) {
	if err := l.permit(ctx, "ValidateSessions"); err != nil {
		return nil, err
	}
	if err := batchSize("tokens", len(tokens)); err != nil {
		return nil, err
	}
	out := make([]SessionCheck, len(tokens))
	now := l.now()
	err := l.store.View(ctx, func(tx Tx) error {
		for i, token := range tokens {
			var info SessionInfo
			if err := l.validate(ctx, tx, token, now, &info); err != nil {
				if out[i].Error = itemError(err, CodeUnauthenticated, CodeInvalid); out[i].Error == nil {
					return fmt.Errorf("token %d: %w", i+1, err)
				}
				continue
			}
			out[i].Session, out[i].User = &info.Session, &info.User
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, "validate sessions")
	}
	return out, nil
}
