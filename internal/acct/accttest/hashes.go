package accttest

import (
	"encoding/base64"
	"reflect"
	"strings"

	"github.com/acctl/acctl/internal/acct"
)

// hashCases check the count of accounts per password hash scheme.
var hashCases = []suiteCase{
	{"PasswordHashes", testPasswordHashes, nil},
	{"PasswordHashesOtherCost", testPasswordHashesOtherCost, func(o *acct.Options) {
		o.Argon2 = acct.Argon2Params{Memory: 128, Time: 1, Threads: 1}
	}},
	{"LegacyHashesMigrate", testLegacyHashesMigrate, nil},
	{"BcryptLongPasswordKept", testBcryptLongPasswordKept, nil},
	{"FirebaseHashLength", testFirebaseHashLength, func(o *acct.Options) { o.FirebaseScrypt = firebaseSample() }},
}

// Hashes made by the tools of the systems operators migrate from (from
// acct/testdata/hash-fixtures.jsonl, where each says how it was made).
const (
	umlauts         = "pässwörd mit Ümlauten"
	longPassword    = "a very long passphrase that goes past the seventy-two bytes that bcrypt reads, and on"
	sha512CryptHash = "$6$bog2PMVLfP4qnjdu$V5Ye23IV7ugDxsH2v5ANpAuq9.aGYQGOqXdzzNnixJ8rfzT746ZW406C3k1YHj/pFXweYDr5PvcM59.3YDhFP0" // openssl passwd -6
	yescryptHash    = "$y$j7T$EJv55zaM3fY8sTIWmU/7C0$jrFmazcyRqdUxrZU0SHglBe1FLjWeew2oLlfo3DApR7"                                  // mkpasswd -m yescrypt -R 3
	apr1Hash        = "$apr1$8OrPRM6y$N0wf9dwB9g86n7gCD/K7/."                                                                      // htpasswd -nbm
	sshaHash        = "{SSHA}/FFTy9gpNr65H7hu01s4XsnY44y8jisY"                                                                     // slappasswd -h {SSHA}
	ldapCryptHash   = "{CRYPT}$6$rounds=5000$U7KuOWUarvGgEcY5$kjFM0IaTII7wE7CZDIHF/euYrdsRKQjgB3PAnQKL.4sNvJIJQuN3bPKBm4t76QUHUbXv3rpyTYIbUAxHklAWq/"
	djangoSHA256    = "bcrypt_sha256$$2b$05$UxgHBVgADk9XP23KC.hR6.ye.6kCXzONxHlzqyTqs1oLWj4SDg4T2"         // Django, longPassword
	passlibSHA256   = "$bcrypt-sha256$v=2,t=2b,r=5$3TlUbEd.ZXfkq6TrSrC4Ue$TyTZ1j.0VEGgGt1t/Gag4v2VUPc4TUq" // passlib
	bcryptLong      = "$2b$04$jetIQQykTENBqir1F.y64eosHyu8gA2QDOs3/CVLDJrFDLADmY6je"                       // python bcrypt, longPassword
	bcryptShort     = "$2b$05$vLt6TWPDZGmEBw/6x8.vVeD9cTlMlgbqhvZoYXxfrOvCeUUEQEUQO"                       // python bcrypt, GoodPassword
	// Firebase's sample (github.com/firebase/scrypt): user1@test.com.
	firebaseHash     = "$firebase-scrypt$42xEC+ixf3L2lw==$lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ=="
	firebasePassword = "user1password"
)

// firebaseSample are the parameters of Firebase's sample project.
func firebaseSample() acct.FirebaseScrypt {
	key, _ := base64.StdEncoding.DecodeString("jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==")
	return acct.FirebaseScrypt{SignerKey: key, SaltSeparator: []byte{7}, Rounds: 8, MemCost: 14}
}

