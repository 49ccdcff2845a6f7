package cmdutil

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/viper"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/authapi"
	"github.com/acctl/acctl/internal/forwarded"
	"github.com/acctl/acctl/internal/notify"
	"github.com/acctl/acctl/internal/pages"
)

// The configuration keys. A key is set, from the highest precedence down,
// by a command-line flag, by the environment variable ACCTL_<KEY> (upper
// case, dots as underscores: deletion.hold → ACCTL_DELETION_HOLD), by the
// config file, or by its default.
const (
	KeyStore = "store"
	// KeyAutoMigrate is whether a command upgrades the schema of the
	// store it opens: auto (on for a SQLite file, off for PostgreSQL),
	// true or false. Not store.auto_migrate: "store" is a plain value, and
	// a YAML file cannot give it a child key.
	KeyAutoMigrate       = "auto_migrate"
	KeyOutput            = "output"
	KeyDeletionHold      = "deletion.hold"
	KeySessionIdle       = "session.idle"
	KeySessionAbsolute   = "session.absolute"
	KeySessionPersistent = "session.persistent"
	KeyLockoutThreshold  = "lockout.threshold"
	KeyLockoutDuration   = "lockout.duration"
	KeyPhoneRegion       = "phone.region"
	KeyPasswordMinLength = "password.min_length"
	KeyArgon2Memory      = "password.argon2.memory"
	KeyScramIterations   = "scram.iterations"
	KeyArgon2Time        = "password.argon2.time"
	KeyArgon2Threads     = "password.argon2.threads"

	KeySecretFile = "secret_file"
	KeyTokenFile  = "token_file" // the API key of a remote store
	KeyPublicURL  = "public_url"
	// KeyLinksPages turns on the pages that acctl serve shows for the
	// links it mails (internal/pages), and points the links at them.
	KeyLinksPages          = "links.pages"
	KeySMTPHost            = "email.smtp.host"
	KeySMTPPort            = "email.smtp.port"
	KeySMTPTLS             = "email.smtp.tls"
	KeySMTPUsername        = "email.smtp.username"
	KeySMTPPasswordFile    = "email.smtp.password_file"
	KeyEmailFrom           = "email.from"
	KeySMSWebhookURL       = "sms.webhook.url"
	KeySMSWebhookTokenFile = "sms.webhook.token_file"
	KeySMSCommand          = "sms.command"
	KeyOutbox              = "outbox"
	KeyTemplates           = "templates"
)

// The keys of one-time passcodes, activation links and sign-up
// verification.
const (
	KeyOTPTTL          = "otp.ttl"
	KeyOTPAttempts     = "otp.attempts"
	KeyOTPCooldown     = "otp.cooldown"
	KeySignupVerify    = "signup.verify"
	KeyRequireVerified = "login.require_verified"
	KeyActivationTTL   = "activation.ttl"
)

// The keys of referral points.
const (
	KeyReferrerPoints = "referral.referrer_points"
	KeyNewUserPoints  = "referral.new_user_points"
)

// The keys of the auth API of `acctl serve` (internal/authapi).
const (
	KeyAuthRateAddress = "auth.rate.address"
	KeyAuthRateAccount = "auth.rate.account"
	KeyAuthOrigins     = "auth.origins"
	// KeyAuthClientIPHeader is removed: it believed the header from any
	// client. serve.trusted_proxies replaced it; `acctl serve` refuses to
	// start while it is set, naming the new key.
	KeyAuthClientIPHeader = "auth.client_ip_header"
)

// The keys of `acctl serve` itself.
const (
	// KeyTrustedProxies lists the reverse proxies (CIDRs or addresses)
	// whose X-Forwarded-For, X-Forwarded-Proto and Forwarded headers are
	// believed.
	KeyTrustedProxies = "serve.trusted_proxies"
)

// The keys of the durable job queue (acct/jobs.go): how often `acctl
// serve` looks for due jobs, and how many attempts a job gets.
const (
	KeyJobsInterval = "jobs.interval"
	KeyJobsAttempts = "jobs.attempts"
)

// The keys of the hashing pool: how many password hashes and checks run
// at once (each holds password.argon2.memory for its duration) and how
// many may wait for a slot before a request is refused as unavailable.
const (
	KeyHashMaxConcurrent = "hash.max_concurrent"
	KeyHashMaxQueue      = "hash.max_queue"
)

// The keys of `acctl serve`'s listener, logs and shutdown, which its flags
// --listen, --tls-cert, --tls-key, --log-format and --shutdown-timeout
// also set (a unit file or a container then needs no command line).
const (
	KeyServeListen          = "serve.listen"
	KeyServeTLSCert         = "serve.tls_cert"
	KeyServeTLSKey          = "serve.tls_key"
	KeyServeLogFormat       = "serve.log_format"
	KeyServeShutdownTimeout = "serve.shutdown_timeout"
	// KeyServeMetricsListen is the address (host:port) of `acctl serve`'s
	// Prometheus metrics, on a listener of their own; empty: no metrics.
	KeyServeMetricsListen = "serve.metrics_listen"
)

// The keys of imported password hashes: a Firebase project's scrypt
// parameters, as its console shows them (config_import.go).
const (
	KeyFirebaseSignerKey     = "import.firebase_scrypt.signer_key"
	KeyFirebaseSaltSeparator = "import.firebase_scrypt.salt_separator"
	KeyFirebaseRounds        = "import.firebase_scrypt.rounds"
	KeyFirebaseMemCost       = "import.firebase_scrypt.mem_cost"
)

