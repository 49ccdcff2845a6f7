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

// NewCode returns an outstanding reset code of userID created at t0 for an
// hour, with the public id id and a MAC derived from it (CodeMAC).
func NewCode(userID int64, id string) *acct.CodeRecord {
	return &acct.CodeRecord{
		ID:        id,
		UserID:    userID,
		Kind:      acct.CodeKindReset,
		MAC:       CodeMAC(id),
		Channel:   acct.ChannelNone,
		CreatedAt: t0,
		ExpiresAt: t0.Add(time.Hour),
		IssuedBy:  "support",
	}
}

// CodeMAC is the MAC NewCode gives the code id: any 32 bytes that differ
// by id.
func CodeMAC(id string) []byte {
	h := sha256.Sum256([]byte("code-" + id))
	return h[:]
}

// InsertCodes inserts recs in one transaction, failing t on an error.
func InsertCodes(t *testing.T, s acct.Store, recs ...*acct.CodeRecord) {
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

// GetCode reads the code named by key in a read transaction.
func GetCode(s acct.Store, key acct.CodeKey) (*acct.CodeRecord, error) {
	ctx := context.Background()
	var rec *acct.CodeRecord
	err := s.View(ctx, func(tx acct.Tx) error {
		var err error
		rec, err = tx.GetCode(ctx, key)
		return err
	})
	return rec, err
}

// ListCodes lists the codes q selects, failing t on an error.
func ListCodes(t *testing.T, s acct.Store, q acct.CodeFilter) []acct.CodeRecord {
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

// UseCode uses the code seq at now in its own transaction and reports
// whether this call used it.
func UseCode(ctx context.Context, s acct.Store, seq int64, now time.Time) (bool, error) {
	var used bool
	err := s.Update(ctx, func(tx acct.Tx) error {
		var err error
		used, err = tx.UseCode(ctx, seq, now)
		return err
	})
	return used, err
}

func testCodeInsertGet(t *testing.T, s acct.Store) {
	alice := NewRec("alice")
	Insert(t, s, alice)

	rec := NewCode(alice.ID, "cod_one")
	rec.Kind, rec.Purpose = acct.CodeKindOTP, acct.PurposeVerifyPhone
	rec.Channel, rec.Destination, rec.Reason = acct.ChannelSMS, "+15550100", "new phone"
	InsertCodes(t, s, rec)
	if rec.Seq != 1 {
		t.Fatalf("Seq = %d, want 1", rec.Seq)
	}
	for _, key := range []acct.CodeKey{
		{ID: "cod_one"},
		{MAC: rec.MAC},
		{ID: "cod_one", MAC: rec.MAC},
	} {
		got, err := GetCode(s, key)
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
		{MAC: CodeMAC("cod_two")},
		{ID: "cod_one", MAC: CodeMAC("cod_two")}, // both must match
	} {
		_, err := GetCode(s, key)
		if !acct.IsCode(err, acct.CodeNotFound) {
			t.Errorf("GetCode(%+v): %v, want not_found", key, err)
		}
	}

	// Used and voided codes, the other optional fields empty, read back
	// as stored; the seq grows.
	used, voided := NewCode(alice.ID, "cod_used"), NewCode(alice.ID, "cod_voided")
	used.UsedAt, used.Attempts, used.IssuedBy = new(t0.Add(time.Minute)), 3, ""
	voided.VoidedAt, voided.Kind = new(t0.Add(2*time.Minute)), acct.CodeKindForgot
	InsertCodes(t, s, used, voided)
	if used.Seq != 2 || voided.Seq != 3 {
		t.Errorf("Seq = %d, %d; want 2, 3", used.Seq, voided.Seq)
	}
	for _, want := range []*acct.CodeRecord{used, voided} {
		got, err := GetCode(s, acct.CodeKey{ID: want.ID})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s =\n%+v\nwant\n%+v", want.ID, got, want)
		}
	}
}

func testCodeInsertRefused(t *testing.T, s acct.Store) {
	ctx := context.Background()
	alice := NewRec("alice")
	Insert(t, s, alice)
	InsertCodes(t, s, NewCode(alice.ID, "cod_one"))

	dupID := NewCode(alice.ID, "cod_one")
	dupID.MAC = CodeMAC("other")
	err := s.Update(ctx, func(tx acct.Tx) error { return tx.InsertCode(ctx, dupID) })
	if !acct.IsCode(err, acct.CodeConflict) || acct.ErrorField(err) != "public_id" {
		t.Errorf("same public id: %v, want a conflict on public_id", err)
	}
	dupMAC := NewCode(alice.ID, "cod_two")
	dupMAC.MAC = CodeMAC("cod_one")
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
		rec := NewCode(alice.ID, "cod_"+strings.ReplaceAll(name, " ", "_"))
		edit(rec)
		if err := s.Update(ctx, func(tx acct.Tx) error { return tx.InsertCode(ctx, rec) }); err == nil {
			t.Errorf("%s: stored", name)
		}
	}
	if n := len(ListCodes(t, s, acct.CodeFilter{UserID: alice.ID})); n != 1 {
		t.Errorf("%d codes stored, want 1", n)
	}
}

