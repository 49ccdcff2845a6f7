package accttest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// The lifetimes and lockout of the session cases. They differ from the
// defaults, so that a service that ignores its options fails.
const (
	testIdle       = 30 * time.Minute
	testAbsolute   = 8 * time.Hour
	testPersistent = 240 * time.Hour
	testThreshold  = 3
	testLockout    = 10 * time.Minute
)

// OtherPassword passes the default policy and differs from GoodPassword.
const OtherPassword = "purple elephants dance at midnight"

// WrongPassword is a password no account of the suite has.
const WrongPassword = "not the password you are looking for"

// TokenPrefix starts every session token.
const TokenPrefix = "acctl_sess_"

func sessionOptions(o *acct.Options) {
	o.SessionIdle = testIdle
	o.SessionAbsolute = testAbsolute
	o.SessionPersistent = testPersistent
	o.LockoutThreshold = testThreshold
	o.LockoutDuration = testLockout
}

var sessionCases = []suiteCase{
	{"SessionDefaults", testSessionDefaults, nil},
	{"Login", testLogin, sessionOptions},
	{"LoginPurged", testLoginPurged, sessionOptions},
	{"ValidateIdle", testValidateIdle, sessionOptions},
	{"ValidateRejects", testValidateRejects, sessionOptions},
	{"FreshenAbsolute", testFreshenAbsolute, sessionOptions},
	{"FreshenRefs", testFreshenRefs, sessionOptions},
	{"PersistentSession", testPersistentSession, sessionOptions},
	{"ListSessions", testListSessions, sessionOptions},
	{"ListSessionsInvalid", testListSessionsInvalid, sessionOptions},
	{"EndSessions", testEndSessions, sessionOptions},
	{"EndSessionByToken", testEndSessionByToken, sessionOptions},
	{"PurgeSessions", testPurgeSessions, sessionOptions},
	{"Lockout", testLockoutRule, sessionOptions},
	{"LockoutWrongWhileLocked", testLockoutWrongWhileLocked, sessionOptions},
	{"ConcurrentFailures", testConcurrentFailures, func(o *acct.Options) {
		sessionOptions(o)
		o.LockoutThreshold = 1000
		o.LoginLimit = acct.Rate{Events: concurrentFailures + 1, Per: time.Hour}
	}},
	{"VerifyPassword", testVerifyPassword, sessionOptions},
	{"SetPassword", testSetPassword, sessionOptions},
	{"ChangePassword", testChangePassword, sessionOptions},
	{"LockUnlock", testLockUnlock, sessionOptions},
	{"LockUntil", testLockUntil, sessionOptions},
	{"HeldLoginRestores", testHeldLoginRestores, sessionOptions},
	{"Foreign", testForeign, sessionOptions},
	{"SessionAudit", testSessionAudit, sessionOptions},
}

// Rehashing a weaker hash at login is not checked here: a hash is never
// visible through acct.Service, and Open gives an empty service each time,
// so no case can register under one cost and log in under another. The
// stores' own tests check it.

// --- helpers ---

// to moves the clock to Start+d; it never goes back.
func (e *env) to(d time.Duration) {
	e.t.Helper()
	step := Start.Add(d).Sub(e.clock.Now())
	if step < 0 {
		e.t.Fatalf("clock would go back by %s", -step)
	}
	e.clock.Advance(step)
}

func (e *env) login(in acct.Login) *acct.Session {
	e.t.Helper()
	s, err := e.svc.Login(e.ctx, in)
	if err != nil {
		e.t.Fatalf("login %s%s: %v", in.Ref, in.Foreign, err)
	}
	if s == nil || s.Token == "" || s.ID == "" {
		e.t.Fatalf("login %s%s: session %+v", in.Ref, in.Foreign, s)
	}
	return s
}

// loginPW logs ref in with GoodPassword.
func (e *env) loginPW(ref string) *acct.Session {
	e.t.Helper()
	return e.login(acct.Login{Ref: ref, Password: GoodPassword})
}

func (e *env) user(ref string) *acct.User {
	e.t.Helper()
	u, err := e.svc.User(e.ctx, ref)
	if err != nil {
		e.t.Fatalf("user %s: %v", ref, err)
	}
	return u
}

// valid checks that s's token validates now, to s's session and user.
func (e *env) valid(s *acct.Session) *acct.SessionInfo {
	e.t.Helper()
	info, err := e.svc.ValidateSession(e.ctx, s.Token)
	if err != nil {
		e.t.Fatalf("validate session %s at %s: %v", s.ID, e.clock.Now().Sub(Start), err)
	}
	if info.Session.ID != s.ID || info.Session.UserID != s.UserID || info.User.ID != s.UserID {
		e.t.Fatalf("validate session %s: got session %s of user %d (user %d), want user %d",
			s.ID, info.Session.ID, info.Session.UserID, info.User.ID, s.UserID)
	}
	if info.Session.Token != "" {
		e.t.Fatalf("validate session %s: the answer repeats the token", s.ID)
	}
	if info.Session.Status != "" && info.Session.Status != acct.SessionActive {
		e.t.Fatalf("validate session %s: status %q", s.ID, info.Session.Status)
	}
	return info
}

// sessionWords are what a refused token's message may say; it says
// exactly one of them.
var sessionWords = []string{"expired", "ended", "invalid"}

// refused checks that token is refused with CodeUnauthenticated, the
// Reason word (expired, ended, invalid) and a message that says word and
// none of the others, and does not repeat the token.
func (e *env) refused(token, word string) {
	e.t.Helper()
	info, err := e.svc.ValidateSession(e.ctx, token)
	if err == nil {
		e.t.Fatalf("token validated at %s, want %s: %+v", e.clock.Now().Sub(Start), word, info.Session)
	}
	e.wantMessage(err, acct.CodeUnauthenticated, word)
	if got := acct.ErrorReason(err); string(got) != word {
		e.t.Fatalf("error %v: reason %q, want %q", err, got, word)
	}
	if token != "" && strings.Contains(err.Error(), token) {
		e.t.Fatalf("error %q repeats the token", err)
	}
}

func (e *env) wantMessage(err error, code acct.Code, word string) {
	e.t.Helper()
	e.wantCode(err, code, "")
	msg := strings.ToLower(err.Error())
	for _, w := range sessionWords {
		if (w == word) != strings.Contains(msg, w) {
			e.t.Fatalf("error %q: want a message that says %q and not the others of %v", err, word, sessionWords)
		}
	}
}

func (e *env) sessions(q acct.SessionQuery) []acct.Session {
	e.t.Helper()
	ss, err := e.svc.ListSessions(e.ctx, q)
	if err != nil {
		e.t.Fatalf("list sessions %+v: %v", q, err)
	}
	for _, s := range ss {
		if s.Token != "" {
			e.t.Fatalf("list sessions %+v: session %s carries a token", q, s.ID)
		}
	}
	return ss
}

// sessionIDs lists the ids of ss in their order.
func sessionIDs(ss []acct.Session) []string {
	ids := []string{}
	for _, s := range ss {
		ids = append(ids, s.ID)
	}
	return ids
}

func idsOf(ss ...*acct.Session) []string {
	ids := []string{}
	for _, s := range ss {
		ids = append(ids, s.ID)
	}
	return ids
}