// ConfigKeys lists every configuration key, in the order `config show`
// prints them.
var ConfigKeys = []string{
	KeyStore, KeyAutoMigrate, KeyOutput, KeyDeletionHold,
	KeySessionIdle, KeySessionAbsolute, KeySessionPersistent,
	KeyLockoutThreshold, KeyLockoutDuration,
	KeyPhoneRegion, KeyPasswordMinLength, KeyArgon2Memory, KeyArgon2Time, KeyArgon2Threads,
	KeyScramIterations,
	KeyHashMaxConcurrent, KeyHashMaxQueue,
	KeySecretFile, KeyTokenFile, KeyPublicURL, KeyLinksPages,
	KeySMTPHost, KeySMTPPort, KeySMTPTLS, KeySMTPUsername, KeySMTPPasswordFile, KeyEmailFrom,
	KeySMSWebhookURL, KeySMSWebhookTokenFile, KeySMSCommand,
	KeyOutbox, KeyTemplates,
	KeyOTPTTL, KeyOTPAttempts, KeyOTPCooldown, KeySignupVerify, KeyRequireVerified, KeyActivationTTL,
	KeyReferrerPoints, KeyNewUserPoints,
	KeyAuthRateAddress, KeyAuthRateAccount, KeyAuthOrigins,
	KeyTrustedProxies,
	KeyJobsInterval, KeyJobsAttempts,
	KeyServeListen, KeyServeTLSCert, KeyServeTLSKey, KeyServeLogFormat, KeyServeShutdownTimeout,
	KeyServeMetricsListen,
	KeyFirebaseSignerKey, KeyFirebaseSaltSeparator, KeyFirebaseRounds, KeyFirebaseMemCost,
}

// listKeys are the keys whose value is a list of strings: in the config
// file a YAML list, in the environment words separated by spaces.
var listKeys = map[string]bool{KeySMSCommand: true, KeyAuthOrigins: true, KeyTrustedProxies: true}

// removedKeys are keys acctl no longer reads but still recognises, so
// that the command that used them can say what replaced them (rather
// than a warning that they are unknown).
var removedKeys = map[string]bool{KeyAuthClientIPHeader: true}

// EnvPrefix is the prefix of the environment variables read as config.
const EnvPrefix = "ACCTL"

// Config is the effective configuration. Commands read it, never viper.
type Config struct {
	// Store is the URL or path of the store.
	Store string
	// AutoMigrate is auto_migrate: AutoMigrateAuto, "true" or "false"
	// (see AutoMigrates).
	AutoMigrate string
	// Output is the output format: "" (auto), table, tsv, json or csv.
	Output string
	// DeletionHold is how long an unregistered account stays restorable.
	DeletionHold time.Duration
	// SessionIdle ends a session not freshened for this long.
	SessionIdle time.Duration
	// SessionAbsolute ends a session this long after login.
	SessionAbsolute time.Duration
	// SessionPersistent is the lifetime of a keep-me-logged-in session.
	SessionPersistent time.Duration
	// LockoutThreshold is how many consecutive failed logins lock an
	// account.
	LockoutThreshold int
	// LockoutDuration is how long such a lockout lasts.
	LockoutDuration time.Duration
	// PhoneRegion is the region for phone numbers without a country code.
	PhoneRegion string
	// PasswordMinLength is the shortest password accepted.
	PasswordMinLength int
	// Argon2 is the cost of new password hashes.
	Argon2 acct.Argon2Params
	// ScramIterations is the PBKDF2 iteration count of new SCRAM-SHA-256
	// verifiers (acct.Options.ScramIterations).
	ScramIterations int
	// HashMaxConcurrent is how many password hashes and checks run at
	// once in the process (hash.max_concurrent; default GOMAXPROCS), and
	// HashMaxQueue how many may wait for a slot (hash.max_queue; default
	// acct.DefaultHashQueuePerSlot × HashMaxConcurrent). Factory.HashPool
	// is the pool they configure.
	HashMaxConcurrent int
	HashMaxQueue      int
	// SecretFile holds the installation secret under which codes are
	// stored; created on first use (see LoadSecret).
	SecretFile string
	// TokenFile holds the API key of a remote (https://) store; the
	// environment variable ACCTL_TOKEN, when set, gives the key itself.
	TokenFile string
	// PublicURL is the address of the reset page that forgot-password
	// links point to (LinkURL says where the links really go).
	PublicURL string
	// LinksPages is links.pages: acctl serve shows its own pages for the
	// links it mails (see PagesOn).
	LinksPages bool
	// Notify configures the delivery of messages: email.*, sms.*, outbox
	// and templates. Its Now and Timeout are left for the caller.
	Notify notify.Config
	// OTPTTL is the life of a one-time passcode.
	OTPTTL time.Duration
	// OTPAttempts is how many checks a passcode allows before it is void.
	OTPAttempts int
	// OTPCooldown is how long before another passcode of the same purpose
	// may be sent to an account.
	OTPCooldown time.Duration
	// SignupVerify is how a new account proves its address: none, email
	// or phone (acct.SignupVerify*).
	SignupVerify string
	// RequireVerified refuses the login of a pending account; true unless
	// an operator turns it off, whatever SignupVerify says (an account made
	// pending by "user register --pending" or /auth/signin waits too).
	RequireVerified bool
	// ActivationTTL is the life of an activation link.
	ActivationTTL time.Duration
	// JobsInterval is how often `acctl serve` looks for due jobs besides
	// being woken by its own; 0: the server runs no jobs (`acctl job run`
	// does, from cron).
	JobsInterval time.Duration
	// JobsAttempts is how many times a job is tried before it is given up.
	JobsAttempts int
	// ReferrerPoints and NewUserPoints are the points awarded when an
	// account registers with an invite code: to the account whose code it
	// is, and to the new account (0 for none).
	ReferrerPoints int64
	NewUserPoints  int64
	// AuthAddressRate and AuthAccountRate limit the attempts of the auth
	// API per client address and per account. AuthAccountRate is also
	// acct's login limit (acct.Options.LoginLimit): the failed password
	// checks of an account, counted in the store, for serve and commands.
	AuthAddressRate authapi.Rate
	AuthAccountRate authapi.Rate
	// AuthOrigins are the origins besides the server's own and public_url's
	// that may send state-changing requests to the auth API.
	AuthOrigins []string
	// AuthClientIPHeader is the value of the removed key
	// auth.client_ip_header, "" when not set: `acctl serve` refuses to
	// start with it (see TrustedProxies).
	AuthClientIPHeader string
	// TrustedProxies are the reverse proxies whose forwarded headers (the
	// client's address and scheme) `acctl serve` believes; empty: none.
	TrustedProxies *forwarded.Trust
	// FirebaseScrypt are the parameters of imported firebase-scrypt
	// password hashes; zero when import.firebase_scrypt.signer_key is not
	// set.
	FirebaseScrypt acct.FirebaseScrypt
	// Serve is the listener, logs and shutdown of `acctl serve`.
	Serve ServeConfig
	// File is the config file that was read, "" when none.
	File string
}

