package storetest

import (
	"context"
	"crypto/sha256"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// NewSession returns a live session of userID created at t0, with the
// public id id and a token hash derived from it.
func NewSession(userID int64, id string) *acct.SessionRecord {
	h := sha256.Sum256([]byte("token-" + id))
	return &acct.SessionRecord{
		Session: acct.Session{
			ID:                id,
			UserID:            userID,
			CreatedAt:         t0,
			LastSeenAt:        t0,
			ExpiresAt:         t0.Add(time.Hour),
			AbsoluteExpiresAt: t0.Add(24 * time.Hour),
			Label:             "laptop",
		},
		TokenHash: h[:],
	}
}

// InsertSessions inserts recs in one transaction, failing t on an error.
func InsertSessions(t *testing.T, s acct.Store, recs ...*acct.SessionRecord) {
	t.Helper()
	ctx := context.Background()
	err := s.Update(ctx, func(tx acct.Tx) error {
		for _, r := range recs {
			if err := tx.InsertSession(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("insert sessions: %v", err)
	}
}

// GetSession reads the session named by key in a read transaction.
func GetSession(s acct.Store, key acct.SessionKey) (*acct.SessionRecord, error) {
	ctx := context.Background()
	var rec *acct.SessionRecord
	err := s.View(ctx, func(tx acct.Tx) error {
		var err error
		rec, err = tx.GetSession(ctx, key)
		return err
	})
	return rec, err
}

func listSessions(t *testing.T, s acct.Store, q acct.SessionFilter) []acct.SessionRecord {
	t.Helper()
	ctx := context.Background()
	var recs []acct.SessionRecord
	err := s.View(ctx, func(tx acct.Tx) error {
		var err error
		recs, err = tx.ListSessions(ctx, q)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func sessionIDs(recs []acct.SessionRecord) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.ID)
	}
	return out
}

func testSessionInsertGet(t *testing.T, s acct.Store) {
	alice := NewRec("alice")
	Insert(t, s, alice)

	rec := NewSession(alice.ID, "ses_one")
	rec.Persistent = true
	InsertSessions(t, s, rec)
	if rec.Seq != 1 {
		t.Fatalf("Seq = %d, want 1", rec.Seq)
	}
	want := *rec
	want.Username, want.Email = "alice", "alice@example.com"
	for _, key := range []acct.SessionKey{
		{ID: "ses_one"},
		{TokenHash: rec.TokenHash},
		{ID: "ses_one", TokenHash: rec.TokenHash},
	} {
		got, err := GetSession(s, key)
		if err != nil {
			t.Fatalf("GetSession(%+v): %v", key, err)
		}
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("GetSession(%+v) =\n%+v\nwant\n%+v", key, got, &want)
		}
	}

	other := sha256.Sum256([]byte("other"))
	for _, key := range []acct.SessionKey{
		{},
		{ID: "ses_two"},
		{TokenHash: other[:]},
		{ID: "ses_one", TokenHash: other[:]}, // both must match
	} {
		if _, err := GetSession(s, key); !acct.IsCode(err, acct.CodeNotFound) {
			t.Errorf("GetSession(%+v): %v, want not_found", key, err)
		}
	}

	// An ended session reads back with its end; a user without username or
	// email gives empty strings.
	bob := NewRec("")
	Insert(t, s, bob)
	ended := NewSession(bob.ID, "ses_ended")
	end := t0.Add(time.Minute)
	ended.EndedAt = &end
	InsertSessions(t, s, ended)
	got, err := GetSession(s, acct.SessionKey{ID: "ses_ended"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, ended) {
		t.Errorf("ended session =\n%+v\nwant\n%+v", got, ended)
	}
}

func testSessionInsertRefused(t *testing.T, s acct.Store) {
	ctx := context.Background()
	alice := NewRec("alice")
	Insert(t, s, alice)
	InsertSessions(t, s, NewSession(alice.ID, "ses_one"))

	dupID := NewSession(alice.ID, "ses_one")
	dupID.TokenHash = NewSession(alice.ID, "x").TokenHash
	err := s.Update(ctx, func(tx acct.Tx) error { return tx.InsertSession(ctx, dupID) })
	if !acct.IsCode(err, acct.CodeConflict) || acct.ErrorField(err) != "public_id" {
		t.Errorf("same public id: %v, want a conflict on public_id", err)
	}
	dupToken := NewSession(alice.ID, "ses_two")
	dupToken.TokenHash = NewSession(alice.ID, "ses_one").TokenHash
	err = s.Update(ctx, func(tx acct.Tx) error { return tx.InsertSession(ctx, dupToken) })
	if !acct.IsCode(err, acct.CodeConflict) || acct.ErrorField(err) != "token_hash" {
		t.Errorf("same token: %v, want a conflict on token_hash", err)
	}

	for name, edit := range map[string]func(*acct.SessionRecord){
		"missing user":  func(r *acct.SessionRecord) { r.UserID = 99 },
		"raw token":     func(r *acct.SessionRecord) { r.TokenHash = []byte("acs_rawtoken") },
		"no token hash": func(r *acct.SessionRecord) { r.TokenHash = nil },
		"no public id":  func(r *acct.SessionRecord) { r.ID = "" },
	} {
		rec := NewSession(alice.ID, "ses_"+strings.ReplaceAll(name, " ", "_"))
		edit(rec)
		if err := s.Update(ctx, func(tx acct.Tx) error { return tx.InsertSession(ctx, rec) }); err == nil {
			t.Errorf("%s: stored", name)
		}
	}
}

func testListSessions(t *testing.T, s acct.Store) {
	alice, bob := NewRec("alice"), NewRec("bob")
	Insert(t, s, alice, bob)
	now := t0.Add(30 * time.Minute)
	at := func(userID int64, id string, expires time.Duration, ended bool) *acct.SessionRecord {
		r := NewSession(userID, id)
		r.ExpiresAt = now.Add(expires)
		if ended {
			e := now.Add(-time.Minute)
			r.EndedAt = &e
		}
		return r
	}
	InsertSessions(t, s,
		at(alice.ID, "a1", time.Minute, false),      // 1 active
		at(alice.ID, "a2", 0, false),                // 2 expired: the deadline is now
		at(bob.ID, "b1", time.Minute, false),        // 3 active
		at(alice.ID, "a3", time.Minute, true),       // 4 ended before its deadline
		at(bob.ID, "b2", -time.Minute, true),        // 5 ended and past its deadline
		at(alice.ID, "a4", -time.Second, false),     // 6 expired
		at(alice.ID, "a5", time.Millisecond, false), // 7 active
	)
	for _, tc := range []struct {
		name string
		q    acct.SessionFilter
		want []string
	}{
		{"all", acct.SessionFilter{Status: acct.SessionAll}, []string{"a5", "a4", "b2", "a3", "b1", "a2", "a1"}},
		{"active", acct.SessionFilter{Status: acct.SessionActive}, []string{"a5", "b1", "a1"}},
		{"expired", acct.SessionFilter{Status: acct.SessionExpired}, []string{"a4", "a2"}},
		{"ended", acct.SessionFilter{Status: acct.SessionEnded}, []string{"b2", "a3"}},
		{"user all", acct.SessionFilter{UserID: &bob.ID, Status: acct.SessionAll}, []string{"b2", "b1"}},
		{"user active", acct.SessionFilter{UserID: &alice.ID, Status: acct.SessionActive}, []string{"a5", "a1"}},
		{"user expired", acct.SessionFilter{UserID: &bob.ID, Status: acct.SessionExpired}, nil},
		{"limit", acct.SessionFilter{Status: acct.SessionAll, Limit: 2}, []string{"a5", "a4"}},
		{"user limit", acct.SessionFilter{UserID: &alice.ID, Status: acct.SessionAll, Limit: 3}, []string{"a5", "a4", "a3"}},
		{"missing user", acct.SessionFilter{UserID: new(int64(99)), Status: acct.SessionAll}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.Now = now
			if tc.q.Limit == 0 {
				tc.q.Limit = 100
			}
			got := listSessions(t, s, tc.q)
			if ids := sessionIDs(got); !reflect.DeepEqual(ids, tc.want) {
				t.Errorf("got %v, want %v", ids, tc.want)
			}
			if got == nil {
				t.Error("nil slice, want empty")
			}
		})
	}

	// Records carry their users' names, their ends and no status.
	got := listSessions(t, s, acct.SessionFilter{Status: acct.SessionAll, Now: now, Limit: 100})
	for _, r := range got {
		user := map[int64]string{alice.ID: "alice", bob.ID: "bob"}[r.UserID]
		if r.Username != user || r.Email != user+"@example.com" || r.Status != "" || r.Token != "" ||
			(r.EndedAt != nil) != (r.ID == "a3" || r.ID == "b2") || len(r.TokenHash) != 32 || r.Seq == 0 {
			t.Errorf("record %+v", r)
		}
	}

	ctx := context.Background()
	for name, q := range map[string]acct.SessionFilter{
		"no limit":       {Status: acct.SessionAll},
		"unknown status": {Status: "gone", Limit: 10},
		"empty status":   {Limit: 10},
	} {
		err := s.View(ctx, func(tx acct.Tx) error {
			_, err := tx.ListSessions(ctx, q)
			return err
		})
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func testTouchSession(t *testing.T, s acct.Store) {
	ctx := context.Background()
	alice := NewRec("alice")
	Insert(t, s, alice)
	live, ended := NewSession(alice.ID, "live"), NewSession(alice.ID, "ended")
	ended.EndedAt = &t0
	InsertSessions(t, s, live, ended)

	touch := func(seq int64, seen, exp time.Time) bool {
		t.Helper()
		var changed bool
		err := s.Update(ctx, func(tx acct.Tx) error {
			var err error
			changed, err = tx.TouchSession(ctx, seq, seen, exp)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return changed
	}
	seen, exp := t0.Add(10*time.Minute), t0.Add(70*time.Minute)
	if !touch(live.Seq, seen, exp) {
		t.Error("live session not touched")
	}
	got, err := GetSession(s, acct.SessionKey{ID: "live"})
	if err != nil {
		t.Fatal(err)
	}
	if got.LastSeenAt != seen || got.ExpiresAt != exp || got.CreatedAt != t0 || got.AbsoluteExpiresAt != live.AbsoluteExpiresAt {
		t.Errorf("after touch: %+v", got)
	}
	if touch(ended.Seq, seen, exp) {
		t.Error("ended session touched")
	}
	if got, _ := GetSession(s, acct.SessionKey{ID: "ended"}); got.LastSeenAt != t0 || got.ExpiresAt != ended.ExpiresAt {
		t.Errorf("ended session changed: %+v", got)
	}
	if touch(99, seen, exp) {
		t.Error("missing session touched")
	}
}

func testEndSessions(t *testing.T, open func(*testing.T) acct.Store) {
	at := t0.Add(30 * time.Minute)
	alice, bob := &acct.UserRecord{User: acct.User{ID: 1}}, &acct.UserRecord{User: acct.User{ID: 2}}
	setup := func(t *testing.T) acct.Store {
		s := open(t)
		a, b := NewRec("alice"), NewRec("bob")
		Insert(t, s, a, b)
		if a.ID != alice.ID || b.ID != bob.ID {
			t.Fatalf("ids %d and %d", a.ID, b.ID)
		}
		expired := NewSession(alice.ID, "a_expired")
		expired.ExpiresAt = at // expired at the very moment
		ended := NewSession(alice.ID, "a_ended")
		ended.EndedAt = &t0
		InsertSessions(t, s,
			NewSession(alice.ID, "a1"), NewSession(bob.ID, "b1"), NewSession(alice.ID, "a2"),
			expired, ended, NewSession(alice.ID, "a3"))
		return s
	}
	for _, tc := range []struct {
		name string
		q    acct.SessionEnd
		want []string
	}{
		{"all of a user", acct.SessionEnd{UserID: alice.ID}, []string{"a1", "a2", "a3"}},
		{"except", acct.SessionEnd{UserID: alice.ID, Except: "a2"}, []string{"a1", "a3"}},
		{"ids", acct.SessionEnd{UserID: alice.ID, IDs: []string{"a3", "a1", "b1", "a_expired", "a_ended", "nope"}}, []string{"a1", "a3"}},
		{"ids and except", acct.SessionEnd{UserID: alice.ID, IDs: []string{"a1", "a2"}, Except: "a1"}, []string{"a2"}},
		{"other user", acct.SessionEnd{UserID: bob.ID}, []string{"b1"}},
		{"no sessions", acct.SessionEnd{UserID: 99}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := setup(t)
			tc.q.At = at
			ctx := context.Background()
			var got []string
			err := s.Update(ctx, func(tx acct.Tx) error {
				var err error
				got, err = tx.EndSessions(ctx, tc.q)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ended %v, want %v", got, tc.want)
			}
			endedNow := map[string]bool{}
			for _, id := range tc.want {
				endedNow[id] = true
			}
			for _, r := range listSessions(t, s, acct.SessionFilter{Status: acct.SessionAll, Limit: 100}) {
				switch {
				case endedNow[r.ID]:
					if r.EndedAt == nil || *r.EndedAt != at {
						t.Errorf("%s: ended at %v, want %v", r.ID, r.EndedAt, at)
					}
				case r.ID == "a_ended":
					if *r.EndedAt != t0 {
						t.Errorf("a_ended: end moved to %v", *r.EndedAt)
					}
				case r.EndedAt != nil:
					t.Errorf("%s ended", r.ID)
				}
			}
			// A second time ends nothing.
			err = s.Update(ctx, func(tx acct.Tx) error {
				var err error
				got, err = tx.EndSessions(ctx, tc.q)
				return err
			})
			if err != nil || len(got) != 0 {
				t.Errorf("again: %v, %v", got, err)
			}
		})
	}
}

func testDeleteSessions(t *testing.T, s acct.Store) {
	ctx := context.Background()
	alice := NewRec("alice")
	Insert(t, s, alice)
	cutoff := t0.Add(time.Hour)
	mk := func(id string, expires time.Time, ended *time.Time) *acct.SessionRecord {
		r := NewSession(alice.ID, id)
		r.ExpiresAt, r.EndedAt = expires, ended
		return r
	}
	early, late := cutoff.Add(-time.Minute), cutoff.Add(time.Minute)
	InsertSessions(t, s,
		mk("expired1", early, nil),
		mk("keep_active", late, nil),
		mk("ended1", late, &early),
		mk("expired_at_cutoff", cutoff, nil),
		mk("ended_at_cutoff", late, &cutoff),
		mk("keep_ended_late", late, &late),
		mk("expired_and_ended", early, &early),
		mk("expired2", early, nil),
	)
	del := func(limit int) int64 {
		t.Helper()
		var n int64
		err := s.Update(ctx, func(tx acct.Tx) error {
			var err error
			n, err = tx.DeleteSessions(ctx, cutoff, limit)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	var batches []int64
	for {
		n := del(2)
		batches = append(batches, n)
		if n < 2 {
			break
		}
	}
	if want := []int64{2, 2, 2, 0}; !reflect.DeepEqual(batches, want) {
		t.Errorf("batches %v, want %v", batches, want)
	}
	left := sessionIDs(listSessions(t, s, acct.SessionFilter{Status: acct.SessionAll, Limit: 100}))
	if want := []string{"keep_ended_late", "keep_active"}; !reflect.DeepEqual(left, want) {
		t.Errorf("left %v, want %v", left, want)
	}
	// A limit as large as the core's largest batch is no problem.
	if n := del(1_000_000); n != 0 {
		t.Errorf("second purge deleted %d", n)
	}
	err := s.Update(ctx, func(tx acct.Tx) error {
		_, err := tx.DeleteSessions(ctx, cutoff, 0)
		return err
	})
	if err == nil {
		t.Error("limit 0 accepted")
	}
}

func testListUsersLockLapse(t *testing.T, s acct.Store) {
	now := t0.Add(time.Hour)
	locked := func(name string, until *time.Time) *acct.UserRecord {
		r := NewRec(name)
		r.Status, r.LockedUntil = acct.StatusLocked, until
		return r
	}
	Insert(t, s,
		NewRec("active"),                             // 1
		locked("forever", nil),                       // 2: until an operator unlocks
		locked("lapsed", new(now.Add(-time.Minute))), // 3
		locked("at_now", new(now)),                   // 4: lapses at Now itself
		locked("later", new(now.Add(time.Minute))),   // 5
		&acct.UserRecord{User: acct.User{Status: acct.StatusPending, CreatedAt: t0, UpdatedAt: t0}}, // 6
	)
	for _, tc := range []struct {
		name     string
		statuses []acct.Status
		now      time.Time
		want     []int64
	}{
		{"active at now", []acct.Status{acct.StatusActive}, now, []int64{1, 3, 4}},
		{"locked at now", []acct.Status{acct.StatusLocked}, now, []int64{2, 5}},
		{"both at now", []acct.Status{acct.StatusLocked, acct.StatusActive}, now, []int64{1, 2, 3, 4, 5}},
		{"pending and locked at now", []acct.Status{acct.StatusPending, acct.StatusLocked}, now, []int64{2, 5, 6}},
		{"pending at now", []acct.Status{acct.StatusPending}, now, []int64{6}},
		{"active, no now", []acct.Status{acct.StatusActive}, time.Time{}, []int64{1}},
		{"locked, no now", []acct.Status{acct.StatusLocked}, time.Time{}, []int64{2, 3, 4, 5}},
		{"all statuses at now", nil, now, []int64{1, 2, 3, 4, 5, 6}},
		{"active much later", []acct.Status{acct.StatusActive}, now.Add(time.Hour), []int64{1, 3, 4, 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := IDs(ListUsers(t, s, acct.UserFilter{Statuses: tc.statuses, Now: tc.now, Limit: 100}))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	// Combined with search and paging.
	got := IDs(ListUsers(t, s, acct.UserFilter{Statuses: []acct.Status{acct.StatusActive}, Now: now,
		Search: "a", AfterID: 1, Limit: 1}))
	if !reflect.DeepEqual(got, []int64{3}) {
		t.Errorf("search and page: %v, want [3]", got)
	}
}

// AddFailure counts a failed login of userID in its own transaction and
// returns the count.
func AddFailure(ctx context.Context, s acct.Store, userID int64) (int, error) {
	var n int
	err := s.Update(ctx, func(tx acct.Tx) error {
		var err error
		n, err = tx.AddLoginFailure(ctx, userID)
		return err
	})
	return n, err
}

func testAddLoginFailure(t *testing.T, s acct.Store) {
	ctx := context.Background()
	alice, bob := NewRec("alice"), NewRec("bob")
	alice.FailedLogins = 3
	Insert(t, s, alice, bob)
	for want := 4; want <= 6; want++ {
		if n, err := AddFailure(ctx, s, alice.ID); err != nil || n != want {
			t.Fatalf("AddLoginFailure = %d, %v; want %d", n, err, want)
		}
	}
	got, err := Get(t, s, acct.UserKey{Field: acct.KeyID, ID: alice.ID})
	if err != nil || got.FailedLogins != 6 {
		t.Errorf("stored count %v, %v; want 6", got, err)
	}
	if got, _ := Get(t, s, acct.UserKey{Field: acct.KeyID, ID: bob.ID}); got.FailedLogins != 0 {
		t.Errorf("bob's count %d", got.FailedLogins)
	}
	if _, err := AddFailure(ctx, s, 99); !acct.IsCode(err, acct.CodeNotFound) {
		t.Errorf("missing user: %v, want not_found", err)
	}
	// A reset through UpdateUser.
	got.FailedLogins = 0
	if err := s.Update(ctx, func(tx acct.Tx) error { return tx.UpdateUser(ctx, got) }); err != nil {
		t.Fatal(err)
	}
	if n, err := AddFailure(ctx, s, alice.ID); err != nil || n != 1 {
		t.Errorf("after reset: %d, %v; want 1", n, err)
	}
}
