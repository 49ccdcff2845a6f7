package accttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// The passcode and activation options of these cases. They differ from
// the defaults, so that a service that ignores its options fails.
const (
	testOTPTTL        = 7 * time.Minute
	testOTPAttempts   = 3
	testOTPCooldown   = 45 * time.Second
	testActivationTTL = 2 * time.Hour
)

// activationURL is the activation page of the activation cases: the key
// goes into the query parameter "confirm".
const activationURL = "https://accounts.example.com/activate?src=mail"

// activationPrefix is what an activation link starts with, before its key.
const activationPrefix = activationURL + "&confirm="

// activationCodeURL is an activation page that names the key's place.
const activationCodeURL = "https://accounts.example.com/activate/{code}"

func otpOptions(o *acct.Options) {
	o.OTPTTL, o.OTPAttempts, o.OTPCooldown = testOTPTTL, testOTPAttempts, testOTPCooldown
}

// signupPhoneOptions: new accounts are pending until a signup passcode
// sent by SMS is verified, and may not log in before.
func signupPhoneOptions(o *acct.Options) {
	otpOptions(o)
	o.SignupVerify, o.RequireVerified = acct.SignupVerifyPhone, true
}

// activationOptions: new accounts are pending until the link sent by
// email is followed, and may not log in before.
func activationOptions(o *acct.Options) {
	o.SignupVerify, o.RequireVerified = acct.SignupVerifyEmail, true
	o.PublicURL, o.ActivationTTL = activationURL, testActivationTTL
}

var otpCases = []suiteCase{
	{"OTPExtraPhone", testOTPExtraPhone, otpOptions},
	{"ActivationExtraEmail", testActivationExtraEmail, func(o *acct.Options) { o.PublicURL = activationURL }},
	{"OTPSend", testOTPSend, otpOptions},
	{"OTPSendRefused", testOTPSendRefused, otpOptions},
	{"OTPSendNoNotifier", testOTPSendNoNotifier, func(o *acct.Options) { otpOptions(o); o.Notifier = nil }},
	{"OTPCooldown", testOTPCooldownRule, otpOptions},
	{"OTPCooldownPerDestination", testOTPCooldownPerDestination, otpOptions},
	{"OTPSendLimit", testOTPSendLimit, otpOptions},
	{"OTPVoidsOlder", testOTPVoidsOlder, otpOptions},
	{"OTPVerifyPhone", testOTPVerifyPhone, otpOptions},
	{"OTPVerifyByAnyRef", testOTPVerifyByRef, otpOptions},
	{"OTPExpiry", testOTPExpiry, otpOptions},
	{"OTPAttempts", testOTPAttemptsCap, otpOptions},
	{"OTPConcurrentUse", testOTPConcurrentUse, otpOptions},
	{"OTPConcurrentWrong", testOTPConcurrentWrong, otpOptions},
	{"OTPBoundToAccountAndNumber", testOTPBound, otpOptions},
	{"OTPBoundToPurpose", testOTPPurposeBound, signupPhoneOptions},
	{"OTPSignupByEmail", testOTPSignupByEmail, signupPhoneOptions},
	{"OTPLockout", testOTPLockout, func(o *acct.Options) { otpOptions(o); o.LockoutThreshold = 4 }},
	{"OTPRecoveryNotVerified", testOTPRecoveryPurpose, otpOptions},
	{"OTPResetPassword", testOTPResetPassword, otpOptions},
	{"OTPResetPasswordAttempts", testOTPResetAttempts, otpOptions},
	{"SignupPhoneNoNotifier", testSignupPhoneNoNotifier, func(o *acct.Options) { signupPhoneOptions(o); o.Notifier = nil }},
	{"Activation", testActivation, activationOptions},
	{"ActivationReasons", testActivationReasons, activationOptions},
	{"ActivationNotRequired", testActivationNotRequired, func(o *acct.Options) { activationOptions(o); o.RequireVerified = false }},
	{"ActivationCodeURL", testActivationCodeURL, func(o *acct.Options) { activationOptions(o); o.PublicURL = activationCodeURL }},
	{"ActivationExpiry", testActivationExpiry, activationOptions},
	{"ActivationEmailChange", testActivationEmailChange, activationOptions},
	{"ActivationResend", testActivationResend, activationOptions},
	{"ActivationSendFails", testActivationSendFails, activationOptions},
	{"ActivationNoURL", testActivationNoURL, func(o *acct.Options) { activationOptions(o); o.PublicURL = "" }},
	{"ActivationNoNotifier", testActivationNoNotifier, func(o *acct.Options) { activationOptions(o); o.Notifier = nil }},
	{"PendingNoURL", testPendingNoURL, nil},
	{"OTPActivationAudit", testOTPActivationAudit, func(o *acct.Options) { activationOptions(o); otpOptions(o) }},
}

// --- helpers ---

// sixDigits is the shape of a passcode.
var sixDigits = regexp.MustCompile(`^[0-9]{6}$`)

// hasOTP reports whether s holds code as a number of its own (not as
// part of a longer run of digits, such as a phone number).
func hasOTP(s, code string) bool {
	return regexp.MustCompile(`(^|[^0-9])` + regexp.QuoteMeta(code) + `([^0-9]|$)`).MatchString(s)
}

// wrongOTP is the k-th passcode after code: of the right shape, not it.
func wrongOTP(code string, k int) string {
	n, _ := strconv.Atoi(code)
	return fmt.Sprintf("%06d", (n+k)%1000000)
}

// since is the suite clock's time since Start, for messages.
func (e *env) since() time.Duration { return e.clock.Now().Sub(Start) }

// noOTPIn fails when v's JSON holds one of the passcodes.
func (e *env) noOTPIn(what string, v any, codes ...string) {
	e.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, c := range codes {
		if c != "" && hasOTP(string(b), c) {
			e.t.Fatalf("%s %s holds the passcode %s", what, b, c)
		}
	}
}

// sendOTP sends a passcode, checks the answer and the one notice it sent,
// and returns the answer and the code.
func (e *env) sendOTP(in acct.OTPRequest) (*acct.OTPSent, string) {
	e.t.Helper()
	before := len(e.notes.Notices())
	sent, err := e.svc.SendOTP(e.ctx, in)
	if err != nil {
		e.t.Fatalf("send passcode %+v at %s: %v", in, e.since(), err)
	}
	n := e.notices(before + 1)[before]
	return sent, e.checkOTPNotice(n, sent, in)
}

// checkOTPNotice checks the notice of a passcode sent now for in, and the
// answer of SendOTP, and returns the code.
func (e *env) checkOTPNotice(n acct.Notice, sent *acct.OTPSent, in acct.OTPRequest) string {
	e.t.Helper()
	ch := in.Channel
	if ch == "" {
		ch = acct.ChannelSMS
	}
	expires := e.clock.Now().Add(testOTPTTL)
	if n.Template != acct.TemplateOTP || n.Channel != ch || !sixDigits.MatchString(n.Data.Code) ||
		n.Data.Purpose != in.Purpose || !n.Data.ExpiresAt.Equal(expires) {
		e.t.Fatalf("notice %+v\nwant template %q by %s, 6 digits, purpose %s, expires %s", n, acct.TemplateOTP, ch, in.Purpose, expires)
	}
	code := n.Data.Code
	if sent == nil {
		return code
	}
	if sent.ID == "" || sent.UserID <= 0 || sent.To != n.To || sent.Channel != ch || sent.Purpose != in.Purpose ||
		!sent.ExpiresAt.Equal(expires) {
		e.t.Fatalf("sent %+v\nfor notice %+v: want an id, the user, the notice's address, channel %s, purpose %s, expires %s",
			*sent, n, ch, in.Purpose, expires)
	}
	b, err := json.Marshal(sent)
	if err != nil {
		e.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		e.t.Fatal(err)
	}
	for _, k := range []string{"id", "to", "purpose", "expires_at"} {
		if _, ok := m[k]; !ok {
			e.t.Errorf("OTPSent JSON %s lacks %q", b, k)
		}
	}
	for k, v := range m {
		if strings.Contains(k, "code") || strings.Contains(k, "mac") || strings.Contains(k, "hash") {
			e.t.Fatalf("OTPSent JSON %s has the field %q", b, k)
		}
		if s, ok := v.(string); ok && k != "to" && hasOTP(s, code) {
			e.t.Fatalf("OTPSent JSON %s holds the passcode %s", b, code)
		}
	}
	return code
}

