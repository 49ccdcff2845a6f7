package cmdutil

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/authapi"
	"github.com/acctl/acctl/internal/notify"
)

// testFactory returns a Factory whose --store and --output flags are
// parsed from args, reading the config file file (none if "").
func testFactory(t *testing.T, file string, args ...string) *Factory {
	t.Helper()
	ios, _, _, _ := Test()
	f := NewFactory(ios, nil)
	f.DefaultConfigFile = filepath.Join(t.TempDir(), "absent.yaml")
	fs := pflag.NewFlagSet("acctl", pflag.ContinueOnError)
	fs.String("store", "", "")
	fs.StringP("output", "o", "", "")
	fs.StringVar(&f.ConfigFile, "config", "", "")
	f.BindFlag(KeyStore, fs.Lookup("store"))
	f.BindFlag(KeyOutput, fs.Lookup("output"))
	if file != "" {
		args = append(args, "--config", file)
	}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return f
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func clearEnv(t *testing.T) {
	for _, k := range ConfigKeys {
		t.Setenv(EnvVar(k), "")
	}
	for _, k := range []string{ConfigEnv, "STATE_DIRECTORY", "CREDENTIALS_DIRECTORY"} {
		t.Setenv(k, "")
	}
}

func TestConfigPrecedence(t *testing.T) {
	clearEnv(t)
	file := writeFile(t, "config.yaml", "store: /from/file.db\ndeletion:\n  hold: 30d\noutput: csv\n")

	check := func(name string, f *Factory, wantStore, wantSource string) {
		t.Helper()
		cfg, err := f.Config()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cfg.Store != wantStore {
			t.Errorf("%s: store = %q, want %q", name, cfg.Store, wantStore)
		}
		entries, _, err := f.ConfigEntries()
		if err != nil {
			t.Fatal(err)
		}
		if entries[0].Key != KeyStore || entries[0].Source != wantSource {
			t.Errorf("%s: entry %+v, want source %s", name, entries[0], wantSource)
		}
	}

	t.Setenv("ACCTL_STORE", "/from/env.db")
	check("flag beats env and file", testFactory(t, file, "--store", "/from/flag.db"), "/from/flag.db", SourceFlag)
	check("env beats file", testFactory(t, file), "/from/env.db", SourceEnv)
	t.Setenv("ACCTL_STORE", "")
	check("file beats default", testFactory(t, file), "/from/file.db", SourceFile)
	check("default", testFactory(t, ""), DefaultStorePath(), SourceDefault)

	// Nested keys follow the same order.
	f := testFactory(t, file)
	cfg, err := f.Config()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DeletionHold != 30*24*time.Hour || cfg.Output != FormatCSV || cfg.File != file {
		t.Errorf("from file: hold %v output %q file %q", cfg.DeletionHold, cfg.Output, cfg.File)
	}
	t.Setenv("ACCTL_DELETION_HOLD", "36h")
	cfg, err = testFactory(t, file).Config()
	if err != nil || cfg.DeletionHold != 36*time.Hour {
		t.Errorf("env deletion.hold: %v, %v", cfg, err)
	}
}

func TestConfigDefaults(t *testing.T) {
	clearEnv(t)
	t.Setenv("XDG_DATA_HOME", "/data")
	t.Setenv("XDG_CONFIG_HOME", "/conf")
	cfg, err := testFactory(t, "").Config()
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Store:             "/data/acctl/acctl.db",
		AutoMigrate:       AutoMigrateAuto,
		DeletionHold:      14 * 24 * time.Hour,
		SessionIdle:       time.Hour,
		SessionAbsolute:   24 * time.Hour,
		SessionPersistent: 720 * time.Hour,
		LockoutThreshold:  10,
		LockoutDuration:   15 * time.Minute,
		PasswordMinLength: 15,
		Argon2:            acct.Argon2Params{Memory: 19456, Time: 2, Threads: 1},
		ScramIterations:   acct.DefaultScramIterations,
		HashMaxConcurrent: runtime.GOMAXPROCS(0),
		HashMaxQueue:      acct.DefaultHashQueuePerSlot * runtime.GOMAXPROCS(0),
		SecretFile:        "/conf/acctl/secret",
		OTPTTL:            10 * time.Minute,
		OTPAttempts:       5,
		OTPCooldown:       time.Minute,
		SignupVerify:      "none",
		RequireVerified:   true,
		ActivationTTL:     24 * time.Hour,
		JobsInterval:      10 * time.Second,
		JobsAttempts:      acct.DefaultJobAttempts,
		ReferrerPoints:    acct.DefaultReferrerPoints,
		NewUserPoints:     acct.DefaultNewUserPoints,
		AuthAddressRate:   authapi.DefaultAddressRate,
		AuthAccountRate:   authapi.DefaultAccountRate,
		Serve:             ServeConfig{Listen: "127.0.0.1:8080", LogFormat: "text", ShutdownTimeout: 30 * time.Second},
	}
	if cfg.OTPTTL != acct.DefaultOTPTTL || cfg.OTPAttempts != acct.DefaultOTPAttempts ||
		cfg.OTPCooldown != acct.DefaultOTPCooldown || cfg.ActivationTTL != acct.DefaultActivationTTL {
		t.Errorf("otp and activation defaults differ from acct's: %+v", *cfg)
	}
	// The defaults are acct's own.
	if cfg.SessionIdle != acct.DefaultSessionIdle || cfg.SessionAbsolute != acct.DefaultSessionAbsolute ||
		cfg.SessionPersistent != acct.DefaultSessionPersistent || cfg.LockoutThreshold != acct.DefaultLockoutThreshold ||
		cfg.LockoutDuration != acct.DefaultLockoutDuration {
		t.Errorf("session and lockout defaults differ from acct's: %+v", *cfg)
	}
	if !reflect.DeepEqual(*cfg, want) {
		t.Errorf("defaults:\ngot  %+v\nwant %+v", *cfg, want)
	}
}

