package storecopy_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/storecopy"
)

// TestCopyLarge copies a store of ACCTL_TEST_COPY_USERS accounts (with
// three audit events and two sessions each) from SQLite to SQLite, to
// PostgreSQL and back, and logs the time each copy takes and the peak of
// the heap during it: the heap must not grow with the store. It is
// skipped unless ACCTL_TEST_COPY_USERS is set (100000 takes about a
// minute).
func TestCopyLarge(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("ACCTL_TEST_COPY_USERS"))
	if n <= 0 {
		t.Skip("set ACCTL_TEST_COPY_USERS to the number of accounts to copy")
	}
	ctx := context.Background()
	src := openSQLite(t)
	began := time.Now()
	execSQLite(t, src,
		`WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < `+strconv.Itoa(n)+`)
		INSERT INTO users (username, email, status, password_hash, created_at, updated_at)
		SELECT 'user' || n, 'user' || n || '@example.com', 'active', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
			1767323045000 + n, 1767323045000 + n FROM i`,
		`INSERT INTO audit_events (at, actor, action, user_id, outcome, detail)
		SELECT created_at + k, 'tester', 'user.register', id, 'ok', 'fields: username, email'
		FROM users, (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3)`,
		`INSERT INTO sessions (public_id, token_hash, user_id, created_at, last_seen_at, expires_at, absolute_expires_at, label)
		SELECT 'ses_' || id || '_' || k, randomblob(32), id, created_at, created_at, created_at + 3600000, created_at + 86400000, 'laptop'
		FROM users, (SELECT 1 AS k UNION ALL SELECT 2)`,
	)
	t.Logf("made %d accounts, %d events, %d sessions in %v", n, 3*n, 2*n, time.Since(began).Round(time.Millisecond))

	run := func(name string, src, dst acct.Copier) {
		t.Helper()
		var peak atomic.Uint64
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > peak.Load() {
					peak.Store(ms.HeapAlloc)
				}
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}()
		runtime.GC()
		began := time.Now()
		res, err := storecopy.Copy(ctx, src, dst, storecopy.Options{})
		took := time.Since(began)
		close(stop)
		<-done
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: %d rows in %v (%.0f rows/s), heap peak %.1f MiB", name, res.Rows, took.Round(time.Millisecond),
			float64(res.Rows)/took.Seconds(), float64(peak.Load())/(1<<20))
	}
	run("SQLite → SQLite", src, openSQLite(t))
	pg := openPostgres(t)
	run("SQLite → PostgreSQL", src, pg)
	run("PostgreSQL → SQLite", pg, openSQLite(t))
}
