package acct

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"github.com/GehirnInc/crypt"
)

// Password hash schemes. New passwords are always hashed with argon2id;
// the others are read so that accounts imported from another system can
// log in, and are replaced by the current argon2id at the first good login.
//
// The stored forms:
//
//	argon2id, argon2i      $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>          (PHC, unpadded base64)
//	bcrypt                 $2a$10$<22 salt><31 hash>, also $2b$ and $2y$         (bcrypt's own base64)
//	scrypt                 $scrypt$ln=16,r=8,p=1$<salt>$<key>                   (PHC as passlib writes it)
//	pbkdf2-sha1/256/512    $pbkdf2-sha256$29000$<salt>$<key>                    (passlib; $pbkdf2$ for SHA-1)
//	                       $pbkdf2-sha256$i=29000,l=32$<salt>$<key>             (PHC parameters; l optional)
//	django-pbkdf2-sha1/256 pbkdf2_sha256$600000$<salt>$<key>                    (Django; the salt is text)
//	firebase-scrypt        $firebase-scrypt$<salt>$<hash>                       (see below)
//	crypt(3), LDAP, Django's argon2$, bcrypt$ and bcrypt_sha256$, passlib's $bcrypt-sha256$: see hashlegacy.go
//
// The salt and key of the $-forms are base64, read with or without
// padding, in the standard alphabet or passlib's "ab64" (which writes "."
// for "+"). Django's key is padded standard base64, its salt plain text.
//
// Firebase Authentication exports each account's "passwordHash" and
// "salt" in standard base64; the account's hash is stored as
// "$firebase-scrypt$" + salt + "$" + passwordHash, both exactly as
// exported (URL-safe base64 is read too). The project's hash parameters
// (signer key, salt separator, rounds, memory cost) are not in the hash:
// they come from the configuration (import.firebase_scrypt.*).
const (
	SchemeArgon2id           = "argon2id"
	SchemeArgon2i            = "argon2i"
	SchemeBcrypt             = "bcrypt"
	SchemeScrypt             = "scrypt"
	SchemePBKDF2SHA1         = "pbkdf2-sha1"
	SchemePBKDF2SHA256       = "pbkdf2-sha256"
	SchemePBKDF2SHA512       = "pbkdf2-sha512"
	SchemeDjangoPBKDF2SHA1   = "django-pbkdf2-sha1"
	SchemeDjangoPBKDF2SHA256 = "django-pbkdf2-sha256"
	SchemeFirebaseScrypt     = "firebase-scrypt"
	// SchemeScramSHA256 is PostgreSQL's SCRAM-SHA-256 verifier,
	// SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey> (scram.go):
	// a password is checked by computing its StoredKey.
	SchemeScramSHA256 = "scram-sha-256"
)

// HashSchemes lists every scheme IdentifyHash recognises, the current
// one first.
var HashSchemes = []string{
	SchemeArgon2id, SchemeArgon2i, SchemeBcrypt, SchemeScrypt,
	SchemePBKDF2SHA1, SchemePBKDF2SHA256, SchemePBKDF2SHA512,
	SchemeDjangoPBKDF2SHA1, SchemeDjangoPBKDF2SHA256, SchemeFirebaseScrypt,
	SchemeMD5Crypt, SchemeAPR1MD5, SchemeSHA256Crypt, SchemeSHA512Crypt, SchemeYescrypt,
	SchemeLDAPSHA, SchemeLDAPSSHA, SchemeLDAPSSHA256, SchemeLDAPSSHA512,
	SchemeDjangoArgon2id, SchemeDjangoArgon2i, SchemeDjangoBcrypt, SchemeDjangoBcryptSHA256,
	SchemeBcryptSHA256, SchemeScramSHA256,
}

// HashInfo says what a stored password hash is, without verifying it.
type HashInfo struct {
	// Scheme is one of the Scheme* constants.
	Scheme string `json:"scheme"`
	// Params are the hash's cost parameters in a canonical form:
	// "m=19456,t=2,p=1" (argon2), "cost=10" (bcrypt), "ln=16,r=8,p=1"
	// (scrypt), "i=600000" (PBKDF2), "rounds=5000" (sha256-crypt,
	// sha512-crypt), "N=2^12,r=32" (yescrypt); "" for schemes without a cost (md5-crypt, apr1-md5,
	// the LDAP digests) and for firebase-scrypt, whose parameters are the
	// project's, in the configuration.
	Params string `json:"params"`
}

