package acct

import (
	"bytes"
	"crypto/rand"
	"sync/atomic"
	"testing"
	"time"
)

// TestTOTPVectors: RFC 6238 appendix B's SHA-1 test vectors (8 digits,
// the secret "12345678901234567890"), through the arithmetic the factors
// use.
func TestTOTPVectors(t *testing.T) {
	secret := []byte("12345678901234567890")
	for _, v := range []struct {
		unix int64
		code string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		got, err := totpCode(secret, uint64(totpStep(time.Unix(v.unix, 0), 30)), 8)
		if err != nil || got != v.code {
			t.Errorf("T=%d: %q, %v; want %s", v.unix, got, err, v.code)
		}
	}
}

// TestTOTPMatch: a code is accepted within one step either way, and only
// for a step after the last accepted one.
func TestTOTPMatch(t *testing.T) {
	secret := []byte("12345678901234567890")
	now := time.Unix(1111111111, 0)
	cur := totpStep(now, 30)
	f := &MFAFactorRecord{Digits: 6, Period: 30}
	for _, c := range []struct {
		step  int64
		last  int64
		found bool
		fresh bool
	}{
		{cur, 0, true, true},
		{cur - 1, 0, true, true},
		{cur + 1, 0, true, true},
		{cur - 2, 0, false, false},
		{cur + 2, 0, false, false},
		{cur, cur, true, false},     // a replay
		{cur - 1, cur, true, false}, // an older code after a newer one
		{cur + 1, cur, true, true},
	} {
		code, err := totpCode(secret, uint64(c.step), 6)
		if err != nil {
			t.Fatal(err)
		}
		f.LastStep = c.last
		step, found, fresh, err := totpMatch(f, secret, code, now)
		if err != nil || found != c.found || fresh != c.fresh || (found && step != c.step) {
			t.Errorf("step %+d after %d: step %d found %v fresh %v %v; want found %v fresh %v",
				c.step-cur, c.last-cur, step, found, fresh, err, c.found, c.fresh)
		}
	}
}

// TestSealSecret: a sealed secret opens with its installation secret only,
// undamaged, and never holds the secret in the clear.
func TestSealSecret(t *testing.T) {
	l := &Local{opt: Options{Secret: bytes.Repeat([]byte("k"), MinSecretLength), Rand: rand.Reader}, secretOK: newTrue()}
	secret := []byte("12345678901234567890")
	sealed, err := l.sealSecret(7, secret)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, secret) {
		t.Fatal("the sealed secret holds the secret")
	}
	if got, err := l.openSecret(7, sealed); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("open: %q, %v", got, err)
	}
	// An import gives the account another id: the seal does not name it.
	if got, err := l.openSecret(8, sealed); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("open for another id: %q, %v", got, err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := l.openSecret(7, sealed); err == nil {
		t.Fatal("a damaged seal opened")
	}
	sealed[len(sealed)-1] ^= 1
	other := &Local{opt: Options{Secret: bytes.Repeat([]byte("o"), MinSecretLength)}, secretOK: newTrue()}
	if _, err := other.openSecret(7, sealed); err == nil {
		t.Fatal("a secret opened under another installation secret")
	}
}

func newTrue() *atomic.Bool {
	b := new(atomic.Bool)
	b.Store(true)
	return b
}