// ServeConfig is the listener, logs and shutdown of `acctl serve`.
type ServeConfig struct {
	// Listen is the address (host:port) the server listens on.
	Listen string
	// TLSCert and TLSKey are the PEM files of the certificate (chain) and
	// its key; both empty: plain HTTP.
	TLSCert, TLSKey string
	// LogFormat is text or json.
	LogFormat string
	// ShutdownTimeout is how long a stop waits for the requests under way.
	ShutdownTimeout time.Duration
	// MetricsListen is the address (host:port) of the Prometheus metrics'
	// own listener; empty: none.
	MetricsListen string
}

// ConfigDefaults returns the default value of each key; the store default
// is $XDG_DATA_HOME/acctl/acctl.db.
func ConfigDefaults() map[string]any {
	return map[string]any{
		KeyStore:             DefaultStorePath(),
		KeyAutoMigrate:       AutoMigrateAuto,
		KeyOutput:            "",
		KeyDeletionHold:      "14d",
		KeySessionIdle:       "1h",   // acct.DefaultSessionIdle
		KeySessionAbsolute:   "24h",  // acct.DefaultSessionAbsolute
		KeySessionPersistent: "720h", // acct.DefaultSessionPersistent
		KeyLockoutThreshold:  acct.DefaultLockoutThreshold,
		KeyLockoutDuration:   "15m", // acct.DefaultLockoutDuration
		KeyPhoneRegion:       "",
		KeyPasswordMinLength: acct.DefaultPasswordMinLength,
		KeyArgon2Memory:      acct.DefaultArgon2.Memory,
		KeyArgon2Time:        acct.DefaultArgon2.Time,
		KeyArgon2Threads:     acct.DefaultArgon2.Threads,
		KeyScramIterations:   acct.DefaultScramIterations,
		KeyHashMaxConcurrent: HashAuto, // GOMAXPROCS
		KeyHashMaxQueue:      HashAuto, // acct.DefaultHashQueuePerSlot (8) × hash.max_concurrent

		KeySecretFile:          DefaultSecretFile(),
		KeyTokenFile:           "",
		KeyPublicURL:           "",
		KeyLinksPages:          false,
		KeySMTPHost:            "",
		KeySMTPPort:            "", // by email.smtp.tls: 25, 587 or 465
		KeySMTPTLS:             notify.TLSStartTLS,
		KeySMTPUsername:        "",
		KeySMTPPasswordFile:    DefaultSMTPPasswordFile(),
		KeyEmailFrom:           "",
		KeySMSWebhookURL:       "",
		KeySMSWebhookTokenFile: "",
		KeySMSCommand:          []string{},
		KeyOutbox:              "",
		KeyTemplates:           "",

		KeyOTPTTL:          "10m", // acct.DefaultOTPTTL
		KeyOTPAttempts:     acct.DefaultOTPAttempts,
		KeyOTPCooldown:     "60s", // acct.DefaultOTPCooldown
		KeySignupVerify:    acct.SignupVerifyNone,
		KeyRequireVerified: "true",
		KeyActivationTTL:   "24h", // acct.DefaultActivationTTL

		KeyReferrerPoints: acct.DefaultReferrerPoints,
		KeyNewUserPoints:  acct.DefaultNewUserPoints,

		KeyAuthRateAddress: "30/1m",  // authapi.DefaultAddressRate
		KeyAuthRateAccount: "10/15m", // authapi.DefaultAccountRate
		KeyAuthOrigins:     []string{},

		KeyTrustedProxies: []string{},

		KeyJobsInterval:         "10s", // DefaultJobsInterval
		KeyJobsAttempts:         acct.DefaultJobAttempts,
		KeyServeListen:          "127.0.0.1:8080",
		KeyServeTLSCert:         "",
		KeyServeTLSKey:          "",
		KeyServeLogFormat:       "text",
		KeyServeShutdownTimeout: "30s",
		KeyServeMetricsListen:   "",

		KeyFirebaseSignerKey:     "",
		KeyFirebaseSaltSeparator: "",
		KeyFirebaseRounds:        8,  // as in Firebase's sample parameters
		KeyFirebaseMemCost:       14, // as in Firebase's sample parameters
	}
}

// The systemd credentials (LoadCredential=) that acctl takes, when present
// in $CREDENTIALS_DIRECTORY, as the defaults of secret_file and
// email.smtp.password_file.
const (
	CredentialSecret       = "secret"
	CredentialSMTPPassword = "smtp_password"
)

// ConfigEnv names the config file, as KUBECONFIG does for kubectl; --config
// takes precedence over it.
const ConfigEnv = "ACCTL_CONFIG"

