package root

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
	"github.com/acctl/acctl/internal/notify"
)

func TestParseStore(t *testing.T) {
	t.Setenv("HOME", "/home/alice")
	good := []struct{ in, kind, path string }{
		{"/var/lib/acctl/acctl.db", "sqlite", "/var/lib/acctl/acctl.db"},
		{"acctl.db", "sqlite", "acctl.db"},
		{"~/acctl.db", "sqlite", "/home/alice/acctl.db"},
		{"sqlite:/tmp/a.db", "sqlite", "/tmp/a.db"},
		{"sqlite:~/a.db", "sqlite", "/home/alice/a.db"},
		{"sqlite:///tmp/a.db", "sqlite", "/tmp/a.db"},
		{"file:rel/a.db", "sqlite", "rel/a.db"},
		{"file:///tmp/a.db", "sqlite", "/tmp/a.db"},
		{"postgres://u:pw@db/acctl", "postgres", ""},
		{"postgresql://db/acctl", "postgres", ""},
		{"https://acctl.example.com", "remote", ""},
		{"http://localhost:8080", "remote", ""},
	}
	for _, tt := range good {
		kind, path, err := ParseStore(tt.in)
		if err != nil || kind != tt.kind || path != tt.path {
			t.Errorf("ParseStore(%q) = %q, %q, %v; want %q, %q", tt.in, kind, path, err, tt.kind, tt.path)
		}
	}
	for _, in := range []string{"", "  ", "mysql://db", "sqlite:", "file:a.db?mode=ro"} {
		if _, _, err := ParseStore(in); cmdutil.ExitCode(err) != 2 {
			t.Errorf("ParseStore(%q): err %v, want an invalid error", in, err)
		}
	}
}

func TestLocalOptions(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "conf", "secret")
	cfg := &cmdutil.Config{SecretFile: secret, PublicURL: "https://example.com/reset"}
	now := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

	// Delivery asked for but nothing configured: no secret read or made; a
	// notifier that tells Local, before any code is made, what to set.
	opts, err := localOptions(cmdutil.OpenParams{Config: cfg, Now: now, Needs: cmdutil.Needs{Delivery: true}})
	if err != nil || opts.Secret != nil || opts.Notifier == nil || opts.PublicURL != cfg.PublicURL {
		t.Fatalf("nothing configured: %+v, %v", opts, err)
	}
	if err := opts.Notifier.Ready(acct.ChannelEmail); cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), "email delivery is not configured") {
		t.Fatalf("ready with nothing configured: %v", err)
	}
	if _, err := os.Stat(secret); !os.IsNotExist(err) {
		t.Fatalf("secret made: %v", err)
	}

	// The process's hashing pool is the Service's.
	pool := acct.NewHashPool(1, 1)
	if opts, err := localOptions(cmdutil.OpenParams{Config: cfg, HashPool: pool}); err != nil || opts.HashPool != pool {
		t.Fatalf("hash pool: %p, %v; want %p", opts.HashPool, err, pool)
	}

	// The secret, made on first use.
	opts, err = localOptions(cmdutil.OpenParams{Config: cfg, Needs: cmdutil.Needs{Secret: true}})
	if err != nil || len(opts.Secret) < acct.MinSecretLength {
		t.Fatalf("secret: %d bytes, %v", len(opts.Secret), err)
	}

	// A notifier when delivery is configured and needed, on the same clock.
	cfg.Notify = notify.Config{Outbox: filepath.Join(dir, "outbox")}
	if opts, err = localOptions(cmdutil.OpenParams{Config: cfg}); err != nil || opts.Notifier != nil {
		t.Errorf("not needed: %+v, %v", opts.Notifier, err)
	}
	opts, err = localOptions(cmdutil.OpenParams{Config: cfg, Now: now, Needs: cmdutil.Needs{Delivery: true}})
	if err != nil || opts.Notifier == nil {
		t.Fatalf("outbox: %+v, %v", opts.Notifier, err)
	}
	err = opts.Notifier.Notify(context.Background(), acct.Notice{Channel: acct.ChannelEmail, To: "a@example.com",
		Template: acct.TemplateResetCode, Data: acct.NoticeData{Name: "A", Code: "C", ExpiresAt: now().Add(time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(cfg.Notify.Outbox); !strings.Contains(string(b), `"sent_at":"2026-01-02T03:04:05Z"`) {
		t.Errorf("outbox: %s", b)
	}

	// A bad setting is an invalid configuration.
	cfg.Notify = notify.Config{Email: notify.EmailConfig{SMTP: notify.SMTPConfig{Port: 25}}}
	if _, err := localOptions(cmdutil.OpenParams{Config: cfg, Needs: cmdutil.Needs{Delivery: true}}); cmdutil.ExitCode(err) != 2 ||
		!strings.HasPrefix(err.Error(), "config: email.smtp.port") {
		t.Errorf("bad config: %v", err)
	}
}

func TestLocalOptionsVerification(t *testing.T) {
	cfg := &cmdutil.Config{OTPTTL: 5 * time.Minute, OTPAttempts: 3, OTPCooldown: 2 * time.Minute,
		SignupVerify: acct.SignupVerifyEmail, RequireVerified: true, ActivationTTL: 48 * time.Hour}
	opts, err := localOptions(cmdutil.OpenParams{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if opts.OTPTTL != cfg.OTPTTL || opts.OTPAttempts != cfg.OTPAttempts || opts.OTPCooldown != cfg.OTPCooldown ||
		opts.SignupVerify != cfg.SignupVerify || !opts.RequireVerified || opts.ActivationTTL != cfg.ActivationTTL {
		t.Errorf("options: %+v", opts)
	}
}