// wantIDs checks an ordered list of session ids.
func (e *env) wantIDs(what string, got []string, want ...*acct.Session) {
	e.t.Helper()
	if got == nil {
		got = []string{}
	}
	if w := idsOf(want...); !slices.Equal(got, w) {
		e.t.Fatalf("%s: sessions %v, want %v", what, got, w)
	}
}

// wantIDSet checks a list of session ids in any order.
func (e *env) wantIDSet(what string, got []string, want ...*acct.Session) {
	e.t.Helper()
	got = slices.Sorted(slices.Values(got))
	w := slices.Sorted(slices.Values(idsOf(want...)))
	if !slices.Equal(got, w) {
		e.t.Fatalf("%s: sessions %v, want %v", what, got, w)
	}
}

func (e *env) end(in acct.EndSessions) []string {
	e.t.Helper()
	res, err := e.svc.EndSessions(e.ctx, in)
	if err != nil {
		e.t.Fatalf("end sessions %+v: %v", in, err)
	}
	if res.Ended == nil {
		return []string{}
	}
	return res.Ended
}

// checkNewSession checks a session that Login just opened at now.
func (e *env) checkNewSession(s *acct.Session, userID int64, idle, absolute time.Duration, keep bool, label string) {
	e.t.Helper()
	now := e.clock.Now()
	if !strings.HasPrefix(s.Token, TokenPrefix) {
		e.t.Fatalf("token %q lacks the prefix %q", s.Token, TokenPrefix)
	}
	body := strings.TrimPrefix(s.Token, TokenPrefix)
	raw, err := base64.RawURLEncoding.Strict().DecodeString(body)
	if len(body) != 43 || err != nil || len(raw) != 32 {
		e.t.Fatalf("token %q: want %q and 43 base64url characters (256 bits)", s.Token, TokenPrefix)
	}
	if !strings.HasPrefix(s.ID, "ses_") || len(s.ID) < 8 || len(s.ID) > 40 || strings.Contains(s.Token, s.ID[4:]) {
		e.t.Fatalf("session id %q: want a short public id \"ses_…\" unrelated to the token", s.ID)
	}
	if s.UserID != userID || !s.CreatedAt.Equal(now) || !s.LastSeenAt.Equal(now) ||
		!s.ExpiresAt.Equal(now.Add(idle)) || !s.AbsoluteExpiresAt.Equal(now.Add(absolute)) ||
		s.Persistent != keep || s.Label != label || s.EndedAt != nil ||
		(s.Status != "" && s.Status != acct.SessionActive) {
		e.t.Fatalf("new session %+v\nwant user %d, created and last seen %s, expires %s, absolute %s, persistent %v, label %q",
			*s, userID, now, now.Add(idle), now.Add(absolute), keep, label)
	}
}

// noSecrets fails when v's JSON holds one of the secrets.
func (e *env) noSecrets(what string, v any, secrets ...string) {
	e.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, s := range append(secrets, "argon2", "password_hash", "token_hash", TokenPrefix) {
		if s != "" && strings.Contains(string(b), s) {
			e.t.Fatalf("%s %s holds %q", what, b, s)
		}
	}
}

// --- cases ---

// testSessionDefaults checks the lifetimes and the lockout that a service
// gets when its options leave them zero: 1h, 24h, 720h, 10 failures, 15m.
func testSessionDefaults(e *env) {
	u := e.register(acct.NewUser{Email: "defaults@example.com"})
	s := e.loginPW("defaults@example.com")
	e.checkNewSession(s, u.ID, time.Hour, 24*time.Hour, false, "")
	k := e.login(acct.Login{Ref: "defaults@example.com", Password: GoodPassword, Keep: true})
	e.checkNewSession(k, u.ID, 720*time.Hour, 720*time.Hour, true, "")
	for i := 1; i <= 10; i++ {
		if got := e.user("defaults@example.com"); got.Status != acct.StatusActive || got.FailedLogins != i-1 {
			e.t.Fatalf("after %d failures: status %s, failed logins %d", i-1, got.Status, got.FailedLogins)
		}
		_, err := e.svc.Login(e.ctx, acct.Login{Ref: "defaults@example.com", Password: WrongPassword})
		e.wantCode(err, acct.CodeUnauthenticated, "")
	}
	got := e.user("defaults@example.com")
	if got.Status != acct.StatusLocked || got.FailedLogins != 10 || got.LockedUntil == nil ||
		!got.LockedUntil.Equal(Start.Add(15*time.Minute)) {
		e.t.Fatalf("after 10 failures: %+v, want locked until %s", got, Start.Add(15*time.Minute))
	}
}

func testLogin(e *env) {
	u := e.register(acct.NewUser{Email: "alice@example.com", Username: "alice", Phone: "+447400123127"})
	e.to(time.Minute)
	s := e.login(acct.Login{Ref: "alice", Password: GoodPassword, Label: "laptop"})
	e.checkNewSession(s, u.ID, testIdle, testAbsolute, false, "laptop")
	k := e.login(acct.Login{Ref: "ALICE@example.com", Password: GoodPassword, Keep: true, Label: "phone"})
	e.checkNewSession(k, u.ID, testPersistent, testPersistent, true, "phone")
	// Every login gives a new token and a new id, by any REF.
	tokens, ids := map[string]bool{}, map[string]bool{}
	for _, ref := range []string{"alice", "alice", fmt.Sprint(u.ID), "+447400123127", "07400 123127"} {
		n := e.loginPW(ref)
		e.checkNewSession(n, u.ID, testIdle, testAbsolute, false, "")
		tokens[n.Token], ids[n.ID] = true, true
	}
	tokens[s.Token], tokens[k.Token], ids[s.ID], ids[k.ID] = true, true, true, true
	if len(tokens) != 7 || len(ids) != 7 {
		e.t.Fatalf("7 logins gave %d tokens and %d ids", len(tokens), len(ids))
	}
	e.valid(s)
	e.valid(k)

	_, err := e.svc.Login(e.ctx, acct.Login{Ref: "alice", Password: WrongPassword})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	if err != nil && strings.Contains(err.Error(), WrongPassword) {
		e.t.Fatalf("error %q repeats the password", err)
	}
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "nobody@example.com", Password: GoodPassword})
	e.wantCode(err, acct.CodeNotFound, "")
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "alice", Password: ""})
	e.wantCode(err, acct.CodeInvalid, "")
	_, err = e.svc.Login(e.ctx, acct.Login{Password: GoodPassword})
	e.wantCode(err, acct.CodeInvalid, "")
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "alice", Password: GoodPassword, Foreign: "github:1"})
	e.wantCode(err, acct.CodeInvalid, "")
	if n := len(e.sessions(acct.SessionQuery{Status: acct.SessionAll})); n != 7 {
		e.t.Fatalf("%d sessions after 7 logins and 5 failed ones", n)
	}
	if got := e.user("alice"); got.FailedLogins != 1 {
		e.t.Fatalf("failed logins %d, want 1 (one wrong password)", got.FailedLogins)
	}
}