// String gives the scheme and, when there are any, its parameters.
func (h HashInfo) String() string {
	if h.Params == "" {
		return h.Scheme
	}
	return h.Scheme + " " + h.Params
}

// Limits on the cost of a stored hash: a hash beyond them would make a
// single login take seconds or gigabytes, so it is refused when it is
// read, whatever the password.
const (
	maxHashLength     = 1024    // characters of the whole stored hash
	maxSaltLength     = 256     // bytes of a decoded salt
	minKeyLength      = 16      // bytes of a decoded key, below which a match means little
	maxKeyLength      = 64      // bytes of a decoded key (argon2, scrypt, PBKDF2)
	MaxArgon2Memory   = 1 << 21 // KiB: 2 GiB, RFC 9106's first recommended option
	MaxArgon2Time     = 16
	MaxArgon2Threads  = 64
	maxArgon2Work     = 1 << 22 // KiB × passes
	MaxBcryptCost     = 16
	minBcryptCost     = 4
	MaxScryptLogN     = 20      // N ≤ 2^20
	maxScryptR        = 32      //
	maxScryptP        = 16      //
	maxScryptMemory   = 1 << 30 // bytes: 128·N·r
	maxScryptWork     = 1 << 25 // N·r·p
	MaxPBKDF2Rounds   = 10_000_000
	maxFirebaseKeyLen = 256 // bytes of a Firebase hash (the signer key's length, 64 in practice)
)

// parsedHash is a stored hash taken apart for verification.
type parsedHash struct {
	info     HashInfo
	argon2   Argon2Params         // argon2id, argon2i
	bcrypt   string               // bcrypt and its pre-hashed forms: the bcrypt hash, for x/crypto/bcrypt
	prehash  func(string) []byte  // bcrypt-sha256, django-bcrypt-sha256: what bcrypt is given
	crypt    string               // crypt(3) family: the hash, for the crypter
	crypter  func() crypt.Crypter // crypt(3) family
	yescrypt string               // yescrypt: the hash as given (ln and r hold its N and r)
	ln       uint8                // scrypt: log2 N
	r, p     int                  // scrypt
	rounds   int                  // PBKDF2
	digest   func() hash.Hash     // PBKDF2, LDAP
	salt     []byte
	key      []byte
}

// IdentifyHash says which scheme a stored password hash is in, with its
// parameters, without verifying anything. It refuses a hash it cannot
// read, one in an unsupported scheme, and one whose parameters are beyond
// what a login may cost; the error (CodeInvalid, field "password_hash")
// says why.
func IdentifyHash(hash string) (HashInfo, error) {
	ph, err := parseHash(hash)
	if err != nil {
		return HashInfo{}, err
	}
	return ph.info, nil
}

// hashError is the refusal of a stored hash.
func hashError(format string, args ...any) error {
	return FieldError("password_hash", format, args...)
}

