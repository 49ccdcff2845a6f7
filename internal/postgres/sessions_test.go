package postgres

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/storetest"
)

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

// TestGetSessionUser: the one-query read of a session and its user
// (storetest.SessionUser).
func TestGetSessionUser(t *testing.T) { storetest.SessionUser(t, openTest(t)) }
