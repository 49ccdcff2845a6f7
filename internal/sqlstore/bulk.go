package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/acctl/acctl/internal/acct"
)

// The reads of import and export (acct.BulkTx) that do not differ between
// the dialects. A list of values travels as one parameter (see
// Dialect.JSONLists): one statement whatever its length, and the database
// still looks each value up in the column's index. The writes of a bulk
// (InsertUsers, InsertAddresses, InsertPointsEntries) are each dialect's
// own: prepared statements in SQLite, COPY in PostgreSQL.

// in is the condition that col is one of the values of a list parameter
// (list).
func (d *Dialect) in(col string) string {
	if d.JSONLists {
		return col + " IN (SELECT value FROM json_each(?))"
	}
	return col + " = ANY(?)"
}

// list is values as the parameter of a condition of in.
func list[T any](d *Dialect, values []T) (any, error) {
	if !d.JSONLists {
		return values, nil
	}
	b, err := json.Marshal(values)
	return string(b), err
}

// keyColumns are the column and the table that FindKeys looks a key field
// up in, and the condition that goes with it.
var keyColumns = map[acct.KeyField]struct{ sel, col, table, cond string }{
	acct.KeyUsername:         {"username, id", "username", "users", ""},
	acct.KeyForeign:          {"foreign_id, id", "foreign_id", "users", ""},
	acct.KeyReferralCode:     {"referral_code, id", "referral_code", "users", ""},
	acct.KeyUsernameSkeleton: {"username_skeleton, id", "username_skeleton", "users", ""},
	acct.KeyEmail:            {"value, user_id", "value", "addresses", " AND kind = 'email'"},
	acct.KeyPhone:            {"value, user_id", "value", "addresses", " AND kind = 'phone'"},
	acct.KeyEmailSkeleton:    {"skeleton, user_id", "skeleton", "addresses", " AND kind = 'email'"},
}

// FindKeys reports which accounts hold the keys: usernames, foreign
// identities, referral codes and username skeletons in users, emails,
// phones and email skeletons in addresses.
func (t *Tx) FindKeys(ctx context.Context, keys []acct.UserKey) ([]acct.KeyOwner, error) {
	byField := map[acct.KeyField][]string{}
	for _, k := range keys {
		if k.Value != "" {
			byField[k.Field] = append(byField[k.Field], k.Value)
		}
	}
	var out []acct.KeyOwner
	for field, values := range byField {
		k, ok := keyColumns[field]
		if !ok {
			return nil, fmt.Errorf("%s: find keys: unknown key field %q", t.d.Name, field)
		}
		arg, err := list(t.d, values)
		if err != nil {
			return nil, fmt.Errorf("%s: find keys: %w", t.d.Name, err)
		}
		rows, err := t.query(ctx, "SELECT "+k.sel+" FROM "+k.table+" WHERE "+t.d.in(k.col)+k.cond, arg)
		owners, err := collect(t, rows, err, "find keys", func(r *sql.Rows, o *acct.KeyOwner) error {
			o.Key.Field = field
			return r.Scan(&o.Key.Value, &o.UserID)
		})
		if err != nil {
			return nil, err
		}
		out = append(out, owners...)
	}
	return out, nil
}

// GetUsers returns the accounts of ids in id order; inside a write
// transaction of a dialect with row locks it locks them until the
// transaction ends.
func (t *Tx) GetUsers(ctx context.Context, ids []int64) ([]acct.UserRecord, error) {
	if len(ids) == 0 {
		return []acct.UserRecord{}, nil
	}
	arg, err := list(t.d, ids)
	if err != nil {
		return nil, fmt.Errorf("%s: get users: %w", t.d.Name, err)
	}
	rows, err := t.query(ctx, "SELECT "+UserColumns+" FROM users WHERE "+t.d.in("id")+" ORDER BY id"+t.forUpdate(), arg)
	return t.collectUsers(rows, err, "get users", len(ids))
}

