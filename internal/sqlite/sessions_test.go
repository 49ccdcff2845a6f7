package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// newSession returns an active session of userID created at t0 with the
// public id id and the hash of a token derived from it.
func newSession(userID int64, id string) *acct.SessionRecord {
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

func insertSessions(t *testing.T, s *Store, recs ...*acct.SessionRecord) {
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

func getSession(s *Store, key acct.SessionKey) (*acct.SessionRecord, error) {
	ctx := context.Background()
	var rec *acct.SessionRecord
	err := s.View(ctx, func(tx acct.Tx) error {
		var err error
		rec, err = tx.GetSession(ctx, key)
		return err
	})
	return rec, err
}

func listSessions(t *testing.T, s *Store, q acct.SessionFilter) []acct.SessionRecord {
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

func TestSessionInsertGet(t *testing.T) {
	s := openTest(t)
	alice := newRec("alice")
	insert(t, s, alice)

	rec := newSession(alice.ID, "ses_one")
	rec.Persistent = true
	insertSessions(t, s, rec)
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
		got, err := getSession(s, key)
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
		if _, err := getSession(s, key); !acct.IsCode(err, acct.CodeNotFound) {
			t.Errorf("GetSession(%+v): %v, want not_found", key, err)
		}
	}

	// An ended session reads back with its end; a user without username or
	// email gives empty strings.
	bob := newRec("")
	insert(t, s, bob)
	ended := newSession(bob.ID, "ses_ended")
	end := t0.Add(time.Minute)
	ended.EndedAt = &end
	insertSessions(t, s, ended)
	got, err := getSession(s, acct.SessionKey{ID: "ses_ended"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, ended) {
		t.Errorf("ended session =\n%+v\nwant\n%+v", got, ended)
	}

	// Stored as integers and a 32-byte blob, the token nowhere.
	var types string
	if err := s.r.QueryRow(`SELECT typeof(created_at) || typeof(last_seen_at) || typeof(expires_at) ||
		typeof(absolute_expires_at) || typeof(ended_at) || typeof(token_hash) || length(token_hash)
		FROM sessions WHERE public_id = 'ses_ended'`).Scan(&types); err != nil {
		t.Fatal(err)
	}
	if types != "integerintegerintegerintegerintegerblob32" {
		t.Errorf("stored as %s", types)
	}
}

func TestSessionInsertRefused(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	alice := newRec("alice")
	insert(t, s, alice)
	insertSessions(t, s, newSession(alice.ID, "ses_one"))

	dupID := newSession(alice.ID, "ses_one")
	dupID.TokenHash = newSession(alice.ID, "x").TokenHash
	err := s.Update(ctx, func(tx acct.Tx) error { return tx.InsertSession(ctx, dupID) })
	if !acct.IsCode(err, acct.CodeConflict) || acct.ErrorField(err) != "public_id" {
		t.Errorf("same public id: %v, want a conflict on public_id", err)
	}
	dupToken := newSession(alice.ID, "ses_two")
	dupToken.TokenHash = newSession(alice.ID, "ses_one").TokenHash
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
		rec := newSession(alice.ID, "ses_"+strings.ReplaceAll(name, " ", "_"))
		edit(rec)
		if err := s.Update(ctx, func(tx acct.Tx) error { return tx.InsertSession(ctx, rec) }); err == nil {
			t.Errorf("%s: stored", name)
		}
	}
}

func TestListSessions(t *testing.T) {
	s := openTest(t)
	alice, bob := newRec("alice"), newRec("bob")
	insert(t, s, alice, bob)
	now := t0.Add(30 * time.Minute)
	at := func(userID int64, id string, expires time.Duration, ended bool) *acct.SessionRecord {
		r := newSession(userID, id)
		r.ExpiresAt = now.Add(expires)
		if ended {
			e := now.Add(-time.Minute)
			r.EndedAt = &e
		}
		return r
	}
	insertSessions(t, s,
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
		{"missing user", acct.SessionFilter{UserID: ptr(int64(99)), Status: acct.SessionAll}, nil},
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

func TestTouchSession(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	alice := newRec("alice")
	insert(t, s, alice)
	live, ended := newSession(alice.ID, "live"), newSession(alice.ID, "ended")
	ended.EndedAt = &t0
	insertSessions(t, s, live, ended)

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
	got, err := getSession(s, acct.SessionKey{ID: "live"})
	if err != nil {
		t.Fatal(err)
	}
	if got.LastSeenAt != seen || got.ExpiresAt != exp || got.CreatedAt != t0 || got.AbsoluteExpiresAt != live.AbsoluteExpiresAt {
		t.Errorf("after touch: %+v", got)
	}
	if touch(ended.Seq, seen, exp) {
		t.Error("ended session touched")
	}
	if got, _ := getSession(s, acct.SessionKey{ID: "ended"}); got.LastSeenAt != t0 || got.ExpiresAt != ended.ExpiresAt {
		t.Errorf("ended session changed: %+v", got)
	}
	if touch(99, seen, exp) {
		t.Error("missing session touched")
	}
}

func TestEndSessions(t *testing.T) {
	at := t0.Add(30 * time.Minute)
	alice, bob := &acct.UserRecord{User: acct.User{ID: 1}}, &acct.UserRecord{User: acct.User{ID: 2}}
	setup := func(t *testing.T) *Store {
		s := openTest(t)
		a, b := newRec("alice"), newRec("bob")
		insert(t, s, a, b)
		if a.ID != alice.ID || b.ID != bob.ID {
			t.Fatalf("ids %d and %d", a.ID, b.ID)
		}
		expired := newSession(alice.ID, "a_expired")
		expired.ExpiresAt = at // expired at the very moment
		ended := newSession(alice.ID, "a_ended")
		ended.EndedAt = &t0
		insertSessions(t, s,
			newSession(alice.ID, "a1"), newSession(bob.ID, "b1"), newSession(alice.ID, "a2"),
			expired, ended, newSession(alice.ID, "a3"))
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

func TestDeleteSessions(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	alice := newRec("alice")
	insert(t, s, alice)
	cutoff := t0.Add(time.Hour)
	mk := func(id string, expires time.Time, ended *time.Time) *acct.SessionRecord {
		r := newSession(alice.ID, id)
		r.ExpiresAt, r.EndedAt = expires, ended
		return r
	}
	early, late := cutoff.Add(-time.Minute), cutoff.Add(time.Minute)
	insertSessions(t, s,
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
	if n := del(100); n != 0 {
		t.Errorf("second purge deleted %d", n)
	}
	err := s.Update(ctx, func(tx acct.Tx) error {
		_, err := tx.DeleteSessions(ctx, cutoff, 0)
		return err
	})
	if err == nil {
		t.Error("limit 0 accepted")
	}

	// The deletes walk the purge indexes rather than the whole table.
	for col, index := range map[string]string{"expires_at": "sessions_expires_at", "ended_at": "sessions_ended_at"} {
		plan := queryPlan(t, s.w, `DELETE FROM sessions WHERE seq IN (
			SELECT seq FROM sessions WHERE `+col+` <= ? LIMIT ?)`, 0, 10)
		if !strings.Contains(plan, "USING COVERING INDEX "+index) && !strings.Contains(plan, "USING INDEX "+index) {
			t.Errorf("delete by %s: plan\n%s", col, plan)
		}
	}
}

// queryPlan returns EXPLAIN QUERY PLAN's details for query, one a line.
func queryPlan(t *testing.T, db *sql.DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		b.WriteString(detail + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestSessionQueriesUseIndexes(t *testing.T) {
	s := openTest(t)
	for _, tc := range []struct {
		query, want string
		args        []any
	}{
		{"SELECT " + sessionColumns + sessionsFrom + " WHERE s.public_id = ?", "sqlite_autoindex_sessions_1", []any{"x"}},
		{"SELECT " + sessionColumns + sessionsFrom + " WHERE s.token_hash = ?", "sqlite_autoindex_sessions_2", []any{[]byte("x")}},
		{"SELECT " + sessionColumns + sessionsFrom + " WHERE s.user_id = ? AND s.ended_at IS NULL AND s.expires_at > ? ORDER BY s.seq DESC LIMIT ?",
			"sessions_user_seq", []any{1, 0, 10}},
		{"UPDATE sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL AND expires_at > ?",
			"sessions_user_seq", []any{0, 1, 0}},
		{"SELECT id FROM users WHERE foreign_id = ?", "users_foreign_id", []any{"x"}},
	} {
		plan := queryPlan(t, s.w, tc.query, tc.args...)
		if !strings.Contains(plan, tc.want) || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%s:\n%s", tc.query, plan)
		}
	}
}

func TestListUsersLockLapse(t *testing.T) {
	s := openTest(t)
	now := t0.Add(time.Hour)
	locked := func(name string, until *time.Time) *acct.UserRecord {
		r := newRec(name)
		r.Status, r.LockedUntil = acct.StatusLocked, until
		return r
	}
	insert(t, s,
		newRec("active"),                             // 1
		locked("forever", nil),                       // 2: until an operator unlocks
		locked("lapsed", ptr(now.Add(-time.Minute))), // 3
		locked("at_now", ptr(now)),                   // 4: lapses at Now itself
		locked("later", ptr(now.Add(time.Minute))),   // 5
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
			got := ids(listUsers(t, s, acct.UserFilter{Statuses: tc.statuses, Now: tc.now, Limit: 100}))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	// Combined with search and paging.
	got := ids(listUsers(t, s, acct.UserFilter{Statuses: []acct.Status{acct.StatusActive}, Now: now,
		Search: "a", AfterID: 1, Limit: 1}))
	if !reflect.DeepEqual(got, []int64{3}) {
		t.Errorf("search and page: %v, want [3]", got)
	}
}

func addFailure(ctx context.Context, s *Store, userID int64) (int, error) {
	var n int
	err := s.Update(ctx, func(tx acct.Tx) error {
		var err error
		n, err = tx.AddLoginFailure(ctx, userID)
		return err
	})
	return n, err
}

func TestAddLoginFailure(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	alice, bob := newRec("alice"), newRec("bob")
	alice.FailedLogins = 3
	insert(t, s, alice, bob)
	for want := 4; want <= 6; want++ {
		if n, err := addFailure(ctx, s, alice.ID); err != nil || n != want {
			t.Fatalf("AddLoginFailure = %d, %v; want %d", n, err, want)
		}
	}
	got, err := get(t, s, acct.UserKey{Field: acct.KeyID, ID: alice.ID})
	if err != nil || got.FailedLogins != 6 {
		t.Errorf("stored count %v, %v; want 6", got, err)
	}
	if got, _ := get(t, s, acct.UserKey{Field: acct.KeyID, ID: bob.ID}); got.FailedLogins != 0 {
		t.Errorf("bob's count %d", got.FailedLogins)
	}
	if _, err := addFailure(ctx, s, 99); !acct.IsCode(err, acct.CodeNotFound) {
		t.Errorf("missing user: %v, want not_found", err)
	}
	// A reset through UpdateUser.
	got.FailedLogins = 0
	if err := s.Update(ctx, func(tx acct.Tx) error { return tx.UpdateUser(ctx, got) }); err != nil {
		t.Fatal(err)
	}
	if n, err := addFailure(ctx, s, alice.ID); err != nil || n != 1 {
		t.Errorf("after reset: %d, %v; want 1", n, err)
	}
}

// TestConcurrentLoginFailures has 20 stores on one file, as 20 processes
// would, each count 5 failures of the same account the way the core does
// (a look-up first, then the increment): all 100 count.
func TestConcurrentLoginFailures(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "acctl.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	alice := newRec("alice")
	insert(t, s, alice)

	const stores, perStore = 20, 5
	start := make(chan struct{})
	errs := make(chan error, stores*perStore)
	var ready, wg sync.WaitGroup
	ready.Add(stores)
	for i := range stores {
		wg.Go(func() {
			s, err := Open(ctx, path)
			ready.Done()
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			<-start // all open: the failures overlap
			for range perStore {
				if _, err := failLogin(ctx, s, "alice"); err != nil {
					errs <- fmt.Errorf("store %d: %w", i, err)
				}
			}
		})
	}
	ready.Wait()
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, err := get(t, s, acct.UserKey{Field: acct.KeyID, ID: alice.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got.FailedLogins != stores*perStore {
		t.Errorf("count %d, want %d", got.FailedLogins, stores*perStore)
	}
}

// failLogin counts one failed login of username as the core does.
func failLogin(ctx context.Context, s *Store, username string) (int, error) {
	var n int
	err := s.Update(ctx, func(tx acct.Tx) error {
		u, err := tx.GetUser(ctx, acct.UserKey{Field: acct.KeyUsername, Value: username})
		if err != nil {
			return err
		}
		n, err = tx.AddLoginFailure(ctx, u.ID)
		return err
	})
	return n, err
}

// TestProcessesLoginFailures is TestConcurrentLoginFailures with real
// processes: 20 processes × 5 failures count 100.
func TestProcessesLoginFailures(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 20 processes")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "acctl.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	insert(t, s, newRec("alice"))

	const procs, perProc = 20, 5
	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "ACCTL_SQLITE_TEST_DB="+path, "ACCTL_SQLITE_TEST_NAME=fail:alice",
			fmt.Sprintf("ACCTL_SQLITE_TEST_COUNT=%d", perProc))
		out := new(strings.Builder)
		cmd.Stdout, cmd.Stderr = out, out
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	for _, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for i, cmd := range cmds {
		err := cmd.Wait()
		out := strings.TrimSpace(outs[i].String())
		if err != nil {
			t.Errorf("process %d: %v: %s", i, err, out)
			continue
		}
		// Each process prints the counts it got back: each count is
		// handed out once.
		for _, n := range strings.Fields(out) {
			if seen[n] {
				t.Errorf("count %s returned twice", n)
			}
			seen[n] = true
		}
	}
	got, err := get(t, s, acct.UserKey{Field: acct.KeyUsername, Value: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if got.FailedLogins != procs*perProc || len(seen) != procs*perProc {
		t.Errorf("count %d, %d distinct returns; want %d", got.FailedLogins, len(seen), procs*perProc)
	}
	integrityCheck(t, s.w)
}

// failProcess is the body of one process of TestProcessesLoginFailures:
// it counts count failed logins of username and prints the counts.
func failProcess(path, username string, count int) int {
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	defer s.Close()
	for range count {
		n, err := failLogin(ctx, s, username)
		if err != nil {
			fmt.Println(err)
			return 1
		}
		fmt.Println(n)
	}
	return 0
}

// TestMigrateFrom0001 opens a file that only the first migration made, with
// an account in it, and checks that the upgrade keeps the account and
// gives it the new fields' defaults.
func TestMigrateFrom0001(t *testing.T) {
	ctx := context.Background()
	ms := mustMigrations(t)
	path := filepath.Join(t.TempDir(), "old.db")
	if err := createFile(path); err != nil {
		t.Fatal(err)
	}
	old, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT",
		ms[0].sql,
		"INSERT INTO schema_migrations VALUES (1, 0)",
		`INSERT INTO users (username, email, status, password_hash, created_at, updated_at)
			VALUES ('alice', 'alice@example.com', 'locked', 'hash', 1, 2)`,
		`INSERT INTO users (username, status, created_at, updated_at) VALUES ('bob', 'active', 1, 2)`,
	} {
		if _, err := old.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(ms) {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, len(ms))
	}
	alice, err := get(t, s, acct.UserKey{Field: acct.KeyUsername, Value: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	want := acct.User{ID: 1, Username: "alice", Email: "alice@example.com", Status: acct.StatusLocked,
		HasPassword: true, CreatedAt: fromMillis(1), UpdatedAt: fromMillis(2),
		ReferralCode: alice.ReferralCode} // drawn by 0006, see TestMigrateFrom0005
	if !reflect.DeepEqual(alice.User, want) || alice.PasswordHash != "hash" || len(alice.ReferralCode) != 8 {
		t.Errorf("migrated:\n%+v\nwant\n%+v", alice.User, want)
	}
	if bob, err := get(t, s, acct.UserKey{Field: acct.KeyUsername, Value: "bob"}); err != nil || bob.HasPassword {
		t.Errorf("bob: %+v, %v", bob, err)
	}
	// An old lock without an end never lapses.
	if got := ids(listUsers(t, s, acct.UserFilter{Statuses: []acct.Status{acct.StatusLocked}, Now: t0, Limit: 10})); !reflect.DeepEqual(got, []int64{1}) {
		t.Errorf("locked: %v", got)
	}

	// The new table and the foreign index work on the upgraded file.
	alice.Foreign = "github:1"
	if err := s.Update(ctx, func(tx acct.Tx) error { return tx.UpdateUser(ctx, alice) }); err != nil {
		t.Fatal(err)
	}
	bob := newRec("carol")
	bob.Foreign = "github:1"
	err = s.Update(ctx, func(tx acct.Tx) error { return tx.InsertUser(ctx, bob) })
	checkConflict(t, "foreign on upgraded file", err, "foreign")
	insertSessions(t, s, newSession(alice.ID, "ses_1"))
	if _, err := addFailure(ctx, s, alice.ID); err != nil {
		t.Fatal(err)
	}
	integrityCheck(t, s.w)
	var fk int
	if err := s.w.QueryRow("SELECT count(*) FROM pragma_foreign_key_check").Scan(&fk); err != nil || fk != 0 {
		t.Errorf("foreign_key_check: %d, %v", fk, err)
	}
}

func TestForeignConflictMessage(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	a := newRec("alice")
	a.Foreign = "github:12345"
	insert(t, s, a)
	b := newRec("bob")
	b.Foreign = "github:12345"
	err := s.Update(ctx, func(tx acct.Tx) error { return tx.InsertUser(ctx, b) })
	var ae *acct.Error
	if !errors.As(err, &ae) || !strings.Contains(ae.Err.Error(), "UNIQUE constraint failed: users.foreign_id") {
		t.Fatalf("driver message: %v", err)
	}
	checkConflict(t, "foreign", err, "foreign")
}

// BenchmarkPurgeSessions compares the batched purge (DeleteSessions in one
// transaction per batch, as the core runs it) with one plain DELETE on the
// same data: 200,000 sessions of 1,000 users with random public ids and
// token hashes, the older half expired and a tenth of those ended too.
// bench/ compares the whole command with the sqlite3 tool at 1,000,000.
func BenchmarkPurgeSessions(b *testing.B) {
	const sessions = 200_000
	cutoff := time.UnixMilli(sessions / 2)
	setup := func(b *testing.B) *Store {
		b.StopTimer()
		defer b.StartTimer()
		s, err := Open(context.Background(), filepath.Join(b.TempDir(), "acctl.db"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.w.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
			INSERT INTO users (username, status, created_at, updated_at)
			SELECT 'u' || i, 'active', 0, 0 FROM n`); err != nil {
			b.Fatal(err)
		}
		if _, err := s.w.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
			INSERT INTO sessions (public_id, token_hash, user_id, created_at, last_seen_at,
				expires_at, absolute_expires_at, ended_at)
			SELECT 'ses_' || lower(hex(randomblob(8))), randomblob(32), 1 + abs(random()) % 1000, 0, 0,
				CASE WHEN i <= ?2 THEN i ELSE ?1 + i END, 4 * ?1,
				CASE WHEN i <= ?2 AND i % 10 = 0 THEN i - 1 END FROM n`, sessions, sessions/2); err != nil {
			b.Fatal(err)
		}
		if _, err := s.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			b.Fatal(err)
		}
		return s
	}
	check := func(b *testing.B, n int64) {
		if n != sessions/2 {
			b.Fatalf("deleted %d, want %d", n, sessions/2)
		}
	}
	b.Run("one DELETE", func(b *testing.B) {
		for b.Loop() {
			s := setup(b)
			res, err := s.w.Exec("DELETE FROM sessions WHERE expires_at <= ? OR ended_at <= ?",
				cutoff.UnixMilli(), cutoff.UnixMilli())
			if err != nil {
				b.Fatal(err)
			}
			n, _ := res.RowsAffected()
			check(b, n)
			s.Close()
		}
	})
	for _, batch := range []int{5000, 50_000} {
		b.Run(fmt.Sprintf("batches of %d", batch), func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				s := setup(b)
				var total int64
				for {
					var n int64
					err := s.Update(ctx, func(tx acct.Tx) (err error) {
						n, err = tx.DeleteSessions(ctx, cutoff, batch)
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
					if total += n; n < int64(batch) {
						break
					}
				}
				check(b, total)
				s.Close()
			}
		})
	}
}
