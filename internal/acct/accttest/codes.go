package accttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// NewPassword passes the default policy and differs from GoodPassword and
// OtherPassword: the cases set it with a reset code.
const NewPassword = "seven tired otters nap on driftwood"

// testPublicURL is the reset page of the forgot-password cases.
const testPublicURL = "https://accounts.example.com/reset/{code}?via=email"

// The reset page of the forgot-password cases, split around "{code}".
const (
	linkPrefix = "https://accounts.example.com/reset/"
	linkSuffix = "?via=email"
)

func forgotOptions(o *acct.Options) { o.PublicURL = testPublicURL }

var codeCases = []suiteCase{
	{"ResetCodeIssue", testResetCodeIssue, nil},
	{"ResetCodeRefusedAccounts", testResetCodeRefusedAccounts, nil},
	{"ResetCodeTTL", testResetCodeTTL, nil},
	{"ResetCodeVoidsOlder", testResetCodeVoidsOlder, nil},
	{"ResetCodeExpiry", testResetCodeExpiry, nil},
	{"ResetCodeReasons", testResetCodeReasons, nil},
	{"ResetCodeSpelling", testResetCodeSpelling, nil},
	{"ResetCodeWrong", testResetCodeWrong, nil},
	{"ResetCodeOnce", testResetCodeOnce, nil},
	{"ResetEffects", testResetEffects, func(o *acct.Options) { sessionOptions(o); forgotOptions(o) }},
	{"ResetConcurrent", testResetConcurrent, nil},
	{"IssueConcurrent", testIssueConcurrent, forgotOptions},
	{"ListCodes", testListCodes, forgotOptions},
	{"RevokeCodes", testRevokeCodes, forgotOptions},
	{"ResetCodeSend", testResetCodeSend, nil},
	{"ResetCodeSendFails", testResetCodeSendFails, nil},
	{"ResetCodeNoDelivery", testResetCodeNoDelivery, func(o *acct.Options) { forgotOptions(o); o.Notifier = nil }},
	{"ForgotPassword", testForgotPassword, forgotOptions},
	{"ForgotPasswordExtraEmail", testForgotPasswordExtraEmail, forgotOptions},
	{"ResetVerifiesEmail", testResetVerifiesEmail, forgotOptions},
	{"ForgotPasswordTokenParam", testForgotPasswordTokenParam, func(o *acct.Options) { o.PublicURL = "https://accounts.example.com/reset" }},
	{"ForgotPasswordNoURL", testForgotPasswordNoURL, nil},
	{"ForgotPasswordSendFails", testForgotPasswordSendFails, forgotOptions},
	{"PasswordChangesVoidCodes", testPasswordChangesVoidCodes, forgotOptions},
	{"LockAndEmailChangeVoidCodes", testLockAndEmailChangeVoidCodes, forgotOptions},
	{"CodeAudit", testCodeAudit, forgotOptions},
}

// --- helpers ---

