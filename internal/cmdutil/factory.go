package cmdutil

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/acctl/acctl/internal/acct"
)

// OpenParams is what an Opener needs to open the Service.
type OpenParams struct {
	Config *Config
	// Actor names who acts, for the audit trail (the OS user).
	Actor string
	// Now is the clock; nil means the real one.
	Now func() time.Time
	// Needs says what the command needs besides the store.
	Needs Needs
	// Getenv reads the environment variables that are not configuration
	// (ACCTL_TOKEN); nil means os.Getenv.
	Getenv func(key string) string
	// TokenFileFlag is true when --token-file was given on the command
	// line, which then wins over ACCTL_TOKEN (flag > environment).
	TokenFileFlag bool
	// HashPool is the process's hashing pool (Factory.HashPool), for a
	// Service that hashes passwords itself; nil means one of its own.
	HashPool *acct.HashPool
}

// Needs says what a command needs from the Service besides the store, so
// that commands that need less neither create nor read more: a command
// that never touches a code does not create the secret file, nor fail on
// a delivery setting it would not use.
type Needs struct {
	// Secret: the command issues or checks codes, so the installation
	// secret is loaded (and its file created on first use).
	Secret bool
	// SecretIfAny: the command checks codes only where the store has
	// some already (a login of an account with a second factor, an
	// import of sealed factors), so the installation secret is loaded
	// when its file exists, and never created.
	SecretIfAny bool
	// Delivery: the command may send a message, so a notifier is built
	// from the delivery keys (email.*, sms.*, outbox, templates).
	Delivery bool
	// JobQueued, when set, is called after the Service committed a job
	// (acctl serve wakes its runner).
	JobQueued func()
}

// Opener opens the Service for a configuration. The composition root in
// internal/cmd/root provides the real one; tests inject their own.
type Opener func(ctx context.Context, p OpenParams) (acct.Service, error)

// Factory gives commands what they share: the IO streams, the
// configuration (loaded once, on first use) and the Service (opened once,
// on first use). Commands get the Service here and nowhere else.
type Factory struct {
	IO *IOStreams
	// Opener opens the Service; required for commands that use it.
	Opener Opener
	// Now is the clock passed to the Service; nil means time.Now.
	Now func() time.Time
	// Actor names the person acting (for the audit trail).
	Actor string
	// ConfigFile is the file given with --config; it must exist.
	ConfigFile string
	// EnvConfigFile is the file named by $ACCTL_CONFIG, read when
	// ConfigFile is ""; it must exist.
	EnvConfigFile string
	// DefaultConfigFile is read when ConfigFile and EnvConfigFile are ""
	// and it exists.
	DefaultConfigFile string
	// Getenv reads the environment variables that are not configuration
	// (ACCTL_SESSION_TOKEN); nil means os.Getenv. Tests inject their own.
	Getenv func(key string) string
	// QuietUnknownKeys keeps the warning about unknown keys of the config
	// file to itself: `acctl version` and `acctl completion` set it, as
	// neither depends on the configuration.
	QuietUnknownKeys bool

	v     *viper.Viper
	flags map[string]*pflag.Flag

	mu       sync.Mutex
	fileRead bool
	fileUsed string
	fileErr  error
	cfg      *Config
	cfgErr   error
	svc      acct.Service
	svcErr   error
	pool     *acct.HashPool
	opened   bool
	needs    Needs
}

// NewFactory returns a Factory over ios that opens the Service with
// opener. It has its own viper instance, reads the config file that
// $ACCTL_CONFIG names, else the default config file
// $XDG_CONFIG_HOME/acctl/config.yaml when it exists, and names the OS user
// as the actor.
func NewFactory(ios *IOStreams, opener Opener) *Factory {
	return &Factory{
		IO:                ios,
		Opener:            opener,
		Actor:             CurrentActor(),
		EnvConfigFile:     os.Getenv(ConfigEnv),
		DefaultConfigFile: DefaultConfigFile(),
		v:                 NewViper(),
		flags:             map[string]*pflag.Flag{},
	}
}

