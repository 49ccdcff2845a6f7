package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/storetest"
	"github.com/acctl/acctl/internal/pgtest"
)

// TestMigrationsMatchSQLite keeps the two stores' schema versions in step:
// version N means the same tables and columns in both.
func TestMigrationsMatchSQLite(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.Name)
	}
	entries, err := os.ReadDir(filepath.Join("..", "sqlite", "migrations"))
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("no internal/sqlite/migrations beside this package")
	}
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range entries {
		want = append(want, e.Name())
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PostgreSQL migrations %v, SQLite's %v", got, want)
	}
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	s := openURL(t, u)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(ms) {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, len(ms))
	}
	applied := appliedAt(t, s)
	if len(applied) != len(ms) {
		t.Fatalf("applied %v, want versions 1 to %d", applied, len(ms))
	}
	// Opening again applies nothing.
	again := openURL(t, u)
	if got := appliedAt(t, again); !reflect.DeepEqual(got, applied) {
		t.Errorf("reopened: %v, want %v", got, applied)
	}
	// A schema from a newer acctl is refused.
	if _, err := s.pool.Exec(ctx, "INSERT INTO schema_migrations VALUES ($1, now())", len(ms)+1); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, u); err == nil || !strings.Contains(err.Error(), "newer than this acctl knows") {
		t.Errorf("Open on a newer schema: %v", err)
	}
}

