package acct

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"
)

// HashPool bounds the password hashing of a process. Every argon2id run
// (a hash, a verification, the dummy check for an unknown account)
// allocates its whole memory cost (19 MiB by default) for its duration,
// so the runs in flight, not the requests, decide how much memory a
// process needs: a HashPool lets at most Size of them run at once, lets at
// most Queue more wait for a slot, and refuses the rest at once with an
// unavailable error that carries a retry-after hint (RetryAfter), instead
// of letting them pile up.
//
// It is a semaphore, not a set of workers: the work runs in the caller's
// goroutine, so nothing is left running when the caller returns.
//
// Work that nobody waits on (a sign-up finished in the background, an
// import) may wait for a slot instead of failing (WaitForHashing); such
// waiters hold no hashing memory and are bounded by their own
// concurrency.
type HashPool struct {
	slots chan struct{} // one token per run in flight
	admit chan struct{} // one token per run in flight or waiting
	queue int
	avg   atomic.Int64 // moving average of a run's duration, in nanoseconds
	// waiting counts the callers of WaitForHashing waiting for admission.
	waiting atomic.Int64
	// refused counts the runs refused because the queue was full.
	refused atomic.Int64
}

// DefaultHashQueuePerSlot is how many waiting runs a slot of a pool
// admits by default: a waiter waits at most about this many runs' time
// (8 × 50 ms for the default argon2id on an idle core), so that a flood
// is refused early rather than answered late.
const DefaultHashQueuePerSlot = 8

// DefaultHashConcurrency is the default size of a pool: GOMAXPROCS, as
// argon2id with one lane keeps one core busy.
func DefaultHashConcurrency() int { return runtime.GOMAXPROCS(0) }

// NewHashPool returns a pool that runs at most size hashes at once and
// lets at most queue more wait. size ≤ 0 means DefaultHashConcurrency;
// queue < 0 means DefaultHashQueuePerSlot × size; queue 0 admits no
// waiting at all.
func NewHashPool(size, queue int) *HashPool {
	if size <= 0 {
		size = DefaultHashConcurrency()
	}
	if queue < 0 {
		queue = DefaultHashQueuePerSlot * size
	}
	return &HashPool{slots: make(chan struct{}, size), admit: make(chan struct{}, size+queue), queue: queue}
}

// Size is how many runs the pool lets run at once.
func (p *HashPool) Size() int { return cap(p.slots) }

// Queue is how many runs may wait for a slot before the pool refuses.
func (p *HashPool) Queue() int { return p.queue }

// Busy is how many runs hold a slot now (for metrics).
func (p *HashPool) Busy() int { return len(p.slots) }

// Queued is how many runs wait for a slot now, admitted or (callers of
// WaitForHashing) waiting for admission (for metrics).
func (p *HashPool) Queued() int {
	return max(len(p.admit)-len(p.slots), 0) + int(p.waiting.Load())
}

// Refused counts the runs refused so far because the queue was full.
func (p *HashPool) Refused() int64 { return p.refused.Load() }

// MemoryKiB is the most argon2id memory the pool lets be in use at once
// with the parameters a: Size × a.Memory.
func (p *HashPool) MemoryKiB(a Argon2Params) uint64 { return uint64(p.Size()) * uint64(a.Memory) }

type waitKey struct{}

// WaitForHashing returns a context under which a HashPool waits for room
// (until the context ends) instead of failing fast when its queue is
// full: for work that no request is waiting on, such as a background
// sign-up or the hashing of an import, which must not be lost to a burst
// of logins.
func WaitForHashing(ctx context.Context) context.Context {
	return context.WithValue(ctx, waitKey{}, true)
}

func waits(ctx context.Context) bool {
	w, _ := ctx.Value(waitKey{}).(bool)
	return w
}

// Do runs fn when a slot is free. When the pool's queue is full it
// returns at once an unavailable error with a retry-after hint (unless
// ctx comes from WaitForHashing); when ctx ends while it waits it returns
// ctx's error. fn does not run in either case.
func (p *HashPool) Do(ctx context.Context, fn func()) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if waits(ctx) {
		p.waiting.Add(1)
		select {
		case p.admit <- struct{}{}:
			p.waiting.Add(-1)
		case <-ctx.Done():
			p.waiting.Add(-1)
			return ctx.Err()
		}
	} else {
		select {
		case p.admit <- struct{}{}:
		default:
			return p.busy()
		}
	}
	defer func() { <-p.admit }()
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.slots }()
	start := time.Now()
	fn()
	p.observe(time.Since(start))
	return nil
}

// observe adds the duration of a run to the moving average (weight 1/8).
func (p *HashPool) observe(d time.Duration) {
	for {
		old := p.avg.Load()
		next := old + (int64(d)-old)/8
		if old == 0 {
			next = int64(d)
		}
		if p.avg.CompareAndSwap(old, next) {
			return
		}
	}
}

// maxRetryAfter bounds the retry-after hint.
const maxRetryAfter = time.Minute

// RetryHint is how long until a full pool has probably made room: the
// time its slots take to finish the runs in flight and waiting, at the
// average run's duration, rounded up to whole seconds, 1s to 1m.
func (p *HashPool) RetryHint() time.Duration {
	size := int64(p.Size())
	d := time.Duration(p.avg.Load() * ((size + int64(p.queue) + size - 1) / size))
	d = (d + time.Second - 1).Truncate(time.Second)
	return min(max(d, time.Second), maxRetryAfter)
}

func (p *HashPool) busy() error {
	p.refused.Add(1)
	after := p.RetryHint()
	return &Error{Code: CodeUnavailable, RetryAfter: after,
		Message: fmt.Sprintf("too many password checks under way: try again in %d seconds", after/time.Second)}
}
