package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The tests run loadgen's modes against fakes of the two servers that
// answer only the requests each server's API documents, so that a
// request of the wrong shape shows as an unexpected answer.

const testPassword = "Correct-horse-42!x"

// fakeAcctl answers POST /auth/login for user0000001…user0000004 with a
// session cookie and a CSRF cookie, and GET /auth/session with 200 only
// when both cookies of a session come back.
func fakeAcctl(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /auth/login", func(w http.ResponseWriter, r *http.Request) {
		name := r.PostFormValue("username")
		if !strings.HasPrefix(name, "user000000") || r.PostFormValue("password") != testPassword {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "acctl_session", Value: "tok-" + name})
		http.SetCookie(w, &http.Cookie{Name: "acctl_csrf", Value: "csrf-" + name})
		w.Write([]byte(`{"success":true}`))
	})
	mux.HandleFunc("GET /auth/session", func(w http.ResponseWriter, r *http.Request) {
		s, err1 := r.Cookie("acctl_session")
		c, err2 := r.Cookie("acctl_csrf")
		if err1 != nil || err2 != nil || "csrf-"+strings.TrimPrefix(s.Value, "tok-") != c.Value {
			http.Error(w, "not logged in", http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{"success":true}`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func testConfig(base, target, mode string) *config {
	c := &config{target: target, mode: mode, base: base, clients: 2, duration: 50 * time.Millisecond,
		honor: true, accounts: 4, identity: "user%07d@example.com", password: testPassword, collection: "users",
		suEmail: "su@example.com", suPassword: "su-password", n: 7, first: 1, batch: 3}
	return c
}

func TestAcctlModes(t *testing.T) {
	srv := fakeAcctl(t)
	for _, mode := range []string{"login", "session"} {
		c := testConfig(srv.URL, "acctl", mode)
		if err := c.check(); err != nil {
			t.Fatal(err)
		}
		r, err := run(c)
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if r.Checked == 0 || r.Other != 0 {
			t.Errorf("%s: %d checked, %d other (%s)", mode, r.Checked, r.Other, r.FirstErr)
		}
	}
	// Unknown names: each login is answered 401, which is what is counted.
	c := testConfig(srv.URL, "acctl", "login")
	c.accounts = 0
	if r, err := run(c); err != nil || r.Checked == 0 || r.Other != 0 {
		t.Errorf("unknown names: %+v, %v", r, err)
	}
}

// fakePocketBase answers the PocketBase requests loadgen sends, checking
// their shape, and counts the users created.
type fakePocketBase struct {
	t        *testing.T
	mu       sync.Mutex
	settings map[string]any
	cost     any
	created  atomic.Int64
	batches  atomic.Int64
}

func (f *fakePocketBase) server() *httptest.Server {
	mux := http.NewServeMux()
	token := func(w http.ResponseWriter, r *http.Request, su bool) {
		var body struct{ Identity, Password string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil ||
			(su && (body.Identity != "su@example.com" || body.Password != "su-password")) ||
			(!su && body.Password != testPassword) {
			http.Error(w, `{"message":"Failed to authenticate."}`, http.StatusBadRequest)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"token": "jwt-" + body.Identity})
	}
	mux.HandleFunc("POST /api/collections/_superusers/auth-with-password", func(w http.ResponseWriter, r *http.Request) { token(w, r, true) })
	mux.HandleFunc("POST /api/collections/users/auth-with-password", func(w http.ResponseWriter, r *http.Request) { token(w, r, false) })
	mux.HandleFunc("POST /api/collections/users/auth-refresh", func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "jwt-user") {
			http.Error(w, "", http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{"token":"jwt-new"}`))
	})
	superuser := func(w http.ResponseWriter, r *http.Request) bool {
		if r.Header.Get("Authorization") != "jwt-su@example.com" {
			http.Error(w, "", http.StatusForbidden)
			return false
		}
		return true
	}
	mux.HandleFunc("PATCH /api/settings", func(w http.ResponseWriter, r *http.Request) {
		if superuser(w, r) {
			f.mu.Lock()
			defer f.mu.Unlock()
			json.NewDecoder(r.Body).Decode(&f.settings)
		}
	})
	mux.HandleFunc("GET /api/collections/users", func(w http.ResponseWriter, r *http.Request) {
		if superuser(w, r) {
			w.Write([]byte(`{"name":"users","fields":[{"name":"email","type":"email"},{"name":"password","type":"password","cost":0}]}`))
		}
	})
	mux.HandleFunc("PATCH /api/collections/users", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Fields []map[string]any }
		if !superuser(w, r) || json.NewDecoder(r.Body).Decode(&body) != nil || len(body.Fields) != 2 {
			http.Error(w, "", http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		f.cost = body.Fields[1]["cost"]
	})
	create := func(body map[string]any) bool {
		ok := strings.HasPrefix(body["email"].(string), "user") && body["password"] == testPassword && body["passwordConfirm"] == testPassword
		if ok {
			f.created.Add(1)
		}
		return ok
	}
	mux.HandleFunc("POST /api/collections/users/records", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if !superuser(w, r) || json.NewDecoder(r.Body).Decode(&body) != nil || !create(body) {
			http.Error(w, "", http.StatusBadRequest)
		}
	})
	mux.HandleFunc("POST /api/batch", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Requests []struct {
				Method, URL string
				Body        map[string]any
			}
		}
		if !superuser(w, r) || json.NewDecoder(r.Body).Decode(&body) != nil || len(body.Requests) > 3 {
			http.Error(w, "", http.StatusBadRequest)
			return
		}
		f.batches.Add(1)
		for _, q := range body.Requests {
			if q.Method != http.MethodPost || q.URL != "/api/collections/users/records" || !create(q.Body) {
				http.Error(w, "", http.StatusBadRequest)
				return
			}
		}
	})
	srv := httptest.NewServer(mux)
	f.t.Cleanup(srv.Close)
	return srv
}

