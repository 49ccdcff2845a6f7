// Package pgtest gives tests a PostgreSQL database of their own.
//
// URL returns the URL of a new, empty schema for each test (tables go into
// it through the connection's search_path), on one server per test binary:
//
//   - the server that ACCTL_TEST_POSTGRES names (a postgres:// URL of a
//     role that may create schemas), when it is set;
//   - otherwise a throw-away server that pgtest starts itself when
//     PostgreSQL's binaries are on the machine (initdb and postgres, found
//     on PATH or in /usr/lib/postgresql/*/bin): initdb into a temporary
//     folder, listening only on a unix socket in that folder, with fsync
//     off (nothing in it outlives the tests);
//   - otherwise the test is skipped, saying why.
//
// A package that uses URL runs its tests through Main, which stops the
// server and removes its folder at the end. Should the test binary be
// killed instead, the server dies with it (it is started with a parent
// death signal) and the next run removes the folder left behind.
//
// Tests run as root start the server as the user postgres (Debian's
// package creates it) or else nobody, because initdb refuses root.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/acctl/acctl/internal/testenv"
)

// EnvURL names the environment variable that points the tests at a running
// server instead of a throw-away one.
const EnvURL = "ACCTL_TEST_POSTGRES"

// dirPrefix starts the name of a throw-away server's folder.
const dirPrefix = "acctl-pgtest-"

// port names the server's socket file (.s.PGSQL.5432); no TCP port is
// opened, so it cannot clash with another server.
const port = "5432"

var (
	once    sync.Once
	srv     *server
	skipMsg string // why tests are skipped, when there is no server
	srvErr  error  // why the server could not be started
	schemas atomic.Int64
)

// server is the one server of the test binary.
type server struct {
	url    string        // the base URL, as a superuser (or the given role)
	admin  *pgxpool.Pool // creates and drops the schemas
	owned  bool          // started by pgtest (not ACCTL_TEST_POSTGRES)
	dir    string        // the throw-away server's folder
	cmd    *exec.Cmd     // the throw-away server's postgres process
	exited chan error    // receives cmd.Wait's result
	log    string        // its log file
	took   time.Duration // the time its start took
}