// DefaultSecretFile is the credential "secret" when systemd passes one
// ($CREDENTIALS_DIRECTORY/secret), else the file "secret" in the state
// directory of a service ($STATE_DIRECTORY/secret), else beside the
// default config file: $XDG_CONFIG_HOME/acctl/secret. It is "" when there
// is no place for it (no HOME): LoadSecret then asks for secret_file.
func DefaultSecretFile() string {
	if f := credentialFile(CredentialSecret); f != "" {
		return f
	}
	if d := stateDir(); d != "" {
		return filepath.Join(d, "secret")
	}
	if d := xdgDir("XDG_CONFIG_HOME", ".config"); d != "" {
		return filepath.Join(d, "acctl", "secret")
	}
	return ""
}

// DefaultSMTPPasswordFile is the credential "smtp_password" when systemd
// passes one, else "".
func DefaultSMTPPasswordFile() string {
	return credentialFile(CredentialSMTPPassword)
}

// DefaultStorePath is $STATE_DIRECTORY/acctl.db in a systemd service with
// StateDirectory=, else $XDG_DATA_HOME/acctl/acctl.db, XDG_DATA_HOME
// defaulting to ~/.local/share. It is "" when there is neither a state
// directory nor a home: the store must then be given (never a folder
// named "~" in the working directory).
func DefaultStorePath() string {
	if d := stateDir(); d != "" {
		return filepath.Join(d, "acctl.db")
	}
	if d := xdgDir("XDG_DATA_HOME", ".local/share"); d != "" {
		return filepath.Join(d, "acctl", "acctl.db")
	}
	return ""
}

// DefaultConfigFile is $XDG_CONFIG_HOME/acctl/config.yaml, XDG_CONFIG_HOME
// defaulting to ~/.config; "" without a home.
func DefaultConfigFile() string {
	if d := xdgDir("XDG_CONFIG_HOME", ".config"); d != "" {
		return filepath.Join(d, "acctl", "config.yaml")
	}
	return ""
}

// xdgDir returns $env when it is an absolute path, else fallback under the
// home directory, else "".
func xdgDir(env, fallback string) string {
	if d := os.Getenv(env); d != "" && filepath.IsAbs(d) {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" || !filepath.IsAbs(home) {
		return ""
	}
	return filepath.Join(home, fallback)
}

// stateDir returns the first directory of $STATE_DIRECTORY (systemd sets
// it, colon-separated, for StateDirectory=), or "".
func stateDir() string {
	d, _, _ := strings.Cut(os.Getenv("STATE_DIRECTORY"), ":")
	if !filepath.IsAbs(d) {
		return ""
	}
	return d
}

// credentialFile returns $CREDENTIALS_DIRECTORY/name when systemd set the
// variable and the file exists, else "".
func credentialFile(name string) string {
	d := os.Getenv("CREDENTIALS_DIRECTORY")
	if !filepath.IsAbs(d) {
		return ""
	}
	f := filepath.Join(d, name)
	if _, err := os.Stat(f); err != nil {
		return ""
	}
	return f
}

