package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct/storetest"
)

// TestSessionStorage checks that a session's token hash is stored as 32
// bytes (the round trip is in the storetest contract).
func TestSessionStorage(t *testing.T) {
	s := openTest(t)
	bob := storetest.NewRec("")
	storetest.Insert(t, s, bob)
	ended := storetest.NewSession(bob.ID, "ses_ended")
	end := t0.Add(time.Minute)
	ended.EndedAt = &end
	storetest.InsertSessions(t, s, ended)

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
