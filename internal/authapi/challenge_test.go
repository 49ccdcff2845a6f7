package authapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"

	"github.com/xdg-go/scram"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
)

// postJSON posts v as JSON to url with client and decodes the answer
// into out; it returns the status.
func postJSON(t *testing.T, client *http.Client, url string, v, out any) int {
	t.Helper()
	b, _ := json.Marshal(v)
	resp, err := client.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return resp.StatusCode
}

// scramHTTP runs one exchange over HTTP with github.com/xdg-go/scram's
// client and returns the final status, the answer as a map, and the
// client's conversation (Valid once it accepted the server signature).
func scramHTTP(t *testing.T, client *http.Client, base, name, pw string) (int, map[string]any, *scram.ClientConversation) {
	t.Helper()
	c, err := scram.SHA256.NewClient(name, pw, "")
	if err != nil {
		t.Fatal(err)
	}
	conv := c.NewConversation()
	first, err := conv.Step("")
	if err != nil {
		t.Fatal(err)
	}
	var ch ChallengeAnswer
	if st := postJSON(t, client, base+"/auth/challenge", map[string]string{"client_first": first}, &ch); st != http.StatusOK || ch.ChallengeID == "" {
		t.Fatalf("challenge: %d %+v", st, ch)
	}
	final, err := conv.Step(ch.ServerFirst)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	st := postJSON(t, client, base+"/auth/challenge/login", map[string]any{"challenge_id": ch.ChallengeID, "client_final": final, "keep": true}, &out)
	if sf, ok := out["server_final"].(string); ok {
		if _, err := conv.Step(sf); err != nil {
			t.Fatalf("the client refuses the server signature: %v", err)
		}
	}
	return st, out, conv
}

// TestChallengeLoginOverHTTP: a standard SCRAM client library logs in
// through the auth API: it accepts the server's signature, and the
// session cookie it gets opens /auth/session.
func TestChallengeLoginOverHTTP(t *testing.T) {
	e := newEnv(t, nil)
	u := e.register("alice@example.com", "Alice")
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	st, out, conv := scramHTTP(t, client, srv.URL, "alice@example.com", password)
	if st != http.StatusOK || out["success"] != true || out["user_id"] != float64(u.ID) || !conv.Valid() {
		t.Fatalf("challenge login: %d %v (server signature accepted: %v)", st, out, conv.Valid())
	}
	resp, err := client.Get(srv.URL + "/auth/session")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /auth/session with the cookie: %d", resp.StatusCode)
	}
}

// TestChallengeFailuresLookAlike: an unknown name, an account without a
// verifier and a wrong password all get /auth/login's one failure
// answer, byte for byte; a used challenge is 401 challenge_expired.
func TestChallengeFailuresLookAlike(t *testing.T) {
	e := newEnv(t, nil)
	e.register("alice@example.com", "Alice")
	hash, err := acct.HashPassword(password, accttest.FastArgon2, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.ImportUsers(context.Background(), acct.ImportBatch{Rows: []acct.ImportRow{
		{Line: 1, Email: new("bare@example.com"), PasswordHash: hash}}})
	if err != nil || res.Created != 1 {
		t.Fatalf("import: %+v, %v", res, err)
	}
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	bad := e.do(post("/auth/login", "username", "alice@example.com", "password", "wrong "+password))
	wantStatus(t, bad, http.StatusUnauthorized)
	want := bad.Body.String()
	for _, c := range []struct{ name, pw string }{
		{"alice@example.com", "wrong " + password}, {"nobody@example.com", password}, {"bare@example.com", password},
	} {
		st, out, conv := scramHTTP(t, srv.Client(), srv.URL, c.name, c.pw)
		got, _ := json.Marshal(out)
		var w map[string]any
		json.Unmarshal([]byte(want), &w)
		wantJSON, _ := json.Marshal(w)
		if st != http.StatusUnauthorized || !bytes.Equal(got, wantJSON) || conv.Valid() {
			t.Errorf("%s: %d %s; want 401 %s", c.name, st, got, wantJSON)
		}
	}
	// A used challenge.
	c, _ := scram.SHA256.NewClient("alice@example.com", password, "")
	conv := c.NewConversation()
	first, _ := conv.Step("")
	var ch ChallengeAnswer
	postJSON(t, srv.Client(), srv.URL+"/auth/challenge", map[string]string{"client_first": first}, &ch)
	final, _ := conv.Step(ch.ServerFirst)
	var out Answer
	for i, want := range []int{http.StatusOK, http.StatusUnauthorized} {
		st := postJSON(t, srv.Client(), srv.URL+"/auth/challenge/login", map[string]string{"challenge_id": ch.ChallengeID, "client_final": final}, &out)
		if st != want || (i == 1 && out.Reason != acct.ReasonChallengeExpired) {
			t.Fatalf("finish %d: %d %+v; want %d", i+1, st, out, want)
		}
	}
	// A malformed message is 400 naming the field.
	w := e.do(req{method: http.MethodPost, path: "/auth/challenge", json: `{"client_first":"p=tls-server-end-point,,n=alice,r=x"}`})
	wantStatus(t, w, http.StatusBadRequest)
	if a := decode[Answer](t, w); a.Errors["client_first"] == "" {
		t.Fatalf("malformed client first: %+v", a)
	}
}
