package store

import (
	"context"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// MigrateOptions are the parsed command line of "store migrate".
type MigrateOptions struct {
	Factory *cmdutil.Factory
	Open    Opener
	DryRun  bool
}

// NewCmdMigrate returns "store migrate". runF, if not nil, replaces the
// command's work.
func NewCmdMigrate(f *cmdutil.Factory, open Opener, runF func(context.Context, *MigrateOptions) error) *cobra.Command {
	opts := &MigrateOptions{Factory: f, Open: open}
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Bring a store's schema to this acctl's version",
		Long: cmdutil.LongHelp(`Apply the migrations that the configured store (--store, ACCTL_STORE or
the default file) lacks, whatever auto_migrate says, and list them; with
--dry-run, list them and change nothing.

Migrations only add tables, columns and indexes, so servers of the older
version keep working on a migrated store. Upgrade a shared PostgreSQL store
in this order: install the new acctl where you run commands, run acctl store
migrate, then upgrade the servers. Where auto_migrate is off (the default
for PostgreSQL), a command facing an older schema refuses (exit 2) and
names this command; a store whose schema is newer than this acctl knows is
refused by every command (exit 2): upgrade acctl.

Migrations run where the store is: a remote (https://) store is refused
(exit 2); run the command on the server's machine. A SQLite file that does
not exist is not created (exit 3).

Output: one row per migration, VERSION, MIGRATION and STATUS (applied, or
pending with --dry-run). With -o json: {"store", "from_version",
"to_version", "dry_run", "migrations": [{"version", "name", "status"}]}.`),
		Example: `  acctl store migrate --dry-run
  acctl --store 'postgres://acctl@db.example.com/acctl' store migrate`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runMigrate(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "List the pending migrations and change nothing")
	return cmd
}

// MigrateReport is the JSON of "store migrate".
type MigrateReport struct {
	Store       string          `json:"store"`
	FromVersion int             `json:"from_version"`
	ToVersion   int             `json:"to_version"`
	DryRun      bool            `json:"dry_run"`
	Migrations  []MigrationStep `json:"migrations"`
}

// MigrationStep is one migration of "store migrate".
type MigrationStep struct {
	Version int    `json:"version"`
	Name    string `json:"name"`
	Status  string `json:"status"` // applied or pending
}

func runMigrate(ctx context.Context, opts *MigrateOptions) error {
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
	if lower := strings.ToLower(cfg.Store); strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://") {
		return cmdutil.WithHint(&acct.Error{Code: acct.CodeInvalid, Field: "store",
			Message: "store migrate: migrations run where the store is, not through a server (" + name + ")"},
			"run acctl store migrate on the server's machine, with its store")
	}
	s, err := opts.Open(ctx, cfg.Store, OpenOptions{AutoMigrate: cfg.AutoMigrate, AsIs: true})
	if err != nil {
		return err
	}
	defer s.Close()
	m, ok := s.(acct.Migrator)
	if !ok {
		return acct.Errorf(acct.CodeInvalid, "the store %s cannot be migrated", name)
	}
	from, err := m.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	rep := MigrateReport{Store: name, FromVersion: from, ToVersion: m.KnownVersion(), DryRun: opts.DryRun,
		Migrations: []MigrationStep{}}
	var names []string
	status := "applied"
	if opts.DryRun {
		names, err = m.PendingMigrations(ctx)
		status = "pending"
	} else {
		names, err = m.Migrate(ctx)
	}
	if err != nil {
		return err
	}
	rows := make([][]string, 0, len(names))
	for _, n := range names {
		num, _, _ := strings.Cut(n, "_")
		v, _ := strconv.Atoi(num)
		rep.Migrations = append(rep.Migrations, MigrationStep{Version: v, Name: n, Status: status})
		rows = append(rows, []string{strconv.Itoa(v), n, status})
	}
	return p.PrintTable(cmdutil.Table{Columns: []string{"VERSION", "MIGRATION", "STATUS"}, Rows: rows, JSON: rep,
		Empty: "no migration pending: the store's schema is at version " + strconv.Itoa(rep.ToVersion)})
}
