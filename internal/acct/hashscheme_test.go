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
		{"$1$saltsalt$abcdefghijklmnopqrstuv", "unsupported password hash scheme"},
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
