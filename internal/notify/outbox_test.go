package notify

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// readOutbox returns the lines of an outbox file, each decoded strictly.
func readOutbox(t *testing.T, path string) []outboxLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []outboxLine
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l outboxLine
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("line %d: %v: %q", len(lines)+1, err, sc.Text())
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

func TestOutboxOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	n, err := New(Config{Outbox: path, Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := n.Send(ctx, Message{Channel: Email, To: "ana@example.org", Subject: "Reset", Body: "https://x/?a=1&b=<2>"}); err != nil {
		t.Fatal(err)
	}
	if err := n.Send(ctx, Message{Channel: SMS, To: "+14155550123", Body: "code 1234"}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"channel":"email","to":"ana@example.org","subject":"Reset","body":"https://x/?a=1&b=<2>","sent_at":"2026-03-04T05:06:07Z"}
{"channel":"sms","to":"+14155550123","subject":"","body":"code 1234","sent_at":"2026-03-04T05:06:07Z"}
`
	if string(raw) != want {
		t.Errorf("outbox:\n%s\nwant:\n%s", raw, want)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestOutboxConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	// Several Notifiers, as several processes would have.
	const writers, each = 8, 50
	body := strings.Repeat("long body line\n", 300) // several KB per line
	var wg sync.WaitGroup
	for w := range writers {
		n, err := New(Config{Outbox: path})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				to := fmt.Sprintf("u%d-%d@example.org", w, i)
				if err := n.Send(context.Background(), Message{Channel: Email, To: to, Subject: "s", Body: body}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	lines := readOutbox(t, path)
	if len(lines) != writers*each {
		t.Fatalf("%d lines, want %d", len(lines), writers*each)
	}
	seen := map[string]bool{}
	for _, l := range lines {
		if l.Body != body || seen[l.To] {
			t.Fatalf("bad or repeated line for %s", l.To)
		}
		seen[l.To] = true
	}
}

func TestOutboxWithTransport(t *testing.T) {
	var status atomic.Int32
	status.Store(http.StatusOK)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(int(status.Load()))
	}))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	n, err := New(Config{Outbox: path, SMS: SMSConfig{Webhook: WebhookConfig{URL: srv.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := n.Send(ctx, Message{Channel: SMS, To: "+14155550123", Body: "sent"}); err != nil {
		t.Fatal(err)
	}
	status.Store(http.StatusServiceUnavailable)
	if err := n.Send(ctx, Message{Channel: SMS, To: "+14155550123", Body: "failed"}); err == nil {
		t.Fatal("no error from a 503")
	}
	// Email has no transport: the outbox alone takes it.
	if err := n.Send(ctx, Message{Channel: Email, To: "ana@example.org", Body: "outbox only"}); err != nil {
		t.Fatal(err)
	}
	lines := readOutbox(t, path)
	if len(lines) != 2 || lines[0].Body != "sent" || lines[1].Body != "outbox only" {
		t.Fatalf("outbox: %+v", lines)
	}
}