// CurrentActor returns the OS user name (os/user, then $USER), or
// "unknown".
func CurrentActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

// BindFlag makes the flag set the configuration key when it is given on
// the command line.
func (f *Factory) BindFlag(key string, fl *pflag.Flag) {
	if fl == nil {
		panic("cmdutil: BindFlag " + key + ": no such flag")
	}
	if err := f.v.BindPFlag(key, fl); err != nil {
		panic(fmt.Sprintf("cmdutil: BindFlag %s: %v", key, err))
	}
	f.flags[key] = fl
}

// SetDefault replaces the default value of a configuration key (tests use
// it for cheap password hashing parameters).
func (f *Factory) SetDefault(key string, value any) { f.v.SetDefault(key, value) }

func (f *Factory) readFile() (string, error) {
	if !f.fileRead {
		f.fileRead = true
		if f.ConfigFile != "" {
			f.fileUsed, f.fileErr = readConfigFile(f.v, f.ConfigFile, true)
		} else if f.EnvConfigFile != "" {
			f.fileUsed, f.fileErr = readConfigFile(f.v, f.EnvConfigFile, true)
		} else {
			f.fileUsed, f.fileErr = readConfigFile(f.v, f.DefaultConfigFile, false)
		}
		if f.fileErr == nil && f.fileUsed != "" && !f.QuietUnknownKeys {
			for _, k := range UnknownConfigKeys(f.v) {
				hint := ""
				if near := NearestKey(k); near != "" {
					hint = fmt.Sprintf("; did you mean %q?", near)
				}
				fmt.Fprintf(f.IO.ErrOut, "acctl: warning: config file %s: unknown key %q is ignored%s\n", f.fileUsed, k, hint)
			}
		}
	}
	return f.fileUsed, f.fileErr
}

// Config returns the effective configuration, loaded on the first call.
func (f *Factory) Config() (*Config, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.config()
}

func (f *Factory) config() (*Config, error) {
	if f.cfg == nil && f.cfgErr == nil {
		file, err := f.readFile()
		if err != nil {
			f.cfgErr = err
		} else {
			f.cfg, f.cfgErr = configFromViper(f.v, file)
		}
	}
	return f.cfg, f.cfgErr
}

// ConfigEntries returns each key's effective value and its source, for
// `config show`; secrets are masked. Values are shown as given, without
// validation, so that a bad value can be found.
func (f *Factory) ConfigEntries() ([]ConfigEntry, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	file, err := f.readFile()
	if err != nil {
		return nil, "", err
	}
	flagOf := func(key string) string {
		if fl := f.flags[key]; fl != nil && fl.Changed {
			return fl.Name
		}
		return ""
	}
	return configEntries(f.v, flagOf, file), file, nil
}

// OutputFormat returns the -o/--output format as configured: "" (auto),
// table, tsv, json or csv.
func (f *Factory) OutputFormat() (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.readFile(); err != nil {
		return "", err
	}
	format := strings.TrimSpace(f.v.GetString(KeyOutput))
	if err := ValidateOutput(format); err != nil {
		return "", err
	}
	return format, nil
}

// Printer returns a Printer for the configured output format.
func (f *Factory) Printer() (*Printer, error) {
	format, err := f.OutputFormat()
	if err != nil {
		return nil, err
	}
	return NewPrinter(f.IO, format), nil
}

// WantsJSON reports whether errors should also be printed as JSON: the
// output format is json. It never fails.
func (f *Factory) WantsJSON() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.TrimSpace(f.v.GetString(KeyOutput)) == FormatJSON
}

// Env returns the value of an environment variable that is not
// configuration, such as ACCTL_SESSION_TOKEN.
func (f *Factory) Env(key string) string {
	if f.Getenv != nil {
		return f.Getenv(key)
	}
	return os.Getenv(key)
}

