package remote

import (
	"context"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/api"
)

// The methods of acct.Service, each forwarded to the operation of its
// name (api.Operations).

func (c *Client) Register(ctx context.Context, in acct.NewUser) (*acct.User, error) {
	return do[*acct.User](ctx, c, "Register", in)
}

func (c *Client) User(ctx context.Context, ref string) (*acct.User, error) {
	return do[*acct.User](ctx, c, "User", api.RefRequest{Ref: ref})
}

func (c *Client) LookupUsers(ctx context.Context, refs []string) ([]acct.UserLookup, error) {
	return do[[]acct.UserLookup](ctx, c, "LookupUsers", api.RefsRequest{Refs: refs})
}

func (c *Client) ListUsers(ctx context.Context, q acct.UserQuery) (*acct.UserPage, error) {
	return do[*acct.UserPage](ctx, c, "ListUsers", q)
}

func (c *Client) UpdateUser(ctx context.Context, ref string, in acct.UserUpdate) (*acct.User, error) {
	return do[*acct.User](ctx, c, "UpdateUser", api.UpdateUserRequest{Ref: ref, Update: in})
}

func (c *Client) Unregister(ctx context.Context, ref string, opt acct.UnregisterOptions) (*acct.User, error) {
	return do[*acct.User](ctx, c, "Unregister", api.UnregisterRequest{Ref: ref, Options: api.UnregisterOptionsOf(opt)})
}

func (c *Client) Restore(ctx context.Context, ref string) (*acct.User, error) {
	return do[*acct.User](ctx, c, "Restore", api.RefRequest{Ref: ref})
}

func (c *Client) PurgeHeld(ctx context.Context, opt acct.PurgeOptions) (*acct.PurgeResult, error) {
	return do[*acct.PurgeResult](ctx, c, "PurgeHeld", opt)
}

func (c *Client) AddAddress(ctx context.Context, in acct.NewAddress) (*acct.Address, error) {
	return do[*acct.Address](ctx, c, "AddAddress", in)
}

func (c *Client) ListAddresses(ctx context.Context, ref string, kind acct.AddressKind) ([]acct.Address, error) {
	return do[[]acct.Address](ctx, c, "ListAddresses", api.ListAddressesRequest{Ref: ref, Kind: kind})
}

func (c *Client) RemoveAddress(ctx context.Context, in acct.AddressRef) (*acct.Address, error) {
	return do[*acct.Address](ctx, c, "RemoveAddress", in)
}

func (c *Client) SetPrimaryAddress(ctx context.Context, in acct.AddressRef) (*acct.User, error) {
	return do[*acct.User](ctx, c, "SetPrimaryAddress", in)
}

func (c *Client) Login(ctx context.Context, in acct.Login) (*acct.Session, error) {
	return do[*acct.Session](ctx, c, "Login", in)
}

func (c *Client) ChallengeBegin(ctx context.Context, in acct.ChallengeStart) (*acct.Challenge, error) {
	return do[*acct.Challenge](ctx, c, "ChallengeBegin", in)
}

func (c *Client) ChallengeFinish(ctx context.Context, in acct.ChallengeAnswer) (*acct.ChallengeResult, error) {
	return do[*acct.ChallengeResult](ctx, c, "ChallengeFinish", in)
}

func (c *Client) ValidateSession(ctx context.Context, token string) (*acct.SessionInfo, error) {
	return do[*acct.SessionInfo](ctx, c, "ValidateSession", api.TokenRequest{Token: token})
}

func (c *Client) ValidateSessions(ctx context.Context, tokens []string) ([]acct.SessionCheck, error) {
	return do[[]acct.SessionCheck](ctx, c, "ValidateSessions", api.TokensRequest{Tokens: tokens})
}

func (c *Client) ListSessions(ctx context.Context, q acct.SessionQuery) ([]acct.Session, error) {
	return do[[]acct.Session](ctx, c, "ListSessions", q)
}

func (c *Client) FreshenSession(ctx context.Context, ref acct.SessionRef) (*acct.Session, error) {
	return do[*acct.Session](ctx, c, "FreshenSession", ref)
}

func (c *Client) EndSessions(ctx context.Context, in acct.EndSessions) (*acct.EndResult, error) {
	return do[*acct.EndResult](ctx, c, "EndSessions", in)
}

func (c *Client) PurgeSessions(ctx context.Context, opt acct.SessionPurgeOptions) (*acct.SessionPurgeResult, error) {
	return do[*acct.SessionPurgeResult](ctx, c, "PurgeSessions", opt)
}

func (c *Client) SetPassword(ctx context.Context, ref, password string) (*acct.User, error) {
	return do[*acct.User](ctx, c, "SetPassword", api.PasswordRequest{Ref: ref, Password: password})
}

func (c *Client) ChangePassword(ctx context.Context, in acct.PasswordChange) (*acct.User, error) {
	return do[*acct.User](ctx, c, "ChangePassword", in)
}

func (c *Client) VerifyPassword(ctx context.Context, ref, password string) error {
	_, err := do[api.Empty](ctx, c, "VerifyPassword", api.PasswordRequest{Ref: ref, Password: password})
	return err
}

func (c *Client) PasswordHashes(ctx context.Context) ([]acct.HashCount, error) {
	return do[[]acct.HashCount](ctx, c, "PasswordHashes", api.Empty{})
}

func (c *Client) LockUser(ctx context.Context, ref string, opt acct.LockOptions) (*acct.User, error) {
	return do[*acct.User](ctx, c, "LockUser", api.LockUserRequest{Ref: ref, Options: opt})
}

