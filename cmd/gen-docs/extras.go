package main

import (
	"fmt"
	"io"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/password"
	"github.com/acctl/acctl/internal/cmd/points"
	storecmd "github.com/acctl/acctl/internal/cmd/store"
	"github.com/acctl/acctl/internal/cmd/user"
	"github.com/acctl/acctl/internal/cmd/version"
	"github.com/acctl/acctl/internal/cmdutil"
	"github.com/acctl/acctl/internal/gendocs"
	"github.com/acctl/acctl/internal/openapi"
)

// jsonObjects lists what each command prints with -o json, for
// docs/json.md. TestJSONObjectsCoverEveryCommand fails when a command is
// in neither jsonObjects nor noJSONObject.
var jsonObjects = []gendocs.JSONObject{
	{Commands: []string{"user register", "user update", "user lock", "user unlock", "user unregister", "user restore",
		"user activate", "user email primary", "user phone primary", "password set", "password change", "password reset", "otp verify"},
		Value: acct.User{}},
	{Commands: []string{"user get"}, Value: user.UserWithAddresses{},
		Note: "The fields of [User](#user), and the account's addresses."},
	{Commands: []string{"user list"}, Value: []acct.User{},
		Note: "An array of [User](#user); with `--page-object`, a [UserListPage](#userlistpage)."},
	{Commands: []string{"user list"}, Value: user.UserListPage{}},
	{Commands: []string{"user export", "user import"}, Value: acct.ExportRow{},
		Note: "`user export` writes one such object a line (JSON lines), `user import --format jsonl` reads them."},
	{Commands: []string{"user import"}, Value: user.ImportSummary{}},
	{Commands: []string{"user purge"}, Value: acct.PurgeResult{}},
	{Commands: []string{"user email add", "user email remove", "user phone add", "user phone remove"}, Value: acct.Address{}},
	{Commands: []string{"user email list", "user phone list"}, Value: []acct.Address{}},
	{Commands: []string{"user preregister", "user preregistered remove"}, Value: acct.Preregistration{}},
	{Commands: []string{"user preregistered"}, Value: []acct.Preregistration{},
		Note: "An array of [Preregistration](#preregistration); with `--page-object`, a [PreregisteredPage](#preregisteredpage)."},
	{Commands: []string{"user preregistered"}, Value: user.PreregisteredPage{}},
	{Commands: []string{"session create", "session freshen", "session list"}, Value: acct.Session{},
		Note: "`session list` prints an array of them; only `session create` prints the `token`."},
	{Commands: []string{"session get"}, Value: acct.SessionInfo{}},
	{Commands: []string{"session end"}, Value: acct.EndResult{}},
	{Commands: []string{"session purge"}, Value: acct.SessionPurgeResult{}},
	{Commands: []string{"password reset-code"}, Value: acct.ResetCode{}},
	{Commands: []string{"password codes"}, Value: []acct.CodeInfo{}},
	{Commands: []string{"password codes revoke"}, Value: acct.RevokeResult{}},
	{Commands: []string{"password forgot"}, Value: password.ForgotResult{}},
	{Commands: []string{"password verify"}, Value: password.VerifyResult{}},
	{Commands: []string{"password hashes"}, Value: []acct.HashCount{}},
	{Commands: []string{"otp send"}, Value: acct.OTPSent{}},
	{Commands: []string{"mfa enroll"}, Value: acct.MFAEnrollment{},
		Note: "The secret and its `otpauth://` URI are shown this once."},
	{Commands: []string{"mfa confirm", "mfa recovery-codes"}, Value: acct.RecoveryCodes{},
		Note: "The recovery codes are shown this once."},
	{Commands: []string{"mfa status", "mfa reset"}, Value: acct.MFAInfo{}},
	{Commands: []string{"user check"}, Value: acct.IdentifierCheckResult{}},
	{Commands: []string{"user activate"}, Value: acct.ActivationSent{},
		Note: "What `user activate --send` prints; with a key it prints the [User](#user)."},
	{Commands: []string{"points show"}, Value: acct.PointsBalance{}},
	{Commands: []string{"points add", "points history"}, Value: acct.PointsEntry{},
		Note: "`points history` prints an array of them; with `--page-object`, a [HistoryPage](#historypage)."},
	{Commands: []string{"points history"}, Value: points.HistoryPage{}},
	{Commands: []string{"audit list"}, Value: []acct.Event{}},
	{Commands: []string{"job list", "job run"}, Value: []acct.Job{}},
	{Commands: []string{"apikey create"}, Value: acct.CreatedAPIKey{}},
	{Commands: []string{"apikey list", "apikey revoke"}, Value: acct.APIKey{},
		Note: "`apikey list` prints an array of them."},
	{Commands: []string{"store check"}, Value: storecmd.CheckReport{}},
	{Commands: []string{"store copy"}, Value: storecmd.CopyResult{}},
	{Commands: []string{"store migrate"}, Value: storecmd.MigrateReport{}},
	{Commands: []string{"config show"}, Value: []cmdutil.ConfigEntry{}},
	{Commands: []string{"version"}, Value: version.Info{}},
}

