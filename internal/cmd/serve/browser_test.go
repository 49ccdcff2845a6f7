package serve_test

// The pages in a real browser. The driver is github.com/chromedp/chromedp
// (MIT): it speaks the Chrome DevTools Protocol to the Chromium that
// Debian packages, in pure Go, with no WebDriver server or Node.js to
// install beside it; it is maintained (v0.24.0 of November 2026, releases
// following Chromium's protocol). Playwright for Go would download its
// own browsers and a Node.js driver at run time; selenium's Go clients
// need chromedriver and are less kept.

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"
)

// browserNames are the programs tried, in order: Debian's chromium, then
// the other names Chromium and Chrome go by.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"}

// findBrowser returns the path of a Chromium or Chrome, or skips the
// test saying how to get one.
func findBrowser(t *testing.T) string {
	t.Helper()
	for _, name := range browserNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skipf("no browser found (tried %s on PATH): the pages' browser test needs Chromium; on Debian: apt-get install chromium",
		strings.Join(browserNames, ", "))
	return ""
}

// TestBrowserReset drives headless Chromium through the whole story of
// a lost password: the forgot page, the link read from the outbox, the
// reset form with a weak password (refused on the page), then a good
// one, then a login with the new password through the auth API. No
// page may break its Content-Security-Policy (the console would say so).
func TestBrowserReset(t *testing.T) {
	browser := findBrowser(t)
	e := pagesEnv(t)
	e.Register("--email", "alice@example.com")
	s := start(t, e)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser),
		chromedp.UserDataDir(t.TempDir()), chromedp.Flag("lang", "en-US"))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox (CI runs as root)
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	var mu sync.Mutex
	var console []string
	// The tab's Log domain is on (chromedp enables it): CSP violations
	// are reported there.
	listen := func(ev any) {
		if e, ok := ev.(*cdplog.EventEntryAdded); ok {
			mu.Lock()
			console = append(console, string(e.Entry.Level)+": "+e.Entry.Text)
			mu.Unlock()
		}
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("the text of %s: %v", sel, err)
		}
		return s
	}
	do("start the browser")
	if err := chromedp.Listen(ctx, listen); err != nil {
		t.Fatal(err)
	}

	// Forgot password: the form asks for the address.
	do("the forgot page",
		chromedp.Navigate(s.url+"/auth/pages/forgot"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "alice@example.com"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitNotPresent(chromedp.CSS("#email")))
	if h1 := text("h1"); h1 != "Check your email" {
		t.Fatalf("after the forgot form: %q", h1)
	}

	// The link from the outbox, at the test server's address.
	link := lastResetLink(t, e)
	do("the link", chromedp.Navigate(s.url+link), chromedp.WaitVisible(chromedp.CSS("#password")))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if h1 := text("h1"); loc != s.url+"/auth/pages/reset" || h1 != "Choose a new password" {
		t.Fatalf("the link led to %s (%q), want the form at %s/auth/pages/reset, the token gone from the address", loc, h1, s.url)
	}

	// A weak password: refused, on the form.
	do("a weak password",
		chromedp.SendKeys(chromedp.CSS("#password"), "weak"),
		chromedp.SendKeys(chromedp.CSS("#confirmation"), "weak"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#form-error")))
	if h1, alert := text("h1"), text("#form-error"); h1 != "Choose a new password" ||
		!strings.Contains(alert, "This password cannot be used") || !strings.Contains(alert, "too short") {
		t.Fatalf("after a weak password: %q, %q", h1, alert)
	}

	// A good one.
	newPW := "seven tired otters nap on driftwood"
	do("a good password",
		chromedp.SendKeys(chromedp.CSS("#password"), newPW),
		chromedp.SendKeys(chromedp.CSS("#confirmation"), newPW),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitNotPresent(chromedp.CSS("#password")))
	if h1 := text("h1"); h1 != "Your password is set" {
		t.Fatalf("after a good password: %q", h1)
	}

	// The link is used: opened again, it says so at once, with no form.
	do("the link again",
		chromedp.Navigate(s.url+link),
		chromedp.WaitVisible(chromedp.CSS("h1")))
	if h1 := text("h1"); h1 != "This link was used already" {
		t.Fatalf("the used link: %q", h1)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("form").length`)); err != nil || n != 0 {
		t.Fatalf("the used link's page has %d forms (%v), want none", n, err)
	}

	resp, body := s.do(http.MethodPost, "/auth/login", "username=alice%40example.com&password="+url.QueryEscape(newPW), form)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login with the new password: %d %s", resp.StatusCode, body)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, line := range console {
		if strings.Contains(line, "Content Security Policy") || strings.Contains(line, "Refused to") {
			t.Errorf("the browser console: %s", line)
		}
	}
}