func TestConfigEnvKeys(t *testing.T) {
	clearEnv(t)
	t.Setenv("ACCTL_PASSWORD_ARGON2_MEMORY", "64")
	t.Setenv("ACCTL_PASSWORD_ARGON2_TIME", "1")
	t.Setenv("ACCTL_PASSWORD_ARGON2_THREADS", "2")
	t.Setenv("ACCTL_PASSWORD_MIN_LENGTH", "20")
	t.Setenv("ACCTL_PHONE_REGION", "GB")
	t.Setenv("ACCTL_OUTPUT", "json")
	cfg, err := testFactory(t, "").Config()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Argon2 != (acct.Argon2Params{Memory: 64, Time: 1, Threads: 2}) || cfg.PasswordMinLength != 20 ||
		cfg.PhoneRegion != "GB" || cfg.Output != "json" {
		t.Errorf("from env: %+v", *cfg)
	}
}

func TestConfigSessionAndLockout(t *testing.T) {
	clearEnv(t)
	// From the environment, with the d suffix.
	t.Setenv("ACCTL_SESSION_IDLE", "30m")
	t.Setenv("ACCTL_SESSION_ABSOLUTE", "1d12h")
	t.Setenv("ACCTL_SESSION_PERSISTENT", "90d")
	t.Setenv("ACCTL_LOCKOUT_THRESHOLD", "5")
	t.Setenv("ACCTL_LOCKOUT_DURATION", "1h")
	cfg, err := testFactory(t, "").Config()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SessionIdle != 30*time.Minute || cfg.SessionAbsolute != 36*time.Hour || cfg.SessionPersistent != 90*24*time.Hour ||
		cfg.LockoutThreshold != 5 || cfg.LockoutDuration != time.Hour {
		t.Errorf("from env: %+v", *cfg)
	}

	// From the file, nested; the environment still wins.
	clearEnv(t)
	t.Setenv("ACCTL_LOCKOUT_THRESHOLD", "7")
	file := writeFile(t, "config.yaml", "session:\n  idle: 2h\n  persistent: 7d\nlockout:\n  threshold: 3\n  duration: 1d\n")
	cfg, err = testFactory(t, file).Config()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SessionIdle != 2*time.Hour || cfg.SessionAbsolute != 24*time.Hour || cfg.SessionPersistent != 7*24*time.Hour ||
		cfg.LockoutThreshold != 7 || cfg.LockoutDuration != 24*time.Hour {
		t.Errorf("from file: %+v", *cfg)
	}
	f := testFactory(t, file)
	entries, _, err := f.ConfigEntries()
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string]string{}
	for _, e := range entries {
		sources[e.Key] = e.Value + " " + e.Source
	}
	for k, want := range map[string]string{
		KeySessionIdle:       "2h file",
		KeySessionAbsolute:   "24h default",
		KeySessionPersistent: "7d file",
		KeyLockoutThreshold:  "7 env",
		KeyLockoutDuration:   "1d file",
	} {
		if sources[k] != want {
			t.Errorf("%s: %q, want %q", k, sources[k], want)
		}
	}
	if unknown := UnknownConfigKeys(f.v); len(unknown) != 0 {
		t.Errorf("unknown keys: %v", unknown)
	}
}

