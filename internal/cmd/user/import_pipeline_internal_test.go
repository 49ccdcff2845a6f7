package user

import (
	"context"
	"sync"
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

// TestPrepareInOrder: batches prepared on several workers come out in the
// order they went in, even when the first is prepared last, each one
// ready; and the batches taken in but not yet used stay bounded while
// the writer is slow.
func TestPrepareInOrder(t *testing.T) {
	const workers, n = 4, 200
	in := make(chan batch)
	var mu sync.Mutex
	sent := 0
	go func() {
		defer close(in)
		for i := range n {
			in <- batch{pos: int64(i)}
			mu.Lock()
			sent++
			mu.Unlock()
		}
	}()
	// The first batch of every run of workers waits until the others of
	// its run are prepared: they finish first.
	var wg [n/workers + 1]sync.WaitGroup
	for i := range wg {
		wg[i].Add(workers - 1)
	}
	out := prepareInOrder(context.Background(), in, workers, func(b *batch) {
		i := int(b.pos)
		if i%workers == 0 {
			wg[i/workers].Wait()
		} else {
			wg[i/workers].Done()
		}
		b.rows = make([]acct.ImportRow, 1)
	})
	got := 0
	for b := range out {
		mu.Lock()
		// Taken from in and not yet used: this one and at most workers
		// more (in line, or on their way in line).
		if ahead := sent - got; ahead > workers+1 {
			t.Errorf("%d batches read ahead of the writer, want at most %d", ahead, workers+1)
		}
		mu.Unlock()
		<-b.ready
		if int(b.pos) != got || len(b.rows) != 1 {
			t.Fatalf("batch %d (%d rows) came out as number %d", b.pos, len(b.rows), got)
		}
		got++
	}
	if got != n {
		t.Fatalf("%d batches out of %d", got, n)
	}
}

// TestPrepareInOrderStops: once its context is done, prepareInOrder takes
// no more batches and closes its output; every batch it gave out is
// ready.
func TestPrepareInOrderStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := make(chan batch)
	go func() {
		for i := 0; ; i++ {
			select {
			case in <- batch{pos: int64(i)}:
			case <-ctx.Done():
				close(in)
				return
			}
		}
	}()
	out := prepareInOrder(ctx, in, 3, func(*batch) {})
	for i := 0; ; i++ {
		b, ok := <-out
		if !ok {
			break
		}
		<-b.ready
		if int(b.pos) != i {
			t.Fatalf("batch %d came out as number %d", b.pos, i)
		}
		if i == 10 {
			cancel()
		}
	}
}
