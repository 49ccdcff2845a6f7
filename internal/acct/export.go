package acct

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Bulk export of accounts (Service.ExportUsers, ExportUsersWithHashes).
//
// An export is read page by page in id order, each page one read
// transaction, and gives back what ImportUsers reads: an export imports
// into an empty store unchanged (ids aside). Password hashes come only
// from ExportUsersWithHashes, a separate operation so that the admin API
// can keep it to admin keys; every page of it is recorded in the audit
// trail (user.export, with the ids whose hashes left) before it is given
// back, so no hash leaves unrecorded. The page itself is read in a read
// transaction, as any other: the event's write transaction is short.

// DefaultExportPage is the page size of an export when the query gives
// none.
const DefaultExportPage = 1000

// ExportQuery selects a page of accounts to export, in id order.
type ExportQuery struct {
	Status Status `json:"status,omitempty"` // only accounts in this state; "" for all but deleted
	Limit  int    `json:"limit,omitempty"`  // page size; 0 means DefaultExportPage, at most MaxPageSize
	Cursor string `json:"cursor,omitempty"` // from the previous page's ExportPage.Next
}

// ExportRow is one account as exported: the fields of "user get", the
// referral code of its referrer (ids are the store's own), the addresses
// that the fields do not say (its extra addresses, and a primary one whose
// times are not the account's creation), and with hashes its password
// hash. As JSON it is an ImportRow.
type ExportRow struct {
	User
	// HeldFrom is, for an account on deletion hold, the status a restore
	// returns it to (active, pending or locked), which an import keeps.
	HeldFrom       Status    `json:"held_from,omitempty"`
	ReferredByCode string    `json:"referred_by_code,omitempty"`
	Addresses      []Address `json:"addresses,omitempty"`
	PasswordHash   string    `json:"password_hash,omitempty"`
	// MFA is the account's second factor, with hashes only (mfa.go).
	MFA *ExportMFA `json:"mfa,omitempty"`
	// ScramVerifier is, with hashes, the account's SCRAM-SHA-256 verifier
	// in PostgreSQL's text form (scram.go), "" when it has none.
	ScramVerifier string `json:"scram_verifier,omitempty"`
}

// ExportPage is a page of an export; Next is the cursor of the following
// page, "" on the last one.
type ExportPage struct {
	Rows []ExportRow `json:"rows"`
	Next string      `json:"next,omitempty"`
}

// ExportUsers returns a page of accounts to export, without password
// hashes.
func (l *Local) ExportUsers(ctx context.Context, q ExportQuery) (*ExportPage, error) {
	if err := l.permit(ctx, "ExportUsers"); err != nil {
		return nil, err
	}
	return l.export(ctx, q, false)
}

// ExportUsersWithHashes returns a page of accounts to export with their
// password hashes, and records it in the audit trail.
func (l *Local) ExportUsersWithHashes(ctx context.Context, q ExportQuery) (*ExportPage, error) {
	if err := l.permit(ctx, "ExportUsersWithHashes"); err != nil {
		return nil, err
	}
	return l.export(ctx, q, true)
}

func (l *Local) export(ctx context.Context, q ExportQuery, hashes bool) (*ExportPage, error) {
	limit := q.Limit
	switch {
	case limit == 0:
		limit = DefaultExportPage
	case limit < 0 || limit > MaxPageSize:
		return nil, FieldError("limit", "must be between 1 and %d", MaxPageSize)
	}
	now := l.now()
	f := UserFilter{Limit: limit + 1, Now: now}
	switch {
	case q.Status == "":
		f.Statuses = []Status{StatusActive, StatusPending, StatusLocked, StatusHeld}
	case q.Status.Valid():
		f.Statuses = []Status{q.Status}
	default:
		return nil, FieldError("status", "%q is not one of active, pending, locked, held, deleted", q.Status)
	}
	if q.Cursor != "" {
		var err error
		if f.AfterID, err = strconv.ParseInt(q.Cursor, 10, 64); err != nil || f.AfterID < 0 {
			return nil, FieldError("cursor", "%q is not a cursor from a previous page", q.Cursor)
		}
	}
	var page *ExportPage
	err := l.store.View(ctx, func(tx Tx) (err error) {
		page, err = l.exportPage(ctx, tx, f, limit, hashes)
		return err
	})
	if err == nil && hashes && len(page.Rows) > 0 {
		ids := make([]int64, len(page.Rows))
		n := 0
		for i, r := range page.Rows {
			ids[i] = r.ID
			if r.PasswordHash != "" {
				n++
			}
		}
		factors := 0
		for _, r := range page.Rows {
			if r.MFA != nil {
				factors++
			}
		}
		note := ""
		if factors > 0 {
			note = fmt.Sprintf(", %d with a second factor", factors)
		}
		ev := l.event(ctx, ActionUserExport, 0,
			fmt.Sprintf("exported %d users with password hashes (%d with a password%s)%s", len(ids), n, note, idNote(ids)))
		err = l.store.Update(ctx, func(tx Tx) error { return tx.InsertEvent(ctx, ev) })
	}
	if err != nil {
		return nil, wrap(err, "export users")
	}
	return page, nil
}

