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

// KeyDef is the one definition of a configuration key: ConfigKeys,
// ConfigDefaults, `config show` and the generated reference docs/config.md
// all come from KeyDefs. Adding a key is one entry there (and its constant).
type KeyDef struct {
	// Key is the dotted name, as in the config file.
	Key string
	// Default is the default value; DefaultFunc, when set, computes it
	// instead (a path under the home folder), and DocDefault then says
	// in the reference what it is.
	Default     any
	DefaultFunc func() any
	DocDefault  string
	// Meaning says what the key does, in Markdown, for the reference.
	Meaning string
	// UsedBy names the commands that read the key (one of the UsedBy*
	// phrases, or a list of commands).
	UsedBy string
}

// The usual answers of KeyDef.UsedBy.
const (
	UsedByAll      = "every command"
	UsedByStore    = "every command that opens the store"
	UsedByLocal    = "every command on a local (SQLite or PostgreSQL) store, and `acctl serve`"
	UsedByDelivery = "the commands that send a message on a local store (`password forgot`, `otp send`, `user register`, `user email`, `user phone`, …), `acctl job run` and `acctl serve`"
	UsedByServe    = "`acctl serve`"
)

// KeyDefs defines every configuration key, in the order `config show`
// and docs/config.md list them.
var KeyDefs = []KeyDef{
	{Key: KeyStore, DefaultFunc: func() any { return DefaultStorePath() }, DocDefault: "`~/.local/share/acctl/acctl.db`", UsedBy: UsedByStore,
		Meaning: "The store: a path or `sqlite:PATH`, `postgres://…`, or for the CLI the `https://` address of an `acctl serve`. In a systemd service with `StateDirectory=`, the default is `$STATE_DIRECTORY/acctl.db`, else `$XDG_DATA_HOME/acctl/acctl.db`; with neither `HOME` nor `STATE_DIRECTORY`, there is no default and acctl refuses (exit 2) until `--store` is given."},
	{Key: KeyAutoMigrate, Default: AutoMigrateAuto, UsedBy: UsedByStore,
		Meaning: "Whether a command upgrades the schema of the store it opens: `auto` (on for a SQLite file, off for PostgreSQL), `true` or `false`. Off, a schema older than acctl's is refused (exit 2) until `acctl store migrate`; a newer one is refused in every case (upgrade acctl)."},
	{Key: KeyOutput, Default: "", DocDefault: "(auto)", UsedBy: UsedByAll,
		Meaning: "Output format: `table`, `tsv`, `json` or `csv`; by default a table on a terminal, tab-separated otherwise (`-o`)."},
	{Key: KeyDeletionHold, Default: "14d", UsedBy: UsedByLocal,
		Meaning: "How long an unregistered account stays restorable, e.g. `14d`, `36h`; a positive duration. Once it has run out, no login or restore brings the account back: only `user purge`."},
	{Key: KeySessionIdle, Default: "1h", UsedBy: UsedByLocal, // acct.DefaultSessionIdle
		Meaning: "A session not freshened for this long ends."},
	{Key: KeySessionAbsolute, Default: "24h", UsedBy: UsedByLocal, // acct.DefaultSessionAbsolute
		Meaning: "A session ends this long after login."},
	{Key: KeySessionPersistent, Default: "720h", UsedBy: UsedByLocal, // acct.DefaultSessionPersistent
		Meaning: "The lifetime of a keep-me-logged-in session."},
	{Key: KeyLockoutThreshold, Default: acct.DefaultLockoutThreshold, UsedBy: UsedByLocal,
		Meaning: "Consecutive failed logins that lock an account."},
	{Key: KeyLockoutDuration, Default: "15m", UsedBy: UsedByLocal, // acct.DefaultLockoutDuration
		Meaning: "How long such a lockout lasts (`user unlock` lifts it sooner)."},
	{Key: KeyPhoneRegion, Default: "", UsedBy: UsedByLocal,
		Meaning: "ISO 3166 region (e.g. `GB`) for phone numbers written without `+country`; without it, phone numbers need the `+` form."},
	{Key: KeyPasswordMinLength, Default: acct.DefaultPasswordMinLength, UsedBy: UsedByLocal,
		Meaning: "Shortest password accepted, in characters."},
	{Key: KeyArgon2Memory, Default: acct.DefaultArgon2.Memory, UsedBy: UsedByLocal,
		Meaning: "argon2id memory cost of new password hashes, in KiB."},
	{Key: KeyArgon2Time, Default: acct.DefaultArgon2.Time, UsedBy: UsedByLocal,
		Meaning: "argon2id number of passes."},
	{Key: KeyArgon2Threads, Default: acct.DefaultArgon2.Threads, UsedBy: UsedByLocal,
		Meaning: "argon2id parallelism."},
	{Key: KeyScramIterations, Default: acct.DefaultScramIterations, UsedBy: UsedByLocal,
		Meaning: "PBKDF2-HMAC-SHA256 iterations of the SCRAM-SHA-256 verifier stored beside each password hash, for the challenge login (`/auth/challenge`, and `session create`/`password verify` on a remote store), at least `4096`. OWASP's figure: about 0.3 s of one core on the server whenever it holds a plaintext password (set, change, reset, sign-up, a plain-password import, the first login without a verifier), and on the client at each challenge login; a challenge login costs the server two HMACs."},
	{Key: KeyHashMaxConcurrent, Default: HashAuto, DocDefault: "`auto` (GOMAXPROCS)", UsedBy: UsedByLocal,
		Meaning: "Password hashes and checks run at once in a process (CLI or `acctl serve`), each holding `password.argon2.memory`: their product bounds the memory of hashing, whatever the load (`config show` prints it on a terminal)."},
	{Key: KeyHashMaxQueue, Default: HashAuto, DocDefault: "`auto` (8 × `hash.max_concurrent`)", UsedBy: UsedByLocal,
		Meaning: "Checks that may wait for a slot; beyond, a check fails at once as unavailable (HTTP 503 with `Retry-After`, exit 7). `0`: no waiting."},
	{Key: KeySecretFile, DefaultFunc: func() any { return DefaultSecretFile() }, DocDefault: "`~/.config/acctl/secret`", UsedBy: "the commands that issue or check codes on a local store, and `acctl serve`",
		Meaning: "The file of the installation secret under which codes are stored (created on first use, 0600). Default: the systemd credential `secret` (`$CREDENTIALS_DIRECTORY/secret`) when present, else `$STATE_DIRECTORY/secret` in a service, else `$XDG_CONFIG_HOME/acctl/secret`."},
	{Key: KeyTokenFile, Default: "", UsedBy: "every command on a remote (`https://`) store",
		Meaning: "The file that holds the API key of a remote store (`--token-file`); the environment variable `ACCTL_TOKEN`, when set, gives the key itself."},
	{Key: KeyPublicURL, Default: "", UsedBy: "`password forgot`, `user register` and `acctl serve`",
		Meaning: "The address of the reset page that forgot-password links point to; also turns on sign-up and lost_password in `acctl serve` (with email delivery)."},
	{Key: KeyLinksPages, Default: false, UsedBy: "`password forgot`, `user register`, `job run` and `acctl serve`",
		Meaning: "`acctl serve` shows its own pages for the links it mails (reset form, address confirmation, under `/auth/pages/`), and the links point at them, at `public_url`'s origin (then the server's public address). Also on when `public_url`'s path is under `/auth/`, i.e. it points at the server itself. See docs/http-api.md, \"Pages for the mailed links\"."},
	{Key: KeySMTPHost, Default: "", UsedBy: UsedByDelivery,
		Meaning: "The SMTP relay; empty: no email."},
	{Key: KeySMTPPort, Default: "", DocDefault: "25, 587 or 465 by `email.smtp.tls`", UsedBy: UsedByDelivery,
		Meaning: "The port of the SMTP relay."},
	{Key: KeySMTPTLS, Default: notify.TLSStartTLS, UsedBy: UsedByDelivery,
		Meaning: "`none`, `starttls` or `tls`."},
	{Key: KeySMTPUsername, Default: "", UsedBy: UsedByDelivery,
		Meaning: "The SMTP user name; empty: no authentication."},
	{Key: KeySMTPPasswordFile, DefaultFunc: func() any { return DefaultSMTPPasswordFile() }, DocDefault: "the systemd credential `smtp_password`, else none", UsedBy: UsedByDelivery,
		Meaning: "The file that holds the SMTP password (the systemd credential `$CREDENTIALS_DIRECTORY/smtp_password` when present)."},
	{Key: KeyEmailFrom, Default: "", UsedBy: UsedByDelivery,
		Meaning: "The sender address of every message."},
	{Key: KeySMSWebhookURL, Default: "", UsedBy: UsedByDelivery,
		Meaning: "SMS by a JSON POST of `{\"to\", \"body\"}` to this URL, with the bearer token of `sms.webhook.token_file`."},
	{Key: KeySMSWebhookTokenFile, Default: "", UsedBy: UsedByDelivery,
		Meaning: "The file that holds the bearer token of the SMS webhook."},
	{Key: KeySMSCommand, Default: []string{}, UsedBy: UsedByDelivery,
		Meaning: "SMS by a program: a list of words, `{to}` replaced in each, the body on stdin (never through a shell); in the environment, words separated by spaces."},
	{Key: KeyOutbox, Default: "", UsedBy: UsedByDelivery,
		Meaning: "A file to which every message is appended as one JSON line; alone, nothing leaves the machine."},
	{Key: KeyTemplates, Default: "", UsedBy: UsedByDelivery,
		Meaning: "A folder of per-language overrides of the message templates."},
	{Key: KeyOTPTTL, Default: "10m", UsedBy: UsedByLocal, // acct.DefaultOTPTTL
		Meaning: "The life of a one-time passcode."},
	{Key: KeyOTPAttempts, Default: acct.DefaultOTPAttempts, UsedBy: UsedByLocal,
		Meaning: "How many checks a passcode allows before it is void."},
	{Key: KeyOTPCooldown, Default: "60s", UsedBy: UsedByLocal, // acct.DefaultOTPCooldown
		Meaning: "How long before another passcode of the same purpose may be sent to an account."},
	{Key: KeySignupVerify, Default: acct.SignupVerifyNone, UsedBy: UsedByLocal,
		Meaning: "How a new account proves its address: `none`, `email` (an activation link) or `phone` (a passcode by SMS)."},
	{Key: KeyRequireVerified, Default: "true", UsedBy: UsedByLocal,
		Meaning: "Refuse the login of a pending account until it is activated; `false` lets pending accounts log in."},
	{Key: KeyActivationTTL, Default: "24h", UsedBy: UsedByLocal, // acct.DefaultActivationTTL
		Meaning: "The life of an activation link."},
	{Key: KeyReferrerPoints, Default: acct.DefaultReferrerPoints, UsedBy: UsedByLocal,
		Meaning: "Points for the owner of a referral code when an account registers with it (`0` for none)."},
	{Key: KeyNewUserPoints, Default: acct.DefaultNewUserPoints, UsedBy: UsedByLocal,
		Meaning: "Points for the account that registers with a referral code (`0` for none)."},
	{Key: KeyAuthRateAddress, Default: "30/1m", UsedBy: UsedByServe, // authapi.DefaultAddressRate
		Meaning: "Attempts of the auth API per client address (`EVENTS/DURATION`, or `off`), kept per process."},
	{Key: KeyAuthRateAccount, Default: "10/15m", UsedBy: UsedByLocal, // authapi.DefaultAccountRate
		Meaning: "Failed password checks allowed per account (`EVENTS/DURATION`, or `off`): a login, `password verify` or `password change` by any spelling of the account (id, username, email, phone) draws on one bucket kept in the store; then one more every DURATION/EVENTS. Also the per-address limit of sign-up and lost_password on `acctl serve`."},
	{Key: KeyAuthOrigins, Default: []string{}, UsedBy: UsedByServe,
		Meaning: "Origins besides the server's own and `public_url`'s that may send state-changing requests to the auth API."},
	{Key: KeyTrustedProxies, Default: []string{}, UsedBy: UsedByServe,
		Meaning: "Reverse proxies (CIDRs or addresses) whose `X-Forwarded-For`/`-Proto` or `Forwarded` headers `acctl serve` believes for the client's address and scheme; from anyone else they are ignored (docs/http-api.md, \"Behind a proxy\"). Replaces `auth.client_ip_header`, which `acctl serve` now refuses."},
	{Key: KeyJobsInterval, Default: "10s", UsedBy: UsedByServe, // DefaultJobsInterval
		Meaning: "How often `acctl serve` looks for due jobs in the queue (it also runs its own at once); `0`: the server runs none (`acctl job run` does)."},
	{Key: KeyJobsAttempts, Default: acct.DefaultJobAttempts, UsedBy: UsedByLocal,
		Meaning: "How many times a queued job (a reset or activation link) is tried before it is given up; the wait between tries grows from 30s to 1h."},
	{Key: KeyServeListen, Default: "127.0.0.1:8080", UsedBy: UsedByServe,
		Meaning: "Where `acctl serve` listens (`--listen`). Plain HTTP: keep it on loopback, behind a reverse proxy that terminates TLS."},
	{Key: KeyServeTLSCert, Default: "", UsedBy: UsedByServe,
		Meaning: "PEM certificate (chain): with `serve.tls_key`, `acctl serve` speaks HTTPS (`--tls-cert`); reloaded on SIGHUP."},
	{Key: KeyServeTLSKey, Default: "", UsedBy: UsedByServe,
		Meaning: "PEM key of `serve.tls_cert` (`--tls-key`)."},
	{Key: KeyServeLogFormat, Default: "text", UsedBy: UsedByServe,
		Meaning: "`text` or `json` (`--log-format`)."},
	{Key: KeyServeShutdownTimeout, Default: "30s", UsedBy: UsedByServe,
		Meaning: "On SIGTERM, how long `acctl serve` waits for the requests under way (`--shutdown-timeout`)."},
	{Key: KeyServeMetricsListen, Default: "", UsedBy: UsedByServe,
		Meaning: "`HOST:PORT` of `acctl serve`'s Prometheus metrics (`GET /metrics`), on a listener of their own; empty: no metrics."},
	{Key: KeyFirebaseSignerKey, Default: "", UsedBy: UsedByLocal,
		Meaning: "`base64_signer_key` of the Firebase project whose accounts were imported with `firebase-scrypt` hashes (Authentication → Users → Password hash parameters); shown masked by `config show`."},
	{Key: KeyFirebaseSaltSeparator, Default: "", UsedBy: UsedByLocal,
		Meaning: "`base64_salt_separator` of that project (often `Bw==`); required with the signer key."},
	{Key: KeyFirebaseRounds, Default: 8, UsedBy: UsedByLocal, // as in Firebase's sample parameters
		Meaning: "`rounds` of that project."},
	{Key: KeyFirebaseMemCost, Default: 14, UsedBy: UsedByLocal, // as in Firebase's sample parameters
		Meaning: "`mem_cost` of that project."},
}