// NewViper returns a fresh viper instance (never the global one) that reads
// ACCTL_* environment variables and holds the defaults.
func NewViper() *viper.Viper {
	v := viper.New()
	v.SetEnvPrefix(EnvPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	for k, d := range ConfigDefaults() {
		v.SetDefault(k, d)
	}
	return v
}

// EnvVar returns the environment variable that sets key.
func EnvVar(key string) string {
	return EnvPrefix + "_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// readConfigFile reads file into v. A missing file is an error only when
// required (given with --config).
func readConfigFile(v *viper.Viper, file string, required bool) (used string, err error) {
	if file == "" {
		return "", nil
	}
	file = ExpandHome(file)
	if _, err := os.Stat(file); err != nil {
		if !required && errors.Is(err, fs.ErrNotExist) {
			return "", nil
		}
		return "", &acct.Error{Code: acct.CodeInvalid, Field: "config",
			Message: fmt.Sprintf("config file: %v", err), Err: err}
	}
	v.SetConfigFile(file)
	if filepath.Ext(file) == "" {
		v.SetConfigType("yaml")
	}
	if err := v.ReadInConfig(); err != nil {
		return "", &acct.Error{Code: acct.CodeInvalid, Field: "config",
			Message: fmt.Sprintf("config file %s: %v", file, err), Err: err}
	}
	return file, nil
}

// UnknownConfigKeys lists the keys of the config file that acctl does not
// know (a typo such as "deletion.hodl" would otherwise go unnoticed).
func UnknownConfigKeys(v *viper.Viper) []string {
	known := make(map[string]bool, len(ConfigKeys))
	for _, k := range ConfigKeys {
		known[k] = true
	}
	var out []string
	for _, k := range v.AllKeys() {
		if !known[k] && !removedKeys[k] && v.InConfig(k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// configFromViper parses the effective values into a Config.
func configFromViper(v *viper.Viper, file string) (*Config, error) {
	c := &Config{
		Store:       strings.TrimSpace(v.GetString(KeyStore)),
		Output:      strings.TrimSpace(v.GetString(KeyOutput)),
		PhoneRegion: strings.TrimSpace(v.GetString(KeyPhoneRegion)),
		File:        file,
	}
	if c.Store == "" {
		if DefaultStorePath() != "" {
			return nil, acct.FieldError(KeyStore, "must not be empty")
		}
		// No default: a service without HOME or StateDirectory=.
		return nil, WithHint(acct.FieldError(KeyStore, "not set, and there is no default without $HOME or $STATE_DIRECTORY"),
			"give --store PATH or a postgres:// URL (or ACCTL_STORE, or store in the config file), or StateDirectory= in the systemd unit")
	}
	if err := ValidateOutput(c.Output); err != nil {
		return nil, err
	}
	autoMigrate, err := parseAutoMigrate(v.GetString(KeyAutoMigrate))
	if err != nil {
		return nil, err
	}
	c.AutoMigrate = autoMigrate
	hold, err := ParseDuration(v.GetString(KeyDeletionHold))
	if err != nil || hold <= 0 {
		return nil, acct.FieldError(KeyDeletionHold, "want a positive duration such as 14d or 36h, got %q", v.GetString(KeyDeletionHold))
	}
	c.DeletionHold = hold
	lifetimes := []struct {
		key string
		set *time.Duration
	}{
		{KeySessionIdle, &c.SessionIdle},
		{KeySessionAbsolute, &c.SessionAbsolute},
		{KeySessionPersistent, &c.SessionPersistent},
		{KeyLockoutDuration, &c.LockoutDuration},
	}
	for _, it := range lifetimes {
		s := v.GetString(it.key)
		d, err := ParseDuration(s)
		if err != nil || d <= 0 {
			return nil, acct.FieldError(it.key, "want a positive duration such as 15m, 24h or 30d, got %q", s)
		}
		*it.set = d
	}
	ints := []struct {
		key  string
		bits int
		set  func(uint64)
	}{
		{KeyPasswordMinLength, 31, func(n uint64) { c.PasswordMinLength = int(n) }},
		{KeyLockoutThreshold, 31, func(n uint64) { c.LockoutThreshold = int(n) }},
		{KeyArgon2Memory, 32, func(n uint64) { c.Argon2.Memory = uint32(n) }},
		{KeyArgon2Time, 32, func(n uint64) { c.Argon2.Time = uint32(n) }},
		{KeyArgon2Threads, 8, func(n uint64) { c.Argon2.Threads = uint8(n) }},
		{KeyScramIterations, 31, func(n uint64) { c.ScramIterations = int(n) }},
	}
	for _, it := range ints {
		s := strings.TrimSpace(v.GetString(it.key))
		n, err := strconv.ParseUint(s, 10, it.bits)
		if err != nil || n == 0 {
			return nil, acct.FieldError(it.key, "want a positive whole number, got %q", s)
		}
		it.set(n)
	}
	if c.ScramIterations < acct.MinScramIterations {
		return nil, acct.FieldError(KeyScramIterations, "want at least %d (RFC 7677), got %d", acct.MinScramIterations, c.ScramIterations)
	}
	if err := c.Argon2.Validate(); err != nil {
		return nil, acct.FieldError("password.argon2", "%v", err)
	}
	if err := hashFromViper(v, c); err != nil {
		return nil, err
	}
	if err := deliveryFromViper(v, c); err != nil {
		return nil, err
	}
	if err := verifyFromViper(v, c); err != nil {
		return nil, err
	}
	if err := jobsFromViper(v, c); err != nil {
		return nil, err
	}
	if err := referralFromViper(v, c); err != nil {
		return nil, err
	}
	if err := authFromViper(v, c); err != nil {
		return nil, err
	}
	if err := importFromViper(v, c); err != nil {
		return nil, err
	}
	if err := serveFromViper(v, c); err != nil {
		return nil, err
	}
	return c, nil
}

// AutoMigrateAuto is the default of auto_migrate: on for a SQLite file,
// off for PostgreSQL.
const AutoMigrateAuto = "auto"

// parseAutoMigrate reads auto_migrate: auto, or a boolean as "true" or
// "false".
func parseAutoMigrate(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || s == AutoMigrateAuto {
		return AutoMigrateAuto, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return "", acct.FieldError(KeyAutoMigrate, "want auto, true or false, got %q", s)
	}
	return strconv.FormatBool(b), nil
}

// AutoMigrates reports whether a command upgrades the schema of a store
// of kind ("sqlite" or "postgres") under the auto_migrate setting: auto
// is on for a SQLite file, which only the processes of one machine share,
// and off for PostgreSQL, which older servers may share with a newer
// command: there an operator runs `acctl store migrate` when the servers
// are upgraded.
func AutoMigrates(setting, kind string) bool {
	switch setting {
	case "true":
		return true
	case "false":
		return false
	}
	return kind != "postgres"
}

// HashAuto is the default of the hash.* keys: derived from GOMAXPROCS.
const HashAuto = "auto"

// Bounds of the hash.* keys: far beyond any machine, low enough that a
// typo is caught.
const (
	maxHashConcurrent = 4096
	maxHashQueue      = 1 << 20
)

// hashFromViper reads hash.max_concurrent (auto or 1 to 4096) and
// hash.max_queue (auto or 0 to 1048576; 0 refuses whenever every slot
// is busy).
func hashFromViper(v *viper.Viper, c *Config) error {
	size, queue, err := hashSettings(v)
	if err != nil {
		return err
	}
	c.HashMaxConcurrent, c.HashMaxQueue = size, queue
	return nil
}

// hashSettings resolves the hash.* keys, "auto" included.
func hashSettings(v *viper.Viper) (size, queue int, err error) {
	s := strings.TrimSpace(v.GetString(KeyHashMaxConcurrent))
	if s == "" || strings.EqualFold(s, HashAuto) {
		size = acct.DefaultHashConcurrency()
	} else if n, perr := strconv.Atoi(s); perr != nil || n < 1 || n > maxHashConcurrent {
		return 0, 0, acct.FieldError(KeyHashMaxConcurrent, "want auto or a whole number from 1 to %d, got %q", maxHashConcurrent, s)
	} else {
		size = n
	}
	s = strings.TrimSpace(v.GetString(KeyHashMaxQueue))
	if s == "" || strings.EqualFold(s, HashAuto) {
		queue = acct.DefaultHashQueuePerSlot * size
	} else if n, perr := strconv.Atoi(s); perr != nil || n < 0 || n > maxHashQueue {
		return 0, 0, acct.FieldError(KeyHashMaxQueue, "want auto or a whole number from 0 to %d, got %q", maxHashQueue, s)
	} else {
		queue = n
	}
	return size, queue, nil
}

// HashMemory describes the most argon2id memory the hashing pool lets be
// in use at once, for `config show`: "38 MiB (hash.max_concurrent 2 ×
// password.argon2.memory 19456 KiB)".
func (c *Config) HashMemory() string {
	kib := uint64(c.HashMaxConcurrent) * uint64(c.Argon2.Memory)
	return fmt.Sprintf("%d MiB (%s %d × %s %d KiB)", (kib+1023)/1024,
		KeyHashMaxConcurrent, c.HashMaxConcurrent, KeyArgon2Memory, c.Argon2.Memory)
}

// serveFromViper reads the listener, logs and shutdown of `acctl serve`.
// The messages name the flag too: it is where most values come from.
func serveFromViper(v *viper.Viper, c *Config) error {
	s := ServeConfig{
		Listen:    strings.TrimSpace(v.GetString(KeyServeListen)),
		TLSCert:   strings.TrimSpace(v.GetString(KeyServeTLSCert)),
		TLSKey:    strings.TrimSpace(v.GetString(KeyServeTLSKey)),
		LogFormat: strings.TrimSpace(v.GetString(KeyServeLogFormat)),

		MetricsListen: strings.TrimSpace(v.GetString(KeyServeMetricsListen)),
	}
	if _, _, err := net.SplitHostPort(s.Listen); err != nil {
		return acct.FieldError(KeyServeListen, "want HOST:PORT such as 127.0.0.1:8080, got %q (--listen)", s.Listen)
	}
	if s.MetricsListen != "" {
		if _, _, err := net.SplitHostPort(s.MetricsListen); err != nil {
			return acct.FieldError(KeyServeMetricsListen, "want HOST:PORT such as 127.0.0.1:9090, or empty for no metrics, got %q", s.MetricsListen)
		}
	}
	if (s.TLSCert == "") != (s.TLSKey == "") {
		return acct.FieldError(KeyServeTLSCert, "and serve.tls_key (--tls-cert and --tls-key) go together")
	}
	if s.LogFormat != "text" && s.LogFormat != "json" {
		return acct.FieldError(KeyServeLogFormat, "want text or json, got %q (--log-format)", s.LogFormat)
	}
	raw := v.GetString(KeyServeShutdownTimeout)
	d, err := ParseDuration(raw)
	if err != nil || d <= 0 {
		return acct.FieldError(KeyServeShutdownTimeout, "want a positive duration such as 30s, got %q (--shutdown-timeout)", raw)
	}
	s.ShutdownTimeout = d
	c.Serve = s
	return nil
}

// authFromViper reads the keys of the auth API: the rates ("30/1m" or
// "off"), the origins (scheme://host[:port]), and the trusted proxies
// of `acctl serve` (CIDRs or addresses; in the environment separated by
// spaces or commas).
func authFromViper(v *viper.Viper, c *Config) error {
	for _, it := range []struct {
		key string
		set *authapi.Rate
	}{
		{KeyAuthRateAddress, &c.AuthAddressRate},
		{KeyAuthRateAccount, &c.AuthAccountRate},
	} {
		r, err := authapi.ParseRate(v.GetString(it.key))
		if err != nil {
			return acct.FieldError(it.key, "%v", err)
		}
		*it.set = r
	}
	for _, o := range v.GetStringSlice(KeyAuthOrigins) {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
			return acct.FieldError(KeyAuthOrigins, "want origins such as https://app.example.com, got %q", o)
		}
		c.AuthOrigins = append(c.AuthOrigins, strings.ToLower(u.Scheme+"://"+u.Host))
	}
	c.AuthClientIPHeader = strings.TrimSpace(v.GetString(KeyAuthClientIPHeader))
	var proxies []string
	for _, p := range v.GetStringSlice(KeyTrustedProxies) {
		proxies = append(proxies, strings.Split(p, ",")...)
	}
	trust, err := forwarded.Parse(proxies)
	if err != nil {
		return acct.FieldError(KeyTrustedProxies, "%v", err)
	}
	c.TrustedProxies = trust
	return nil
}

// referralFromViper reads the points of a referral: whole numbers from 0
// (none) to acct.MaxPointsDelta.
func referralFromViper(v *viper.Viper, c *Config) error {
	for _, it := range []struct {
		key string
		set *int64
	}{
		{KeyReferrerPoints, &c.ReferrerPoints},
		{KeyNewUserPoints, &c.NewUserPoints},
	} {
		s := strings.TrimSpace(v.GetString(it.key))
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 || n > acct.MaxPointsDelta {
			return acct.FieldError(it.key, "want a whole number of points from 0 to %d, got %q", int64(acct.MaxPointsDelta), s)
		}
		*it.set = n
	}
	return nil
}

// DefaultJobsInterval is the default of jobs.interval.
const DefaultJobsInterval = 10 * time.Second

// jobsFromViper reads the keys of the job queue.
func jobsFromViper(v *viper.Viper, c *Config) error {
	s := strings.TrimSpace(v.GetString(KeyJobsInterval))
	d, err := ParseDuration(s)
	if s == "0" {
		d, err = 0, nil
	}
	if err != nil || d < 0 {
		return acct.FieldError(KeyJobsInterval, "want a duration such as 10s or 1m (0: the server runs no jobs), got %q", s)
	}
	c.JobsInterval = d
	s = strings.TrimSpace(v.GetString(KeyJobsAttempts))
	n, err := strconv.ParseUint(s, 10, 31)
	if err != nil || n == 0 || n > 1000 {
		return acct.FieldError(KeyJobsAttempts, "want a whole number from 1 to 1000, got %q", s)
	}
	c.JobsAttempts = int(n)
	return nil
}

// verifyFromViper reads the keys of passcodes, activation links and
// sign-up verification.
func verifyFromViper(v *viper.Viper, c *Config) error {
	for _, it := range []struct {
		key string
		set *time.Duration
	}{
		{KeyOTPTTL, &c.OTPTTL},
		{KeyOTPCooldown, &c.OTPCooldown},
		{KeyActivationTTL, &c.ActivationTTL},
	} {
		s := v.GetString(it.key)
		d, err := ParseDuration(s)
		if err != nil || d <= 0 {
			return acct.FieldError(it.key, "want a positive duration such as 60s, 10m or 24h, got %q", s)
		}
		*it.set = d
	}
	s := strings.TrimSpace(v.GetString(KeyOTPAttempts))
	n, err := strconv.ParseUint(s, 10, 31)
	if err != nil || n == 0 {
		return acct.FieldError(KeyOTPAttempts, "want a positive whole number, got %q", s)
	}
	c.OTPAttempts = int(n)
	c.SignupVerify = strings.ToLower(strings.TrimSpace(v.GetString(KeySignupVerify)))
	switch c.SignupVerify {
	case "":
		c.SignupVerify = acct.SignupVerifyNone
	case acct.SignupVerifyNone, acct.SignupVerifyEmail, acct.SignupVerifyPhone:
	default:
		return acct.FieldError(KeySignupVerify, "want none, email or phone, got %q", v.GetString(KeySignupVerify))
	}
	c.RequireVerified = true
	if s := strings.TrimSpace(v.GetString(KeyRequireVerified)); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return acct.FieldError(KeyRequireVerified, "want true or false, got %q", s)
		}
		c.RequireVerified = b
	}
	return nil
}

// deliveryFromViper reads the secret file, the public URL and the
// delivery keys. It checks their form only: notify.New checks the rest
// (files, programs, how the keys go together) when a command needs it.
func deliveryFromViper(v *viper.Viper, c *Config) error {
	path := func(key string) string { return ExpandHome(strings.TrimSpace(v.GetString(key))) }
	c.SecretFile = path(KeySecretFile)
	if c.SecretFile == "" {
		return acct.FieldError(KeySecretFile, "must not be empty")
	}
	c.TokenFile = path(KeyTokenFile)
	c.PublicURL = strings.TrimSpace(v.GetString(KeyPublicURL))
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return acct.FieldError(KeyPublicURL, "want the http or https address of the reset page, like https://example.com/reset, got %q", c.PublicURL)
		}
	}
	if s := strings.TrimSpace(v.GetString(KeyLinksPages)); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return acct.FieldError(KeyLinksPages, "want true or false, got %q", s)
		}
		c.LinksPages = b
	}
	n := &c.Notify
	n.Email.From = strings.TrimSpace(v.GetString(KeyEmailFrom))
	n.Email.SMTP.Host = strings.TrimSpace(v.GetString(KeySMTPHost))
	n.Email.SMTP.TLS = strings.ToLower(strings.TrimSpace(v.GetString(KeySMTPTLS)))
	n.Email.SMTP.Username = strings.TrimSpace(v.GetString(KeySMTPUsername))
	n.Email.SMTP.PasswordFile = path(KeySMTPPasswordFile)
	if n.Email.SMTP.Host == "" && n.Email.SMTP.TLS == notify.TLSStartTLS {
		n.Email.SMTP.TLS = "" // the default mode, without a server to use it on
	}
	if s := strings.TrimSpace(v.GetString(KeySMTPPort)); s != "" && s != "0" {
		port, err := strconv.ParseUint(s, 10, 16)
		if err != nil || port == 0 {
			return acct.FieldError(KeySMTPPort, "want a port number between 1 and 65535, got %q", s)
		}
		n.Email.SMTP.Port = int(port)
	}
	n.SMS.Webhook.URL = strings.TrimSpace(v.GetString(KeySMSWebhookURL))
	n.SMS.Webhook.TokenFile = path(KeySMSWebhookTokenFile)
	n.SMS.Command = v.GetStringSlice(KeySMSCommand)
	if len(n.SMS.Command) == 0 {
		n.SMS.Command = nil
	}
	n.Outbox = path(KeyOutbox)
	n.Templates = path(KeyTemplates)
	return nil
}

