package cmdutil

import "testing"

// TestAutoMigrate: auto_migrate takes auto, true or false (in any case),
// and auto is on for SQLite and off for PostgreSQL.
func TestAutoMigrate(t *testing.T) {
	for _, tc := range []struct {
		in, want       string
		sqlite, postgr bool
	}{
		{"", "auto", true, false},
		{" Auto ", "auto", true, false},
		{"true", "true", true, true},
		{"FALSE", "false", false, false},
		{"1", "true", true, true},
	} {
		got, err := parseAutoMigrate(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseAutoMigrate(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			continue
		}
		if AutoMigrates(got, "sqlite") != tc.sqlite || AutoMigrates(got, "postgres") != tc.postgr {
			t.Errorf("%q: AutoMigrates sqlite %v, postgres %v; want %v, %v", tc.in,
				AutoMigrates(got, "sqlite"), AutoMigrates(got, "postgres"), tc.sqlite, tc.postgr)
		}
	}
	if _, err := parseAutoMigrate("sometimes"); err == nil || err.Error() != `auto_migrate: want auto, true or false, got "sometimes"` {
		t.Errorf("parseAutoMigrate(sometimes): %v", err)
	}
}
