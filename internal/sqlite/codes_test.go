package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/sqlstore"
)

// The shared texts of the code queries (internal/sqlstore/codes.go).
const codeColumns, outstandingCode = sqlstore.CodeColumns, sqlstore.OutstandingCode

func TestCodeQueriesUseIndexes(t *testing.T) {
	s := openTest(t)
	for _, tc := range []struct {
		query, want string
		args        []any
		sorts       bool // a handful of a user's rows may be sorted
	}{
		{"SELECT " + codeColumns + " FROM codes WHERE public_id = ?", "sqlite_autoindex_codes_1", []any{"x"}, false},
		{"SELECT " + codeColumns + " FROM codes WHERE mac = ?", "sqlite_autoindex_codes_2", []any{[]byte("x")}, false},
		{"SELECT " + codeColumns + " FROM codes WHERE user_id = ? AND kind IN (?) AND " + outstandingCode + " ORDER BY seq DESC",
			"codes_user_kind", []any{1, "reset", 0}, false},
		{"SELECT " + codeColumns + " FROM codes WHERE user_id = ? AND " + outstandingCode + " ORDER BY seq DESC",
			"codes_user_kind", []any{1, 0}, true},
		{"UPDATE codes SET voided_at = ? WHERE user_id = ? AND " + outstandingCode + " AND kind IN (?)",
			"codes_user_kind", []any{0, 1, 0, "reset"}, false},
		{"UPDATE codes SET used_at = ? WHERE seq = ? AND " + outstandingCode, "INTEGER PRIMARY KEY", []any{0, 1, 0}, false},
		// Passcodes: the cooldown and the current code (newest of a
		// user's kind and purpose, maybe to one destination), the
		// voiding of the older code, the send limit per destination
		// (a handful of rows to sort), and the count of wrong guesses.
		{"SELECT " + codeColumns + " FROM codes WHERE user_id = ? AND kind IN (?) AND purpose = ? ORDER BY seq DESC LIMIT ?",
			"codes_user_purpose", []any{1, "otp", "recovery", 1}, false},
		{"SELECT " + codeColumns + " FROM codes WHERE user_id = ? AND kind IN (?) AND purpose = ? AND destination = ? ORDER BY seq DESC LIMIT ?",
			"codes_user_purpose", []any{1, "otp", "recovery", "+15550100", 1}, false},
		{"UPDATE codes SET voided_at = ? WHERE user_id = ? AND " + outstandingCode + " AND kind IN (?) AND purpose = ?",
			"codes_user_purpose", []any{0, 1, 0, "otp", "recovery"}, false},
		{"SELECT " + codeColumns + " FROM codes WHERE kind IN (?) AND destination = ? AND created_at >= ? ORDER BY seq DESC",
			"codes_destination (destination=? AND created_at>?)", []any{"otp", "+15550100", 0}, true},
		{"UPDATE codes SET attempts = attempts + 1, voided_at = CASE WHEN attempts + 1 >= ? THEN ? ELSE voided_at END WHERE seq = ? AND " +
			outstandingCode, "INTEGER PRIMARY KEY", []any{5, 0, 1, 0}, false},
	} {
		plan := queryPlan(t, s.w, tc.query, tc.args...)
		if !strings.Contains(plan, tc.want) || (!tc.sorts && strings.Contains(plan, "TEMP B-TREE")) {
			t.Errorf("%s:\n%s", tc.query, plan)
		}
	}
}

// TestCodeStorage checks how a code is stored: times as integers, the MAC
// as a 32-byte blob, empty text as ” (the round trip is in the storetest
// contract).
func TestCodeStorage(t *testing.T) {
	s := openTest(t)
	alice := newRec("alice")
	insert(t, s, alice)
	used := newCode(alice.ID, "cod_used")
	used.UsedAt, used.Attempts, used.IssuedBy = new(t0.Add(time.Minute)), 3, ""
	insertCodes(t, s, used)

	// Times as integers, the MAC as a 32-byte blob, empty text as ''.
	var types string
	if err := s.r.QueryRow(`SELECT typeof(created_at) || typeof(expires_at) || typeof(used_at) ||
		typeof(voided_at) || typeof(mac) || length(mac) || typeof(destination) || typeof(issued_by) ||
		typeof(reason) || quote(destination) || quote(issued_by) || quote(reason)
		FROM codes WHERE public_id = 'cod_used'`).Scan(&types); err != nil {
		t.Fatal(err)
	}
	if types != "integerintegerintegernullblob32texttexttext''''''" {
		t.Errorf("stored as %s", types)
	}
}

