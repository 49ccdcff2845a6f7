package acct

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xdg-go/stringprep"
)

// SCRAM-SHA-256 (RFC 5802, RFC 7677): the server side of a challenge
// login, and the verifier kept beside each argon2id hash.
//
// The arithmetic is written here with crypto/pbkdf2 and crypto/hmac rather
// than taken from github.com/xdg-go/scram's server: that library keeps a
// conversation in memory between its two messages (a ServerConversation),
// while acctl keeps the challenge in the store so that any server sharing
// it can finish the exchange, and feeds the proof's outcome into the
// login's attempt accounting (login.go). The arithmetic is a dozen lines
// of RFC 5802 §3; the library's client checks it in the tests, and RFC
// 7677's worked example too. The password is normalised with SASLprep
// (github.com/xdg-go/stringprep, the library's own) as PostgreSQL does: a
// password SASLprep refuses is used as it is.

// ScramMechanism is the name of the mechanism, and the prefix of a
// verifier's text form.
const ScramMechanism = "SCRAM-SHA-256"

// MinScramIterations is the fewest PBKDF2 iterations a verifier may have
// (RFC 7677 §4: at least 4096).
const MinScramIterations = 4096

// DefaultScramIterations is the default iteration count of new verifiers:
// OWASP's figure for PBKDF2-HMAC-SHA256 (Password Storage Cheat Sheet).
// The server computes it only when it holds a plaintext password (a set,
// change or reset, a sign-up, an import, the first login after one); a
// challenge login costs the server two HMACs and costs the client the
// PBKDF2.
const DefaultScramIterations = 600000

// maxScramIterations bounds the iterations of an imported verifier, so
// that a client is never made to compute for hours.
const maxScramIterations = 10_000_000

// scramSaltLen is the length of the salt of a new verifier.
const scramSaltLen = 16

// ChallengeTTL is the life of a login challenge.
const ChallengeTTL = 2 * time.Minute

// ScramVerifier is what the server keeps of a password for SCRAM: never
// enough to log in with, and (for PBKDF2's cost) hard to turn back into
// the password.
type ScramVerifier struct {
	Salt       []byte
	Iterations int
	StoredKey  []byte // H(ClientKey)
	ServerKey  []byte // HMAC(SaltedPassword, "Server Key")
}

// ScramRecord is a verifier as stored: in its text form, with the hash tag
// of the password hash it was made beside (see HashTag). A verifier whose
// tag is not the account's current hash's is stale and counts as none.
type ScramRecord struct {
	UserID   int64
	Verifier string
	HashTag  []byte
}

// HashTag is the SHA-256 of a stored password hash: what binds a verifier
// to the hash made from the same password. Any change of the hash (a new
// password by any path, an import of a bare hash, a purge) leaves the
// verifier stale, whether or not that path knew to delete it.
func HashTag(hash string) []byte {
	sum := sha256.Sum256([]byte(hash))
	return sum[:]
}

// validFor reports whether r is the verifier of the account whose stored
// hash is hash.
func (r *ScramRecord) validFor(hash string) bool {
	return r != nil && hash != "" && hmac.Equal(r.HashTag, HashTag(hash))
}

// ScramPassword is password as SCRAM hashes it: SASLprep'd (RFC 4013),
// or as it is when SASLprep refuses it (as PostgreSQL does).
func ScramPassword(password string) string {
	if p, err := stringprep.SASLprep.Prepare(password); err == nil {
		return p
	}
	return password
}