// testLoginPurged checks that a purged account cannot log in, by its
// former username nor by its id (which names a tombstone).
func testLoginPurged(e *env) {
	u := e.register(acct.NewUser{Email: "gone@example.com", Username: "goner"})
	s := e.loginPW("goner")
	if _, err := e.svc.Unregister(e.ctx, "goner", acct.UnregisterOptions{Purge: true}); err != nil {
		e.t.Fatal(err)
	}
	_, err := e.svc.Login(e.ctx, acct.Login{Ref: "goner", Password: GoodPassword})
	e.wantCode(err, acct.CodeNotFound, "")
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: fmt.Sprint(u.ID), Password: GoodPassword})
	switch acct.ErrorCode(err) {
	case acct.CodeNotFound, acct.CodeRefused, acct.CodeUnauthenticated, acct.CodeConflict:
	default:
		e.t.Fatalf("login of a purged account by id: %v (code %q)", err, acct.ErrorCode(err))
	}
	if _, err := e.svc.ValidateSession(e.ctx, s.Token); err == nil {
		e.t.Fatalf("a session of a purged account still validates")
	}
	for _, x := range e.sessions(acct.SessionQuery{Status: acct.SessionActive}) {
		e.t.Fatalf("active session of a purged account: %+v", x)
	}
}

// testValidateIdle checks the idle deadline: valid just before it, expired
// at it; freshening moves it to now+idle.
func testValidateIdle(e *env) {
	u := e.register(acct.NewUser{Email: "idle@example.com", Username: "idler", FirstName: "Ida"})
	s1 := e.loginPW("idler")
	s2 := e.loginPW("idler")
	e.to(testIdle - time.Millisecond)
	info := e.valid(s1)
	if info.User.Username != "idler" || info.User.Email != "idle@example.com" || info.User.FirstName != "Ida" ||
		!info.User.HasPassword || !info.Session.CreatedAt.Equal(Start) || !info.Session.AbsoluteExpiresAt.Equal(Start.Add(testAbsolute)) {
		e.t.Fatalf("session info %+v", info)
	}
	e.noSecrets("session info", info, s1.Token, s1.Token[len(TokenPrefix):], GoodPassword)
	e.to(testIdle)
	e.refused(s2.Token, "expired")
	if got := e.sessions(acct.SessionQuery{User: "idler", Status: acct.SessionExpired}); !slices.Contains(sessionIDs(got), s2.ID) {
		e.t.Fatalf("expired sessions %v lack %s", sessionIDs(got), s2.ID)
	}

	// Freshening sets the idle deadline to now+idle.
	e.to(2 * time.Hour)
	f1 := e.loginPW("idler")
	f2 := e.loginPW("idler")
	e.to(2*time.Hour + 20*time.Minute)
	for _, f := range []*acct.Session{f1, f2} {
		got, err := e.svc.FreshenSession(e.ctx, acct.SessionRef{ID: f.ID})
		if err != nil {
			e.t.Fatal(err)
		}
		now := e.clock.Now()
		if got.ID != f.ID || got.UserID != u.ID || got.Token != "" || !got.ExpiresAt.Equal(now.Add(testIdle)) ||
			!got.LastSeenAt.Equal(now) || !got.CreatedAt.Equal(f.CreatedAt) || !got.AbsoluteExpiresAt.Equal(f.AbsoluteExpiresAt) {
			e.t.Fatalf("freshened %+v\nwant expires %s, last seen %s", got, now.Add(testIdle), now)
		}
	}
	e.to(2*time.Hour + 20*time.Minute + testIdle - time.Millisecond)
	e.valid(f1)
	e.to(2*time.Hour + 20*time.Minute + testIdle)
	e.refused(f2.Token, "expired")
}

// testValidateRejects checks ended sessions and tokens that name no
// session.
func testValidateRejects(e *env) {
	e.register(acct.NewUser{Email: "rej@example.com"})
	s := e.loginPW("rej@example.com")
	other := e.loginPW("rej@example.com")
	body := s.Token[len(TokenPrefix):]
	flip := "A"
	if body[0] == 'A' {
		flip = "B"
	}
	for _, bad := range []string{
		"garbage",
		TokenPrefix,
		TokenPrefix + strings.Repeat("A", 43),
		TokenPrefix + flip + body[1:],           // one character changed
		s.Token[:len(s.Token)-1],                // one character short
		s.Token + "A",                           // one character long
		"acctl_rst_" + body,                     // another prefix
		"ghp_" + body,                           // another prefix
		body,                                    // no prefix
		strings.ToUpper(TokenPrefix) + body,     // prefix in another case
		" " + s.Token[:len(s.Token)-2] + "\x00", // junk
	} {
		e.refused(bad, "invalid")
	}
	e.valid(s)
	if res := e.end(acct.EndSessions{IDs: []string{s.ID}}); !slices.Equal(res, []string{s.ID}) {
		e.t.Fatalf("ended %v, want [%s]", res, s.ID)
	}
	e.refused(s.Token, "ended")
	e.valid(other)
	// An ended session stays ended after its deadline.
	e.to(testAbsolute)
	e.refused(s.Token, "ended")
	e.refused(other.Token, "expired")
}

// testFreshenAbsolute freshens a session until its absolute deadline:
// the idle deadline never passes it, and at it the session expires.
func testFreshenAbsolute(e *env) {
	e.register(acct.NewUser{Email: "abs@example.com"})
	s := e.loginPW("abs@example.com")
	abs := Start.Add(testAbsolute)
	step := testIdle - 5*time.Minute
	for d := step; d < testAbsolute; d += step {
		e.to(d)
		got, err := e.svc.FreshenSession(e.ctx, acct.SessionRef{ID: s.ID})
		if err != nil {
			e.t.Fatalf("freshen at %s: %v", d, err)
		}
		want := e.clock.Now().Add(testIdle)
		if want.After(abs) {
			want = abs
		}
		if !got.ExpiresAt.Equal(want) || !got.AbsoluteExpiresAt.Equal(abs) {
			e.t.Fatalf("freshen at %s: expires %s, absolute %s; want %s, %s", d, got.ExpiresAt, got.AbsoluteExpiresAt, want, abs)
		}
	}
	e.to(testAbsolute - time.Millisecond)
	e.valid(s)
	e.to(testAbsolute)
	e.refused(s.Token, "expired")
	_, err := e.svc.FreshenSession(e.ctx, acct.SessionRef{ID: s.ID})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	_, err = e.svc.FreshenSession(e.ctx, acct.SessionRef{Token: s.Token})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	e.refused(s.Token, "expired")
}

// testFreshenRefs freshens by id and by token, and refuses ended, expired
// and unknown sessions.
func testFreshenRefs(e *env) {
	e.register(acct.NewUser{Email: "fresh@example.com"})
	s := e.loginPW("fresh@example.com")
	ended := e.loginPW("fresh@example.com")
	expiring := e.loginPW("fresh@example.com")
	e.end(acct.EndSessions{IDs: []string{ended.ID}})
	e.to(10 * time.Minute)
	got, err := e.svc.FreshenSession(e.ctx, acct.SessionRef{Token: s.Token})
	if err != nil {
		e.t.Fatal(err)
	}
	if got.ID != s.ID || got.Token != "" || !got.ExpiresAt.Equal(Start.Add(10*time.Minute+testIdle)) {
		e.t.Fatalf("freshen by token: %+v", got)
	}
	for _, ref := range []acct.SessionRef{{ID: ended.ID}, {Token: ended.Token}} {
		_, err = e.svc.FreshenSession(e.ctx, ref)
		e.wantCode(err, acct.CodeUnauthenticated, "")
	}
	e.refused(ended.Token, "ended")
	e.to(testIdle)
	e.refused(expiring.Token, "expired")
	for _, ref := range []acct.SessionRef{{ID: expiring.ID}, {Token: expiring.Token}} {
		_, err = e.svc.FreshenSession(e.ctx, ref)
		e.wantCode(err, acct.CodeUnauthenticated, "")
	}
	e.refused(expiring.Token, "expired") // a failed freshen does not revive it
	e.valid(s)                           // freshened at 10m: valid until 40m

	_, err = e.svc.FreshenSession(e.ctx, acct.SessionRef{Token: TokenPrefix + strings.Repeat("x", 43)})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	_, err = e.svc.FreshenSession(e.ctx, acct.SessionRef{ID: "ses_nosuchsession"})
	e.wantCode(err, acct.CodeNotFound, "")
	_, err = e.svc.FreshenSession(e.ctx, acct.SessionRef{})
	e.wantCode(err, acct.CodeInvalid, "")
}

