package notify

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Channel is the kind of address a message goes to.
type Channel string

// The channels.
const (
	Email Channel = "email"
	SMS   Channel = "sms"
)

// Message is one message to one address.
type Message struct {
	Channel Channel // Email or SMS
	To      string  // an email address, or a phone number in E.164 form (+14155550123)
	Subject string  // used by email only
	Body    string  // plain text
}

// Sender sends messages. *Notifier implements it; tests of other packages
// may use their own.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// DefaultTimeout bounds one delivery attempt when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Config chooses and configures the transports. The CLI fills it from the
// configuration keys named in each field's comment; a zero Config is valid
// but can send nothing.
type Config struct {
	Email EmailConfig
	SMS   SMSConfig

	// Outbox is a file to which every message is appended as a JSON line
	// (key outbox). Empty: no outbox.
	Outbox string

	// Templates is a folder of per-language template overrides (key
	// templates). Empty: only the built-in English templates.
	Templates string

	// Timeout bounds one delivery attempt; zero means DefaultTimeout.
	Timeout time.Duration

	// Now is the clock for the outbox's sent_at, the email Date header and
	// the lifetime (ValidFor) that Notify computes; nil means time.Now. It
	// should be the clock of the acct.Local that issues the codes.
	Now func() time.Time
}

// EmailConfig configures email delivery by SMTP.
type EmailConfig struct {
	From string // email.from: the sender address, like "Accounts <accounts@example.com>"
	SMTP SMTPConfig
}

// TLS modes of an SMTP connection (key email.smtp.tls).
const (
	TLSNone     = "none"     // plain text; credentials are only sent to a loopback server
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS, which is required
	TLSImplicit = "tls"      // TLS from the first byte (usually port 465)
)

// SMTPConfig is the SMTP server that email goes through.
type SMTPConfig struct {
	Host         string // email.smtp.host; empty: no email transport
	Port         int    // email.smtp.port; 0: 25, 587 or 465 by TLS mode
	TLS          string // email.smtp.tls: TLSNone, TLSStartTLS or TLSImplicit; empty: TLSStartTLS
	Username     string // email.smtp.username; empty: no authentication
	PasswordFile string // email.smtp.password_file: holds the password for Username

	// RootCAs, when set, replaces the system's certificate authorities for
	// verifying the server (not a configuration key: for tests and embedding).
	RootCAs *x509.CertPool
}

// SMSConfig configures SMS delivery: by a webhook or by a command, not both.
type SMSConfig struct {
	Webhook WebhookConfig
	// Command is the argv of a program that sends an SMS (key
	// sms.command). "{to}" is replaced by the phone number in every
	// argument and the body is written to its standard input.
	Command []string
}

// WebhookConfig is an HTTP endpoint that sends an SMS.
type WebhookConfig struct {
	URL       string // sms.webhook.url: http or https; https if a token is sent to another machine
	TokenFile string // sms.webhook.token_file: holds the bearer token; empty: no Authorization header
}

// Errors that Send wraps; any other error from Send is a failed delivery.
var (
	// ErrInvalidMessage: the message cannot be sent as given (unknown
	// channel, malformed address, empty body).
	ErrInvalidMessage = errors.New("invalid message")
	// ErrNotConfigured: no transport and no outbox for the channel.
	ErrNotConfigured = errors.New("not configured")
)

// Notifier sends messages through the configured transports and renders
// them from templates. It is safe for concurrent use.
type Notifier struct {
	email     Sender // nil: no email transport
	sms       Sender // nil: no SMS transport
	outbox    *outbox
	templates Templates
	now       func() time.Time // Config.Now: the clock of Notify's ValidFor
}

var _ Sender = (*Notifier)(nil)

// New checks cfg, reads the secret files it names and returns a Notifier.
// Errors name the configuration key at fault.
func New(cfg Config) (*Notifier, error) {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	timeout := cfg.Timeout
	if timeout < 0 {
		return nil, fmt.Errorf("notify timeout: %v is negative", timeout)
	}
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	n := &Notifier{templates: Templates{Dir: cfg.Templates}, now: now}
	var err error
	if n.email, err = newEmail(cfg.Email, timeout, now); err != nil {
		return nil, err
	}
	if n.sms, err = newSMS(cfg.SMS, timeout); err != nil {
		return nil, err
	}
	if cfg.Outbox != "" {
		if n.outbox, err = newOutbox(cfg.Outbox, now); err != nil {
			return nil, err
		}
	}
	if err := n.templates.Check(); err != nil {
		return nil, err
	}
	return n, nil
}

