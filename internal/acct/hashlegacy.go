package acct

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"strconv"
	"strings"

	"github.com/GehirnInc/crypt"
	"github.com/GehirnInc/crypt/apr1_crypt"
	"github.com/GehirnInc/crypt/md5_crypt"
	"github.com/GehirnInc/crypt/sha256_crypt"
	"github.com/GehirnInc/crypt/sha512_crypt"
	"golang.org/x/crypto/bcrypt"
)

// The hashes of the systems operators migrate from: crypt(3) as
// /etc/shadow, openssl passwd, mkpasswd and htpasswd write it, LDAP's
// {SCHEME} forms (slapd, 389-ds), Django's own prefixes and passlib's
// bcrypt-sha256. The crypt(3) family is computed by
// github.com/GehirnInc/crypt (BSD licence; the algorithms are frozen, so
// its few recent commits are not a worry; it compares in constant time);
// the LDAP digests and the bcrypt pre-hashes are a few lines over the
// standard library and x/crypto/bcrypt, proved by fixtures the real tools
// made (testdata/make-hash-fixtures.sh).
//
// The stored forms:
//
//	md5-crypt              $1$<salt ≤ 8>$<22>                                  (openssl passwd -1, mkpasswd)
//	apr1-md5               $apr1$<salt ≤ 8>$<22>                               (htpasswd -m, openssl passwd -apr1)
//	sha256-crypt           $5$[rounds=N$]<salt ≤ 16>$<43>                      (openssl passwd -5, mkpasswd)
//	sha512-crypt           $6$[rounds=N$]<salt ≤ 16>$<86>                      (/etc/shadow, openssl passwd -6)
//	yescrypt               $y$j9T$<salt>$<43>                                  (/etc/shadow; see yescrypt.go)
//	ldap-sha               {SHA}base64(SHA-1(password))
//	ldap-ssha, -ssha256,   {SSHA}base64(SHA-1(password‖salt)‖salt), {SSHA256} and {SSHA512}
//	-ssha512               with SHA-256 and SHA-512 (salt: what follows the digest)
//	{CRYPT}<hash>          a crypt(3) hash above, yescrypt or bcrypt in LDAP: counted as that scheme
//	django-argon2id/i      argon2$argon2id$v=19$m=…,t=…,p=…$<salt>$<key>
//	django-bcrypt          bcrypt$$2b$12$…   (the password as typed, 72 bytes read)
//	django-bcrypt-sha256   bcrypt_sha256$$2b$12$…   (bcrypt of SHA-256(password) in hex)
//	bcrypt-sha256          $bcrypt-sha256$v=2,t=2b,r=12$<salt 22>$<31>   (passlib: bcrypt of
//	                       base64(HMAC-SHA256(salt, password))); v1 $bcrypt-sha256$2b,12$<salt>$<31>
//	                       (base64(SHA-256(password)))
const (
	SchemeMD5Crypt           = "md5-crypt"
	SchemeAPR1MD5            = "apr1-md5"
	SchemeSHA256Crypt        = "sha256-crypt"
	SchemeSHA512Crypt        = "sha512-crypt"
	SchemeLDAPSHA            = "ldap-sha"
	SchemeLDAPSSHA           = "ldap-ssha"
	SchemeLDAPSSHA256        = "ldap-ssha256"
	SchemeLDAPSSHA512        = "ldap-ssha512"
	SchemeDjangoArgon2id     = "django-argon2id"
	SchemeDjangoArgon2i      = "django-argon2i"
	SchemeDjangoBcrypt       = "django-bcrypt"
	SchemeDjangoBcryptSHA256 = "django-bcrypt-sha256"
	SchemeBcryptSHA256       = "bcrypt-sha256"
)

// Limits of the crypt(3) family.
const (
	// MaxSHACryptRounds bounds sha256-crypt and sha512-crypt: the format
	// allows 999,999,999 rounds (minutes of work per login); shadow files
	// use 5,000 unless login.defs raises it.
	MaxSHACryptRounds = 1_000_000
	minSHACryptRounds = 1000 // glibc's floor; it never writes fewer
	// bcryptMaxPassword is how much of a password bcrypt reads.
	bcryptMaxPassword = 72
)

// isCryptBase64 reports whether s is in the base64 alphabet of crypt(3)
// salts and hashes (bcrypt's too).
func isCryptBase64(s string) bool { return isBcryptBase64(s) }

// cryptForm is the shape of one member of the crypt(3) family.
type cryptForm struct {
	scheme  string
	maxSalt int
	hashLen int
	rounds  bool // takes rounds=N
	new     func() crypt.Crypter
}

var cryptForms = map[string]cryptForm{
	"1":    {SchemeMD5Crypt, 8, 22, false, md5_crypt.New},
	"apr1": {SchemeAPR1MD5, 8, 22, false, apr1_crypt.New},
	"5":    {SchemeSHA256Crypt, 16, 43, true, sha256_crypt.New},
	"6":    {SchemeSHA512Crypt, 16, 86, true, sha512_crypt.New},
}

