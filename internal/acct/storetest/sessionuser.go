package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// SessionUser checks a store whose Tx implements acct.SessionUserTx and
// which is an acct.SessionUserReader: the one-query read of a session and
// its user gives what GetSession and GetUser give apart, for a live and an
// ended session of a user with optional fields set, and the same read
// outside a transaction gives the same; an unknown hash is not found.
func SessionUser(t *testing.T, s acct.Store) {
	t.Helper()
	ctx := context.Background()
	u := NewRec("alice")
	u.Phone, u.FirstName, u.Language, u.LockReason = "+447400100001", "Alice", "en-GB", "test"
	Insert(t, s, u)
	live := NewSession(u.ID, "ses_live")
	live.Persistent = true
	ended := NewSession(u.ID, "ses_ended")
	end := t0.Add(time.Minute)
	ended.EndedAt = &end
	InsertSessions(t, s, live, ended)
	err := s.View(ctx, func(tx acct.Tx) error {
		g, ok := tx.(acct.SessionUserTx)
		if !ok {
			t.Fatalf("%T is not an acct.SessionUserTx", tx)
		}
		for _, want := range []*acct.SessionRecord{live, ended} {
			gs, gu, err := g.GetSessionUser(ctx, want.TokenHash)
			if err != nil {
				return err
			}
			ws, err := tx.GetSession(ctx, acct.SessionKey{TokenHash: want.TokenHash})
			if err != nil {
				return err
			}
			wu, err := tx.GetUser(ctx, acct.UserKey{Field: acct.KeyID, ID: u.ID})
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(gs, ws) || !reflect.DeepEqual(gu, wu) {
				t.Errorf("GetSessionUser %s:\n%+v\n%+v\nwant\n%+v\n%+v", want.ID, gs, gu, ws, wu)
			}
		}
		if _, _, err := g.GetSessionUser(ctx, make([]byte, 32)); !acct.IsCode(err, acct.CodeNotFound) {
			t.Errorf("unknown hash: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The same read without a transaction (acct.SessionUserReader), which
	// ValidateSession uses.
	r, ok := s.(acct.SessionUserReader)
	if !ok {
		t.Fatalf("%T is not an acct.SessionUserReader", s)
	}
	for _, want := range []*acct.SessionRecord{live, ended} {
		gs, gu, err := r.ReadSessionUser(ctx, want.TokenHash)
		if err != nil {
			t.Fatal(err)
		}
		var ws *acct.SessionRecord
		var wu *acct.UserRecord
		err = s.View(ctx, func(tx acct.Tx) error {
			ws, wu, err = tx.(acct.SessionUserTx).GetSessionUser(ctx, want.TokenHash)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(gs, ws) || !reflect.DeepEqual(gu, wu) {
			t.Errorf("ReadSessionUser %s:\n%+v\n%+v\nwant\n%+v\n%+v", want.ID, gs, gu, ws, wu)
		}
	}
	if _, _, err := r.ReadSessionUser(ctx, make([]byte, 32)); !acct.IsCode(err, acct.CodeNotFound) {
		t.Errorf("ReadSessionUser, unknown hash: %v", err)
	}
}
