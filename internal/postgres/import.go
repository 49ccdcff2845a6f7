package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/acctl/acctl/internal/acct"
)

// The bulk writes of import (acct.BulkTx; its reads are internal/sqlstore's,
// bulk.go). Rows are written with COPY, one round trip per call; new
// accounts get their ids from the table's identity sequence first, so
// that COPY can write them.

var _ acct.BulkTx = (*txn)(nil)

// userCopyColumns are the columns InsertUsers writes with COPY.
var userCopyColumns = []string{"id", "username", "email", "email_verified", "phone", "phone_verified",
	"first_name", "last_name", "language", "admin", "status", "hold_until", "password_hash",
	"created_at", "updated_at", "deleted_at", "foreign_id", "failed_logins", "locked_until", "lock_reason",
	"referral_code", "referred_by", "held_from", "username_skeleton", "points"}

// InsertUsers stores new accounts with their starting balances: ids drawn
// from the identity sequence, then one COPY.
func (t *txn) InsertUsers(ctx context.Context, recs []*acct.UserRecord) error {
	if len(recs) == 0 {
		return nil
	}
	rows, err := t.tx.Query(ctx,
		"SELECT nextval(pg_get_serial_sequence('users', 'id')) FROM generate_series(1, $1)", len(recs))
	if err != nil {
		return mapError("insert users", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return mapError("insert users", err)
	}
	if len(ids) != len(recs) {
		return fmt.Errorf("postgres: insert users: %d ids for %d accounts", len(ids), len(recs))
	}
	slices.Sort(ids) // in the order of the accounts, as one by one
	values := make([][]any, len(recs))
	for i, rec := range recs {
		values[i] = append(append([]any{ids[i]}, dialect.UserArgs(rec)...), rec.Points)
	}
	if _, err := t.tx.CopyFrom(ctx, pgx.Identifier{"users"}, userCopyColumns, pgx.CopyFromRows(values)); err != nil {
		return mapError("insert users", err)
	}
	for i, rec := range recs {
		rec.ID = ids[i]
	}
	return t.analyzeGrown(ctx, ids[len(ids)-1])
}

// analyzeGrown refreshes the planner's statistics of users and addresses
// when the largest id passes twice the rows they count. An import grows
// the tables faster than autovacuum analyzes them, and with statistics of
// a nearly empty table PostgreSQL plans the look-ups of the next batches
// (= ANY of a thousand keys) as sequential scans: 100,000 accounts took
// 62 s. ANALYZE samples a fixed number of rows, and doubling makes it run
// about ten times over a million accounts.
func (t *txn) analyzeGrown(ctx context.Context, maxID int64) error {
	var counted float64
	if err := t.tx.QueryRow(ctx, "SELECT reltuples FROM pg_class WHERE oid = 'users'::regclass").Scan(&counted); err != nil {
		return mapError("insert users", err)
	}
	if float64(maxID) <= 2*max(counted, 0)+analyzeSlack {
		return nil
	}
	if _, err := t.tx.Exec(ctx, "ANALYZE users, addresses"); err != nil {
		return mapError("analyze users", err)
	}
	return nil
}

// analyzeSlack is how many accounts past twice the counted ones wait for
// autovacuum: small tables are planned well enough either way.
const analyzeSlack = 5000

// InsertAddresses stores addresses with one COPY.
func (t *txn) InsertAddresses(ctx context.Context, recs []*acct.AddressRecord) error {
	if len(recs) == 0 {
		return nil
	}
	values := make([][]any, len(recs))
	for i, rec := range recs {
		if rec.Kind == "" || rec.Value == "" {
			return fmt.Errorf("postgres: insert addresses: kind and value are required")
		}
		var verifiedAt *time.Time
		if rec.Verified {
			verifiedAt = nullMillis(rec.VerifiedAt)
		}
		values[i] = []any{rec.UserID, string(rec.Kind), rec.Value, rec.Primary, rec.Verified, verifiedAt, millis(rec.CreatedAt),
			nullString(rec.Skeleton)}
	}
	_, err := t.tx.CopyFrom(ctx, pgx.Identifier{"addresses"},
		[]string{"user_id", "kind", "value", "is_primary", "verified", "verified_at", "created_at", "skeleton"}, pgx.CopyFromRows(values))
	if err != nil {
		kind := acct.AddressKind("email") // the detail reads "Key (kind, value)=(phone, +44…) already exists."
		var pe *pgconn.PgError
		if errors.As(err, &pe) && strings.Contains(pe.Detail, "=(phone,") {
			kind = "phone"
		}
		return dialect.AddressConflict(kind, "insert addresses", err)
	}
	return nil
}

// InsertPointsEntries appends rows to the points ledger with one COPY.
func (t *txn) InsertPointsEntries(ctx context.Context, es []*acct.PointsEntry) error {
	if len(es) == 0 {
		return nil
	}
	values := make([][]any, len(es))
	for i, e := range es {
		values[i] = []any{e.UserID, e.Delta, e.Balance, e.Reason, e.Actor, millis(e.At)}
	}
	_, err := t.tx.CopyFrom(ctx, pgx.Identifier{"points_ledger"},
		[]string{"user_id", "delta", "balance", "reason", "actor", "at"}, pgx.CopyFromRows(values))
	return mapError("insert points entries", err)
}
