// Package cmdtest runs acctl's command tree in tests, cli/cli style: with
// buffers for streams, a fixed clock and a real SQLite store in a
// temporary folder. Only tests import it.
package cmdtest

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
	"github.com/acctl/acctl/internal/cmd/root"
	"github.com/acctl/acctl/internal/cmdutil"
)

// Start is the time the clock of a new Env shows.
var Start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Password is a password that the policy accepts.
const Password = "correct horse battery staple"

// Env is one acctl installation for a test: a store file, a clock and the
// settings every run gets.
type Env struct {
	T     testing.TB
	Store string // the SQLite file
	Clock *accttest.Clock
	// Defaults are configuration defaults for every run (cheap argon2
	// parameters and a secret_file beside the store are set already).
	Defaults map[string]any
	// Opener opens the Service; root.OpenService unless replaced.
	Opener cmdutil.Opener
}

// New returns an Env with a fresh store and secret file in t.TempDir().
func New(t testing.TB) *Env {
	t.Helper()
	dir := t.TempDir()
	return &Env{
		T:     t,
		Store: filepath.Join(dir, "acctl.db"),
		Clock: accttest.NewClock(Start),
		Defaults: map[string]any{
			cmdutil.KeyArgon2Memory:    64,
			cmdutil.KeyArgon2Time:      1,
			cmdutil.KeyArgon2Threads:   1,
			cmdutil.KeyScramIterations: acct.MinScramIterations,
			// Never the secret of whoever runs the tests.
			cmdutil.KeySecretFile: filepath.Join(dir, "secret"),
		},
		Opener: root.OpenService,
	}
}

// Run options.
type Run struct {
	Stdin     string
	StdinTTY  bool
	StdoutTTY bool
	StderrTTY bool
	// Width is the terminal's width in columns (0: unknown).
	Width int
	// Env holds the environment variables that commands read outside the
	// configuration (ACCTL_SESSION_TOKEN); the process's are never read.
	Env map[string]string
	// Context, if set, is the context of the run.
	Context context.Context
}

// TTY is a run on a terminal: stdin, stdout and stderr are all terminals.
func TTY(stdin string) Run {
	return Run{Stdin: stdin, StdinTTY: true, StdoutTTY: true, StderrTTY: true}
}

// Result is what a run printed and its exit code.
type Result struct {
	Out  string
	Err  string
	Code int
}

// Run runs acctl with args, nothing on stdin, no terminal.
func (e *Env) Run(args ...string) Result {
	e.T.Helper()
	return e.RunWith(Run{}, args...)
}

// RunWith runs acctl with args as described by r, like a fresh process.
func (e *Env) RunWith(r Run, args ...string) Result {
	e.T.Helper()
	f, out, errOut := e.Factory(r)
	ctx := r.Context
	if ctx == nil {
		ctx = context.Background()
	}
	code := root.Execute(ctx, f, args)
	return Result{Out: out.String(), Err: errOut.String(), Code: code}
}

// Factory returns the Factory of one run, and its stdout and stderr.
func (e *Env) Factory(r Run) (f *cmdutil.Factory, out, errOut *bytes.Buffer) {
	ios, in, o, eo := cmdutil.Test()
	in.WriteString(r.Stdin)
	ios.SetStdinTTY(r.StdinTTY)
	ios.SetStdoutTTY(r.StdoutTTY)
	ios.SetStderrTTY(r.StderrTTY)
	ios.SetTerminalWidth(r.Width)
	f = cmdutil.NewFactory(ios, e.Opener)
	f.DefaultConfigFile = "" // never the config file of whoever runs the tests
	f.EnvConfigFile = r.Env[cmdutil.ConfigEnv]
	f.Actor = "tester"
	f.Now = e.Clock.Now
	f.Getenv = func(key string) string { return r.Env[key] }
	f.SetDefault(cmdutil.KeyStore, e.Store)
	for k, v := range e.Defaults {
		f.SetDefault(k, v)
	}
	return f, o, eo
}

// MustRun runs acctl and fails the test unless it exits 0; it returns
// stdout.
func (e *Env) MustRun(args ...string) string {
	e.T.Helper()
	return e.MustRunWith(Run{}, args...)
}

// MustRunWith is MustRun with run options.
func (e *Env) MustRunWith(r Run, args ...string) string {
	e.T.Helper()
	res := e.RunWith(r, args...)
	if res.Code != 0 {
		e.T.Fatalf("acctl %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), res.Code, res.Out, res.Err)
	}
	return res.Out
}

// Login opens a session for ref with the test password and the given
// flags (e.g. "--keep") and returns it, token included.
func (e *Env) Login(ref string, flags ...string) acct.Session {
	e.T.Helper()
	args := append([]string{"session", "create", ref, "--password-stdin", "-o", "json"}, flags...)
	out := e.MustRunWith(Run{Stdin: Password + "\n"}, args...)
	return DecodeJSON[acct.Session](e.T, out)
}

// Register registers a user with the test password and the given flags
// (e.g. "--email", "a@example.com") and returns it.
func (e *Env) Register(flags ...string) acct.User {
	e.T.Helper()
	args := append([]string{"user", "register", "--password-stdin", "-o", "json"}, flags...)
	out := e.MustRunWith(Run{Stdin: Password + "\n"}, args...)
	return DecodeJSON[acct.User](e.T, out)
}
