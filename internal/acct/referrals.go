package acct

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Referral codes: every account has one, to share; a new account that
// registers with it (NewUser.Invite) records who referred it, and both
// accounts get points. A code is 8 characters of Crockford base32 (40
// bits from Options.Rand): short to type, no I, L, O or U to misread. It
// is not a secret: it is meant to be passed around.
const (
	referralCodeBytes = 5 // 40 bits: 8 characters
	// ReferralCodeLength is the length of a referral code.
	ReferralCodeLength = 8
	// referralCodeTries bounds the draws of a code not yet in use.
	referralCodeTries = 8
)

// Points and referral defaults and bounds.
const (
	DefaultReferrerPoints = 10 // to the account whose code was used
	DefaultNewUserPoints  = 5  // to the account that registered with it
	// MaxPointsDelta bounds one change of a balance, either way.
	MaxPointsDelta = 1_000_000_000
)

// The audited actions of points and pre-registration.
const (
	ActionPointsAdd     = "points.add"    // an operator's change of a balance
	ActionPointsAward   = "points.award"  // points for a referral, at registration
	ActionPreregAdd     = "prereg.add"    // an email put on the waiting list
	ActionPreregRemoved = "prereg.remove" // taken off it: the email became an account's, or by an operator
)

// PointsBalance is an account's points and referral details
// (Service.Points).
type PointsBalance struct {
	UserID       int64  `json:"user_id"`
	Username     string `json:"username,omitempty"`
	Points       int64  `json:"points"`
	ReferralCode string `json:"referral_code,omitempty"`
	ReferredBy   *int64 `json:"referred_by,omitempty"`
}

// PointsChange is the input of Service.AddPoints.
type PointsChange struct {
	User   string `json:"user"`   // a REF
	Delta  int64  `json:"delta"`  // non-zero; negative takes points away
	Reason string `json:"reason"` // required, for the ledger and the audit trail
}

// PointsEntry is one row of an account's points ledger: every change of a
// balance, with the balance after it.
type PointsEntry struct {
	ID      int64     `json:"id"`
	UserID  int64     `json:"user_id"`
	Delta   int64     `json:"delta"`
	Balance int64     `json:"balance_after"`
	Reason  string    `json:"reason"`
	Actor   string    `json:"actor"`
	At      time.Time `json:"at"`
}

// PointsQuery selects a page of an account's ledger for
// Service.PointsHistory, newest first.
type PointsQuery struct {
	User   string `json:"user"`             // a REF
	Limit  int    `json:"limit,omitempty"`  // 0 means DefaultPageSize
	Cursor string `json:"cursor,omitempty"` // from the previous page's PointsPage.Next
}

// PointsPage is a page of ledger rows, newest first; Next is the cursor of
// the following (older) page, "" on the last page.
type PointsPage struct {
	Entries []PointsEntry `json:"entries"`
	Next    string        `json:"next,omitempty"`
}

// PointsFilter selects ledger rows for Tx.ListPointsEntries: those of
// UserID, newest first, with ID < BeforeID when BeforeID is not 0.
type PointsFilter struct {
	UserID   int64
	BeforeID int64
	Limit    int // must be > 0
}

// newReferralCode draws a code from Options.Rand.
func (l *Local) newReferralCode() (string, error) {
	return l.newCode(referralCodeBytes)
}

// NormalizeReferralCode undoes what people do to a referral code (letter
// case, spaces, hyphens, I or L for 1, O for 0) and checks its form.
func NormalizeReferralCode(s string) (string, error) {
	c, _ := canonicalCode(s)
	if len(c) != ReferralCodeLength || c == "" {
		return "", FieldError("invite", "%q is not a referral code (%d letters and digits)", strings.TrimSpace(s), ReferralCodeLength)
	}
	return c, nil
}

// normalizeInvite checks NewUser.Invite: "" when none is given.
func normalizeInvite(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	return NormalizeReferralCode(s)
}

// referral is what Register needs to know about an invite code: the
// account whose code it is.
type referral struct {
	referrer *UserRecord
}

// prepareReferral runs in Register's transaction before the insert: it
// gives rec a referral code of its own (drawn again while one is taken)
// and, when invite is not "", finds the referrer and records it in
// rec.ReferredBy. An unknown code is CodeNotFound, a code of an account
// on deletion hold CodeRefused. invite is in normal form.
func (l *Local) prepareReferral(ctx context.Context, tx Tx, rec *UserRecord, invite string) (*referral, error) {
	rec.ReferralCode, rec.ReferredBy, rec.Points = "", nil, 0
	for try := 0; rec.ReferralCode == ""; try++ {
		if try == referralCodeTries {
			return nil, Errorf(CodeInternal, "no free referral code after %d draws", referralCodeTries)
		}
		code, err := l.newReferralCode()
		if err != nil {
			return nil, err
		}
		_, err = tx.GetUser(ctx, UserKey{Field: KeyReferralCode, Value: code})
		switch {
		case IsCode(err, CodeNotFound):
			rec.ReferralCode = code
		case err != nil:
			return nil, err
		}
	}
	if invite == "" {
		return nil, nil
	}
	referrer, err := tx.GetUser(ctx, UserKey{Field: KeyReferralCode, Value: invite})
	if IsCode(err, CodeNotFound) {
		return nil, &Error{Code: CodeNotFound, Field: "invite", Message: fmt.Sprintf("no referral code %q", invite)}
	}
	if err != nil {
		return nil, err
	}
	switch referrer.Status {
	case StatusDeleted: // a tombstone has no code; should one remain, it is unknown
		return nil, &Error{Code: CodeNotFound, Field: "invite", Message: fmt.Sprintf("no referral code %q", invite)}
	case StatusHeld:
		return nil, &Error{Code: CodeRefused, Field: "invite",
			Message: fmt.Sprintf("referral code %q belongs to an account on deletion hold", invite)}
	}
	id := referrer.ID
	rec.ReferredBy = &id
	return &referral{referrer: referrer}, nil
}