// sendRefused checks that SendOTP refuses in with CodeRefused, saying to
// wait at least remaining (rounded up to the second at most), and sends
// nothing.
func (e *env) sendRefused(in acct.OTPRequest, remaining time.Duration) {
	e.t.Helper()
	before := len(e.notes.Notices())
	sent, err := e.svc.SendOTP(e.ctx, in)
	if err == nil {
		e.t.Fatalf("send passcode %+v at %s: sent %+v, want it refused", in, e.since(), *sent)
	}
	e.wantCode(err, acct.CodeRefused, "")
	e.notices(before)
	wait, ok := statedWait(err.Error())
	switch {
	case !ok:
		e.t.Errorf("refused send at %s: %q does not say how long to wait (want \"wait <duration>\")", e.since(), err)
	case wait < remaining || wait > remaining+time.Second:
		e.t.Errorf("refused send at %s: %q says to wait %s, want %s (rounded up to the second at most)", e.since(), err, wait, remaining)
	}
}

// waitPattern finds how long a message says to wait: "wait 25s",
// "wait 4m59s", "wait 3 seconds".
var waitPattern = regexp.MustCompile(`(?i)wait (?:for )?([0-9][0-9a-zµ.]*)(?: (seconds?|minutes?|hours?))?`)

func statedWait(msg string) (time.Duration, bool) {
	m := waitPattern.FindStringSubmatch(msg)
	if m == nil {
		return 0, false
	}
	if m[2] != "" {
		n, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			return 0, false
		}
		unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour}[m[2][0]]
		return time.Duration(n * float64(unit)), true
	}
	d, err := time.ParseDuration(strings.TrimRight(m[1], "."))
	return d, err == nil
}

// verifyOTP checks a passcode that must be right.
func (e *env) verifyOTP(ref, purpose, code string) *acct.User {
	e.t.Helper()
	u, err := e.svc.VerifyOTP(e.ctx, acct.OTPCheck{Ref: ref, Purpose: purpose, Code: code})
	if err != nil {
		e.t.Fatalf("verify %s passcode %s of %s at %s: %v", purpose, code, ref, e.since(), err)
	}
	if u == nil || u.ID <= 0 {
		e.t.Fatalf("verify %s passcode of %s: user %+v", purpose, ref, u)
	}
	return u
}

// otpRefused checks that VerifyOTP refuses a passcode with
// CodeUnauthenticated and does not repeat it.
func (e *env) otpRefused(ref, purpose, code string) {
	e.t.Helper()
	u, err := e.svc.VerifyOTP(e.ctx, acct.OTPCheck{Ref: ref, Purpose: purpose, Code: code})
	if err == nil {
		e.t.Fatalf("%s passcode %s of %s accepted at %s (user %+v), want it refused", purpose, code, ref, e.since(), u)
	}
	e.wantCode(err, acct.CodeUnauthenticated, "")
	if hasOTP(err.Error(), code) {
		e.t.Fatalf("error %q repeats the passcode", err)
	}
}

// resetByPhone sets a password with a recovery passcode sent to phone.
func (e *env) resetByPhone(phone, code, password string) *acct.User {
	e.t.Helper()
	u, err := e.svc.ResetPassword(e.ctx, acct.PasswordReset{Phone: phone, Code: code, Password: password})
	if err != nil {
		e.t.Fatalf("reset by phone %s with passcode %s at %s: %v", phone, code, e.since(), err)
	}
	if u == nil || !u.HasPassword {
		e.t.Fatalf("reset by phone %s: user %+v", phone, u)
	}
	return u
}

// resetByPhoneRefused checks that ResetPassword refuses a recovery
// passcode with CodeUnauthenticated.
func (e *env) resetByPhoneRefused(phone, code string) {
	e.t.Helper()
	u, err := e.svc.ResetPassword(e.ctx, acct.PasswordReset{Phone: phone, Code: code, Password: OtherPassword})
	if err == nil {
		e.t.Fatalf("recovery passcode %s for %s accepted at %s (user %d), want it refused", code, phone, e.since(), u.ID)
	}
	e.wantCode(err, acct.CodeUnauthenticated, "")
	if hasOTP(err.Error(), code) {
		e.t.Fatalf("error %q repeats the passcode", err)
	}
}

// failed checks ref's count of consecutive failures.
func (e *env) failed(ref string, want int) *acct.User {
	e.t.Helper()
	u := e.user(ref)
	if u.FailedLogins != want {
		e.t.Fatalf("user %s at %s: %d failed logins, want %d", ref, e.since(), u.FailedLogins, want)
	}
	return u
}

// activationKey checks an activation notice sent now to to and returns
// the key that its link carries after prefix.
func (e *env) activationKey(n acct.Notice, to, prefix string) string {
	e.t.Helper()
	expires := e.clock.Now().Add(testActivationTTL)
	if n.Template != acct.TemplateActivate || n.Channel != acct.ChannelEmail || n.To != to ||
		!n.Data.ExpiresAt.Equal(expires) || n.Data.Code != "" {
		e.t.Fatalf("notice %+v\nwant template %q by email to %s, expires %s, the key only in the link",
			n, acct.TemplateActivate, to, expires)
	}
	if !strings.HasPrefix(n.Data.URL, prefix) || strings.Contains(n.Data.URL, "{code}") {
		e.t.Fatalf("activation link %q: want %s<key>", n.Data.URL, prefix)
	}
	key, err := url.QueryUnescape(n.Data.URL[len(prefix):])
	if err != nil || key == "" || strings.ContainsAny(key, "&?#/") {
		e.t.Fatalf("activation link %q: no key after %s", n.Data.URL, prefix)
	}
	if bits := keyBits(key); bits < 128 {
		e.t.Fatalf("activation link %q: key %q carries %d bits, want at least 128", n.Data.URL, key, bits)
	}
	return key
}

// keyBits is how many bits a key of Crockford base32 or base64url carries.
func keyBits(key string) int {
	c := canon(key)
	if strings.Trim(c, crockfordDigits) == "" {
		return 5 * len(c)
	}
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	if strings.Trim(key, b64) == "" {
		return 6 * len(key)
	}
	return 0
}

// registerPending registers a pending account in an activation service
// and returns it and the key of the one link it was sent.
func (e *env) registerPending(in acct.NewUser) (*acct.User, string) {
	e.t.Helper()
	before := len(e.notes.Notices())
	in.Pending = true
	u := e.register(in)
	if u.Status != acct.StatusPending || u.EmailVerified {
		e.t.Fatalf("registered pending: %+v, want status pending, email not verified", u)
	}
	if got := e.user(fmt.Sprint(u.ID)); got.Status != acct.StatusPending {
		e.t.Fatalf("stored: %+v, want status pending", got)
	}
	return u, e.activationKey(e.notices(before + 1)[before], u.Email, activationPrefix)
}

// sendActivation sends ref a new link and returns its key.
func (e *env) sendActivation(ref, to string) (*acct.ActivationSent, string) {
	e.t.Helper()
	before := len(e.notes.Notices())
	sent, err := e.svc.SendActivation(e.ctx, ref)
	if err != nil {
		e.t.Fatalf("send activation to %s at %s: %v", ref, e.since(), err)
	}
	key := e.activationKey(e.notices(before + 1)[before], to, activationPrefix)
	if sent.ID == "" || sent.UserID <= 0 || sent.To != to || !sent.ExpiresAt.Equal(e.clock.Now().Add(testActivationTTL)) {
		e.t.Fatalf("activation sent %+v: want an id, the user, to %s, expires %s", *sent, to, e.clock.Now().Add(testActivationTTL))
	}
	e.noSecrets("ActivationSent", sent, codeSpellings(key)...)
	return sent, key
}

// activate uses a key that must work, and checks the account it activated.
func (e *env) activate(key string, id int64) *acct.User {
	e.t.Helper()
	u, err := e.svc.Activate(e.ctx, key)
	if err != nil {
		e.t.Fatalf("activate with %q at %s: %v", key, e.since(), err)
	}
	if u == nil || u.ID != id || u.Status != acct.StatusActive || !u.EmailVerified {
		e.t.Fatalf("activated %+v, want user %d active with its email verified", u, id)
	}
	if got := e.user(fmt.Sprint(id)); got.Status != acct.StatusActive || !got.EmailVerified {
		e.t.Fatalf("stored after activation: %+v, want active, email verified", got)
	}
	return u
}

