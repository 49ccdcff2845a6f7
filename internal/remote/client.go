// Package remote is the client of acctl's admin HTTP API (package api,
// served by internal/httpapi behind `acctl serve`): Client implements
// acct.Service by forwarding every call to the server. It holds no rules,
// computes no hash and makes no code: the server's Local does.
package remote

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
	"reflect"
	"strings"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/api"
)

// DefaultTimeout bounds a whole call (connect, send, wait, read).
const DefaultTimeout = 60 * time.Second

// Options tune a Client.
type Options struct {
	// Timeout bounds each call; 0 means DefaultTimeout.
	Timeout time.Duration
	// Transport sends the requests; nil means a transport like
	// http.DefaultTransport with connect and TLS handshake timeouts.
	// Tests and custom TLS set-ups give their own.
	Transport http.RoundTripper
	// UserAgent is sent with every request; "" means "acctl".
	UserAgent string
}

// Client is an acct.Service over the admin HTTP API. The actor in the
// audit trail is the API key's name, set by the server: an actor in the
// context (acct.WithActor) is not sent. It is safe for concurrent use.
type Client struct {
	base  string // scheme://host[:port][/path], no final slash
	shown string // base, for messages
	token string
	agent string
	http  *http.Client
}

var _ acct.Service = (*Client)(nil)

// New returns a client of the server at baseURL that authenticates with
// the API key token. baseURL must be https://, or http:// on a loopback
// host (localhost, 127.0.0.0/8, ::1); it may carry a path prefix but no
// credentials, query or fragment. Errors never contain the token.
func New(baseURL, token string, opt Options) (*Client, error) {
	base, err := checkURL(baseURL)
	if err != nil {
		return nil, err
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, &acct.Error{Code: acct.CodeInvalid, Field: "token", Message: "no API key for the remote store"}
	}
	for _, r := range token {
		if r <= ' ' || r == 0x7f {
			return nil, &acct.Error{Code: acct.CodeInvalid, Field: "token", Message: "the API key contains spaces or control characters"}
		}
	}
	tr := opt.Transport
	if tr == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		t.TLSHandshakeTimeout = 10 * time.Second
		tr = t
	}
	timeout := opt.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	agent := opt.UserAgent
	if agent == "" {
		agent = "acctl"
	}
	hc := &http.Client{
		Transport: tr,
		Timeout:   timeout,
		// A redirect is not followed: it could lead the key elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &Client{base: strings.TrimSuffix(base.String(), "/"), shown: base.Redacted(), token: token, agent: agent, http: hc}, nil
}

// checkURL parses and checks a server's base URL.
func checkURL(s string) (*url.URL, error) {
	bad := func(format string, args ...any) error {
		return &acct.Error{Code: acct.CodeInvalid, Field: "store", Message: "store: " + fmt.Sprintf(format, args...)}
	}
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return nil, bad("not a URL")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, bad("a remote store URL starts with https:// (or http:// on loopback)")
	}
	if u.User != nil {
		return nil, bad("no credentials in the store URL: give the API key with ACCTL_TOKEN or --token-file")
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, bad("no host in %s", u.Redacted())
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, bad("no query or fragment in a remote store URL")
	}
	if u.Scheme == "http" && !loopback(u.Hostname()) {
		return nil, bad("plain http:// is allowed only on a loopback host (localhost, 127.0.0.1, ::1); use https://%s", u.Host)
	}
	return u, nil
}

// loopback reports whether host names this machine.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Close closes the idle connections.
func (c *Client) Close() error {
	c.http.CloseIdleConnections()
	return nil
}

