package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/pgtest"
)

// TestConcurrentLoginFailures has 20 stores on one database, as 20
// processes would, each count 5 failures of the same account the way the
// core does (a look-up first, then the increment): all 100 count.
func TestConcurrentLoginFailures(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	s := openURL(t, url)
	alice := newRec("alice")
	insert(t, s, alice)

	const stores, perStore = 20, 5
	start := make(chan struct{})
	errs := make(chan error, stores*perStore)
	var ready, wg sync.WaitGroup
	ready.Add(stores)
	for i := range stores {
		wg.Go(func() {
			s, err := Open(ctx, url)
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
	if !errors.As(err, &ae) || !strings.Contains(ae.Err.Error(), "users_foreign_id_key") {
		t.Fatalf("driver message: %v", err)
	}
	checkConflict(t, "foreign", err, "foreign")
}

// TestSessionStorage checks that a session's token hash is stored as 32
// bytes (the round trip is in the storetest contract).
func TestSessionStorage(t *testing.T) {
	s := openTest(t)
	bob := newRec("")
	insert(t, s, bob)
	ended := newSession(bob.ID, "ses_ended")
	end := t0.Add(time.Minute)
	ended.EndedAt = &end
	insertSessions(t, s, ended)

	// The token hash as 32 bytes.
	var n int
	if err := s.pool.QueryRow(context.Background(),
		"SELECT length(token_hash) FROM sessions WHERE public_id = 'ses_ended'").Scan(&n); err != nil || n != 32 {
		t.Errorf("token_hash of %d bytes, %v", n, err)
	}
}