// ListAddressesOf returns the addresses of the accounts userIDs, by
// account, then as ListAddresses orders them.
//
// With Dialect.AddressesByRange (SQLite) it reads the range of ids from
// the smallest to the largest in the order of the index on (user_id,
// kind), leaving out the accounts not asked for, and puts the primary
// address of each kind first in Go: an export asks for a page of
// consecutive accounts, and a sort by SQLite (or a look-up per id) took
// several times longer. Ids spread wider than rangeSpread a wanted id
// (the accounts of a batch of look-ups, anywhere in the table) are read
// by the list, as on the other dialects: the range would be most of the
// table.
func (t *Tx) ListAddressesOf(ctx context.Context, userIDs []int64) ([]acct.AddressRecord, error) {
	out := []acct.AddressRecord{}
	if len(userIDs) == 0 {
		return out, nil
	}
	var rows *sql.Rows
	var err error
	ids := userIDs
	byRange := false
	if t.d.AddressesByRange {
		ids = slices.Sorted(slices.Values(userIDs))
		byRange = ids[len(ids)-1]-ids[0] < rangeSpread*int64(len(ids))
	}
	if byRange {
		rows, err = t.query(ctx, "SELECT "+AddressColumns+
			" FROM addresses WHERE user_id BETWEEN ? AND ? ORDER BY user_id, kind, seq", ids[0], ids[len(ids)-1])
	} else {
		var arg any
		if arg, err = list(t.d, ids); err != nil {
			return nil, fmt.Errorf("%s: list addresses: %w", t.d.Name, err)
		}
		rows, err = t.query(ctx, "SELECT "+AddressColumns+" FROM addresses WHERE "+t.d.in("user_id")+
			" ORDER BY user_id, kind"+t.d.Binary+", is_primary DESC, seq", arg)
	}
	if err != nil {
		return nil, t.d.MapError("list addresses", err)
	}
	defer rows.Close()
	sc := NewAddressScanner()
	var rec acct.AddressRecord
	for rows.Next() {
		if err := sc.Scan(rows, &rec); err != nil {
			return nil, t.d.MapError("list addresses", err)
		}
		if !byRange {
			out = append(out, rec)
		} else if _, ok := slices.BinarySearch(ids, rec.UserID); ok {
			out = append(out, rec)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, t.d.MapError("list addresses", err)
	}
	if byRange {
		// Within an account and a kind the rows are in seq order: move
		// the primary one first.
		slices.SortStableFunc(out, func(a, b acct.AddressRecord) int {
			return cmp.Or(cmp.Compare(a.UserID, b.UserID), cmp.Compare(a.Kind, b.Kind), boolFirst(a.Primary, b.Primary))
		})
	}
	return out, nil
}

// rangeSpread is how wide, in ids a wanted id, a range of ids may be for
// ListAddressesOf to read it whole (Dialect.AddressesByRange): an export's
// page is about 1 (consecutive accounts, a few deleted); the look-ups of
// LookupUsers, spread over the table, are thousands.
const rangeSpread = 4

// boolFirst orders true before false.
func boolFirst(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

// DeletePreregistrations takes the addresses off the waiting list. Where
// writers follow one another (SQLite's IMMEDIATE transactions) no insert
// of them can run meanwhile. Where they run side by side
// (Dialect.ConcurrentWriters), and where DeletePreregistration claims its
// one address (see there), a batch locks the table against inserts until
// it commits: a pre-registration that committed before is seen by the
// DELETE, a later one waits and then finds the account
// (Local.Preregister looks again after its insert). Claiming a thousand
// addresses a batch instead left a dead row per imported account in the
// table, which every later DELETE read.
func (t *Tx) DeletePreregistrations(ctx context.Context, emails []string) ([]acct.Preregistration, error) {
	if len(emails) == 0 {
		return []acct.Preregistration{}, nil
	}
	arg, err := list(t.d, emails)
	if err != nil {
		return nil, fmt.Errorf("%s: delete preregistrations: %w", t.d.Name, err)
	}
	if t.d.ConcurrentWriters {
		if _, err := t.exec(ctx, "LOCK TABLE preregistrations IN SHARE ROW EXCLUSIVE MODE"); err != nil {
			return nil, t.d.MapError("delete preregistrations", err)
		}
	}
	rows, err := t.query(ctx, "DELETE FROM preregistrations WHERE "+t.d.in("email")+
		" RETURNING id, email, created_at, created_by", arg)
	return collect(t, rows, err, "delete preregistrations", func(r *sql.Rows, p *acct.Preregistration) error {
		var at Millis
		if err := r.Scan(&p.ID, &p.Email, &at, &p.CreatedBy); err != nil {
			return err
		}
		p.CreatedAt = at.Time
		return nil
	})
}
