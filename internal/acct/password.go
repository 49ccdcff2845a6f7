package acct

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/scrypt"
)

// Argon2Params are the cost parameters of argon2id.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8  // lanes
}

// DefaultArgon2 is the OWASP minimum for argon2id: m=19456 KiB, t=2, p=1.
var DefaultArgon2 = Argon2Params{Memory: 19456, Time: 2, Threads: 1}

const (
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Validate checks that the parameters are usable.
func (p Argon2Params) Validate() error {
	if p.Memory < 8*uint32(p.Threads) || p.Memory < 64 {
		return fmt.Errorf("argon2 memory %d KiB is too small", p.Memory)
	}
	if p.Time < 1 {
		return fmt.Errorf("argon2 time must be at least 1")
	}
	if p.Threads < 1 {
		return fmt.Errorf("argon2 threads must be at least 1")
	}
	if p.Memory > MaxArgon2Memory || p.Time > MaxArgon2Time || p.Threads > MaxArgon2Threads ||
		uint64(p.Memory)*uint64(p.Time) > maxArgon2Work {
		return fmt.Errorf("argon2 parameters %s are beyond the limits (m ≤ %d KiB, t ≤ %d, p ≤ %d, m·t ≤ %d)",
			p, MaxArgon2Memory, MaxArgon2Time, MaxArgon2Threads, maxArgon2Work)
	}
	return nil
}

// String gives the parameters as in a PHC string: m=19456,t=2,p=1.
func (p Argon2Params) String() string {
	return fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, p.Threads)
}

// HashPassword returns the argon2id hash of password in PHC string form:
// $argon2id$v=19$m=…,t=…,p=…$salt$hash (unpadded standard base64).
func HashPassword(password string, p Argon2Params, rnd io.Reader) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := io.ReadFull(rnd, salt); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// FirebaseScrypt are a Firebase project's password hash parameters, as
// its console shows them under "Password hash parameters" (the keys are
// given there in base64; here they are decoded).
type FirebaseScrypt struct {
	SignerKey     []byte // base64_signer_key
	SaltSeparator []byte // base64_salt_separator
	Rounds        int    // rounds: scrypt's r
	MemCost       int    // mem_cost: log2 of scrypt's N
}

// IsZero reports whether no parameters are set.
func (f FirebaseScrypt) IsZero() bool {
	return len(f.SignerKey) == 0 && len(f.SaltSeparator) == 0 && f.Rounds == 0 && f.MemCost == 0
}

// Validate checks that the parameters are complete and within the limits
// of a login's cost.
func (f FirebaseScrypt) Validate() error {
	switch {
	case len(f.SignerKey) < minKeyLength || len(f.SignerKey) > maxFirebaseKeyLen:
		return fmt.Errorf("the firebase scrypt signer key is %d bytes, want %d to %d", len(f.SignerKey), minKeyLength, maxFirebaseKeyLen)
	case len(f.SaltSeparator) > maxSaltLength:
		return fmt.Errorf("the firebase scrypt salt separator is longer than %d bytes", maxSaltLength)
	case f.Rounds < 1 || f.Rounds > maxScryptR:
		return fmt.Errorf("firebase scrypt rounds %d, want 1 to %d", f.Rounds, maxScryptR)
	case f.MemCost < 1 || f.MemCost > MaxScryptLogN || 128*f.Rounds<<f.MemCost > maxScryptMemory:
		return fmt.Errorf("firebase scrypt mem_cost %d with rounds %d is beyond the limits (mem_cost ≤ %d, 128·2^mem_cost·rounds ≤ 1 GiB)", f.MemCost, f.Rounds, MaxScryptLogN)
	}
	return nil
}

// Hasher hashes new passwords with argon2id and verifies stored hashes of
// every scheme IdentifyHash recognises. Its zero value hashes with
// DefaultArgon2 and crypto/rand, and cannot verify firebase-scrypt hashes.
type Hasher struct {
	// Argon2 are the current parameters: of new hashes, and those a
	// verified hash must have not to be replaced.
	Argon2 Argon2Params
	// Firebase are the parameters of firebase-scrypt hashes; zero when
	// none were imported.
	Firebase FirebaseScrypt
	// Rand is the source of salts; nil means crypto/rand.
	Rand io.Reader
}

