package user_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmd/root"
)

const importCSV = `email,username,first_name,password,status,created_at,email_verified
alice@example.com,alice,Alice,correct horse battery staple,,2020-01-02T03:04:05Z,true
bad-email,bob,Bob,correct horse battery staple,,,
carol@example.com,carol,Carol,short,,,
dave@example.com,dave,Dave,,locked,2021-05-06,
erin@example.com,erin,"Erin, the second",,,,yes-ish
frank@example.com,frank
`

func TestImportCSVReportAndRerun(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	dir := t.TempDir()
	file, report := filepath.Join(dir, "users.csv"), filepath.Join(dir, "rejected.jsonl")
	writeFile(t, file, importCSV)

	res := e.Run("user", "import", file, "--report", report)
	if res.Code != 2 || res.Out != "6\t2\t0\t0\t4\n" {
		t.Fatalf("import: %+v", res)
	}
	if !strings.Contains(res.Err, "acctl: 4 of 6 rows rejected\n") || !strings.Contains(res.Err, "hint: the rejected rows are in "+report) {
		t.Errorf("stderr: %q", res.Err)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(report); st.Mode().Perm() != 0o600 {
		t.Errorf("report mode %v", st.Mode())
	}
	var lines []map[string]any
	for l := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("report line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	want := []struct {
		line        float64
		code, field string
	}{{3, "invalid", "email"}, {4, "refused", "password"}, {6, "invalid", "email_verified"}, {7, "invalid", ""}}
	if len(lines) != len(want) {
		t.Fatalf("report: %s", b)
	}
	for i, w := range want {
		if l := lines[i]; l["line"] != w.line || l["code"] != w.code || (w.field != "" && l["field"] != w.field) || l["reason"] == "" {
			t.Errorf("report line %d: %v, want %+v", i, l, w)
		}
	}
	if lines[1]["email"] != "carol@example.com" || lines[1]["username"] != "carol" {
		t.Errorf("the report does not name the row: %v", lines[1])
	}
	for _, l := range lines {
		if strings.Contains(l["reason"].(string), "short\"") || l["password"] != nil {
			t.Errorf("a password in the report: %v", l)
		}
	}
	a := cmdtest.DecodeJSON[acct.User](t, e.MustRun("user", "get", "alice", "-o", "json"))
	if !a.CreatedAt.Equal(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)) || !a.EmailVerified || !a.HasPassword || a.FirstName != "Alice" {
		t.Errorf("alice: %+v", a)
	}
	if d := cmdtest.DecodeJSON[acct.User](t, e.MustRun("user", "get", "dave", "-o", "json")); d.Status != acct.StatusLocked || d.HasPassword {
		t.Errorf("dave: %+v", d)
	}
	e.MustRunWith(cmdtest.Run{Stdin: cmdtest.Password + "\n"}, "session", "create", "alice", "--password-stdin")

	// The file, mended, imported again with skip: what is there stays.
	mended := strings.NewReplacer("bad-email", "bob@example.com", ",short,", ",a passphrase long enough,",
		"yes-ish", "true", "frank@example.com,frank", "frank@example.com,frank,,,,,").Replace(importCSV)
	writeFile(t, file, mended)
	res = e.Run("user", "import", file, "--on-conflict", "skip", "--report", report, "-o", "json")
	sum := cmdtest.DecodeJSON[map[string]any](t, res.Out)
	if res.Code != 0 || sum["read"] != 6.0 || sum["created"] != 4.0 || sum["skipped"] != 2.0 || sum["rejected"] != 0.0 || res.Err != "" {
		t.Fatalf("rerun: %+v", res)
	}
	if b, _ := os.ReadFile(report); len(b) != 0 {
		t.Errorf("the report of a clean run: %q", b)
	}
	list := cmdtest.DecodeJSON[[]acct.User](t, e.MustRun("user", "list", "-o", "json"))
	if len(list) != 6 {
		t.Fatalf("%d accounts", len(list))
	}
	evs := cmdtest.DecodeJSON[[]acct.Event](t, e.MustRun("audit", "list", "--action", "user.import", "-o", "json"))
	if len(evs) != 2 || evs[0].Actor != "tester" {
		t.Fatalf("audit: %+v", evs)
	}
}

