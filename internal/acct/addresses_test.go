package acct

import (
	"context"
	"testing"
	"time"
)

// addressTx is a Tx that knows only addresses; any other call panics on
// the nil embedded interface.
type addressTx struct {
	Tx
	list     []AddressRecord
	verified []string
}

func (t *addressTx) ListAddresses(_ context.Context, userID int64, kind AddressKind) ([]AddressRecord, error) {
	var out []AddressRecord
	for _, a := range t.list {
		if a.UserID == userID && (kind == "" || a.Kind == kind) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (t *addressTx) SetAddressVerified(_ context.Context, userID int64, kind AddressKind, value string, _ time.Time) error {
	for _, a := range t.list {
		if a.UserID == userID && a.Kind == kind && a.Value == value {
			t.verified = append(t.verified, value)
			return nil
		}
	}
	return Errorf(CodeNotFound, "no such address")
}

func TestNormalizeAddress(t *testing.T) {
	l := &Local{opt: Options{PhoneRegion: "GB"}}
	for _, c := range []struct {
		kind        AddressKind
		in, want    string
		code, field string
	}{
		{AddressEmail, " A@Example.COM ", "a@example.com", "", ""},
		{AddressPhone, "07400 123456", "+447400123456", "", ""},
		{AddressEmail, "", "", "invalid", "email"},
		{AddressPhone, "  ", "", "invalid", "phone"},
		{AddressEmail, "nope", "", "invalid", "email"},
		{AddressPhone, "a@example.com", "", "invalid", "phone"},
		{"", "a@example.com", "", "invalid", "kind"},
		{"fax", "123", "", "invalid", "kind"},
	} {
		got, err := l.normalizeAddress(c.kind, c.in)
		if got != c.want || string(ErrorCode(err)) != c.code || ErrorField(err) != c.field {
			t.Errorf("normalizeAddress(%q, %q) = %q, %v (field %q); want %q, %q %q", c.kind, c.in, got, err, ErrorField(err), c.want, c.code, c.field)
		}
	}
	if err := validKind("", true); err != nil {
		t.Errorf("validKind(\"\", all): %v", err)
	}
}

// TestAddressesPrimaryFromAccount checks that a primary address shows the
// account's verification, which is authoritative for it: a flow that
// verifies the account's email without telling the address table still
// shows it verified, and an address table that says more is overruled.
func TestAddressesPrimaryFromAccount(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rec := &UserRecord{User: User{ID: 1, Email: "a@example.com", EmailVerified: true, Phone: "+447400123456"}}
	tx := &addressTx{list: []AddressRecord{
		{Address: Address{UserID: 1, Kind: AddressEmail, Value: "a@example.com", Primary: true}},
		{Address: Address{UserID: 1, Kind: AddressEmail, Value: "b@example.com", Verified: true, VerifiedAt: &at}},
		{Address: Address{UserID: 1, Kind: AddressPhone, Value: "+447400123456", Primary: true, Verified: true, VerifiedAt: &at}},
		{Address: Address{UserID: 2, Kind: AddressEmail, Value: "c@example.com", Primary: true}},
	}}
	got, err := addresses(context.Background(), tx, rec, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		value             string
		primary, verified bool
		at                bool
	}{
		{"a@example.com", true, true, false},
		{"b@example.com", false, true, true},
		{"+447400123456", true, false, false},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i, w := range want {
		g := got[i]
		if g.Value != w.value || g.Primary != w.primary || g.Verified != w.verified || (g.VerifiedAt != nil) != w.at {
			t.Errorf("%d: %+v, want %+v", i, g, w)
		}
	}
	if got, _ := addresses(context.Background(), tx, rec, AddressPhone); len(got) != 1 {
		t.Errorf("phones: %+v", got)
	}
}

// TestVerifyAddress checks the helper that the link and OTP flows call: a
// primary address sets the account's flag too, an extra one only the
// table, an address of no one's is not found.
func TestVerifyAddress(t *testing.T) {
	l := &Local{}
	ctx := context.Background()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rec := &UserRecord{User: User{ID: 1, Email: "a@example.com", Phone: "+447400123456"}}
	tx := &addressTx{list: []AddressRecord{
		{Address: Address{UserID: 1, Kind: AddressEmail, Value: "a@example.com", Primary: true}},
		{Address: Address{UserID: 1, Kind: AddressPhone, Value: "+447400123456", Primary: true}},
		{Address: Address{UserID: 1, Kind: AddressPhone, Value: "+447400123457"}},
	}}
	if err := l.verifyAddress(ctx, tx, rec, AddressPhone, "+447400123457", at); err != nil || rec.PhoneVerified || rec.EmailVerified {
		t.Fatalf("extra phone: %v, %+v", err, rec.User)
	}
	if err := l.verifyAddress(ctx, tx, rec, AddressPhone, "+447400123456", at); err != nil || !rec.PhoneVerified || rec.EmailVerified {
		t.Fatalf("primary phone: %v, %+v", err, rec.User)
	}
	if err := l.verifyAddress(ctx, tx, rec, AddressEmail, "a@example.com", at); err != nil || !rec.EmailVerified {
		t.Fatalf("primary email: %v, %+v", err, rec.User)
	}
	if err := l.verifyAddress(ctx, tx, rec, AddressEmail, "z@example.com", at); !IsCode(err, CodeNotFound) {
		t.Fatalf("no such address: %v", err)
	}
	if len(tx.verified) != 3 {
		t.Fatalf("table told of %v", tx.verified)
	}
}

func TestKeyKind(t *testing.T) {
	for f, want := range map[KeyField]AddressKind{KeyEmail: AddressEmail, KeyPhone: AddressPhone, KeyUsername: "", KeyID: "", KeyForeign: ""} {
		if got := keyKind(f); got != want {
			t.Errorf("keyKind(%s) = %q, want %q", f, got, want)
		}
	}
}