// DeliveryConfigured reports whether any delivery key is set: then a
// command that may send a message builds a notifier, and notify.New
// reports what is missing.
func (c *Config) DeliveryConfigured() bool {
	n := c.Notify
	s := n.Email.SMTP
	return n.Email.From != "" || s.Host != "" || s.Port != 0 || s.Username != "" || s.PasswordFile != "" || s.TLS != "" ||
		n.SMS.Webhook.URL != "" || n.SMS.Webhook.TokenFile != "" || len(n.SMS.Command) > 0 ||
		n.Outbox != "" || n.Templates != ""
}

// CheckDelivery returns nil if a message on ch can be delivered as
// configured (by a transport or to the outbox), and else an invalid-input
// error naming the keys to set, so that a command fails before a code is
// issued that could not be sent. A remote store delivers by its own
// configuration, so it is not checked here.
func (c *Config) CheckDelivery(ch acct.Channel) error {
	if lower := strings.ToLower(c.Store); strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
		return nil
	}
	n := c.Notify
	switch ch {
	case acct.ChannelEmail:
		if n.Email.SMTP.Host == "" && n.Outbox == "" {
			return acct.FieldError("send", "email delivery is not configured: set %s and %s (or %s)", KeySMTPHost, KeyEmailFrom, KeyOutbox)
		}
	case acct.ChannelSMS:
		if n.SMS.Webhook.URL == "" && len(n.SMS.Command) == 0 && n.Outbox == "" {
			return acct.FieldError("send", "sms delivery is not configured: set %s or %s (or %s)", KeySMSWebhookURL, KeySMSCommand, KeyOutbox)
		}
	}
	return nil
}

