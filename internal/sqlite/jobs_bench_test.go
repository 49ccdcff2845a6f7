package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
)

// BenchmarkAnswerTiming measures the answers that must not tell whether
// an address is an account's (lost_password and `password forgot`:
// ForgotPassword; the auth API's sign-up: SignUp), for a known and an
// unknown address on the same store: the work before the answer is the
// same (checks, the hash of a sign-up, one job committed), so the times
// should match within noise.
//
//	go test ./internal/sqlite -run '^$' -bench AnswerTiming -count 5
func BenchmarkAnswerTiming(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "acctl.db"))
	if err != nil {
		b.Fatal(err)
	}
	l, err := acct.NewLocal(s, acct.Options{Argon2: accttest.FastArgon2, ScramIterations: acct.MinScramIterations, Secret: accttest.Secret,
		Notifier: &accttest.Recorder{}, PublicURL: "https://accounts.example.com/reset"})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	for i := range 1000 {
		if _, err := l.Register(ctx, acct.NewUser{Email: fmt.Sprintf("user%d@example.com", i), Password: accttest.GoodPassword}); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []struct{ name, email string }{{"known", "user500@example.com"}, {"unknown", "nobody500@example.com"}} {
		b.Run("ForgotPassword/"+c.name, func(b *testing.B) {
			for b.Loop() {
				if err := l.ForgotPassword(ctx, c.email); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("SignUp/"+c.name, func(b *testing.B) {
			for b.Loop() {
				if err := l.SignUp(ctx, acct.SignUpRequest{Email: c.email, Password: accttest.GoodPassword, FirstName: "A"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
