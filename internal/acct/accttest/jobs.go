package accttest

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// jobCases are the durable queue's cases (acct/jobs.go, signup.go).
var jobCases = []suiteCase{
	{"JobsForgotQueued", testJobsForgotQueued, forgotOptions},
	{"JobsRetryBackoff", testJobsRetryBackoff, forgotOptions},
	{"JobsGiveUp", testJobsGiveUp, func(o *acct.Options) { forgotOptions(o); o.JobAttempts = 3 }},
	{"JobsRunLimit", testJobsRunLimit, forgotOptions},
	{"SignUp", testSignUp, signUpOptions},
	{"SignUpTaken", testSignUpTaken, signUpOptions},
	{"SignUpInvalid", testSignUpInvalid, signUpOptions},
	{"SignUpSendFails", testSignUpSendFails, signUpOptions},
	{"SignUpVerifyEmail", testSignUp, activationOptions},
}

// signUpOptions: accounts that operators register are active, sign-ups
// are pending until their link is followed.
func signUpOptions(o *acct.Options) {
	o.PublicURL, o.ActivationTTL = activationURL, testActivationTTL
}

// runJobs drains the queue as a server would and returns the jobs run.
func (e *env) runJobs() []acct.Job {
	e.t.Helper()
	res, err := e.svc.RunJobs(e.ctx, acct.JobRun{Max: acct.MaxJobBatch})
	if err != nil {
		e.t.Fatalf("run jobs at %s: %v", e.clock.Now().Sub(Start), err)
	}
	return res.Jobs
}

// jobs lists the queue, newest first.
func (e *env) jobs(states ...acct.JobState) []acct.Job {
	e.t.Helper()
	js, err := e.svc.ListJobs(e.ctx, acct.JobQuery{States: states})
	if err != nil {
		e.t.Fatal(err)
	}
	return js
}

// testJobsForgotQueued checks that a forgot-password answer is a job
// committed before the answer, of the same kind for a known and an
// unknown address, and that nothing is sent until the queue runs; then
// one link goes, both jobs are done and a second run does nothing.
func testJobsForgotQueued(e *env) {
	e.register(acct.NewUser{Email: "queued@example.com"})
	if err := e.svc.ForgotPassword(e.ctx, "queued@example.com"); err != nil {
		e.t.Fatal(err)
	}
	if err := e.svc.ForgotPassword(e.ctx, "nobody@example.com"); err != nil {
		e.t.Fatal(err)
	}
	e.notices(0)
	js := e.jobs()
	if len(js) != 2 {
		e.t.Fatalf("jobs %+v, want 2", js)
	}
	for _, j := range js {
		if j.Kind != acct.JobForgot || j.State != acct.JobPending || j.Attempts != 0 || !j.DueAt.Equal(Start) ||
			j.Actor != "tester" || !j.CreatedAt.Equal(Start) {
			e.t.Fatalf("job %+v: want a pending forgot job of tester due now", j)
		}
	}
	e.noSecrets("jobs", js, "queued@", "nobody@")
	ran := e.runJobs()
	if len(ran) != 2 || ran[0].State != acct.JobDone || ran[1].State != acct.JobDone || ran[0].Attempts != 1 {
		e.t.Fatalf("ran %+v, want 2 jobs done at the first attempt", ran)
	}
	n := e.notices(1)[0]
	if n.To != "queued@example.com" || n.Template != acct.TemplateForgot {
		e.t.Fatalf("notice %+v", n)
	}
	e.reset(e.linkCode(n.Data.URL, linkPrefix, linkSuffix), NewPassword)
	if ran := e.runJobs(); len(ran) != 0 {
		e.t.Fatalf("second run ran %+v", ran)
	}
	if done := e.jobs(acct.JobDone); len(done) != 2 || done[0].DoneAt == nil || !done[0].DoneAt.Equal(Start) {
		e.t.Fatalf("done jobs %+v", done)
	}
	// A week on, a run of the drained queue deletes them.
	e.to(acct.JobKeep)
	e.runJobs()
	if done := e.jobs(acct.JobDone); len(done) != 2 {
		e.t.Fatalf("done jobs deleted at their 7th day: %+v", done)
	}
	e.to(acct.JobKeep + time.Millisecond)
	e.runJobs()
	if all := e.jobs(); len(all) != 0 {
		e.t.Fatalf("jobs after a week %+v, want none", all)
	}
}

