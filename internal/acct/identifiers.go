package acct

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/acctl/acctl/internal/confusables"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Identifiers that look alike.
//
// An email address or a username is an identifier: people read it, type
// it and trust it. So that two accounts cannot wear names that only differ
// in how they are encoded or in letters that look the same:
//
//   - an identifier is normalised before it is compared or stored: NFKC
//     (fullwidth ｋｎｏｗｎ is known, the ligature ﬁ is fi) and lower case
//     (emails: NormalizeEmail; usernames: the PRECIS UsernameCaseMapped
//     profile of RFC 8265, NormalizeUsername);
//   - invisible characters are refused in identifiers, and in names
//     (checkVisible): format characters (General_Category Cf: the zero-width
//     space, the soft hyphen, ...), bidi controls (a right-to-left
//     override prints "moc.elpmaxe@" in an operator's table), the
//     default-ignorable fillers (HANGUL FILLER) and control characters;
//   - each email address and username is stored with its Skeleton, under
//     a unique constraint: a new identifier whose skeleton equals one
//     already in use (knоwn with a Cyrillic о, exаmple with a Cyrillic а)
//     is a conflict naming the field, decided by the store as any other
//     unique key.

// Skeleton returns the key under which identifiers that look alike are
// equal: the skeleton of Unicode UTS #39 section 4 (NFD, each character
// mapped to its prototype by confusables.txt, NFD again), of the identifier
// case folded, folded and mapped a second time so that a capital that a
// mapping gives (0 → O) meets its lower-case twin (o): identifiers compare
// without case. It is a key to compare, never shown: "m" and "rn" have the
// skeleton "rn". The empty string gives "".
//
// The mapping is github.com/mtibben/confusables (BSD-3-Clause), the one Go
// module that implements the skeleton with the data of confusables.txt
// (Unicode 13.0.0 there). It is small (a table and three lines of code)
// and has not changed since 2021; no maintained module on the Go module
// proxy offers newer data. Unicode has added few confusables since, almost
// all outside the scripts of email addresses (a username is ASCII). Should
// the table change (a newer module), stored skeletons must be computed
// again: a migration like 0009_skeletons would fill them anew.
func Skeleton(s string) string {
	if s == "" {
		return ""
	}
	s = strings.Map(dropIgnorable, s) // UTS #39 (15.1+): default ignorables go
	s = confusables.Skeleton(fold(s))
	return norm.NFD.String(confusables.Skeleton(fold(s)))
}

// fold case-folds s: strings.ToLower for ASCII, which folds the same and
// is much faster (most identifiers are ASCII), cases.Fold otherwise.
func fold(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return cases.Fold().String(s)
		}
	}
	return strings.ToLower(s)
}

// dropIgnorable is the strings.Map function that removes the invisible
// characters (checkVisible refuses them in identifiers, but Skeleton takes any
// string).
func dropIgnorable(r rune) rune {
	if invisible(r) {
		return -1
	}
	return r
}

// invisible reports whether r is a character that shows nothing or changes
// how its neighbours show: a control, format or bidi control character, a
// default-ignorable filler or a variation selector.
func invisible(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Bidi_Control, r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) || unicode.Is(unicode.Variation_Selector, r)
}

// joiner reports the format characters a name may hold: the zero-width
// non-joiner and joiner shape letters in Persian and Indic scripts and
// join emoji. They reorder nothing and cannot make one account look like
// another (names are not identifiers).
func joiner(r rune) bool { return r == '\u200c' || r == '\u200d' }

// checkVisible refuses, for field, a string that holds an invisible character
// (see invisible): identifiers (emails, usernames, foreign identities)
// hold none. The message names the first one, as U+XXXX.
func checkVisible(field, s string) error {
	for _, r := range s {
		if invisible(r) {
			return FieldError(field, "contains the invisible or control character %s: type it without", codePoint(r))
		}
	}
	return nil
}

// visibleName is checkVisible for a name or a note: the joiners are allowed,
// every other format, bidi or control character is not.
func visibleName(field, s string) error {
	for _, r := range s {
		if invisible(r) && !joiner(r) {
			return FieldError(field, "contains the invisible or control character %s: type it without", codePoint(r))
		}
	}
	return nil
}

// codePoint writes r as U+XXXX.
func codePoint(r rune) string { return fmt.Sprintf("U+%04X", r) }

// normalizeIdent is the form of an email address or a username as it is
// compared and stored: trimmed, NFKC, lower case. A REF is looked up in the
// same form, so that ｋｎｏｗｎ@example.com finds known@example.com.
func normalizeIdent(s string) string {
	return strings.ToLower(norm.NFKC.String(strings.TrimSpace(s)))
}

// LookAlikeMessage is the message of a conflict on the skeleton of field
// (a store's unique constraint): the value differs from one in use only
// in characters that look alike.
func LookAlikeMessage(field string) string {
	return field + " looks the same as one already in use (it differs only in characters that look alike)"
}