// do calls the operation op with the body in and decodes the answer.
func do[Out any](ctx context.Context, c *Client, op string, in any) (Out, error) {
	var out Out
	body, err := json.Marshal(in)
	if err != nil {
		return out, acct.Internal(err, "encode the request")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+api.Prefix+op, bytes.NewReader(body))
	if err != nil {
		return out, acct.Internal(err, "build the request")
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.agent)
	resp, err := c.http.Do(req)
	if err != nil {
		return out, c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			if ctx.Err() != nil {
				return out, c.transportError(ctx, err)
			}
			var ue *json.UnmarshalTypeError
			var se *json.SyntaxError
			if errors.As(err, &ue) || errors.As(err, &se) {
				return out, &acct.Error{Code: acct.CodeInternal, Message: fmt.Sprintf("server %s: unexpected answer to %s", c.shown, op), Err: err}
			}
			return out, c.transportError(ctx, err)
		}
		if v := reflect.ValueOf(&out).Elem(); v.Kind() == reflect.Pointer && v.IsNil() {
			return out, acct.Errorf(acct.CodeInternal, "server %s: empty answer to %s", c.shown, op)
		}
		return out, nil
	}
	return out, c.statusError(resp, op)
}

// transportError classifies a failure to reach the server or to read its
// answer: an interrupt stays an interrupt; anything else is unavailable.
func (c *Client) transportError(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return fmt.Errorf("server %s: %w", c.shown, ctx.Err())
	}
	msg := "unreachable"
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		msg = "did not answer in time"
	default:
		// url.Error repeats the method and the URL: keep the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		msg += ": " + err.Error()
	}
	return &acct.Error{Code: acct.CodeUnavailable, Message: fmt.Sprintf("server %s %s", c.shown, msg), Err: err}
}

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// statusError is the acct error of an answer other than 200: the error of
// its body, or one made from the status when the body is not an api error.
// A 5xx is unavailable whatever the body says; only the server's own
// unavailable error (a 503 with its body: a busy store, a failed
// delivery) is given back as it is, so that a remote command says what a
// local one would.
func (c *Client) statusError(resp *http.Response, op string) error {
	err := c.statusErr(resp, op)
	// A server's hint of when to retry (a full hashing pool) stays with
	// the error, as it does in the server.
	if after := api.ParseRetryAfter(resp.Header.Get("Retry-After")); after > 0 && acct.IsCode(err, acct.CodeUnavailable) {
		if e, ok := err.(*acct.Error); ok && e.RetryAfter == 0 {
			e.RetryAfter = after
		}
	}
	return err
}

func (c *Client) statusErr(resp *http.Response, op string) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var body api.ErrorBody
	known := json.Unmarshal(b, &body) == nil && body.Error.Code != "" && api.CodeOf(resp.StatusCode) == body.Error.Code
	// An operation the server does not know: it is older than this
	// client. A server since /v1's unsupported answers 501; one before
	// answered 404 not_found "unknown operation".
	if known && (body.Error.Code == api.CodeUnsupported ||
		body.Error.Code == acct.CodeNotFound && strings.HasPrefix(body.Error.Message, api.UnknownOperationPrefix)) {
		return &acct.Error{Code: acct.CodeInvalid,
			Message: fmt.Sprintf("the server at %s does not support %s: upgrade it", c.shown, op)}
	}
	if known && body.Error.Code == acct.CodeUnavailable && body.Error.Message != "" {
		return body.Error.Err()
	}
	if resp.StatusCode >= 500 {
		msg := fmt.Sprintf("server %s answered %s", c.shown, resp.Status)
		if known && body.Error.Message != "" {
			msg = fmt.Sprintf("server %s: %s", c.shown, body.Error.Message)
		}
		return &acct.Error{Code: acct.CodeUnavailable, Message: msg}
	}
	if known {
		return body.Error.Err()
	}
	code := api.CodeOf(resp.StatusCode)
	if code == "" {
		code = acct.CodeInternal // a 1xx or 3xx: an acctl server never answers one
	}
	msg := fmt.Sprintf("server %s answered %s (is it an acctl server?)", c.shown, resp.Status)
	if loc := resp.Header.Get("Location"); resp.StatusCode/100 == 3 && loc != "" {
		msg = fmt.Sprintf("server %s redirects to %s: use that URL as the store", c.shown, loc)
		code = acct.CodeInvalid
	}
	return &acct.Error{Code: code, Message: msg}
}