// testPersistentSession checks a keep-me-logged-in session: it outlives
// the idle and absolute deadlines and ends at login+persistent.
func testPersistentSession(e *env) {
	e.register(acct.NewUser{Email: "keep@example.com"})
	k := e.login(acct.Login{Ref: "keep@example.com", Password: GoodPassword, Keep: true})
	e.to(testAbsolute + testIdle)
	e.valid(k)
	e.to(testPersistent - time.Millisecond)
	e.valid(k)
	e.to(testPersistent)
	e.refused(k.Token, "expired")
}

func testListSessions(e *env) {
	alice := e.register(acct.NewUser{Email: "alice@example.com", Username: "alice"})
	bob := e.register(acct.NewUser{Email: "bob@example.com", Username: "bob"})
	a1 := e.login(acct.Login{Ref: "alice", Password: GoodPassword, Label: "one"})
	e.to(time.Minute)
	a2 := e.loginPW("alice")
	e.to(2 * time.Minute)
	b1 := e.loginPW("bob")
	e.to(3 * time.Minute)
	a3 := e.login(acct.Login{Ref: "alice", Password: GoodPassword, Keep: true})
	e.to(4 * time.Minute)
	a4 := e.loginPW("alice")
	e.to(5 * time.Minute)
	e.end(acct.EndSessions{IDs: []string{a2.ID}})

	e.to(testIdle - time.Millisecond)
	e.wantIDs("active just before a1's idle deadline", sessionIDs(e.sessions(acct.SessionQuery{})), a4, a3, b1, a1)
	e.to(testIdle)
	e.wantIDs("default (active)", sessionIDs(e.sessions(acct.SessionQuery{})), a4, a3, b1)
	e.wantIDs("active", sessionIDs(e.sessions(acct.SessionQuery{Status: acct.SessionActive})), a4, a3, b1)
	e.wantIDs("expired", sessionIDs(e.sessions(acct.SessionQuery{Status: acct.SessionExpired})), a1)
	e.wantIDs("ended", sessionIDs(e.sessions(acct.SessionQuery{Status: acct.SessionEnded})), a2)
	all := e.sessions(acct.SessionQuery{Status: acct.SessionAll})
	e.wantIDs("all", sessionIDs(all), a4, a3, b1, a2, a1)
	e.wantIDs("alice's", sessionIDs(e.sessions(acct.SessionQuery{User: "ALICE", Status: acct.SessionAll})), a4, a3, a2, a1)
	e.wantIDs("bob's active", sessionIDs(e.sessions(acct.SessionQuery{User: fmt.Sprint(bob.ID)})), b1)
	e.wantIDs("bob's expired", sessionIDs(e.sessions(acct.SessionQuery{User: "bob@example.com", Status: acct.SessionExpired})))
	e.wantIDs("limit", sessionIDs(e.sessions(acct.SessionQuery{Status: acct.SessionAll, Limit: 2})), a4, a3)

	want := map[string]struct {
		user   int64
		name   string
		status acct.SessionStatus
		from   *acct.Session
	}{
		a1.ID: {alice.ID, "alice", acct.SessionExpired, a1},
		a2.ID: {alice.ID, "alice", acct.SessionEnded, a2},
		a3.ID: {alice.ID, "alice", acct.SessionActive, a3},
		a4.ID: {alice.ID, "alice", acct.SessionActive, a4},
		b1.ID: {bob.ID, "bob", acct.SessionActive, b1},
	}
	for _, s := range all {
		w := want[s.ID]
		f := w.from
		if s.UserID != w.user || s.Username != w.name || s.Email != w.name+"@example.com" || s.Status != w.status ||
			!s.CreatedAt.Equal(f.CreatedAt) || !s.LastSeenAt.Equal(f.LastSeenAt) || !s.ExpiresAt.Equal(f.ExpiresAt) ||
			!s.AbsoluteExpiresAt.Equal(f.AbsoluteExpiresAt) || s.Persistent != f.Persistent || s.Label != f.Label {
			e.t.Fatalf("listed %+v\nwant user %d %s, status %s, as at login %+v", s, w.user, w.name, w.status, *f)
		}
		if ended := s.ID == a2.ID; ended != (s.EndedAt != nil) || (ended && !s.EndedAt.Equal(Start.Add(5*time.Minute))) {
			e.t.Fatalf("session %s ended at %v", s.ID, s.EndedAt)
		}
	}
	var secrets []string
	for _, s := range []*acct.Session{a1, a2, a3, a4, b1} {
		secrets = append(secrets, s.Token, s.Token[len(TokenPrefix):])
	}
	e.noSecrets("session list", all, secrets...)
	if b, _ := json.Marshal(all); strings.Contains(string(b), `"token"`) {
		e.t.Fatalf("session list JSON has a token field: %s", b)
	}
}

// testListSessionsInvalid: bad queries, and an empty answer is an empty
// list.
func testListSessionsInvalid(e *env) {
	ss, err := e.svc.ListSessions(e.ctx, acct.SessionQuery{Status: acct.SessionAll})
	if err != nil || ss == nil || len(ss) != 0 {
		e.t.Fatalf("no sessions: %#v, %v (want an empty list)", ss, err)
	}
	_, err = e.svc.ListSessions(e.ctx, acct.SessionQuery{User: "ghost@example.com"})
	e.wantCode(err, acct.CodeNotFound, "")
	_, err = e.svc.ListSessions(e.ctx, acct.SessionQuery{Status: "sleeping"})
	e.wantCode(err, acct.CodeInvalid, "status")
	_, err = e.svc.ListSessions(e.ctx, acct.SessionQuery{Limit: -1})
	e.wantCode(err, acct.CodeInvalid, "limit")
}