// noJSONObject are the commands that print no JSON object of their own.
var noJSONObject = map[string]string{
	"serve":      "a server: its logs have --log-format",
	"completion": "prints a shell script",
}

// manSections are the EXIT STATUS, ENVIRONMENT and FILES sections of
// every man page.
func manSections() []gendocs.ManSection {
	exit := gendocs.ManSection{Title: "Exit status"}
	for _, e := range cmdutil.ExitStatuses {
		exit.Paragraphs = append(exit.Paragraphs, fmt.Sprintf("%d\t%s", e.Code, e.Meaning))
	}
	exit.Paragraphs = append(exit.Paragraphs, `"acctl help exit-codes" and docs/exit-codes.md say more.`)
	return []gendocs.ManSection{
		exit,
		{Title: "Environment", Paragraphs: []string{
			"ACCTL_<KEY>\tSets the configuration key KEY (upper case, dots as underscores: ACCTL_DELETION_HOLD sets deletion.hold); a flag wins over it, it wins over the config file. docs/config.md lists every key; \"acctl config show\" prints each value and where it came from.",
			cmdutil.ConfigEnv + "\tThe config file to read when --config is not given.",
			"ACCTL_TOKEN\tThe API key of a remote (https://) store, instead of token_file.",
			"ACCTL_SESSION_TOKEN\tThe session token of \"session get\", \"session freshen\" and \"session end\" without --token-stdin.",
			"XDG_CONFIG_HOME, XDG_DATA_HOME\tWhere the default config file, secret and store live (default ~/.config and ~/.local/share).",
			"STATE_DIRECTORY, CREDENTIALS_DIRECTORY\tSet by systemd: the default store and secret of a service, and the credentials secret and smtp_password.",
			"NO_COLOR\tNo colour in the output.",
		}},
		{Title: "Files", Paragraphs: []string{
			"~/.config/acctl/config.yaml\tThe config file ($XDG_CONFIG_HOME/acctl/config.yaml); /etc/acctl/config.yaml for the packaged service.",
			"~/.local/share/acctl/acctl.db\tThe default store, a SQLite file ($XDG_DATA_HOME/acctl/acctl.db, or $STATE_DIRECTORY/acctl.db in a service).",
			"~/.config/acctl/secret\tThe installation secret under which codes are stored (secret_file).",
		}},
	}
}

// extras are the generated pages and man sections besides the command
// tree.
func extras() gendocs.Extras {
	return gendocs.Extras{
		Pages: []gendocs.Page{
			gendocs.ConfigReference(cmdutil.KeyDefs),
			gendocs.JSONReference(jsonObjects),
			openAPIPage(gendocs.OpenAPIPage),
			openAPIPage(gendocs.OpenAPICopy),
		},
		ManSections: manSections(),
	}
}

// openAPIPage writes the OpenAPI document of the HTTP APIs at path, its
// prose taken from the doc comments of the sources.
func openAPIPage(path string) gendocs.Page {
	return gendocs.Page{Path: path, Write: func(w io.Writer) error {
		docs, err := gendocs.NewSourceDocs()
		if err != nil {
			return err
		}
		b, err := openapi.Generate(docs)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}}
}
