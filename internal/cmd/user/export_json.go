package user

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/acctl/acctl/internal/acct"
)

// appendExportRow appends r as encoding/json writes it with HTML escaping
// off (json.Encoder.SetEscapeHTML(false)), and a newline: the JSON line of
// "user export". It writes the fields of acct.ExportRow by hand, without
// reflection, as writing a row through encoding/json took most of the
// writer's time; TestAppendExportRow holds it to encoding/json's bytes, a
// field added to the row included.
func appendExportRow(b []byte, r *acct.ExportRow) ([]byte, error) {
	u := &r.User
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, u.ID, 10)
	b = appendField(b, "username", u.Username)
	b = appendField(b, "email", u.Email)
	b = appendBoolField(b, "email_verified", u.EmailVerified)
	b = appendField(b, "phone", u.Phone)
	b = appendBoolField(b, "phone_verified", u.PhoneVerified)
	b = appendField(b, "first_name", u.FirstName)
	b = appendField(b, "last_name", u.LastName)
	b = appendField(b, "language", u.Language)
	b = appendBoolField(b, "admin", u.Admin)
	b = appendField(b, "status", string(u.Status))
	var err error
	if u.HoldUntil != nil {
		if b, err = appendTimeField(b, "hold_until", *u.HoldUntil); err != nil {
			return b, err
		}
	}
	if u.HoldExpired {
		b = appendBoolField(b, "hold_expired", true)
	}
	if u.Foreign != "" {
		b = appendField(b, "foreign", u.Foreign)
	}
	b = appendBoolField(b, "has_password", u.HasPassword)
	b = append(b, `,"failed_logins":`...)
	b = strconv.AppendInt(b, int64(u.FailedLogins), 10)
	if u.LockedUntil != nil {
		if b, err = appendTimeField(b, "locked_until", *u.LockedUntil); err != nil {
			return b, err
		}
	}
	if u.LockReason != "" {
		b = appendField(b, "lock_reason", u.LockReason)
	}
	if b, err = appendTimeField(b, "created_at", u.CreatedAt); err != nil {
		return b, err
	}
	if b, err = appendTimeField(b, "updated_at", u.UpdatedAt); err != nil {
		return b, err
	}
	if u.ReferralCode != "" {
		b = appendField(b, "referral_code", u.ReferralCode)
	}
	if u.ReferredBy != nil {
		b = append(b, `,"referred_by":`...)
		b = strconv.AppendInt(b, *u.ReferredBy, 10)
	}
	b = append(b, `,"points":`...)
	b = strconv.AppendInt(b, u.Points, 10)
	if r.HeldFrom != "" {
		b = appendField(b, "held_from", string(r.HeldFrom))
	}
	if r.ReferredByCode != "" {
		b = appendField(b, "referred_by_code", r.ReferredByCode)
	}
	if len(r.Addresses) > 0 {
		b = append(b, `,"addresses":[`...)
		for i := range r.Addresses {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendAddress(b, &r.Addresses[i]); err != nil {
				return b, err
			}
		}
		b = append(b, ']')
	}
	if r.PasswordHash != "" {
		b = appendField(b, "password_hash", r.PasswordHash)
	}
	if r.MFA != nil {
		// Rare (with hashes, an account with a second factor): through
		// encoding/json, without HTML escaping like the rest.
		var m bytes.Buffer
		enc := json.NewEncoder(&m)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r.MFA); err != nil {
			return b, err
		}
		b = append(append(b, `,"mfa":`...), bytes.TrimSuffix(m.Bytes(), []byte("\n"))...)
	}
	if r.ScramVerifier != "" {
		b = appendField(b, "scram_verifier", r.ScramVerifier)
	}
	return append(b, "}\n"...), nil
}

// appendAddress appends a as encoding/json writes it.
func appendAddress(b []byte, a *acct.Address) ([]byte, error) {
	b = append(b, `{"user_id":`...)
	b = strconv.AppendInt(b, a.UserID, 10)
	b = appendField(b, "kind", string(a.Kind))
	b = appendField(b, "value", a.Value)
	b = appendBoolField(b, "primary", a.Primary)
	b = appendBoolField(b, "verified", a.Verified)
	var err error
	if a.VerifiedAt != nil {
		if b, err = appendTimeField(b, "verified_at", *a.VerifiedAt); err != nil {
			return b, err
		}
	}
	if b, err = appendTimeField(b, "created_at", a.CreatedAt); err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

// appendField appends ,"name":value; name needs no escaping.
func appendField(b []byte, name, value string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendJSONString(b, value)
}

func appendBoolField(b []byte, name string, v bool) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return strconv.AppendBool(b, v)
}

// appendTimeField appends ,"name":t as time.Time.MarshalJSON writes it:
// RFC 3339 with the fraction of a second it has, an error for a time that
// RFC 3339 cannot say (a year past 9999).
func appendTimeField(b []byte, name string, t time.Time) ([]byte, error) {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':', '"')
	out, err := t.AppendText(b)
	if err != nil {
		return b, fmt.Errorf("%s: %w", name, err)
	}
	return append(out, '"'), nil
}

// appendJSONString appends s as a JSON string the way encoding/json does
// without HTML escaping. The usual string (printable ASCII but for " and
// \) is copied as it is; any other is left to encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return appendJSONStringSlow(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendJSONStringSlow appends s through encoding/json, which escapes
// control characters, turns invalid UTF-8 into U+FFFD and escapes U+2028
// and U+2029.
func appendJSONStringSlow(b []byte, s string) []byte {
	var buf jsonBuffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		// A string always encodes.
		panic(fmt.Sprintf("user export: encoding a string: %v", err))
	}
	return append(b, buf[:len(buf)-1]...) // without Encode's newline
}

// jsonBuffer is an io.Writer that appends to itself.
type jsonBuffer []byte

func (j *jsonBuffer) Write(p []byte) (int, error) {
	*j = append(*j, p...)
	return len(p), nil
}