func parseHash(h string) (*parsedHash, error) {
	switch {
	case h == "":
		return nil, hashError("empty password hash")
	case len(h) > maxHashLength:
		return nil, hashError("password hash of %d characters is too long (at most %d)", len(h), maxHashLength)
	case strings.HasPrefix(h, "pbkdf2_"):
		return parseDjango(h)
	case strings.HasPrefix(h, ScramMechanism+"$"):
		v, err := ParseScramVerifier(h)
		if err != nil {
			return nil, hashError("%v", err)
		}
		return &parsedHash{info: HashInfo{Scheme: SchemeScramSHA256, Params: "i=" + strconv.Itoa(v.Iterations)},
			rounds: v.Iterations, salt: v.Salt, key: v.StoredKey}, nil
	case strings.HasPrefix(h, "argon2$"), strings.HasPrefix(h, "bcrypt$"), strings.HasPrefix(h, "bcrypt_sha256$"):
		return parseDjangoPrefixed(h)
	case strings.HasPrefix(h, "{"):
		return parseLDAP(h)
	case !strings.HasPrefix(h, "$"):
		return nil, hashError("unrecognised password hash: want a PHC string ($scheme$…), crypt(3) ($6$…), bcrypt ($2b$…), LDAP's {SSHA}… or Django's pbkdf2_sha256$…")
	}
	parts := strings.Split(h[1:], "$")
	if form, ok := cryptForms[parts[0]]; ok {
		return parseCrypt(h, form, parts)
	}
	switch alg := parts[0]; alg {
	case "argon2id", "argon2i":
		return parseArgon2(alg, parts)
	case "2a", "2b", "2y":
		return parseBcrypt(h, parts)
	case "scrypt":
		return parseScrypt(parts)
	case "pbkdf2-sha1", "pbkdf2-sha256", "pbkdf2-sha512":
		return parsePBKDF2(alg, strings.TrimPrefix(alg, "pbkdf2-"), parts)
	case "pbkdf2": // passlib's pbkdf2_sha1
		return parsePBKDF2(alg, "sha1", parts)
	case "firebase-scrypt":
		return parseFirebase(parts)
	case "bcrypt-sha256":
		return parseBcryptSHA256(parts)
	case "y":
		return parseYescrypt(h, parts)
	case "argon2d":
		return nil, hashError("argon2d password hashes are not supported (argon2id and argon2i are)")
	case "2", "2x":
		return nil, hashError("bcrypt $%s$ hashes are not supported ($2a$, $2b$ and $2y$ are)", alg)
	default:
		return nil, hashError("unsupported password hash scheme %q (supported: %s)", truncate(alg, 32), strings.Join(HashSchemes, ", "))
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// parseArgon2 reads $argon2id$v=19$m=…,t=…,p=…$salt$key.
func parseArgon2(alg string, parts []string) (*parsedHash, error) {
	if len(parts) != 5 {
		return nil, hashError("bad %s hash: want $%s$v=19$m=…,t=…,p=…$salt$key", alg, alg)
	}
	if parts[1] != "v=19" {
		return nil, hashError("unsupported %s version %q (want v=19)", alg, truncate(parts[1], 16))
	}
	v, err := phcParams(alg, parts[2], "m", "t", "p")
	if err != nil {
		return nil, err
	}
	if v["t"] > MaxArgon2Time || v["p"] > MaxArgon2Threads || v["m"] > MaxArgon2Memory {
		return nil, hashError("%s parameters %s are beyond the limits (m ≤ %d, t ≤ %d, p ≤ %d)", alg, parts[2], MaxArgon2Memory, MaxArgon2Time, MaxArgon2Threads)
	}
	p := Argon2Params{Memory: uint32(v["m"]), Time: uint32(v["t"]), Threads: uint8(v["p"])}
	if err := p.Validate(); err != nil {
		return nil, hashError("bad %s parameters: %v", alg, err)
	}
	salt, key, err := saltKey(alg, parts[3], parts[4], 8)
	if err != nil {
		return nil, err
	}
	return &parsedHash{info: HashInfo{Scheme: alg, Params: p.String()}, argon2: p, salt: salt, key: key}, nil
}

// parseBcrypt reads $2b$10$ and 53 characters of salt and hash.
func parseBcrypt(h string, parts []string) (*parsedHash, error) {
	if len(parts) != 3 || len(parts[1]) != 2 || len(parts[2]) != 53 || !isBcryptBase64(parts[2]) {
		return nil, hashError("bad bcrypt hash: want $%s$<2-digit cost>$<53 characters>", parts[0])
	}
	cost, err := strconv.Atoi(parts[1])
	if err != nil || cost < minBcryptCost {
		return nil, hashError("bad bcrypt cost %q", parts[1])
	}
	if cost > MaxBcryptCost {
		return nil, hashError("bcrypt cost %d is beyond the limit of %d", cost, MaxBcryptCost)
	}
	return &parsedHash{info: HashInfo{Scheme: SchemeBcrypt, Params: "cost=" + strconv.Itoa(cost)}, bcrypt: h}, nil
}

func isBcryptBase64(s string) bool {
	for _, c := range []byte(s) {
		if !(c == '.' || c == '/' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// parseScrypt reads $scrypt$ln=…,r=…,p=…$salt$key.
func parseScrypt(parts []string) (*parsedHash, error) {
	if len(parts) != 4 {
		return nil, hashError("bad scrypt hash: want $scrypt$ln=…,r=…,p=…$salt$key")
	}
	v, err := phcParams("scrypt", parts[1], "ln", "r", "p")
	if err != nil {
		return nil, err
	}
	ln, r, p := v["ln"], v["r"], v["p"]
	if ln < 1 || r < 1 || p < 1 {
		return nil, hashError("bad scrypt parameters %q: ln, r and p must be at least 1", parts[1])
	}
	if ln > MaxScryptLogN || r > maxScryptR || p > maxScryptP ||
		128*r<<ln > maxScryptMemory || r*p<<ln > maxScryptWork {
		return nil, hashError("scrypt parameters %s are beyond the limits (ln ≤ %d, r ≤ %d, p ≤ %d, 128·N·r ≤ 1 GiB, N·r·p ≤ 2^25)", parts[1], MaxScryptLogN, maxScryptR, maxScryptP)
	}
	salt, key, err := saltKey("scrypt", parts[2], parts[3], 1)
	if err != nil {
		return nil, err
	}
	return &parsedHash{info: HashInfo{Scheme: SchemeScrypt, Params: fmt.Sprintf("ln=%d,r=%d,p=%d", ln, r, p)},
		ln: uint8(ln), r: int(r), p: int(p), salt: salt, key: key}, nil
}

var pbkdf2Digests = map[string]func() hash.Hash{"sha1": sha1.New, "sha256": sha256.New, "sha512": sha512.New}

// parsePBKDF2 reads passlib's $pbkdf2-sha256$29000$salt$key (and
// $pbkdf2$… for SHA-1) and the PHC parameter form
// $pbkdf2-sha256$i=29000[,l=32]$salt$key.
func parsePBKDF2(alg, digest string, parts []string) (*parsedHash, error) {
	if len(parts) != 4 {
		return nil, hashError("bad %s hash: want $%s$<iterations>$salt$key", alg, alg)
	}
	var rounds, length uint64
	if strings.HasPrefix(parts[1], "i=") {
		v, err := phcParams(alg, parts[1], "i", "l?")
		if err != nil {
			return nil, err
		}
		rounds, length = v["i"], v["l"]
	} else {
		var err error
		if rounds, err = parseDecimal(parts[1]); err != nil {
			return nil, hashError("bad %s iterations %q", alg, truncate(parts[1], 16))
		}
	}
	salt, key, err := saltKey(alg, parts[2], parts[3], 1)
	if err != nil {
		return nil, err
	}
	if length != 0 && length != uint64(len(key)) {
		return nil, hashError("bad %s hash: l=%d but the key has %d bytes", alg, length, len(key))
	}
	return pbkdf2Hash("pbkdf2-"+digest, digest, rounds, salt, key)
}

// parseDjango reads Django's pbkdf2_sha256$600000$salt$key.
func parseDjango(h string) (*parsedHash, error) {
	parts := strings.Split(h, "$")
	alg := parts[0]
	digest := strings.TrimPrefix(alg, "pbkdf2_")
	if digest != "sha1" && digest != "sha256" {
		return nil, hashError("unsupported Django password hash %q (pbkdf2_sha256 and pbkdf2_sha1 are supported)", truncate(alg, 32))
	}
	if len(parts) != 4 || parts[2] == "" {
		return nil, hashError("bad Django %s hash: want %s$<iterations>$<salt>$<key>", alg, alg)
	}
	rounds, err := parseDecimal(parts[1])
	if err != nil {
		return nil, hashError("bad Django %s iterations %q", alg, truncate(parts[1], 16))
	}
	if len(parts[2]) > maxSaltLength {
		return nil, hashError("bad Django %s hash: salt longer than %d bytes", alg, maxSaltLength)
	}
	key, err := decodeHashBase64(parts[3])
	if err != nil || len(key) < minKeyLength || len(key) > maxKeyLength {
		return nil, hashError("bad Django %s hash: the key is not %d to %d bytes of base64", alg, minKeyLength, maxKeyLength)
	}
	return pbkdf2Hash("django-pbkdf2-"+digest, digest, rounds, []byte(parts[2]), key)
}

func pbkdf2Hash(scheme, digest string, rounds uint64, salt, key []byte) (*parsedHash, error) {
	if rounds < 1 {
		return nil, hashError("bad %s iterations: at least 1", scheme)
	}
	if rounds > MaxPBKDF2Rounds {
		return nil, hashError("%s iterations %d are beyond the limit of %d", scheme, rounds, MaxPBKDF2Rounds)
	}
	// Each block of the digest's size in the key costs the iterations again.
	size := pbkdf2Digests[digest]().Size()
	if blocks := uint64((len(key) + size - 1) / size); rounds*blocks > MaxPBKDF2Rounds {
		return nil, hashError("%s iterations %d for a key of %d bytes (%d blocks) are beyond the limit of %d", scheme, rounds, len(key), blocks, MaxPBKDF2Rounds)
	}
	return &parsedHash{info: HashInfo{Scheme: scheme, Params: "i=" + strconv.FormatUint(rounds, 10)},
		rounds: int(rounds), digest: pbkdf2Digests[digest], salt: salt, key: key}, nil
}

// parseFirebase reads $firebase-scrypt$salt$hash.
func parseFirebase(parts []string) (*parsedHash, error) {
	if len(parts) != 3 {
		return nil, hashError("bad firebase-scrypt hash: want $firebase-scrypt$<salt>$<passwordHash>, both base64 as Firebase exports them")
	}
	salt, err1 := decodeHashBase64(parts[1])
	key, err2 := decodeHashBase64(parts[2])
	if err1 == nil && err2 == nil && len(salt) > len(key) {
		return nil, hashError("bad firebase-scrypt hash: the salt is longer than the hash; the form is $firebase-scrypt$<salt>$<passwordHash>")
	}
	if err1 != nil || len(salt) < 1 || len(salt) > maxSaltLength {
		return nil, hashError("bad firebase-scrypt salt: want 1 to %d bytes of base64", maxSaltLength)
	}
	if err2 != nil || len(key) < minKeyLength || len(key) > maxFirebaseKeyLen {
		return nil, hashError("bad firebase-scrypt password hash: want %d to %d bytes of base64", minKeyLength, maxFirebaseKeyLen)
	}
	return &parsedHash{info: HashInfo{Scheme: SchemeFirebaseScrypt}, salt: salt, key: key}, nil
}

// saltKey decodes the base64 salt and key of a PHC-like string.
func saltKey(alg, s, k string, minSalt int) (salt, key []byte, err error) {
	salt, err = decodeHashBase64(s)
	if err != nil || len(salt) < minSalt || len(salt) > maxSaltLength {
		return nil, nil, hashError("bad %s salt: want %d to %d bytes of base64", alg, minSalt, maxSaltLength)
	}
	key, err = decodeHashBase64(k)
	if err != nil || len(key) < minKeyLength || len(key) > maxKeyLength {
		return nil, nil, hashError("bad %s key: want %d to %d bytes of base64", alg, minKeyLength, maxKeyLength)
	}
	return salt, key, nil
}

// decodeHashBase64 reads base64 with or without padding, in the standard
// alphabet, passlib's ab64 ("." for "+") or the URL-safe one.
func decodeHashBase64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	s = strings.NewReplacer(".", "+", "-", "+", "_", "/").Replace(s)
	return base64.RawStdEncoding.DecodeString(s)
}

// phcParams reads "k=v,k=v" with the given keys (a final "?" marks one as
// optional), each a decimal number, each at most once, in any order.
func phcParams(alg, s string, keys ...string) (map[string]uint64, error) {
	out := make(map[string]uint64, len(keys))
	want := make(map[string]bool, len(keys))
	var names []string
	for _, k := range keys {
		name, optional := strings.CutSuffix(k, "?")
		want[name] = !optional
		names = append(names, name)
	}
	bad := func() (map[string]uint64, error) {
		return nil, hashError("bad %s parameters %q: want %s", alg, truncate(s, 40), strings.Join(names, "=…,")+"=…")
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if _, known := want[k]; !ok || !known {
			return bad()
		}
		if _, dup := out[k]; dup {
			return bad()
		}
		n, err := parseDecimal(v)
		if err != nil {
			return bad()
		}
		out[k] = n
	}
	for k, required := range want {
		if _, ok := out[k]; required && !ok {
			return bad()
		}
	}
	return out, nil
}

// parseDecimal reads a plain decimal number of at most 18 digits.
func parseDecimal(s string) (uint64, error) {
	if s == "" || len(s) > 18 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("not a decimal number: %q", s)
	}
	return strconv.ParseUint(s, 10, 64)
}