// Main runs the tests of m, in an environment isolated from the person
// running them (testenv.Isolate: ACCTL_TEST_POSTGRES is kept), and then
// stops the throw-away server, if one was started, and removes its folder.
// Call it from TestMain.
func Main(m *testing.M) {
	code := testenv.Run(m)
	if err := Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// URL returns the URL of a new, empty schema on the test server: its
// search_path names that schema alone, so a store opened on it creates its
// tables there. The schema is dropped at the end of the test when the
// server is ACCTL_TEST_POSTGRES (a throw-away server goes as a whole). URL
// skips the test when no server is at hand, and fails it when a server
// should be and cannot be started.
func URL(t testing.TB) string {
	t.Helper()
	u, drop, err := newSchema(get(t))
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return u
}

// Available reports whether a server is at hand, starting it if need be:
// false with a nil error when there is none (URL would skip), an error
// when there should be one and it could not be started (URL would fail).
func Available() (bool, error) {
	once.Do(start)
	if skipMsg != "" {
		return false, nil
	}
	if srvErr != nil {
		return false, fmt.Errorf("pgtest: %w", srvErr)
	}
	return true, nil
}

// Schema is URL for code without a testing.TB, such as the Setup of a
// testscript: it returns the URL of a new, empty schema and a function
// that drops it (nothing to do on a throw-away server). When no server is
// at hand, it returns "" and skip says why; err says why a server that
// should be there could not be started or used.
func Schema() (url string, drop func() error, skip string, err error) {
	once.Do(start)
	if skipMsg != "" {
		return "", nil, skipMsg, nil
	}
	if srvErr != nil {
		return "", nil, "", fmt.Errorf("pgtest: %w", srvErr)
	}
	url, drop, err = newSchema(srv)
	if err != nil {
		return "", nil, "", fmt.Errorf("pgtest: %w", err)
	}
	return url, drop, "", nil
}

// newSchema creates a schema on s and returns its URL and the function
// that drops it.
func newSchema(s *server) (string, func() error, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := fmt.Sprintf("acctl_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6, schemas.Add(1))
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := s.admin.Exec(ctx, "CREATE SCHEMA "+ident); err != nil {
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	drop := func() error {
		if s.owned {
			return nil // the server goes as a whole
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := s.admin.Exec(ctx, "DROP SCHEMA "+ident+" CASCADE"); err != nil {
			return fmt.Errorf("drop schema %s: %w", name, err)
		}
		return nil
	}
	u, err := withSearchPath(s.url, name)
	if err != nil {
		drop()
		return "", nil, err
	}
	return u, drop, nil
}

// Admin returns the URL of the test server itself (its postgres database,
// as a superuser on a throw-away server), for tests that need more than a
// schema: roles, databases. They clean up after themselves. Admin skips
// or fails t as URL does.
func Admin(t testing.TB) string {
	t.Helper()
	return get(t).url
}

// Owned reports whether the test server is a throw-away one that pgtest
// started (false for ACCTL_TEST_POSTGRES), starting it if need be.
func Owned() bool {
	once.Do(start)
	return srv != nil && srv.owned
}

// Describe says which server the tests use, or why there is none, for a
// test's log; it starts the server if need be.
func Describe() string {
	once.Do(start)
	switch {
	case skipMsg != "":
		return skipMsg
	case srvErr != nil:
		return srvErr.Error()
	case srv.owned:
		return fmt.Sprintf("throw-away server in %s, started in %v", srv.dir, srv.took.Round(time.Millisecond))
	default:
		return EnvURL + " server"
	}
}

// get returns the server, starting it on first use; it skips or fails t
// when there is none.
func get(t testing.TB) *server {
	t.Helper()
	once.Do(start)
	if skipMsg != "" {
		t.Skip(skipMsg)
	}
	if srvErr != nil {
		t.Fatalf("pgtest: %v", srvErr)
	}
	return srv
}

// withSearchPath returns base with its search_path set to schema. base is a
// URL or a keyword=value connection string.
func withSearchPath(base, schema string) (string, error) {
	if !strings.Contains(base, "://") {
		return base + " search_path=" + schema, nil
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("%s: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func start() {
	if u := os.Getenv(EnvURL); u != "" {
		srv, srvErr = connect(u, EnvURL)
		return
	}
	bin, err := findBinaries()
	if err != nil {
		skipMsg = "PostgreSQL tests skipped: " + err.Error() +
			"; install PostgreSQL's server (Debian: apt-get install postgresql) or set " + EnvURL + " to a postgres:// URL"
		return
	}
	srv, srvErr = startServer(bin)
}

// connect makes the admin pool of the server at u.
func connect(u, what string) (*server, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, u)
	if err == nil {
		err = pool.Ping(ctx)
	}
	if err != nil {
		if pool != nil {
			pool.Close()
		}
		return nil, fmt.Errorf("connect to %s: %w", what, err)
	}
	return &server{url: u, admin: pool}, nil
}

// Stop stops the throw-away server and removes its folder; it does nothing
// when there is none. Main calls it.
func Stop() error {
	if srv == nil {
		return nil
	}
	s := srv
	srv = nil
	s.admin.Close()
	if !s.owned {
		return nil
	}
	err := s.stop()
	if rmErr := os.RemoveAll(s.dir); err == nil {
		err = rmErr
	}
	return err
}

// binaries are the programs of one PostgreSQL installation.
type binaries struct {
	initdb, postgres string
}

// findBinaries finds initdb and postgres: on PATH first, then in the
// newest /usr/lib/postgresql/*/bin (Debian keeps them off PATH).
func findBinaries() (binaries, error) {
	return findIn(exec.LookPath, "/usr/lib/postgresql/*/bin")
}

// findIn is findBinaries with the PATH look-up and the pattern of version
// folders given.
func findIn(lookPath func(string) (string, error), versions string) (binaries, error) {
	var dirs []string
	if p, err := lookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dirs = append(dirs, filepath.Dir(p))
	}
	found, _ := filepath.Glob(versions)
	slices.SortFunc(found, func(a, b string) int { return version(b) - version(a) }) // newest first
	dirs = append(dirs, found...)
	for _, d := range dirs {
		b := binaries{initdb: filepath.Join(d, "initdb"), postgres: filepath.Join(d, "postgres")}
		if isExecutable(b.initdb) && isExecutable(b.postgres) {
			return b, nil
		}
	}
	return binaries{}, errors.New("no initdb and postgres on PATH or in " + versions + ", and " + EnvURL + " is not set")
}

// version reads the major version in /usr/lib/postgresql/VERSION/bin.
func version(dir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return v
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// account is whom the server runs as: nil for the current user; when the
// tests run as root, postgres or else nobody.
func account() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, nil
	}
	return nil, errors.New("running as root, and neither a postgres nor a nobody user exists to run initdb as")
}

// startServer runs initdb into a new temporary folder and starts postgres
// on a unix socket in it.
func startServer(bin binaries) (*server, error) {
	began := time.Now()
	cred, err := account()
	if err != nil {
		return nil, err
	}
	base := os.TempDir()
	// The socket's path must stay short (about 100 bytes), and as root the
	// server's user must be able to reach the folder.
	if _, err := os.Stat("/tmp"); err == nil && (cred != nil || len(base) > 60) {
		base = "/tmp"
	}
	removeStale(base)
	dir, err := os.MkdirTemp(base, dirPrefix)
	if err != nil {
		return nil, err
	}
	s := &server{owned: true, dir: dir, log: filepath.Join(dir, "postgres.log")}
	fail := func(err error) (*server, error) {
		s.stop()
		os.RemoveAll(dir)
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return fail(err)
		}
	}
	data := filepath.Join(dir, "data")
	// C.UTF-8 makes lower() fold all of Unicode; a machine without it gets
	// a cluster without a locale.
	var out []byte
	for _, locale := range []string{"--locale=C.UTF-8", "--no-locale"} {
		cmd := exec.Command(bin.initdb, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", locale, "--no-sync")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
		cmd.Env = serverEnv()
		if out, err = cmd.CombinedOutput(); err == nil {
			break
		}
		os.RemoveAll(data)
	}
	if err != nil {
		return fail(fmt.Errorf("initdb: %v\n%s", err, out))
	}

	logFile, err := os.Create(s.log)
	if err != nil {
		return fail(err)
	}
	defer logFile.Close()
	s.cmd = exec.Command(bin.postgres, "-D", data, "-k", dir, "-p", port,
		"-c", "listen_addresses=",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=300", "-c", "shared_buffers=32MB",
		// Tests that make deadlocks need not wait the default second.
		"-c", "deadlock_timeout=50ms",
		"-c", "log_min_messages=warning", "-c", "log_min_error_statement=panic")
	// Pdeathsig: if the test binary dies, so does the server.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	s.cmd.Env = serverEnv()
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		return fail(fmt.Errorf("start postgres: %w", err))
	}
	s.exited = make(chan error, 1)
	go func() { s.exited <- s.cmd.Wait() }()

	s.url = "postgres://postgres@/postgres?host=" + url.QueryEscape(dir) + "&port=" + port + "&sslmode=disable"
	deadline := time.Now().Add(time.Minute)
	for {
		c, err := connect(s.url, "the throw-away server")
		if err == nil {
			s.admin = c.admin
			break
		}
		select {
		case werr := <-s.exited:
			s.cmd = nil
			log, _ := os.ReadFile(s.log)
			return fail(fmt.Errorf("postgres exited (%v) before it accepted connections:\n%s", werr, log))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(s.log)
			return fail(fmt.Errorf("postgres did not accept connections within a minute: %v\n%s", err, log))
		}
	}
	s.took = time.Since(began)
	return s, nil
}

// stop shuts the throw-away server down (fast shutdown: sessions are
// ended, nothing needs to be kept) and waits for it.
func (s *server) stop() error {
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	defer func() { s.cmd = nil }()
	if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil {
		return nil // gone already
	}
	select {
	case <-s.exited:
		return nil
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
		return errors.New("postgres did not stop within 30s of SIGINT: killed")
	}
}

// serverEnv is the environment of initdb and postgres: this process's,
// without the PG* variables that could point them elsewhere.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}

// removeStale removes the folders of throw-away servers whose test binary
// was killed: their postmaster.pid names a process that is gone, or they
// have none and were made more than ten minutes ago (initdb never
// finished).
func removeStale(base string) {
	dirs, _ := filepath.Glob(filepath.Join(base, dirPrefix+"*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "data", "postmaster.pid"))
		if err != nil {
			if fi, err := os.Stat(d); err == nil && time.Since(fi.ModTime()) > 10*time.Minute {
				os.RemoveAll(d)
			}
			continue
		}
		first, _, _ := strings.Cut(string(b), "\n")
		pid, err := strconv.Atoi(strings.TrimSpace(first))
		if err != nil || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			os.RemoveAll(d)
		}
	}
}
