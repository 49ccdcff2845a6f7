package notify

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigErrors(t *testing.T) {
	pw := writeFile(t, "pw", "secret-pw\n")
	empty := writeFile(t, "empty", " \n")
	twoLines := writeFile(t, "two", "a\nb\n")
	twoWords := writeFile(t, "words", "a b\n")
	smtp := func(c SMTPConfig) Config {
		if c.Host == "" {
			c.Host = "smtp.example.com"
		}
		return Config{Email: EmailConfig{From: "a@example.com", SMTP: c}}
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"port without host", Config{Email: EmailConfig{SMTP: SMTPConfig{Port: 25}}}, "email.smtp.port is set but email.smtp.host is not"},
		{"password without host", Config{Email: EmailConfig{SMTP: SMTPConfig{PasswordFile: pw}}}, "email.smtp.password_file is set but email.smtp.host is not"},
		{"host with port", smtp(SMTPConfig{Host: "smtp.example.com:587"}), "email.smtp.host"},
		{"bad tls", smtp(SMTPConfig{TLS: "ssl"}), `email.smtp.tls: "ssl" is not one of none, starttls, tls`},
		{"bad port", smtp(SMTPConfig{Port: 70000}), "email.smtp.port"},
		{"no from", Config{Email: EmailConfig{SMTP: SMTPConfig{Host: "h"}}}, "email.from is not set"},
		{"bad from", Config{Email: EmailConfig{From: "not an address", SMTP: SMTPConfig{Host: "h"}}}, "email.from"},
		{"user without password", smtp(SMTPConfig{Username: "u"}), "email.smtp.password_file is not"},
		{"password in clear", smtp(SMTPConfig{TLS: TLSNone, Username: "u", PasswordFile: pw}), "email.smtp.tls is none"},
		{"password without user", smtp(SMTPConfig{PasswordFile: pw}), "email.smtp.username is not"},
		{"missing password file", smtp(SMTPConfig{Username: "u", PasswordFile: filepath.Join(t.TempDir(), "nope")}), "email.smtp.password_file: open"},
		{"empty password file", smtp(SMTPConfig{Username: "u", PasswordFile: empty}), "email.smtp.password_file: " + empty + " is empty"},
		{"two-line password file", smtp(SMTPConfig{Username: "u", PasswordFile: twoLines}), "more than one line"},
		{"both sms transports", Config{SMS: SMSConfig{Webhook: WebhookConfig{URL: "https://x"}, Command: []string{"true"}}}, "choose one"},
		{"token without url", Config{SMS: SMSConfig{Webhook: WebhookConfig{TokenFile: pw}}}, "sms.webhook.url is not"},
		{"bad url", Config{SMS: SMSConfig{Webhook: WebhookConfig{URL: "ftp://x/y"}}}, "sms.webhook.url: not an http or https URL"},
		{"credentials in url", Config{SMS: SMSConfig{Webhook: WebhookConfig{URL: "https://u:p@x/y"}}}, "sms.webhook.token_file, not in the URL"},
		{"token over http", Config{SMS: SMSConfig{Webhook: WebhookConfig{URL: "http://sms.example.com/", TokenFile: pw}}}, "must be https"},
		{"two-word token", Config{SMS: SMSConfig{Webhook: WebhookConfig{URL: "https://x/", TokenFile: twoWords}}}, "sms.webhook.token_file: " + twoWords + " holds more than one word"},
		{"empty program", Config{SMS: SMSConfig{Command: []string{""}}}, "sms.command: the program"},
		{"no such program", Config{SMS: SMSConfig{Command: []string{"no-such-program-xyz", "{to}"}}}, "sms.command:"},
		{"outbox folder missing", Config{Outbox: filepath.Join(t.TempDir(), "no", "outbox")}, "outbox:"},
		{"outbox is a folder", Config{Outbox: t.TempDir()}, "not a regular file"},
		{"templates missing", Config{Templates: filepath.Join(t.TempDir(), "no")}, "templates:"},
	} {
		_, err := New(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error with %q", tc.name, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "secret-pw") {
			t.Errorf("%s: the error shows the secret: %v", tc.name, err)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	n, err := New(Config{Email: EmailConfig{From: "a@example.com", SMTP: SMTPConfig{Host: "smtp.example.com"}}})
	if err != nil {
		t.Fatal(err)
	}
	s := n.email.(*smtpSender)
	if s.mode != TLSStartTLS || s.port != 587 {
		t.Errorf("default mode %s port %d, want starttls 587", s.mode, s.port)
	}
	for mode, port := range map[string]int{TLSNone: 25, TLSImplicit: 465} {
		n, err := New(Config{Email: EmailConfig{From: "a@example.com", SMTP: SMTPConfig{Host: "h", TLS: mode}}})
		if err != nil {
			t.Fatal(err)
		}
		if p := n.email.(*smtpSender).port; p != port {
			t.Errorf("%s: port %d, want %d", mode, p, port)
		}
	}
}

func TestNotConfigured(t *testing.T) {
	n, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = n.Send(ctx, Message{Channel: Email, To: "a@example.com", Body: "b"})
	if !errors.Is(err, ErrNotConfigured) || !strings.Contains(err.Error(), "email.smtp.host") {
		t.Errorf("email: %v", err)
	}
	err = n.Send(ctx, Message{Channel: SMS, To: "+14155550123", Body: "b"})
	if !errors.Is(err, ErrNotConfigured) || !strings.Contains(err.Error(), "sms.webhook.url or sms.command") {
		t.Errorf("sms: %v", err)
	}
	if err := n.Configured(SMS); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("Configured(SMS) = %v", err)
	}
}

func TestInvalidMessage(t *testing.T) {
	n, err := New(Config{Outbox: filepath.Join(t.TempDir(), "outbox")})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []Message{
		{Channel: "fax", To: "1", Body: "b"},
		{Channel: Email, To: "not an address", Body: "b"},
		{Channel: Email, To: "a@example.com\r\nBcc: x@example.com", Body: "b"},
		{Channel: Email, To: "a@example.com", Subject: "a\nBcc: x", Body: "b"},
		{Channel: Email, To: "a@example.com", Body: " \n"},
		{Channel: SMS, To: "4155550123", Body: "b"},
		{Channel: SMS, To: "-x", Body: "b"},
		{Channel: SMS, To: "+1415555012345678", Body: "b"},
		{Channel: SMS, To: "+14155550123", Body: "\xff"},
	} {
		if err := n.Send(context.Background(), m); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("%+v: got %v, want ErrInvalidMessage", m, err)
		}
	}
}

func TestExcerpt(t *testing.T) {
	if got := excerpt([]byte("  a\n\tb\x00c  "), 10); got != "a b c" {
		t.Errorf("got %q", got)
	}
	if got := excerpt([]byte("ééééé"), 3); got != "ééé…" {
		t.Errorf("got %q", got)
	}
}
