package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
	"github.com/acctl/acctl/internal/storecopy"
)

// maxBatch bounds --batch: a batch is held in memory three times over.
const maxBatch = 100_000

// CopyOptions are the parsed command line of "store copy".
type CopyOptions struct {
	Factory *cmdutil.Factory
	Open    Opener
	From    string // "" for the configured store
	To      string
	Force   bool
	Yes     bool
	Batch   int
}

// NewCmdCopy returns "store copy". runF, if not nil, replaces the
// command's work.
func NewCmdCopy(f *cmdutil.Factory, open Opener, runF func(context.Context, *CopyOptions) error) *cobra.Command {
	opts := &CopyOptions{Factory: f, Open: open}
	cmd := &cobra.Command{
		Use:   "copy --to STORE [--from STORE] [--force]",
		Short: "Copy every row of a store into another",
		Long: cmdutil.LongHelp(`Copy every row of every table of one store into another: accounts,
sessions, codes, addresses, points, pre-registrations, the audit trail and
whatever tables later versions add. It moves a user base from a SQLite file
to PostgreSQL and back, or from one file to another. Ids and keys are kept
as they are, so the audit trail and the links between rows stay true, and
the target's counters are moved on so that its next account gets a fresh
id.

--from is the store copied, by default the configured one (--store,
ACCTL_STORE or the default file); --to is the target, created when it is a
SQLite file that does not exist. Both are brought to this acctl's schema
version first, and their tables must match.

The source is read in one transaction, so the copy is of one moment even
while others use the store. The target is written in one transaction: it
gets all of the copy or, when the copy fails or is interrupted, nothing.
Rows travel in batches of --batch, in key order, so memory stays small
whatever the size of the store; a progress bar is shown on a terminal.

A target that has rows is refused unless --force: its rows are then
deleted in the copy's transaction, after you type "replace" on a terminal
(elsewhere --yes is needed). Codes are kept as keyed hashes under the
installation secret (secret_file): use the target with the same secret
file, or the codes copied will not match.

Afterwards the rows of every table are counted on both sides and shown
side by side; the command succeeds only when all the counts match. With -o
json: {"from", "to", "from_kind", "to_kind", "schema_version", "tables":
[{"table", "source", "target", "match"}], "rows", "replaced", "match"}.

The exits of this command: 1 when the counts differ after the copy; 2 for
the same store on both sides, or --force off a terminal without --yes; 3
when the --from SQLite file does not exist; 4 when the target has rows
(without --force) or the stores' schemas differ; 6 when the replacement
was not confirmed; 7 when a store cannot be reached or is busy.`),
		Example: `  # Move the default SQLite store to PostgreSQL (the password from ~/.pgpass).
  acctl store copy --to 'postgres://acctl@db.example.com/acctl'

  # Back up a PostgreSQL store into a SQLite file.
  acctl store copy --from 'postgres://acctl@db/acctl' --to /backup/acctl-$(date +%F).db

  # Replace what a test database holds, without asking.
  acctl store copy --from prod.db --to 'postgres://localhost/acctl_test' --force --yes`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.From = strings.TrimSpace(opts.From)
			opts.To = strings.TrimSpace(opts.To)
			if opts.To == "" {
				return cmdutil.UsageErrorf("--to: the target store is required")
			}
			if cmd.Flags().Changed("from") && opts.From == "" {
				return cmdutil.UsageErrorf("--from: must not be empty")
			}
			if opts.Batch < 1 || opts.Batch > maxBatch {
				return cmdutil.UsageErrorf("--batch: must be between 1 and %d", maxBatch)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runCopy(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.From, "from", "", "copy the store at `STORE` (default: the configured store)")
	fl.StringVar(&opts.To, "to", "", "copy into the store at `STORE` (a path, sqlite:PATH or postgres://…)")
	fl.BoolVar(&opts.Force, "force", false, "replace the rows of a target that has some")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask before replacing the target's rows")
	fl.IntVar(&opts.Batch, "batch", storecopy.DefaultBatch, "read and write `N` rows at a time")
	return cmd
}

// CopyResult is the JSON of "store copy".
type CopyResult struct {
	From          string       `json:"from"`
	To            string       `json:"to"`
	FromKind      string       `json:"from_kind"`
	ToKind        string       `json:"to_kind"`
	SchemaVersion int          `json:"schema_version"`
	Tables        []TableCount `json:"tables"`
	Rows          int64        `json:"rows"`
	Replaced      bool         `json:"replaced"`
	Match         bool         `json:"match"`
}

// TableCount is the rows of one table in "store copy".
type TableCount struct {
	storecopy.TableCount
	Match bool `json:"match"`
}

func runCopy(ctx context.Context, opts *CopyOptions) error {
	f := opts.Factory
	p, err := f.Printer()
	if err != nil {
		return err
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	from := opts.From
	if from == "" {
		from = cfg.Store
	}
	fromName, toName := cmdutil.RedactURL(from), cmdutil.RedactURL(opts.To)

	src, err := openCopier(ctx, opts.Open, from, OpenOptions{AutoMigrate: cfg.AutoMigrate}, "--from")
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := openCopier(ctx, opts.Open, opts.To, OpenOptions{Create: true, AutoMigrate: cfg.AutoMigrate}, "--to")
	if err != nil {
		return err
	}
	defer dst.Close()

	var bar *progressBar
	if f.IO.IsStderrTTY() {
		bar = newProgressBar(f.IO.ErrOut)
	}
	co := storecopy.Options{
		Batch: opts.Batch,
		Force: opts.Force,
		Confirm: func(ctx context.Context, target []storecopy.TableCount) error {
			var have []string
			var rows int64
			for _, c := range target {
				if c.Target > 0 {
					have = append(have, fmt.Sprintf("%s %d", c.Table, c.Target))
					rows += c.Target
				}
			}
			question := fmt.Sprintf("The target store %s has %d rows (%s).\nThey will be deleted and replaced by a copy of %s.",
				toName, rows, strings.Join(have, ", "), fromName)
			return cmdutil.ConfirmTyped(ctx, f.IO, opts.Yes, question, "replace")
		},
	}
	if bar != nil {
		co.Progress = bar
	}
	res, err := storecopy.Copy(ctx, src.(acct.Copier), dst.(acct.Copier), co)
	if errors.Is(err, storecopy.ErrNotEmpty) {
		return cmdutil.WithHint(fmt.Errorf("%s: %w", toName, err), "use --force to replace its rows")
	}
	if res == nil {
		return err
	}
	if perr := printCopy(p, res, fromName, toName); perr != nil && err == nil {
		err = perr
	}
	return err
}

// openCopier opens a store that can be copied; flag names the option
// that named it, for messages.
func openCopier(ctx context.Context, open Opener, url string, oo OpenOptions, flag string) (acct.Store, error) {
	s, err := open(ctx, url, oo)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	if _, ok := s.(acct.Copier); !ok {
		s.Close()
		return nil, acct.Errorf(acct.CodeInvalid, "%s: the store %s cannot be copied", flag, cmdutil.RedactURL(url))
	}
	return s, nil
}

func printCopy(p *cmdutil.Printer, res *storecopy.Result, from, to string) error {
	out := CopyResult{From: from, To: to, FromKind: res.From, ToKind: res.To, SchemaVersion: res.SchemaVersion,
		Rows: res.Rows, Replaced: res.Replaced, Match: res.Match()}
	var rows [][]string
	for _, c := range res.Tables {
		out.Tables = append(out.Tables, TableCount{TableCount: c, Match: c.Match()})
		rows = append(rows, []string{c.Table, strconv.FormatInt(c.Source, 10), strconv.FormatInt(c.Target, 10), yesNo(c.Match())})
	}
	if p.JSON() {
		return p.PrintJSON(out)
	}
	if err := p.PrintTable(cmdutil.Table{Columns: []string{"TABLE", "SOURCE", "TARGET", "MATCH"}, Rows: rows}); err != nil {
		return err
	}
	if !p.Human() {
		return nil
	}
	verdict := "every table matches"
	if !res.Match() {
		verdict = "THE COUNTS DIFFER"
	}
	replaced := ""
	if res.Replaced {
		replaced = ", replacing its rows"
	}
	return p.Textf("\ncopied %d rows from %s (%s) to %s (%s)%s in %s: %s",
		res.Rows, from, res.From, to, res.To, replaced, res.Took.Round(time.Millisecond), verdict)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
