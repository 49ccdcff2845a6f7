package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/acctl/acctl/internal/acct"
)

// InsertEvent appends an audit event and sets ev.ID.
func (t *Tx) InsertEvent(ctx context.Context, ev *acct.Event) error {
	var userID any
	if ev.UserID != nil {
		userID = *ev.UserID
	}
	id, err := t.insert(ctx, `INSERT INTO audit_events
		(at, actor, action, user_id, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)`, "id",
		t.d.Time(ev.At), ev.Actor, ev.Action, userID, string(ev.Outcome), ev.Detail)
	if err != nil {
		return t.d.MapError("insert event", err)
	}
	ev.ID = id
	return nil
}

// ListEvents returns the audit events that match q, newest first. A
// q.Limit of 0 or less means no limit.
func (t *Tx) ListEvents(ctx context.Context, q acct.EventFilter) ([]acct.Event, error) {
	var where []string
	var args []any
	if q.UserID != nil {
		where, args = append(where, "user_id = ?"), append(args, *q.UserID)
	}
	if q.Action != "" {
		if q.ActionPrefix {
			where, args = append(where, `action LIKE ? ESCAPE '\'`), append(args, EscapeLike(q.Action)+"%")
		} else {
			where, args = append(where, "action = ?"), append(args, q.Action)
		}
	}
	if !q.Since.IsZero() {
		where, args = append(where, "at >= ?"), append(args, t.d.Time(q.Since))
	}
	query := "SELECT id, at, actor, action, user_id, outcome, detail FROM audit_events"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY id DESC"
	if q.Limit > 0 {
		query, args = query+" LIMIT ?", append(args, q.Limit)
	}
	rows, err := t.query(ctx, query, args...)
	return collect(t, rows, err, "list events", func(r *sql.Rows, ev *acct.Event) error {
		var at Millis
		var userID sql.NullInt64
		var outcome string
		if err := r.Scan(&ev.ID, &at, &ev.Actor, &ev.Action, &userID, &outcome, &ev.Detail); err != nil {
			return err
		}
		ev.At, ev.Outcome = at.Time, acct.Outcome(outcome)
		if userID.Valid {
			ev.UserID = &userID.Int64
		}
		return nil
	})
}

// EscapeLike makes s literal in a LIKE pattern with ESCAPE '\'.
func EscapeLike(s string) string {
	return likeEscaper.Replace(s)
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
