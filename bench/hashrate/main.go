// Command hashrate measures, in one process, how long the password hash
// of a login takes on one core: acctl's argon2id check at its default
// cost (acct.Hasher.Verify, what a login runs in the hashing pool), and
// bcrypt at PocketBase's default cost 10 (a login) and its least cost 4
// (bench/peer.sh creates users with it). It is a benchmark tool, not part
// of the tests: bench/login_limit.sh and bench/peer.sh run it.
//
//	go run ./bench/hashrate -duration 5s
//
// For each hash it runs one goroutine for the duration and reports the
// wall time and the process's CPU time (user + system, GC included) per
// hash, and the logins per second one core can check: 1 / the CPU time
// of a hash, a figure that other work on the machine disturbs less than
// the wall time. One line of JSON per hash.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"golang.org/x/crypto/bcrypt"
)

// password and argonHash: bench/run.sh's account password and its hash
// at acctl's default parameters.
const (
	password  = "Correct-horse-42!x"
	argonHash = "$argon2id$v=19$m=19456,t=2,p=1$JM7SeyN5UMVnA1nGgCtdMQ$f96sXINPO7fBJcNeOybM2hXgNT5hczd1us9NVqj5Aw8"
)

// Result is one hash's figures.
type Result struct {
	Name     string  `json:"name"`
	Cost     string  `json:"cost"`
	Hashes   int     `json:"hashes"`
	WallMs   float64 `json:"wall_ms"`    // wall time per hash
	CPUMs    float64 `json:"cpu_ms"`     // process CPU time per hash
	PerCoreS float64 `json:"per_core_s"` // 1000 / cpu_ms
}

func main() {
	d := flag.Duration("duration", 3*time.Second, "how long to hash, per hash kind")
	verifier := flag.Bool("scram-verifier", false, "print the SCRAM-SHA-256 verifier of the bench password at the default iterations (a fixed salt) and exit")
	flag.Parse()
	if *verifier {
		v, err := acct.NewScramVerifier(password, []byte("acctl bench salt"), acct.DefaultScramIterations)
		if err != nil {
			fail(err)
		}
		fmt.Println(v.String())
		return
	}
	b10, err := bcrypt.GenerateFromPassword([]byte(password), 10)
	if err != nil {
		fail(err)
	}
	h := acct.Hasher{Argon2: acct.DefaultArgon2}
	for _, m := range []struct {
		name, cost string
		run        func() error
	}{
		{"acctl login: argon2id verify", fmt.Sprintf("m=%d t=%d p=%d", acct.DefaultArgon2.Memory, acct.DefaultArgon2.Time, acct.DefaultArgon2.Threads), func() error {
			ok, _, err := h.Verify(password, argonHash)
			if err == nil && !ok {
				err = fmt.Errorf("argon2id: the password does not match")
			}
			return err
		}},
		{"PocketBase login: bcrypt compare", "cost 10", func() error {
			return bcrypt.CompareHashAndPassword(b10, []byte(password))
		}},
		{"PocketBase user creation: bcrypt hash", "cost 4", func() error {
			_, err := bcrypt.GenerateFromPassword([]byte(password), 4)
			return err
		}},
	} {
		r, err := measure(m.name, m.cost, *d, m.run)
		if err != nil {
			fail(err)
		}
		json.NewEncoder(os.Stdout).Encode(r)
	}
}

func measure(name, cost string, d time.Duration, run func() error) (*Result, error) {
	if err := run(); err != nil { // warm up, and check
		return nil, err
	}
	cpu0, start, n := cpuTime(), time.Now(), 0
	for time.Since(start) < d {
		if err := run(); err != nil {
			return nil, err
		}
		n++
	}
	wall, cpu := time.Since(start), cpuTime()-cpu0
	r := &Result{Name: name, Cost: cost, Hashes: n,
		WallMs: float64(wall.Microseconds()) / 1000 / float64(n),
		CPUMs:  float64(cpu.Microseconds()) / 1000 / float64(n)}
	r.PerCoreS = 1000 / r.CPUMs
	return r, nil
}

// cpuTime is the process's CPU time so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "hashrate:", err)
	os.Exit(1)
}
