package gendocs

import (
	"reflect"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

// TestSourceDocs reads the doc comments of a type, a struct field and an
// interface method from the sources, the prose of docs/openapi.yaml.
func TestSourceDocs(t *testing.T) {
	d, err := NewSourceDocs()
	if err != nil {
		t.Fatal(err)
	}
	for what, c := range map[string]struct{ got, want string }{
		"type":   {d.Type(reflect.TypeFor[acct.User]()), "User is an account"},
		"field":  {d.Field(reflect.TypeFor[acct.NewUser](), "Password"), "Password is the plain password."},
		"method": {d.Field(reflect.TypeFor[acct.Service](), "Register"), "Register creates an account."},
	} {
		if !strings.HasPrefix(c.got, c.want) {
			t.Errorf("%s: %q, want it to start with %q", what, c.got, c.want)
		}
	}
}
