package serve

import (
	"context"
	"log/slog"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// RunnerBatch is how many jobs the runner claims at a time: a shutdown
// waits for at most the job under way.
const RunnerBatch = 8

// Runner drains the store's job queue (acct.Local.RunJobs) for the
// server: at start, every Interval, and as soon as this process commits a
// job (Wake). Other servers on the same database drain the same queue;
// the store's claims keep them from running one job twice.
type Runner struct {
	svc      acct.Service
	interval time.Duration
	log      *slog.Logger
	after    func(time.Duration) <-chan time.Time
	wake     chan struct{}
	metrics  *Metrics // nil: none
}

// NewRunner returns a Runner over svc that looks for due jobs every
// interval. after is the timer (nil: time.After); tests inject their own.
func NewRunner(svc acct.Service, interval time.Duration, log *slog.Logger, after func(time.Duration) <-chan time.Time) *Runner {
	if after == nil {
		after = time.After
	}
	return &Runner{svc: svc, interval: interval, log: log, after: after, wake: make(chan struct{}, 1)}
}

// SetMetrics makes the runner count its failures in m.
func (r *Runner) SetMetrics(m *Metrics) { r.metrics = m }

// Wake makes the runner look for due jobs now; it never blocks.
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default: // a wake-up is pending already
	}
}

// Run drains the queue until ctx ends. The job under way then finishes
// and the jobs claimed but not started go back to the queue (RunJobs); a
// job whose runner is killed comes back when its lease ends.
func (r *Runner) Run(ctx context.Context) {
	for {
		r.drain(ctx)
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		case <-r.after(r.interval):
		}
	}
}

// drain runs due jobs until a batch comes back short.
func (r *Runner) drain(ctx context.Context) {
	for ctx.Err() == nil {
		res, err := r.svc.RunJobs(ctx, acct.JobRun{Max: RunnerBatch})
		if err != nil {
			r.metrics.storeError("jobs", err)
			if ctx.Err() == nil {
				r.log.LogAttrs(ctx, slog.LevelError, "jobs: run failed",
					slog.String("code", string(acct.ErrorCode(err))), slog.String("error", err.Error()))
			}
			return // the next tick tries again
		}
		for _, j := range res.Jobs {
			r.metrics.jobFailed(j)
			level := slog.LevelInfo
			if j.State != acct.JobDone {
				level = slog.LevelWarn
			}
			r.log.LogAttrs(ctx, level, "job", slog.Int64("id", j.ID), slog.String("kind", string(j.Kind)),
				slog.String("state", string(j.State)), slog.Int("attempt", j.Attempts), slog.String("error", j.LastError))
		}
		if len(res.Jobs) < RunnerBatch {
			return
		}
	}
}
