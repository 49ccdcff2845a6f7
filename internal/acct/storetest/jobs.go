package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// newJob returns a pending job of kind due at due.
func newJob(kind acct.JobKind, due time.Time, payload string) *acct.JobRecord {
	return &acct.JobRecord{Job: acct.Job{Kind: kind, State: acct.JobPending, DueAt: due, Actor: "tester", CreatedAt: t0},
		Payload: []byte(payload)}
}

// claim claims jobs of s in one transaction.
func claim(t *testing.T, s acct.Store, c acct.JobClaim) []acct.JobRecord {
	t.Helper()
	var got []acct.JobRecord
	if err := Update(t, s, func(ctx context.Context, tx acct.Tx) (err error) {
		got, err = tx.ClaimJobs(ctx, c)
		return err
	}); err != nil {
		t.Fatalf("claim: %v", err)
	}
	return got
}

// settle settles a job of s in one transaction.
func settle(t *testing.T, s acct.Store, js acct.JobSettle) bool {
	t.Helper()
	var ok bool
	if err := Update(t, s, func(ctx context.Context, tx acct.Tx) (err error) {
		ok, err = tx.SettleJob(ctx, js)
		return err
	}); err != nil {
		t.Fatalf("settle: %v", err)
	}
	return ok
}

// listJobs lists the jobs of s in the states given.
func listJobs(t *testing.T, s acct.Store, states ...acct.JobState) []acct.Job {
	t.Helper()
	var got []acct.Job
	err := s.View(context.Background(), func(tx acct.Tx) (err error) {
		got, err = tx.ListJobs(context.Background(), acct.JobFilter{States: states, Limit: 100})
		return err
	})
	if err != nil {
		t.Fatalf("list jobs: %v", err)
	}
	return got
}

func jobIDs[J any](jobs []J, id func(J) int64) []int64 {
	out := make([]int64, len(jobs))
	for i, j := range jobs {
		out[i] = id(j)
	}
	return out
}

func recID(j acct.JobRecord) int64 { return j.ID }
func jobID(j acct.Job) int64       { return j.ID }

