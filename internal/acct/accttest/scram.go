package accttest

import (
	"crypto/rand"
	"strings"
	"sync"
	"time"

	"github.com/xdg-go/scram"

	"github.com/acctl/acctl/internal/acct"
)

// The challenge login (acct/challenge.go), run by an independent SCRAM
// client: github.com/xdg-go/scram, which checks the server's signature.

var scramCases = []suiteCase{
	{"ChallengeLogin", testChallengeLogin, nil},
	{"ChallengeLookAlike", testChallengeLookAlike, nil},
	{"ChallengeSingleUse", testChallengeSingleUse, nil},
	{"ChallengeLockout", testChallengeLockout, func(o *acct.Options) { o.LockoutThreshold = 3 }},
	{"ChallengeConcurrentFinish", testChallengeConcurrentFinish, nil},
	{"ScramVerifierLifecycle", testScramVerifierLifecycle, nil},
	{"ScramImportExport", testScramImportExport, nil},
}

// PGVerifier is PostgreSQL 15's own verifier of GoodPassword
// (acct/testdata/hash-fixtures.jsonl).
const PGVerifier = "SCRAM-SHA-256$4096:LBe4U35XQLfAJTn979cVOg==$T5iU71FA8pacH/1+GvsbMYTM3Y7vJ6ux+ivacTKgfmM=:flNbU28ebkJ/X98hMi6WMMH7bjaROexwxnl5bKf76d8="

// scramConv is one exchange of the client library, begun.
type scramConv struct {
	conv *scram.ClientConversation
	ch   *acct.Challenge
}

// begin sends the client-first-message of name with password.
func (e *env) begin(name, password string) (*scramConv, error) {
	e.t.Helper()
	client, err := scram.SHA256.NewClientUnprepped(name, acct.ScramPassword(password), "")
	if err != nil {
		e.t.Fatal(err)
	}
	conv := client.NewConversation()
	first, err := conv.Step("")
	if err != nil {
		e.t.Fatal(err)
	}
	ch, err := e.svc.ChallengeBegin(e.ctx, acct.ChallengeStart{ClientFirst: first})
	if err != nil {
		return nil, err
	}
	return &scramConv{conv: conv, ch: ch}, nil
}

// final is the client-final-message of c.
func (e *env) final(c *scramConv) string {
	e.t.Helper()
	final, err := c.conv.Step(c.ch.ServerFirst)
	if err != nil {
		e.t.Fatalf("client final for %q: %v", c.ch.ServerFirst, err)
	}
	return final
}

// finish sends final as the answer to challenge id; a success must carry
// a server signature that the client accepts.
func (e *env) finish(c *scramConv, id, final string, in acct.ChallengeAnswer) (*acct.ChallengeResult, error) {
	e.t.Helper()
	in.ID, in.ClientFinal = id, final
	res, err := e.svc.ChallengeFinish(e.ctx, in)
	if err != nil {
		return nil, err
	}
	if _, err := c.conv.Step(res.ServerFinal); err != nil || !c.conv.Valid() {
		e.t.Fatalf("the client refuses the server's signature %q: %v", res.ServerFinal, err)
	}
	return res, nil
}

// scramLogin runs a whole exchange for name with password.
func (e *env) scramLogin(name, password string, in acct.ChallengeAnswer) (*acct.ChallengeResult, error) {
	e.t.Helper()
	c, err := e.begin(name, password)
	if err != nil {
		return nil, err
	}
	return e.finish(c, c.ch.ID, e.final(c), in)
}

