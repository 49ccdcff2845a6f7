package acct

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
//
// Where the store reads in bulk (BulkTx) a batch costs a few queries
// whatever its size (lookUpBulk); otherwise each REF is found as User
// finds it, and its addresses read, one by one.
func (l *Local) LookupUsers(ctx context.Context, refs []string) ([]UserLookup, error) {
	if err := l.permit(ctx, "LookupUsers"); err != nil {
		return nil, err
	}
	if err := batchSize("refs", len(refs)); err != nil {
		return nil, err
	}
	out := make([]UserLookup, len(refs))
	err := l.store.View(ctx, func(tx Tx) error {
		if bt, ok := tx.(BulkTx); ok {
			return l.lookUpBulk(ctx, bt, refs, out)
		}
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

// lookUpBulk answers refs into out as get and addresses would one by one,
// in three or four queries: the owners of the REFs that are not ids
// (FindKeys, one query for each kind of key: usernames and foreign
// identities in the accounts, email addresses and phone numbers in the
// addresses table, which holds the primary ones too, so an extra address
// names its account as with get), the accounts (GetUsers), and their
// addresses (ListAddressesOf).
func (l *Local) lookUpBulk(ctx context.Context, bt BulkTx, refs []string, out []UserLookup) error {
	keys := make([]UserKey, len(refs))
	var find []UserKey
	for i, ref := range refs {
		key, err := refKey(ref, l.opt.PhoneRegion)
		if err != nil {
			if out[i].Error = itemError(err, CodeInvalid); out[i].Error == nil {
				return fmt.Errorf("ref %d: %w", i+1, err)
			}
			continue
		}
		keys[i] = key
		if key.Field != KeyID {
			find = append(find, key)
		}
	}
	owner := make(map[UserKey]int64, len(find))
	if len(find) > 0 {
		owners, err := bt.FindKeys(ctx, find)
		if err != nil {
			return err
		}
		for _, o := range owners {
			owner[UserKey{Field: o.Key.Field, Value: o.Key.Value}] = o.UserID
		}
	}
	ids := make([]int64, 0, len(refs))
	for i, k := range keys {
		switch {
		case out[i].Error != nil:
		case k.Field == KeyID:
			ids = append(ids, k.ID)
		default:
			if id, ok := owner[k]; ok {
				keys[i] = UserKey{Field: KeyID, ID: id}
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	recs, err := bt.GetUsers(ctx, ids)
	if err != nil {
		return err
	}
	byID := make(map[int64]*UserRecord, len(recs))
	now := l.now()
	found := ids[:0]
	for i := range recs {
		l.settle(&recs[i], now)
		byID[recs[i].ID] = &recs[i]
		found = append(found, recs[i].ID)
	}
	addrs, err := bt.ListAddressesOf(ctx, found)
	if err != nil {
		return err
	}
	// addrs is by account: the rows of each account, in the order of
	// ListAddresses, are addrs[at[id].from:at[id].to].
	type span struct{ from, to int }
	at := make(map[int64]span, len(found))
	for j := 0; j < len(addrs); {
		k := j + 1
		for k < len(addrs) && addrs[k].UserID == addrs[j].UserID {
			k++
		}
		at[addrs[j].UserID] = span{j, k}
		j = k
	}
	for i, ref := range refs {
		if out[i].Error != nil {
			continue
		}
		rec := byID[keys[i].ID]
		if keys[i].Field != KeyID || rec == nil {
			out[i].Error = itemError(errNoUser(ref), CodeNotFound)
			continue
		}
		u := rec.User // each answer its own copy, as one by one
		sp := at[rec.ID]
		out[i].User, out[i].Addresses = &u, shapeAddresses(rec, addrs[sp.from:sp.to])
	}
	return nil
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
