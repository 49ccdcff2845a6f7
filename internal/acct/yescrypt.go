package acct

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"math/bits"
	"strings"
)

// yescrypt, as crypt(3) writes it in /etc/shadow ($y$j9T$<salt>$<hash>,
// the default of Debian 11+, Fedora 35+ and others).
//
// Why our own: the maintained Go implementation (openwall/yescrypt-go,
// by yescrypt's author) is not served by the module proxy this project
// builds from, and x/crypto has none. This is written from yescrypt's
// reference specification (yescrypt-ref.c and yescrypt-common.c of
// openwall/yescrypt) for the one flavour crypt(3) produces: YESCRYPT_RW
// with pwxform (6 rounds, 4 gathers, 2 simple lanes, 12 KiB S-boxes),
// p = 1, t = 0, no ROM. Other flavours and parameters are refused by
// IdentifyHash. It is proved by hashes made by mkpasswd (libxcrypt) and
// slappasswd, at several costs, in testdata/hash-fixtures.jsonl.

// SchemeYescrypt is crypt(3)'s yescrypt ($y$).
const SchemeYescrypt = "yescrypt"

// yescrypt's constants.
const (
	yesFlagRW       = 0x002
	yesDefaultFlags = 0x0b6 // RW | ROUNDS_6 | GATHER_4 | SIMPLE_2 | SBOX_12K
	yesFlagPrehash  = 0x10000000

	pwxSimple  = 2
	pwxGather  = 4
	pwxRounds  = 6
	sWidth     = 8
	pwxWords   = pwxGather * pwxSimple * 2           // 16 words: 64 bytes
	sBytes     = 3 * (1 << sWidth) * pwxSimple * 8   // 12288
	sWords     = sBytes / 4                          // 3072
	sMask      = ((1 << sWidth) - 1) * pwxSimple * 8 // byte offset mask in an S-box
	sPairs     = (1 << sWidth) * pwxSimple           // uint64 pairs per S-box
	sBoxWords  = sPairs * 2                          // words per S-box
	yesHashLen = 43                                  // characters of a 32-byte hash
)

const itoa64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func atoi64(c byte) uint32 {
	if i := strings.IndexByte(itoa64, c); i >= 0 {
		return uint32(i)
	}
	return 64
}

// yesDecodeUint32 reads one of yescrypt's variable-length numbers from s,
// with min added, and returns the rest of s.
func yesDecodeUint32(s string, min uint32) (uint32, string, bool) {
	if s == "" {
		return 0, s, false
	}
	c := atoi64(s[0])
	if c > 63 {
		return 0, s, false
	}
	s = s[1:]
	var start, end, chars, shift uint32 = 0, 47, 1, 0
	v := min
	for c > end {
		v += (end + 1 - start) << shift
		start = end + 1
		end = start + (62-end)/2
		chars++
		shift += 6
	}
	v += (c - start) << shift
	for chars--; chars > 0; chars-- {
		if s == "" {
			return 0, s, false
		}
		c = atoi64(s[0])
		if c > 63 {
			return 0, s, false
		}
		s = s[1:]
		shift -= 6
		v += c << shift
	}
	return v, s, true
}

// yesDecode64 reads crypt's little-endian base64 (groups of 4 characters
// for 3 bytes; a last group of 2 or 3 with its unused bits zero).
func yesDecode64(s string) ([]byte, bool) {
	var out []byte
	for len(s) > 0 {
		n := min(4, len(s))
		if n == 1 {
			return nil, false
		}
		var v uint32
		for i := 0; i < n; i++ {
			c := atoi64(s[i])
			if c > 63 {
				return nil, false
			}
			v |= c << (6 * i)
		}
		nbytes := n * 6 / 8
		for i := 0; i < nbytes; i++ {
			out = append(out, byte(v))
			v >>= 8
		}
		if v != 0 {
			return nil, false
		}
		s = s[n:]
	}
	return out, true
}

// yesEncode64 writes crypt's little-endian base64.
func yesEncode64(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); i += 3 {
		var v uint32
		n := min(3, len(b)-i)
		for k := 0; k < n; k++ {
			v |= uint32(b[i+k]) << (8 * k)
		}
		for k := 0; k < (n*8+5)/6; k++ {
			sb.WriteByte(itoa64[v&63])
			v >>= 6
		}
	}
	return sb.String()
}

