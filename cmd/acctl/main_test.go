package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/rogpeppe/go-internal/testscript"
	_ "modernc.org/sqlite"

	"github.com/acctl/acctl/internal/cmd/root"
	"github.com/acctl/acctl/internal/cmdutil"
	"github.com/acctl/acctl/internal/pgtest"
	"github.com/acctl/acctl/internal/testenv"
)

// testNowEnv names the variable through which a script sets the clock of
// the acctl it runs. Only this test binary reads it; the shipped binary
// has no such hook.
const testNowEnv = "ACCTL_TEST_NOW"

func TestMain(m *testing.M) {
	testscript.Main(stopPostgres{m}, map[string]func(){
		"acctl": func() {
			useRemote()
			watchParent()
			code := root.MainWith(root.MainOptions{Now: testClock()})
			if f := os.Getenv(exitFileEnv); f != "" {
				_ = os.WriteFile(f, []byte(strconv.Itoa(code)), 0o600)
			}
			os.Exit(code)
		},
	})
}

// stopPostgres runs the tests, away from the ACCTL_* variables, config
// file and home folder of whoever runs them (testenv.Run; the scripts'
// own environment is built by Setup and never inherits them), then stops
// the throw-away PostgreSQL server if a script started one. It runs only
// in the test process, not in the acctl that the scripts run.
type stopPostgres struct{ m *testing.M }

func (s stopPostgres) Run() int {
	code := testenv.Run(s.m)
	if err := pgtest.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// postgresEnv names the variable that holds the URL of an empty
// PostgreSQL schema of the script's own, set for the scripts that mention
// it (the throw-away server starts only for them). The condition
// [postgres] says whether there is a server; scripts skip without one.
const postgresEnv = "POSTGRES_URL"

// setupPostgres gives the script a schema of its own when its text
// mentions postgresEnv and a server is at hand.
func setupPostgres(env *testscript.Env, dir string) error {
	name := strings.TrimPrefix(filepath.Base(env.WorkDir), "script-")
	text, err := os.ReadFile(filepath.Join(dir, name+".txtar"))
	if err != nil || !bytes.Contains(text, []byte(postgresEnv)) {
		return nil
	}
	url, drop, skip, err := pgtest.Schema()
	if err != nil || skip != "" {
		return err
	}
	env.Setenv(postgresEnv, url)
	env.Defer(func() {
		if err := drop(); err != nil {
			env.T().Log(err)
		}
	})
	return nil
}

// exitFileEnv names the file where the test binary's acctl leaves its exit
// code, for the script command "exitcode".
const exitFileEnv = "ACCTL_TEST_EXIT_FILE"

// testClock returns a fixed clock at $ACCTL_TEST_NOW (RFC 3339), a clock
// that reads the time from the file $ACCTL_TEST_NOW_FILE at every call
// (the `acctl serve` of the remote stories, whose time follows the
// script's), or nil for the real clock.
func testClock() func() time.Time {
	if file := os.Getenv(testNowFileEnv); file != "" {
		return func() time.Time {
			b, err := os.ReadFile(file)
			if err != nil {
				panic(fmt.Sprintf("%s: %v", testNowFileEnv, err))
			}
			t, err := time.Parse(time.RFC3339, strings.TrimSpace(string(b)))
			if err != nil {
				panic(fmt.Sprintf("%s: %v", testNowFileEnv, err))
			}
			return t
		}
	}
	v := os.Getenv(testNowEnv)
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bad %s: %v\n", testNowEnv, err)
		os.Exit(1)
	}
	return func() time.Time { return t }
}

// TestScripts runs the user stories in testdata/script against the real
// command tree on a SQLite store in the script's temp folder.
func TestScripts(t *testing.T) {
	t.Parallel()
	runScripts(t, nil)
}

// scriptDir holds the user stories.
const scriptDir = "testdata/script"