// parseCrypt reads $1$, $apr1$, $5$ and $6$ hashes (parts: h split at
// "$" after the first).
func parseCrypt(h string, form cryptForm, parts []string) (*parsedHash, error) {
	id := parts[0]
	rest := parts[1:]
	params := ""
	if form.rounds && len(rest) == 3 && strings.HasPrefix(rest[0], "rounds=") {
		n, err := parseDecimal(strings.TrimPrefix(rest[0], "rounds="))
		if err != nil || n < minSHACryptRounds {
			return nil, hashError("bad %s rounds %q: want %d to %d", form.scheme, truncate(rest[0], 20), minSHACryptRounds, MaxSHACryptRounds)
		}
		if n > MaxSHACryptRounds {
			return nil, hashError("%s rounds %d are beyond the limit of %d", form.scheme, n, MaxSHACryptRounds)
		}
		params = "rounds=" + strconv.FormatUint(n, 10)
		rest = rest[1:]
	} else if form.rounds {
		params = "rounds=5000"
	}
	if len(rest) != 2 || len(rest[0]) < 1 || len(rest[0]) > form.maxSalt || !isCryptBase64(rest[0]) ||
		len(rest[1]) != form.hashLen || !isCryptBase64(rest[1]) {
		r := ""
		if form.rounds {
			r = "[rounds=N$]"
		}
		return nil, hashError("bad %s hash: want $%s$%s<salt of 1 to %d characters>$<%d characters>", form.scheme, id, r, form.maxSalt, form.hashLen)
	}
	return &parsedHash{info: HashInfo{Scheme: form.scheme, Params: params}, crypt: h, crypter: form.new}, nil
}

// verifyCrypt checks a crypt(3) hash: the library computes the hash of the
// password with the stored salt and rounds and compares the whole string
// in constant time.
func verifyCrypt(password string, ph *parsedHash) (bool, error) {
	err := ph.crypter().Verify(ph.crypt, []byte(password))
	if err != nil && !errors.Is(err, crypt.ErrKeyMismatch) {
		return false, hashError("bad %s hash: %v", ph.info.Scheme, err)
	}
	return err == nil, nil
}

// ldapForms are LDAP's {SCHEME} prefixes, upper case.
var ldapForms = map[string]struct {
	scheme string
	digest func() hash.Hash
	salted bool
}{
	"{SHA}":     {SchemeLDAPSHA, sha1.New, false},
	"{SSHA}":    {SchemeLDAPSSHA, sha1.New, true},
	"{SSHA256}": {SchemeLDAPSSHA256, sha256.New, true},
	"{SSHA512}": {SchemeLDAPSSHA512, sha512.New, true},
}

// parseLDAP reads {SHA}, {SSHA}, {SSHA256}, {SSHA512} and {CRYPT}<crypt(3)>;
// LDAP reads the prefix in any case.
func parseLDAP(h string) (*parsedHash, error) {
	end := strings.IndexByte(h, '}')
	if end < 0 {
		return nil, hashError("bad LDAP password hash: want {SCHEME}…")
	}
	prefix, rest := strings.ToUpper(h[:end+1]), h[end+1:]
	if prefix == "{CRYPT}" {
		if !strings.HasPrefix(rest, "$") {
			return nil, hashError("unsupported {CRYPT} hash: only $1$, $apr1$, $5$, $6$, $y$ and bcrypt are supported (not traditional DES crypt)")
		}
		ph, err := parseHash(rest)
		if err != nil {
			return nil, err
		}
		if ph.crypt == "" && ph.bcrypt == "" && ph.yescrypt == "" {
			return nil, hashError("unsupported {CRYPT} hash %s: want a crypt(3) hash ($1$, $apr1$, $5$, $6$, $y$, bcrypt)", ph.info.Scheme)
		}
		return ph, nil
	}
	form, ok := ldapForms[prefix]
	if !ok {
		return nil, hashError("unsupported LDAP password scheme %s (supported: {SHA}, {SSHA}, {SSHA256}, {SSHA512}, {CRYPT})", truncate(prefix, 16))
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		raw, err = base64.RawStdEncoding.DecodeString(rest)
	}
	size := form.digest().Size()
	switch {
	case err != nil:
		return nil, hashError("bad %s hash: not base64", prefix)
	case !form.salted && len(raw) != size:
		return nil, hashError("bad %s hash: want %d bytes, got %d", prefix, size, len(raw))
	case form.salted && (len(raw) <= size || len(raw)-size > maxSaltLength):
		return nil, hashError("bad %s hash: want a %d-byte digest and a salt of 1 to %d bytes, got %d bytes", prefix, size, maxSaltLength, len(raw))
	}
	return &parsedHash{info: HashInfo{Scheme: form.scheme}, digest: form.digest, key: raw[:size], salt: raw[size:]}, nil
}

