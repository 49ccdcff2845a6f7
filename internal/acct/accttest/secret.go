package accttest

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

// OpenShared sets up a new, empty store and returns an opener of services
// on it: each call is another service on the same store built with opt,
// as another operator's process (or another server) would have. The
// suite closes them.
type OpenShared func(t *testing.T) func(opt acct.Options) acct.Service

// RunShared runs the cases that need several services on one store: the
// installation secret, which every process that makes or checks codes on a
// store must share.
func RunShared(t *testing.T, open OpenShared) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, OpenShared)
	}{
		{"SecretMismatch", testSecretMismatch},
		{"SecretFirstWins", testSecretFirstWins},
		{"SecretRace", testSecretRace},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

// OtherSecret is an installation secret that is not Secret: a second
// operator's, whose config folder differs.
var OtherSecret = []byte("another operator's secret of 32b")

// sharedEnv opens one more service on a shared store, with secret, on
// clock; the notices it sends go to notes.
func sharedEnv(t *testing.T, open func(acct.Options) acct.Service, clock *Clock, notes *Recorder, secret []byte) *env {
	t.Helper()
	opt := acct.Options{Now: clock.Now, Argon2: FastArgon2, ScramIterations: acct.MinScramIterations, Actor: "tester", PhoneRegion: "GB",
		Secret: append([]byte(nil), secret...), SecretFile: "/etc/acctl/secret", Notifier: notes, PublicURL: testPublicURL}
	svc := open(opt)
	t.Cleanup(func() { svc.Close() })
	return &env{t: t, svc: svc, clock: clock, ctx: context.Background(), notes: notes}
}

// wantSecretRefused checks that err is the refusal of a secret that is
// not the store's: invalid (exit 2), naming secret_file and what to do.
func wantSecretRefused(t *testing.T, what string, err error) {
	t.Helper()
	if acct.ErrorCode(err) != acct.CodeInvalid || acct.ErrorField(err) != "secret_file" {
		t.Fatalf("%s with another secret: %v (code %q, field %q); want invalid, field secret_file",
			what, err, acct.ErrorCode(err), acct.ErrorField(err))
	}
	msg := err.Error()
	for _, word := range []string{"secret_file", "another installation secret", "same secret file"} {
		if !strings.Contains(msg, word) {
			t.Fatalf("%s with another secret: message %q does not say %q", what, msg, word)
		}
	}
	if strings.Contains(msg, "no such code") || bytes.Contains([]byte(msg), OtherSecret) || bytes.Contains([]byte(msg), Secret) {
		t.Fatalf("%s with another secret: message %q", what, msg)
	}
}

// testSecretMismatch: the first operator issues a reset code; a second
// one, whose secret differs (another XDG_CONFIG_HOME), is refused every
// code operation with an error naming secret_file — never "no such code"
// for a valid code — and no code of theirs is stored; what needs no code
// works for them. The code stays good for the operators with the store's
// secret, in a new process too.
func testSecretMismatch(t *testing.T, open OpenShared) {
	opener := open(t)
	clock, notes := NewClock(Start), &Recorder{}
	first := sharedEnv(t, opener, clock, notes, Secret)
	first.register(acct.NewUser{Email: "alice@example.com", Username: "alice", Phone: "+447400123123"})
	rc := first.issueCode("alice")

	second := sharedEnv(t, opener, clock, notes, OtherSecret)
	ctx := second.ctx
	_, err := second.svc.ResetPassword(ctx, acct.PasswordReset{Code: rc.Code, Password: GoodPassword + " 2"})
	wantSecretRefused(t, "reset password", err)
	_, err = second.svc.IssueResetCode(ctx, acct.ResetCodeRequest{Ref: "alice"})
	wantSecretRefused(t, "issue reset code", err)
	wantSecretRefused(t, "forgot password", second.svc.ForgotPassword(ctx, "alice@example.com"))
	_, err = second.svc.SendOTP(ctx, acct.OTPRequest{Ref: "alice", Purpose: acct.PurposeVerifyPhone})
	wantSecretRefused(t, "send passcode", err)
	_, err = second.svc.VerifyOTP(ctx, acct.OTPCheck{Ref: "alice", Purpose: acct.PurposeVerifyPhone, Code: "123456"})
	wantSecretRefused(t, "verify passcode", err)
	_, err = second.svc.SendActivation(ctx, "alice")
	wantSecretRefused(t, "send activation", err)
	_, err = second.svc.Activate(ctx, strings.Repeat("A", 28))
	wantSecretRefused(t, "activate", err)
	_, err = second.svc.ResetPassword(ctx, acct.PasswordReset{Phone: "+447400123123", Code: "123456", Password: GoodPassword + " 2"})
	wantSecretRefused(t, "reset by phone", err)
	// A pending account or an address with its link: refused before
	// anything is made, so nothing is half done.
	_, err = second.svc.Register(ctx, acct.NewUser{Email: "bob@example.com", Pending: true, NoPassword: true})
	wantSecretRefused(t, "register a pending account", err)
	if _, err := second.svc.User(ctx, "bob@example.com"); acct.ErrorCode(err) != acct.CodeNotFound {
		t.Fatalf("the refused pending account: %v; want not found", err)
	}
	_, err = second.svc.AddAddress(ctx, acct.NewAddress{User: "alice", Kind: acct.AddressEmail, Value: "alice@work.example", Send: true})
	wantSecretRefused(t, "add an address with its link", err)
	if as, err := second.svc.ListAddresses(ctx, "alice", acct.AddressEmail); err != nil || len(as) != 1 {
		t.Fatalf("alice's addresses after a refused add: %+v, %v", as, err)
	}
	if n := len(notes.Notices()); n != 0 {
		t.Fatalf("the refused operator sent %d notices", n)
	}
	// Nothing that needs no code is refused.
	if _, err := second.svc.User(ctx, "alice"); err != nil {
		t.Fatalf("look-up with another secret: %v", err)
	}
	if _, err := second.svc.Login(ctx, acct.Login{Ref: "alice", Password: GoodPassword}); err != nil {
		t.Fatalf("login with another secret: %v", err)
	}
	first.wantCodeIDs("alice", rc.ID)

	// Another process with the store's secret uses the code.
	third := sharedEnv(t, opener, clock, notes, Secret)
	third.reset(rc.Code, GoodPassword+" 2")
}

// testSecretFirstWins: on a store that has no fingerprint yet (a new one,
// or one made before fingerprints), the first secret used for a code is
// recorded, even when the first code operation fails; a later secret is
// refused although its operator never saw the first one's codes.
func testSecretFirstWins(t *testing.T, open OpenShared) {
	opener := open(t)
	clock, notes := NewClock(Start), &Recorder{}
	other := sharedEnv(t, opener, clock, notes, OtherSecret)
	other.register(acct.NewUser{Email: "alice@example.com", Username: "alice"})
	// A code operation that fails for its own reason records the secret
	// all the same: it was checked first.
	if _, err := other.svc.ResetPassword(other.ctx, acct.PasswordReset{Code: "7KQ2-MX9D-4TFA-R1ZC", Password: GoodPassword}); acct.ErrorCode(err) != acct.CodeUnauthenticated {
		t.Fatalf("reset with an unknown code: %v", err)
	}
	suite := sharedEnv(t, opener, clock, notes, Secret)
	_, err := suite.svc.IssueResetCode(suite.ctx, acct.ResetCodeRequest{Ref: "alice"})
	wantSecretRefused(t, "issue reset code", err)
	rc := other.issueCode("alice")
	other.reset(rc.Code, GoodPassword+" 2")
}

// testSecretRace: on a store without a fingerprint, processes with two
// different secrets issue codes at once: the secret of exactly one side
// is recorded, its codes are issued, and every call of the other side is
// refused.
func testSecretRace(t *testing.T, open OpenShared) {
	opener := open(t)
	clock, notes := NewClock(Start), &Recorder{}
	setup := sharedEnv(t, opener, clock, notes, Secret)
	setup.register(acct.NewUser{Email: "alice@example.com", Username: "alice"})
	// setup made no code: the store has no fingerprint yet.
	const perSide = 4
	secrets := [][]byte{Secret, OtherSecret}
	var envs []*env
	for i := range 2 * perSide {
		envs = append(envs, sharedEnv(t, opener, clock, notes, secrets[i%2]))
	}
	errs := make([]error, len(envs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, e := range envs {
		wg.Go(func() {
			<-start
			_, errs[i] = e.svc.IssueResetCode(e.ctx, acct.ResetCodeRequest{Ref: "alice"})
		})
	}
	close(start)
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if won >= 0 && won != i%2 {
				t.Fatalf("both secrets issued codes: %v", errs)
			}
			won = i % 2
		case acct.ErrorField(err) == "secret_file":
		default:
			t.Fatalf("issue %d: %v", i, err)
		}
	}
	if won < 0 {
		t.Fatalf("no side won: %v", errs)
	}
	for i, err := range errs {
		if (i%2 == won) != (err == nil) {
			t.Fatalf("issue %d (side %d, winner %d): %v", i, i%2, won, err)
		}
	}
}