// hasher is the Hasher of Local's options.
func (l *Local) hasher() Hasher {
	return Hasher{Argon2: l.opt.Argon2, Firebase: l.opt.FirebaseScrypt, Rand: l.opt.Rand}
}

// hashPassword hashes password with the current parameters and makes
// its SCRAM-SHA-256 verifier (scram.go), in one turn of the hashing pool:
// a full pool answers unavailable.
func (l *Local) hashPassword(ctx context.Context, password string) (hash, scram string, err error) {
	var serr error
	if perr := l.opt.HashPool.Do(ctx, func() {
		if hash, err = HashPassword(password, l.opt.Argon2, l.opt.Rand); err == nil {
			scram, serr = newScramVerifier(password, l.opt.ScramIterations, l.opt.Rand)
		}
	}); perr != nil {
		return "", "", perr
	}
	if err != nil {
		return "", "", Internal(err, "hash password")
	}
	if serr != nil {
		return "", "", Internal(serr, "make the scram verifier")
	}
	return hash, scram, nil
}

// Hash returns the argon2id hash of password with the current parameters.
func (h Hasher) Hash(password string) (string, error) {
	rnd := h.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	return HashPassword(password, h.argon2(), rnd)
}

func (h Hasher) argon2() Argon2Params {
	if h.Argon2 == (Argon2Params{}) {
		return DefaultArgon2
	}
	return h.Argon2
}

// Check identifies a stored hash as IdentifyHash does, and also refuses a
// firebase-scrypt hash that the configured Firebase parameters cannot
// verify: none configured, parameters out of bounds, or a hash whose
// length is not the signer key's (an export of another project). Import
// checks every row with it, so such a row is refused with its line
// rather than failing every login.
func (h Hasher) Check(hash string) (HashInfo, error) {
	ph, err := parseHash(hash)
	if err != nil {
		return HashInfo{}, err
	}
	if ph.info.Scheme == SchemeFirebaseScrypt {
		if msg := h.firebaseUnfit(ph); msg != "" {
			return HashInfo{}, hashError("%s", msg)
		}
	}
	return ph.info, nil
}

// FirebaseConfigField is the field of the error a login gets when a
// firebase-scrypt hash cannot be verified with the configured Firebase
// parameters: missing, out of bounds, or changed since the import.
const FirebaseConfigField = "import.firebase_scrypt"

// firebaseKeys names the configuration keys of the Firebase parameters.
const firebaseKeys = "import.firebase_scrypt.signer_key, import.firebase_scrypt.salt_separator, import.firebase_scrypt.rounds and import.firebase_scrypt.mem_cost"

// firebaseUnfit says why the configured Firebase parameters cannot verify
// ph, or "" when they can.
func (h Hasher) firebaseUnfit(ph *parsedHash) string {
	f := h.Firebase
	if f.IsZero() {
		return "firebase-scrypt hashes need the project's password hash parameters in the configuration: " + firebaseKeys
	}
	if err := f.Validate(); err != nil {
		return fmt.Sprintf("%v: check %s", err, firebaseKeys)
	}
	if len(ph.key) != len(f.SignerKey) {
		return fmt.Sprintf("firebase-scrypt password hash of %d bytes, but the signer key (import.firebase_scrypt.signer_key) has %d: the hash and the configuration are of different Firebase projects", len(ph.key), len(f.SignerKey))
	}
	return ""
}

