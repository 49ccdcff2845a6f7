package user_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmd/root"
)

// The import and export benchmarks run the commands on a JSON lines file
// of ACCTL_BENCH_ROWS (100,000) pre-hashed accounts and report rows per
// second; BenchmarkImportCommand/phones gives every account a phone number
// as well (half of them written as people write them, half in E.164):
//
//	go test ./internal/cmd/user -run '^$' -bench 'Command' -benchtime 1x

func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("ACCTL_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// writeBenchFile writes n accounts as an import file.
func writeBenchFile(b *testing.B, n int) string {
	return writeBenchFileWith(b, n, false)
}

// benchPhone is the phone number of account i: a German mobile number,
// in E.164 for even i, else as people write it.
func benchPhone(i int) string {
	if i%2 == 0 {
		return fmt.Sprintf("+49151%08d", i)
	}
	return fmt.Sprintf("+49 151 %04d %04d", i/10000, i%10000)
}

// writeBenchFileWith writes n accounts as an import file, each with a
// phone number if phones.
func writeBenchFileWith(b *testing.B, n int, phones bool) string {
	b.Helper()
	const hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
	name := filepath.Join(b.TempDir(), "users.jsonl")
	f, err := os.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for i := range n {
		row := map[string]string{"username": fmt.Sprintf("user%07d", i), "email": fmt.Sprintf("user%07d@example.com", i),
			"first_name": "First", "last_name": fmt.Sprintf("Last %d", i), "language": "en", "password_hash": hash}
		if phones {
			row["phone"] = benchPhone(i)
		}
		if err := enc.Encode(row); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return name
}

// run runs acctl in e with stdout thrown away.
func run(b *testing.B, e *cmdtest.Env, args ...string) {
	b.Helper()
	f, _, errOut := e.Factory(cmdtest.Run{})
	f.IO.Out = io.Discard
	if code := root.Execute(context.Background(), f, args); code != 0 {
		b.Fatalf("acctl %v: exit %d: %s", args, code, errOut)
	}
}

func BenchmarkImportCommand(b *testing.B) {
	n := benchRows()
	for _, c := range []struct {
		name   string
		phones bool
	}{{"plain", false}, {"phones", true}} {
		b.Run(c.name, func(b *testing.B) {
			file := writeBenchFileWith(b, n, c.phones)
			for range b.N {
				b.StopTimer()
				e := cmdtest.New(b)
				b.StartTimer()
				start := time.Now()
				run(b, e, "user", "import", file)
				b.ReportMetric(float64(n)/time.Since(start).Seconds(), "rows/s")
			}
		})
	}
}

func BenchmarkExportCommand(b *testing.B) {
	n := benchRows()
	e := cmdtest.New(b)
	run(b, e, "user", "import", writeBenchFile(b, n))
	for _, c := range []struct{ name, flag string }{{"jsonl", "--format=jsonl"}, {"csv", "--format=csv"}, {"jsonl-hashes", "--with-hashes"}} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				start := time.Now()
				run(b, e, "user", "export", c.flag)
				b.ReportMetric(float64(n)/time.Since(start).Seconds(), "rows/s")
			}
		})
	}
}

// BenchmarkGetMany runs `acctl user get -` on ACCTL_BENCH_ROWS imported
// accounts with one REF a line for each, spread over the accounts (one in
// a hundred naming nobody), and reports look-ups per second; B/op and
// allocs/op are per run of the command.
//
//	ACCTL_BENCH_ROWS=20000 go test ./internal/cmd/user -run '^$' -bench GetMany -benchmem -count 6
func BenchmarkGetMany(b *testing.B) {
	n := benchRows()
	e := cmdtest.New(b)
	run(b, e, "user", "import", writeBenchFile(b, n))
	var refs []byte
	for i := range n {
		if i%100 == 99 {
			refs = fmt.Appendf(refs, "nobody%d@example.com\n", i)
			continue
		}
		refs = fmt.Appendf(refs, "user%07d@example.com\n", i*7919%n)
	}
	stdin := string(refs)
	b.ReportAllocs()
	for b.Loop() {
		f, _, errOut := e.Factory(cmdtest.Run{Stdin: stdin})
		f.IO.Out = io.Discard
		if code := root.Execute(context.Background(), f, []string{"user", "get", "-"}); code != 3 {
			b.Fatalf("acctl user get -: exit %d, want 3 (REFs not found): %s", code, errOut)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}
