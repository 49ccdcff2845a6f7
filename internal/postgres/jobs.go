package postgres

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/acctl/acctl/internal/acct"
)

// jobColumns is the column list that scanJob reads (the payload apart).
const jobColumns = `id, kind, state, attempts, due_at, last_error, actor, created_at, done_at`

// InsertJob stores a new job and sets j.ID. Any j.ID given is ignored.
func (t *txn) InsertJob(ctx context.Context, j *acct.JobRecord) error {
	err := t.tx.QueryRow(ctx, `INSERT INTO jobs (
		kind, payload, state, attempts, due_at, last_error, actor, created_at, done_at
	) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		string(j.Kind), payloadText(j.Payload), string(j.State), j.Attempts, millis(j.DueAt), j.LastError, j.Actor,
		millis(j.CreatedAt), nullMillis(j.DoneAt)).Scan(&j.ID)
	if err != nil {
		return mapError("insert job", err)
	}
	return nil
}

// ClaimJobs claims the due jobs in one UPDATE … RETURNING whose rows come
// from a SELECT … FOR UPDATE SKIP LOCKED: a row that another server is
// claiming is skipped, not waited for, and a row claimed and committed
// meanwhile is checked again against the condition (it is no longer due),
// so no two servers claim one job.
func (t *txn) ClaimJobs(ctx context.Context, c acct.JobClaim) ([]acct.JobRecord, error) {
	if len(c.Kinds) == 0 || c.Limit <= 0 {
		return []acct.JobRecord{}, nil
	}
	kinds := make([]string, len(c.Kinds))
	for i, k := range c.Kinds {
		kinds[i] = string(k)
	}
	rows, err := t.tx.Query(ctx, `UPDATE jobs SET state = $1, due_at = $2, attempts = attempts + 1
		WHERE id IN (SELECT id FROM jobs WHERE state IN ($3, $4) AND due_at <= $5 AND kind = ANY($6)
			ORDER BY due_at, id LIMIT $7 FOR UPDATE SKIP LOCKED)
		RETURNING `+jobColumns+`, payload`,
		string(acct.JobClaimed), millis(c.Until), string(acct.JobPending), string(acct.JobClaimed), millis(c.Now),
		kinds, c.Limit)
	if err != nil {
		return nil, mapError("claim jobs", err)
	}
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (acct.JobRecord, error) {
		var j acct.JobRecord
		var payload *string
		if err := scanJob(r, &j.Job, &payload); err != nil {
			return j, err
		}
		if payload != nil {
			j.Payload = []byte(*payload)
		}
		return j, nil
	})
	if err != nil {
		return nil, mapError("claim jobs", err)
	}
	if jobs == nil {
		jobs = []acct.JobRecord{}
	}
	slices.SortFunc(jobs, func(a, b acct.JobRecord) int { return cmp.Compare(a.ID, b.ID) }) // RETURNING keeps no order
	return jobs, nil
}

// SettleJob stores the outcome of a claim in one guarded UPDATE.
func (t *txn) SettleJob(ctx context.Context, s acct.JobSettle) (bool, error) {
	finished := s.State == acct.JobDone || s.State == acct.JobDead
	tag, err := t.tx.Exec(ctx, `UPDATE jobs SET state = $1, attempts = $2, due_at = $3, last_error = $4, done_at = $5,
		payload = CASE WHEN $6 THEN NULL ELSE payload END
		WHERE id = $7 AND state = $8 AND attempts = $9`,
		string(s.State), s.Attempts, millis(s.DueAt), s.LastError, nullMillis(s.DoneAt), finished,
		s.ID, string(acct.JobClaimed), s.Claim)
	if err != nil {
		return false, mapError("settle job", err)
	}
	return tag.RowsAffected() > 0, nil
}

// ListJobs returns the jobs that match f, newest first.
func (t *txn) ListJobs(ctx context.Context, f acct.JobFilter) ([]acct.Job, error) {
	var a args
	q := "SELECT " + jobColumns + " FROM jobs"
	if len(f.States) > 0 {
		states := make([]string, len(f.States))
		for i, s := range f.States {
			states[i] = string(s)
		}
		q += " WHERE state = ANY(" + a.add(states) + ")"
	}
	q += " ORDER BY id DESC LIMIT " + a.add(f.Limit)
	rows, err := t.tx.Query(ctx, q, a...)
	if err != nil {
		return nil, mapError("list jobs", err)
	}
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (acct.Job, error) {
		var j acct.Job
		return j, scanJob(r, &j, nil)
	})
	if err != nil {
		return nil, mapError("list jobs", err)
	}
	if jobs == nil {
		jobs = []acct.Job{}
	}
	return jobs, nil
}

// DeleteJobs deletes at most limit finished jobs done before before;
// rows that another transaction holds are skipped.
func (t *txn) DeleteJobs(ctx context.Context, before time.Time, limit int) (int64, error) {
	tag, err := t.tx.Exec(ctx, `DELETE FROM jobs WHERE id IN (
		SELECT id FROM jobs WHERE done_at IS NOT NULL AND done_at < $1 AND state IN ($2, $3)
		ORDER BY done_at LIMIT $4 FOR UPDATE SKIP LOCKED)`,
		millis(before), string(acct.JobDone), string(acct.JobDead), limit)
	if err != nil {
		return 0, mapError("delete jobs", err)
	}
	return tag.RowsAffected(), nil
}

// scanJob reads one row of jobColumns, and the payload after them when
// payload is not nil.
func scanJob(row pgx.Row, j *acct.Job, payload **string) error {
	var kind, state string
	dest := []any{&j.ID, &kind, &state, &j.Attempts, &j.DueAt, &j.LastError, &j.Actor, &j.CreatedAt, &j.DoneAt}
	if payload != nil {
		dest = append(dest, payload)
	}
	if err := row.Scan(dest...); err != nil {
		return err
	}
	j.Kind, j.State = acct.JobKind(kind), acct.JobState(state)
	j.DueAt, j.CreatedAt, j.DoneAt = j.DueAt.UTC(), j.CreatedAt.UTC(), utc(j.DoneAt)
	return nil
}

// payloadText stores a nil payload as NULL.
func payloadText(p []byte) *string {
	if p == nil {
		return nil
	}
	s := string(p)
	return &s
}