func TestConfigFileErrors(t *testing.T) {
	clearEnv(t)
	// A missing default file is fine.
	if _, err := testFactory(t, "").Config(); err != nil {
		t.Errorf("missing default file: %v", err)
	}
	// A missing --config file is not.
	_, err := testFactory(t, filepath.Join(t.TempDir(), "nope.yaml")).Config()
	if ExitCode(err) != ExitUsage {
		t.Errorf("missing --config file: %v (exit %d)", err, ExitCode(err))
	}
	// Nor is a file that does not parse.
	bad := writeFile(t, "bad.yaml", "store: [unclosed\n")
	if _, err := testFactory(t, bad).Config(); ExitCode(err) != ExitUsage {
		t.Errorf("bad yaml: %v", err)
	}
}

func TestConfigBadValues(t *testing.T) {
	tests := []struct{ env, value, field string }{
		{"ACCTL_DELETION_HOLD", "forever", KeyDeletionHold},
		{"ACCTL_DELETION_HOLD", "-1d", KeyDeletionHold},
		{"ACCTL_PASSWORD_MIN_LENGTH", "ten", KeyPasswordMinLength},
		{"ACCTL_PASSWORD_ARGON2_MEMORY", "0", KeyArgon2Memory},
		{"ACCTL_PASSWORD_ARGON2_THREADS", "300", KeyArgon2Threads},
		{"ACCTL_PASSWORD_ARGON2_MEMORY", "8", "password.argon2"},
		{"ACCTL_SCRAM_ITERATIONS", "4095", KeyScramIterations},
		{"ACCTL_SCRAM_ITERATIONS", "many", KeyScramIterations},
		{"ACCTL_OUTPUT", "xml", ""},
		{"ACCTL_SESSION_IDLE", "soon", KeySessionIdle},
		{"ACCTL_SESSION_IDLE", "0", KeySessionIdle},
		{"ACCTL_SESSION_ABSOLUTE", "-1h", KeySessionAbsolute},
		{"ACCTL_SESSION_PERSISTENT", "0s", KeySessionPersistent},
		{"ACCTL_LOCKOUT_THRESHOLD", "0", KeyLockoutThreshold},
		{"ACCTL_LOCKOUT_THRESHOLD", "3.5", KeyLockoutThreshold},
		{"ACCTL_LOCKOUT_DURATION", "a while", KeyLockoutDuration},
		{"ACCTL_SECRET_FILE", " ", KeySecretFile},
		{"ACCTL_PUBLIC_URL", "example.com/reset", KeyPublicURL},
		{"ACCTL_PUBLIC_URL", "ftp://example.com/reset", KeyPublicURL},
		{"ACCTL_EMAIL_SMTP_PORT", "smtp", KeySMTPPort},
		{"ACCTL_EMAIL_SMTP_PORT", "70000", KeySMTPPort},
		{"ACCTL_OTP_TTL", "0", KeyOTPTTL},
		{"ACCTL_OTP_TTL", "ten minutes", KeyOTPTTL},
		{"ACCTL_OTP_ATTEMPTS", "0", KeyOTPAttempts},
		{"ACCTL_OTP_ATTEMPTS", "-1", KeyOTPAttempts},
		{"ACCTL_OTP_COOLDOWN", "-60s", KeyOTPCooldown},
		{"ACCTL_SIGNUP_VERIFY", "sms", KeySignupVerify},
		{"ACCTL_LOGIN_REQUIRE_VERIFIED", "sometimes", KeyRequireVerified},
		{"ACCTL_ACTIVATION_TTL", "1 day", KeyActivationTTL},
	}
	for _, tt := range tests {
		t.Run(tt.env+"="+tt.value, func(t *testing.T) {
			clearEnv(t)
			t.Setenv(tt.env, tt.value)
			_, err := testFactory(t, "").Config()
			if ExitCode(err) != ExitUsage {
				t.Fatalf("err = %v, want a usage/invalid error", err)
			}
			if got := acct.ErrorField(err); got != tt.field {
				t.Errorf("field = %q, want %q", got, tt.field)
			}
		})
	}
}

