// Command timing measures whether the time of an answer tells whether an
// account exists (issue 13, point 2). It serves the auth API over a fresh
// SQLite store on loopback, in this process, makes accounts of each kind,
// takes interleaved samples of the answer time per kind, and reports the
// medians and, for every pair of kinds, the difference of medians and the
// p-value of a Mann-Whitney U test (a rank test: it compares whole
// distributions and cares nothing for a few slow outliers).
//
//	go run ./bench/timing -mode login           # /auth/login, six kinds of name
//	go run ./bench/timing -mode lost_password   # /auth/lost_password, known vs unknown address
//	go run ./bench/timing -mode signin          # /auth/signin, known vs unknown address
//	go run ./bench/timing -mode forgot          # `acctl password forgot`, known vs unknown
//	go run ./bench/timing -mode signin_verify   # /auth/signin/verify, a wrong passcode for four kinds of number
//	go run ./bench/timing -mode recovery_reset  # /auth/recovery/sms/reset, a wrong passcode, known vs unknown
//	go run ./bench/timing -mode recovery_sms    # /auth/recovery/sms, known vs unknown number
//	go run ./bench/timing -mode preregister     # /auth/preregister, a new, a listed and an account's address
//
// -n sets the samples per kind (200), -argon2 the hashing cost (the
// production default, m=19456,t=2,p=1), -scram the iterations of the
// SCRAM verifier a new password gets (600,000). The goal: no two kinds differ in
// median by more than 0.5 ms, nor at p < 0.01. The program prints a
// Markdown report on stdout, progress on stderr; it exits 1 when the goal
// is not met. Run it on a quiet machine: other load widens the spread.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/authapi"
	"github.com/acctl/acctl/internal/sqlite"
)

const (
	publicURL = "https://app.example.com/reset/{code}"
	password  = "correct horse battery staple"
	wrong     = "not the password you are looking for"
	goalMs    = 0.5  // the largest difference of medians allowed
	goalP     = 0.01 // the smallest p-value allowed
)

func main() {
	mode := flag.String("mode", "login", "what to measure: "+strings.Join(modeNames, ", "))
	n := flag.Int("n", 200, "samples per kind")
	params := acct.DefaultArgon2
	flag.Func("argon2", "argon2id parameters of the store, m=KiB,t=N,p=N (default "+params.String()+")", func(s string) error {
		_, err := fmt.Sscanf(s, "m=%d,t=%d,p=%d", &params.Memory, &params.Time, &params.Threads)
		return err
	})
	seed := flag.Uint64("seed", 1, "seed of the order of the samples in a round")
	scram := flag.Int("scram", acct.DefaultScramIterations, "iterations of the SCRAM-SHA-256 verifier a new password gets")
	flag.Parse()
	if err := params.Validate(); err != nil {
		fatal(err)
	}
	var kinds []kind
	dir, err := os.MkdirTemp("", "acctl-timing-")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(dir)
	b := &bench{dir: dir, params: params, scram: *scram, n: *n, rnd: rand.New(rand.NewPCG(*seed, 13))}
	switch *mode {
	case "login":
		kinds, err = b.login()
	case "lost_password":
		kinds, err = b.lostPassword()
	case "signin":
		kinds, err = b.signin()
	case "forgot":
		kinds, err = b.forgot()
	case "signin_verify":
		kinds, err = b.signinVerify()
	case "recovery_reset":
		kinds, err = b.recoveryReset()
	case "recovery_sms":
		kinds, err = b.recoverySMS()
	case "preregister":
		kinds, err = b.preregister()
	default:
		err = fmt.Errorf("-mode %q: want one of %s", *mode, strings.Join(modeNames, ", "))
	}
	if err != nil {
		fatal(err)
	}
	defer b.close()
	samples, err := b.sample(kinds)
	if err != nil {
		fatal(err)
	}
	if !report(os.Stdout, *mode, b, kinds, samples) {
		os.Exit(1)
	}
}

