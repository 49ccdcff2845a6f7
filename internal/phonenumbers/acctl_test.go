package phonenumbers

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestMayHaveExtension: the shortcut of maybeStripExtension (acctl's) is
// only taken where the extension pattern cannot match: no string of
// digits, spaces and "+-()./" is one it matches, and a string with an
// extension is never taken for one without.
func TestMayHaveExtension(t *testing.T) {
	plain := []rune("0123456789+-()./ \u00A0\t٣۴߅१০੨૩୪௫౬೭൮๙໐༡၂႓០᠑０")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range 1 + rng.IntN(24) {
			b.WriteRune(plain[rng.IntN(len(plain))])
		}
		s := b.String()
		if mayHaveExtension(s) {
			t.Fatalf("mayHaveExtension(%q) = true", s)
		}
		if EXTN_PATTERN().MatchString(s) {
			t.Fatalf("%q: the extension pattern matches a string the shortcut skips", s)
		}
	}
	for _, s := range []string{"+1 650 253 0000 ext. 1234", "+1 650 253 0000 x1234", "+1 650 253 0000;ext=1234",
		"650 253 0000 - 503#", "+44 20 7031 3000,,1234", "+44 20 7031 3000;1234", "+1 650 253 0000 #1234",
		"+1 650 253 0000 ~1234", "+1 650 253 0000 int 12", "+1 650 253 0000 ｘ1234", "+7 495 123 45 67 доб 12",
		"+54 11 1234 5678 anexo 12", "+1 650 253 0000 EXT 12", "+1 650 253 0000,12"} {
		if !mayHaveExtension(s) {
			t.Errorf("mayHaveExtension(%q) = false", s)
		}
		if !EXTN_PATTERN().MatchString(s) {
			t.Errorf("%q: the pattern finds no extension (the case proves nothing)", s)
		}
		n, err := Parse(s, "US")
		if err != nil || n.GetExtension() == "" {
			t.Errorf("Parse(%q): %v, %v: the extension is lost", s, n, err)
		}
	}
}

// BenchmarkParseE164 parses numbers written in E.164 and as people write
// them, as acct.NormalizePhone does for every imported row.
func BenchmarkParseE164(b *testing.B) {
	b.ReportAllocs()
	for i := range b.N {
		s := "+4915123456789"
		if i%2 == 1 {
			s = "+49 151 2345 6789"
		}
		n, err := Parse(s, "")
		if err != nil || !IsValidNumber(n) {
			b.Fatal(s, err)
		}
	}
}