func testEndSessions(e *env) {
	e.register(acct.NewUser{Email: "alice@example.com", Username: "alice"})
	e.register(acct.NewUser{Email: "bob@example.com", Username: "bob"})
	s1, s2, s3 := e.loginPW("alice"), e.loginPW("alice"), e.loginPW("alice")
	b1, b2 := e.loginPW("bob"), e.loginPW("bob")

	// An unknown id ends nothing, not even the known ones named with it.
	_, err := e.svc.EndSessions(e.ctx, acct.EndSessions{IDs: []string{s1.ID, "ses_nosuchsession"}})
	e.wantCode(err, acct.CodeNotFound, "")
	e.valid(s1)
	_, err = e.svc.EndSessions(e.ctx, acct.EndSessions{})
	e.wantCode(err, acct.CodeInvalid, "")
	_, err = e.svc.EndSessions(e.ctx, acct.EndSessions{User: "nobody"})
	e.wantCode(err, acct.CodeNotFound, "")

	e.to(time.Minute)
	e.wantIDs("end s1", e.end(acct.EndSessions{IDs: []string{s1.ID}}), s1)
	e.refused(s1.Token, "ended")
	e.wantIDs("end s1 again", e.end(acct.EndSessions{IDs: []string{s1.ID}}))
	// Ids of two users at once.
	e.wantIDSet("end s2 and b2", e.end(acct.EndSessions{IDs: []string{s2.ID, b2.ID}}), s2, b2)
	e.refused(s2.Token, "ended")
	e.refused(b2.Token, "ended")
	e.valid(s3)
	e.valid(b1)

	// Log alice out everywhere but on s4.
	s4, s5 := e.loginPW("alice"), e.loginPW("alice")
	e.wantIDSet("end alice's but s4", e.end(acct.EndSessions{User: "alice", Except: s4.ID}), s3, s5)
	e.valid(s4)
	e.refused(s3.Token, "ended")
	e.refused(s5.Token, "ended")
	e.valid(b1)
	e.wantIDs("end alice's", e.end(acct.EndSessions{User: "alice@example.com"}), s4)
	e.wantIDs("end alice's again", e.end(acct.EndSessions{User: "alice"}))
	e.refused(s4.Token, "ended")
	e.valid(b1)

	// An expired session is not ended: it is left out.
	e.to(2 * time.Minute)
	old := e.loginPW("bob")
	e.to(2*time.Minute + testIdle)
	fresh := e.loginPW("bob")
	e.wantIDs("end bob's", e.end(acct.EndSessions{User: "bob"}), fresh)
	e.refused(old.Token, "expired")
	e.wantIDs("end an expired one", e.end(acct.EndSessions{IDs: []string{old.ID}}))
	e.refused(old.Token, "expired")
	ended := e.sessions(acct.SessionQuery{Status: acct.SessionEnded})
	e.wantIDSet("ended", sessionIDs(ended), s1, s2, s3, s4, s5, b2, fresh)
	for _, s := range ended {
		if s.EndedAt == nil {
			e.t.Fatalf("ended session without ended_at: %+v", s)
		}
	}
}

// testEndSessionByToken: an app ends its own session by the token it
// holds; an unknown token is refused like a bad one at validation, and a
// token goes with no other way of naming sessions.
func testEndSessionByToken(e *env) {
	e.register(acct.NewUser{Email: "app@example.com", Username: "appuser"})
	s1, s2 := e.loginPW("appuser"), e.loginPW("appuser")
	e.to(time.Minute)
	e.wantIDs("end by token", e.end(acct.EndSessions{Token: "  " + s1.Token + " "}), s1)
	e.refused(s1.Token, "ended")
	e.valid(s2)
	e.wantIDs("end by token again", e.end(acct.EndSessions{Token: s1.Token}))
	evs, err := e.svc.ListEvents(e.ctx, acct.EventQuery{User: "appuser", Action: acct.ActionSessionEnd})
	if err != nil || len(evs) != 1 || !strings.Contains(evs[0].Detail, s1.ID) || strings.Contains(evs[0].Detail, s1.Token) {
		e.t.Fatalf("session.end events %+v, %v: want one naming %s, never the token", evs, err, s1.ID)
	}
	_, err = e.svc.EndSessions(e.ctx, acct.EndSessions{Token: "acctl_sess_" + strings.Repeat("A", 43)})
	e.wantMessage(err, acct.CodeUnauthenticated, "invalid")
	for _, in := range []acct.EndSessions{{Token: s2.Token, IDs: []string{s2.ID}}, {Token: s2.Token, User: "appuser"}} {
		_, err = e.svc.EndSessions(e.ctx, in)
		e.wantCode(err, acct.CodeInvalid, "token")
	}
	e.valid(s2)
}

func testPurgeSessions(e *env) {
	e.register(acct.NewUser{Email: "purge@example.com"})
	ref := "purge@example.com"
	expired := e.loginPW(ref) // expires at testIdle
	ended := e.loginPW(ref)   // ended at 1m
	keep := e.login(acct.Login{Ref: ref, Password: GoodPassword, Keep: true})
	e.to(time.Minute)
	e.end(acct.EndSessions{IDs: []string{ended.ID}})
	e.to(2 * time.Hour)
	active := e.loginPW(ref)
	recent := e.loginPW(ref)
	e.end(acct.EndSessions{IDs: []string{recent.ID}})

	purge := func(older time.Duration, want int64) {
		e.t.Helper()
		res, err := e.svc.PurgeSessions(e.ctx, acct.SessionPurgeOptions{OlderThan: older})
		if err != nil || res.Deleted != want {
			e.t.Fatalf("purge older than %s at %s: %+v, %v; want %d deleted", older, e.clock.Now().Sub(Start), res, err, want)
		}
	}
	all := func() []string { return sessionIDs(e.sessions(acct.SessionQuery{Status: acct.SessionAll})) }
	// expired expired 90m ago, ended ended 119m ago, recent just now.
	purge(2*time.Hour, 0)
	purge(119*time.Minute+time.Millisecond, 0)
	purge(119*time.Minute, 1)
	e.wantIDSet("after the first purge", all(), expired, keep, active, recent)
	purge(90*time.Minute+time.Millisecond, 0)
	purge(90*time.Minute, 1)
	purge(90*time.Minute, 0)
	e.wantIDSet("after the second purge", all(), keep, active, recent)
	purge(0, 1)
	purge(0, 0)
	e.wantIDSet("after purging all", all(), keep, active)
	e.refused(expired.Token, "invalid")
	e.valid(keep)
	e.valid(active)
	_, err := e.svc.PurgeSessions(e.ctx, acct.SessionPurgeOptions{OlderThan: -time.Hour})
	e.wantCode(err, acct.CodeInvalid, "")
}

