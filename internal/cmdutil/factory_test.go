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

// TestFactoryHashPool: one hashing pool per process, sized by the hash.*
// keys, given to the Service and to whoever asks (the auth API).
func TestFactoryHashPool(t *testing.T) {
	clearEnv(t)
	t.Setenv("ACCTL_HASH_MAX_CONCURRENT", "3")
	t.Setenv("ACCTL_HASH_MAX_QUEUE", "5")
	f := testFactory(t, "", "--store", "/tmp/x.db")
	var given *acct.HashPool
	f.Opener = func(ctx context.Context, p OpenParams) (acct.Service, error) {
		given = p.HashPool
		return &closeCounter{}, nil
	}
	if _, err := f.Service(context.Background()); err != nil {
		t.Fatal(err)
	}
	pool, err := f.HashPool()
	if err != nil || pool != given || pool.Size() != 3 || pool.Queue() != 5 {
		t.Fatalf("HashPool: %p (size %d, queue %d), %v; the Service's %p", pool, pool.Size(), pool.Queue(), err, given)
	}
	if again, _ := f.HashPool(); again != pool {
		t.Error("a second pool")
	}
}
