package user_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmd/root"
)

// pipelineFile is n JSON lines of accounts with phone numbers, with bad
// rows scattered through it: lines that are not rows, rows that fail
// acct's checks, and conflicts with earlier lines (of the same batch or
// an earlier one).
func pipelineFile(n int) string {
	var b strings.Builder
	for i := range n {
		switch {
		case i%37 == 5:
			b.WriteString("not json\n")
		case i%41 == 7:
			fmt.Fprintf(&b, `{"email":"u%d@example.com","phne":"+49 151 0000 %04d"}`+"\n", i, i)
		case i%53 == 11:
			fmt.Fprintf(&b, `{"email":"u%d@example.com","phone":"+49 12"}`+"\n", i)
		case i%29 == 13:
			fmt.Fprintf(&b, `{"email":"U%d@Example.com","phone":"+49 151 7777 %04d"}`+"\n", i-13, i) // an earlier line's email
		case i%61 == 17:
			fmt.Fprintf(&b, `{"email":"u%d@example.com","password":"short"}`+"\n", i)
		default:
			fmt.Fprintf(&b, `{"username":"user%d","email":"u%d@example.com","phone":"+49 151 2345 %04d"}`+"\n", i, i, i)
		}
	}
	return b.String()
}

// withProcs runs f with GOMAXPROCS set to n: "user import" prepares
// batches on that many workers.
func withProcs(n int, f func()) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(n))
	f()
}

// TestImportWorkersKeepFileOrder: with many workers and small batches
// (batches prepared out of order), an import with errors scattered
// through it gives the report, stderr, summary and store of one worker,
// which is the import done row after row.
func TestImportWorkersKeepFileOrder(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "users.jsonl")
	writeFile(t, file, pipelineFile(700))
	type run struct {
		report, export string
		res            cmdtest.Result
	}
	do := func(procs int) run {
		var r run
		withProcs(procs, func() {
			e := cmdtest.New(t)
			report := filepath.Join(dir, fmt.Sprintf("report-%d.jsonl", procs))
			r.res = e.Run("user", "import", file, "--batch", "7", "--report", report)
			b, err := os.ReadFile(report)
			if err != nil {
				t.Fatal(err)
			}
			r.report = string(b)
			r.res.Err = strings.ReplaceAll(r.res.Err, report, "REPORT")
			r.res.Out = strings.ReplaceAll(r.res.Out, report, "REPORT")
			// Referral codes are drawn at random: all else is compared.
			r.export = regexp.MustCompile(`"referral_code":"[^"]*"`).ReplaceAllString(e.MustRun("user", "export"), "")
			// Without --report: the first rejections on stderr.
			e2 := cmdtest.New(t)
			res := e2.Run("user", "import", file, "--batch", "7")
			r.res.Err += "\n--- without --report:\n" + res.Err
		})
		return r
	}
	one, many := do(1), do(8)
	if one.res.Code != 2 || !strings.Contains(one.res.Err, "line 6: not a JSON object") ||
		!strings.Contains(one.res.Err, "line 14: email already in use by user 1\n") {
		t.Fatalf("one worker: %+v", one.res)
	}
	if lines := strings.Count(one.report, "\n"); lines < 60 {
		t.Fatalf("%d rejected rows: the case proves little", lines)
	}
	if many.res != one.res {
		t.Errorf("8 workers: %+v\none worker: %+v", many.res, one.res)
	}
	if many.report != one.report {
		t.Errorf("the reports differ:\n8 workers:\n%s\none worker:\n%s", many.report, one.report)
	}
	if many.export != one.export {
		a, b := strings.Split(many.export, "\n"), strings.Split(one.export, "\n")
		for i := range min(len(a), len(b)) {
			if a[i] != b[i] {
				t.Fatalf("the stores differ: 8 workers:\n%s\none worker:\n%s", a[i], b[i])
			}
		}
		t.Errorf("the stores differ: %d and %d lines", len(a), len(b))
	}
}

// TestImportInterruptedWithWorkers: an import interrupted while batches
// are being prepared and written leaves whole batches (every account with
// its addresses), says what it did, exits 130 with the command that
// finishes it, and that command does.
func TestImportInterruptedWithWorkers(t *testing.T) {
	const n, batch = 400, 10
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"email":"u%d@example.com","phone":"+49 151 2345 %04d"}`+"\n", i, i)
	}
	lines := b.String()
	e := cmdtest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, out, errOut := e.Factory(cmdtest.Run{})
	f.IO.In = &cancelingReader{s: lines, at: len(lines) / 2, cancel: cancel}
	var code int
	withProcs(4, func() {
		code = root.Execute(ctx, f, []string{"user", "import", "-", "--batch", fmt.Sprint(batch)})
	})
	if code != 130 || !strings.HasSuffix(errOut.String(),
		"\nhint: to finish, run: acctl user import - --batch 10 --on-conflict skip (with the same input on stdin)\n") {
		t.Fatalf("interrupted: exit %d, %q, %q", code, out, errOut)
	}
	var read, created, updated, skipped, rejected int
	if _, err := fmt.Sscanf(out.String(), "%d\t%d\t%d\t%d\t%d\n", &read, &created, &updated, &skipped, &rejected); err != nil {
		t.Fatalf("summary %q: %v", out, err)
	}
	export := e.MustRun("user", "export")
	stored := strings.Count(export, "\n")
	if stored != created || created%batch != 0 || read != created || created >= n {
		t.Fatalf("summary %q, %d accounts stored: want whole batches, as the summary says", out, stored)
	}
	if strings.Count(export, `"phone":"+491512345`) != stored {
		t.Fatalf("an account without its phone: %s", export)
	}
	res := e.RunWith(cmdtest.Run{Stdin: lines}, "user", "import", "-", "--batch", fmt.Sprint(batch), "--on-conflict", "skip", "-o", "json")
	sum := cmdtest.DecodeJSON[map[string]any](t, res.Out)
	if res.Code != 0 || sum["read"] != float64(n) || sum["skipped"] != float64(created) || sum["created"] != float64(n-created) {
		t.Fatalf("rerun: %+v", res)
	}
}

// cancelingReader reads s in pieces of at most 1000 bytes and calls
// cancel once at bytes have been read.
type cancelingReader struct {
	s      string
	off    int
	at     int
	cancel func()
}

func (r *cancelingReader) Read(p []byte) (int, error) {
	if r.off >= r.at && r.cancel != nil {
		r.cancel()
		r.cancel = nil
	}
	if r.off >= len(r.s) {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 1000)], r.s[r.off:])
	r.off += n
	return n, nil
}