// SignupChannel says whether a registration makes a pending account, by
// signup.verify or because it asks to be pending, and if so the channel
// of its activation link or signup passcode: email, unless signup.verify
// is phone or a pending account has no email address. The rule is
// acct.SignupMode, the one Local applies; a front end asks first, to
// check the delivery before anything is created.
func (c *Config) SignupChannel(pending bool, email string) (acct.Channel, bool) {
	switch acct.SignupMode(c.SignupVerify, pending, email != "") {
	case "":
		return "", false
	case acct.SignupVerifyPhone:
		return acct.ChannelSMS, true
	}
	return acct.ChannelEmail, true
}

// ValidateOutput checks an output format name.
func ValidateOutput(format string) error {
	switch format {
	case "", FormatTable, FormatTSV, FormatJSON, FormatCSV:
		return nil
	}
	return UsageErrorf("output: unknown format %q (want table, tsv, json or csv)", format)
}

// ConfigEntry is one line of `config show`.
type ConfigEntry struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Source string `json:"source"` // flag, env, file or default
}

// The sources of a configuration value.
const (
	SourceFlag    = "flag"
	SourceEnv     = "env"
	SourceFile    = "file"
	SourceDefault = "default"
)

// configEntries returns the effective value and the source of each key,
// secrets masked. flagChanged reports whether the flag bound to a key was
// set on the command line.
func configEntries(v *viper.Viper, flagChanged func(key string) bool) []ConfigEntry {
	out := make([]ConfigEntry, 0, len(ConfigKeys))
	for _, k := range ConfigKeys {
		src := SourceDefault
		switch {
		case flagChanged(k):
			src = SourceFlag
		case os.Getenv(EnvVar(k)) != "":
			src = SourceEnv
		case v.InConfig(k):
			src = SourceFile
		}
		value := v.GetString(k)
		if (k == KeyHashMaxConcurrent || k == KeyHashMaxQueue) && strings.EqualFold(strings.TrimSpace(value), HashAuto) {
			value = resolvedHash(v, k, value)
		}
		if k == KeyAutoMigrate {
			value = resolvedAutoMigrate(v, value)
		}
		if listKeys[k] {
			value = formatList(v.GetStringSlice(k))
		}
		out = append(out, ConfigEntry{Key: k, Value: MaskSecret(k, value), Source: src})
	}
	return out
}

