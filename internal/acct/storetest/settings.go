package storetest

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

func claimSetting(s acct.Store, name string, value []byte) (stored []byte, err error) {
	ctx := context.Background()
	err = s.Update(ctx, func(tx acct.Tx) (err error) {
		stored, err = tx.ClaimSetting(ctx, name, value, t0)
		return err
	})
	return stored, err
}

// testClaimSetting: the first value claimed under a name stays; later
// claims get it back; names are apart; a rolled-back claim leaves nothing.
func testClaimSetting(t *testing.T, s acct.Store) {
	first, second := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	if got, err := claimSetting(s, "secret_fingerprint", first); err != nil || !bytes.Equal(got, first) {
		t.Fatalf("first claim: %x, %v; want %x", got, err, first)
	}
	if got, err := claimSetting(s, "secret_fingerprint", second); err != nil || !bytes.Equal(got, first) {
		t.Fatalf("second claim: %x, %v; want the first value %x", got, err, first)
	}
	if got, err := claimSetting(s, "other", second); err != nil || !bytes.Equal(got, second) {
		t.Fatalf("claim of another name: %x, %v; want %x", got, err, second)
	}
	ctx := context.Background()
	rollback := acct.Errorf(acct.CodeInvalid, "roll back")
	err := s.Update(ctx, func(tx acct.Tx) error {
		if _, err := tx.ClaimSetting(ctx, "rolled", first, t0); err != nil {
			return err
		}
		return rollback
	})
	if err != rollback {
		t.Fatalf("rolled-back claim: %v", err)
	}
	if got, err := claimSetting(s, "rolled", second); err != nil || !bytes.Equal(got, second) {
		t.Fatalf("claim after a rollback: %x, %v; want %x", got, err, second)
	}
}

// testClaimSettingRace: several stores on one database, as several
// processes would, claim the secret fingerprint with different values at
// once: one wins, and every claimant gets the winner's value.
func testClaimSettingRace(t *testing.T, newDB NewDB) {
	const n = 8
	open := newDB(t)
	got := make([][]byte, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var ready, wg sync.WaitGroup
	ready.Add(n)
	for i := range n {
		wg.Go(func() {
			s, err := open()
			ready.Done()
			if err != nil {
				errs[i] = err
				return
			}
			defer s.Close()
			<-start
			got[i], errs[i] = claimSetting(s, "secret_fingerprint", bytes.Repeat([]byte{byte(i + 1)}, 32))
		})
	}
	ready.Wait()
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("claim %d: %v", i, errs[i])
		}
		if !bytes.Equal(got[i], got[0]) {
			t.Fatalf("claim %d got %x, claim 0 got %x: one value must win", i, got[i], got[0])
		}
	}
}
