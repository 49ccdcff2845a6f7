package notify

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// script writes an executable shell script to a temporary folder.
func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "send-sms")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	sh := script(t, `printf '%s|' "$@" > "$OUT"; cat >> "$OUT"`)
	t.Setenv("OUT", out)
	n, err := New(Config{SMS: SMSConfig{Command: []string{sh, "--to={to}", "{to}", "literal $HOME; {x}"}}})
	if err != nil {
		t.Fatal(err)
	}
	body := "your code: 7KQ2-MX9D\n$(touch pwned) `x`"
	if err := n.Send(context.Background(), Message{Channel: SMS, To: "+351912345678", Body: body}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := "--to=+351912345678|+351912345678|literal $HOME; {x}|" + body
	if string(got) != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestCommandErrors(t *testing.T) {
	ctx := context.Background()
	msg := Message{Channel: SMS, To: "+14155550123", Body: "hi"}

	t.Run("non-zero exit", func(t *testing.T) {
		sh := script(t, "echo 'gateway said:\tno credit' >&2; head -c 5000 /dev/zero | tr '\\0' y >&2; exit 3")
		n, err := New(Config{SMS: SMSConfig{Command: []string{sh, "{to}"}}})
		if err != nil {
			t.Fatal(err)
		}
		err = n.Send(ctx, msg)
		if err == nil {
			t.Fatal("no error")
		}
		s := err.Error()
		if !strings.Contains(s, "send-sms") || !strings.Contains(s, "exit status 3") ||
			!strings.Contains(s, "gateway said: no credit") || len(s) > 400 {
			t.Fatalf("error %q", s)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		// Blocks opening a FIFO that nobody writes to: no sleeping.
		fifo := filepath.Join(t.TempDir(), "fifo")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skip("no FIFO:", err)
		}
		sh := script(t, `read x < "$1"`)
		n, err := New(Config{SMS: SMSConfig{Command: []string{sh, fifo}}, Timeout: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Send(ctx, msg); err == nil || !strings.Contains(err.Error(), "deadline exceeded") {
			t.Fatalf("err %v", err)
		}
	})
}
