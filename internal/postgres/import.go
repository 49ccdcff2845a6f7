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

// The bulk methods of import and export (acct.BulkTx). A list of values
// travels as one array parameter (= ANY($1)): one round trip whatever its
// length. Rows are written with COPY, one round trip per call; new
// accounts get their ids from the table's identity sequence first, so
// that COPY can write them.

var _ acct.BulkTx = (*txn)(nil)

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
		args := []any{values}
		switch field {
		case acct.KeyUsername, acct.KeyForeign, acct.KeyReferralCode:
			col := map[acct.KeyField]string{acct.KeyUsername: "username", acct.KeyForeign: "foreign_id",
				acct.KeyReferralCode: "referral_code"}[field]
			query = "SELECT " + col + ", id FROM users WHERE " + col + " = ANY($1)"
		case acct.KeyEmail, acct.KeyPhone:
			query = "SELECT value, user_id FROM addresses WHERE value = ANY($1) AND kind = $2"
			args = append(args, string(field))
		case acct.KeyUsernameSkeleton:
			query = "SELECT username_skeleton, id FROM users WHERE username_skeleton = ANY($1)"
		case acct.KeyEmailSkeleton:
			query = "SELECT skeleton, user_id FROM addresses WHERE skeleton = ANY($1) AND kind = 'email'"
		default:
			return nil, fmt.Errorf("postgres: find keys: unknown key field %q", field)
		}
		rows, err := t.tx.Query(ctx, query, args...)
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
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, mapError("find keys", err)
		}
	}
	return out, nil
}

// GetUsers returns the accounts of ids in id order; inside Update it
// locks them until the transaction ends.
func (t *txn) GetUsers(ctx context.Context, ids []int64) ([]acct.UserRecord, error) {
	out := []acct.UserRecord{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := t.tx.Query(ctx, "SELECT "+userColumns+" FROM users WHERE id = ANY($1) ORDER BY id"+t.forUpdate(), ids)
	if err != nil {
		return nil, mapError("get users", err)
	}
	defer rows.Close()
	for rows.Next() {
		rec, err := scanUser(rows)
		if err != nil {
			return nil, mapError("get users", err)
		}
		out = append(out, *rec)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("get users", err)
	}
	return out, nil
}

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

// ListAddressesOf returns the addresses of the accounts userIDs, by
// account, then as ListAddresses orders them.
func (t *txn) ListAddressesOf(ctx context.Context, userIDs []int64) ([]acct.AddressRecord, error) {
	out := []acct.AddressRecord{}
	if len(userIDs) == 0 {
		return out, nil
	}
	rows, err := t.tx.Query(ctx, "SELECT "+addressColumns+
		` FROM addresses WHERE user_id = ANY($1) ORDER BY user_id, kind COLLATE "C", is_primary DESC, seq`, userIDs)
	if err != nil {
		return nil, mapError("list addresses", err)
	}
	defer rows.Close()
	for rows.Next() {
		rec, err := scanAddress(rows)
		if err != nil {
			return nil, mapError("list addresses", err)
		}
		out = append(out, *rec)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("list addresses", err)
	}
	return out, nil
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

// DeletePreregistrations takes the addresses off the waiting list. Where
// DeletePreregistration claims its one address (see there), a batch locks
// the table against inserts until it commits: a pre-registration that
// committed before is seen by the DELETE, a later one waits and then
// finds the account (Local.Preregister looks again after its insert).
// Claiming a thousand addresses a batch instead left a dead row per
// imported account in the table, which every later DELETE read.
func (t *txn) DeletePreregistrations(ctx context.Context, emails []string) ([]acct.Preregistration, error) {
	out := []acct.Preregistration{}
	if len(emails) == 0 {
		return out, nil
	}
	if _, err := t.tx.Exec(ctx, "LOCK TABLE preregistrations IN SHARE ROW EXCLUSIVE MODE"); err != nil {
		return nil, mapError("delete preregistrations", err)
	}
	rows, err := t.tx.Query(ctx,
		"DELETE FROM preregistrations WHERE email = ANY($1) RETURNING id, email, created_at, created_by", emails)
	if err != nil {
		return nil, mapError("delete preregistrations", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p acct.Preregistration
		if err := rows.Scan(&p.ID, &p.Email, &p.CreatedAt, &p.CreatedBy); err != nil {
			return nil, mapError("delete preregistrations", err)
		}
		p.CreatedAt = p.CreatedAt.UTC()
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("delete preregistrations", err)
	}
	return out, nil
}