// ldapDigest is the digest of password followed by the salt.
func ldapDigest(password string, ph *parsedHash) []byte {
	d := ph.digest()
	d.Write([]byte(password))
	d.Write(ph.salt)
	return d.Sum(nil)
}

// parseDjangoPrefixed reads Django's argon2$…, bcrypt$… and
// bcrypt_sha256$… (the hash of the library after Django's algorithm name).
func parseDjangoPrefixed(h string) (*parsedHash, error) {
	alg, rest, _ := strings.Cut(h, "$")
	switch alg {
	case "argon2":
		parts := strings.Split(rest, "$")
		if parts[0] != "argon2id" && parts[0] != "argon2i" {
			return nil, hashError("unsupported Django argon2 hash: want argon2$argon2id$v=19$… or argon2$argon2i$v=19$…")
		}
		ph, err := parseArgon2(parts[0], parts)
		if err != nil {
			return nil, err
		}
		ph.info.Scheme = "django-" + ph.info.Scheme
		return ph, nil
	case "bcrypt", "bcrypt_sha256":
		ph, err := parseHash(rest)
		if err != nil {
			return nil, err
		}
		if ph.info.Scheme != SchemeBcrypt {
			return nil, hashError("bad Django %s hash: want %s$$2b$<cost>$…", alg, alg)
		}
		if alg == "bcrypt" {
			ph.info.Scheme = SchemeDjangoBcrypt
		} else {
			ph.info.Scheme = SchemeDjangoBcryptSHA256
			ph.prehash = func(pw string) []byte {
				sum := sha256.Sum256([]byte(pw))
				return []byte(hex.EncodeToString(sum[:]))
			}
		}
		return ph, nil
	}
	return nil, hashError("unsupported Django password hash %q", truncate(alg, 32))
}

// parseBcryptSHA256 reads passlib's $bcrypt-sha256$v=2,t=2b,r=12$salt$digest
// and its version 1, $bcrypt-sha256$2b,12$salt$digest.
func parseBcryptSHA256(parts []string) (*parsedHash, error) {
	bad := hashError("bad bcrypt-sha256 hash: want $bcrypt-sha256$v=2,t=2b,r=<cost>$<22-character salt>$<31 characters>")
	if len(parts) != 4 || len(parts[2]) != 22 || len(parts[3]) != 31 {
		return nil, bad
	}
	var ident, rounds string
	v2 := strings.HasPrefix(parts[1], "v=")
	if v2 {
		fields := strings.Split(parts[1], ",")
		if len(fields) != 3 || fields[0] != "v=2" || fields[1] != "t=2b" || !strings.HasPrefix(fields[2], "r=") {
			return nil, bad
		}
		ident, rounds = "2b", strings.TrimPrefix(fields[2], "r=")
	} else {
		var ok bool
		if ident, rounds, ok = strings.Cut(parts[1], ","); !ok || (ident != "2a" && ident != "2b") {
			return nil, bad
		}
	}
	if len(rounds) == 1 {
		rounds = "0" + rounds
	}
	salt := parts[2]
	ph, err := parseBcrypt("$"+ident+"$"+rounds+"$"+salt+parts[3], []string{ident, rounds, salt + parts[3]})
	if err != nil {
		return nil, err
	}
	ph.info.Scheme = SchemeBcryptSHA256
	ph.prehash = func(pw string) []byte {
		var sum []byte
		if v2 {
			m := hmac.New(sha256.New, []byte(salt))
			m.Write([]byte(pw))
			sum = m.Sum(nil)
		} else {
			s := sha256.Sum256([]byte(pw))
			sum = s[:]
		}
		return []byte(base64.StdEncoding.EncodeToString(sum))
	}
	return ph, nil
}

// verifyBcrypt checks a bcrypt hash, after the scheme's pre-hash if it
// has one. bcrypt reads only the first 72 bytes of what it is given: a
// pre-hash (64 or 44 bytes) fits; a raw password may not.
func verifyBcrypt(password string, ph *parsedHash) (bool, error) {
	key := []byte(password)
	if ph.prehash != nil {
		key = ph.prehash(password)
	}
	err := bcrypt.CompareHashAndPassword([]byte(ph.bcrypt), key)
	if err != nil && !errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
		return false, hashError("bad %s hash: %v", ph.info.Scheme, err)
	}
	return err == nil, nil
}

// truncates reports whether a verified password may differ from the
// user's real one: bcrypt without a pre-hash read only its first 72
// bytes, so a longer password's tail was never checked and must not be
// rehashed (the user's real tail would stop working).
func (ph *parsedHash) truncates(password string) bool {
	return ph.bcrypt != "" && ph.prehash == nil && len(password) > bcryptMaxPassword
}
