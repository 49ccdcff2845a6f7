package authapi

import (
	"context"
	"sync"
	"time"
)

// Tasks runs the work that an answer must not wait for: registering an
// account and sending its activation link, sending a reset link. The
// answer then takes the same time whether or not the address belongs to
// an account. Wait lets a server finish them before it exits.
type Tasks struct {
	wg  sync.WaitGroup
	sem chan struct{}
}

// DefaultTaskTimeout bounds one background task.
const DefaultTaskTimeout = 2 * time.Minute

// NewTasks returns a Tasks that runs at most max tasks at once (0: 64).
func NewTasks(max int) *Tasks {
	if max <= 0 {
		max = 64
	}
	return &Tasks{sem: make(chan struct{}, max)}
}

// Go runs fn in the background with a context that keeps ctx's values
// (the actor) but not its end, bounded by DefaultTaskTimeout. When max
// tasks run already it waits for one to end, or for ctx to end (then fn
// does not run and Go answers false).
func (t *Tasks) Go(ctx context.Context, fn func(ctx context.Context)) bool {
	select {
	case t.sem <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		defer func() { <-t.sem }()
		c, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultTaskTimeout)
		defer cancel()
		fn(c)
	}()
	return true
}

// Wait waits for every task started so far, or for ctx to end.
func (t *Tasks) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		t.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
