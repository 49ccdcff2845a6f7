package acct

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// The durable queue of jobs: work that an answer promises (send a reset
// link, register an account and send its activation link) is a job row
// committed before the answer is given, so a crash loses nothing that
// was acknowledged. A server drains the queue (Local.RunJobs), retries a
// failed job with exponential backoff and gives up after
// Options.JobAttempts, writing each failure and each give-up into the
// audit trail. Several servers on one database never run one claim of a
// job twice: a claim is a row update (PostgreSQL: FOR UPDATE SKIP LOCKED;
// SQLite: the single writer), and a claim whose lease ran out (its server
// was killed) is claimable again.
//
// A job is a kind and a JSON payload. A payload never holds a secret in
// clear: a sign-up carries the password's hash, never the password, and a
// job that sends a code makes a fresh code on each attempt (voiding the
// older), so no code waits in the queue.

// JobKind names what a job does; Local runs the kinds it knows and leaves
// the others (a newer server's) in the queue.
type JobKind string

// The kinds of job.
const (
	// JobSignUp registers a self-service sign-up and sends its activation
	// link (SignUp).
	JobSignUp JobKind = "signup"
	// JobForgot sends a forgot-password link (ForgotPassword).
	JobForgot JobKind = "forgot"
)

// JobState is where a job stands.
type JobState string

// The states of a job.
const (
	JobPending JobState = "pending" // waits until DueAt
	JobClaimed JobState = "claimed" // a runner has it until DueAt (its lease)
	JobDone    JobState = "done"    // ran
	JobDead    JobState = "dead"    // gave up after its last attempt
)

// Job is a job as listed: never its payload (it may hold personal data or
// a password hash).
type Job struct {
	ID    int64    `json:"id"`
	Kind  JobKind  `json:"kind"`
	State JobState `json:"state"`
	// Attempts counts the claims so far (a claim whose runner died counts).
	Attempts int `json:"attempts"`
	// DueAt is when a pending job may run, or when a claimed job's lease
	// ends (then another runner may claim it).
	DueAt     time.Time  `json:"due_at"`
	LastError string     `json:"last_error,omitempty"`
	Actor     string     `json:"actor"` // who asked for it; the job runs as this actor
	CreatedAt time.Time  `json:"created_at"`
	DoneAt    *time.Time `json:"done_at,omitempty"`
}

// JobRecord is a job as stored.
type JobRecord struct {
	Job
	// Payload is the job's JSON; a done or dead job keeps none (nil).
	Payload []byte
}

// JobClaim selects the jobs that Tx.ClaimJobs claims.
type JobClaim struct {
	Now   time.Time // jobs due at or before Now: pending ones, and claimed ones whose lease ended
	Until time.Time // the new lease's end
	Kinds []JobKind // only these kinds; must not be empty
	Limit int       // at most this many; must be > 0
}

// JobSettle is the outcome that Tx.SettleJob stores.
type JobSettle struct {
	ID int64
	// Claim is the job's Attempts as the claim returned it: the settle
	// applies only while that claim holds.
	Claim     int
	State     JobState
	Attempts  int
	DueAt     time.Time
	LastError string
	DoneAt    *time.Time
}

// JobFilter selects jobs for Tx.ListJobs, newest first.
type JobFilter struct {
	States []JobState // any of these; empty for all
	Limit  int        // must be > 0
}

// JobTx is the queue's part of a Tx.
type JobTx interface {
	// InsertJob stores a new job and sets j.ID.
	InsertJob(ctx context.Context, j *JobRecord) error
	// ClaimJobs claims at most c.Limit jobs of c.Kinds that are due at
	// c.Now (pending with DueAt <= Now, or claimed with a lease that
	// ended), oldest due first: each becomes claimed until c.Until with
	// one more attempt. Of stores claiming at once, each job goes to one.
	ClaimJobs(ctx context.Context, c JobClaim) ([]JobRecord, error)
	// SettleJob stores s in job s.ID in one guarded statement, only while
	// the job is claimed with Attempts equal to s.Claim (a claim that
	// lapsed and was taken again is not the caller's any more), and
	// reports whether it did. A done or dead job keeps no payload.
	SettleJob(ctx context.Context, s JobSettle) (bool, error)
	// ListJobs returns the jobs that match f, newest first, without their
	// payloads.
	ListJobs(ctx context.Context, f JobFilter) ([]Job, error)
	// DeleteJobs deletes at most limit done or dead jobs finished before
	// before, and returns how many it deleted.
	DeleteJobs(ctx context.Context, before time.Time, limit int) (int64, error)
}

