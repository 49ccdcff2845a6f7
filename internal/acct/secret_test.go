package acct

import (
	"bytes"
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// settingsStore is a Store that only keeps settings, counting claims.
type settingsStore struct {
	Store
	values map[string][]byte
	claims int
}

type settingsTx struct {
	Tx
	s *settingsStore
}

func (s *settingsStore) Update(ctx context.Context, fn func(Tx) error) error {
	return fn(settingsTx{s: s})
}

func (tx settingsTx) ClaimSetting(_ context.Context, name string, value []byte, _ time.Time) ([]byte, error) {
	tx.s.claims++
	if _, ok := tx.s.values[name]; !ok {
		tx.s.values[name] = value
	}
	return tx.s.values[name], nil
}

func secretLocal(s Store, secret string) *Local {
	return &Local{store: s, opt: Options{Secret: []byte(secret), SecretFile: "/srv/acctl/secret",
		Now: func() time.Time { return time.Unix(0, 0) }}, secretOK: new(atomic.Bool)}
}

// TestSecretReady: the first secret is recorded, and a match is checked
// once per Local; another secret is refused every time, naming
// secret_file and its path; no code is made before the check.
func TestSecretReady(t *testing.T) {
	ctx := context.Background()
	s := &settingsStore{values: map[string][]byte{}}
	a := secretLocal(s, strings.Repeat("a", MinSecretLength))
	if _, err := a.codeMAC("X"); ErrorCode(err) != CodeInternal {
		t.Fatalf("codeMAC before the check: %v, want internal", err)
	}
	for range 3 {
		if err := a.secretReady(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if s.claims != 1 {
		t.Fatalf("%d claims for three checks of one Local, want 1", s.claims)
	}
	if got, want := s.values[SettingSecretFingerprint], SecretFingerprint(a.opt.Secret); !bytes.Equal(got, want) {
		t.Fatalf("stored %x, want the fingerprint %x", got, want)
	}
	if _, err := a.codeMAC("X"); err != nil {
		t.Fatalf("codeMAC after the check: %v", err)
	}

	b := secretLocal(s, strings.Repeat("b", MinSecretLength))
	for i := range 2 {
		err := b.secretReady(ctx)
		if ErrorCode(err) != CodeInvalid || ErrorField(err) != "secret_file" ||
			!strings.Contains(err.Error(), "secret_file (/srv/acctl/secret) holds another installation secret") {
			t.Fatalf("check %d with another secret: %v", i, err)
		}
	}
	if _, err := b.otpMAC(&CodeRecord{}, "123456"); ErrorCode(err) != CodeInternal {
		t.Fatalf("otpMAC with a refused secret: %v, want internal", err)
	}
	if s.claims != 3 {
		t.Fatalf("%d claims, want 3 (a refusal is not remembered)", s.claims)
	}

	// A Local without a secret checks nothing: codeMAC says what is wrong.
	none := secretLocal(s, "")
	if err := none.secretReady(ctx); err != nil || s.claims != 3 {
		t.Fatalf("no secret: %v, %d claims", err, s.claims)
	}
	if _, err := none.codeMAC("X"); err == nil || !strings.Contains(err.Error(), "no installation secret") {
		t.Fatalf("codeMAC without a secret: %v", err)
	}
}

// TestSecretFingerprint: the same for the same secret, different for
// another, and neither the secret nor a code's MAC.
func TestSecretFingerprint(t *testing.T) {
	a, b := []byte(strings.Repeat("a", 32)), []byte(strings.Repeat("b", 32))
	fa := SecretFingerprint(a)
	if len(fa) != 32 || !bytes.Equal(fa, SecretFingerprint(a)) || bytes.Equal(fa, SecretFingerprint(b)) || bytes.Contains(fa, a) {
		t.Fatalf("fingerprints %x %x", fa, SecretFingerprint(b))
	}
	l := secretLocal(nil, string(a))
	l.secretOK.Store(true)
	if mac, _ := l.codeMAC(secretFingerprintLabel); bytes.Equal(mac, fa) {
		t.Fatal("the fingerprint is the MAC of a code")
	}
}
