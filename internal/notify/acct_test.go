package notify

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

func TestNotifyTemplateNames(t *testing.T) {
	// acct names templates by the same strings as this package.
	if acct.TemplateResetCode != TemplateResetCode || acct.TemplateForgot != TemplateForgotPassword {
		t.Errorf("acct's template names %q, %q differ from notify's %q, %q",
			acct.TemplateResetCode, acct.TemplateForgot, TemplateResetCode, TemplateForgotPassword)
	}
	if string(acct.ChannelEmail) != string(Email) || string(acct.ChannelSMS) != string(SMS) {
		t.Errorf("channel names differ")
	}
}

func TestNotify(t *testing.T) {
	dir := templateDir(t, map[string]string{
		"pt/reset-code.txt": "Subject: Código\n\nOlá {{.UserName}}, o código {{.Code}} vale {{minutes .ValidFor}} minutos.\n",
	})
	path := filepath.Join(t.TempDir(), "outbox")
	n, err := New(Config{Outbox: path, Templates: dir, Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	var _ acct.Notifier = n
	ctx := context.Background()
	exp := fixedNow.Add(time.Hour)

	notices := []acct.Notice{
		{Channel: acct.ChannelEmail, To: "ana@example.org", Template: acct.TemplateResetCode,
			Data: acct.NoticeData{Name: "Ana Lima", Code: "7KQ2-MX9D-4TFA-R1ZC", ExpiresAt: exp}},
		{Channel: acct.ChannelSMS, To: "+351912345678", Template: acct.TemplateResetCode, Language: "pt-PT",
			Data: acct.NoticeData{Name: "Ana", Code: "7KQ2-MX9D-4TFA-R1ZC", ExpiresAt: fixedNow.Add(30 * time.Minute)}},
		{Channel: acct.ChannelEmail, To: "ana@example.org", Template: acct.TemplateForgot,
			Data: acct.NoticeData{Name: "Ana", URL: "https://example.org/reset?token=ABC&x=1", ExpiresAt: exp}},
		// No name: the address stands in.
		{Channel: acct.ChannelEmail, To: "bob@example.org", Template: acct.TemplateResetCode,
			Data: acct.NoticeData{Code: "AAAA-BBBB-CCCC-DDDD", ExpiresAt: exp}},
		{Channel: acct.ChannelSMS, To: "+14155550123", Template: TemplateOTP,
			Data: acct.NoticeData{Code: "123456", Purpose: "signing in", ExpiresAt: fixedNow.Add(5 * time.Minute)}},
	}
	for _, in := range notices {
		if err := n.Notify(ctx, in); err != nil {
			t.Fatalf("%+v: %v", in, err)
		}
	}
	lines := readOutbox(t, path)
	if len(lines) != len(notices) {
		t.Fatalf("outbox: %+v", lines)
	}
	checks := []struct {
		ch      Channel
		to      string
		subject string
		body    []string
	}{
		{Email, "ana@example.org", "Your password reset code",
			[]string{"Hello Ana Lima,", "    7KQ2-MX9D-4TFA-R1ZC", "valid for 1 hour, until 2026-03-04 06:06 UTC"}},
		{SMS, "+351912345678", "Código", []string{"Olá Ana, o código 7KQ2-MX9D-4TFA-R1ZC vale 30 minutos."}},
		{Email, "ana@example.org", "Reset your password",
			[]string{"https://example.org/reset?token=ABC&x=1", "valid for 1 hour"}},
		{Email, "bob@example.org", "Your password reset code", []string{"Hello bob@example.org,", "AAAA-BBBB-CCCC-DDDD"}},
		{SMS, "+14155550123", "Your one-time code for signing in", []string{"123456", "valid for 5 minutes"}},
	}
	for i, c := range checks {
		l := lines[i]
		if l.Channel != c.ch || l.To != c.to || l.Subject != c.subject {
			t.Errorf("line %d: %+v", i, l)
		}
		for _, s := range c.body {
			if !strings.Contains(l.Body, s) {
				t.Errorf("line %d: body lacks %q:\n%s", i, s, l.Body)
			}
		}
	}
}

func TestNotifyErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox")
	n, err := New(Config{Outbox: path, Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	exp := fixedNow.Add(time.Hour)
	code := acct.NoticeData{Name: "Ana", Code: "7KQ2-MX9D-4TFA-R1ZC", ExpiresAt: exp}
	for _, tc := range []struct {
		name string
		in   acct.Notice
		want string
	}{
		{"channel none", acct.Notice{Channel: acct.ChannelNone, To: "a@example.org", Template: acct.TemplateResetCode, Data: code}, `channel "none"`},
		{"unknown template", acct.Notice{Channel: acct.ChannelEmail, To: "a@example.org", Template: "welcome", Data: code}, `unknown template "welcome"`},
		{"expired", acct.Notice{Channel: acct.ChannelEmail, To: "a@example.org", Template: acct.TemplateResetCode,
			Data: acct.NoticeData{Name: "Ana", Code: "X", ExpiresAt: fixedNow}}, "expired at 2026-03-04T05:06:07Z, before it could be sent"},
		{"no expiry", acct.Notice{Channel: acct.ChannelEmail, To: "a@example.org", Template: acct.TemplateResetCode,
			Data: acct.NoticeData{Name: "Ana", Code: "X"}}, "no expiry"},
		{"no link", acct.Notice{Channel: acct.ChannelEmail, To: "a@example.org", Template: acct.TemplateForgot, Data: code}, "missing data: URL"},
		{"bad phone", acct.Notice{Channel: acct.ChannelSMS, To: "12345", Template: acct.TemplateResetCode, Data: code}, "E.164"},
	} {
		err := n.Notify(context.Background(), tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed notice reached the outbox: %v", err)
	}

	// Nothing configured for the channel: ErrNotConfigured.
	bare, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	err = bare.Notify(context.Background(), acct.Notice{Channel: acct.ChannelEmail, To: "a@example.org", Template: acct.TemplateResetCode,
		Data: acct.NoticeData{Name: "Ana", Code: "X", ExpiresAt: time.Now().Add(time.Hour)}})
	if !errors.Is(err, ErrNotConfigured) {
		t.Errorf("not configured: %v", err)
	}
}
