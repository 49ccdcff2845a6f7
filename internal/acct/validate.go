package acct

import (
	"errors"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/acctl/acctl/internal/phonenumbers"
	"golang.org/x/text/language"
	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"
)

// Limits on account fields.
const (
	MaxEmailLength = 254
	MaxNameLength  = 100 // first and last name, in code points
	MinUsername    = 3
	MaxUsername    = 32
)

var (
	usernameRE      = regexp.MustCompile(`^[a-z][a-z0-9._-]*$`)
	foreignOriginRE = regexp.MustCompile(`^[a-z][a-z0-9._-]{0,31}$`)
)

// MaxForeignSubject bounds the subject of a foreign identity, in bytes.
const MaxForeignSubject = 255

// NormalizeForeign checks a foreign identity "ORIGIN:SUBJECT" (such as
// "github:12345") and returns it with the origin in lower case. The
// subject is kept as given: outside systems may be case-sensitive. An
// empty input gives "".
func NormalizeForeign(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	origin, subject, ok := strings.Cut(s, ":")
	origin = strings.ToLower(origin)
	if !ok || !foreignOriginRE.MatchString(origin) {
		return "", FieldError("foreign", "%q: write ORIGIN:SUBJECT, the origin a word of letters, digits, '.', '_' or '-' (like github:12345)", s)
	}
	if subject == "" || len(subject) > MaxForeignSubject || !utf8.ValidString(subject) {
		return "", FieldError("foreign", "%q: the subject after ':' must be 1 to %d bytes of UTF-8", s, MaxForeignSubject)
	}
	for _, r := range subject {
		if invisible(r) || unicode.IsSpace(r) {
			return "", FieldError("foreign", "%q: the subject contains a space or an invisible or control character", s)
		}
	}
	return origin + ":" + subject, nil
}

// Bounds on free text that finds rather than stores: a longer value could
// match nothing, and only costs the store work (SQLite refuses a LIKE
// pattern of 50,000 characters as "too complex").
const (
	// MaxSearchLength bounds UserQuery.Search: the longest email address.
	MaxSearchLength = MaxEmailLength
	// MaxActionLength bounds EventQuery.Action, an action or a prefix.
	MaxActionLength = 64
	// MaxRefLength bounds a user REF: longer than any id, username,
	// email address, phone or foreign identity.
	MaxRefLength = 320
)

// boundText checks a free-text input of field: trimmed, valid UTF-8, at
// most max characters.
func boundText(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", FieldError(field, "not valid UTF-8")
	}
	if utf8.RuneCountInString(s) > max {
		return "", FieldError(field, "longer than %d characters", max)
	}
	return s, nil
}

// MaxNoteLength bounds a short note (a session label, a reason for the
// audit trail), in code points.
const MaxNoteLength = 100

// normalizeNote checks a short note for field: trimmed, short, printable.
func normalizeNote(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxNoteLength {
		return "", FieldError(field, "must be valid UTF-8 of at most %d characters", MaxNoteLength)
	}
	if err := visibleName(field, s); err != nil {
		return "", err
	}
	return s, nil
}

// NormalizeEmail checks an email address and returns it in normal form
// (trimmed, NFKC, lower case: identifiers.go). An empty input gives "".
// Invisible characters (format, bidi control) are refused.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if !utf8.ValidString(s) {
		return "", FieldError("email", "not valid UTF-8")
	}
	if err := checkVisible("email", s); err != nil {
		return "", err
	}
	s = norm.NFKC.String(s)
	if len(s) > MaxEmailLength {
		return "", FieldError("email", "longer than %d characters", MaxEmailLength)
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return "", FieldError("email", "%q is not a valid email address", s)
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	if at < 1 || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") ||
		strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") || strings.HasPrefix(domain, "[") {
		return "", FieldError("email", "%q is not a valid email address", s)
	}
	return strings.ToLower(s), nil
}