// runScripts runs the stories: on the local store, or through a real
// `acctl serve` per script when hub is set (see remote_test.go).
func runScripts(t *testing.T, hub *remoteHub) {
	testscript.Run(t, testscript.Params{
		Dir: scriptDir,
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "postgres":
				return pgtest.Available()
			case "remote":
				return hub != nil, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Setup: func(env *testscript.Env) error {
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("XDG_DATA_HOME", filepath.Join(env.WorkDir, ".local", "share"))
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".config"))
			env.Setenv("USER", "tester")
			env.Setenv("NO_COLOR", "1")
			env.Setenv(testNowEnv, "2026-01-02T03:04:05Z")
			env.Setenv(exitFileEnv, filepath.Join(env.WorkDir, ".acctl-exit"))
			// Cheap hashing keeps the stories fast; the production cost
			// is tested in internal/acct.
			env.Setenv("ACCTL_PASSWORD_ARGON2_MEMORY", "64")
			env.Setenv("ACCTL_PASSWORD_ARGON2_TIME", "1")
			env.Setenv("ACCTL_SCRAM_ITERATIONS", "4096")
			if err := setupPostgres(env, scriptDir); err != nil {
				return err
			}
			if hub != nil {
				return hub.setup(env)
			}
			return nil
		},
		Cmds: withHTTP(map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"race":      cmdRace,
			"integrity": cmdIntegrity,
			"filemode":  cmdFileMode,
			"exitcode":  cmdExitCode,
			"grab":      cmdGrab,
			"write":     cmdWrite,
			"sqlite":    cmdSQLite,
			"oldsqlite": cmdOldSQLite,
		}),
	})
}

// cmdRace runs N copies of a command at once, as separate processes, and
// prints how many ended with each exit code ("exit 0: 1"). Every argument
// holding an '@' is written in a different letter case in each copy.
//
//	race [-stdin FILE] N COMMAND [ARGS...]
//
// Each copy reads FILE on stdin (default: the password and a newline).
func cmdRace(ts *testscript.TestScript, neg bool, args []string) {
	input := "correct horse battery staple\n"
	if len(args) > 2 && args[0] == "-stdin" {
		input, args = ts.ReadFile(args[1]), args[2:]
	}
	if neg || len(args) < 2 {
		ts.Fatalf("usage: race [-stdin FILE] N COMMAND [ARGS...]")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 {
		ts.Fatalf("race: bad count %q", args[0])
	}
	path, err := exec.LookPath(args[1])
	if err != nil {
		ts.Fatalf("race: %v", err)
	}
	// The script's environment as far as acctl reads it: the test
	// process's own ACCTL_* variables are left out, every setting of the
	// script is passed.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, cmdutil.EnvPrefix+"_") {
			env = append(env, kv)
		}
	}
	names := []string{"HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "USER", testNowEnv, remoteEnv}
	for _, k := range cmdutil.ConfigKeys {
		names = append(names, cmdutil.EnvVar(k))
	}
	for _, k := range names {
		if v := ts.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	codes := make([]int, n)
	stderrs := make([]bytes.Buffer, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		cmdArgs := make([]string, len(args)-2)
		for j, a := range args[2:] {
			if strings.Contains(a, "@") {
				a = caseVariant(a, i)
			}
			cmdArgs[j] = a
		}
		cmd := exec.Command(path, cmdArgs...)
		cmd.Env, cmd.Dir = env, ts.Getenv("WORK")
		cmd.Stdin = strings.NewReader(input)
		cmd.Stderr = &stderrs[i]
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			err := cmd.Run()
			var exit *exec.ExitError
			switch {
			case err == nil:
			case errors.As(err, &exit):
				codes[i] = exit.ExitCode()
			default:
				codes[i] = -1
			}
		}(i)
	}
	close(start)
	wg.Wait()
	for i, c := range codes {
		if c != 0 && c != 4 {
			ts.Logf("copy %d: exit %d: %s", i, c, stderrs[i].String())
		}
	}
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	keys := make([]int, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	for _, k := range keys {
		fmt.Fprintf(ts.Stdout(), "exit %d: %d\n", k, count[k])
	}
}

// caseVariant writes s with the letters upper-cased where the bits of i say.
func caseVariant(s string, i int) string {
	out := []rune(s)
	bit := 0
	for j, r := range out {
		if unicode.IsLetter(r) {
			if i>>(bit%16)&1 == 1 {
				out[j] = unicode.ToUpper(r)
			}
			bit++
		}
	}
	return string(out)
}

// cmdIntegrity runs PRAGMA integrity_check on a SQLite file and fails
// unless it says ok.
//
//	integrity FILE
func cmdIntegrity(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: integrity FILE")
	}
	db, err := sql.Open("sqlite", "file:"+ts.MkAbs(args[0])+"?mode=ro")
	ts.Check(err)
	defer db.Close()
	var res string
	ts.Check(db.QueryRowContext(context.Background(), "PRAGMA integrity_check").Scan(&res))
	if (res == "ok") == neg {
		ts.Fatalf("integrity_check: %s", res)
	}
}

