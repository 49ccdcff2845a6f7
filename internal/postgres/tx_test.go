package postgres

import (
	"database/sql"
	"testing"
	"time"
)

var t0 = time.Date(2025, 3, 4, 5, 6, 7, 891_000_000, time.UTC)

// timesStored checks that the times of an account are stored as
// timestamptz in whole milliseconds (sqlstoretest.TimesRoundTrip).
func timesStored(t *testing.T, db *sql.DB) {
	var types []string
	rows, err := db.Query(`SELECT data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'users'
		AND column_name IN ('created_at', 'updated_at', 'hold_until', 'deleted_at', 'locked_until')`)
	if err == nil {
		for rows.Next() {
			var dt string
			if err = rows.Scan(&dt); err != nil {
				break
			}
			types = append(types, dt)
		}
		rows.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(types) != 5 || types[0] != "timestamp with time zone" || types[1] != types[0] || types[2] != types[0] ||
		types[3] != types[0] || types[4] != types[0] {
		t.Errorf("times stored as %v", types)
	}
	var whole bool
	if err := db.QueryRow("SELECT created_at = date_trunc('milliseconds', created_at) FROM users").Scan(&whole); err != nil || !whole {
		t.Errorf("created_at in whole milliseconds: %v, %v", whole, err)
	}
}
