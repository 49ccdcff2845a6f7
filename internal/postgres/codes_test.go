package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/acctl/acctl/internal/acct/storetest"
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
	alice := storetest.NewRec("alice")
	storetest.Insert(t, s, alice)
	used := storetest.NewCode(alice.ID, "cod_used")
	used.UsedAt, used.Attempts, used.IssuedBy = new(t0.Add(time.Minute)), 3, ""
	storetest.InsertCodes(t, s, used)

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