// wantHashes checks the counts of PasswordHashes, as "scheme params"
// strings with the number of accounts.
func (e *env) wantHashes(want map[string]int64) {
	e.t.Helper()
	got := map[string]int64{}
	for _, c := range e.hashCounts() {
		got[strings.TrimSpace(c.Scheme+" "+c.Params)] = c.Accounts
	}
	if !reflect.DeepEqual(got, want) {
		e.t.Fatalf("PasswordHashes = %v, want %v", got, want)
	}
}

// Imported accounts of every family a migration brings (crypt(3), Apache,
// LDAP, Django, passlib) log in with their password, and the first good
// login replaces each hash by the current argon2id. A wrong password
// changes nothing.
func testLegacyHashesMigrate(e *env) {
	accounts := []struct{ name, hash, password, scheme string }{
		{"shadow", sha512CryptHash, GoodPassword, "sha512-crypt rounds=5000"},
		{"debian", yescryptHash, umlauts, "yescrypt N=2^10,r=32"},
		{"apache", apr1Hash, GoodPassword, "apr1-md5"},
		{"slapd", sshaHash, GoodPassword, "ldap-ssha"},
		{"ds389", ldapCryptHash, GoodPassword, "sha512-crypt rounds=5000"},
		{"django", djangoSHA256, longPassword, "django-bcrypt-sha256 cost=5"},
		{"passlib", passlibSHA256, GoodPassword, "bcrypt-sha256 cost=5"},
	}
	var rows []acct.ImportRow
	want := map[string]int64{}
	for i, a := range accounts {
		rows = append(rows, acct.ImportRow{Line: i + 1, Username: new(a.name), Email: new(a.name + "@example.com"), PasswordHash: a.hash})
		want[a.scheme]++
	}
	wantCounts(e.t, e.importBatch("", false, rows...), len(rows), len(rows), 0, 0, 0)
	e.wantHashes(want)
	for _, a := range accounts {
		if _, err := e.svc.Login(e.ctx, acct.Login{Ref: a.name, Password: a.password + "x"}); !acct.IsCode(err, acct.CodeUnauthenticated) {
			e.t.Fatalf("%s with a wrong password: %v", a.name, err)
		}
	}
	e.wantHashes(want)
	for _, a := range accounts {
		e.login(acct.Login{Ref: a.name, Password: a.password})
	}
	e.wantHashes(map[string]int64{"argon2id " + FastArgon2.String(): int64(len(accounts))})
	for _, a := range accounts { // the new hash opens as the old one did
		if err := e.svc.VerifyPassword(e.ctx, a.name, a.password); err != nil {
			e.t.Fatalf("%s after the rehash: %v", a.name, err)
		}
	}
}

// bcrypt read only the first 72 bytes of a longer password: a login with
// it is good (whatever its tail), but the hash is not rebuilt from what
// was typed, whose tail was never checked. The bcrypt hash stays until a
// password change (or a login of 72 bytes or fewer); a short bcrypt
// password is rehashed at once.
func testBcryptLongPasswordKept(e *env) {
	wantCounts(e.t, e.importBatch("", false,
		acct.ImportRow{Line: 1, Username: new("ada"), Email: new("ada@example.com"), PasswordHash: bcryptLong},
		acct.ImportRow{Line: 2, Username: new("short"), Email: new("short@example.com"), PasswordHash: bcryptShort},
	), 2, 2, 0, 0, 0)
	e.login(acct.Login{Ref: "ada", Password: longPassword})
	e.login(acct.Login{Ref: "ada", Password: longPassword[:72] + " and another tail"}) // bcrypt never saw the tail
	e.login(acct.Login{Ref: "short", Password: GoodPassword})
	e.wantHashes(map[string]int64{"bcrypt cost=4": 1, "argon2id " + FastArgon2.String(): 1})
	// The real password still opens the account: nothing was rehashed
	// from the other tail.
	e.login(acct.Login{Ref: "ada", Password: longPassword})
	if _, err := e.svc.SetPassword(e.ctx, "ada", longPassword); err != nil {
		e.t.Fatal(err)
	}
	e.wantHashes(map[string]int64{"argon2id " + FastArgon2.String(): 2})
	if _, err := e.svc.Login(e.ctx, acct.Login{Ref: "ada", Password: longPassword[:72] + " and another tail"}); !acct.IsCode(err, acct.CodeUnauthenticated) {
		e.t.Fatalf("after the change the whole password counts: %v", err)
	}
}

