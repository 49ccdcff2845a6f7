package accttest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// importCases are the suite's cases of bulk import and export; the round
// trip opens a second, empty service with open.
func importCases(open Open) []suiteCase {
	return []suiteCase{
		{"ImportCreates", testImportCreates, nil},
		{"ImportRejects", testImportRejects, nil},
		{"ImportPrepared", testImportPrepared, nil},
		{"ImportConflicts", testImportConflicts, nil},
		{"ImportUpdate", testImportUpdate, nil},
		{"ImportRerunSkip", testImportRerunSkip, nil},
		{"ImportDryRun", testImportDryRun, nil},
		{"ImportAuditsEveryBatch", testImportAuditsEveryBatch, nil},
		{"ImportReferrals", testImportReferrals, nil},
		{"ImportRacesPreregister", testImportRacesPreregister, nil},
		{"ExportPages", testExportPages, nil},
		{"ExportRoundTrip", func(e *env) { testExportRoundTrip(e, open) }, nil},
	}
}

func (e *env) importBatch(mode acct.OnConflict, dry bool, rows ...acct.ImportRow) *acct.ImportResult {
	e.t.Helper()
	res, err := e.svc.ImportUsers(e.ctx, acct.ImportBatch{Rows: rows, OnConflict: mode, DryRun: dry})
	if err != nil {
		e.t.Fatalf("import: %v", err)
	}
	return res
}

func wantCounts(t *testing.T, res *acct.ImportResult, read, created, updated, skipped, rejected int) {
	t.Helper()
	if res.Read != read || res.Created != created || res.Updated != updated || res.Skipped != skipped || len(res.Rejected) != rejected {
		t.Fatalf("result %+v: want read %d, created %d, updated %d, skipped %d, rejected %d",
			res, read, created, updated, skipped, rejected)
	}
}