func TestMaskSecret(t *testing.T) {
	tests := []struct{ key, value, want string }{
		{"smtp.password", "hunter2", Mask},
		{"smtp.password_file", "/etc/acctl/smtp", "/etc/acctl/smtp"},
		{"password.min_length", "15", "15"},
		{"password.argon2.memory", "19456", "19456"},
		{"server.secret", "abc", Mask},
		{"sms.token", "abc", Mask},
		{"sms.token_file", "/run/token", "/run/token"},
		{"api.token", "", ""},
		{"store", "postgres://acctl:s3cret@db.example.com:5432/acctl?sslmode=require",
			"postgres://acctl:********@db.example.com:5432/acctl?sslmode=require"},
		{"store", "postgres://acctl@db.example.com/acctl", "postgres://acctl@db.example.com/acctl"},
		{"store", "/var/lib/acctl/acctl.db", "/var/lib/acctl/acctl.db"},
		{"store", "https://key:k3y@acctl.example.com", "https://key:********@acctl.example.com"},
		// Secrets in the query string, the order of the parameters kept.
		{"store", "postgres://db.example.com/acctl?sslmode=require&password=s3cret",
			"postgres://db.example.com/acctl?sslmode=require&password=********"},
		{"store", "postgres://u@db/acctl?sslpassword=x&application_name=acctl",
			"postgres://u@db/acctl?sslpassword=********&application_name=acctl"},
		{"sms.webhook.url", "https://sms.example.com/send?api_key=abc&to=x",
			"https://sms.example.com/send?api_key=********&to=x"},
		{"sms.webhook.url", "https://sms.example.com/send?access_token=abc",
			"https://sms.example.com/send?access_token=********"},
		{"public_url", "https://example.com/reset?lang=en", "https://example.com/reset?lang=en"},
	}
	for _, tt := range tests {
		if got := MaskSecret(tt.key, tt.value); got != tt.want {
			t.Errorf("MaskSecret(%q, %q) = %q, want %q", tt.key, tt.value, got, tt.want)
		}
	}
}