// completeReferral runs in Register's transaction after the insert and
// its audit event: it takes the new address off the waiting list and,
// with a referral, awards both accounts their points.
func (l *Local) completeReferral(ctx context.Context, tx Tx, rec *UserRecord, ref *referral) error {
	if err := l.takeOffWaitingList(ctx, tx, rec.ID, AddressEmail, rec.Email, "registered"); err != nil {
		return err
	}
	if ref == nil {
		return nil
	}
	if n := *l.opt.ReferrerPoints; n > 0 {
		reason := fmt.Sprintf("referral: user %d registered with the code", rec.ID)
		if _, err := l.changePoints(ctx, tx, ref.referrer, n, reason, ActionPointsAward); err != nil {
			return err
		}
	}
	if n := *l.opt.NewUserPoints; n > 0 {
		reason := fmt.Sprintf("referral: registered with the code of user %d", ref.referrer.ID)
		if _, err := l.changePoints(ctx, tx, rec, n, reason, ActionPointsAward); err != nil {
			return err
		}
	}
	return nil
}

// changePoints changes rec's balance by delta in one guarded statement
// and appends the ledger row and the audit event, all in tx. A change
// that would take the balance below 0 is refused.
func (l *Local) changePoints(ctx context.Context, tx Tx, rec *UserRecord, delta int64, reason, action string) (*PointsEntry, error) {
	balance, ok, err := tx.AddPoints(ctx, rec.ID, delta)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, Errorf(CodeRefused, "user %d has %d points: taking %d would leave a negative balance", rec.ID, balance, -delta)
	}
	rec.Points = balance
	e := &PointsEntry{UserID: rec.ID, Delta: delta, Balance: balance, Reason: reason, Actor: l.actor(ctx), At: l.now()}
	if err := tx.InsertPointsEntry(ctx, e); err != nil {
		return nil, err
	}
	detail := fmt.Sprintf("%+d points, balance %d: %s", delta, balance, reason)
	if err := tx.InsertEvent(ctx, l.event(ctx, action, rec.ID, detail)); err != nil {
		return nil, err
	}
	return e, nil
}

// Points returns an account's balance and referral details.
func (l *Local) Points(ctx context.Context, ref string) (*PointsBalance, error) {
	if err := l.permit(ctx, "Points"); err != nil {
		return nil, err
	}
	u, err := l.User(ctx, ref)
	if err != nil {
		return nil, err
	}
	return &PointsBalance{UserID: u.ID, Username: u.Username, Points: u.Points,
		ReferralCode: u.ReferralCode, ReferredBy: u.ReferredBy}, nil
}

// AddPoints changes an account's balance by in.Delta (negative takes
// points away) and returns the ledger row. A balance never goes below 0:
// such a change is refused and changes nothing. An account on deletion
// hold or deleted gets no points.
func (l *Local) AddPoints(ctx context.Context, in PointsChange) (*PointsEntry, error) {
	if err := l.permit(ctx, "AddPoints"); err != nil {
		return nil, err
	}
	if in.Delta == 0 {
		return nil, FieldError("delta", "must not be 0")
	}
	if in.Delta > MaxPointsDelta || in.Delta < -MaxPointsDelta {
		return nil, FieldError("delta", "must be between -%d and %d", MaxPointsDelta, MaxPointsDelta)
	}
	reason, err := normalizeNote("reason", in.Reason)
	if err != nil {
		return nil, err
	}
	if reason == "" {
		return nil, FieldError("reason", "required: say why the balance changes")
	}
	var rec *UserRecord
	var e *PointsEntry
	err = l.store.Update(ctx, func(tx Tx) (err error) {
		if rec, err = l.get(ctx, tx, in.User); err != nil {
			return err
		}
		if err := writable(rec); err != nil {
			return err
		}
		e, err = l.changePoints(ctx, tx, rec, in.Delta, reason, ActionPointsAdd)
		return err
	})
	if err != nil {
		return nil, l.fail(ctx, ActionPointsAdd, idOf(rec), wrap(err, "add points"))
	}
	return e, nil
}

// PointsHistory returns a page of an account's points ledger, newest
// first.
func (l *Local) PointsHistory(ctx context.Context, q PointsQuery) (*PointsPage, error) {
	if err := l.permit(ctx, "PointsHistory"); err != nil {
		return nil, err
	}
	limit, err := pageLimit(q.Limit)
	if err != nil {
		return nil, err
	}
	f := PointsFilter{Limit: limit + 1}
	if q.Cursor != "" {
		if f.BeforeID, err = strconv.ParseInt(q.Cursor, 10, 64); err != nil || f.BeforeID <= 0 {
			return nil, FieldError("cursor", "%q is not a cursor from a previous page", q.Cursor)
		}
	}
	var es []PointsEntry
	err = l.store.View(ctx, func(tx Tx) error {
		rec, err := l.get(ctx, tx, q.User)
		if err != nil {
			return err
		}
		f.UserID = rec.ID
		es, err = tx.ListPointsEntries(ctx, f)
		return err
	})
	if err != nil {
		return nil, wrap(err, "points history")
	}
	page := &PointsPage{Entries: es}
	if len(es) > limit {
		page.Entries = es[:limit]
		page.Next = strconv.FormatInt(es[limit-1].ID, 10)
	}
	if page.Entries == nil {
		page.Entries = []PointsEntry{}
	}
	return page, nil
}
