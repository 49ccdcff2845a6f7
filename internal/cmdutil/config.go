package cmdutil

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
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
	"github.com/acctl/acctl/internal/notify"
)

// The configuration keys. A key is set, from the highest precedence down,
// by a command-line flag, by the environment variable ACCTL_<KEY> (upper
// case, dots as underscores: deletion.hold → ACCTL_DELETION_HOLD), by the
// config file, or by its default.
const (
	KeyStore             = "store"
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
	KeyArgon2Time        = "password.argon2.time"
	KeyArgon2Threads     = "password.argon2.threads"

	KeySecretFile          = "secret_file"
	KeyTokenFile           = "token_file" // the API key of a remote store
	KeyPublicURL           = "public_url"
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
	KeyAuthRateAddress    = "auth.rate.address"
	KeyAuthRateAccount    = "auth.rate.account"
	KeyAuthOrigins        = "auth.origins"
	KeyAuthClientIPHeader = "auth.client_ip_header"
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
	KeyStore, KeyOutput, KeyDeletionHold,
	KeySessionIdle, KeySessionAbsolute, KeySessionPersistent,
	KeyLockoutThreshold, KeyLockoutDuration,
	KeyPhoneRegion, KeyPasswordMinLength, KeyArgon2Memory, KeyArgon2Time, KeyArgon2Threads,
	KeySecretFile, KeyTokenFile, KeyPublicURL,
	KeySMTPHost, KeySMTPPort, KeySMTPTLS, KeySMTPUsername, KeySMTPPasswordFile, KeyEmailFrom,
	KeySMSWebhookURL, KeySMSWebhookTokenFile, KeySMSCommand,
	KeyOutbox, KeyTemplates,
	KeyOTPTTL, KeyOTPAttempts, KeyOTPCooldown, KeySignupVerify, KeyRequireVerified, KeyActivationTTL,
	KeyReferrerPoints, KeyNewUserPoints,
	KeyAuthRateAddress, KeyAuthRateAccount, KeyAuthOrigins, KeyAuthClientIPHeader,
	KeyFirebaseSignerKey, KeyFirebaseSaltSeparator, KeyFirebaseRounds, KeyFirebaseMemCost,
}

// listKeys are the keys whose value is a list of strings: in the config
// file a YAML list, in the environment words separated by spaces.
var listKeys = map[string]bool{KeySMSCommand: true, KeyAuthOrigins: true}

// EnvPrefix is the prefix of the environment variables read as config.
const EnvPrefix = "ACCTL"

// Config is the effective configuration. Commands read it, never viper.
type Config struct {
	// Store is the URL or path of the store.
	Store string
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
	// SecretFile holds the installation secret under which codes are
	// stored; created on first use (see LoadSecret).
	SecretFile string
	// TokenFile holds the API key of a remote (https://) store; the
	// environment variable ACCTL_TOKEN, when set, gives the key itself.
	TokenFile string
	// PublicURL is the address of the reset page that forgot-password
	// links point to.
	PublicURL string
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
	// RequireVerified refuses the login of a pending account; unless set,
	// it is true when SignupVerify is email or phone.
	RequireVerified bool
	// ActivationTTL is the life of an activation link.
	ActivationTTL time.Duration
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
	// AuthClientIPHeader is the header whose last address is the client's
	// (behind a reverse proxy); "" means the connection's address.
	AuthClientIPHeader string
	// FirebaseScrypt are the parameters of imported firebase-scrypt
	// password hashes; zero when import.firebase_scrypt.signer_key is not
	// set.
	FirebaseScrypt acct.FirebaseScrypt
	// File is the config file that was read, "" when none.
	File string
}

