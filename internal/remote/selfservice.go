package remote

import (
	"context"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/api"
)

// The self-service operations (acct/selfservice.go).

func (c *Client) ClaimAddress(ctx context.Context, in acct.AddressClaim) error {
	_, err := do[api.Empty](ctx, c, "ClaimAddress", in)
	return err
}

func (c *Client) ConfirmAddress(ctx context.Context, in acct.AddressCode) (*acct.User, error) {
	return do[*acct.User](ctx, c, "ConfirmAddress", in)
}

func (c *Client) RecoverBySMS(ctx context.Context, phone string) error {
	_, err := do[api.Empty](ctx, c, "RecoverBySMS", api.PhoneRequest{Phone: phone})
	return err
}

func (c *Client) CheckIdentifiers(ctx context.Context, in acct.IdentifierCheck) (*acct.IdentifierCheckResult, error) {
	return do[*acct.IdentifierCheckResult](ctx, c, "CheckIdentifiers", in)
}
