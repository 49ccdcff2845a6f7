package pages

import (
	"golang.org/x/text/language"
)

// Texts are every word the pages show, in one language: the one place a
// translator edits. The templates (templates/*.html) hold markup only and
// name these fields, so a missing text fails the template at once (a
// test renders every page in every language).
type Texts struct {
	// Lang is the language's BCP 47 tag, the lang attribute of the page.
	Lang string

	Site  string // the title's suffix
	LogIn string // the link to the app after a reset or a confirmation

	ResetTitle      string
	ResetIntro      string
	NewPassword     string
	RepeatPassword  string
	ResetSubmit     string
	ResetDoneTitle  string
	ResetDoneText   string
	PasswordMissing string
	PasswordDiffer  string
	PasswordRefused string // followed by acct's reason

	ConfirmTitle     string
	ConfirmIntro     string
	ConfirmSubmit    string
	ConfirmDoneTitle string
	ConfirmDoneText  string
	ConfirmUsedText  string // a used activation link: the address is confirmed

	ForgotTitle     string
	ForgotIntro     string
	Email           string
	ForgotSubmit    string
	ForgotSentTitle string
	ForgotSentText  string
	EmailInvalid    string // followed by acct's reason

	UsedTitle     string
	UsedText      string
	ExpiredTitle  string
	ExpiredText   string
	UnknownTitle  string
	UnknownText   string
	ForbidTitle   string
	ForbidText    string
	RefusedTitle  string
	RefusedText   string
	BusyTitle     string
	BusyText      string
	TooManyText   string
	ErrorTitle    string
	ErrorText     string
	AskAgainReset string // how to get a new reset link, without the forgot page
	AskNewLink    string // the link to the forgot page
}

// english is the text of every page in English, the fallback.
var english = Texts{
	Lang:  "en",
	Site:  "Accounts",
	LogIn: "Log in",

	ResetTitle:      "Choose a new password",
	ResetIntro:      "Type the new password for your account twice. Once it is set, every session of the account ends.",
	NewPassword:     "New password",
	RepeatPassword:  "New password again",
	ResetSubmit:     "Set the password",
	ResetDoneTitle:  "Your password is set",
	ResetDoneText:   "Log in with your new password. Every other session of your account has ended.",
	PasswordMissing: "Type the new password in both fields.",
	PasswordDiffer:  "The two passwords differ: type the same password twice.",
	PasswordRefused: "This password cannot be used:",

	ConfirmTitle:     "Confirm your email address",
	ConfirmIntro:     "Confirm that this email address is yours: a new account becomes active, an added address is verified.",
	ConfirmSubmit:    "Confirm the address",
	ConfirmDoneTitle: "Your email address is confirmed",
	ConfirmDoneText:  "Thank you. Your account is active: you can log in.",
	ConfirmUsedText:  "This link was used already: the address is confirmed, and you can log in.",

	ForgotTitle:     "Forgot your password?",
	ForgotIntro:     "Type the email address of your account: a link to set a new password will be sent to it.",
	Email:           "Email address",
	ForgotSubmit:    "Send the link",
	ForgotSentTitle: "Check your email",
	ForgotSentText:  "If the address belongs to an account, a link to set a new password is on its way.",
	EmailInvalid:    "This is not an email address:",

	UsedTitle:     "This link was used already",
	UsedText:      "A link works once, and a newer link replaces the older ones.",
	ExpiredTitle:  "This link has expired",
	ExpiredText:   "Links work for a limited time only.",
	UnknownTitle:  "This link is not valid",
	UnknownText:   "Open the link from the email again, the whole of it.",
	ForbidTitle:   "This form cannot be sent",
	ForbidText:    "It came from another site, or it is from an older link. Open the link from the email again.",
	RefusedTitle:  "This account cannot be changed now",
	RefusedText:   "Please contact the people who run this service.",
	BusyTitle:     "Please try again",
	BusyText:      "The server is busy or there were too many attempts. Try again in a minute.",
	TooManyText:   "Too many attempts from your network. Try again in a minute.",
	ErrorTitle:    "Something went wrong",
	ErrorText:     "The server could not do it. Try again later.",
	AskAgainReset: "To set your password, ask for a new link where you asked for this one.",
	AskNewLink:    "Ask for a new link",
}

// translations are the languages the pages speak, the first the
// fallback. A translation is one more Texts value here.
var translations = []*Texts{&english}

var matcher = func() language.Matcher {
	tags := make([]language.Tag, len(translations))
	for i, t := range translations {
		tags[i] = language.MustParse(t.Lang)
	}
	return language.NewMatcher(tags)
}()

// textsFor picks the translation that best fits an Accept-Language
// header.
func textsFor(acceptLanguage string) *Texts {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return translations[0]
	}
	_, i, _ := matcher.Match(tags...)
	return translations[i]
}
