package postgres

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/pgtest"
	"github.com/acctl/acctl/internal/sqlstore"
)

// codeColumns is the column list of the shared code queries
// (internal/sqlstore/codes.go).
const codeColumns = sqlstore.CodeColumns

// outstandingCode is sqlstore.OutstandingCode with its moment given by the
// placeholder at.
func outstandingCode(at string) string {
	return strings.Replace(sqlstore.OutstandingCode, "?", at, 1)
}

// TestCodeStorage checks that a code's empty text is stored as ”, never
// NULL (the round trip is in the storetest contract).
func TestCodeStorage(t *testing.T) {
	s := openTest(t)
	alice := newRec("alice")
	insert(t, s, alice)
	used := newCode(alice.ID, "cod_used")
	used.UsedAt, used.Attempts, used.IssuedBy = new(t0.Add(time.Minute)), 3, ""
	insertCodes(t, s, used)

	// Empty text as '', never NULL.
	var empty bool
	if err := s.pool.QueryRow(context.Background(), `SELECT destination = '' AND issued_by = '' AND reason = ''
		AND purpose = '' FROM codes WHERE public_id = 'cod_used'`).Scan(&empty); err != nil || !empty {
		t.Errorf("empty text stored as NULL: %v, %v", empty, err)
	}
}

// TestCodeQueriesUseIndexes checks that the passcode queries can use their
// indexes: with sequential scans off, as on a big table, the plan names
// the index and needs no sort (but for the send limit's handful of rows).
func TestCodeQueriesUseIndexes(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for _, tc := range []struct {
		query, want string
		args        []any
		sorts       bool
	}{
		{"SELECT " + codeColumns + " FROM codes WHERE user_id = $1 AND kind = $2 AND purpose = $3 ORDER BY seq DESC LIMIT 1",
			"codes_user_purpose", []any{1, "otp", "recovery"}, false},
		{"SELECT " + codeColumns + " FROM codes WHERE user_id = $1 AND kind = $2 AND purpose = $3 AND destination = $4 ORDER BY seq DESC LIMIT 1",
			"codes_user_purpose", []any{1, "otp", "recovery", "+15550100"}, false},
		{"UPDATE codes SET voided_at = $1 WHERE user_id = $2 AND " + outstandingCode("$1") + " AND kind = $3 AND purpose = $4",
			"codes_user_purpose", []any{t0, 1, "otp", "recovery"}, false},
		{"SELECT " + codeColumns + " FROM codes WHERE kind = $1 AND destination = $2 AND created_at >= $3 ORDER BY seq DESC",
			"codes_destination", []any{"otp", "+15550100", t0}, true},
	} {
		var plan []string
		tx, err := s.pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
		rows, err := tx.Query(ctx, "EXPLAIN "+tc.query, tc.args...)
		if err == nil {
			plan, err = pgx.CollectRows(rows, pgx.RowTo[string])
		}
		tx.Rollback(ctx)
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		text := strings.Join(plan, "\n")
		if !strings.Contains(text, tc.want) || (!tc.sorts && strings.Contains(text, "Sort")) {
			t.Errorf("%s:\n%s", tc.query, text)
		}
	}
}

// TestMigrateFrom0003 builds a schema with the first three migrations and
// a reset code, and checks that the code reads back with no purpose and
// that passcodes work after the upgrade.
func TestMigrateFrom0003(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)",
		ms[0].SQL, ms[1].SQL, ms[2].SQL,
		"INSERT INTO schema_migrations VALUES (1, now()), (2, now()), (3, now())",
		`INSERT INTO users (username, status, created_at, updated_at) VALUES ('alice', 'active', now(), now())`,
		`INSERT INTO codes (public_id, user_id, kind, mac, channel, created_at, expires_at)
			VALUES ('cod_old', 1, 'reset', sha256('x'), 'none', now(), now())`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := conn.Close(ctx); err != nil {
		t.Fatal(err)
	}

	s := openURL(t, u)
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(ms) {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, len(ms))
	}
	if c, err := getCode(s, acct.CodeKey{ID: "cod_old"}); err != nil || c.Purpose != "" || c.Kind != acct.CodeKindReset {
		t.Errorf("old code after the upgrade: %+v, %v", c, err)
	}
	otp := newOTP(1, "cod_otp", acct.PurposeSignup, "+15550100", t0)
	insertCodes(t, s, otp)
	got := listCodes(t, s, acct.CodeFilter{UserID: 1, Purpose: acct.PurposeSignup})
	if len(got) != 1 || !reflect.DeepEqual(&got[0], otp) {
		t.Errorf("passcode on upgraded schema: %+v", got)
	}
}
