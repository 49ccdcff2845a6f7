// Package accttest is the conformance suite that every acct.Service must
// pass: Local over each Store, and the remote client in front of a server.
// Passing it is the proof that the stores are interchangeable.
package accttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// Open returns a fresh, empty Service built with opt (it carries the
// suite's clock and cheap hashing parameters). It is closed by the suite.
type Open func(t *testing.T, opt acct.Options) acct.Service

// Start is the suite's clock start.
var Start = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// FastArgon2 are cheap hashing parameters that keep the suite fast.
var FastArgon2 = acct.Argon2Params{Memory: 64, Time: 1, Threads: 1}

// GoodPassword passes the default policy.
const GoodPassword = "correct horse battery staple"

// env is one test's service, clock and outbox.
type env struct {
	t     *testing.T
	svc   acct.Service
	clock *Clock
	ctx   context.Context
	// notes records the notices the service sends (unless tune replaced
	// the notifier).
	notes *Recorder
}

// newEnv opens a service on a clock stopped at Start, with the suite's
// Secret and a Recorder as its notifier; tune, when not nil, changes the
// options first (session lifetimes, lockout, public URL).
func newEnv(t *testing.T, open Open, tune func(*acct.Options)) *env {
	t.Helper()
	clock := NewClock(Start)
	notes := &Recorder{}
	opt := acct.Options{Now: clock.Now, Argon2: FastArgon2, ScramIterations: acct.MinScramIterations, Actor: "tester", PhoneRegion: "GB",
		Secret: append([]byte(nil), Secret...), Notifier: notes,
		// Cases race up to 50 goroutines: a queue that never refuses
		// them, on any number of CPUs (FullHashPool sets its own).
		HashPool: acct.NewHashPool(0, 256)}
	if tune != nil {
		tune(&opt)
	}
	svc := open(t, opt)
	t.Cleanup(func() { svc.Close() })
	return &env{t: t, svc: svc, clock: clock, ctx: context.Background(), notes: notes}
}

// suiteCase is one group of the suite; tune, when not nil, sets the
// options it needs.
type suiteCase struct {
	name string
	fn   func(*env)
	tune func(*acct.Options)
}

// Run runs the whole suite against the services made by open.
func Run(t *testing.T, open Open) {
	tests := []suiteCase{
		{"RegisterNormalises", testRegisterNormalises, nil},
		{"RegisterInvalid", testRegisterInvalid, nil},
		{"PasswordPolicy", testPasswordPolicy, nil},
		{"Conflicts", testConflicts, nil},
		{"ConcurrentRegister", testConcurrentRegister, nil},
		{"LookupByRef", testLookupByRef, nil},
		{"ListUsers", testListUsers, nil},
		{"Update", testUpdate, nil},
		{"HoldRestorePurge", testHoldRestorePurge, nil},
		{"PurgeAtOnce", testPurgeAtOnce, nil},
		{"Audit", testAudit, nil},
	}
	tests = append(tests, sessionCases...)
	tests = append(tests, reasonCases...)
	tests = append(tests, roleCases...)  // roles.go
	tests = append(tests, batchCases...) // batch.go
	tests = append(tests, limitCases...) // limits.go
	tests = append(tests, holdCases...)  // hold.go
	tests = append(tests, codeCases...)
	tests = append(tests, linkCases...) // links.go
	tests = append(tests, addressCases...)
	tests = append(tests, otpCases...)
	tests = append(tests, referralCases...)     // referrals.go
	tests = append(tests, hashCases...)         // hashes.go
	tests = append(tests, importCases(open)...) // import.go
	tests = append(tests, jobCases...)          // jobs.go
	tests = append(tests, identifierCases...)   // identifiers.go
	tests = append(tests, selfServiceCases...)  // selfservice.go
	tests = append(tests, hashPoolCase())       // hashpool.go
	tests = append(tests, mfaCases...)          // mfa.go
	tests = append(tests, scramCases...)        // scram.go
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(newEnv(t, open, tc.tune)) })
	}
}

func (e *env) register(in acct.NewUser) *acct.User {
	e.t.Helper()
	if in.Password == "" && !in.NoPassword {
		in.Password = GoodPassword
	}
	u, err := e.svc.Register(e.ctx, in)
	if err != nil {
		e.t.Fatalf("register %+v: %v", in, err)
	}
	return u
}