// testLockoutRule checks that testThreshold consecutive failures lock the
// account for testLockout, and that a success resets the count.
func testLockoutRule(e *env) {
	u := e.register(acct.NewUser{Email: "lock@example.com", Username: "locky"})
	fail := func(n int) {
		e.t.Helper()
		for i := 0; i < n; i++ {
			_, err := e.svc.Login(e.ctx, acct.Login{Ref: "locky", Password: WrongPassword})
			e.wantCode(err, acct.CodeUnauthenticated, "")
		}
	}
	status := func(status acct.Status, failed int) *acct.User {
		e.t.Helper()
		got := e.user("locky")
		if got.Status != status || got.FailedLogins != failed {
			e.t.Fatalf("user %+v: want status %s, %d failed logins", got, status, failed)
		}
		return got
	}
	listed := func(status acct.Status, want bool) {
		e.t.Helper()
		p, err := e.svc.ListUsers(e.ctx, acct.UserQuery{Status: status})
		if err != nil {
			e.t.Fatal(err)
		}
		if got := slices.ContainsFunc(p.Users, func(x acct.User) bool { return x.ID == u.ID }); got != want {
			e.t.Fatalf("user listed as %s: %v, want %v", status, got, want)
		}
	}

	// Below the threshold a success resets the count.
	fail(testThreshold - 1)
	status(acct.StatusActive, testThreshold-1)
	e.loginPW("locky")
	status(acct.StatusActive, 0)
	fail(testThreshold - 1)
	status(acct.StatusActive, testThreshold-1)
	_, err := e.svc.Login(e.ctx, acct.Login{Ref: "locky", Password: ""})
	e.wantCode(err, acct.CodeInvalid, "")
	status(acct.StatusActive, testThreshold-1)

	e.to(time.Minute)
	fail(1)
	got := status(acct.StatusLocked, testThreshold)
	if until := Start.Add(time.Minute + testLockout); got.LockedUntil == nil || !got.LockedUntil.Equal(until) {
		e.t.Fatalf("locked until %v, want %s", got.LockedUntil, until)
	}
	listed(acct.StatusLocked, true)
	listed(acct.StatusActive, false)
	e.to(time.Minute + testLockout - time.Millisecond)
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "locky", Password: GoodPassword})
	e.wantCode(err, acct.CodeRefused, "")
	listed(acct.StatusLocked, true)
	e.to(time.Minute + testLockout)
	listed(acct.StatusLocked, false)
	listed(acct.StatusActive, true)
	s := e.loginPW("locky")
	e.valid(s)
	got = status(acct.StatusActive, 0)
	if got.LockedUntil != nil {
		e.t.Fatalf("lockout lifted but locked until %v", got.LockedUntil)
	}
	// The count starts again from zero.
	fail(testThreshold - 1)
	status(acct.StatusActive, testThreshold-1)

	// UnlockUser lifts a lockout at once.
	fail(1)
	status(acct.StatusLocked, testThreshold)
	if got, err = e.svc.UnlockUser(e.ctx, "locky"); err != nil || got.Status != acct.StatusActive || got.FailedLogins != 0 || got.LockedUntil != nil {
		e.t.Fatalf("unlock a lockout: %+v, %v", got, err)
	}
	e.loginPW("locky")
}

// testLockoutWrongWhileLocked: a locked account is refused whatever the
// password, and a session cannot be opened.
func testLockoutWrongWhileLocked(e *env) {
	e.register(acct.NewUser{Email: "lock2@example.com"})
	for i := 0; i < testThreshold; i++ {
		_, err := e.svc.Login(e.ctx, acct.Login{Ref: "lock2@example.com", Password: WrongPassword})
		e.wantCode(err, acct.CodeUnauthenticated, "")
	}
	for _, pw := range []string{WrongPassword, GoodPassword, WrongPassword, GoodPassword} {
		_, err := e.svc.Login(e.ctx, acct.Login{Ref: "lock2@example.com", Password: pw})
		e.wantCode(err, acct.CodeRefused, "")
	}
	if n := len(e.sessions(acct.SessionQuery{Status: acct.SessionAll})); n != 0 {
		e.t.Fatalf("%d sessions opened by a locked account", n)
	}
}

// concurrentFailures is how many failures testConcurrentFailures races.
const concurrentFailures = 50

// testConcurrentFailures: failures racing each other all count, in the
// lockout count and in the login limit's bucket: one more failure takes
// its last attempt.
func testConcurrentFailures(e *env) {
	const goroutines, each = 10, concurrentFailures / 10
	e.register(acct.NewUser{Email: "race@example.com"})
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				_, err := e.svc.Login(e.ctx, acct.Login{Ref: "race@example.com", Password: WrongPassword})
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if !acct.IsCode(err, acct.CodeUnauthenticated) {
			e.t.Fatalf("racing wrong password: %v", err)
		}
	}
	if got := e.user("race@example.com"); got.FailedLogins != goroutines*each || got.Status != acct.StatusActive {
		e.t.Fatalf("after %d racing failures: failed logins %d, status %s", goroutines*each, got.FailedLogins, got.Status)
	}
	_, err := e.svc.Login(e.ctx, acct.Login{Ref: "race@example.com", Password: WrongPassword})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "race@example.com", Password: WrongPassword})
	e.wantLimited(err, "after the last attempt")
}

func testVerifyPassword(e *env) {
	u := e.register(acct.NewUser{Email: "verify@example.com", Username: "verifier"})
	if err := e.svc.VerifyPassword(e.ctx, "verifier", GoodPassword); err != nil {
		e.t.Fatalf("right password: %v", err)
	}
	err := e.svc.VerifyPassword(e.ctx, "verifier", WrongPassword)
	e.wantCode(err, acct.CodeUnauthenticated, "")
	got := e.user("verifier")
	if got.FailedLogins != 1 || got.Status != acct.StatusActive || got.ID != u.ID {
		e.t.Fatalf("after a wrong verify: %+v", got)
	}
	if n := len(e.sessions(acct.SessionQuery{Status: acct.SessionAll})); n != 0 {
		e.t.Fatalf("verify opened %d sessions", n)
	}
	err = e.svc.VerifyPassword(e.ctx, "nobody", GoodPassword)
	e.wantCode(err, acct.CodeNotFound, "")
	// Wrong verifications count towards the lockout.
	for i := 1; i < testThreshold; i++ {
		err = e.svc.VerifyPassword(e.ctx, "verifier", WrongPassword)
		e.wantCode(err, acct.CodeUnauthenticated, "")
	}
	if got = e.user("verifier"); got.Status != acct.StatusLocked || got.FailedLogins != testThreshold {
		e.t.Fatalf("after %d wrong verifies: %+v", testThreshold, got)
	}
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "verifier", Password: GoodPassword})
	e.wantCode(err, acct.CodeRefused, "")
	// A no-password account verifies nothing.
	e.register(acct.NewUser{Email: "nopw@example.com", NoPassword: true})
	err = e.svc.VerifyPassword(e.ctx, "nopw@example.com", GoodPassword)
	e.wantCode(err, acct.CodeUnauthenticated, "")
}

func testSetPassword(e *env) {
	e.register(acct.NewUser{Email: "setpw@example.com", Username: "setter"})
	e.register(acct.NewUser{Email: "bystander@example.com"})
	s1, s2 := e.loginPW("setter"), e.loginPW("setter")
	by := e.loginPW("bystander@example.com")

	// A weak password changes nothing.
	for _, weak := range []string{"tiny pw", "1qaz2wsx3edc4rfv", "setter-setter-setter"} {
		_, err := e.svc.SetPassword(e.ctx, "setter", weak)
		e.wantCode(err, acct.CodeRefused, "password")
		if strings.Contains(err.Error(), weak) {
			e.t.Fatalf("error %q repeats the password", err)
		}
	}
	e.valid(s1)
	e.valid(s2)
	_, err := e.svc.SetPassword(e.ctx, "nobody", OtherPassword)
	e.wantCode(err, acct.CodeNotFound, "")

	e.to(time.Minute)
	u, err := e.svc.SetPassword(e.ctx, "setter", OtherPassword)
	if err != nil || !u.HasPassword || u.Username != "setter" {
		e.t.Fatalf("set password: %+v, %v", u, err)
	}
	e.noSecrets("user", u, OtherPassword, GoodPassword)
	e.refused(s1.Token, "ended")
	e.refused(s2.Token, "ended")
	e.valid(by)
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "setter", Password: GoodPassword})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	e.login(acct.Login{Ref: "setter", Password: OtherPassword})

	// An account made without a password gets one.
	e.register(acct.NewUser{Email: "later@example.com", NoPassword: true})
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "later@example.com", Password: GoodPassword})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	if u, err = e.svc.SetPassword(e.ctx, "later@example.com", OtherPassword); err != nil || !u.HasPassword {
		e.t.Fatalf("set a first password: %+v, %v", u, err)
	}
	e.login(acct.Login{Ref: "later@example.com", Password: OtherPassword})
}

