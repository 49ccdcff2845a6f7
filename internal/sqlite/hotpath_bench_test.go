package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
	"github.com/acctl/acctl/internal/sqlite"
)

// The hot paths of the core on a SQLite store, with allocation counts:
// a lookup by email among many accounts, a session's validation and a
// reset code's check. They only report; nothing asserts a time. Run them
// with
//
//	go test ./internal/sqlite -run '^$' -bench 'Lookup|ValidateSession|ResetCode' -benchmem
//
// docs/benchmarks.md records their output; bench/run.sh measures the whole
// commands against the sqlite3 tool.

// benchAccounts is the number of accounts in the lookup's store.
const benchAccounts = 100_000

// benchLocal opens a Local over a fresh store in dir holding n generated
// accounts (userNNNNNNN@example.com, each with its primary email address,
// written by SQL as bench/run.sh's sqlite3 side does) and a stopped clock.
func benchLocal(b *testing.B, n int) (*acct.Local, *accttest.Clock) {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "acctl.db")
	store, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	store.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
		INSERT INTO users (username, email, status, created_at, updated_at)
		SELECT printf('user%07d', i), printf('user%07d@example.com', i), 'active', 0, 0 FROM n`,
		`INSERT INTO addresses (user_id, kind, value, is_primary, verified, created_at)
		SELECT id, 'email', email, 1, 0, 0 FROM users ORDER BY id`,
		`PRAGMA wal_checkpoint(TRUNCATE)`,
	} {
		if _, err := db.Exec(q, n); err != nil {
			b.Fatal(err)
		}
	}
	db.Close()
	store, err = sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	clock := accttest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	l, err := acct.NewLocal(store, acct.Options{Now: clock.Now, Argon2: accttest.FastArgon2, ScramIterations: acct.MinScramIterations, Actor: "bench",
		Secret: append([]byte(nil), accttest.Secret...)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	return l, clock
}

// BenchmarkLookup is Local.User by email (what "acctl user get EMAIL" does
// once the process is up) among 100,000 accounts, and by a missing email.
func BenchmarkLookup(b *testing.B) {
	l, _ := benchLocal(b, benchAccounts)
	ctx := context.Background()
	b.Run("email", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i = i*7919%benchAccounts + 1
			u, err := l.User(ctx, fmt.Sprintf("user%07d@example.com", i))
			if err != nil || u.ID != int64(i) {
				b.Fatalf("user %d: %v, %v", i, u, err)
			}
		}
	})
	b.Run("missing", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := l.User(ctx, "nobody@example.com"); !acct.IsCode(err, acct.CodeNotFound) {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkValidateSession is Local.ValidateSession of a live session
// (one read transaction: the session, then its user; the clock is stopped,
// so it is not freshened) and of an unknown token.
func BenchmarkValidateSession(b *testing.B) {
	l, _ := benchLocal(b, 1000)
	accttest.BenchValidateSession(b, l)
}

// BenchmarkResetCode is the check of a password reset code by
// Local.ResetPassword: a wrong code (its MAC looked up and not found, the
// failure recorded), and a right one, which also sets the password (with
// the tests' cheap argon2id parameters; a new code is issued, untimed,
// before each).
func BenchmarkResetCode(b *testing.B) {
	l, _ := benchLocal(b, 1000)
	ctx := context.Background()
	if _, err := l.Register(ctx, acct.NewUser{Username: "alice", Email: "alice@example.com", Password: accttest.GoodPassword}); err != nil {
		b.Fatal(err)
	}
	// A live code, so that a wrong one is looked up among codes.
	if _, err := l.IssueResetCode(ctx, acct.ResetCodeRequest{Ref: "alice"}); err != nil {
		b.Fatal(err)
	}
	b.Run("wrong", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, err := l.ResetPassword(ctx, acct.PasswordReset{Code: "AAAA-AAAA-AAAA", Password: accttest.GoodPassword + "x"})
			if err == nil {
				b.Fatal("a wrong code was accepted")
			}
		}
	})
	b.Run("right", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			c, err := l.IssueResetCode(ctx, acct.ResetCodeRequest{Ref: "alice"})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if _, err := l.ResetPassword(ctx, acct.PasswordReset{Code: c.Code, Password: accttest.GoodPassword + "x"}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkManyLookups looks up REFs among 100,000 accounts, each with its
// addresses, as "acctl user get" answers them: one op is one REF. one-by-one
// is what a process per REF does once it is up (User, then ListAddresses:
// two read transactions); batched is LookupUsers with 256 REFs a call (one
// read transaction), as "acctl user get -" sends them.
//
//	go test ./internal/sqlite -run '^$' -bench ManyLookups -benchmem -count 6
func BenchmarkManyLookups(b *testing.B) {
	l, _ := benchLocal(b, benchAccounts)
	ctx := context.Background()
	ref := func(i int) string { return fmt.Sprintf("user%07d@example.com", i*7919%benchAccounts+1) }
	b.Run("one-by-one", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			u, err := l.User(ctx, ref(i))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := l.ListAddresses(ctx, strconv.FormatInt(u.ID, 10), ""); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
	})
	b.Run("batched", func(b *testing.B) { accttest.BenchLookupsBatched(b, l, benchAccounts) })
}
