package user

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// ImportOptions are the parsed command line of "user import".
type ImportOptions struct {
	Factory    *cmdutil.Factory
	File       string // a path, or "-" for stdin
	Format     string // jsonl or csv; "" to guess
	DryRun     bool
	OnConflict string
	Report     string
	Batch      int
	// Resume is the command line that finishes the import after an
	// interruption: this one with --on-conflict skip.
	Resume string
}

// DefaultImportBatch is how many rows "user import" sends in one batch
// (one transaction) unless --batch says otherwise.
const DefaultImportBatch = 1000

// maxShownRejections bounds the rejected rows listed on stderr when there
// is no --report.
const maxShownRejections = 10

var conflictModes = []string{string(acct.ConflictFail), string(acct.ConflictSkip), string(acct.ConflictUpdate)}

// NewCmdImport returns "user import". runF, if not nil, replaces the
// command's work.
func NewCmdImport(f *cmdutil.Factory, runF func(context.Context, *ImportOptions) error) *cobra.Command {
	opts := &ImportOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "import FILE|-",
		Short: "Import user accounts from a JSON lines or CSV file",
		Long: cmdutil.LongHelp(`Import user accounts from FILE (- for stdin), streaming it: the memory used
does not grow with its size. The rows are checked on every core while the
batch before them is written; they are written, and reported, in file order.

The format is JSON lines (one object a line) or CSV (a header line naming the
columns, then one account a line), given by --format or guessed from the
file's extension (.jsonl, .ndjson or .json; .csv), or for stdin from its
first character. The fields are those of "acctl user get -o json" and of
"acctl user export", plus one of:
  password        a plain password: checked against the password policy
                  and hashed with argon2id (on every core in parallel)
  password_hash   a hash from another system: argon2id or argon2i (PHC),
                  bcrypt ($2a$, $2b$, $2y$), scrypt (PHC), PBKDF2 (Django's
                  pbkdf2_sha256$… or PHC $pbkdf2-sha256$…), crypt(3)
                  (/etc/shadow, openssl passwd, mkpasswd: $y$, $6$, $5$, $1$;
                  htpasswd's $apr1$), LDAP ({SSHA}, {SSHA256}, {SSHA512},
                  {SHA}, {CRYPT}$6$…), Django's argon2$…, bcrypt$… and
                  bcrypt_sha256$…, passlib's $bcrypt-sha256$…, or
                  Firebase's scrypt ($firebase-scrypt$SALT$HASH, with the
                  project's parameters in the config keys
                  import.firebase_scrypt.*; a hash of another length than
                  the signer key is rejected); replaced by argon2id at the
                  user's next good login ("acctl password hashes");
                  PostgreSQL's SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
                  is read too, and is the account's SCRAM verifier as well
  scram_verifier  with password_hash, or alone: a SCRAM-SHA-256 verifier in
                  PostgreSQL's text form (as "user export --with-hashes"
                  writes it), for challenge logins
and optionally status (active, pending, locked or held, with hold_until
and held_from: the status a restore returns it to, active by default),
created_at, updated_at, email_verified, phone_verified, points, failed
logins and a lock, the account's referral_code (kept when no account has
it, else a fresh one is drawn), referred_by_code (the referral code of the
account that referred it: of the store, or of an earlier line) and
addresses (its extra email addresses and phone numbers, a JSON array as
in "user get -o json"; in CSV a cell holding that array). id and
referred_by are ignored: ids are the store's own. In CSV an empty cell
gives no value; times are RFC 3339 (2024-05-06T07:08:09Z) or dates.

Every row is checked as "acctl user register" checks its input. The rows
are sent in batches of --batch, each written in one transaction: a row that
fails a check is rejected with its line and reason while the others are
written, so no row leaves half an account, and an import that is
interrupted can be run again with --on-conflict skip to end complete: the
interrupted import prints that command (exit 130).
Nothing is sent to the users (a pending account gets its link with "acctl
user activate --send").

A row conflicts with an account that has its username, one of its email
addresses or phone numbers, or its foreign identity (rows of the file in
file order, too). --on-conflict says what then happens:
  fail    the row is rejected (the default)
  skip    the account is left as it is; the row counts as skipped
  update  the account's fields that the row gives are overwritten (a new
          password, status or address ends its sessions and voids its
          codes); an account on deletion hold is not updated
A row whose keys belong to two accounts is rejected (skip skips it). A row
whose username or email address only looks like another account's (the
same Unicode skeleton, as "acctl user register" has it) is rejected
whatever --on-conflict says: it is not that account.

--dry-run checks every row and the conflicts with the store as it is, and
writes nothing (rows of different batches are not checked against each
other). --report writes one JSON line per rejected row: {"line", "code",
"field", "reason"} and the row's username, email, phone or foreign identity;
without it, the first rejections are listed on stderr.

A progress bar is shown on stderr when it is a terminal: bytes of the file
and their rate, or rows read from stdin. At the end a
summary (read, created, updated, skipped, rejected) is printed: one field a
line on a terminal, a tab-separated line when piped, an object with -o json.
The audit trail gets one user.import event per batch sent to the store,
even one that only skipped or rejected rows (a dry run writes none).

The exit code is 0 when no row was rejected; when some were, 4 if every
rejected row was a conflict, 2 otherwise (the summary is printed first; the
batches written stay written).`),
		Example: `  acctl user import users.csv --report rejected.jsonl
  acctl user import users.csv --on-conflict skip       # again, after an interruption
  acctl user import old-system.jsonl --dry-run
  acctl user export --with-hashes | acctl --store new.db user import --format jsonl -`,
		Args: cmdutil.ExactArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.File = args[0]
			opts.Resume = resumeCommand(cmd, opts.File)
			if opts.Format != "" && opts.Format != formatJSONL && opts.Format != formatCSV {
				return cmdutil.UsageErrorf("--format: %q is not one of %s", opts.Format, strings.Join(rowFormats, ", "))
			}
			if opts.Format == "" && opts.File != "-" {
				if opts.Format = formatOf(opts.File); opts.Format == "" {
					return cmdutil.UsageErrorf("cannot tell the format of %s from its name: give --format jsonl or csv", opts.File)
				}
			}
			if !acct.OnConflict(opts.OnConflict).Valid() {
				return cmdutil.UsageErrorf("--on-conflict: %q is not one of %s", opts.OnConflict, strings.Join(conflictModes, ", "))
			}
			if opts.Batch < 1 || opts.Batch > acct.MaxImportBatch {
				return cmdutil.UsageErrorf("--batch: must be between 1 and %d", acct.MaxImportBatch)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runImport(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Format, "format", "", "the file's `FORMAT`: jsonl or csv (default: from the file's extension)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "check every row, write nothing")
	fl.StringVar(&opts.OnConflict, "on-conflict", string(acct.ConflictFail), "what to do with a row whose account exists: `MODE` fail, skip or update")
	fl.StringVar(&opts.Report, "report", "", "write one JSON line per rejected row to `FILE`")
	fl.IntVar(&opts.Batch, "batch", DefaultImportBatch, "`N` rows per transaction, at most 10000")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(rowFormats, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("on-conflict", cobra.FixedCompletions(conflictModes, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// ImportSummary is what "user import" did.
type ImportSummary struct {
	DryRun   bool   `json:"dry_run"`
	Read     int    `json:"read"`
	Created  int    `json:"created"`
	Updated  int    `json:"updated"`
	Skipped  int    `json:"skipped"`
	Rejected int    `json:"rejected"`
	Report   string `json:"report,omitempty"`
}

// reportLine is one line of --report: a rejected row.
type reportLine struct {
	Line     int       `json:"line"`
	Code     acct.Code `json:"code"`
	Field    string    `json:"field,omitempty"`
	Reason   string    `json:"reason"`
	Username string    `json:"username,omitempty"`
	Email    string    `json:"email,omitempty"`
	Phone    string    `json:"phone,omitempty"`
	Foreign  string    `json:"foreign,omitempty"`
}

// batch is rows on their way to the Service, and the rows that could not
// be read among them (already rejected).
type batch struct {
	rows []acct.ImportRow
	bad  []reportLine
	pos  int64 // bytes of the file read when the batch was complete
	// in is what is sent: the rows, prepared by a worker (acct's checks,
	// acct.ImportPreparer) once ready is closed.
	in    acct.ImportBatch
	ready chan struct{}
}

// maxImportWorkers bounds the workers that prepare batches: each holds a
// batch, so the memory of an import stays flat on a machine of many
// cores, and the one writer cannot take batches faster than a few
// workers prepare them.
const maxImportWorkers = 16

// importWorkers is how many batches are prepared at once: one a core.
func importWorkers() int {
	return min(runtime.GOMAXPROCS(0), maxImportWorkers)
}

// prepareInOrder runs prepare on the batches of in on workers goroutines
// and gives them back in the order of in: a batch comes out of the
// channel returned before its successors, and may be used once its ready
// channel is closed. Besides the one the writer holds, workers batches
// at most are taken from in (being prepared, or prepared and waiting):
// enough to keep every worker busy while the writer writes, and no more,
// so that the memory stays flat (a prepared batch of 1,000 rows holds
// about 2 MB). When ctx is done it stops taking batches from in; every
// batch it gave out is still prepared.
func prepareInOrder(ctx context.Context, in <-chan batch, workers int, prepare func(*batch)) <-chan *batch {
	// In line: the batches sent to a worker but one, which the goroutine
	// below holds until there is room.
	ordered := make(chan *batch, workers-1)
	work := make(chan *batch)
	go func() {
		defer close(work)
		defer close(ordered)
		for b := range in {
			p := &b
			p.ready = make(chan struct{})
			// To a worker first, then in line: a batch in line is always
			// on its way to ready.
			select {
			case work <- p:
			case <-ctx.Done():
				return
			}
			select {
			case ordered <- p:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range workers {
		go func() {
			for b := range work {
				prepare(b)
				close(b.ready)
			}
		}()
	}
	return ordered
}

// importer is one run of "user import".
type importer struct {
	opts      *ImportOptions
	svc       acct.Service
	errOut    io.Writer
	sum       ImportSummary
	conflicts int // rejected rows that were conflicts
	report    *json.Encoder
	shown     int
	bar       *progressbar.ProgressBar
}

// importGCPercent is the garbage collector's GOGC during an import, unless
// GOGC is set. The prepared batches ahead of the writer (prepareInOrder)
// keep about 12 MB live, and at the default of 100 the heap grew to twice
// that between collections: an import of 1,000,000 accounts with phone
// numbers peaked at 99.8 MiB resident (100,000: 88 MiB; 81 MiB at 50, as
// before the workers), against a goal of 100 MiB whatever the size.
const importGCPercent = 50

func runImport(ctx context.Context, opts *ImportOptions) (err error) {
	f := opts.Factory
	if _, set := os.LookupEnv("GOGC"); !set {
		defer debug.SetGCPercent(debug.SetGCPercent(importGCPercent))
	}
	in, size, closeIn, err := openInput(f, opts.File)
	if err != nil {
		return err
	}
	defer closeIn()
	counted := &countingReader{r: in}
	br := bufio.NewReaderSize(counted, 1<<20)
	if opts.Format == "" {
		opts.Format = sniffFormat(br)
	}
	var rows rowReader = &jsonlReader{r: br}
	if opts.Format == formatCSV {
		c, err := newCSVReader(br)
		if err != nil {
			return cmdutil.UsageErrorf("%s: %v", opts.File, err)
		}
		rows = c
	}
	// The installation secret checks the sealed second factors that an
	// export with hashes carries.
	p, svc, err := f.PrinterAndServiceFor(ctx, cmdutil.Needs{SecretIfAny: true})
	if err != nil {
		return err
	}
	im := &importer{opts: opts, svc: svc, errOut: f.IO.ErrOut, sum: ImportSummary{DryRun: opts.DryRun}}
	if opts.Report != "" {
		rf, err := os.OpenFile(opts.Report, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return cmdutil.UsageErrorf("--report: %v", err)
		}
		w := bufio.NewWriter(rf)
		im.report = json.NewEncoder(w)
		im.report.SetEscapeHTML(false)
		im.sum.Report = opts.Report
		defer func() {
			err = errors.Join(err, w.Flush(), rf.Close())
		}()
	}
	if f.IO.IsStderrTTY() {
		im.bar = newImportBar(f.IO.ErrOut, size)
	}
	// A goroutine reads the file and cuts it into batches; workers, one a
	// core, prepare them (acct's checks and normal forms of every row:
	// acct.ImportPreparer) while the writer sends the batch before them,
	// in file order. The batches in memory are bounded by the workers
	// (prepareInOrder), whatever the file's size.
	readCtx, stop := context.WithCancel(ctx)
	defer stop()
	batches := make(chan batch)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		readErr <- readBatches(readCtx, rows, opts.Batch, counted, batches)
	}()
	prep, _ := svc.(acct.ImportPreparer) // remote.Client: its server checks the rows
	mode := acct.OnConflict(opts.OnConflict)
	prepared := prepareInOrder(readCtx, batches, importWorkers(), func(b *batch) {
		if len(b.rows) == 0 {
			return
		}
		b.in = acct.ImportBatch{Rows: b.rows, OnConflict: mode, DryRun: opts.DryRun}
		if prep != nil {
			prep.PrepareImport(&b.in)
		}
	})
	var runErr error
	for b := range prepared {
		<-b.ready
		if runErr = im.send(ctx, b); runErr != nil {
			stop()
			break
		}
	}
	// On an error the reader is told to stop (it may be waiting on stdin:
	// it is not waited for).
	if im.bar != nil {
		_ = im.bar.Clear()
		_ = im.bar.Exit()
	}
	if runErr == nil {
		switch rerr := <-readErr; {
		case rerr == nil:
		case errors.Is(rerr, context.Canceled) || errors.Is(rerr, context.DeadlineExceeded):
			runErr = rerr // interrupted while reading: the rest was not imported
		default:
			// The file cannot be read past this point (a quote out of
			// place): the batches before it stay written.
			runErr = &acct.Error{Code: acct.CodeInvalid, Message: fmt.Sprintf("%s: %v", opts.File, rerr), Err: rerr}
		}
	}
	if err := im.printSummary(p); err != nil {
		return errors.Join(runErr, err)
	}
	if ctx.Err() != nil && !opts.DryRun && opts.Resume != "" {
		// The batches sent are written: skip makes a second run finish.
		hint := "to finish, run: " + opts.Resume
		if opts.File == "-" {
			hint += " (with the same input on stdin)"
		}
		return cmdutil.WithHint(fmt.Errorf("%w (the rows imported so far stay)", context.Canceled), hint)
	}
	if runErr != nil {
		return runErr
	}
	return im.verdict()
}

// resumeCommand is the command line of cmd with its flags as given, but
// --on-conflict skip: run after an interruption, it skips the accounts
// already imported and imports the rest. A password in the --store URL is
// masked (cmdutil.RedactURL): the user types it again.
func resumeCommand(cmd *cobra.Command, file string) string {
	args := []string{cmd.Root().Name()}
	flag := func(fl *pflag.Flag) {
		if !fl.Changed || fl.Name == "on-conflict" {
			return
		}
		if fl.Value.Type() == "bool" {
			args = append(args, "--"+fl.Name)
			return
		}
		v := fl.Value.String()
		if fl.Name == "store" {
			v = cmdutil.RedactURL(v) // the hint is printed: never a password
		}
		args = append(args, "--"+fl.Name, shellQuote(v))
	}
	cmd.InheritedFlags().VisitAll(flag)
	args = append(args, strings.Fields(strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" "))...)
	args = append(args, shellQuote(file))
	cmd.LocalFlags().VisitAll(flag)
	return strings.Join(append(args, "--on-conflict", string(acct.ConflictSkip)), " ")
}

// openInput opens FILE, or stdin for "-", and says its size when known
// (-1 otherwise), for the progress bar.
func openInput(f *cmdutil.Factory, name string) (io.Reader, int64, func(), error) {
	if name == "-" {
		return f.IO.In, -1, func() {}, nil
	}
	file, err := os.Open(name)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, 0, nil, &acct.Error{Code: acct.CodeNotFound, Field: "file", Message: fmt.Sprintf("no file %s", name)}
		}
		return nil, 0, nil, cmdutil.UsageErrorf("%v", err)
	}
	size := int64(-1)
	if st, err := file.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	return file, size, func() { file.Close() }, nil
}

// countingReader counts the bytes read, for the progress bar.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// readBatches reads rows and sends them in batches of size; rows that
// cannot be read go with the batch as rejections.
func readBatches(ctx context.Context, rows rowReader, size int, counted *countingReader, out chan<- batch) error {
	b := batch{rows: make([]acct.ImportRow, 0, size)}
	flush := func() bool {
		b.pos = counted.n.Load()
		select {
		case out <- b:
			b = batch{rows: make([]acct.ImportRow, 0, size)}
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		row, err := rows.Next()
		var re *rowError
		switch {
		case err == io.EOF:
			if len(b.rows)+len(b.bad) > 0 && !flush() {
				return ctx.Err()
			}
			return nil
		case errors.As(err, &re):
			b.bad = append(b.bad, reportLine{Line: re.line, Code: acct.CodeInvalid, Field: re.field, Reason: re.msg})
		case err != nil:
			if len(b.rows)+len(b.bad) > 0 {
				flush()
			}
			return err
		default:
			b.rows = append(b.rows, row)
		}
		if len(b.rows) >= size && !flush() {
			return ctx.Err()
		}
	}
}

// send imports one batch and accounts for it; its rejected rows are
// reported in line order, those the file could not give among them.
func (im *importer) send(ctx context.Context, b *batch) error {
	im.sum.Read += len(b.bad)
	rejected := b.bad
	if len(b.rows) > 0 {
		res, err := im.svc.ImportUsers(ctx, b.in)
		if err != nil {
			return err
		}
		im.sum.Read += res.Read
		im.sum.Created += res.Created
		im.sum.Updated += res.Updated
		im.sum.Skipped += res.Skipped
		byLine := make(map[int]*acct.ImportRow, len(res.Rejected))
		for i := range b.rows {
			byLine[b.rows[i].Line] = &b.rows[i]
		}
		for _, r := range res.Rejected {
			line := reportLine{Line: r.Line, Code: r.Code, Field: r.Field, Reason: r.Reason}
			if row := byLine[r.Line]; row != nil {
				line.Username, line.Email, line.Phone, line.Foreign = deref(row.Username), deref(row.Email), deref(row.Phone), deref(row.Foreign)
			}
			rejected = append(rejected, line)
		}
	}
	slices.SortStableFunc(rejected, func(a, b reportLine) int { return cmp.Compare(a.Line, b.Line) })
	for _, r := range rejected {
		if err := im.reject(r); err != nil {
			return err
		}
	}
	if im.bar != nil {
		if im.bar.GetMax64() > 0 {
			_ = im.bar.Set64(b.pos)
		} else {
			_ = im.bar.Set(im.sum.Read)
		}
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// reject counts a rejected row and reports it: a line of --report, or,
// without one, a line on stderr for the first few.
func (im *importer) reject(r reportLine) error {
	im.sum.Rejected++
	if r.Code == acct.CodeConflict {
		im.conflicts++
	}
	if im.report != nil {
		if err := im.report.Encode(r); err != nil {
			return fmt.Errorf("write the report: %w", err)
		}
		return nil
	}
	if im.shown < maxShownRejections {
		im.shown++
		if im.bar != nil {
			_ = im.bar.Clear()
		}
		fmt.Fprintf(im.errOut, "line %d: %s\n", r.Line, r.Reason)
	}
	return nil
}

// printSummary prints what the import did.
func (im *importer) printSummary(p *cmdutil.Printer) error {
	s := im.sum
	if im.report == nil && s.Rejected > im.shown {
		fmt.Fprintf(im.errOut, "… and %d more rejected rows (--report FILE lists them all)\n", s.Rejected-im.shown)
	}
	n := strconv.Itoa
	fields := []cmdutil.Field{{Key: "read", Value: n(s.Read)}, {Key: "created", Value: n(s.Created)},
		{Key: "updated", Value: n(s.Updated)}, {Key: "skipped", Value: n(s.Skipped)}, {Key: "rejected", Value: n(s.Rejected)}}
	if s.DryRun {
		fields = append([]cmdutil.Field{{Key: "dry_run", Value: "yes (nothing was written)"}}, fields...)
	}
	if s.Report != "" {
		fields = append(fields, cmdutil.Field{Key: "report", Value: s.Report})
	}
	return p.PrintRecord(cmdutil.Record{
		Fields:  fields,
		Columns: []string{"READ", "CREATED", "UPDATED", "SKIPPED", "REJECTED"},
		Row:     []string{n(s.Read), n(s.Created), n(s.Updated), n(s.Skipped), n(s.Rejected)},
		JSON:    s,
	})
}

// verdict is the command's error when rows were rejected: a conflict when
// every one was a conflict, invalid input otherwise.
func (im *importer) verdict() error {
	s := im.sum
	if s.Rejected == 0 {
		return nil
	}
	code := acct.CodeInvalid
	hint := "fix the rows and import them again"
	if im.conflicts == s.Rejected {
		code = acct.CodeConflict
		hint = "--on-conflict skip leaves the existing accounts, update overwrites them"
	}
	if s.Report != "" {
		hint = "the rejected rows are in " + s.Report + "; " + hint
	}
	return cmdutil.WithHint(acct.Errorf(code, "%d of %d rows rejected", s.Rejected, s.Read), hint)
}

// newImportBar is the progress bar on stderr: bytes of the file when its
// size is known, else rows.
func newImportBar(w io.Writer, size int64) *progressbar.ProgressBar {
	if size > 0 {
		return cmdutil.NewProgress(w, "importing", size, cmdutil.ProgressBytes, cmdutil.ProgressThrottle)
	}
	return cmdutil.NewProgress(w, "importing", -1, cmdutil.ProgressRows, cmdutil.ProgressThrottle)
}