// codeProcessEnv names the database of a child process of
// TestUseCodeProcesses; TestUseCodeProcess reads it.
const codeProcessEnv = "ACCTL_SQLITE_TEST_CODE_DB"

// TestUseCodeProcesses is the contract's UseCodeRace (storetest) with 16
// real processes, whose locks SQLite cannot share in memory. Each process reads the code, says
// "ready" and waits until its standard input closes, which happens when
// all are ready; then all use the code at once. Exactly one succeeds.
func TestUseCodeProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 16 processes")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "acctl.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	alice := newRec("alice")
	insert(t, s, alice)
	code := newCode(alice.ID, "cod_proc")
	insertCodes(t, s, code)

	const racers = 16
	type proc struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		out   *bufio.Reader
	}
	procs := make([]proc, racers)
	for i := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestUseCodeProcess$")
		cmd.Env = append(os.Environ(), codeProcessEnv+"="+path, "ACCTL_SQLITE_TEST_CODE_ID="+code.ID)
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs[i] = proc{cmd, stdin, bufio.NewReader(stdout)}
	}
	defer func() {
		for _, p := range procs {
			p.stdin.Close()
			p.cmd.Wait()
		}
	}()
	// Wait until every process has read the code.
	for i, p := range procs {
		line, err := p.out.ReadString('\n')
		if strings.TrimSpace(line) != "ready" {
			rest, _ := io.ReadAll(p.out)
			t.Fatalf("process %d: %q%s, %v", i, line, rest, err)
		}
	}
	for _, p := range procs {
		p.stdin.Close()
	}
	var outcomes []string
	for i, p := range procs {
		rest, _ := io.ReadAll(p.out)
		err := p.cmd.Wait()
		out := strings.TrimSpace(string(rest))
		result, _, _ := strings.Cut(out, "\n") // the test binary then says PASS
		if err != nil {
			result = fmt.Sprintf("process %d: %v: %s", i, err, out)
		}
		outcomes = append(outcomes, result)
	}
	checkUseRace(t, outcomes, racers)

	got, err := getCode(s, acct.CodeKey{ID: code.ID})
	if err != nil || got.UsedAt == nil || !got.UsedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("after the race: %+v, %v", got, err)
	}
	integrityCheck(t, s.w)
}

// TestUseCodeProcess is the body of one process of TestUseCodeProcesses;
// run directly, it does nothing.
func TestUseCodeProcess(t *testing.T) {
	path := os.Getenv(codeProcessEnv)
	if path == "" {
		t.Skip("a child process of TestUseCodeProcesses")
	}
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var c *acct.CodeRecord
	err = s.View(ctx, func(tx acct.Tx) (err error) {
		c, err = tx.GetCode(ctx, acct.CodeKey{ID: os.Getenv("ACCTL_SQLITE_TEST_CODE_ID")})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("ready")
	if _, err := io.Copy(io.Discard, os.Stdin); err != nil { // until every process is ready
		t.Fatal(err)
	}
	used, err := useCode(ctx, s, c.Seq, t0.Add(time.Minute))
	switch {
	case err != nil:
		t.Fatal(err)
	case used:
		fmt.Println("used")
	default:
		fmt.Println("refused")
	}
}

// TestMigrateFrom0002 opens a file that the first two migrations made, with
// an account and a session, and checks that codes work on it after the
// upgrade.
func TestMigrateFrom0002(t *testing.T) {
	ctx := context.Background()
	ms := mustMigrations(t)
	path := oldFile(t, 2,
		`INSERT INTO users (username, status, created_at, updated_at) VALUES ('alice', 'active', 1, 2)`,
		`INSERT INTO sessions (public_id, token_hash, user_id, created_at, last_seen_at, expires_at, absolute_expires_at)
			VALUES ('ses_1', randomblob(32), 1, 1, 1, 2, 3)`,
	)

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(ms) {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, len(ms))
	}
	if _, err := getSession(s, acct.SessionKey{ID: "ses_1"}); err != nil {
		t.Errorf("session after the upgrade: %v", err)
	}
	c := newCode(1, "cod_1")
	insertCodes(t, s, c)
	if used, err := useCode(ctx, s, c.Seq, t0); !used || err != nil {
		t.Errorf("use on upgraded file: %v, %v", used, err)
	}
	integrityCheck(t, s.w)
	var fk int
	if err := s.w.QueryRow("SELECT count(*) FROM pragma_foreign_key_check").Scan(&fk); err != nil || fk != 0 {
		t.Errorf("foreign_key_check: %d, %v", fk, err)
	}
}
