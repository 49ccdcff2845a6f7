package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

var allCodes = []acct.Code{
	acct.CodeInvalid, acct.CodeUnauthenticated, acct.CodeRefused, acct.CodeNotFound,
	acct.CodeConflict, acct.CodeInternal, acct.CodeUnavailable,
}

func TestStatusMappingBothWays(t *testing.T) {
	want := map[acct.Code]int{
		acct.CodeInvalid: 400, acct.CodeUnauthenticated: 401, acct.CodeRefused: 403,
		acct.CodeNotFound: 404, acct.CodeConflict: 409, acct.CodeInternal: 500, acct.CodeUnavailable: 503,
	}
	seen := map[int]bool{}
	for _, c := range allCodes {
		s := StatusOf(c)
		if s != want[c] {
			t.Errorf("StatusOf(%s) = %d, want %d", c, s, want[c])
		}
		if seen[s] {
			t.Errorf("status %d used twice", s)
		}
		seen[s] = true
		if got := CodeOf(s); got != c {
			t.Errorf("CodeOf(StatusOf(%s)) = %s", c, got)
		}
	}
	for status, code := range map[int]acct.Code{200: "", 413: acct.CodeInvalid, 405: acct.CodeInvalid,
		429: acct.CodeRefused, 502: acct.CodeUnavailable, 504: acct.CodeUnavailable} {
		if got := CodeOf(status); got != code {
			t.Errorf("CodeOf(%d) = %q, want %q", status, got, code)
		}
	}
	if StatusOf("bogus") != 500 {
		t.Errorf("an unknown code is not 500")
	}
}

func TestOperationsAreTheServiceMethods(t *testing.T) {
	typ := reflect.TypeFor[acct.Service]()
	var methods []string
	for m := range typ.Methods() {
		if m.Name != "Close" {
			methods = append(methods, m.Name)
		}
	}
	ops := slices.Clone(Operations)
	slices.Sort(ops)
	slices.Sort(methods)
	if !slices.Equal(ops, methods) {
		t.Errorf("Operations = %v\nService methods = %v", ops, methods)
	}
}

func TestWriteError(t *testing.T) {
	cases := []struct {
		err    error
		status int
		want   ErrorDetail
	}{
		{acct.FieldError("email", "not an address"), 400, ErrorDetail{Code: acct.CodeInvalid, Message: "email: not an address", Field: "email"}},
		{fmt.Errorf("find: %w", acct.Errorf(acct.CodeNotFound, "no user %q", "bob")), 404, ErrorDetail{Code: acct.CodeNotFound, Message: `find: no user "bob"`}},
		{acct.Internal(errors.New("disk on fire"), "write"), 500, ErrorDetail{Code: acct.CodeInternal, Message: InternalMessage}},
		{errors.New("plain"), 500, ErrorDetail{Code: acct.CodeInternal, Message: InternalMessage}},
		// A refusal by a rate limit says when to try again, in the body
		// and in Retry-After, rounded up to a second.
		{&acct.Error{Code: acct.CodeRefused, Message: "too many", RetryAfter: 1500 * time.Millisecond}, 403,
			ErrorDetail{Code: acct.CodeRefused, Message: "too many", RetryAfter: 2}},
		// A reason travels beside the code, also through wrapping.
		{fmt.Errorf("get: %w", acct.Errorf(acct.CodeUnauthenticated, "session expired").WithReason(acct.ReasonExpired)), 401,
			ErrorDetail{Code: acct.CodeUnauthenticated, Message: "get: session expired", Reason: acct.ReasonExpired}},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		WriteError(rec, c.err)
		if rec.Code != c.status {
			t.Errorf("%v: status %d, want %d", c.err, rec.Code, c.status)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("content type %q", ct)
		}
		if ra, want := rec.Header().Get("Retry-After"), c.want.RetryAfter; (ra != "") != (want > 0) || (want > 0 && ra != fmt.Sprint(want)) {
			t.Errorf("%v: Retry-After %q, want %d", c.err, ra, want)
		}
		var body ErrorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		if body.Error != c.want {
			t.Errorf("%v: body %+v, want %+v", c.err, body.Error, c.want)
		}
		if back := body.Error.Err(); back.Reason != c.want.Reason || back.Code != c.want.Code {
			t.Errorf("%v: Err() = %+v, lost code or reason", c.err, back)
		}
	}
}

// TestCopiesKeepEveryField: the request bodies that copy an acct type
// (to hold a Duration instead of a time.Duration) name the same JSON
// fields, so that a field added to acct's type is not dropped on its way
// through the admin API.
func TestCopiesKeepEveryField(t *testing.T) {
	pairs := []struct{ copy, orig any }{
		{UnregisterOptions{}, acct.UnregisterOptions{}},
		{SessionPurgeOptions{}, acct.SessionPurgeOptions{}},
		{ResetCodeRequest{}, acct.ResetCodeRequest{}},
	}
	for _, p := range pairs {
		if got, want := jsonNames(reflect.TypeOf(p.copy)), jsonNames(reflect.TypeOf(p.orig)); !slices.Equal(got, want) {
			t.Errorf("%T has JSON fields %v, %T has %v", p.copy, got, p.orig, want)
		}
	}
}

// jsonNames returns the sorted JSON names of t's exported fields.
func jsonNames(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