func testChangePassword(e *env) {
	e.register(acct.NewUser{Email: "change@example.com", Username: "changer"})
	e.register(acct.NewUser{Email: "else@example.com"})
	s1, s2, s3 := e.loginPW("changer"), e.loginPW("changer"), e.loginPW("changer")
	elses := e.loginPW("else@example.com")

	_, err := e.svc.ChangePassword(e.ctx, acct.PasswordChange{Ref: "changer", Current: WrongPassword, New: OtherPassword, KeepSession: s2.ID})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	_, err = e.svc.ChangePassword(e.ctx, acct.PasswordChange{Ref: "changer", Current: GoodPassword, New: "too short", KeepSession: s2.ID})
	e.wantCode(err, acct.CodeRefused, "password")
	_, err = e.svc.ChangePassword(e.ctx, acct.PasswordChange{Ref: "nobody", Current: GoodPassword, New: OtherPassword})
	e.wantCode(err, acct.CodeNotFound, "")
	// The kept session must be the user's own.
	_, err = e.svc.ChangePassword(e.ctx, acct.PasswordChange{Ref: "changer", Current: GoodPassword, New: OtherPassword, KeepSession: elses.ID})
	e.wantCode(err, acct.CodeInvalid, "keep_session")
	for _, s := range []*acct.Session{s1, s2, s3, elses} {
		e.valid(s)
	}
	e.loginPW("changer") // the old password still works

	e.to(time.Minute)
	u, err := e.svc.ChangePassword(e.ctx, acct.PasswordChange{Ref: "changer", Current: GoodPassword, New: OtherPassword, KeepSession: s2.ID})
	if err != nil || !u.HasPassword || u.Username != "changer" {
		e.t.Fatalf("change password: %+v, %v", u, err)
	}
	e.refused(s1.Token, "ended")
	e.refused(s3.Token, "ended")
	e.valid(s2)
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "changer", Password: GoodPassword})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	n := e.login(acct.Login{Ref: "changer", Password: OtherPassword})
	if active := e.sessions(acct.SessionQuery{User: "changer"}); len(active) != 2 {
		e.t.Fatalf("active sessions %v, want the kept one and the new one", sessionIDs(active))
	}
	// Without KeepSession every session ends.
	if _, err := e.svc.ChangePassword(e.ctx, acct.PasswordChange{Ref: "changer", Current: OtherPassword, New: GoodPassword}); err != nil {
		e.t.Fatal(err)
	}
	e.refused(s2.Token, "ended")
	e.refused(n.Token, "ended")
	e.valid(elses)
	e.loginPW("changer")
}

func testLockUnlock(e *env) {
	u := e.register(acct.NewUser{Email: "op@example.com", Username: "oplocked"})
	e.register(acct.NewUser{Email: "free@example.com"})
	s := e.loginPW("oplocked")
	free := e.loginPW("free@example.com")
	e.to(time.Minute)
	got, err := e.svc.LockUser(e.ctx, "oplocked", acct.LockOptions{Reason: "suspected fraud"})
	if err != nil || got.Status != acct.StatusLocked || got.LockedUntil != nil || got.LockReason != "suspected fraud" || got.ID != u.ID {
		e.t.Fatalf("lock: %+v, %v", got, err)
	}
	e.refused(s.Token, "ended")
	e.valid(free)
	for _, pw := range []string{GoodPassword, WrongPassword} {
		_, err = e.svc.Login(e.ctx, acct.Login{Ref: "oplocked", Password: pw})
		e.wantCode(err, acct.CodeRefused, "")
	}
	// An operator's lock does not lapse.
	e.to(1000 * time.Hour)
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "oplocked", Password: GoodPassword})
	e.wantCode(err, acct.CodeRefused, "")
	p, err := e.svc.ListUsers(e.ctx, acct.UserQuery{Status: acct.StatusLocked})
	if err != nil || len(p.Users) != 1 || p.Users[0].ID != u.ID {
		e.t.Fatalf("locked users: %+v, %v", p, err)
	}
	got, err = e.svc.UnlockUser(e.ctx, "oplocked")
	if err != nil || got.Status != acct.StatusActive || got.LockedUntil != nil || got.FailedLogins != 0 {
		e.t.Fatalf("unlock: %+v, %v", got, err)
	}
	_, err = e.svc.UnlockUser(e.ctx, "oplocked")
	e.wantCode(err, acct.CodeConflict, "")
	e.loginPW("oplocked")
	_, err = e.svc.LockUser(e.ctx, "nobody", acct.LockOptions{})
	e.wantCode(err, acct.CodeNotFound, "")
	_, err = e.svc.UnlockUser(e.ctx, "nobody")
	e.wantCode(err, acct.CodeNotFound, "")
}

func testLockUntil(e *env) {
	u := e.register(acct.NewUser{Email: "until@example.com", Username: "untiled"})
	for _, past := range []time.Time{Start, Start.Add(-time.Hour)} {
		_, err := e.svc.LockUser(e.ctx, "untiled", acct.LockOptions{Until: &past})
		e.wantCode(err, acct.CodeInvalid, "until")
	}
	if got := e.user("untiled"); got.Status != acct.StatusActive {
		e.t.Fatalf("a refused lock locked: %+v", got)
	}
	until := Start.Add(time.Hour)
	got, err := e.svc.LockUser(e.ctx, "untiled", acct.LockOptions{Until: &until})
	if err != nil || got.Status != acct.StatusLocked || got.LockedUntil == nil || !got.LockedUntil.Equal(until) {
		e.t.Fatalf("lock until %s: %+v, %v", until, got, err)
	}
	listed := func(status acct.Status) bool {
		e.t.Helper()
		p, err := e.svc.ListUsers(e.ctx, acct.UserQuery{Status: status})
		if err != nil {
			e.t.Fatal(err)
		}
		return slices.ContainsFunc(p.Users, func(x acct.User) bool { return x.ID == u.ID })
	}
	e.to(time.Hour - time.Millisecond)
	if !listed(acct.StatusLocked) || listed(acct.StatusActive) {
		e.t.Fatalf("just before the lock lapses: not listed as locked only")
	}
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "untiled", Password: GoodPassword})
	e.wantCode(err, acct.CodeRefused, "")
	e.to(time.Hour)
	if listed(acct.StatusLocked) || !listed(acct.StatusActive) {
		e.t.Fatalf("a lapsed lock: not listed as active only")
	}
	e.valid(e.loginPW("untiled"))
	if got := e.user("untiled"); got.Status != acct.StatusActive {
		e.t.Fatalf("after the lock lapsed and a login: %+v", got)
	}
}

