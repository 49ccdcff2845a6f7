package session

import (
	"strconv"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// columns are the columns of a session in tables, tsv and csv.
var columns = []string{"ID", "USER_ID", "USER", "CREATED", "LAST_SEEN", "EXPIRES", "PERSISTENT", "STATUS", "LABEL"}

func row(s acct.Session) []string {
	return []string{
		s.ID,
		strconv.FormatInt(s.UserID, 10),
		userName(s),
		cmdutil.FormatTime(s.CreatedAt),
		cmdutil.FormatTime(s.LastSeenAt),
		cmdutil.FormatTime(s.ExpiresAt),
		cmdutil.FormatBool(s.Persistent),
		string(s.Status),
		s.Label,
	}
}

// userName names the user of a session for people: the username, else
// the email address.
func userName(s acct.Session) string {
	if s.Username != "" {
		return s.Username
	}
	return s.Email
}

// fields are a session's lines on a terminal; never the token.
func fields(s acct.Session) []cmdutil.Field {
	return []cmdutil.Field{
		{Key: "id", Value: s.ID},
		{Key: "user_id", Value: strconv.FormatInt(s.UserID, 10)},
		{Key: "username", Value: s.Username},
		{Key: "email", Value: s.Email},
		{Key: "status", Value: string(s.Status)},
		{Key: "created_at", Value: cmdutil.FormatTime(s.CreatedAt)},
		{Key: "last_seen_at", Value: cmdutil.FormatTime(s.LastSeenAt)},
		{Key: "expires_at", Value: cmdutil.FormatTime(s.ExpiresAt)},
		{Key: "absolute_expires_at", Value: cmdutil.FormatTime(s.AbsoluteExpiresAt)},
		{Key: "persistent", Value: cmdutil.FormatBool(s.Persistent)},
		{Key: "label", Value: s.Label},
		{Key: "ended_at", Value: cmdutil.FormatTimePtr(s.EndedAt)},
	}
}

// printSession writes one session: every field, one per line, on a
// terminal; the list's columns in tsv and csv; the JSON object.
func printSession(p *cmdutil.Printer, s *acct.Session) error {
	out := *s
	out.Token = "" // only "session create" shows a token, and it says so
	return p.PrintRecord(cmdutil.Record{Fields: fields(out), Columns: columns, Row: row(out), JSON: out})
}

// printSessions writes a list of sessions: a table, tsv lines, csv, or a
// JSON array ([] when empty).
func printSessions(p *cmdutil.Printer, sessions []acct.Session) error {
	rows := make([][]string, len(sessions))
	for i, s := range sessions {
		rows[i] = row(s)
	}
	return p.PrintTable(cmdutil.Table{Columns: columns, Rows: rows, JSON: sessions, Empty: "no sessions",
		// On a narrow terminal: the user and label shortened, then the
		// least needed columns left out; the ids and times never cut.
		Shrink: []string{"USER", "LABEL"},
		Drop:   []string{"PERSISTENT", "CREATED", "USER_ID", "LAST_SEEN"},
	})
}

// plural writes "1 session", "2 sessions".
func plural(n int64) string {
	if n == 1 {
		return "1 session"
	}
	return strconv.FormatInt(n, 10) + " sessions"
}