func appliedAt(t *testing.T, s *Store) map[int]time.Time {
	t.Helper()
	rows, err := s.pool.Query(context.Background(), "SELECT version, applied_at FROM schema_migrations")
	if err != nil {
		t.Fatal(err)
	}
	m := map[int]time.Time{}
	for rows.Next() {
		var v int
		var at time.Time
		if err := rows.Scan(&v, &at); err != nil {
			t.Fatal(err)
		}
		m[v] = at
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestConcurrentOpen opens 12 stores on one new schema at the same moment,
// as acctl processes and servers starting together would: the advisory
// lock has one of them apply the migrations, once, and all open.
func TestConcurrentOpen(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	const n = 12
	stores := make([]*Store, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = Open(ctx, u)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("store %d: %v", i, err)
			continue
		}
		defer stores[i].Close()
	}
	if t.Failed() {
		return
	}
	ms, _ := migrations()
	if got := appliedAt(t, stores[0]); len(got) != len(ms) {
		t.Errorf("schema_migrations holds %d rows, want %d", len(got), len(ms))
	}
	// Every store works.
	for i, s := range stores {
		storetest.Insert(t, s, storetest.NewRec(fmt.Sprintf("user%d", i)))
	}
	if n := countUsers(t, stores[0]); n != len(stores) {
		t.Errorf("%d users, want %d", n, len(stores))
	}
}

func TestOpenBadURL(t *testing.T) {
	_, err := Open(context.Background(), "postgres://u:secret@host:notaport/db")
	if !acct.IsCode(err, acct.CodeInvalid) || acct.ErrorField(err) != "store" || strings.Contains(err.Error(), "secret") {
		t.Errorf("bad URL: %v", err)
	}
}

// TestUnavailable: a server that refuses connections, or a role over its
// connection limit (SQLSTATE 53300, as "too many connections"), is
// unavailable, and the password stays out of the message.
func TestUnavailable(t *testing.T) {
	ctx := context.Background()
	_, err := Open(ctx, "postgres://acctl:s3cret@127.0.0.1:1/acctl?connect_timeout=5")
	if !acct.IsCode(err, acct.CodeUnavailable) || !strings.Contains(err.Error(), "connection refused") ||
		strings.Contains(err.Error(), "s3cret") {
		t.Errorf("refused: %v", err)
	}

	admin := pgtest.Admin(t)
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	role := fmt.Sprintf("acctl_limited_%d", os.Getpid())
	if _, err := conn.Exec(ctx, "CREATE ROLE "+role+" LOGIN CONNECTION LIMIT 0"); err != nil {
		t.Skipf("cannot create a role on this server: %v", err)
	}
	defer conn.Exec(ctx, "DROP ROLE "+role)
	cfg, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.User = url.User(role)
	_, err = Open(ctx, cfg.String())
	var pe *pgconn.PgError
	if !acct.IsCode(err, acct.CodeUnavailable) || !errors.As(err, &pe) || pe.Code != codeTooManyConnections {
		t.Errorf("role over its connection limit: %v", err)
	}
}

// TestConnectionLost: when the server ends the store's connections (as
// pg_terminate_backend or a restart does), a transaction that meets a dead
// connection fails as unavailable, and the pool then recovers.
func TestConnectionLost(t *testing.T) {
	ctx := context.Background()
	app := fmt.Sprintf("acctl_lost_%d", os.Getpid())
	s := openURL(t, withParam(t, pgtest.URL(t), "application_name", app))
	storetest.Insert(t, s, storetest.NewRec("alice"))
	conn, err := pgx.Connect(ctx, pgtest.Admin(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var killed int
	if err := conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1`, app).Scan(&killed); err != nil {
		t.Skipf("cannot end connections on this server: %v", err)
	}
	if killed == 0 {
		t.Fatal("no connection of the store to end")
	}
	// Each failure drops one dead connection; then the pool makes new ones.
	for i := range 10 {
		_, err := storetest.Get(t, s, acct.UserKey{Field: acct.KeyUsername, Value: "alice"})
		if err == nil {
			return
		}
		if !acct.IsCode(err, acct.CodeUnavailable) {
			t.Fatalf("attempt %d after the connections ended: %v, want unavailable", i, err)
		}
		t.Logf("attempt %d: %v", i, err)
	}
	t.Error("the pool did not recover")
}

// raise makes the server fail the transaction with SQLSTATE code, as a
// real serialization failure or deadlock would.
func raise(ctx context.Context, tx acct.Tx, code string) error {
	_, err := tx.(*txn).tx.Exec(ctx, "DO $$ BEGIN RAISE EXCEPTION 'raised by the test' USING ERRCODE = '"+code+"'; END $$")
	return mapError("raise", err)
}

// TestRetry: a transaction that fails with a serialization failure or a
// deadlock runs again; after maxAttempts runs the failure is unavailable.
// Other errors are not retried.
func TestRetry(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for _, code := range []string{codeSerializationFailure, codeDeadlockDetected} {
		runs := 0
		err := s.Update(ctx, func(tx acct.Tx) error {
			runs++
			rec := storetest.NewRec(fmt.Sprintf("retry_%s_%d", code, runs))
			if err := tx.InsertUser(ctx, rec); err != nil {
				return err
			}
			if runs < 3 {
				return raise(ctx, tx, code)
			}
			return nil
		})
		if err != nil || runs != 3 {
			t.Errorf("%s twice, then success: %v after %d runs", code, err, runs)
		}
		// Only the third run's insert was kept.
		if got := storetest.ListUsers(t, s, acct.UserFilter{Search: "retry_" + code, Limit: 10}); len(got) != 1 ||
			got[0].Username != fmt.Sprintf("retry_%s_3", code) {
			t.Errorf("%s: kept %+v", code, got)
		}

		runs = 0
		err = s.Update(ctx, func(tx acct.Tx) error {
			runs++
			return raise(ctx, tx, code)
		})
		var pe *pgconn.PgError
		if !acct.IsCode(err, acct.CodeUnavailable) || !errors.As(err, &pe) || pe.Code != code || runs != maxAttempts {
			t.Errorf("%s always: %v after %d runs, want unavailable after %d", code, err, runs, maxAttempts)
		}
	}

	// Neither a conflict nor fn's own error is retried.
	runs := 0
	err := s.Update(ctx, func(tx acct.Tx) error {
		runs++
		return tx.InsertUser(ctx, storetest.NewRec("retry_40001_3"))
	})
	if !acct.IsCode(err, acct.CodeConflict) || runs != 1 {
		t.Errorf("conflict: %v after %d runs", err, runs)
	}
	boom := errors.New("boom")
	runs = 0
	if err := s.Update(ctx, func(acct.Tx) error { runs++; return boom }); err != boom || runs != 1 {
		t.Errorf("fn's error: %v after %d runs", err, runs)
	}
}

// TestDeadlockRetried makes a real deadlock: two transactions lock two
// accounts in opposite orders. The server aborts one of them; it runs
// again, after the other commits, and both succeed.
func TestDeadlockRetried(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	a, b := storetest.NewRec("alice"), storetest.NewRec("bob")
	storetest.Insert(t, s, a, b)
	var runs atomic.Int32
	var bothLocked sync.WaitGroup
	bothLocked.Add(2)
	work := func(first, second int64) error {
		attempt := 0
		return s.Update(ctx, func(tx acct.Tx) error {
			attempt++
			runs.Add(1)
			if _, err := tx.GetUser(ctx, acct.UserKey{Field: acct.KeyID, ID: first}); err != nil {
				return err
			}
			if attempt == 1 {
				bothLocked.Done()
				bothLocked.Wait() // each holds one account and asks for the other's
			}
			rec, err := tx.GetUser(ctx, acct.UserKey{Field: acct.KeyID, ID: second})
			if err != nil {
				return err
			}
			rec.FailedLogins++
			return tx.UpdateUser(ctx, rec)
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- work(a.ID, b.ID) }()
	go func() { errs <- work(b.ID, a.ID) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("Update: %v", err)
		}
	}
	if n := runs.Load(); n != 3 {
		t.Errorf("%d runs, want 3 (one deadlock victim run again)", n)
	}
	for _, rec := range []*acct.UserRecord{a, b} {
		got, err := storetest.Get(t, s, acct.UserKey{Field: acct.KeyID, ID: rec.ID})
		if err != nil || got.FailedLogins != 1 {
			t.Errorf("%s: %+v, %v", rec.Username, got, err)
		}
	}
}

// TestUpdateLocksRows: inside Update, GetUser and ListUsers lock the rows
// they return until the transaction ends. A second Update that reads the
// row waits, and then sees the first one's write; a View does not wait.
func TestUpdateLocksRows(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	alice := storetest.NewRec("alice")
	storetest.Insert(t, s, alice)
	for _, lookup := range []string{"GetUser", "ListUsers"} {
		t.Run(lookup, func(t *testing.T) {
			read := func(tx acct.Tx) (*acct.UserRecord, error) {
				if lookup == "GetUser" {
					return tx.GetUser(ctx, acct.UserKey{Field: acct.KeyUsername, Value: "alice"})
				}
				recs, err := tx.ListUsers(ctx, acct.UserFilter{Search: "alice", Limit: 10})
				if err != nil || len(recs) != 1 {
					return nil, fmt.Errorf("ListUsers: %v, %v", recs, err)
				}
				return &recs[0], nil
			}
			locked, release := make(chan struct{}), make(chan struct{})
			first := make(chan error, 1)
			go func() {
				first <- s.Update(ctx, func(tx acct.Tx) error {
					rec, err := read(tx)
					if err != nil {
						return err
					}
					rec.FirstName = "written by " + lookup
					if err := tx.UpdateUser(ctx, rec); err != nil {
						return err
					}
					close(locked)
					<-release
					return nil
				})
			}()
			<-locked
			// A View reads the last committed state at once.
			var seen *acct.UserRecord
			if err := s.View(ctx, func(tx acct.Tx) (err error) { seen, err = read(tx); return err }); err != nil {
				t.Fatal(err)
			}
			if seen.FirstName == "written by "+lookup {
				t.Fatalf("View saw an uncommitted write")
			}
			second := make(chan *acct.UserRecord, 1)
			go func() {
				var got *acct.UserRecord
				err := s.Update(ctx, func(tx acct.Tx) (err error) { got, err = read(tx); return err })
				if err != nil {
					t.Error(err)
				}
				second <- got
			}()
			waitForLockWait(t, s)
			select {
			case rec := <-second:
				t.Fatalf("the second Update read %+v without waiting for the lock", rec)
			default:
			}
			close(release)
			if err := <-first; err != nil {
				t.Fatal(err)
			}
			if rec := <-second; rec == nil || rec.FirstName != "written by "+lookup {
				t.Errorf("the second Update read %+v, want the first one's write", rec)
			}
		})
	}
}

// waitForLockWait waits until a connection of the store waits for a row
// lock.
func waitForLockWait(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		err := s.pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no transaction came to wait for the lock")
}

// TestAddLoginFailureConcurrent: 10 goroutines × 20 bare AddLoginFailure
// calls, each its own transaction, without a look-up that would lock the
// row first: the guarded statement alone counts all 200.
func TestAddLoginFailureConcurrent(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	alice := storetest.NewRec("alice")
	storetest.Insert(t, s, alice)
	const goroutines, each = 10, 20
	var wg sync.WaitGroup
	seen := make(chan int, goroutines*each)
	for range goroutines {
		wg.Go(func() {
			for range each {
				n, err := storetest.AddFailure(ctx, s, alice.ID)
				if err != nil {
					t.Error(err)
					return
				}
				seen <- n
			}
		})
	}
	wg.Wait()
	close(seen)
	counts := map[int]bool{}
	for n := range seen {
		if counts[n] {
			t.Errorf("count %d returned twice", n)
		}
		counts[n] = true
	}
	got, err := storetest.Get(t, s, acct.UserKey{Field: acct.KeyID, ID: alice.ID})
	if err != nil || got.FailedLogins != goroutines*each || len(counts) != goroutines*each {
		t.Errorf("count %v, %d distinct returns, %v; want %d", got.FailedLogins, len(counts), err, goroutines*each)
	}
}

// TestSearchFoldsUnicodeInCDatabase: in a database whose LC_CTYPE is C,
// lower() folds ASCII only; the store then lowers under a collation that
// folds all of Unicode, so search finds "Élodie" for "élodie" still.
func TestSearchFoldsUnicodeInCDatabase(t *testing.T) {
	ctx := context.Background()
	admin := pgtest.Admin(t)
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	db := fmt.Sprintf("acctl_c_%d", os.Getpid())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+db+" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"); err != nil {
		conn.Close(ctx)
		t.Skipf("cannot create a database on this server: %v", err)
	}
	t.Cleanup(func() { // after the store closes
		if _, err := conn.Exec(ctx, "DROP DATABASE "+db+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database: %v", err)
		}
		conn.Close(ctx)
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + db
	s := openURL(t, u.String())
	var asciiOnly bool
	if err := s.pool.QueryRow(ctx, "SELECT lower('É') = 'É'").Scan(&asciiOnly); err != nil || !asciiOnly {
		t.Skipf("lower() folds É in a C database here (%v): nothing to test", err)
	}
	if s.fold == "" {
		t.Skip("no collation that folds Unicode on this server (ICU or C.UTF-8)")
	}
	t.Logf("search lowers with%s", s.fold)
	elodie := storetest.NewRec("elodie")
	elodie.FirstName, elodie.LastName = "Élodie", "Ørsted"
	storetest.Insert(t, s, elodie, storetest.NewRec("other"))
	for _, q := range []string{"élodie", "ÉLODIE", "øRSTED", "LODIE"} {
		if got := storetest.IDs(storetest.ListUsers(t, s, acct.UserFilter{Search: q, Limit: 10})); !reflect.DeepEqual(got, []int64{elodie.ID}) {
			t.Errorf("search %q: %v, want [%d]", q, got, elodie.ID)
		}
	}
}

func TestMapError(t *testing.T) {
	pg := func(code, constraint, table string) error {
		return fmt.Errorf("exec: %w", &pgconn.PgError{Code: code, ConstraintName: constraint, TableName: table, Message: "m"})
	}
	for _, tc := range []struct {
		err   error
		code  acct.Code
		field string
	}{
		{pg("23505", "users_username_key", "users"), acct.CodeConflict, "username"},
		{pg("23505", "users_email_key", "users"), acct.CodeConflict, "email"},
		{pg("23505", "users_phone_key", "users"), acct.CodeConflict, "phone"},
		{pg("23505", "users_foreign_id_key", "users"), acct.CodeConflict, "foreign"},
		{pg("23505", "sessions_token_hash_key", "sessions"), acct.CodeConflict, "token_hash"},
		{pg("23505", "codes_mac_key", "codes"), acct.CodeConflict, "mac"},
		{pg("23505", "widgets_colour_key", "widgets"), acct.CodeConflict, "colour"}, // a later table, default naming
		{pg("23505", "odd_name", "widgets"), acct.CodeConflict, ""},
		{pg("40001", "", ""), acct.CodeUnavailable, ""},
		{pg("40P01", "", ""), acct.CodeUnavailable, ""},
		{pg("53300", "", ""), acct.CodeUnavailable, ""},
		{pg("55P03", "", ""), acct.CodeUnavailable, ""},
		{pg("57P01", "", ""), acct.CodeUnavailable, ""},
		{pg("57P03", "", ""), acct.CodeUnavailable, ""},
		{pg("08006", "", ""), acct.CodeUnavailable, ""},
		{&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, acct.CodeUnavailable, ""},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), acct.CodeUnavailable, ""},
		{pg("23503", "", ""), acct.CodeInternal, ""}, // a foreign key: a bug, not a race
		{pg("42P01", "", ""), acct.CodeInternal, ""},
		{pg("28P01", "", ""), acct.CodeInternal, ""}, // a wrong password does not pass by itself
		{errors.New("something else"), acct.CodeInternal, ""},
	} {
		err := mapError("op", tc.err)
		if acct.ErrorCode(err) != tc.code || acct.ErrorField(err) != tc.field {
			t.Errorf("%v: %q %q, want %q %q", tc.err, acct.ErrorCode(err), acct.ErrorField(err), tc.code, tc.field)
		}
		if !errors.Is(err, tc.err) {
			t.Errorf("%v: the cause left the chain: %v", tc.err, err)
		}
	}
	for _, err := range []error{context.Canceled, fmt.Errorf("x: %w", context.DeadlineExceeded)} {
		if got := mapError("op", err); got != err {
			t.Errorf("%v became %v", err, got)
		}
	}
	if err := mapError("op", pg("23505", "users_email_key", "users")); err.Error() != "email already in use" {
		t.Errorf("message %q", err)
	}
}
