package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/wneessen/go-mail"
)

// smtpSender sends email through one SMTP server. A connection is opened
// for every message: the program sends a handful per run.
type smtpSender struct {
	host     string
	port     int
	mode     string
	from     string
	username string
	password string
	tls      *tls.Config
	timeout  time.Duration
	now      func() time.Time
}

func newEmail(cfg EmailConfig, timeout time.Duration, now func() time.Time) (Sender, error) {
	c := cfg.SMTP
	if c.Host == "" {
		for _, k := range []struct {
			key string
			set bool
		}{
			{"email.smtp.port", c.Port != 0},
			{"email.smtp.tls", c.TLS != ""},
			{"email.smtp.username", c.Username != ""},
			{"email.smtp.password_file", c.PasswordFile != ""},
		} {
			if k.set {
				return nil, fmt.Errorf("%s is set but email.smtp.host is not", k.key)
			}
		}
		return nil, nil
	}
	if net.ParseIP(c.Host) == nil && !validHostname(c.Host) {
		return nil, fmt.Errorf("email.smtp.host: %q is not a host name or IP address (the port goes in email.smtp.port)", c.Host)
	}
	s := &smtpSender{host: c.Host, port: c.Port, mode: c.TLS, username: c.Username, timeout: timeout, now: now}
	if s.mode == "" {
		s.mode = TLSStartTLS
	}
	switch s.mode {
	case TLSNone:
		if s.port == 0 {
			s.port = 25
		}
	case TLSStartTLS:
		if s.port == 0 {
			s.port = 587
		}
	case TLSImplicit:
		if s.port == 0 {
			s.port = 465
		}
	default:
		return nil, fmt.Errorf("email.smtp.tls: %q is not one of none, starttls, tls", c.TLS)
	}
	if s.port < 1 || s.port > 65535 {
		return nil, fmt.Errorf("email.smtp.port: %d is not a port number (1-65535)", c.Port)
	}
	if cfg.From == "" {
		return nil, errors.New("email.from is not set: the sender address of email is required with email.smtp.host")
	}
	from, err := parseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("email.from: %q is not an email address: %v", cfg.From, err)
	}
	s.from = from.String()
	switch {
	case c.Username != "" && c.PasswordFile == "":
		return nil, errors.New("email.smtp.username is set but email.smtp.password_file is not")
	case c.Username == "" && c.PasswordFile != "":
		return nil, errors.New("email.smtp.password_file is set but email.smtp.username is not")
	case c.Username != "" && s.mode == TLSNone && !isLoopback(c.Host):
		return nil, errors.New("email.smtp.tls is none but email.smtp.username is set: the password would cross the network in clear; use starttls or tls")
	case c.Username != "":
		if s.password, err = readSecret("email.smtp.password_file", c.PasswordFile, false); err != nil {
			return nil, err
		}
	}
	s.tls = &tls.Config{ServerName: c.Host, RootCAs: c.RootCAs, MinVersion: tls.VersionTLS12}
	return s, nil
}

// validHostname reports whether s looks like a DNS name (letters, digits,
// hyphens and dots); it does not resolve it.
func validHostname(s string) bool {
	if len(s) > 253 {
		return false
	}
	for _, r := range s {
		if !(r == '.' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// Send sends m as a plain-text email.
func (s *smtpSender) Send(ctx context.Context, m Message) error {
	to, err := parseAddress(m.To)
	if err != nil {
		return fmt.Errorf("%w: email recipient %q: %v", ErrInvalidMessage, m.To, err)
	}
	msg := mail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return fmt.Errorf("email.from: %w", err)
	}
	if err := msg.To(to.String()); err != nil {
		return fmt.Errorf("%w: email recipient %q: %v", ErrInvalidMessage, m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetDateWithValue(s.now())
	msg.SetBodyString(mail.TypeTextPlain, m.Body)

	opts := []mail.Option{
		mail.WithPort(s.port),
		mail.WithTimeout(s.timeout),
		mail.WithTLSConfig(s.tls),
	}
	switch s.mode {
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case TLSStartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, mail.WithSSL())
	}
	if s.username != "" {
		// PLAIN and LOGIN refuse to send the password over an unencrypted
		// connection to anything but a loopback address.
		opts = append(opts,
			mail.WithUsername(s.username), mail.WithPassword(s.password),
			mail.WithOpportunisticSMTPAuth(mail.SMTPAuthSCRAMSHA256, mail.SMTPAuthSCRAMSHA1,
				mail.SMTPAuthPlain, mail.SMTPAuthLogin))
	}
	c, err := mail.NewClient(s.host, opts...)
	if err != nil {
		return fmt.Errorf("send email: smtp client for %s: %w", s.addr(), err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("send email through %s: %w", s.addr(), err)
	}
	return nil
}

func (s *smtpSender) addr() string {
	return net.JoinHostPort(s.host, fmt.Sprint(s.port))
}
