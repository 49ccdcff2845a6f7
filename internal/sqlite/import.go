package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/sqlstore"
)

// The bulk methods of import and export (acct.BulkTx). A list of values
// travels as one parameter, a JSON array read with json_each: one
// statement whatever its length, and SQLite still looks each value up in
// the column's index. Rows are written with one prepared statement per
// call, executed row after row: SQLite has no round trips to save, and
// preparing once is what costs.

var _ acct.BulkTx = (*txn)(nil)

// bulkCache is the page cache of the write connection, in KiB (negative,
// as in writeCache), while a transaction writes in bulk: an import of
// 1,000,000 accounts filled writeCache's 64 MiB and peaked at 177 MB
// resident; with 16 MiB it peaked at 82 MB for 3% more CPU time. run
// puts writeCache back when the transaction ends, so that a purge in the
// same process (acctl serve) keeps its larger cache.
const bulkCache = "-16384"

// beginBulk lowers the write connection's page cache for the rest of the
// transaction; SQLite lets go of the pages beyond it.
func (t *txn) beginBulk(ctx context.Context) error {
	if t.bulk {
		return nil
	}
	if _, err := t.tx.ExecContext(ctx, "PRAGMA cache_size = "+bulkCache); err != nil {
		return mapError("set the bulk page cache", err)
	}
	t.bulk = true
	return nil
}

// endBulk gives the write connection its page cache back after a bulk
// transaction (committed or not). A failure only leaves the smaller
// cache: it is not the transaction's.
func (t *txn) endBulk(ctx context.Context, db *sql.DB) {
	if t.bulk {
		_, _ = db.ExecContext(context.WithoutCancel(ctx), "PRAGMA cache_size = "+writeCache)
	}
}

// jsonList encodes values as the JSON array that json_each reads.
func jsonList[T any](values []T) (string, error) {
	b, err := json.Marshal(values)
	return string(b), err
}

// FindKeys reports which accounts hold the keys: usernames, foreign
// identities and referral codes in users, emails and phones in addresses.
func (t *txn) FindKeys(ctx context.Context, keys []acct.UserKey) ([]acct.KeyOwner, error) {
	byField := map[acct.KeyField][]string{}
	for _, k := range keys {
		if k.Value != "" {
			byField[k.Field] = append(byField[k.Field], k.Value)
		}
	}
	var out []acct.KeyOwner
	for field, values := range byField {
		var query string
		var args []any
		switch field {
		case acct.KeyUsername, acct.KeyForeign, acct.KeyReferralCode:
			col := map[acct.KeyField]string{acct.KeyUsername: "username", acct.KeyForeign: "foreign_id",
				acct.KeyReferralCode: "referral_code"}[field]
			query = "SELECT " + col + ", id FROM users WHERE " + col + " IN (SELECT value FROM json_each(?))"
		case acct.KeyEmail, acct.KeyPhone:
			query = "SELECT value, user_id FROM addresses WHERE kind = ? AND value IN (SELECT value FROM json_each(?))"
			args = append(args, string(field))
		case acct.KeyUsernameSkeleton:
			query = "SELECT username_skeleton, id FROM users WHERE username_skeleton IN (SELECT value FROM json_each(?))"
		case acct.KeyEmailSkeleton:
			query = "SELECT skeleton, user_id FROM addresses WHERE kind = 'email' AND skeleton IN (SELECT value FROM json_each(?))"
		default:
			return nil, fmt.Errorf("sqlite: find keys: unknown key field %q", field)
		}
		list, err := jsonList(values)
		if err != nil {
			return nil, fmt.Errorf("sqlite: find keys: %w", err)
		}
		rows, err := t.tx.QueryContext(ctx, query, append(args, list)...)
		if err != nil {
			return nil, mapError("find keys", err)
		}
		for rows.Next() {
			o := acct.KeyOwner{Key: acct.UserKey{Field: field}}
			if err := rows.Scan(&o.Key.Value, &o.UserID); err != nil {
				rows.Close()
				return nil, mapError("find keys", err)
			}
			out = append(out, o)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, mapError("find keys", err)
		}
	}
	return out, nil
}

