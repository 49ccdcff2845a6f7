package sqlite

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"io"
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

// newCode returns an outstanding reset code of userID created at t0 for an
// hour, with the public id id and a MAC derived from it.
func newCode(userID int64, id string) *acct.CodeRecord {
	return &acct.CodeRecord{
		ID:        id,
		UserID:    userID,
		Kind:      acct.CodeKindReset,
		MAC:       codeMAC(id),
		Channel:   acct.ChannelNone,
		CreatedAt: t0,
		ExpiresAt: t0.Add(time.Hour),
		IssuedBy:  "support",
	}
}

func codeMAC(id string) []byte {
	h := sha256.Sum256([]byte("code-" + id))
	return h[:]
}

func insertCodes(t *testing.T, s *Store, recs ...*acct.CodeRecord) {
	t.Helper()
	ctx := context.Background()
	err := s.Update(ctx, func(tx acct.Tx) error {
		for _, r := range recs {
			if err := tx.InsertCode(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("insert codes: %v", err)
	}
}

func getCode(s *Store, key acct.CodeKey) (*acct.CodeRecord, error) {
	ctx := context.Background()
	var rec *acct.CodeRecord
	err := s.View(ctx, func(tx acct.Tx) error {
		var err error
		rec, err = tx.GetCode(ctx, key)
		return err
	})
	return rec, err
}

func listCodes(t *testing.T, s *Store, q acct.CodeFilter) []acct.CodeRecord {
	t.Helper()
	ctx := context.Background()
	var recs []acct.CodeRecord
	err := s.View(ctx, func(tx acct.Tx) error {
		var err error
		recs, err = tx.ListCodes(ctx, q)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func codeIDs(recs []acct.CodeRecord) []string {
	out := []string{}
	for _, r := range recs {
		out = append(out, r.ID)
	}
	return out
}

func useCode(ctx context.Context, s *Store, seq int64, now time.Time) (bool, error) {
	var used bool
	err := s.Update(ctx, func(tx acct.Tx) error {
		var err error
		used, err = tx.UseCode(ctx, seq, now)
		return err
	})
	return used, err
}

func TestCodeInsertGet(t *testing.T) {
	s := openTest(t)
	alice := newRec("alice")
	insert(t, s, alice)

	rec := newCode(alice.ID, "cod_one")
	rec.Kind, rec.Purpose = acct.CodeKindOTP, acct.PurposeVerifyPhone
	rec.Channel, rec.Destination, rec.Reason = acct.ChannelSMS, "+15550100", "new phone"
	insertCodes(t, s, rec)
	if rec.Seq != 1 {
		t.Fatalf("Seq = %d, want 1", rec.Seq)
	}
	for _, key := range []acct.CodeKey{
		{ID: "cod_one"},
		{MAC: rec.MAC},
		{ID: "cod_one", MAC: rec.MAC},
	} {
		got, err := getCode(s, key)
		if err != nil {
			t.Fatalf("GetCode(%+v): %v", key, err)
		}
		if !reflect.DeepEqual(got, rec) {
			t.Errorf("GetCode(%+v) =\n%+v\nwant\n%+v", key, got, rec)
		}
	}

	for _, key := range []acct.CodeKey{
		{},
		{ID: "cod_two"},
		{MAC: codeMAC("cod_two")},
		{ID: "cod_one", MAC: codeMAC("cod_two")}, // both must match
	} {
		_, err := getCode(s, key)
		if !acct.IsCode(err, acct.CodeNotFound) {
			t.Errorf("GetCode(%+v): %v, want not_found", key, err)
		}
	}

	// Used and voided codes, the other optional fields empty, read back
	// as stored; the seq grows.
	used, voided := newCode(alice.ID, "cod_used"), newCode(alice.ID, "cod_voided")
	used.UsedAt, used.Attempts, used.IssuedBy = ptr(t0.Add(time.Minute)), 3, ""
	voided.VoidedAt, voided.Kind = ptr(t0.Add(2*time.Minute)), acct.CodeKindForgot
	insertCodes(t, s, used, voided)
	if used.Seq != 2 || voided.Seq != 3 {
		t.Errorf("Seq = %d, %d; want 2, 3", used.Seq, voided.Seq)
	}
	for _, want := range []*acct.CodeRecord{used, voided} {
		got, err := getCode(s, acct.CodeKey{ID: want.ID})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s =\n%+v\nwant\n%+v", want.ID, got, want)
		}
	}

	// Times as integers, the MAC as a 32-byte blob, empty text as ''.
	var types string
	if err := s.r.QueryRow(`SELECT typeof(created_at) || typeof(expires_at) || typeof(used_at) ||
		typeof(voided_at) || typeof(mac) || length(mac) || typeof(destination) || typeof(issued_by) ||
		typeof(reason) || quote(destination) || quote(issued_by) || quote(reason)
		FROM codes WHERE public_id = 'cod_used'`).Scan(&types); err != nil {
		t.Fatal(err)
	}
	if types != "integerintegerintegernullblob32texttexttext''''''" {
		t.Errorf("stored as %s", types)
	}
}

func TestCodeInsertRefused(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	alice := newRec("alice")
	insert(t, s, alice)
	insertCodes(t, s, newCode(alice.ID, "cod_one"))

	dupID := newCode(alice.ID, "cod_one")
	dupID.MAC = codeMAC("other")
	err := s.Update(ctx, func(tx acct.Tx) error { return tx.InsertCode(ctx, dupID) })
	if !acct.IsCode(err, acct.CodeConflict) || acct.ErrorField(err) != "public_id" {
		t.Errorf("same public id: %v, want a conflict on public_id", err)
	}
	dupMAC := newCode(alice.ID, "cod_two")
	dupMAC.MAC = codeMAC("cod_one")
	err = s.Update(ctx, func(tx acct.Tx) error { return tx.InsertCode(ctx, dupMAC) })
	if !acct.IsCode(err, acct.CodeConflict) || acct.ErrorField(err) != "mac" {
		t.Errorf("same MAC: %v, want a conflict on mac", err)
	}

	for name, edit := range map[string]func(*acct.CodeRecord){
		"missing user":     func(r *acct.CodeRecord) { r.UserID = 99 },
		"raw code":         func(r *acct.CodeRecord) { r.MAC = []byte("7KQ2MX9D4TFAR1ZC") },
		"no mac":           func(r *acct.CodeRecord) { r.MAC = nil },
		"no public id":     func(r *acct.CodeRecord) { r.ID = "" },
		"no kind":          func(r *acct.CodeRecord) { r.Kind = "" },
		"no channel":       func(r *acct.CodeRecord) { r.Channel = "" },
		"negative count":   func(r *acct.CodeRecord) { r.Attempts = -1 },
		"used and voided":  func(r *acct.CodeRecord) { r.UsedAt, r.VoidedAt = &t0, &t0 },
		"user 0 (no user)": func(r *acct.CodeRecord) { r.UserID = 0 },
	} {
		rec := newCode(alice.ID, "cod_"+strings.ReplaceAll(name, " ", "_"))
		edit(rec)
		if err := s.Update(ctx, func(tx acct.Tx) error { return tx.InsertCode(ctx, rec) }); err == nil {
			t.Errorf("%s: stored", name)
		}
	}
	if n := len(listCodes(t, s, acct.CodeFilter{UserID: alice.ID})); n != 1 {
		t.Errorf("%d codes stored, want 1", n)
	}
}

func TestListCodes(t *testing.T) {
	s := openTest(t)
	alice, bob := newRec("alice"), newRec("bob")
	insert(t, s, alice, bob)
	now := t0.Add(30 * time.Minute)
	mk := func(userID int64, id string, kind acct.CodeKind, expires time.Duration) *acct.CodeRecord {
		r := newCode(userID, id)
		r.Kind, r.ExpiresAt = kind, now.Add(expires)
		return r
	}
	reset, forgot, otp := acct.CodeKindReset, acct.CodeKindForgot, acct.CodeKind("otp")
	used, voided := mk(alice.ID, "a_used", reset, time.Minute), mk(alice.ID, "a_voided", forgot, time.Minute)
	used.UsedAt, voided.VoidedAt = ptr(now.Add(-time.Minute)), ptr(now.Add(-time.Minute))
	insertCodes(t, s,
		mk(alice.ID, "a1", reset, time.Minute), // 1 outstanding
		mk(alice.ID, "a_at_now", reset, 0),     // 2 expired: its end is now
		mk(bob.ID, "b1", reset, time.Minute),   // 3 outstanding
		used,                                   // 4 used before its end
		voided,                                 // 5 voided before its end
		mk(alice.ID, "a2", forgot, time.Millisecond), // 6 outstanding for one more ms
		mk(alice.ID, "a_past", forgot, -time.Second), // 7 expired
		mk(alice.ID, "a3", otp, time.Hour),           // 8 outstanding
	)
	for _, tc := range []struct {
		name string
		q    acct.CodeFilter
		want []string
	}{
		{"all", acct.CodeFilter{UserID: alice.ID}, []string{"a3", "a_past", "a2", "a_voided", "a_used", "a_at_now", "a1"}},
		{"outstanding", acct.CodeFilter{UserID: alice.ID, Outstanding: true}, []string{"a3", "a2", "a1"}},
		{"one kind", acct.CodeFilter{UserID: alice.ID, Kinds: []acct.CodeKind{reset}}, []string{"a_used", "a_at_now", "a1"}},
		{"two kinds", acct.CodeFilter{UserID: alice.ID, Kinds: []acct.CodeKind{forgot, otp}}, []string{"a3", "a_past", "a2", "a_voided"}},
		{"outstanding of a kind", acct.CodeFilter{UserID: alice.ID, Kinds: []acct.CodeKind{forgot}, Outstanding: true}, []string{"a2"}},
		{"unknown kind", acct.CodeFilter{UserID: alice.ID, Kinds: []acct.CodeKind{"nope"}}, []string{}},
		{"limit", acct.CodeFilter{UserID: alice.ID, Limit: 2}, []string{"a3", "a_past"}},
		{"outstanding limit", acct.CodeFilter{UserID: alice.ID, Outstanding: true, Limit: 2}, []string{"a3", "a2"}},
		{"other user", acct.CodeFilter{UserID: bob.ID, Outstanding: true}, []string{"b1"}},
		{"missing user", acct.CodeFilter{UserID: 99}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.Now = now
			got := listCodes(t, s, tc.q)
			if ids := codeIDs(got); !reflect.DeepEqual(ids, tc.want) {
				t.Errorf("got %v, want %v", ids, tc.want)
			}
			if got == nil {
				t.Error("nil slice, want empty")
			}
		})
	}

	// One millisecond later a2 has expired as well.
	later := listCodes(t, s, acct.CodeFilter{UserID: alice.ID, Outstanding: true, Now: now.Add(time.Millisecond)})
	if ids := codeIDs(later); !reflect.DeepEqual(ids, []string{"a3", "a1"}) {
		t.Errorf("a millisecond later: %v", ids)
	}
	// Records read back whole.
	if got := listCodes(t, s, acct.CodeFilter{UserID: alice.ID, Kinds: []acct.CodeKind{reset}, Limit: 2}); len(got) != 2 ||
		!reflect.DeepEqual(&got[0], used) {
		t.Errorf("records: %+v\nwant first %+v", got, used)
	}

	ctx := context.Background()
	err := s.View(ctx, func(tx acct.Tx) error {
		_, err := tx.ListCodes(ctx, acct.CodeFilter{UserID: alice.ID, Limit: -1})
		return err
	})
	if err == nil {
		t.Error("negative limit accepted")
	}
}

func TestUseCode(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	alice := newRec("alice")
	insert(t, s, alice)
	live, edge, voided := newCode(alice.ID, "live"), newCode(alice.ID, "edge"), newCode(alice.ID, "voided")
	voided.VoidedAt = &t0
	insertCodes(t, s, live, edge, voided)
	end := live.ExpiresAt

	use := func(seq int64, now time.Time) bool {
		t.Helper()
		used, err := useCode(ctx, s, seq, now)
		if err != nil {
			t.Fatal(err)
		}
		return used
	}
	// Valid one millisecond before its end, used once.
	now := end.Add(-time.Millisecond)
	if !use(live.Seq, now) {
		t.Fatal("live code not used")
	}
	got, err := getCode(s, acct.CodeKey{ID: "live"})
	if err != nil {
		t.Fatal(err)
	}
	if got.UsedAt == nil || !got.UsedAt.Equal(now) || got.VoidedAt != nil {
		t.Errorf("after use: %+v", got)
	}
	if use(live.Seq, now) {
		t.Error("used twice")
	}
	if got, _ := getCode(s, acct.CodeKey{ID: "live"}); !got.UsedAt.Equal(now) {
		t.Errorf("second use moved used_at to %v", got.UsedAt)
	}
	// Refused at its very end, and after.
	if use(edge.Seq, end) || use(edge.Seq, end.Add(time.Hour)) {
		t.Error("expired code used")
	}
	if got, _ := getCode(s, acct.CodeKey{ID: "edge"}); got.UsedAt != nil {
		t.Errorf("expired code changed: %+v", got)
	}
	if use(voided.Seq, t0) {
		t.Error("voided code used")
	}
	if use(99, t0) {
		t.Error("missing code used")
	}
	// The edge code is still usable before its end.
	if !use(edge.Seq, t0) {
		t.Error("edge code not used before its end")
	}
}

func TestVoidCodes(t *testing.T) {
	at := t0.Add(30 * time.Minute)
	const alice, bob = 1, 2
	setup := func(t *testing.T) *Store {
		s := openTest(t)
		a, b := newRec("alice"), newRec("bob")
		insert(t, s, a, b)
		if a.ID != alice || b.ID != bob {
			t.Fatalf("ids %d and %d", a.ID, b.ID)
		}
		expired := newCode(alice, "a_expired")
		expired.ExpiresAt = at // expired at the very moment
		used, voided := newCode(alice, "a_used"), newCode(alice, "a_voided")
		used.UsedAt, voided.VoidedAt = &t0, &t0
		forgot := newCode(alice, "a_forgot")
		forgot.Kind = acct.CodeKindForgot
		insertCodes(t, s,
			newCode(alice, "a1"), newCode(bob, "b1"), forgot, expired, used, voided, newCode(alice, "a2"))
		return s
	}
	reset, forgot := acct.CodeKindReset, acct.CodeKindForgot
	for _, tc := range []struct {
		name string
		q    acct.CodeVoid
		want []string
	}{
		{"all of a user", acct.CodeVoid{UserID: alice}, []string{"a1", "a_forgot", "a2"}},
		{"one kind", acct.CodeVoid{UserID: alice, Kinds: []acct.CodeKind{reset}}, []string{"a1", "a2"}},
		{"two kinds", acct.CodeVoid{UserID: alice, Kinds: []acct.CodeKind{forgot, reset}}, []string{"a1", "a_forgot", "a2"}},
		{"other kind", acct.CodeVoid{UserID: alice, Kinds: []acct.CodeKind{"otp"}}, []string{}},
		{"ids", acct.CodeVoid{UserID: alice, IDs: []string{"a2", "b1", "a_expired", "a_used", "a_voided", "nope", "a_forgot"}},
			[]string{"a_forgot", "a2"}},
		{"ids and kinds", acct.CodeVoid{UserID: alice, IDs: []string{"a1", "a_forgot"}, Kinds: []acct.CodeKind{forgot}},
			[]string{"a_forgot"}},
		{"other user", acct.CodeVoid{UserID: bob}, []string{"b1"}},
		{"other user's id", acct.CodeVoid{UserID: bob, IDs: []string{"a1"}}, []string{}},
		{"no codes", acct.CodeVoid{UserID: 99}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := setup(t)
			tc.q.At = at
			ctx := context.Background()
			void := func() []string {
				t.Helper()
				var got []string
				err := s.Update(ctx, func(tx acct.Tx) error {
					var err error
					got, err = tx.VoidCodes(ctx, tc.q)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				return got
			}
			if got := void(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("voided %v, want %v", got, tc.want)
			}
			voidedNow := map[string]bool{}
			for _, id := range tc.want {
				voidedNow[id] = true
			}
			for _, user := range []int64{alice, bob} {
				for _, r := range listCodes(t, s, acct.CodeFilter{UserID: user}) {
					switch {
					case voidedNow[r.ID]:
						if r.VoidedAt == nil || !r.VoidedAt.Equal(at) || r.UsedAt != nil {
							t.Errorf("%s: voided at %v, want %v", r.ID, r.VoidedAt, at)
						}
					case r.ID == "a_voided":
						if !r.VoidedAt.Equal(t0) {
							t.Errorf("a_voided: moved to %v", *r.VoidedAt)
						}
					case r.VoidedAt != nil:
						t.Errorf("%s voided", r.ID)
					}
				}
			}
			// A second time voids nothing; a voided code cannot be used.
			if got := void(); got == nil || len(got) != 0 {
				t.Errorf("again: %#v", got)
			}
			for id := range voidedNow {
				c, err := getCode(s, acct.CodeKey{ID: id})
				if err != nil {
					t.Fatal(err)
				}
				if used, err := useCode(ctx, s, c.Seq, at); used || err != nil {
					t.Errorf("voided %s used: %v, %v", id, used, err)
				}
			}
		})
	}
}

func TestCodeQueriesUseIndexes(t *testing.T) {
	s := openTest(t)
	for _, tc := range []struct {
		query, want string
		args        []any
		sorts       bool // a handful of a user's rows may be sorted
	}{
		{"SELECT " + codeColumns + " FROM codes WHERE public_id = ?", "sqlite_autoindex_codes_1", []any{"x"}, false},
		{"SELECT " + codeColumns + " FROM codes WHERE mac = ?", "sqlite_autoindex_codes_2", []any{[]byte("x")}, false},
		{"SELECT " + codeColumns + " FROM codes WHERE user_id = ? AND kind IN (?) AND " + outstandingCode + " ORDER BY seq DESC",
			"codes_user_kind", []any{1, "reset", 0}, false},
		{"SELECT " + codeColumns + " FROM codes WHERE user_id = ? AND " + outstandingCode + " ORDER BY seq DESC",
			"codes_user_kind", []any{1, 0}, true},
		{"UPDATE codes SET voided_at = ? WHERE user_id = ? AND " + outstandingCode + " AND kind IN (?)",
			"codes_user_kind", []any{0, 1, 0, "reset"}, false},
		{"UPDATE codes SET used_at = ? WHERE seq = ? AND " + outstandingCode, "INTEGER PRIMARY KEY", []any{0, 1, 0}, false},
		// Passcodes: the cooldown and the current code (newest of a
		// user's kind and purpose, maybe to one destination), the
		// voiding of the older code, the send limit per destination
		// (a handful of rows to sort), and the count of wrong guesses.
		{"SELECT " + codeColumns + " FROM codes WHERE user_id = ? AND kind IN (?) AND purpose = ? ORDER BY seq DESC LIMIT ?",
			"codes_user_purpose", []any{1, "otp", "recovery", 1}, false},
		{"SELECT " + codeColumns + " FROM codes WHERE user_id = ? AND kind IN (?) AND purpose = ? AND destination = ? ORDER BY seq DESC LIMIT ?",
			"codes_user_purpose", []any{1, "otp", "recovery", "+15550100", 1}, false},
		{"UPDATE codes SET voided_at = ? WHERE user_id = ? AND " + outstandingCode + " AND kind IN (?) AND purpose = ?",
			"codes_user_purpose", []any{0, 1, 0, "otp", "recovery"}, false},
		{"SELECT " + codeColumns + " FROM codes WHERE kind IN (?) AND destination = ? AND created_at >= ? ORDER BY seq DESC",
			"codes_destination (destination=? AND created_at>?)", []any{"otp", "+15550100", 0}, true},
		{"UPDATE codes SET attempts = attempts + 1, voided_at = CASE WHEN attempts + 1 >= ? THEN ? ELSE voided_at END WHERE seq = ? AND " +
			outstandingCode, "INTEGER PRIMARY KEY", []any{5, 0, 1, 0}, false},
	} {
		plan := queryPlan(t, s.w, tc.query, tc.args...)
		if !strings.Contains(plan, tc.want) || (!tc.sorts && strings.Contains(plan, "TEMP B-TREE")) {
			t.Errorf("%s:\n%s", tc.query, plan)
		}
	}
}

// TestUseCodeRace has 16 goroutines, each with its own store on one file as
// processes would have, submit the same code at once the way the core
// does: all read it first and find it outstanding, then all try to use
// it. Exactly one succeeds. Then 16 goroutines sharing one store do the
// same with a second code.
func TestUseCodeRace(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "acctl.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	alice := newRec("alice")
	insert(t, s, alice)
	separate, shared := newCode(alice.ID, "cod_separate"), newCode(alice.ID, "cod_shared")
	insertCodes(t, s, separate, shared)
	now := t0.Add(time.Minute)

	const racers = 16
	race := func(t *testing.T, mac []byte, own bool) {
		start := make(chan struct{})
		results := make(chan string, racers)
		var ready, wg sync.WaitGroup
		ready.Add(racers)
		for i := range racers {
			wg.Go(func() {
				res, err := func() (string, error) {
					racer := s
					if own {
						var err error
						if racer, err = Open(ctx, path); err != nil {
							ready.Done()
							return "", err
						}
						defer racer.Close()
					}
					return submitCode(ctx, racer, mac, now, ready.Done, start)
				}()
				if err != nil {
					res = fmt.Sprintf("racer %d: %v", i, err)
				}
				results <- res
			})
		}
		ready.Wait()
		close(start)
		wg.Wait()
		close(results)
		var outcomes []string
		for r := range results {
			outcomes = append(outcomes, r)
		}
		checkUseRace(t, outcomes, racers)
	}
	t.Run("separate stores", func(t *testing.T) { race(t, separate.MAC, true) })
	t.Run("one store", func(t *testing.T) { race(t, shared.MAC, false) })
	for _, c := range []*acct.CodeRecord{separate, shared} {
		got, err := getCode(s, acct.CodeKey{ID: c.ID})
		if err != nil || got.UsedAt == nil || !got.UsedAt.Equal(now) {
			t.Errorf("%s: %+v, %v", c.ID, got, err)
		}
	}
	integrityCheck(t, s.w)
}

// submitCode is one racer on s: it finds the code by MAC and checks that
// it is outstanding, calls ready, waits for start, and then uses the code
// in a transaction of its own. It returns "used" or "refused".
func submitCode(ctx context.Context, s *Store, mac []byte, now time.Time,
	ready func(), start <-chan struct{}) (string, error) {
	var c *acct.CodeRecord
	err := s.View(ctx, func(tx acct.Tx) (err error) {
		c, err = tx.GetCode(ctx, acct.CodeKey{MAC: mac})
		return err
	})
	ready()
	if err == nil && (c.UsedAt != nil || c.VoidedAt != nil || !now.Before(c.ExpiresAt)) {
		err = fmt.Errorf("code %s not outstanding before the race: %+v", c.ID, c)
	}
	<-start
	if err != nil {
		return "", err
	}
	used, err := useCode(ctx, s, c.Seq, now)
	switch {
	case err != nil:
		return "", err
	case used:
		return "used", nil
	}
	return "refused", nil
}

func checkUseRace(t *testing.T, outcomes []string, racers int) {
	t.Helper()
	var used, refused int
	for _, o := range outcomes {
		switch o {
		case "used":
			used++
		case "refused":
			refused++
		default:
			t.Error(o)
		}
	}
	if used != 1 || refused != racers-1 {
		t.Errorf("%d used and %d refused, want 1 and %d", used, refused, racers-1)
	}
}

// codeProcessEnv names the database of a child process of
// TestUseCodeProcesses; TestUseCodeProcess reads it.
const codeProcessEnv = "ACCTL_SQLITE_TEST_CODE_DB"

// TestUseCodeProcesses is TestUseCodeRace with 16 real processes, whose
// locks SQLite cannot share in memory. Each process reads the code, says
// "ready" and waits until its standard input closes, which happens when
// all are ready; then all use the code at once. Exactly one succeeds.
func TestUseCodeProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 16 processes")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "acctl.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	alice := newRec("alice")
	insert(t, s, alice)
	code := newCode(alice.ID, "cod_proc")
	insertCodes(t, s, code)

	const racers = 16
	type proc struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		out   *bufio.Reader
	}
	procs := make([]proc, racers)
	for i := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestUseCodeProcess$")
		cmd.Env = append(os.Environ(), codeProcessEnv+"="+path, "ACCTL_SQLITE_TEST_CODE_ID="+code.ID)
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs[i] = proc{cmd, stdin, bufio.NewReader(stdout)}
	}
	defer func() {
		for _, p := range procs {
			p.stdin.Close()
			p.cmd.Wait()
		}
	}()
	// Wait until every process has read the code.
	for i, p := range procs {
		line, err := p.out.ReadString('\n')
		if strings.TrimSpace(line) != "ready" {
			rest, _ := io.ReadAll(p.out)
			t.Fatalf("process %d: %q%s, %v", i, line, rest, err)
		}
	}
	for _, p := range procs {
		p.stdin.Close()
	}
	var outcomes []string
	for i, p := range procs {
		rest, _ := io.ReadAll(p.out)
		err := p.cmd.Wait()
		out := strings.TrimSpace(string(rest))
		result, _, _ := strings.Cut(out, "\n") // the test binary then says PASS
		if err != nil {
			result = fmt.Sprintf("process %d: %v: %s", i, err, out)
		}
		outcomes = append(outcomes, result)
	}
	checkUseRace(t, outcomes, racers)

	got, err := getCode(s, acct.CodeKey{ID: code.ID})
	if err != nil || got.UsedAt == nil || !got.UsedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("after the race: %+v, %v", got, err)
	}
	integrityCheck(t, s.w)
}

// TestUseCodeProcess is the body of one process of TestUseCodeProcesses;
// run directly, it does nothing.
func TestUseCodeProcess(t *testing.T) {
	path := os.Getenv(codeProcessEnv)
	if path == "" {
		t.Skip("a child process of TestUseCodeProcesses")
	}
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var c *acct.CodeRecord
	err = s.View(ctx, func(tx acct.Tx) (err error) {
		c, err = tx.GetCode(ctx, acct.CodeKey{ID: os.Getenv("ACCTL_SQLITE_TEST_CODE_ID")})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("ready")
	if _, err := io.Copy(io.Discard, os.Stdin); err != nil { // until every process is ready
		t.Fatal(err)
	}
	used, err := useCode(ctx, s, c.Seq, t0.Add(time.Minute))
	switch {
	case err != nil:
		t.Fatal(err)
	case used:
		fmt.Println("used")
	default:
		fmt.Println("refused")
	}
}

// TestMigrateFrom0002 opens a file that the first two migrations made, with
// an account and a session, and checks that codes work on it after the
// upgrade.
func TestMigrateFrom0002(t *testing.T) {
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
		ms[0].sql, ms[1].sql,
		"INSERT INTO schema_migrations VALUES (1, 0), (2, 0)",
		`INSERT INTO users (username, status, created_at, updated_at) VALUES ('alice', 'active', 1, 2)`,
		`INSERT INTO sessions (public_id, token_hash, user_id, created_at, last_seen_at, expires_at, absolute_expires_at)
			VALUES ('ses_1', randomblob(32), 1, 1, 1, 2, 3)`,
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
	if _, err := getSession(s, acct.SessionKey{ID: "ses_1"}); err != nil {
		t.Errorf("session after the upgrade: %v", err)
	}
	c := newCode(1, "cod_1")
	insertCodes(t, s, c)
	if used, err := useCode(ctx, s, c.Seq, t0); !used || err != nil {
		t.Errorf("use on upgraded file: %v, %v", used, err)
	}
	integrityCheck(t, s.w)
	var fk int
	if err := s.w.QueryRow("SELECT count(*) FROM pragma_foreign_key_check").Scan(&fk); err != nil || fk != 0 {
		t.Errorf("foreign_key_check: %d, %v", fk, err)
	}
}

// newOTP returns an outstanding passcode of userID for purpose sent by SMS
// to dest, created at created for ten minutes.
func newOTP(userID int64, id, purpose, dest string, created time.Time) *acct.CodeRecord {
	r := newCode(userID, id)
	r.Kind, r.Purpose, r.Channel, r.Destination = acct.CodeKindOTP, purpose, acct.ChannelSMS, dest
	r.CreatedAt, r.ExpiresAt = created, created.Add(10*time.Minute)
	return r
}

// TestListCodesOTP checks the filters that passcodes need: any user, by
// purpose, by destination and since a moment (inclusive).
func TestListCodesOTP(t *testing.T) {
	s := openTest(t)
	alice, bob := newRec("alice"), newRec("bob")
	insert(t, s, alice, bob)
	const phone, other = "+15550100", "+15550199"
	verify, recovery := acct.PurposeVerifyPhone, acct.PurposeRecovery
	since := t0.Add(time.Minute)
	reset := newCode(alice.ID, "a_reset")
	reset.Channel, reset.Destination, reset.CreatedAt = acct.ChannelEmail, phone, since // no purpose
	usedOTP := newOTP(alice.ID, "a_used", verify, phone, since.Add(time.Second))
	usedOTP.UsedAt = ptr(since.Add(2 * time.Second))
	insertCodes(t, s,
		newOTP(alice.ID, "a_before", verify, phone, since.Add(-time.Millisecond)), // 1 a ms too early
		newOTP(alice.ID, "a_at", verify, phone, since),                            // 2 at the very moment
		newOTP(bob.ID, "b_phone", recovery, phone, since.Add(time.Second)),        // 3 another user, same phone
		reset,   // 4 not a passcode
		usedOTP, // 5 used
		newOTP(alice.ID, "a_recovery", recovery, other, since.Add(time.Second)), // 6 other purpose and phone
		newOTP(bob.ID, "b_other", verify, other, since.Add(time.Minute)),        // 7
	)
	otp := []acct.CodeKind{acct.CodeKindOTP}
	for _, tc := range []struct {
		name string
		q    acct.CodeFilter
		want []string
	}{
		{"any user", acct.CodeFilter{}, []string{"b_other", "a_recovery", "a_used", "a_reset", "b_phone", "a_at", "a_before"}},
		{"any user's passcodes", acct.CodeFilter{Kinds: otp}, []string{"b_other", "a_recovery", "a_used", "b_phone", "a_at", "a_before"}},
		{"purpose", acct.CodeFilter{UserID: alice.ID, Purpose: verify}, []string{"a_used", "a_at", "a_before"}},
		{"purpose of any user", acct.CodeFilter{Purpose: recovery}, []string{"a_recovery", "b_phone"}},
		{"unknown purpose", acct.CodeFilter{Purpose: "nope"}, []string{}},
		{"current passcode", acct.CodeFilter{UserID: alice.ID, Kinds: otp, Purpose: verify, Limit: 1}, []string{"a_used"}},
		{"current outstanding", acct.CodeFilter{UserID: alice.ID, Kinds: otp, Purpose: verify, Outstanding: true, Limit: 1},
			[]string{"a_at"}},
		{"destination", acct.CodeFilter{Destination: phone}, []string{"a_used", "a_reset", "b_phone", "a_at", "a_before"}},
		{"destination of a user", acct.CodeFilter{UserID: bob.ID, Destination: phone}, []string{"b_phone"}},
		{"user, purpose and destination", acct.CodeFilter{UserID: alice.ID, Kinds: otp, Purpose: recovery, Destination: phone},
			[]string{}},
		{"since", acct.CodeFilter{Since: since}, []string{"b_other", "a_recovery", "a_used", "a_reset", "b_phone", "a_at"}},
		{"send limit", acct.CodeFilter{Kinds: otp, Destination: phone, Since: since}, []string{"a_used", "b_phone", "a_at"}},
		{"since later", acct.CodeFilter{Destination: phone, Since: since.Add(time.Second + time.Millisecond)}, []string{}},
		{"since, a user", acct.CodeFilter{UserID: bob.ID, Since: since.Add(time.Second)}, []string{"b_other", "b_phone"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.q.Outstanding {
				tc.q.Now = since.Add(time.Minute)
			}
			got := listCodes(t, s, tc.q)
			if ids := codeIDs(got); !reflect.DeepEqual(ids, tc.want) {
				t.Errorf("got %v, want %v", ids, tc.want)
			}
		})
	}
	// Records read back whole, purpose and all.
	if got := listCodes(t, s, acct.CodeFilter{Destination: phone, Limit: 1}); len(got) != 1 || !reflect.DeepEqual(&got[0], usedOTP) {
		t.Errorf("record: %+v\nwant %+v", got, usedOTP)
	}

	ctx := context.Background()
	err := s.View(ctx, func(tx acct.Tx) error {
		_, err := tx.ListCodes(ctx, acct.CodeFilter{UserID: alice.ID, Outstanding: true})
		return err
	})
	if err == nil {
		t.Error("outstanding without a time accepted")
	}
}

func TestVoidCodesPurpose(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	alice, bob := newRec("alice"), newRec("bob")
	insert(t, s, alice, bob)
	at := t0.Add(time.Minute)
	const phone = "+15550100"
	verify, recovery := acct.PurposeVerifyPhone, acct.PurposeRecovery
	used := newOTP(alice.ID, "a_used", verify, phone, t0)
	used.UsedAt = ptr(t0.Add(time.Second))
	expired := newOTP(alice.ID, "a_expired", verify, phone, t0)
	expired.ExpiresAt = at // expired at the very moment
	insertCodes(t, s,
		newOTP(alice.ID, "a_verify", verify, phone, t0),
		newOTP(alice.ID, "a_recovery", recovery, phone, t0),
		newOTP(bob.ID, "b_verify", verify, phone, t0),
		newCode(alice.ID, "a_reset"),
		used, expired,
		newOTP(alice.ID, "a_verify2", verify, "+15550199", t0),
	)
	void := func(q acct.CodeVoid) []string {
		t.Helper()
		var got []string
		err := s.Update(ctx, func(tx acct.Tx) (err error) {
			got, err = tx.VoidCodes(ctx, q)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	otp := []acct.CodeKind{acct.CodeKindOTP}
	if got := void(acct.CodeVoid{UserID: alice.ID, Kinds: otp, Purpose: "nope", At: at}); len(got) != 0 {
		t.Errorf("unknown purpose voided %v", got)
	}
	if got := void(acct.CodeVoid{UserID: alice.ID, Kinds: otp, Purpose: verify, At: at}); !reflect.DeepEqual(got, []string{"a_verify", "a_verify2"}) {
		t.Errorf("voided %v, want [a_verify a_verify2]", got)
	}
	left := codeIDs(listCodes(t, s, acct.CodeFilter{Outstanding: true, Now: at}))
	if !reflect.DeepEqual(left, []string{"a_reset", "b_verify", "a_recovery"}) {
		t.Errorf("outstanding after voiding: %v", left)
	}
	// A purpose without kinds: only codes of that purpose, of any kind.
	if got := void(acct.CodeVoid{UserID: alice.ID, Purpose: recovery, At: at}); !reflect.DeepEqual(got, []string{"a_recovery"}) {
		t.Errorf("voided %v, want [a_recovery]", got)
	}
}

// failAttempt runs FailCodeAttempt in a transaction of its own.
func failAttempt(ctx context.Context, s *Store, seq int64, max int, now time.Time) (int, error) {
	var n int
	err := s.Update(ctx, func(tx acct.Tx) (err error) {
		n, err = tx.FailCodeAttempt(ctx, seq, max, now)
		return err
	})
	return n, err
}

func TestFailCodeAttempt(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	alice := newRec("alice")
	insert(t, s, alice)
	const phone = "+15550100"
	capped := newOTP(alice.ID, "capped", acct.PurposeVerifyPhone, phone, t0)
	edge := newOTP(alice.ID, "edge", acct.PurposeSignup, phone, t0)
	used := newOTP(alice.ID, "used", acct.PurposeRecovery, phone, t0)
	used.UsedAt = ptr(t0.Add(time.Second))
	voided := newOTP(alice.ID, "voided", acct.PurposeRecovery, phone, t0)
	voided.VoidedAt, voided.Attempts = ptr(t0.Add(time.Second)), 2
	one := newOTP(alice.ID, "one", acct.PurposeRecovery, phone, t0)
	insertCodes(t, s, capped, edge, used, voided, one)
	end := capped.ExpiresAt

	fail := func(seq int64, max int, now time.Time) int {
		t.Helper()
		n, err := failAttempt(ctx, s, seq, max, now)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	get := func(id string) *acct.CodeRecord {
		t.Helper()
		c, err := getCode(s, acct.CodeKey{ID: id})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// Each wrong guess counts; the code stays outstanding below max.
	for want := 1; want < 5; want++ {
		now := t0.Add(time.Duration(want) * time.Second)
		if n := fail(capped.Seq, 5, now); n != want {
			t.Fatalf("guess %d: count %d", want, n)
		}
		if c := get("capped"); c.Attempts != want || c.VoidedAt != nil || c.UsedAt != nil {
			t.Fatalf("after guess %d: %+v", want, c)
		}
	}
	// The fifth is counted and voids the code at that moment.
	at := t0.Add(5 * time.Second)
	if n := fail(capped.Seq, 5, at); n != 5 {
		t.Fatalf("fifth guess: count %d", n)
	}
	if c := get("capped"); c.Attempts != 5 || c.VoidedAt == nil || !c.VoidedAt.Equal(at) || c.UsedAt != nil {
		t.Fatalf("after the fifth guess: %+v", c)
	}
	// Then nothing counts, the void time stays, and the code cannot be used.
	if n := fail(capped.Seq, 5, at.Add(time.Second)); n != 0 {
		t.Errorf("guess on a void code: count %d", n)
	}
	if ok, err := useCode(ctx, s, capped.Seq, at); ok || err != nil {
		t.Errorf("void code used: %v, %v", ok, err)
	}
	if c := get("capped"); c.Attempts != 5 || !c.VoidedAt.Equal(at) {
		t.Errorf("void code changed: %+v", c)
	}

	// Not outstanding: 0, and nothing changes.
	if n := fail(edge.Seq, 5, end); n != 0 {
		t.Errorf("at its very end: count %d", n)
	}
	if n := fail(edge.Seq, 5, end.Add(time.Hour)); n != 0 {
		t.Errorf("after its end: count %d", n)
	}
	if n := fail(used.Seq, 5, t0.Add(2*time.Second)); n != 0 {
		t.Errorf("used: count %d", n)
	}
	if n := fail(voided.Seq, 5, t0.Add(2*time.Second)); n != 0 {
		t.Errorf("voided: count %d", n)
	}
	if n := fail(99, 5, t0); n != 0 {
		t.Errorf("missing code: count %d", n)
	}
	for id, want := range map[string]*acct.CodeRecord{"edge": edge, "used": used, "voided": voided} {
		if c := get(id); !reflect.DeepEqual(c, want) {
			t.Errorf("%s changed:\n%+v\nwant\n%+v", id, c, want)
		}
	}
	// A millisecond before its end it still counts.
	if n := fail(edge.Seq, 5, end.Add(-time.Millisecond)); n != 1 {
		t.Errorf("a millisecond before its end: count %d", n)
	}
	// With max 1 the first wrong guess voids.
	if n := fail(one.Seq, 1, t0); n != 1 {
		t.Errorf("max 1: count %d", n)
	}
	if c := get("one"); c.VoidedAt == nil || !c.VoidedAt.Equal(t0) {
		t.Errorf("max 1: not voided: %+v", c)
	}
}

// TestFailCodeAttemptRace has 16 goroutines make wrong guesses at one
// code with max 5 at once, each three times: exactly five are counted,
// as 1 to 5, and the code is then void. First each with its own store on
// one file, as processes would have, then sharing one store.
func TestFailCodeAttemptRace(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "acctl.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	alice := newRec("alice")
	insert(t, s, alice)
	separate := newOTP(alice.ID, "cod_separate", acct.PurposeVerifyPhone, "+15550100", t0)
	shared := newOTP(alice.ID, "cod_shared", acct.PurposeRecovery, "+15550100", t0)
	insertCodes(t, s, separate, shared)
	now := t0.Add(time.Minute)
	const racers, guesses, max = 16, 3, 5

	race := func(t *testing.T, c *acct.CodeRecord, own bool) {
		start := make(chan struct{})
		counts := make(chan int, racers*guesses)
		var wg sync.WaitGroup
		for range racers {
			wg.Go(func() {
				racer := s
				if own {
					var err error
					if racer, err = Open(ctx, path); err != nil {
						t.Error(err)
						return
					}
					defer racer.Close()
				}
				<-start
				for range guesses {
					n, err := failAttempt(ctx, racer, c.Seq, max, now)
					if err != nil {
						t.Error(err)
						return
					}
					counts <- n
				}
			})
		}
		close(start)
		wg.Wait()
		close(counts)
		seen := map[int]int{}
		for n := range counts {
			seen[n]++
		}
		want := map[int]int{0: racers*guesses - max, 1: 1, 2: 1, 3: 1, 4: 1, 5: 1}
		if !reflect.DeepEqual(seen, want) {
			t.Errorf("counts returned (count: times) %v, want %v", seen, want)
		}
		got, err := getCode(s, acct.CodeKey{ID: c.ID})
		if err != nil || got.Attempts != max || got.VoidedAt == nil || !got.VoidedAt.Equal(now) || got.UsedAt != nil {
			t.Errorf("after the race: %+v, %v", got, err)
		}
	}
	t.Run("separate stores", func(t *testing.T) { race(t, separate, true) })
	t.Run("one store", func(t *testing.T) { race(t, shared, false) })
	integrityCheck(t, s.w)
}

// TestMigrateFrom0003 opens a file that the first three migrations made,
// with a reset code, and checks that the code reads back with no purpose
// and that passcodes work after the upgrade.
func TestMigrateFrom0003(t *testing.T) {
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
	old.SetMaxOpenConns(1)
	for _, q := range []string{
		"CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT",
		ms[0].sql, ms[1].sql, ms[2].sql,
		"INSERT INTO schema_migrations VALUES (1, 0), (2, 0), (3, 0)",
		`INSERT INTO users (username, status, created_at, updated_at) VALUES ('alice', 'active', 1, 2)`,
		`INSERT INTO codes (public_id, user_id, kind, mac, channel, created_at, expires_at)
			VALUES ('cod_old', 1, 'reset', randomblob(32), 'none', 1, 2)`,
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
	if c, err := getCode(s, acct.CodeKey{ID: "cod_old"}); err != nil || c.Purpose != "" || c.Kind != acct.CodeKindReset {
		t.Errorf("old code after the upgrade: %+v, %v", c, err)
	}
	otp := newOTP(1, "cod_otp", acct.PurposeSignup, "+15550100", t0)
	insertCodes(t, s, otp)
	got := listCodes(t, s, acct.CodeFilter{UserID: 1, Purpose: acct.PurposeSignup})
	if len(got) != 1 || !reflect.DeepEqual(&got[0], otp) {
		t.Errorf("passcode on upgraded file: %+v", got)
	}
	integrityCheck(t, s.w)
}
