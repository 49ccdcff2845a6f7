package acct

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hold occupies n slots of p until release is closed; it returns once
// all n runs have started.
func hold(t *testing.T, p *HashPool, n int) (release func(), done *sync.WaitGroup) {
	t.Helper()
	started := make(chan struct{}, n)
	stop := make(chan struct{})
	done = &sync.WaitGroup{}
	for range n {
		done.Go(func() {
			if err := p.Do(context.Background(), func() {
				started <- struct{}{}
				<-stop
			}); err != nil {
				t.Errorf("hold: %v", err)
				started <- struct{}{}
			}
		})
	}
	for range n {
		<-started
	}
	var once sync.Once
	return func() { once.Do(func() { close(stop) }); done.Wait() }, done
}

// waitQueued waits until n callers wait in p's queue (admitted, no slot).
func waitQueued(p *HashPool, n int) {
	for len(p.admit)-len(p.slots) < n {
		runtime.Gosched()
	}
}

func TestHashPoolBoundsConcurrency(t *testing.T) {
	p := NewHashPool(3, 100)
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for range 50 {
		wg.Go(func() {
			err := p.Do(context.Background(), func() {
				n := running.Add(1)
				for {
					old := peak.Load()
					if n <= old || peak.CompareAndSwap(old, n) {
						break
					}
				}
				<-gate
				running.Add(-1)
			})
			if err != nil {
				t.Errorf("Do: %v", err)
			}
		})
	}
	// Every caller is in: 3 running, 47 waiting.
	waitQueued(p, 47)
	for len(p.slots) < 3 {
		runtime.Gosched()
	}
	close(gate)
	wg.Wait()
	if got := peak.Load(); got != 3 {
		t.Errorf("peak concurrency %d, want 3", got)
	}
	if len(p.admit) != 0 || len(p.slots) != 0 {
		t.Errorf("tokens left: admit %d, slots %d", len(p.admit), len(p.slots))
	}
}

func TestHashPoolFailsFastWhenFull(t *testing.T) {
	p := NewHashPool(2, 1)
	release, _ := hold(t, p, 2)
	defer release()
	// One may wait.
	queued := make(chan error, 1)
	ran := make(chan struct{})
	go func() { queued <- p.Do(context.Background(), func() { close(ran) }) }()
	waitQueued(p, 1)
	if p.Busy() != 2 || p.Queued() != 1 || p.Refused() != 0 {
		t.Errorf("busy %d, queued %d, refused %d; want 2, 1, 0", p.Busy(), p.Queued(), p.Refused())
	}
	// The next is refused at once, and does not run.
	err := p.Do(context.Background(), func() { t.Error("ran in a full pool") })
	if !IsCode(err, CodeUnavailable) {
		t.Fatalf("full pool: %v, want unavailable", err)
	}
	if p.Refused() != 1 {
		t.Errorf("refused %d, want 1", p.Refused())
	}
	if d := RetryAfter(err); d < time.Second || d > time.Minute || d%time.Second != 0 {
		t.Errorf("retry after %s, want whole seconds in 1s..1m", d)
	}
	// The waiting one runs once a slot is free.
	release()
	if err := <-queued; err != nil {
		t.Fatalf("queued: %v", err)
	}
	<-ran
	if err := p.Do(context.Background(), func() {}); err != nil {
		t.Errorf("after the load: %v", err)
	}
}

func TestHashPoolNoQueue(t *testing.T) {
	p := NewHashPool(1, 0)
	release, _ := hold(t, p, 1)
	defer release()
	if err := p.Do(context.Background(), func() {}); !IsCode(err, CodeUnavailable) {
		t.Fatalf("queue 0, slot taken: %v", err)
	}
}

func TestHashPoolCancelWhileQueued(t *testing.T) {
	p := NewHashPool(1, 4)
	release, _ := hold(t, p, 1)
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- p.Do(ctx, func() { t.Error("ran after its context ended") }) }()
	waitQueued(p, 1)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled while queued: %v", err)
	}
	// Its place in the queue is given back.
	if n := len(p.admit); n != 1 {
		t.Errorf("%d admitted after the cancel, want 1 (the holder)", n)
	}
	// An ended context does not even queue.
	if err := p.Do(ctx, func() { t.Error("ran") }); !errors.Is(err, context.Canceled) {
		t.Errorf("ended context: %v", err)
	}
}

func TestHashPoolWaitForHashing(t *testing.T) {
	p := NewHashPool(1, 0)
	release, _ := hold(t, p, 1)
	ctx := WaitForHashing(context.Background())
	errc := make(chan error, 1)
	var ran atomic.Bool
	go func() { errc <- p.Do(ctx, func() { ran.Store(true) }) }()
	// It waits for room instead of failing, and runs after.
	for p.waiting.Load() == 0 && len(errc) == 0 {
		runtime.Gosched()
	}
	release()
	if err := <-errc; err != nil || !ran.Load() {
		t.Fatalf("waiting caller: %v, ran %v", err, ran.Load())
	}
	// Waiting ends with its context.
	release2, _ := hold(t, p, 1)
	defer release2()
	cctx, cancel := context.WithCancel(ctx)
	go func() { errc <- p.Do(cctx, func() { t.Error("ran") }) }()
	for p.waiting.Load() == 0 {
		runtime.Gosched()
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter: %v", err)
	}
	if n := p.waiting.Load(); n != 0 {
		t.Errorf("%d waiting after the cancel", n)
	}
}

func TestHashPoolNoGoroutineLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	p := NewHashPool(2, 2)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { _ = p.Do(context.Background(), func() {}) })
	}
	wg.Wait()
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines after, %d before", after, before)
	}
	if len(p.admit) != 0 || len(p.slots) != 0 {
		t.Errorf("tokens left: admit %d, slots %d", len(p.admit), len(p.slots))
	}
}

func TestHashPoolDefaultsAndHint(t *testing.T) {
	p := NewHashPool(0, -1)
	if p.Size() != runtime.GOMAXPROCS(0) || p.Queue() != DefaultHashQueuePerSlot*p.Size() {
		t.Errorf("defaults: size %d, queue %d", p.Size(), p.Queue())
	}
	if got := p.MemoryKiB(DefaultArgon2); got != uint64(p.Size())*19456 {
		t.Errorf("memory %d KiB", got)
	}
	q := NewHashPool(2, 8)
	if d := q.RetryHint(); d != time.Second {
		t.Errorf("hint without history %s, want 1s", d)
	}
	q.observe(400 * time.Millisecond)
	// 2 slots, 2 running and 8 waiting: 5 runs each of 0.4s → 2s.
	if d := q.RetryHint(); d != 2*time.Second {
		t.Errorf("hint %s, want 2s", d)
	}
	q.observe(time.Hour)
	if d := q.RetryHint(); d != time.Minute {
		t.Errorf("hint %s, want the 1m cap", d)
	}
}

// TestLocalHashesInThePool: a full pool refuses every path that hashes or
// verifies (login of a known and an unknown name, sign-up, password set)
// with unavailable, before any work or record.
func TestLocalHashesInThePool(t *testing.T) {
	pool := NewHashPool(1, 0)
	release, _ := hold(t, pool, 1)
	defer release()
	l := &Local{opt: Options{HashPool: pool, Argon2: Argon2Params{Memory: 64, Time: 1, Threads: 1}, ScramIterations: MinScramIterations}.withDefaults()}
	ctx := context.Background()
	if _, _, err := l.hashPassword(ctx, "a long enough passphrase"); !IsCode(err, CodeUnavailable) {
		t.Errorf("hash: %v", err)
	}
}