// crockfordDigits are the 32 symbols of Crockford's base32.
const crockfordDigits = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// resetCodeShape is a reset code as handed over: four groups of four
// Crockford base32 characters (80 bits).
var resetCodeShape = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$`)

// canon is a code in upper case without hyphens.
func canon(code string) string { return strings.ToUpper(strings.ReplaceAll(code, "-", "")) }

// codeSpellings are the ways a code may appear in a leak.
func codeSpellings(code string) []string {
	if code == "" {
		return nil
	}
	return []string{code, canon(code), strings.ToLower(code), strings.ToLower(canon(code))}
}

// flipCode changes the last character of code to another Crockford
// symbol: a code of the right shape that was never issued.
func flipCode(code string) string {
	last := code[len(code)-1]
	i := strings.IndexByte(crockfordDigits, last)
	return code[:len(code)-1] + string(crockfordDigits[(i+1)%len(crockfordDigits)])
}

// issue issues a reset code, failing the test on an error.
func (e *env) issue(in acct.ResetCodeRequest) *acct.ResetCode {
	e.t.Helper()
	rc, err := e.svc.IssueResetCode(e.ctx, in)
	if err != nil {
		e.t.Fatalf("issue reset code %+v: %v", in, err)
	}
	return rc
}

// issueCode issues a reset code for ref, handed over, and checks its
// shape.
func (e *env) issueCode(ref string) *acct.ResetCode {
	e.t.Helper()
	rc := e.issue(acct.ResetCodeRequest{Ref: ref})
	if !resetCodeShape.MatchString(rc.Code) {
		e.t.Fatalf("reset code %q: want four groups of four Crockford base32 characters, like 7KQ2-MX9D-4TFA-R1ZC", rc.Code)
	}
	if rc.ID == "" {
		e.t.Fatalf("reset code without an id: %+v", rc)
	}
	return rc
}

// reset uses code to set password, failing the test on an error.
func (e *env) reset(code, password string) *acct.User {
	e.t.Helper()
	u, err := e.svc.ResetPassword(e.ctx, acct.PasswordReset{Code: code, Password: password})
	if err != nil {
		e.t.Fatalf("reset with code %q at %s: %v", code, e.clock.Now().Sub(Start), err)
	}
	if u == nil || !u.HasPassword {
		e.t.Fatalf("reset with code %q: user %+v", code, u)
	}
	return u
}

// codeWords are what a refused code's message may say; it says exactly
// one of them.
var codeWords = []string{"wrong", "expired", "already used", "voided"}

// codeRefused checks that ResetPassword refuses code with
// CodeUnauthenticated and a message that says word and none of the other
// codeWords, and does not repeat the code.
func (e *env) codeRefused(code, word string) {
	e.t.Helper()
	u, err := e.svc.ResetPassword(e.ctx, acct.PasswordReset{Code: code, Password: NewPassword})
	if err == nil {
		e.t.Fatalf("code %q accepted at %s (user %d), want it refused as %s", code, e.clock.Now().Sub(Start), u.ID, word)
	}
	e.wantCode(err, acct.CodeUnauthenticated, "")
	msg := strings.ToLower(err.Error())
	for _, w := range codeWords {
		if (w == word) != strings.Contains(msg, w) {
			e.t.Fatalf("code %q refused with %q: want a message that says %q and not the others of %v", code, err, word, codeWords)
		}
	}
	if len(code) >= 16 {
		for _, s := range codeSpellings(code) {
			if strings.Contains(err.Error(), s) {
				e.t.Fatalf("error %q repeats the code", err)
			}
		}
	}
}

// codeInvalid checks that ResetPassword refuses code with
// CodeUnauthenticated, whatever the message.
func (e *env) codeInvalid(code string) {
	e.t.Helper()
	u, err := e.svc.ResetPassword(e.ctx, acct.PasswordReset{Code: code, Password: NewPassword})
	if err == nil {
		e.t.Fatalf("code %q accepted at %s (user %d), want it refused", code, e.clock.Now().Sub(Start), u.ID)
	}
	e.wantCode(err, acct.CodeUnauthenticated, "")
}

// codes lists ref's outstanding codes and checks that their JSON holds
// none of the secrets.
func (e *env) codes(ref string, secrets ...string) []acct.CodeInfo {
	e.t.Helper()
	cs, err := e.svc.ListCodes(e.ctx, ref)
	if err != nil {
		e.t.Fatalf("list codes of %s: %v", ref, err)
	}
	var leaks []string
	for _, s := range secrets {
		leaks = append(leaks, codeSpellings(s)...)
	}
	e.noSecrets("codes", cs, leaks...)
	return cs
}

func codeIDs(cs []acct.CodeInfo) []string {
	ids := []string{}
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

// wantCodeIDs checks ref's outstanding codes, newest first.
func (e *env) wantCodeIDs(ref string, want ...string) {
	e.t.Helper()
	if want == nil {
		want = []string{}
	}
	if got := codeIDs(e.codes(ref)); !slices.Equal(got, want) {
		e.t.Fatalf("outstanding codes of %s at %s: %v, want %v", ref, e.clock.Now().Sub(Start), got, want)
	}
}

// notices returns the notices sent so far and checks their number.
func (e *env) notices(want int) []acct.Notice {
	e.t.Helper()
	ns := e.notes.Notices()
	if len(ns) != want {
		e.t.Fatalf("%d notices sent, want %d: %+v", len(ns), want, ns)
	}
	return ns
}

// linkCode takes the code out of a forgot-password link to the suite's
// reset page and checks that it carries at least 128 bits.
func (e *env) linkCode(link, prefix, suffix string) string {
	e.t.Helper()
	if !strings.HasPrefix(link, prefix) || !strings.HasSuffix(link, suffix) || len(link) <= len(prefix)+len(suffix) {
		e.t.Fatalf("link %q: want %s<code>%s", link, prefix, suffix)
	}
	code := link[len(prefix) : len(link)-len(suffix)]
	c := canon(code)
	for _, r := range c {
		if !strings.ContainsRune(crockfordDigits, r) {
			e.t.Fatalf("link %q: code %q is not Crockford base32", link, code)
		}
	}
	if bits := 5 * len(c); bits < 128 {
		e.t.Fatalf("link %q: code %q carries %d bits, want at least 128", link, code, bits)
	}
	return code
}

// forgotLink asks for a forgot-password link for email and returns the
// code of the one notice it sent.
func (e *env) forgotLink(email string) string {
	e.t.Helper()
	before := len(e.notes.Notices())
	if err := e.svc.ForgotPassword(e.ctx, email); err != nil {
		e.t.Fatalf("forgot password %s: %v", email, err)
	}
	e.runJobs()
	ns := e.notices(before + 1)
	return e.linkCode(ns[before].Data.URL, linkPrefix, linkSuffix)
}

// events lists the audit events of ref (all when ref is "") and counts
// them by action/outcome/actor.
func (e *env) events(ref string) ([]acct.Event, map[string]int) {
	e.t.Helper()
	evs, err := e.svc.ListEvents(e.ctx, acct.EventQuery{User: ref, Limit: acct.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	count := map[string]int{}
	for _, ev := range evs {
		count[fmt.Sprintf("%s/%s/%s", ev.Action, ev.Outcome, ev.Actor)]++
	}
	return evs, count
}

// noSecretEvents checks that no audit event holds a secret.
func (e *env) noSecretEvents(codes []string, passwords ...string) {
	e.t.Helper()
	evs, _ := e.events("")
	var secrets []string
	for _, c := range codes {
		secrets = append(secrets, codeSpellings(c)...)
	}
	secrets = append(secrets, passwords...)
	for _, ev := range evs {
		e.noSecrets("audit event", ev, secrets...)
	}
}

// --- cases ---

// testResetCodeIssue checks a handed-over code: its shape, its JSON, its
// default lifetime, that it is fresh every time and that it works.
func testResetCodeIssue(e *env) {
	u := e.register(acct.NewUser{Email: "lost@example.com", Username: "forgetful"})
	e.to(time.Minute)
	bob := acct.WithActor(e.ctx, "support-bob")
	rc, err := e.svc.IssueResetCode(bob, acct.ResetCodeRequest{Ref: "LOST@example.com", Reason: "caller verified by phone"})
	if err != nil {
		e.t.Fatal(err)
	}
	if !resetCodeShape.MatchString(rc.Code) || 5*len(canon(rc.Code)) < 80 {
		e.t.Fatalf("reset code %q: want four groups of four Crockford base32 characters (80 bits)", rc.Code)
	}
	expires := Start.Add(time.Minute + acct.DefaultResetCodeTTL)
	if rc.ID == "" || rc.UserID != u.ID || !rc.ExpiresAt.Equal(expires) || rc.IssuedBy != "support-bob" ||
		rc.SentBy != acct.ChannelNone || len(rc.Warnings) != 0 {
		e.t.Fatalf("reset code %+v\nwant user %d, expires %s (1h), issued by support-bob, sent by none, no warnings", *rc, u.ID, expires)
	}
	if strings.Contains(strings.ToUpper(rc.ID), canon(rc.Code)[:8]) {
		e.t.Fatalf("code id %q reveals the code %q", rc.ID, rc.Code)
	}
	b, err := json.Marshal(rc)
	if err != nil {
		e.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		e.t.Fatal(err)
	}
	at, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(m["expires_at"]))
	if m["id"] != rc.ID || m["code"] != rc.Code || m["user_id"] != float64(u.ID) || m["issued_by"] != "support-bob" || !at.Equal(expires) {
		e.t.Fatalf("reset code JSON %s: want id, code, user_id, expires_at, issued_by", b)
	}
	e.notices(0) // handed over: nothing is sent

	// Fresh every time: another code and another id.
	seen := map[string]bool{canon(rc.Code): true, rc.ID: true}
	var last *acct.ResetCode
	for i := 0; i < 20; i++ {
		last = e.issueCode(fmt.Sprint(u.ID))
		if seen[canon(last.Code)] || seen[last.ID] {
			e.t.Fatalf("code %s (%s) issued twice", last.Code, last.ID)
		}
		seen[canon(last.Code)], seen[last.ID] = true, true
	}
	e.wantCodeIDs("forgetful", last.ID)

	got := e.reset(last.Code, NewPassword)
	if got.ID != u.ID {
		e.t.Fatalf("reset the password of user %d, want %d", got.ID, u.ID)
	}
	e.login(acct.Login{Ref: "forgetful", Password: NewPassword})

	// An account without a password gets one by a reset.
	np := e.register(acct.NewUser{Email: "nopw@example.com", NoPassword: true})
	if got := e.reset(e.issueCode("nopw@example.com").Code, NewPassword); got.ID != np.ID || !got.HasPassword {
		e.t.Fatalf("reset of a no-password account: %+v", got)
	}
	e.login(acct.Login{Ref: "nopw@example.com", Password: NewPassword})
	if !e.user("nopw@example.com").HasPassword {
		e.t.Fatalf("has_password false after a reset")
	}

	// Input errors.
	_, err = e.svc.IssueResetCode(e.ctx, acct.ResetCodeRequest{Ref: "nobody@example.com"})
	e.wantCode(err, acct.CodeNotFound, "")
	_, err = e.svc.IssueResetCode(e.ctx, acct.ResetCodeRequest{Ref: ""})
	e.wantCode(err, acct.CodeInvalid, "")
	_, err = e.svc.IssueResetCode(e.ctx, acct.ResetCodeRequest{Ref: "forgetful", Send: "pigeon"})
	e.wantCode(err, acct.CodeInvalid, "send")
	_, err = e.svc.IssueResetCode(e.ctx, acct.ResetCodeRequest{Ref: "forgetful", Reason: "line one\nline two\x00"})
	e.wantCode(err, acct.CodeInvalid, "reason")
	if msg := err.Error(); !strings.HasPrefix(msg, "reason: ") || strings.Contains(msg, "label") {
		e.t.Errorf("error %q: want a message about the reason, not a label", msg)
	}
	e.notices(0)
}

// testResetCodeRefusedAccounts checks that no code is issued for an
// account on deletion hold or locked by an operator, and that a lockout
// after failed logins does not stop one.
func testResetCodeRefusedAccounts(e *env) {
	e.register(acct.NewUser{Email: "held@example.com"})
	e.register(acct.NewUser{Email: "oplock@example.com"})
	if _, err := e.svc.Unregister(e.ctx, "held@example.com", acct.UnregisterOptions{Hold: time.Hour}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.LockUser(e.ctx, "oplock@example.com", acct.LockOptions{Reason: "fraud"}); err != nil {
		e.t.Fatal(err)
	}
	for _, ref := range []string{"held@example.com", "oplock@example.com"} {
		_, err := e.svc.IssueResetCode(e.ctx, acct.ResetCodeRequest{Ref: ref})
		e.wantCode(err, acct.CodeRefused, "")
		e.wantCodeIDs(ref)
	}
	// A code issued before an operator's lock does not get round it.
	e.register(acct.NewUser{Email: "later@example.com"})
	rc := e.issueCode("later@example.com")
	if _, err := e.svc.LockUser(e.ctx, "later@example.com", acct.LockOptions{}); err != nil {
		e.t.Fatal(err)
	}
	_, err := e.svc.ResetPassword(e.ctx, acct.PasswordReset{Code: rc.Code, Password: NewPassword})
	switch acct.ErrorCode(err) {
	case acct.CodeRefused, acct.CodeUnauthenticated:
	default:
		e.t.Fatalf("reset of an operator-locked account: %v (code %q), want refused or unauthenticated", err, acct.ErrorCode(err))
	}
	if got := e.user("later@example.com"); got.Status != acct.StatusLocked || got.LockedUntil != nil {
		e.t.Fatalf("a reset lifted an operator's lock: %+v", got)
	}
}

// testResetCodeTTL checks the lifetime: default 1h, clamped to 5m…24h
// with a warning, negative refused; and that the clamped lifetime is the
// one stored.
func testResetCodeTTL(e *env) {
	e.register(acct.NewUser{Email: "ttl@example.com"})
	cases := []struct {
		ttl, want time.Duration
		warn      bool
	}{
		{0, time.Hour, false},
		{30 * time.Minute, 30 * time.Minute, false},
		{5 * time.Minute, 5 * time.Minute, false},
		{5*time.Minute - time.Second, 5 * time.Minute, true},
		{time.Minute, 5 * time.Minute, true},
		{time.Nanosecond, 5 * time.Minute, true},
		{24 * time.Hour, 24 * time.Hour, false},
		{24*time.Hour + time.Second, 24 * time.Hour, true},
		{7 * 24 * time.Hour, 24 * time.Hour, true},
	}
	var last *acct.ResetCode
	for i, c := range cases {
		e.to(time.Duration(i) * time.Second)
		now := e.clock.Now()
		last = e.issue(acct.ResetCodeRequest{Ref: "ttl@example.com", TTL: c.ttl})
		if !last.ExpiresAt.Equal(now.Add(c.want)) || (len(last.Warnings) > 0) != c.warn {
			e.t.Fatalf("ttl %s: expires %s, warnings %q; want expires %s (+%s), warning %v",
				c.ttl, last.ExpiresAt, last.Warnings, now.Add(c.want), c.want, c.warn)
		}
		cs := e.codes("ttl@example.com", last.Code)
		if len(cs) != 1 || cs[0].ID != last.ID || !cs[0].ExpiresAt.Equal(now.Add(c.want)) {
			e.t.Fatalf("ttl %s: outstanding %+v, want only %s expiring at %s", c.ttl, cs, last.ID, now.Add(c.want))
		}
	}
	_, err := e.svc.IssueResetCode(e.ctx, acct.ResetCodeRequest{Ref: "ttl@example.com", TTL: -time.Minute})
	e.wantCode(err, acct.CodeInvalid, "ttl")
	e.wantCodeIDs("ttl@example.com", last.ID) // a refused request voids nothing

	// A too short lifetime is stretched to 5m in the store too.
	e.to(time.Hour)
	short := e.issue(acct.ResetCodeRequest{Ref: "ttl@example.com", TTL: time.Minute})
	e.to(time.Hour + 2*time.Minute)
	e.wantCodeIDs("ttl@example.com", short.ID)
	e.to(time.Hour + 5*time.Minute - time.Millisecond)
	e.wantCodeIDs("ttl@example.com", short.ID)
	e.reset(short.Code, NewPassword)

	// A too long one is cut to 24h.
	e.to(2 * time.Hour)
	long := e.issue(acct.ResetCodeRequest{Ref: "ttl@example.com", TTL: 48 * time.Hour})
	e.to(26*time.Hour - time.Millisecond)
	e.wantCodeIDs("ttl@example.com", long.ID)
	e.to(26 * time.Hour)
	e.wantCodeIDs("ttl@example.com")
	e.codeRefused(long.Code, "expired")
}

// testResetCodeVoidsOlder checks that a new code voids the user's older
// reset code and no one else's.
func testResetCodeVoidsOlder(e *env) {
	e.register(acct.NewUser{Email: "first@example.com"})
	e.register(acct.NewUser{Email: "second@example.com"})
	a1 := e.issueCode("first@example.com")
	b1 := e.issueCode("second@example.com")
	e.to(time.Minute)
	a2 := e.issueCode("first@example.com")
	e.wantCodeIDs("first@example.com", a2.ID)
	e.wantCodeIDs("second@example.com", b1.ID)
	e.codeRefused(a1.Code, "voided")
	e.codeRefused(strings.ToLower(a1.Code), "voided")
	e.reset(b1.Code, NewPassword)
	e.reset(a2.Code, NewPassword)
	e.login(acct.Login{Ref: "first@example.com", Password: NewPassword})
}

// testResetCodeExpiry checks the boundary: a code works just before it
// expires and is refused as expired at its expiry, and ever after.
func testResetCodeExpiry(e *env) {
	u := e.register(acct.NewUser{Email: "expiry@example.com"})
	rc := e.issueCode("expiry@example.com")
	e.to(time.Hour - time.Millisecond)
	e.wantCodeIDs("expiry@example.com", rc.ID)
	if got := e.reset(rc.Code, NewPassword); got.ID != u.ID {
		e.t.Fatalf("reset user %d, want %d", got.ID, u.ID)
	}
	e.login(acct.Login{Ref: "expiry@example.com", Password: NewPassword})

	rc2 := e.issueCode("expiry@example.com") // at 1h-1ms, expires at 2h-1ms
	if !rc2.ExpiresAt.Equal(Start.Add(2*time.Hour - time.Millisecond)) {
		e.t.Fatalf("expires %s, want %s", rc2.ExpiresAt, Start.Add(2*time.Hour-time.Millisecond))
	}
	e.to(2*time.Hour - 2*time.Millisecond)
	e.wantCodeIDs("expiry@example.com", rc2.ID)
	e.to(2*time.Hour - time.Millisecond)
	e.wantCodeIDs("expiry@example.com")
	e.codeRefused(rc2.Code, "expired")
	e.to(100 * time.Hour)
	e.codeRefused(rc2.Code, "expired")
	// The refusals changed nothing.
	e.login(acct.Login{Ref: "expiry@example.com", Password: NewPassword})
}

// testResetCodeSpelling checks that a code is accepted in any letter
// case, with or without hyphens, and with the letters O, I and L that
// Crockford reads as 0, 1 and 1.
func testResetCodeSpelling(e *env) {
	u := e.register(acct.NewUser{Email: "spell@example.com"})
	variants := []struct {
		name string
		fn   func(string) string
	}{
		{"lower case", strings.ToLower},
		{"no hyphens", func(c string) string { return strings.ReplaceAll(c, "-", "") }},
		{"lower case, no hyphens", func(c string) string { return strings.ToLower(strings.ReplaceAll(c, "-", "")) }},
		{"mixed case", func(c string) string {
			b := []byte(c)
			for i := range b {
				if i%2 == 0 {
					b[i] = strings.ToLower(string(b[i]))[0]
				}
			}
			return string(b)
		}},
		{"O and I", func(c string) string { return strings.NewReplacer("0", "O", "1", "I").Replace(c) }},
		{"o and l", func(c string) string {
			return strings.NewReplacer("0", "o", "1", "l").Replace(strings.ToLower(c))
		}},
		{"L and i, no hyphens", func(c string) string {
			return strings.NewReplacer("0", "O", "1", "L", "-", "").Replace(c)
		}},
	}
	for _, v := range variants {
		// A code with a 0 and a 1 in it, so that the confusions matter.
		var rc *acct.ResetCode
		for i := 0; ; i++ {
			rc = e.issueCode("spell@example.com")
			if strings.Contains(rc.Code, "0") && strings.Contains(rc.Code, "1") {
				break
			}
			if i == 500 {
				e.t.Fatalf("500 codes without both a 0 and a 1: is the code random?")
			}
		}
		typed := v.fn(rc.Code)
		got, err := e.svc.ResetPassword(e.ctx, acct.PasswordReset{Code: typed, Password: NewPassword})
		if err != nil {
			e.t.Fatalf("code %s typed %s as %q: %v", rc.Code, v.name, typed, err)
		}
		if got.ID != u.ID {
			e.t.Fatalf("code typed %s reset user %d, want %d", v.name, got.ID, u.ID)
		}
		e.codeRefused(rc.Code, "already used")
	}
}

// testResetCodeWrong checks codes that were never issued, and input
// errors; none of them voids the real code.
func testResetCodeWrong(e *env) {
	e.register(acct.NewUser{Email: "wrong@example.com"})
	rc := e.issueCode("wrong@example.com")
	flipped := flipCode(rc.Code)
	for _, bad := range []string{
		flipped,
		strings.ToLower(flipped),
		canon(flipped),
		"0000-0000-0000-0000",
		"hello",
		rc.Code[:len(rc.Code)-1],
		rc.Code + "X",
		rc.Code[:len(rc.Code)-1] + "U", // U is not a Crockford symbol
		rc.Code + "-" + rc.Code,
		rc.ID,
	} {
		e.codeRefused(bad, "wrong")
	}
	for _, blank := range []string{"", "   "} {
		_, err := e.svc.ResetPassword(e.ctx, acct.PasswordReset{Code: blank, Password: NewPassword})
		e.wantCode(err, acct.CodeInvalid, "code")
	}
	_, err := e.svc.ResetPassword(e.ctx, acct.PasswordReset{Code: rc.Code, Password: ""})
	e.wantCode(err, acct.CodeInvalid, "password")
	e.wantCodeIDs("wrong@example.com", rc.ID)
	e.reset(rc.Code, NewPassword)
	e.login(acct.Login{Ref: "wrong@example.com", Password: NewPassword})
}

// testResetCodeOnce checks that a refused password leaves the code usable
// and that a used code never works again.
func testResetCodeOnce(e *env) {
	e.register(acct.NewUser{Email: "once@example.com", Username: "oncer"})
	rc := e.issueCode("oncer")
	for _, weak := range []string{"tiny pw", "1qaz2wsx3edc4rfv", "oncer-oncer-oncer-oncer", "once-upon-a-time-once"} {
		_, err := e.svc.ResetPassword(e.ctx, acct.PasswordReset{Code: rc.Code, Password: weak})
		e.wantCode(err, acct.CodeRefused, "password")
		if strings.Contains(err.Error(), weak) {
			e.t.Fatalf("error %q repeats the password", err)
		}
	}
	e.wantCodeIDs("oncer", rc.ID)
	e.loginPW("oncer") // the password did not change
	e.to(time.Minute)
	e.reset(rc.Code, NewPassword)
	e.codeRefused(rc.Code, "already used")
	e.codeRefused(strings.ToLower(canon(rc.Code)), "already used")
	e.wantCodeIDs("oncer")
	_, err := e.svc.Login(e.ctx, acct.Login{Ref: "oncer", Password: GoodPassword})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	e.login(acct.Login{Ref: "oncer", Password: NewPassword})
}

// testResetEffects checks what a reset does: the new password works and
// the old one does not, every session of the user ends, every other
// outstanding code of the user is voided, and a lockout after failed
// logins is lifted; other users keep theirs.
func testResetEffects(e *env) {
	u := e.register(acct.NewUser{Email: "effects@example.com", Username: "affected"})
	e.register(acct.NewUser{Email: "bystander@example.com"})
	s1, s2 := e.loginPW("affected"), e.loginPW("affected")
	k := e.login(acct.Login{Ref: "affected", Password: GoodPassword, Keep: true})
	bs := e.loginPW("bystander@example.com")
	bc := e.issueCode("bystander@example.com")

	for i := 0; i < testThreshold; i++ {
		_, err := e.svc.Login(e.ctx, acct.Login{Ref: "affected", Password: WrongPassword})
		e.wantCode(err, acct.CodeUnauthenticated, "")
	}
	if got := e.user("affected"); got.Status != acct.StatusLocked || got.LockedUntil == nil {
		e.t.Fatalf("after %d failures: %+v, want a lockout", testThreshold, got)
	}
	_, err := e.svc.Login(e.ctx, acct.Login{Ref: "affected", Password: GoodPassword})
	e.wantCode(err, acct.CodeRefused, "")

	rc := e.issueCode("affected") // a lockout does not stop support
	e.to(time.Minute)
	link := e.forgotLink("effects@example.com")
	cs := e.codes("affected", rc.Code, link)
	if len(cs) != 2 || cs[1].ID != rc.ID || cs[0].Kind != acct.CodeKindForgot || cs[1].Kind != acct.CodeKindReset {
		e.t.Fatalf("outstanding codes %+v, want the forgot-password link and then the reset code %s", cs, rc.ID)
	}
	e.valid(s1)
	e.valid(k)

	e.to(2 * time.Minute) // the lockout runs until 10m
	got := e.reset(rc.Code, NewPassword)
	if got.ID != u.ID || got.Status != acct.StatusActive || got.LockedUntil != nil || got.FailedLogins != 0 {
		e.t.Fatalf("after the reset: %+v, want active, not locked, no failed logins", got)
	}
	if got := e.user("affected"); got.Status != acct.StatusActive || got.LockedUntil != nil || got.FailedLogins != 0 {
		e.t.Fatalf("after the reset, stored: %+v, want active, not locked, no failed logins", got)
	}
	for _, s := range []*acct.Session{s1, s2, k} {
		e.refused(s.Token, "ended")
	}
	e.valid(bs)
	e.codeRefused(link, "voided")
	e.wantCodeIDs("affected")
	e.wantCodeIDs("bystander@example.com", bc.ID)
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "affected", Password: GoodPassword})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	e.valid(e.login(acct.Login{Ref: "affected", Password: NewPassword}))
	e.reset(bc.Code, NewPassword)
}

// testResetConcurrent submits one code from 16 goroutines at once: exactly
// one succeeds and sets its password, the others are told the code was
// used.
func testResetConcurrent(e *env) {
	e.register(acct.NewUser{Email: "race@example.com"})
	const n = 16
	pw := func(round, i int) string { return fmt.Sprintf("%s %d-%02d", NewPassword, round, i) }
	for round := 0; round < 3; round++ {
		rc := e.issueCode("race@example.com")
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make([]error, n)
		users := make([]*acct.User, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				users[i], errs[i] = e.svc.ResetPassword(e.ctx, acct.PasswordReset{Code: rc.Code, Password: pw(round, i)})
			}(i)
		}
		close(start)
		wg.Wait()
		winner, ok := -1, 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
				winner = i
			case acct.ErrorCode(err) == acct.CodeUnauthenticated && strings.Contains(strings.ToLower(err.Error()), "already used"):
			default:
				e.t.Errorf("round %d, racing reset %d: %v (code %q), want unauthenticated saying already used", round, i, err, acct.ErrorCode(err))
			}
		}
		if ok != 1 {
			e.t.Fatalf("round %d: %d of %d racing resets succeeded, want exactly 1", round, ok, n)
		}
		e.login(acct.Login{Ref: "race@example.com", Password: pw(round, winner)})
		loser := (winner + 1) % n
		_, err := e.svc.Login(e.ctx, acct.Login{Ref: "race@example.com", Password: pw(round, loser)})
		e.wantCode(err, acct.CodeUnauthenticated, "")
		e.wantCodeIDs("race@example.com")
	}
	_, count := e.events("race@example.com")
	if count["password.reset/ok/tester"] != 3 {
		e.t.Fatalf("%d password.reset ok events for 3 winners; events: %v", count["password.reset/ok/tester"], count)
	}
	if count["password.reset/failure/tester"] != 3*(n-1) {
		e.t.Errorf("%d password.reset failure events for %d losers; events: %v", count["password.reset/failure/tester"], 3*(n-1), count)
	}
}

// testIssueConcurrent issues reset codes for one user from 8 goroutines
// at once, and asks for 8 forgot-password links at once: each new code
// voids the older ones of its kind, so exactly one of each is left, and
// of the reset codes only that one works.
func testIssueConcurrent(e *env) {
	e.register(acct.NewUser{Email: "busy@example.com"})
	const n = 8
	start := make(chan struct{})
	var wg sync.WaitGroup
	issued := make([]*acct.ResetCode, n)
	errs := make([]error, 2*n)
	for i := 0; i < n; i++ {
		wg.Add(2)
		go func(i int) {
			defer wg.Done()
			<-start
			issued[i], errs[i] = e.svc.IssueResetCode(e.ctx, acct.ResetCodeRequest{Ref: "busy@example.com"})
		}(i)
		go func(i int) {
			defer wg.Done()
			<-start
			if errs[n+i] = e.svc.ForgotPassword(e.ctx, "busy@example.com"); errs[n+i] == nil {
				_, errs[n+i] = e.svc.RunJobs(e.ctx, acct.JobRun{}) // runners race too
			}
		}(i)
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			e.t.Fatalf("racing issue %d: %v", i, err)
		}
	}
	cs := e.codes("busy@example.com")
	var outstanding string
	kinds := map[acct.CodeKind]int{}
	for _, c := range cs {
		kinds[c.Kind]++
		if c.Kind == acct.CodeKindReset {
			outstanding = c.ID
		}
	}
	if len(cs) != 2 || kinds[acct.CodeKindReset] != 1 || kinds[acct.CodeKindForgot] != 1 {
		e.t.Fatalf("after %d racing reset codes and %d racing links: outstanding %+v, want one of each", n, n, cs)
	}
	var winner *acct.ResetCode
	for _, rc := range issued {
		if rc.ID == outstanding {
			winner = rc
			continue
		}
		e.codeRefused(rc.Code, "voided")
	}
	if winner == nil {
		e.t.Fatalf("the outstanding code %s is none of those issued", outstanding)
	}
	e.reset(winner.Code, NewPassword)
	for _, nt := range e.notices(n) {
		e.codeRefused(e.linkCode(nt.Data.URL, linkPrefix, linkSuffix), "voided")
	}
	e.wantCodeIDs("busy@example.com")
}

// testListCodes checks the listing of outstanding codes: their fields,
// newest first, never a code; used, voided and expired ones are gone.
func testListCodes(e *env) {
	u := e.register(acct.NewUser{Email: "lister@example.com", Username: "lister"})
	e.register(acct.NewUser{Email: "otherlister@example.com"})
	if cs := e.codes("lister"); len(cs) != 0 {
		e.t.Fatalf("codes before any: %+v", cs)
	}
	bob := acct.WithActor(e.ctx, "support-bob")
	rc, err := e.svc.IssueResetCode(bob, acct.ResetCodeRequest{Ref: "lister", TTL: 2 * time.Hour, Reason: "ticket 42"})
	if err != nil {
		e.t.Fatal(err)
	}
	e.to(time.Minute)
	link := e.forgotLink("lister@example.com")
	oc := e.issueCode("otherlister@example.com")

	cs := e.codes("lister", rc.Code, link, oc.Code)
	if len(cs) != 2 {
		e.t.Fatalf("outstanding codes %+v, want 2", cs)
	}
	f, r := cs[0], cs[1]
	if f.ID == "" || f.ID == rc.ID || f.Kind != acct.CodeKindForgot || f.UserID != u.ID || !f.CreatedAt.Equal(Start.Add(time.Minute)) ||
		!f.ExpiresAt.Equal(Start.Add(time.Minute+acct.DefaultForgotTTL)) || f.IssuedBy != "tester" || f.SentBy != acct.ChannelEmail {
		e.t.Fatalf("forgot-password code %+v\nwant kind forgot, user %d, created %s, expires %s, issued by tester, sent by email",
			f, u.ID, Start.Add(time.Minute), Start.Add(time.Minute+acct.DefaultForgotTTL))
	}
	if r.ID != rc.ID || r.Kind != acct.CodeKindReset || r.UserID != u.ID || !r.CreatedAt.Equal(Start) ||
		!r.ExpiresAt.Equal(Start.Add(2*time.Hour)) || r.IssuedBy != "support-bob" || r.SentBy != acct.ChannelNone {
		e.t.Fatalf("reset code %+v\nwant id %s, kind reset, user %d, created %s, expires %s, issued by support-bob, sent by none",
			r, rc.ID, u.ID, Start, Start.Add(2*time.Hour))
	}
	b, _ := json.Marshal(cs)
	for _, key := range []string{`"id"`, `"kind"`, `"user_id"`, `"created_at"`, `"expires_at"`, `"issued_by"`} {
		if !strings.Contains(string(b), key) {
			e.t.Errorf("codes JSON %s lacks %s", b, key)
		}
	}
	if strings.Contains(string(b), `"code"`) {
		e.t.Errorf("codes JSON %s has a code field", b)
	}
	for _, ref := range []string{fmt.Sprint(u.ID), "LISTER@example.com"} {
		e.wantCodeIDs(ref, f.ID, rc.ID)
	}
	_, err = e.svc.ListCodes(e.ctx, "nobody@example.com")
	e.wantCode(err, acct.CodeNotFound, "")

	// The link expires after 1h, the code after 2h: each goes at its
	// expiry, not before.
	e.to(time.Minute + time.Hour - time.Millisecond)
	e.wantCodeIDs("lister", f.ID, rc.ID)
	e.to(time.Minute + time.Hour)
	e.wantCodeIDs("lister", rc.ID)
	e.to(2*time.Hour - time.Millisecond)
	e.wantCodeIDs("lister", rc.ID)
	e.to(2 * time.Hour)
	e.wantCodeIDs("lister")
	e.wantCodeIDs("otherlister@example.com") // expired at 1h too

	// Used codes are gone.
	used := e.issueCode("lister")
	e.wantCodeIDs("lister", used.ID)
	e.reset(used.Code, NewPassword)
	e.wantCodeIDs("lister")
}

// testRevokeCodes checks revoking by id and by user, and the refusals.
func testRevokeCodes(e *env) {
	e.register(acct.NewUser{Email: "revoke@example.com", Username: "revoked"})
	e.register(acct.NewUser{Email: "keeper@example.com"})
	r1 := e.issueCode("revoked")
	res, err := e.svc.RevokeCodes(e.ctx, acct.RevokeCodes{ID: r1.ID})
	if err != nil || !slices.Equal(res.Revoked, []string{r1.ID}) {
		e.t.Fatalf("revoke %s: %+v, %v", r1.ID, res, err)
	}
	e.codeRefused(r1.Code, "voided")
	e.wantCodeIDs("revoked")
	_, err = e.svc.RevokeCodes(e.ctx, acct.RevokeCodes{ID: r1.ID})
	e.wantCode(err, acct.CodeConflict, "")

	e.to(time.Minute)
	r2 := e.issueCode("revoked")
	e.to(2 * time.Minute)
	link := e.forgotLink("revoke@example.com")
	k1 := e.issueCode("keeper@example.com")
	cs := e.codes("revoked")
	if len(cs) != 2 {
		e.t.Fatalf("outstanding %+v, want a link and a code", cs)
	}
	res, err = e.svc.RevokeCodes(e.ctx, acct.RevokeCodes{User: "REVOKE@example.com"})
	if err != nil {
		e.t.Fatal(err)
	}
	if got, want := slices.Sorted(slices.Values(res.Revoked)), slices.Sorted(slices.Values(codeIDs(cs))); !slices.Equal(got, want) {
		e.t.Fatalf("revoked by user: %v, want %v", got, want)
	}
	e.wantCodeIDs("revoked")
	e.wantCodeIDs("keeper@example.com", k1.ID)
	e.codeRefused(r2.Code, "voided")
	e.codeRefused(link, "voided")
	res, err = e.svc.RevokeCodes(e.ctx, acct.RevokeCodes{User: "revoked"})
	if err != nil || len(res.Revoked) != 0 {
		e.t.Fatalf("revoke with nothing outstanding: %+v, %v", res, err)
	}

	// Used and expired codes cannot be revoked.
	r3 := e.issueCode("revoked")
	e.reset(r3.Code, NewPassword)
	_, err = e.svc.RevokeCodes(e.ctx, acct.RevokeCodes{ID: r3.ID})
	e.wantCode(err, acct.CodeConflict, "")
	r4 := e.issueCode("revoked")
	e.to(2*time.Minute + time.Hour)
	_, err = e.svc.RevokeCodes(e.ctx, acct.RevokeCodes{ID: r4.ID})
	e.wantCode(err, acct.CodeConflict, "")
	e.codeRefused(r4.Code, "expired") // still expired, not voided

	_, err = e.svc.RevokeCodes(e.ctx, acct.RevokeCodes{ID: "cod_nosuchcode000000"})
	e.wantCode(err, acct.CodeNotFound, "")
	_, err = e.svc.RevokeCodes(e.ctx, acct.RevokeCodes{User: "nobody@example.com"})
	e.wantCode(err, acct.CodeNotFound, "")
	_, err = e.svc.RevokeCodes(e.ctx, acct.RevokeCodes{})
	e.wantCode(err, acct.CodeInvalid, "")
	_, err = e.svc.RevokeCodes(e.ctx, acct.RevokeCodes{ID: r4.ID, User: "revoked"})
	e.wantCode(err, acct.CodeInvalid, "")

	_, count := e.events("revoked")
	if count["code.revoke/ok/tester"] < 2 {
		e.t.Fatalf("%d code.revoke ok events, want at least 2 (by id, by user); events: %v", count["code.revoke/ok/tester"], count)
	}
	e.to(2 * time.Hour)
	k2 := e.issueCode("keeper@example.com")
	e.reset(k2.Code, NewPassword)
}

// testResetCodeSend checks a code sent by email and by SMS: the notice
// has the channel, the user's address and language, the template, the
// code and its expiry; the answer has no code.
func testResetCodeSend(e *env) {
	u := e.register(acct.NewUser{Email: "Ada@Example.com", Phone: "+44 7400 123128", Username: "countess",
		FirstName: "Ada", LastName: "Lovelace", Language: "fr-ca"})
	e.register(acct.NewUser{Phone: "+447400123129", NoPassword: true})
	e.register(acct.NewUser{Email: "mailonly@example.com"})
	e.to(time.Minute)
	bob := acct.WithActor(e.ctx, "support-bob")
	rc, err := e.svc.IssueResetCode(bob, acct.ResetCodeRequest{Ref: "countess", Send: acct.ChannelEmail, TTL: 30 * time.Minute})
	if err != nil {
		e.t.Fatal(err)
	}
	expires := Start.Add(31 * time.Minute)
	if rc.Code != "" || rc.SentBy != acct.ChannelEmail || rc.ID == "" || rc.UserID != u.ID ||
		rc.IssuedBy != "support-bob" || !rc.ExpiresAt.Equal(expires) {
		e.t.Fatalf("sent code %+v\nwant no code, sent by email, user %d, issued by support-bob, expires %s", *rc, u.ID, expires)
	}
	n := e.notices(1)[0]
	if n.Channel != acct.ChannelEmail || n.To != "ada@example.com" || n.Template != acct.TemplateResetCode ||
		n.Language != "fr-CA" || n.Language != e.user("countess").Language || !n.Data.ExpiresAt.Equal(expires) ||
		!resetCodeShape.MatchString(n.Data.Code) {
		e.t.Fatalf("notice %+v\nwant email to ada@example.com, template reset-code, language fr-CA, a code expiring %s", n, expires)
	}
	e.noSecrets("sent reset code", rc, codeSpellings(n.Data.Code)...)
	cs := e.codes("countess", n.Data.Code)
	if len(cs) != 1 || cs[0].ID != rc.ID || cs[0].SentBy != acct.ChannelEmail || cs[0].IssuedBy != "support-bob" {
		e.t.Fatalf("outstanding %+v, want %s sent by email", cs, rc.ID)
	}
	e.to(31*time.Minute - time.Millisecond)
	e.reset(n.Data.Code, NewPassword)

	rc, err = e.svc.IssueResetCode(e.ctx, acct.ResetCodeRequest{Ref: "countess", Send: acct.ChannelSMS})
	if err != nil {
		e.t.Fatal(err)
	}
	n = e.notices(2)[1]
	if rc.Code != "" || rc.SentBy != acct.ChannelSMS || n.Channel != acct.ChannelSMS || n.To != "+447400123128" ||
		n.Template != acct.TemplateResetCode || n.Language != "fr-CA" || !n.Data.ExpiresAt.Equal(rc.ExpiresAt) ||
		!resetCodeShape.MatchString(n.Data.Code) {
		e.t.Fatalf("sms: answer %+v, notice %+v", *rc, n)
	}
	e.reset(n.Data.Code, OtherPassword)
	e.login(acct.Login{Ref: "countess", Password: OtherPassword})

	// No address for the channel: invalid, nothing sent, nothing voided.
	m1 := e.issueCode("mailonly@example.com")
	_, err = e.svc.IssueResetCode(e.ctx, acct.ResetCodeRequest{Ref: "mailonly@example.com", Send: acct.ChannelSMS})
	e.wantCode(err, acct.CodeInvalid, "send")
	_, err = e.svc.IssueResetCode(e.ctx, acct.ResetCodeRequest{Ref: "+447400123129", Send: acct.ChannelEmail})
	e.wantCode(err, acct.CodeInvalid, "send")
	_, err = e.svc.IssueResetCode(e.ctx, acct.ResetCodeRequest{Ref: "nobody@example.com", Send: acct.ChannelEmail})
	e.wantCode(err, acct.CodeNotFound, "")
	e.notices(2)
	e.wantCodeIDs("mailonly@example.com", m1.ID)
	e.wantCodeIDs("+447400123129")
	e.reset(m1.Code, NewPassword)
}

// testResetCodeSendFails checks a failed delivery: unavailable, and the
// code that was made is not left valid.
func testResetCodeSendFails(e *env) {
	e.register(acct.NewUser{Email: "undelivered@example.com", Phone: "+447400123130"})
	for i, ch := range []acct.Channel{acct.ChannelEmail, acct.ChannelSMS} {
		e.notes.Fail(errors.New("451 mailbox busy, try again later"))
		rc, err := e.svc.IssueResetCode(e.ctx, acct.ResetCodeRequest{Ref: "undelivered@example.com", Send: ch})
		if err == nil {
			e.t.Fatalf("%s: a failed delivery answered %+v", ch, rc)
		}
		e.wantCode(err, acct.CodeUnavailable, "")
		n := e.notices(i + 1)[i]
		for _, s := range codeSpellings(n.Data.Code) {
			if strings.Contains(err.Error(), s) {
				e.t.Fatalf("error %q holds the code", err)
			}
		}
		e.wantCodeIDs("undelivered@example.com")
		e.notes.Fail(nil)
		e.codeInvalid(n.Data.Code)
	}
	_, count := e.events("undelivered@example.com")
	if count["code.deliver/failure/tester"] != 2 {
		e.t.Fatalf("%d code.deliver failure events, want 2; events: %v", count["code.deliver/failure/tester"], count)
	}
	// Delivery works again.
	if _, err := e.svc.IssueResetCode(e.ctx, acct.ResetCodeRequest{Ref: "undelivered@example.com", Send: acct.ChannelEmail}); err != nil {
		e.t.Fatal(err)
	}
	e.reset(e.notices(3)[2].Data.Code, NewPassword)
}

// testResetCodeNoDelivery checks a service without a notifier: sending is
// invalid, handing over works, forgot-password is invalid alike for a
// known and an unknown address.
func testResetCodeNoDelivery(e *env) {
	e.register(acct.NewUser{Email: "nodelivery@example.com", Phone: "+447400123131"})
	for _, ch := range []acct.Channel{acct.ChannelEmail, acct.ChannelSMS} {
		_, err := e.svc.IssueResetCode(e.ctx, acct.ResetCodeRequest{Ref: "nodelivery@example.com", Send: ch})
		e.wantCode(err, acct.CodeInvalid, "send")
	}
	e.wantCodeIDs("nodelivery@example.com")
	e.reset(e.issueCode("nodelivery@example.com").Code, NewPassword)
	known := e.svc.ForgotPassword(e.ctx, "nodelivery@example.com")
	unknown := e.svc.ForgotPassword(e.ctx, "stranger@example.com")
	e.wantCode(known, acct.CodeInvalid, "")
	sameAnswer(e, known, unknown)
	e.wantCodeIDs("nodelivery@example.com")
}

// sameAnswer checks that two errors read the same to the caller.
func sameAnswer(e *env, a, b error) {
	e.t.Helper()
	if (a == nil) != (b == nil) || acct.ErrorCode(a) != acct.ErrorCode(b) || acct.ErrorField(a) != acct.ErrorField(b) ||
		(a != nil && a.Error() != b.Error()) {
		e.t.Fatalf("known address answered %v (%q), unknown %v (%q): want the same", a, acct.ErrorCode(a), b, acct.ErrorCode(b))
	}
}

// testForgotPassword checks the forgot-password flow: the same answer for
// a known and an unknown address, one email with a link, the link's code
// resets the password once, a newer link voids an older one.
func testForgotPassword(e *env) {
	u := e.register(acct.NewUser{Email: "forgot@example.com", Username: "forgetter", FirstName: "Grete", Language: "de"})
	s := e.loginPW("forgetter")
	support := e.issueCode("forgetter")
	e.to(time.Minute)
	known := e.svc.ForgotPassword(e.ctx, "Forgot@Example.com")
	unknown := e.svc.ForgotPassword(e.ctx, "unknown-person@example.com")
	if known != nil {
		e.t.Fatalf("forgot password of a known address: %v", known)
	}
	sameAnswer(e, known, unknown)
	e.runJobs()
	n := e.notices(1)[0]
	if n.Channel != acct.ChannelEmail || n.To != "forgot@example.com" || n.Template != acct.TemplateForgot ||
		n.Language != "de" || !n.Data.ExpiresAt.Equal(Start.Add(time.Minute+acct.DefaultForgotTTL)) {
		e.t.Fatalf("notice %+v\nwant email to forgot@example.com, template forgot-password, language de, expires %s",
			n, Start.Add(time.Minute+acct.DefaultForgotTTL))
	}
	if strings.Contains(n.Data.URL, "{code}") {
		e.t.Fatalf("link %q: {code} not replaced", n.Data.URL)
	}
	first := e.linkCode(n.Data.URL, linkPrefix, linkSuffix)
	cs := e.codes("forgetter", first, support.Code)
	if len(cs) != 2 || cs[0].Kind != acct.CodeKindForgot || cs[0].SentBy != acct.ChannelEmail || cs[1].ID != support.ID {
		e.t.Fatalf("outstanding %+v, want the link and the support code", cs)
	}

	firstID := cs[0].ID
	e.to(2 * time.Minute)
	second := e.forgotLink("forgot@example.com")
	if canon(second) == canon(first) {
		e.t.Fatalf("two links with the same code %s", first)
	}
	e.codeRefused(first, "voided")
	if cs = e.codes("forgetter"); len(cs) != 2 || cs[0].ID == firstID || cs[0].Kind != acct.CodeKindForgot || cs[1].ID != support.ID {
		e.t.Fatalf("outstanding after a second link %+v, want a new link (not %s) and the support code %s", cs, firstID, support.ID)
	}

	got := e.reset(second, NewPassword)
	if got.ID != u.ID {
		e.t.Fatalf("the link reset user %d, want %d", got.ID, u.ID)
	}
	e.codeRefused(second, "already used")
	e.codeRefused(support.Code, "voided")
	e.refused(s.Token, "ended")
	_, err := e.svc.Login(e.ctx, acct.Login{Ref: "forgetter", Password: GoodPassword})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	e.login(acct.Login{Ref: "forgetter", Password: NewPassword})

	// Accounts that may not reset get the same answer.
	e.register(acct.NewUser{Email: "heldforgot@example.com"})
	if _, err := e.svc.Unregister(e.ctx, "heldforgot@example.com", acct.UnregisterOptions{Hold: time.Hour}); err != nil {
		e.t.Fatal(err)
	}
	sameAnswer(e, e.svc.ForgotPassword(e.ctx, "heldforgot@example.com"), unknown)
	e.runJobs()
	e.wantCodeIDs("heldforgot@example.com")

	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "forgetter", Password: GoodPassword})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	bad := e.svc.ForgotPassword(e.ctx, "not an address")
	e.wantCode(bad, acct.CodeInvalid, "email")

	evs, _ := e.events("")
	for _, ev := range evs {
		e.noSecrets("audit event", ev, append(append(codeSpellings(first), codeSpellings(second)...), "unknown-person", n.Data.URL, NewPassword)...)
	}
}

// testForgotPasswordTokenParam checks a public URL without "{code}": the
// code is the query parameter "token"; and the link's life of 1h.
func testForgotPasswordTokenParam(e *env) {
	e.register(acct.NewUser{Email: "token@example.com"})
	if err := e.svc.ForgotPassword(e.ctx, "token@example.com"); err != nil {
		e.t.Fatal(err)
	}
	e.runJobs()
	link := e.linkCode(e.notices(1)[0].Data.URL, "https://accounts.example.com/reset?token=", "")
	e.to(time.Hour - time.Millisecond)
	e.reset(link, NewPassword)

	if err := e.svc.ForgotPassword(e.ctx, "token@example.com"); err != nil {
		e.t.Fatal(err)
	}
	e.runJobs()
	link = e.linkCode(e.notices(2)[1].Data.URL, "https://accounts.example.com/reset?token=", "")
	e.to(2*time.Hour - time.Millisecond)
	e.codeRefused(link, "expired")
	e.login(acct.Login{Ref: "token@example.com", Password: NewPassword})
}

// testForgotPasswordNoURL checks that without a public URL the answer is
// invalid, the same for a known and an unknown address, and nothing is
// sent.
func testForgotPasswordNoURL(e *env) {
	e.register(acct.NewUser{Email: "nourl@example.com"})
	known := e.svc.ForgotPassword(e.ctx, "nourl@example.com")
	unknown := e.svc.ForgotPassword(e.ctx, "stranger@example.com")
	e.wantCode(known, acct.CodeInvalid, "")
	sameAnswer(e, known, unknown)
	e.runJobs()
	e.notices(0)
	e.wantCodeIDs("nourl@example.com")
}

// testForgotPasswordSendFails checks a failed delivery of a link: the
// same answer (nil), and the code is voided.
func testForgotPasswordSendFails(e *env) {
	e.register(acct.NewUser{Email: "bounce@example.com"})
	e.notes.Fail(errors.New("550 no such mailbox"))
	known := e.svc.ForgotPassword(e.ctx, "bounce@example.com")
	unknown := e.svc.ForgotPassword(e.ctx, "stranger@example.com")
	if known != nil {
		e.t.Fatalf("forgot password with a failing delivery: %v, want nil", known)
	}
	sameAnswer(e, known, unknown)
	e.runJobs()
	link := e.linkCode(e.notices(1)[0].Data.URL, linkPrefix, linkSuffix)
	e.notes.Fail(nil)
	e.wantCodeIDs("bounce@example.com")
	e.codeInvalid(link)
	_, count := e.events("bounce@example.com")
	if count["code.deliver/failure/tester"] != 1 {
		e.t.Fatalf("%d code.deliver failure events, want 1; events: %v", count["code.deliver/failure/tester"], count)
	}
	e.loginPW("bounce@example.com")
}

// testPasswordChangesVoidCodes checks that a password set or change, and
// an unregister, void the user's outstanding codes, and that a refused
// one does not.
func testPasswordChangesVoidCodes(e *env) {
	// SetPassword.
	e.register(acct.NewUser{Email: "setvoid@example.com"})
	c := e.issueCode("setvoid@example.com")
	link := e.forgotLink("setvoid@example.com")
	_, err := e.svc.SetPassword(e.ctx, "setvoid@example.com", "tiny pw")
	e.wantCode(err, acct.CodeRefused, "password")
	if n := len(e.codes("setvoid@example.com")); n != 2 {
		e.t.Fatalf("a refused set voided codes: %d outstanding, want 2", n)
	}
	if _, err := e.svc.SetPassword(e.ctx, "setvoid@example.com", OtherPassword); err != nil {
		e.t.Fatal(err)
	}
	e.wantCodeIDs("setvoid@example.com")
	e.codeRefused(c.Code, "voided")
	e.codeRefused(link, "voided")
	e.login(acct.Login{Ref: "setvoid@example.com", Password: OtherPassword})

	// ChangePassword.
	e.register(acct.NewUser{Email: "changevoid@example.com"})
	c = e.issueCode("changevoid@example.com")
	_, err = e.svc.ChangePassword(e.ctx, acct.PasswordChange{Ref: "changevoid@example.com", Current: WrongPassword, New: OtherPassword})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	_, err = e.svc.ChangePassword(e.ctx, acct.PasswordChange{Ref: "changevoid@example.com", Current: GoodPassword, New: "tiny pw"})
	e.wantCode(err, acct.CodeRefused, "password")
	e.wantCodeIDs("changevoid@example.com", c.ID)
	if _, err := e.svc.ChangePassword(e.ctx, acct.PasswordChange{Ref: "changevoid@example.com", Current: GoodPassword, New: OtherPassword}); err != nil {
		e.t.Fatal(err)
	}
	e.wantCodeIDs("changevoid@example.com")
	e.codeRefused(c.Code, "voided")
	e.login(acct.Login{Ref: "changevoid@example.com", Password: OtherPassword})

	// Unregister: the codes stay void after a restore.
	e.register(acct.NewUser{Email: "heldvoid@example.com"})
	c = e.issueCode("heldvoid@example.com")
	if _, err := e.svc.Unregister(e.ctx, "heldvoid@example.com", acct.UnregisterOptions{Hold: time.Hour}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.Restore(e.ctx, "heldvoid@example.com"); err != nil {
		e.t.Fatal(err)
	}
	e.wantCodeIDs("heldvoid@example.com")
	e.codeRefused(c.Code, "voided")
	e.loginPW("heldvoid@example.com")

	// Unregister at once: the code of a purged account is dead.
	e.register(acct.NewUser{Email: "purgevoid@example.com"})
	c = e.issueCode("purgevoid@example.com")
	if _, err := e.svc.Unregister(e.ctx, "purgevoid@example.com", acct.UnregisterOptions{Purge: true}); err != nil {
		e.t.Fatal(err)
	}
	e.codeInvalid(c.Code)
}

// testCodeAudit checks the audit trail of codes: issue with the staff
// member and the reason, delivery and its failure, use and failed uses;
// never a code or a password.
func testCodeAudit(e *env) {
	u := e.register(acct.NewUser{Email: "audited@example.com", Username: "audited"})
	bob := acct.WithActor(e.ctx, "support-bob")
	const reason = "caller verified by phone"
	c1, err := e.svc.IssueResetCode(bob, acct.ResetCodeRequest{Ref: "audited", Reason: reason})
	if err != nil {
		e.t.Fatal(err)
	}
	wrong := flipCode(c1.Code)
	e.codeRefused(wrong, "wrong")
	_, err = e.svc.ResetPassword(e.ctx, acct.PasswordReset{Code: c1.Code, Password: "tiny pw"})
	e.wantCode(err, acct.CodeRefused, "password")
	e.to(time.Minute)
	e.reset(c1.Code, OtherPassword)
	e.codeRefused(c1.Code, "already used")

	e.to(2 * time.Minute)
	if _, err := e.svc.IssueResetCode(bob, acct.ResetCodeRequest{Ref: "audited", Send: acct.ChannelEmail}); err != nil {
		e.t.Fatal(err)
	}
	e.notes.Fail(errors.New("421 service not available"))
	_, err = e.svc.IssueResetCode(bob, acct.ResetCodeRequest{Ref: "audited", Send: acct.ChannelEmail})
	e.wantCode(err, acct.CodeUnavailable, "")
	e.notes.Fail(nil)
	ns := e.notices(2)
	link := e.forgotLink("audited@example.com")

	evs, count := e.events("audited")
	for _, ev := range evs {
		if ev.UserID == nil || *ev.UserID != u.ID {
			e.t.Fatalf("event of another user: %+v", ev)
		}
	}
	for key, want := range map[string]int{
		"code.issue/ok/support-bob":        3,
		"code.issue/ok/tester":             1, // the forgot-password link
		"code.deliver/ok/support-bob":      1,
		"code.deliver/failure/support-bob": 1,
		"code.deliver/ok/tester":           1,
		"password.reset/ok/tester":         1,
		"password.reset/failure/tester":    2, // the weak password, the used code
	} {
		if count[key] != want {
			e.t.Errorf("%d events %s, want %d; events: %v", count[key], key, want, count)
		}
	}
	withReason := 0
	for _, ev := range evs {
		if ev.Action == acct.ActionResetCodeIssue && ev.Actor == "support-bob" && strings.Contains(ev.Detail, reason) {
			withReason++
		}
	}
	if withReason != 1 {
		e.t.Errorf("%d code.issue events by support-bob carry the reason %q, want 1", withReason, reason)
	}
	// The wrong code named no account, but the attempt is in the trail.
	all, err := e.svc.ListEvents(e.ctx, acct.EventQuery{Action: acct.ActionPasswordReset, Limit: acct.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	failures := 0
	for _, ev := range all {
		if ev.Outcome == acct.OutcomeFailure {
			failures++
		}
	}
	if failures != 3 {
		e.t.Errorf("%d password.reset failure events, want 3 (a wrong code, a weak password, a used code)", failures)
	}
	e.noSecretEvents([]string{c1.Code, wrong, ns[0].Data.Code, ns[1].Data.Code, link},
		GoodPassword, OtherPassword, "tiny pw")
}

func testLockAndEmailChangeVoidCodes(e *env) {
	// A code issued before an operator's lock does not work after the unlock.
	e.register(acct.NewUser{Email: "lockvoid@example.com"})
	c := e.issueCode("lockvoid@example.com")
	if _, err := e.svc.LockUser(e.ctx, "lockvoid@example.com", acct.LockOptions{Reason: "stolen laptop"}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.UnlockUser(e.ctx, "lockvoid@example.com"); err != nil {
		e.t.Fatal(err)
	}
	e.wantCodeIDs("lockvoid@example.com")
	e.codeRefused(c.Code, "voided")

	// A reset link sent to an old address dies with the address; a support
	// code (handed over, not sent there) survives.
	e.register(acct.NewUser{Email: "oldaddr@example.com"})
	link := e.forgotLink("oldaddr@example.com")
	c = e.issueCode("oldaddr@example.com")
	newAddr := "newaddr@example.com"
	if _, err := e.svc.UpdateUser(e.ctx, "oldaddr@example.com", acct.UserUpdate{Email: &newAddr}); err != nil {
		e.t.Fatal(err)
	}
	e.wantCodeIDs(newAddr, c.ID)
	e.codeRefused(link, "voided")
	e.reset(c.Code, NewPassword)
}

// testForgotPasswordExtraEmail: a forgot-password link goes to any
// verified address of an account, an extra one included, and is audited;
// an unverified extra address gets nothing and the unknown's answer.
func testForgotPasswordExtraEmail(e *env) {
	u := e.register(acct.NewUser{Email: "main@example.com", Username: "twomails"})
	e.addAddress("twomails", acct.AddressEmail, "Work@Example.com", true)
	e.addAddress("twomails", acct.AddressEmail, "maybe@example.com", false)
	unknown := e.svc.ForgotPassword(e.ctx, "stranger@example.com")
	before := len(e.notes.Notices())
	code := e.forgotLink("work@EXAMPLE.com")
	n := e.notes.Notices()[before]
	if n.To != "work@example.com" || n.Template != acct.TemplateForgot {
		e.t.Fatalf("notice %+v, want the link to work@example.com", n)
	}
	cs := e.codes("twomails", code)
	if len(cs) != 1 || cs[0].Kind != acct.CodeKindForgot || cs[0].SentBy != acct.ChannelEmail {
		e.t.Fatalf("outstanding %+v, want one link sent to work@example.com", cs)
	}
	evs, err := e.svc.ListEvents(e.ctx, acct.EventQuery{User: "twomails", Action: acct.ActionResetCodeIssue})
	if err != nil || len(evs) != 1 || !strings.Contains(evs[0].Detail, cs[0].ID) {
		e.t.Fatalf("issue events %+v, %v, want one for %s", evs, err, cs[0].ID)
	}
	// An unverified extra address: nothing sent, nothing written.
	sameAnswer(e, e.svc.ForgotPassword(e.ctx, "maybe@example.com"), unknown)
	e.notices(before + 1)
	if got := e.codes("twomails", code); len(got) != 1 || got[0].ID != cs[0].ID {
		e.t.Fatalf("after a request to an unverified address: %+v", got)
	}
	if got := e.reset(code, NewPassword); got.ID != u.ID {
		e.t.Fatalf("the link reset user %d, want %d", got.ID, u.ID)
	}
}

// testResetVerifiesEmail: a reset through an emailed link or code proves
// the address it went to, as a recovery passcode proves its phone; a code
// handed over by an operator proves nothing.
func testResetVerifiesEmail(e *env) {
	e.register(acct.NewUser{Email: "unproven@example.com", Username: "unproven"})
	if u := e.user("unproven"); u.EmailVerified {
		e.t.Fatalf("registered %+v, want the email not verified", u)
	}
	if u := e.reset(e.issueCode("unproven").Code, NewPassword); u.EmailVerified {
		e.t.Fatalf("a handed-over code verified the email: %+v", u)
	}
	e.clock.Advance(time.Minute)
	if u := e.reset(e.forgotLink("unproven@example.com"), GoodPassword); !u.EmailVerified {
		e.t.Fatalf("after a reset by the emailed link: %+v, want the email verified", u)
	}
	if u := e.user("unproven"); !u.EmailVerified {
		e.t.Fatalf("stored after the reset: %+v, want the email verified", u)
	}
	as := e.addresses("unproven", acct.AddressEmail)
	if len(as) != 1 || !as[0].Verified || as[0].VerifiedAt == nil || !as[0].VerifiedAt.Equal(e.clock.Now()) {
		e.t.Fatalf("addresses %+v, want the primary verified now", as)
	}

	// A reset code sent by email proves the address too.
	e.register(acct.NewUser{Email: "mailed@example.com", Username: "mailed"})
	before := len(e.notes.Notices())
	e.issue(acct.ResetCodeRequest{Ref: "mailed", Send: acct.ChannelEmail})
	sent := e.notices(before + 1)[before]
	if u := e.reset(sent.Data.Code, NewPassword); !u.EmailVerified {
		e.t.Fatalf("after a reset by an emailed code: %+v, want the email verified", u)
	}
}

// testResetCodeReasons: a refused code says why in its Reason: invalid
// (unknown, or not the shape of a code), ended (used or voided), expired.
func testResetCodeReasons(e *env) {
	e.register(acct.NewUser{Email: "reasons@example.com"})
	reset := func(code string) error {
		_, err := e.svc.ResetPassword(e.ctx, acct.PasswordReset{Code: code, Password: NewPassword})
		return err
	}
	rc := e.issueCode("reasons@example.com")
	e.wantReason(reset("garbage"), acct.CodeUnauthenticated, acct.ReasonInvalid, 0)
	e.wantReason(reset(flipCode(canon(rc.Code))), acct.CodeUnauthenticated, acct.ReasonInvalid, 0)
	older := rc
	rc = e.issueCode("reasons@example.com")
	e.wantReason(reset(older.Code), acct.CodeUnauthenticated, acct.ReasonEnded, 0) // voided by the newer
	e.reset(rc.Code, NewPassword)
	e.wantReason(reset(rc.Code), acct.CodeUnauthenticated, acct.ReasonEnded, 0) // used
	rc = e.issueCode("reasons@example.com")
	e.to(time.Hour)
	e.wantReason(reset(rc.Code), acct.CodeUnauthenticated, acct.ReasonExpired, 0)
}