func newSMS(cfg SMSConfig, timeout time.Duration) (Sender, error) {
	hook := cfg.Webhook.URL != "" || cfg.Webhook.TokenFile != ""
	cmd := len(cfg.Command) > 0
	switch {
	case hook && cmd:
		return nil, errors.New("sms.webhook.url and sms.command are both set: choose one SMS transport")
	case hook:
		return newWebhook(cfg.Webhook, timeout)
	case cmd:
		return newCommand(cfg.Command, timeout)
	}
	return nil, nil
}

// Configured returns nil if messages on ch can be sent (by a transport or
// to the outbox), and otherwise an error wrapping ErrNotConfigured that
// names the configuration keys to set. Commands call it before issuing a
// code that is to be sent.
func (n *Notifier) Configured(ch Channel) error {
	switch ch {
	case Email:
		if n.email == nil && n.outbox == nil {
			return fmt.Errorf("email delivery is %w: set email.smtp.host and email.from (or outbox)", ErrNotConfigured)
		}
	case SMS:
		if n.sms == nil && n.outbox == nil {
			return fmt.Errorf("sms delivery is %w: set sms.webhook.url or sms.command (or outbox)", ErrNotConfigured)
		}
	default:
		return fmt.Errorf("%w: unknown channel %q (want email or sms)", ErrInvalidMessage, ch)
	}
	return nil
}

// Send delivers m through the transport of its channel, then appends it to
// the outbox if there is one. An outbox alone is enough. An error wraps
// ErrInvalidMessage or ErrNotConfigured, or else tells why the delivery
// failed.
func (n *Notifier) Send(ctx context.Context, m Message) error {
	if err := n.Configured(m.Channel); err != nil {
		return err
	}
	if err := checkMessage(m); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("send %s: %w", m.Channel, err)
	}
	t := n.email
	if m.Channel == SMS {
		t = n.sms
	}
	if t != nil {
		if err := t.Send(ctx, m); err != nil {
			return err
		}
	}
	if n.outbox != nil {
		if err := n.outbox.Send(ctx, m); err != nil {
			if t != nil {
				return fmt.Errorf("%s was sent, but %w", m.Channel, err)
			}
			return err
		}
	}
	return nil
}

// SendTemplate renders the template name in lang with data (see Render)
// and sends the result to the address to on channel ch.
func (n *Notifier) SendTemplate(ctx context.Context, ch Channel, to, name, lang string, data any) error {
	subject, body, err := n.Render(name, lang, data)
	if err != nil {
		return err
	}
	return n.Send(ctx, Message{Channel: ch, To: to, Subject: subject, Body: body})
}

// Render renders the template name for the language lang with data; see
// Templates.Render.
func (n *Notifier) Render(name, lang string, data any) (subject, body string, err error) {
	return n.templates.Render(name, lang, data)
}

// e164 is a phone number in E.164 form: "+", a country code, at most 15 digits.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// MaxBodyBytes bounds the body of a message.
const MaxBodyBytes = 64 << 10

func checkMessage(m Message) error {
	switch m.Channel {
	case Email:
		if _, err := parseAddress(m.To); err != nil {
			return fmt.Errorf("%w: email recipient %q: %v", ErrInvalidMessage, m.To, err)
		}
		if strings.ContainsAny(m.Subject, "\r\n") {
			return fmt.Errorf("%w: the subject has a line break", ErrInvalidMessage)
		}
	case SMS:
		if !e164.MatchString(m.To) {
			return fmt.Errorf("%w: sms recipient %q is not a phone number in E.164 form (like +14155550123)", ErrInvalidMessage, m.To)
		}
	}
	if strings.TrimSpace(m.Body) == "" {
		return fmt.Errorf("%w: the body is empty", ErrInvalidMessage)
	}
	if len(m.Body) > MaxBodyBytes || !utf8.ValidString(m.Body) || !utf8.ValidString(m.Subject) {
		return fmt.Errorf("%w: the body is longer than %d bytes or not valid UTF-8", ErrInvalidMessage, MaxBodyBytes)
	}
	return nil
}

// parseAddress parses one email address, with or without a display name.
func parseAddress(s string) (*mail.Address, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("has a line break")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// excerpt returns at most max runes of b on one line, for an error message:
// control characters become spaces and runs of white space one space.
func excerpt(b []byte, max int) string {
	s := strings.ToValidUTF8(string(b), "?")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return s
}
