package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// TestKillServeLosesNoSignUp is issue 13's experiment: sign-ups go to a
// real `acctl serve` process, which is killed with SIGKILL while they
// arrive; a server started again on the store must then send an
// activation link to every address whose sign-up was answered 200 (the
// in-memory tasks before the queue lost 4 of 35).
func TestKillServeLosesNoSignUp(t *testing.T) {
	acctl, err := exec.LookPath("acctl")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	outbox := filepath.Join(dir, "outbox.jsonl")
	clock := filepath.Join(dir, "now")
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	setNow := func(at time.Time) {
		if err := os.WriteFile(clock, []byte(at.Format(time.RFC3339)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	setNow(t0)
	env := append(os.Environ(), testNowFileEnv+"="+clock,
		"HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_DATA_HOME="+filepath.Join(dir, "data"),
		"ACCTL_STORE="+filepath.Join(dir, "acctl.db"), "ACCTL_SECRET_FILE="+filepath.Join(dir, "secret"),
		"ACCTL_PUBLIC_URL=https://app.example.com/", "ACCTL_OUTBOX="+outbox,
		"ACCTL_PASSWORD_ARGON2_MEMORY=64", "ACCTL_PASSWORD_ARGON2_TIME=1",
		"ACCTL_AUTH_RATE_ADDRESS=off", "ACCTL_AUTH_RATE_ACCOUNT=off")

	srv, base := startServe(t, acctl, env)
	const signups, killAfter = 35, 20
	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	next := make(chan int)
	for range 5 {
		wg.Go(func() {
			for i := range next {
				email := fmt.Sprintf("user%02d@example.com", i)
				form := url.Values{"email": {email}, "password": {"correct horse battery staple"}, "firstname": {"U"}, "lastname": {"V"}}
				resp, err := http.PostForm(base+"/auth/signin", form)
				if err != nil {
					continue // killed: not acknowledged
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					mu.Lock()
					if acked = append(acked, email); len(acked) == killAfter {
						_ = srv.Process.Signal(syscall.SIGKILL)
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range signups {
		next <- i
	}
	close(next)
	wg.Wait()
	_ = srv.Process.Signal(syscall.SIGKILL)
	_ = srv.Wait()
	if len(acked) < killAfter {
		t.Fatalf("%d sign-ups answered, want at least %d", len(acked), killAfter)
	}

	// Started again, the server sends what the dead one acknowledged; the
	// jobs the dead one had claimed come back when their lease ends.
	setNow(t0.Add(acct.DefaultJobLease))
	srv, _ = startServe(t, acctl, env)
	deadline := time.Now().Add(30 * time.Second)
	var missing []string
	for {
		b, _ := os.ReadFile(outbox)
		missing = missing[:0]
		for _, email := range acked {
			if !bytes.Contains(b, []byte(`"to":"`+email+`"`)) {
				missing = append(missing, email)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond) // the restarted server's runner sends
	}
	_ = srv.Process.Signal(syscall.SIGTERM)
	if err := srv.Wait(); err != nil {
		t.Errorf("the second server: %v", err)
	}
	if len(missing) > 0 {
		t.Fatalf("%d of %d acknowledged sign-ups got no link: %s", len(missing), len(acked), strings.Join(missing, " "))
	}
	t.Logf("%d sign-ups acknowledged before the kill, all sent after the restart", len(acked))
}

// startServe starts `acctl serve` on a free loopback port and waits until
// it listens.
func startServe(t *testing.T, acctl string, env []string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(acctl, "serve", "--listen", "127.0.0.1:0")
	cmd.Env = env
	log := &serverLog{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := listeningRE.FindStringSubmatch(log.String()); m != nil {
			return cmd, m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("acctl serve does not listen:\n%s", log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
