package accttest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

// NewDB sets up a new, empty database and returns an opener of stores on
// it: each call is another store on the same database, as another process
// or server would have, which the caller closes.
type NewDB func(t *testing.T) func() (acct.Store, error)

// RunSharedQueue runs the cases where several Locals share one database, as
// servers (or a server and a cron job) do: what one acknowledged, another
// sends after a crash; runners racing on one queue send each message once.
func RunSharedQueue(t *testing.T, newDB NewDB) {
	t.Run("QueueSurvivesCrash", func(t *testing.T) { testQueueSurvivesCrash(t, newDB) })
	t.Run("RunnersSendOnce", func(t *testing.T) { testRunnersSendOnce(t, newDB) })
}

// sharedLocal opens a Local over a new store of open, on clock, sending
// to notes.
func sharedLocal(t *testing.T, open func() (acct.Store, error), clock *Clock, notes *Recorder) *acct.Local {
	t.Helper()
	s, err := open()
	if err != nil {
		t.Fatal(err)
	}
	l, err := acct.NewLocal(s, acct.Options{Now: clock.Now, Argon2: FastArgon2, ScramIterations: acct.MinScramIterations, Actor: "tester", Secret: Secret,
		Notifier: notes, PublicURL: testPublicURL})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// testQueueSurvivesCrash acknowledges sign-ups and forgot-password
// requests on one Local, has a runner claim one of them and die (its
// Local closed with nothing settled), then opens another Local on the
// database: it sends every acknowledged message, the claimed one once its
// lease ends.
func testQueueSurvivesCrash(t *testing.T, newDB NewDB) {
	ctx := context.Background()
	open := newDB(t)
	clock := NewClock(Start)
	first := &Recorder{}
	a := sharedLocal(t, open, clock, first)
	if _, err := a.Register(ctx, acct.NewUser{Email: "known@example.com", Password: GoodPassword}); err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"known@example.com", "unknown@example.com"} {
		if err := a.ForgotPassword(ctx, addr); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		if err := a.SignUp(ctx, acct.SignUpRequest{Email: fmt.Sprintf("new%d@example.com", i), Password: GoodPassword}); err != nil {
			t.Fatal(err)
		}
	}
	// A runner claims the first job and is killed before it sends.
	s, err := open()
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx acct.Tx) error {
		_, err := tx.ClaimJobs(ctx, acct.JobClaim{Now: Start, Until: Start.Add(acct.DefaultJobLease),
			Kinds: []acct.JobKind{acct.JobForgot, acct.JobSignUp}, Limit: 1})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	a.Close() // the crash: nothing was sent
	if n := len(first.Notices()); n != 0 {
		t.Fatalf("%d notices before any run", n)
	}

	notes := &Recorder{}
	b := sharedLocal(t, open, clock, notes)
	defer b.Close()
	res, err := b.RunJobs(ctx, acct.JobRun{})
	if err != nil || len(res.Jobs) != 4 {
		t.Fatalf("restart ran %+v, %v; want the 4 unclaimed jobs", res, err)
	}
	sent := map[string]int{}
	for _, n := range notes.Notices() {
		sent[n.To]++
	}
	if len(sent) != 3 || sent["known@example.com"] != 0 {
		t.Fatalf("sent %v, want the 3 sign-ups (the forgot link is still claimed)", sent)
	}
	clock.Advance(acct.DefaultJobLease)
	res, err = b.RunJobs(ctx, acct.JobRun{})
	if err != nil || len(res.Jobs) != 1 || res.Jobs[0].Attempts != 2 || res.Jobs[0].State != acct.JobDone {
		t.Fatalf("after the lease ran %+v, %v; want the claimed job at its second attempt", res, err)
	}
	for _, n := range notes.Notices() {
		sent[n.To]++
	}
	if sent["known@example.com"] != 1 || len(sent) != 4 {
		t.Fatalf("sent %v, want the forgot link too", sent)
	}
}

// testRunnersSendOnce has 4 Locals on one database drain a queue of 40
// forgot-password jobs at once: every link is sent exactly once.
func testRunnersSendOnce(t *testing.T, newDB NewDB) {
	ctx := context.Background()
	open := newDB(t)
	clock := NewClock(Start)
	a := sharedLocal(t, open, clock, &Recorder{})
	const jobs, runners = 40, 4
	for i := range jobs {
		addr := fmt.Sprintf("user%d@example.com", i)
		if _, err := a.Register(ctx, acct.NewUser{Email: addr, Password: GoodPassword}); err != nil {
			t.Fatal(err)
		}
		if err := a.ForgotPassword(ctx, addr); err != nil {
			t.Fatal(err)
		}
	}
	a.Close()
	notes := &Recorder{}
	locals := make([]*acct.Local, runners)
	for i := range locals {
		locals[i] = sharedLocal(t, open, clock, notes)
		defer locals[i].Close()
	}
	start := make(chan struct{})
	errs := make(chan error, runners)
	var wg sync.WaitGroup
	for _, l := range locals {
		wg.Go(func() {
			<-start
			for {
				res, err := l.RunJobs(ctx, acct.JobRun{Max: 2})
				if acct.IsCode(err, acct.CodeUnavailable) {
					continue // a busy store: the next tick
				}
				if err != nil {
					errs <- err
					return
				}
				if len(res.Jobs) == 0 {
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	sent := map[string]int{}
	for _, n := range notes.Notices() {
		sent[n.To]++
	}
	if len(sent) != jobs {
		t.Fatalf("%d addresses got a link, want %d", len(sent), jobs)
	}
	for to, n := range sent {
		if n != 1 {
			t.Errorf("%s got %d links", to, n)
		}
	}
}
