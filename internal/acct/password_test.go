package acct

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"os"
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
	ok, rehash, err := Hasher{Argon2: cheap}.Verify("correct horse battery staple", h)
	if !ok || rehash || err != nil {
		t.Fatalf("verify: %v %v %v", ok, rehash, err)
	}
	if ok, _, _ := (Hasher{Argon2: cheap}).Verify("correct horse battery stapler", h); ok {
		t.Fatal("a wrong password verified")
	}
	if ok, rehash, _ := (Hasher{Argon2: DefaultArgon2}).Verify("correct horse battery staple", h); !ok || !rehash {
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
	if ok, _, _ := (Hasher{Argon2: cheap}).Verify(b, h); ok {
		t.Fatal("password truncated")
	}
}

func TestVerifyBadHashes(t *testing.T) {
	for _, h := range []string{"", "plain", "$bcrypt$x$y$z$w", "$argon2id$v=18$m=64,t=1,p=1$AAAA$AAAA",
		"$argon2id$v=19$m=1,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=64,t=1,p=1$!!!$AAAA"} {
		if ok, _, err := (Hasher{Argon2: cheap}).Verify("x", h); ok || err == nil {
			t.Errorf("Verify with %q: ok=%v err=%v", h, ok, err)
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
	if ok, rehash, err := (Hasher{Argon2: DefaultArgon2}).Verify("correct horse battery staple", h); !ok || rehash || err != nil {
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

// hashFixture is a line of testdata/hash-fixtures.jsonl: a hash made by a
// well-known tool (see make-hash-fixtures.sh) and the password that opens it.
type hashFixture struct {
	Scheme   string `json:"scheme"`
	Password string `json:"password"`
	Hash     string `json:"hash"`
	MadeBy   string `json:"made_by"`
	Firebase *struct {
		SignerKey     string `json:"signer_key"`
		SaltSeparator string `json:"salt_separator"`
		Rounds        int    `json:"rounds"`
		MemCost       int    `json:"mem_cost"`
	} `json:"firebase_scrypt"`
}

func readHashFixtures(t *testing.T) []hashFixture {
	t.Helper()
	data, err := os.ReadFile("testdata/hash-fixtures.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var out []hashFixture
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var f hashFixture
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		out = append(out, f)
	}
	return out
}

func (f hashFixture) hasher(t *testing.T) Hasher {
	h := Hasher{Argon2: cheap}
	if f.Firebase != nil {
		var err1, err2 error
		h.Firebase.SignerKey, err1 = base64.StdEncoding.DecodeString(f.Firebase.SignerKey)
		h.Firebase.SaltSeparator, err2 = base64.StdEncoding.DecodeString(f.Firebase.SaltSeparator)
		if err1 != nil || err2 != nil {
			t.Fatalf("firebase parameters: %v %v", err1, err2)
		}
		h.Firebase.Rounds, h.Firebase.MemCost = f.Firebase.Rounds, f.Firebase.MemCost
	}
	return h
}

// Every fixture verifies with its password, not with another, and asks
// to be replaced by the current argon2id (but for a bcrypt hash of a
// password longer than the 72 bytes bcrypt read).
func TestVerifyFixtures(t *testing.T) {
	fixtures := readHashFixtures(t)
	seen := map[string]bool{}
	for _, f := range fixtures {
		t.Run(f.Scheme, func(t *testing.T) {
			info, err := IdentifyHash(f.Hash)
			if err != nil || info.Scheme != f.Scheme {
				t.Fatalf("IdentifyHash(%q) = %v, %v; want %s (%s)", f.Hash, info, err, f.Scheme, f.MadeBy)
			}
			seen[info.Scheme] = true
			h := f.hasher(t)
			ok, rehash, err := h.Verify(f.Password, f.Hash)
			wantRehash := !(bcryptTruncates[f.Scheme] && len(f.Password) > 72)
			if !ok || rehash != wantRehash || err != nil {
				t.Errorf("Verify(%q, %q) = %v, %v, %v; want true, %v (%s)", f.Password, f.Hash, ok, rehash, err, wantRehash, f.MadeBy)
			}
			wrongs := []string{"x" + f.Password, strings.ToUpper(f.Password), ""}
			if len(f.Password) <= 72 || !bcryptTruncates[f.Scheme] { // bcrypt reads no further
				wrongs = append(wrongs, f.Password[:len(f.Password)-1], f.Password+"x")
			}
			for _, wrong := range wrongs {
				if ok, rehash, err := h.Verify(wrong, f.Hash); ok || rehash || err != nil {
					t.Errorf("Verify(%q, %q) = %v, %v, %v; want false", wrong, f.Hash, ok, rehash, err)
				}
			}
			if _, err := h.Check(f.Hash); err != nil {
				t.Errorf("Check: %v", err)
			}
		})
	}
	for _, s := range HashSchemes {
		if !seen[s] {
			t.Errorf("no fixture of %s", s)
		}
	}
}

// The schemes whose bcrypt reads the password as typed, so only its first
// 72 bytes; the bcrypt-sha256 forms give bcrypt a digest of all of it.
var bcryptTruncates = map[string]bool{SchemeBcrypt: true, SchemeDjangoBcrypt: true}

// bcrypt reads 72 bytes, as the tools that made the hashes did: a
// password with another tail verifies, and is not rehashed (what was
// typed beyond byte 72 was never checked). A 72-byte login rehashes.
// The bcrypt-sha256 forms read the whole password.
func TestVerifyBcryptLongPassword(t *testing.T) {
	long := map[string]bool{}
	for _, f := range readHashFixtures(t) {
		if len(f.Password) <= 72 || !strings.Contains(f.Scheme, "bcrypt") {
			continue
		}
		long[f.Scheme] = true
		h := f.hasher(t)
		other := f.Password[:72] + "different tail"
		ok, rehash, err := h.Verify(other, f.Hash)
		if bcryptTruncates[f.Scheme] {
			if !ok || rehash || err != nil {
				t.Errorf("%s beyond 72 bytes: %v %v %v; want true, no rehash", f.Scheme, ok, rehash, err)
			}
			if ok, rehash, err := h.Verify(f.Password[:72], f.Hash); !ok || !rehash || err != nil {
				t.Errorf("%s with its first 72 bytes: %v %v %v; want true, rehash", f.Scheme, ok, rehash, err)
			}
		} else if ok || err != nil {
			t.Errorf("%s read only 72 bytes: %v %v", f.Scheme, ok, err)
		}
	}
	for _, s := range []string{SchemeBcrypt, SchemeDjangoBcrypt, SchemeDjangoBcryptSHA256, SchemeBcryptSHA256} {
		if !long[s] {
			t.Errorf("no long-password fixture of %s", s)
		}
	}
}

func TestVerifyFirebaseParameters(t *testing.T) {
	var fb hashFixture
	for _, f := range readHashFixtures(t) {
		if f.Scheme == SchemeFirebaseScrypt {
			fb = f
		}
	}
	h := fb.hasher(t)
	none := Hasher{Argon2: cheap}
	// Missing parameters: an invalid configuration naming its keys, at
	// login (Verify) as at import (Check).
	configErr := func(what string, err error) {
		t.Helper()
		if !IsCode(err, CodeInvalid) || ErrorField(err) != FirebaseConfigField ||
			!strings.Contains(err.Error(), "import.firebase_scrypt.signer_key") {
			t.Errorf("%s: %v, want an invalid %s naming the keys", what, err, FirebaseConfigField)
		}
	}
	_, _, err := none.Verify(fb.Password, fb.Hash)
	configErr("Verify without parameters", err)
	if _, err := none.Check(fb.Hash); err == nil || ErrorField(err) != "password_hash" || !strings.Contains(err.Error(), "import.firebase_scrypt.signer_key") {
		t.Fatalf("Check without parameters: %v", err)
	}
	other := h
	other.Firebase.SaltSeparator = []byte{8}
	if ok, _, err := other.Verify(fb.Password, fb.Hash); ok || err != nil {
		t.Fatalf("another salt separator: %v %v", ok, err)
	}
	// A hash of another length than the signer key: another project's,
	// refused at import, and a configuration error at login.
	short := h
	short.Firebase.SignerKey = h.Firebase.SignerKey[:32]
	_, _, err = short.Verify(fb.Password, fb.Hash)
	configErr("Verify with a shorter signer key", err)
	if _, err := short.Check(fb.Hash); err == nil || !strings.Contains(err.Error(), "64 bytes, but the signer key (import.firebase_scrypt.signer_key) has 32") {
		t.Fatalf("Check with a shorter signer key: %v", err)
	}
	bad := h
	bad.Firebase.MemCost = 30
	_, _, err = bad.Verify(fb.Password, fb.Hash)
	configErr("Verify with mem_cost 30", err)
	// URL-safe base64, as some exports give it, reads the same.
	urlSafe := strings.NewReplacer("+", "-", "/", "_").Replace(fb.Hash)
	if ok, _, err := h.Verify(fb.Password, urlSafe); !ok || err != nil {
		t.Fatalf("URL-safe firebase hash: %v %v", ok, err)
	}
	for _, bad := range []FirebaseScrypt{
		{SignerKey: []byte("short"), Rounds: 8, MemCost: 14},
		{SignerKey: h.Firebase.SignerKey, Rounds: 0, MemCost: 14},
		{SignerKey: h.Firebase.SignerKey, Rounds: 8, MemCost: 21},
		{SignerKey: h.Firebase.SignerKey, Rounds: 32, MemCost: 20},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v) accepted", bad)
		}
	}
	if err := h.Firebase.Validate(); err != nil {
		t.Fatal(err)
	}
}

// A hash with the current parameters does not ask for a rehash; one
// with another key length or argon2i does.
func TestVerifyCurrent(t *testing.T) {
	h := Hasher{Argon2: cheap, Rand: bytes.NewReader(make([]byte, 64))}
	hash, err := h.Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if info, err := IdentifyHash(hash); err != nil || info != (HashInfo{Scheme: SchemeArgon2id, Params: "m=64,t=1,p=1"}) {
		t.Fatalf("IdentifyHash: %v %v", info, err)
	}
	if ok, rehash, err := h.Verify("correct horse battery staple", hash); !ok || rehash || err != nil {
		t.Fatalf("current: %v %v %v", ok, rehash, err)
	}
	if ok, rehash, _ := h.Verify("correct horse battery staple", strings.Replace(hash, "argon2id", "argon2i", 1)); ok || rehash {
		t.Fatal("argon2i read as argon2id")
	}
	if got, _ := (Hasher{}).Hash("x"); !strings.HasPrefix(got, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("zero Hasher hashes %q", got)
	}
}
