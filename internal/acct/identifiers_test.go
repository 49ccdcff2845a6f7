package acct

import (
	"strings"
	"testing"
)

// The look-alikes of issue 13: each is another account's address to a
// reader, and each was accepted beside known@example.com.
func TestIdentifiersNormalised(t *testing.T) {
	for in, want := range map[string]string{
		"ｋｎｏｗｎ@example.com":        "known@example.com", // fullwidth: NFKC
		"KNOWN@EXAMPLE.COM":        "known@example.com",
		"ﬁnn@example.com":          "finn@example.com",  // a ligature
		"known＠example.com":        "known@example.com", // a fullwidth @
		"élodie@example.com":       "élodie@example.com",
		"E\u0301lodie@example.com": "élodie@example.com", // NFKC composes
	} {
		if got, err := NormalizeEmail(in); err != nil || got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{"ｋｎｏｗｎ": "known", "Ｋnown": "known", "ALICE": "alice"} {
		if got, err := NormalizeUsername(in); err != nil || got != want {
			t.Errorf("NormalizeUsername(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for ref, want := range map[string]UserKey{
		"ｋｎｏｗｎ@example.com": {Field: KeyEmail, Value: "known@example.com"},
		"known＠example.com": {Field: KeyEmail, Value: "known@example.com"},
		"ｋｎｏｗｎ":             {Field: KeyUsername, Value: "known"},
	} {
		if got, err := refKey(ref, ""); err != nil || got != want {
			t.Errorf("refKey(%q) = %+v, %v; want %+v", ref, got, err, want)
		}
	}
}

// Invisible characters: format (Cf), bidi controls, fillers; refused in
// identifiers, names and notes, each error naming its field and the
// character.
func TestInvisibleRefused(t *testing.T) {
	bad := map[string]string{
		"zero-width space":        "\u200b",
		"right-to-left override":  "\u202e",
		"left-to-right isolate":   "\u2066",
		"right-to-left mark":      "\u200f",
		"soft hyphen":             "\u00ad",
		"word joiner":             "\u2060",
		"byte order mark":         "\ufeff",
		"hangul filler":           "\u3164",
		"variation selector":      "\ufe0f",
		"arabic letter mark":      "\u061c",
		"a control character":     "\u0007",
		"interlinear annotation":  "\ufff9",
		"tag character":           "\U000E0041",
		"mongolian vowel separat": "\u180e",
	}
	for what, c := range bad {
		checks := []struct {
			field string
			err   func() error
		}{
			{"email", func() error { _, err := NormalizeEmail("kno" + c + "wn@example.com"); return err }},
			{"username", func() error { _, err := NormalizeUsername("kno" + c + "wn"); return err }},
			{"first_name", func() error { _, err := NormalizeName("first_name", "Al"+c+"ice"); return err }},
			{"foreign", func() error { _, err := NormalizeForeign("github:12" + c + "3"); return err }},
			{"label", func() error { _, err := normalizeNote("label", "my"+c+"phone"); return err }},
		}
		for _, ch := range checks {
			err := ch.err()
			if ErrorCode(err) != CodeInvalid || ErrorField(err) != ch.field {
				t.Errorf("%s in %s: %v, want invalid naming %s", what, ch.field, err, ch.field)
			}
		}
	}
	// The joiners shape Persian, Indic and emoji names: a name keeps them.
	for _, name := range []string{"می\u200cخواهم", "क्\u200dष", "Ali 👩\u200d💻"} {
		if got, err := NormalizeName("first_name", name); err != nil || got != name {
			t.Errorf("NormalizeName(%q) = %q, %v", name, got, err)
		}
	}
	if _, err := NormalizeEmail("kno\u200cwn@example.com"); ErrorField(err) != "email" {
		t.Errorf("a joiner in an email: %v, want refused", err)
	}
	err := checkVisible("email", "a\u202eb")
	if err == nil || !strings.Contains(err.Error(), "U+202E") {
		t.Errorf("Visible: %v, want the character named", err)
	}
}

func TestSkeleton(t *testing.T) {
	known := Skeleton("known@example.com")
	for _, s := range []string{
		"knоwn@example.com",      // Cyrillic о
		"known@exаmple.com",      // Cyrillic а
		"kn\u03bfwn@example.com", // Greek omicron
		"known@examp1e.com",      // digit one for l
		"knovvn@example.com",     // no: vv is two letters
	} {
		if s == "knovvn@example.com" {
			if Skeleton(s) == known {
				t.Errorf("Skeleton(%q) = Skeleton(known@example.com): want them apart", s)
			}
			continue
		}
		if got := Skeleton(s); got != known {
			t.Errorf("Skeleton(%q) = %q, want %q", s, got, known)
		}
	}
	for a, b := range map[string]string{
		"paypal":  "pаypal", // Cyrillic а
		"modern":  "rnodern",
		"user0":   "usero", // 0 maps to O, and case does not count
		"alice":   "ALICE",
		"strasse": "straße",
		"ab":      "a\u200bb", // an invisible character drops
	} {
		if Skeleton(a) != Skeleton(b) {
			t.Errorf("Skeleton(%q) = %q, Skeleton(%q) = %q: want equal", a, Skeleton(a), b, Skeleton(b))
		}
	}
	for a, b := range map[string]string{"alice": "alicia", "bob": "rob", "a@example.com": "b@example.com"} {
		if Skeleton(a) == Skeleton(b) {
			t.Errorf("Skeleton(%q) = Skeleton(%q): want apart", a, b)
		}
	}
	if Skeleton("") != "" {
		t.Error(`Skeleton("") != ""`)
	}
}

func TestFreeTextBounded(t *testing.T) {
	long := strings.Repeat("a", 50_000)
	if _, err := refKey(long, ""); ErrorField(err) != "user" || !strings.Contains(err.Error(), "320") {
		t.Errorf("a long REF: %v", err)
	}
	if _, err := boundText("search", long, MaxSearchLength); ErrorField(err) != "search" ||
		!strings.Contains(err.Error(), "254") {
		t.Errorf("a long search: %v", err)
	}
	if got, err := boundText("search", " élodie ", MaxSearchLength); err != nil || got != "élodie" {
		t.Errorf("boundText = %q, %v", got, err)
	}
	if _, err := boundText("search", "\xff", MaxSearchLength); ErrorField(err) != "search" {
		t.Errorf("invalid UTF-8: %v", err)
	}
}

// BenchmarkSkeleton measures the skeleton of a typical address, computed
// for every username and email address registered or imported.
func BenchmarkSkeleton(b *testing.B) {
	for b.Loop() {
		Skeleton("alice.liddell+news@example.com")
	}
}
