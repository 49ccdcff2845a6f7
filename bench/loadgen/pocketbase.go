package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// pocketbase builds the requests of PocketBase's records API.
type pocketbase struct {
	c  *config
	hc *http.Client

	mu     sync.Mutex
	tokens []string // session mode: each session's token
}

func (p *pocketbase) authPath() string {
	return p.c.base + "/api/collections/" + p.c.collection
}

func jsonRequest(ctx context.Context, method, url string, body any) *http.Request {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	return req
}

func (p *pocketbase) loginRequest(ctx context.Context, identity string) *http.Request {
	return jsonRequest(ctx, http.MethodPost, p.authPath()+"/auth-with-password",
		map[string]string{"identity": identity, "password": p.c.password})
}

// logIn logs n sessions in: auth-with-password, keeping each token.
func (p *pocketbase) logIn(n int) error {
	p.tokens = make([]string, n)
	return loginAll(n, func(i int) error {
		tok, err := authToken(p.hc, p.loginRequest(context.Background(), p.c.account(i)))
		if err != nil {
			return err
		}
		p.mu.Lock()
		p.tokens[i] = tok
		p.mu.Unlock()
		return nil
	})
}

// authToken sends an auth-with-password request and returns the token.
func authToken(hc *http.Client, req *http.Request) (string, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", statusError(req.Method+" "+req.URL.Path, resp)
	}
	var ans struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil || ans.Token == "" {
		return "", fmt.Errorf("%s: no token in the answer (%v)", req.URL.Path, err)
	}
	return ans.Token, nil
}

func (p *pocketbase) request(ctx context.Context, n, i int) (*http.Request, int) {
	if p.c.mode == "session" {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.authPath()+"/auth-refresh", nil)
		req.Header.Set("Authorization", p.tokens[p.c.session(n, i)])
		return req, http.StatusOK
	}
	return p.loginRequest(ctx, p.c.account(n+i*p.c.clients)), http.StatusOK
}

// superuser returns the token of the superuser of -superuser-email.
func superuser(c *config, hc *http.Client) (string, error) {
	return authToken(hc, jsonRequest(context.Background(), http.MethodPost,
		c.base+"/api/collections/_superusers/auth-with-password",
		map[string]string{"identity": c.suEmail, "password": c.suPassword}))
}

// send sends req with token and checks the answer is 200.
func send(hc *http.Client, req *http.Request, token string, into any) error {
	req.Header.Set("Authorization", token)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return statusError(req.Method+" "+req.URL.Path, resp)
	}
	if into != nil {
		return json.NewDecoder(resp.Body).Decode(into)
	}
	return nil
}

// pbSetup enables the batch API (-batch requests at most, a minute per
// batch) and sets the bcrypt cost of the collection's password field if
// -cost says so, as a superuser.
func pbSetup(c *config) error {
	hc := newClient(1)
	tok, err := superuser(c, hc)
	if err != nil {
		return err
	}
	ctx := context.Background()
	settings := map[string]any{"batch": map[string]any{"enabled": true, "maxRequests": c.batch, "timeout": 60}}
	if err := send(hc, jsonRequest(ctx, http.MethodPatch, c.base+"/api/settings", settings), tok, nil); err != nil {
		return err
	}
	if c.cost == 0 {
		return nil
	}
	// The fields are sent back whole, with the password field's cost
	// changed: PATCH replaces the list.
	var coll struct {
		Fields []map[string]any `json:"fields"`
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/api/collections/"+c.collection, nil)
	if err := send(hc, req, tok, &coll); err != nil {
		return err
	}
	found := false
	for _, f := range coll.Fields {
		if f["type"] == "password" {
			f["cost"] = c.cost
			found = true
		}
	}
	if !found {
		return fmt.Errorf("collection %s has no password field", c.collection)
	}
	return send(hc, jsonRequest(ctx, http.MethodPatch, c.base+"/api/collections/"+c.collection,
		map[string]any{"fields": coll.Fields}), tok, nil)
}

// pbCreate creates -n users numbered from -first through the batch API:
// -batch creations a request, -clients requests at once. With -batch 1 it
// posts each record on its own (POST /api/collections/users/records): a
// batch runs in one transaction, on PocketBase's one write connection,
// so the bcrypt hashes of its records are computed one after the other,
// where separate requests hash on every core and only write one by one.
func pbCreate(c *config) (*Report, error) {
	hc := newClient(c.clients)
	tok, err := superuser(c, hc)
	if err != nil {
		return nil, err
	}
	type op struct {
		Method string         `json:"method"`
		URL    string         `json:"url"`
		Body   map[string]any `json:"body"`
	}
	var next, created atomic.Int64
	var firstErr atomic.Value
	cpu0 := procCPU(c.serverPID)
	start := time.Now()
	var wg sync.WaitGroup
	for range c.clients {
		wg.Go(func() {
			for {
				from := int(next.Add(int64(c.batch))) - c.batch
				if from >= c.n || firstErr.Load() != nil {
					return
				}
				ops := make([]op, 0, c.batch)
				for k := from; k < min(from+c.batch, c.n); k++ {
					num := c.first + k
					ops = append(ops, op{Method: http.MethodPost, URL: "/api/collections/" + c.collection + "/records",
						Body: map[string]any{"email": fmt.Sprintf(c.identity, num), "name": fmt.Sprintf("First%d Last%d", num%9973, num%7919),
							"password": c.password, "passwordConfirm": c.password}})
				}
				req := jsonRequest(context.Background(), http.MethodPost, c.base+"/api/batch", map[string]any{"requests": ops})
				if c.batch == 1 { // one record a request: no batch transaction
					req = jsonRequest(context.Background(), http.MethodPost, c.base+ops[0].URL, ops[0].Body)
				}
				if err := send(hc, req, tok, nil); err != nil {
					firstErr.CompareAndSwap(nil, err.Error())
					return
				}
				created.Add(int64(len(ops)))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu1 := procCPU(c.serverPID)
	r := &Report{Target: c.target, Mode: c.mode, Clients: c.clients, Seconds: elapsed.Seconds(),
		Created: int(created.Load()), CreatedS: float64(created.Load()) / elapsed.Seconds()}
	if c.serverPID != 0 && r.Created > 0 {
		r.ServerCPUms = float64((cpu1 - cpu0).Microseconds()) / 1000 / float64(r.Created)
	}
	if e := firstErr.Load(); e != nil {
		return r, fmt.Errorf("created %d of %d: %s", r.Created, c.n, e)
	}
	return r, nil
}
