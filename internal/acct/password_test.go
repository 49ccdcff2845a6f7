package acct

import (
	"bytes"
	"crypto/rand"
	"regexp"
	"strings"
	"testing"
)

var cheap = Argon2Params{Memory: 64, Time: 1, Threads: 1}

func TestHashPasswordPHC(t *testing.T) {
	h, err := HashPassword("correct horse battery staple", cheap, bytes.NewReader(make([]byte, 16)))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`).MatchString(h) {
		t.Fatalf("not a PHC argon2id string: %s", h)
	}
	ok, rehash, err := VerifyPassword("correct horse battery staple", h, cheap)
	if !ok || rehash || err != nil {
		t.Fatalf("verify: %v %v %v", ok, rehash, err)
	}
	if ok, _, _ := VerifyPassword("correct horse battery stapler", h, cheap); ok {
		t.Fatal("a wrong password verified")
	}
	if ok, rehash, _ := VerifyPassword("correct horse battery staple", h, DefaultArgon2); !ok || !rehash {
		t.Fatal("a hash with old parameters should verify and ask for a rehash")
	}
	h2, _ := HashPassword("correct horse battery staple", cheap, rand.Reader)
	if h2 == h {
		t.Fatal("two hashes with different salts are equal")
	}
}

// Never truncated: passwords that differ only after byte 72 (bcrypt's
// limit) or after 100 characters hash differently.
func TestHashPasswordNoTruncation(t *testing.T) {
	a := strings.Repeat("x", 100) + "a"
	b := strings.Repeat("x", 100) + "b"
	h, _ := HashPassword(a, cheap, rand.Reader)
	if ok, _, _ := VerifyPassword(b, h, cheap); ok {
		t.Fatal("password truncated")
	}
}

func TestVerifyPasswordBadHashes(t *testing.T) {
	for _, h := range []string{"", "plain", "$bcrypt$x$y$z$w", "$argon2id$v=18$m=64,t=1,p=1$AAAA$AAAA",
		"$argon2id$v=19$m=1,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=64,t=1,p=1$!!!$AAAA"} {
		if ok, _, err := VerifyPassword("x", h, cheap); ok || err == nil {
			t.Errorf("VerifyPassword with %q: ok=%v err=%v", h, ok, err)
		}
	}
}

// The production parameters stay honest: the default is the OWASP minimum
// and a real hash carries it.
func TestProductionParameters(t *testing.T) {
	if DefaultArgon2 != (Argon2Params{Memory: 19456, Time: 2, Threads: 1}) {
		t.Fatalf("DefaultArgon2 = %+v", DefaultArgon2)
	}
	h, err := HashPassword("correct horse battery staple", DefaultArgon2, rand.Reader)
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("production hash %q, %v", h, err)
	}
	if ok, rehash, err := VerifyPassword("correct horse battery staple", h, DefaultArgon2); !ok || rehash || err != nil {
		t.Fatalf("verify production hash: %v %v %v", ok, rehash, err)
	}
}

func TestCheckPassword(t *testing.T) {
	if !IsCommonPassword("Password") || IsCommonPassword("a very unusual passphrase indeed") {
		t.Fatal("IsCommonPassword")
	}
	if n := len(commonSet); n < 20000 {
		t.Fatalf("only %d common passwords loaded", n)
	}
	for _, pw := range []string{"correct horse battery staple", "ünïcødé pässwörd ok", strings.Repeat("ab", 64)} {
		if err := CheckPassword(pw, 15, "alice", "alice@example.com"); err != nil {
			t.Errorf("CheckPassword(%q): %v", pw, err)
		}
	}
	for _, pw := range []string{"too short", "1qaz2wsx3edc4rfv", "zzzzzzzzzzzzzzzzzzzz", "hello alice how are you",
		"ALICE-IN-WONDERLAND-99", strings.Repeat("ab", 64) + "c", "\xff\xfe invalid utf-8 here"} {
		err := CheckPassword(pw, 15, "alice", "alice@example.com")
		if err == nil || ErrorField(err) != "password" {
			t.Errorf("CheckPassword(%q) = %v, want a refusal", pw, err)
		}
	}
	// A short username (below the minimum) is not matched inside passwords.
	if err := CheckPassword("a perfectly fine passphrase", 15, "", "al@example.com"); err != nil {
		t.Errorf("short local part: %v", err)
	}
}
