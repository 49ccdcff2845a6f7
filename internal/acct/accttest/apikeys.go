package accttest

import (
	"context"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// OpenKeys returns a fresh, empty KeyManager built with opt (it carries the
// suite's clock). If it is an io.Closer the suite closes it; if it also
// lists audit events (acct.Local does), the suite checks the trail.
type OpenKeys func(t *testing.T, opt acct.Options) acct.KeyManager

// RunKeys runs the conformance cases of API keys against the key managers
// made by open: Local over each Store. API keys are not part of
// acct.Service (they are managed only where the store is), so they have
// their own entry point beside Run.
func RunKeys(t *testing.T, open OpenKeys) {
	for _, tc := range []struct {
		name string
		fn   func(*keyEnv)
	}{
		{"CreateList", testKeyCreateList},
		{"CreateInvalid", testKeyCreateInvalid},
		{"CreateConflict", testKeyCreateConflict},
		{"ConcurrentCreate", testKeyConcurrentCreate},
		{"Revoke", testKeyRevoke},
		{"Authenticate", testKeyAuthenticate},
		{"LastUsed", testKeyLastUsed},
		{"ConcurrentUse", testKeyConcurrentUse},
		{"Audit", testKeyAudit},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(newKeyEnv(t, open)) })
	}
}

// keyEnv is one test's key manager and clock.
type keyEnv struct {
	t     *testing.T
	km    acct.KeyManager
	clock *Clock
	ctx   context.Context
}

func newKeyEnv(t *testing.T, open OpenKeys) *keyEnv {
	t.Helper()
	clock := NewClock(Start)
	km := open(t, acct.Options{Now: clock.Now, Argon2: FastArgon2, ScramIterations: acct.MinScramIterations, Actor: "tester"})
	if c, ok := km.(io.Closer); ok {
		t.Cleanup(func() { c.Close() })
	}
	return &keyEnv{t: t, km: km, clock: clock, ctx: context.Background()}
}

// apiKeyForm is the shape of an API key token: the prefix and 43
// base64url characters (256 bits).
var apiKeyForm = regexp.MustCompile(`^acctl_key_[A-Za-z0-9_-]{43}$`)

func (e *keyEnv) create(name string, role acct.Role) *acct.CreatedAPIKey {
	e.t.Helper()
	k, err := e.km.CreateAPIKey(e.ctx, acct.NewAPIKey{Name: name, Role: role})
	if err != nil {
		e.t.Fatalf("create API key %q (%s): %v", name, role, err)
	}
	return k
}

func (e *keyEnv) list() []acct.APIKey {
	e.t.Helper()
	keys, err := e.km.ListAPIKeys(e.ctx)
	if err != nil {
		e.t.Fatalf("list API keys: %v", err)
	}
	if keys == nil {
		e.t.Fatal("list API keys: nil, want a list")
	}
	return keys
}

// find returns the listed key called name.
func (e *keyEnv) find(name string) acct.APIKey {
	e.t.Helper()
	for _, k := range e.list() {
		if k.Name == name {
			return k
		}
	}
	e.t.Fatalf("API key %q is not listed", name)
	return acct.APIKey{}
}

