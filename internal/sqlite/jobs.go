package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// jobColumns is the column list that scanJob reads (the payload apart).
const jobColumns = `id, kind, state, attempts, due_at, last_error, actor, created_at, done_at`

// InsertJob stores a new job and sets j.ID. Any j.ID given is ignored.
func (t *txn) InsertJob(ctx context.Context, j *acct.JobRecord) error {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO jobs (
		kind, payload, state, attempts, due_at, last_error, actor, created_at, done_at
	) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		string(j.Kind), nullPayload(j.Payload), string(j.State), j.Attempts, j.DueAt.UnixMilli(), j.LastError, j.Actor,
		j.CreatedAt.UnixMilli(), nullTime(j.DoneAt))
	if err != nil {
		return mapError("insert job", err)
	}
	if j.ID, err = res.LastInsertId(); err != nil {
		return mapError("insert job", err)
	}
	return nil
}

// ClaimJobs claims the due jobs in one UPDATE … RETURNING. The write
// transaction is IMMEDIATE, so SQLite's single writer makes claims of
// several processes follow one another: none claims a job another has.
func (t *txn) ClaimJobs(ctx context.Context, c acct.JobClaim) ([]acct.JobRecord, error) {
	if len(c.Kinds) == 0 || c.Limit <= 0 {
		return []acct.JobRecord{}, nil
	}
	args := []any{string(acct.JobClaimed), c.Until.UnixMilli(), string(acct.JobPending), string(acct.JobClaimed), c.Now.UnixMilli()}
	marks := make([]string, len(c.Kinds))
	for i, k := range c.Kinds {
		marks[i] = "?"
		args = append(args, string(k))
	}
	args = append(args, c.Limit)
	rows, err := t.tx.QueryContext(ctx, `UPDATE jobs SET state = ?, due_at = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM jobs WHERE state IN (?, ?) AND due_at <= ? AND kind IN (`+strings.Join(marks, ", ")+`)
			ORDER BY due_at, id LIMIT ?)
		RETURNING `+jobColumns+`, payload`, args...)
	if err != nil {
		return nil, mapError("claim jobs", err)
	}
	defer rows.Close()
	jobs := []acct.JobRecord{}
	for rows.Next() {
		var j acct.JobRecord
		var payload sql.NullString
		if err := scanJob(rows, &j.Job, &payload); err != nil {
			return nil, mapError("claim jobs", err)
		}
		if payload.Valid {
			j.Payload = []byte(payload.String)
		}
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("claim jobs", err)
	}
	slices.SortFunc(jobs, func(a, b acct.JobRecord) int { return cmp.Compare(a.ID, b.ID) }) // RETURNING keeps no order
	return jobs, nil
}

// SettleJob stores the outcome of a claim in one guarded UPDATE.
func (t *txn) SettleJob(ctx context.Context, s acct.JobSettle) (bool, error) {
	finished := s.State == acct.JobDone || s.State == acct.JobDead
	res, err := t.tx.ExecContext(ctx, `UPDATE jobs SET state = ?, attempts = ?, due_at = ?, last_error = ?, done_at = ?,
		payload = CASE WHEN ? THEN NULL ELSE payload END
		WHERE id = ? AND state = ? AND attempts = ?`,
		string(s.State), s.Attempts, s.DueAt.UnixMilli(), s.LastError, nullTime(s.DoneAt), finished,
		s.ID, string(acct.JobClaimed), s.Claim)
	return changedRow(res, err, "settle job")
}

// ListJobs returns the jobs that match f, newest first.
func (t *txn) ListJobs(ctx context.Context, f acct.JobFilter) ([]acct.Job, error) {
	var where []string
	var args []any
	if len(f.States) > 0 {
		marks := make([]string, len(f.States))
		for i, s := range f.States {
			marks[i] = "?"
			args = append(args, string(s))
		}
		where = append(where, "state IN ("+strings.Join(marks, ", ")+")")
	}
	q := "SELECT " + jobColumns + " FROM jobs"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, f.Limit)
	rows, err := t.tx.QueryContext(ctx, q+" ORDER BY id DESC LIMIT ?", args...)
	if err != nil {
		return nil, mapError("list jobs", err)
	}
	defer rows.Close()
	jobs := []acct.Job{}
	for rows.Next() {
		var j acct.Job
		if err := scanJob(rows, &j, nil); err != nil {
			return nil, mapError("list jobs", err)
		}
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("list jobs", err)
	}
	return jobs, nil
}

// DeleteJobs deletes at most limit finished jobs done before before.
func (t *txn) DeleteJobs(ctx context.Context, before time.Time, limit int) (int64, error) {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM jobs WHERE id IN (
		SELECT id FROM jobs WHERE done_at IS NOT NULL AND done_at < ? AND state IN (?, ?) ORDER BY done_at LIMIT ?)`,
		before.UnixMilli(), string(acct.JobDone), string(acct.JobDead), limit)
	if err != nil {
		return 0, mapError("delete jobs", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, mapError("delete jobs", err)
	}
	return n, nil
}

// scanJob reads one row of jobColumns, and the payload after them when
// payload is not nil.
func scanJob(row interface{ Scan(...any) error }, j *acct.Job, payload *sql.NullString) error {
	var kind, state string
	var due, created int64
	var done sql.NullInt64
	dest := []any{&j.ID, &kind, &state, &j.Attempts, &due, &j.LastError, &j.Actor, &created, &done}
	if payload != nil {
		dest = append(dest, payload)
	}
	if err := row.Scan(dest...); err != nil {
		return err
	}
	j.Kind, j.State = acct.JobKind(kind), acct.JobState(state)
	j.DueAt, j.CreatedAt, j.DoneAt = fromMillis(due), fromMillis(created), nullTimeValue(done)
	return nil
}

// nullPayload stores a nil payload as NULL.
func nullPayload(p []byte) sql.NullString {
	return sql.NullString{String: string(p), Valid: p != nil}
}