// ConfigKeys lists every configuration key, in the order `config show`
// prints them.
var ConfigKeys = keyNames()

func keyNames() []string {
	out := make([]string, len(KeyDefs))
	for i, d := range KeyDefs {
		out[i] = d.Key
	}
	return out
}

// LookupKey returns the definition of key.
func LookupKey(key string) (KeyDef, bool) {
	for _, d := range KeyDefs {
		if d.Key == key {
			return d, true
		}
	}
	return KeyDef{}, false
}

// DefaultValue is the default of the key on this machine.
func (d KeyDef) DefaultValue() any {
	if d.DefaultFunc != nil {
		return d.DefaultFunc()
	}
	return d.Default
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

// ConfigDefaults returns the default value of each key (KeyDefs); the
// store default is $XDG_DATA_HOME/acctl/acctl.db.
func ConfigDefaults() map[string]any {
	out := make(map[string]any, len(KeyDefs))
	for _, d := range KeyDefs {
		out[d.Key] = d.DefaultValue()
	}
	return out
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
	// Origin names where the value came from: the flag (--store), the
	// environment variable (ACCTL_STORE) or the config file's path; ""
	// for a default.
	Origin string `json:"origin,omitempty"`
}

// The sources of a configuration value.
const (
	SourceFlag    = "flag"
	SourceEnv     = "env"
	SourceFile    = "file"
	SourceDefault = "default"
)

// configEntries returns the effective value and the source of each key,
// secrets masked. flagOf returns the flag bound to a key ("" when none)
// if it was set on the command line; file is the config file read.
func configEntries(v *viper.Viper, flagOf func(key string) string, file string) []ConfigEntry {
	out := make([]ConfigEntry, 0, len(ConfigKeys))
	for _, k := range ConfigKeys {
		src, origin := SourceDefault, ""
		switch {
		case flagOf(k) != "":
			src, origin = SourceFlag, "--"+flagOf(k)
		case os.Getenv(EnvVar(k)) != "":
			src, origin = SourceEnv, EnvVar(k)
		case v.InConfig(k):
			src, origin = SourceFile, file
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
		out = append(out, ConfigEntry{Key: k, Value: MaskSecret(k, value), Source: src, Origin: origin})
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

// MaskURLPassword hides the secrets of a URL: the password of its user
// information (postgres://u:********@h) and the values of query
// parameters that name a secret (?password=, ?token=, ?api_key=,
// ?sig=…). Any other string is returned as is.
func MaskURLPassword(s string) string {
	if !strings.Contains(s, "://") || !strings.ContainsAny(s, "@?") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	masked := false
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "MASKEDSECRET")
			masked = true
		}
	}
	if u.RawQuery != "" {
		// Parameter by parameter, so that their order is kept.
		params := strings.Split(u.RawQuery, "&")
		for i, p := range params {
			name, _, ok := strings.Cut(p, "=")
			if n, err := url.QueryUnescape(name); err == nil && ok && secretParam(n) {
				params[i] = name + "=MASKEDSECRET"
				masked = true
			}
		}
		u.RawQuery = strings.Join(params, "&")
	}
	if !masked {
		return s
	}
	return strings.ReplaceAll(u.String(), "MASKEDSECRET", Mask)
}

// secretParam reports whether a query parameter's name says it holds a
// secret: it contains pass, pwd, secret, token, key, sig, auth or
// credential (sslpassword, access_token, api_key, X-Amz-Signature…).
func secretParam(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"pass", "pwd", "secret", "token", "key", "sig", "auth", "credential"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// NearestKey returns the known configuration key closest to key (at most
// a third of its letters changed, and no more than 3), or "" when none is
// near: "deletion.hodl" → "deletion.hold".
func NearestKey(key string) string {
	best, bestDist := "", min(3, len(key)/3)+1
	for _, k := range ConfigKeys {
		if d := editDistance(key, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes
// (keys are ASCII). Written here: a dozen lines do not warrant a module.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
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