func TestPocketBaseModes(t *testing.T) {
	f := &fakePocketBase{t: t}
	srv := f.server()
	for _, mode := range []string{"login", "session"} {
		c := testConfig(srv.URL, "pocketbase", mode)
		if err := c.check(); err != nil {
			t.Fatal(err)
		}
		r, err := run(c)
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if r.Checked == 0 || r.Other != 0 {
			t.Errorf("%s: %d checked, %d other (%s)", mode, r.Checked, r.Other, r.FirstErr)
		}
	}

	c := testConfig(srv.URL, "pocketbase", "setup")
	c.batch, c.cost = 500, 4
	if err := pbSetup(c); err != nil {
		t.Fatal(err)
	}
	batch, _ := f.settings["batch"].(map[string]any)
	if batch["enabled"] != true || batch["maxRequests"] != float64(500) || f.cost != float64(4) {
		t.Errorf("setup: settings %v, cost %v", f.settings, f.cost)
	}

	// 7 users, 3 a batch: 3 batches; then 5 users one a request.
	r, err := pbCreate(testConfig(srv.URL, "pocketbase", "create"))
	if err != nil || r.Created != 7 || f.created.Load() != 7 || f.batches.Load() != 3 {
		t.Errorf("create: %+v, %v; the server created %d in %d batches", r, err, f.created.Load(), f.batches.Load())
	}
	c = testConfig(srv.URL, "pocketbase", "create")
	c.n, c.first, c.batch = 5, 8, 1
	if r, err := pbCreate(c); err != nil || r.Created != 5 || f.created.Load() != 12 || f.batches.Load() != 3 {
		t.Errorf("create one a request: %+v, %v; the server created %d", r, err, f.created.Load())
	}
}

func TestCheck(t *testing.T) {
	for _, c := range []*config{
		{target: "pocketbase", mode: "login", clients: 1},             // PocketBase checks no hash for unknown names
		{target: "acctl", mode: "session", clients: 1},                // nothing to log in as
		{target: "acctl", mode: "create", clients: 1, n: 1, batch: 1}, // acctl creates users with user import
		{target: "other", mode: "login", clients: 1},
	} {
		if err := c.check(); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}
