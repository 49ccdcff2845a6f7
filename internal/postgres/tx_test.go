package postgres

// Store-level tests, ported from internal/sqlite's: the same records, the
// same expectations, on PostgreSQL.

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

var t0 = time.Date(2025, 3, 4, 5, 6, 7, 891_000_000, time.UTC)

// newRec returns an active account named username, with an email derived
// from it when username is not "".
func newRec(username string) *acct.UserRecord {
	rec := &acct.UserRecord{User: acct.User{
		Username:  username,
		FirstName: "First " + username,
		Status:    acct.StatusActive,
		CreatedAt: t0,
		UpdatedAt: t0,
	}}
	if username != "" {
		rec.Email = username + "@example.com"
	}
	return rec
}

func insert(t *testing.T, s *Store, recs ...*acct.UserRecord) {
	t.Helper()
	err := s.Update(context.Background(), func(tx acct.Tx) error {
		for _, r := range recs {
			if err := tx.InsertUser(context.Background(), r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("insert: %v", err)
	}
}

func get(t *testing.T, s *Store, key acct.UserKey) (*acct.UserRecord, error) {
	t.Helper()
	var rec *acct.UserRecord
	err := s.View(context.Background(), func(tx acct.Tx) error {
		var err error
		rec, err = tx.GetUser(context.Background(), key)
		return err
	})
	return rec, err
}

func TestUserCRUD(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	hold := t0.Add(30 * 24 * time.Hour)
	lockEnd := t0.Add(15 * time.Minute)
	rec := &acct.UserRecord{
		User: acct.User{
			Username: "alice", Email: "alice@example.com", EmailVerified: true,
			Phone: "+15551234567", PhoneVerified: false,
			FirstName: "Alice", LastName: "Liddell", Language: "en", Admin: true,
			Status: acct.StatusHeld, HoldUntil: &hold, CreatedAt: t0, UpdatedAt: t0,
			Foreign: "github:12345", HasPassword: true, FailedLogins: 7,
			LockedUntil: &lockEnd, LockReason: "too many failed logins",
		},
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
	}
	insert(t, s, rec)
	if rec.ID != 1 {
		t.Fatalf("ID = %d, want 1", rec.ID)
	}
	for _, key := range []acct.UserKey{
		{Field: acct.KeyID, ID: rec.ID},
		{Field: acct.KeyUsername, Value: "alice"},
		{Field: acct.KeyEmail, Value: "alice@example.com"},
		{Field: acct.KeyPhone, Value: "+15551234567"},
		{Field: acct.KeyForeign, Value: "github:12345"},
	} {
		got, err := get(t, s, key)
		if err != nil {
			t.Fatalf("GetUser(%v): %v", key, err)
		}
		if !reflect.DeepEqual(got, rec) {
			t.Errorf("GetUser(%v) =\n%+v\nwant\n%+v", key, got, rec)
		}
	}

	// Overwrite every field.
	deleted := t0.Add(time.Hour)
	upd := *rec
	upd.User = acct.User{ID: rec.ID, Status: acct.StatusDeleted, CreatedAt: t0, UpdatedAt: deleted}
	upd.PasswordHash = ""
	upd.DeletedAt = &deleted
	if err := s.Update(ctx, func(tx acct.Tx) error { return tx.UpdateUser(ctx, &upd) }); err != nil {
		t.Fatal(err)
	}
	got, err := get(t, s, acct.UserKey{Field: acct.KeyID, ID: rec.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, &upd) {
		t.Errorf("after update:\n%+v\nwant\n%+v", got, &upd)
	}
	for _, key := range []acct.UserKey{
		{Field: acct.KeyEmail, Value: "alice@example.com"},
		{Field: acct.KeyForeign, Value: "github:12345"},
	} {
		if _, err := get(t, s, key); !acct.IsCode(err, acct.CodeNotFound) {
			t.Errorf("old %s still found: %v", key.Field, err)
		}
	}

	// Missing accounts.
	for _, key := range []acct.UserKey{
		{Field: acct.KeyID, ID: 99},
		{Field: acct.KeyUsername, Value: "bob"},
		{Field: acct.KeyEmail, Value: ""},
		{Field: acct.KeyPhone, Value: "+15550000000"},
		{Field: acct.KeyForeign, Value: ""},
		{Field: acct.KeyForeign, Value: "github:99"},
	} {
		if _, err := get(t, s, key); !acct.IsCode(err, acct.CodeNotFound) {
			t.Errorf("GetUser(%v): %v, want not_found", key, err)
		}
	}
	missing := newRec("ghost")
	missing.ID = 99
	err = s.Update(ctx, func(tx acct.Tx) error { return tx.UpdateUser(ctx, missing) })
	if !acct.IsCode(err, acct.CodeNotFound) {
		t.Errorf("UpdateUser(missing): %v, want not_found", err)
	}
	if _, err := get(t, s, acct.UserKey{Field: "nickname", Value: "x"}); err == nil || acct.IsCode(err, acct.CodeNotFound) {
		t.Errorf("GetUser(unknown field): %v, want an internal error", err)
	}
}

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

func TestUniqueConflicts(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	alice := newRec("alice")
	alice.Phone = "+15551234567"
	alice.Foreign = "github:12345"
	insert(t, s, alice)

	for _, tc := range []struct {
		field string
		edit  func(*acct.UserRecord)
	}{
		{"username", func(r *acct.UserRecord) { r.Username = "alice" }},
		{"email", func(r *acct.UserRecord) { r.Email = "alice@example.com" }},
		{"phone", func(r *acct.UserRecord) { r.Phone = "+15551234567" }},
		{"foreign", func(r *acct.UserRecord) { r.Foreign = "github:12345" }},
	} {
		rec := newRec("bob")
		tc.edit(rec)
		err := s.Update(ctx, func(tx acct.Tx) error { return tx.InsertUser(ctx, rec) })
		checkConflict(t, "insert "+tc.field, err, tc.field)

		bob := newRec("bob")
		insert(t, s, bob)
		tc.edit(bob)
		err = s.Update(ctx, func(tx acct.Tx) error { return tx.UpdateUser(ctx, bob) })
		checkConflict(t, "update "+tc.field, err, tc.field)
		if _, err := s.pool.Exec(ctx, "DELETE FROM users WHERE username = 'bob'"); err != nil {
			t.Fatal(err)
		}
	}
}

func checkConflict(t *testing.T, what string, err error, field string) {
	t.Helper()
	var ae *acct.Error
	if !errors.As(err, &ae) {
		t.Fatalf("%s: %v (%T), want an *acct.Error", what, err, err)
	}
	want := field + " already in use"
	if ae.Code != acct.CodeConflict || ae.Field != field || ae.Message != want {
		t.Errorf("%s: code %q field %q message %q; want conflict %q %q", what, ae.Code, ae.Field, ae.Message, field, want)
	}
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

func TestListUsers(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	day := 24 * time.Hour
	held := func(name string, until time.Time) *acct.UserRecord {
		r := newRec(name)
		r.Status, r.HoldUntil = acct.StatusHeld, &until
		return r
	}
	recs := []*acct.UserRecord{
		newRec("alice"),              // 1
		newRec("bob"),                // 2
		held("carol", t0.Add(1*day)), // 3
		held("dave", t0.Add(2*day)),  // 4
		held("erin", t0.Add(3*day)),  // 5
		newRec("a_b"),                // 6
		newRec("axb"),                // 7
		{User: acct.User{FirstName: "100%", LastName: "Percent", Status: acct.StatusPending, CreatedAt: t0, UpdatedAt: t0}}, // 8
		{User: acct.User{FirstName: "1000", LastName: "ALICIA", Status: acct.StatusLocked, CreatedAt: t0, UpdatedAt: t0}},   // 9
		{User: acct.User{Phone: "+4915112345678", Status: acct.StatusDeleted, CreatedAt: t0, UpdatedAt: t0}},                // 10
	}
	frank := newRec("frank") // 11: has a hold date but is not held
	frank.HoldUntil = &t0
	recs = append(recs, frank)
	insert(t, s, recs...)

	for _, tc := range []struct {
		name string
		q    acct.UserFilter
		want []int64
	}{
		{"all", acct.UserFilter{}, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
		{"statuses", acct.UserFilter{Statuses: []acct.Status{acct.StatusPending, acct.StatusLocked}}, []int64{8, 9}},
		{"one status", acct.UserFilter{Statuses: []acct.Status{acct.StatusDeleted}}, []int64{10}},
		{"search ignores case", acct.UserFilter{Search: "ALI"}, []int64{1, 9}},
		{"search email", acct.UserFilter{Search: "@example.com"}, []int64{1, 2, 3, 4, 5, 6, 7, 11}},
		{"search phone", acct.UserFilter{Search: "+4915"}, []int64{10}},
		{"search last name", acct.UserFilter{Search: "percent"}, []int64{8}},
		{"percent is literal", acct.UserFilter{Search: "0%"}, []int64{8}},
		{"underscore is literal", acct.UserFilter{Search: "a_b"}, []int64{6}},
		{"backslash is literal", acct.UserFilter{Search: `\`}, nil},
		{"search and status", acct.UserFilter{Search: "ali", Statuses: []acct.Status{acct.StatusActive}}, []int64{1}},
		{"after id", acct.UserFilter{AfterID: 9}, []int64{10, 11}},
		{"limit", acct.UserFilter{Limit: 2}, []int64{1, 2}},
		{"hold before, inclusive", acct.UserFilter{HoldBefore: ptr(t0.Add(2 * day))}, []int64{3, 4}},
		{"hold before, none", acct.UserFilter{HoldBefore: ptr(t0)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.q.Limit == 0 {
				tc.q.Limit = 100
			}
			if got := ids(listUsers(t, s, tc.q)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}

	// Pagination visits every account once, in order.
	var all []int64
	q := acct.UserFilter{Limit: 3}
	for {
		page := listUsers(t, s, q)
		if len(page) == 0 {
			break
		}
		all = append(all, ids(page)...)
		q.AfterID = page[len(page)-1].ID
	}
	if want := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}; !reflect.DeepEqual(all, want) {
		t.Errorf("pages: %v, want %v", all, want)
	}

	err := s.View(ctx, func(tx acct.Tx) error {
		_, err := tx.ListUsers(ctx, acct.UserFilter{})
		return err
	})
	if err == nil {
		t.Error("ListUsers with Limit 0 succeeded")
	}
}

func ptr[T any](v T) *T { return &v }

func listUsers(t *testing.T, s *Store, q acct.UserFilter) []acct.UserRecord {
	t.Helper()
	var users []acct.UserRecord
	err := s.View(context.Background(), func(tx acct.Tx) error {
		var err error
		users, err = tx.ListUsers(context.Background(), q)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return users
}

func ids(users []acct.UserRecord) []int64 {
	var out []int64
	for _, u := range users {
		out = append(out, u.ID)
	}
	return out
}

func TestListEvents(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	alice, bob := newRec("alice"), newRec("bob")
	insert(t, s, alice, bob)
	events := []*acct.Event{
		{At: t0, Actor: "root", Action: "user.register", UserID: &alice.ID, Outcome: acct.OutcomeOK},                                               // 1
		{At: t0.Add(time.Minute), Actor: "root", Action: "user.register", UserID: &bob.ID, Outcome: acct.OutcomeOK},                                // 2
		{At: t0.Add(2 * time.Minute), Actor: "ops", Action: "user.update", UserID: &alice.ID, Outcome: acct.OutcomeFailure, Detail: "email taken"}, // 3
		{At: t0.Add(3 * time.Minute), Actor: "ops", Action: "userx.check", Outcome: acct.OutcomeOK},                                                // 4
		{At: t0.Add(4 * time.Minute), Actor: "cron", Action: "session.end", UserID: &bob.ID, Outcome: acct.OutcomeOK},                              // 5
	}
	err := s.Update(ctx, func(tx acct.Tx) error {
		for _, ev := range events {
			if err := tx.InsertEvent(ctx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, ev := range events {
		if ev.ID != int64(i+1) {
			t.Fatalf("event %d got ID %d", i, ev.ID)
		}
	}

	got := listEvents(t, s, acct.EventFilter{})
	if len(got) != 5 || !reflect.DeepEqual(got[2], *events[2]) {
		t.Errorf("all events: %+v", got)
	}
	if got[1].UserID != nil {
		t.Errorf("event without user read back with user %d", *got[1].UserID)
	}
	for _, tc := range []struct {
		name string
		q    acct.EventFilter
		want []int64
	}{
		{"newest first", acct.EventFilter{}, []int64{5, 4, 3, 2, 1}},
		{"user", acct.EventFilter{UserID: &alice.ID}, []int64{3, 1}},
		{"action exact", acct.EventFilter{Action: "user.register"}, []int64{2, 1}},
		{"action exact is not a prefix", acct.EventFilter{Action: "user."}, nil},
		{"action prefix", acct.EventFilter{Action: "user.", ActionPrefix: true}, []int64{3, 2, 1}},
		{"prefix wildcard is literal", acct.EventFilter{Action: "user_", ActionPrefix: true}, nil},
		{"since, inclusive", acct.EventFilter{Since: t0.Add(3 * time.Minute)}, []int64{5, 4}},
		{"limit", acct.EventFilter{Limit: 2}, []int64{5, 4}},
		{"combined", acct.EventFilter{UserID: &bob.ID, Action: "user.", ActionPrefix: true, Since: t0.Add(time.Minute), Limit: 10}, []int64{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var gotIDs []int64
			for _, ev := range listEvents(t, s, tc.q) {
				gotIDs = append(gotIDs, ev.ID)
			}
			if !reflect.DeepEqual(gotIDs, tc.want) {
				t.Errorf("got %v, want %v", gotIDs, tc.want)
			}
		})
	}

	// An event must name an account that exists.
	ghost := int64(99)
	err = s.Update(ctx, func(tx acct.Tx) error {
		return tx.InsertEvent(ctx, &acct.Event{At: t0, Actor: "root", Action: "x", UserID: &ghost, Outcome: acct.OutcomeOK})
	})
	if err == nil {
		t.Error("event for a missing user stored: foreign keys are off")
	}
}

func listEvents(t *testing.T, s *Store, q acct.EventFilter) []acct.Event {
	t.Helper()
	var events []acct.Event
	err := s.View(context.Background(), func(tx acct.Tx) error {
		var err error
		events, err = tx.ListEvents(context.Background(), q)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return events
}

func TestRollback(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx acct.Tx) error {
		rec := newRec("alice")
		if err := tx.InsertUser(ctx, rec); err != nil {
			return err
		}
		if err := tx.InsertEvent(ctx, &acct.Event{At: t0, Actor: "root", Action: "user.register", UserID: &rec.ID, Outcome: acct.OutcomeOK}); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Fatalf("Update returned %v, want fn's error unchanged", err)
	}
	if n := countUsers(t, s); n != 0 {
		t.Errorf("%d users after rollback", n)
	}
	if ev := listEvents(t, s, acct.EventFilter{}); len(ev) != 0 {
		t.Errorf("%d events after rollback", len(ev))
	}

	// A panic in fn rolls back too, and frees the write connection.
	func() {
		defer func() { _ = recover() }()
		_ = s.Update(ctx, func(tx acct.Tx) error {
			_ = tx.InsertUser(ctx, newRec("bob"))
			panic("oops")
		})
	}()
	insert(t, s, newRec("carol"))
	if n := countUsers(t, s); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
}

func TestViewIsReadOnly(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	err := s.View(ctx, func(tx acct.Tx) error { return tx.InsertUser(ctx, newRec("alice")) })
	if err == nil {
		t.Fatal("InsertUser in View succeeded")
	}
	if n := countUsers(t, s); n != 0 {
		t.Errorf("%d users written through View", n)
	}
}

func TestCanceledContext(t *testing.T) {
	s := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, run := range map[string]func(context.Context, func(acct.Tx) error) error{"Update": s.Update, "View": s.View} {
		err := run(ctx, func(tx acct.Tx) error {
			_, err := tx.GetUser(ctx, acct.UserKey{Field: acct.KeyID, ID: 1})
			return err
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: %v, want context.Canceled", name, err)
		}
	}
}
