package sqlite_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
	"github.com/acctl/acctl/internal/sqlite"
)

// TestLoginReplacesLegacyHashes logs in every account imported with a
// fixture of internal/acct/testdata (hashes made by passlib, bcrypt,
// Django, htpasswd, … with the passwords that open them): a wrong password
// changes nothing, VerifyPassword changes nothing, the first good login
// stores the current argon2id, and PasswordHashes follows the migration.
func TestLoginReplacesLegacyHashes(t *testing.T) {
	ctx := context.Background()
	data, err := os.ReadFile("../acct/testdata/hash-fixtures.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	type fixture struct {
		Scheme, Password, Hash string
		Firebase               *struct {
			SignerKey     string `json:"signer_key"`
			SaltSeparator string `json:"salt_separator"`
			Rounds        int    `json:"rounds"`
			MemCost       int    `json:"mem_cost"`
		} `json:"firebase_scrypt"`
	}
	var fixtures []fixture
	opt := acct.Options{Argon2: accttest.FastArgon2, ScramIterations: acct.MinScramIterations, Actor: "tester"}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var f fixture
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatal(err)
		}
		if fb := f.Firebase; fb != nil {
			key, _ := base64.StdEncoding.DecodeString(fb.SignerKey)
			sep, _ := base64.StdEncoding.DecodeString(fb.SaltSeparator)
			opt.FirebaseScrypt = acct.FirebaseScrypt{SignerKey: key, SaltSeparator: sep, Rounds: fb.Rounds, MemCost: fb.MemCost}
		}
		fixtures = append(fixtures, f)
	}

	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "acctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := acct.NewLocal(store, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	now := accttest.Start
	hashOf := func(id int64) string {
		t.Helper()
		var h string
		err := store.View(ctx, func(tx acct.Tx) error {
			rec, err := tx.GetUser(ctx, acct.UserKey{Field: acct.KeyID, ID: id})
			if err == nil {
				h = rec.PasswordHash
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	ids := make([]int64, len(fixtures))
	err = store.Update(ctx, func(tx acct.Tx) error {
		for i, f := range fixtures {
			rec := &acct.UserRecord{User: acct.User{Username: fmt.Sprintf("user%02d", i), Status: acct.StatusActive,
				CreatedAt: now, UpdatedAt: now}, PasswordHash: f.Hash}
			rec.Email = rec.Username + "@example.com"
			if err := tx.InsertUser(ctx, rec); err != nil {
				return err
			}
			ids[i] = rec.ID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	counts, err := svc.PasswordHashes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, c := range counts {
		if c.Current || c.Scheme == acct.HashNone || c.Scheme == acct.HashUnreadable {
			t.Errorf("before any login: %+v", c)
		}
		total += c.Accounts
	}
	if total != int64(len(fixtures)) {
		t.Errorf("before any login: %d accounts counted, want %d: %+v", total, len(fixtures), counts)
	}

	for i, f := range fixtures {
		ref := fmt.Sprintf("user%02d", i)
		if _, err := svc.Login(ctx, acct.Login{Ref: ref, Password: "x" + f.Password}); !acct.IsCode(err, acct.CodeUnauthenticated) {
			t.Errorf("%s: wrong password: %v", f.Scheme, err)
		}
		if err := svc.VerifyPassword(ctx, ref, f.Password); err != nil {
			t.Errorf("%s: verify: %v", f.Scheme, err)
		}
		if h := hashOf(ids[i]); h != f.Hash {
			t.Errorf("%s: the hash changed before a good login: %q", f.Scheme, h)
		}
		if _, err := svc.Login(ctx, acct.Login{Ref: ref, Password: f.Password}); err != nil {
			t.Errorf("%s: login: %v", f.Scheme, err)
			continue
		}
		h := hashOf(ids[i])
		if (f.Scheme == acct.SchemeBcrypt || f.Scheme == acct.SchemeDjangoBcrypt) && len(f.Password) > 72 {
			// bcrypt read 72 bytes of it: the hash stays (acct's tests).
			if h != f.Hash {
				t.Errorf("%s: rehashed from a password longer than 72 bytes: %q", f.Scheme, h)
			}
			if _, err := svc.SetPassword(ctx, ref, f.Password); err != nil { // a change replaces it
				t.Fatal(err)
			}
			continue
		}
		if info, err := acct.IdentifyHash(h); err != nil || info != (acct.HashInfo{Scheme: acct.SchemeArgon2id, Params: accttest.FastArgon2.String()}) {
			t.Errorf("%s: after the login the hash is %q (%v, %v)", f.Scheme, h, info, err)
		}
		if _, err := svc.Login(ctx, acct.Login{Ref: ref, Password: f.Password}); err != nil {
			t.Errorf("%s: login with the new hash: %v", f.Scheme, err)
		}
	}
	counts, err = svc.PasswordHashes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The first good login also left each account a SCRAM verifier.
	n := int64(len(fixtures))
	want := acct.HashCount{Scheme: acct.SchemeArgon2id, Params: "m=64,t=1,p=1", Current: true, Accounts: n, Scram: n}
	if len(counts) != 1 || counts[0] != want {
		t.Errorf("after the logins: %+v, want %+v", counts, want)
	}
}
