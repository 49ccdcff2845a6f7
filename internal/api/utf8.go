package api

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/acctl/acctl/internal/acct"
)

// CheckUTF8 refuses a JSON body with a string that is not valid UTF-8, or
// that holds an escaped half of a surrogate pair (\ud800 alone):
// encoding/json reads either as U+FFFD without a word, and the account
// would be stored and mailed with it. The error is invalid, naming the
// object key of the string (or the key itself) when there is one. Bytes
// outside strings are left to the decoder, which refuses them.
func CheckUTF8(body []byte) error {
	var key string // the last object key seen
	for i := 0; i < len(body); i++ {
		if body[i] != '"' {
			continue
		}
		end, ok := stringEnd(body, i+1)
		raw := body[i+1 : end]
		isKey := followedByColon(body, end+1)
		if !ok {
			field := key
			if isKey {
				field = strings.ToValidUTF8(string(raw), "\uFFFD")
			}
			msg := "request body: a string is not valid UTF-8"
			if field != "" {
				msg = fmt.Sprintf("%s: not valid UTF-8 (request body)", field)
			}
			return &acct.Error{Code: acct.CodeInvalid, Field: field, Message: msg}
		}
		if isKey {
			key = string(raw)
		}
		i = end
	}
	return nil
}

// stringEnd returns the index of the quote that ends the JSON string whose
// content starts at i (len(b) when it does not end), and whether its
// content is valid: UTF-8, with escaped surrogates only in pairs.
func stringEnd(b []byte, i int) (int, bool) {
	ok := true
	start := i
	for i < len(b) {
		switch b[i] {
		case '"':
			return i, ok && utf8.Valid(b[start:i])
		case '\\':
			if i+1 < len(b) && b[i+1] == 'u' {
				v, good := hex4(b, i+2)
				switch {
				case good && v >= 0xd800 && v < 0xdc00: // a high half: a low one must follow
					w, good2 := uint64(0), false
					if i+7 < len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
						w, good2 = hex4(b, i+8)
					}
					if !good2 || w < 0xdc00 || w >= 0xe000 {
						ok = false
					} else {
						i += 6
					}
				case good && v >= 0xdc00 && v < 0xe000: // a low half alone
					ok = false
				}
			}
			i += 2
		default:
			i++
		}
	}
	return len(b), ok && utf8.Valid(b[start:])
}

// hex4 reads the four hex digits at b[i:].
func hex4(b []byte, i int) (uint64, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b[i:i+4]), 16, 32)
	return v, err == nil
}

// followedByColon reports whether the next byte after white space at i is
// ':', which makes the string before it an object key.
func followedByColon(b []byte, i int) bool {
	for ; i < len(b); i++ {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			continue
		case ':':
			return true
		}
		return false
	}
	return false
}