// activateRefused checks that Activate refuses key with code.
func (e *env) activateRefused(key string, code acct.Code) {
	e.t.Helper()
	u, err := e.svc.Activate(e.ctx, key)
	if err == nil {
		e.t.Fatalf("key %q activated user %d at %s, want %s", key, u.ID, e.since(), code)
	}
	e.wantCode(err, code, "")
	if len(key) >= 16 {
		for _, s := range codeSpellings(key) {
			if strings.Contains(err.Error(), s) {
				e.t.Fatalf("error %q repeats the key", err)
			}
		}
	}
}

// wantStatus checks ref's status.
func (e *env) wantStatus(ref string, st acct.Status) *acct.User {
	e.t.Helper()
	u := e.user(ref)
	if u.Status != st {
		e.t.Fatalf("user %s at %s: status %s, want %s", ref, e.since(), u.Status, st)
	}
	return u
}

// --- passcode cases ---

// testOTPSend checks a sent passcode: 6 digits in an "otp" notice by SMS
// to the phone the REF named or the account's phone, in the user's
// language; the answer and the listing never hold the code.
func testOTPSend(e *env) {
	u := e.register(acct.NewUser{Email: "otp@example.com", Username: "otper", Phone: "07400 123140", Language: "fr"})
	const phone = "+447400123140"
	// The REF is the phone, written the national way.
	sent, first := e.sendOTP(acct.OTPRequest{Ref: "07400 123140", Purpose: acct.PurposeVerifyPhone})
	n := e.notices(1)[0]
	if sent.UserID != u.ID || sent.To != phone || n.To != phone || n.Language != "fr" {
		e.t.Fatalf("sent %+v, notice %+v: want user %d, to %s, language fr", *sent, n, u.ID, phone)
	}
	cs := e.codes("otper")
	e.noOTPIn("codes", cs, first)
	if len(cs) != 1 || cs[0].ID != sent.ID || cs[0].Kind != acct.CodeKindOTP || cs[0].SentBy != acct.ChannelSMS ||
		cs[0].UserID != u.ID || !cs[0].ExpiresAt.Equal(sent.ExpiresAt) {
		e.t.Fatalf("outstanding %+v, want the passcode %s (otp, by sms, expires %s)", cs, sent.ID, sent.ExpiresAt)
	}

	// The REF is the username, or the email with an SMS: the account's phone.
	e.to(testOTPCooldown)
	sent, second := e.sendOTP(acct.OTPRequest{Ref: "otper", Purpose: acct.PurposeVerifyPhone, Channel: acct.ChannelSMS})
	if sent.To != phone || sent.UserID != u.ID {
		e.t.Fatalf("sent by username: %+v, want to %s", *sent, phone)
	}
	rec, _ := e.sendOTP(acct.OTPRequest{Ref: "otp@example.com", Purpose: acct.PurposeRecovery})
	if rec.To != phone || rec.Channel != acct.ChannelSMS || rec.UserID != u.ID {
		e.t.Fatalf("sent by email REF: %+v, want an SMS to %s", *rec, phone)
	}
	// A recovery passcode by email could never be used (password reset
	// --phone takes it): refused before anything is sent.
	e.to(2 * testOTPCooldown)
	_, err := e.svc.SendOTP(e.ctx, acct.OTPRequest{Ref: "otper", Purpose: acct.PurposeRecovery, Channel: acct.ChannelEmail})
	e.wantCode(err, acct.CodeInvalid, "channel")
	e.notices(3)
	e.noOTPIn("codes", e.codes("otper"), first, second)
	if got := e.verifyOTP("otper", acct.PurposeVerifyPhone, second); !got.PhoneVerified {
		e.t.Fatalf("verified: %+v, want the phone verified", got)
	}
}

// testOTPSendRefused checks sends that cannot be: a phone or address of
// nobody (not found, nothing sent), verify-phone by email, an unknown
// purpose or channel, an account without a phone.
func testOTPSendRefused(e *env) {
	e.register(acct.NewUser{Email: "refuse@example.com", Phone: "+447400123141"})
	e.register(acct.NewUser{Email: "nophone@example.com", Username: "nophone"})
	for _, in := range []acct.OTPRequest{
		{Ref: "+447400123999", Purpose: acct.PurposeVerifyPhone},
		{Ref: "07400 123998", Purpose: acct.PurposeRecovery},
		{Ref: "+447400123997", Purpose: acct.PurposeSignup, Channel: acct.ChannelSMS},
		{Ref: "ghost@example.com", Purpose: acct.PurposeSignup, Channel: acct.ChannelEmail},
	} {
		_, err := e.svc.SendOTP(e.ctx, in)
		e.wantCode(err, acct.CodeNotFound, "")
	}
	e.notices(0)
	for _, c := range []struct {
		in    acct.OTPRequest
		field string
	}{
		{acct.OTPRequest{Ref: "refuse@example.com", Purpose: acct.PurposeVerifyPhone, Channel: acct.ChannelEmail}, ""},
		{acct.OTPRequest{Ref: "+447400123141", Purpose: acct.PurposeVerifyPhone, Channel: acct.ChannelEmail}, ""},
		{acct.OTPRequest{Ref: "refuse@example.com", Purpose: "login"}, "purpose"},
		{acct.OTPRequest{Ref: "refuse@example.com"}, "purpose"},
		{acct.OTPRequest{Ref: "refuse@example.com", Purpose: acct.PurposeRecovery, Channel: "pigeon"}, "channel"},
		{acct.OTPRequest{Ref: "nophone", Purpose: acct.PurposeVerifyPhone}, ""},
		{acct.OTPRequest{Ref: "nophone", Purpose: acct.PurposeRecovery, Channel: acct.ChannelSMS}, ""},
	} {
		_, err := e.svc.SendOTP(e.ctx, c.in)
		e.wantCode(err, acct.CodeInvalid, c.field)
	}
	e.notices(0)
	e.wantCodeIDs("refuse@example.com")
	e.wantCodeIDs("nophone")
}

// testOTPSendNoNotifier: without a notifier a passcode cannot be sent.
func testOTPSendNoNotifier(e *env) {
	e.register(acct.NewUser{Email: "silent@example.com", Phone: "+447400123142"})
	for _, in := range []acct.OTPRequest{
		{Ref: "+447400123142", Purpose: acct.PurposeVerifyPhone},
		{Ref: "silent@example.com", Purpose: acct.PurposeRecovery, Channel: acct.ChannelSMS},
		{Ref: "silent@example.com", Purpose: acct.PurposeRecovery, Channel: acct.ChannelEmail},
	} {
		_, err := e.svc.SendOTP(e.ctx, in)
		e.wantCode(err, acct.CodeInvalid, "")
	}
	e.wantCodeIDs("silent@example.com")
}

// testOTPCooldownRule: another passcode of the same purpose is refused until
// Options.OTPCooldown has passed, saying how long to wait; a refusal
// leaves the outstanding code alone.
func testOTPCooldownRule(e *env) {
	e.register(acct.NewUser{Email: "cool@example.com", Phone: "+447400123143"})
	in := acct.OTPRequest{Ref: "+447400123143", Purpose: acct.PurposeVerifyPhone}
	first, _ := e.sendOTP(in)
	e.to(20 * time.Second)
	e.sendRefused(in, testOTPCooldown-20*time.Second)
	e.to(testOTPCooldown - time.Millisecond)
	e.sendRefused(in, time.Millisecond)
	e.wantCodeIDs("cool@example.com", first.ID)
	e.to(testOTPCooldown)
	second, code := e.sendOTP(in)
	e.wantCodeIDs("cool@example.com", second.ID)
	// The cooldown starts again from the new code.
	e.to(2*testOTPCooldown - time.Millisecond)
	e.sendRefused(in, time.Millisecond)
	e.verifyOTP("+447400123143", acct.PurposeVerifyPhone, code)
}

