package acct

import (
	"strings"
	"testing"
)

func TestIdentifyHash(t *testing.T) {
	salt16 := "c2FsdHNhbHRzYWx0c2FsdA"                     // 16 bytes
	key32 := "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U" // 32 bytes
	for _, c := range []struct{ hash, scheme, params string }{
		{"$argon2id$v=19$m=19456,t=2,p=1$" + salt16 + "$" + key32, SchemeArgon2id, "m=19456,t=2,p=1"},
		{"$argon2i$v=19$p=4,m=65536,t=3$" + salt16 + "$" + key32, SchemeArgon2i, "m=65536,t=3,p=4"},
		{"$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", SchemeBcrypt, "cost=10"},
		{"$2b$12$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", SchemeBcrypt, "cost=12"},
		{"$2y$04$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", SchemeBcrypt, "cost=4"},
		{"$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E", SchemeScrypt, "ln=16,r=8,p=1"},
		{"$pbkdf2-sha256$29000$N2YMIWQsBWBMae09x1jrPQ$1t8iyB2A.WF/Z5JZv.lfCIhXXN33N23OSgQYThBYRfk", SchemePBKDF2SHA256, "i=29000"},
		{"$pbkdf2-sha256$i=29000,l=32$N2YMIWQsBWBMae09x1jrPQ$1t8iyB2A+WF/Z5JZv+lfCIhXXN33N23OSgQYThBYRfk", SchemePBKDF2SHA256, "i=29000"},
		{"$pbkdf2-sha512$25000$" + salt16 + "$" + strings.Repeat("a2V5", 21) + "aw", SchemePBKDF2SHA512, "i=25000"},
		{"$pbkdf2-sha1$131000$" + salt16 + "$" + key32, SchemePBKDF2SHA1, "i=131000"},
		{"pbkdf2_sha256$600000$seasalt$" + key32 + "=", SchemeDjangoPBKDF2SHA256, "i=600000"},
		{"pbkdf2_sha1$10000$seasalt$" + key32, SchemeDjangoPBKDF2SHA1, "i=10000"},
		{"$firebase-scrypt$42xEC+ixf3L2lw==$lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==", SchemeFirebaseScrypt, ""},
		{"$1$5ZKlTfWI$JImZ4WC13skUTdnPoyjku.", SchemeMD5Crypt, ""},
		{"$apr1$8OrPRM6y$N0wf9dwB9g86n7gCD/K7/.", SchemeAPR1MD5, ""},
		{"$5$di9RUElcjpr3oeh3$BMAT6Z885CEeTKn8wo1y56WmJv53jOgC9YR9wWVFTEA", SchemeSHA256Crypt, "rounds=5000"},
		{"$6$rounds=20000$m/mYo1/P7A/rkpoi$" + strings.Repeat("a", 86), SchemeSHA512Crypt, "rounds=20000"},
		{"$6$rounds=1000000$m/mYo1/P7A/rkpoi$" + strings.Repeat("a", 86), SchemeSHA512Crypt, "rounds=1000000"},
		{"$y$j9T$pOzbAMkwyoFf6ChaXBN9w/$kXGLrnsm0/VrLDLFxuOJuedzAgmoOAtNdaZycPjlii2", SchemeYescrypt, "N=2^12,r=32"},
		{"$y$j75$KYJSs4lXOJ17tXzl/pLVS/$86rGedJkt/4KJvqduRijyc/3TEOEn8lQGG6fhWcv771", SchemeYescrypt, "N=2^10,r=8"},
		{"$y$jFT$pOzbAMkwyoFf6ChaXBN9w/$kXGLrnsm0/VrLDLFxuOJuedzAgmoOAtNdaZycPjlii2", SchemeYescrypt, "N=2^18,r=32"}, // mkpasswd -R 11: 1 GiB
		{"{CRYPT}$y$j9T$OExei4B6.SGEznXR$G3cDdDnv1/Ct53UGyaPQtUDg3MoFtYU7pOYrxOUeDf6", SchemeYescrypt, "N=2^12,r=32"},
		{"{CRYPT}$6$rounds=5000$U7KuOWUarvGgEcY5$" + strings.Repeat("a", 86), SchemeSHA512Crypt, "rounds=5000"},
		{"{crypt}$2y$04$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", SchemeBcrypt, "cost=4"},
		{"{SSHA}/FFTy9gpNr65H7hu01s4XsnY44y8jisY", SchemeLDAPSSHA, ""},
		{"{ssha}/FFTy9gpNr65H7hu01s4XsnY44y8jisY", SchemeLDAPSSHA, ""},
		{"{SSHA256}3vR/1fGxvRDoplWhE2qvVfg/maQRj5h/yLfwqaxsem3vkMphh86aow==", SchemeLDAPSSHA256, ""},
		{"{SHA}q/eq1kOINtvlJqojGr3i0O73TUI=", SchemeLDAPSHA, ""},
		{"argon2$argon2id$v=19$m=1024,t=2,p=2$VEhPM1lsOTVmcEhIUUVzdXk2RnI4Vw$aEPa8H8SpdZtqysww5Vzuw", SchemeDjangoArgon2id, "m=1024,t=2,p=2"},
		{"bcrypt$$2b$04$OL8IuKEUfQojgCKZz287o.4hLhi2mkJ6XrYez71SVUmfDu8KzXvh2", SchemeDjangoBcrypt, "cost=4"},
		{"bcrypt_sha256$$2b$05$VBEdOd.F43dlI5G20Sn3zuFGv4N4nSK6n4ZHm16I2JTZ61ssT.9Z.", SchemeDjangoBcryptSHA256, "cost=5"},
		{"$bcrypt-sha256$v=2,t=2b,r=5$3TlUbEd.ZXfkq6TrSrC4Ue$TyTZ1j.0VEGgGt1t/Gag4v2VUPc4TUq", SchemeBcryptSHA256, "cost=5"},
		{"$bcrypt-sha256$2a,12$3TlUbEd.ZXfkq6TrSrC4Ue$TyTZ1j.0VEGgGt1t/Gag4v2VUPc4TUq", SchemeBcryptSHA256, "cost=12"},
	} {
		info, err := IdentifyHash(c.hash)
		if err != nil || info.Scheme != c.scheme || info.Params != c.params {
			t.Errorf("IdentifyHash(%q) = %+v, %v; want %s %s", c.hash, info, err, c.scheme, c.params)
		}
	}
}

