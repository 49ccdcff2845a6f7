package cmdutil

import (
	"context"
	"strconv"
	"strings"

	"github.com/xdg-go/scram"

	"github.com/acctl/acctl/internal/acct"
)

// RemoteStore reports whether the store is an acctl server (an http or
// https URL): the password of a login then goes through a challenge, and
// never to the server.
func (c *Config) RemoteStore() bool {
	lower := strings.ToLower(strings.TrimSpace(c.Store))
	return strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://")
}

// maxClientIterations is the most PBKDF2 iterations the client computes
// for a server: more would let a server keep it busy for minutes.
const maxClientIterations = 10_000_000

// ChallengeLogin proves password for the account ref through svc's
// challenge login (SCRAM-SHA-256, acct/challenge.go), so that the
// password never leaves this process, and checks the server's signature.
// The client is github.com/xdg-go/scram's, given the password as
// acct.ScramPassword prepares it (SASLprep, or as it is when SASLprep
// refuses it), as the server made the verifier. in carries Keep, Label
// and VerifyOnly.
func ChallengeLogin(ctx context.Context, svc acct.Service, ref, password string, in acct.ChallengeAnswer) (*acct.ChallengeResult, error) {
	client, err := scram.SHA256.NewClientUnprepped(strings.TrimSpace(ref), acct.ScramPassword(password), "")
	if err != nil {
		return nil, acct.Internal(err, "start the challenge login")
	}
	conv := client.WithMinIterations(acct.MinScramIterations).NewConversation()
	first, err := conv.Step("")
	if err != nil {
		return nil, acct.Internal(err, "start the challenge login")
	}
	ch, err := svc.ChallengeBegin(ctx, acct.ChallengeStart{ClientFirst: first})
	if err != nil {
		return nil, err
	}
	if n := serverIterations(ch.ServerFirst); n > maxClientIterations {
		return nil, acct.Errorf(acct.CodeUnavailable, "the server asks for %d iterations of PBKDF2, more than the %d a client computes", n, maxClientIterations)
	}
	final, err := conv.Step(ch.ServerFirst)
	if err != nil {
		return nil, acct.Errorf(acct.CodeUnavailable, "the server's challenge is not SCRAM-SHA-256: %v", err)
	}
	in.ID, in.ClientFinal = ch.ID, final
	res, err := svc.ChallengeFinish(ctx, in)
	if err != nil {
		return nil, err
	}
	if _, err := conv.Step(res.ServerFinal); err != nil || !conv.Valid() {
		return nil, acct.Errorf(acct.CodeUnauthenticated,
			"the server's SCRAM signature is wrong: it does not hold this account's verifier, so it is not the server it claims to be")
	}
	return res, nil
}

// serverIterations reads i= of a server-first-message; 0 when it has none.
func serverIterations(serverFirst string) int {
	for _, a := range strings.Split(serverFirst, ",") {
		if v, ok := strings.CutPrefix(a, "i="); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}

// NoVerifierHint is the hint of a challenge login refused because the
// account has no SCRAM verifier yet.
const NoVerifierHint = "the account has no SCRAM verifier yet, so its password cannot be proven without sending it: " +
	"run the command once with --allow-plain (the password then goes to the server, over TLS), " +
	"or set a new password (password change, reset or set), which makes one"

// PasswordLogin proves password for ref: on a remote store by the
// challenge login, falling back to sending the password only when the
// account has no verifier and allowPlain is set (plain is then called);
// on a local store plain is called at once.
func PasswordLogin(ctx context.Context, cfg *Config, svc acct.Service, ref, password string, in acct.ChallengeAnswer, allowPlain bool, plain func() error) (*acct.ChallengeResult, error) {
	if !cfg.RemoteStore() {
		return nil, plain()
	}
	res, err := ChallengeLogin(ctx, svc, ref, password, in)
	if acct.IsCode(err, acct.CodeUnauthenticated) && acct.ErrorField(err) == acct.NoVerifierField {
		if allowPlain {
			return nil, plain()
		}
		return nil, WithHint(err, NoVerifierHint)
	}
	return res, err
}
