package root

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// MaxCompletions is the most candidates a completion offers: a REF prefix
// of one letter should not list a whole user base.
const MaxCompletions = 50

// completeTimeout bounds the store work of one completion: a shell waits
// for it, so a slow or unreachable store gives no candidates rather than a
// hung prompt.
const completeTimeout = 3 * time.Second

// The completions of arguments, by command path: what a value is decides
// how it completes.
var (
	// userArgCommands take a user REF as their first argument.
	userArgCommands = []string{
		"user get", "user update", "user lock", "user unlock", "user unregister", "user restore",
		"user email add", "user email list", "user email remove", "user email primary",
		"user phone add", "user phone list", "user phone remove", "user phone primary",
		"session create", "password set", "password change", "password verify", "password reset-code", "password codes",
		"points show", "points add", "points history", "otp send", "otp verify",
	}
	// sessionArgCommands take public session ids.
	sessionArgCommands = []string{"session end", "session freshen"}
	// fileValues are the value names (of flags and arguments) that are
	// files or may be: the shell completes file names for them.
	fileValues = []string{"FILE", "DIR", "PATH", "URL", "STORE", "FILE|-"}
	// userFlags are the flags whose value is a user REF.
	userFlags = []string{"user", "send"}
)

// addCompletions gives every command of the tree its completion: user
// REFs by prefix, API key names, session ids, file names where a value
// is a file, and nothing (no file names) anywhere else.
func addCompletions(root *cobra.Command, f *cmdutil.Factory) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		path := strings.TrimPrefix(c.CommandPath(), root.Name()+" ")
		if c.ValidArgsFunction == nil && len(c.ValidArgs) == 0 {
			switch {
			case slices.Contains(userArgCommands, path):
				c.ValidArgsFunction = firstArg(completeUsers(f))
			case slices.Contains(sessionArgCommands, path):
				c.ValidArgsFunction = completeSessions(f)
			case path == "apikey revoke":
				c.ValidArgsFunction = firstArg(completeAPIKeys(f))
			case path == "user import":
				c.ValidArgsFunction = firstArg(cobra.CompletionFunc(func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
					return nil, cobra.ShellCompDirectiveDefault // FILE|-
				}))
			default:
				c.ValidArgsFunction = cobra.NoFileCompletions
			}
		}
		c.LocalFlags().VisitAll(func(fl *pflag.Flag) {
			if _, ok := c.GetFlagCompletionFunc(fl.Name); ok || fl.NoOptDefVal != "" {
				return // completed already, or a boolean
			}
			name, _ := pflag.UnquoteUsage(fl)
			var fn cobra.CompletionFunc
			switch {
			case slices.Contains(fileValues, name):
				return // the shell's file names
			case name == "REF" && slices.Contains(userFlags, fl.Name):
				fn = completeUsers(f)
			case fl.Name == "except" && path == "session end":
				fn = completeSessions(f)
			default:
				fn = cobra.NoFileCompletions
			}
			_ = c.RegisterFlagCompletionFunc(fl.Name, fn)
		})
	}
	walk(root)
}

// firstArg completes the first argument with fn, and no more.
func firstArg(fn cobra.CompletionFunc) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return fn(cmd, args, toComplete)
	}
}

// completionService opens the configured store for a completion, or
// returns nil: never creates a SQLite file that is not there yet, never
// warns about the config file, and gives up after completeTimeout.
func completionService(cmd *cobra.Command, f *cmdutil.Factory) (context.Context, context.CancelFunc, acct.Service) {
	f.QuietUnknownKeys = true
	cfg, err := f.Config()
	if err != nil {
		return nil, nil, nil
	}
	kind, path, err := ParseStore(cfg.Store)
	if err != nil {
		return nil, nil, nil
	}
	if kind == "sqlite" {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, nil, nil
		}
	}
	parent := cmd.Context()
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithTimeout(parent, completeTimeout)
	svc, err := f.Service(ctx)
	if err != nil {
		cancel()
		return nil, nil, nil
	}
	return ctx, cancel, svc
}

// completeUsers offers the usernames, email addresses and phone numbers
// that start with what was typed (ignoring case), at most MaxCompletions,
// each described by the account's id and name.
func completeUsers(f *cmdutil.Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		ctx, cancel, svc := completionService(cmd, f)
		if svc == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer cancel()
		page, err := svc.ListUsers(ctx, acct.UserQuery{Search: toComplete, Prefix: true, Limit: MaxCompletions})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		lower := strings.ToLower(toComplete)
		var out []cobra.Completion
		seen := map[string]bool{}
		for _, u := range page.Users {
			desc := strings.TrimSpace(fmt.Sprintf("id %d %s %s", u.ID, u.FirstName, u.LastName))
			for _, ref := range []string{u.Username, u.Email, u.Phone} {
				if ref == "" || seen[ref] || !strings.HasPrefix(strings.ToLower(ref), lower) {
					continue
				}
				seen[ref] = true
				out = append(out, cobra.CompletionWithDesc(ref, desc))
				if len(out) == MaxCompletions {
					return out, cobra.ShellCompDirectiveNoFileComp
				}
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeAPIKeys offers the names of the API keys not yet revoked.
func completeAPIKeys(f *cmdutil.Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		ctx, cancel, svc := completionService(cmd, f)
		if svc == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer cancel()
		km, ok := svc.(acct.KeyManager)
		if !ok {
			return nil, cobra.ShellCompDirectiveNoFileComp // a remote store: keys are the server's
		}
		keys, err := km.ListAPIKeys(ctx)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, k := range keys {
			if k.RevokedAt == nil && strings.HasPrefix(k.Name, toComplete) && len(out) < MaxCompletions {
				out = append(out, cobra.CompletionWithDesc(k.Name, string(k.Role)))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeSessions offers the public ids of active sessions (of --user,
// when given), leaving out those already on the command line.
func completeSessions(f *cmdutil.Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		ctx, cancel, svc := completionService(cmd, f)
		if svc == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer cancel()
		q := acct.SessionQuery{Limit: acct.MaxPageSize}
		if fl := cmd.Flags().Lookup("user"); fl != nil && fl.Changed {
			q.User = fl.Value.String()
		}
		sessions, err := svc.ListSessions(ctx, q)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, s := range sessions {
			if !strings.HasPrefix(s.ID, toComplete) || slices.Contains(args, s.ID) {
				continue
			}
			who := s.Username
			if who == "" {
				who = s.Email
			}
			desc := strings.TrimSpace(who + " " + s.Label)
			out = append(out, cobra.CompletionWithDesc(s.ID, desc))
			if len(out) == MaxCompletions {
				break
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// plainFlagUsages drops the backticks from every flag's usage in the tree.
// In a help text they mark the value's name (--store URL, pflag's
// UnquoteUsage), but a completion shows the usage as it is: they are
// removed when the shell asks for completions, and only then.
func plainFlagUsages(c *cobra.Command) {
	plain := func(fl *pflag.Flag) { fl.Usage = strings.ReplaceAll(fl.Usage, "`", "") }
	c.LocalFlags().VisitAll(plain)
	c.PersistentFlags().VisitAll(plain)
	for _, sub := range c.Commands() {
		plainFlagUsages(sub)
	}
}
