package store

import (
	"context"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/version"
	"github.com/acctl/acctl/internal/cmdutil"
)

// CheckOptions are the parsed command line of "store check".
type CheckOptions struct {
	Factory *cmdutil.Factory
	Open    Opener
}

// NewCmdCheck returns "store check". runF, if not nil, replaces the
// command's work.
func NewCmdCheck(f *cmdutil.Factory, open Opener, runF func(context.Context, *CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{Factory: f, Open: open}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Report a store's kind, versions and health",
		Long: cmdutil.LongHelp(`Report on the configured store (--store, ACCTL_STORE or the default file):
its kind, the version of acctl, the schema version, the migrations it
lacks, and checks of its health. Opening the store migrates it where
auto_migrate is on (the default for SQLite), as every command does; where it
is off (the default for PostgreSQL), a schema older than this acctl's is
not refused but reported: the schema_version check fails and the pending
migrations are listed (apply them with acctl store migrate). A schema newer
than this acctl knows is refused (exit 2: upgrade acctl). A SQLite file
that does not exist is not created (exit 3).

For SQLite: the path, size and mode of the file (readable by others is a
warning), the connection settings acctl relies on (journal_mode wal,
foreign_keys on, busy_timeout 5000, synchronous FULL, the page cache),
PRAGMA quick_check (the structure of every table and index) and PRAGMA
foreign_key_check (rows that refer to missing rows).

For PostgreSQL: the server's version (older than 13 is a warning), the
database, role and schema in use, whether the server is the primary (a
read-only standby fails), the time of a round trip and the state of the
connection pool.

Each check is ok, a warning, failed, or a plain fact. The command exits 0
only when no check failed; exit 1 when one did (damage, or a setting that
breaks a rule: the report is printed first); exit 7 when the store cannot
be reached or is busy. With -o json: {"kind", "store", "acctl_version",
"schema_version", "pending_migrations": [names], "healthy", "checks":
[{"name", "value", "status", "detail"}], "took_ms"}.`),
		Example: `  acctl store check
  acctl --store 'postgres://acctl@db.example.com/acctl' store check -o json

  # cron: mail the report when something is wrong
  acctl store check > /tmp/acctl-check.txt 2>&1 || mail -s 'acctl store' ops < /tmp/acctl-check.txt`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runCheck(cmd.Context(), opts)
		},
	}
	return cmd
}

// CheckReport is the JSON of "store check".
type CheckReport struct {
	Kind              string        `json:"kind"`
	Store             string        `json:"store"`
	AcctlVersion      string        `json:"acctl_version"`
	SchemaVersion     int           `json:"schema_version"`
	PendingMigrations []string      `json:"pending_migrations"`
	Healthy           bool          `json:"healthy"`
	Checks            []CheckResult `json:"checks"`
	TookMS            float64       `json:"took_ms"`
}

// CheckResult is one check of "store check".
type CheckResult struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
}

func runCheck(ctx context.Context, opts *CheckOptions) error {
	f := opts.Factory
	p, err := f.Printer()
	if err != nil {
		return err
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	name := cmdutil.RedactURL(cfg.Store)
	s, err := opts.Open(ctx, cfg.Store, OpenOptions{AutoMigrate: cfg.AutoMigrate, KeepOlder: true})
	if err != nil {
		return err
	}
	defer s.Close()
	checker, ok := s.(acct.Checker)
	if !ok {
		return acct.Errorf(acct.CodeInvalid, "the store %s cannot be checked", name)
	}
	h, err := checker.Check(ctx)
	if err != nil {
		return err
	}
	rep := CheckReport{Kind: h.Kind, Store: name, AcctlVersion: version.Get().Version,
		SchemaVersion: h.SchemaVersion, Healthy: h.Healthy(),
		TookMS: float64(h.Took.Microseconds()) / 1000}
	rep.PendingMigrations = []string{}
	if m, ok := s.(acct.Migrator); ok {
		pending, err := m.PendingMigrations(ctx)
		if err != nil {
			return err
		}
		rep.PendingMigrations = append(rep.PendingMigrations, pending...)
		c := acct.HealthCheck{Name: "pending_migrations", Value: strconv.Itoa(len(pending)), Status: acct.HealthOK}
		if len(pending) > 0 {
			c.Status = acct.HealthWarning
			c.Detail = strings.Join(pending, ", ") + ": run `acctl store migrate`"
		}
		h.Checks = append(h.Checks, c)
	}
	var failed []string
	for _, c := range h.Checks {
		rep.Checks = append(rep.Checks, CheckResult{Name: c.Name, Value: c.Value, Status: string(c.Status), Detail: c.Detail})
		if c.Status == acct.HealthFailed {
			failed = append(failed, c.Name)
		}
	}
	if err := printCheck(p, rep); err != nil {
		return err
	}
	if len(failed) > 0 {
		return acct.Errorf(acct.CodeInternal, "the store is not healthy: %s failed", strings.Join(failed, ", "))
	}
	return nil
}

func printCheck(p *cmdutil.Printer, rep CheckReport) error {
	if p.JSON() {
		return p.PrintJSON(rep)
	}
	healthy := "yes"
	if !rep.Healthy {
		healthy = "no"
	}
	head := [][]string{
		{"kind", rep.Kind, "info", ""},
		{"store", rep.Store, "info", ""},
		{"acctl_version", rep.AcctlVersion, "info", ""},
	}
	if !p.Human() {
		rows := head
		for _, c := range rep.Checks {
			rows = append(rows, []string{c.Name, c.Value, c.Status, c.Detail})
		}
		rows = append(rows, []string{"healthy", healthy, "", ""})
		return p.PrintTable(cmdutil.Table{Columns: []string{"NAME", "VALUE", "STATUS", "DETAIL"}, Rows: rows})
	}
	fields := []cmdutil.Field{
		{Key: "kind", Value: rep.Kind},
		{Key: "store", Value: rep.Store},
		{Key: "acctl_version", Value: rep.AcctlVersion},
	}
	for _, c := range rep.Checks {
		v := c.Value
		switch acct.HealthStatus(c.Status) {
		case acct.HealthOK:
			v += "  ok"
		case acct.HealthWarning:
			v += "  WARNING: " + c.Detail
		case acct.HealthFailed:
			v += "  FAILED: " + c.Detail
		}
		fields = append(fields, cmdutil.Field{Key: c.Name, Value: v})
	}
	fields = append(fields,
		cmdutil.Field{Key: "healthy", Value: healthy},
		cmdutil.Field{Key: "took", Value: strconv.FormatFloat(rep.TookMS, 'f', 1, 64) + "ms"})
	return p.PrintRecord(cmdutil.Record{Fields: fields, JSON: rep})
}