// testOTPCooldownPerDestination: the cooldown counts per destination and
// purpose: a code to one phone of an account does not hold up the
// verification of its other phone, but a second code to the same phone
// waits.
func testOTPCooldownPerDestination(e *env) {
	e.register(acct.NewUser{Email: "phones@example.com", Username: "phones", Phone: "+447400123150"})
	e.addAddress("phones", acct.AddressPhone, "+447400123151", false)
	e.addAddress("phones", acct.AddressPhone, "+447400123152", false)
	e.sendOTP(acct.OTPRequest{Ref: "+447400123151", Purpose: acct.PurposeVerifyPhone})
	e.to(time.Second)
	_, code := e.sendOTP(acct.OTPRequest{Ref: "+447400123152", Purpose: acct.PurposeVerifyPhone})
	e.sendRefused(acct.OTPRequest{Ref: "+447400123151", Purpose: acct.PurposeVerifyPhone}, testOTPCooldown-time.Second)
	e.sendRefused(acct.OTPRequest{Ref: "+447400123152", Purpose: acct.PurposeVerifyPhone}, testOTPCooldown)
	// Another purpose to the same phone is not held up either.
	e.sendOTP(acct.OTPRequest{Ref: "+447400123150", Purpose: acct.PurposeRecovery})
	e.verifyOTP("+447400123152", acct.PurposeVerifyPhone, code)
}

// testOTPSendLimit: at most 5 passcodes per 10 minutes to one
// destination, whatever their purpose, each send past the cooldown.
func testOTPSendLimit(e *env) {
	e.register(acct.NewUser{Email: "limit@example.com", Phone: "+447400123144"})
	const phone = "+447400123144"
	purpose := func(i int) string {
		if i%2 == 0 {
			return acct.PurposeVerifyPhone
		}
		return acct.PurposeRecovery
	}
	for i := 0; i < acct.OTPSendLimit; i++ {
		e.to(time.Duration(i) * time.Minute)
		e.sendOTP(acct.OTPRequest{Ref: phone, Purpose: purpose(i)})
	}
	sixth := acct.OTPRequest{Ref: phone, Purpose: purpose(acct.OTPSendLimit)}
	e.to(5 * time.Minute)
	e.sendRefused(sixth, 5*time.Minute)
	e.to(acct.OTPSendWindow - time.Millisecond)
	e.sendRefused(sixth, time.Millisecond)
	e.to(acct.OTPSendWindow) // the first send leaves the window
	e.sendOTP(sixth)
	// The window slides: the send at 1m leaves it at 11m.
	seventh := acct.OTPRequest{Ref: "limit@example.com", Purpose: acct.PurposeVerifyPhone}
	e.to(acct.OTPSendWindow + time.Minute - time.Millisecond)
	e.sendRefused(seventh, time.Millisecond)
	e.to(acct.OTPSendWindow + time.Minute)
	_, code := e.sendOTP(seventh)
	e.verifyOTP(phone, acct.PurposeVerifyPhone, code)
}

// testOTPVoidsOlder: a new passcode voids the older one of its purpose,
// not the codes of other purposes.
func testOTPVoidsOlder(e *env) {
	e.register(acct.NewUser{Email: "voider@example.com", Username: "voider", Phone: "+447400123145"})
	rec, recCode := e.sendOTP(acct.OTPRequest{Ref: "voider", Purpose: acct.PurposeRecovery})
	_, code1 := e.sendOTP(acct.OTPRequest{Ref: "voider", Purpose: acct.PurposeVerifyPhone})
	e.to(testOTPCooldown)
	vp2, code2 := e.sendOTP(acct.OTPRequest{Ref: "voider", Purpose: acct.PurposeVerifyPhone})
	e.wantCodeIDs("voider", vp2.ID, rec.ID)
	if code1 != code2 {
		e.otpRefused("voider", acct.PurposeVerifyPhone, code1)
	}
	if got := e.verifyOTP("voider", acct.PurposeVerifyPhone, code2); !got.PhoneVerified {
		e.t.Fatalf("verified: %+v, want the phone verified", got)
	}
	e.wantCodeIDs("voider", rec.ID)
	e.resetByPhone("+447400123145", recCode, NewPassword)
	e.login(acct.Login{Ref: "voider", Password: NewPassword})
}

// testOTPVerifyPhone: a wrong code is refused, the right one marks the
// phone verified, once.
func testOTPVerifyPhone(e *env) {
	u := e.register(acct.NewUser{Email: "phoner@example.com", Username: "phoner", Phone: "+447400123146"})
	if u.PhoneVerified {
		e.t.Fatalf("registered with the phone verified: %+v", u)
	}
	_, code := e.sendOTP(acct.OTPRequest{Ref: "phoner", Purpose: acct.PurposeVerifyPhone})
	e.otpRefused("phoner", acct.PurposeVerifyPhone, wrongOTP(code, 1))
	if e.user("phoner").PhoneVerified {
		e.t.Fatalf("a wrong code verified the phone")
	}
	got := e.verifyOTP("07400 123146", acct.PurposeVerifyPhone, code)
	if got.ID != u.ID || !got.PhoneVerified || got.Phone != "+447400123146" || got.Status != acct.StatusActive {
		e.t.Fatalf("verified: %+v, want user %d active with its phone verified", got, u.ID)
	}
	if !e.user("phoner").PhoneVerified {
		e.t.Fatalf("stored: the phone is not verified")
	}
	e.otpRefused("phoner", acct.PurposeVerifyPhone, code)
	e.otpRefused("+447400123146", acct.PurposeVerifyPhone, code)
}

// testOTPVerifyByRef: a passcode sent by SMS is verified with any REF of
// its account: id, username, email, the phone.
func testOTPVerifyByRef(e *env) {
	for i, form := range []string{"id", "username", "email", "phone"} {
		phone := fmt.Sprintf("+44740012317%d", i)
		u := e.register(acct.NewUser{Email: fmt.Sprintf("by%s@example.com", form), Username: "by" + form, Phone: phone})
		_, code := e.sendOTP(acct.OTPRequest{Ref: phone, Purpose: acct.PurposeVerifyPhone})
		ref := map[string]string{"id": fmt.Sprint(u.ID), "username": u.Username, "email": u.Email, "phone": "0" + phone[3:7] + " " + phone[7:]}[form]
		got, err := e.svc.VerifyOTP(e.ctx, acct.OTPCheck{Ref: ref, Purpose: acct.PurposeVerifyPhone, Code: code})
		if err != nil || got == nil || got.ID != u.ID || !got.PhoneVerified {
			e.t.Errorf("verify an SMS passcode with the %s REF %q: %+v, %v; want the phone of user %d verified", form, ref, got, err, u.ID)
		}
	}
}

// testOTPExpiry: a passcode works until, not at, Options.OTPTTL.
func testOTPExpiry(e *env) {
	e.register(acct.NewUser{Email: "early@example.com", Username: "early", Phone: "+447400123147"})
	e.register(acct.NewUser{Email: "late@example.com", Username: "late", Phone: "+447400123148"})
	_, early := e.sendOTP(acct.OTPRequest{Ref: "+447400123147", Purpose: acct.PurposeVerifyPhone})
	_, late := e.sendOTP(acct.OTPRequest{Ref: "+447400123148", Purpose: acct.PurposeVerifyPhone})
	e.to(testOTPTTL - time.Millisecond)
	e.verifyOTP("early", acct.PurposeVerifyPhone, early)
	e.to(testOTPTTL)
	e.otpRefused("late", acct.PurposeVerifyPhone, late)
	if e.user("late@example.com").PhoneVerified {
		e.t.Fatalf("an expired code verified the phone")
	}
}