func TestImportStdinAndConflicts(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.Register("--email", "alice@example.com", "--username", "alice")
	jsonl := `{"email":"alice@example.com","first_name":"Alicia"}

{"email":"bob@example.com","password":"correct horse battery staple","addresses":[{"kind":"phone","value":"+447400123123","verified":true}]}
`
	// From stdin, the format guessed from the first character; on a
	// terminal the summary is one field a line; the conflict is exit 4.
	res := e.RunWith(cmdtest.Run{Stdin: jsonl, StdoutTTY: true}, "user", "import", "-")
	if res.Code != 4 || !strings.Contains(res.Out, "created:   1\n") || !strings.Contains(res.Out, "rejected:  1\n") {
		t.Fatalf("import: %+v", res)
	}
	if !strings.Contains(res.Err, "line 1: email already in use by user 1\n") ||
		!strings.Contains(res.Err, "hint: --on-conflict skip leaves the existing accounts, update overwrites them") {
		t.Errorf("stderr: %q", res.Err)
	}
	if got := e.MustRun("user", "get", "+447400123123"); !strings.HasPrefix(got, "2\t\tbob@example.com\t") {
		t.Errorf("bob by his extra phone: %q", got)
	}
	// update overwrites the fields given; a dry run writes nothing.
	res = e.RunWith(cmdtest.Run{Stdin: jsonl}, "user", "import", "--format", "jsonl", "-", "--on-conflict", "update", "--dry-run", "-o", "json")
	if sum := cmdtest.DecodeJSON[map[string]any](t, res.Out); res.Code != 0 || sum["dry_run"] != true || sum["updated"] != 2.0 {
		t.Fatalf("dry run: %+v", res)
	}
	if u := cmdtest.DecodeJSON[acct.User](t, e.MustRun("user", "get", "alice", "-o", "json")); u.FirstName != "" {
		t.Fatalf("the dry run wrote: %+v", u)
	}
	e.MustRunWith(cmdtest.Run{Stdin: jsonl}, "user", "import", "-", "--on-conflict", "update")
	if u := cmdtest.DecodeJSON[acct.User](t, e.MustRun("user", "get", "alice", "-o", "json")); u.FirstName != "Alicia" || !u.HasPassword {
		t.Fatalf("updated: %+v", u)
	}
	// A line that is not a row is rejected; the others go in.
	res = e.RunWith(cmdtest.Run{Stdin: "{\"email\":\"carol@example.com\"}\nnot json\n{\"emial\":\"x@example.com\"}\n"}, "user", "import", "-")
	if res.Code != 2 || res.Out != "3\t1\t0\t0\t2\n" || !strings.Contains(res.Err, "line 2: not a JSON object") ||
		!strings.Contains(res.Err, `line 3: unknown field "emial"`) {
		t.Fatalf("bad lines: %+v", res)
	}
}

func TestImportUsage(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	dir := t.TempDir()
	csvFile, txt := filepath.Join(dir, "u.csv"), filepath.Join(dir, "u.txt")
	writeFile(t, csvFile, "email,nickname\na@example.com,al\n")
	writeFile(t, txt, "")
	for _, c := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{txt}, 2, "cannot tell the format of"},
		{[]string{csvFile, "--format", "xml"}, 2, "--format"},
		{[]string{csvFile, "--on-conflict", "merge"}, 2, "--on-conflict"},
		{[]string{csvFile, "--batch", "0"}, 2, "--batch"},
		{[]string{csvFile, "--batch", "10001"}, 2, "--batch"},
		{[]string{csvFile}, 2, `unknown column "nickname"`},
		{[]string{filepath.Join(dir, "missing.csv")}, 3, "no file"},
		{[]string{}, 2, "FILE"},
	} {
		res := e.Run(append([]string{"user", "import"}, c.args...)...)
		if res.Code != c.code || !strings.Contains(res.Err, c.err) {
			t.Errorf("%v: %+v", c.args, res)
		}
	}
	// A quote out of place: the rows before it are imported, then exit 2.
	broken := filepath.Join(dir, "broken.csv")
	writeFile(t, broken, "email,first_name\nok@example.com,Ok\nbad@example.com,\"Bad\"x\"\nlater@example.com,Later\n")
	res := e.Run("user", "import", broken)
	if res.Code != 2 || res.Out != "1\t1\t0\t0\t0\n" || !strings.Contains(res.Err, "broken.csv: parse error on line 3") || strings.Contains(res.Err, "hint:") {
		t.Errorf("broken CSV: %+v", res)
	}
	for _, c := range [][]string{{"--format", "xml"}, {"--status", "gone"}, {"extra"}} {
		if res := e.Run(append([]string{"user", "export"}, c...)...); res.Code != 2 {
			t.Errorf("export %v: %+v", c, res)
		}
	}
}