// testJobs checks the queue's statements: a claim takes the due jobs of
// the kinds asked, oldest first, up to the limit, with one more attempt
// and the lease as due time; a claimed job is not claimed again until its
// lease ends; a settle applies only to the claim it names; a finished
// job keeps no payload; the list is newest first; finished jobs are
// deleted by age.
func testJobs(t *testing.T, s acct.Store) {
	now := t0.Add(time.Hour)
	lease := now.Add(5 * time.Minute)
	a := newJob(acct.JobForgot, now.Add(-time.Minute), `{"email":"a@example.com"}`)
	b := newJob(acct.JobSignUp, now, `{"email":"b@example.com"}`)
	later := newJob(acct.JobForgot, now.Add(time.Second), `{}`)
	other := newJob("newer-kind", now.Add(-time.Hour), `{}`)
	c := newJob(acct.JobForgot, now.Add(-30*time.Second), `{}`)
	if err := Update(t, s, func(ctx context.Context, tx acct.Tx) error {
		for _, j := range []*acct.JobRecord{a, b, later, other, c} {
			if err := tx.InsertJob(ctx, j); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || b.ID <= a.ID || c.ID <= other.ID {
		t.Fatalf("ids %d %d %d %d: want increasing", a.ID, b.ID, other.ID, c.ID)
	}
	kinds := []acct.JobKind{acct.JobForgot, acct.JobSignUp}
	got := claim(t, s, acct.JobClaim{Now: now, Until: lease, Kinds: kinds, Limit: 2})
	// a and c were due first; the limit leaves b.
	if ids := jobIDs(got, recID); len(ids) != 2 || ids[0] != a.ID || ids[1] != c.ID {
		t.Fatalf("claimed %v, want [%d %d]", ids, a.ID, c.ID)
	}
	g := got[0]
	if g.State != acct.JobClaimed || g.Attempts != 1 || !g.DueAt.Equal(lease) || string(g.Payload) != `{"email":"a@example.com"}` ||
		g.Kind != acct.JobForgot || g.Actor != "tester" || !g.CreatedAt.Equal(t0) || g.DoneAt != nil {
		t.Fatalf("claimed %+v (payload %s)", g, g.Payload)
	}
	got = claim(t, s, acct.JobClaim{Now: now, Until: lease, Kinds: kinds, Limit: 10})
	if ids := jobIDs(got, recID); len(ids) != 1 || ids[0] != b.ID {
		t.Fatalf("second claim %v, want only [%d]", ids, b.ID)
	}
	if got := claim(t, s, acct.JobClaim{Now: now, Until: lease, Kinds: kinds, Limit: 10}); len(got) != 0 {
		t.Fatalf("third claim %v, want none: the rest is not due or of another kind", jobIDs(got, recID))
	}

	// a's runner died: at its lease's end a is claimable again.
	got = claim(t, s, acct.JobClaim{Now: lease.Add(-time.Millisecond), Until: lease.Add(time.Hour), Kinds: []acct.JobKind{acct.JobForgot}, Limit: 10})
	if ids := jobIDs(got, recID); len(ids) != 1 || ids[0] != later.ID {
		t.Fatalf("claim before the lease ends %v, want only [%d]", ids, later.ID)
	}
	got = claim(t, s, acct.JobClaim{Now: lease, Until: lease.Add(time.Hour), Kinds: []acct.JobKind{acct.JobForgot}, Limit: 1})
	if len(got) != 1 || got[0].ID != a.ID || got[0].Attempts != 2 {
		t.Fatalf("claim at the lease's end %+v, want job %d at attempt 2", got, a.ID)
	}
	done := lease.Add(time.Minute)
	if settle(t, s, acct.JobSettle{ID: a.ID, Claim: 1, State: acct.JobDone, Attempts: 1, DueAt: done, DoneAt: &done}) {
		t.Fatal("a settle of a lapsed claim applied")
	}
	if !settle(t, s, acct.JobSettle{ID: a.ID, Claim: 2, State: acct.JobDone, Attempts: 2, DueAt: done, DoneAt: &done}) {
		t.Fatal("a settle of the current claim did not apply")
	}
	if settle(t, s, acct.JobSettle{ID: a.ID, Claim: 2, State: acct.JobDone, Attempts: 2, DueAt: done, DoneAt: &done}) {
		t.Fatal("a done job settled again")
	}
	// c fails and waits; b gives up.
	retry := done.Add(time.Minute)
	if !settle(t, s, acct.JobSettle{ID: c.ID, Claim: 1, State: acct.JobPending, Attempts: 1, DueAt: retry, LastError: "550 busy"}) {
		t.Fatal("retry of c did not apply")
	}
	if !settle(t, s, acct.JobSettle{ID: b.ID, Claim: 1, State: acct.JobDead, Attempts: 1, DueAt: done, DoneAt: &done, LastError: "gone"}) {
		t.Fatal("give-up of b did not apply")
	}

	all := listJobs(t, s)
	if ids := jobIDs(all, jobID); len(ids) != 5 || ids[0] != c.ID || ids[4] != a.ID {
		t.Fatalf("list %v, want 5 jobs, newest first", ids)
	}
	byID := map[int64]acct.Job{}
	for _, j := range all {
		byID[j.ID] = j
	}
	if j := byID[a.ID]; j.State != acct.JobDone || j.Attempts != 2 || j.DoneAt == nil || !j.DoneAt.Equal(done) {
		t.Fatalf("a listed %+v", j)
	}
	if j := byID[c.ID]; j.State != acct.JobPending || j.Attempts != 1 || !j.DueAt.Equal(retry) || j.LastError != "550 busy" || j.DoneAt != nil {
		t.Fatalf("c listed %+v", j)
	}
	if j := byID[b.ID]; j.State != acct.JobDead || j.LastError != "gone" {
		t.Fatalf("b listed %+v", j)
	}
	if ids := jobIDs(listJobs(t, s, acct.JobDone, acct.JobDead), jobID); len(ids) != 2 || ids[0] != b.ID || ids[1] != a.ID {
		t.Fatalf("finished jobs %v, want [%d %d]", ids, b.ID, a.ID)
	}

	// c comes back with its payload when due; a finished job keeps none.
	got = claim(t, s, acct.JobClaim{Now: retry, Until: retry.Add(time.Minute), Kinds: kinds, Limit: 10})
	if len(got) != 1 || got[0].ID != c.ID || got[0].Attempts != 2 || string(got[0].Payload) != "{}" || got[0].LastError != "550 busy" {
		t.Fatalf("claim of the retry %+v", got)
	}
	if !settle(t, s, acct.JobSettle{ID: c.ID, Claim: 2, State: acct.JobPending, Attempts: 1, DueAt: retry}) {
		t.Fatal("release of c did not apply")
	}
	got = claim(t, s, acct.JobClaim{Now: retry, Until: retry.Add(time.Minute), Kinds: kinds, Limit: 10})
	if len(got) != 1 || got[0].ID != c.ID || got[0].Attempts != 2 {
		t.Fatalf("claim after a release %+v, want c at attempt 2", got)
	}

	var n int64
	if err := Update(t, s, func(ctx context.Context, tx acct.Tx) (err error) {
		n, err = tx.DeleteJobs(ctx, done, 10) // before a's and b's done time: none
		if err != nil || n != 0 {
			return fmt.Errorf("deleted %d, %v; want 0", n, err)
		}
		n, err = tx.DeleteJobs(ctx, done.Add(time.Millisecond), 1)
		return err
	}); err != nil || n != 1 {
		t.Fatalf("deleted %d, %v; want 1", n, err)
	}
	if ids := jobIDs(listJobs(t, s, acct.JobDone, acct.JobDead), jobID); len(ids) != 1 {
		t.Fatalf("finished jobs after a delete of 1: %v", ids)
	}
}

// testClaimJobsRace has 8 stores on one database claim 60 due jobs at
// once, 3 at a time, settling each, until none is left: every job is
// claimed exactly once.
func testClaimJobsRace(t *testing.T, newDB NewDB) {
	ctx := context.Background()
	open := newDB(t)
	s, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const jobs, stores = 60, 8
	now := t0.Add(time.Hour)
	if err := s.Update(ctx, func(tx acct.Tx) error {
		for i := range jobs {
			if err := tx.InsertJob(ctx, newJob(acct.JobForgot, now.Add(-time.Duration(i)*time.Millisecond), `{}`)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	claims := map[int64]int{}
	raceStores(t, open, stores, func(_ int, s acct.Store) error {
		for {
			var got []acct.JobRecord
			err := s.Update(ctx, func(tx acct.Tx) (err error) {
				got, err = tx.ClaimJobs(ctx, acct.JobClaim{Now: now, Until: now.Add(time.Hour), Kinds: []acct.JobKind{acct.JobForgot}, Limit: 3})
				return err
			})
			if acct.IsCode(err, acct.CodeUnavailable) {
				continue // busy: try again, as a runner would at its next tick
			}
			if err != nil {
				return err
			}
			if len(got) == 0 {
				return nil
			}
			mu.Lock()
			for _, j := range got {
				claims[j.ID]++
			}
			mu.Unlock()
			for _, j := range got {
				done := now
				err := s.Update(ctx, func(tx acct.Tx) error {
					_, err := tx.SettleJob(ctx, acct.JobSettle{ID: j.ID, Claim: j.Attempts, State: acct.JobDone, Attempts: j.Attempts, DueAt: done, DoneAt: &done})
					return err
				})
				if err != nil {
					return err
				}
			}
		}
	})
	if t.Failed() {
		t.FailNow()
	}
	if len(claims) != jobs {
		t.Fatalf("%d jobs claimed, want %d", len(claims), jobs)
	}
	for id, n := range claims {
		if n != 1 {
			t.Errorf("job %d claimed %d times", id, n)
		}
	}
	if left := listJobs(t, s, acct.JobPending, acct.JobClaimed); len(left) != 0 {
		t.Fatalf("%d jobs left undone", len(left))
	}
}
