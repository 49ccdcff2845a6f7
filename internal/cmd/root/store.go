package root

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/version"
	"github.com/acctl/acctl/internal/cmdutil"
	"github.com/acctl/acctl/internal/notify"
	"github.com/acctl/acctl/internal/postgres"
	"github.com/acctl/acctl/internal/remote"
	"github.com/acctl/acctl/internal/sqlite"
)

// OpenService is the composition root: the one place that picks the store
// by the configured URL and builds the Service over it.
//
//   - a plain path, sqlite:PATH or file:PATH → acct.Local over SQLite
//   - postgres:// or postgresql:// → acct.Local over PostgreSQL
//   - https:// (or http:// on a loopback host) → remote.Client, with the
//     API key from ACCTL_TOKEN or the file token_file (--token-file)
func OpenService(ctx context.Context, p cmdutil.OpenParams) (acct.Service, error) {
	kind, path, err := ParseStore(p.Config.Store)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "sqlite", "postgres":
		opts, err := localOptions(p)
		if err != nil {
			return nil, err
		}
		mode := migrateMode(p.Config.AutoMigrate, kind, false)
		var store acct.Store
		if kind == "sqlite" {
			store, err = sqlite.OpenWith(ctx, path, sqlite.Options{Migrate: mode})
		} else {
			store, err = postgres.OpenWith(ctx, strings.TrimSpace(p.Config.Store), postgres.Options{Migrate: mode})
		}
		if err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		svc, err := acct.NewLocal(store, opts)
		if err != nil {
			store.Close()
			return nil, &acct.Error{Code: acct.CodeInvalid, Message: "config: " + err.Error(), Err: err}
		}
		return svc, nil
	case "remote":
		token, err := remoteToken(p)
		if err != nil {
			return nil, err
		}
		c, err := remote.New(strings.TrimSpace(p.Config.Store), token, remote.Options{UserAgent: "acctl/" + version.Version})
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	return nil, storeError(fmt.Sprintf("store: unknown kind %q", kind))
}

// TokenEnv is the environment variable that gives the API key of a remote
// store. The key is never taken from the command line, where ps shows it.
const TokenEnv = "ACCTL_TOKEN"

// remoteToken returns the API key of a remote store: from the file given
// with --token-file, else ACCTL_TOKEN, else the file token_file of the
// environment or the config file (flag > environment > file, as for
// every setting).
func remoteToken(p cmdutil.OpenParams) (string, error) {
	getenv := p.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if t := strings.TrimSpace(getenv(TokenEnv)); t != "" && !p.TokenFileFlag {
		return t, nil
	}
	if file := p.Config.TokenFile; file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", &acct.Error{Code: acct.CodeInvalid, Field: cmdutil.KeyTokenFile,
				Message: fmt.Sprintf("token file: %v", err), Err: err}
		}
		t := strings.TrimSpace(string(b))
		if t == "" {
			return "", &acct.Error{Code: acct.CodeInvalid, Field: cmdutil.KeyTokenFile,
				Message: fmt.Sprintf("token file %s is empty", file)}
		}
		return t, nil
	}
	return "", cmdutil.WithHint(&acct.Error{Code: acct.CodeInvalid, Field: cmdutil.KeyTokenFile,
		Message: "a remote store needs an API key"},
		"set ACCTL_TOKEN, or put the key in a file and give --token-file FILE (or token_file in the config); `acctl apikey create` makes one on the server's machine")
}

// localOptions are the options of acct.Local for p. The installation
// secret is loaded (its file created on first use) and the notifier built
// only for commands that need them (p.Needs): a command that never
// touches a code leaves the secret file alone, and a delivery setting
// cannot break it.
func localOptions(p cmdutil.OpenParams) (acct.Options, error) {
	c := p.Config
	opts := acct.Options{
		Now:               p.Now,
		Actor:             p.Actor,
		Argon2:            c.Argon2,
		ScramIterations:   c.ScramIterations,
		HashPool:          p.HashPool,
		FirebaseScrypt:    c.FirebaseScrypt,
		PasswordMinLength: c.PasswordMinLength,
		PhoneRegion:       c.PhoneRegion,
		SessionIdle:       c.SessionIdle,
		SessionAbsolute:   c.SessionAbsolute,
		SessionPersistent: c.SessionPersistent,
		LockoutThreshold:  c.LockoutThreshold,
		LockoutDuration:   c.LockoutDuration,
		LoginLimit:        acct.Rate(c.AuthAccountRate),
		PublicURL:         c.LinkURL(), // public_url, or the pages of acctl serve (links.pages)
		OTPTTL:            c.OTPTTL,
		OTPAttempts:       c.OTPAttempts,
		OTPCooldown:       c.OTPCooldown,
		SignupVerify:      c.SignupVerify,
		RequireVerified:   c.RequireVerified,
		ActivationTTL:     c.ActivationTTL,
		ReferrerPoints:    new(c.ReferrerPoints),
		NewUserPoints:     new(c.NewUserPoints),
		JobAttempts:       c.JobsAttempts,
		JobQueued:         p.Needs.JobQueued,
	}
	if p.Needs.Secret {
		secret, err := cmdutil.LoadSecret(c.SecretFile)
		if err != nil {
			return acct.Options{}, err
		}
		opts.Secret, opts.SecretFile = secret, c.SecretFile
	} else if p.Needs.SecretIfAny {
		secret, err := cmdutil.LoadSecretIfAny(c.SecretFile)
		if err != nil {
			return acct.Options{}, err
		}
		if secret != nil {
			opts.Secret, opts.SecretFile = secret, c.SecretFile
		}
	}
	if p.Needs.Delivery {
		nc := c.Notify
		nc.Now = p.Now
		n, err := notify.New(nc)
		if err != nil {
			return acct.Options{}, &acct.Error{Code: acct.CodeInvalid, Message: "config: " + err.Error(), Err: err}
		}
		opts.Notifier = n
	}
	return opts, nil
}

func storeError(msg string) error {
	return &acct.Error{Code: acct.CodeInvalid, Field: "store", Message: msg}
}

// ParseStore classifies a store URL: kind is "sqlite" (path is the file,
// with a leading ~ expanded), "postgres" or "remote".
func ParseStore(s string) (kind, path string, err error) {
	s = strings.TrimSpace(s)
	prefixed := false
	lower := strings.ToLower(s)
	switch {
	case s == "":
		return "", "", storeError("store: empty store URL or path")
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		return "postgres", "", nil
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"):
		return "remote", "", nil
	case strings.HasPrefix(lower, "sqlite:"):
		path, prefixed = s[len("sqlite:"):], true
	case strings.HasPrefix(lower, "file:"):
		path, prefixed = s[len("file:"):], true
	case strings.Contains(s, "://"):
		scheme, _, _ := strings.Cut(s, "://")
		return "", "", storeError(fmt.Sprintf("store: unsupported URL scheme %q (want a path, sqlite:PATH, postgres:// or https://)", scheme))
	default:
		path = s
	}
	if prefixed {
		// sqlite:///abs/path and file:///abs/path name /abs/path.
		path = strings.TrimPrefix(path, "//")
		if strings.Contains(path, "?") {
			return "", "", storeError("store: options after '?' are not supported in a SQLite URL")
		}
	}
	if path == "" {
		return "", "", storeError(fmt.Sprintf("store: no file path in %q", s))
	}
	return "sqlite", cmdutil.ExpandHome(path), nil
}