// Job queue defaults.
const (
	DefaultJobAttempts   = 10
	DefaultJobBackoff    = 30 * time.Second
	DefaultJobBackoffMax = time.Hour
	DefaultJobLease      = 5 * time.Minute
	// DefaultJobBatch is how many jobs RunJobs claims when not told.
	DefaultJobBatch = 16
	// MaxJobBatch bounds one RunJobs.
	MaxJobBatch = 1000
	// JobKeep is how long a finished job stays listed before RunJobs
	// deletes it.
	JobKeep = 7 * 24 * time.Hour
)

// JobRun is the input of Service.RunJobs.
type JobRun struct {
	// Max is how many due jobs to claim (DefaultJobBatch when 0, at most
	// MaxJobBatch).
	Max int `json:"max,omitempty"`
}

// JobRunResult is what RunJobs did: each job it ran, in its new state
// (done, pending again with the time of the next attempt, or dead).
type JobRunResult struct {
	Jobs []Job `json:"jobs"`
}

// JobQuery selects jobs for Service.ListJobs, newest first.
type JobQuery struct {
	States []JobState `json:"states,omitempty"` // empty for all
	Limit  int        `json:"limit,omitempty"`  // 0 means DefaultPageSize
}

// jobRunners are the kinds Local runs.
var jobRunners = map[JobKind]func(l *Local, ctx context.Context, payload []byte) error{
	JobSignUp:      (*Local).runSignUp,
	JobForgot:      (*Local).runForgot,
	JobClaimEmail:  (*Local).runClaimEmail,  // selfservice.go
	JobRecoverySMS: (*Local).runRecoverySMS, // selfservice.go
}

// jobKinds lists jobRunners' kinds, for the claim.
func jobKinds() []JobKind {
	return []JobKind{JobSignUp, JobForgot, JobClaimEmail, JobRecoverySMS}
}

// ParseJobState checks a job state given by a user.
func ParseJobState(s string) (JobState, error) {
	switch st := JobState(strings.ToLower(strings.TrimSpace(s))); st {
	case JobPending, JobClaimed, JobDone, JobDead:
		return st, nil
	}
	return "", FieldError("state", "%q is not one of pending, claimed, done, dead", s)
}

// enqueue adds a job of kind with payload inside tx; the caller commits
// it with the rest of its answer's work, then calls queued.
func (l *Local) enqueue(ctx context.Context, tx Tx, kind JobKind, payload any) error {
	data, err := json.Marshal(payload)
	if err != nil {
		return Internal(err, "encode job")
	}
	now := l.now()
	j := &JobRecord{Job: Job{Kind: kind, State: JobPending, DueAt: now, Actor: l.actor(ctx), CreatedAt: now}, Payload: data}
	return tx.InsertJob(ctx, j)
}

// queued tells the runner of this process (Options.JobQueued) that a job
// was committed.
func (l *Local) queued() {
	if l.opt.JobQueued != nil {
		l.opt.JobQueued()
	}
}

// submit commits one job of kind in a transaction of its own.
func (l *Local) submit(ctx context.Context, kind JobKind, payload any) error {
	err := l.store.Update(ctx, func(tx Tx) error { return l.enqueue(ctx, tx, kind, payload) })
	if err != nil {
		return wrap(err, "queue "+string(kind)+" job")
	}
	l.queued()
	return nil
}

// jobBackoff is the wait before the next attempt after attempt n failed:
// JobBackoff doubled for each attempt after the first, at most
// DefaultJobBackoffMax.
func (l *Local) jobBackoff(n int) time.Duration {
	d := l.opt.JobBackoff
	for i := 1; i < n && d < DefaultJobBackoffMax; i++ {
		d *= 2
	}
	return min(d, DefaultJobBackoffMax)
}

// RunJobs claims the jobs that are due and runs them, one after the
// other: a job that fails is tried again after a backoff, and given up
// after Options.JobAttempts attempts; each failure and give-up is in the
// audit trail. When ctx ends, the job under way finishes and the jobs
// claimed but not started go back to the queue. Once the queue is
// drained, finished jobs older than JobKeep are deleted.
func (l *Local) RunJobs(ctx context.Context, in JobRun) (*JobRunResult, error) {
	if err := l.permit(ctx, "RunJobs"); err != nil {
		return nil, err
	}
	limit := in.Max
	if limit <= 0 {
		limit = DefaultJobBatch
	}
	if limit > MaxJobBatch {
		return nil, FieldError("max", "at most %d", MaxJobBatch)
	}
	now := l.now()
	var claimed []JobRecord
	err := l.store.Update(ctx, func(tx Tx) (err error) {
		claimed, err = tx.ClaimJobs(ctx, JobClaim{Now: now, Until: now.Add(l.opt.JobLease), Kinds: jobKinds(), Limit: limit})
		return err
	})
	if err != nil {
		return nil, wrap(err, "claim jobs")
	}
	out := &JobRunResult{Jobs: []Job{}}
	for i := range claimed {
		j := &claimed[i]
		if ctx.Err() != nil {
			l.release(ctx, j)
			continue
		}
		out.Jobs = append(out.Jobs, l.runJob(ctx, j))
	}
	if len(claimed) < limit { // the queue is drained: time for housekeeping
		cutoff := l.now().Add(-JobKeep)
		_ = l.store.Update(context.WithoutCancel(ctx), func(tx Tx) error { // best effort
			_, err := tx.DeleteJobs(ctx, cutoff, 500)
			return err
		})
	}
	return out, nil
}

