package acct

import (
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/acctl/acctl/internal/phonenumbers"
	"golang.org/x/text/language"
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
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return "", FieldError("foreign", "%q: the subject contains a space or a control character", s)
		}
	}
	return origin + ":" + subject, nil
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
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", FieldError(field, "contains a control character")
		}
	}
	return s, nil
}

// NormalizeEmail checks an email address and returns it in normal form
// (trimmed, lower case). An empty input gives "".
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
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

// NormalizeUsername checks a username and returns it in lower case: 3 to 32
// characters, a letter first, then letters, digits, '.', '_' or '-'. An
// empty input gives "".
func NormalizeUsername(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
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
	if err != nil || len(s) > 35 {
		return "", FieldError("language", "%q is not a BCP 47 language tag (like en, fr-CA)", s)
	}
	return tag.String(), nil
}

// NormalizeName checks a first or last name: trimmed, at most 100
// characters, no control characters.
func NormalizeName(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", FieldError(field, "not valid UTF-8")
	}
	if utf8.RuneCountInString(s) > MaxNameLength {
		return "", FieldError(field, "longer than %d characters", MaxNameLength)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", FieldError(field, "contains a control character")
		}
	}
	return s, nil
}

// refKey turns a user REF into the key to look it up by: all digits is an
// id, an '@' makes an email, a ':' a foreign identity, a leading '+' (or a number written with
// spaces, dashes or brackets) a phone, anything else a username.
func refKey(ref, region string) (UserKey, error) {
	ref = strings.TrimSpace(ref)
	switch {
	case ref == "":
		return UserKey{}, FieldError("user", "empty reference: give an id, a username, an email or a phone")
	case isDigits(ref) && ref[0] != '0': // ids never start with 0; 07400123456 is a phone
		id, err := strconv.ParseInt(ref, 10, 64)
		if err != nil || id <= 0 {
			return UserKey{}, FieldError("user", "%q is not a valid id", ref)
		}
		return UserKey{Field: KeyID, ID: id}, nil
	case strings.Contains(ref, "@"):
		return UserKey{Field: KeyEmail, Value: strings.ToLower(ref)}, nil
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
		return UserKey{Field: KeyUsername, Value: strings.ToLower(ref)}, nil
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