func testImportCreates(e *env) {
	hash, err := acct.HashPassword("an imported passphrase of old", FastArgon2, bytes.NewReader(make([]byte, 64)))
	if err != nil {
		e.t.Fatal(err)
	}
	created := Start.Add(-400 * 24 * time.Hour)
	res := e.importBatch("", false,
		acct.ImportRow{Line: 2, Username: new("Alice"), Email: new(" Alice@Example.COM"), Phone: new("07400 123123"),
			FirstName: new(" Alice "), LastName: new("Liddell"), Language: new("en-gb"), Admin: new(true),
			EmailVerified: new(true), CreatedAt: &created, Password: GoodPassword, Points: new(int64(42)),
			ReferralCode: new("abcd-efgh"),
			Addresses:    []acct.Address{{Kind: acct.AddressEmail, Value: "Alice@Work.example", Verified: true}}},
		acct.ImportRow{Line: 3, Email: new("bob@example.com"), PasswordHash: hash, Status: new(acct.StatusPending)},
		acct.ImportRow{Line: 4, Foreign: new("GitHub:4242"), HasPassword: new(false)},
	)
	wantCounts(e.t, res, 3, 3, 0, 0, 0)
	if res.DryRun {
		e.t.Fatalf("dry run: %+v", res)
	}

	a := e.user("alice")
	want := acct.User{ID: a.ID, Username: "alice", Email: "alice@example.com", EmailVerified: true, Phone: "+447400123123",
		FirstName: "Alice", LastName: "Liddell", Language: "en-GB", Admin: true, Status: acct.StatusActive,
		HasPassword: true, CreatedAt: created, UpdatedAt: Start, ReferralCode: "ABCDEFGH", Points: 42}
	if !equalUser(*a, want) {
		e.t.Fatalf("imported %+v\nwant %+v", *a, want)
	}
	// Every address in the table: the primary ones as Register makes
	// them, the extra one as given.
	as := e.addresses("alice", "")
	if len(as) != 3 || as[0].Value != "alice@example.com" || !as[0].Primary || !as[0].Verified ||
		!as[0].CreatedAt.Equal(created) || as[0].VerifiedAt == nil || !as[0].VerifiedAt.Equal(created) ||
		as[1].Value != "alice@work.example" || as[1].Primary || !as[1].Verified || !as[1].CreatedAt.Equal(created) ||
		as[2].Value != "+447400123123" || !as[2].Primary || as[2].Verified {
		e.t.Fatalf("addresses: %+v", as)
	}
	if got := e.user("alice@work.example"); got.ID != a.ID {
		e.t.Fatalf("the extra address names %d", got.ID)
	}
	// The balance has its ledger row.
	if h := e.history("alice"); len(h) != 1 || h[0].Delta != 42 || h[0].Balance != 42 || h[0].Reason != "imported balance" {
		e.t.Fatalf("ledger: %+v", h)
	}
	// The plain password was hashed; the imported hash opens too.
	if _, err := e.svc.Login(e.ctx, acct.Login{Ref: "alice", Password: GoodPassword}); err != nil {
		e.t.Fatalf("login alice: %v", err)
	}
	b := e.user("bob@example.com")
	if b.Status != acct.StatusPending || !b.HasPassword || !referralCodeForm.MatchString(b.ReferralCode) || !b.CreatedAt.Equal(Start) {
		e.t.Fatalf("bob: %+v", b)
	}
	if err := e.svc.VerifyPassword(e.ctx, "bob@example.com", "an imported passphrase of old"); err != nil {
		e.t.Fatalf("bob's imported hash: %v", err)
	}
	c := e.user("github:4242")
	if c.HasPassword || c.Email != "" || c.Foreign != "github:4242" {
		e.t.Fatalf("foreign: %+v", c)
	}
	// One audit event for the batch, none per account.
	evs, err := e.svc.ListEvents(e.ctx, acct.EventQuery{Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	var imports []acct.Event
	for _, ev := range evs {
		switch ev.Action {
		case acct.ActionUserImport:
			imports = append(imports, ev)
		case acct.ActionUserRegister, acct.ActionPointsAward, acct.ActionPointsAdd:
			e.t.Errorf("event per account: %+v", ev)
		}
	}
	wantDetail := fmt.Sprintf("imported 3 users: created 3 (ids %d-%d), updated 0, skipped 0, rejected 0", a.ID, c.ID)
	if len(imports) != 1 || imports[0].Detail != wantDetail || imports[0].UserID != nil || imports[0].Actor != "tester" {
		e.t.Fatalf("import events %+v, want one with %q", imports, wantDetail)
	}
	for _, bad := range []string{"alice", "example.com", GoodPassword, "argon2"} {
		if strings.Contains(imports[0].Detail, bad) {
			e.t.Errorf("audit detail %q contains %q", imports[0].Detail, bad)
		}
	}
}

func testImportRejects(e *env) {
	held := Start.Add(time.Hour)
	res := e.importBatch("", false,
		acct.ImportRow{Email: new("ok1@example.com"), Password: GoodPassword},
		acct.ImportRow{Email: new("not an address")},
		acct.ImportRow{Email: new("weak@example.com"), Password: "short"},
		acct.ImportRow{Email: new("both@example.com"), Password: GoodPassword, PasswordHash: "$2b$10$x"},
		acct.ImportRow{Email: new("badhash@example.com"), PasswordHash: "md5:abcdef"},
		acct.ImportRow{Email: new("gone@example.com"), Status: new(acct.StatusDeleted)},
		acct.ImportRow{Email: new("held@example.com"), Status: new(acct.StatusHeld)},
		acct.ImportRow{Email: new("nopw@example.com"), HasPassword: new(true)},
		acct.ImportRow{Email: new("orphan@example.com"), ReferredByCode: new("ZZZZZZZZ")},
		acct.ImportRow{Email: new("twice@example.com"), Addresses: []acct.Address{
			{Kind: acct.AddressPhone, Value: "+447400111111"}, {Kind: acct.AddressPhone, Value: "+44 7400 111111"}}},
		acct.ImportRow{Username: new("nobody")},
		acct.ImportRow{Email: new("held2@example.com"), Status: new(acct.StatusHeld), HoldUntil: &held},
		acct.ImportRow{Email: new("neg@example.com"), Points: new(int64(-1))},
		acct.ImportRow{Email: new("hf1@example.com"), Status: new(acct.StatusHeld), HoldUntil: &held, HeldFrom: new(acct.StatusDeleted)},
		acct.ImportRow{Email: new("hf2@example.com"), HeldFrom: new(acct.StatusPending)},
	)
	wantCounts(e.t, res, 15, 2, 0, 0, 13)
	want := []struct {
		line  int
		code  acct.Code
		field string
	}{
		{2, acct.CodeInvalid, "email"}, {3, acct.CodeRefused, "password"}, {4, acct.CodeInvalid, "password"},
		{5, acct.CodeInvalid, "password_hash"}, {6, acct.CodeInvalid, "status"}, {7, acct.CodeInvalid, "hold_until"},
		{8, acct.CodeInvalid, "has_password"}, {9, acct.CodeNotFound, "referred_by_code"},
		{10, acct.CodeInvalid, "addresses"}, {11, acct.CodeInvalid, "email"}, {13, acct.CodeInvalid, "points"},
		{14, acct.CodeInvalid, "held_from"}, {15, acct.CodeInvalid, "held_from"},
	}
	for i, w := range want {
		r := res.Rejected[i]
		if r.Line != w.line || r.Code != w.code || r.Field != w.field || r.Reason == "" {
			e.t.Errorf("rejection %d: %+v, want line %d, %s, field %s", i, r, w.line, w.code, w.field)
		}
	}
	if n := e.count(); n != 2 {
		e.t.Fatalf("%d accounts, want 2", n)
	}
	if u := e.user("held2@example.com"); u.Status != acct.StatusHeld || u.HoldUntil == nil || !u.HoldUntil.Equal(held) {
		e.t.Fatalf("held: %+v", u)
	}
	// No half account: the rejected rows' addresses are free.
	for _, email := range []string{"weak@example.com", "twice@example.com", "orphan@example.com"} {
		e.register(acct.NewUser{Email: email})
	}
	// A batch over the limit, or a bad mode, fails as a whole.
	_, err := e.svc.ImportUsers(e.ctx, acct.ImportBatch{OnConflict: "merge", Rows: []acct.ImportRow{{Email: new("x@example.com")}}})
	e.wantCode(err, acct.CodeInvalid, "on_conflict")
	_, err = e.svc.ImportUsers(e.ctx, acct.ImportBatch{Rows: make([]acct.ImportRow, acct.MaxImportBatch+1)})
	e.wantCode(err, acct.CodeInvalid, "rows")
	if res := e.importBatch("", false); res.Read != 0 || res.Rejected == nil {
		e.t.Fatalf("an empty batch: %+v", res)
	}
}

// testImportPrepared: a batch prepared ahead (acct.ImportPreparer, as
// "user import" does on every core) is imported exactly as the same batch
// unprepared: the same rejections, lines, conflicts in file order and
// look-alikes; a batch whose rows were replaced after it was prepared is
// checked again. A Service that prepares nothing in the caller's process
// (remote.Client) has nothing to prove here.
func testImportPrepared(e *env) {
	prep, ok := e.svc.(acct.ImportPreparer)
	if !ok {
		e.t.Skip("the Service does not prepare import rows in the caller's process")
	}
	e.register(acct.NewUser{Email: "taken@example.com", Username: "taken"})
	rows := func(base int) []acct.ImportRow {
		var rs []acct.ImportRow
		for i := range 40 {
			r := acct.ImportRow{Line: base + i, Username: new(fmt.Sprintf("p%d_%02d", base, i)),
				Email: new(fmt.Sprintf("P%d.%02d@Example.COM", base, i)), Phone: new(fmt.Sprintf("+44 7400 %03d%03d", base, i))}
			switch i % 8 {
			case 1:
				r.Email = new("not an address")
			case 2:
				r.Phone = new("+44 12")
			case 3:
				r.Email = new("taken@example.com") // a stored account's
			case 4:
				r.Username = new(fmt.Sprintf("p%d_%02d", base, i-4)) // an earlier row's
			case 5:
				r.Username = new(fmt.Sprintf("P%d_%02d", base, i-5)) // the same, in another case
			case 6:
				r.Password = "short"
			case 7:
				r.Email = new(fmt.Sprintf("p%d.%02d@examp1e.com", base, i)) // looks like no other: fine
			}
			rs = append(rs, r)
		}
		return rs
	}
	for _, mode := range []acct.OnConflict{acct.ConflictFail, acct.ConflictSkip} {
		base := 100
		if mode == acct.ConflictSkip {
			base = 200
		}
		plain := acct.ImportBatch{Rows: rows(base), OnConflict: mode, DryRun: true}
		want, err := e.svc.ImportUsers(e.ctx, plain)
		if err != nil {
			e.t.Fatal(err)
		}
		b := acct.ImportBatch{Rows: rows(base), OnConflict: mode}
		prep.PrepareImport(&b)
		got, err := e.svc.ImportUsers(e.ctx, b)
		if err != nil {
			e.t.Fatal(err)
		}
		want.DryRun = false
		if !reflect.DeepEqual(got, want) {
			e.t.Fatalf("%s: prepared %+v\nunprepared %+v", mode, got, want)
		}
		if len(got.Rejected) == 0 || got.Created == 0 {
			e.t.Fatalf("%s: %+v: the case proves nothing", mode, got)
		}
	}
	// Rows replaced after the batch was prepared are checked again.
	b := acct.ImportBatch{Rows: []acct.ImportRow{{Email: new("fine@example.com")}}}
	prep.PrepareImport(&b)
	b.Rows = []acct.ImportRow{{Email: new("not an address")}}
	res, err := e.svc.ImportUsers(e.ctx, b)
	if err != nil {
		e.t.Fatal(err)
	}
	wantCounts(e.t, res, 1, 0, 0, 0, 1)
}

func testImportConflicts(e *env) {
	alice := e.register(acct.NewUser{Email: "alice@example.com", Username: "alice"})
	e.register(acct.NewUser{Email: "bob@example.com", Username: "bob"})
	e.register(acct.NewUser{Email: "erin@example.com", Username: "erin"})
	if _, err := e.svc.AddAddress(e.ctx, acct.NewAddress{User: "bob", Kind: acct.AddressPhone, Value: "+447400999999"}); err != nil {
		e.t.Fatal(err)
	}
	rows := []acct.ImportRow{
		{Line: 1, Email: new("ALICE@example.com"), FirstName: new("Alicia")},  // alice's email
		{Line: 2, Email: new("new@example.com"), Phone: new("+447400999999")}, // bob's extra phone
		{Line: 3, Email: new("carol@example.com"), Username: new("carol")},    // new
		{Line: 4, Email: new("carol2@example.com"), Username: new("Carol")},   // line 3's username
		{Line: 5, Email: new("erin@example.com"), Username: new("alice")},     // two accounts
	}
	// fail: the conflicting rows are rejected, the others written.
	res := e.importBatch(acct.ConflictFail, true, rows...)
	wantCounts(e.t, res, 5, 1, 0, 0, 4)
	wantReasons := []string{
		fmt.Sprintf("email already in use by user %d", alice.ID),
		"phone already in use by user 2",
		"username already in use by the account of line 3",
		"username already in use by user 1, email by user 3",
	}
	for i, r := range res.Rejected {
		if r.Code != acct.CodeConflict || r.Reason != wantReasons[i] {
			e.t.Errorf("rejection %+v, want conflict %q", r, wantReasons[i])
		}
	}
	// skip: the same rows are skipped.
	res = e.importBatch(acct.ConflictSkip, false, rows...)
	wantCounts(e.t, res, 5, 1, 0, 4, 0)
	if u := e.user("alice"); u.FirstName != "" {
		e.t.Fatalf("skip changed alice: %+v", u)
	}
	if e.count() != 4 {
		e.t.Fatalf("%d accounts", e.count())
	}
	// update: the rows with one account update it; two accounts is still
	// a conflict.
	res = e.importBatch(acct.ConflictUpdate, false, rows...)
	wantCounts(e.t, res, 5, 0, 4, 0, 1)
	if r := res.Rejected[0]; r.Line != 5 || r.Code != acct.CodeConflict {
		e.t.Fatalf("rejected %+v", r)
	}
	if u := e.user("alice"); u.FirstName != "Alicia" || u.Email != "alice@example.com" || u.Username != "alice" {
		e.t.Fatalf("updated alice: %+v", u)
	}
	// Line 2 made bob's extra phone its primary and its email new@.
	if u := e.user("bob"); u.Email != "new@example.com" || u.Phone != "+447400999999" {
		e.t.Fatalf("updated bob: %+v", u)
	}
	if as := e.addresses("bob", ""); len(as) != 2 {
		e.t.Fatalf("bob's addresses: %+v", as)
	}
	// Line 4 updated carol (its username) with carol2's email.
	if u := e.user("carol"); u.Email != "carol2@example.com" {
		e.t.Fatalf("carol: %+v", u)
	}
	if e.count() != 4 {
		e.t.Fatalf("%d accounts", e.count())
	}
	// In one batch, a later row updates what an earlier one made.
	res = e.importBatch(acct.ConflictUpdate, false,
		acct.ImportRow{Email: new("dave@example.com"), FirstName: new("Dave")},
		acct.ImportRow{Email: new("dave@example.com"), LastName: new("Davies")})
	wantCounts(e.t, res, 2, 1, 1, 0, 0)
	if u := e.user("dave@example.com"); u.FirstName != "Dave" || u.LastName != "Davies" {
		e.t.Fatalf("dave: %+v", u)
	}
}

func testImportUpdate(e *env) {
	alice := e.register(acct.NewUser{Email: "alice@example.com", Username: "alice", FirstName: "Alice", Phone: "+447400123123"})
	if _, err := e.svc.AddAddress(e.ctx, acct.NewAddress{User: "alice", Kind: acct.AddressEmail, Value: "old@example.com"}); err != nil {
		e.t.Fatal(err)
	}
	e.addPoints("alice", 10, "welcome")
	s, err := e.svc.Login(e.ctx, acct.Login{Ref: "alice", Password: GoodPassword})
	if err != nil {
		e.t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	// Only the fields the row gives change; a new password ends the
	// sessions; the balance is set with a ledger row; the extra addresses
	// become the row's.
	res := e.importBatch(acct.ConflictUpdate, false, acct.ImportRow{Username: new("alice"), LastName: new("Liddell"),
		Password: "a brand new passphrase, quite long", Points: new(int64(3)),
		Addresses: []acct.Address{{Kind: acct.AddressEmail, Value: "new@example.com", Verified: true}}})
	wantCounts(e.t, res, 1, 0, 1, 0, 0)
	u := e.user("alice")
	if u.FirstName != "Alice" || u.LastName != "Liddell" || u.Email != "alice@example.com" || u.Phone != "+447400123123" ||
		u.Points != 3 || !u.UpdatedAt.Equal(Start.Add(time.Hour)) || u.ID != alice.ID {
		e.t.Fatalf("updated: %+v", u)
	}
	if h := e.history("alice"); len(h) != 2 || h[0].Delta != -7 || h[0].Balance != 3 {
		e.t.Fatalf("ledger: %+v", h)
	}
	if _, err := e.svc.ValidateSession(e.ctx, s.Token); err == nil {
		e.t.Fatal("the session outlived the new password")
	}
	if err := e.svc.VerifyPassword(e.ctx, "alice", "a brand new passphrase, quite long"); err != nil {
		e.t.Fatal(err)
	}
	as := e.addresses("alice", "")
	if len(as) != 3 || as[1].Value != "new@example.com" || !as[1].Verified || !as[1].CreatedAt.Equal(Start.Add(time.Hour)) {
		e.t.Fatalf("addresses: %+v", as)
	}
	if _, err := e.svc.User(e.ctx, "old@example.com"); !acct.IsCode(err, acct.CodeNotFound) {
		e.t.Fatalf("the old extra address still names someone: %v", err)
	}
	// A held account is not updated.
	if _, err := e.svc.Unregister(e.ctx, "alice", acct.UnregisterOptions{Hold: time.Hour}); err != nil {
		e.t.Fatal(err)
	}
	res = e.importBatch(acct.ConflictUpdate, false, acct.ImportRow{Email: new("alice@example.com"), FirstName: new("X")})
	wantCounts(e.t, res, 1, 0, 0, 0, 1)
	if res.Rejected[0].Code != acct.CodeRefused {
		e.t.Fatalf("held: %+v", res.Rejected[0])
	}
}

func testImportRerunSkip(e *env) {
	var rows []acct.ImportRow
	for i := range 30 {
		rows = append(rows, acct.ImportRow{Line: i + 2, Email: new(fmt.Sprintf("u%02d@example.com", i)),
			Username: new(fmt.Sprintf("user%02d", i)), Password: GoodPassword})
	}
	// An import cut short after its first batch…
	wantCounts(e.t, e.importBatch("", false, rows[:10]...), 10, 10, 0, 0, 0)
	// …run again from the start with skip ends complete.
	wantCounts(e.t, e.importBatch(acct.ConflictSkip, false, rows[:20]...), 20, 10, 0, 10, 0)
	wantCounts(e.t, e.importBatch(acct.ConflictSkip, false, rows[20:]...), 10, 10, 0, 0, 0)
	if n := e.count(); n != 30 {
		e.t.Fatalf("%d accounts", n)
	}
	wantCounts(e.t, e.importBatch(acct.ConflictSkip, false, rows...), 30, 0, 0, 30, 0)
}

func testImportDryRun(e *env) {
	e.register(acct.NewUser{Email: "alice@example.com"})
	res := e.importBatch(acct.ConflictFail, true,
		acct.ImportRow{Email: new("alice@example.com")},
		acct.ImportRow{Email: new("bob@example.com"), Password: GoodPassword},
		acct.ImportRow{Email: new("bad")})
	wantCounts(e.t, res, 3, 1, 0, 0, 2)
	if !res.DryRun {
		e.t.Fatal("not a dry run")
	}
	if e.count() != 1 {
		e.t.Fatal("a dry run wrote")
	}
	evs, _ := e.svc.ListEvents(e.ctx, acct.EventQuery{Action: acct.ActionUserImport})
	if len(evs) != 0 {
		e.t.Fatalf("a dry run was audited: %+v", evs)
	}
}

// testImportAuditsEveryBatch: every batch that reaches the store has its
// user.import event, one that only skipped or rejected rows too.
func testImportAuditsEveryBatch(e *env) {
	e.register(acct.NewUser{Email: "alice@example.com"})
	wantCounts(e.t, e.importBatch(acct.ConflictFail, false,
		acct.ImportRow{Email: new("alice@example.com")}, acct.ImportRow{Email: new("bad")}), 2, 0, 0, 0, 2)
	wantCounts(e.t, e.importBatch(acct.ConflictSkip, false, acct.ImportRow{Email: new("alice@example.com")}), 1, 0, 0, 1, 0)
	wantCounts(e.t, e.importBatch(acct.ConflictSkip, false, acct.ImportRow{Email: new("bob@example.com")}), 1, 1, 0, 0, 0)
	evs, err := e.svc.ListEvents(e.ctx, acct.EventQuery{Action: acct.ActionUserImport})
	if err != nil || len(evs) != 3 {
		e.t.Fatalf("import events: %+v, %v, want one per batch", evs, err)
	}
	slices.SortFunc(evs, func(a, b acct.Event) int { return int(a.ID - b.ID) })
	for i, want := range []string{
		"imported 0 users: created 0, updated 0, skipped 0, rejected 2",
		"imported 0 users: created 0, updated 0, skipped 1, rejected 0",
		"imported 1 users: created 1",
	} {
		if ev := evs[i]; !strings.HasPrefix(ev.Detail, want) || ev.Outcome != acct.OutcomeOK || ev.UserID != nil {
			e.t.Errorf("event %d: %+v, want %q", i, ev, want)
		}
	}
}

func testImportReferrals(e *env) {
	alice := e.register(acct.NewUser{Email: "alice@example.com"})
	if _, err := e.svc.Preregister(e.ctx, "carol@example.com"); err != nil {
		e.t.Fatal(err)
	}
	res := e.importBatch("", false,
		acct.ImportRow{Email: new("bob@example.com"), ReferredByCode: new(strings.ToLower(alice.ReferralCode)), ReferralCode: new("BBBBBBBB")},
		acct.ImportRow{Email: new("carol@example.com"), ReferredByCode: new("BBBBBBBB"), ReferralCode: new(alice.ReferralCode)},
		acct.ImportRow{Email: new("dave@example.com"), ReferredByCode: new("EEEEEEEE")},
		acct.ImportRow{Email: new("erin@example.com"), ReferralCode: new("EEEEEEEE")},
	)
	wantCounts(e.t, res, 4, 3, 0, 0, 1)
	if r := res.Rejected[0]; r.Line != 3 || r.Code != acct.CodeNotFound || r.Field != "referred_by_code" {
		e.t.Fatalf("a referrer that comes later: %+v", r)
	}
	b, c := e.user("bob@example.com"), e.user("carol@example.com")
	if b.ReferredBy == nil || *b.ReferredBy != alice.ID || b.ReferralCode != "BBBBBBBB" || b.Points != 0 {
		e.t.Fatalf("bob: %+v", b)
	}
	// A referral code in use is drawn afresh; the referrer may be a row
	// of the same batch.
	if c.ReferredBy == nil || *c.ReferredBy != b.ID || c.ReferralCode == alice.ReferralCode || !referralCodeForm.MatchString(c.ReferralCode) {
		e.t.Fatalf("carol: %+v", c)
	}
	// No referral points for an import; the waiting list lost carol.
	if e.points("alice@example.com") != 0 {
		e.t.Fatal("points awarded")
	}
	if p, _ := e.svc.ListPreregistrations(e.ctx, acct.PreregQuery{}); len(p.Preregistrations) != 0 {
		e.t.Fatalf("waiting list: %+v", p.Preregistrations)
	}
	evs, _ := e.svc.ListEvents(e.ctx, acct.EventQuery{Action: acct.ActionUserImport})
	if len(evs) != 1 || !strings.HasSuffix(evs[0].Detail, "rejected 1; 1 taken off the waiting list") {
		e.t.Fatalf("events: %+v", evs)
	}
}

// An import and a pre-registration of the same address racing: the
// address never ends up both an account's and on the waiting list (as
// with Register, see testConcurrentPreregister).
func testImportRacesPreregister(e *env) {
	const rounds = 20
	for r := range rounds {
		email := fmt.Sprintf("r%d@example.com", r)
		rows := []acct.ImportRow{{Email: new(email)}}
		for i := range 50 { // a batch of some size, the racing address among them
			rows = append(rows, acct.ImportRow{Email: new(fmt.Sprintf("r%d-%d@example.com", r, i))})
		}
		start := make(chan struct{})
		var impErr, preErr error
		var wg sync.WaitGroup
		wg.Go(func() {
			<-start
			_, impErr = e.svc.ImportUsers(e.ctx, acct.ImportBatch{Rows: rows})
		})
		wg.Go(func() {
			<-start
			_, preErr = e.svc.Preregister(e.ctx, email)
		})
		close(start)
		wg.Wait()
		if impErr != nil {
			e.t.Fatalf("round %d: import: %v", r, impErr)
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
		e.t.Errorf("%s is on the waiting list and has an account", pr.Email)
	}
}

func (e *env) exportAll(q acct.ExportQuery, hashes bool) []acct.ExportRow {
	e.t.Helper()
	var rows []acct.ExportRow
	for {
		export := e.svc.ExportUsers
		if hashes {
			export = e.svc.ExportUsersWithHashes
		}
		p, err := export(e.ctx, q)
		if err != nil {
			e.t.Fatalf("export %+v: %v", q, err)
		}
		rows = append(rows, p.Rows...)
		if p.Next == "" {
			return rows
		}
		q.Cursor = p.Next
	}
}

func testExportPages(e *env) {
	for i := range 5 {
		e.register(acct.NewUser{Email: fmt.Sprintf("u%d@example.com", i)})
	}
	if _, err := e.svc.LockUser(e.ctx, "u1@example.com", acct.LockOptions{}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.Unregister(e.ctx, "u2@example.com", acct.UnregisterOptions{Purge: true}); err != nil {
		e.t.Fatal(err)
	}
	p, err := e.svc.ExportUsers(e.ctx, acct.ExportQuery{Limit: 2})
	if err != nil || len(p.Rows) != 2 || p.Next == "" {
		e.t.Fatalf("first page: %+v, %v", p, err)
	}
	rows := e.exportAll(acct.ExportQuery{Limit: 2}, false)
	if len(rows) != 4 {
		e.t.Fatalf("%d rows, want 4 (the deleted one aside)", len(rows))
	}
	for _, r := range rows {
		if r.PasswordHash != "" || !r.HasPassword {
			e.t.Fatalf("a row without hashes: %+v", r)
		}
	}
	if rows := e.exportAll(acct.ExportQuery{Status: acct.StatusLocked}, false); len(rows) != 1 || rows[0].Email != "u1@example.com" {
		e.t.Fatalf("locked: %+v", rows)
	}
	if rows := e.exportAll(acct.ExportQuery{Status: acct.StatusDeleted}, false); len(rows) != 1 || rows[0].Email != "" {
		e.t.Fatalf("deleted: %+v", rows)
	}
	evs, _ := e.svc.ListEvents(e.ctx, acct.EventQuery{Action: acct.ActionUserExport})
	if len(evs) != 0 {
		e.t.Fatalf("an export without hashes was audited: %+v", evs)
	}
	rows = e.exportAll(acct.ExportQuery{Limit: 3}, true)
	if len(rows) != 4 || !strings.HasPrefix(rows[0].PasswordHash, "$argon2id$") {
		e.t.Fatalf("with hashes: %+v", rows)
	}
	evs, _ = e.svc.ListEvents(e.ctx, acct.EventQuery{Action: acct.ActionUserExport})
	if len(evs) != 2 || evs[1].Detail != "exported 3 users with password hashes (3 with a password) (ids 1-2, 4)" {
		e.t.Fatalf("export events: %+v", evs)
	}
	for _, q := range []struct {
		q     acct.ExportQuery
		field string
	}{{acct.ExportQuery{Limit: -1}, "limit"}, {acct.ExportQuery{Limit: acct.MaxPageSize + 1}, "limit"},
		{acct.ExportQuery{Status: "gone"}, "status"}, {acct.ExportQuery{Cursor: "x"}, "cursor"}} {
		_, err := e.svc.ExportUsers(e.ctx, q.q)
		e.wantCode(err, acct.CodeInvalid, q.field)
	}
}

// testExportRoundTrip exports accounts made by every flow, with their
// hashes, and imports them into an empty store: each account reads the
// same there, ids aside.
func testExportRoundTrip(e *env, open Open) {
	alice := e.register(acct.NewUser{Email: "alice@example.com", Phone: "+447400123123", Username: "alice",
		FirstName: "Alice", LastName: "Liddell", Language: "en-GB", Admin: true})
	e.clock.Advance(time.Minute)
	if _, err := e.svc.AddAddress(e.ctx, acct.NewAddress{User: "alice", Kind: acct.AddressEmail, Value: "alice@work.example", Verified: true}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.AddAddress(e.ctx, acct.NewAddress{User: "alice", Kind: acct.AddressPhone, Value: "+447400555555"}); err != nil {
		e.t.Fatal(err)
	}
	if err := e.svc.VerifyPassword(e.ctx, "alice", "not the password at all!"); err == nil {
		e.t.Fatal("a wrong password passed")
	}
	e.clock.Advance(time.Minute)
	e.register(acct.NewUser{Email: "bob@example.com", Invite: alice.ReferralCode})
	e.addPoints("bob@example.com", 7, "bonus")
	e.register(acct.NewUser{Email: "carol@example.com", Username: "carol"})
	until := Start.Add(48 * time.Hour)
	if _, err := e.svc.LockUser(e.ctx, "carol", acct.LockOptions{Until: &until, Reason: "suspicious"}); err != nil {
		e.t.Fatal(err)
	}
	// Held from locked: the export carries the status a restore returns to.
	if _, err := e.svc.Unregister(e.ctx, "carol", acct.UnregisterOptions{Hold: 24 * time.Hour}); err != nil {
		e.t.Fatal(err)
	}
	e.register(acct.NewUser{Email: "dave@example.com"})
	if _, err := e.svc.Unregister(e.ctx, "dave@example.com", acct.UnregisterOptions{Hold: 24 * time.Hour}); err != nil {
		e.t.Fatal(err)
	}
	e.register(acct.NewUser{Foreign: "github:4242", NoPassword: true})
	frank := e.register(acct.NewUser{Phone: "+447400777777"})
	e.clock.Advance(time.Hour)
	email := "frank@example.com"
	if _, err := e.svc.UpdateUser(e.ctx, "+447400777777", acct.UserUpdate{Email: &email}); err != nil {
		e.t.Fatal(err)
	}
	e.register(acct.NewUser{Email: "gina@example.com"})
	if _, err := e.svc.Unregister(e.ctx, "gina@example.com", acct.UnregisterOptions{Purge: true}); err != nil {
		e.t.Fatal(err)
	}
	// A referrer exported after the account it referred never happens
	// with ids; a referrer left out by the export is a rejection.
	_ = frank

	rows := e.exportAll(acct.ExportQuery{Limit: 2}, true)
	if len(rows) != 6 {
		e.t.Fatalf("%d rows", len(rows))
	}
	// Through JSON, as the command writes and reads them: every key of an
	// export row is a field of an import row.
	var in []acct.ImportRow
	for _, r := range rows {
		b, err := json.Marshal(r)
		if err != nil {
			e.t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var row acct.ImportRow
		if err := dec.Decode(&row); err != nil {
			e.t.Fatalf("export row %s: %v", b, err)
		}
		in = append(in, row)
	}
	dst := open(e.t, acct.Options{Now: e.clock.Now, Argon2: FastArgon2, ScramIterations: acct.MinScramIterations, Actor: "importer", PhoneRegion: "GB",
		Secret: append([]byte(nil), Secret...), Notifier: &Recorder{}})
	e.t.Cleanup(func() { dst.Close() })
	e.clock.Advance(time.Hour)
	res, err := dst.ImportUsers(e.ctx, acct.ImportBatch{Rows: in[:3]})
	if err != nil {
		e.t.Fatal(err)
	}
	wantCounts(e.t, res, 3, 3, 0, 0, 0)
	if res, err = dst.ImportUsers(e.ctx, acct.ImportBatch{Rows: in[3:]}); err != nil {
		e.t.Fatal(err)
	}
	wantCounts(e.t, res, 3, 3, 0, 0, 0)

	ref := func(r acct.ExportRow) string {
		return cmp.Or(r.Username, r.Email, r.Phone, r.Foreign)
	}
	for _, r := range rows {
		a, b := e.user(ref(r)), mustUser(e, dst, ref(r))
		if (a.ReferredBy == nil) != (b.ReferredBy == nil) {
			e.t.Fatalf("%s: referred_by %v vs %v", ref(r), a.ReferredBy, b.ReferredBy)
		}
		if a.ReferredBy != nil {
			ra := e.user(fmt.Sprint(*a.ReferredBy))
			rb := mustUser(e, dst, fmt.Sprint(*b.ReferredBy))
			if ra.ReferralCode != rb.ReferralCode {
				e.t.Fatalf("%s: referred by %s, now by %s", ref(r), ra.ReferralCode, rb.ReferralCode)
			}
		}
		b.ID, b.ReferredBy = a.ID, a.ReferredBy
		if !equalUser(*a, *b) {
			e.t.Errorf("round trip of %s:\n%+v\n%+v", ref(r), *a, *b)
		}
		aa, ba := e.addresses(ref(r), ""), mustAddresses(e, dst, ref(r))
		for i := range ba {
			ba[i].UserID = a.ID
		}
		if !slices.EqualFunc(aa, ba, equalAddress) {
			e.t.Errorf("addresses of %s:\n%+v\n%+v", ref(r), aa, ba)
		}
	}
	// The passwords open the same accounts there.
	if err := dst.VerifyPassword(e.ctx, "bob@example.com", GoodPassword); err != nil {
		e.t.Fatal(err)
	}
	// A restore returns the held accounts to the same status on both
	// sides: carol locked, with her lock, and dave active.
	for _, name := range []string{"carol", "dave@example.com"} {
		a, err := e.svc.Restore(e.ctx, name)
		if err != nil {
			e.t.Fatal(err)
		}
		b, err := dst.Restore(e.ctx, name)
		if err != nil {
			e.t.Fatal(err)
		}
		b.ID, b.ReferredBy, b.UpdatedAt = a.ID, a.ReferredBy, a.UpdatedAt
		if !equalUser(*a, *b) {
			e.t.Errorf("restore of %s after the round trip:\n%+v\n%+v", name, *a, *b)
		}
	}
	if u := e.user("carol"); u.Status != acct.StatusLocked || u.LockReason != "suspicious" {
		e.t.Errorf("carol restored: %+v, want locked (suspicious)", u)
	}
}

func mustUser(e *env, svc acct.Service, ref string) *acct.User {
	e.t.Helper()
	u, err := svc.User(e.ctx, ref)
	if err != nil {
		e.t.Fatalf("user %s: %v", ref, err)
	}
	return u
}

func mustAddresses(e *env, svc acct.Service, ref string) []acct.Address {
	e.t.Helper()
	as, err := svc.ListAddresses(e.ctx, ref, "")
	if err != nil {
		e.t.Fatalf("addresses of %s: %v", ref, err)
	}
	return as
}

func equalAddress(a, b acct.Address) bool {
	return a.UserID == b.UserID && a.Kind == b.Kind && a.Value == b.Value && a.Primary == b.Primary &&
		a.Verified == b.Verified && equalTimes(a.VerifiedAt, b.VerifiedAt) && a.CreatedAt.Equal(b.CreatedAt)
}