// release gives a claimed job back, untried, to the queue.
func (l *Local) release(ctx context.Context, j *JobRecord) {
	s := JobSettle{ID: j.ID, Claim: j.Attempts, State: JobPending, Attempts: j.Attempts - 1, DueAt: l.now(), LastError: j.LastError}
	_ = l.store.Update(context.WithoutCancel(ctx), func(tx Tx) error { // else it comes back after its lease
		_, err := tx.SettleJob(ctx, s)
		return err
	})
}

// runJob runs one claimed job and settles it.
func (l *Local) runJob(ctx context.Context, j *JobRecord) Job {
	run := jobRunners[j.Kind]
	// A job under way is not cut when ctx ends (a send has its own
	// timeouts): its outcome is recorded, and only the jobs not yet
	// started go back to the queue.
	jctx := WithActor(context.WithoutCancel(ctx), j.Actor)
	runErr := run(l, jctx, j.Payload)
	now := l.now()
	s := JobSettle{ID: j.ID, Claim: j.Attempts, Attempts: j.Attempts}
	var ev *Event
	switch {
	case runErr == nil:
		s.State, s.DoneAt, s.DueAt = JobDone, &now, now
	case j.Attempts >= l.opt.JobAttempts:
		s.State, s.DoneAt, s.DueAt, s.LastError = JobDead, &now, now, runErr.Error()
		ev = l.event(jctx, ActionJobGiveUp, 0, fmt.Sprintf("job %d (%s) given up after %d attempts: %v", j.ID, j.Kind, j.Attempts, runErr))
	default:
		s.State, s.DueAt, s.LastError = JobPending, now.Add(l.jobBackoff(j.Attempts)), runErr.Error()
		ev = l.event(jctx, ActionJobFail, 0, fmt.Sprintf("job %d (%s) attempt %d of %d failed, next at %s: %v",
			j.ID, j.Kind, j.Attempts, l.opt.JobAttempts, s.DueAt.Format(time.RFC3339), runErr))
	}
	if ev != nil {
		ev.Outcome = OutcomeFailure
	}
	wctx := jctx
	err := l.store.Update(wctx, func(tx Tx) error {
		ok, err := tx.SettleJob(wctx, s)
		if err != nil || !ok || ev == nil {
			return err // !ok: the lease ran out and another runner has the job
		}
		return tx.InsertEvent(wctx, ev)
	})
	out := j.Job
	out.State, out.Attempts, out.DueAt, out.LastError, out.DoneAt = s.State, s.Attempts, s.DueAt, s.LastError, s.DoneAt
	if err != nil && out.LastError == "" {
		out.LastError = "recording the outcome: " + err.Error()
	}
	return out
}

// ListJobs returns the queue's jobs, newest first, never their payloads.
func (l *Local) ListJobs(ctx context.Context, q JobQuery) ([]Job, error) {
	if err := l.permit(ctx, "ListJobs"); err != nil {
		return nil, err
	}
	limit, err := pageLimit(q.Limit)
	if err != nil {
		return nil, err
	}
	states := make([]JobState, len(q.States))
	for i, s := range q.States {
		if states[i], err = ParseJobState(string(s)); err != nil {
			return nil, err
		}
	}
	var jobs []Job
	err = l.store.View(ctx, func(tx Tx) (err error) {
		jobs, err = tx.ListJobs(ctx, JobFilter{States: states, Limit: limit})
		return err
	})
	if err != nil {
		return nil, wrap(err, "list jobs")
	}
	return jobs, nil
}

// forgotJob is the payload of a JobForgot.
type forgotJob struct {
	Email string `json:"email"` // in normal form
}

// runForgot sends the reset link of a forgot job (see sendForgotLink).
func (l *Local) runForgot(ctx context.Context, payload []byte) error {
	var p forgotJob
	if err := json.Unmarshal(payload, &p); err != nil {
		return Internal(err, "decode forgot job")
	}
	return l.sendForgotLink(ctx, p.Email)
}