func (e *keyEnv) wantCode(err error, code acct.Code, field string) {
	e.t.Helper()
	if got := acct.ErrorCode(err); got != code {
		e.t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
	if field != "" && acct.ErrorField(err) != field {
		e.t.Fatalf("error %v: field %q, want %q", err, acct.ErrorField(err), field)
	}
}

// wantInvalidKey checks the one answer to a token that opens nothing.
func (e *keyEnv) wantInvalidKey(token string) {
	e.t.Helper()
	k, err := e.km.AuthenticateAPIKey(e.ctx, token)
	if k != nil || !acct.IsCode(err, acct.CodeUnauthenticated) || err.Error() != "invalid API key" {
		e.t.Fatalf("authenticate %q: %+v, %v; want unauthenticated \"invalid API key\"", token, k, err)
	}
}

func testKeyCreateList(e *keyEnv) {
	if keys := e.list(); len(keys) != 0 {
		e.t.Fatalf("a new store lists keys: %+v", keys)
	}
	ci := e.create("ci-deploy", acct.RoleAdmin)
	if !apiKeyForm.MatchString(ci.Token) {
		e.t.Fatalf("token %q is not of the form %s", ci.Token, apiKeyForm)
	}
	want := acct.APIKey{Name: "ci-deploy", Role: acct.RoleAdmin, Prefix: ci.Token[:acct.APIKeyShownPrefix], CreatedAt: Start, CreatedBy: "tester"}
	if !equalKey(ci.APIKey, want) {
		e.t.Fatalf("created %+v\nwant %+v", ci.APIKey, want)
	}
	// The name is trimmed and folded to lower case, the role too; the
	// actor of the context is the creator.
	ctx := acct.WithActor(e.ctx, "alice")
	desk, err := e.km.CreateAPIKey(ctx, acct.NewAPIKey{Name: "  Help.Desk_2 ", Role: " Support"})
	if err != nil {
		e.t.Fatal(err)
	}
	if desk.Name != "help.desk_2" || desk.Role != acct.RoleSupport || desk.CreatedBy != "alice" {
		e.t.Fatalf("created %+v", desk.APIKey)
	}
	if desk.Token == ci.Token || desk.Prefix == "" || !strings.HasPrefix(desk.Token, desk.Prefix) {
		e.t.Fatalf("second token %q (prefix %q), first %q", desk.Token, desk.Prefix, ci.Token)
	}
	e.create("audit", acct.RoleAuditor)

	// The JSON of a new key has its token; a list never has one.
	b, _ := json.Marshal(ci)
	if !strings.Contains(string(b), `"token":"`+ci.Token+`"`) {
		e.t.Errorf("created key JSON %s lacks its token", b)
	}
	keys := e.list()
	var names []string
	for _, k := range keys {
		names = append(names, k.Name+"/"+string(k.Role))
	}
	if strings.Join(names, " ") != "audit/auditor ci-deploy/admin help.desk_2/support" {
		e.t.Fatalf("listed %v, want name order", names)
	}
	if !equalKey(keys[1], want) {
		e.t.Fatalf("listed %+v\nwant %+v", keys[1], want)
	}
	b, _ = json.Marshal(keys)
	for _, bad := range []string{ci.Token, desk.Token, `"token"`, "hash"} {
		if strings.Contains(string(b), bad) {
			e.t.Fatalf("list JSON %s contains %q", b, bad)
		}
	}
	for _, key := range []string{`"name"`, `"role"`, `"prefix"`, `"created_at"`, `"created_by"`} {
		if !strings.Contains(string(b), key) {
			e.t.Errorf("list JSON %s lacks %s", b, key)
		}
	}
	if strings.Contains(string(b), `"last_used_at"`) || strings.Contains(string(b), `"revoked_at"`) {
		e.t.Errorf("list JSON %s has a last use or a revocation", b)
	}
}

func testKeyCreateInvalid(e *keyEnv) {
	for _, c := range []struct {
		in    acct.NewAPIKey
		field string
	}{
		{acct.NewAPIKey{Role: acct.RoleAdmin}, "name"},
		{acct.NewAPIKey{Name: "   ", Role: acct.RoleAdmin}, "name"},
		{acct.NewAPIKey{Name: "two words", Role: acct.RoleAdmin}, "name"},
		{acct.NewAPIKey{Name: "a/b", Role: acct.RoleAdmin}, "name"},
		{acct.NewAPIKey{Name: "café", Role: acct.RoleAdmin}, "name"},
		{acct.NewAPIKey{Name: "a\x00b", Role: acct.RoleAdmin}, "name"},
		{acct.NewAPIKey{Name: strings.Repeat("k", 65), Role: acct.RoleAdmin}, "name"},
		{acct.NewAPIKey{Name: "ci"}, "role"},
		{acct.NewAPIKey{Name: "ci", Role: "root"}, "role"},
	} {
		k, err := e.km.CreateAPIKey(e.ctx, c.in)
		if k != nil {
			e.t.Fatalf("created %+v from %+v", k, c.in)
		}
		e.wantCode(err, acct.CodeInvalid, c.field)
	}
	// The longest name and every allowed character.
	e.create(strings.Repeat("k", 64), acct.RoleAuditor)
	e.create("a.b_c-0123456789", acct.RoleAuditor)
	if n := len(e.list()); n != 2 {
		e.t.Fatalf("%d keys listed, want 2", n)
	}
}

func testKeyCreateConflict(e *keyEnv) {
	first := e.create("ci", acct.RoleAdmin)
	for _, name := range []string{"ci", " CI "} {
		k, err := e.km.CreateAPIKey(e.ctx, acct.NewAPIKey{Name: name, Role: acct.RoleSupport})
		if k != nil {
			e.t.Fatalf("created a second key %q: %+v", name, k)
		}
		e.wantCode(err, acct.CodeConflict, "name")
	}
	// A revoked key's name stays taken: the audit trail names one key.
	if _, err := e.km.RevokeAPIKey(e.ctx, "ci"); err != nil {
		e.t.Fatal(err)
	}
	_, err := e.km.CreateAPIKey(e.ctx, acct.NewAPIKey{Name: "ci", Role: acct.RoleAdmin})
	e.wantCode(err, acct.CodeConflict, "name")
	if keys := e.list(); len(keys) != 1 || keys[0].Prefix != first.Prefix || keys[0].Role != acct.RoleAdmin {
		e.t.Fatalf("after the conflicts: %+v", keys)
	}
}

func testKeyConcurrentCreate(e *keyEnv) {
	const racers = 8
	var wg sync.WaitGroup
	errs := make([]error, racers)
	for i := range racers {
		wg.Go(func() {
			_, errs[i] = e.km.CreateAPIKey(e.ctx, acct.NewAPIKey{Name: "race", Role: acct.RoleSupport})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !acct.IsCode(err, acct.CodeConflict):
			e.t.Errorf("racer: %v, want a conflict", err)
		}
	}
	if won != 1 || len(e.list()) != 1 {
		e.t.Fatalf("%d racers won, %d keys listed; want 1 and 1", won, len(e.list()))
	}
}

func testKeyRevoke(e *keyEnv) {
	ci := e.create("ci", acct.RoleAdmin)
	other := e.create("other", acct.RoleSupport)
	_, err := e.km.RevokeAPIKey(e.ctx, "nobody")
	e.wantCode(err, acct.CodeNotFound, "")
	_, err = e.km.RevokeAPIKey(e.ctx, "not a name")
	e.wantCode(err, acct.CodeInvalid, "name")

	e.clock.Advance(time.Hour)
	k, err := e.km.RevokeAPIKey(e.ctx, " CI")
	if err != nil {
		e.t.Fatal(err)
	}
	revokedAt := Start.Add(time.Hour)
	if k.Name != "ci" || k.RevokedAt == nil || !k.RevokedAt.Equal(revokedAt) || k.Prefix != ci.Prefix {
		e.t.Fatalf("revoked %+v", k)
	}
	if got := e.find("ci"); got.RevokedAt == nil || !got.RevokedAt.Equal(revokedAt) {
		e.t.Fatalf("listed after the revocation: %+v", got)
	}
	// Again: a conflict, and the first time stays.
	e.clock.Advance(time.Minute)
	_, err = e.km.RevokeAPIKey(e.ctx, "ci")
	e.wantCode(err, acct.CodeConflict, "")
	if got := e.find("ci"); !got.RevokedAt.Equal(revokedAt) {
		e.t.Fatalf("revoked again: %+v", got)
	}
	// The revoked token opens nothing; the other key still works.
	e.wantInvalidKey(ci.Token)
	if k, err := e.km.AuthenticateAPIKey(e.ctx, other.Token); err != nil || k.Name != "other" {
		e.t.Fatalf("the other key: %+v, %v", k, err)
	}
	if got := e.find("other"); got.RevokedAt != nil {
		e.t.Fatalf("the other key was revoked: %+v", got)
	}
}

func testKeyAuthenticate(e *keyEnv) {
	ci := e.create("ci", acct.RoleSupport)
	k, err := e.km.AuthenticateAPIKey(e.ctx, ci.Token)
	if err != nil {
		e.t.Fatal(err)
	}
	want := ci.APIKey
	want.LastUsedAt = &Start
	if !equalKey(*k, want) {
		e.t.Fatalf("authenticated %+v\nwant %+v", *k, want)
	}
	// Spaces around the token (a line read from a file) are no matter.
	if k, err := e.km.AuthenticateAPIKey(e.ctx, " "+ci.Token+"\n"); err != nil || k.Name != "ci" {
		e.t.Fatalf("token with spaces: %+v, %v", k, err)
	}
	// Malformed, unknown or of another kind: the same answer.
	last := ci.Token[len(ci.Token)-1:]
	other := "A"
	if last == "A" {
		other = "B"
	}
	body := ci.Token[len(acct.APIKeyPrefix):]
	for _, bad := range []string{
		"",
		"acctl_key_",
		ci.Token[:len(ci.Token)-1],
		ci.Token + "A",
		ci.Token[:len(ci.Token)-1] + other, // the right shape, unknown
		ci.Token[:len(ci.Token)-1] + "*",
		strings.ToUpper(ci.Token),
		"acctl_sess_" + body,
		"Bearer " + ci.Token,
		ci.Prefix,
		body,
	} {
		e.wantInvalidKey(bad)
	}
}

func testKeyLastUsed(e *keyEnv) {
	ci := e.create("ci", acct.RoleAdmin)
	if got := e.find("ci"); got.LastUsedAt != nil {
		e.t.Fatalf("a new key was used: %+v", got)
	}
	use := func() *acct.APIKey {
		e.t.Helper()
		k, err := e.km.AuthenticateAPIKey(e.ctx, ci.Token)
		if err != nil {
			e.t.Fatal(err)
		}
		return k
	}
	wantLastUsed := func(k *acct.APIKey, at time.Time) {
		e.t.Helper()
		if k.LastUsedAt == nil || !k.LastUsedAt.Equal(at) {
			e.t.Fatalf("last used %v, want %v", k.LastUsedAt, at)
		}
		listed := e.find("ci")
		if listed.LastUsedAt == nil || !listed.LastUsedAt.Equal(at) {
			e.t.Fatalf("listed last used %v, want %v", listed.LastUsedAt, at)
		}
	}
	e.clock.Advance(10 * time.Second)
	first := Start.Add(10 * time.Second)
	wantLastUsed(use(), first)
	// Within a minute of the recorded use, nothing is written.
	e.clock.Advance(30 * time.Second)
	wantLastUsed(use(), first)
	e.clock.Advance(30 * time.Second) // exactly a minute
	wantLastUsed(use(), first)
	// Past the minute, the use is recorded again.
	e.clock.Advance(time.Millisecond)
	second := first.Add(time.Minute + time.Millisecond)
	wantLastUsed(use(), second)
	e.clock.Advance(59 * time.Second)
	wantLastUsed(use(), second)
	e.clock.Advance(24 * time.Hour)
	wantLastUsed(use(), second.Add(24*time.Hour+59*time.Second))
}

func testKeyConcurrentUse(e *keyEnv) {
	ci := e.create("ci", acct.RoleAuditor)
	const racers = 10
	var wg sync.WaitGroup
	errs := make([]error, racers)
	for i := range racers {
		wg.Go(func() {
			_, errs[i] = e.km.AuthenticateAPIKey(e.ctx, ci.Token)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			e.t.Errorf("concurrent use: %v", err)
		}
	}
	if got := e.find("ci"); got.LastUsedAt == nil || !got.LastUsedAt.Equal(Start) {
		e.t.Fatalf("after concurrent uses: %+v", got)
	}
}

// eventLister is the part of acct.Service that the audit case needs.
type eventLister interface {
	ListEvents(ctx context.Context, q acct.EventQuery) ([]acct.Event, error)
}

func testKeyAudit(e *keyEnv) {
	el, ok := e.km.(eventLister)
	if !ok {
		e.t.Skip("the key manager does not list audit events")
	}
	ci := e.create("ci", acct.RoleAdmin)
	if _, err := e.km.CreateAPIKey(acct.WithActor(e.ctx, "bob"), acct.NewAPIKey{Name: "ci", Role: acct.RoleAuditor}); err == nil {
		e.t.Fatal("created a second key ci")
	}
	if _, err := e.km.AuthenticateAPIKey(e.ctx, ci.Token); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.km.RevokeAPIKey(e.ctx, "ci"); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.km.RevokeAPIKey(e.ctx, "ci"); err == nil {
		e.t.Fatal("revoked ci twice")
	}
	evs, err := el.ListEvents(e.ctx, acct.EventQuery{Action: "apikey.", Limit: acct.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	var got []string
	for _, ev := range evs {
		got = append(got, ev.Actor+" "+ev.Action+" "+string(ev.Outcome))
		if strings.Contains(ev.Detail, ci.Token) || strings.Contains(ev.Detail, ci.Token[len(acct.APIKeyPrefix):]) || ev.UserID != nil {
			e.t.Errorf("event %+v", ev)
		}
	}
	want := []string{
		"tester apikey.revoke failure",
		"tester apikey.revoke ok",
		"bob apikey.create failure",
		"tester apikey.create ok",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		e.t.Fatalf("audit trail:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if evs[3].Detail != "key ci, role admin" || evs[1].Detail != "key ci, role admin" {
		e.t.Errorf("details %q, %q", evs[3].Detail, evs[1].Detail)
	}
	// A use is not an audited change.
	all, err := el.ListEvents(e.ctx, acct.EventQuery{Limit: acct.MaxPageSize})
	if err != nil || len(all) != len(evs) {
		e.t.Fatalf("%d events in all, %d of API keys: %v", len(all), len(evs), err)
	}
}

// equalKey compares API keys, times by Equal.
func equalKey(a, b acct.APIKey) bool {
	if !a.CreatedAt.Equal(b.CreatedAt) || !equalTimes(a.LastUsedAt, b.LastUsedAt) || !equalTimes(a.RevokedAt, b.RevokedAt) {
		return false
	}
	a.CreatedAt, b.CreatedAt = time.Time{}, time.Time{}
	a.LastUsedAt, b.LastUsedAt, a.RevokedAt, b.RevokedAt = nil, nil, nil, nil
	return a == b
}
