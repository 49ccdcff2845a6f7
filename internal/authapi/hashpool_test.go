package authapi

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

// TestFullHashPoolAnswers503: when the process's hashing pool is full,
// every login (a known name, an unknown one, a locked account's dummy
// check), a sign-up check and a password change answer 503 with
// Retry-After at once, the same for every account.
func TestFullHashPoolAnswers503(t *testing.T) {
	pool := acct.NewHashPool(1, 0)
	e := newEnvPool(t, pool, func(o *Options) { o.AddressRate, o.AccountRate = Unlimited, Unlimited })
	e.register("alice@example.com", "Alice")
	e.register("locked@example.com", "Lucy")
	if _, err := e.svc.LockUser(context.Background(), "locked@example.com", acct.LockOptions{Reason: "fraud"}); err != nil {
		t.Fatal(err)
	}
	c, _ := e.login("alice@example.com", false)

	started, stop, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() { done <- pool.Do(context.Background(), func() { close(started); <-stop }) }()
	<-started
	for _, q := range []req{
		post("/auth/login", "username", "alice@example.com", "password", "wrong password here"),
		post("/auth/login", "username", "nobody@example.com", "password", "wrong password here"),
		post("/auth/login", "username", "locked@example.com", "password", password),
		withSession(post("/auth/change_password", "oldpassword", password, "newpassword", "another long enough passphrase"), c),
	} {
		q.header = map[string]string{"Origin": "https://app.example.com"}
		w := e.do(q)
		wantStatus(t, w, http.StatusServiceUnavailable)
		if s, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || s < 1 || s > 60 {
			t.Errorf("%s: Retry-After %q", q.path, w.Header().Get("Retry-After"))
		}
		if a := decode[Answer](t, w); a.Success || a.Code != acct.CodeUnavailable {
			t.Errorf("%s: answer %+v", q.path, a)
		}
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if u, err := e.svc.User(context.Background(), "alice@example.com"); err != nil || u.FailedLogins != 0 {
		t.Errorf("alice after the load: %+v, %v", u, err)
	}
	e.login("alice@example.com", false) // room again
}
