// Command loadgen sends logins or session checks to an acctl server, or
// to a PocketBase server for comparison, from concurrent clients for a
// while, and reports what came back: the load of bench/serve_memory.sh,
// bench/sessions.sh, bench/peer.sh and bench/login_limit.sh. It is a
// benchmark tool, not part of the tests.
//
//	go run ./bench/loadgen -url http://127.0.0.1:8080 -clients 96 -duration 10s
//	go run ./bench/loadgen -mode session -accounts 64 -clients 16 -duration 20s
//	go run ./bench/loadgen -target pocketbase -mode login -accounts 64 ...
//
// Modes (-mode):
//
//   - login: each client sends its next login when it has read the answer
//     to the last. With -accounts 0 (acctl only) it logs in as names that no
//     account has (the server then checks a dummy hash: the same work as a
//     wrong password) and counts the 401s; with -accounts K it logs in as
//     the K accounts named by -identity, round robin, with -password, and
//     counts the 200s (a good login: one hash check and a new session or
//     token).
//   - session: it first logs in -sessions sessions (round robin over the
//     K accounts), then each client checks one of them after the other:
//     acctl's GET /auth/session with the session's cookies, PocketBase's
//     POST /api/collections/users/auth-refresh with its token.
//   - create (PocketBase only): creates -n users through its batch API
//     (-batch records a request, -clients requests at once; -batch 1: one
//     record a request, without the batch API) with a superuser's token,
//     and reports the users created per second.
//   - setup (PocketBase only): enables the batch API (-batch requests at
//     most, 60 s) and, with -cost, sets the bcrypt cost of the users
//     collection's password field.
//   - freeport: prints a free loopback TCP port (for a server that cannot
//     listen on port 0 and say where).
//
// A 503 is acctl's full hashing pool: the client waits for its
// Retry-After, as a well-behaved client does, then goes on. It prints one
// line of JSON.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Report is what one run measured.
type Report struct {
	Target   string  `json:"target"`
	Mode     string  `json:"mode"`
	Clients  int     `json:"clients"`
	Sessions int     `json:"sessions,omitempty"` // session mode: sessions logged in first
	Seconds  float64 `json:"seconds"`
	Checked  int     `json:"checked"`   // answers as expected: a password or session check done
	Busy     int     `json:"busy"`      // answers 503: refused by a full pool
	Other    int     `json:"other"`     // any other answer, or a transport error
	CheckedS float64 `json:"checked_s"` // checked per second
	P50ms    float64 `json:"p50_ms"`    // latency of a checked answer
	P99ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
	BusyP50  float64 `json:"busy_p50_ms"` // latency of a 503
	// ServerCPUms is the server's CPU time (user + system) per checked
	// answer (create mode: per user created) during the timed run, from
	// /proc/PID/stat, with -server-pid.
	ServerCPUms float64 `json:"server_cpu_ms,omitempty"`
	// DBCPUms is the same for a database server and its processes (a
	// PostgreSQL postmaster and its backends), with -db-pid.
	DBCPUms  float64 `json:"db_cpu_ms,omitempty"`
	Created  int     `json:"created,omitempty"`
	CreatedS float64 `json:"created_s,omitempty"` // create mode: users created per second
	FirstErr string  `json:"first_error,omitempty"`
}

// config is the command line.
type config struct {
	target, mode, base    string
	clients               int
	duration              time.Duration
	honor                 bool
	accounts, sessions    int
	identity, password    string
	collection            string
	suEmail, suPassword   string
	n, first, batch, cost int
	serverPID, dbPID      int
}