// A Firebase hash whose length is not the signer key's (another
// project's) is refused at import, on its line; the right one imports,
// logs in and is rehashed.
func testFirebaseHashLength(e *env) {
	salt, hash, _ := strings.Cut(strings.TrimPrefix(firebaseHash, "$firebase-scrypt$"), "$")
	raw, _ := base64.StdEncoding.DecodeString(hash)
	short := "$firebase-scrypt$" + salt + "$" + base64.StdEncoding.EncodeToString(raw[:32])
	res := e.importBatch("", false,
		acct.ImportRow{Line: 2, Email: new("user1@test.com"), PasswordHash: firebaseHash},
		acct.ImportRow{Line: 3, Email: new("other@test.com"), PasswordHash: short},
	)
	wantCounts(e.t, res, 2, 1, 0, 0, 1)
	if r := res.Rejected[0]; r.Line != 3 || r.Code != acct.CodeInvalid || r.Field != "password_hash" ||
		!strings.Contains(r.Reason, "import.firebase_scrypt.signer_key") {
		e.t.Fatalf("rejection %+v, want line 3 naming the signer key", r)
	}
	e.wantHashes(map[string]int64{"firebase-scrypt": 1})
	e.login(acct.Login{Ref: "user1@test.com", Password: firebasePassword})
	e.wantHashes(map[string]int64{"argon2id " + FastArgon2.String(): 1})
}

func (e *env) hashCounts() []acct.HashCount {
	e.t.Helper()
	got, err := e.svc.PasswordHashes(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

func testPasswordHashes(e *env) {
	if got := e.hashCounts(); got == nil || len(got) != 0 {
		e.t.Fatalf("empty store: %#v, want an empty list", got)
	}
	for _, name := range []string{"hash1", "hash2", "hash3"} {
		e.register(acct.NewUser{Username: name, Email: name + "@example.com"})
	}
	e.register(acct.NewUser{Username: "nopw", Email: "nopw@example.com", NoPassword: true})
	e.register(acct.NewUser{Username: "nopw2", Email: "nopw2@example.com", NoPassword: true})
	e.register(acct.NewUser{Username: "gone", Email: "gone@example.com"})
	if _, err := e.svc.Unregister(e.ctx, "gone", acct.UnregisterOptions{Purge: true}); err != nil {
		e.t.Fatal(err)
	}
	want := []acct.HashCount{
		// Registered with a password: each has its SCRAM verifier.
		{Scheme: acct.SchemeArgon2id, Params: "m=64,t=1,p=1", Current: true, Accounts: 3, Scram: 3},
		{Scheme: acct.HashNone, Accounts: 2},
	}
	if got := e.hashCounts(); !reflect.DeepEqual(got, want) {
		e.t.Fatalf("PasswordHashes = %+v, want %+v", got, want)
	}
}

// Hashes made with other parameters than the service's are counted apart,
// and are not current.
func testPasswordHashesOtherCost(e *env) {
	e.register(acct.NewUser{Username: "cost", Email: "cost@example.com"})
	want := []acct.HashCount{{Scheme: acct.SchemeArgon2id, Params: "m=128,t=1,p=1", Current: true, Accounts: 1, Scram: 1}}
	if got := e.hashCounts(); !reflect.DeepEqual(got, want) {
		e.t.Fatalf("PasswordHashes = %+v, want %+v", got, want)
	}
}
