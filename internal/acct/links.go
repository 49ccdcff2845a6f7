package acct

import (
	"context"
	"strings"
	"time"
)

// LinkKind names what a mailed link does.
type LinkKind string

// The kinds of links CheckLink checks.
const (
	// LinkReset is a password reset link (a forgot-password link, or a
	// reset code): ResetPassword uses it.
	LinkReset LinkKind = "reset"
	// LinkActivation is an activation or email confirmation link:
	// Activate uses it.
	LinkActivation LinkKind = "activation"
)

// LinkCheck is the input of Service.CheckLink: the code or key of a link,
// as ResetPassword or Activate would take it.
type LinkCheck struct {
	Kind LinkKind `json:"kind"`
	Code string   `json:"code"`
}

// LinkStatus is the answer of CheckLink for a link that can be used now:
// its kind and when it expires. It names no account: whoever holds a
// link learns only whether it works.
type LinkStatus struct {
	Kind      LinkKind  `json:"kind"`
	ExpiresAt time.Time `json:"expires_at"`
}

// CheckLink tells whether a mailed link can be used now, reading only:
// nil error and the link's expiry when it can; otherwise the error that
// ResetPassword (LinkReset) or Activate (LinkActivation) would answer
// (CodeUnauthenticated with Reason invalid, ended or expired; for an
// activation link that was used, or whose address is verified already,
// CodeConflict; a refused account, CodeRefused), so that a page shows a
// used, expired or unknown link when it is opened, not after its form is
// posted.
//
// Nothing is written: the link is not used, no attempt is counted and
// nothing goes to the audit trail (only changes do). Counting would let
// anyone who can send requests burn links, and a link's code is long
// and random (80 bits for a reset code, 136 for a mailed link), so a
// check by its holder gives nothing away that guessing could reach, as
// OWASP's Forgot Password Cheat Sheet has it; the pages limit checks per
// client address as they limit posts.
func (l *Local) CheckLink(ctx context.Context, in LinkCheck) (*LinkStatus, error) {
	if err := l.permit(ctx, "CheckLink"); err != nil {
		return nil, err
	}
	switch in.Kind {
	case LinkReset, LinkActivation:
	default:
		return nil, FieldError("kind", "%q is not one of reset, activation", in.Kind)
	}
	if strings.TrimSpace(in.Code) == "" {
		return nil, FieldError("code", "required")
	}
	if err := l.secretReady(ctx); err != nil {
		return nil, err
	}
	var c *CodeRecord
	var err error
	if in.Kind == LinkReset {
		c, _, err = l.usableResetCode(ctx, in.Code)
	} else {
		var mac []byte
		if mac, err = l.activationMAC(in.Code); err != nil {
			return nil, err
		}
		err = l.store.View(ctx, func(tx Tx) (err error) {
			c, _, err = l.usableActivation(ctx, tx, mac, l.now())
			return err
		})
	}
	if err != nil {
		return nil, wrap(err, "check link")
	}
	return &LinkStatus{Kind: in.Kind, ExpiresAt: c.ExpiresAt}, nil
}