// testOTPAttemptsCap: Options.OTPAttempts wrong checks void a passcode;
// one fewer does not.
func testOTPAttemptsCap(e *env) {
	e.register(acct.NewUser{Email: "almost@example.com", Username: "almost", Phone: "+447400123149"})
	e.register(acct.NewUser{Email: "capped@example.com", Username: "capped", Phone: "+447400123150"})
	_, a := e.sendOTP(acct.OTPRequest{Ref: "almost@example.com", Purpose: acct.PurposeVerifyPhone})
	_, c := e.sendOTP(acct.OTPRequest{Ref: "capped@example.com", Purpose: acct.PurposeVerifyPhone})
	for i := 1; i < testOTPAttempts; i++ {
		e.otpRefused("almost", acct.PurposeVerifyPhone, wrongOTP(a, i))
	}
	e.verifyOTP("almost", acct.PurposeVerifyPhone, a)

	for i := 1; i <= testOTPAttempts; i++ {
		e.otpRefused("capped", acct.PurposeVerifyPhone, wrongOTP(c, i))
	}
	e.failed("capped", testOTPAttempts)
	e.otpRefused("capped", acct.PurposeVerifyPhone, c)
	if e.user("capped@example.com").PhoneVerified {
		e.t.Fatalf("a voided code verified the phone")
	}
	e.wantCodeIDs("capped@example.com")
	// A fresh code works.
	e.to(testOTPCooldown)
	_, fresh := e.sendOTP(acct.OTPRequest{Ref: "capped@example.com", Purpose: acct.PurposeVerifyPhone})
	e.verifyOTP("capped", acct.PurposeVerifyPhone, fresh)
}

// testOTPConcurrentUse submits the right passcode from 16 goroutines at
// once: exactly one succeeds, the others are refused.
func testOTPConcurrentUse(e *env) {
	const n = 16
	for round := 0; round < 3; round++ {
		phone := fmt.Sprintf("+4474001231%d0", 5+round)
		u := e.register(acct.NewUser{Email: fmt.Sprintf("racer%d@example.com", round), Phone: phone})
		_, code := e.sendOTP(acct.OTPRequest{Ref: phone, Purpose: acct.PurposeVerifyPhone})
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				_, errs[i] = e.svc.VerifyOTP(e.ctx, acct.OTPCheck{Ref: phone, Purpose: acct.PurposeVerifyPhone, Code: code})
			}(i)
		}
		close(start)
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch acct.ErrorCode(err) {
			case "":
				ok++
			case acct.CodeUnauthenticated:
			default:
				e.t.Errorf("round %d, racing verify %d: %v (code %q), want unauthenticated", round, i, err, acct.ErrorCode(err))
			}
		}
		if ok != 1 {
			e.t.Fatalf("round %d: %d of %d racing verifications of one passcode succeeded, want exactly 1", round, ok, n)
		}
		if got := e.user(phone); !got.PhoneVerified {
			e.t.Fatalf("round %d: phone not verified", round)
		}
		_, count := e.events(fmt.Sprint(u.ID))
		if count["otp.verify/ok/tester"] != 1 {
			e.t.Fatalf("round %d: %d otp.verify ok events, want 1; events %v", round, count["otp.verify/ok/tester"], count)
		}
	}
}

// testOTPConcurrentWrong submits 16 wrong passcodes at once: at most
// Options.OTPAttempts count, and then the code is void.
func testOTPConcurrentWrong(e *env) {
	const n = 16
	const phone = "+447400123180"
	e.register(acct.NewUser{Email: "guesser@example.com", Phone: phone})
	_, code := e.sendOTP(acct.OTPRequest{Ref: phone, Purpose: acct.PurposeVerifyPhone})
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			_, errs[i] = e.svc.VerifyOTP(e.ctx, acct.OTPCheck{Ref: phone, Purpose: acct.PurposeVerifyPhone, Code: wrongOTP(code, i+1)})
		}(i)
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if !acct.IsCode(err, acct.CodeUnauthenticated) {
			e.t.Errorf("racing wrong passcode %d: %v (code %q), want unauthenticated", i, err, acct.ErrorCode(err))
		}
	}
	got := e.user(phone)
	if got.FailedLogins < 1 || got.FailedLogins > testOTPAttempts {
		e.t.Fatalf("%d racing wrong passcodes counted %d failures, want 1 to %d", n, got.FailedLogins, testOTPAttempts)
	}
	e.otpRefused(phone, acct.PurposeVerifyPhone, code)
	if e.user(phone).PhoneVerified {
		e.t.Fatalf("a voided code verified the phone")
	}
}

// testOTPBound: a passcode is good only for its account and its number; a
// change of phone voids it, even when the phone is changed back.
func testOTPBound(e *env) {
	e.register(acct.NewUser{Email: "alice@example.com", Username: "alice", Phone: "+447400123153"})
	e.register(acct.NewUser{Email: "bob@example.com", Username: "bob", Phone: "+447400123154"})
	_, ca := e.sendOTP(acct.OTPRequest{Ref: "alice", Purpose: acct.PurposeVerifyPhone})
	_, cb := e.sendOTP(acct.OTPRequest{Ref: "bob", Purpose: acct.PurposeVerifyPhone})
	if ca != cb {
		e.otpRefused("bob", acct.PurposeVerifyPhone, ca)
		e.otpRefused("+447400123154", acct.PurposeVerifyPhone, ca)
	}
	if e.user("bob").PhoneVerified {
		e.t.Fatalf("alice's code verified bob's phone")
	}

	if _, err := e.svc.UpdateUser(e.ctx, "alice", acct.UserUpdate{Phone: ptr("+447400123155")}); err != nil {
		e.t.Fatal(err)
	}
	e.otpRefused("alice", acct.PurposeVerifyPhone, ca)
	e.otpRefused("+447400123155", acct.PurposeVerifyPhone, ca)
	if _, err := e.svc.UpdateUser(e.ctx, "alice", acct.UserUpdate{Phone: ptr("+447400123153")}); err != nil {
		e.t.Fatal(err)
	}
	e.otpRefused("alice", acct.PurposeVerifyPhone, ca)
	e.otpRefused("+447400123153", acct.PurposeVerifyPhone, ca)
	if got := e.user("alice"); got.PhoneVerified {
		e.t.Fatalf("a code sent before the phone changed verified it: %+v", got)
	}
	e.verifyOTP("bob", acct.PurposeVerifyPhone, cb)
}

// testOTPPurposeBound: a signup passcode activates a pending account; a
// passcode is good only for its purpose.
func testOTPPurposeBound(e *env) {
	_, err := e.svc.Register(e.ctx, acct.NewUser{Email: "nophone@example.com", Password: GoodPassword})
	e.wantCode(err, acct.CodeInvalid, "phone")
	if n := e.count(); n != 0 {
		e.t.Fatalf("%d accounts after a refused sign-up", n)
	}
	const phone = "+447400123156"
	u := e.register(acct.NewUser{Email: "pender@example.com", Username: "pender", Phone: "07400 123156"})
	if u.Status != acct.StatusPending || u.PhoneVerified {
		e.t.Fatalf("registered %+v, want pending, phone not verified", u)
	}
	n := e.notices(1)[0]
	if n.To != phone {
		e.t.Fatalf("signup notice to %s, want %s", n.To, phone)
	}
	signup := e.checkOTPNotice(n, nil, acct.OTPRequest{Purpose: acct.PurposeSignup})
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "pender", Password: GoodPassword})
	e.wantCode(err, acct.CodeRefused, "")

	_, verify := e.sendOTP(acct.OTPRequest{Ref: "pender", Purpose: acct.PurposeVerifyPhone})
	if verify != signup {
		e.otpRefused("pender", acct.PurposeSignup, verify)
		e.wantStatus("pender", acct.StatusPending)
		e.otpRefused(phone, acct.PurposeVerifyPhone, signup)
		e.resetByPhoneRefused(phone, signup)
		if got := e.user("pender"); got.PhoneVerified || got.Status != acct.StatusPending {
			e.t.Fatalf("codes of other purposes changed the account: %+v", got)
		}
	}
	got := e.verifyOTP(phone, acct.PurposeSignup, signup)
	if got.ID != u.ID || got.Status != acct.StatusActive || !got.PhoneVerified {
		e.t.Fatalf("signup verified: %+v, want user %d active with its phone verified", got, u.ID)
	}
	e.wantStatus("pender", acct.StatusActive)
	e.loginPW("pender")
	// Once active, a signup passcode, used or not, is a conflict (exit 4):
	// there is nothing left to activate.
	for _, code := range []string{signup, "000000"} {
		_, err = e.svc.VerifyOTP(e.ctx, acct.OTPCheck{Ref: phone, Purpose: acct.PurposeSignup, Code: code})
		e.wantCode(err, acct.CodeConflict, "")
		if !strings.Contains(err.Error(), "already activated") || hasOTP(err.Error(), code) {
			e.t.Fatalf("signup passcode on an active account: %q", err)
		}
	}
	if got := e.user("pender"); got.FailedLogins != 0 {
		e.t.Fatalf("after signup passcodes on an active account: %+v, want no failure counted", got)
	}
}

