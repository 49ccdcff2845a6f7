package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// A bulk write lowers the write connection's page cache for its
// transaction only, committed or not.
func TestBulkPageCache(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	cacheSize := func(tx acct.Tx) string {
		var v string
		if err := tx.(*txn).tx.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, fail := range []bool{false, true} {
		err := bulkUpdate(t, s, func(ctx context.Context, tx acct.Tx, bt acct.BulkTx) error {
			if got := cacheSize(tx); got != writeCache {
				t.Errorf("before: cache_size %s", got)
			}
			if err := bt.InsertUsers(ctx, []*acct.UserRecord{newRec(fmt.Sprintf("u%v", fail))}); err != nil {
				return err
			}
			if got := cacheSize(tx); got != bulkCache {
				t.Errorf("during: cache_size %s", got)
			}
			if fail {
				return errors.New("rolled back")
			}
			return nil
		})
		if (err != nil) != fail {
			t.Fatal(err)
		}
		got, err := s.Pragmas(ctx)
		if err != nil || got["cache_size"] != writeCache {
			t.Fatalf("after (failed %v): %v, %v", fail, got, err)
		}
	}
}

// A page of accounts in several states walks the primary key: with the
// status index SQLite would read every later row and sort them, page
// after page. One state keeps the index.
func TestListUsersPlan(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	all := []acct.Status{acct.StatusActive, acct.StatusPending, acct.StatusLocked, acct.StatusHeld}
	for _, c := range []struct {
		statuses []acct.Status
		now      time.Time
		index    bool
	}{
		{all, t0, false}, {all, time.Time{}, false}, {[]acct.Status{acct.StatusActive}, t0, false},
		{[]acct.Status{acct.StatusHeld}, t0, true}, {[]acct.Status{acct.StatusLocked}, t0, true},
	} {
		cond, args := dialect.StatusCondition(c.statuses, c.now)
		rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN SELECT id FROM users WHERE id > ? AND "+cond+
			" ORDER BY id LIMIT 10", append([]any{0}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		text := strings.Join(plan, "; ")
		if strings.Contains(text, "TEMP B-TREE") || strings.Contains(text, "users_status") != c.index {
			t.Errorf("%v (now %v): plan %q", c.statuses, !c.now.IsZero(), text)
		}
	}
}
