package accttest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// referralCases are the suite's cases of referral codes, points and the
// pre-registration waiting list.
var referralCases = []suiteCase{
	{"ReferralCodes", testReferralCodes, nil},
	{"Invite", testInvite, nil},
	{"InviteRefused", testInviteRefused, nil},
	{"InvitePointsOptions", testInvitePointsOptions, func(o *acct.Options) {
		o.ReferrerPoints, o.NewUserPoints = new(int64(7)), new(int64(0))
	}},
	{"AddPoints", testAddPoints, nil},
	{"PointsHistoryPages", testPointsHistoryPages, nil},
	{"ConcurrentPoints", testConcurrentPoints, nil},
	{"PointsTombstone", testPointsTombstone, nil},
	{"Preregister", testPreregister, nil},
	{"PreregisterPages", testPreregisterPages, nil},
	{"ConcurrentPreregister", testConcurrentPreregister, nil},
	// prereg.go: every way an email becomes an account's takes it off.
	{"PreregUpdateEmail", testPreregUpdateEmail, nil},
	{"PreregAddAddress", testPreregAddAddress, nil},
	{"PreregImportUpdate", testPreregImportUpdate, nil},
}

// referralCodeForm is 8 characters of Crockford base32.
var referralCodeForm = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{8}$`)

func (e *env) points(ref string) int64 {
	e.t.Helper()
	b, err := e.svc.Points(e.ctx, ref)
	if err != nil {
		e.t.Fatalf("points %s: %v", ref, err)
	}
	return b.Points
}

func (e *env) history(ref string) []acct.PointsEntry {
	e.t.Helper()
	p, err := e.svc.PointsHistory(e.ctx, acct.PointsQuery{User: ref, Limit: acct.MaxPageSize})
	if err != nil {
		e.t.Fatalf("points history %s: %v", ref, err)
	}
	if p.Next != "" {
		e.t.Fatalf("points history %s: a next page after %d entries", ref, len(p.Entries))
	}
	return p.Entries
}

func (e *env) addPoints(ref string, delta int64, reason string) *acct.PointsEntry {
	e.t.Helper()
	pe, err := e.svc.AddPoints(e.ctx, acct.PointsChange{User: ref, Delta: delta, Reason: reason})
	if err != nil {
		e.t.Fatalf("add %+d points to %s: %v", delta, ref, err)
	}
	return pe
}

// wantEntry checks one ledger row.
func (e *env) wantEntry(got acct.PointsEntry, userID, delta, balance int64, reason string) {
	e.t.Helper()
	if got.ID <= 0 || got.UserID != userID || got.Delta != delta || got.Balance != balance ||
		!strings.Contains(got.Reason, reason) || got.Actor != "tester" || !got.At.Equal(e.clock.Now()) {
		e.t.Errorf("ledger row %+v, want user %d, %+d, balance %d, reason with %q, by tester at %s",
			got, userID, delta, balance, reason, e.clock.Now())
	}
}

// testReferralCodes checks that every account gets a code of its own,
// shown with the account and in its JSON, and that an account registered
// without an invite has no referrer and no points.
func testReferralCodes(e *env) {
	seen := map[string]bool{}
	for i := range 20 {
		u := e.register(acct.NewUser{Email: fmt.Sprintf("u%d@example.com", i), NoPassword: true})
		if !referralCodeForm.MatchString(u.ReferralCode) || seen[u.ReferralCode] {
			e.t.Fatalf("user %d: referral code %q (seen %v)", u.ID, u.ReferralCode, seen[u.ReferralCode])
		}
		seen[u.ReferralCode] = true
		if u.ReferredBy != nil || u.Points != 0 {
			e.t.Fatalf("user %d without invite: referred by %v, %d points", u.ID, u.ReferredBy, u.Points)
		}
		if got := e.user(u.Email); got.ReferralCode != u.ReferralCode {
			e.t.Fatalf("user %d: code %q on register, %q on get", u.ID, u.ReferralCode, got.ReferralCode)
		}
	}
	b, _ := json.Marshal(e.user("u0@example.com"))
	for _, key := range []string{`"referral_code":"`, `"points":0`} {
		if !strings.Contains(string(b), key) {
			e.t.Errorf("user JSON %s lacks %s", b, key)
		}
	}
	if strings.Contains(string(b), "referred_by") {
		e.t.Errorf("user JSON %s has referred_by without a referrer", b)
	}
	p, err := e.svc.ListUsers(e.ctx, acct.UserQuery{})
	if err != nil || len(p.Users) != 20 || !seen[p.Users[3].ReferralCode] {
		e.t.Fatalf("list: %+v, %v", p, err)
	}
}

