package accttest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// The bodies of the stores' import and export benchmarks.

// benchRows is how many accounts the import and export benchmarks move
// (ACCTL_BENCH_ROWS overrides it).
func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("ACCTL_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// benchImportRows makes n pre-hashed accounts as an import from another
// system would bring them: username, email, names, a language and an
// argon2id hash each.
func benchImportRows(n int) []acct.ImportRow {
	const hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
	rows := make([]acct.ImportRow, n)
	for i := range rows {
		rows[i] = acct.ImportRow{Line: i + 2, Username: new(fmt.Sprintf("user%07d", i)),
			Email: new(fmt.Sprintf("user%07d@example.com", i)), FirstName: new("First"), LastName: new(fmt.Sprintf("Last %d", i)),
			Language: new("en"), PasswordHash: hash}
	}
	return rows
}

// benchLocal is a Local over a new, empty store from open.
func benchLocal(b *testing.B, open func(b *testing.B) acct.Store) *acct.Local {
	b.Helper()
	l, err := acct.NewLocal(open(b), acct.Options{Actor: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	return l
}

// importAll imports rows in batches of 1000, as "user import" does.
func importAll(b *testing.B, l *acct.Local, rows []acct.ImportRow) {
	b.Helper()
	ctx := context.Background()
	for i := 0; i < len(rows); i += 1000 {
		res, err := l.ImportUsers(ctx, acct.ImportBatch{Rows: rows[i:min(i+1000, len(rows))]})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Rejected) > 0 {
			b.Fatalf("rejected: %+v", res.Rejected[0])
		}
	}
}

// BenchmarkImport imports 100,000 pre-hashed accounts (ACCTL_BENCH_ROWS)
// into an empty store from open, as "user import" does, and reports
// rows/s. A store's BenchmarkImport calls it.
func BenchmarkImport(b *testing.B, open func(b *testing.B) acct.Store) {
	rows := benchImportRows(benchRows())
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		l := benchLocal(b, open)
		b.StartTimer()
		start := time.Now()
		importAll(b, l, rows)
		b.ReportMetric(float64(len(rows))/time.Since(start).Seconds(), "rows/s")
	}
}

// benchPhoneRows are benchImportRows with a phone number each: German
// mobile numbers, half in E.164 and half as people write them.
func benchPhoneRows(n int) []acct.ImportRow {
	rows := benchImportRows(n)
	for i := range rows {
		p := fmt.Sprintf("+49151%08d", i)
		if i%2 == 1 {
			p = fmt.Sprintf("+49 151 %04d %04d", i/10000, i%10000)
		}
		rows[i].Phone = &p
	}
	return rows
}

// BenchmarkImportWriter measures the one writer of "user import": the
// ImportUsers calls of 100,000 accounts with phone numbers
// (ACCTL_BENCH_ROWS) in batches of 1000, into an empty store from open;
// "unprepared" as a remote client's batches come, "prepared" after
// PrepareImport did the per-row work ahead, off the timer, as the
// command's workers do. rows/s is the writer's own rate; allocs/op count
// the writer's allocations.
func BenchmarkImportWriter(b *testing.B, open func(b *testing.B) acct.Store) {
	rows := benchPhoneRows(benchRows())
	for _, prepared := range []bool{false, true} {
		name := "unprepared"
		if prepared {
			name = "prepared"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			var spent time.Duration
			for range b.N {
				b.StopTimer()
				l := benchLocal(b, open)
				for i := 0; i < len(rows); i += 1000 {
					in := acct.ImportBatch{Rows: rows[i:min(i+1000, len(rows))]}
					if prepared {
						l.PrepareImport(&in)
					}
					b.StartTimer()
					start := time.Now()
					res, err := l.ImportUsers(ctx, in)
					spent += time.Since(start)
					b.StopTimer()
					if err != nil {
						b.Fatal(err)
					}
					if len(res.Rejected) > 0 {
						b.Fatalf("rejected: %+v", res.Rejected[0])
					}
				}
			}
			b.ReportMetric(float64(b.N*len(rows))/spent.Seconds(), "rows/s")
		})
	}
}

// BenchmarkExport exports 100,000 accounts (ACCTL_BENCH_ROWS) with their
// hashes as JSON lines, as "user export --with-hashes" does (to
// io.Discard), from a store from open, and reports rows/s.
func BenchmarkExport(b *testing.B, open func(b *testing.B) acct.Store) {
	rows := benchImportRows(benchRows())
	l := benchLocal(b, open)
	importAll(b, l, rows)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		w := bufio.NewWriterSize(io.Discard, 256<<10)
		enc := json.NewEncoder(w)
		n := 0
		q := acct.ExportQuery{Limit: 2000}
		for {
			p, err := l.ExportUsersWithHashes(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			for i := range p.Rows {
				if err := enc.Encode(&p.Rows[i]); err != nil {
					b.Fatal(err)
				}
			}
			n += len(p.Rows)
			if p.Next == "" {
				break
			}
			q.Cursor = p.Next
		}
		if n != len(rows) {
			b.Fatalf("exported %d of %d", n, len(rows))
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "rows/s")
	}
}

// BenchValidateSession times l.ValidateSession of a live session (l's
// clock must be stopped, so that it is not freshened) and of an unknown
// token, as sub-benchmarks "valid" and "unknown". The stores' hot-path
// benchmarks share it.
func BenchValidateSession(b *testing.B, l *acct.Local) {
	ctx := context.Background()
	if _, err := l.Register(ctx, acct.NewUser{Username: "alice", Email: "alice@example.com", Password: GoodPassword}); err != nil {
		b.Fatal(err)
	}
	ses, err := l.Login(ctx, acct.Login{Ref: "alice", Password: GoodPassword})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("valid", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if info, err := l.ValidateSession(ctx, ses.Token); err != nil || info == nil {
				b.Fatal(err)
			}
		}
	})
	bad := ses.Token[:len(ses.Token)-4] + "AAAA"
	if bad == ses.Token {
		bad = ses.Token[:len(ses.Token)-4] + "BBBB"
	}
	b.Run("unknown", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := l.ValidateSession(ctx, bad); err == nil {
				b.Fatal("an unknown token validated")
			}
		}
	})
}

// BenchLookupsBatched times l.LookupUsers with 256 REFs a call (as
// "acctl user get -" sends them), the REFs spread over the n accounts
// user0000001@example.com… that l's store holds; one op is one REF, and
// it reports lookups/s.
func BenchLookupsBatched(b *testing.B, l *acct.Local, n int) {
	ctx := context.Background()
	ref := func(i int) string { return fmt.Sprintf("user%07d@example.com", i*7919%n+1) }
	b.ReportAllocs()
	const size = 256
	refs := make([]string, 0, size)
	flush := func() {
		res, err := l.LookupUsers(ctx, refs)
		if err != nil || len(res) != len(refs) || res[len(res)-1].User == nil {
			b.Fatalf("%d refs: %d answers, %v", len(refs), len(res), err)
		}
		refs = refs[:0]
	}
	i := 0
	for b.Loop() {
		i++
		if refs = append(refs, ref(i)); len(refs) == size {
			flush()
		}
	}
	if len(refs) > 0 {
		flush()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}
