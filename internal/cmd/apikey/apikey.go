// Package apikey holds the "acctl apikey" commands: create, list and
// revoke the API keys with which clients call `acctl serve`.
package apikey

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// NewCmdAPIKey returns the "apikey" command and its verbs.
func NewCmdAPIKey(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "apikey <command>",
		Short: "Create, list and revoke the API keys of acctl serve",
		Long: cmdutil.LongHelp(`Create, list and revoke the API keys with which programs and people call
"acctl serve" (acctl --store https://… with ACCTL_TOKEN or --token-file).

A key has a name, unique among all keys (revoked ones included), which the
audit trail records as the actor of what the key does, and a role, for
least privilege:

  admin    everything, on every account (as a local operator)
  support  user get and list, session list (on every account); password
           reset-code, otp send and verify, session end, user unlock, on
           accounts that are not admins only
  auditor  read only, the audit trail included

A support key may not act on an admin account: no reset code, unlock,
passcode or session change for it (exit 6, "refused", recorded in the
audit trail); an admin key or a local operator may.

The secret token (acctl_key_…) is printed once, by "apikey create", and
stored only as a hash: it can never be shown again. Lists show the first
characters of each token (PREFIX), to recognise a key. A revoked key opens
nothing any more; it stays listed. A key's last use is recorded at most
once a minute.

API keys are managed where the store is: these commands work on a local
store (a SQLite file or PostgreSQL), never through a server (an http:// or
https:// store is exit 2).`),
		Example: `  acctl apikey create help-desk --role support
  acctl apikey list
  acctl apikey revoke help-desk --yes`,
		Args: cobra.ArbitraryArgs,
		RunE: cmdutil.GroupRunE,
	}
	cmd.AddCommand(
		NewCmdCreate(f, nil),
		NewCmdList(f, nil),
		NewCmdRevoke(f, nil),
	)
	return cmd
}

// roles are the roles of API keys, for help and completion.
var roles = []string{string(acct.RoleAdmin), string(acct.RoleSupport), string(acct.RoleAuditor)}

// errRemote refuses to manage keys through a server: a key opens the
// server, so it is made where the store is.
func errRemote() error {
	return cmdutil.WithHint(&acct.Error{Code: acct.CodeInvalid, Field: "store",
		Message: "API keys are managed where the store is: acctl apikey does not work through a server (an http:// or https:// store)"},
		`run it on the server's machine, with --store naming the store that "acctl serve" serves`)
}

// isRemote reports whether the store URL names a server.
func isRemote(store string) bool {
	s := strings.ToLower(strings.TrimSpace(store))
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// keyManager returns the printer and the KeyManager of the configured
// store, checking the output format first. A remote store is refused
// before it is contacted; the Service of a local store is an acct.Local,
// which manages keys.
func keyManager(ctx context.Context, f *cmdutil.Factory) (*cmdutil.Printer, acct.KeyManager, error) {
	p, err := f.Printer()
	if err != nil {
		return nil, nil, err
	}
	cfg, err := f.Config()
	if err != nil {
		return nil, nil, err
	}
	if isRemote(cfg.Store) {
		return nil, nil, errRemote()
	}
	svc, err := f.Service(ctx)
	if err != nil {
		return nil, nil, err
	}
	km, ok := svc.(acct.KeyManager)
	if !ok {
		return nil, nil, errRemote()
	}
	return p, km, nil
}

// columns are the columns of a key in tables, tsv and csv.
var columns = []string{"NAME", "ROLE", "PREFIX", "CREATED", "CREATED_BY", "LAST_USED", "REVOKED"}

func row(k acct.APIKey) []string {
	return []string{
		k.Name,
		string(k.Role),
		k.Prefix,
		cmdutil.FormatTime(k.CreatedAt),
		k.CreatedBy,
		cmdutil.FormatTimePtr(k.LastUsedAt),
		cmdutil.FormatTimePtr(k.RevokedAt),
	}
}

// fields are a key's lines on a terminal; never the token.
func fields(k acct.APIKey) []cmdutil.Field {
	return []cmdutil.Field{
		{Key: "name", Value: k.Name},
		{Key: "role", Value: string(k.Role)},
		{Key: "prefix", Value: k.Prefix},
		{Key: "created_at", Value: cmdutil.FormatTime(k.CreatedAt)},
		{Key: "created_by", Value: k.CreatedBy},
		{Key: "last_used_at", Value: cmdutil.FormatTimePtr(k.LastUsedAt)},
		{Key: "revoked_at", Value: cmdutil.FormatTimePtr(k.RevokedAt)},
	}
}