// testJobsRetryBackoff checks a job whose delivery fails: it is tried
// again after 30s, then after 60s more (the backoff doubles), each
// attempt with a fresh link that voids the older and a failure in the
// audit trail; once delivery works it is done and only the last link
// works.
func testJobsRetryBackoff(e *env) {
	e.register(acct.NewUser{Email: "retry@example.com"})
	e.notes.Fail(errors.New("451 try later"))
	if err := e.svc.ForgotPassword(e.ctx, "retry@example.com"); err != nil {
		e.t.Fatal(err)
	}
	ran := e.runJobs()
	if len(ran) != 1 || ran[0].State != acct.JobPending || ran[0].Attempts != 1 ||
		!ran[0].DueAt.Equal(Start.Add(acct.DefaultJobBackoff)) || !strings.Contains(ran[0].LastError, "451 try later") {
		e.t.Fatalf("ran %+v, want pending again, due in %s, with the error", ran, acct.DefaultJobBackoff)
	}
	e.to(acct.DefaultJobBackoff - time.Millisecond)
	if ran := e.runJobs(); len(ran) != 0 {
		e.t.Fatalf("ran %+v before the backoff ended", ran)
	}
	e.to(acct.DefaultJobBackoff)
	ran = e.runJobs()
	if len(ran) != 1 || ran[0].Attempts != 2 || !ran[0].DueAt.Equal(Start.Add(3*acct.DefaultJobBackoff)) {
		e.t.Fatalf("second attempt %+v, want due at +%s", ran, 3*acct.DefaultJobBackoff)
	}
	e.notes.Fail(nil)
	e.to(3 * acct.DefaultJobBackoff)
	ran = e.runJobs()
	if len(ran) != 1 || ran[0].State != acct.JobDone || ran[0].Attempts != 3 {
		e.t.Fatalf("third attempt %+v, want done", ran)
	}
	ns := e.notices(3)
	first := e.linkCode(ns[0].Data.URL, linkPrefix, linkSuffix)
	second := e.linkCode(ns[1].Data.URL, linkPrefix, linkSuffix)
	last := e.linkCode(ns[2].Data.URL, linkPrefix, linkSuffix)
	if canon(first) == canon(second) || canon(second) == canon(last) {
		e.t.Fatal("an attempt sent the same link again, want a fresh one")
	}
	e.codeInvalid(first)
	e.codeInvalid(second)
	e.reset(last, NewPassword)
	_, count := e.events("")
	if count["job.fail/failure/tester"] != 2 || count["code.deliver/failure/tester"] != 2 || count["code.deliver/ok/tester"] != 1 {
		e.t.Fatalf("events %v, want 2 job.fail, 2 failed and 1 good code.deliver", count)
	}
	evs, _ := e.events("")
	e.noSecrets("audit events", evs, append(append(codeSpellings(first), codeSpellings(second)...), codeSpellings(last)...)...)
}

// testJobsGiveUp checks that a job is given up after its last attempt
// (3 here), with a job.giveup event, and is not run again.
func testJobsGiveUp(e *env) {
	e.register(acct.NewUser{Email: "giveup@example.com"})
	e.notes.Fail(errors.New("550 no such mailbox"))
	if err := e.svc.ForgotPassword(e.ctx, "giveup@example.com"); err != nil {
		e.t.Fatal(err)
	}
	var last []acct.Job
	for i := range 3 {
		e.to(time.Duration(i) * time.Hour) // past any backoff
		if last = e.runJobs(); len(last) != 1 || last[0].Attempts != i+1 {
			e.t.Fatalf("attempt %d ran %+v", i+1, last)
		}
	}
	if last[0].State != acct.JobDead || last[0].DoneAt == nil || !strings.Contains(last[0].LastError, "550") {
		e.t.Fatalf("after 3 attempts %+v, want dead with the error", last[0])
	}
	e.to(10 * time.Hour)
	if ran := e.runJobs(); len(ran) != 0 {
		e.t.Fatalf("a dead job ran again: %+v", ran)
	}
	if dead := e.jobs(acct.JobDead); len(dead) != 1 {
		e.t.Fatalf("dead jobs %+v", dead)
	}
	_, count := e.events("")
	if count["job.giveup/failure/tester"] != 1 || count["job.fail/failure/tester"] != 2 {
		e.t.Fatalf("events %v, want 1 job.giveup and 2 job.fail", count)
	}
}

// testJobsRunLimit checks that RunJobs claims at most Max jobs and
// refuses more than MaxJobBatch.
func testJobsRunLimit(e *env) {
	for i := range 3 {
		if err := e.svc.ForgotPassword(e.ctx, fmt.Sprintf("limit%d@example.com", i)); err != nil {
			e.t.Fatal(err)
		}
	}
	res, err := e.svc.RunJobs(e.ctx, acct.JobRun{Max: 2})
	if err != nil || len(res.Jobs) != 2 {
		e.t.Fatalf("run 2: %+v, %v", res, err)
	}
	if ran := e.runJobs(); len(ran) != 1 {
		e.t.Fatalf("the rest: %+v, want 1", ran)
	}
	_, err = e.svc.RunJobs(e.ctx, acct.JobRun{Max: acct.MaxJobBatch + 1})
	e.wantCode(err, acct.CodeInvalid, "max")
	_, err = e.svc.ListJobs(e.ctx, acct.JobQuery{States: []acct.JobState{"sleeping"}})
	e.wantCode(err, acct.CodeInvalid, "state")
}

