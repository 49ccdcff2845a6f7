package serve_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmd/serve"
)

// queue is a Service whose RunJobs reports each call and answers the
// batches it is given, then empty ones.
type queue struct {
	acct.Service
	calls   chan acct.JobRun
	batches [][]acct.Job
}

func (q *queue) RunJobs(_ context.Context, in acct.JobRun) (*acct.JobRunResult, error) {
	q.calls <- in
	res := &acct.JobRunResult{Jobs: []acct.Job{}}
	if len(q.batches) > 0 {
		res.Jobs, q.batches = q.batches[0], q.batches[1:]
	}
	return res, nil
}

// TestRunner checks when the runner drains the queue: at start, when
// woken, at each tick of its timer (injected: no waiting), again at once
// after a full batch; and that it stops when its context ends.
func TestRunner(t *testing.T) {
	full := make([]acct.Job, serve.RunnerBatch)
	for i := range full {
		full[i] = acct.Job{ID: int64(i + 1), Kind: acct.JobForgot, State: acct.JobDone}
	}
	q := &queue{calls: make(chan acct.JobRun), batches: [][]acct.Job{nil, nil, full}}
	tick := make(chan time.Time)
	var asked []time.Duration
	after := func(d time.Duration) <-chan time.Time { asked = append(asked, d); return tick }
	r := serve.NewRunner(q, 7*time.Second, slog.New(slog.DiscardHandler), after)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()

	if in := <-q.calls; in.Max != serve.RunnerBatch {
		t.Fatalf("RunJobs max %d, want %d", in.Max, serve.RunnerBatch)
	}
	r.Wake()
	<-q.calls // woken
	tick <- time.Time{}
	<-q.calls // the tick: a full batch
	<-q.calls // so at once again
	cancel()
	<-done
	if len(asked) == 0 || asked[0] != 7*time.Second {
		t.Errorf("timer asked for %v, want the interval", asked)
	}
}

// TestServeRunsJobs checks that the server sends what was acknowledged:
// a forgot-password job committed by a command before the server started
// (a restart resumes pending sends), and the jobs of the auth API's
// sign-up and lost_password answers, for which it is woken. Unknown
// addresses get nothing.
func TestServeRunsJobs(t *testing.T) {
	e := newEnv(t)
	outbox := e.Defaults["outbox"].(string)
	e.Register("--email", "alice@example.com", "--first-name", "Alice")
	e.MustRun("password", "forgot", "alice@example.com")
	if _, err := os.Stat(outbox); err == nil {
		t.Fatal("password forgot sent at once, want it queued")
	}
	s := start(t, e)
	waitOutbox(t, s, outbox, 1)

	for _, email := range []string{"alice@example.com", "nobody@example.com"} {
		resp, body := s.do(http.MethodPost, "/auth/lost_password", "email="+url.QueryEscape(email), form)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("lost_password: %d %s", resp.StatusCode, body)
		}
	}
	waitOutbox(t, s, outbox, 2)
	resp, body := s.do(http.MethodPost, "/auth/signin", "email=bob%40example.com&firstname=Bob&lastname=B&password="+url.QueryEscape(cmdtest.Password), form)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("signin: %d %s", resp.StatusCode, body)
	}
	lines := waitOutbox(t, s, outbox, 3)
	if code := s.shutdown(); code != 0 {
		t.Errorf("exit %d\n%s", code, s.log)
	}
	if !strings.Contains(lines[0], `"to":"alice@example.com"`) || !strings.Contains(lines[1], `"to":"alice@example.com"`) ||
		!strings.Contains(lines[2], `"to":"bob@example.com"`) {
		t.Errorf("outbox:\n%s", strings.Join(lines, "\n"))
	}
	if strings.Contains(s.log.String(), "nobody@") {
		t.Errorf("the log names an address:\n%s", s.log)
	}
}

// waitOutbox waits (up to 10 s) until the outbox holds n messages.
func waitOutbox(t *testing.T, s *server, outbox string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(outbox)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(b) > 0 && len(lines) >= n {
			return lines
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages in %s, want %d\n%s", len(lines), filepath.Base(outbox), n, s.log)
		}
		time.Sleep(10 * time.Millisecond) // the runner sends in its own goroutine
	}
}
