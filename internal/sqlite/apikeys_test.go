package sqlite

import (
	"slices"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

// TestAPIKeyColumns checks the schema of api_keys: times in INTEGER
// columns named as acct.IsTimeColumn expects (store copy converts them by
// that name), and look-ups by name and by token hash on unique indexes.
func TestAPIKeyColumns(t *testing.T) {
	s := openTest(t)
	rows, err := s.w.Query("SELECT name, type FROM pragma_table_info('api_keys') ORDER BY cid")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var cols, times []string
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, name+" "+typ)
		if acct.IsTimeColumn(name) {
			times = append(times, name)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"id INTEGER", "name TEXT", "role TEXT", "token_hash BLOB", "prefix TEXT", "created_at INTEGER",
		"created_by TEXT", "last_used_at INTEGER", "revoked_at INTEGER"}
	if !slices.Equal(cols, want) {
		t.Errorf("columns %v\nwant %v", cols, want)
	}
	if !slices.Equal(times, []string{"created_at", "last_used_at", "revoked_at"}) {
		t.Errorf("time columns %v", times)
	}
	for _, where := range []string{"name = ?", "token_hash = ?"} {
		plan := queryPlan(t, s.w, "SELECT * FROM api_keys WHERE "+where, "x") // every column, as GetAPIKey reads
		if !strings.Contains(plan, "USING INDEX sqlite_autoindex_api_keys_") {
			t.Errorf("%s:\n%s", where, plan)
		}
	}
}