// ConfigDefaults returns the default value of each key; the store default
// is $XDG_DATA_HOME/acctl/acctl.db.
func ConfigDefaults() map[string]any {
	return map[string]any{
		KeyStore:             DefaultStorePath(),
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

		KeySecretFile:          DefaultSecretFile(),
		KeyTokenFile:           "",
		KeyPublicURL:           "",
		KeySMTPHost:            "",
		KeySMTPPort:            "", // by email.smtp.tls: 25, 587 or 465
		KeySMTPTLS:             notify.TLSStartTLS,
		KeySMTPUsername:        "",
		KeySMTPPasswordFile:    "",
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
		KeyRequireVerified: "",    // true when signup.verify is email or phone
		KeyActivationTTL:   "24h", // acct.DefaultActivationTTL

		KeyReferrerPoints: acct.DefaultReferrerPoints,
		KeyNewUserPoints:  acct.DefaultNewUserPoints,

		KeyAuthRateAddress:    "30/1m",  // authapi.DefaultAddressRate
		KeyAuthRateAccount:    "10/15m", // authapi.DefaultAccountRate
		KeyAuthOrigins:        []string{},
		KeyAuthClientIPHeader: "",

		KeyFirebaseSignerKey:     "",
		KeyFirebaseSaltSeparator: "",
		KeyFirebaseRounds:        8,  // as in Firebase's sample parameters
		KeyFirebaseMemCost:       14, // as in Firebase's sample parameters
	}
}

// DefaultSecretFile is the file "secret" beside the default config file:
// $XDG_CONFIG_HOME/acctl/secret.
func DefaultSecretFile() string {
	return filepath.Join(filepath.Dir(DefaultConfigFile()), "secret")
}

// DefaultStorePath is $XDG_DATA_HOME/acctl/acctl.db, XDG_DATA_HOME
// defaulting to ~/.local/share.
func DefaultStorePath() string {
	return filepath.Join(xdgDir("XDG_DATA_HOME", ".local/share"), "acctl", "acctl.db")
}

// DefaultConfigFile is $XDG_CONFIG_HOME/acctl/config.yaml, XDG_CONFIG_HOME
// defaulting to ~/.config.
func DefaultConfigFile() string {
	return filepath.Join(xdgDir("XDG_CONFIG_HOME", ".config"), "acctl", "config.yaml")
}

func xdgDir(env, fallback string) string {
	if d := os.Getenv(env); d != "" && filepath.IsAbs(d) {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		home = "~"
	}
	return filepath.Join(home, fallback)
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
		if !known[k] && v.InConfig(k) {
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
		return nil, acct.FieldError(KeyStore, "must not be empty")
	}
	if err := ValidateOutput(c.Output); err != nil {
		return nil, err
	}
	hold, err := ParseDuration(v.GetString(KeyDeletionHold))
	if err != nil || hold < 0 {
		return nil, acct.FieldError(KeyDeletionHold, "want a duration such as 14d or 36h, got %q", v.GetString(KeyDeletionHold))
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
	}
	for _, it := range ints {
		s := strings.TrimSpace(v.GetString(it.key))
		n, err := strconv.ParseUint(s, 10, it.bits)
		if err != nil || n == 0 {
			return nil, acct.FieldError(it.key, "want a positive whole number, got %q", s)
		}
		it.set(n)
	}
	if err := c.Argon2.Validate(); err != nil {
		return nil, acct.FieldError("password.argon2", "%v", err)
	}
	if err := deliveryFromViper(v, c); err != nil {
		return nil, err
	}
	if err := verifyFromViper(v, c); err != nil {
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
	return c, nil
}

// authFromViper reads the keys of the auth API: the rates ("30/1m" or
// "off"), the origins (scheme://host[:port]) and the client address
// header.
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
	if h := c.AuthClientIPHeader; h != "" && strings.ContainsAny(h, " :\t") {
		return acct.FieldError(KeyAuthClientIPHeader, "want a header name such as X-Forwarded-For, got %q", h)
	}
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
	c.RequireVerified = c.SignupVerify != acct.SignupVerifyNone
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
		if listKeys[k] {
			value = formatList(v.GetStringSlice(k))
		}
		out = append(out, ConfigEntry{Key: k, Value: MaskSecret(k, value), Source: src})
	}
	return out
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