// testInvite registers with another account's code, written the way
// people write it: the referrer is recorded, both get the default points
// with a ledger row each, and the audit trail has both awards.
func testInvite(e *env) {
	alice := e.register(acct.NewUser{Email: "alice@example.com", Username: "alice"})
	e.to(time.Minute)
	code := strings.ToLower(alice.ReferralCode[:4] + "-" + alice.ReferralCode[4:])
	bob := e.register(acct.NewUser{Email: "bob@example.com", Username: "bob", Invite: " " + code + " "})
	if bob.ReferredBy == nil || *bob.ReferredBy != alice.ID || bob.Points != acct.DefaultNewUserPoints {
		e.t.Fatalf("invited user: referred by %v, %d points; want %d, %d", bob.ReferredBy, bob.Points, alice.ID, acct.DefaultNewUserPoints)
	}
	if bob.ReferralCode == alice.ReferralCode || !referralCodeForm.MatchString(bob.ReferralCode) {
		e.t.Fatalf("invited user's own code %q", bob.ReferralCode)
	}
	if got := e.user("bob"); got.ReferredBy == nil || *got.ReferredBy != alice.ID || got.Points != acct.DefaultNewUserPoints {
		e.t.Fatalf("invited user read back: %+v", got)
	}
	if got := e.user("alice"); got.Points != acct.DefaultReferrerPoints || got.ReferredBy != nil {
		e.t.Fatalf("referrer: %+v", got)
	}
	bal, err := e.svc.Points(e.ctx, "bob")
	if err != nil || bal.UserID != bob.ID || bal.Points != acct.DefaultNewUserPoints || bal.ReferralCode != bob.ReferralCode ||
		bal.ReferredBy == nil || *bal.ReferredBy != alice.ID {
		e.t.Fatalf("points of bob: %+v, %v", bal, err)
	}
	ha, hb := e.history("alice"), e.history("bob")
	if len(ha) != 1 || len(hb) != 1 {
		e.t.Fatalf("ledgers: alice %+v, bob %+v", ha, hb)
	}
	e.wantEntry(ha[0], alice.ID, acct.DefaultReferrerPoints, acct.DefaultReferrerPoints, fmt.Sprintf("user %d", bob.ID))
	e.wantEntry(hb[0], bob.ID, acct.DefaultNewUserPoints, acct.DefaultNewUserPoints, fmt.Sprintf("user %d", alice.ID))
	for _, ref := range []string{"alice", "bob"} {
		if _, count := e.events(ref); count["points.award/ok/tester"] != 1 {
			e.t.Errorf("%s: events %v, want one points.award", ref, count)
		}
	}
	b, _ := json.Marshal(e.user("bob"))
	if !strings.Contains(string(b), fmt.Sprintf(`"referred_by":%d`, alice.ID)) ||
		!strings.Contains(string(b), fmt.Sprintf(`"points":%d`, acct.DefaultNewUserPoints)) {
		e.t.Errorf("user JSON %s", b)
	}
	// A second invitee adds to the referrer's balance.
	e.register(acct.NewUser{Phone: "+447400123001", NoPassword: true, Invite: alice.ReferralCode})
	if n := e.points("alice"); n != 2*acct.DefaultReferrerPoints {
		e.t.Errorf("referrer after two invitees: %d points", n)
	}
}

