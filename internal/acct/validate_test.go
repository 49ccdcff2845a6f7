package acct

import (
	"fmt"
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{
		"":                        "",
		" Alice@Example.COM ":     "alice@example.com",
		"a.b+tag@sub.example.org": "a.b+tag@sub.example.org",
	} {
		got, err := NormalizeEmail(in)
		if err != nil || got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"plain", "@example.com", "a@", "a@b", "a@.com", "a@b.", "a@b..com",
		"Bob <bob@example.com>", "a b@example.com", "a@[127.0.0.1]", string(make([]byte, 300)) + "@x.com"} {
		if _, err := NormalizeEmail(in); ErrorField(err) != "email" || ErrorCode(err) != CodeInvalid {
			t.Errorf("NormalizeEmail(%q): %v, want an invalid email error", in, err)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	for _, c := range []struct{ in, region, want string }{
		{"", "", ""},
		{"+44 7400 123123", "", "+447400123123"},
		{"07400 123123", "GB", "+447400123123"},
		{"(415) 555-2671", "us", "+14155552671"},
		{"+1-415-555-2671", "GB", "+14155552671"},
	} {
		got, err := NormalizePhone(c.in, c.region)
		if err != nil || got != c.want {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q", c.in, c.region, got, err, c.want)
		}
	}
	for _, c := range []struct{ in, region string }{
		{"0000", "GB"}, {"0000", ""}, {"07400 123123", ""}, {"+44 12", ""}, {"+44 7400 123123 ext 5", ""}, {"phone", "GB"},
	} {
		if _, err := NormalizePhone(c.in, c.region); ErrorField(err) != "phone" {
			t.Errorf("NormalizePhone(%q, %q): %v, want a phone error", c.in, c.region, err)
		}
	}
}

func TestNormalizeUsernameAndLanguage(t *testing.T) {
	for in, want := range map[string]string{"Alice": "alice", " bob.smith-2 ": "bob.smith-2", "": ""} {
		if got, err := NormalizeUsername(in); err != nil || got != want {
			t.Errorf("NormalizeUsername(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"ab", "1abc", "a@b", "+abc", "has space", "ünï", string(make([]byte, 33))} {
		if _, err := NormalizeUsername(in); ErrorField(err) != "username" {
			t.Errorf("NormalizeUsername(%q): %v", in, err)
		}
	}
	for in, want := range map[string]string{"en": "en", "en-gb": "en-GB", "FR-ca": "fr-CA", "zh-Hant-TW": "zh-Hant-TW"} {
		if got, err := NormalizeLanguage(in); err != nil || got != want {
			t.Errorf("NormalizeLanguage(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"english", "xx-!!", "en_US_POSIX_EXTRA_LONG_THING"} {
		if _, err := NormalizeLanguage(in); ErrorField(err) != "language" {
			t.Errorf("NormalizeLanguage(%q): %v", in, err)
		}
	}
	for _, in := range []string{"english", "xx-!!"} {
		if _, err := NormalizeLanguage(in); !strings.Contains(fmt.Sprint(err), "not a BCP 47 language tag") {
			t.Errorf("NormalizeLanguage(%q): %v", in, err)
		}
	}
	// Well-formed but unknown: the message says so, not that the tag is
	// malformed.
	for in, subtag := range map[string]string{"xy": `"xy"`, "zz-ZZ": `"zz"`, "en-abcde": `"abcde"`} {
		_, err := NormalizeLanguage(in)
		if msg := fmt.Sprint(err); ErrorField(err) != "language" || strings.Contains(msg, "not a BCP 47") ||
			!strings.Contains(msg, "well-formed") || !strings.Contains(msg, subtag+" is not a known") {
			t.Errorf("NormalizeLanguage(%q): %v, want it to say that %s is unknown", in, err, subtag)
		}
	}
}

func TestRefKey(t *testing.T) {
	for _, c := range []struct {
		ref  string
		want UserKey
	}{
		{"42", UserKey{Field: KeyID, ID: 42}},
		{"Alice", UserKey{Field: KeyUsername, Value: "alice"}},
		{"Alice@Example.com", UserKey{Field: KeyEmail, Value: "alice@example.com"}},
		{"+44 7400 123123", UserKey{Field: KeyPhone, Value: "+447400123123"}},
		{"07400-123123", UserKey{Field: KeyPhone, Value: "+447400123123"}},
		{"07400123123", UserKey{Field: KeyPhone, Value: "+447400123123"}},
		{"GitHub:12345", UserKey{Field: KeyForeign, Value: "github:12345"}},
	} {
		got, err := refKey(c.ref, "GB")
		if err != nil || got != c.want {
			t.Errorf("refKey(%q) = %+v, %v; want %+v", c.ref, got, err, c.want)
		}
	}
	for _, ref := range []string{"", "0", "99999999999999999999", "+1"} {
		if _, err := refKey(ref, "GB"); ErrorCode(err) != CodeInvalid {
			t.Errorf("refKey(%q): %v, want invalid", ref, err)
		}
	}
}

func TestSignupMode(t *testing.T) {
	for _, c := range []struct {
		setting           string
		pending, hasEmail bool
		want              string
	}{
		{"", false, true, ""},
		{SignupVerifyNone, false, false, ""},
		{SignupVerifyNone, true, true, SignupVerifyEmail},
		{"", true, false, SignupVerifyPhone},
		{SignupVerifyEmail, false, true, SignupVerifyEmail},
		{SignupVerifyEmail, false, false, SignupVerifyEmail}, // Local then asks for the email
		{SignupVerifyPhone, true, true, SignupVerifyPhone},
	} {
		if got := SignupMode(c.setting, c.pending, c.hasEmail); got != c.want {
			t.Errorf("SignupMode(%q, pending %v, email %v) = %q, want %q", c.setting, c.pending, c.hasEmail, got, c.want)
		}
	}
}