// Verify reports whether password matches the stored hash, and whether
// the hash should be replaced by the current argon2id (any other scheme,
// other parameters, another key length). The comparison takes constant
// time. It returns an error only when the hash cannot be read or checked;
// when the Firebase parameters are missing or do not fit the hash, the
// error is invalid with the field FirebaseConfigField, and its message
// names the configuration keys.
//
// A bcrypt hash without a pre-hash (bcrypt, django-bcrypt) read only the
// first 72 bytes of the password: a longer password verifies whatever its
// tail, so it is not asked to be rehashed (the new hash would keep that
// tail, and the user's real one would stop working). The bcrypt hash
// stays until a login with 72 bytes or fewer, or a password change.
func (h Hasher) Verify(password, hash string) (ok, rehash bool, err error) {
	ph, err := parseHash(hash)
	if err != nil {
		return false, false, err
	}
	var got []byte
	switch {
	case ph.bcrypt != "":
		if ok, err = verifyBcrypt(password, ph); err != nil {
			return false, false, err
		}
		return ok, ok && !ph.truncates(password), nil
	case ph.crypt != "":
		if ok, err = verifyCrypt(password, ph); err != nil {
			return false, false, err
		}
		return ok, ok, nil
	case ph.yescrypt != "":
		ok = verifyYescrypt(password, ph)
		return ok, ok, nil
	}
	switch ph.info.Scheme {
	case SchemeArgon2id, SchemeDjangoArgon2id:
		got = argon2.IDKey([]byte(password), ph.salt, ph.argon2.Time, ph.argon2.Memory, ph.argon2.Threads, uint32(len(ph.key)))
	case SchemeArgon2i, SchemeDjangoArgon2i:
		got = argon2.Key([]byte(password), ph.salt, ph.argon2.Time, ph.argon2.Memory, ph.argon2.Threads, uint32(len(ph.key)))
	case SchemeScrypt:
		if got, err = scrypt.Key([]byte(password), ph.salt, 1<<ph.ln, ph.r, ph.p, len(ph.key)); err != nil {
			return false, false, hashError("bad scrypt hash: %v", err)
		}
	case SchemePBKDF2SHA1, SchemePBKDF2SHA256, SchemePBKDF2SHA512, SchemeDjangoPBKDF2SHA1, SchemeDjangoPBKDF2SHA256:
		if got, err = pbkdf2.Key(ph.digest, password, ph.salt, ph.rounds, len(ph.key)); err != nil {
			return false, false, hashError("bad %s hash: %v", ph.info.Scheme, err)
		}
	case SchemeScramSHA256: // the StoredKey of the password (scram.go)
		v, err := NewScramVerifier(password, ph.salt, ph.rounds)
		if err != nil {
			return false, false, hashError("bad %s verifier: %v", ph.info.Scheme, err)
		}
		got = v.StoredKey
	case SchemeLDAPSHA, SchemeLDAPSSHA, SchemeLDAPSSHA256, SchemeLDAPSSHA512:
		got = ldapDigest(password, ph)
	case SchemeFirebaseScrypt:
		if got, err = h.firebase(password, ph); err != nil {
			return false, false, err
		}
	default:
		return false, false, hashError("no verifier for %s", ph.info.Scheme)
	}
	ok = subtle.ConstantTimeCompare(got, ph.key) == 1
	current := ph.info.Scheme == SchemeArgon2id && ph.argon2 == h.argon2() && len(ph.key) == argonKeyLen
	return ok, ok && !current, nil
}

// firebase computes Firebase's variant of scrypt (github.com/firebase/scrypt):
// the scrypt key (N = 2^mem_cost, r = rounds, p = 1, 32 bytes) of the
// password with the account's salt followed by the project's separator is
// the AES-256 key under which the project's signer key is encrypted in CTR
// mode with a zero IV; that ciphertext is the account's hash.
func (h Hasher) firebase(password string, ph *parsedHash) ([]byte, error) {
	f := h.Firebase
	if msg := h.firebaseUnfit(ph); msg != "" {
		return nil, &Error{Code: CodeInvalid, Field: FirebaseConfigField, Message: msg}
	}
	salt := append(append(make([]byte, 0, len(ph.salt)+len(f.SaltSeparator)), ph.salt...), f.SaltSeparator...)
	dk, err := scrypt.Key([]byte(password), salt, 1<<f.MemCost, f.Rounds, 1, 32)
	if err != nil {
		return nil, hashError("firebase scrypt: %v", err)
	}
	block, err := aes.NewCipher(dk)
	if err != nil {
		return nil, fmt.Errorf("firebase scrypt: %w", err)
	}
	out := make([]byte, len(f.SignerKey))
	cipher.NewCTR(block, make([]byte, aes.BlockSize)).XORKeyStream(out, f.SignerKey)
	return out, nil
}
