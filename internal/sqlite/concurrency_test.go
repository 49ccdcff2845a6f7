package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/sqlstore"
	"github.com/acctl/acctl/internal/sqlstore/sqlstoretest"
	"github.com/acctl/acctl/internal/testenv"
)

// TestMain lets the test binary act as one of several processes sharing a
// database (see TestProcessesRace and TestProcessesLoginFailures).
func TestMain(m *testing.M) {
	if path := os.Getenv("ACCTL_SQLITE_TEST_DB"); path != "" {
		name := os.Getenv("ACCTL_SQLITE_TEST_NAME")
		if user, ok := strings.CutPrefix(name, "fail:"); ok { // TestProcessesLoginFailures
			n, _ := strconv.Atoi(os.Getenv("ACCTL_SQLITE_TEST_COUNT"))
			os.Exit(failProcess(path, user, n))
		}
		os.Exit(helperProcess(path, name))
	}
	// Away from the ACCTL_* variables and config of whoever runs the tests
	// (the helper processes above only use the file they are given).
	os.Exit(testenv.Run(m))
}

// registerOne registers rec as the core does: in one Update, a look-up
// first (a read, which a deferred transaction could not upgrade to a write
// under contention), then the insert and its audit event. It then reads the
// account back through the read pool.
func registerOne(ctx context.Context, s *Store, rec *acct.UserRecord) error {
	err := s.Update(ctx, func(tx acct.Tx) error {
		_, err := tx.GetUser(ctx, acct.UserKey{Field: acct.KeyUsername, Value: rec.Username})
		if !acct.IsCode(err, acct.CodeNotFound) {
			return fmt.Errorf("look-up before insert: %v", err)
		}
		if err := tx.InsertUser(ctx, rec); err != nil {
			return err
		}
		return tx.InsertEvent(ctx, &acct.Event{At: t0, Actor: "test", Action: acct.ActionUserRegister,
			UserID: &rec.ID, Outcome: acct.OutcomeOK})
	})
	if err != nil {
		return err
	}
	return s.View(ctx, func(tx acct.Tx) error {
		_, err := tx.GetUser(ctx, acct.UserKey{Field: acct.KeyID, ID: rec.ID})
		return err
	})
}

// TestConcurrentStores opens one Store per goroutine on the same new file,
// all at once, as separate processes would, and has them all write.
func TestConcurrentStores(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "data", "acctl.db")
	const stores, perStore = 8, 25
	start := make(chan struct{})
	errs := make(chan error, stores*perStore)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() {
			<-start
			s, err := Open(ctx, path)
			if err != nil {
				errs <- fmt.Errorf("store %d: %w", i, err)
				return
			}
			defer s.Close()
			for j := range perStore {
				if err := registerOne(ctx, s, newRec(fmt.Sprintf("u%d-%d", i, j))); err != nil {
					errs <- fmt.Errorf("store %d, user %d: %w", i, j, err)
				}
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		var ae *acct.Error
		if errors.As(err, &ae) {
			t.Errorf("%v: %v", err, ae.Err)
		} else {
			t.Error(err)
		}
	}

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := countUsers(t, s); n != stores*perStore {
		t.Errorf("%d users, want %d", n, stores*perStore)
	}
	if ev := listEvents(t, s, acct.EventFilter{}); len(ev) != stores*perStore {
		t.Errorf("%d events, want %d", len(ev), stores*perStore)
	}
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(mustMigrations(t)) {
		t.Errorf("SchemaVersion = %d, %v", v, err)
	}
	integrityCheck(t, s.w)
}

// TestSameEmailRace has 20 stores, opened at once on a new file, register
// the same email: exactly one wins, the others get a conflict on email.
func TestSameEmailRace(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "acctl.db")
	const racers = 20
	results := kit.Race(path, racers, func(i int, s sqlstoretest.Store) error {
		rec := newRec(fmt.Sprintf("racer%d", i))
		rec.Email = "same@example.com"
		return registerOne(ctx, s.(*Store), rec)
	})
	checkRace(t, results, racers)

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := countUsers(t, s); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
	integrityCheck(t, s.w)
}

