package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// jobColumns is the column list that scanJob reads (the payload apart).
const jobColumns = `id, kind, state, attempts, due_at, last_error, actor, created_at, done_at`

// InsertJob stores a new job and sets j.ID. Any j.ID given is ignored.
func (t *Tx) InsertJob(ctx context.Context, j *acct.JobRecord) error {
	id, err := t.insert(ctx, `INSERT INTO jobs (
		kind, payload, state, attempts, due_at, last_error, actor, created_at, done_at
	) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, "id",
		string(j.Kind), NullBytes(j.Payload), string(j.State), j.Attempts, t.d.Time(j.DueAt), j.LastError, j.Actor,
		t.d.Time(j.CreatedAt), t.d.NullTime(j.DoneAt))
	if err != nil {
		return t.d.MapError("insert job", err)
	}
	j.ID = id
	return nil
}

// ClaimJobs claims the due jobs in one UPDATE … RETURNING. No two
// processes claim one job: SQLite's single writer (IMMEDIATE
// transactions) makes claims follow one another; on PostgreSQL the rows
// come from a SELECT … FOR UPDATE SKIP LOCKED, so a row another server is
// claiming is skipped, not waited for, and a row claimed and committed
// meanwhile is checked again against the condition (it is no longer due).
func (t *Tx) ClaimJobs(ctx context.Context, c acct.JobClaim) ([]acct.JobRecord, error) {
	if len(c.Kinds) == 0 || c.Limit <= 0 {
		return []acct.JobRecord{}, nil
	}
	args := []any{string(acct.JobClaimed), t.d.Time(c.Until), string(acct.JobPending), string(acct.JobClaimed), t.d.Time(c.Now)}
	for _, k := range c.Kinds {
		args = append(args, string(k))
	}
	args = append(args, c.Limit)
	rows, err := t.query(ctx, `UPDATE jobs SET state = ?, due_at = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM jobs WHERE state IN (?, ?) AND due_at <= ? AND kind IN (`+marks(len(c.Kinds))+`)
			ORDER BY due_at, id LIMIT ?`+t.d.SkipLocked+`)
		RETURNING `+jobColumns+`, payload`, args...)
	jobs, err := collect(t, rows, err, "claim jobs", func(r *sql.Rows, j *acct.JobRecord) error {
		var payload sql.NullString
		if err := scanJob(r, &j.Job, &payload); err != nil {
			return err
		}
		if payload.Valid {
			j.Payload = []byte(payload.String)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(jobs, func(a, b acct.JobRecord) int { return cmp.Compare(a.ID, b.ID) }) // RETURNING keeps no order
	return jobs, nil
}

// SettleJob stores the outcome of a claim in one guarded UPDATE.
func (t *Tx) SettleJob(ctx context.Context, s acct.JobSettle) (bool, error) {
	finished := s.State == acct.JobDone || s.State == acct.JobDead
	res, err := t.exec(ctx, `UPDATE jobs SET state = ?, attempts = ?, due_at = ?, last_error = ?, done_at = ?,
		payload = CASE WHEN ? THEN NULL ELSE payload END
		WHERE id = ? AND state = ? AND attempts = ?`,
		string(s.State), s.Attempts, t.d.Time(s.DueAt), s.LastError, t.d.NullTime(s.DoneAt), finished,
		s.ID, string(acct.JobClaimed), s.Claim)
	n, err := t.affected(res, err, "settle job")
	return n > 0, err
}

// ListJobs returns the jobs that match f, newest first.
func (t *Tx) ListJobs(ctx context.Context, f acct.JobFilter) ([]acct.Job, error) {
	var args []any
	q := "SELECT " + jobColumns + " FROM jobs"
	if len(f.States) > 0 {
		for _, s := range f.States {
			args = append(args, string(s))
		}
		q += " WHERE state IN (" + marks(len(f.States)) + ")"
	}
	args = append(args, f.Limit)
	rows, err := t.query(ctx, q+" ORDER BY id DESC LIMIT ?", args...)
	return collect(t, rows, err, "list jobs", func(r *sql.Rows, j *acct.Job) error {
		return scanJob(r, j, nil)
	})
}

// DeleteJobs deletes at most limit finished jobs done before before; on
// PostgreSQL, rows that another transaction holds are skipped.
func (t *Tx) DeleteJobs(ctx context.Context, before time.Time, limit int) (int64, error) {
	res, err := t.exec(ctx, `DELETE FROM jobs WHERE id IN (
		SELECT id FROM jobs WHERE done_at IS NOT NULL AND done_at < ? AND state IN (?, ?)
		ORDER BY done_at LIMIT ?`+t.d.SkipLocked+`)`,
		t.d.Time(before), string(acct.JobDone), string(acct.JobDead), limit)
	return t.affected(res, err, "delete jobs")
}

// scanJob reads one row of jobColumns, and the payload after them when
// payload is not nil.
func scanJob(row interface{ Scan(...any) error }, j *acct.Job, payload *sql.NullString) error {
	var kind, state string
	var due, created, done Millis
	dest := []any{&j.ID, &kind, &state, &j.Attempts, &due, &j.LastError, &j.Actor, &created, &done}
	if payload != nil {
		dest = append(dest, payload)
	}
	if err := row.Scan(dest...); err != nil {
		return err
	}
	j.Kind, j.State = acct.JobKind(kind), acct.JobState(state)
	j.DueAt, j.CreatedAt, j.DoneAt = due.Time, created.Time, done.Ptr()
	return nil
}
