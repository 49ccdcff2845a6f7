package acct

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestNextPurgeBatch(t *testing.T) {
	for _, c := range []struct {
		batch int
		n     int64
		took  time.Duration
		want  int
	}{
		// Fast: grows, but at most purgeBatchGrowth-fold.
		{20_000, 20_000, time.Millisecond, 40_000},
		{20_000, 20_000, 0, 40_000},
		// Sized to the budget from the rate.
		{20_000, 20_000, purgeBatchBudget / 2, 40_000},
		{20_000, 20_000, purgeBatchBudget * 2 / 3, 30_000},
		{40_000, 40_000, purgeBatchBudget, 40_000},
		{40_000, 40_000, 2 * purgeBatchBudget, 20_000},
		// Slow (say, waiting for the write lock): shrinks, to a floor.
		{20_000, 20_000, time.Hour, minSessionPurgeBatch},
		// Never past the ceiling.
		{maxSessionPurgeBatch, maxSessionPurgeBatch, time.Millisecond, maxSessionPurgeBatch},
	} {
		if got := nextPurgeBatch(c.batch, c.n, c.took); got != c.want {
			t.Errorf("nextPurgeBatch(%d, %d, %v) = %d, want %d", c.batch, c.n, c.took, got, c.want)
		}
	}
}

// purgeStore is a Store whose transactions only delete sessions: each
// DeleteSessions call takes perSession of the fake purgeClock per session
// it deletes, out of left.
type purgeStore struct {
	Store
	clock      *time.Time
	perSession time.Duration
	left       int64
	fail       error // returned by Update number failOn (1-based) after fn
	failOn     int
	updates    int
	limits     []int
	events     []*Event
}

type purgeTx struct {
	Tx
	s *purgeStore
}

func (s *purgeStore) Update(ctx context.Context, fn func(Tx) error) error {
	left := s.left
	s.updates++
	if err := fn(purgeTx{s: s}); err != nil {
		s.left = left
		return err
	}
	if s.fail != nil && s.updates == s.failOn {
		s.left = left // rolled back
		return s.fail
	}
	return nil
}

func (tx purgeTx) DeleteSessions(ctx context.Context, cutoff time.Time, limit int) (int64, error) {
	n := min(int64(limit), tx.s.left)
	tx.s.left -= n
	tx.s.limits = append(tx.s.limits, limit)
	*tx.s.clock = tx.s.clock.Add(time.Duration(n) * tx.s.perSession)
	return n, nil
}

func (tx purgeTx) InsertEvent(ctx context.Context, ev *Event) error {
	tx.s.events = append(tx.s.events, ev)
	return nil
}

// usePurgeClock makes the purge's pacing clock the fake *clock for the
// rest of the test.
func usePurgeClock(t *testing.T, clock *time.Time) {
	saved := purgeClock
	purgeClock = func() time.Time { return *clock }
	t.Cleanup(func() { purgeClock = saved })
}

func TestPurgeSessionsBatches(t *testing.T) {
	clock := time.Unix(0, 0)
	usePurgeClock(t, &clock)
	// 30 µs a session: 50,000 fit in the budget of 1.5 s.
	s := &purgeStore{clock: &clock, perSession: 30 * time.Microsecond, left: 230_000}
	l, err := NewLocal(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.PurgeSessions(context.Background(), SessionPurgeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Deleted != 230_000 {
		t.Errorf("deleted %d, want 230000", res.Deleted)
	}
	// The first batch takes 0.6 s: the next is 2.5 times larger, capped
	// at twice; then every batch fills the budget, and the last one
	// finds fewer than it asked for.
	if want := []int{20_000, 40_000, 50_000, 50_000, 50_000, 50_000}; !reflect.DeepEqual(s.limits, want) {
		t.Errorf("batches %v, want %v", s.limits, want)
	}
	if len(s.events) != 1 || s.events[0].Action != ActionSessionPurge {
		t.Errorf("events %+v, want one %s", s.events, ActionSessionPurge)
	}
}

func TestPurgeSessionsFailure(t *testing.T) {
	clock := time.Unix(0, 0)
	usePurgeClock(t, &clock)
	boom := errors.New("disk full")
	s := &purgeStore{clock: &clock, perSession: time.Microsecond, left: 100_000, fail: boom, failOn: 1}
	l, err := NewLocal(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.PurgeSessions(context.Background(), SessionPurgeOptions{})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want %v", err, boom)
	}
	// The batch was rolled back: nothing deleted, nothing recorded.
	if res.Deleted != 0 || s.left != 100_000 || len(s.events) != 0 {
		t.Errorf("deleted %d, left %d, events %d; want 0, 100000, 0", res.Deleted, s.left, len(s.events))
	}
}

// TestPurgeSessionsInterrupted: when a later batch fails, the batches
// before it stay deleted, and the audit trail says so.
func TestPurgeSessionsInterrupted(t *testing.T) {
	clock := time.Unix(0, 0)
	usePurgeClock(t, &clock)
	boom := errors.New("disk full")
	s := &purgeStore{clock: &clock, perSession: time.Microsecond, left: 100_000, fail: boom, failOn: 3}
	l, err := NewLocal(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := l.PurgeSessions(ctx, SessionPurgeOptions{})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want %v", err, boom)
	}
	// Batches of 20,000 and 40,000 committed; the third was rolled back.
	if res.Deleted != 60_000 || s.left != 40_000 {
		t.Errorf("deleted %d, left %d; want 60000, 40000", res.Deleted, s.left)
	}
	if len(s.events) != 1 || s.events[0].Action != ActionSessionPurge ||
		!strings.Contains(s.events[0].Detail, "deleted 60000 sessions") || !strings.Contains(s.events[0].Detail, "interrupted") {
		t.Errorf("events %+v, want one %s saying 60000 were deleted before the interruption", s.events, ActionSessionPurge)
	}
}