func TestEnvVar(t *testing.T) {
	for key, want := range map[string]string{
		"store":                  "ACCTL_STORE",
		"deletion.hold":          "ACCTL_DELETION_HOLD",
		"password.argon2.memory": "ACCTL_PASSWORD_ARGON2_MEMORY",
	} {
		if got := EnvVar(key); got != want {
			t.Errorf("EnvVar(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestExpandHome(t *testing.T) {
	t.Setenv("HOME", "/home/alice")
	for in, want := range map[string]string{
		"~":          "/home/alice",
		"~/acctl.db": "/home/alice/acctl.db",
		"/abs/x.db":  "/abs/x.db",
		"rel/x.db":   "rel/x.db",
		"~bob/x.db":  "~bob/x.db",
	} {
		if got := ExpandHome(in); got != want {
			t.Errorf("ExpandHome(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfigDelivery(t *testing.T) {
	clearEnv(t)
	t.Setenv("HOME", "/home/alice")
	file := writeFile(t, "config.yaml", `secret_file: ~/acctl.key
public_url: https://example.com/reset/{code}
email:
  from: Accounts <accounts@example.com>
  smtp:
    host: smtp.example.com
    port: 465
    tls: TLS
    username: acctl
    password_file: ~/smtp-password
sms:
  command: [/usr/local/bin/sms-send, --to, "{to}"]
outbox: /var/log/acctl/outbox.jsonl
templates: ~/templates
`)
	f := testFactory(t, file)
	cfg, err := f.Config()
	if err != nil {
		t.Fatal(err)
	}
	want := notify.Config{
		Email: notify.EmailConfig{From: "Accounts <accounts@example.com>", SMTP: notify.SMTPConfig{
			Host: "smtp.example.com", Port: 465, TLS: "tls", Username: "acctl", PasswordFile: "/home/alice/smtp-password"}},
		SMS:       notify.SMSConfig{Command: []string{"/usr/local/bin/sms-send", "--to", "{to}"}},
		Outbox:    "/var/log/acctl/outbox.jsonl",
		Templates: "/home/alice/templates",
	}
	if !reflect.DeepEqual(cfg.Notify, want) || cfg.SecretFile != "/home/alice/acctl.key" ||
		cfg.PublicURL != "https://example.com/reset/{code}" || !cfg.DeliveryConfigured() {
		t.Errorf("from file:\n%+v\nwant %+v\nsecret %q, url %q", cfg.Notify, want, cfg.SecretFile, cfg.PublicURL)
	}
	if unknown := UnknownConfigKeys(f.v); len(unknown) != 0 {
		t.Errorf("unknown keys: %v", unknown)
	}
	entries, _, err := f.ConfigEntries()
	if err != nil {
		t.Fatal(err)
	}
	shown := map[string]string{}
	for _, e := range entries {
		shown[e.Key] = e.Value + " " + e.Source
	}
	for k, want := range map[string]string{
		// Paths to secrets are shown: they are not secrets.
		KeySecretFile:       "~/acctl.key file",
		KeySMTPPasswordFile: "~/smtp-password file",
		KeySMSCommand:       `["/usr/local/bin/sms-send","--to","{to}"] file`,
		KeySMSWebhookURL:    " default",
		KeySMTPPort:         "465 file",
	} {
		if shown[k] != want {
			t.Errorf("config show %s: %q, want %q", k, shown[k], want)
		}
	}

	// The environment: a command is words separated by spaces.
	clearEnv(t)
	t.Setenv("ACCTL_SMS_COMMAND", "sms-send  --to {to}")
	t.Setenv("ACCTL_SMS_WEBHOOK_URL", "https://user:pw@sms.example.com/send")
	t.Setenv("ACCTL_OUTBOX", "/tmp/outbox")
	f = testFactory(t, "")
	cfg, err = f.Config()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.Notify.SMS.Command, []string{"sms-send", "--to", "{to}"}) || cfg.Notify.Outbox != "/tmp/outbox" {
		t.Errorf("from env: %+v", cfg.Notify)
	}
	entries, _, _ = f.ConfigEntries()
	for _, e := range entries {
		if e.Key == KeySMSWebhookURL && e.Value != "https://user:********@sms.example.com/send" {
			t.Errorf("webhook url shown as %q", e.Value)
		}
	}

	// Nothing set: no delivery.
	clearEnv(t)
	cfg, err = testFactory(t, "").Config()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DeliveryConfigured() {
		t.Errorf("delivery configured by default: %+v", cfg.Notify)
	}
}

func TestCheckDelivery(t *testing.T) {
	for _, tc := range []struct {
		name      string
		n         notify.Config
		store     string
		email, sm bool
	}{
		{"nothing", notify.Config{}, "/x.db", false, false},
		{"outbox", notify.Config{Outbox: "/o"}, "/x.db", true, true},
		{"smtp", notify.Config{Email: notify.EmailConfig{SMTP: notify.SMTPConfig{Host: "h"}}}, "/x.db", true, false},
		{"webhook", notify.Config{SMS: notify.SMSConfig{Webhook: notify.WebhookConfig{URL: "https://x"}}}, "/x.db", false, true},
		{"command", notify.Config{SMS: notify.SMSConfig{Command: []string{"x"}}}, "/x.db", false, true},
		{"remote", notify.Config{}, "https://acctl.example.com", true, true},
	} {
		c := &Config{Store: tc.store, Notify: tc.n}
		if err := c.CheckDelivery(acct.ChannelEmail); (err == nil) != tc.email || (err != nil && ExitCode(err) != ExitUsage) {
			t.Errorf("%s: email: %v", tc.name, err)
		}
		if err := c.CheckDelivery(acct.ChannelSMS); (err == nil) != tc.sm || (err != nil && ExitCode(err) != ExitUsage) {
			t.Errorf("%s: sms: %v", tc.name, err)
		}
		if err := c.CheckDelivery(acct.ChannelNone); err != nil {
			t.Errorf("%s: none: %v", tc.name, err)
		}
	}
}

func TestConfigVerification(t *testing.T) {
	tests := []struct {
		name, file string
		env        map[string]string
		check      func(c *Config) bool
	}{
		{"from the file", "otp:\n  ttl: 5m\n  attempts: 3\n  cooldown: 2m\nactivation:\n  ttl: 2d\n", nil,
			func(c *Config) bool {
				return c.OTPTTL == 5*time.Minute && c.OTPAttempts == 3 && c.OTPCooldown == 2*time.Minute &&
					c.ActivationTTL == 48*time.Hour
			}},
		{"from the environment", "otp:\n  attempts: 3\n", map[string]string{"ACCTL_OTP_ATTEMPTS": "8", "ACCTL_OTP_COOLDOWN": "30s"},
			func(c *Config) bool { return c.OTPAttempts == 8 && c.OTPCooldown == 30*time.Second }},
		{"no verification: a pending account still waits for its activation", "", nil,
			func(c *Config) bool { return c.SignupVerify == acct.SignupVerifyNone && c.RequireVerified }},
		{"turned off explicitly", "login:\n  require_verified: false\n", nil,
			func(c *Config) bool { return c.SignupVerify == acct.SignupVerifyNone && !c.RequireVerified }},
		{"email verification requires it", "signup:\n  verify: email\n", nil,
			func(c *Config) bool { return c.SignupVerify == acct.SignupVerifyEmail && c.RequireVerified }},
		{"phone verification requires it", "", map[string]string{"ACCTL_SIGNUP_VERIFY": "Phone"},
			func(c *Config) bool { return c.SignupVerify == acct.SignupVerifyPhone && c.RequireVerified }},
		{"an explicit false wins", "signup:\n  verify: email\nlogin:\n  require_verified: false\n", nil,
			func(c *Config) bool { return c.SignupVerify == acct.SignupVerifyEmail && !c.RequireVerified }},
		{"an explicit true wins", "login:\n  require_verified: true\n", nil,
			func(c *Config) bool { return c.SignupVerify == acct.SignupVerifyNone && c.RequireVerified }},
		{"from the environment too", "signup:\n  verify: email\n", map[string]string{"ACCTL_LOGIN_REQUIRE_VERIFIED": "0"},
			func(c *Config) bool { return !c.RequireVerified }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			file := ""
			if tt.file != "" {
				file = writeFile(t, "config.yaml", tt.file)
			}
			f := testFactory(t, file)
			cfg, err := f.Config()
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(cfg) {
				t.Errorf("config: %+v", *cfg)
			}
			if unknown := UnknownConfigKeys(f.v); len(unknown) != 0 {
				t.Errorf("unknown keys: %v", unknown)
			}
		})
	}
}

func TestNearestKey(t *testing.T) {
	for key, want := range map[string]string{
		"deletion.hodl":      KeyDeletionHold,
		"session.idel":       KeySessionIdle,
		"serve.listen_addr":  "",
		"stor":               KeyStore,
		"colour":             "",
		"email.smtp.pasword": "",
	} {
		if got := NearestKey(key); got != want {
			t.Errorf("NearestKey(%q) = %q, want %q", key, got, want)
		}
	}
}

// TestKeyDefs: every key has one definition, with a meaning and the
// commands that use it, and a default viper can read.
func TestKeyDefs(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range KeyDefs {
		if seen[d.Key] {
			t.Errorf("%s: defined twice", d.Key)
		}
		seen[d.Key] = true
		if d.Meaning == "" || d.UsedBy == "" {
			t.Errorf("%s: want a Meaning and UsedBy", d.Key)
		}
		if d.DefaultFunc != nil && d.DocDefault == "" {
			t.Errorf("%s: a computed default needs a DocDefault", d.Key)
		}
	}
	if len(ConfigKeys) != len(KeyDefs) || len(ConfigDefaults()) != len(KeyDefs) {
		t.Errorf("ConfigKeys and ConfigDefaults are not made from KeyDefs")
	}
}