// Clock returns the current time by the factory's clock.
func (f *Factory) Clock() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// PrinterAndService returns what most commands need, checking the output
// format first so that a bad -o fails before the store is opened.
func (f *Factory) PrinterAndService(ctx context.Context) (*Printer, acct.Service, error) {
	return f.PrinterAndServiceFor(ctx, Needs{})
}

// PrinterAndServiceFor is PrinterAndService for a command with needs.
func (f *Factory) PrinterAndServiceFor(ctx context.Context, needs Needs) (*Printer, acct.Service, error) {
	p, err := f.Printer()
	if err != nil {
		return nil, nil, err
	}
	svc, err := f.ServiceFor(ctx, needs)
	if err != nil {
		return nil, nil, err
	}
	return p, svc, nil
}

// Service returns the Service for the configured store, opened on the
// first call.
func (f *Factory) Service(ctx context.Context) (acct.Service, error) {
	return f.ServiceFor(ctx, Needs{})
}

// ServiceFor is Service for a command with needs. The Service is opened
// once: a later call may not need more than the first.
func (f *Factory) ServiceFor(ctx context.Context, needs Needs) (acct.Service, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.opened {
		if (needs.Secret && !f.needs.Secret) || (needs.Delivery && !f.needs.Delivery) {
			return nil, acct.Errorf(acct.CodeInternal, "the store was opened without what this command needs (%+v)", needs)
		}
		return f.svc, f.svcErr
	}
	cfg, err := f.config()
	if err != nil {
		return nil, err
	}
	if f.Opener == nil {
		return nil, acct.Errorf(acct.CodeInternal, "no store opener configured")
	}
	f.opened, f.needs = true, needs
	tokenFlag := f.flags[KeyTokenFile] != nil && f.flags[KeyTokenFile].Changed
	f.svc, f.svcErr = f.Opener(ctx, OpenParams{Config: cfg, Actor: f.Actor, Now: f.Now, Needs: needs, Getenv: f.Env,
		TokenFileFlag: tokenFlag, HashPool: f.hashPool(cfg)})
	return f.svc, f.svcErr
}

// HashPool returns the process's hashing pool, sized by hash.max_concurrent
// and hash.max_queue and made on the first call: the Service and the auth
// API of `acctl serve` share it, so that the memory of password hashing is
// bounded for the whole process.
func (f *Factory) HashPool() (*acct.HashPool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cfg, err := f.config()
	if err != nil {
		return nil, err
	}
	return f.hashPool(cfg), nil
}

func (f *Factory) hashPool(cfg *Config) *acct.HashPool {
	if f.pool == nil {
		f.pool = acct.NewHashPool(cfg.HashMaxConcurrent, cfg.HashMaxQueue)
	}
	return f.pool
}

// Close closes the Service if it was opened.
func (f *Factory) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.svc == nil {
		return nil
	}
	err := f.svc.Close()
	f.svc = nil
	if err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// NewPasswordCheck returns acct's password policy (acct.CheckPassword)
// for a new password of the account with username and email (either may
// be ""), so that a prompt can refuse a weak password before it is typed
// twice. The store applies the policy again; on a remote store the
// server's password.min_length counts, so only the rules that need no
// setting are checked here.
func (f *Factory) NewPasswordCheck(username, email string) func(string) error {
	minLen := 0
	if cfg, err := f.Config(); err == nil {
		lower := strings.ToLower(cfg.Store)
		if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
			minLen = cfg.PasswordMinLength
		}
	}
	return func(pw string) error { return acct.CheckPassword(pw, minLen, username, email) }
}

// AccountPasswordCheck is NewPasswordCheck for the account ref names, when
// svc finds it (else without its username and email).
func (f *Factory) AccountPasswordCheck(ctx context.Context, svc acct.Service, ref string) func(string) error {
	if u, err := svc.User(ctx, ref); err == nil {
		return f.NewPasswordCheck(u.Username, u.Email)
	}
	return f.NewPasswordCheck("", "")
}