// cmdSQLite runs SQL statements on a SQLite file with foreign keys off,
// to make a state that acctl itself would never make (a damaged store).
//
//	sqlite FILE STATEMENT...
func cmdSQLite(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: sqlite FILE STATEMENT...")
	}
	db, err := sql.Open("sqlite", "file:"+ts.MkAbs(args[0])+"?_pragma=busy_timeout(5000)")
	ts.Check(err)
	defer db.Close()
	for _, q := range args[1:] {
		_, err := db.ExecContext(context.Background(), q)
		ts.Check(err)
	}
}

// cmdOldSQLite makes a SQLite file as an older acctl left it: the first
// N migrations of internal/sqlite/migrations applied, or with a negative
// N all but the last -N (so that a story does not hard-code how many
// migrations there are).
//
//	oldsqlite FILE N
func cmdOldSQLite(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: oldsqlite FILE N")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	files, err := filepath.Glob(filepath.Join("..", "..", "internal", "sqlite", "migrations", "*.sql"))
	ts.Check(err)
	sort.Strings(files)
	if n < 0 {
		n += len(files)
	}
	if n < 0 || n > len(files) {
		ts.Fatalf("oldsqlite: %s of %d migrations", args[1], len(files))
	}
	db, err := sql.Open("sqlite", "file:"+ts.MkAbs(args[0])+"?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)")
	ts.Check(err)
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	_, err = db.ExecContext(ctx, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT")
	ts.Check(err)
	for i, f := range files[:n] {
		b, err := os.ReadFile(f)
		ts.Check(err)
		_, err = db.ExecContext(ctx, string(b))
		ts.Check(err)
		_, err = db.ExecContext(ctx, "INSERT INTO schema_migrations VALUES (?, 0)", i+1)
		ts.Check(err)
	}
}

// cmdFileMode checks the permission bits of a file or folder.
//
//	filemode 0600 FILE
func cmdFileMode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: filemode MODE PATH")
	}
	want, err := strconv.ParseUint(args[0], 8, 32)
	ts.Check(err)
	fi, err := os.Stat(ts.MkAbs(args[1]))
	ts.Check(err)
	if got := fi.Mode().Perm(); (uint64(got) == want) == neg {
		ts.Fatalf("%s has mode %#o, want %#o", args[1], got, want)
	}
}

// cmdExitCode checks the exit code of the last acctl run.
//
//	exitcode N
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: exitcode N")
	}
	b, err := os.ReadFile(ts.Getenv(exitFileEnv))
	ts.Check(err)
	if got := string(b); got != args[0] {
		ts.Fatalf("acctl exited with %s, want %s", got, args[0])
	}
}

// cmdGrab sets an environment variable of the script to the first
// submatch of a regular expression in the stdout of the last command (or
// in FILE), so that a session id or a token printed by one command, or a
// code in the outbox, can be given to the next one.
//
//	grab NAME REGEXP [FILE]
func cmdGrab(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: grab NAME REGEXP [FILE]")
	}
	re, err := regexp.Compile(`(?m)` + args[1])
	ts.Check(err)
	if re.NumSubexp() < 1 {
		ts.Fatalf("grab: %q has no (submatch)", args[1])
	}
	from := "stdout"
	if len(args) == 3 {
		from = args[2]
	}
	m := re.FindStringSubmatch(ts.ReadFile(from))
	if m == nil {
		ts.Fatalf("grab: no match for %q in %s", args[1], from)
	}
	ts.Setenv(args[0], m[1])
}

// cmdWrite writes each LINE, followed by a newline, to FILE (replacing
// it), so that a value grabbed from one command can be piped into the
// next with "stdin FILE".
//
//	write FILE LINE...
func cmdWrite(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: write FILE LINE...")
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(strings.Join(args[1:], "\n")+"\n"), 0o600))
}