func main() {
	var c config
	flag.StringVar(&c.target, "target", "acctl", "the server: acctl or pocketbase")
	flag.StringVar(&c.mode, "mode", "login", "login, session, create, setup or freeport")
	flag.StringVar(&c.base, "url", "http://127.0.0.1:8080", "the server's base `URL`")
	flag.IntVar(&c.clients, "clients", 16, "concurrent `N` clients")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "how long to send")
	flag.BoolVar(&c.honor, "retry-after", true, "wait for a 503's Retry-After before the next request")
	flag.IntVar(&c.accounts, "accounts", 0, "log in as `K` existing accounts (0: unknown names, acctl only)")
	flag.IntVar(&c.sessions, "sessions", 0, "session mode: sessions to log in first (default: -clients)")
	flag.StringVar(&c.identity, "identity", "user%07d@example.com", "the accounts' login name, a `format` of their number 1…K")
	flag.StringVar(&c.password, "password", "Correct-horse-42!x", "the accounts' password")
	flag.StringVar(&c.collection, "collection", "users", "PocketBase: the auth collection")
	flag.StringVar(&c.suEmail, "superuser-email", "bench@example.com", "PocketBase: a superuser's email (create, setup)")
	flag.StringVar(&c.suPassword, "superuser-password", "bench-superuser-pw", "PocketBase: its password")
	flag.IntVar(&c.n, "n", 1000, "create mode: users to create")
	flag.IntVar(&c.first, "first", 1, "create mode: the number of the first user (its name by -identity)")
	flag.IntVar(&c.batch, "batch", 500, "create: records a batch request; setup: the batch API's most")
	flag.IntVar(&c.serverPID, "server-pid", 0, "the server's `PID` (on its machine): report its CPU time per check")
	flag.IntVar(&c.dbPID, "db-pid", 0, "a database server's `PID`: report its CPU time and its children's per check")
	flag.IntVar(&c.cost, "cost", 0, "setup: the bcrypt cost of the users' password field (0: leave it)")
	flag.Parse()
	if err := c.check(); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
	if c.mode == "freeport" {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(1)
		}
		fmt.Println(l.Addr().(*net.TCPAddr).Port)
		l.Close()
		return
	}
	var r *Report
	var err error
	switch c.mode {
	case "setup":
		err = pbSetup(&c)
	case "create":
		r, err = pbCreate(&c)
	default:
		r, err = run(&c)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	if r != nil {
		json.NewEncoder(os.Stdout).Encode(r)
	}
}

func (c *config) check() error {
	switch {
	case c.target != "acctl" && c.target != "pocketbase":
		return fmt.Errorf("-target must be acctl or pocketbase, not %q", c.target)
	case !slices.Contains([]string{"login", "session", "create", "setup", "freeport"}, c.mode):
		return fmt.Errorf("-mode must be login, session, create, setup or freeport, not %q", c.mode)
	case c.clients < 1:
		return fmt.Errorf("-clients must be at least 1")
	case (c.mode == "create" || c.mode == "setup") && c.target != "pocketbase":
		return fmt.Errorf("-mode %s is for -target pocketbase (acctl creates users with `acctl user import`)", c.mode)
	case c.mode == "session" && c.accounts < 1:
		return fmt.Errorf("-mode session needs -accounts K to log in")
	case c.mode == "login" && c.target == "pocketbase" && c.accounts < 1:
		return fmt.Errorf("-target pocketbase needs -accounts K: it checks no hash for an unknown name")
	case c.mode == "create" && (c.n < 1 || c.batch < 1):
		return fmt.Errorf("-n and -batch must be at least 1")
	}
	if c.sessions == 0 {
		c.sessions = c.clients
	}
	return nil
}

// newClient returns an HTTP client keeping one connection a client alive.
func newClient(clients int) *http.Client {
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	return &http.Client{Transport: tr, Timeout: time.Minute}
}

// tally is what one client saw.
type tally struct {
	checked, busy []time.Duration
	other         int
	firstErr      string
}

func (t *tally) fail(msg string) {
	t.other++
	if t.firstErr == "" {
		t.firstErr = msg
	}
}

