package accttest

import (
	"context"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// hashPoolCase: every path that hashes or verifies a password runs in the
// service's hashing pool; a full pool answers unavailable with a
// retry-after hint, at once, and nothing is recorded (no failed login
// counted, no account created, no password changed).
func hashPoolCase() suiteCase {
	pool := acct.NewHashPool(1, 0) // a fresh pool for each run of the suite
	return suiteCase{"FullHashPool", func(e *env) { testFullHashPool(e, pool) },
		func(o *acct.Options) { o.HashPool = pool }}
}

// fillPool takes the only slot of pool until the returned func is called.
func fillPool(t *testing.T, pool *acct.HashPool) (release func()) {
	t.Helper()
	started, stop, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- pool.Do(context.Background(), func() {
			close(started)
			<-stop
		})
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("take the pool's slot: %v", err)
	}
	return func() {
		close(stop)
		if err := <-done; err != nil {
			t.Errorf("release the pool's slot: %v", err)
		}
	}
}

func testFullHashPool(e *env, pool *acct.HashPool) {
	e.register(acct.NewUser{Email: "busy@example.com"})
	rc := e.issueCode("busy@example.com")
	release := fillPool(e.t, pool)
	const other = "another horse battery staple"
	busy := func(what string, err error) {
		e.t.Helper()
		e.wantCode(err, acct.CodeUnavailable, "")
		if d := acct.RetryAfter(err); d < time.Second || d > time.Minute {
			e.t.Errorf("%s: retry after %s, want 1s to 1m", what, d)
		}
	}
	_, err := e.svc.Login(e.ctx, acct.Login{Ref: "busy@example.com", Password: WrongPassword})
	busy("login", err)
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "nobody@example.com", Password: WrongPassword})
	busy("login of an unknown name", err)
	busy("verify", e.svc.VerifyPassword(e.ctx, "busy@example.com", GoodPassword))
	_, err = e.svc.Register(e.ctx, acct.NewUser{Email: "new@example.com", Password: GoodPassword})
	busy("register", err)
	_, err = e.svc.SetPassword(e.ctx, "busy@example.com", other)
	busy("set password", err)
	_, err = e.svc.ChangePassword(e.ctx, acct.PasswordChange{Ref: "busy@example.com", Current: GoodPassword, New: other})
	busy("change password", err)
	_, err = e.svc.ResetPassword(e.ctx, acct.PasswordReset{Code: rc.Code, Password: other})
	busy("reset password", err)
	// Nothing was recorded.
	if u := e.user("busy@example.com"); u.FailedLogins != 0 {
		e.t.Errorf("%d failed logins counted while the pool was full", u.FailedLogins)
	}
	if n := e.count(); n != 1 {
		e.t.Errorf("%d users, want 1", n)
	}
	release()
	// Room again: the old password still works, the code is still good.
	if _, err := e.svc.Login(e.ctx, acct.Login{Ref: "busy@example.com", Password: GoodPassword}); err != nil {
		e.t.Fatalf("login after the load: %v", err)
	}
	e.reset(rc.Code, other)
}
