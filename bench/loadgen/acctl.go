package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// acctl builds the requests of acctl serve's auth API.
type acctl struct {
	c  *config
	hc *http.Client

	mu      sync.Mutex
	cookies [][]*http.Cookie // session mode: each session's cookies
}

func (a *acctl) loginRequest(ctx context.Context, name, password string) *http.Request {
	form := url.Values{"username": {name}, "password": {password}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, a.c.base+"/auth/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// logIn logs n sessions in and keeps their cookies (the session cookie
// and the CSRF cookie, as a browser sends them back).
func (a *acctl) logIn(n int) error {
	a.cookies = make([][]*http.Cookie, n)
	return loginAll(n, func(i int) error {
		resp, err := a.hc.Do(a.loginRequest(context.Background(), a.c.account(i), a.c.password))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return statusError("POST /auth/login as "+a.c.account(i), resp)
		}
		io.Copy(io.Discard, resp.Body)
		if len(resp.Cookies()) == 0 {
			return fmt.Errorf("POST /auth/login as %s: no session cookie", a.c.account(i))
		}
		a.mu.Lock()
		a.cookies[i] = resp.Cookies()
		a.mu.Unlock()
		return nil
	})
}

func (a *acctl) request(ctx context.Context, n, i int) (*http.Request, int) {
	switch {
	case a.c.mode == "session":
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.c.base+"/auth/session", nil)
		for _, ck := range a.cookies[a.c.session(n, i)] {
			req.AddCookie(ck)
		}
		return req, http.StatusOK
	case a.c.accounts == 0:
		return a.loginRequest(ctx, fmt.Sprintf("nobody-%d-%d@example.com", n, i),
			"not the password of anyone at all"), http.StatusUnauthorized
	default:
		return a.loginRequest(ctx, a.c.account(n+i*a.c.clients), a.c.password), http.StatusOK
	}
}