// NewScramVerifier computes the verifier of password with salt and
// iterations: PBKDF2-HMAC-SHA256, the costly part.
func NewScramVerifier(password string, salt []byte, iterations int) (ScramVerifier, error) {
	salted, err := pbkdf2.Key(sha256.New, ScramPassword(password), salt, iterations, sha256.Size)
	if err != nil {
		return ScramVerifier{}, err
	}
	clientKey := scramHMAC(salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	return ScramVerifier{Salt: salt, Iterations: iterations, StoredKey: stored[:], ServerKey: scramHMAC(salted, "Server Key")}, nil
}

// newScramVerifier makes the verifier of a new password with a fresh
// salt, in its text form. The caller runs it in the hashing pool.
func newScramVerifier(password string, iterations int, rnd io.Reader) (string, error) {
	salt := make([]byte, scramSaltLen)
	if _, err := io.ReadFull(rnd, salt); err != nil {
		return "", err
	}
	v, err := NewScramVerifier(password, salt, iterations)
	if err != nil {
		return "", err
	}
	return v.String(), nil
}

func scramHMAC(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

var b64 = base64.StdEncoding

// String is the verifier in PostgreSQL's text form:
// SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>, base64.
func (v ScramVerifier) String() string {
	return fmt.Sprintf("%s$%d:%s$%s:%s", ScramMechanism, v.Iterations, b64.EncodeToString(v.Salt),
		b64.EncodeToString(v.StoredKey), b64.EncodeToString(v.ServerKey))
}

// ParseScramVerifier reads a verifier in PostgreSQL's text form.
func ParseScramVerifier(s string) (ScramVerifier, error) {
	var v ScramVerifier
	bad := func(what string) (ScramVerifier, error) {
		return ScramVerifier{}, fmt.Errorf("not a %s verifier (%s$<iterations>:<salt>$<StoredKey>:<ServerKey>): %s",
			ScramMechanism, ScramMechanism, what)
	}
	parts := strings.Split(s, "$")
	if len(parts) != 3 || parts[0] != ScramMechanism {
		return bad("want three parts separated by $, the first " + ScramMechanism)
	}
	is, salt, ok := strings.Cut(parts[1], ":")
	if !ok {
		return bad("no : between the iterations and the salt")
	}
	n, err := strconv.Atoi(is)
	if err != nil || n < MinScramIterations || n > maxScramIterations {
		return bad(fmt.Sprintf("iterations %q, want %d to %d", is, MinScramIterations, maxScramIterations))
	}
	v.Iterations = n
	if v.Salt, err = b64.DecodeString(salt); err != nil || len(v.Salt) == 0 {
		return bad("the salt is not base64")
	}
	sk, svk, ok := strings.Cut(parts[2], ":")
	if !ok {
		return bad("no : between StoredKey and ServerKey")
	}
	if v.StoredKey, err = b64.DecodeString(sk); err != nil || len(v.StoredKey) != sha256.Size {
		return bad("StoredKey is not 32 bytes of base64")
	}
	if v.ServerKey, err = b64.DecodeString(svk); err != nil || len(v.ServerKey) != sha256.Size {
		return bad("ServerKey is not 32 bytes of base64")
	}
	return v, nil
}

// scramClientFirst is a parsed client-first-message.
type scramClientFirst struct {
	gs2    string // the GS2 header, "n,," or "y,,"
	bare   string // client-first-message-bare
	user   string // the decoded saslname
	cnonce string
}

// parseScramClientFirst reads "n,,n=<user>,r=<nonce>". Channel binding,
// an authorization identity and extensions are refused.
func parseScramClientFirst(msg string) (*scramClientFirst, error) {
	bad := func(format string, a ...any) (*scramClientFirst, error) {
		return nil, FieldError("client_first", format, a...)
	}
	if len(msg) > 1024 {
		return bad("longer than 1024 bytes")
	}
	var c scramClientFirst
	switch {
	case strings.HasPrefix(msg, "n,,"), strings.HasPrefix(msg, "y,,"):
		c.gs2, c.bare = msg[:3], msg[3:]
	case strings.HasPrefix(msg, "p="):
		return bad("channel binding is not supported: send n,, as the GS2 header")
	case strings.HasPrefix(msg, "n,a="), strings.HasPrefix(msg, "y,a="):
		return bad("an authorization identity (a=) is not supported")
	default:
		return bad("want n,,n=<user>,r=<nonce> (RFC 5802)")
	}
	attrs := strings.Split(c.bare, ",")
	if len(attrs) < 2 || !strings.HasPrefix(attrs[0], "n=") || !strings.HasPrefix(attrs[1], "r=") {
		if len(attrs) > 0 && strings.HasPrefix(attrs[0], "m=") {
			return bad("extensions (m=) are not supported")
		}
		return bad("want n,,n=<user>,r=<nonce> (RFC 5802)")
	}
	user, err := decodeSaslname(attrs[0][2:])
	if err != nil {
		return bad("%v", err)
	}
	if user == "" {
		return bad("the user name (n=) is empty")
	}
	c.user, c.cnonce = user, attrs[1][2:]
	if c.cnonce == "" || !printableNonce(c.cnonce) {
		return bad("the nonce (r=) must be printable ASCII without commas")
	}
	return &c, nil
}

// decodeSaslname undoes RFC 5802's escapes: =2C is ",", =3D is "=".
func decodeSaslname(s string) (string, error) {
	if !strings.Contains(s, "=") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '=' {
			b.WriteByte(s[i])
			continue
		}
		switch {
		case strings.HasPrefix(s[i:], "=2C"):
			b.WriteByte(',')
		case strings.HasPrefix(s[i:], "=3D"):
			b.WriteByte('=')
		default:
			return "", fmt.Errorf("the user name has an = that is not =2C or =3D")
		}
		i += 2
	}
	return b.String(), nil
}

func printableNonce(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e || c == ',' {
			return false
		}
	}
	return true
}

