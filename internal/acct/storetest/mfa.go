package storetest

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// testMFA: a factor is stored, read back and replaced; its step advances
// only forward (compare-and-set), activating a pending factor once;
// recovery codes are used once; waiting logins are used once, not after
// they expire, and purged; the user list filters by an active factor;
// DeleteMFA removes it all.
func testMFA(t *testing.T, s acct.Store) {
	alice, bob := NewRec("alice"), NewRec("bob")
	Insert(t, s, alice, bob)
	f := &acct.MFAFactorRecord{UserID: alice.ID, Kind: "totp", Status: acct.MFAPending, Secret: []byte("sealed\x00secret"),
		Algorithm: "SHA1", Digits: 6, Period: 30, CreatedAt: t0}
	step := int64(58910768)
	macs := [][]byte{bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)}
	err := Update(t, s, func(ctx context.Context, tx acct.Tx) error {
		if _, err := tx.GetMFAFactor(ctx, alice.ID); !acct.IsCode(err, acct.CodeNotFound) {
			t.Errorf("no factor: %v, want not found", err)
		}
		if ids, err := tx.ListMFAUsers(ctx, alice.ID, bob.ID); err != nil || len(ids) != 0 {
			t.Errorf("accounts with a factor, before: %v, %v; want none", ids, err)
		}
		if err := tx.PutMFAFactor(ctx, f); err != nil {
			return err
		}
		// Only alice has one; a range without her lists nobody.
		lo, hi := min(alice.ID, bob.ID), max(alice.ID, bob.ID)
		if ids, err := tx.ListMFAUsers(ctx, lo, hi); err != nil || len(ids) != 1 || ids[0] != alice.ID {
			t.Errorf("accounts with a factor in [%d, %d]: %v, %v; want [%d]", lo, hi, ids, err, alice.ID)
		}
		if ids, err := tx.ListMFAUsers(ctx, alice.ID+1, alice.ID+1000); err != nil || len(ids) != 0 {
			t.Errorf("accounts with a factor after alice: %v, %v; want none", ids, err)
		}
		got, err := tx.GetMFAFactor(ctx, alice.ID)
		if err != nil {
			return err
		}
		if got.Status != acct.MFAPending || !bytes.Equal(got.Secret, f.Secret) || got.Digits != 6 || got.Period != 30 ||
			!got.CreatedAt.Equal(t0) || got.ConfirmedAt != nil || got.LastStep != 0 {
			t.Errorf("factor read back: %+v", got)
		}
		// Activation with a step: once.
		if ok, err := tx.AdvanceMFAStep(ctx, alice.ID, step, true, t0); err != nil || !ok {
			t.Errorf("activate: %v, %v", ok, err)
		}
		if ok, err := tx.AdvanceMFAStep(ctx, alice.ID, step+1, true, t0); err != nil || ok {
			t.Errorf("activate an active factor: %v, %v; want false", ok, err)
		}
		// The same step again, or an older one: refused; a later one: once.
		for _, c := range []struct {
			step int64
			want bool
		}{{step, false}, {step - 1, false}, {step + 1, true}, {step + 1, false}} {
			if ok, err := tx.AdvanceMFAStep(ctx, alice.ID, c.step, false, t0.Add(time.Minute)); err != nil || ok != c.want {
				t.Errorf("advance to %d: %v, %v; want %v", c.step-step, ok, err, c.want)
			}
		}
		got, err = tx.GetMFAFactor(ctx, alice.ID)
		if err != nil {
			return err
		}
		if got.Status != acct.MFAActive || got.LastStep != step+1 || got.ConfirmedAt == nil || !got.ConfirmedAt.Equal(t0) ||
			got.LastUsedAt == nil || !got.LastUsedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("factor after use: %+v", got)
		}
		if err := tx.ReplaceRecoveryCodes(ctx, alice.ID, macs, t0); err != nil {
			return err
		}
		if ok, err := tx.UseRecoveryCode(ctx, bob.ID, macs[0], t0); err != nil || ok {
			t.Errorf("alice's code used for bob: %v, %v", ok, err)
		}
		if ok, err := tx.UseRecoveryCode(ctx, alice.ID, macs[0], t0); err != nil || !ok {
			t.Errorf("use a recovery code: %v, %v", ok, err)
		}
		if ok, err := tx.UseRecoveryCode(ctx, alice.ID, macs[0], t0); err != nil || ok {
			t.Errorf("use a recovery code twice: %v, %v", ok, err)
		}
		codes, err := tx.ListRecoveryCodes(ctx, alice.ID)
		if err != nil {
			return err
		}
		if len(codes) != 2 || (codes[0].UsedAt == nil) == (codes[1].UsedAt == nil) {
			t.Errorf("recovery codes: %+v", codes)
		}
		w := &acct.MFATokenRecord{TokenHash: bytes.Repeat([]byte{9}, 32), UserID: alice.ID, Keep: true, Label: "laptop",
			Detail: ", persistent", CreatedAt: t0, ExpiresAt: t0.Add(5 * time.Minute)}
		if err := tx.InsertMFAToken(ctx, w); err != nil {
			return err
		}
		gw, err := tx.GetMFAToken(ctx, w.TokenHash)
		if err != nil || !gw.Keep || gw.Label != "laptop" || gw.UserID != alice.ID || !gw.ExpiresAt.Equal(w.ExpiresAt) || gw.UsedAt != nil {
			t.Errorf("waiting login: %+v, %v", gw, err)
		}
		if ok, err := tx.UseMFAToken(ctx, w.TokenHash, t0.Add(5*time.Minute)); err != nil || ok {
			t.Errorf("use an expired waiting login: %v, %v", ok, err)
		}
		if ok, err := tx.UseMFAToken(ctx, w.TokenHash, t0.Add(time.Minute)); err != nil || !ok {
			t.Errorf("use a waiting login: %v, %v", ok, err)
		}
		if ok, err := tx.UseMFAToken(ctx, w.TokenHash, t0.Add(time.Minute)); err != nil || ok {
			t.Errorf("use a waiting login twice: %v, %v", ok, err)
		}
		if n, err := tx.DeleteMFATokens(ctx, t0.Add(time.Minute), 10); err != nil || n != 0 {
			t.Errorf("purge before expiry: %d, %v", n, err)
		}
		if n, err := tx.DeleteMFATokens(ctx, t0.Add(5*time.Minute), 10); err != nil || n != 1 {
			t.Errorf("purge after expiry: %d, %v", n, err)
		}
		for filter, want := range map[acct.MFAFilter]string{acct.MFAWith: "alice", acct.MFAWithout: "bob"} {
			recs, err := tx.ListUsers(ctx, acct.UserFilter{MFA: filter, Limit: 10})
			if err != nil {
				return err
			}
			if len(recs) != 1 || recs[0].Username != want {
				t.Errorf("list users with mfa %q: %+v, want %s", filter, recs, want)
			}
		}
		if had, err := tx.DeleteMFA(ctx, alice.ID); err != nil || !had {
			t.Errorf("delete: %v, %v", had, err)
		}
		if had, err := tx.DeleteMFA(ctx, alice.ID); err != nil || had {
			t.Errorf("delete again: %v, %v", had, err)
		}
		if codes, err := tx.ListRecoveryCodes(ctx, alice.ID); err != nil || len(codes) != 0 {
			t.Errorf("recovery codes after delete: %+v, %v", codes, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testMFAStepRace: concurrent transactions advance one factor to the
// same step: exactly one of them changes it, whatever the store's
// concurrency (SQLite's writers follow one another; PostgreSQL's wait on
// the row and check the condition again).
func testMFAStepRace(t *testing.T, s acct.Store) {
	ctx := context.Background()
	alice := NewRec("alice")
	Insert(t, s, alice)
	f := &acct.MFAFactorRecord{UserID: alice.ID, Kind: "totp", Status: acct.MFAActive, Secret: []byte("x"),
		Algorithm: "SHA1", Digits: 6, Period: 30, CreatedAt: t0}
	if err := Update(t, s, func(ctx context.Context, tx acct.Tx) error { return tx.PutMFAFactor(ctx, f) }); err != nil {
		t.Fatal(err)
	}
	const n = 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ok bool
			err := s.Update(ctx, func(tx acct.Tx) (err error) {
				ok, err = tx.AdvanceMFAStep(ctx, alice.ID, 100, false, t0)
				return err
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil && !acct.IsCode(err, acct.CodeUnavailable):
				t.Errorf("advance: %v", err)
			case ok:
				wins++
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d of %d concurrent advances to one step won, want 1", wins, n)
	}
}
