package serve_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/authapi"
	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmd/serve"
	"github.com/acctl/acctl/internal/remote"
)

// BenchmarkSessionValidation measures how fast `acctl serve` validates a
// session, on loopback, for 1 to 64 concurrent clients, on a SQLite
// store: an app's GET /auth/session with the session cookie, and the
// admin API's ValidateSession through remote.Client (what `acctl session
// get` does against a server), with an admin API key. The server runs in
// the benchmark's process (serve.Run, real clock, its request log
// formatted and discarded); each client is a goroutine that sends its
// next request when the answer to the last one is read, over kept-alive
// connections. It reports requests per second; B/op and allocs/op count
// both ends, client and server. docs/benchmarks.md has the figures.
//
//	go test ./internal/cmd/serve -run '^$' -bench SessionValidation -benchtime 3s
func BenchmarkSessionValidation(b *testing.B) {
	e := cmdtest.New(b)
	e.Register("--email", "alice@example.com", "--first-name", "Alice")
	key := strings.TrimSpace(e.MustRun("apikey", "create", "bench", "--role", "admin"))
	base := benchServer(b, e)

	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}
	b.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}

	// Log in as an app's user would: the session cookie and the CSRF
	// cookie, which a browser sends back with every request.
	resp, err := hc.Post(base+"/auth/login", "application/x-www-form-urlencoded",
		strings.NewReader("username=alice%40example.com&password="+url.QueryEscape(cmdtest.Password)))
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	cookies := resp.Cookies()
	var token string
	for _, c := range cookies {
		if c.Name == authapi.DefaultCookieName {
			token = c.Value
		}
	}
	if resp.StatusCode != http.StatusOK || token == "" {
		b.Fatalf("login: %s, cookies %v", resp.Status, cookies)
	}

	client, err := remote.New(base, key, remote.Options{Transport: tr})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()

	authSession := func() error {
		req, err := http.NewRequest(http.MethodGet, base+"/auth/session", nil)
		if err != nil {
			return err
		}
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET /auth/session: %s", resp.Status)
		}
		return nil
	}
	adminValidate := func() error {
		info, err := client.ValidateSession(ctx, token)
		if err == nil && info.User.Email != "alice@example.com" {
			err = fmt.Errorf("ValidateSession: %+v", info.User)
		}
		return err
	}

	for _, c := range []struct {
		name string
		call func() error
	}{{"auth_session", authSession}, {"admin_ValidateSession", adminValidate}} {
		for _, clients := range []int{1, 4, 16, 64} {
			b.Run(fmt.Sprintf("%s/clients=%d", c.name, clients), func(b *testing.B) {
				concurrently(b, clients, c.call)
			})
		}
	}
}

// concurrently makes b.N calls from n goroutines, each making its next
// call when its last one returned, and reports the calls per second.
func concurrently(b *testing.B, n int, call func() error) {
	b.ReportAllocs()
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	b.ResetTimer()
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) && !failed.Load() {
				if err := call(); err != nil {
					failed.Store(true)
					b.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// benchServer runs `acctl serve` on e's store, on 127.0.0.1:0 with the
// real clock and its log discarded, until the benchmark ends; it returns
// the server's base URL.
func benchServer(b *testing.B, e *cmdtest.Env) string {
	b.Helper()
	f, _, _ := e.Factory(cmdtest.Run{})
	f.Now = nil
	f.IO.ErrOut = io.Discard
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	errc := make(chan error, 1)
	opts := &serve.Options{Factory: f, Listen: "127.0.0.1:0", LogFormat: "text", ShutdownTimeout: 10 * time.Second,
		Ready: func(a net.Addr) { ready <- a }}
	go func() { errc <- serve.Run(ctx, opts) }()
	var addr net.Addr
	select {
	case addr = <-ready:
	case err := <-errc:
		cancel()
		b.Fatalf("acctl serve: %v", err)
	}
	b.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			b.Error(err)
		}
		f.Close()
	})
	return "http://" + addr.String()
}