// testInviteRefused checks that a code that is malformed, unknown, or of
// an account on hold or erased creates nothing and awards nothing.
func testInviteRefused(e *env) {
	alice := e.register(acct.NewUser{Email: "alice@example.com", Username: "alice"})
	held := e.register(acct.NewUser{Email: "held@example.com", Username: "held"})
	gone := e.register(acct.NewUser{Email: "gone@example.com", Username: "gone"})
	if _, err := e.svc.Unregister(e.ctx, "held", acct.UnregisterOptions{Hold: time.Hour}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.Unregister(e.ctx, "gone", acct.UnregisterOptions{Purge: true}); err != nil {
		e.t.Fatal(err)
	}
	unknown := "ZZZZZZZZ"
	if alice.ReferralCode == unknown {
		unknown = "YYYYYYYY"
	}
	_, before := e.events("")
	for _, c := range []struct {
		code  string
		want  acct.Code
		field string
	}{
		{unknown, acct.CodeNotFound, "invite"},
		{"ABC", acct.CodeInvalid, "invite"},
		{alice.ReferralCode + "X", acct.CodeInvalid, "invite"},
		{"ABCD!EFG", acct.CodeInvalid, "invite"},
		{held.ReferralCode, acct.CodeRefused, "invite"},
		{gone.ReferralCode, acct.CodeNotFound, "invite"},
	} {
		_, err := e.svc.Register(e.ctx, acct.NewUser{Email: "new@example.com", Password: GoodPassword, Invite: c.code})
		e.wantCode(err, c.want, c.field)
	}
	if _, err := e.svc.User(e.ctx, "new@example.com"); !acct.IsCode(err, acct.CodeNotFound) {
		e.t.Fatalf("a refused invite created the account: %v", err)
	}
	for _, ref := range []string{"alice", fmt.Sprint(held.ID), fmt.Sprint(gone.ID)} {
		if n := e.points(ref); n != 0 {
			e.t.Errorf("%s has %d points after refused invites", ref, n)
		}
		if h := e.history(ref); len(h) != 0 {
			e.t.Errorf("%s: ledger %+v after refused invites", ref, h)
		}
	}
	_, after := e.events("")
	for k, n := range after {
		if strings.HasPrefix(k, "points.") || (strings.HasPrefix(k, "user.register/ok") && n != before[k]) {
			e.t.Errorf("events after refused invites: %v", after)
		}
	}
}

// testInvitePointsOptions: the referrer gets Options.ReferrerPoints, and
// a new user with NewUserPoints 0 gets no points and no ledger row, but
// the referrer is recorded.
func testInvitePointsOptions(e *env) {
	alice := e.register(acct.NewUser{Email: "alice@example.com", Username: "alice"})
	bob := e.register(acct.NewUser{Email: "bob@example.com", Invite: alice.ReferralCode})
	if bob.Points != 0 || bob.ReferredBy == nil || *bob.ReferredBy != alice.ID || len(e.history("bob@example.com")) != 0 {
		e.t.Fatalf("invitee with no new-user points: %+v, ledger %+v", bob, e.history("bob@example.com"))
	}
	if n := e.points("alice"); n != 7 {
		e.t.Fatalf("referrer: %d points, want 7", n)
	}
}

// testAddPoints checks an operator's changes: the ledger row, the audit
// events, that a balance never goes below 0, and the refusals.
func testAddPoints(e *env) {
	u := e.register(acct.NewUser{Email: "pts@example.com", Username: "pts"})
	e.to(time.Minute)
	pe := e.addPoints("pts", 25, "  welcome bonus ")
	e.wantEntry(*pe, u.ID, 25, 25, "welcome bonus")
	if pe.Reason != "welcome bonus" {
		e.t.Errorf("reason %q, want it trimmed", pe.Reason)
	}
	e.to(2 * time.Minute)
	_, err := e.svc.AddPoints(e.ctx, acct.PointsChange{User: "pts", Delta: -26, Reason: "too much"})
	e.wantCode(err, acct.CodeRefused, "")
	if n := e.points("pts"); n != 25 {
		e.t.Fatalf("balance after a refused change: %d", n)
	}
	pe = e.addPoints("pts@example.com", -25, "spent")
	e.wantEntry(*pe, u.ID, -25, 0, "spent")
	_, err = e.svc.AddPoints(e.ctx, acct.PointsChange{User: "pts", Delta: -1, Reason: "overdraw"})
	e.wantCode(err, acct.CodeRefused, "")

	for _, c := range []struct {
		in    acct.PointsChange
		code  acct.Code
		field string
	}{
		{acct.PointsChange{User: "pts", Delta: 0, Reason: "nothing"}, acct.CodeInvalid, "delta"},
		{acct.PointsChange{User: "pts", Delta: acct.MaxPointsDelta + 1, Reason: "huge"}, acct.CodeInvalid, "delta"},
		{acct.PointsChange{User: "pts", Delta: -acct.MaxPointsDelta - 1, Reason: "huge"}, acct.CodeInvalid, "delta"},
		{acct.PointsChange{User: "pts", Delta: 1}, acct.CodeInvalid, "reason"},
		{acct.PointsChange{User: "pts", Delta: 1, Reason: "   "}, acct.CodeInvalid, "reason"},
		{acct.PointsChange{User: "pts", Delta: 1, Reason: "a\x00b"}, acct.CodeInvalid, "reason"},
		{acct.PointsChange{User: "pts", Delta: 1, Reason: strings.Repeat("x", acct.MaxNoteLength+1)}, acct.CodeInvalid, "reason"},
		{acct.PointsChange{User: "nobody", Delta: 1, Reason: "x"}, acct.CodeNotFound, ""},
	} {
		_, err := e.svc.AddPoints(e.ctx, c.in)
		e.wantCode(err, c.code, c.field)
	}
	h := e.history("pts")
	if len(h) != 2 || h[0].Delta != -25 || h[1].Delta != 25 {
		e.t.Fatalf("history %+v, want the two changes, newest first", h)
	}
	_, count := e.events("pts")
	if count["points.add/ok/tester"] != 2 || count["points.add/failure/tester"] != 2 {
		e.t.Errorf("events %v, want 2 points.add ok and 2 failures", count)
	}

	// An account on hold gets no points; restored, it does.
	if _, err := e.svc.Unregister(e.ctx, "pts", acct.UnregisterOptions{Hold: time.Hour}); err != nil {
		e.t.Fatal(err)
	}
	_, err = e.svc.AddPoints(e.ctx, acct.PointsChange{User: "pts", Delta: 1, Reason: "held"})
	e.wantCode(err, acct.CodeRefused, "")
	if _, err := e.svc.Restore(e.ctx, "pts"); err != nil {
		e.t.Fatal(err)
	}
	e.addPoints("pts", 1, "back")
	// A locked account keeps its points and may get more.
	if _, err := e.svc.LockUser(e.ctx, "pts", acct.LockOptions{}); err != nil {
		e.t.Fatal(err)
	}
	e.addPoints("pts", 1, "while locked")
	if n := e.points("pts"); n != 2 {
		e.t.Errorf("balance %d, want 2", n)
	}
	if _, err := e.svc.PointsHistory(e.ctx, acct.PointsQuery{User: "nobody"}); !acct.IsCode(err, acct.CodeNotFound) {
		e.t.Errorf("history of nobody: %v", err)
	}
}

// testPointsHistoryPages pages through a ledger, newest first.
func testPointsHistoryPages(e *env) {
	e.register(acct.NewUser{Email: "pages@example.com"})
	for i := 1; i <= 7; i++ {
		e.clock.Advance(time.Second)
		e.addPoints("pages@example.com", int64(i), fmt.Sprintf("step %d", i))
	}
	var got []int64
	q := acct.PointsQuery{User: "pages@example.com", Limit: 3}
	for pages := 0; ; pages++ {
		if pages > 3 {
			e.t.Fatal("too many pages")
		}
		p, err := e.svc.PointsHistory(e.ctx, q)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, pe := range p.Entries {
			got = append(got, pe.Delta)
		}
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
	if fmt.Sprint(got) != "[7 6 5 4 3 2 1]" {
		e.t.Errorf("deltas over the pages: %v", got)
	}
	h := e.history("pages@example.com")
	if h[0].Balance != 28 || h[6].Balance != 1 || !h[0].At.After(h[6].At) {
		e.t.Errorf("ledger %+v", h)
	}
	for _, c := range []acct.PointsQuery{
		{User: "pages@example.com", Cursor: "x"},
		{User: "pages@example.com", Cursor: "-1"},
		{User: "pages@example.com", Limit: -1},
	} {
		_, err := e.svc.PointsHistory(e.ctx, c)
		e.wantCode(err, acct.CodeInvalid, "")
	}
	// An account without changes has an empty ledger, not an error.
	e.register(acct.NewUser{Email: "none@example.com"})
	p, err := e.svc.PointsHistory(e.ctx, acct.PointsQuery{User: "none@example.com"})
	if err != nil || p.Entries == nil || len(p.Entries) != 0 || p.Next != "" {
		e.t.Errorf("empty ledger: %+v, %v", p, err)
	}
}

// testConcurrentPoints changes one balance from 16 goroutines at once:
// every addition counts, and of the subtractions exactly as many succeed
// as the balance allows; the ledger's balances are each handed out once.
func testConcurrentPoints(e *env) {
	u := e.register(acct.NewUser{Email: "race@example.com"})
	const n, each = 16, 4
	run := func(delta int64) (ok, refused int) {
		start := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i := range n {
			wg.Go(func() {
				<-start
				for range each {
					_, err := e.svc.AddPoints(e.ctx, acct.PointsChange{User: "race@example.com", Delta: delta, Reason: "race"})
					mu.Lock()
					switch {
					case err == nil:
						ok++
					case acct.IsCode(err, acct.CodeRefused):
						refused++
					default:
						e.t.Errorf("racer %d: %v", i, err)
					}
					mu.Unlock()
				}
			})
		}
		close(start)
		wg.Wait()
		return ok, refused
	}
	if ok, refused := run(+3); ok != n*each || refused != 0 {
		e.t.Fatalf("additions: %d ok, %d refused; want %d ok", ok, refused, n*each)
	}
	if got := e.points("race@example.com"); got != 3*n*each {
		e.t.Fatalf("balance %d after %d additions of 3", got, n*each)
	}
	// 192 points, 64 subtractions of 5: 38 fit (190), 26 are refused.
	if ok, refused := run(-5); ok != 38 || refused != 26 {
		e.t.Fatalf("subtractions: %d ok, %d refused; want 38 and 26", ok, refused)
	}
	if got := e.points("race@example.com"); got != 2 {
		e.t.Fatalf("balance %d, want 2", got)
	}
	h := e.history("race@example.com")
	if len(h) != n*each+38 {
		e.t.Fatalf("%d ledger rows, want %d", len(h), n*each+38)
	}
	balance := int64(2)
	for i, pe := range h { // newest first: each row's balance follows from the next
		if pe.Balance != balance || pe.UserID != u.ID {
			e.t.Fatalf("ledger row %d: %+v, want balance %d", i, pe, balance)
		}
		balance -= pe.Delta
	}
	if balance != 0 {
		e.t.Fatalf("the ledger starts at %d, want 0", balance)
	}
}

// testPointsTombstone: an erased account keeps its balance and its
// ledger (the bookkeeping of the trail), but no referral code or
// referrer, and gets no more points.
func testPointsTombstone(e *env) {
	alice := e.register(acct.NewUser{Email: "alice@example.com"})
	bob := e.register(acct.NewUser{Email: "bob@example.com", Invite: alice.ReferralCode})
	d, err := e.svc.Unregister(e.ctx, "bob@example.com", acct.UnregisterOptions{Purge: true})
	if err != nil || d.ReferralCode != "" || d.ReferredBy != nil || d.Points != acct.DefaultNewUserPoints {
		e.t.Fatalf("erased: %+v, %v", d, err)
	}
	got := e.user(fmt.Sprint(bob.ID))
	if got.ReferralCode != "" || got.ReferredBy != nil || got.Points != acct.DefaultNewUserPoints {
		e.t.Fatalf("tombstone: %+v", got)
	}
	if h := e.history(fmt.Sprint(bob.ID)); len(h) != 1 {
		e.t.Fatalf("tombstone's ledger: %+v", h)
	}
	_, err = e.svc.AddPoints(e.ctx, acct.PointsChange{User: fmt.Sprint(bob.ID), Delta: 1, Reason: "x"})
	e.wantCode(err, acct.CodeConflict, "")
	_, err = e.svc.Register(e.ctx, acct.NewUser{Email: "carol@example.com", Password: GoodPassword, Invite: bob.ReferralCode})
	e.wantCode(err, acct.CodeNotFound, "invite")
	if n := e.points(fmt.Sprint(alice.ID)); n != acct.DefaultReferrerPoints {
		e.t.Errorf("referrer of an erased account: %d points", n)
	}
}

// testPreregister checks the waiting list: normal form, the conflicts,
// that registering takes an address off, and the audit trail, which
// never names the address of a non-user.
func testPreregister(e *env) {
	p, err := e.svc.Preregister(e.ctx, "  Carol@Example.COM ")
	if err != nil || p.ID <= 0 || p.Email != "carol@example.com" || !p.CreatedAt.Equal(Start) || p.CreatedBy != "tester" {
		e.t.Fatalf("preregister: %+v, %v", p, err)
	}
	_, err = e.svc.Preregister(e.ctx, "carol@example.com")
	e.wantCode(err, acct.CodeConflict, "email")
	e.register(acct.NewUser{Email: "dave@example.com", Username: "dave"})
	_, err = e.svc.Preregister(e.ctx, "DAVE@example.com")
	e.wantCode(err, acct.CodeConflict, "email")
	for _, bad := range []string{"", "   ", "not-an-email", "Carol <carol@example.com>"} {
		_, err = e.svc.Preregister(e.ctx, bad)
		e.wantCode(err, acct.CodeInvalid, "email")
	}
	e.preregistered("carol@example.com")

	// An extra address of an account is an account's address too.
	if _, err := e.svc.AddAddress(e.ctx, acct.NewAddress{User: "dave", Kind: acct.AddressEmail, Value: "dave.extra@example.com"}); err != nil {
		e.t.Fatal(err)
	}
	_, err = e.svc.Preregister(e.ctx, "Dave.Extra@example.com")
	e.wantCode(err, acct.CodeConflict, "email")
	e.preregistered("carol@example.com")

	// An account on hold still owns its address; an erased one frees it.
	e.register(acct.NewUser{Email: "held@example.com", Username: "held"})
	if _, err := e.svc.Unregister(e.ctx, "held", acct.UnregisterOptions{Hold: time.Hour}); err != nil {
		e.t.Fatal(err)
	}
	_, err = e.svc.Preregister(e.ctx, "held@example.com")
	e.wantCode(err, acct.CodeConflict, "email")
	if _, err := e.svc.Unregister(e.ctx, "held", acct.UnregisterOptions{Purge: true}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.Preregister(e.ctx, "held@example.com"); err != nil {
		e.t.Fatalf("preregister an erased account's address: %v", err)
	}
	e.preregistered("carol@example.com", "held@example.com")

	e.to(time.Hour)
	carol := e.register(acct.NewUser{Email: "CAROL@example.com", Username: "carol"})
	e.preregistered("held@example.com")
	_, count := e.events("carol")
	if count["prereg.remove/ok/tester"] != 1 {
		e.t.Errorf("carol's events: %v, want one prereg.remove", count)
	}
	// Registering an address that is not on the list changes nothing.
	e.register(acct.NewUser{Email: "erin@example.com"})
	e.preregistered("held@example.com")
	// A registration that fails leaves the address on the list.
	_, err = e.svc.Register(e.ctx, acct.NewUser{Email: "held@example.com", Username: "carol", Password: GoodPassword})
	e.wantCode(err, acct.CodeConflict, "username")
	e.preregistered("held@example.com")

	// An operator takes an address off the list.
	rm, err := e.svc.RemovePreregistration(e.ctx, " HELD@example.com")
	if err != nil || rm.Email != "held@example.com" || rm.ID <= 0 || rm.CreatedBy != "tester" || !rm.CreatedAt.Equal(Start) {
		e.t.Fatalf("remove: %+v, %v", rm, err)
	}
	e.preregistered()
	_, err = e.svc.RemovePreregistration(e.ctx, "held@example.com")
	e.wantCode(err, acct.CodeNotFound, "email")
	_, err = e.svc.RemovePreregistration(e.ctx, "not an address")
	e.wantCode(err, acct.CodeInvalid, "email")

	evs, count := e.events("")
	if count["prereg.add/ok/tester"] != 2 || count["prereg.remove/ok/tester"] != 2 {
		e.t.Errorf("events %v, want 2 prereg.add and 2 prereg.remove", count)
	}
	for _, ev := range evs {
		if strings.Contains(ev.Detail, "carol@") || strings.Contains(ev.Detail, "held@") {
			if ev.UserID == nil || *ev.UserID != carol.ID {
				e.t.Errorf("audit event names an address: %+v", ev)
			}
		}
		if ev.Action == acct.ActionPreregAdd && ev.UserID != nil {
			e.t.Errorf("prereg.add names an account: %+v", ev)
		}
	}
}

// preregistered checks the whole waiting list.
func (e *env) preregistered(want ...string) {
	e.t.Helper()
	p, err := e.svc.ListPreregistrations(e.ctx, acct.PreregQuery{Limit: acct.MaxPageSize})
	if err != nil || p.Next != "" || p.Preregistrations == nil {
		e.t.Fatalf("list preregistrations: %+v, %v", p, err)
	}
	var got []string
	for _, pr := range p.Preregistrations {
		got = append(got, pr.Email)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		e.t.Fatalf("waiting list %v, want %v", got, want)
	}
}

func testPreregisterPages(e *env) {
	p, err := e.svc.ListPreregistrations(e.ctx, acct.PreregQuery{})
	if err != nil || p.Preregistrations == nil || len(p.Preregistrations) != 0 || p.Next != "" {
		e.t.Fatalf("empty list: %+v, %v", p, err)
	}
	for i := range 7 {
		if _, err := e.svc.Preregister(e.ctx, fmt.Sprintf("w%d@example.com", i)); err != nil {
			e.t.Fatal(err)
		}
	}
	var got []string
	q := acct.PreregQuery{Limit: 3}
	for pages := 0; ; pages++ {
		if pages > 3 {
			e.t.Fatal("too many pages")
		}
		p, err := e.svc.ListPreregistrations(e.ctx, q)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, pr := range p.Preregistrations {
			got = append(got, strings.TrimSuffix(pr.Email, "@example.com"))
		}
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
	if fmt.Sprint(got) != "[w0 w1 w2 w3 w4 w5 w6]" {
		e.t.Errorf("over the pages: %v", got)
	}
	for _, c := range []acct.PreregQuery{{Cursor: "x"}, {Cursor: "-2"}, {Limit: acct.MaxPageSize + 1}} {
		_, err := e.svc.ListPreregistrations(e.ctx, c)
		e.wantCode(err, acct.CodeInvalid, "")
	}
}

// testConcurrentPreregister: of 16 racing pre-registrations of one
// address exactly one succeeds; and a pre-registration racing the
// registration of the same address never leaves both an account and an
// entry on the list.
func testConcurrentPreregister(e *env) {
	const n = 16
	start := make(chan struct{})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = e.svc.Preregister(e.ctx, "same@example.com")
		})
	}
	close(start)
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !acct.IsCode(err, acct.CodeConflict):
			e.t.Errorf("racer %d: %v", i, err)
		}
	}
	if ok != 1 {
		e.t.Fatalf("%d of %d racing pre-registrations succeeded", ok, n)
	}

	const rounds = 20
	for r := range rounds {
		email := fmt.Sprintf("r%d@example.com", r)
		start := make(chan struct{})
		var regErr, preErr error
		var wg sync.WaitGroup
		wg.Go(func() {
			<-start
			_, regErr = e.svc.Register(e.ctx, acct.NewUser{Email: email, NoPassword: true})
		})
		wg.Go(func() {
			<-start
			_, preErr = e.svc.Preregister(e.ctx, email)
		})
		close(start)
		wg.Wait()
		if regErr != nil {
			e.t.Fatalf("round %d: register: %v", r, regErr)
		}
		if preErr != nil && !acct.IsCode(preErr, acct.CodeConflict) {
			e.t.Fatalf("round %d: preregister: %v", r, preErr)
		}
	}
	p, err := e.svc.ListPreregistrations(e.ctx, acct.PreregQuery{Limit: acct.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, pr := range p.Preregistrations {
		if pr.Email != "same@example.com" {
			e.t.Errorf("%s is on the waiting list and has an account", pr.Email)
		}
	}
}