// testOTPSignupByEmail: a signup passcode sent by email activates the
// account and verifies the address; it voids the one sent by SMS.
func testOTPSignupByEmail(e *env) {
	u := e.register(acct.NewUser{Email: "mailsignup@example.com", Phone: "+447400123157"})
	sms := e.checkOTPNotice(e.notices(1)[0], nil, acct.OTPRequest{Purpose: acct.PurposeSignup})
	e.to(testOTPCooldown)
	sent, code := e.sendOTP(acct.OTPRequest{Ref: "mailsignup@example.com", Purpose: acct.PurposeSignup, Channel: acct.ChannelEmail})
	if sent.To != "mailsignup@example.com" || sent.Channel != acct.ChannelEmail {
		e.t.Fatalf("sent %+v, want by email to mailsignup@example.com", *sent)
	}
	if sms != code {
		e.otpRefused("+447400123157", acct.PurposeSignup, sms)
	}
	got := e.verifyOTP("mailsignup@example.com", acct.PurposeSignup, code)
	if got.ID != u.ID || got.Status != acct.StatusActive || !got.EmailVerified || got.PhoneVerified {
		e.t.Fatalf("verified by email: %+v, want active, email verified, phone not", got)
	}
}

// testOTPLockout: wrong passcodes count towards the lockout, a fresh code
// does not reset the count, and a locked account's code is refused.
func testOTPLockout(e *env) {
	const phone = "+447400123158"
	e.register(acct.NewUser{Email: "locker@example.com", Username: "locker", Phone: phone})
	_, c1 := e.sendOTP(acct.OTPRequest{Ref: "locker", Purpose: acct.PurposeVerifyPhone})
	e.otpRefused("locker", acct.PurposeVerifyPhone, wrongOTP(c1, 1))
	e.otpRefused("locker", acct.PurposeVerifyPhone, wrongOTP(c1, 2))
	e.failed("locker", 2)
	e.to(testOTPCooldown)
	_, c2 := e.sendOTP(acct.OTPRequest{Ref: "locker", Purpose: acct.PurposeVerifyPhone})
	e.failed("locker", 2)
	e.otpRefused("locker", acct.PurposeVerifyPhone, wrongOTP(c2, 1))
	e.failed("locker", 3)
	e.otpRefused("locker", acct.PurposeVerifyPhone, wrongOTP(c2, 2)) // the 4th failure: locked
	got := e.user("locker")
	if got.Status != acct.StatusLocked || got.LockedUntil == nil || got.FailedLogins != 4 {
		e.t.Fatalf("after 4 wrong passcodes: %+v, want locked for a while, 4 failed logins", got)
	}
	_, err := e.svc.Login(e.ctx, acct.Login{Ref: "locker", Password: GoodPassword})
	e.wantCode(err, acct.CodeRefused, "")
	_, err = e.svc.VerifyOTP(e.ctx, acct.OTPCheck{Ref: "locker", Purpose: acct.PurposeVerifyPhone, Code: c2})
	e.wantCode(err, acct.CodeRefused, "")
	if e.user("locker").PhoneVerified {
		e.t.Fatalf("a locked account's phone was verified")
	}
}

// testOTPRecoveryPurpose: a recovery passcode is not verified on its own;
// it goes with a new password to ResetPassword.
func testOTPRecoveryPurpose(e *env) {
	const phone = "+447400123159"
	e.register(acct.NewUser{Email: "recov@example.com", Phone: phone})
	_, code := e.sendOTP(acct.OTPRequest{Ref: phone, Purpose: acct.PurposeRecovery})
	_, err := e.svc.VerifyOTP(e.ctx, acct.OTPCheck{Ref: phone, Purpose: acct.PurposeRecovery, Code: code})
	e.wantCode(err, acct.CodeInvalid, "")
	e.resetByPhone(phone, code, NewPassword)
	e.login(acct.Login{Ref: phone, Password: NewPassword})
}

// testOTPResetPassword: a recovery passcode sets a new password: the old
// one fails, sessions end, other codes are voided; a weak password or a
// wrong code leaves the passcode usable.
func testOTPResetPassword(e *env) {
	const phone = "+447400123160"
	u := e.register(acct.NewUser{Email: "recoverer@example.com", Username: "recoverer", Phone: phone})
	bystander := e.register(acct.NewUser{Email: "bystander@example.com", Phone: "+447400123161"})
	s1, s2 := e.loginPW("recoverer"), e.loginPW("recoverer")
	bs := e.loginPW("bystander@example.com")
	rc := e.issueCode("recoverer")
	_, vp := e.sendOTP(acct.OTPRequest{Ref: "recoverer", Purpose: acct.PurposeVerifyPhone})
	_, other := e.sendOTP(acct.OTPRequest{Ref: "+447400123161", Purpose: acct.PurposeRecovery})
	e.to(time.Minute)
	_, code := e.sendOTP(acct.OTPRequest{Ref: phone, Purpose: acct.PurposeRecovery})

	failures := 1
	if other != code {
		e.resetByPhoneRefused(phone, other) // bystander's code
		failures++
	}
	e.resetByPhoneRefused(phone, wrongOTP(code, 1))
	e.failed("recoverer", failures)
	_, err := e.svc.ResetPassword(e.ctx, acct.PasswordReset{Phone: phone, Code: code, Password: "tiny pw"})
	e.wantCode(err, acct.CodeRefused, "password")
	e.loginPW("recoverer") // the password did not change

	got := e.resetByPhone("07400 123160", code, NewPassword)
	if got.ID != u.ID {
		e.t.Fatalf("the passcode reset user %d, want %d", got.ID, u.ID)
	}
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "recoverer", Password: GoodPassword})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	e.login(acct.Login{Ref: "recoverer", Password: NewPassword})
	e.refused(s1.Token, "ended")
	e.refused(s2.Token, "ended")
	e.valid(bs)
	e.codeRefused(rc.Code, "voided")
	e.otpRefused("recoverer", acct.PurposeVerifyPhone, vp)
	e.resetByPhoneRefused(phone, code) // used
	e.wantCodeIDs("recoverer")
	if len(e.codes("bystander@example.com")) != 1 {
		e.t.Fatalf("the reset voided another user's codes")
	}
	e.resetByPhone("+447400123161", other, OtherPassword)
	e.login(acct.Login{Ref: fmt.Sprint(bystander.ID), Password: OtherPassword})
}

// testOTPResetAttempts: Options.OTPAttempts wrong recovery passcodes void
// it; the password stays.
func testOTPResetAttempts(e *env) {
	const phone = "+447400123162"
	e.register(acct.NewUser{Email: "tries@example.com", Phone: phone})
	_, code := e.sendOTP(acct.OTPRequest{Ref: phone, Purpose: acct.PurposeRecovery})
	for i := 1; i <= testOTPAttempts; i++ {
		e.resetByPhoneRefused(phone, wrongOTP(code, i))
		e.failed(phone, i)
	}
	e.resetByPhoneRefused(phone, code)
	e.loginPW(phone)
	_, err := e.svc.Login(e.ctx, acct.Login{Ref: phone, Password: OtherPassword})
	e.wantCode(err, acct.CodeUnauthenticated, "")
}

// testSignupPhoneNoNotifier: a sign-up verified by SMS without a notifier
// is refused before anything is written.
func testSignupPhoneNoNotifier(e *env) {
	_, err := e.svc.Register(e.ctx, acct.NewUser{Phone: "+447400123163", Password: GoodPassword})
	e.wantCode(err, acct.CodeInvalid, "")
	_, err = e.svc.Register(e.ctx, acct.NewUser{Email: "quiet@example.com", Phone: "+447400123163", Password: GoodPassword, Pending: true})
	e.wantCode(err, acct.CodeInvalid, "")
	if n := e.count(); n != 0 {
		e.t.Fatalf("%d accounts after refused sign-ups", n)
	}
}

// --- activation cases ---

