package password

import (
	"context"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmdutil"
)

// HashesOptions are the parsed command line of "password hashes".
type HashesOptions struct {
	Factory *cmdutil.Factory
}

// hashColumns are the columns of "password hashes".
var hashColumns = []string{"SCHEME", "PARAMS", "CURRENT", "ACCOUNTS", "SCRAM"}

// NewCmdHashes returns "password hashes". runF, if not nil, replaces the
// command's work.
func NewCmdHashes(f *cmdutil.Factory, runF func(context.Context, *HashesOptions) error) *cobra.Command {
	opts := &HashesOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "hashes",
		Short: "Count the accounts per password hash scheme",
		Long: cmdutil.LongHelp(`Count the accounts per password hash scheme and parameters, to follow the
migration of imported accounts to argon2id: SCHEME PARAMS CURRENT ACCOUNTS
SCRAM. SCRAM is how many of them have a SCRAM-SHA-256 verifier beside the
hash, for the challenge login (/auth/challenge, and session create or
password verify on a remote store); the others get one at their next
password login, password change or reset.

New passwords are hashed with argon2id at the configured cost
(password.argon2.*); CURRENT is "yes" on that row. Imported hashes and
argon2id hashes of another cost are replaced by the current argon2id at
the user's next successful login. The schemes: argon2id, argon2i,
bcrypt, scrypt, pbkdf2-sha1, pbkdf2-sha256, pbkdf2-sha512 (passlib, PHC),
django-pbkdf2-sha1, django-pbkdf2-sha256, django-argon2id,
django-argon2i, django-bcrypt, django-bcrypt-sha256, bcrypt-sha256
(passlib), firebase-scrypt, md5-crypt ($1$), apr1-md5 (htpasswd),
sha256-crypt ($5$), sha512-crypt ($6$), yescrypt ($y$; the crypt(3)
schemes also behind LDAP's {CRYPT}), ldap-sha, ldap-ssha, ldap-ssha256
and ldap-ssha512, and scram-sha-256 (PostgreSQL's verifier, imported as
the hash: it is the account's SCRAM verifier too).

bcrypt reads only the first 72 bytes of a password: a login with a
longer one keeps the bcrypt hash (what was typed beyond byte 72 was never
checked, so it must not become the password); it is replaced at a login
of 72 bytes or fewer, or by a password change or reset.

SCHEME is "none" for accounts without a password and "unreadable" for a
stored hash in no supported form. Purged accounts are not counted.

With -o json: an array of {"scheme","params","current","accounts","scram"}.`),
		Example: `  acctl password hashes
  acctl password hashes -o json`,
		Args: cmdutil.ExactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runHashes(cmd.Context(), opts)
		},
	}
	return cmd
}

func runHashes(ctx context.Context, opts *HashesOptions) error {
	p, svc, err := opts.Factory.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	counts, err := svc.PasswordHashes(ctx)
	if err != nil {
		return err
	}
	rows := make([][]string, len(counts))
	for i, c := range counts {
		current := "no"
		if c.Current {
			current = "yes"
		}
		params := c.Params
		if params == "" {
			params = "-"
		}
		rows[i] = []string{c.Scheme, params, current, strconv.FormatInt(c.Accounts, 10), strconv.FormatInt(c.Scram, 10)}
	}
	return p.PrintTable(cmdutil.Table{Columns: hashColumns, Rows: rows, JSON: counts, Empty: "no accounts"})
}