func (e *env) wantCode(err error, code acct.Code, field string) {
	e.t.Helper()
	if got := acct.ErrorCode(err); got != code {
		e.t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
	if field != "" && acct.ErrorField(err) != field {
		e.t.Fatalf("error %v: field %q, want %q", err, acct.ErrorField(err), field)
	}
}

func (e *env) count() int {
	e.t.Helper()
	p, err := e.svc.ListUsers(e.ctx, acct.UserQuery{Limit: acct.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(p.Users)
}

func testRegisterNormalises(e *env) {
	u := e.register(acct.NewUser{Email: "  Alice@Example.COM ", Phone: "07400 123123", Username: "Alice",
		FirstName: " Alice ", LastName: "Liddell", Language: "en-gb", Admin: true})
	want := acct.User{ID: u.ID, Username: "alice", Email: "alice@example.com", Phone: "+447400123123",
		FirstName: "Alice", LastName: "Liddell", Language: "en-GB", Admin: true, Status: acct.StatusActive,
		HasPassword: true, CreatedAt: Start, UpdatedAt: Start,
		ReferralCode: u.ReferralCode} // random; see testReferralCodes
	if u.ID <= 0 || !equalUser(*u, want) {
		e.t.Fatalf("registered %+v\nwant %+v", *u, want)
	}
	got, err := e.svc.User(e.ctx, "alice")
	if err != nil || !equalUser(*got, want) {
		e.t.Fatalf("get: %+v, %v", got, err)
	}
	b, _ := json.Marshal(got)
	for _, bad := range []string{"argon2", `"password"`, "password_hash", "hash\"", "$", GoodPassword} {
		if strings.Contains(string(b), bad) {
			e.t.Fatalf("user JSON %s contains %q", b, bad)
		}
	}
	for _, key := range []string{`"has_password"`, `"failed_logins"`, `"id"`, `"username"`, `"email"`, `"email_verified"`, `"phone"`, `"phone_verified"`,
		`"first_name"`, `"last_name"`, `"language"`, `"admin"`, `"status"`, `"created_at"`, `"updated_at"`} {
		if !strings.Contains(string(b), key) {
			e.t.Errorf("user JSON %s lacks %s", b, key)
		}
	}
	// A phone-only account without a password.
	p := e.register(acct.NewUser{Phone: "+1 415 555 2671", NoPassword: true})
	if p.Phone != "+14155552671" || p.Email != "" || p.HasPassword {
		e.t.Fatalf("phone-only user: %+v", p)
	}
}

func equalUser(a, b acct.User) bool {
	if !equalTimes(a.HoldUntil, b.HoldUntil) || !equalTimes(a.LockedUntil, b.LockedUntil) {
		return false
	}
	a.HoldUntil, b.HoldUntil, a.LockedUntil, b.LockedUntil = nil, nil, nil, nil
	if (a.ReferredBy == nil) != (b.ReferredBy == nil) || (a.ReferredBy != nil && *a.ReferredBy != *b.ReferredBy) {
		return false
	}
	a.ReferredBy, b.ReferredBy = nil, nil
	ac, bc, au, bu := a.CreatedAt, b.CreatedAt, a.UpdatedAt, b.UpdatedAt
	a.CreatedAt, b.CreatedAt, a.UpdatedAt, b.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return a == b && ac.Equal(bc) && au.Equal(bu)
}

// equalTimes reports whether two optional times are both nil or equal.
func equalTimes(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

func testRegisterInvalid(e *env) {
	cases := []struct {
		in    acct.NewUser
		field string
	}{
		{acct.NewUser{}, "email"},
		{acct.NewUser{Email: "not-an-email"}, "email"},
		{acct.NewUser{Email: "Bob <bob@example.com>"}, "email"},
		{acct.NewUser{Email: "bob@localhost"}, "email"},
		{acct.NewUser{Phone: "0000"}, "phone"},
		{acct.NewUser{Phone: "+44 12"}, "phone"},
		{acct.NewUser{Phone: "call me"}, "phone"},
		{acct.NewUser{Email: "a@example.com", Username: "1abc"}, "username"},
		{acct.NewUser{Email: "a@example.com", Username: "ab"}, "username"},
		{acct.NewUser{Email: "a@example.com", Username: "a b c"}, "username"},
		{acct.NewUser{Email: "a@example.com", Language: "not a language"}, "language"},
		{acct.NewUser{Email: "a@example.com", FirstName: "a\x00b"}, "first_name"},
		{acct.NewUser{Email: "a@example.com", LastName: strings.Repeat("x", 101)}, "last_name"},
		{acct.NewUser{Email: "a@example.com", Password: GoodPassword, NoPassword: true}, "password"},
	}
	for _, c := range cases {
		if c.in.Password == "" && !c.in.NoPassword {
			c.in.Password = GoodPassword
		}
		_, err := e.svc.Register(e.ctx, c.in)
		e.wantCode(err, acct.CodeInvalid, c.field)
	}
	_, err := e.svc.Register(e.ctx, acct.NewUser{Email: "a@example.com"})
	e.wantCode(err, acct.CodeInvalid, "password")
	if n := e.count(); n != 0 {
		e.t.Fatalf("%d users written by invalid registrations", n)
	}
}

func testPasswordPolicy(e *env) {
	refused := []string{
		"short pass",                     // 10 code points
		"1qaz2wsx3edc4rfv",               // on the common list (16 characters)
		"1QAZ2WSX3EDC4RFV",               // on the list, in another case
		"xxxxxxxxxxxxxxxxxxxxxxxxxxx",    // one character repeated
		"my name is carroll-the-great",   // contains the username
		"lewis.carroll.writes.books",     // contains the email's local part
		strings.Repeat("abcd", 32) + "e", // 129 characters
		"ééé",
	}
	for _, pw := range refused {
		_, err := e.svc.Register(e.ctx, acct.NewUser{Email: "lewis.carroll@example.com", Username: "carroll", Password: pw})
		e.wantCode(err, acct.CodeRefused, "password")
		if strings.Contains(err.Error(), pw) {
			e.t.Fatalf("error %q repeats the password", err)
		}
	}
	if n := e.count(); n != 0 {
		e.t.Fatalf("%d users written with refused passwords", n)
	}
	// Code points, not bytes: 15 multi-byte characters pass, and 128 is the maximum.
	e.register(acct.NewUser{Email: "u1@example.com", Password: "日本語のパスワードはとても長いです"})
	e.register(acct.NewUser{Email: "u2@example.com", Password: strings.Repeat("abcd", 32)})
	e.register(acct.NewUser{Email: "u3@example.com", Password: "     spaces are fine too     "})
}

func testConflicts(e *env) {
	e.register(acct.NewUser{Email: "dup@example.com", Phone: "+447400123123", Username: "dup"})
	for _, in := range []acct.NewUser{
		{Email: "DUP@Example.com"},
		{Phone: "07400 123123"},
		{Email: "other@example.com", Username: "DUP"},
	} {
		in.Password = GoodPassword
		_, err := e.svc.Register(e.ctx, in)
		field := "email"
		if in.Phone != "" {
			field = "phone"
		} else if in.Username != "" {
			field = "username"
		}
		e.wantCode(err, acct.CodeConflict, field)
	}
	if n := e.count(); n != 1 {
		e.t.Fatalf("%d users after conflicts, want 1", n)
	}
}

func testConcurrentRegister(e *env) {
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			email := "race@example.com"
			if i%2 == 1 {
				email = "RACE@example.COM"
			}
			_, errs[i] = e.svc.Register(e.ctx, acct.NewUser{Email: email, Password: GoodPassword})
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch acct.ErrorCode(err) {
		case "":
			ok++
		case acct.CodeConflict:
		default:
			e.t.Errorf("racing register: %v", err)
		}
	}
	if ok != 1 {
		e.t.Fatalf("%d of %d racing registrations succeeded, want 1", ok, n)
	}
}

func testLookupByRef(e *env) {
	u := e.register(acct.NewUser{Email: "ref@example.com", Phone: "+447400123124", Username: "refuser"})
	for _, ref := range []string{fmt.Sprint(u.ID), "refuser", "RefUser", "ref@example.com", "REF@EXAMPLE.COM",
		"+447400123124", "+44 7400 123124", "07400 123124"} {
		got, err := e.svc.User(e.ctx, ref)
		if err != nil || got.ID != u.ID {
			e.t.Fatalf("lookup %q: %+v, %v", ref, got, err)
		}
	}
	for _, ref := range []string{"999999", "nobody", "nobody@example.com", "+447400123999"} {
		_, err := e.svc.User(e.ctx, ref)
		e.wantCode(err, acct.CodeNotFound, "")
	}
	for _, ref := range []string{"", "  ", "+12"} {
		_, err := e.svc.User(e.ctx, ref)
		e.wantCode(err, acct.CodeInvalid, "user")
	}
}

func testListUsers(e *env) {
	page, err := e.svc.ListUsers(e.ctx, acct.UserQuery{})
	if err != nil || page.Users == nil || len(page.Users) != 0 || page.Next != "" {
		e.t.Fatalf("empty list: %+v, %v", page, err)
	}
	var ids []int64
	for i := 0; i < 7; i++ {
		u := e.register(acct.NewUser{Email: fmt.Sprintf("list%d@example.com", i), FirstName: fmt.Sprintf("Name%d", i)})
		ids = append(ids, u.ID)
	}
	if _, err := e.svc.Unregister(e.ctx, fmt.Sprint(ids[6]), acct.UnregisterOptions{Hold: time.Hour}); err != nil {
		e.t.Fatal(err)
	}
	var got []int64
	cursor := ""
	for pages := 0; ; pages++ {
		p, err := e.svc.ListUsers(e.ctx, acct.UserQuery{Limit: 3, Cursor: cursor})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, u := range p.Users {
			got = append(got, u.ID)
		}
		if p.Next == "" {
			if pages != 2 {
				e.t.Fatalf("%d pages of 3 for 7 users", pages+1)
			}
			break
		}
		cursor = p.Next
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		e.t.Fatalf("paged ids %v, want %v", got, ids)
	}
	p, err := e.svc.ListUsers(e.ctx, acct.UserQuery{Status: acct.StatusHeld})
	if err != nil || len(p.Users) != 1 || p.Users[0].ID != ids[6] {
		e.t.Fatalf("held: %+v, %v", p, err)
	}
	p, err = e.svc.ListUsers(e.ctx, acct.UserQuery{Search: "NAME3"})
	if err != nil || len(p.Users) != 1 || p.Users[0].ID != ids[3] {
		e.t.Fatalf("search: %+v, %v", p, err)
	}
	// Case-insensitive beyond ASCII, in every store.
	elodie := e.register(acct.NewUser{Email: "elodie@example.com", FirstName: "Élodie", LastName: "Ørsted"})
	for _, q := range []string{"élodie", "ÉLODIE", "øRSTED"} {
		p, err = e.svc.ListUsers(e.ctx, acct.UserQuery{Search: q})
		if err != nil || len(p.Users) != 1 || p.Users[0].ID != elodie.ID {
			e.t.Fatalf("search %q: %+v, %v", q, p, err)
		}
	}
	p, err = e.svc.ListUsers(e.ctx, acct.UserQuery{Search: "%"})
	if err != nil || len(p.Users) != 0 {
		e.t.Fatalf("search %%: %+v, %v", p, err)
	}
	// A prefix of a REF (shell completion): the start of the email, not
	// the names nor the middle.
	for q, want := range map[string]int{"ELOD": 1, "lodie": 0, "Ørsted": 0} {
		p, err = e.svc.ListUsers(e.ctx, acct.UserQuery{Search: q, Prefix: true})
		if err != nil || len(p.Users) != want || (want == 1 && p.Users[0].ID != elodie.ID) {
			e.t.Fatalf("prefix %q: %+v, %v, want %d", q, p, err, want)
		}
	}
	_, err = e.svc.ListUsers(e.ctx, acct.UserQuery{Status: "sleeping"})
	e.wantCode(err, acct.CodeInvalid, "status")
	_, err = e.svc.ListUsers(e.ctx, acct.UserQuery{Limit: -1})
	e.wantCode(err, acct.CodeInvalid, "limit")
	_, err = e.svc.ListUsers(e.ctx, acct.UserQuery{Cursor: "garbage"})
	e.wantCode(err, acct.CodeInvalid, "cursor")
}

func ptr[T any](v T) *T { return &v }

func testUpdate(e *env) {
	u := e.register(acct.NewUser{Email: "up@example.com", Username: "upper"})
	e.register(acct.NewUser{Email: "taken@example.com"})
	e.clock.Advance(time.Minute)
	got, err := e.svc.UpdateUser(e.ctx, "upper", acct.UserUpdate{FirstName: ptr("Ada"), Phone: ptr("+44 7400 123125"),
		Language: ptr("fr-ca"), Admin: ptr(true)})
	if err != nil {
		e.t.Fatal(err)
	}
	if got.FirstName != "Ada" || got.Phone != "+447400123125" || got.Language != "fr-CA" || !got.Admin ||
		!got.UpdatedAt.Equal(Start.Add(time.Minute)) || !got.CreatedAt.Equal(Start) || got.Email != "up@example.com" {
		e.t.Fatalf("updated: %+v", got)
	}
	for _, c := range []struct {
		in    acct.UserUpdate
		code  acct.Code
		field string
	}{
		{acct.UserUpdate{}, acct.CodeInvalid, "update"},
		{acct.UserUpdate{Phone: ptr("0000")}, acct.CodeInvalid, "phone"},
		{acct.UserUpdate{Email: ptr("nope")}, acct.CodeInvalid, "email"},
		{acct.UserUpdate{Email: ptr(""), Phone: ptr("")}, acct.CodeInvalid, "email"},
		{acct.UserUpdate{Email: ptr("TAKEN@example.com")}, acct.CodeConflict, "email"},
	} {
		_, err := e.svc.UpdateUser(e.ctx, fmt.Sprint(u.ID), c.in)
		e.wantCode(err, c.code, c.field)
	}
	after, _ := e.svc.User(e.ctx, "upper")
	if !equalUser(*after, *got) {
		e.t.Fatalf("failed updates changed the user: %+v", after)
	}
	_, err = e.svc.UpdateUser(e.ctx, "nobody", acct.UserUpdate{FirstName: ptr("x")})
	e.wantCode(err, acct.CodeNotFound, "")
	// Clearing one of email and phone is fine; the other remains.
	if got, err = e.svc.UpdateUser(e.ctx, "upper", acct.UserUpdate{Email: ptr(""), Username: ptr("")}); err != nil || got.Email != "" || got.Username != "" {
		e.t.Fatalf("clear email: %+v, %v", got, err)
	}
	if _, err := e.svc.Unregister(e.ctx, fmt.Sprint(u.ID), acct.UnregisterOptions{Hold: time.Hour}); err != nil {
		e.t.Fatal(err)
	}
	_, err = e.svc.UpdateUser(e.ctx, fmt.Sprint(u.ID), acct.UserUpdate{FirstName: ptr("x")})
	e.wantCode(err, acct.CodeRefused, "")
}

func testHoldRestorePurge(e *env) {
	u := e.register(acct.NewUser{Email: "hold@example.com", Username: "holder", Phone: "+447400123126"})
	hold := 14 * 24 * time.Hour
	h, err := e.svc.Unregister(e.ctx, "hold@example.com", acct.UnregisterOptions{Hold: hold})
	if err != nil {
		e.t.Fatal(err)
	}
	if h.Status != acct.StatusHeld || h.HoldUntil == nil || !h.HoldUntil.Equal(Start.Add(hold)) {
		e.t.Fatalf("held: %+v", h)
	}
	_, err = e.svc.Unregister(e.ctx, "holder", acct.UnregisterOptions{Hold: hold})
	e.wantCode(err, acct.CodeConflict, "")
	// Still taken while held.
	_, err = e.svc.Register(e.ctx, acct.NewUser{Email: "hold@example.com", Password: GoodPassword})
	e.wantCode(err, acct.CodeConflict, "email")

	r, err := e.svc.Restore(e.ctx, "holder")
	if err != nil || r.Status != acct.StatusActive || r.HoldUntil != nil {
		e.t.Fatalf("restore: %+v, %v", r, err)
	}
	_, err = e.svc.Restore(e.ctx, "holder")
	e.wantCode(err, acct.CodeConflict, "")

	if _, err := e.svc.Unregister(e.ctx, "holder", acct.UnregisterOptions{Hold: hold}); err != nil {
		e.t.Fatal(err)
	}
	e.clock.Advance(hold - time.Second)
	res, err := e.svc.PurgeHeld(e.ctx, acct.PurgeOptions{})
	if err != nil || len(res.Purged) != 0 {
		e.t.Fatalf("purge before the hold ran out: %+v, %v", res, err)
	}
	e.clock.Advance(time.Second)
	res, err = e.svc.PurgeHeld(e.ctx, acct.PurgeOptions{DryRun: true})
	if err != nil || !res.DryRun || fmt.Sprint(res.Purged) != fmt.Sprint([]int64{u.ID}) {
		e.t.Fatalf("dry run: %+v, %v", res, err)
	}
	if g, _ := e.svc.User(e.ctx, "holder"); g == nil || g.Status != acct.StatusHeld {
		e.t.Fatalf("dry run changed the user: %+v", g)
	}
	res, err = e.svc.PurgeHeld(e.ctx, acct.PurgeOptions{})
	if err != nil || res.DryRun || fmt.Sprint(res.Purged) != fmt.Sprint([]int64{u.ID}) {
		e.t.Fatalf("purge: %+v, %v", res, err)
	}
	res, err = e.svc.PurgeHeld(e.ctx, acct.PurgeOptions{})
	if err != nil || len(res.Purged) != 0 {
		e.t.Fatalf("second purge: %+v, %v", res, err)
	}
	checkTombstone(e, u.ID)
	for _, ref := range []string{"holder", "hold@example.com", "+447400123126"} {
		_, err := e.svc.User(e.ctx, ref)
		e.wantCode(err, acct.CodeNotFound, "")
	}
	_, err = e.svc.Restore(e.ctx, fmt.Sprint(u.ID))
	e.wantCode(err, acct.CodeConflict, "")
	again := e.register(acct.NewUser{Email: "HOLD@example.com", Username: "holder", Phone: "+447400123126"})
	if again.ID == u.ID {
		e.t.Fatalf("a purged id was reused")
	}
}

func checkTombstone(e *env, id int64) {
	e.t.Helper()
	g, err := e.svc.User(e.ctx, fmt.Sprint(id))
	if err != nil {
		e.t.Fatal(err)
	}
	want := acct.User{ID: id, Status: acct.StatusDeleted, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
	if !equalUser(*g, want) {
		e.t.Fatalf("tombstone keeps data: %+v", g)
	}
	p, err := e.svc.ListUsers(e.ctx, acct.UserQuery{Status: acct.StatusDeleted})
	if err != nil || len(p.Users) != 1 {
		e.t.Fatalf("deleted list: %+v, %v", p, err)
	}
}

func testPurgeAtOnce(e *env) {
	u := e.register(acct.NewUser{Email: "now@example.com", Username: "nowgone"})
	d, err := e.svc.Unregister(e.ctx, "nowgone", acct.UnregisterOptions{Purge: true})
	if err != nil || d.Status != acct.StatusDeleted || d.Email != "" {
		e.t.Fatalf("purge at once: %+v, %v", d, err)
	}
	checkTombstone(e, u.ID)
	_, err = e.svc.Unregister(e.ctx, fmt.Sprint(u.ID), acct.UnregisterOptions{Purge: true})
	e.wantCode(err, acct.CodeConflict, "")
	_, err = e.svc.Unregister(e.ctx, "nobody", acct.UnregisterOptions{Hold: time.Hour})
	e.wantCode(err, acct.CodeNotFound, "")
	_, err = e.svc.Unregister(e.ctx, fmt.Sprint(u.ID), acct.UnregisterOptions{Hold: -time.Hour})
	e.wantCode(err, acct.CodeInvalid, "hold")
	// A held account can also be erased at once.
	e.register(acct.NewUser{Email: "held@example.com", Username: "heldone"})
	if _, err := e.svc.Unregister(e.ctx, "heldone", acct.UnregisterOptions{Hold: time.Hour}); err != nil {
		e.t.Fatal(err)
	}
	if d, err = e.svc.Unregister(e.ctx, "heldone", acct.UnregisterOptions{Purge: true}); err != nil || d.Status != acct.StatusDeleted {
		e.t.Fatalf("purge a held account: %+v, %v", d, err)
	}
}

func testAudit(e *env) {
	u := e.register(acct.NewUser{Email: "audit@example.com", Username: "audited"})
	e.clock.Advance(time.Hour)
	if _, err := e.svc.UpdateUser(e.ctx, "audited", acct.UserUpdate{FirstName: ptr("Secretive")}); err != nil {
		e.t.Fatal(err)
	}
	_, err := e.svc.Register(e.ctx, acct.NewUser{Email: "AUDIT@example.com", Password: GoodPassword})
	e.wantCode(err, acct.CodeConflict, "email")
	other := e.register(acct.NewUser{Email: "other@example.com"})
	// A REF that names nobody is not kept: it may be personal data.
	_, err = e.svc.UpdateUser(e.ctx, "ghost@example.com", acct.UserUpdate{FirstName: ptr("x")})
	e.wantCode(err, acct.CodeNotFound, "")
	if _, err := e.svc.Unregister(acct.WithActor(e.ctx, "support-bob"), "audited", acct.UnregisterOptions{Hold: time.Hour}); err != nil {
		e.t.Fatal(err)
	}

	evs, err := e.svc.ListEvents(e.ctx, acct.EventQuery{User: "audited"})
	if err != nil {
		e.t.Fatal(err)
	}
	var got []string
	for _, ev := range evs {
		if ev.UserID == nil || *ev.UserID != u.ID {
			e.t.Fatalf("event of another user: %+v", ev)
		}
		got = append(got, fmt.Sprintf("%s/%s/%s", ev.Action, ev.Outcome, ev.Actor))
	}
	want := []string{"user.unregister/ok/support-bob", "user.update/ok/tester", "user.register/ok/tester"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		e.t.Fatalf("events %v, want %v", got, want)
	}
	if !evs[2].At.Equal(Start) || !evs[1].At.Equal(Start.Add(time.Hour)) {
		e.t.Fatalf("event times %v %v", evs[2].At, evs[1].At)
	}

	all, err := e.svc.ListEvents(e.ctx, acct.EventQuery{})
	if err != nil || len(all) != 5 {
		e.t.Fatalf("all events: %d, %v", len(all), err)
	}
	failures := 0
	for _, ev := range all {
		b, _ := json.Marshal(ev)
		for _, secret := range []string{GoodPassword, "argon2", "Secretive", "audit@example.com", "ghost"} {
			if strings.Contains(string(b), secret) {
				e.t.Fatalf("audit event %s holds %q", b, secret)
			}
		}
		if ev.Outcome == acct.OutcomeFailure {
			failures++
		}
	}
	if failures != 1 {
		e.t.Fatalf("%d failure events, want 1 (the conflicting register)", failures)
	}
	if evs, err = e.svc.ListEvents(e.ctx, acct.EventQuery{Action: "user.register"}); err != nil || len(evs) != 3 {
		e.t.Fatalf("by action: %d, %v", len(evs), err)
	}
	if evs, err = e.svc.ListEvents(e.ctx, acct.EventQuery{Action: "user."}); err != nil || len(evs) != 5 {
		e.t.Fatalf("by prefix: %d, %v", len(evs), err)
	}
	if evs, err = e.svc.ListEvents(e.ctx, acct.EventQuery{Since: Start.Add(time.Minute)}); err != nil || len(evs) != 4 {
		e.t.Fatalf("since: %d, %v", len(evs), err)
	}
	if evs, err = e.svc.ListEvents(e.ctx, acct.EventQuery{Limit: 2}); err != nil || len(evs) != 2 || evs[0].Action != acct.ActionUserUnregister {
		e.t.Fatalf("limit: %+v, %v", evs, err)
	}
	if evs, err = e.svc.ListEvents(e.ctx, acct.EventQuery{User: fmt.Sprint(other.ID), Action: "user.update"}); err != nil || len(evs) != 0 || evs == nil {
		e.t.Fatalf("no events: %#v, %v", evs, err)
	}
	_, err = e.svc.ListEvents(e.ctx, acct.EventQuery{User: "nobody"})
	e.wantCode(err, acct.CodeNotFound, "")
	var ae *acct.Error
	if !errors.As(err, &ae) {
		e.t.Fatalf("not an *acct.Error: %T", err)
	}
}
