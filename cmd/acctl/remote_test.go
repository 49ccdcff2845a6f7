package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/root"
	"github.com/acctl/acctl/internal/cmdutil"
)

// The remote stories: every script of testdata/script runs a second time
// with each `exec acctl` going through a real `acctl serve` (the test
// binary as acctl, on 127.0.0.1:0) that serves the script's own store.
//
// A script never says when to start a server: the acctl it runs asks
// for one. Setup gives the script $ACCTL_TEST_REMOTE, the URL of a hub in
// the test process; an acctl that finds it set posts its environment and
// working folder there before it works, and gets back the server's URL
// and an admin API key, which it puts in ACCTL_STORE and ACCTL_TOKEN. The
// hub starts the script's server at its first acctl, with that acctl's
// environment, and restarts it whenever a setting the server reads
// changed since: an ACCTL_* variable of a configuration key (outbox,
// public_url, signup.verify, lockout.threshold, otp.*, the store…), the
// default config file's content, or the working folder. So `env
// ACCTL_LOCKOUT_THRESHOLD=3` or a config file copied into place reaches
// the server exactly as it reaches a local acctl, and the scripts stay
// as they are. The servers are the hub's children: it stops each one
// with SIGTERM and fails the script unless it exits 0.
//
// Before a server first opens a store, `acctl apikey create` makes the
// admin key on it, named like the OS user, who is the actor of a local
// command: the audit trail names the same actor in both modes.
//
// The clock follows the script: the hub writes the acctl's
// $ACCTL_TEST_NOW into a file of the script's and the server reads the
// time from that file ($ACCTL_TEST_NOW_FILE) at every call.

const (
	// remoteEnv names the hub's URL for the script, in remote mode.
	remoteEnv = "ACCTL_TEST_REMOTE"
	// testNowFileEnv names the file that holds the time of the server of
	// a remote story.
	testNowFileEnv = "ACCTL_TEST_NOW_FILE"
)

// TestScriptsRemote runs the stories with every acctl going through a
// real `acctl serve`; [remote] is true there.
func TestScriptsRemote(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the remote stories stop their servers with SIGTERM")
	}
	t.Parallel()
	runScripts(t, startHub(t))
}

// remoteRequest is what an acctl of a remote story posts to the hub.
type remoteRequest struct {
	Env []string `json:"env"`
	Dir string   `json:"dir"`
}

// remoteAnswer is the hub's answer: the server and its key, or why there
// is no server.
type remoteAnswer struct {
	Store string `json:"store,omitempty"`
	Token string `json:"token,omitempty"`
	Error string `json:"error,omitempty"`
}

// deadStore is the store given to an acctl when its server could not
// start (a bad setting, say): nothing listens there, so an acctl that
// gets that far exits 7. A local acctl with the same bad setting fails on
// it before it opens the store, and so does the remote one.
const deadStore = "http://127.0.0.1:1"