// testChallengeLogin: a right proof opens a session whose token
// validates, by any name of the account; VerifyOnly opens none; the
// challenge expires 2 minutes after it was made.
func testChallengeLogin(e *env) {
	u := e.register(acct.NewUser{Username: "alice", Email: "alice@example.com"})
	for _, name := range []string{"alice", "Alice@Example.com"} {
		res, err := e.scramLogin(name, GoodPassword, acct.ChallengeAnswer{Keep: true, Label: "laptop"})
		if err != nil {
			e.t.Fatalf("challenge login as %q: %v", name, err)
		}
		s := res.Session
		if s == nil || s.UserID != u.ID || !s.Persistent || s.Label != "laptop" || s.Token == "" || !strings.HasPrefix(res.ServerFinal, "v=") {
			e.t.Fatalf("challenge login: %+v, session %+v", res, s)
		}
		if info, err := e.svc.ValidateSession(e.ctx, s.Token); err != nil || info.User.ID != u.ID {
			e.t.Fatalf("validate the session: %+v, %v", info, err)
		}
	}
	c, err := e.begin("alice", GoodPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	if !c.ch.ExpiresAt.Equal(e.clock.Now().Add(2 * time.Minute)) {
		e.t.Fatalf("expires at %v, want 2 minutes from now", c.ch.ExpiresAt)
	}
	res, err := e.finish(c, c.ch.ID, e.final(c), acct.ChallengeAnswer{VerifyOnly: true})
	if err != nil || res.Session != nil {
		e.t.Fatalf("verify only: %+v, %v", res, err)
	}
	sessions, err := e.svc.ListSessions(e.ctx, acct.SessionQuery{User: "alice"})
	if err != nil || len(sessions) != 2 {
		e.t.Fatalf("sessions: %d, %v; want the 2 logins' only", len(sessions), err)
	}
}

// testChallengeLookAlike: an unknown name and an account without a
// verifier get the same shape of challenge as an account with one (the
// same iteration count, a salt of the same length, stable across calls);
// their proofs fail as a wrong proof does, unauthenticated (an unknown
// name: not found, as a password login of it), with no reason.
func testChallengeLookAlike(e *env) {
	e.register(acct.NewUser{Username: "alice", Email: "alice@example.com"})
	hash, err := acct.HashPassword(GoodPassword, FastArgon2, rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	e.importBatch(acct.ConflictFail, false, acct.ImportRow{Line: 1, Username: new("bare"), Email: new("bare@example.com"), PasswordHash: hash})
	shape := func(sf string) (salt, iter string) {
		parts := strings.Split(sf, ",")
		if len(parts) != 3 || !strings.HasPrefix(parts[1], "s=") || !strings.HasPrefix(parts[2], "i=") {
			e.t.Fatalf("server first %q", sf)
		}
		return parts[1], parts[2]
	}
	var iters []string
	for _, name := range []string{"alice", "nobody", "bare"} {
		c1, err := e.begin(name, GoodPassword)
		if err != nil {
			e.t.Fatalf("begin %s: %v", name, err)
		}
		c2, err := e.begin(name, GoodPassword)
		if err != nil {
			e.t.Fatal(err)
		}
		s1, i1 := shape(c1.ch.ServerFirst)
		s2, _ := shape(c2.ch.ServerFirst)
		if s1 != s2 || len(s1) != len("s=")+24 {
			e.t.Fatalf("%s: salts %q and %q, want one stable salt of 16 bytes", name, s1, s2)
		}
		iters = append(iters, i1)
	}
	if iters[0] != iters[1] || iters[1] != iters[2] || iters[0] != "i=4096" {
		e.t.Fatalf("iterations %v, want the same", iters)
	}
	for _, c := range []struct{ name, password string }{{"alice", WrongPassword}, {"nobody", GoodPassword}, {"bare", GoodPassword}} {
		_, err := e.scramLogin(c.name, c.password, acct.ChallengeAnswer{})
		code := acct.ErrorCode(err)
		if (code != acct.CodeUnauthenticated && code != acct.CodeNotFound) || acct.ErrorReason(err) != "" || acct.RetryAfter(err) != 0 {
			e.t.Fatalf("%s: %v (code %s, reason %q), want a failure like a wrong password's", c.name, err, code, acct.ErrorReason(err))
		}
	}
}

// testChallengeSingleUse: a challenge serves one attempt, right or wrong;
// it cannot be finished after 2 minutes, nor with the final message of
// another account's exchange; an unknown one is challenge_expired.
func testChallengeSingleUse(e *env) {
	e.register(acct.NewUser{Username: "alice", Email: "alice@example.com"})
	e.register(acct.NewUser{Username: "bob", Email: "bob@example.com"})
	expired := func(err error, what string) {
		e.t.Helper()
		if !acct.IsCode(err, acct.CodeUnauthenticated) || acct.ErrorReason(err) != acct.ReasonChallengeExpired {
			e.t.Fatalf("%s: %v (reason %q), want unauthenticated, challenge_expired", what, err, acct.ErrorReason(err))
		}
	}
	c, err := e.begin("alice", GoodPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	final := e.final(c)
	if _, err := e.finish(c, c.ch.ID, final, acct.ChallengeAnswer{}); err != nil {
		e.t.Fatal(err)
	}
	_, err = e.svc.ChallengeFinish(e.ctx, acct.ChallengeAnswer{ID: c.ch.ID, ClientFinal: final})
	expired(err, "used twice")
	_, err = e.svc.ChallengeFinish(e.ctx, acct.ChallengeAnswer{ID: "chl_nosuchchallenge", ClientFinal: final})
	expired(err, "unknown")

	// A wrong proof uses it up too.
	w, err := e.begin("alice", WrongPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	wf := e.final(w)
	if _, err := e.svc.ChallengeFinish(e.ctx, acct.ChallengeAnswer{ID: w.ch.ID, ClientFinal: wf}); !acct.IsCode(err, acct.CodeUnauthenticated) || acct.ErrorReason(err) != "" {
		e.t.Fatalf("wrong proof: %v", err)
	}
	_, err = e.svc.ChallengeFinish(e.ctx, acct.ChallengeAnswer{ID: w.ch.ID, ClientFinal: wf})
	expired(err, "used after a wrong proof")

	// Two minutes later.
	late, err := e.begin("alice", GoodPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	lf := e.final(late)
	e.clock.Advance(2 * time.Minute)
	_, err = e.svc.ChallengeFinish(e.ctx, acct.ChallengeAnswer{ID: late.ch.ID, ClientFinal: lf})
	expired(err, "after 2 minutes")

	// Bob's right final message on Alice's challenge: a wrong proof.
	a, err := e.begin("alice", GoodPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	b, err := e.begin("bob", GoodPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	_, err = e.svc.ChallengeFinish(e.ctx, acct.ChallengeAnswer{ID: a.ch.ID, ClientFinal: e.final(b)})
	if !acct.IsCode(err, acct.CodeUnauthenticated) {
		e.t.Fatalf("bob's answer on alice's challenge: %v, want unauthenticated", err)
	}
	if u, _ := e.svc.User(e.ctx, "alice"); u.FailedLogins != 2 {
		e.t.Fatalf("alice's failed logins: %d, want 2 (the wrong proof and bob's answer)", u.FailedLogins)
	}
	if u, _ := e.svc.User(e.ctx, "bob"); u.FailedLogins != 0 {
		e.t.Fatalf("bob's failed logins: %d, want 0", u.FailedLogins)
	}
}

// testChallengeLockout: wrong proofs count towards the lockout as wrong
// passwords do, and a password login's failures count for a proof: the
// lockout then refuses a right proof too.
func testChallengeLockout(e *env) {
	e.register(acct.NewUser{Username: "alice", Email: "alice@example.com"})
	e.failLogin("alice")
	for range 2 {
		if _, err := e.scramLogin("alice", WrongPassword, acct.ChallengeAnswer{}); !acct.IsCode(err, acct.CodeUnauthenticated) {
			e.t.Fatalf("wrong proof: %v", err)
		}
	}
	u, err := e.svc.User(e.ctx, "alice")
	if err != nil || u.Status != acct.StatusLocked || u.FailedLogins != 3 {
		e.t.Fatalf("after 1 wrong password and 2 wrong proofs: %+v, %v; want locked", u, err)
	}
	if _, err := e.scramLogin("alice", GoodPassword, acct.ChallengeAnswer{}); !acct.IsCode(err, acct.CodeRefused) {
		e.t.Fatalf("right proof while locked: %v, want refused", err)
	}
}

// testChallengeConcurrentFinish: 16 concurrent finishes of one challenge
// with the right proof open one session.
func testChallengeConcurrentFinish(e *env) {
	e.register(acct.NewUser{Username: "alice", Email: "alice@example.com"})
	c, err := e.begin("alice", GoodPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	final := e.final(c)
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, expired := 0, 0
	var other []error
	for range 16 {
		wg.Go(func() {
			_, err := e.svc.ChallengeFinish(e.ctx, acct.ChallengeAnswer{ID: c.ch.ID, ClientFinal: final})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case acct.ErrorReason(err) == acct.ReasonChallengeExpired:
				expired++
			default:
				other = append(other, err)
			}
		})
	}
	wg.Wait()
	if won != 1 || expired != 15 || len(other) > 0 {
		e.t.Fatalf("%d sessions, %d expired, others %v; want 1 and 15", won, expired, other)
	}
	sessions, err := e.svc.ListSessions(e.ctx, acct.SessionQuery{User: "alice"})
	if err != nil || len(sessions) != 1 {
		e.t.Fatalf("sessions: %d, %v; want 1", len(sessions), err)
	}
}

// testScramVerifierLifecycle: an imported hash has no verifier (a proof
// is refused, naming scram_verifier) until a password login makes one; a
// password change replaces it (the old password's proof fails); a reset
// too; PasswordHashes counts the accounts with one.
func testScramVerifierLifecycle(e *env) {
	hash, err := acct.HashPassword(GoodPassword, FastArgon2, rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	e.importBatch(acct.ConflictFail, false, acct.ImportRow{Line: 1, Username: new("bare"), Email: new("bare@example.com"), PasswordHash: hash})
	e.wantScramCount(0)
	_, err = e.scramLogin("bare", GoodPassword, acct.ChallengeAnswer{})
	e.wantCode(err, acct.CodeUnauthenticated, acct.NoVerifierField)
	if _, err := e.svc.Login(e.ctx, acct.Login{Ref: "bare", Password: GoodPassword}); err != nil {
		e.t.Fatal(err)
	}
	e.wantScramCount(1)
	if _, err := e.scramLogin("bare", GoodPassword, acct.ChallengeAnswer{}); err != nil {
		e.t.Fatalf("after a password login: %v", err)
	}
	const newPassword = "a brand new passphrase to remember"
	if _, err := e.svc.ChangePassword(e.ctx, acct.PasswordChange{Ref: "bare", Current: GoodPassword, New: newPassword}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.scramLogin("bare", GoodPassword, acct.ChallengeAnswer{}); !acct.IsCode(err, acct.CodeUnauthenticated) {
		e.t.Fatalf("the old password's proof after a change: %v", err)
	}
	if _, err := e.scramLogin("bare", newPassword, acct.ChallengeAnswer{}); err != nil {
		e.t.Fatalf("the new password's proof: %v", err)
	}
	// An operator sets one: its verifier replaces the old.
	if _, err := e.svc.SetPassword(e.ctx, "bare", GoodPassword); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.scramLogin("bare", GoodPassword, acct.ChallengeAnswer{}); err != nil {
		e.t.Fatalf("after password set: %v", err)
	}
	// A purge leaves none.
	if _, err := e.svc.Unregister(e.ctx, "bare", acct.UnregisterOptions{Purge: true}); err != nil {
		e.t.Fatal(err)
	}
	e.wantScramCount(0)
}

// wantScramCount checks how many accounts PasswordHashes counts with a
// verifier.
func (e *env) wantScramCount(want int64) {
	e.t.Helper()
	var n int64
	for _, c := range e.hashCounts() {
		n += c.Scram
	}
	if n != want {
		e.t.Fatalf("%d accounts with a verifier (%+v), want %d", n, e.hashCounts(), want)
	}
}

// testScramImportExport: PostgreSQL's text form imports as the password
// hash and the verifier: a challenge login and a password login work
// (the latter replaces the hash by argon2id, with a new verifier); an
// export with hashes carries the verifier, and a row with a hash and a
// verifier imports both; a bad verifier is refused, naming the field.
func testScramImportExport(e *env) {
	res := e.importBatch(acct.ConflictFail, false,
		acct.ImportRow{Line: 1, Username: new("pgsql"), Email: new("pg@example.com"), PasswordHash: PGVerifier},
		acct.ImportRow{Line: 2, Username: new("pg2"), Email: new("pg2@example.com"), ScramVerifier: PGVerifier},
		acct.ImportRow{Line: 3, Username: new("bad"), Email: new("bad@example.com"), ScramVerifier: "SCRAM-SHA-256$1:x$y:z"},
		acct.ImportRow{Line: 4, Username: new("both"), Email: new("both@example.com"), Password: GoodPassword, ScramVerifier: PGVerifier})
	if res.Created != 2 || len(res.Rejected) != 2 || res.Rejected[0].Field != "scram_verifier" || res.Rejected[1].Field != "scram_verifier" {
		e.t.Fatalf("import: %+v", res)
	}
	for _, name := range []string{"pgsql", "pg2"} {
		if _, err := e.scramLogin(name, GoodPassword, acct.ChallengeAnswer{}); err != nil {
			e.t.Fatalf("challenge login of %s: %v", name, err)
		}
	}
	e.wantHashes(map[string]int64{acct.SchemeScramSHA256 + " i=4096": 2})
	if _, err := e.svc.Login(e.ctx, acct.Login{Ref: "pgsql", Password: GoodPassword}); err != nil {
		e.t.Fatalf("password login on a PostgreSQL verifier: %v", err)
	}
	if _, err := e.scramLogin("pgsql", GoodPassword, acct.ChallengeAnswer{}); err != nil {
		e.t.Fatalf("challenge login after the rehash: %v", err)
	}
	e.wantScramCount(2)
	rows := e.exportAll(acct.ExportQuery{}, true)
	if len(rows) != 2 || !strings.HasPrefix(rows[0].PasswordHash, "$argon2id$") || !strings.HasPrefix(rows[0].ScramVerifier, "SCRAM-SHA-256$4096:") ||
		rows[1].PasswordHash != PGVerifier || rows[1].ScramVerifier != PGVerifier {
		e.t.Fatalf("export: %+v", rows)
	}
	if plain := e.exportAll(acct.ExportQuery{}, false); plain[0].ScramVerifier != "" {
		e.t.Fatalf("export without hashes carries a verifier: %+v", plain[0])
	}
	// Back in as another account: hash and verifier both.
	res = e.importBatch(acct.ConflictFail, false, acct.ImportRow{Line: 1, Username: new("again"), Email: new("again@example.com"),
		PasswordHash: rows[0].PasswordHash, ScramVerifier: rows[0].ScramVerifier})
	if res.Created != 1 {
		e.t.Fatalf("re-import: %+v", res)
	}
	if _, err := e.scramLogin("again", GoodPassword, acct.ChallengeAnswer{}); err != nil {
		e.t.Fatalf("challenge login of the re-imported account: %v", err)
	}
}
