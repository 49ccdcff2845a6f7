package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
	"github.com/acctl/acctl/internal/pgtest"
	"github.com/acctl/acctl/internal/postgres"
)

// The hot reads of internal/sqlite's hotpath_bench_test.go on PostgreSQL
// (a throw-away server on this machine, over its Unix socket or
// loopback): the validation of a session, and look-ups in batches.
//
//	go test ./internal/postgres -run '^$' -bench 'ValidateSession|ManyLookups' -benchmem -count 6

// pgBenchAccounts is the number of accounts of BenchmarkManyLookups.
const pgBenchAccounts = 20_000

// benchLocal opens a Local over a fresh PostgreSQL store holding n
// generated accounts (userNNNNNNN@example.com, each with its primary
// email address, written by SQL) and a stopped clock.
func benchLocal(b *testing.B, n int) *acct.Local {
	b.Helper()
	ctx := context.Background()
	store, err := postgres.Open(ctx, pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO users (username, email, status, created_at, updated_at)
		SELECT format('user%s', lpad(i::text, 7, '0')), format('user%s@example.com', lpad(i::text, 7, '0')), 'active', now(), now()
		FROM generate_series(1, $1::int) AS i`, []any{n}},
		{`INSERT INTO addresses (user_id, kind, value, is_primary, verified, created_at)
		SELECT id, 'email', email, true, false, now() FROM users ORDER BY id`, nil},
		{`ANALYZE`, nil},
	} {
		if _, err := store.Pool().Exec(ctx, q.sql, q.args...); err != nil {
			b.Fatal(err)
		}
	}
	clock := accttest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	l, err := acct.NewLocal(store, acct.Options{Now: clock.Now, Argon2: accttest.FastArgon2, ScramIterations: acct.MinScramIterations,
		Actor: "bench", Secret: append([]byte(nil), accttest.Secret...)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	return l
}

// BenchmarkValidateSession is Local.ValidateSession of a live session
// (the clock is stopped, so it is not freshened) and of an unknown token.
func BenchmarkValidateSession(b *testing.B) {
	accttest.BenchValidateSession(b, benchLocal(b, 1000))
}

// BenchmarkManyLookups is LookupUsers with 256 REFs a call (as "acctl
// user get -" sends them) among pgBenchAccounts accounts; ns/op and
// allocs/op are per REF.
func BenchmarkManyLookups(b *testing.B) {
	accttest.BenchLookupsBatched(b, benchLocal(b, pgBenchAccounts), pgBenchAccounts)
}