// NormalizePhone checks a phone number and returns it in E.164 form
// (+447400123456). region (ISO 3166, e.g. "GB") is used for numbers
// written without a country code. An empty input gives "".
func NormalizePhone(s, region string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if !strings.HasPrefix(s, "+") && region == "" {
		return "", FieldError("phone", "%q has no country code: write it as +<country><number> or set phone.region", s)
	}
	for _, r := range s {
		if !(unicode.IsDigit(r) || strings.ContainsRune("+ -().", r)) {
			return "", FieldError("phone", "%q is not a valid phone number", s)
		}
	}
	num, err := phonenumbers.Parse(s, strings.ToUpper(region))
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", FieldError("phone", "%q is not a valid phone number", s)
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// NormalizeUsername checks a username and returns it in normal form: the
// PRECIS UsernameCaseMapped profile (RFC 8265: fullwidth letters made
// ASCII, lower case, NFC), then 3 to 32 characters, a letter first, then
// letters, digits, '.', '_' or '-'. An empty input gives "". Invisible
// characters (format, bidi control) are refused.
func NormalizeUsername(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if !utf8.ValidString(s) {
		return "", FieldError("username", "not valid UTF-8")
	}
	if err := checkVisible("username", s); err != nil {
		return "", err
	}
	if len(s) > 4*MaxUsername {
		return "", FieldError("username", "must be %d to %d characters long", MinUsername, MaxUsername)
	}
	p, err := precis.UsernameCaseMapped.String(s)
	if err != nil {
		return "", FieldError("username", "%q: use a letter first, then letters a-z, digits, '.', '_' or '-'", s)
	}
	s = p
	n := utf8.RuneCountInString(s)
	if n < MinUsername || n > MaxUsername {
		return "", FieldError("username", "must be %d to %d characters long", MinUsername, MaxUsername)
	}
	if !usernameRE.MatchString(s) {
		return "", FieldError("username", "%q: use a letter first, then letters a-z, digits, '.', '_' or '-'", s)
	}
	return s, nil
}

// NormalizeLanguage checks a BCP 47 language tag and returns its canonical
// form ("en-gb" → "en-GB"). An empty input gives "".
func NormalizeLanguage(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	tag, err := language.Parse(s)
	var unknown language.ValueError
	switch {
	case len(s) > 35:
		return "", FieldError("language", "%q is not a BCP 47 language tag (like en, fr-CA): longer than 35 characters", s)
	case errors.As(err, &unknown):
		return "", FieldError("language", "%q is a well-formed tag, but %q is not a known language, script, region or variant (like en, fr-CA)", s, unknown.Subtag())
	case err != nil:
		return "", FieldError("language", "%q is not a BCP 47 language tag (like en, fr-CA)", s)
	}
	return tag.String(), nil
}

// NormalizeName checks a first or last name: trimmed, at most 100
// characters, no control, format or bidi control character (the
// zero-width joiner and non-joiner aside: identifiers.go).
func NormalizeName(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", FieldError(field, "not valid UTF-8")
	}
	if utf8.RuneCountInString(s) > MaxNameLength {
		return "", FieldError(field, "longer than %d characters", MaxNameLength)
	}
	if err := visibleName(field, s); err != nil {
		return "", err
	}
	return s, nil
}

// refKey turns a user REF into the key to look it up by: all digits is an
// id, an '@' makes an email, a ':' a foreign identity, a leading '+' (or a number written with
// spaces, dashes or brackets) a phone, anything else a username.
func refKey(ref, region string) (UserKey, error) {
	ref, err := boundText("user", ref, MaxRefLength)
	if err != nil {
		return UserKey{}, err
	}
	switch {
	case ref == "":
		return UserKey{}, FieldError("user", "empty reference: give an id, a username, an email or a phone")
	case isDigits(ref) && ref[0] != '0': // ids never start with 0; 07400123456 is a phone
		id, err := strconv.ParseInt(ref, 10, 64)
		if err != nil || id <= 0 {
			return UserKey{}, FieldError("user", "%q is not a valid id", ref)
		}
		return UserKey{Field: KeyID, ID: id}, nil
	case strings.Contains(norm.NFKC.String(ref), "@"): // a fullwidth ＠ too
		return UserKey{Field: KeyEmail, Value: normalizeIdent(ref)}, nil
	case strings.Contains(ref, ":"):
		f, err := NormalizeForeign(ref)
		if err != nil {
			return UserKey{}, &Error{Code: CodeInvalid, Field: "user", Message: "user: " + err.(*Error).Message, Err: err}
		}
		return UserKey{Field: KeyForeign, Value: f}, nil
	case looksLikePhone(ref):
		p, err := NormalizePhone(ref, region)
		if err != nil {
			return UserKey{}, &Error{Code: CodeInvalid, Field: "user", Message: "user: " + err.(*Error).Message, Err: err}
		}
		return UserKey{Field: KeyPhone, Value: p}, nil
	default:
		return UserKey{Field: KeyUsername, Value: normalizeIdent(ref)}, nil
	}
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func looksLikePhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+ -().", r):
		default:
			return false
		}
	}
	return digits > 0
}
