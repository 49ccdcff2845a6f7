package postgres

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/pgtest"
)

// TestCodeStorage checks that a code's empty text is stored as ”, never
// NULL (the round trip is in the storetest contract).
func TestCodeStorage(t *testing.T) {
	s := openTest(t)
	alice := newRec("alice")
	insert(t, s, alice)
	used := newCode(alice.ID, "cod_used")
	used.UsedAt, used.Attempts, used.IssuedBy = new(t0.Add(time.Minute)), 3, ""
	insertCodes(t, s, used)

	// Empty text as '', never NULL.
	var empty bool
	if err := s.pool.QueryRow(context.Background(), `SELECT destination = '' AND issued_by = '' AND reason = ''
		AND purpose = '' FROM codes WHERE public_id = 'cod_used'`).Scan(&empty); err != nil || !empty {
		t.Errorf("empty text stored as NULL: %v, %v", empty, err)
	}
}

// TestUseCodeRace has 16 goroutines, each with its own store on one
// database as processes would have, submit the same code at once the way the core
// does: all read it first and find it outstanding, then all try to use
// it. Exactly one succeeds. Then 16 goroutines sharing one store do the
// same with a second code.
func TestUseCodeRace(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	s := openURL(t, url)
	alice := newRec("alice")
	insert(t, s, alice)
	separate, shared := newCode(alice.ID, "cod_separate"), newCode(alice.ID, "cod_shared")
	insertCodes(t, s, separate, shared)
	now := t0.Add(time.Minute)

	const racers = 16
	race := func(t *testing.T, mac []byte, own bool) {
		start := make(chan struct{})
		results := make(chan string, racers)
		var ready, wg sync.WaitGroup
		ready.Add(racers)
		for i := range racers {
			wg.Go(func() {
				res, err := func() (string, error) {
					racer := s
					if own {
						var err error
						if racer, err = Open(ctx, url); err != nil {
							ready.Done()
							return "", err
						}
						defer racer.Close()
					}
					return submitCode(ctx, racer, mac, now, ready.Done, start)
				}()
				if err != nil {
					res = fmt.Sprintf("racer %d: %v", i, err)
				}
				results <- res
			})
		}
		ready.Wait()
		close(start)
		wg.Wait()
		close(results)
		var outcomes []string
		for r := range results {
			outcomes = append(outcomes, r)
		}
		checkUseRace(t, outcomes, racers)
	}
	t.Run("separate stores", func(t *testing.T) { race(t, separate.MAC, true) })
	t.Run("one store", func(t *testing.T) { race(t, shared.MAC, false) })
	for _, c := range []*acct.CodeRecord{separate, shared} {
		got, err := getCode(s, acct.CodeKey{ID: c.ID})
		if err != nil || got.UsedAt == nil || !got.UsedAt.Equal(now) {
			t.Errorf("%s: %+v, %v", c.ID, got, err)
		}
	}
}

// submitCode is one racer on s: it finds the code by MAC and checks that
// it is outstanding, calls ready, waits for start, and then uses the code
// in a transaction of its own. It returns "used" or "refused".
func submitCode(ctx context.Context, s *Store, mac []byte, now time.Time,
	ready func(), start <-chan struct{}) (string, error) {
	var c *acct.CodeRecord
	err := s.View(ctx, func(tx acct.Tx) (err error) {
		c, err = tx.GetCode(ctx, acct.CodeKey{MAC: mac})
		return err
	})
	ready()
	if err == nil && (c.UsedAt != nil || c.VoidedAt != nil || !now.Before(c.ExpiresAt)) {
		err = fmt.Errorf("code %s not outstanding before the race: %+v", c.ID, c)
	}
	<-start
	if err != nil {
		return "", err
	}
	used, err := useCode(ctx, s, c.Seq, now)
	switch {
	case err != nil:
		return "", err
	case used:
		return "used", nil
	}
	return "refused", nil
}

func checkUseRace(t *testing.T, outcomes []string, racers int) {
	t.Helper()
	var used, refused int
	for _, o := range outcomes {
		switch o {
		case "used":
			used++
		case "refused":
			refused++
		default:
			t.Error(o)
		}
	}
	if used != 1 || refused != racers-1 {
		t.Errorf("%d used and %d refused, want 1 and %d", used, refused, racers-1)
	}
}