// The round trip: accounts made by every kind of command, exported with
// their hashes in each format and imported into an empty store, read the
// same there with "user get" (ids aside).
func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	src := cmdtest.New(t)
	alice := src.Register("--email", "alice@example.com", "--username", "alice", "--phone", "+447400123123",
		"--first-name", "Alice", "--last-name", "Liddell", "--language", "en-GB")
	src.Clock.Advance(time.Minute)
	src.MustRun("user", "email", "add", "alice", "alice@work.example", "--verified")
	src.MustRun("user", "phone", "add", "alice", "+447400555555")
	src.Register("--email", "bob@example.com", "--invite", alice.ReferralCode)
	src.MustRun("points", "add", "bob@example.com", "7", "--reason", "bonus")
	src.Register("--email", "carol@example.com", "--username", "carol")
	src.MustRun("user", "lock", "carol", "--reason", "suspicious")
	src.Register("--email", "dave@example.com")
	src.MustRun("user", "unregister", "dave@example.com", "--hold", "48h", "--yes")
	src.MustRun("user", "register", "--phone", "+447400777777", "--no-password")
	src.Clock.Advance(time.Hour)
	src.MustRun("user", "update", "+447400777777", "--email", "frank@example.com")
	src.Register("--email", "gina@example.com")
	src.MustRun("user", "unregister", "gina@example.com", "--purge", "--yes")

	for _, format := range []string{"jsonl", "csv"} {
		t.Run(format, func(t *testing.T) {
			out := src.MustRun("user", "export", "--with-hashes", "--format", format)
			if n := strings.Count(out, "\n"); (format == "jsonl" && n != 5) || (format == "csv" && n != 6) {
				t.Fatalf("%d lines:\n%s", n, out)
			}
			dst := cmdtest.New(t)
			dst.Clock.Advance(24 * time.Hour)
			res := dst.RunWith(cmdtest.Run{Stdin: out}, "user", "import", "--format", format, "-", "-o", "json")
			if sum := cmdtest.DecodeJSON[map[string]any](t, res.Out); res.Code != 0 || sum["created"] != 5.0 {
				t.Fatalf("import: %+v", res)
			}
			for _, ref := range []string{"alice", "bob@example.com", "carol", "dave@example.com", "frank@example.com"} {
				a, b := userGet(t, src, ref), userGet(t, dst, ref)
				if !reflect.DeepEqual(a, b) {
					t.Errorf("%s:\n%v\n%v", ref, a, b)
				}
			}
			dst.MustRunWith(cmdtest.Run{Stdin: cmdtest.Password + "\n"}, "password", "verify", "bob@example.com", "--password-stdin")
		})
	}
}

// userGet is "user get -o json" without the ids: the account's, its
// addresses', and its referrer's (given as the referrer's referral code).
func userGet(t *testing.T, e *cmdtest.Env, ref string) map[string]any {
	t.Helper()
	m := cmdtest.DecodeJSON[map[string]any](t, e.MustRun("user", "get", ref, "-o", "json"))
	delete(m, "id")
	if r, ok := m["referred_by"]; ok {
		referrer := cmdtest.DecodeJSON[acct.User](t, e.MustRun("user", "get", itoa(int64(r.(float64))), "-o", "json"))
		m["referred_by"] = referrer.ReferralCode
	}
	for _, a := range m["addresses"].([]any) {
		delete(a.(map[string]any), "user_id")
	}
	return m
}

func TestExportWithoutHashes(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.Register("--email", "alice@example.com")
	out := e.MustRun("user", "export")
	if strings.Contains(out, "password_hash") || strings.Contains(out, "argon2") || !strings.Contains(out, `"has_password":true`) {
		t.Fatalf("export: %s", out)
	}
	if evs := e.MustRun("audit", "list", "--action", "user.export"); evs != "" {
		t.Fatalf("an export without hashes was audited: %q", evs)
	}
	// Without the hash, has_password true is refused on import.
	dst := cmdtest.New(t)
	res := dst.RunWith(cmdtest.Run{Stdin: out}, "user", "import", "--format", "jsonl", "-")
	if res.Code != 2 || !strings.Contains(res.Err, "has_password: true, but the row has no password") {
		t.Fatalf("import: %+v", res)
	}
	csvOut := e.MustRun("user", "export", "--format", "csv", "--status", "active")
	if !strings.HasPrefix(csvOut, "id,username,email,") || strings.Contains(csvOut, "password_hash") {
		t.Fatalf("csv: %s", csvOut)
	}
	if out := e.MustRun("user", "export", "--status", "held"); out != "" {
		t.Fatalf("no held accounts: %q", out)
	}
	// -o is honoured (json: the JSON lines, csv: the CSV) or refused.
	if got := e.MustRun("user", "export", "-o", "csv", "--status", "active"); got != csvOut {
		t.Errorf("-o csv: %q", got)
	}
	if got := e.MustRun("user", "export", "-o", "json"); got != out {
		t.Errorf("-o json: %q", got)
	}
	if got := e.MustRun("user", "export", "-o", "csv", "--format", "csv", "--status", "active"); got != csvOut {
		t.Errorf("-o csv --format csv: %q", got)
	}
	for _, args := range [][]string{{"-o", "table"}, {"-o", "tsv"}, {"-o", "csv", "--format", "jsonl"}} {
		if res := e.Run(append([]string{"user", "export"}, args...)...); res.Code != 2 || res.Out != "" || !strings.Contains(res.Err, "-o") {
			t.Errorf("export %v: %+v", args, res)
		}
	}
	// A server and a shell script are not data: -o is refused.
	for _, args := range [][]string{{"serve", "-o", "json"}, {"completion", "bash", "-o", "csv"}} {
		if res := e.Run(args...); res.Code != 2 || !strings.Contains(res.Err, "prints no output that -o could format") {
			t.Errorf("%v: %+v", args, res)
		}
	}
}