// modeNames are the values of -mode.
var modeNames = []string{"login", "lost_password", "signin", "forgot", "signin_verify", "recovery_reset", "recovery_sms", "preregister"}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "timing:", err)
	os.Exit(2)
}

// kind is one kind of name: try makes one attempt and checks its answer;
// it is timed from the request to the end of the answer.
type kind struct {
	name string
	try  func(i int) error
}

type bench struct {
	dir    string
	params acct.Argon2Params
	scram  int
	n      int
	rnd    *rand.Rand
	svc    *acct.Local
	srv    *http.Server
	base   string
	client *http.Client
	sent   recorder
}

func (b *bench) close() {
	if b.srv != nil {
		b.srv.Close()
	}
	if b.svc != nil {
		b.svc.Close()
	}
}

// serve opens the store and serves the auth API on loopback. The limits
// stay on, but far above what the run needs, so that they do their work
// (a failed login charges its bucket) without ever refusing.
func (b *bench) serve() error {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(b.dir, "acctl.db"))
	if err != nil {
		return err
	}
	secret := []byte(strings.Repeat("s", acct.MinSecretLength))
	b.svc, err = acct.NewLocal(store, acct.Options{Argon2: b.params, Actor: "bench", Secret: secret,
		ScramIterations: b.scram, Notifier: &b.sent, PublicURL: publicURL, RequireVerified: true, OTPAttempts: 1 << 30,
		LockoutThreshold: 1 << 30, LoginLimit: acct.Rate{Events: 1_000_000, Per: 1_000_000 * time.Second}})
	if err != nil {
		store.Close()
		return err
	}
	h := authapi.New(b.svc, authapi.Options{PublicURL: publicURL, Signin: true, LostPassword: true, SMS: true,
		AddressRate: authapi.Rate{Events: 1_000_000, Per: time.Second}, AccountRate: authapi.Rate{Events: 1_000_000, Per: time.Second}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	b.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go b.srv.Serve(ln)
	b.base = "http://" + ln.Addr().String()
	b.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: time.Minute}
	return nil
}

// post sends a form and checks the status of the answer.
func (b *bench) post(path string, want int, kv ...string) error {
	form := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Set(kv[i], kv[i+1])
	}
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("POST %s %v: %s, want %d: %s", path, kv[:2], resp.Status, want, body)
	}
	return nil
}

func (b *bench) register(in acct.NewUser) (*acct.User, error) {
	if in.Password == "" && !in.NoPassword {
		in.Password = password
	}
	return b.svc.Register(context.Background(), in)
}

// login makes an account of each kind and tries each with a password
// that does not log it in: every answer is 401 "wrong username or
// password". A locked or pending account is tried with a wrong password:
// its right one is proven, and answered with the reason (403 locked,
// unverified), which tells by its words what time could.
func (b *bench) login() ([]kind, error) {
	if err := b.serve(); err != nil {
		return nil, err
	}
	ctx := context.Background()
	if _, err := b.register(acct.NewUser{Email: "wrong@example.com"}); err != nil {
		return nil, err
	}
	if _, err := b.register(acct.NewUser{Email: "nopw@example.com", NoPassword: true}); err != nil {
		return nil, err
	}
	if _, err := b.register(acct.NewUser{Email: "locked@example.com"}); err != nil {
		return nil, err
	}
	if _, err := b.svc.LockUser(ctx, "locked@example.com", acct.LockOptions{Reason: "bench"}); err != nil {
		return nil, err
	}
	if _, err := b.register(acct.NewUser{Email: "pending@example.com", Pending: true}); err != nil {
		return nil, err
	}
	if _, err := b.register(acct.NewUser{Email: "held@example.com"}); err != nil {
		return nil, err
	}
	if _, err := b.svc.Unregister(ctx, "held@example.com", acct.UnregisterOptions{Hold: 24 * time.Hour}); err != nil {
		return nil, err
	}
	try := func(email, pw string) func(int) error {
		return func(int) error {
			return b.post("/auth/login", http.StatusUnauthorized, "username", email, "password", pw)
		}
	}
	return []kind{
		{"unknown", try("nobody@example.com", wrong)},
		{"wrong password", try("wrong@example.com", wrong)},
		{"no password", try("nopw@example.com", password)},
		{"locked", try("locked@example.com", wrong)},
		{"pending", try("pending@example.com", wrong)},
		{"on hold", try("held@example.com", wrong)},
	}, nil
}