// GetUsers returns the accounts of ids in id order.
func (t *txn) GetUsers(ctx context.Context, ids []int64) ([]acct.UserRecord, error) {
	out := []acct.UserRecord{}
	if len(ids) == 0 {
		return out, nil
	}
	list, err := jsonList(ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: get users: %w", err)
	}
	rows, err := t.tx.QueryContext(ctx, "SELECT "+userColumns+
		" FROM users WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id", list)
	if err != nil {
		return nil, mapError("get users", err)
	}
	defer rows.Close()
	sc := newUserScanner()
	for rows.Next() {
		out = append(out, acct.UserRecord{})
		if err := sc.scan(rows, &out[len(out)-1]); err != nil {
			return nil, mapError("get users", err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("get users", err)
	}
	return out, nil
}

// InsertUsers stores new accounts with their starting balances and sets
// their ids.
func (t *txn) InsertUsers(ctx context.Context, recs []*acct.UserRecord) error {
	if len(recs) == 0 {
		return nil
	}
	if err := t.beginBulk(ctx); err != nil {
		return err
	}
	stmt, err := t.tx.PrepareContext(ctx, `INSERT INTO users (
		username, email, email_verified, phone, phone_verified,
		first_name, last_name, language, admin, status, hold_until, password_hash,
		created_at, updated_at, deleted_at, foreign_id, failed_logins, locked_until, lock_reason,
		referral_code, referred_by, held_from, username_skeleton, points
	) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return mapError("insert users", err)
	}
	defer stmt.Close()
	for _, rec := range recs {
		res, err := stmt.ExecContext(ctx, append(dialect.UserArgs(rec), rec.Points)...)
		if err != nil {
			return mapError("insert users", err)
		}
		if rec.ID, err = res.LastInsertId(); err != nil {
			return mapError("insert users", err)
		}
	}
	return nil
}

// InsertAddresses stores addresses in order.
func (t *txn) InsertAddresses(ctx context.Context, recs []*acct.AddressRecord) error {
	if len(recs) == 0 {
		return nil
	}
	if err := t.beginBulk(ctx); err != nil {
		return err
	}
	stmt, err := t.tx.PrepareContext(ctx, `INSERT INTO addresses
		(user_id, kind, value, is_primary, verified, verified_at, created_at, skeleton) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return mapError("insert addresses", err)
	}
	defer stmt.Close()
	for _, rec := range recs {
		if rec.Kind == "" || rec.Value == "" {
			return fmt.Errorf("sqlite: insert addresses: kind and value are required")
		}
		var verifiedAt sql.NullInt64
		if rec.Verified {
			verifiedAt = nullTime(rec.VerifiedAt)
		}
		_, err := stmt.ExecContext(ctx, rec.UserID, string(rec.Kind), rec.Value, rec.Primary, rec.Verified,
			verifiedAt, rec.CreatedAt.UnixMilli(), nullString(rec.Skeleton))
		if err != nil {
			return dialect.AddressConflict(rec.Kind, "insert addresses", err)
		}
	}
	return nil
}

// ListAddressesOf returns the addresses of the accounts userIDs, by
// account, then as ListAddresses orders them. It reads the range of ids
// from the smallest to the largest in the order of the index on (user_id,
// kind), leaving out the accounts not asked for, and puts the primary
// address of each kind first in Go: an export asks for a page of
// consecutive accounts, and a sort by SQLite (or a look-up per id) took
// several times longer.
func (t *txn) ListAddressesOf(ctx context.Context, userIDs []int64) ([]acct.AddressRecord, error) {
	out := []acct.AddressRecord{}
	if len(userIDs) == 0 {
		return out, nil
	}
	ids := slices.Sorted(slices.Values(userIDs))
	rows, err := t.tx.QueryContext(ctx, "SELECT "+sqlstore.AddressColumns+
		" FROM addresses WHERE user_id BETWEEN ? AND ? ORDER BY user_id, kind, seq", ids[0], ids[len(ids)-1])
	if err != nil {
		return nil, mapError("list addresses", err)
	}
	defer rows.Close()
	sc := newAddressScanner()
	var rec acct.AddressRecord
	for rows.Next() {
		if err := sc.scan(rows, &rec); err != nil {
			return nil, mapError("list addresses", err)
		}
		if _, ok := slices.BinarySearch(ids, rec.UserID); ok {
			out = append(out, rec)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("list addresses", err)
	}
	// Within an account and a kind the rows are in seq order: move the
	// primary one first.
	slices.SortStableFunc(out, func(a, b acct.AddressRecord) int {
		return cmp.Or(cmp.Compare(a.UserID, b.UserID), cmp.Compare(a.Kind, b.Kind), boolFirst(a.Primary, b.Primary))
	})
	return out, nil
}

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

// InsertPointsEntries appends rows to the points ledger.
func (t *txn) InsertPointsEntries(ctx context.Context, es []*acct.PointsEntry) error {
	if len(es) == 0 {
		return nil
	}
	stmt, err := t.tx.PrepareContext(ctx, `INSERT INTO points_ledger
		(user_id, delta, balance, reason, actor, at) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return mapError("insert points entries", err)
	}
	defer stmt.Close()
	for _, e := range es {
		if _, err := stmt.ExecContext(ctx, e.UserID, e.Delta, e.Balance, e.Reason, e.Actor, e.At.UnixMilli()); err != nil {
			return mapError("insert points entries", err)
		}
	}
	return nil
}

// DeletePreregistrations takes the addresses off the waiting list. Write
// transactions are IMMEDIATE, so no insert of them can run meanwhile.
func (t *txn) DeletePreregistrations(ctx context.Context, emails []string) ([]acct.Preregistration, error) {
	out := []acct.Preregistration{}
	if len(emails) == 0 {
		return out, nil
	}
	list, err := jsonList(emails)
	if err != nil {
		return nil, fmt.Errorf("sqlite: delete preregistrations: %w", err)
	}
	rows, err := t.tx.QueryContext(ctx, `DELETE FROM preregistrations WHERE email IN (SELECT value FROM json_each(?))
		RETURNING id, email, created_at, created_by`, list)
	if err != nil {
		return nil, mapError("delete preregistrations", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p acct.Preregistration
		var at int64
		if err := rows.Scan(&p.ID, &p.Email, &at, &p.CreatedBy); err != nil {
			return nil, mapError("delete preregistrations", err)
		}
		p.CreatedAt = fromMillis(at)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("delete preregistrations", err)
	}
	return out, nil
}