func (c *Client) UnlockUser(ctx context.Context, ref string) (*acct.User, error) {
	return do[*acct.User](ctx, c, "UnlockUser", api.RefRequest{Ref: ref})
}

func (c *Client) IssueResetCode(ctx context.Context, in acct.ResetCodeRequest) (*acct.ResetCode, error) {
	return do[*acct.ResetCode](ctx, c, "IssueResetCode", in)
}

func (c *Client) ResetPassword(ctx context.Context, in acct.PasswordReset) (*acct.User, error) {
	return do[*acct.User](ctx, c, "ResetPassword", in)
}

func (c *Client) ListCodes(ctx context.Context, ref string) ([]acct.CodeInfo, error) {
	return do[[]acct.CodeInfo](ctx, c, "ListCodes", api.RefRequest{Ref: ref})
}

func (c *Client) RevokeCodes(ctx context.Context, in acct.RevokeCodes) (*acct.RevokeResult, error) {
	return do[*acct.RevokeResult](ctx, c, "RevokeCodes", in)
}

func (c *Client) ForgotPassword(ctx context.Context, email string) error {
	_, err := do[api.Empty](ctx, c, "ForgotPassword", api.EmailRequest{Email: email})
	return err
}

func (c *Client) SignUp(ctx context.Context, in acct.SignUpRequest) error {
	_, err := do[api.Empty](ctx, c, "SignUp", in)
	return err
}

func (c *Client) RunJobs(ctx context.Context, in acct.JobRun) (*acct.JobRunResult, error) {
	return do[*acct.JobRunResult](ctx, c, "RunJobs", in)
}

func (c *Client) ListJobs(ctx context.Context, q acct.JobQuery) ([]acct.Job, error) {
	return do[[]acct.Job](ctx, c, "ListJobs", q)
}

func (c *Client) SendOTP(ctx context.Context, in acct.OTPRequest) (*acct.OTPSent, error) {
	return do[*acct.OTPSent](ctx, c, "SendOTP", in)
}

func (c *Client) VerifyOTP(ctx context.Context, in acct.OTPCheck) (*acct.User, error) {
	return do[*acct.User](ctx, c, "VerifyOTP", in)
}

func (c *Client) SendActivation(ctx context.Context, ref string) (*acct.ActivationSent, error) {
	return do[*acct.ActivationSent](ctx, c, "SendActivation", api.RefRequest{Ref: ref})
}

func (c *Client) Activate(ctx context.Context, key string) (*acct.User, error) {
	return do[*acct.User](ctx, c, "Activate", api.KeyRequest{Key: key})
}

func (c *Client) CheckLink(ctx context.Context, in acct.LinkCheck) (*acct.LinkStatus, error) {
	return do[*acct.LinkStatus](ctx, c, "CheckLink", in)
}

func (c *Client) Preregister(ctx context.Context, email string) (*acct.Preregistration, error) {
	return do[*acct.Preregistration](ctx, c, "Preregister", api.EmailRequest{Email: email})
}

func (c *Client) ListPreregistrations(ctx context.Context, q acct.PreregQuery) (*acct.PreregPage, error) {
	return do[*acct.PreregPage](ctx, c, "ListPreregistrations", q)
}

func (c *Client) RemovePreregistration(ctx context.Context, email string) (*acct.Preregistration, error) {
	return do[*acct.Preregistration](ctx, c, "RemovePreregistration", api.EmailRequest{Email: email})
}

func (c *Client) Points(ctx context.Context, ref string) (*acct.PointsBalance, error) {
	return do[*acct.PointsBalance](ctx, c, "Points", api.RefRequest{Ref: ref})
}

func (c *Client) AddPoints(ctx context.Context, in acct.PointsChange) (*acct.PointsEntry, error) {
	return do[*acct.PointsEntry](ctx, c, "AddPoints", in)
}

func (c *Client) PointsHistory(ctx context.Context, q acct.PointsQuery) (*acct.PointsPage, error) {
	return do[*acct.PointsPage](ctx, c, "PointsHistory", q)
}

func (c *Client) ListEvents(ctx context.Context, q acct.EventQuery) ([]acct.Event, error) {
	return do[[]acct.Event](ctx, c, "ListEvents", q)
}

func (c *Client) EnrollMFA(ctx context.Context, ref string) (*acct.MFAEnrollment, error) {
	return do[*acct.MFAEnrollment](ctx, c, "EnrollMFA", api.RefRequest{Ref: ref})
}

func (c *Client) ConfirmMFA(ctx context.Context, in acct.MFACodeRequest) (*acct.RecoveryCodes, error) {
	return do[*acct.RecoveryCodes](ctx, c, "ConfirmMFA", in)
}

func (c *Client) RegenerateRecoveryCodes(ctx context.Context, ref string) (*acct.RecoveryCodes, error) {
	return do[*acct.RecoveryCodes](ctx, c, "RegenerateRecoveryCodes", api.RefRequest{Ref: ref})
}

func (c *Client) MFAStatus(ctx context.Context, ref string) (*acct.MFAInfo, error) {
	return do[*acct.MFAInfo](ctx, c, "MFAStatus", api.RefRequest{Ref: ref})
}

func (c *Client) ResetMFA(ctx context.Context, in acct.MFAReset) (*acct.MFAInfo, error) {
	return do[*acct.MFAInfo](ctx, c, "ResetMFA", in)
}

func (c *Client) VerifyMFA(ctx context.Context, in acct.MFAVerify) (*acct.MFASession, error) {
	return do[*acct.MFASession](ctx, c, "VerifyMFA", in)
}