// lostPassword asks for a reset link for a known and an unknown address.
func (b *bench) lostPassword() ([]kind, error) {
	if err := b.serve(); err != nil {
		return nil, err
	}
	if _, err := b.register(acct.NewUser{Email: "known@example.com"}); err != nil {
		return nil, err
	}
	try := func(email string) func(int) error {
		return func(int) error { return b.post("/auth/lost_password", http.StatusOK, "email", email) }
	}
	return []kind{{"known", try("known@example.com")}, {"unknown", try("nobody@example.com")}}, nil
}

// signin signs up with the address of an account, and with a new address
// each time (an unknown one: it becomes known by the sign-up).
func (b *bench) signin() ([]kind, error) {
	if err := b.serve(); err != nil {
		return nil, err
	}
	if _, err := b.register(acct.NewUser{Email: "known@example.com"}); err != nil {
		return nil, err
	}
	try := func(email func(int) string) func(int) error {
		return func(i int) error {
			return b.post("/auth/signin", http.StatusOK, "email", email(i), "password", password,
				"firstname", "Sam", "lastname", "Doe", "language", "en")
		}
	}
	return []kind{
		{"known", try(func(int) string { return "known@example.com" })},
		{"unknown", try(func(i int) string { return fmt.Sprintf("new%d@example.com", i) })},
	}, nil
}

// forgot runs `acctl password forgot` on a SQLite store, with messages to
// an outbox file, for a known and an unknown address. It builds acctl
// first. The time of a run includes the start of the process.
func (b *bench) forgot() ([]kind, error) {
	bin := filepath.Join(b.dir, "bin", "acctl")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	fmt.Fprintln(os.Stderr, "building acctl")
	build := exec.Command("go", "build", "-o", bin, "./cmd/acctl")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("build acctl (run from the repository's root): %w", err)
	}
	cfg := filepath.Join(b.dir, "config.yaml")
	conf := fmt.Sprintf("public_url: %s\noutbox: %s\nstore: %s\npassword:\n  argon2:\n    memory: %d\n    time: %d\n    threads: %d\n",
		publicURL, filepath.Join(b.dir, "outbox.jsonl"), filepath.Join(b.dir, "acctl.db"),
		b.params.Memory, b.params.Time, b.params.Threads)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		return nil, err
	}
	run := func(stdin string, args ...string) error {
		cmd := exec.Command(bin, append([]string{"--config", cfg}, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+b.dir, "XDG_CONFIG_HOME="+b.dir, "XDG_DATA_HOME="+b.dir)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("acctl %s: %w: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := run(password+"\n", "user", "register", "--email", "known@example.com", "--password-stdin"); err != nil {
		return nil, err
	}
	try := func(email string) func(int) error {
		return func(int) error { return run("", "password", "forgot", email) }
	}
	return []kind{{"known", try("known@example.com")}, {"unknown", try("nobody@example.com")}}, nil
}

// The phones of the passcode modes: each kind has its own number.
const (
	phonePending = "+14155550101" // pending, a signup passcode outstanding
	phoneNoCode  = "+14155550102" // pending, its passcode voided
	phoneActive  = "+14155550103" // active, a recovery passcode outstanding
	phoneUnknown = "+14155550199" // nobody's
	wrongCode    = "000000"       // never the code sent (checked at the set-up)
)

// phoneAccounts starts the server, makes the accounts of the passcode
// modes on it and sends their passcodes, checking that none is wrongCode. The lockout and the
// attempts of a passcode are set so high that a wrong code never locks
// or voids anything during the run: every sample takes the same path.
func (b *bench) phoneAccounts() error {
	if err := b.serve(); err != nil {
		return err
	}
	ctx := context.Background()
	// A pending account signed up by phone gets its signup passcode
	// at the registration.
	if _, err := b.register(acct.NewUser{Phone: phonePending, Pending: true}); err != nil {
		return err
	}
	if _, err := b.register(acct.NewUser{Phone: phoneNoCode, Pending: true}); err != nil {
		return err
	}
	if _, err := b.svc.RevokeCodes(ctx, acct.RevokeCodes{User: phoneNoCode}); err != nil {
		return err
	}
	if _, err := b.register(acct.NewUser{Phone: phoneActive}); err != nil {
		return err
	}
	if _, err := b.svc.SendOTP(ctx, acct.OTPRequest{Ref: phoneActive, Purpose: acct.PurposeRecovery, Channel: acct.ChannelSMS}); err != nil {
		return err
	}
	for _, p := range []string{phonePending, phoneActive} {
		if c := b.sent.code(p); c == "" || c == wrongCode {
			return fmt.Errorf("the passcode sent to %s: %q", p, c)
		}
	}
	return nil
}

// recorder is a Notifier that sends nothing (the benchmark measures the
// server's work up to the message, not a mail server) and keeps the last
// passcode for each address, for the set-up to check.
type recorder struct {
	mu    sync.Mutex
	codes map[string]string
}

func (r *recorder) Notify(_ context.Context, n acct.Notice) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.codes == nil {
		r.codes = map[string]string{}
	}
	r.codes[n.To] = n.Data.Code
	return nil
}

