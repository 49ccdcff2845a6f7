package acct

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Pre-registration: a waiting list of email addresses, for people who
// asked to be told when they may sign up. An address on it has no account:
// whatever makes it an account's address (a registration, an update of the
// primary email, an extra address, an import) takes it off, in the same
// transaction (takeOffWaitingList).

// Preregistration is an email address on the waiting list.
type Preregistration struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"` // the actor who put it there
}

// PreregQuery selects a page of the waiting list for
// Service.ListPreregistrations, in id (arrival) order.
type PreregQuery struct {
	Limit  int    `json:"limit,omitempty"`  // 0 means DefaultPageSize
	Cursor string `json:"cursor,omitempty"` // from the previous page's PreregPage.Next
}

// PreregPage is a page of the waiting list; Next is the cursor of the
// following page, "" on the last page.
type PreregPage struct {
	Preregistrations []Preregistration `json:"preregistrations"`
	Next             string            `json:"next,omitempty"`
}

// PreregFilter selects entries for Tx.ListPreregistrations: at most Limit
// with ID > AfterID, in id order.
type PreregFilter struct {
	AfterID int64
	Limit   int // must be > 0
}

// Preregister puts an email address on the waiting list. An address that
// belongs to an account, or that is on the list already, is a conflict.
//
// The work is the same for the three (the auth API's /auth/preregister
// answers them alike, and its time must not tell an account's address
// from a new one): one write transaction that looks the address up as an
// account's primary and as an extra address, tries the insert (an
// account's address aside: the list must not hold it), looks again, and
// commits one audit event, of the entry or of the refusal. No event names
// the address or its account: a non-user's address is personal data, and
// the refusal must not tie an address to an account in the trail either.
func (l *Local) Preregister(ctx context.Context, email string) (*Preregistration, error) {
	if err := l.permit(ctx, "Preregister"); err != nil {
		return nil, err
	}
	e, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if e == "" {
		return nil, FieldError("email", "required")
	}
	var p *Preregistration
	var refusal error
	err = l.store.Update(ctx, func(tx Tx) (err error) {
		p = nil
		listed := false
		if refusal, err = hasNoAccount(ctx, tx, e); err != nil {
			return err
		}
		if refusal == nil {
			p = &Preregistration{Email: e, CreatedAt: l.now(), CreatedBy: l.actor(ctx)}
			if err := tx.InsertPreregistration(ctx, p); IsCode(err, CodeConflict) {
				refusal, listed = &Error{Code: CodeConflict, Field: "email", Message: fmt.Sprintf("%s is already on the waiting list", e), Err: err}, true
			} else if err != nil {
				return err
			}
		}
		// Once more after the insert: on a server database a registration
		// of the address may have committed since the first look (its
		// Tx.DeletePreregistration waits for this insert, so one of the
		// two always sees the other). A refusal looks again too: the
		// same work.
		again, err := hasNoAccount(ctx, tx, e)
		if err != nil {
			return err
		}
		if refusal == nil && again != nil {
			return again // rolls the entry back
		}
		// The trail names the entry, not the address: it belongs to no
		// account, and the trail keeps no personal data of non-users.
		ev := l.event(ctx, ActionPreregAdd, 0, "")
		switch {
		case refusal == nil:
			ev.Detail = fmt.Sprintf("preregistration %d", p.ID)
		case listed:
			ev.Outcome, ev.Detail = OutcomeFailure, "refused: the address is on the waiting list already"
		default:
			ev.Outcome, ev.Detail = OutcomeFailure, "refused: the address is an account's"
		}
		return tx.InsertEvent(ctx, ev)
	})
	if err != nil {
		return nil, wrap(err, "preregister")
	}
	if refusal != nil {
		return nil, refusal
	}
	return p, nil
}

