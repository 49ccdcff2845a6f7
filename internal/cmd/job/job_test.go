package job_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmdutil"
)

// TestJobRunAndList checks the queue's commands on a SQLite store: a
// queued link is listed pending (never its address), run once, listed
// done; --state filters and refuses an unknown state; --max bounds a run.
func TestJobRunAndList(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	outbox := filepath.Join(filepath.Dir(e.Store), "outbox.jsonl")
	e.Defaults[cmdutil.KeyPublicURL] = "https://accounts.example.com/reset"
	e.Defaults[cmdutil.KeyOutbox] = outbox
	e.Register("--email", "alice@example.com")
	for _, addr := range []string{"alice@example.com", "nobody@example.com"} {
		e.MustRun("password", "forgot", addr)
	}
	out := e.MustRun("job", "list")
	if strings.Count(out, "\tforgot\tpending\t0\t2026-03-01T12:00:00Z\t\n") != 2 || strings.Contains(out, "@") {
		t.Errorf("list:\n%s", out)
	}
	out = e.MustRun("job", "run", "--max", "1")
	if !strings.HasPrefix(out, "1\tforgot\tdone\t1\t") || strings.Count(out, "\n") != 1 {
		t.Errorf("run --max 1:\n%s", out)
	}
	e.Clock.Advance(time.Minute)
	e.MustRun("job", "run", "-q")
	jobs := cmdtest.DecodeJSON[[]acct.Job](t, e.MustRun("job", "list", "--state", "done", "-o", "json"))
	if len(jobs) != 2 {
		t.Errorf("done jobs %+v", jobs)
	}
	if out := e.MustRun("job", "list", "--state", "pending,claimed"); out != "" {
		t.Errorf("pending:\n%s", out)
	}
	b, _ := os.ReadFile(outbox)
	if strings.Count(string(b), "\n") != 1 || !strings.Contains(string(b), `"to":"alice@example.com"`) {
		t.Errorf("outbox:\n%s", b)
	}
	r := e.Run("job", "list", "--state", "sleeping")
	if r.Code != 2 || !strings.Contains(r.Err, "--state") {
		t.Errorf("bad state: %+v", r)
	}
}
