package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/storetest"
	"github.com/acctl/acctl/internal/sqlstore"
)

// The shared texts of the session queries (internal/sqlstore/sessions.go).
const sessionColumns, sessionsFrom = sqlstore.SessionColumns, sqlstore.SessionsFrom

// queryPlan returns EXPLAIN QUERY PLAN's details for query, one a line.
func queryPlan(t *testing.T, db *sql.DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		b.WriteString(detail + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestSessionQueriesUseIndexes(t *testing.T) {
	s := openTest(t)
	for _, tc := range []struct {
		query, want string
		args        []any
	}{
		{"SELECT " + sessionColumns + sessionsFrom + " WHERE s.public_id = ?", "sqlite_autoindex_sessions_1", []any{"x"}},
		{"SELECT " + sessionColumns + sessionsFrom + " WHERE s.token_hash = ?", "sqlite_autoindex_sessions_2", []any{[]byte("x")}},
		{"SELECT " + sessionColumns + sessionsFrom + " WHERE s.user_id = ? AND s.ended_at IS NULL AND s.expires_at > ? ORDER BY s.seq DESC LIMIT ?",
			"sessions_user_seq", []any{1, 0, 10}},
		{"UPDATE sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL AND expires_at > ?",
			"sessions_user_seq", []any{0, 1, 0}},
		{"SELECT id FROM users WHERE foreign_id = ?", "users_foreign_id", []any{"x"}},
		{sqlstore.SessionUserQuery, "sqlite_autoindex_sessions_2", []any{[]byte("x")}},
	} {
		plan := queryPlan(t, s.w, tc.query, tc.args...)
		if !strings.Contains(plan, tc.want) || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%s:\n%s", tc.query, plan)
		}
	}
}

// TestProcessesLoginFailures is the contract's ConcurrentLoginFailures
// (storetest) with real processes: 20 processes × 5 failures count 100.
func TestProcessesLoginFailures(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 20 processes")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "acctl.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	insert(t, s, newRec("alice"))

	const procs, perProc = 20, 5
	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "ACCTL_SQLITE_TEST_DB="+path, "ACCTL_SQLITE_TEST_NAME=fail:alice",
			fmt.Sprintf("ACCTL_SQLITE_TEST_COUNT=%d", perProc))
		out := new(strings.Builder)
		cmd.Stdout, cmd.Stderr = out, out
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	for _, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for i, cmd := range cmds {
		err := cmd.Wait()
		out := strings.TrimSpace(outs[i].String())
		if err != nil {
			t.Errorf("process %d: %v: %s", i, err, out)
			continue
		}
		// Each process prints the counts it got back: each count is
		// handed out once.
		for _, n := range strings.Fields(out) {
			if seen[n] {
				t.Errorf("count %s returned twice", n)
			}
			seen[n] = true
		}
	}
	got, err := get(t, s, acct.UserKey{Field: acct.KeyUsername, Value: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if got.FailedLogins != procs*perProc || len(seen) != procs*perProc {
		t.Errorf("count %d, %d distinct returns; want %d", got.FailedLogins, len(seen), procs*perProc)
	}
	integrityCheck(t, s.w)
}

// failProcess is the body of one process of TestProcessesLoginFailures:
// it counts count failed logins of username and prints the counts.
func failProcess(path, username string, count int) int {
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	defer s.Close()
	for range count {
		n, err := failLogin(ctx, s, username)
		if err != nil {
			fmt.Println(err)
			return 1
		}
		fmt.Println(n)
	}
	return 0
}

// TestMigrateFrom0001 opens a file that only the first migration made, with
// an account in it, and checks that the upgrade keeps the account and
// gives it the new fields' defaults.
func TestMigrateFrom0001(t *testing.T) {
	ctx := context.Background()
	ms := mustMigrations(t)
	path := oldFile(t, 1,
		`INSERT INTO users (username, email, status, password_hash, created_at, updated_at)
			VALUES ('alice', 'alice@example.com', 'locked', 'hash', 1, 2)`,
		`INSERT INTO users (username, status, created_at, updated_at) VALUES ('bob', 'active', 1, 2)`,
	)

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(ms) {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, len(ms))
	}
	alice, err := get(t, s, acct.UserKey{Field: acct.KeyUsername, Value: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	want := acct.User{ID: 1, Username: "alice", Email: "alice@example.com", Status: acct.StatusLocked,
		HasPassword: true, CreatedAt: fromMillis(1), UpdatedAt: fromMillis(2),
		ReferralCode: alice.ReferralCode} // drawn by 0006, see TestMigrateFrom0005
	if !reflect.DeepEqual(alice.User, want) || alice.PasswordHash != "hash" || len(alice.ReferralCode) != 8 {
		t.Errorf("migrated:\n%+v\nwant\n%+v", alice.User, want)
	}
	if bob, err := get(t, s, acct.UserKey{Field: acct.KeyUsername, Value: "bob"}); err != nil || bob.HasPassword {
		t.Errorf("bob: %+v, %v", bob, err)
	}
	// An old lock without an end never lapses.
	if got := ids(listUsers(t, s, acct.UserFilter{Statuses: []acct.Status{acct.StatusLocked}, Now: t0, Limit: 10})); !reflect.DeepEqual(got, []int64{1}) {
		t.Errorf("locked: %v", got)
	}

	// The new table and the foreign index work on the upgraded file.
	alice.Foreign = "github:1"
	if err := s.Update(ctx, func(tx acct.Tx) error { return tx.UpdateUser(ctx, alice) }); err != nil {
		t.Fatal(err)
	}
	bob := newRec("carol")
	bob.Foreign = "github:1"
	err = s.Update(ctx, func(tx acct.Tx) error { return tx.InsertUser(ctx, bob) })
	checkConflict(t, "foreign on upgraded file", err, "foreign")
	insertSessions(t, s, newSession(alice.ID, "ses_1"))
	if _, err := addFailure(ctx, s, alice.ID); err != nil {
		t.Fatal(err)
	}
	integrityCheck(t, s.w)
	var fk int
	if err := s.w.QueryRow("SELECT count(*) FROM pragma_foreign_key_check").Scan(&fk); err != nil || fk != 0 {
		t.Errorf("foreign_key_check: %d, %v", fk, err)
	}
}

// BenchmarkPurgeSessions compares the batched purge (DeleteSessions in one
// transaction per batch, as the core runs it) with one plain DELETE on the
// same data: 200,000 sessions of 1,000 users with random public ids and
// token hashes, the older half expired and a tenth of those ended too.
// bench/ compares the whole command with the sqlite3 tool at 1,000,000.
func BenchmarkPurgeSessions(b *testing.B) {
	const sessions = 200_000
	cutoff := time.UnixMilli(sessions / 2)
	setup := func(b *testing.B) *Store {
		b.StopTimer()
		defer b.StartTimer()
		s, err := Open(context.Background(), filepath.Join(b.TempDir(), "acctl.db"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.w.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
			INSERT INTO users (username, status, created_at, updated_at)
			SELECT 'u' || i, 'active', 0, 0 FROM n`); err != nil {
			b.Fatal(err)
		}
		if _, err := s.w.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
			INSERT INTO sessions (public_id, token_hash, user_id, created_at, last_seen_at,
				expires_at, absolute_expires_at, ended_at)
			SELECT 'ses_' || lower(hex(randomblob(8))), randomblob(32), 1 + abs(random()) % 1000, 0, 0,
				CASE WHEN i <= ?2 THEN i ELSE ?1 + i END, 4 * ?1,
				CASE WHEN i <= ?2 AND i % 10 = 0 THEN i - 1 END FROM n`, sessions, sessions/2); err != nil {
			b.Fatal(err)
		}
		if _, err := s.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			b.Fatal(err)
		}
		return s
	}
	check := func(b *testing.B, n int64) {
		if n != sessions/2 {
			b.Fatalf("deleted %d, want %d", n, sessions/2)
		}
	}
	b.Run("one DELETE", func(b *testing.B) {
		for b.Loop() {
			s := setup(b)
			res, err := s.w.Exec("DELETE FROM sessions WHERE expires_at <= ? OR ended_at <= ?",
				cutoff.UnixMilli(), cutoff.UnixMilli())
			if err != nil {
				b.Fatal(err)
			}
			n, _ := res.RowsAffected()
			check(b, n)
			s.Close()
		}
	})
	// The core's first batch, and about where its batches settle (sized
	// to take 1.5 s) at 1,000,000 sessions.
	for _, batch := range []int{20_000, 60_000} {
		b.Run(fmt.Sprintf("batches of %d", batch), func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				s := setup(b)
				var total int64
				for {
					var n int64
					err := s.Update(ctx, func(tx acct.Tx) (err error) {
						n, err = tx.DeleteSessions(ctx, cutoff, batch)
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
					if total += n; n < int64(batch) {
						break
					}
				}
				check(b, total)
				s.Close()
			}
		})
	}
}

// TestSessionStorage checks how a session is stored: times as integers,
// the token hash as a 32-byte blob (the round trip is in the storetest
// contract).
func TestSessionStorage(t *testing.T) {
	s := openTest(t)
	bob := newRec("")
	insert(t, s, bob)
	ended := newSession(bob.ID, "ses_ended")
	end := t0.Add(time.Minute)
	ended.EndedAt = &end
	insertSessions(t, s, ended)

	// Stored as integers and a 32-byte blob, the token nowhere.
	var types string
	if err := s.r.QueryRow(`SELECT typeof(created_at) || typeof(last_seen_at) || typeof(expires_at) ||
		typeof(absolute_expires_at) || typeof(ended_at) || typeof(token_hash) || length(token_hash)
		FROM sessions WHERE public_id = 'ses_ended'`).Scan(&types); err != nil {
		t.Fatal(err)
	}
	if types != "integerintegerintegerintegerintegerblob32" {
		t.Errorf("stored as %s", types)
	}
}

// TestDeleteSessionsPlan checks that the deletes of DeleteSessions walk
// the purge indexes rather than the whole table.
func TestDeleteSessionsPlan(t *testing.T) {
	s := openTest(t)
	// The deletes walk the purge indexes rather than the whole table.
	for col, index := range map[string]string{"expires_at": "sessions_expires_at", "ended_at": "sessions_ended_at"} {
		plan := queryPlan(t, s.w, `DELETE FROM sessions WHERE seq IN (
			SELECT seq FROM sessions WHERE `+col+` <= ? LIMIT ?)`, 0, 10)
		if !strings.Contains(plan, "USING COVERING INDEX "+index) && !strings.Contains(plan, "USING INDEX "+index) {
			t.Errorf("delete by %s: plan\n%s", col, plan)
		}
	}
}

// DeleteSessions runs its deletes with the page cache at purgeCache and
// sets back the one it found before it returns, whatever that was.
func TestDeleteSessionsPageCache(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	bob := newRec("")
	insert(t, s, bob)
	// A temporary trigger on the write connection (the pool has one)
	// notes the page cache in force at each delete.
	if _, err := s.w.ExecContext(ctx, `CREATE TEMP TABLE seen (cache_size INTEGER);
		CREATE TEMP TRIGGER note_cache AFTER DELETE ON sessions BEGIN
			INSERT INTO seen SELECT cache_size FROM pragma_cache_size;
		END`); err != nil {
		t.Fatal(err)
	}
	cacheSize := func(tx acct.Tx) string {
		t.Helper()
		var v string
		if err := tx.(*txn).tx.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, before := range []string{writeCache, "-2000"} {
		old := newSession(bob.ID, "ses_old_"+before)
		old.ExpiresAt = t0
		insertSessions(t, s, old)
		err := s.Update(ctx, func(tx acct.Tx) error {
			if _, err := tx.(*txn).tx.ExecContext(ctx, "PRAGMA cache_size = "+before); err != nil {
				return err
			}
			n, err := tx.DeleteSessions(ctx, t0, 10)
			if err != nil || n != 1 {
				t.Errorf("deleted %d, %v; want 1", n, err)
			}
			if got := cacheSize(tx); got != before {
				t.Errorf("after DeleteSessions: cache_size %s, want %s", got, before)
			}
			_, err = tx.(*txn).tx.ExecContext(ctx, "PRAGMA cache_size = "+writeCache)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	rows, err := s.w.QueryContext(ctx, "SELECT cache_size FROM seen")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		seen = append(seen, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if want := []string{purgeCache, purgeCache}; !slices.Equal(seen, want) {
		t.Errorf("cache_size during the deletes %v, want %v", seen, want)
	}
}

// TestGetSessionUser: the one-query read of a session and its user
// (storetest.SessionUser).
func TestGetSessionUser(t *testing.T) { storetest.SessionUser(t, openTest(t)) }
