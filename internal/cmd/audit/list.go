package audit

import (
	"context"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// ListOptions are the parsed command line of "audit list".
type ListOptions struct {
	Factory *cmdutil.Factory
	User    string
	Action  string
	Since   string // RFC 3339 time or a duration ago; resolved by SinceTime
	Limit   int
}

// NewCmdList returns "audit list". runF, if not nil, replaces the
// command's work.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List audit events, newest first",
		Long: cmdutil.LongHelp(`List audit events, newest first: ID AT ACTOR ACTION USER OUTCOME DETAIL.

--action takes an exact action such as user.register, or a prefix ending
in a dot such as "user.". --since takes an RFC 3339 time or a duration
ago such as 24h or 7d.

On a terminal narrower than the table, DETAIL and ACTOR are shortened with
an ellipsis, then OUTCOME and ID are left out; times, actions and user ids
are never cut (-o tsv or json has every column).`),
		Example: `  acctl audit list
  acctl audit list --user alice@example.com
  acctl audit list --action user. --since 7d
  acctl audit list --since 2026-01-01T00:00:00Z -o json`,
		Aliases: []string{"ls"},
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Limit < 1 || opts.Limit > acct.MaxPageSize {
				return cmdutil.UsageErrorf("--limit: must be between 1 and %d", acct.MaxPageSize)
			}
			if _, err := SinceTime(opts.Since, time.Now()); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runList(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.User, "user", "", "only events about the user `REF` (id, username, email or phone)")
	fl.StringVar(&opts.Action, "action", "", "only this `ACTION`, or actions starting with it when it ends in a dot (at most 64 characters)")
	fl.StringVar(&opts.Since, "since", "", "only events at or after `TIME` (RFC 3339) or a duration ago (24h, 7d)")
	fl.IntVar(&opts.Limit, "limit", acct.DefaultPageSize, "at most `N` events")
	return cmd
}

// SinceTime resolves a --since value: "" is the zero time, an RFC 3339
// time is itself, a duration is that long before now.
func SinceTime(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := cmdutil.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, cmdutil.UsageErrorf("--since: want an RFC 3339 time or a duration such as 24h or 7d, got %q", s)
}

func runList(ctx context.Context, opts *ListOptions) error {
	f := opts.Factory
	since, err := SinceTime(opts.Since, f.Clock())
	if err != nil {
		return err
	}
	p, svc, err := f.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	events, err := svc.ListEvents(ctx, acct.EventQuery{User: opts.User, Action: opts.Action, Since: since, Limit: opts.Limit})
	if err != nil {
		return err
	}
	rows := make([][]string, len(events))
	for i, e := range events {
		user := ""
		if e.UserID != nil {
			user = strconv.FormatInt(*e.UserID, 10)
		}
		rows[i] = []string{strconv.FormatInt(e.ID, 10), cmdutil.FormatTime(e.At), e.Actor, e.Action, user, string(e.Outcome), e.Detail}
	}
	return p.PrintTable(cmdutil.Table{
		Columns: []string{"ID", "AT", "ACTOR", "ACTION", "USER", "OUTCOME", "DETAIL"},
		Rows:    rows,
		JSON:    events,
		Empty:   "no events",
		// On a narrow terminal: the detail and actor shortened, then the
		// outcome and the event's id left out; times and ids never cut.
		Shrink: []string{"DETAIL", "ACTOR"},
		Drop:   []string{"OUTCOME", "ID"},
	})
}
