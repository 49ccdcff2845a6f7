package acct

import "time"

// OTP purposes: what a one-time passcode proves when it is verified.
const (
	PurposeVerifyPhone = "verify-phone" // the phone it was sent to is the user's
	PurposeRecovery    = "recovery"     // the user may set a new password (password reset --phone)
	PurposeSignup      = "signup"       // a pending account is activated
)

// OTP and activation defaults.
const (
	DefaultOTPTTL        = 10 * time.Minute
	DefaultOTPAttempts   = 5
	DefaultOTPCooldown   = 60 * time.Second
	OTPSendLimit         = 5                // codes per destination …
	OTPSendWindow        = 10 * time.Minute // … within this window
	DefaultActivationTTL = 24 * time.Hour
	otpDigits            = 6
)

// Sign-up verification modes (Options.SignupVerify).
const (
	SignupVerifyNone  = "none"
	SignupVerifyEmail = "email" // a pending account gets an activation link by email
	SignupVerifyPhone = "phone" // a pending account gets a signup OTP by SMS
)

// OTPRequest is the input of Service.SendOTP.
type OTPRequest struct {
	// Ref names the account: any REF; a phone number also says where the
	// code goes.
	Ref     string  `json:"ref"`
	Purpose string  `json:"purpose"`
	Channel Channel `json:"channel,omitempty"` // "" means sms
}

// OTPSent describes a sent passcode, never the code itself.
type OTPSent struct {
	ID        string    `json:"id"`
	UserID    int64     `json:"user_id"`
	To        string    `json:"to"`
	Channel   Channel   `json:"channel"`
	Purpose   string    `json:"purpose"`
	ExpiresAt time.Time `json:"expires_at"`
}

// OTPCheck is the input of Service.VerifyOTP.
type OTPCheck struct {
	Ref     string `json:"ref"`
	Purpose string `json:"purpose"`
	Code    string `json:"code"`
}

// ActivationSent describes a sent activation link, never its key.
type ActivationSent struct {
	ID        string    `json:"id"`
	UserID    int64     `json:"user_id"`
	To        string    `json:"to"`
	ExpiresAt time.Time `json:"expires_at"`
}