func checkRace(t *testing.T, results <-chan error, racers int) {
	t.Helper()
	var ok, conflicts int
	for err := range results {
		switch {
		case err == nil:
			ok++
		case acct.IsCode(err, acct.CodeConflict) && acct.ErrorField(err) == "email":
			conflicts++
		default:
			var ae *acct.Error
			if errors.As(err, &ae) {
				t.Errorf("unexpected error: %v: %v", err, ae.Err)
			} else {
				t.Errorf("unexpected error: %v", err)
			}
		}
	}
	if ok != 1 || conflicts != racers-1 {
		t.Errorf("%d successes and %d conflicts, want 1 and %d", ok, conflicts, racers-1)
	}
}

// TestProcessesRace is TestSameEmailRace with real processes, whose locks
// SQLite cannot share in memory as it does within one process.
func TestProcessesRace(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 20 processes")
	}
	path := filepath.Join(t.TempDir(), "new", "acctl.db")
	const racers = 20
	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for i := range racers {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "ACCTL_SQLITE_TEST_DB="+path, fmt.Sprintf("ACCTL_SQLITE_TEST_NAME=proc%d", i))
		out := new(strings.Builder)
		cmd.Stdout, cmd.Stderr = out, out
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	for _, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	results := make(chan error, racers)
	for i, cmd := range cmds {
		err := cmd.Wait()
		out := strings.TrimSpace(outs[i].String())
		switch {
		case err != nil:
			results <- fmt.Errorf("process %d: %v: %s", i, err, out)
		case out == "ok":
			results <- nil
		case out == "conflict email":
			results <- &acct.Error{Code: acct.CodeConflict, Field: "email"}
		default:
			results <- fmt.Errorf("process %d: %s", i, out)
		}
	}
	close(results)
	checkRace(t, results, racers)

	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	integrityCheck(t, s.w)
}

// helperProcess is the body of one process of TestProcessesRace.
func helperProcess(path, name string) int {
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		var ae *acct.Error
		if errors.As(err, &ae) {
			fmt.Println(err, ae.Err)
		} else {
			fmt.Println(err)
		}
		return 1
	}
	defer s.Close()
	rec := newRec(name)
	rec.Email = "same@example.com"
	switch err := registerOne(ctx, s, rec); {
	case err == nil:
		fmt.Println("ok")
	case acct.IsCode(err, acct.CodeConflict):
		fmt.Println("conflict", acct.ErrorField(err))
	default:
		fmt.Println(err)
		return 1
	}
	return 0
}

// TestBusyIsUnavailable checks that a lock held too long surfaces as
// CodeUnavailable, using a connection that does not wait at all.
func TestBusyIsUnavailable(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	impatient, err := sql.Open("sqlite", strings.Replace(dsn(s.path, true), "busy_timeout(5000)", "busy_timeout(0)", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer impatient.Close()

	locked, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- s.Update(ctx, func(tx acct.Tx) error {
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	err = run(ctx, impatient, nil, func(acct.Tx) error { return nil })
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var ae *acct.Error
	if !errors.As(err, &ae) || ae.Code != acct.CodeUnavailable || ae.Message != "store is busy, try again" {
		t.Errorf("busy: %v, want unavailable", err)
	}
}

func TestUniqueColumn(t *testing.T) {
	for msg, want := range map[string]string{
		"constraint failed: UNIQUE constraint failed: users.email (2067)":               "email",
		"UNIQUE constraint failed: users.phone":                                         "phone",
		"constraint failed: UNIQUE constraint failed: users.foreign_id (2067)":          "foreign_id",
		"constraint failed: UNIQUE constraint failed: users.a, users.b (2067)":          "a",
		"constraint failed: UNIQUE constraint failed: schema_migrations.version (1555)": "version",
		"something else": "",
	} {
		if got := uniqueColumn(msg); got != want {
			t.Errorf("uniqueColumn(%q) = %q, want %q", msg, got, want)
		}
	}
}

func mustMigrations(t *testing.T) []sqlstore.Migration {
	t.Helper()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// oldFile makes a database file as an older acctl left it: the first
// version migrations applied and recorded, then rows (statements that put
// data in that older schema). It returns the file's path, for Open to
// upgrade.
func oldFile(t *testing.T, version int, rows ...string) string {
	t.Helper()
	stmts := make([]sqlstoretest.Stmt, len(rows))
	for i, r := range rows {
		stmts[i] = sqlstoretest.Stmt{Query: r}
	}
	path, db := kit.Older(t, version, stmts...)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
