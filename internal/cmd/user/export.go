package user

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// ExportOptions are the parsed command line of "user export".
type ExportOptions struct {
	Factory    *cmdutil.Factory
	Format     string
	Status     string
	WithHashes bool
	PageSize   int
}

// DefaultExportPage is how many accounts "user export" asks for at a time.
const DefaultExportPage = 2000

// NewCmdExport returns "user export". runF, if not nil, replaces the
// command's work.
func NewCmdExport(f *cmdutil.Factory, runF func(context.Context, *ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export user accounts as JSON lines or CSV",
		Long: cmdutil.LongHelp(`Write every account to stdout, in id order, streaming: as JSON lines (one
object a line, the default) or as CSV (a header line, then one account a
line). -o json is --format jsonl (an export is streamed a line at a time,
never one array), -o csv is --format csv; -o table or tsv is refused. "acctl user import" reads either back: an export imported into an
empty store gives the same accounts (ids aside).

A row holds the fields of "acctl user get -o json", the referral code of
the account that referred it (referred_by_code, since ids are each store's
own), and its addresses when the fields do not say them all (its extra
email addresses and phone numbers; in CSV a cell holding the JSON array).
Without --status every account but the deleted ones is exported.

--with-hashes adds each account's password_hash and scram_verifier (its
SCRAM-SHA-256 verifier, for challenge logins, when it has one), so that
the accounts keep their passwords in the store they are imported into. Through "acctl serve"
only an admin key may ask for them, and every page of hashes that leaves is
recorded in the audit trail (user.export, with the ids). Without it, an
account with a password is exported with has_password true and no hash,
which "user import" refuses (import it without has_password to make
accounts that get a password by a reset).

The pages are read one transaction each: accounts that change during a
long export appear as they were when their page was read. When stderr is a
terminal and stdout is not, an export of more than one page (2000
accounts) shows a progress bar: the accounts written and their rate.`),
		Example: `  acctl user export > users.jsonl
  acctl user export --format csv --status locked > locked.csv
  acctl user export --with-hashes | acctl --store postgres://db.example.com/acctl user import --format jsonl -`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := exportFormat(cmd, f, opts); err != nil {
				return err
			}
			if opts.Format != formatJSONL && opts.Format != formatCSV {
				return cmdutil.UsageErrorf("--format: %q is not one of %s", opts.Format, strings.Join(rowFormats, ", "))
			}
			if opts.Status != "" && !acct.Status(opts.Status).Valid() {
				return cmdutil.UsageErrorf("--status: unknown status %q (want %s)", opts.Status, strings.Join(statuses, ", "))
			}
			if opts.PageSize < 1 || opts.PageSize > acct.MaxPageSize {
				return cmdutil.UsageErrorf("--page-size: must be between 1 and %d", acct.MaxPageSize)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runExport(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Format, "format", formatJSONL, "the output's `FORMAT`: jsonl or csv")
	fl.StringVar(&opts.Status, "status", "", "only accounts in this `STATE`: "+strings.Join(statuses, ", "))
	fl.BoolVar(&opts.WithHashes, "with-hashes", false, "include the password hashes (audited; admin keys only through a server)")
	fl.IntVar(&opts.PageSize, "page-size", DefaultExportPage, "accounts read per transaction")
	_ = fl.MarkHidden("page-size")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(rowFormats, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("status", cobra.FixedCompletions(statuses, cobra.ShellCompDirectiveNoFileComp))
	cmdutil.SetFormats(cmd, cmdutil.FormatJSON, cmdutil.FormatCSV)
	return cmd
}

// exportFormat settles --format with -o: -o json is jsonl, -o csv is csv
// (the root refused any other -o given on the command line); a --format
// that says otherwise than a -o given beside it is refused. Without
// --format, an output of json or csv from ACCTL_OUTPUT or the config file
// is honoured too.
func exportFormat(cmd *cobra.Command, f *cmdutil.Factory, opts *ExportOptions) error {
	output, err := f.OutputFormat()
	if err != nil {
		return err
	}
	var fromOutput string
	switch output {
	case cmdutil.FormatJSON:
		fromOutput = formatJSONL
	case cmdutil.FormatCSV:
		fromOutput = formatCSV
	}
	if fromOutput == "" {
		return nil
	}
	switch {
	case !cmd.Flags().Changed("format"):
		opts.Format = fromOutput
	case opts.Format != fromOutput && cmd.Flags().Changed("output"):
		return cmdutil.UsageErrorf("--format %s and -o %s disagree: give one", opts.Format, output)
	}
	return nil
}

// exportGCPercent is the garbage collector's GOGC during an export, unless
// GOGC is set: an export allocates a page of short-lived rows after
// another while its live heap stays small, and at the default of 100 a
// quarter of its CPU time went to collecting (100,000 accounts: 0.88 s of
// CPU, 0.65 s at 400, with 75 MB resident instead of 45 MB).
const exportGCPercent = 400

func runExport(ctx context.Context, opts *ExportOptions) (err error) {
	f := opts.Factory
	if _, set := os.LookupEnv("GOGC"); !set {
		defer debug.SetGCPercent(debug.SetGCPercent(exportGCPercent))
	}
	svc, err := f.Service(ctx)
	if err != nil {
		return err
	}
	fetch := svc.ExportUsers
	if opts.WithHashes {
		fetch = svc.ExportUsersWithHashes
	}
	// Two goroutines read pages ahead while the last one is written
	// (export_read.go); stop ends them when the writing fails.
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	pages := readPages(ctx, fetch, acct.ExportQuery{Status: acct.Status(opts.Status), Limit: opts.PageSize})

	w := bufio.NewWriterSize(f.IO.Out, 256<<10)
	write := writeJSONL(w)
	var cw *csv.Writer
	if opts.Format == formatCSV {
		cw = csv.NewWriter(w)
		header := csvColumns
		if opts.WithHashes {
			header = append(header[:len(header):len(header)], "password_hash", "scram_verifier")
		}
		if err := cw.Write(header); err != nil {
			return err
		}
		write = writeCSVRows(cw, opts.WithHashes)
	}
	// A progress bar on a terminal (stderr, while stdout goes elsewhere)
	// once the export is longer than a page: a small one stays silent.
	showBar := f.IO.IsStderrTTY() && !f.IO.IsStdoutTTY()
	var bar *progressbar.ProgressBar
	written, page := 0, 0
	for p := range pages {
		if p.err != nil {
			err = p.err
			break
		}
		if err = write(p.rows); err != nil {
			break
		}
		written += len(p.rows)
		if page++; page == 2 && showBar {
			bar = cmdutil.NewProgress(f.IO.ErrOut, "exporting", -1, cmdutil.ProgressRows, cmdutil.ProgressThrottle)
		}
		if bar != nil {
			_ = bar.Set(written)
		}
	}
	if bar != nil {
		_ = bar.Clear()
		_ = bar.Exit()
	}
	if cw != nil {
		cw.Flush()
		err = errors.Join(err, cw.Error())
	}
	return errors.Join(err, w.Flush())
}

// writeJSONL writes rows as JSON lines, straight into w's buffer.
func writeJSONL(w *bufio.Writer) func([]acct.ExportRow) error {
	return func(rows []acct.ExportRow) error {
		for i := range rows {
			b, err := appendExportRow(w.AvailableBuffer(), &rows[i])
			if err != nil {
				return fmt.Errorf("account %d: %w", rows[i].ID, err)
			}
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
		return nil
	}
}

func writeCSVRows(cw *csv.Writer, hashes bool) func([]acct.ExportRow) error {
	var cells []string
	return func(rows []acct.ExportRow) error {
		for i := range rows {
			var err error
			if cells, err = exportCSVRow(&rows[i], hashes, cells); err != nil {
				return err
			}
			if err := cw.Write(cells); err != nil {
				return err
			}
		}
		return nil
	}
}
