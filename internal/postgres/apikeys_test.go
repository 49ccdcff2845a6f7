package postgres

import (
	"context"
	"slices"
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

// TestAPIKeyColumns checks that the timestamptz columns of api_keys are
// exactly those named as acct.IsTimeColumn expects: store copy converts
// times by that name.
func TestAPIKeyColumns(t *testing.T) {
	s := openTest(t)
	rows, err := s.pool.Query(context.Background(), `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'api_keys' ORDER BY ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, name)
		if acct.IsTimeColumn(name) != (typ == "timestamp with time zone") {
			t.Errorf("column %s is %s", name, typ)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"id", "name", "role", "token_hash", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"}
	if !slices.Equal(cols, want) {
		t.Errorf("columns %v\nwant %v", cols, want)
	}
}
