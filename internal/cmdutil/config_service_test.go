package cmdutil

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

func TestDefaultsWithoutHome(t *testing.T) {
	clearEnv(t)
	t.Setenv("HOME", "")
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("XDG_CONFIG_HOME", "")
	if p := DefaultStorePath(); p != "" {
		t.Errorf("DefaultStorePath without HOME = %q, want \"\"", p)
	}
	if p := DefaultSecretFile(); p != "" {
		t.Errorf("DefaultSecretFile without HOME = %q, want \"\"", p)
	}
	if p := DefaultConfigFile(); p != "" {
		t.Errorf("DefaultConfigFile without HOME = %q, want \"\"", p)
	}
	_, err := testFactory(t, "").Config()
	if acct.ErrorCode(err) != acct.CodeInvalid || !strings.Contains(err.Error()+Hint(err), "--store") {
		t.Errorf("Config without HOME: %v (hint %q), want invalid naming --store", err, Hint(err))
	}
}

func TestDefaultsOfAService(t *testing.T) {
	clearEnv(t)
	t.Setenv("HOME", "")
	t.Setenv("XDG_DATA_HOME", "/data")
	t.Setenv("XDG_CONFIG_HOME", "/conf")
	state := t.TempDir()
	t.Setenv("STATE_DIRECTORY", state+":/var/lib/other")
	if got, want := DefaultStorePath(), filepath.Join(state, "acctl.db"); got != want {
		t.Errorf("DefaultStorePath = %q, want %q", got, want)
	}
	if got, want := DefaultSecretFile(), filepath.Join(state, "secret"); got != want {
		t.Errorf("DefaultSecretFile = %q, want %q", got, want)
	}
	creds := t.TempDir()
	t.Setenv("CREDENTIALS_DIRECTORY", creds)
	if got := DefaultSMTPPasswordFile(); got != "" {
		t.Errorf("DefaultSMTPPasswordFile without the credential = %q", got)
	}
	for _, name := range []string{CredentialSecret, CredentialSMTPPassword} {
		if err := os.WriteFile(filepath.Join(creds, name), []byte("x"), 0o400); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := DefaultSecretFile(), filepath.Join(creds, "secret"); got != want {
		t.Errorf("DefaultSecretFile = %q, want the credential %q", got, want)
	}
	cfg, err := testFactory(t, "").Config()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(creds, "smtp_password"); cfg.Notify.Email.SMTP.PasswordFile != want {
		t.Errorf("email.smtp.password_file = %q, want the credential %q", cfg.Notify.Email.SMTP.PasswordFile, want)
	}
}

func TestConfigEnvNamesTheFile(t *testing.T) {
	clearEnv(t)
	file := writeFile(t, "env.yaml", "phone:\n  region: GB\n")
	t.Setenv(ConfigEnv, file)
	f := testFactory(t, "")
	if f.EnvConfigFile != file {
		t.Fatalf("EnvConfigFile = %q, want %q", f.EnvConfigFile, file)
	}
	cfg, err := f.Config()
	if err != nil || cfg.PhoneRegion != "GB" || cfg.File != file {
		t.Errorf("ACCTL_CONFIG: %+v, %v", cfg, err)
	}
	// --config wins.
	other := writeFile(t, "other.yaml", "phone:\n  region: FR\n")
	cfg, err = testFactory(t, other).Config()
	if err != nil || cfg.PhoneRegion != "FR" {
		t.Errorf("--config over ACCTL_CONFIG: %+v, %v", cfg, err)
	}
	// It must exist.
	t.Setenv(ConfigEnv, filepath.Join(t.TempDir(), "missing.yaml"))
	if _, err := testFactory(t, "").Config(); acct.ErrorCode(err) != acct.CodeInvalid {
		t.Errorf("missing ACCTL_CONFIG: %v", err)
	}
}

func TestServeSettings(t *testing.T) {
	clearEnv(t)
	file := writeFile(t, "serve.yaml", `serve:
  listen: 0.0.0.0:8443
  tls_cert: /etc/acctl/cert.pem
  tls_key: /etc/acctl/key.pem
  log_format: json
  shutdown_timeout: 1m
`)
	cfg, err := testFactory(t, file).Config()
	if err != nil {
		t.Fatal(err)
	}
	want := ServeConfig{Listen: "0.0.0.0:8443", TLSCert: "/etc/acctl/cert.pem", TLSKey: "/etc/acctl/key.pem",
		LogFormat: "json", ShutdownTimeout: time.Minute}
	if cfg.Serve != want {
		t.Errorf("serve: %+v, want %+v", cfg.Serve, want)
	}
	t.Setenv("ACCTL_SERVE_SHUTDOWN_TIMEOUT", "5s")
	if cfg, err := testFactory(t, file).Config(); err != nil || cfg.Serve.ShutdownTimeout != 5*time.Second {
		t.Errorf("env over file: %+v, %v", cfg, err)
	}
	for _, bad := range []string{
		"serve:\n  listen: nowhere\n",
		"serve:\n  tls_cert: c.pem\n",
		"serve:\n  log_format: xml\n",
		"serve:\n  shutdown_timeout: 0s\n",
	} {
		t.Setenv("ACCTL_SERVE_SHUTDOWN_TIMEOUT", "")
		_, err := testFactory(t, writeFile(t, "bad.yaml", bad)).Config()
		if acct.ErrorCode(err) != acct.CodeInvalid || !strings.Contains(err.Error(), "serve.") {
			t.Errorf("%q: %v, want invalid naming the key", bad, err)
		}
	}
}
