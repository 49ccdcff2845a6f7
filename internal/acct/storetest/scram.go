package storetest

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// testScramVerifiers: an account has no verifier until one is put; a put
// replaces it; a delete removes it (and a delete of none is no error);
// ListScramVerifiers gives those of an id range in id order.
func testScramVerifiers(t *testing.T, s acct.Store) {
	ctx := context.Background()
	a, b, c := NewRec("alice"), NewRec("bob"), NewRec("carol")
	Insert(t, s, a, b, c)
	get := func(id int64) (*acct.ScramRecord, error) {
		var r *acct.ScramRecord
		err := s.View(ctx, func(tx acct.Tx) (err error) {
			r, err = tx.GetScramVerifier(ctx, id)
			return err
		})
		return r, err
	}
	if _, err := get(a.ID); !acct.IsCode(err, acct.CodeNotFound) {
		t.Fatalf("no verifier yet: %v, want not found", err)
	}
	put := func(id int64, v string, tag []byte) {
		t.Helper()
		if err := Update(t, s, func(ctx context.Context, tx acct.Tx) error {
			return tx.PutScramVerifier(ctx, &acct.ScramRecord{UserID: id, Verifier: v, HashTag: tag})
		}); err != nil {
			t.Fatal(err)
		}
	}
	put(a.ID, "SCRAM-SHA-256$4096:one", []byte{1, 2, 3})
	put(c.ID, "SCRAM-SHA-256$4096:c", []byte{9})
	put(a.ID, "SCRAM-SHA-256$4096:two", []byte{4, 5})
	r, err := get(a.ID)
	if err != nil || r.UserID != a.ID || r.Verifier != "SCRAM-SHA-256$4096:two" || !bytes.Equal(r.HashTag, []byte{4, 5}) {
		t.Fatalf("after two puts: %+v, %v", r, err)
	}
	var list []acct.ScramRecord
	err = s.View(ctx, func(tx acct.Tx) (err error) {
		list, err = tx.ListScramVerifiers(ctx, a.ID, c.ID)
		return err
	})
	if err != nil || len(list) != 2 || list[0].UserID != a.ID || list[1].UserID != c.ID || list[1].Verifier != "SCRAM-SHA-256$4096:c" {
		t.Fatalf("ListScramVerifiers: %+v, %v", list, err)
	}
	for _, id := range []int64{a.ID, b.ID} {
		if err := Update(t, s, func(ctx context.Context, tx acct.Tx) error { return tx.DeleteScramVerifier(ctx, id) }); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := get(a.ID); !acct.IsCode(err, acct.CodeNotFound) {
		t.Fatalf("after the delete: %v, want not found", err)
	}
	// ListPasswordHashes gives the tag beside the hash.
	a2, _ := Get(t, s, acct.UserKey{Field: acct.KeyID, ID: c.ID})
	a2.PasswordHash = "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA"
	if err := Update(t, s, func(ctx context.Context, tx acct.Tx) error { return tx.UpdateUser(ctx, a2) }); err != nil {
		t.Fatal(err)
	}
	var hashes []acct.UserHash
	err = s.View(ctx, func(tx acct.Tx) (err error) {
		hashes, err = tx.ListPasswordHashes(ctx, 0, 10)
		return err
	})
	if err != nil || len(hashes) != 3 || hashes[0].ScramTag != nil || !bytes.Equal(hashes[2].ScramTag, []byte{9}) {
		t.Fatalf("ListPasswordHashes: %+v, %v", hashes, err)
	}
}

// NewChallenge returns a challenge of userID (0 for none) created at t0.
func NewChallenge(id string, userID int64) *acct.ChallengeRecord {
	return &acct.ChallengeRecord{ID: id, UserID: userID, Name: "alice", ClientFirst: "n,,n=alice,r=abc",
		ServerFirst: "r=abcdef,s=c2FsdA==,i=4096", CreatedAt: t0, ExpiresAt: t0.Add(acct.ChallengeTTL)}
}

// Consume consumes challenge id at now in one write transaction.
func Consume(ctx context.Context, s acct.Store, id string, now time.Time) (*acct.ChallengeRecord, error) {
	var c *acct.ChallengeRecord
	err := s.Update(ctx, func(tx acct.Tx) (err error) {
		c, err = tx.ConsumeChallenge(ctx, id, now)
		return err
	})
	return c, err
}

// testChallenges: a challenge is consumed once, only before it expires;
// an unknown one is not found; an id in use is a conflict; expired ones
// are deleted in batches.
func testChallenges(t *testing.T, s acct.Store) {
	ctx := context.Background()
	a := NewRec("alice")
	Insert(t, s, a)
	for _, c := range []*acct.ChallengeRecord{NewChallenge("chl_a", a.ID), NewChallenge("chl_none", 0), NewChallenge("chl_late", a.ID)} {
		if err := Update(t, s, func(ctx context.Context, tx acct.Tx) error { return tx.InsertChallenge(ctx, c) }); err != nil {
			t.Fatal(err)
		}
	}
	err := Update(t, s, func(ctx context.Context, tx acct.Tx) error { return tx.InsertChallenge(ctx, NewChallenge("chl_a", 0)) })
	if !acct.IsCode(err, acct.CodeConflict) {
		t.Fatalf("an id in use: %v, want a conflict", err)
	}
	now := t0.Add(time.Minute)
	c, err := Consume(ctx, s, "chl_a", now)
	want := NewChallenge("chl_a", a.ID)
	if err != nil || c.ID != want.ID || c.UserID != a.ID || c.Name != want.Name || c.ClientFirst != want.ClientFirst ||
		c.ServerFirst != want.ServerFirst || !c.CreatedAt.Equal(t0) || !c.ExpiresAt.Equal(want.ExpiresAt) ||
		c.UsedAt == nil || !c.UsedAt.Equal(now) {
		t.Fatalf("consume: %+v, %v", c, err)
	}
	if _, err := Consume(ctx, s, "chl_a", now); !acct.IsCode(err, acct.CodeNotFound) {
		t.Fatalf("consumed twice: %v, want not found", err)
	}
	if c, err := Consume(ctx, s, "chl_none", now); err != nil || c.UserID != 0 {
		t.Fatalf("consume a challenge of no account: %+v, %v", c, err)
	}
	if _, err := Consume(ctx, s, "chl_late", t0.Add(acct.ChallengeTTL)); !acct.IsCode(err, acct.CodeNotFound) {
		t.Fatalf("consumed at its expiry: %v, want not found", err)
	}
	if _, err := Consume(ctx, s, "chl_unknown", now); !acct.IsCode(err, acct.CodeNotFound) {
		t.Fatalf("unknown: %v, want not found", err)
	}
	var n int64
	if err := Update(t, s, func(ctx context.Context, tx acct.Tx) (err error) {
		n, err = tx.DeleteChallenges(ctx, t0.Add(acct.ChallengeTTL), 2)
		return err
	}); err != nil || n != 2 {
		t.Fatalf("delete: %d, %v; want 2", n, err)
	}
	if err := Update(t, s, func(ctx context.Context, tx acct.Tx) (err error) {
		n, err = tx.DeleteChallenges(ctx, t0.Add(acct.ChallengeTTL), 2)
		return err
	}); err != nil || n != 1 {
		t.Fatalf("delete the rest: %d, %v; want 1", n, err)
	}
}

// testConsumeChallengeRace: 16 stores consume one challenge at once:
// exactly one gets it.
func testConsumeChallengeRace(t *testing.T, newDB NewDB) {
	ctx := context.Background()
	open := newDB(t)
	s, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := Update(t, s, func(ctx context.Context, tx acct.Tx) error {
		return tx.InsertChallenge(ctx, NewChallenge("chl_race", 0))
	}); err != nil {
		t.Fatal(err)
	}
	var won atomic.Int64
	raceStores(t, open, 16, func(i int, s acct.Store) error {
		_, err := Consume(ctx, s, "chl_race", t0.Add(time.Second))
		switch {
		case err == nil:
			won.Add(1)
		case !acct.IsCode(err, acct.CodeNotFound):
			return err
		}
		return nil
	})
	if won.Load() != 1 {
		t.Fatalf("%d consumers got the challenge, want 1", won.Load())
	}
}
