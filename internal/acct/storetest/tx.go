package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

func testUserCRUD(t *testing.T, s acct.Store) {
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
		HeldFrom:     acct.StatusLocked,
	}
	Insert(t, s, rec)
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
		got, err := Get(t, s, key)
		if err != nil {
			t.Fatalf("GetUser(%v): %v", key, err)
		}
		if !reflect.DeepEqual(got, rec) {
			t.Errorf("GetUser(%v) =\n%+v\nwant\n%+v", key, got, rec)
		}
	}

	// HeldFrom alone changes.
	pend := *rec
	pend.HeldFrom = acct.StatusPending
	if err := s.Update(ctx, func(tx acct.Tx) error { return tx.UpdateUser(ctx, &pend) }); err != nil {
		t.Fatal(err)
	}
	if got, err := Get(t, s, acct.UserKey{Field: acct.KeyID, ID: rec.ID}); err != nil || !reflect.DeepEqual(got, &pend) {
		t.Errorf("after HeldFrom changed:\n%+v, %v\nwant\n%+v", got, err, &pend)
	}

	// Overwrite every field.
	deleted := t0.Add(time.Hour)
	upd := *rec
	upd.User = acct.User{ID: rec.ID, Status: acct.StatusDeleted, CreatedAt: t0, UpdatedAt: deleted}
	upd.PasswordHash = ""
	upd.DeletedAt = &deleted
	upd.HeldFrom = ""
	if err := s.Update(ctx, func(tx acct.Tx) error { return tx.UpdateUser(ctx, &upd) }); err != nil {
		t.Fatal(err)
	}
	got, err := Get(t, s, acct.UserKey{Field: acct.KeyID, ID: rec.ID})
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
		if _, err := Get(t, s, key); !acct.IsCode(err, acct.CodeNotFound) {
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
		if _, err := Get(t, s, key); !acct.IsCode(err, acct.CodeNotFound) {
			t.Errorf("GetUser(%v): %v, want not_found", key, err)
		}
	}
	missing := NewRec("ghost")
	missing.ID = 99
	err = s.Update(ctx, func(tx acct.Tx) error { return tx.UpdateUser(ctx, missing) })
	if !acct.IsCode(err, acct.CodeNotFound) {
		t.Errorf("UpdateUser(missing): %v, want not_found", err)
	}
	if _, err := Get(t, s, acct.UserKey{Field: "nickname", Value: "x"}); err == nil || acct.IsCode(err, acct.CodeNotFound) {
		t.Errorf("GetUser(unknown field): %v, want an internal error", err)
	}
}

