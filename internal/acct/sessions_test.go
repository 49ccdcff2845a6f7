package acct

import (
	"context"
	"errors"
	"fmt"
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
	attempts   []time.Time // the now of each DeleteAttempts
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

func (tx purgeTx) DeleteMFATokens(ctx context.Context, cutoff time.Time, limit int) (int64, error) {
	return 0, nil
}

func (tx purgeTx) DeleteAttempts(ctx context.Context, now time.Time, limit int) (int64, error) {
	tx.s.attempts = append(tx.s.attempts, now)
	return 0, nil
}

func (tx purgeTx) DeleteChallenges(ctx context.Context, now time.Time, limit int) (int64, error) {
	return 0, nil
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
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	l, err := NewLocal(s, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.PurgeSessions(context.Background(), SessionPurgeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The paid-off attempt buckets of the login limit go too.
	if len(s.attempts) != 1 || !s.attempts[0].Equal(now) {
		t.Errorf("attempt buckets deleted at %v, want once at %v", s.attempts, now)
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

// TestPurgeSessionsFailure: a failed batch is rolled back, the batches
// before it stay deleted, and the audit trail records those (nothing when
// the first batch fails).
func TestPurgeSessionsFailure(t *testing.T) {
	boom := errors.New("disk full")
	for _, c := range []struct {
		failOn  int   // the Update that fails
		deleted int64 // batches of 20,000 then 40,000 committed before it
	}{{1, 0}, {3, 60_000}} {
		clock := time.Unix(0, 0)
		usePurgeClock(t, &clock)
		s := &purgeStore{clock: &clock, perSession: time.Microsecond, left: 100_000, fail: boom, failOn: c.failOn}
		l, err := NewLocal(s, Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := l.PurgeSessions(context.Background(), SessionPurgeOptions{})
		if !errors.Is(err, boom) {
			t.Fatalf("failing update %d: error %v, want %v", c.failOn, err, boom)
		}
		if res.Deleted != c.deleted || s.left != 100_000-c.deleted {
			t.Errorf("failing update %d: deleted %d, left %d; want %d, %d", c.failOn, res.Deleted, s.left, c.deleted, 100_000-c.deleted)
		}
		wantEvents := 0
		if c.deleted > 0 {
			wantEvents = 1
		}
		if len(s.events) != wantEvents {
			t.Fatalf("failing update %d: events %+v, want %d", c.failOn, s.events, wantEvents)
		}
		if wantEvents == 1 && (s.events[0].Action != ActionSessionPurge ||
			!strings.Contains(s.events[0].Detail, fmt.Sprintf("deleted %d sessions", c.deleted)) ||
			!strings.Contains(s.events[0].Detail, "interrupted")) {
			t.Errorf("failing update %d: event %+v, want a %s saying %d were deleted before the interruption",
				c.failOn, s.events[0], ActionSessionPurge, c.deleted)
		}
	}
}
