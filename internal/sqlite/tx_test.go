package sqlite

import (
	"database/sql"
	"testing"
	"time"
)

var t0 = time.Date(2025, 3, 4, 5, 6, 7, 891_000_000, time.UTC)

// timesStored checks that the times of an account are stored as INTEGER
// Unix milliseconds (sqlstoretest.TimesRoundTrip).
func timesStored(t *testing.T, db *sql.DB) {
	var types string
	if err := db.QueryRow(`SELECT typeof(created_at) || typeof(updated_at) || typeof(hold_until) ||
		typeof(deleted_at) || typeof(locked_until) FROM users`).Scan(&types); err != nil {
		t.Fatal(err)
	}
	if types != "integerintegerintegerintegerinteger" {
		t.Errorf("times stored as %s", types)
	}
}
