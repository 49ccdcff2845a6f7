package password_test

import (
	"context"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmdutil"
	"github.com/acctl/acctl/internal/sqlite"
)

// legacyBcrypt is cmdtest.Password hashed by python's bcrypt 3.2.2 (see
// internal/acct/testdata/hash-fixtures.jsonl).
const legacyBcrypt = "$2b$05$vLt6TWPDZGmEBw/6x8.vVeD9cTlMlgbqhvZoYXxfrOvCeUUEQEUQO"

// setHash writes a stored password hash, as an import from another
// system would have left it.
func setHash(t *testing.T, e *cmdtest.Env, username, hash string) {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, e.Store)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	err = store.Update(ctx, func(tx acct.Tx) error {
		rec, err := tx.GetUser(ctx, acct.UserKey{Field: acct.KeyUsername, Value: username})
		if err != nil {
			return err
		}
		rec.PasswordHash = hash
		return tx.UpdateUser(ctx, rec)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestHashes(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	if res := e.RunWith(cmdtest.TTY(""), "password", "hashes"); res.Code != 0 || res.Out != "" || !strings.Contains(res.Err, "no accounts") {
		t.Errorf("empty store: %+v", res)
	}
	if out := e.MustRun("password", "hashes", "-o", "json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("empty store, json: %q", out)
	}

	e.Register("--email", "alice@example.com", "--username", "alice")
	e.Register("--email", "carol@example.com", "--username", "carol")
	e.MustRun("user", "register", "--email", "bob@example.com", "--username", "bob", "--no-password")
	setHash(t, e, "carol", legacyBcrypt)

	if out := e.MustRun("password", "hashes"); out != "argon2id\tm=64,t=1,p=1\tyes\t1\t1\nbcrypt\tcost=5\tno\t1\t0\nnone\t-\tno\t1\t0\n" {
		t.Errorf("piped:\n%s", out)
	}
	got := cmdtest.DecodeJSON[[]acct.HashCount](t, e.MustRun("password", "hashes", "-o", "json"))
	want := []acct.HashCount{
		{Scheme: "argon2id", Params: "m=64,t=1,p=1", Current: true, Accounts: 1, Scram: 1},
		{Scheme: "bcrypt", Params: "cost=5", Accounts: 1},
		{Scheme: "none", Accounts: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("json: %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("json row %d: %+v, want %+v", i, got[i], want[i])
		}
	}

	// The first login with the legacy hash moves carol to argon2id.
	e.Login("carol")
	out := e.MustRunWith(cmdtest.TTY(""), "password", "hashes")
	for _, s := range []string{"SCHEME", "PARAMS", "CURRENT", "ACCOUNTS", "SCRAM", "argon2id", "m=64,t=1,p=1", "none"} {
		if !strings.Contains(out, s) {
			t.Errorf("table lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "bcrypt") {
		t.Errorf("bcrypt still counted after the login:\n%s", out)
	}
	if out := e.MustRun("password", "hashes"); out != "argon2id\tm=64,t=1,p=1\tyes\t2\t2\nnone\t-\tno\t1\t0\n" {
		t.Errorf("after the login:\n%s", out)
	}

	// A raised cost leaves the old hashes behind, not current.
	e.Defaults["password.argon2.memory"] = 128
	if out := e.MustRun("password", "hashes"); out != "argon2id\tm=64,t=1,p=1\tno\t2\t2\nnone\t-\tno\t1\t0\n" {
		t.Errorf("after raising the cost:\n%s", out)
	}

	setHash(t, e, "alice", "$md5$whatever")
	if out := e.MustRun("password", "hashes"); !strings.Contains(out, "unreadable\t-\tno\t1\t0\n") {
		t.Errorf("an unreadable hash:\n%s", out)
	}
	if res := e.Run("password", "hashes", "extra"); res.Code != 2 || !strings.Contains(res.Err, "takes none") {
		t.Errorf("an argument: %+v", res)
	}
}

// A firebase-scrypt hash verifies with the project's parameters from the
// configuration (Firebase's sample: github.com/firebase/scrypt, README),
// and the first login replaces it.
func TestFirebaseLogin(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.Register("--email", "user1@test.com", "--username", "user1")
	setHash(t, e, "user1", "$firebase-scrypt$42xEC+ixf3L2lw==$lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==")
	login := func() cmdtest.Result {
		return e.RunWith(cmdtest.Run{Stdin: "user1password\n"}, "session", "create", "user1", "--password-stdin", "-o", "json")
	}
	// Without the parameters: a usage error naming the keys (issue 14:
	// it was an internal error, exit 1).
	if res := login(); res.Code != 2 || !strings.Contains(res.Err, "import.firebase_scrypt.signer_key") ||
		!strings.Contains(res.Err, `"field":"import.firebase_scrypt"`) {
		t.Fatalf("without the parameters: %+v", res)
	}
	e.Defaults[cmdutil.KeyFirebaseSignerKey] = "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA=="
	e.Defaults[cmdutil.KeyFirebaseSaltSeparator] = "Bw=="
	if out := e.MustRun("password", "hashes"); out != "firebase-scrypt\t-\tno\t1\t0\n" {
		t.Errorf("before the login:\n%s", out)
	}
	if res := e.RunWith(cmdtest.Run{Stdin: "user2password\n"}, "session", "create", "user1", "--password-stdin"); res.Code != 5 {
		t.Fatalf("wrong password: %+v", res)
	}
	if res := login(); res.Code != 0 {
		t.Fatalf("login: %+v", res)
	}
	if out := e.MustRun("password", "hashes"); out != "argon2id\tm=64,t=1,p=1\tyes\t1\t1\n" {
		t.Errorf("after the login:\n%s", out)
	}
	if res := login(); res.Code != 0 {
		t.Fatalf("login with the new hash: %+v", res)
	}
}