// testActivation: a pending account gets a link with a key of at least
// 128 bits, may not log in, and is activated by the key once; other keys
// and codes do not activate it.
func testActivation(e *env) {
	u, key := e.registerPending(acct.NewUser{Email: "Newbie@Example.com", Username: "newbie", Language: "de"})
	if n := e.notices(1)[0]; n.Language != "de" {
		e.t.Fatalf("activation notice in %q, want de", n.Language)
	}
	_, err := e.svc.Login(e.ctx, acct.Login{Ref: "newbie", Password: GoodPassword})
	e.wantCode(err, acct.CodeRefused, "")
	e.wantStatus("newbie", acct.StatusPending)

	for _, bad := range []string{"garbage", "not a key at all!", flipCode(canon(key)), canon(key)[:len(canon(key))-1], key + key} {
		e.activateRefused(bad, acct.CodeUnauthenticated)
	}
	rc := e.issueCode("newbie")
	e.activateRefused(rc.Code, acct.CodeUnauthenticated) // a reset code is no activation key
	e.codeInvalid(key)                                   // and an activation key no reset code
	e.wantStatus("newbie", acct.StatusPending)

	e.to(time.Minute)
	got := e.activate(key, u.ID)
	if got.Email != "newbie@example.com" {
		e.t.Fatalf("activated %+v", got)
	}
	e.loginPW("newbie")
	e.activateRefused(key, acct.CodeConflict)
	e.wantStatus("newbie", acct.StatusActive)
}

// testActivationNotRequired: without RequireVerified a pending account
// may log in.
func testActivationNotRequired(e *env) {
	u, key := e.registerPending(acct.NewUser{Email: "relaxed@example.com"})
	e.loginPW("relaxed@example.com")
	e.wantStatus("relaxed@example.com", acct.StatusPending)
	e.activate(key, u.ID)
}

// testActivationCodeURL: "{code}" in the public URL is where the key goes.
func testActivationCodeURL(e *env) {
	u := e.register(acct.NewUser{Email: "pathkey@example.com", Pending: true})
	key := e.activationKey(e.notices(1)[0], "pathkey@example.com", strings.TrimSuffix(activationCodeURL, "{code}"))
	e.activate(key, u.ID)
}

// testActivationExpiry: a key works until, not at, Options.ActivationTTL;
// a new link works after.
func testActivationExpiry(e *env) {
	early, k1 := e.registerPending(acct.NewUser{Email: "early@example.com"})
	late, k2 := e.registerPending(acct.NewUser{Email: "late@example.com"})
	e.to(testActivationTTL - time.Millisecond)
	e.activate(k1, early.ID)
	e.to(testActivationTTL)
	e.activateRefused(k2, acct.CodeUnauthenticated)
	e.wantStatus("late@example.com", acct.StatusPending)
	_, k3 := e.sendActivation("late@example.com", "late@example.com")
	e.activate(k3, late.ID)
}

// testActivationEmailChange: a key is bound to the address it was sent
// to: a change of address voids it, even when changed back.
func testActivationEmailChange(e *env) {
	u, key := e.registerPending(acct.NewUser{Email: "old@example.com", Username: "mover"})
	if _, err := e.svc.UpdateUser(e.ctx, "mover", acct.UserUpdate{Email: ptr("new@example.com")}); err != nil {
		e.t.Fatal(err)
	}
	e.activateRefused(key, acct.CodeUnauthenticated)
	if _, err := e.svc.UpdateUser(e.ctx, "mover", acct.UserUpdate{Email: ptr("old@example.com")}); err != nil {
		e.t.Fatal(err)
	}
	e.activateRefused(key, acct.CodeUnauthenticated)
	e.wantStatus("mover", acct.StatusPending)
	if _, err := e.svc.UpdateUser(e.ctx, "mover", acct.UserUpdate{Email: ptr("new@example.com")}); err != nil {
		e.t.Fatal(err)
	}
	_, fresh := e.sendActivation("mover", "new@example.com")
	if got := e.activate(fresh, u.ID); got.Email != "new@example.com" {
		e.t.Fatalf("activated %+v, want the new address", got)
	}
}

// testActivationResend: a new link voids the older one; an active account
// gets none.
func testActivationResend(e *env) {
	u, k1 := e.registerPending(acct.NewUser{Email: "again@example.com", Username: "again"})
	e.to(time.Minute)
	sent, k2 := e.sendActivation("again", "again@example.com")
	if sent.UserID != u.ID || canon(k1) == canon(k2) {
		e.t.Fatalf("resent %+v with key %q (first %q): want user %d and a new key", *sent, k2, k1, u.ID)
	}
	e.activateRefused(k1, acct.CodeUnauthenticated)
	e.wantStatus("again", acct.StatusPending)
	e.activate(k2, u.ID)
	before := len(e.notes.Notices())
	_, err := e.svc.SendActivation(e.ctx, "again")
	e.wantCode(err, acct.CodeConflict, "")
	e.notices(before)
	e.wantCodeIDs("again")
	_, err = e.svc.SendActivation(e.ctx, "nobody@example.com")
	e.wantCode(err, acct.CodeNotFound, "")
}

// testActivationSendFails: a link that cannot be delivered at sign-up is
// an error (not a conflict), the account stays pending, the undelivered
// key is void and a new link works.
func testActivationSendFails(e *env) {
	e.notes.Fail(errors.New("421 service not available"))
	u, err := e.svc.Register(e.ctx, acct.NewUser{Email: "bounced@example.com", Password: GoodPassword, Pending: true})
	if err == nil {
		e.t.Fatalf("register with a failing delivery: %+v, want an error", u)
	}
	if acct.IsCode(err, acct.CodeConflict) {
		e.t.Fatalf("register with a failing delivery: %v, want an error other than a conflict", err)
	}
	e.notes.Fail(nil)
	e.wantStatus("bounced@example.com", acct.StatusPending)
	dead := e.activationKey(e.notices(1)[0], "bounced@example.com", activationPrefix)
	e.activateRefused(dead, acct.CodeUnauthenticated)
	_, key := e.sendActivation("bounced@example.com", "bounced@example.com")
	e.activate(key, e.user("bounced@example.com").ID)
	e.loginPW("bounced@example.com")
}

// testActivationNoURL: without a public URL no pending account is created.
func testActivationNoURL(e *env) {
	for _, pending := range []bool{true, false} {
		_, err := e.svc.Register(e.ctx, acct.NewUser{Email: "nourl@example.com", Password: GoodPassword, Pending: pending})
		e.wantCode(err, acct.CodeInvalid, "")
	}
	if n := e.count(); n != 0 {
		e.t.Fatalf("%d accounts after refused sign-ups", n)
	}
	e.notices(0)
}

// testActivationNoNotifier: without a notifier no pending account is
// created.
func testActivationNoNotifier(e *env) {
	for _, pending := range []bool{true, false} {
		_, err := e.svc.Register(e.ctx, acct.NewUser{Email: "nonotifier@example.com", Password: GoodPassword, Pending: pending})
		e.wantCode(err, acct.CodeInvalid, "")
	}
	if n := e.count(); n != 0 {
		e.t.Fatalf("%d accounts after refused sign-ups", n)
	}
}

// testPendingNoURL: with the default options an account asked for pending
// needs a public URL for its link; one not asked for pending is active.
func testPendingNoURL(e *env) {
	_, err := e.svc.Register(e.ctx, acct.NewUser{Email: "wait@example.com", Password: GoodPassword, Pending: true})
	e.wantCode(err, acct.CodeInvalid, "")
	if n := e.count(); n != 0 {
		e.t.Fatalf("%d accounts after a refused pending sign-up", n)
	}
	e.notices(0)
	if u := e.register(acct.NewUser{Email: "wait@example.com"}); u.Status != acct.StatusActive {
		e.t.Fatalf("registered %+v, want active", u)
	}
}

