package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestWebhook(t *testing.T) {
	type call struct {
		auth, ctype string
		to, body    string
	}
	calls := make(chan call, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p struct{ To, Body string }
		if r.Method != http.MethodPost {
			t.Errorf("method %s", r.Method)
		}
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			t.Errorf("decode: %v", err)
		}
		calls <- call{r.Header.Get("Authorization"), r.Header.Get("Content-Type"), p.To, p.Body}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()

	n, err := New(Config{SMS: SMSConfig{Webhook: WebhookConfig{
		URL:       srv.URL + "/sms?x=1",
		TokenFile: writeFile(t, "token", "tok-123\n"),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Send(context.Background(), Message{Channel: SMS, To: "+14155550123", Body: "code: 7KQ2 & more"}); err != nil {
		t.Fatal(err)
	}
	got := <-calls
	want := call{"Bearer tok-123", "application/json", "+14155550123", "code: 7KQ2 & more"}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestWebhookErrors(t *testing.T) {
	ctx := context.Background()
	msg := Message{Channel: SMS, To: "+14155550123", Body: "hi"}
	token := writeFile(t, "token", "very-secret-token")

	t.Run("non-2xx", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, "invalid\nnumber: "+strings.Repeat("x", 10000))
		}))
		defer srv.Close()
		n, err := New(Config{SMS: SMSConfig{Webhook: WebhookConfig{URL: srv.URL, TokenFile: token}}})
		if err != nil {
			t.Fatal(err)
		}
		err = n.Send(ctx, msg)
		if err == nil {
			t.Fatal("no error")
		}
		s := err.Error()
		if !strings.Contains(s, "400 Bad Request") || !strings.Contains(s, "invalid number: xxx") ||
			len(s) > 400 || strings.Contains(s, "very-secret-token") {
			t.Fatalf("error %q", s)
		}
	})

	t.Run("redirect is not followed", func(t *testing.T) {
		hits := 0
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits++
			http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
		}))
		defer srv.Close()
		n, err := New(Config{SMS: SMSConfig{Webhook: WebhookConfig{URL: srv.URL, TokenFile: token}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Send(ctx, msg); err == nil || !strings.Contains(err.Error(), "307") || hits != 1 {
			t.Fatalf("err %v after %d requests", err, hits)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		srv := hangingServer(t, nil)
		n, err := New(Config{SMS: SMSConfig{Webhook: WebhookConfig{URL: srv.URL + "/?key=in-url-secret"}},
			Timeout: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		err = n.Send(ctx, msg)
		if err == nil || !strings.Contains(err.Error(), "Timeout") || strings.Contains(err.Error(), "in-url-secret") {
			t.Fatalf("err %v", err)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		started := make(chan struct{})
		srv := hangingServer(t, started)
		n, err := New(Config{SMS: SMSConfig{Webhook: WebhookConfig{URL: srv.URL}}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(ctx)
		go func() { <-started; cancel() }()
		if err := n.Send(ctx, msg); !errors.Is(err, context.Canceled) {
			t.Fatalf("want context.Canceled, got %v", err)
		}
	})

	t.Run("unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		n, err := New(Config{SMS: SMSConfig{Webhook: WebhookConfig{URL: url}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Send(ctx, msg); err == nil || !strings.Contains(err.Error(), "connection refused") {
			t.Fatalf("err %v", err)
		}
	})
}

// hangingServer never answers: its handler closes started (if not nil) and
// waits until the client gives up or the test ends.
func hangingServer(t *testing.T, started chan struct{}) *httptest.Server {
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so that the server notices a closed connection
		if started != nil {
			close(started)
		}
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	return srv
}