// parseYescrypt reads $y$<flavour><N><r>$<salt>$<hash>.
func parseYescrypt(h string, parts []string) (*parsedHash, error) {
	if len(parts) != 4 || len(parts[3]) != yesHashLen {
		return nil, hashError("bad yescrypt hash: want $y$<parameters>$<salt>$<%d characters>", yesHashLen)
	}
	s := parts[1]
	flavor, s, ok1 := yesDecodeUint32(s, 0)
	logN, s, ok2 := yesDecodeUint32(s, 1)
	r, s, ok3 := yesDecodeUint32(s, 1)
	if !ok1 || !ok2 || !ok3 {
		return nil, hashError("bad yescrypt parameters %q", truncate(parts[1], 16))
	}
	if s != "" || flavor < yesFlagRW || yesFlagRW+((flavor-yesFlagRW)<<2) != yesDefaultFlags {
		return nil, hashError("unsupported yescrypt parameters %q: only crypt(3)'s flavour ($y$j…, p=1, no ROM) is supported", truncate(parts[1], 16))
	}
	if logN < 1 || logN > MaxScryptLogN || r < 1 || r > maxScryptR || uint64(128)*uint64(r)<<logN > maxScryptMemory {
		return nil, hashError("yescrypt parameters %s (N=2^%d, r=%d) are beyond the limits (N ≤ 2^%d, r ≤ %d, 128·N·r ≤ 1 GiB)", parts[1], logN, r, MaxScryptLogN, maxScryptR)
	}
	salt, ok := yesDecode64(parts[2])
	if !ok || len(salt) < 1 || len(salt) > 64 {
		return nil, hashError("bad yescrypt salt: want 1 to 64 bytes in crypt's base64")
	}
	if _, ok := yesDecode64(parts[3]); !ok {
		return nil, hashError("bad yescrypt hash: not crypt's base64")
	}
	return &parsedHash{info: HashInfo{Scheme: SchemeYescrypt, Params: fmt.Sprintf("N=2^%d,r=%d", logN, r)},
		yescrypt: h, ln: uint8(logN), r: int(r), salt: salt}, nil
}

// verifyYescrypt computes the hash of password with the stored salt and
// parameters and compares its encoding with the stored one in constant
// time.
func verifyYescrypt(password string, ph *parsedHash) bool {
	sum := yescryptKDF([]byte(password), ph.salt, uint64(1)<<ph.ln, uint32(ph.r))
	i := strings.LastIndexByte(ph.yescrypt, '$')
	return subtle.ConstantTimeCompare([]byte(yesEncode64(sum)), []byte(ph.yescrypt[i+1:])) == 1
}

// yescryptKDF is yescrypt_kdf for crypt(3)'s flavour, p = 1, t = 0, a
// 32-byte result: a pre-hash at N/64 when the cost is large enough, then
// the body.
func yescryptKDF(passwd, salt []byte, N uint64, r uint32) []byte {
	if N >= 0x100 && N*uint64(r) >= 0x20000 {
		passwd = yescryptBody(passwd, salt, yesDefaultFlags|yesFlagPrehash, N>>6, r)
	}
	return yescryptBody(passwd, salt, yesDefaultFlags, N, r)
}