func testListCodes(t *testing.T, s acct.Store) {
	alice, bob := NewRec("alice"), NewRec("bob")
	Insert(t, s, alice, bob)
	now := t0.Add(30 * time.Minute)
	mk := func(userID int64, id string, kind acct.CodeKind, expires time.Duration) *acct.CodeRecord {
		r := NewCode(userID, id)
		r.Kind, r.ExpiresAt = kind, now.Add(expires)
		return r
	}
	reset, forgot, otp := acct.CodeKindReset, acct.CodeKindForgot, acct.CodeKind("otp")
	used, voided := mk(alice.ID, "a_used", reset, time.Minute), mk(alice.ID, "a_voided", forgot, time.Minute)
	used.UsedAt, voided.VoidedAt = new(now.Add(-time.Minute)), new(now.Add(-time.Minute))
	InsertCodes(t, s,
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
			got := ListCodes(t, s, tc.q)
			if ids := codeIDs(got); !reflect.DeepEqual(ids, tc.want) {
				t.Errorf("got %v, want %v", ids, tc.want)
			}
			if got == nil {
				t.Error("nil slice, want empty")
			}
		})
	}

	// One millisecond later a2 has expired as well.
	later := ListCodes(t, s, acct.CodeFilter{UserID: alice.ID, Outstanding: true, Now: now.Add(time.Millisecond)})
	if ids := codeIDs(later); !reflect.DeepEqual(ids, []string{"a3", "a1"}) {
		t.Errorf("a millisecond later: %v", ids)
	}
	// Records read back whole.
	if got := ListCodes(t, s, acct.CodeFilter{UserID: alice.ID, Kinds: []acct.CodeKind{reset}, Limit: 2}); len(got) != 2 ||
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

