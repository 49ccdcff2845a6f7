package storecopy_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
	"github.com/acctl/acctl/internal/pgtest"
	"github.com/acctl/acctl/internal/postgres"
	"github.com/acctl/acctl/internal/sqlite"
	"github.com/acctl/acctl/internal/storecopy"
)

// TestMain stops the throw-away PostgreSQL server at the end.
func TestMain(m *testing.M) { pgtest.Main(m) }

func openSQLite(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "acctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func openPostgres(t *testing.T) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// service is Local over s on clock. Closing it is left to s's cleanup.
func service(t *testing.T, s acct.Store, clock *accttest.Clock) *acct.Local {
	t.Helper()
	svc, err := acct.NewLocal(s, acct.Options{Now: clock.Now, Argon2: accttest.FastArgon2, ScramIterations: acct.MinScramIterations, Actor: "tester",
		PhoneRegion: "GB", Secret: accttest.Secret})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// populate puts some of everything in s: accounts (with and without
// optional values), sessions (active, ended, and purged ones, so that the
// sessions' counter is above the largest seq), a reset code, a lock, a
// hold, and their audit events.
func populate(t *testing.T, s acct.Store) *accttest.Clock {
	t.Helper()
	ctx := context.Background()
	clock := accttest.NewClock(accttest.Start)
	svc := service(t, s, clock)
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(svc.Register(ctx, acct.NewUser{Username: "alice", Email: "alice@example.com", Phone: "+447400100001",
		FirstName: "Alice", LastName: "Liddell", Language: "en", Password: accttest.GoodPassword}))
	must(svc.Register(ctx, acct.NewUser{Username: "bob", Email: "bob@example.com", Password: accttest.GoodPassword, Admin: true}))
	must(svc.Register(ctx, acct.NewUser{Email: "élodie@example.com", NoPassword: true}))
	must(svc.Register(ctx, acct.NewUser{Username: "carol", Email: "carol@example.com", Password: accttest.GoodPassword}))
	// Referrals: users.referred_by refers to users itself; points, their
	// ledger and the waiting list.
	alice, err := svc.User(ctx, "alice")
	must(alice, err)
	must(svc.Register(ctx, acct.NewUser{Email: "dan@example.com", NoPassword: true, Invite: alice.ReferralCode}))
	must(svc.AddPoints(ctx, acct.PointsChange{User: "dan@example.com", Delta: -2, Reason: "spent"}))
	must(svc.Preregister(ctx, "erin@example.com"))
	// API keys: token hashes, a last use, a revocation.
	key, err := svc.CreateAPIKey(ctx, acct.NewAPIKey{Name: "ci", Role: acct.RoleAdmin})
	must(key, err)
	must(svc.AuthenticateAPIKey(ctx, key.Token))
	must(svc.CreateAPIKey(ctx, acct.NewAPIKey{Name: "old", Role: acct.RoleAuditor}))
	must(svc.RevokeAPIKey(ctx, "old"))
	for i := 0; i < 3; i++ {
		must(svc.Login(ctx, acct.Login{Ref: "alice", Password: accttest.GoodPassword, Label: fmt.Sprint("device ", i)}))
	}
	clock.Advance(2 * time.Hour) // those sessions expire (idle 1h)
	must(svc.Login(ctx, acct.Login{Ref: "alice", Password: accttest.GoodPassword, Keep: true}))
	must(svc.Login(ctx, acct.Login{Ref: "bob", Password: accttest.GoodPassword}))
	must(svc.EndSessions(ctx, acct.EndSessions{User: "bob"}))
	must(svc.Login(ctx, acct.Login{Ref: "bob", Password: accttest.GoodPassword, Label: "phone"}))
	// The last session is purged, so the counter ends above the largest seq.
	last, err := svc.Login(ctx, acct.Login{Ref: "carol", Password: accttest.GoodPassword})
	must(last, err)
	must(svc.EndSessions(ctx, acct.EndSessions{IDs: []string{last.ID}}))
	clock.Advance(time.Minute)
	must(svc.PurgeSessions(ctx, acct.SessionPurgeOptions{OlderThan: 30 * time.Second}))
	must(svc.IssueResetCode(ctx, acct.ResetCodeRequest{Ref: "élodie@example.com", Reason: "ticket 42"}))
	must(svc.LockUser(ctx, "carol", acct.LockOptions{Reason: "abuse"}))
	must(svc.Unregister(ctx, "bob", acct.UnregisterOptions{Hold: 24 * time.Hour}))
	clock.Advance(time.Minute)
	return clock
}

// dump reads every row of every table of c, with the counters.
func dump(t *testing.T, c acct.Copier) map[string][][]any {
	t.Helper()
	ctx := context.Background()
	info, err := c.CopyInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][][]any{}
	err = c.ReadRows(ctx, func(r acct.RowSource) error {
		for _, tb := range info.Tables {
			var cols []string
			for _, col := range tb.Columns {
				cols = append(cols, col.Name)
			}
			rows := [][]any{}
			err := r.Rows(ctx, tb.Name, cols, 2, func(batch [][]any) error {
				rows = append(rows, batch...)
				return nil
			})
			if err != nil {
				return err
			}
			out[tb.Name] = rows
			if tb.Serial != "" {
				n, err := r.SerialValue(ctx, tb.Name)
				if err != nil {
					return err
				}
				out[tb.Name+" (serial)"] = [][]any{{n}}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameRows fails t unless a and b hold the same rows.
func sameRows(t *testing.T, a, b map[string][][]any) {
	t.Helper()
	for name, rows := range a {
		if !reflect.DeepEqual(rows, b[name]) {
			t.Errorf("table %s differs:\n got %v\nwant %v", name, b[name], rows)
		}
	}
	for name := range b {
		if _, ok := a[name]; !ok {
			t.Errorf("table %s only in the copy", name)
		}
	}
}

// progress records what Copy reports.
type progress struct {
	total, added int64
	tables       []string
	finished     bool
	onAdd        func()
}

func (p *progress) Start(total int64)          { p.total = total }
func (p *progress) Table(name string, _ int64) { p.tables = append(p.tables, name) }
func (p *progress) Add(n int) {
	p.added += int64(n)
	if p.onAdd != nil {
		p.onAdd()
	}
}
func (p *progress) Finish() { p.finished = true }

func counts(t *testing.T, res *storecopy.Result) map[string]int64 {
	t.Helper()
	m := map[string]int64{}
	for _, c := range res.Tables {
		if !c.Match() {
			t.Errorf("table %s: source %d, target %d", c.Table, c.Source, c.Target)
		}
		m[c.Table] = c.Source
	}
	return m
}

func TestSQLiteToSQLite(t *testing.T) {
	ctx := context.Background()
	src, dst := openSQLite(t), openSQLite(t)
	clock := populate(t, src)
	p := &progress{}
	res, err := storecopy.Copy(ctx, src, dst, storecopy.Options{Batch: 2, Progress: p})
	if err != nil {
		t.Fatal(err)
	}
	want := dump(t, src)
	sameRows(t, want, dump(t, dst))
	n := counts(t, res)
	if n["users"] != 5 || n["sessions"] != 2 || n["codes"] != 1 || n["audit_events"] == 0 || n["settings"] != 1 {
		t.Errorf("counts = %v", n)
	}
	if res.Rows != p.total || p.added != p.total || !p.finished || res.Replaced {
		t.Errorf("rows %d, progress %+v, replaced %v", res.Rows, p, res.Replaced)
	}
	// Referred tables come before the tables that refer to them.
	order := strings.Join(p.tables, " ")
	for _, table := range []string{"sessions", "codes", "audit_events"} {
		if !strings.Contains(order, "users") || strings.Index(order, table) < strings.Index(order, "users") {
			t.Errorf("tables copied in the order %v", p.tables)
		}
	}
	// The purged sessions' seqs are not given again.
	if s, top := want["sessions (serial)"][0][0].(int64), maxKey(want["sessions"]); s <= top {
		t.Fatalf("the test needs the counter (%d) above the largest seq (%d)", s, top)
	}
	checkFresh(t, src, dst, clock)
}

// maxKey is the largest first value of rows (the key).
func maxKey(rows [][]any) int64 {
	var top int64
	for _, r := range rows {
		top = max(top, r[0].(int64))
	}
	return top
}

// checkFresh checks that the copy works on its own: the accounts log in
// with their passwords, and new rows get keys above the source's
// counters.
func checkFresh(t *testing.T, src acct.Copier, dst acct.Store, clock *accttest.Clock) {
	t.Helper()
	ctx := context.Background()
	before := dump(t, src)
	svc := service(t, dst, clock)
	sess, err := svc.Login(ctx, acct.Login{Ref: "alice@example.com", Password: accttest.GoodPassword})
	if err != nil {
		t.Fatalf("login on the copy: %v", err)
	}
	if _, err := svc.ValidateSession(ctx, sess.Token); err != nil {
		t.Fatal(err)
	}
	u, err := svc.Register(ctx, acct.NewUser{Username: "dave", Email: "dave@example.com", Password: accttest.GoodPassword})
	if err != nil {
		t.Fatalf("register on the copy: %v", err)
	}
	if want := before["users (serial)"][0][0].(int64) + 1; u.ID != want {
		t.Errorf("new user id %d, want %d", u.ID, want)
	}
	after := dump(t, dst.(acct.Copier))
	if got, want := after["sessions (serial)"][0][0].(int64), before["sessions (serial)"][0][0].(int64)+1; got != want {
		t.Errorf("sessions counter after a login: %d, want %d", got, want)
	}
	if got, want := maxKey(after["sessions"]), before["sessions (serial)"][0][0].(int64)+1; got != want {
		t.Errorf("new session seq %d, want %d", got, want)
	}
	// The fingerprint of the installation secret came with the codes made
	// under it: the copy takes that secret, and refuses another.
	other, err := acct.NewLocal(dst, acct.Options{Now: clock.Now, Argon2: accttest.FastArgon2, ScramIterations: acct.MinScramIterations, Actor: "tester",
		Secret: accttest.OtherSecret})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.IssueResetCode(ctx, acct.ResetCodeRequest{Ref: "alice"}); acct.ErrorCode(err) != acct.CodeInvalid || acct.ErrorField(err) != "secret_file" {
		t.Errorf("another secret on the copy: %v; want invalid secret_file", err)
	}
	if _, err := svc.IssueResetCode(ctx, acct.ResetCodeRequest{Ref: "alice"}); err != nil {
		t.Errorf("the source's secret on the copy: %v", err)
	}
}

func TestRefusesNonEmptyTarget(t *testing.T) {
	ctx := context.Background()
	src, dst := openSQLite(t), openSQLite(t)
	populate(t, src)
	svc := service(t, dst, accttest.NewClock(accttest.Start))
	if _, err := svc.Register(ctx, acct.NewUser{Email: "zed@example.com", NoPassword: true}); err != nil {
		t.Fatal(err)
	}
	before := dump(t, dst)
	_, err := storecopy.Copy(ctx, src, dst, storecopy.Options{})
	if !errors.Is(err, storecopy.ErrNotEmpty) || acct.ErrorCode(err) != acct.CodeConflict {
		t.Fatalf("err = %v, want ErrNotEmpty", err)
	}
	if !strings.Contains(err.Error(), "users: 1") {
		t.Errorf("the error does not name the rows: %v", err)
	}
	sameRows(t, before, dump(t, dst))
}

func TestForce(t *testing.T) {
	ctx := context.Background()
	src, dst := openSQLite(t), openSQLite(t)
	clock := populate(t, src)
	svc := service(t, dst, accttest.NewClock(accttest.Start))
	for _, name := range []string{"x1", "x2", "x3", "x4", "x5", "x6", "x7"} {
		if _, err := svc.Register(ctx, acct.NewUser{Email: name + "@example.com", NoPassword: true}); err != nil {
			t.Fatal(err)
		}
	}
	before := dump(t, dst)

	// Declined: nothing changes.
	no := errors.New("no")
	_, err := storecopy.Copy(ctx, src, dst, storecopy.Options{Force: true,
		Confirm: func(context.Context, []storecopy.TableCount) error { return no }})
	if !errors.Is(err, no) {
		t.Fatalf("err = %v", err)
	}
	sameRows(t, before, dump(t, dst))

	// Interrupted half way: the target keeps its rows.
	cctx, cancel := context.WithCancel(ctx)
	p := &progress{}
	p.onAdd = func() {
		if p.added >= 4 {
			cancel()
		}
	}
	_, err = storecopy.Copy(cctx, src, dst, storecopy.Options{Force: true, Batch: 2, Progress: p})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	sameRows(t, before, dump(t, dst))

	var asked []storecopy.TableCount
	res, err := storecopy.Copy(ctx, src, dst, storecopy.Options{Force: true,
		Confirm: func(_ context.Context, c []storecopy.TableCount) error { asked = c; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Replaced {
		t.Error("Replaced is false")
	}
	for _, c := range asked {
		if c.Table == "users" && c.Target != 7 {
			t.Errorf("confirmation told of %d users, want 7", c.Target)
		}
	}
	sameRows(t, dump(t, src), dump(t, dst))
	// The target's counter was at 7 users: it now continues the source's.
	checkFresh(t, src, dst, clock)
}

func TestSameStore(t *testing.T) {
	ctx := context.Background()
	a := openSQLite(t)
	b, err := sqlite.Open(ctx, a.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	_, err = storecopy.Copy(ctx, a, b, storecopy.Options{Force: true})
	if acct.ErrorCode(err) != acct.CodeInvalid || !strings.Contains(err.Error(), "same store") {
		t.Fatalf("err = %v", err)
	}
}

// execSQLite runs statements on a store's file, beside the store.
func execSQLite(t *testing.T, s *sqlite.Store, stmts ...string) {
	t.Helper()
	db := sqliteDB(t, s.Path())
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// The tables a later migration might add, in both dialects: a counter key
// and every type, a composite key, and no key at all.
var (
	extraSQLite = []string{
		`CREATE TABLE widgets (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			user_id INTEGER REFERENCES users (id),
			name TEXT NOT NULL,
			weight REAL,
			blob BLOB,
			shiny INTEGER NOT NULL DEFAULT 0 CHECK (shiny IN (0, 1)),
			seen_at INTEGER,
			valid_until INTEGER
		) STRICT`,
		`CREATE TABLE tags (user_id INTEGER NOT NULL REFERENCES users (id), tag TEXT NOT NULL, PRIMARY KEY (user_id, tag)) STRICT`,
		`CREATE TABLE notes (body TEXT NOT NULL, at INTEGER NOT NULL) STRICT`,
	}
	extraPostgres = []string{
		`CREATE TABLE widgets (
			id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			user_id bigint REFERENCES users (id),
			name text NOT NULL,
			weight double precision,
			blob bytea,
			shiny boolean NOT NULL DEFAULT false,
			seen_at timestamptz,
			valid_until timestamptz
		)`,
		`CREATE TABLE tags (user_id bigint NOT NULL REFERENCES users (id), tag text NOT NULL, PRIMARY KEY (user_id, tag))`,
		`CREATE TABLE notes (body text NOT NULL, at timestamptz NOT NULL)`,
	}
)

// fillExtra puts rows in the extra tables of a SQLite store.
func fillExtra(t *testing.T, s *sqlite.Store) {
	t.Helper()
	stmts := []string{
		`INSERT INTO widgets (user_id, name, weight, blob, shiny, seen_at, valid_until) VALUES
			(1, 'sprocket', 1.5, x'00ff10', 1, 1767323045123, NULL),
			(NULL, 'cog ''n'' wheel', NULL, NULL, 0, NULL, 253402300799999),
			(2, 'élan', -0.25, x'', 0, -1000, 0)`,
		`DELETE FROM widgets WHERE id = 3`,
		`INSERT INTO widgets (user_id, name) VALUES (3, 'last')`,
		`INSERT INTO tags VALUES (2, 'b'), (1, 'z'), (1, 'a'), (2, 'a'), (3, 'q')`,
		`INSERT INTO notes VALUES ('one', 1), ('two', 2), ('three', 3)`,
	}
	execSQLite(t, s, stmts...)
}

func TestNewTableIsCopied(t *testing.T) {
	ctx := context.Background()
	src, dst := openSQLite(t), openSQLite(t)
	populate(t, src)
	execSQLite(t, src, extraSQLite...)
	execSQLite(t, dst, extraSQLite...)
	fillExtra(t, src)
	if _, err := storecopy.Copy(ctx, src, dst, storecopy.Options{Batch: 2}); err != nil {
		t.Fatal(err)
	}
	got := dump(t, dst)
	sameRows(t, dump(t, src), got)
	if len(got["widgets"]) != 3 || len(got["tags"]) != 5 || len(got["notes"]) != 3 {
		t.Errorf("extra tables: %v", got)
	}
	if got["widgets (serial)"][0][0].(int64) != 4 {
		t.Errorf("widgets counter %v, want 4", got["widgets (serial)"])
	}
}

func TestSchemaMismatch(t *testing.T) {
	ctx := context.Background()
	src, dst := openSQLite(t), openSQLite(t)
	execSQLite(t, src, extraSQLite...)
	execSQLite(t, dst, extraSQLite[0], // tags missing, notes with another column
		`CREATE TABLE notes (body TEXT NOT NULL, at INTEGER NOT NULL, extra TEXT) STRICT`)
	_, err := storecopy.Copy(ctx, src, dst, storecopy.Options{})
	if acct.ErrorCode(err) != acct.CodeConflict {
		t.Fatalf("err = %v, want a conflict", err)
	}
	for _, want := range []string{"table tags is missing in the target", "column notes.extra is missing in the source"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestOrder(t *testing.T) {
	tables := []acct.CopyTable{
		{Name: "a", References: []string{"c"}},
		{Name: "b"},
		{Name: "c", References: []string{"b", "gone"}},
		{Name: "d", References: []string{"e"}},
		{Name: "e", References: []string{"d"}},
	}
	var names []string
	for _, tb := range storecopy.Order(tables) {
		names = append(names, tb.Name)
	}
	if got := strings.Join(names, " "); got != "b c a d e" {
		t.Errorf("order %s", got)
	}
}

func TestSQLitePostgresRoundTrip(t *testing.T) {
	t.Log(pgtest.Describe())
	ctx := context.Background()
	src, pg, back := openSQLite(t), openPostgres(t), openSQLite(t)
	clock := populate(t, src)
	execSQLite(t, src, extraSQLite...)
	execSQLite(t, back, extraSQLite...)
	pgExec(t, pg, extraPostgres...)
	fillExtra(t, src)
	want := dump(t, src)

	res, err := storecopy.Copy(ctx, src, pg, storecopy.Options{Batch: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.From != "sqlite" || res.To != "postgres" {
		t.Errorf("kinds %s → %s", res.From, res.To)
	}
	counts(t, res)
	onPG := dump(t, pg)
	// Times arrive as the same instants, booleans as booleans.
	if got := onPG["widgets"][0]; got[6] != time.UnixMilli(1767323045123).UTC() || got[5] != true {
		t.Errorf("widget 1 on PostgreSQL: %v", got)
	}
	if got := onPG["widgets"][1][7]; got != time.UnixMilli(253402300799999).UTC() {
		t.Errorf("widget 2's valid_until on PostgreSQL: %v", got)
	}
	for _, name := range []string{"users", "sessions", "audit_events", "widgets", "api_keys"} {
		if a, b := want[name+" (serial)"], onPG[name+" (serial)"]; !reflect.DeepEqual(a, b) {
			t.Errorf("%s counter: SQLite %v, PostgreSQL %v", name, a, b)
		}
	}

	res, err = storecopy.Copy(ctx, pg, back, storecopy.Options{Batch: 1000})
	if err != nil {
		t.Fatal(err)
	}
	counts(t, res)
	sameRows(t, want, dump(t, back))

	// The PostgreSQL copy works on its own, and its sequences were moved.
	checkFresh(t, src, pg, clock)
	pgExec(t, pg, `INSERT INTO widgets (name) VALUES ('new')`)
	if got := maxKey(dump(t, pg)["widgets"]); got != 5 {
		t.Errorf("a new widget on PostgreSQL got id %d, want 5", got)
	}
}

func TestPostgresSameStore(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	a, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := storecopy.Copy(ctx, a, b, storecopy.Options{Force: true}); acct.ErrorCode(err) != acct.CodeInvalid {
		t.Fatalf("err = %v, want invalid", err)
	}
	if _, err := storecopy.Copy(ctx, a, openPostgres(t), storecopy.Options{}); err != nil {
		t.Fatalf("copy between two schemas: %v", err)
	}
}
