package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// *Notifier is the acct.Notifier that the composition root gives Local.
var _ acct.Notifier = (*Notifier)(nil)

// Notify renders and sends a notice from acct.Local: it maps the notice's
// channel to Email or SMS and its data to the type its template expects
// (ResetCodeData, LinkData or OTPData). ValidFor, which acct does not
// carry, is the time from now (by Config.Now) until the notice's
// ExpiresAt. A notice whose code has already expired, or for an unknown
// channel or template, is not sent.
func (n *Notifier) Notify(ctx context.Context, in acct.Notice) error {
	ch, err := noticeChannel(in.Channel)
	if err != nil {
		return asAcctError(err)
	}
	data, err := noticeData(in, n.clock())
	if err != nil {
		return asAcctError(err)
	}
	return asAcctError(n.SendTemplate(ctx, ch, in.To, in.Template, in.Language, data))
}

// asAcctError marks the errors that retrying cannot fix (a message that
// cannot be sent, a channel without a transport) as invalid input, so
// that acct does not report them as a transient failure.
func asAcctError(err error) error {
	if errors.Is(err, ErrInvalidMessage) || errors.Is(err, ErrNotConfigured) {
		e := acct.FieldError("send", "%v", err)
		e.Err = err
		return e
	}
	return err
}

// Ready says whether ch has a transport (or the outbox), as acct asks
// before it makes a code to send.
func (n *Notifier) Ready(ch acct.Channel) error {
	c, err := noticeChannel(ch)
	if err != nil {
		return asAcctError(err)
	}
	return asAcctError(n.Configured(c))
}

func (n *Notifier) clock() time.Time {
	if n.now == nil {
		return time.Now()
	}
	return n.now()
}

// noticeChannel maps acct's channel to a delivery channel; ChannelNone
// (a code handed over by the caller) is never sent.
func noticeChannel(c acct.Channel) (Channel, error) {
	switch c {
	case acct.ChannelEmail:
		return Email, nil
	case acct.ChannelSMS:
		return SMS, nil
	}
	return "", fmt.Errorf("%w: channel %q (want email or sms)", ErrInvalidMessage, c)
}

// noticeData builds the data of the notice's template at now.
func noticeData(in acct.Notice, now time.Time) (any, error) {
	d := in.Data
	if d.ExpiresAt.IsZero() {
		return nil, fmt.Errorf("%w: template %s: the notice has no expiry", ErrInvalidMessage, in.Template)
	}
	valid := d.ExpiresAt.Sub(now).Round(time.Second)
	if valid <= 0 {
		return nil, fmt.Errorf("%w: template %s: the code expired at %s, before it could be sent",
			ErrInvalidMessage, in.Template, d.ExpiresAt.UTC().Format(time.RFC3339))
	}
	switch in.Template {
	case TemplateResetCode:
		name := d.Name
		if name == "" { // an account without a name or username
			name = in.To
		}
		return ResetCodeData{UserName: name, Code: d.Code, ExpiresAt: d.ExpiresAt, ValidFor: valid}, nil
	case TemplateForgotPassword, TemplateActivation, TemplateVerifyEmail:
		return LinkData{URL: d.URL, ExpiresAt: d.ExpiresAt, ValidFor: valid}, nil
	case TemplateOTP:
		return OTPData{Code: d.Code, Purpose: d.Purpose, ExpiresAt: d.ExpiresAt, ValidFor: valid}, nil
	}
	return nil, fmt.Errorf("%w: unknown template %q", ErrInvalidMessage, in.Template)
}
