package acct

import (
	_ "embed"
	"strings"
	"sync"
	"unicode/utf8"
)

// commonPasswords is the list of 49,233 common passwords from zxcvbn-ts
// (MIT; see common-passwords.LICENSE.txt), one per line.
//
//go:embed common-passwords.txt
var commonPasswords string

var (
	commonOnce sync.Once
	commonSet  map[string]struct{}
)

// IsCommonPassword reports whether pw, compared without regard to letter
// case, is on the embedded list of common passwords.
func IsCommonPassword(pw string) bool {
	commonOnce.Do(func() {
		lines := strings.Split(commonPasswords, "\n")
		commonSet = make(map[string]struct{}, len(lines))
		for _, l := range lines {
			if l = strings.TrimSpace(l); l != "" {
				commonSet[strings.ToLower(l)] = struct{}{}
			}
		}
	})
	_, ok := commonSet[strings.ToLower(pw)]
	return ok
}

// CheckPassword applies the password policy of NIST SP 800-63B-4: a length
// between minLen and PasswordMaxLength code points, no composition rules,
// never truncated, not a common password, not one repeated character, and
// not containing the account's username or the local part of its email.
// A refusal is a CodeRefused error naming the field "password".
func CheckPassword(pw string, minLen int, username, email string) error {
	refuse := func(msg string, args ...any) error {
		e := Errorf(CodeRefused, "password refused: "+msg, args...)
		e.Field = "password"
		return e
	}
	if !utf8.ValidString(pw) {
		return FieldError("password", "not valid UTF-8")
	}
	n := utf8.RuneCountInString(pw)
	if n < minLen {
		return refuse("too short: %d characters, at least %d needed (a passphrase of a few words works well)", n, minLen)
	}
	if n > PasswordMaxLength {
		return refuse("too long: %d characters, at most %d", n, PasswordMaxLength)
	}
	if IsCommonPassword(pw) {
		return refuse("it is on the list of commonly used passwords")
	}
	if first, _ := utf8.DecodeRuneInString(pw); strings.Count(pw, string(first)) == n {
		return refuse("it repeats a single character")
	}
	lower := strings.ToLower(pw)
	if username != "" && utf8.RuneCountInString(username) >= MinUsername && strings.Contains(lower, strings.ToLower(username)) {
		return refuse("it contains the username")
	}
	if at := strings.LastIndexByte(email, '@'); at >= MinUsername && strings.Contains(lower, strings.ToLower(email[:at])) {
		return refuse("it contains the email address")
	}
	return nil
}