func (*recorder) Ready(acct.Channel) error { return nil }

func (r *recorder) code(to string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.codes[to]
}

// signinVerify sends a wrong signup passcode for a number that is
// nobody's, a pending account's with a passcode outstanding, a pending
// account's whose passcode was voided, and an active account's: every
// answer is the one 401 "wrong or expired passcode".
func (b *bench) signinVerify() ([]kind, error) {
	if err := b.phoneAccounts(); err != nil {
		return nil, err
	}
	try := func(phone string) func(int) error {
		return func(int) error {
			return b.post("/auth/signin/verify", http.StatusUnauthorized, "phone", phone, "code", wrongCode)
		}
	}
	return []kind{
		{"unknown", try(phoneUnknown)},
		{"wrong code", try(phonePending)},
		{"voided passcode", try(phoneNoCode)},
		{"active", try(phoneActive)},
	}, nil
}

// recoveryReset sends a new password with a wrong recovery passcode for
// a number that is nobody's, an active account's with a passcode
// outstanding, and a pending account's without one (of the purpose):
// 401 each time.
func (b *bench) recoveryReset() ([]kind, error) {
	if err := b.phoneAccounts(); err != nil {
		return nil, err
	}
	try := func(phone string) func(int) error {
		return func(int) error {
			return b.post("/auth/recovery/sms/reset", http.StatusUnauthorized, "phone", phone, "code", wrongCode, "password", password)
		}
	}
	return []kind{
		{"unknown", try(phoneUnknown)},
		{"wrong code", try(phoneActive)},
		{"no passcode", try(phoneNoCode)},
	}, nil
}

// recoverySMS asks for a recovery passcode for an account's number and
// for a number that is nobody's (the job that would send it is queued,
// not run: the answer comes after the commit).
func (b *bench) recoverySMS() ([]kind, error) {
	if err := b.phoneAccounts(); err != nil {
		return nil, err
	}
	try := func(phone string) func(int) error {
		return func(int) error { return b.post("/auth/recovery/sms", http.StatusOK, "phone", phone) }
	}
	return []kind{{"known", try(phoneActive)}, {"unknown", try(phoneUnknown)}}, nil
}

