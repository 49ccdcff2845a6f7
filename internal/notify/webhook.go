package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// excerptRunes bounds the part of an answer or of stderr quoted in an error.
const excerptRunes = 200

// webhookSender posts SMS to an HTTP endpoint.
type webhookSender struct {
	url    string
	host   string // for errors: the URL may carry a secret in its query
	token  string
	client *http.Client
}

func newWebhook(cfg WebhookConfig, timeout time.Duration) (Sender, error) {
	if cfg.URL == "" {
		return nil, errors.New("sms.webhook.token_file is set but sms.webhook.url is not")
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("sms.webhook.url: not an http or https URL")
	}
	if u.User != nil {
		return nil, errors.New("sms.webhook.url: put credentials in sms.webhook.token_file, not in the URL")
	}
	w := &webhookSender{
		url:  cfg.URL,
		host: u.Host,
		client: &http.Client{
			Timeout: timeout,
			// A redirect is an answer that is not 2xx: the token is not
			// sent anywhere else.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	if cfg.TokenFile != "" {
		if u.Scheme != "https" && !isLoopback(u.Hostname()) {
			return nil, errors.New("sms.webhook.url: must be https when sms.webhook.token_file is set and the host is not loopback")
		}
		if w.token, err = readSecret("sms.webhook.token_file", cfg.TokenFile, true); err != nil {
			return nil, err
		}
	}
	return w, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Send posts {"to": m.To, "body": m.Body}.
func (w *webhookSender) Send(ctx context.Context, m Message) error {
	payload, err := json.Marshal(struct {
		To   string `json:"to"`
		Body string `json:"body"`
	}{m.To, m.Body})
	if err != nil {
		return fmt.Errorf("send sms: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("send sms by webhook at %s: %w", w.host, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "acctl")
	if w.token != "" {
		req.Header.Set("Authorization", "Bearer "+w.token)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which may hold a secret
		}
		return fmt.Errorf("send sms by webhook at %s: %w", w.host, err)
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 4*excerptRunes))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := fmt.Sprintf("send sms by webhook at %s: %s", w.host, excerpt([]byte(resp.Status), 60))
		if e := excerpt(head, excerptRunes); e != "" {
			msg += ": " + e
		}
		return errors.New(msg)
	}
	return nil
}
