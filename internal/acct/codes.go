package acct

import (
	"context"
	"time"
)

// CodeKind says what a one-time code is for.
type CodeKind string

// The kinds of one-time code.
const (
	// CodeKindReset is a password reset code that support staff read out
	// or send: 80 bits, Crockford base32 in groups of four.
	CodeKindReset CodeKind = "reset"
	// CodeKindForgot is the key of a forgot-password link sent by email:
	// 130 bits.
	CodeKindForgot CodeKind = "forgot"
	// CodeKindOTP is a 6-digit one-time passcode for a purpose, bound to
	// the account and the address it was sent to.
	CodeKindOTP CodeKind = "otp"
	// CodeKindActivation is the key of an activation link, bound to the
	// email address it was sent to: 130 bits.
	CodeKindActivation CodeKind = "activation"
)

// Channel is how a message reaches a user.
type Channel string

// The delivery channels. ChannelNone means the code is handed over by the
// caller (printed for a staff member to read out).
const (
	ChannelNone  Channel = "none"
	ChannelEmail Channel = "email"
	ChannelSMS   Channel = "sms"
)

// Reset code lifetimes: IssueResetCode clamps a requested TTL to
// [MinResetCodeTTL, MaxResetCodeTTL] with a warning.
const (
	DefaultResetCodeTTL = time.Hour
	MinResetCodeTTL     = 5 * time.Minute
	MaxResetCodeTTL     = 24 * time.Hour
	DefaultForgotTTL    = time.Hour
)

// ResetCodeRequest is the input of Service.IssueResetCode.
type ResetCodeRequest struct {
	Ref    string        `json:"ref"`
	TTL    time.Duration `json:"ttl,omitempty"`    // 0 means DefaultResetCodeTTL
	Send   Channel       `json:"send,omitempty"`   // "" means ChannelNone
	Reason string        `json:"reason,omitempty"` // for the audit trail
}

// ResetCode is a freshly issued reset code. Code is shown this once: the
// store keeps only a keyed hash of it.
type ResetCode struct {
	ID        string    `json:"id"`
	Code      string    `json:"code,omitempty"` // empty when it was sent rather than handed over
	UserID    int64     `json:"user_id"`
	ExpiresAt time.Time `json:"expires_at"`
	IssuedBy  string    `json:"issued_by"`
	SentBy    Channel   `json:"sent_by"`
	SentTo    string    `json:"sent_to,omitempty"` // the address it was sent to
	// Warnings are notes for the caller, such as a clamped lifetime.
	Warnings []string `json:"warnings,omitempty"`
}

// PasswordReset is the input of Service.ResetPassword.
type PasswordReset struct {
	Code     string `json:"code"`
	Password string `json:"password"`
	// Phone makes Code a recovery OTP sent to this phone (see SendOTP).
	Phone string `json:"phone,omitempty"`
}

// CodeInfo describes an outstanding code, never the code itself.
type CodeInfo struct {
	ID        string    `json:"id"`
	Kind      CodeKind  `json:"kind"`
	UserID    int64     `json:"user_id"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	IssuedBy  string    `json:"issued_by"`
	SentBy    Channel   `json:"sent_by"`
}

// RevokeCodes is the input of Service.RevokeCodes: one code by ID, or
// every outstanding code of User.
type RevokeCodes struct {
	ID   string `json:"id,omitempty"`
	User string `json:"user,omitempty"`
}

// RevokeResult lists the codes that RevokeCodes voided.
type RevokeResult struct {
	Revoked []string `json:"revoked"`
}

// Notice is a message for a user, rendered from a template and delivered
// by a Notifier.
type Notice struct {
	Channel  Channel    `json:"channel"`
	To       string     `json:"to"`       // an email address or an E.164 phone
	Template string     `json:"template"` // one of the Template* names
	Language string     `json:"language"` // the user's language, "" for the default
	Data     NoticeData `json:"data"`
}

// The message templates a Notice may name.
const (
	TemplateResetCode = "reset-code"
	TemplateForgot    = "forgot-password"
	TemplateOTP       = "otp"
	TemplateActivate  = "activation"
	// TemplateVerifyEmail proves an address added to an active account.
	TemplateVerifyEmail = "verify-email"
)

// NoticeData fills a message template.
type NoticeData struct {
	Name      string    `json:"name,omitempty"` // how to address the user
	Code      string    `json:"code,omitempty"`
	URL       string    `json:"url,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
	Purpose   string    `json:"purpose,omitempty"`
}

// Notifier delivers notices. internal/notify implements it over SMTP, SMS
// transports and an outbox file.
type Notifier interface {
	Notify(ctx context.Context, n Notice) error
	// Ready says whether a message could be sent by ch at all (a
	// transport is configured), so that nothing is made that cannot be
	// delivered; an error is CodeInvalid naming what to configure.
	Ready(ch Channel) error
}