func testUseCode(t *testing.T, s acct.Store) {
	ctx := context.Background()
	alice := NewRec("alice")
	Insert(t, s, alice)
	live, edge, voided := NewCode(alice.ID, "live"), NewCode(alice.ID, "edge"), NewCode(alice.ID, "voided")
	voided.VoidedAt = &t0
	InsertCodes(t, s, live, edge, voided)
	end := live.ExpiresAt

	use := func(seq int64, now time.Time) bool {
		t.Helper()
		used, err := UseCode(ctx, s, seq, now)
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
	got, err := GetCode(s, acct.CodeKey{ID: "live"})
	if err != nil {
		t.Fatal(err)
	}
	if got.UsedAt == nil || !got.UsedAt.Equal(now) || got.VoidedAt != nil {
		t.Errorf("after use: %+v", got)
	}
	if use(live.Seq, now) {
		t.Error("used twice")
	}
	if got, _ := GetCode(s, acct.CodeKey{ID: "live"}); !got.UsedAt.Equal(now) {
		t.Errorf("second use moved used_at to %v", got.UsedAt)
	}
	// Refused at its very end, and after.
	if use(edge.Seq, end) || use(edge.Seq, end.Add(time.Hour)) {
		t.Error("expired code used")
	}
	if got, _ := GetCode(s, acct.CodeKey{ID: "edge"}); got.UsedAt != nil {
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

func testVoidCodes(t *testing.T, open func(*testing.T) acct.Store) {
	at := t0.Add(30 * time.Minute)
	const alice, bob = 1, 2
	setup := func(t *testing.T) acct.Store {
		s := open(t)
		a, b := NewRec("alice"), NewRec("bob")
		Insert(t, s, a, b)
		if a.ID != alice || b.ID != bob {
			t.Fatalf("ids %d and %d", a.ID, b.ID)
		}
		expired := NewCode(alice, "a_expired")
		expired.ExpiresAt = at // expired at the very moment
		used, voided := NewCode(alice, "a_used"), NewCode(alice, "a_voided")
		used.UsedAt, voided.VoidedAt = &t0, &t0
		forgot := NewCode(alice, "a_forgot")
		forgot.Kind = acct.CodeKindForgot
		InsertCodes(t, s,
			NewCode(alice, "a1"), NewCode(bob, "b1"), forgot, expired, used, voided, NewCode(alice, "a2"))
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
				for _, r := range ListCodes(t, s, acct.CodeFilter{UserID: user}) {
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
				c, err := GetCode(s, acct.CodeKey{ID: id})
				if err != nil {
					t.Fatal(err)
				}
				if used, err := UseCode(ctx, s, c.Seq, at); used || err != nil {
					t.Errorf("voided %s used: %v, %v", id, used, err)
				}
			}
		})
	}
}

// NewOTP returns an outstanding one-time passcode of userID for purpose,
// sent by SMS to dest at created and valid ten minutes, with the public id
// id.
func NewOTP(userID int64, id, purpose, dest string, created time.Time) *acct.CodeRecord {
	r := NewCode(userID, id)
	r.Kind, r.Purpose, r.Channel, r.Destination = acct.CodeKindOTP, purpose, acct.ChannelSMS, dest
	r.CreatedAt, r.ExpiresAt = created, created.Add(10*time.Minute)
	return r
}

func testListCodesOTP(t *testing.T, s acct.Store) {
	alice, bob := NewRec("alice"), NewRec("bob")
	Insert(t, s, alice, bob)
	const phone, other = "+15550100", "+15550199"
	verify, recovery := acct.PurposeVerifyPhone, acct.PurposeRecovery
	since := t0.Add(time.Minute)
	reset := NewCode(alice.ID, "a_reset")
	reset.Channel, reset.Destination, reset.CreatedAt = acct.ChannelEmail, phone, since // no purpose
	usedOTP := NewOTP(alice.ID, "a_used", verify, phone, since.Add(time.Second))
	usedOTP.UsedAt = new(since.Add(2 * time.Second))
	InsertCodes(t, s,
		NewOTP(alice.ID, "a_before", verify, phone, since.Add(-time.Millisecond)), // 1 a ms too early
		NewOTP(alice.ID, "a_at", verify, phone, since),                            // 2 at the very moment
		NewOTP(bob.ID, "b_phone", recovery, phone, since.Add(time.Second)),        // 3 another user, same phone
		reset,   // 4 not a passcode
		usedOTP, // 5 used
		NewOTP(alice.ID, "a_recovery", recovery, other, since.Add(time.Second)), // 6 other purpose and phone
		NewOTP(bob.ID, "b_other", verify, other, since.Add(time.Minute)),        // 7
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
			got := ListCodes(t, s, tc.q)
			if ids := codeIDs(got); !reflect.DeepEqual(ids, tc.want) {
				t.Errorf("got %v, want %v", ids, tc.want)
			}
		})
	}
	// Records read back whole, purpose and all.
	if got := ListCodes(t, s, acct.CodeFilter{Destination: phone, Limit: 1}); len(got) != 1 || !reflect.DeepEqual(&got[0], usedOTP) {
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

func testVoidCodesPurpose(t *testing.T, s acct.Store) {
	ctx := context.Background()
	alice, bob := NewRec("alice"), NewRec("bob")
	Insert(t, s, alice, bob)
	at := t0.Add(time.Minute)
	const phone = "+15550100"
	verify, recovery := acct.PurposeVerifyPhone, acct.PurposeRecovery
	used := NewOTP(alice.ID, "a_used", verify, phone, t0)
	used.UsedAt = new(t0.Add(time.Second))
	expired := NewOTP(alice.ID, "a_expired", verify, phone, t0)
	expired.ExpiresAt = at // expired at the very moment
	InsertCodes(t, s,
		NewOTP(alice.ID, "a_verify", verify, phone, t0),
		NewOTP(alice.ID, "a_recovery", recovery, phone, t0),
		NewOTP(bob.ID, "b_verify", verify, phone, t0),
		NewCode(alice.ID, "a_reset"),
		used, expired,
		NewOTP(alice.ID, "a_verify2", verify, "+15550199", t0),
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
	left := codeIDs(ListCodes(t, s, acct.CodeFilter{Outstanding: true, Now: at}))
	if !reflect.DeepEqual(left, []string{"a_reset", "b_verify", "a_recovery"}) {
		t.Errorf("outstanding after voiding: %v", left)
	}
	// A purpose without kinds: only codes of that purpose, of any kind.
	if got := void(acct.CodeVoid{UserID: alice.ID, Purpose: recovery, At: at}); !reflect.DeepEqual(got, []string{"a_recovery"}) {
		t.Errorf("voided %v, want [a_recovery]", got)
	}
}

// FailAttempt counts a wrong guess of the code seq (voided at max) in its
// own transaction and returns the count.
func FailAttempt(ctx context.Context, s acct.Store, seq int64, max int, now time.Time) (int, error) {
	var n int
	err := s.Update(ctx, func(tx acct.Tx) (err error) {
		n, err = tx.FailCodeAttempt(ctx, seq, max, now)
		return err
	})
	return n, err
}

func testFailCodeAttempt(t *testing.T, s acct.Store) {
	ctx := context.Background()
	alice := NewRec("alice")
	Insert(t, s, alice)
	const phone = "+15550100"
	capped := NewOTP(alice.ID, "capped", acct.PurposeVerifyPhone, phone, t0)
	edge := NewOTP(alice.ID, "edge", acct.PurposeSignup, phone, t0)
	used := NewOTP(alice.ID, "used", acct.PurposeRecovery, phone, t0)
	used.UsedAt = new(t0.Add(time.Second))
	voided := NewOTP(alice.ID, "voided", acct.PurposeRecovery, phone, t0)
	voided.VoidedAt, voided.Attempts = new(t0.Add(time.Second)), 2
	one := NewOTP(alice.ID, "one", acct.PurposeRecovery, phone, t0)
	InsertCodes(t, s, capped, edge, used, voided, one)
	end := capped.ExpiresAt

	fail := func(seq int64, max int, now time.Time) int {
		t.Helper()
		n, err := FailAttempt(ctx, s, seq, max, now)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	get := func(id string) *acct.CodeRecord {
		t.Helper()
		c, err := GetCode(s, acct.CodeKey{ID: id})
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
	if ok, err := UseCode(ctx, s, capped.Seq, at); ok || err != nil {
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