func testHeldLoginRestores(e *env) {
	u := e.register(acct.NewUser{Email: "held@example.com", Username: "heldone"})
	s := e.loginPW("heldone")
	e.to(time.Minute)
	if _, err := e.svc.Unregister(e.ctx, "heldone", acct.UnregisterOptions{Hold: 24 * time.Hour}); err != nil {
		e.t.Fatal(err)
	}
	e.refused(s.Token, "ended")
	_, err := e.svc.Login(e.ctx, acct.Login{Ref: "heldone", Password: WrongPassword})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	if got := e.user("heldone"); got.Status != acct.StatusHeld {
		e.t.Fatalf("a wrong password restored the account: %+v", got)
	}
	e.to(time.Hour)
	n := e.loginPW("heldone")
	e.valid(n)
	got := e.user("heldone")
	if got.Status != acct.StatusActive || got.HoldUntil != nil || got.ID != u.ID {
		e.t.Fatalf("after a login on hold: %+v", got)
	}
	evs, err := e.svc.ListEvents(e.ctx, acct.EventQuery{User: "heldone", Action: acct.ActionUserRestore})
	if err != nil || len(evs) != 1 || evs[0].Outcome != acct.OutcomeOK || !evs[0].At.Equal(Start.Add(time.Hour)) {
		e.t.Fatalf("restore events: %+v, %v", evs, err)
	}
	if res, err := e.svc.PurgeHeld(e.ctx, acct.PurgeOptions{}); err != nil || len(res.Purged) != 0 {
		e.t.Fatalf("purge after the restoring login: %+v, %v", res, err)
	}
	_, err = e.svc.Restore(e.ctx, "heldone")
	e.wantCode(err, acct.CodeConflict, "")
}

func testForeign(e *env) {
	u, err := e.svc.Register(e.ctx, acct.NewUser{Foreign: "github:12345"})
	if err != nil {
		e.t.Fatal(err)
	}
	if u.Foreign != "github:12345" || u.HasPassword || u.Status != acct.StatusActive || u.Email != "" || u.Phone != "" {
		e.t.Fatalf("foreign user: %+v", u)
	}
	if got := e.user("github:12345"); got.ID != u.ID || got.Foreign != "github:12345" {
		e.t.Fatalf("user by foreign: %+v", got)
	}
	s := e.login(acct.Login{Foreign: "github:12345", Label: "github"})
	e.checkNewSession(s, u.ID, testIdle, testAbsolute, false, "github")
	e.valid(s)
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: fmt.Sprint(u.ID), Password: GoodPassword})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	_, err = e.svc.Login(e.ctx, acct.Login{Foreign: "github:99999"})
	e.wantCode(err, acct.CodeNotFound, "")
	_, err = e.svc.Login(e.ctx, acct.Login{Foreign: "github:12345", Password: GoodPassword})
	e.wantCode(err, acct.CodeInvalid, "")

	_, err = e.svc.Register(e.ctx, acct.NewUser{Foreign: "github:12345"})
	e.wantCode(err, acct.CodeConflict, "foreign")
	_, err = e.svc.Register(e.ctx, acct.NewUser{Foreign: "github:12345", Email: "f@example.com", Password: GoodPassword})
	e.wantCode(err, acct.CodeConflict, "foreign")
	for _, bad := range []string{"nocolon", ":12345", "github:", "git hub:1", "github:12 345"} {
		_, err = e.svc.Register(e.ctx, acct.NewUser{Foreign: bad})
		e.wantCode(err, acct.CodeInvalid, "foreign")
	}
	// Another origin with the same subject is another identity.
	g, err := e.svc.Register(e.ctx, acct.NewUser{Foreign: "gitlab:12345"})
	if err != nil || g.ID == u.ID {
		e.t.Fatalf("gitlab:12345: %+v, %v", g, err)
	}
	if n := e.count(); n != 2 {
		e.t.Fatalf("%d users, want 2", n)
	}
	// A lock holds for foreign logins too.
	if _, err := e.svc.LockUser(e.ctx, "github:12345", acct.LockOptions{}); err != nil {
		e.t.Fatal(err)
	}
	e.refused(s.Token, "ended")
	_, err = e.svc.Login(e.ctx, acct.Login{Foreign: "github:12345"})
	e.wantCode(err, acct.CodeRefused, "")
}

func testSessionAudit(e *env) {
	u := e.register(acct.NewUser{Email: "trail@example.com", Username: "trailer"})
	s1 := e.loginPW("trailer")
	s2 := e.loginPW("trailer")
	_, err := e.svc.Login(e.ctx, acct.Login{Ref: "trailer", Password: WrongPassword})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "ghost@example.com", Password: WrongPassword})
	e.wantCode(err, acct.CodeNotFound, "")
	e.end(acct.EndSessions{IDs: []string{s1.ID}})
	if err := e.svc.VerifyPassword(e.ctx, "trailer", WrongPassword); err == nil {
		e.t.Fatal("verify of a wrong password passed")
	}
	if _, err := e.svc.ChangePassword(e.ctx, acct.PasswordChange{Ref: "trailer", Current: GoodPassword, New: OtherPassword, KeepSession: s2.ID}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.SetPassword(acct.WithActor(e.ctx, "support-bob"), "trailer", GoodPassword); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.LockUser(e.ctx, "trailer", acct.LockOptions{Reason: "audit test"}); err != nil {
		e.t.Fatal(err)
	}
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "trailer", Password: GoodPassword})
	e.wantCode(err, acct.CodeRefused, "")
	if _, err := e.svc.UnlockUser(e.ctx, "trailer"); err != nil {
		e.t.Fatal(err)
	}
	s3 := e.loginPW("trailer")

	evs, err := e.svc.ListEvents(e.ctx, acct.EventQuery{User: "trailer", Limit: acct.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	count := map[string]int{}
	for _, ev := range evs {
		if ev.UserID == nil || *ev.UserID != u.ID {
			e.t.Fatalf("event of another user: %+v", ev)
		}
		count[fmt.Sprintf("%s/%s/%s", ev.Action, ev.Outcome, ev.Actor)]++
	}
	for _, w := range []struct {
		key string
		min int
	}{
		{"session.login/ok/tester", 3},
		{"session.login/failure/tester", 2}, // the wrong password, the locked account
		{"session.end/ok/tester", 1},
		{"password.change/ok/tester", 1},
		{"password.set/ok/support-bob", 1},
		{"user.lock/ok/tester", 1},
		{"user.unlock/ok/tester", 1},
	} {
		if count[w.key] < w.min {
			e.t.Fatalf("%d events %s, want at least %d; events: %v", count[w.key], w.key, w.min, count)
		}
	}
	// One event per attempt: three logins, one wrong password, one
	// refused as locked, one wrong verification.
	for key, want := range map[string]int{
		"session.login/ok/tester":        3,
		"session.login/failure/tester":   2,
		"password.verify/failure/tester": 1,
	} {
		if count[key] != want {
			e.t.Errorf("%d events %s, want %d; events: %v", count[key], key, want, count)
		}
	}
	all, err := e.svc.ListEvents(e.ctx, acct.EventQuery{Limit: acct.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	secrets := []string{GoodPassword, OtherPassword, WrongPassword, "ghost"}
	for _, s := range []*acct.Session{s1, s2, s3} {
		secrets = append(secrets, s.Token, s.Token[len(TokenPrefix):])
	}
	for _, ev := range all {
		e.noSecrets("audit event", ev, secrets...)
	}
}
