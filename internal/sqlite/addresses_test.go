package sqlite

import (
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/sqlstore"
)

func TestAddressQueriesUseIndexes(t *testing.T) {
	s := openTest(t)
	for _, tc := range []struct {
		query, want string
		args        []any
	}{
		{"SELECT " + sqlstore.AddressColumns + " FROM addresses WHERE kind = ? AND value = ?", "sqlite_autoindex_addresses_1", []any{"email", "x"}},
		{"SELECT " + sqlstore.AddressColumns + " FROM addresses WHERE user_id = ? ORDER BY kind, is_primary DESC, seq", "addresses_user_kind", []any{1}},
		{"DELETE FROM addresses WHERE user_id = ?", "addresses_user_kind", []any{1}},
	} {
		plan := queryPlan(t, s.w, tc.query, tc.args...)
		if !strings.Contains(plan, tc.want) {
			t.Errorf("%s:\n%s", tc.query, plan)
		}
	}
}
