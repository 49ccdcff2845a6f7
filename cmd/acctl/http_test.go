package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/acctl/acctl/internal/authapi"
)

// The commands of the stories that speak HTTP to an `acctl serve` they
// start themselves (exec acctl serve --listen 127.0.0.1:$PORT &srv&), as
// an app's browser or back end would.

// httpCmds are the commands of this file, for runScripts.
var httpCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"freeport": cmdFreePort,
	"http":     cmdHTTP,
}

// cmdFreePort sets NAME to a free TCP port of 127.0.0.1.
//
//	freeport NAME
func cmdFreePort(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: freeport NAME")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	port := l.Addr().(*net.TCPAddr).Port
	ts.Check(l.Close())
	ts.Setenv(args[0], fmt.Sprint(port))
}

// jars are the cookie jars of the scripts' clients, by the script's WORK
// folder and the client's name.
var jars sync.Map

// waitLimit bounds how long a command waits for a server to listen or a
// file to hold a line: it waits for an event, never for a time.
const waitLimit = 20 * time.Second

// cmdHTTP sends a request to the server on $PORT of 127.0.0.1 and prints
// the status code on the first line of stdout, then the body. A body that
// starts with "{" is sent as JSON, any other as a form
// (a=1&b=2). Each client (-as NAME; "" by default) keeps its cookies, and
// sends the CSRF cookie's value as X-CSRF-Token, as an app does. The
// command fails when the status is not WANT (-want WANT, default 200).
// The first request waits until the server listens.
//
//	http [-as NAME] [-want STATUS] METHOD PATH [BODY]
func cmdHTTP(ts *testscript.TestScript, neg bool, args []string) {
	client, want := "", "200"
	for len(args) > 1 && strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "-as":
			client = args[1]
		case "-want":
			want = args[1]
		default:
			ts.Fatalf("http: unknown flag %s", args[0])
		}
		args = args[2:]
	}
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: http [-as NAME] [-want STATUS] METHOD PATH [BODY]")
	}
	base := "http://127.0.0.1:" + ts.Getenv("PORT")
	key := ts.Getenv("WORK") + "\x00" + client
	v, _ := jars.LoadOrStore(key, newJar(ts))
	jar := v.(*cookiejar.Jar)
	var body io.Reader
	ctype := ""
	if len(args) == 3 {
		body = strings.NewReader(args[2])
		ctype = "application/x-www-form-urlencoded"
		if strings.HasPrefix(args[2], "{") {
			ctype = "application/json"
		}
	}
	req, err := http.NewRequest(args[0], base+args[1], body)
	ts.Check(err)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	u, _ := url.Parse(base)
	for _, c := range jar.Cookies(u) {
		if c.Name == "acctl_csrf" {
			req.Header.Set(authapi.CSRFHeader, c.Value)
		}
	}
	waitListening(ts, u.Host)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	ts.Check(err)
	fmt.Fprintf(ts.Stdout(), "%d\n%s\n", resp.StatusCode, bytes.TrimSpace(b))
	if fmt.Sprint(resp.StatusCode) != want {
		ts.Fatalf("http %s %s: status %d, want %s: %s", args[0], args[1], resp.StatusCode, want, b)
	}
}

func newJar(ts *testscript.TestScript) *cookiejar.Jar {
	j, err := cookiejar.New(nil)
	ts.Check(err)
	return j
}

// waitListening waits until something listens on addr.
func waitListening(ts *testscript.TestScript, addr string) {
	deadline := time.Now().Add(waitLimit)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("nothing listens on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond) // a poll for an event, not a wait for a time
	}
}

// withHTTP adds httpCmds to cmds.
func withHTTP(cmds map[string]func(ts *testscript.TestScript, neg bool, args []string)) map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	for k, v := range httpCmds {
		cmds[k] = v
	}
	return cmds
}
