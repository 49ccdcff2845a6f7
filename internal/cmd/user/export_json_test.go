package user

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// encodeStd is a row as encoding/json writes it for "user export".
func encodeStd(t *testing.T, r *acct.ExportRow) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// fill sets every field of v, and of the structs in it, to a value that
// is not zero: a field added to acct.ExportRow is then in the row that
// TestAppendExportRow compares.
func fill(t *testing.T, v reflect.Value, at time.Time) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		v.SetString("s-" + v.Type().Name())
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(42)
	case reflect.Uint8: // a byte of a []byte (the sealed secret of a factor)
		v.SetUint(7)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), at)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(t, v.Index(i), at)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(at))
			return
		}
		for i := range v.NumField() {
			fill(t, v.Field(i), at)
		}
	default:
		t.Fatalf("fill: a field of kind %s: teach fill and appendExportRow about it", v.Kind())
	}
}

func TestAppendExportRow(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 120_000_000, time.UTC)
	ref := int64(7)
	var full acct.ExportRow
	fill(t, reflect.ValueOf(&full).Elem(), at)
	tricky := []string{
		"", "plain", `quo"te`, `back\slash`, "<b>&amp;</b>", "tab\there", "nl\ncr\r", "\b\f\x00\x01\x1f\x7f",
		"émile zoë", "日本語", "emoji 😀", "sep\u2028para\u2029", "bad\xffutf8", "\xed\xa0\x80", "'single'",
	}
	rows := []acct.ExportRow{
		{}, // every field empty
		full,
		{User: acct.User{ID: 1, Username: "alice", Email: "alice@example.com", Status: acct.StatusActive,
			HasPassword: true, CreatedAt: at, UpdatedAt: at, ReferralCode: "ABCD2345"}},
		{User: acct.User{ID: 2, Status: acct.StatusLocked, LockedUntil: &at, LockReason: "too many failed logins",
			FailedLogins: 5, ReferredBy: &ref, Points: 1 << 40, CreatedAt: at.In(time.FixedZone("x", 2*3600)),
			UpdatedAt: time.Date(1999, 1, 2, 3, 4, 5, 1, time.UTC)}, ReferredByCode: "REF", PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$a2V5"},
		{User: acct.User{ID: 3, Status: acct.StatusHeld, HoldUntil: &at, Foreign: "github:12345"},
			HeldFrom: acct.StatusPending, Addresses: []acct.Address{{UserID: 3, Kind: acct.AddressKind("email"), Value: "a@b.c", Primary: true,
				Verified: true, VerifiedAt: &at, CreatedAt: at}, {UserID: 3, Kind: "phone", Value: "+15551234567"}}},
		{User: acct.User{ID: 4}, Addresses: []acct.Address{}}, // empty, not nil: left out as well
	}
	for _, s := range tricky {
		rows = append(rows, acct.ExportRow{User: acct.User{ID: 9, Username: s, Email: s, Phone: s, FirstName: s,
			LastName: s, Language: s, Status: acct.Status(s), Foreign: s, LockReason: s, ReferralCode: s},
			HeldFrom: acct.Status(s), ReferredByCode: s, PasswordHash: s, ScramVerifier: s, Addresses: []acct.Address{{Kind: acct.AddressKind(s), Value: s}}})
	}
	for i := range rows {
		want := encodeStd(t, &rows[i])
		got, err := appendExportRow([]byte("prefix"), &rows[i])
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		if !bytes.HasPrefix(got, []byte("prefix")) || string(got[len("prefix"):]) != want {
			t.Errorf("row %d:\n got %s\nwant %s", i, got, want)
		}
	}
	// The filled row has every field of the JSON: 23 of acct.User, 5 of
	// the export (scram_verifier the sixth), 7 for each of the 2 addresses,
	// 11 of the second factor.
	if n, want := strings.Count(encodeStd(t, &full), `":`), 23+6+2*7+11; n != want {
		t.Errorf("the filled row has %d fields, want %d: fill misses some", n, want)
	}
}

func TestAppendExportRowBadTime(t *testing.T) {
	r := acct.ExportRow{User: acct.User{ID: 1, CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}
	if err := json.NewEncoder(new(bytes.Buffer)).Encode(&r); err == nil {
		t.Fatal("encoding/json wrote a time past year 9999")
	}
	if _, err := appendExportRow(nil, &r); err == nil || !strings.Contains(err.Error(), "created_at") {
		t.Fatalf("error %v, want one about created_at", err)
	}
}
