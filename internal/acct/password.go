package acct

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/argon2"
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

// VerifyPassword reports whether password matches the PHC hash, and
// whether the hash should be replaced by one with the current parameters.
// It returns an error only when the hash cannot be read.
func VerifyPassword(password, hash string, current Argon2Params) (ok, rehash bool, err error) {
	parts := strings.Split(hash, "$")
	// "", alg, v=19, params, salt, key
	if len(parts) != 6 || parts[0] != "" {
		return false, false, fmt.Errorf("unrecognised password hash format")
	}
	alg := parts[1]
	if alg != "argon2id" && alg != "argon2i" {
		return false, false, fmt.Errorf("unsupported password hash scheme %q", alg)
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, false, fmt.Errorf("unsupported argon2 version %q", parts[2])
	}
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, false, fmt.Errorf("bad argon2 parameters %q", parts[3])
	}
	if err := p.Validate(); err != nil {
		return false, false, err
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, false, fmt.Errorf("bad argon2 salt: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) < 16 {
		return false, false, fmt.Errorf("bad argon2 key")
	}
	var got []byte
	if alg == "argon2id" {
		got = argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	} else {
		got = argon2.Key([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	}
	ok = subtle.ConstantTimeCompare(got, want) == 1
	rehash = ok && (alg != "argon2id" || p != current || len(want) != argonKeyLen)
	return ok, rehash, nil
}
