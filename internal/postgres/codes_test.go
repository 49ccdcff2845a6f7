package postgres

import (
	"context"
	"crypto/sha256"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/pgtest"
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
	rec.Channel, rec.Destination, rec.Reason = acct.ChannelEmail, "alice@example.com", "lost phone"
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

	// Empty text as '', never NULL.
	var empty bool
	if err := s.pool.QueryRow(context.Background(), `SELECT destination = '' AND issued_by = '' AND reason = ''
		FROM codes WHERE public_id = 'cod_used'`).Scan(&empty); err != nil || !empty {
		t.Errorf("empty text stored as NULL: %v, %v", empty, err)
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

// TestUseCodeRace has 16 goroutines, each with its own store on one
// database as processes would have, submit the same code at once the way the core
// does: all read it first and find it outstanding, then all try to use
// it. Exactly one succeeds. Then 16 goroutines sharing one store do the
// same with a second code.
func TestUseCodeRace(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	s := openURL(t, url)
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
						if racer, err = Open(ctx, url); err != nil {
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