// hasNoAccount returns the refusal of an address that belongs to an
// account, as its primary address or an extra one (addresses.go), nil
// when none has it; err is a failure of the store. It looks both up
// whatever the first finds: the same reads for every address.
func hasNoAccount(ctx context.Context, tx Tx, email string) (refusal, err error) {
	var owner int64
	rec, err := tx.GetUser(ctx, UserKey{Field: KeyEmail, Value: email})
	switch {
	case err == nil:
		owner = rec.ID
	case !IsCode(err, CodeNotFound):
		return nil, err
	}
	a, err := tx.GetAddress(ctx, AddressEmail, email)
	switch {
	case err == nil && owner == 0:
		owner = a.UserID
	case err != nil && !IsCode(err, CodeNotFound):
		return nil, err
	}
	if owner == 0 {
		return nil, nil
	}
	return &Error{Code: CodeConflict, Field: "email", Message: fmt.Sprintf("%s already has an account (user %d)", email, owner)}, nil
}

// ListPreregistrations returns a page of the waiting list, in the order
// the addresses were put on it.
func (l *Local) ListPreregistrations(ctx context.Context, q PreregQuery) (*PreregPage, error) {
	if err := l.permit(ctx, "ListPreregistrations"); err != nil {
		return nil, err
	}
	limit, err := pageLimit(q.Limit)
	if err != nil {
		return nil, err
	}
	f := PreregFilter{Limit: limit + 1}
	if q.Cursor != "" {
		if f.AfterID, err = strconv.ParseInt(q.Cursor, 10, 64); err != nil || f.AfterID < 0 {
			return nil, FieldError("cursor", "%q is not a cursor from a previous page", q.Cursor)
		}
	}
	var ps []Preregistration
	err = l.store.View(ctx, func(tx Tx) (err error) {
		ps, err = tx.ListPreregistrations(ctx, f)
		return err
	})
	if err != nil {
		return nil, wrap(err, "list preregistrations")
	}
	page := &PreregPage{Preregistrations: ps}
	if len(ps) > limit {
		page.Preregistrations = ps[:limit]
		page.Next = strconv.FormatInt(ps[limit-1].ID, 10)
	}
	if page.Preregistrations == nil {
		page.Preregistrations = []Preregistration{}
	}
	return page, nil
}

// RemovePreregistration takes an email address off the waiting list (the
// person changed their mind, or asked to be forgotten). An address that is
// not on it is CodeNotFound. The answer is the entry that was removed.
func (l *Local) RemovePreregistration(ctx context.Context, email string) (*Preregistration, error) {
	if err := l.permit(ctx, "RemovePreregistration"); err != nil {
		return nil, err
	}
	e, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if e == "" {
		return nil, FieldError("email", "required")
	}
	var p *Preregistration
	err = l.store.Update(ctx, func(tx Tx) (err error) {
		if p, err = tx.DeletePreregistration(ctx, e); err != nil {
			return err
		}
		if p == nil {
			return &Error{Code: CodeNotFound, Field: "email", Message: fmt.Sprintf("%s is not on the waiting list", e)}
		}
		return tx.InsertEvent(ctx, l.event(ctx, ActionPreregRemoved, 0, fmt.Sprintf("preregistration %d: removed", p.ID)))
	})
	if err != nil {
		return nil, wrap(err, "remove preregistration")
	}
	return p, nil
}

// takeOffWaitingList is the waiting list's one rule, run in the
// transaction that makes value an address of account userID: registering
// it (Register), making it the primary email (UpdateUser, through
// replacePrimaries) or adding it as an extra one (AddAddress). The address
// leaves the list, and the trail records the entry on the account, as
// "preregistration ID: how". The list holds only email addresses, so a
// phone number changes nothing. value is in normal form (NormalizeEmail),
// as the list's entries are. (An import takes its batch's addresses off
// with Tx.DeletePreregistrations instead: import.go.)
func (l *Local) takeOffWaitingList(ctx context.Context, tx Tx, userID int64, kind AddressKind, value, how string) error {
	if kind != AddressEmail || value == "" {
		return nil
	}
	p, err := tx.DeletePreregistration(ctx, value)
	if err != nil || p == nil {
		return err
	}
	return tx.InsertEvent(ctx, l.event(ctx, ActionPreregRemoved, userID, fmt.Sprintf("preregistration %d: %s", p.ID, how)))
}