// testSignUp checks a self-service sign-up: the answer comes with a job
// and no account yet; running it makes the pending account with the
// password's hash (never the password in the queue or the trail) and
// sends the activation link, whose key activates it.
func testSignUp(e *env) {
	const password = "a sign-up password that is long"
	err := e.svc.SignUp(e.ctx, acct.SignUpRequest{Email: " New@Example.com", Password: password, FirstName: "Nina", LastName: "New", Language: "pt-br"})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.User(e.ctx, "new@example.com"); !acct.IsCode(err, acct.CodeNotFound) {
		e.t.Fatalf("account before the job ran: %v", err)
	}
	js := e.jobs()
	if len(js) != 1 || js[0].Kind != acct.JobSignUp || js[0].State != acct.JobPending {
		e.t.Fatalf("jobs %+v, want one pending signup job", js)
	}
	e.noSecrets("jobs", js, password, "new@example.com")
	if ran := e.runJobs(); len(ran) != 1 || ran[0].State != acct.JobDone {
		e.t.Fatalf("ran %+v", ran)
	}
	u := e.user("new@example.com")
	if u.Status != acct.StatusPending || u.FirstName != "Nina" || u.LastName != "New" || u.Language != "pt-BR" || !u.HasPassword {
		e.t.Fatalf("signed up %+v", u)
	}
	key := e.activationKey(e.notices(1)[0], "new@example.com", activationPrefix)
	e.activate(key, u.ID)
	e.login(acct.Login{Ref: "new@example.com", Password: password})
	evs, _ := e.events("")
	e.noSecrets("audit events", evs, append(codeSpellings(key), password)...)
}

// testSignUpTaken checks a sign-up at an address in use: the same answer
// and the same job; running it makes nothing and sends nothing to an
// active account, and sends a pending account at that very address a
// fresh link (voiding the older).
func testSignUpTaken(e *env) {
	e.register(acct.NewUser{Email: "active@example.com"})
	pending, firstKey := e.registerPending(acct.NewUser{Email: "pending@example.com"})
	before := e.count()
	for _, addr := range []string{"active@example.com", "pending@example.com", "fresh@example.com"} {
		err := e.svc.SignUp(e.ctx, acct.SignUpRequest{Email: addr, Password: GoodPassword, FirstName: "X"})
		if err != nil {
			e.t.Fatalf("sign up %s: %v", addr, err)
		}
	}
	if js := e.jobs(); len(js) != 3 {
		e.t.Fatalf("jobs %+v, want 3 alike", js)
	}
	e.to(time.Minute)
	for _, j := range e.runJobs() {
		if j.State != acct.JobDone {
			e.t.Fatalf("job %+v, want done", j)
		}
	}
	if got := e.count(); got != before+1 {
		e.t.Fatalf("%d accounts, want %d: only the fresh address makes one", got, before+1)
	}
	ns := e.notices(3) // the first link, the pending one's again, the fresh one's
	e.activationKey(ns[1], "pending@example.com", activationPrefix)
	e.activationKey(ns[2], "fresh@example.com", activationPrefix)
	e.activateRefused(firstKey, acct.CodeUnauthenticated)
	e.activate(e.activationKey(ns[1], "pending@example.com", activationPrefix), pending.ID)
}

// testSignUpInvalid checks that a sign-up is checked before it is queued:
// a weak password, a bad address or a missing field is refused alike for
// a known and an unknown address, and queues nothing.
func testSignUpInvalid(e *env) {
	e.register(acct.NewUser{Email: "known@example.com"})
	for _, addr := range []string{"known@example.com", "unknown@example.com"} {
		err := e.svc.SignUp(e.ctx, acct.SignUpRequest{Email: addr, Password: "short"})
		e.wantCode(err, acct.CodeRefused, "password")
	}
	e.wantCode(e.svc.SignUp(e.ctx, acct.SignUpRequest{Email: "not an address", Password: GoodPassword}), acct.CodeInvalid, "email")
	e.wantCode(e.svc.SignUp(e.ctx, acct.SignUpRequest{Password: GoodPassword}), acct.CodeInvalid, "email")
	e.wantCode(e.svc.SignUp(e.ctx, acct.SignUpRequest{Email: "x@example.com"}), acct.CodeInvalid, "password")
	if js := e.jobs(); len(js) != 0 {
		e.t.Fatalf("jobs %+v, want none", js)
	}
}

// testSignUpSendFails checks a sign-up whose link cannot be sent: the
// account is made, pending; the retry sends a fresh link to it.
func testSignUpSendFails(e *env) {
	e.notes.Fail(errors.New("451 try later"))
	if err := e.svc.SignUp(e.ctx, acct.SignUpRequest{Email: "late@example.com", Password: GoodPassword}); err != nil {
		e.t.Fatal(err)
	}
	if ran := e.runJobs(); len(ran) != 1 || ran[0].State != acct.JobPending {
		e.t.Fatalf("ran %+v, want pending again", ran)
	}
	u := e.user("late@example.com")
	e.notes.Fail(nil)
	e.to(acct.DefaultJobBackoff)
	if ran := e.runJobs(); len(ran) != 1 || ran[0].State != acct.JobDone {
		e.t.Fatalf("retry %+v, want done", ran)
	}
	ns := e.notices(2)
	e.activate(e.activationKey(ns[1], "late@example.com", activationPrefix), u.ID)
}
