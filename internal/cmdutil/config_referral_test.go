package cmdutil

import (
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

func TestConfigReferralPoints(t *testing.T) {
	tests := []struct {
		name, file       string
		env              map[string]string
		referrer, invite int64
	}{
		{"defaults", "", nil, acct.DefaultReferrerPoints, acct.DefaultNewUserPoints},
		{"from the file", "referral:\n  referrer_points: 25\n  new_user_points: 0\n", nil, 25, 0},
		{"the environment wins", "referral:\n  referrer_points: 25\n", map[string]string{"ACCTL_REFERRAL_REFERRER_POINTS": "0", "ACCTL_REFERRAL_NEW_USER_POINTS": " 7 "}, 0, 7},
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
			if cfg.ReferrerPoints != tt.referrer || cfg.NewUserPoints != tt.invite {
				t.Errorf("points %d and %d, want %d and %d", cfg.ReferrerPoints, cfg.NewUserPoints, tt.referrer, tt.invite)
			}
			if unknown := UnknownConfigKeys(f.v); len(unknown) != 0 {
				t.Errorf("unknown keys: %v", unknown)
			}
		})
	}
	for _, bad := range []struct{ env, value, field string }{
		{"ACCTL_REFERRAL_REFERRER_POINTS", "-1", KeyReferrerPoints},
		{"ACCTL_REFERRAL_REFERRER_POINTS", "ten", KeyReferrerPoints},
		{"ACCTL_REFERRAL_NEW_USER_POINTS", "2.5", KeyNewUserPoints},
		{"ACCTL_REFERRAL_NEW_USER_POINTS", "1000000001", KeyNewUserPoints},
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