// run sends the requests of the login and session modes.
func run(c *config) (*Report, error) {
	hc := newClient(c.clients)
	var srv server
	if c.target == "acctl" {
		srv = &acctl{c: c, hc: hc}
	} else {
		srv = &pocketbase{c: c, hc: hc}
	}
	r := &Report{Target: c.target, Mode: c.mode, Clients: c.clients}
	if c.mode == "session" {
		if err := srv.logIn(c.sessions); err != nil {
			return nil, err
		}
		r.Sessions = c.sessions
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.duration)
	defer cancel()
	tallies := make([]tally, c.clients)
	cpu0, db0 := procCPU(c.serverPID), treeCPU(c.dbPID)
	start := time.Now()
	var wg sync.WaitGroup
	for n := range c.clients {
		wg.Go(func() {
			t := &tallies[n]
			for i := 0; ctx.Err() == nil; i++ {
				req, want := srv.request(ctx, n, i)
				t0 := time.Now()
				resp, err := hc.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						t.fail(err.Error())
					}
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat := time.Since(t0)
				switch resp.StatusCode {
				case want:
					t.checked = append(t.checked, lat)
				case http.StatusServiceUnavailable:
					t.busy = append(t.busy, lat)
					if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); c.honor && err == nil && secs > 0 {
						select {
						case <-time.After(time.Duration(secs) * time.Second):
						case <-ctx.Done():
						}
					}
				default:
					t.fail(req.Method + " " + req.URL.Path + ": " + resp.Status)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu1, db1 := procCPU(c.serverPID), treeCPU(c.dbPID)
	r.Seconds = elapsed.Seconds()
	var checked, busy []time.Duration
	for _, t := range tallies {
		checked = append(checked, t.checked...)
		busy = append(busy, t.busy...)
		r.Other += t.other
		if r.FirstErr == "" {
			r.FirstErr = t.firstErr
		}
	}
	r.Checked, r.Busy = len(checked), len(busy)
	r.CheckedS = float64(len(checked)) / elapsed.Seconds()
	r.P50ms, r.P99ms, r.MaxMs = quantile(checked, 0.5), quantile(checked, 0.99), quantile(checked, 1)
	r.BusyP50 = quantile(busy, 0.5)
	if c.serverPID != 0 && len(checked) > 0 {
		r.ServerCPUms = float64((cpu1 - cpu0).Microseconds()) / 1000 / float64(len(checked))
	}
	if c.dbPID != 0 && len(checked) > 0 {
		r.DBCPUms = float64((db1 - db0).Microseconds()) / 1000 / float64(len(checked))
	}
	return r, nil
}

// procCPU is the CPU time (user + system) process pid used so far, read
// from /proc/PID/stat; 0 without a pid or a /proc.
func procCPU(pid int) time.Duration {
	own, _ := statCPU(pid)
	return own
}

// treeCPU is the CPU time of process pid, of its children that ended
// and it waited for, and of its living children: all a PostgreSQL server
// used so far, as its postmaster waits for every backend.
func treeCPU(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	own, waited := statCPU(pid)
	total := own + waited
	kids, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	for _, k := range strings.Fields(string(kids)) {
		if kid, err := strconv.Atoi(k); err == nil {
			t, _ := statCPU(kid)
			total += t
		}
	}
	return total
}

// statCPU reads /proc/PID/stat: the process's own CPU time (utime +
// stime) and that of its waited-for children (cutime + cstime).
func statCPU(pid int) (own, children time.Duration) {
	if pid == 0 {
		return 0, 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0
	}
	// Fields 14 to 17, in clock ticks, counted after the command's name,
	// which may hold spaces.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 15 {
		return 0, 0
	}
	var v [4]int64
	for i := range v {
		v[i], _ = strconv.ParseInt(f[11+i], 10, 64)
	}
	tick := func(n int64) time.Duration { return time.Duration(n) * time.Second / clockTicks }
	return tick(v[0] + v[1]), tick(v[2] + v[3])
}

// clockTicks is Linux's USER_HZ: the clock ticks of /proc's times per
// second (100 on every Linux architecture Go runs on).
const clockTicks = 100

// server builds the requests of one kind of server.
type server interface {
	// logIn logs n sessions in (session mode), before the clock starts.
	logIn(n int) error
	// request is client n's i-th request and the status that answers it
	// as expected.
	request(ctx context.Context, n, i int) (*http.Request, int)
}

// account is the login name of the i-th request (round robin over the
// accounts, 1…K).
func (c *config) account(i int) string {
	return fmt.Sprintf(c.identity, 1+i%c.accounts)
}

// session picks the session of client n's i-th check: the clients walk
// through all the sessions, from different places.
func (c *config) session(n, i int) int {
	return (n*c.sessions/c.clients + i) % c.sessions
}

// loginAll logs n sessions in with login, 16 at a time.
func loginAll(n int, login func(i int) error) error {
	errs := make(chan error, n)
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			// A full hashing pool answers 503: try again a few times.
			var err error
			for try := 0; try < 20; try++ {
				if err = login(i); err == nil || !isBusy(err) {
					break
				}
				time.Sleep(time.Second)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// busyError is a 503 answer.
type busyError struct{ status string }

func (e busyError) Error() string { return e.status }

func isBusy(err error) bool {
	_, ok := err.(busyError)
	return ok
}

// statusError is the error of an unexpected answer.
func statusError(what string, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode == http.StatusServiceUnavailable {
		return busyError{what + ": " + resp.Status}
	}
	return fmt.Errorf("%s: %s: %s", what, resp.Status, body)
}

// quantile returns the q-quantile of ds in milliseconds (0 when empty).
func quantile(ds []time.Duration, q float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(q * float64(len(ds)-1))
	return float64(ds[i].Microseconds()) / 1000
}