// TestFailCodeAttemptRace has 16 goroutines make wrong guesses at one
// code with max 5 at once, each three times: exactly five are counted,
// as 1 to 5, and the code is then void (the others wait for the row's
// lock and find the code void). First each with its own store on one
// database, as processes would have, then sharing one store.
func TestFailCodeAttemptRace(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	s := openURL(t, url)
	alice := newRec("alice")
	insert(t, s, alice)
	separate := newOTP(alice.ID, "cod_separate", acct.PurposeVerifyPhone, "+15550100", t0)
	shared := newOTP(alice.ID, "cod_shared", acct.PurposeRecovery, "+15550100", t0)
	insertCodes(t, s, separate, shared)
	now := t0.Add(time.Minute)
	const racers, guesses, max = 16, 3, 5

	race := func(t *testing.T, c *acct.CodeRecord, own bool) {
		start := make(chan struct{})
		counts := make(chan int, racers*guesses)
		var wg sync.WaitGroup
		for range racers {
			wg.Go(func() {
				racer := s
				if own {
					var err error
					if racer, err = Open(ctx, url); err != nil {
						t.Error(err)
						return
					}
					defer racer.Close()
				}
				<-start
				for range guesses {
					n, err := failAttempt(ctx, racer, c.Seq, max, now)
					if err != nil {
						t.Error(err)
						return
					}
					counts <- n
				}
			})
		}
		close(start)
		wg.Wait()
		close(counts)
		seen := map[int]int{}
		for n := range counts {
			seen[n]++
		}
		want := map[int]int{0: racers*guesses - max, 1: 1, 2: 1, 3: 1, 4: 1, 5: 1}
		if !reflect.DeepEqual(seen, want) {
			t.Errorf("counts returned (count: times) %v, want %v", seen, want)
		}
		got, err := getCode(s, acct.CodeKey{ID: c.ID})
		if err != nil || got.Attempts != max || got.VoidedAt == nil || !got.VoidedAt.Equal(now) || got.UsedAt != nil {
			t.Errorf("after the race: %+v, %v", got, err)
		}
	}
	t.Run("separate stores", func(t *testing.T) { race(t, separate, true) })
	t.Run("one store", func(t *testing.T) { race(t, shared, false) })
}

// TestCodeQueriesUseIndexes checks that the passcode queries can use their
// indexes: with sequential scans off, as on a big table, the plan names
// the index and needs no sort (but for the send limit's handful of rows).
func TestCodeQueriesUseIndexes(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for _, tc := range []struct {
		query, want string
		args        []any
		sorts       bool
	}{
		{"SELECT " + codeColumns + " FROM codes WHERE user_id = $1 AND kind = $2 AND purpose = $3 ORDER BY seq DESC LIMIT 1",
			"codes_user_purpose", []any{1, "otp", "recovery"}, false},
		{"SELECT " + codeColumns + " FROM codes WHERE user_id = $1 AND kind = $2 AND purpose = $3 AND destination = $4 ORDER BY seq DESC LIMIT 1",
			"codes_user_purpose", []any{1, "otp", "recovery", "+15550100"}, false},
		{"UPDATE codes SET voided_at = $1 WHERE user_id = $2 AND " + outstandingCode("$1") + " AND kind = $3 AND purpose = $4",
			"codes_user_purpose", []any{t0, 1, "otp", "recovery"}, false},
		{"SELECT " + codeColumns + " FROM codes WHERE kind = $1 AND destination = $2 AND created_at >= $3 ORDER BY seq DESC",
			"codes_destination", []any{"otp", "+15550100", t0}, true},
	} {
		var plan []string
		tx, err := s.pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
		rows, err := tx.Query(ctx, "EXPLAIN "+tc.query, tc.args...)
		if err == nil {
			plan, err = pgx.CollectRows(rows, pgx.RowTo[string])
		}
		tx.Rollback(ctx)
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		text := strings.Join(plan, "\n")
		if !strings.Contains(text, tc.want) || (!tc.sorts && strings.Contains(text, "Sort")) {
			t.Errorf("%s:\n%s", tc.query, text)
		}
	}
}

// TestMigrateFrom0003 builds a schema with the first three migrations and
// a reset code, and checks that the code reads back with no purpose and
// that passcodes work after the upgrade.
func TestMigrateFrom0003(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)",
		ms[0].sql, ms[1].sql, ms[2].sql,
		"INSERT INTO schema_migrations VALUES (1, now()), (2, now()), (3, now())",
		`INSERT INTO users (username, status, created_at, updated_at) VALUES ('alice', 'active', now(), now())`,
		`INSERT INTO codes (public_id, user_id, kind, mac, channel, created_at, expires_at)
			VALUES ('cod_old', 1, 'reset', sha256('x'), 'none', now(), now())`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := conn.Close(ctx); err != nil {
		t.Fatal(err)
	}

	s := openURL(t, u)
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(ms) {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, len(ms))
	}
	if c, err := getCode(s, acct.CodeKey{ID: "cod_old"}); err != nil || c.Purpose != "" || c.Kind != acct.CodeKindReset {
		t.Errorf("old code after the upgrade: %+v, %v", c, err)
	}
	otp := newOTP(1, "cod_otp", acct.PurposeSignup, "+15550100", t0)
	insertCodes(t, s, otp)
	got := listCodes(t, s, acct.CodeFilter{UserID: 1, Purpose: acct.PurposeSignup})
	if len(got) != 1 || !reflect.DeepEqual(&got[0], otp) {
		t.Errorf("passcode on upgraded schema: %+v", got)
	}
}
