package acct

import (
	"bytes"
	"context"
	"crypto/sha256"
	"strings"
	"testing"
	"time"
)

// keyStore is a Store of API keys in memory that counts its transactions;
// any Tx call but those of API keys and InsertEvent panics on the nil
// embedded interface.
type keyStore struct {
	keys    []APIKeyRecord
	events  []Event
	updates int
	views   int
}

type keyTx struct {
	Tx
	s *keyStore
}

func (s *keyStore) Update(_ context.Context, fn func(Tx) error) error {
	s.updates++
	return fn(&keyTx{s: s})
}

func (s *keyStore) View(_ context.Context, fn func(Tx) error) error {
	s.views++
	return fn(&keyTx{s: s})
}

func (s *keyStore) Close() error { return nil }

func (t *keyTx) InsertAPIKey(_ context.Context, rec *APIKeyRecord) error {
	for _, k := range t.s.keys {
		if k.Name == rec.Name {
			return &Error{Code: CodeConflict, Field: "name", Message: "name already in use"}
		}
	}
	rec.ID = int64(len(t.s.keys) + 1)
	t.s.keys = append(t.s.keys, *rec)
	return nil
}

func (t *keyTx) GetAPIKey(_ context.Context, key APIKeyKey) (*APIKeyRecord, error) {
	for _, k := range t.s.keys {
		if (key.Name != "" && k.Name == key.Name) || (key.TokenHash != nil && bytes.Equal(k.TokenHash, key.TokenHash)) {
			return &k, nil
		}
	}
	return nil, Errorf(CodeNotFound, "no such API key")
}

func (t *keyTx) TouchAPIKey(_ context.Context, id int64, at, before time.Time) (bool, error) {
	k := &t.s.keys[id-1]
	if k.RevokedAt != nil || (k.LastUsedAt != nil && !k.LastUsedAt.Before(before)) {
		return false, nil
	}
	k.LastUsedAt = &at
	return true, nil
}

func (t *keyTx) InsertEvent(_ context.Context, ev *Event) error {
	t.s.events = append(t.s.events, *ev)
	return nil
}

func TestNormalizeAPIKeyName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"ci", "ci"},
		{"  CI-Deploy.2_x ", "ci-deploy.2_x"},
		{strings.Repeat("a", 64), strings.Repeat("a", 64)},
		{"", ""},
		{" ", ""},
		{strings.Repeat("a", 65), ""},
		{"a b", ""},
		{"a:b", ""},
		{"ç", ""},
		{"\u212a", ""}, // the Kelvin sign, which strings.ToLower makes "k"
	} {
		got, err := NormalizeAPIKeyName(c.in)
		if got != c.want || (err == nil) != (c.want != "") {
			t.Errorf("NormalizeAPIKeyName(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
		if err != nil && (ErrorCode(err) != CodeInvalid || ErrorField(err) != "name") {
			t.Errorf("NormalizeAPIKeyName(%q): %v, want an invalid name", c.in, err)
		}
	}
}

// TestAPIKeyToken checks the token made from Options.Rand, its prefix and
// its stored hash.
func TestAPIKeyToken(t *testing.T) {
	s := &keyStore{}
	now := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	l, err := NewLocal(s, Options{Now: func() time.Time { return now }, Rand: bytes.NewReader(bytes.Repeat([]byte{0xfb}, 32)), Actor: "op"})
	if err != nil {
		t.Fatal(err)
	}
	k, err := l.CreateAPIKey(context.Background(), NewAPIKey{Name: "ci", Role: RoleSupport})
	if err != nil {
		t.Fatal(err)
	}
	want := "acctl_key_" + strings.Repeat("-_v7", 10) + "-_s"
	if k.Token != want || len(k.Token) != 53 {
		t.Fatalf("token %q, want %q", k.Token, want)
	}
	if k.Prefix != "acctl_key_-_v7-_v7" || k.CreatedBy != "op" || !k.CreatedAt.Equal(now) {
		t.Fatalf("created %+v", k.APIKey)
	}
	sum := sha256.Sum256([]byte(want))
	if len(s.keys) != 1 || !bytes.Equal(s.keys[0].TokenHash, sum[:]) {
		t.Fatalf("stored %+v, want the SHA-256 of the token", s.keys)
	}
	if len(s.events) != 1 || s.events[0].Action != ActionAPIKeyCreate || s.events[0].Detail != "key ci, role support" {
		t.Fatalf("events %+v", s.events)
	}
	// The randomness runs out: no key, an internal error.
	if _, err := l.CreateAPIKey(context.Background(), NewAPIKey{Name: "ci2", Role: RoleSupport}); ErrorCode(err) != CodeInternal {
		t.Fatalf("without randomness: %v", err)
	}
	if len(s.keys) != 1 {
		t.Fatalf("stored %d keys", len(s.keys))
	}
}

func TestHashAPIKey(t *testing.T) {
	good := APIKeyPrefix + strings.Repeat("A", 43)
	if h, err := hashAPIKey(" " + good + "\n"); err != nil || len(h) != sha256.Size {
		t.Fatalf("hashAPIKey(good) = %x, %v", h, err)
	}
	for _, bad := range []string{"", good[:52], good + "A", "acctl_sess_" + strings.Repeat("A", 43),
		APIKeyPrefix + strings.Repeat("A", 42) + "=", APIKeyPrefix + strings.Repeat("A", 42) + "+"} {
		if _, err := hashAPIKey(bad); ErrorCode(err) != CodeUnauthenticated || err.Error() != "invalid API key" {
			t.Errorf("hashAPIKey(%q): %v", bad, err)
		}
	}
}

// TestAuthenticateWritesOnceAMinute counts transactions: a use is one
// read transaction, and a write only when the last recorded use is more
// than a minute old.
func TestAuthenticateWritesOnceAMinute(t *testing.T) {
	s := &keyStore{}
	now := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	l, err := NewLocal(s, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	k, err := l.CreateAPIKey(ctx, NewAPIKey{Name: "ci", Role: RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	s.updates, s.views = 0, 0
	for i, step := range []struct {
		advance time.Duration
		write   bool
	}{
		{0, true},                 // never used
		{0, false},                // again at once
		{59 * time.Second, false}, // within the minute
		{time.Second, false},      // exactly a minute: not more than a minute
		{time.Millisecond, true},  // past it
		{time.Hour, true},
	} {
		now = now.Add(step.advance)
		updates, views := s.updates, s.views
		got, err := l.AuthenticateAPIKey(ctx, k.Token)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if s.views-views != 1 || (s.updates-updates == 1) != step.write || s.updates-updates > 1 {
			t.Errorf("step %d: %d views, %d updates; want 1 view and a write %v", i, s.views-views, s.updates-updates, step.write)
		}
		if got.LastUsedAt == nil || !s.keys[0].LastUsedAt.Equal(*got.LastUsedAt) {
			t.Errorf("step %d: last used %v, stored %v", i, got.LastUsedAt, s.keys[0].LastUsedAt)
		}
	}
	// A failed check writes nothing, not even to the audit trail.
	events := len(s.events)
	updates := s.updates
	if _, err := l.AuthenticateAPIKey(ctx, k.Token[:52]+"x"); ErrorCode(err) != CodeUnauthenticated {
		t.Fatalf("unknown token: %v", err)
	}
	if s.updates != updates || len(s.events) != events {
		t.Errorf("an unknown token wrote: %d updates, %d events", s.updates-updates, len(s.events)-events)
	}
}
