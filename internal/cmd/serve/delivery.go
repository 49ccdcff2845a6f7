package serve

import (
	"context"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// deliveryChecked is the Service that the server serves: before a call
// that sends a message it checks the server's delivery settings, as the
// commands check theirs on a local store (cmdutil.Config.CheckDelivery),
// so that a remote command fails as a local one does, with the same
// message and before any code is made. A command skips its own check on
// a remote store: the server delivers, by its configuration.
type deliveryChecked struct {
	acct.Service
	cfg *cmdutil.Config
}

func (s deliveryChecked) Register(ctx context.Context, in acct.NewUser) (*acct.User, error) {
	if ch, pending := s.cfg.SignupChannel(in.Pending, in.Email); pending {
		if err := s.cfg.CheckDelivery(ch); err != nil {
			return nil, err
		}
	}
	return s.Service.Register(ctx, in)
}

func (s deliveryChecked) AddAddress(ctx context.Context, in acct.NewAddress) (*acct.Address, error) {
	if in.Send {
		if err := s.cfg.CheckDelivery(acct.ChannelEmail); err != nil {
			return nil, err
		}
	}
	return s.Service.AddAddress(ctx, in)
}

func (s deliveryChecked) IssueResetCode(ctx context.Context, in acct.ResetCodeRequest) (*acct.ResetCode, error) {
	if in.Send != "" && in.Send != acct.ChannelNone {
		if err := s.cfg.CheckDelivery(in.Send); err != nil {
			return nil, err
		}
	}
	return s.Service.IssueResetCode(ctx, in)
}

func (s deliveryChecked) ForgotPassword(ctx context.Context, email string) error {
	if err := s.cfg.CheckDelivery(acct.ChannelEmail); err != nil {
		return err
	}
	return s.Service.ForgotPassword(ctx, email)
}

func (s deliveryChecked) SendOTP(ctx context.Context, in acct.OTPRequest) (*acct.OTPSent, error) {
	ch := in.Channel
	if ch == "" {
		ch = acct.ChannelSMS
	}
	if err := s.cfg.CheckDelivery(ch); err != nil {
		return nil, err
	}
	return s.Service.SendOTP(ctx, in)
}

func (s deliveryChecked) SendActivation(ctx context.Context, ref string) (*acct.ActivationSent, error) {
	if err := s.cfg.CheckDelivery(acct.ChannelEmail); err != nil {
		return nil, err
	}
	return s.Service.SendActivation(ctx, ref)
}