// exportPage reads one page: the accounts, their addresses and the codes
// of their referrers, in three queries.
func (l *Local) exportPage(ctx context.Context, tx Tx, f UserFilter, limit int, hashes bool) (*ExportPage, error) {
	bt, err := bulk(tx)
	if err != nil {
		return nil, err
	}
	recs, err := tx.ListUsers(ctx, f)
	if err != nil {
		return nil, err
	}
	page := &ExportPage{Rows: make([]ExportRow, 0, min(len(recs), limit))}
	if len(recs) > limit {
		page.Next = strconv.FormatInt(recs[limit-1].ID, 10)
		recs = recs[:limit]
	}
	if len(recs) == 0 {
		return page, nil
	}
	ids := make([]int64, len(recs))
	codes := make(map[int64]string, len(recs))
	for i := range recs {
		ids[i] = recs[i].ID
		codes[recs[i].ID] = recs[i].ReferralCode
	}
	var missing []int64
	for i := range recs {
		if r := recs[i].ReferredBy; r != nil {
			if _, ok := codes[*r]; !ok {
				codes[*r] = ""
				missing = append(missing, *r)
			}
		}
	}
	if len(missing) > 0 {
		referrers, err := bt.GetUsers(ctx, missing)
		if err != nil {
			return nil, err
		}
		for _, r := range referrers {
			codes[r.ID] = r.ReferralCode
		}
	}
	addrs, err := bt.ListAddressesOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	var verifiers []ScramRecord
	var withMFA []int64 // the accounts of the page that have a factor: few
	if hashes {
		if verifiers, err = tx.ListScramVerifiers(ctx, ids[0], ids[len(ids)-1]); err != nil {
			return nil, err
		}
		if withMFA, err = tx.ListMFAUsers(ctx, ids[0], ids[len(ids)-1]); err != nil {
			return nil, err
		}
	}
	k, m := 0, 0
	j := 0
	for i := range recs {
		rec := &recs[i]
		l.settle(rec, f.Now)
		row := ExportRow{User: rec.User}
		row.HoldExpired = false // computed, not data: an import takes it from hold_until
		if rec.Status == StatusHeld {
			row.HeldFrom = heldFrom(rec)
		}
		if rec.ReferredBy != nil {
			row.ReferredByCode = codes[*rec.ReferredBy]
		}
		if hashes {
			row.PasswordHash = rec.PasswordHash
			// A look-up for each account that has a factor only: one
			// for every account made an export with hashes 1.7 times
			// as long (docs/benchmarks.md).
			for ; m < len(withMFA) && withMFA[m] < rec.ID; m++ {
			}
			if m < len(withMFA) && withMFA[m] == rec.ID {
				if row.MFA, err = exportMFA(ctx, tx, rec.ID); err != nil {
					return nil, err
				}
			}
			for ; k < len(verifiers) && verifiers[k].UserID < rec.ID; k++ {
			}
			if k < len(verifiers) && verifiers[k].UserID == rec.ID && verifiers[k].validFor(rec.PasswordHash) {
				row.ScramVerifier = verifiers[k].Verifier
			}
		}
		for ; j < len(addrs) && addrs[j].UserID < rec.ID; j++ {
		}
		for ; j < len(addrs) && addrs[j].UserID == rec.ID; j++ {
			if a, ok := exportAddress(rec, addrs[j]); ok {
				row.Addresses = append(row.Addresses, a)
			}
		}
		page.Rows = append(page.Rows, row)
	}
	return page, nil
}

// exportAddress is an address as "user get" shows it, and whether the
// export needs it: an extra address always, a primary one only when its
// times are not those an import gives by default (added when the account
// was made, and verified then if it is verified).
func exportAddress(rec *UserRecord, r AddressRecord) (Address, bool) {
	a := r.Address
	p, verified := primaryOf(rec, a.Kind)
	a.Primary = a.Value == p
	if !a.Primary {
		return a, true
	}
	if verified != a.Verified {
		a.Verified = verified
		if !verified {
			a.VerifiedAt = nil
		}
	}
	var def *time.Time
	if verified {
		def = &rec.CreatedAt
	}
	return a, !a.CreatedAt.Equal(rec.CreatedAt) || !equalTimePtr(a.VerifiedAt, def)
}
