package cmdutil

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/authapi"
)

func TestConfigAuthKeys(t *testing.T) {
	clearEnv(t)
	file := writeFile(t, "config.yaml", "auth:\n  rate:\n    address: 100/1h\n    account: \"off\"\n"+
		"  origins:\n    - https://App.example.com\n    - http://localhost:3000/\n  client_ip_header: X-Forwarded-For\n"+
		"serve:\n  trusted_proxies:\n    - 10.0.0.0/8\n    - ::1\n")
	f := testFactory(t, file)
	cfg, err := f.Config()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AuthAddressRate != (authapi.Rate{Events: 100, Per: time.Hour}) || cfg.AuthAccountRate != authapi.Unlimited {
		t.Errorf("rates %v and %v", cfg.AuthAddressRate, cfg.AuthAccountRate)
	}
	if want := []string{"https://app.example.com", "http://localhost:3000"}; !reflect.DeepEqual(cfg.AuthOrigins, want) {
		t.Errorf("origins %q, want %q", cfg.AuthOrigins, want)
	}
	// The removed key is kept for serve to refuse, and not called unknown.
	if cfg.AuthClientIPHeader != "X-Forwarded-For" {
		t.Errorf("header %q", cfg.AuthClientIPHeader)
	}
	if got := fmt.Sprint(cfg.TrustedProxies.Prefixes()); got != "[10.0.0.0/8 ::1/128]" {
		t.Errorf("trusted proxies %s", got)
	}
	if unknown := UnknownConfigKeys(f.v); len(unknown) != 0 {
		t.Errorf("unknown keys: %v", unknown)
	}

	// The environment: a list is words separated by spaces.
	clearEnv(t)
	t.Setenv("ACCTL_AUTH_ORIGINS", "https://a.example.com https://b.example.com")
	t.Setenv("ACCTL_AUTH_RATE_ACCOUNT", "5/10m")
	t.Setenv("ACCTL_SERVE_TRUSTED_PROXIES", "10.1.0.0/16,192.0.2.1 2001:db8::/32")
	cfg, err = testFactory(t, "").Config()
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.AuthOrigins) != 2 || cfg.AuthAccountRate != (authapi.Rate{Events: 5, Per: 10 * time.Minute}) {
		t.Errorf("origins %q, rate %v", cfg.AuthOrigins, cfg.AuthAccountRate)
	}
	if got := fmt.Sprint(cfg.TrustedProxies.Prefixes()); got != "[10.1.0.0/16 192.0.2.1/32 2001:db8::/32]" {
		t.Errorf("trusted proxies from the environment %s", got)
	}

	for _, bad := range []struct{ env, value, field string }{
		{"ACCTL_AUTH_RATE_ADDRESS", "30", KeyAuthRateAddress},
		{"ACCTL_AUTH_RATE_ACCOUNT", "0/1m", KeyAuthRateAccount},
		{"ACCTL_AUTH_ORIGINS", "app.example.com", KeyAuthOrigins},
		{"ACCTL_AUTH_ORIGINS", "https://app.example.com/path", KeyAuthOrigins},
		{"ACCTL_SERVE_TRUSTED_PROXIES", "10.0.0.0/33", KeyTrustedProxies},
		{"ACCTL_SERVE_TRUSTED_PROXIES", "proxy.example.com", KeyTrustedProxies},
	} {
		t.Run(bad.env+"="+bad.value, func(t *testing.T) {
			clearEnv(t)
			t.Setenv(bad.env, bad.value)
			_, err := testFactory(t, "").Config()
			if ExitCode(err) != ExitUsage || acct.ErrorField(err) != bad.field {
				t.Fatalf("err = %v (field %q), want invalid %s", err, acct.ErrorField(err), bad.field)
			}
		})
	}
}
