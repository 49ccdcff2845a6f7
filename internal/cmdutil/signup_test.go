package cmdutil

import (
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

func TestSignupChannel(t *testing.T) {
	for _, c := range []struct {
		verify  string
		pending bool
		email   string
		ch      acct.Channel
		ok      bool
	}{
		{"", false, "a@example.com", "", false},
		{acct.SignupVerifyNone, false, "", "", false},
		{acct.SignupVerifyNone, true, "a@example.com", acct.ChannelEmail, true},
		{acct.SignupVerifyNone, true, "", acct.ChannelSMS, true},
		{acct.SignupVerifyEmail, false, "a@example.com", acct.ChannelEmail, true},
		{acct.SignupVerifyEmail, false, "", acct.ChannelEmail, true},
		{acct.SignupVerifyPhone, false, "a@example.com", acct.ChannelSMS, true},
	} {
		cfg := &Config{SignupVerify: c.verify}
		if ch, ok := cfg.SignupChannel(c.pending, c.email); ch != c.ch || ok != c.ok {
			t.Errorf("%+v: %q %v", c, ch, ok)
		}
	}
}
