package cmdutil

import (
	"context"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

type closeCounter struct {
	acct.Service
	closed int
}

func (c *closeCounter) Close() error { c.closed++; return nil }

func TestFactoryService(t *testing.T) {
	clearEnv(t)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	svc := &closeCounter{}
	opened := 0
	f := testFactory(t, "", "--store", "/tmp/x.db")
	f.Actor = "alice"
	f.Now = func() time.Time { return now }
	f.Opener = func(ctx context.Context, p OpenParams) (acct.Service, error) {
		opened++
		if p.Config.Store != "/tmp/x.db" || p.Actor != "alice" || p.Now() != now {
			t.Errorf("open params: %+v", p)
		}
		return svc, nil
	}
	for range 2 {
		if got, err := f.Service(context.Background()); err != nil || got != svc {
			t.Fatalf("Service: %v, %v", got, err)
		}
	}
	if opened != 1 {
		t.Errorf("opened %d times", opened)
	}
	if err := f.Close(); err != nil || svc.closed != 1 {
		t.Errorf("Close: %v, closed %d", err, svc.closed)
	}
	if err := f.Close(); err != nil || svc.closed != 1 {
		t.Errorf("second Close: %v, closed %d", err, svc.closed)
	}
	if f.Clock() != now {
		t.Errorf("Clock = %v", f.Clock())
	}
}

func TestFactoryOutput(t *testing.T) {
	clearEnv(t)
	f := testFactory(t, "", "-o", "json")
	if !f.WantsJSON() {
		t.Error("WantsJSON false with -o json")
	}
	p, err := f.Printer()
	if err != nil || p.Format != FormatJSON {
		t.Errorf("Printer: %v, %v", p, err)
	}
	f = testFactory(t, "", "-o", "yaml")
	if _, err := f.Printer(); ExitCode(err) != 2 {
		t.Errorf("-o yaml: %v", err)
	}
	f = testFactory(t, "")
	if p, _ := f.Printer(); p.Format != FormatTSV {
		t.Errorf("auto on a pipe: %q", p.Format)
	}
}