// useRemote, in an acctl of a remote story, asks the hub for the script's
// server and points the store at it, with the server's admin key unless
// the script gave a key of its own (ACCTL_TOKEN: a key it made with
// `acctl --store FILE apikey create`, to act with another role).
func useRemote() {
	hub := os.Getenv(remoteEnv)
	if hub == "" {
		return
	}
	os.Unsetenv(remoteEnv)
	dir, _ := os.Getwd()
	body, _ := json.Marshal(remoteRequest{Env: os.Environ(), Dir: dir})
	resp, err := http.Post(hub, "application/json", bytes.NewReader(body))
	if err != nil {
		fmt.Fprintln(os.Stderr, "remote story: the hub:", err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	var ans remoteAnswer
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil || resp.StatusCode != http.StatusOK {
		fmt.Fprintf(os.Stderr, "remote story: the hub answered %s (%v)\n", resp.Status, err)
		os.Exit(1)
	}
	if ans.Error != "" {
		ans.Store, ans.Token = deadStore, "no-server"
	}
	os.Setenv(cmdutil.EnvVar(cmdutil.KeyStore), ans.Store)
	if os.Getenv(root.TokenEnv) == "" || ans.Error != "" {
		os.Setenv(root.TokenEnv, ans.Token)
	}
}

// watchParent makes the server of a remote story exit when the test
// binary that started it is gone (killed by a timeout, say), rather than
// listen on forever.
func watchParent() {
	if os.Getenv(testNowFileEnv) == "" {
		return
	}
	parent := os.Getppid()
	go func() {
		for {
			time.Sleep(time.Second)
			if os.Getppid() != parent {
				os.Exit(1)
			}
		}
	}()
}

// remoteHub starts and stops the servers of the remote stories.
type remoteHub struct {
	url   string
	acctl string // the test binary as acctl

	mu      sync.Mutex
	next    int
	scripts map[string]*remoteScript
}

// startHub listens on loopback for the acctl of the remote stories.
func startHub(t *testing.T) *remoteHub {
	acctl, err := exec.LookPath("acctl")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &remoteHub{url: "http://" + ln.Addr().String(), acctl: acctl, scripts: map[string]*remoteScript{}}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return h
}

// setup gives a script its hub URL and stops its server at the end.
func (h *remoteHub) setup(env *testscript.Env) error {
	s := &remoteScript{hub: h, t: env.T(), work: env.WorkDir,
		nowFile: filepath.Join(env.WorkDir, ".acctl-now"), tokens: map[string]string{}}
	if err := s.setNow(env.Getenv(testNowEnv)); err != nil {
		return err
	}
	h.mu.Lock()
	h.next++
	id := strconv.Itoa(h.next)
	h.scripts[id] = s
	h.mu.Unlock()
	env.Setenv(remoteEnv, h.url+"/"+id)
	env.Defer(func() {
		h.mu.Lock()
		delete(h.scripts, id)
		h.mu.Unlock()
		if err := s.close(); err != nil {
			env.T().Fatal(err)
		}
	})
	return nil
}

func (h *remoteHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	s := h.scripts[strings.TrimPrefix(r.URL.Path, "/")]
	h.mu.Unlock()
	var req remoteRequest
	if s == nil || json.NewDecoder(r.Body).Decode(&req) != nil {
		http.Error(w, "no such script", http.StatusNotFound)
		return
	}
	var ans remoteAnswer
	srv, err := s.ensure(req)
	if err != nil {
		ans.Error = err.Error()
		s.t.Log(err)
	} else {
		ans.Store, ans.Token = srv.url, srv.token
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(ans)
}

// remoteScript is the server side of one remote story.
type remoteScript struct {
	hub     *remoteHub
	t       testscript.T
	work    string
	nowFile string

	mu       sync.Mutex
	now      string
	srv      *remoteServer
	failed   string            // the settings with which the server last failed to start
	failure  error             // and why
	tokens   map[string]string // the admin key of each store (by store and folder)
	problems []error           // servers that did not stop well
	started  int
}

// clientOnly are the variables of an acctl that its server does not get:
// the hub's own, the client's clock and exit file, the API key and the
// settings of the client alone.
var clientOnly = map[string]bool{
	remoteEnv: true, testNowEnv: true, exitFileEnv: true, root.TokenEnv: true,
	cmdutil.EnvVar(cmdutil.KeyOutput): true, cmdutil.EnvVar(cmdutil.KeyTokenFile): true,
	"ACCTL_SESSION_TOKEN": true,
}

// ensure returns the script's server for an acctl with req's environment,
// started or restarted as its settings need.
func (s *remoteScript) ensure(req remoteRequest) (*remoteServer, error) {
	env := map[string]string{}
	for _, kv := range req.Env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.setNow(env[testNowEnv]); err != nil {
		return nil, err
	}
	settings := serverSettings(env, req.Dir)
	if s.srv != nil {
		if err := s.srv.exited(); err != nil {
			s.problems = append(s.problems, err)
			s.srv = nil
		}
	}
	if s.srv != nil && s.srv.settings == settings {
		return s.srv, nil
	}
	if s.srv != nil {
		if err := s.srv.stop(); err != nil {
			s.problems = append(s.problems, err)
		}
		s.srv = nil
	}
	if s.failed == settings {
		return nil, s.failure
	}
	var serverEnv []string
	for _, kv := range req.Env {
		if k, _, _ := strings.Cut(kv, "="); !clientOnly[k] {
			serverEnv = append(serverEnv, kv)
		}
	}
	serverEnv = append(serverEnv, testNowFileEnv+"="+s.nowFile)
	srv, err := s.start(serverEnv, req.Dir, env[cmdutil.EnvVar(cmdutil.KeyStore)])
	if err != nil {
		s.failed, s.failure = settings, err
		return nil, err
	}
	srv.settings = settings
	s.srv, s.failed, s.failure = srv, "", nil
	return srv, nil
}

// setNow writes the script's time for its server (renamed into place, so
// that the server never reads half of it).
func (s *remoteScript) setNow(now string) error {
	if now == "" || now == s.now {
		return nil
	}
	tmp := s.nowFile + ".tmp"
	if err := os.WriteFile(tmp, []byte(now+"\n"), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, s.nowFile); err != nil {
		return err
	}
	s.now = now
	return nil
}

// serverSettings are what a server reads at start from an acctl's
// environment and folder: the variables of the configuration keys (but
// the output format and the token file of the client), the places of the
// default files, the default config file's content and the folder.
func serverSettings(env map[string]string, dir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "dir=%s\n", dir)
	for _, k := range []string{"HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"} {
		fmt.Fprintf(&b, "%s=%s\n", k, env[k])
	}
	for _, k := range cmdutil.ConfigKeys {
		if name := cmdutil.EnvVar(k); !clientOnly[name] {
			if v, ok := env[name]; ok {
				fmt.Fprintf(&b, "%s=%s\n", name, v)
			}
		}
	}
	config := env["XDG_CONFIG_HOME"]
	if !filepath.IsAbs(config) {
		config = filepath.Join(env["HOME"], ".config")
	}
	if text, err := os.ReadFile(filepath.Join(config, "acctl", "config.yaml")); err == nil {
		fmt.Fprintf(&b, "config file:\n%s", text)
	}
	return b.String()
}

// keyName is the name of the servers' admin key: the OS user's, who is the
// actor of a local acctl, when it makes a valid key name.
func keyName() string {
	if name, err := acct.NormalizeAPIKeyName(cmdutil.CurrentActor()); err == nil {
		return name
	}
	return "tester"
}

// start makes the admin key on the store if it has none yet, then starts
// `acctl serve --listen 127.0.0.1:0` and waits until it listens.
func (s *remoteScript) start(env []string, dir, store string) (*remoteServer, error) {
	storeID := dir + "\x00" + store
	token := s.tokens[storeID]
	if token == "" {
		cmd := exec.Command(s.hub.acctl, "apikey", "create", keyName(), "--role", "admin")
		cmd.Env, cmd.Dir = env, dir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("remote story: acctl apikey create: %v: %s", err, stderr.Bytes())
		}
		token = strings.TrimSpace(string(out))
		s.tokens[storeID] = token
	}
	s.started++
	log, err := os.OpenFile(filepath.Join(s.work, fmt.Sprintf(".acctl-serve-%d.log", s.started)), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	srv := &remoteServer{token: token, log: &serverLog{file: log}, done: make(chan struct{})}
	cmd := exec.Command(s.hub.acctl, "serve", "--listen", "127.0.0.1:0")
	// The server runs no jobs of its own: the story's `acctl job run` runs
	// them, as it does on a local store, so that a story reads the same
	// and what a message holds is in the outbox when the next line looks.
	cmd.Env, cmd.Dir = append(slices.Clip(env), "ACCTL_JOBS_INTERVAL=0"), dir
	cmd.Stdout, cmd.Stderr = srv.log, srv.log
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, err
	}
	srv.cmd = cmd
	go func() {
		srv.err = cmd.Wait()
		log.Close()
		close(srv.done)
	}()
	deadline := time.After(20 * time.Second)
	for {
		if m := listeningRE.FindStringSubmatch(srv.log.String()); m != nil {
			srv.url = m[1]
			return srv, nil
		}
		select {
		case <-srv.done:
			return nil, fmt.Errorf("remote story: acctl serve did not start (%v):\n%s", srv.err, srv.log)
		case <-deadline:
			srv.stop()
			return nil, fmt.Errorf("remote story: acctl serve does not listen:\n%s", srv.log)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// listeningRE finds the server's URL in its "listening" log line.
var listeningRE = regexp.MustCompile(`msg=listening url=(\S+)`)

// close stops the script's server and reports every server of the script
// that died or did not stop with exit 0.
func (s *remoteScript) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		if err := s.srv.stop(); err != nil {
			s.problems = append(s.problems, err)
		}
		s.srv = nil
	}
	return errors.Join(s.problems...)
}

// remoteServer is one running `acctl serve`.
type remoteServer struct {
	cmd      *exec.Cmd
	url      string
	token    string
	settings string
	log      *serverLog
	done     chan struct{} // closed when it has exited
	err      error         // how it exited
}

// exited returns an error if the server has exited (it should not have).
func (srv *remoteServer) exited() error {
	select {
	case <-srv.done:
		return fmt.Errorf("remote story: acctl serve died (%v):\n%s", srv.err, srv.log)
	default:
		return nil
	}
}

// stop sends SIGTERM and waits for the server: it must exit 0.
func (srv *remoteServer) stop() error {
	if err := srv.exited(); err != nil {
		return err
	}
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-srv.done:
	case <-time.After(30 * time.Second):
		srv.cmd.Process.Kill()
		<-srv.done
		return fmt.Errorf("remote story: acctl serve did not stop on SIGTERM:\n%s", srv.log)
	}
	if srv.err != nil {
		return fmt.Errorf("remote story: acctl serve did not exit 0 on SIGTERM (%v):\n%s", srv.err, srv.log)
	}
	return nil
}

// serverLog keeps a server's stderr, and writes it to a file of the
// script's folder (kept with go test -testwork).
type serverLog struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	file *os.File
}

func (l *serverLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.file.Write(p)
	return l.buf.Write(p)
}

func (l *serverLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
