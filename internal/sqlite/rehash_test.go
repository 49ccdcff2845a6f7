package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
	"github.com/acctl/acctl/internal/sqlite"
)

// TestLoginRehashes checks the rule that a login with a hash weaker than
// the current argon2id parameters replaces it, and that VerifyPassword
// does not. The hash is invisible through the Service, so the test reads
// it from the store, with two Locals of different costs on one file.
func TestLoginRehashes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "acctl.db")
	open := func(p acct.Argon2Params) acct.Service {
		store, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		svc, err := acct.NewLocal(store, acct.Options{Argon2: p, ScramIterations: acct.MinScramIterations})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { svc.Close() })
		return svc
	}
	hash := func() string {
		store, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		var h string
		err = store.View(ctx, func(tx acct.Tx) error {
			rec, err := tx.GetUser(ctx, acct.UserKey{Field: acct.KeyUsername, Value: "alice"})
			if err == nil {
				h = rec.PasswordHash
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}

	weak := open(accttest.FastArgon2)
	if _, err := weak.Register(ctx, acct.NewUser{Username: "alice", Email: "alice@example.com", Password: accttest.GoodPassword}); err != nil {
		t.Fatal(err)
	}
	old := hash()
	if !strings.Contains(old, "m=64,t=1,p=1") {
		t.Fatalf("registered hash %q, want the weak parameters", old)
	}

	stronger := acct.Argon2Params{Memory: 128, Time: 2, Threads: 1}
	strong := open(stronger)
	if err := strong.VerifyPassword(ctx, "alice", accttest.GoodPassword); err != nil {
		t.Fatal(err)
	}
	if h := hash(); h != old {
		t.Fatalf("verify changed the hash to %q", h)
	}
	if _, err := strong.Login(ctx, acct.Login{Ref: "alice", Password: "wrong password entirely"}); !acct.IsCode(err, acct.CodeUnauthenticated) {
		t.Fatalf("wrong password: %v", err)
	}
	if h := hash(); h != old {
		t.Fatalf("a failed login changed the hash to %q", h)
	}
	if _, err := strong.Login(ctx, acct.Login{Ref: "alice", Password: accttest.GoodPassword}); err != nil {
		t.Fatal(err)
	}
	h := hash()
	if !strings.HasPrefix(h, "$argon2id$") || !strings.Contains(h, "m=128,t=2,p=1") {
		t.Fatalf("after login the hash is %q, want argon2id with m=128,t=2,p=1", h)
	}
	if _, err := strong.Login(ctx, acct.Login{Ref: "alice", Password: accttest.GoodPassword}); err != nil {
		t.Fatalf("login with the rehashed password: %v", err)
	}
	if h2 := hash(); h2 != h {
		t.Fatal("a login with current parameters rehashed again")
	}
}
