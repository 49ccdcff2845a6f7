package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/acctl/acctl/internal/acct"
)

// The bulk writes of import (acct.BulkTx; its reads are internal/sqlstore's,
// bulk.go). Rows are written with one prepared statement per call,
// executed row after row: SQLite has no round trips to save, and
// preparing once is what costs; the write connection's page cache is
// lowered for the transaction.

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
