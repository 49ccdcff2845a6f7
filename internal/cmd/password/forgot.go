package password

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// ForgotAnswer is what "password forgot" prints, whether or not the
// address belongs to an account.
const ForgotAnswer = "if an account has this address, a reset link is on its way to it"

// ForgotOptions are the parsed command line of "password forgot".
type ForgotOptions struct {
	Factory *cmdutil.Factory
	Email   string
	Wait    bool
}

// NewCmdForgot returns "password forgot". runF, if not nil, replaces the
// command's work.
func NewCmdForgot(f *cmdutil.Factory, runF func(context.Context, *ForgotOptions) error) *cobra.Command {
	opts := &ForgotOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "forgot EMAIL",
		Short: "Email a password reset link, without telling whether the account exists",
		Long: cmdutil.LongHelp(`The forgot-password flow, for apps and scripts behind a web form: if EMAIL
belongs to an account whose password may be reset, email a link to the
reset page to EMAIL, which works once, for 1 hour. EMAIL is the account's
primary address or one of its verified extra addresses; an extra address
that is not verified gets nothing (anyone may add one), with the same
answer. Using the link verifies the address it was sent to.

The command puts the sending in the store's job queue and answers once it
is committed: the same line, exit 0 and the same work, so the same time,
whether or not an account has the address, so that the command cannot be
used to find out who has an account:

  ` + ForgotAnswer + `

(with -o json: {"message": "…"}). The link goes when the queue runs:
"acctl serve" on the store runs it (at once when the command went through
it, with --store https://…), else "acctl job run" (from cron, every
minute). A failed delivery is tried again later (see "acctl job"); it is
in the audit trail ("acctl audit list"), not in the answer.

--wait runs the due jobs of the queue in this process before it exits,
for a local store with no server and no cron: the link is then sent
before the command ends, and the time the command takes tells whether
the address is an account's.

The link is public_url with the code in place of "{code}", or with
"?token=CODE" added when public_url has no "{code}"; the reset page hands
the code to "acctl password reset --code-stdin". It needs public_url and
email delivery (email.smtp.* or outbox) in the configuration: without them
the command is exit 2, for every address alike.`),
		Example: `  acctl password forgot alice@example.com
  acctl password forgot alice@example.com --wait

  # config.yaml
  public_url: https://accounts.example.com/reset?token={code}
  email:
    from: Accounts <accounts@example.com>
    smtp:
      host: smtp.example.com`,
		Args: cmdutil.ExactArgs(1, "EMAIL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Email = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runForgot(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Wait, "wait", false, "run the queue now, sending the link before exiting (the time then tells whether the account exists)")
	return cmd
}

func runForgot(ctx context.Context, opts *ForgotOptions) error {
	f := opts.Factory
	p, svc, err := f.PrinterAndServiceFor(ctx, cmdutil.Needs{Secret: true, Delivery: true})
	if err != nil {
		return err
	}
	if err := svc.ForgotPassword(ctx, opts.Email); err != nil {
		return err
	}
	for opts.Wait { // as "job run": until no job is due
		res, err := svc.RunJobs(ctx, acct.JobRun{})
		if err != nil {
			return err
		}
		if len(res.Jobs) < acct.DefaultJobBatch {
			break
		}
	}
	if p.JSON() {
		return p.PrintJSON(ForgotResult{Message: ForgotAnswer})
	}
	return p.Textf("%s", ForgotAnswer)
}

// ForgotResult is the JSON of "password forgot": the same answer whether
// or not the address has an account.
type ForgotResult struct {
	Message string `json:"message"`
}