// testOTPActivationAudit: sends, verifications, failures and activations
// are in the audit trail, never a passcode or a key.
func testOTPActivationAudit(e *env) {
	u, key := e.registerPending(acct.NewUser{Email: "auditee@example.com", Username: "auditee", Phone: "+447400123164"})
	_, code := e.sendOTP(acct.OTPRequest{Ref: "auditee", Purpose: acct.PurposeVerifyPhone})
	wrong := wrongOTP(code, 1)
	e.otpRefused("auditee", acct.PurposeVerifyPhone, wrong)
	e.verifyOTP("auditee", acct.PurposeVerifyPhone, code)
	e.otpRefused("auditee", acct.PurposeVerifyPhone, code)
	forged := flipCode(canon(key))
	e.activateRefused(forged, acct.CodeUnauthenticated)
	e.activate(key, u.ID)
	e.activateRefused(key, acct.CodeConflict)

	evs, count := e.events("auditee")
	for _, ev := range evs {
		if ev.UserID == nil || *ev.UserID != u.ID {
			e.t.Fatalf("event of another user: %+v", ev)
		}
	}
	for k, want := range map[string]int{
		"otp.send/ok/tester":      1,
		"otp.verify/ok/tester":    1,
		"user.activate/ok/tester": 1,
	} {
		if count[k] != want {
			e.t.Errorf("%d events %s, want %d; events: %v", count[k], k, want, count)
		}
	}
	if count["otp.verify/failure/tester"] < 2 {
		e.t.Errorf("%d otp.verify failure events, want one for the wrong and one for the used passcode; events: %v",
			count["otp.verify/failure/tester"], count)
	}
	if count["user.activate/failure/tester"] < 1 {
		e.t.Errorf("no user.activate failure event for the used key; events: %v", count)
	}
	all, _ := e.events("")
	activateFailures := 0
	for _, ev := range all {
		if ev.Action == acct.ActionUserActivate && ev.Outcome == acct.OutcomeFailure {
			activateFailures++
		}
		e.noOTPIn("audit event", ev, code, wrong)
		e.noSecrets("audit event", ev, slices.Concat(codeSpellings(key), codeSpellings(forged), []string{GoodPassword})...)
	}
	if activateFailures < 2 {
		e.t.Errorf("%d user.activate failure events, want 2 (a forged key, a used one)", activateFailures)
	}
}

// testOTPExtraPhone checks passcodes and extra phones: verify-phone
// verifies the extra phone it was sent to; recovery goes only to the
// primary phone or a verified one (anyone may add a phone to an account).
func testOTPExtraPhone(e *env) {
	const extra = "+447400123188"
	e.register(acct.NewUser{Username: "twophones", Email: "two@example.com", Phone: "+447400123187"})
	if _, err := e.svc.AddAddress(e.ctx, acct.NewAddress{User: "twophones", Kind: acct.AddressPhone, Value: extra}); err != nil {
		e.t.Fatal(err)
	}
	_, err := e.svc.SendOTP(e.ctx, acct.OTPRequest{Ref: extra, Purpose: acct.PurposeRecovery})
	e.wantCode(err, acct.CodeRefused, "")
	e.notices(0)

	sent, code := e.sendOTP(acct.OTPRequest{Ref: extra, Purpose: acct.PurposeVerifyPhone})
	if sent.To != extra {
		e.t.Fatalf("sent to %s, want the extra phone %s", sent.To, extra)
	}
	if got := e.verifyOTP(extra, acct.PurposeVerifyPhone, code); got.PhoneVerified {
		e.t.Fatalf("verifying the extra phone verified the primary: %+v", got)
	}
	as, err := e.svc.ListAddresses(e.ctx, "twophones", acct.AddressPhone)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, a := range as {
		if a.Value == extra && !a.Verified {
			e.t.Fatalf("addresses %+v: want %s verified", as, extra)
		}
	}
	e.to(testOTPCooldown)
	_, err = e.svc.SendOTP(e.ctx, acct.OTPRequest{Ref: extra, Purpose: acct.PurposeVerifyPhone})
	e.wantCode(err, acct.CodeConflict, "phone")
	if sent, _ := e.sendOTP(acct.OTPRequest{Ref: extra, Purpose: acct.PurposeRecovery}); sent.To != extra {
		e.t.Fatalf("recovery sent to %s, want the now verified %s", sent.To, extra)
	}
}

// testActivationExtraEmail checks that an address added to an active
// account is verified by its link, which goes to that address.
func testActivationExtraEmail(e *env) {
	const extra = "second@example.com"
	u := e.register(acct.NewUser{Username: "twomails", Email: "first@example.com"})
	if _, err := e.svc.AddAddress(e.ctx, acct.NewAddress{User: "twomails", Kind: acct.AddressEmail, Value: extra}); err != nil {
		e.t.Fatal(err)
	}
	before := len(e.notes.Notices())
	sent, err := e.svc.SendActivation(e.ctx, extra)
	if err != nil {
		e.t.Fatal(err)
	}
	n := e.notices(before + 1)[before]
	if n.Template != acct.TemplateVerifyEmail || n.To != extra || sent.To != extra {
		e.t.Fatalf("notice %+v, sent %+v: want template %s to %s", n, *sent, acct.TemplateVerifyEmail, extra)
	}
	key, err := url.QueryUnescape(strings.TrimPrefix(n.Data.URL, activationPrefix))
	if err != nil {
		e.t.Fatal(err)
	}
	got, err := e.svc.Activate(e.ctx, key)
	if err != nil || got.ID != u.ID || got.Status != acct.StatusActive || got.EmailVerified {
		e.t.Fatalf("activate: %+v, %v; want user %d active, the primary still unverified", got, err, u.ID)
	}
	_, err = e.svc.Activate(e.ctx, key)
	e.wantCode(err, acct.CodeConflict, "")
	_, err = e.svc.SendActivation(e.ctx, extra)
	e.wantCode(err, acct.CodeConflict, "")
	// The primary, still unverified, can be proven the same way.
	if _, err := e.svc.SendActivation(e.ctx, "twomails"); err != nil {
		e.t.Fatal(err)
	}

	// AddAddress with Send adds and mails the link in one call; a phone or
	// an address vouched for needs no link and is refused before anything.
	before = len(e.notes.Notices())
	if _, err := e.svc.AddAddress(e.ctx, acct.NewAddress{User: "twomails", Kind: acct.AddressEmail, Value: "third@example.com", Send: true}); err != nil {
		e.t.Fatal(err)
	}
	if n := e.notices(before + 1)[before]; n.To != "third@example.com" || n.Template != acct.TemplateVerifyEmail {
		e.t.Fatalf("notice %+v: want the verify-email link to third@example.com", n)
	}
	for _, in := range []acct.NewAddress{
		{User: "twomails", Kind: acct.AddressPhone, Value: "+447400123189", Send: true},
		{User: "twomails", Kind: acct.AddressEmail, Value: "fourth@example.com", Send: true, Verified: true},
	} {
		_, err := e.svc.AddAddress(e.ctx, in)
		e.wantCode(err, acct.CodeInvalid, "send")
	}
	e.notices(before + 1)
	if as, err := e.svc.ListAddresses(e.ctx, "twomails", ""); err != nil || len(as) != 3 {
		e.t.Fatalf("addresses %+v, %v: want the three emails only", as, err)
	}
}

// testActivationReasons: a refused activation key says why in its
// Reason: invalid (unknown), ended (voided by a newer link), expired; a
// used one is a conflict (already activated).
func testActivationReasons(e *env) {
	activate := func(key string) error {
		_, err := e.svc.Activate(e.ctx, key)
		return err
	}
	u, key := e.registerPending(acct.NewUser{Email: "why@example.com"})
	e.wantReason(activate("garbage"), acct.CodeUnauthenticated, acct.ReasonInvalid, 0)
	e.wantReason(activate(flipCode(canon(key))), acct.CodeUnauthenticated, acct.ReasonInvalid, 0)
	before := len(e.notes.Notices())
	if _, err := e.svc.SendActivation(e.ctx, "why@example.com"); err != nil {
		e.t.Fatal(err)
	}
	newer := e.activationKey(e.notices(before + 1)[before], u.Email, activationPrefix)
	e.wantReason(activate(key), acct.CodeUnauthenticated, acct.ReasonEnded, 0)
	e.to(testActivationTTL)
	e.wantReason(activate(newer), acct.CodeUnauthenticated, acct.ReasonExpired, 0)
	before = len(e.notes.Notices())
	if _, err := e.svc.SendActivation(e.ctx, "why@example.com"); err != nil {
		e.t.Fatal(err)
	}
	fresh := e.activationKey(e.notices(before + 1)[before], u.Email, activationPrefix)
	e.activate(fresh, u.ID)
	e.wantCode(activate(fresh), acct.CodeConflict, "")
}
