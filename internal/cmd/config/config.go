// Package config holds the "acctl config" commands.
package config

import (
	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmdutil"
)

// NewCmdConfig returns the "config" command and its verbs.
func NewCmdConfig(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config <command>",
		Short: "Show the configuration",
		Long: cmdutil.LongHelp(`Show acctl's configuration. A setting comes, from the highest precedence
down, from a flag, from an ACCTL_* environment variable (the key in upper
case, dots as underscores: deletion.hold is ACCTL_DELETION_HOLD), from the
config file ($XDG_CONFIG_HOME/acctl/config.yaml, or --config FILE), or from
its default.

Keys:
  store                    the store: a path, sqlite:PATH, postgres://… or https://…
                           (default $XDG_DATA_HOME/acctl/acctl.db)
  output                   table, tsv, json or csv (default: table on a terminal)
  deletion.hold            how long unregistered accounts stay restorable (14d)
  session.idle             a session not freshened for this long expires (1h)
  session.absolute         a session expires this long after login, however fresh (24h)
  session.persistent       lifetime of a keep-me-logged-in session (720h)
  lockout.threshold        failed logins in a row that lock an account (10)
  lockout.duration         how long such a lockout lasts (15m)
  phone.region             region for phone numbers without +country, e.g. GB
  password.min_length      shortest password accepted (15)
  password.argon2.memory   argon2id memory in KiB (19456)
  password.argon2.time     argon2id passes (2)
  password.argon2.threads  argon2id lanes (1)
  hash.max_concurrent      password hashes and checks run at once, each holding
                           password.argon2.memory (auto: GOMAXPROCS)
  hash.max_queue           checks that may wait for a slot; beyond, a request is
                           refused as unavailable, exit 7 or HTTP 503 (auto: 8 ×
                           hash.max_concurrent)
  otp.ttl                  life of a one-time passcode (10m)
  otp.attempts             checks a passcode allows before it is void (5)
  otp.cooldown             wait before another passcode of the same purpose to
                           the same number or address (60s)
  signup.verify            how a new account proves its address: none, email
                           (an activation link) or phone (a passcode) (none)
  login.require_verified   refuse the login of a pending account until it is
                           activated (true; false lets it log in)
  activation.ttl           life of an activation link (24h)

Durations take the units s, m, h and d (days of 24h): 90m, 36h, 14d.`),
		Example: `  acctl config show
  ACCTL_SESSION_IDLE=30m acctl config show`,
		Args: cobra.ArbitraryArgs,
		RunE: cmdutil.GroupRunE,
	}
	cmd.AddCommand(NewCmdShow(f))
	return cmd
}