func TestIdentifyHashRefuses(t *testing.T) {
	salt16 := "c2FsdHNhbHRzYWx0c2FsdA"
	key32 := "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
	for _, c := range []struct{ hash, want string }{
		{"", "empty"},
		{"plain text", "unrecognised"},
		{"$md5$abc", "unsupported password hash scheme"},
		{"$1$saltsalt$abcdefghijklmnopqrstu", "bad md5-crypt hash"},
		{"$1$salt!$abcdefghijklmnopqrstuv", "bad md5-crypt hash"},
		{"$1$saltsalty$abcdefghijklmnopqrstuv", "bad md5-crypt hash"},
		{"$apr1$$abcdefghijklmnopqrstuv", "bad apr1-md5 hash"},
		{"$6$rounds=1000001$salt$" + strings.Repeat("a", 86), "beyond the limit"},
		{"$6$rounds=999999999$salt$" + strings.Repeat("a", 86), "beyond the limit"},
		{"$5$rounds=999$salt$" + strings.Repeat("a", 43), "bad sha256-crypt rounds"},
		{"$5$rounds=x$salt$" + strings.Repeat("a", 43), "bad sha256-crypt rounds"},
		{"$6$salt$" + strings.Repeat("a", 43), "bad sha512-crypt hash"},
		{"$6$saltsaltsaltsalt1$" + strings.Repeat("a", 86), "bad sha512-crypt hash"},
		{"$y$jHT$pOzbAMkwyoFf6ChaXBN9w/$kXGLrnsm0/VrLDLFxuOJuedzAgmoOAtNdaZycPjlii2", "beyond the limits"}, // N=2^20, r=32: 4 GiB
		{"$y$jIT$pOzbAMkwyoFf6ChaXBN9w/$kXGLrnsm0/VrLDLFxuOJuedzAgmoOAtNdaZycPjlii2", "beyond the limits"}, // N=2^21
		{"$y$j9j$pOzbAMkwyoFf6ChaXBN9w/$kXGLrnsm0/VrLDLFxuOJuedzAgmoOAtNdaZycPjlii2", "beyond the limits"}, // r=48
		{"$y$i9T$pOzbAMkwyoFf6ChaXBN9w/$kXGLrnsm0/VrLDLFxuOJuedzAgmoOAtNdaZycPjlii2", "unsupported yescrypt"},
		{"$y$j9T3$pOzbAMkwyoFf6ChaXBN9w/$kXGLrnsm0/VrLDLFxuOJuedzAgmoOAtNdaZycPjlii2", "unsupported yescrypt"}, // p, t, g or a ROM
		{"$y$j9$pOzbAMkwyoFf6ChaXBN9w/$kXGLrnsm0/VrLDLFxuOJuedzAgmoOAtNdaZycPjlii2", "bad yescrypt parameters"},
		{"$y$j9T$p!zbAMkwyoFf6ChaXBN9w/$kXGLrnsm0/VrLDLFxuOJuedzAgmoOAtNdaZycPjlii2", "bad yescrypt salt"},
		{"$y$j9T$p$kXGLrnsm0/VrLDLFxuOJuedzAgmoOAtNdaZycPjlii2", "bad yescrypt salt"},
		{"$y$j9T$pOzbAMkwyoFf6ChaXBN9w/$kXGLrnsm0/VrLDLFxuOJuedzAgmoOAtNdaZycPjlii", "bad yescrypt hash"},
		{"$y$j9T$pOzbAMkwyoFf6ChaXBN9w/$kXGLrnsm0/VrLDLFxuOJuedzAgmoOAtNdaZycPjlii!", "bad yescrypt hash"},
		{"{CRYPT}$y$j9T3$pOzbAMkwyoFf6ChaXBN9w/$kXGLrnsm0/VrLDLFxuOJuedzAgmoOAtNdaZycPjlii2", "unsupported yescrypt"},
		{"{SSHA}q/eq1kOINtvlJqojGr3i0O73TUI=", "bad {SSHA} hash"},
		{"{SSHA}not base64!", "not base64"},
		{"{SHA}/FFTy9gpNr65H7hu01s4XsnY44y8jisY", "want 20 bytes"},
		{"{MD5}X03MO1qnZdYdgyfeuILPmQ==", "unsupported LDAP password scheme"},
		{"{CRYPT}abJnggxhB/yWI", "traditional DES"},
		{"{CRYPT}$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E", "unsupported {CRYPT}"},
		{"{SSHA", "bad LDAP"},
		{"argon2$argon2d$v=19$m=64,t=1,p=1$" + salt16 + "$" + key32, "unsupported Django argon2"},
		{"argon2$argon2i$m=512,t=2,p=2$" + salt16 + "$" + key32, "bad argon2i hash"},
		{"bcrypt$$2b$17$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", "beyond the limit"},
		{"bcrypt_sha256$pbkdf2_sha256$1000$salt$" + key32, "bad Django bcrypt_sha256"},
		{"$bcrypt-sha256$v=3,t=2b,r=12$3TlUbEd.ZXfkq6TrSrC4Ue$TyTZ1j.0VEGgGt1t/Gag4v2VUPc4TUq", "bad bcrypt-sha256"},
		{"$bcrypt-sha256$v=2,t=2b,r=17$3TlUbEd.ZXfkq6TrSrC4Ue$TyTZ1j.0VEGgGt1t/Gag4v2VUPc4TUq", "beyond the limit"},
		{"$bcrypt-sha256$2x,12$3TlUbEd.ZXfkq6TrSrC4Ue$TyTZ1j.0VEGgGt1t/Gag4v2VUPc4TUq", "bad bcrypt-sha256"},
		{"$argon2d$v=19$m=64,t=1,p=1$" + salt16 + "$" + key32, "argon2d"},
		{"$argon2id$v=16$m=64,t=1,p=1$" + salt16 + "$" + key32, "version"},
		{"$argon2id$m=64,t=1,p=1$" + salt16 + "$" + key32, "bad argon2id hash"},
		{"$argon2id$v=19$m=64,t=1$" + salt16 + "$" + key32, "bad argon2id parameters"},
		{"$argon2id$v=19$m=64,t=1,p=1,x=2$" + salt16 + "$" + key32, "bad argon2id parameters"},
		{"$argon2id$v=19$m=64,t=1,p=1$!!!$" + key32, "salt"},
		{"$argon2id$v=19$m=64,t=1,p=1$" + salt16 + "$AAAA", "key"},
		{"$argon2id$v=19$m=4194304,t=1,p=1$" + salt16 + "$" + key32, "beyond the limits"},
		{"$argon2id$v=19$m=1048576,t=16,p=1$" + salt16 + "$" + key32, "beyond the limits"},
		{"$2x$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", "not supported"},
		{"$2b$17$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", "beyond the limit"},
		{"$2b$03$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", "cost"},
		{"$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhW", "bad bcrypt"},
		{"$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lh!y", "bad bcrypt"},
		{"$scrypt$ln=21,r=8,p=1$" + salt16 + "$" + key32, "beyond the limits"},
		{"$scrypt$ln=20,r=16,p=1$" + salt16 + "$" + key32, "beyond the limits"},
		{"$scrypt$ln=0,r=8,p=1$" + salt16 + "$" + key32, "at least 1"},
		{"$scrypt$N=16384,r=8,p=1$" + salt16 + "$" + key32, "bad scrypt parameters"},
		{"$pbkdf2-sha256$10000001$" + salt16 + "$" + key32, "beyond the limit"},
		{"$pbkdf2-sha256$0$" + salt16 + "$" + key32, "at least 1"},
		{"$pbkdf2-sha1$6000000$" + salt16 + "$" + key32, "2 blocks"},
		{"$pbkdf2-sha256$i=1000,l=16$" + salt16 + "$" + key32, "l=16"},
		{"$pbkdf2-sha256$-5$" + salt16 + "$" + key32, "iterations"},
		{"$pbkdf2-md5$1000$" + salt16 + "$" + key32, "unsupported"},
		{"pbkdf2_sha512$1000$salt$" + key32, "unsupported Django"},
		{"pbkdf2_sha256$1000$$" + key32, "bad Django"},
		{"pbkdf2_sha256$99999999999$salt$" + key32, "beyond the limit"},
		{"$firebase-scrypt$lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==$42xEC+ixf3L2lw==", "salt is longer"},
		{"$firebase-scrypt$42xEC+ixf3L2lw==", "bad firebase-scrypt"},
		{"$argon2id$" + strings.Repeat("x", 2000), "too long"},
	} {
		info, err := IdentifyHash(c.hash)
		if err == nil || !strings.Contains(err.Error(), c.want) || ErrorField(err) != "password_hash" || !IsCode(err, CodeInvalid) {
			t.Errorf("IdentifyHash(%q) = %+v, %v; want an invalid password_hash error with %q", c.hash, info, err, c.want)
		}
	}
}

// IdentifyHash never panics, whatever it is given: it reads hashes from
// import files.
func FuzzIdentifyHash(f *testing.F) {
	for _, s := range []string{"$y$j9T$pOzbAMkwyoFf6ChaXBN9w/$kXGLrnsm0/VrLDLFxuOJuedzAgmoOAtNdaZycPjlii2",
		"{SSHA}/FFTy9gpNr65H7hu01s4XsnY44y8jisY", "$6$rounds=5000$salt$" + strings.Repeat("a", 86),
		"bcrypt_sha256$$2b$05$VBEdOd.F43dlI5G20Sn3zuFGv4N4nSK6n4ZHm16I2JTZ61ssT.9Z.",
		"$bcrypt-sha256$v=2,t=2b,r=5$3TlUbEd.ZXfkq6TrSrC4Ue$TyTZ1j.0VEGgGt1t/Gag4v2VUPc4TUq", "$y$", "{", "argon2$"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		info, err := IdentifyHash(h)
		if err == nil && info.Scheme == "" {
			t.Fatalf("IdentifyHash(%q): no scheme and no error", h)
		}
	})
}