func hmacSHA256(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

// yescryptBody is yescrypt_kdf_body for p = 1, t = 0, 32 bytes out.
func yescryptBody(passwd, salt []byte, flags uint32, N uint64, r uint32) []byte {
	key := "yescrypt"
	if flags&yesFlagPrehash != 0 {
		key = "yescrypt-prehash"
	}
	pw := hmacSHA256([]byte(key), passwd)
	bBytes, _ := pbkdf2.Key(sha256.New, string(pw), salt, 1, int(128*r))
	copy(pw, bBytes[:32])
	B := make([]uint32, 32*r)
	for i := range B {
		B[i] = binary.LittleEndian.Uint32(bBytes[4*i:])
	}
	y := &yescryptState{r: int(r), V: make([]uint32, uint64(32*r)*N), XY: make([]uint32, 64*r), S: make([]uint64, sWords/2)}
	y.smix(B, N, pw)
	for i, w := range B {
		binary.LittleEndian.PutUint32(bBytes[4*i:], w)
	}
	out, _ := pbkdf2.Key(sha256.New, string(pw), bBytes, 1, 32)
	if flags&yesFlagPrehash == 0 {
		ck := hmacSHA256(out, []byte("Client Key"))
		s := sha256.Sum256(ck)
		out = s[:]
	}
	return out
}

// yescryptState holds the work memory of one computation.
type yescryptState struct {
	r          int
	V, XY      []uint32
	S          []uint64 // the S-boxes, as pairs of words (low word first)
	s0, s1, s2 int      // pair offsets of the three S-boxes in S
	w          int      // write position in s2, in pairs
}

// smix is SMix for p = 1 with YESCRYPT_RW: the S-boxes are filled from
// the block's first 128 bytes, the password is mixed with the block's
// last 64, then the two loops run.
func (y *yescryptState) smix(B []uint32, N uint64, passwd []byte) {
	s := 32 * y.r
	nloop := (N + 2) / 3 // t = 0: a third of N, rounded up
	nloop = (nloop + 1) &^ 1
	sw := make([]uint32, sWords)
	y.smix1(B[:32], 1, sBytes/128, false, sw, false)
	for i := range y.S {
		y.S[i] = uint64(sw[2*i]) | uint64(sw[2*i+1])<<32
	}
	y.s2, y.s1, y.s0, y.w = 0, sPairs, 2*sPairs, 0
	tail := make([]byte, 64)
	for i, w := range B[s-16 : s] {
		binary.LittleEndian.PutUint32(tail[4*i:], w)
	}
	copy(passwd, hmacSHA256(tail, passwd[:32]))
	y.smix1(B, y.r, N, true, y.V, true)
	y.smix2(B, y.r, p2floor(N), nloop, y.V)
}

// shuffle and unshuffle convert between a block's words and the SIMD
// order the specification computes in.
func shuffle(X, B []uint32) {
	for k := 0; k < len(B)/16; k++ {
		for i := 0; i < 16; i++ {
			X[k*16+i] = B[k*16+(i*5%16)]
		}
	}
}

func unshuffle(B, X []uint32) {
	for k := 0; k < len(B)/16; k++ {
		for i := 0; i < 16; i++ {
			B[k*16+(i*5%16)] = X[k*16+i]
		}
	}
}

func (y *yescryptState) smix1(B []uint32, r int, N uint64, rw bool, V []uint32, pwx bool) {
	s := 32 * r
	X, Y := y.XY[:s], y.XY[s:2*s]
	shuffle(X, B)
	for i := uint64(0); i < N; i++ {
		copy(V[i*uint64(s):], X)
		if rw && i > 1 {
			j := yesWrap(integerify(X, r), i)
			xorWords(X, V[j*uint64(s):(j+1)*uint64(s)])
		}
		y.blockmix(X, Y, r, pwx)
	}
	unshuffle(B, X)
}

func (y *yescryptState) smix2(B []uint32, r int, N, nloop uint64, V []uint32) {
	s := 32 * r
	X, Y := y.XY[:s], y.XY[s:2*s]
	shuffle(X, B)
	for i := uint64(0); i < nloop; i++ {
		j := integerify(X, r) & (N - 1)
		vj := V[j*uint64(s) : (j+1)*uint64(s)]
		xorWords(X, vj)
		copy(vj, X)
		y.blockmix(X, Y, r, true)
	}
	unshuffle(B, X)
}

func (y *yescryptState) blockmix(X, Y []uint32, r int, pwx bool) {
	if pwx {
		y.blockmixPwxform(X, Y[:pwxWords], r)
	} else {
		blockmixSalsa8(X, Y, r)
	}
}

func xorWords(dst, src []uint32) {
	for i := range dst {
		dst[i] ^= src[i]
	}
}

// integerify reads the first 64 bits of the last 64-byte block (words 0
// and 13 in SIMD order).
func integerify(X []uint32, r int) uint64 {
	b := X[(2*r-1)*16:]
	return uint64(b[13])<<32 | uint64(b[0])
}

func p2floor(x uint64) uint64 { return uint64(1) << (63 - bits.LeadingZeros64(x)) }

func yesWrap(x, i uint64) uint64 {
	n := p2floor(i)
	return (x & (n - 1)) + (i - n)
}

// salsa20 applies the Salsa20 core of the given rounds to a block in SIMD
// order.
func salsa20(B []uint32, rounds int) {
	var x [16]uint32
	for i := 0; i < 16; i++ {
		x[i*5%16] = B[i]
	}
	rotl := bits.RotateLeft32
	for i := 0; i < rounds; i += 2 {
		x[4] ^= rotl(x[0]+x[12], 7)
		x[8] ^= rotl(x[4]+x[0], 9)
		x[12] ^= rotl(x[8]+x[4], 13)
		x[0] ^= rotl(x[12]+x[8], 18)
		x[9] ^= rotl(x[5]+x[1], 7)
		x[13] ^= rotl(x[9]+x[5], 9)
		x[1] ^= rotl(x[13]+x[9], 13)
		x[5] ^= rotl(x[1]+x[13], 18)
		x[14] ^= rotl(x[10]+x[6], 7)
		x[2] ^= rotl(x[14]+x[10], 9)
		x[6] ^= rotl(x[2]+x[14], 13)
		x[10] ^= rotl(x[6]+x[2], 18)
		x[3] ^= rotl(x[15]+x[11], 7)
		x[7] ^= rotl(x[3]+x[15], 9)
		x[11] ^= rotl(x[7]+x[3], 13)
		x[15] ^= rotl(x[11]+x[7], 18)

		x[1] ^= rotl(x[0]+x[3], 7)
		x[2] ^= rotl(x[1]+x[0], 9)
		x[3] ^= rotl(x[2]+x[1], 13)
		x[0] ^= rotl(x[3]+x[2], 18)
		x[6] ^= rotl(x[5]+x[4], 7)
		x[7] ^= rotl(x[6]+x[5], 9)
		x[4] ^= rotl(x[7]+x[6], 13)
		x[5] ^= rotl(x[4]+x[7], 18)
		x[11] ^= rotl(x[10]+x[9], 7)
		x[8] ^= rotl(x[11]+x[10], 9)
		x[9] ^= rotl(x[8]+x[11], 13)
		x[10] ^= rotl(x[9]+x[8], 18)
		x[12] ^= rotl(x[15]+x[14], 7)
		x[13] ^= rotl(x[12]+x[15], 9)
		x[14] ^= rotl(x[13]+x[12], 13)
		x[15] ^= rotl(x[14]+x[13], 18)
	}
	for i := 0; i < 16; i++ {
		B[i] += x[i*5%16]
	}
}

// blockmixSalsa8 is scrypt's BlockMix with Salsa20/8.
func blockmixSalsa8(B, Y []uint32, r int) {
	var X [16]uint32
	copy(X[:], B[(2*r-1)*16:])
	for i := 0; i < 2*r; i++ {
		xorWords(X[:], B[i*16:(i+1)*16])
		salsa20(X[:], 8)
		copy(Y[i*16:], X[:])
	}
	for i := 0; i < r; i++ {
		copy(B[i*16:(i+1)*16], Y[(2*i)*16:])
		copy(B[(i+r)*16:(i+r+1)*16], Y[(2*i+1)*16:])
	}
}

// blockmixPwxform is BlockMix_pwxform{Salsa20/2}: pwxform over 64-byte
// pieces, then Salsa20/2 of the last one.
func (y *yescryptState) blockmixPwxform(B, X []uint32, r int) {
	r1 := 128 * r / 64
	copy(X, B[(r1-1)*pwxWords:])
	for i := 0; i < r1; i++ {
		if r1 > 1 {
			xorWords(X, B[i*pwxWords:(i+1)*pwxWords])
		}
		y.pwxform(X)
		copy(B[i*pwxWords:], X)
	}
	i := (r1 - 1) * 64 / 64
	salsa20(B[i*16:(i+1)*16], 2)
	for i++; i < 2*r; i++ {
		xorWords(B[i*16:(i+1)*16], B[(i-1)*16:i*16])
		salsa20(B[i*16:(i+1)*16], 2)
	}
}

// pwxform transforms a 64-byte piece with the S-boxes, writing into the
// third and rotating them. The piece is read as 8 pairs of words (low
// word first), as the S-boxes are.
func (y *yescryptState) pwxform(X []uint32) {
	var x [pwxGather * pwxSimple]uint64
	for i := range x {
		x[i] = uint64(X[2*i]) | uint64(X[2*i+1])<<32
	}
	S := y.S
	s0, s1, s2, w := y.s0, y.s1, y.s2, y.w
	for i := 0; i < pwxRounds; i++ {
		for j := 0; j < pwxGather; j++ {
			v := x[j*pwxSimple]
			p0 := s0 + int(uint32(v)&sMask)/8
			p1 := s1 + int(uint32(v>>32)&sMask)/8
			for k := 0; k < pwxSimple; k++ {
				v := x[j*pwxSimple+k]
				v = (v>>32)*(v&0xffffffff) + S[p0+k]
				v ^= S[p1+k]
				x[j*pwxSimple+k] = v
				if i != 0 && i != pwxRounds-1 {
					S[s2+w] = v
					w++
				}
			}
		}
	}
	for i, v := range x {
		X[2*i], X[2*i+1] = uint32(v), uint32(v>>32)
	}
	y.s0, y.s1, y.s2 = s2, s0, s1
	y.w = w & (sPairs - 1)
}
