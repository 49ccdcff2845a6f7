package api

import (
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

func TestCheckUTF8(t *testing.T) {
	for _, ok := range []string{
		``, `{}`, `{"a":"b"}`, `{"a":"é😀"}`, `{"a":"\ud83d\ude00"}`, `{"a":"\\ud800"}`, `{"a":"\"\\"}`,
		`{"a":["x","y"],"b":{"c":"\u00e9"}}`, `"top"`, `{"a":1,"b":true,"c":null}`,
	} {
		if err := CheckUTF8([]byte(ok)); err != nil {
			t.Errorf("CheckUTF8(%q) = %v", ok, err)
		}
	}
	for body, field := range map[string]string{
		`{"email":"` + "\xff" + `"}`:            "email",
		`{"a":"x","b":{"c":"` + "\xc3(" + `"}}`: "c",
		`{"a":["ok","` + "\xed\xa0\x80" + `"]}`: "a", // a surrogate in UTF-8 bytes
		`{"a":"\udc00"}`:                        "a",
		`{"a":"\ud800x"}`:                       "a",
		`{"a":"\ud800\u0041"}`:                  "a",
		`{"` + "k\xff" + `" : "v"}`:             "k\uFFFD",
		`"` + "\xff" + `"`:                      "",
	} {
		err := CheckUTF8([]byte(body))
		if acct.ErrorCode(err) != acct.CodeInvalid || acct.ErrorField(err) != field {
			t.Errorf("CheckUTF8(%q) = %v (field %q), want invalid naming %q", body, err, acct.ErrorField(err), field)
		}
	}
}
