package httpapi

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/api"
)

// durationService records the durations the operations receive.
type durationService struct {
	acct.Service
	got []time.Duration
}

func (d *durationService) Unregister(_ context.Context, _ string, o acct.UnregisterOptions) (*acct.User, error) {
	d.got = append(d.got, o.Hold)
	return &acct.User{ID: 1}, nil
}

func (d *durationService) PurgeSessions(_ context.Context, o acct.SessionPurgeOptions) (*acct.SessionPurgeResult, error) {
	d.got = append(d.got, o.OlderThan)
	return &acct.SessionPurgeResult{}, nil
}

func (d *durationService) IssueResetCode(_ context.Context, in acct.ResetCodeRequest) (*acct.ResetCode, error) {
	d.got = append(d.got, in.TTL)
	return &acct.ResetCode{ID: "x"}, nil
}

// TestDurationsAsStrings: every duration of a request body takes the
// CLI's strings ("30d", "36h", "90m") as well as integer nanoseconds; a
// bad string is invalid input.
func TestDurationsAsStrings(t *testing.T) {
	day := 24 * time.Hour
	for _, c := range []struct {
		op, body string
		want     time.Duration
	}{
		{"Unregister", `{"ref":"a","options":{"hold":"30d"}}`, 30 * day},
		{"Unregister", `{"ref":"a","options":{"hold":2592000000000000}}`, 30 * day},
		{"Unregister", `{"ref":"a","options":{"hold":"1d12h"}}`, 36 * time.Hour},
		{"PurgeSessions", `{"older_than":"36h"}`, 36 * time.Hour},
		{"PurgeSessions", `{"older_than":3600000000000}`, time.Hour},
		{"PurgeSessions", `{}`, 0},
		{"IssueResetCode", `{"ref":"a","ttl":"90m"}`, 90 * time.Minute},
		{"IssueResetCode", `{"ref":"a","ttl":600000000000}`, 10 * time.Minute},
	} {
		svc := &durationService{}
		h := New(svc, keys{}, nil)
		res := post(t, h, "/v1/"+c.op, "admin-key", strings.NewReader(c.body))
		if res.status != 200 || len(svc.got) != 1 || svc.got[0] != c.want {
			t.Errorf("%s %s: %d %s, got %v, want %s", c.op, c.body, res.status, res.raw, svc.got, c.want)
		}
	}
	for _, body := range []string{`{"older_than":"soon"}`, `{"older_than":"30"}`, `{"older_than":true}`, `{"older_than":1.5}`} {
		res := post(t, New(&durationService{}, keys{}, nil), "/v1/PurgeSessions", "admin-key", strings.NewReader(body))
		if res.status != 400 || res.body.Error.Code != acct.CodeInvalid || !strings.Contains(res.body.Error.Message, "duration") {
			t.Errorf("%s: %d %+v", body, res.status, res.body)
		}
	}
}

// TestNoRawDurationInABody: every duration field of every operation's
// body is an api.Duration, so that it takes strings too (a time.Duration
// would refuse "30d").
func TestNoRawDurationInABody(t *testing.T) {
	for op, c := range operations {
		walk(c.in, func(path string, f reflect.StructField) {
			if f.Type == reflect.TypeFor[time.Duration]() || f.Type == reflect.TypeFor[*time.Duration]() {
				t.Errorf("%s: body field %s is a time.Duration: make it an api.Duration", op, path)
			}
		}, map[reflect.Type]bool{}, "")
	}
}

// walk calls fn for every field of the structs reachable from t (through
// pointers, slices, maps and fields), path naming it by JSON keys.
func walk(t reflect.Type, fn func(path string, f reflect.StructField), seen map[reflect.Type]bool, path string) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return
	}
	seen[t] = true
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		fn(path+"."+jsonName(f), f)
		walk(f.Type, fn, seen, path+"."+jsonName(f))
	}
}

// jsonName is a field's JSON key ("" for an embedded struct, "-" when
// left out).
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	switch {
	case name == "-":
		return "-"
	case name != "":
		return name
	case f.Anonymous:
		return ""
	}
	return f.Name
}

