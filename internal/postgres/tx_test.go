package postgres

// Store-level tests, ported from internal/sqlite's: the same records, the
// same expectations, on PostgreSQL.

import (
	"context"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

var t0 = time.Date(2025, 3, 4, 5, 6, 7, 891_000_000, time.UTC)

func TestEmptyKeysAreNull(t *testing.T) {
	s := openTest(t)
	a, b := newRec(""), newRec("")
	insert(t, s, a, b) // neither has a username, email or phone
	if a.ID == b.ID {
		t.Fatal("same id")
	}
	var nulls int
	if err := s.pool.QueryRow(context.Background(), `SELECT count(*) FROM users
		WHERE username IS NULL AND email IS NULL AND phone IS NULL AND password_hash IS NULL
		AND foreign_id IS NULL`).Scan(&nulls); err != nil {
		t.Fatal(err)
	}
	if nulls != 2 {
		t.Errorf("%d rows with NULL keys, want 2", nulls)
	}
	got, err := get(t, s, acct.UserKey{Field: acct.KeyID, ID: b.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got.Username != "" || got.Email != "" || got.Phone != "" || got.PasswordHash != "" ||
		got.Foreign != "" || got.HasPassword {
		t.Errorf("NULLs read back as %+v", got)
	}
	// Clearing an email by update frees it for another account.
	c := newRec("carol")
	insert(t, s, c)
	c.Email = ""
	ctx := context.Background()
	if err := s.Update(ctx, func(tx acct.Tx) error { return tx.UpdateUser(ctx, c) }); err != nil {
		t.Fatal(err)
	}
	d := newRec("dave")
	d.Email = "carol@example.com"
	insert(t, s, d)
}

func TestTimesRoundTrip(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	paris := time.FixedZone("CET", 3600)
	in := time.Date(2031, 12, 31, 23, 59, 59, 123_456_789, paris) // sub-millisecond digits, not UTC
	want := time.UnixMilli(in.UnixMilli()).UTC()

	rec := newRec("alice")
	rec.CreatedAt, rec.UpdatedAt, rec.HoldUntil, rec.DeletedAt, rec.LockedUntil = in, in, &in, &in, &in
	insert(t, s, rec)
	ev := &acct.Event{At: in, Actor: "root", Action: acct.ActionUserRegister, UserID: &rec.ID, Outcome: acct.OutcomeOK}
	if err := s.Update(ctx, func(tx acct.Tx) error { return tx.InsertEvent(ctx, ev) }); err != nil {
		t.Fatal(err)
	}

	got, err := get(t, s, acct.UserKey{Field: acct.KeyID, ID: rec.ID})
	if err != nil {
		t.Fatal(err)
	}
	events := listEvents(t, s, acct.EventFilter{})
	for name, tm := range map[string]time.Time{
		"created_at": got.CreatedAt, "updated_at": got.UpdatedAt,
		"hold_until": *got.HoldUntil, "deleted_at": *got.DeletedAt, "locked_until": *got.LockedUntil,
		"event at": events[0].At,
	} {
		if tm != want || tm.Location() != time.UTC {
			t.Errorf("%s = %v, want %v (UTC, millisecond precision)", name, tm, want)
		}
	}
	// Stored as timestamptz in whole milliseconds.
	var types []string
	rows, err := s.pool.Query(ctx, `SELECT data_type FROM information_schema.columns
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
	if err := s.pool.QueryRow(ctx, "SELECT created_at = date_trunc('milliseconds', created_at) FROM users").Scan(&whole); err != nil || !whole {
		t.Errorf("created_at in whole milliseconds: %v, %v", whole, err)
	}
}