// On a terminal a progress bar goes to stderr (by bytes for a file, by
// rows for stdin) and is cleared at the end; piped, stderr stays empty.
func TestImportProgressBar(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	var b strings.Builder
	for i := range 50 {
		b.WriteString(`{"email":"u` + itoa(int64(i)) + `@example.com"}` + "\n")
	}
	file := filepath.Join(t.TempDir(), "u.jsonl")
	writeFile(t, file, b.String())
	res := e.RunWith(cmdtest.Run{StderrTTY: true}, "user", "import", file, "--batch", "10")
	if res.Code != 0 || !strings.Contains(res.Err, "importing") || res.Out != "50\t50\t0\t0\t0\n" {
		t.Fatalf("file on a terminal: %+v", res)
	}
	res = e.RunWith(cmdtest.Run{Stdin: b.String(), StderrTTY: true}, "user", "import", "-", "--on-conflict", "skip")
	if res.Code != 0 || !strings.Contains(res.Err, "importing") {
		t.Fatalf("stdin on a terminal: %+v", res)
	}
	if res := e.RunWith(cmdtest.Run{Stdin: b.String()}, "user", "import", "-", "--on-conflict", "skip"); res.Code != 0 || res.Err != "" {
		t.Fatalf("piped: %+v", res)
	}
}

// An interrupted import prints what it did and exits 130; run again with
// skip, it ends complete.
func TestImportInterrupted(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	lines := "{\"email\":\"a@example.com\"}\n{\"email\":\"b@example.com\"}\n{\"email\":\"c@example.com\"}\n"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, out, errOut := e.Factory(cmdtest.Run{})
	// The first line, then an interrupt while the rest is read.
	f.IO.In = &interruptingReader{parts: []string{lines[:26], lines[26:]}, cancel: cancel}
	code := root.Execute(ctx, f, []string{"user", "import", "-", "--batch", "1", "--on-conflict", "fail"})
	if code != 130 || !strings.Contains(out.String(), "\t") ||
		!strings.HasSuffix(errOut.String(), "\nhint: to finish, run: acctl user import - --batch 1 --on-conflict skip (with the same input on stdin)\n") {
		t.Fatalf("interrupted: exit %d, %q, %q", code, out, errOut)
	}
	res := e.RunWith(cmdtest.Run{Stdin: lines}, "user", "import", "-", "--on-conflict", "skip", "-o", "json")
	sum := cmdtest.DecodeJSON[map[string]any](t, res.Out)
	if res.Code != 0 || sum["read"] != 3.0 || sum["created"].(float64)+sum["skipped"].(float64) != 3 || sum["skipped"].(float64) < 1 {
		t.Fatalf("rerun: %+v", res)
	}
}

// interruptingReader gives its parts one Read at a time and, a moment
// before it gives the second, cancels.
type interruptingReader struct {
	parts  []string
	cancel func()
	reads  int
}

func (r *interruptingReader) Read(p []byte) (int, error) {
	if r.reads >= len(r.parts) {
		return 0, io.EOF
	}
	if r.reads == 1 {
		time.Sleep(100 * time.Millisecond) // the first batch is written by now
		r.cancel()
	}
	n := copy(p, r.parts[r.reads])
	r.reads++
	return n, nil
}

// On a terminal an export longer than a page shows a progress bar on
// stderr; a short one, a piped stderr or a terminal on stdout show none.
func TestExportProgressBar(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	for i := range 5 {
		e.MustRun("user", "register", "--email", "u"+itoa(int64(i))+"@example.com", "--no-password")
	}
	res := e.RunWith(cmdtest.Run{StderrTTY: true}, "user", "export", "--page-size", "2")
	if res.Code != 0 || strings.Count(res.Out, "\n") != 5 || !strings.Contains(res.Err, "exporting") || !strings.Contains(res.Err, "rows/") {
		t.Errorf("long export on a terminal: %+v", res)
	}
	for _, r := range []cmdtest.Run{{StderrTTY: true, StdoutTTY: true}, {}} {
		if res := e.RunWith(r, "user", "export", "--page-size", "2"); res.Code != 0 || res.Err != "" {
			t.Errorf("%+v: %+v", r, res)
		}
	}
	if res := e.RunWith(cmdtest.Run{StderrTTY: true}, "user", "export"); res.Code != 0 || res.Err != "" {
		t.Errorf("one page: %+v", res)
	}
}