var update = flag.Bool("update", false, "rewrite testdata/answer-keys.golden with the keys of today's answers")

// answerKeys returns, for every named struct type that an answer of the
// admin API holds, the JSON keys of its fields (an embedded struct's
// keys are its own), as "pkg.Type": sorted keys.
func answerKeys() map[string][]string {
	out := map[string][]string{}
	var visit func(t reflect.Type)
	visit = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || t == reflect.TypeFor[time.Time]() {
			return
		}
		name := t.String()
		if _, ok := out[name]; ok {
			return
		}
		out[name] = []string{}
		var keys []string
		var fields func(t reflect.Type)
		fields = func(t reflect.Type) {
			for f := range t.Fields() {
				if !f.IsExported() && !f.Anonymous {
					continue
				}
				switch n := jsonName(f); {
				case n == "-":
				case n == "" && f.Anonymous && f.Type.Kind() == reflect.Struct:
					fields(f.Type)
				default:
					keys = append(keys, n)
					visit(f.Type)
				}
			}
		}
		fields(t)
		sort.Strings(keys)
		out[name] = slices.Compact(keys)
	}
	for _, c := range operations {
		visit(c.out)
	}
	visit(reflect.TypeFor[api.ErrorBody]())
	return out
}

// TestAnswerKeysPinned pins the JSON keys of every admin API answer
// (docs/http-api.md, "Compatibility"): each key of the golden list must
// still be answered. New keys and new types are fine (go test -update
// adds them); a removed or renamed key fails.
func TestAnswerKeysPinned(t *testing.T) {
	got := answerKeys()
	golden := filepath.Join("testdata", "answer-keys.golden")
	if *update {
		var b strings.Builder
		names := make([]string, 0, len(got))
		for n := range got {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(&b, "%s: %s\n", n, strings.Join(got[n], " "))
		}
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./internal/httpapi -run TestAnswerKeysPinned -update writes it)", err)
	}
	for _, m := range missingKeys(string(raw), got) {
		t.Error(m)
	}
}

// missingKeys lists what golden (lines "pkg.Type: key key …") names that
// got no longer has.
func missingKeys(golden string, got map[string][]string) []string {
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(golden), "\n") {
		name, keys, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "" {
			continue
		}
		have, ok := got[name]
		if !ok {
			out = append(out, fmt.Sprintf("type %s is no longer in any answer of /v1 (removed or renamed)", name))
			continue
		}
		for _, k := range strings.Fields(keys) {
			if !slices.Contains(have, k) {
				out = append(out, fmt.Sprintf("%s no longer answers the key %q: /v1 promises additions only", name, k))
			}
		}
	}
	return out
}

// TestMissingKeysCatches: a renamed key, a removed type fail; an added
// key or type does not.
func TestMissingKeysCatches(t *testing.T) {
	golden := "acct.User: email id\nacct.Gone: x\napi.Empty:\n"
	got := map[string][]string{"acct.User": {"e_mail", "id", "new"}, "api.Empty": {}, "acct.New": {"y"}}
	want := []string{`acct.User no longer answers the key "email": /v1 promises additions only`,
		"type acct.Gone is no longer in any answer of /v1 (removed or renamed)"}
	if m := missingKeys(golden, got); !slices.Equal(m, want) {
		t.Errorf("missingKeys = %q, want %q", m, want)
	}
	got["acct.User"], got["acct.Gone"] = []string{"email", "id"}, []string{"x", "z"}
	if m := missingKeys(golden, got); len(m) != 0 {
		t.Errorf("additions only: %q", m)
	}
}

// TestAnswerKeysSeeEmbedded: the keys of an embedded struct count as its
// container's, as encoding/json writes them.
func TestAnswerKeysSeeEmbedded(t *testing.T) {
	keys := answerKeys()
	b, err := json.Marshal(acct.SessionInfo{})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for k := range m {
		if !slices.Contains(keys["acct.SessionInfo"], k) {
			t.Errorf("acct.SessionInfo: key %q answered but not listed in %v", k, keys["acct.SessionInfo"])
		}
	}
}