func testListUsers(t *testing.T, s acct.Store) {
	ctx := context.Background()
	day := 24 * time.Hour
	held := func(name string, until time.Time) *acct.UserRecord {
		r := NewRec(name)
		r.Status, r.HoldUntil = acct.StatusHeld, &until
		return r
	}
	recs := []*acct.UserRecord{
		NewRec("alice"),              // 1
		NewRec("bob"),                // 2
		held("carol", t0.Add(1*day)), // 3
		held("dave", t0.Add(2*day)),  // 4
		held("erin", t0.Add(3*day)),  // 5
		NewRec("a_b"),                // 6
		NewRec("axb"),                // 7
		{User: acct.User{FirstName: "100%", LastName: "Percent", Status: acct.StatusPending, CreatedAt: t0, UpdatedAt: t0}}, // 8
		{User: acct.User{FirstName: "1000", LastName: "ALICIA", Status: acct.StatusLocked, CreatedAt: t0, UpdatedAt: t0}},   // 9
		{User: acct.User{Phone: "+4915112345678", Status: acct.StatusDeleted, CreatedAt: t0, UpdatedAt: t0}},                // 10
	}
	frank := NewRec("frank") // 11: has a hold date but is not held
	frank.HoldUntil = &t0
	recs = append(recs, frank)
	Insert(t, s, recs...)

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
		{"prefix", acct.UserFilter{Search: "A", SearchPrefix: true}, []int64{1, 6, 7}},
		{"prefix of an email", acct.UserFilter{Search: "bob@", SearchPrefix: true}, []int64{2}},
		{"prefix of a phone", acct.UserFilter{Search: "+49151", SearchPrefix: true}, []int64{10}},
		{"prefix is not a substring", acct.UserFilter{Search: "lice", SearchPrefix: true}, nil},
		{"prefix searches no name", acct.UserFilter{Search: "percent", SearchPrefix: true}, nil},
		{"prefix, percent literal", acct.UserFilter{Search: "%", SearchPrefix: true}, nil},
		{"search and status", acct.UserFilter{Search: "ali", Statuses: []acct.Status{acct.StatusActive}}, []int64{1}},
		{"after id", acct.UserFilter{AfterID: 9}, []int64{10, 11}},
		{"limit", acct.UserFilter{Limit: 2}, []int64{1, 2}},
		{"hold before, inclusive", acct.UserFilter{HoldBefore: new(t0.Add(2 * day))}, []int64{3, 4}},
		{"hold before, none", acct.UserFilter{HoldBefore: new(t0)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.q.Limit == 0 {
				tc.q.Limit = 100
			}
			if got := IDs(ListUsers(t, s, tc.q)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}

	// Pagination visits every account once, in order.
	var all []int64
	q := acct.UserFilter{Limit: 3}
	for {
		page := ListUsers(t, s, q)
		if len(page) == 0 {
			break
		}
		all = append(all, IDs(page)...)
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

func testListEvents(t *testing.T, s acct.Store) {
	ctx := context.Background()
	alice, bob := NewRec("alice"), NewRec("bob")
	Insert(t, s, alice, bob)
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

	got := ListEvents(t, s, acct.EventFilter{})
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
			for _, ev := range ListEvents(t, s, tc.q) {
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

// ListEvents lists the audit events q selects, failing t on an error.
func ListEvents(t *testing.T, s acct.Store, q acct.EventFilter) []acct.Event {
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

func testRollback(t *testing.T, s acct.Store) {
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx acct.Tx) error {
		rec := NewRec("alice")
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
	if ev := ListEvents(t, s, acct.EventFilter{}); len(ev) != 0 {
		t.Errorf("%d events after rollback", len(ev))
	}

	// A panic in fn rolls back too, and frees the write connection.
	func() {
		defer func() { _ = recover() }()
		_ = s.Update(ctx, func(tx acct.Tx) error {
			_ = tx.InsertUser(ctx, NewRec("bob"))
			panic("oops")
		})
	}()
	Insert(t, s, NewRec("carol"))
	if n := countUsers(t, s); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
}

func testViewIsReadOnly(t *testing.T, s acct.Store) {
	ctx := context.Background()
	err := s.View(ctx, func(tx acct.Tx) error { return tx.InsertUser(ctx, NewRec("alice")) })
	if err == nil {
		t.Fatal("InsertUser in View succeeded")
	}
	if n := countUsers(t, s); n != 0 {
		t.Errorf("%d users written through View", n)
	}
}

func testCanceledContext(t *testing.T, s acct.Store) {
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

// countUsers counts every stored account, tombstones included (ListUsers
// with no status lists them all).
func countUsers(t *testing.T, s acct.Store) int {
	t.Helper()
	ctx := context.Background()
	var n int
	err := s.View(ctx, func(tx acct.Tx) error {
		recs, err := tx.ListUsers(ctx, acct.UserFilter{Limit: 1 << 20})
		n = len(recs)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// testUniqueConflicts: an insert or an update that takes another account's
// username, email, phone or foreign identity is a conflict that names the
// field.
func testUniqueConflicts(t *testing.T, s acct.Store) {
	ctx := context.Background()
	alice := NewRec("alice")
	alice.Phone = "+15551234567"
	alice.Foreign = "github:12345"
	Insert(t, s, alice)

	for i, tc := range []struct {
		field string
		edit  func(*acct.UserRecord)
	}{
		{"username", func(r *acct.UserRecord) { r.Username = "alice" }},
		{"email", func(r *acct.UserRecord) { r.Email = "alice@example.com" }},
		{"phone", func(r *acct.UserRecord) { r.Phone = "+15551234567" }},
		{"foreign", func(r *acct.UserRecord) { r.Foreign = "github:12345" }},
	} {
		rec := NewRec(fmt.Sprintf("bob%d", i))
		tc.edit(rec)
		err := s.Update(ctx, func(tx acct.Tx) error { return tx.InsertUser(ctx, rec) })
		CheckConflict(t, "insert "+tc.field, err, tc.field)

		bob := NewRec(fmt.Sprintf("bob%d", i))
		Insert(t, s, bob)
		tc.edit(bob)
		err = s.Update(ctx, func(tx acct.Tx) error { return tx.UpdateUser(ctx, bob) })
		CheckConflict(t, "update "+tc.field, err, tc.field)
	}
}