// scramServerFirst is the server-first-message for a client nonce, the
// server's part of the nonce, a salt and an iteration count.
func scramServerFirst(cnonce, snonce string, salt []byte, iterations int) string {
	return "r=" + cnonce + snonce + ",s=" + b64.EncodeToString(salt) + ",i=" + strconv.Itoa(iterations)
}

// scramClientFinal is a parsed client-final-message.
type scramClientFinal struct {
	cbind        string // c=, base64 of the GS2 header
	nonce        string
	proof        []byte
	withoutProof string
}

// parseScramClientFinal reads "c=<cbind>,r=<nonce>,p=<proof>".
func parseScramClientFinal(msg string) (*scramClientFinal, error) {
	bad := func() (*scramClientFinal, error) {
		return nil, FieldError("client_final", "want c=<channel binding>,r=<nonce>,p=<proof> (RFC 5802)")
	}
	if len(msg) > 1024 {
		return nil, FieldError("client_final", "longer than 1024 bytes")
	}
	i := strings.LastIndex(msg, ",p=")
	if i < 0 {
		return bad()
	}
	f := scramClientFinal{withoutProof: msg[:i]}
	proof, err := b64.DecodeString(msg[i+3:])
	if err != nil || len(proof) != sha256.Size {
		return nil, FieldError("client_final", "the proof (p=) is not 32 bytes of base64")
	}
	f.proof = proof
	attrs := strings.Split(f.withoutProof, ",")
	if len(attrs) < 2 || !strings.HasPrefix(attrs[0], "c=") || !strings.HasPrefix(attrs[1], "r=") {
		return bad()
	}
	f.cbind, f.nonce = attrs[0][2:], attrs[1][2:]
	return &f, nil
}

// scramCheck is a proof to check: the verifier's keys against the auth
// message of the exchange.
type scramCheck struct {
	authMessage string
	proof       []byte
	// match is false when the final message does not belong to the
	// challenge (another nonce, another GS2 header): the proof is then
	// wrong whatever it is, and is checked all the same.
	match bool
}

// verify checks the proof against v and returns the server signature,
// nil when the proof is wrong. It costs the same (two HMACs and a
// SHA-256) whether or not the proof is right; a zero verifier (an
// unknown name, an account without a verifier) takes no proof.
func (c *scramCheck) verify(v ScramVerifier) (ok bool, serverSig []byte) {
	stored := v.StoredKey
	if len(stored) != sha256.Size {
		stored = make([]byte, sha256.Size) // no key has an all-zero hash
	}
	clientSig := scramHMAC(stored, c.authMessage)
	clientKey := make([]byte, sha256.Size)
	subtle.XORBytes(clientKey, c.proof, clientSig)
	sum := sha256.Sum256(clientKey)
	ok = subtle.ConstantTimeCompare(sum[:], stored) == 1 && c.match && len(v.StoredKey) == sha256.Size
	if !ok {
		return false, nil
	}
	return true, scramHMAC(v.ServerKey, c.authMessage)
}

// scramFinal is the server-final-message of a server signature.
func scramFinal(serverSig []byte) string { return "v=" + b64.EncodeToString(serverSig) }