// preregister puts a new address on the waiting list each time, and asks
// again for one on it already and for an account's: 200 each time.
func (b *bench) preregister() ([]kind, error) {
	if err := b.serve(); err != nil {
		return nil, err
	}
	if _, err := b.register(acct.NewUser{Email: "known@example.com"}); err != nil {
		return nil, err
	}
	if _, err := b.svc.Preregister(context.Background(), "listed@example.com"); err != nil {
		return nil, err
	}
	try := func(email func(int) string) func(int) error {
		return func(i int) error { return b.post("/auth/preregister", http.StatusOK, "email", email(i)) }
	}
	return []kind{
		{"new", try(func(i int) string { return fmt.Sprintf("new%d@example.com", i) })},
		{"listed", try(func(int) string { return "listed@example.com" })},
		{"account", try(func(int) string { return "known@example.com" })},
	}, nil
}

// sample takes b.n samples of each kind, in rounds of one sample of each
// kind in a new random order, after a few rounds of warm-up that are not
// kept (the first check makes the dummy hash, connections open).
func (b *bench) sample(kinds []kind) ([][]float64, error) {
	const warmup = 5
	out := make([][]float64, len(kinds))
	order := make([]int, len(kinds))
	for i := range order {
		order[i] = i
	}
	for round := -warmup; round < b.n; round++ {
		b.rnd.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, k := range order {
			start := time.Now()
			err := kinds[k].try(round + warmup)
			d := time.Since(start)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", kinds[k].name, err)
			}
			if round >= 0 {
				out[k] = append(out[k], float64(d.Microseconds())/1000)
			}
		}
		if round >= 0 && (round+1)%50 == 0 {
			fmt.Fprintf(os.Stderr, "%d of %d rounds\n", round+1, b.n)
		}
	}
	return out, nil
}

// report prints the figures and reports whether the goal is met.
func report(w io.Writer, mode string, b *bench, kinds []kind, samples [][]float64) bool {
	fmt.Fprintf(w, "mode %s, %d interleaved samples per kind, argon2id %s, SCRAM %d iterations, %s, %d CPUs\n\n",
		mode, b.n, b.params, b.scram, runtime.Version(), runtime.NumCPU())
	fmt.Fprintln(w, "| Kind | median (ms) | p10 | p90 |")
	fmt.Fprintln(w, "|------|------------:|----:|----:|")
	medians := make([]float64, len(kinds))
	for i, k := range kinds {
		xs := append([]float64(nil), samples[i]...)
		medians[i] = median(xs)
		fmt.Fprintf(w, "| %s | %.2f | %.2f | %.2f |\n", k.name, medians[i], quantile(xs, 0.1), quantile(xs, 0.9))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Pair | Δ median (ms) | Mann-Whitney p | goal |")
	fmt.Fprintln(w, "|------|--------------:|---------------:|------|")
	ok := true
	for i := range kinds {
		for j := i + 1; j < len(kinds); j++ {
			d := medians[i] - medians[j]
			p := mannWhitney(samples[i], samples[j])
			met := d <= goalMs && d >= -goalMs && p >= goalP
			ok = ok && met
			verdict := "met"
			if !met {
				verdict = "MISSED"
			}
			fmt.Fprintf(w, "| %s / %s | %+.2f | %.3g | %s |\n", kinds[i].name, kinds[j].name, d, p, verdict)
		}
	}
	fmt.Fprintln(w)
	if ok {
		fmt.Fprintf(w, "goal met: no two kinds differ in median by more than %.1f ms, nor at p < %.2g\n", goalMs, goalP)
	} else {
		fmt.Fprintf(w, "goal MISSED: some kinds differ in median by more than %.1f ms, or at p < %.2g\n", goalMs, goalP)
	}
	return ok
}