// resolvedAutoMigrate shows an auto auto_migrate with what it means for
// the configured store: "auto (true)" for a SQLite file, "auto (false)"
// for PostgreSQL.
func resolvedAutoMigrate(v *viper.Viper, value string) string {
	setting, err := parseAutoMigrate(value)
	if err != nil || setting != AutoMigrateAuto {
		return value
	}
	store := strings.ToLower(strings.TrimSpace(v.GetString(KeyStore)))
	switch {
	case strings.HasPrefix(store, "postgres://"), strings.HasPrefix(store, "postgresql://"):
		return value + " (false)"
	case strings.HasPrefix(store, "http://"), strings.HasPrefix(store, "https://"):
		return value // the server's setting counts
	}
	return value + " (true)"
}

// resolvedHash shows an "auto" hash.* value with the number it stands
// for on this machine: "auto (2)".
func resolvedHash(v *viper.Viper, key, value string) string {
	size, queue, err := hashSettings(v)
	if err != nil {
		return value // the other key is bad: shown, then reported
	}
	n := size
	if key == KeyHashMaxQueue {
		n = queue
	}
	return fmt.Sprintf("%s (%d)", value, n)
}

// formatList shows a list value as a JSON array, "" when empty.
func formatList(l []string) string {
	if len(l) == 0 {
		return ""
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(l)
	return strings.TrimSuffix(b.String(), "\n")
}

// Mask replaces a secret in `config show`.
const Mask = "********"

// MaskSecret hides the value of a secret key: any key containing
// "password" (but not a *_file key, password.min_length or
// password.argon2.*), "secret" or "token", and Firebase's signer key.
// In any other value, the password of a URL (postgres://u:pw@h) is
// masked.
func MaskSecret(key, value string) string {
	k := strings.ToLower(key)
	secret := strings.Contains(k, "secret") || strings.Contains(k, "token") || k == KeyFirebaseSignerKey
	if strings.Contains(k, "password") && !strings.Contains(k, "_file") &&
		k != KeyPasswordMinLength && !strings.HasPrefix(k, "password.argon2.") {
		secret = true
	}
	if secret && strings.Contains(k, "_file") {
		secret = false
	}
	if secret {
		if value == "" {
			return ""
		}
		return Mask
	}
	return MaskURLPassword(value)
}

// MaskURLPassword replaces the password of a URL with "********"; any other
// string is returned as is.
func MaskURLPassword(s string) string {
	if !strings.Contains(s, "://") || !strings.Contains(s, "@") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); !ok {
		return s
	}
	u.User = url.UserPassword(u.User.Username(), "MASKEDPASSWORD")
	return strings.Replace(u.String(), "MASKEDPASSWORD", Mask, 1)
}

// ExpandHome replaces a leading "~" or "~/" with the home directory.
func ExpandHome(p string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return p
	}
	return filepath.Join(home, strings.TrimPrefix(p, "~"))
}

// PagesOn reports whether acctl serve shows its own pages for the links
// it mails (internal/pages): when links.pages is true, or when public_url
// points at the server itself, which is when its path is under the auth
// API's /auth/ (such as https://accounts.example.com/auth/signin, or
// /auth/pages/link): an app's own page never is, since a reverse proxy
// that routes /auth/ to the server sends it there.
func (c *Config) PagesOn() bool {
	return c.LinksPages || pages.AtServer(c.PublicURL)
}

// LinkURL is the address that the links acctl mails are made from
// (acct.Options.PublicURL): public_url itself, or, when the pages are on
// (PagesOn), the pages' landing address at public_url's origin
// (https://accounts.example.com/auth/pages/link), to which a reset link
// adds ?token= and an activation link ?confirm=. Empty without
// public_url: a link then cannot be made.
func (c *Config) LinkURL() string {
	if c.PublicURL == "" || !c.PagesOn() {
		return c.PublicURL
	}
	return pages.LinkURL(c.PublicURL)
}
