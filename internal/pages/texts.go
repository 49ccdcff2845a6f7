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

// french is the text of every page in French (acct's own detail of a
// refused password or address, after PasswordRefused and EmailInvalid,
// stays in English). French typography: a no-break space before ":" and
// "?".
var french = Texts{
	Lang:  "fr",
	Site:  "Comptes",
	LogIn: "Se connecter",

	ResetTitle:      "Choisissez un nouveau mot de passe",
	ResetIntro:      "Saisissez deux fois le nouveau mot de passe de votre compte. Une fois qu’il est enregistré, toutes les sessions du compte prennent fin.",
	NewPassword:     "Nouveau mot de passe",
	RepeatPassword:  "Confirmez le nouveau mot de passe",
	ResetSubmit:     "Enregistrer le mot de passe",
	ResetDoneTitle:  "Votre mot de passe est enregistré",
	ResetDoneText:   "Connectez-vous avec votre nouveau mot de passe. Toutes les autres sessions de votre compte ont pris fin.",
	PasswordMissing: "Saisissez le nouveau mot de passe dans les deux champs.",
	PasswordDiffer:  "Les deux mots de passe diffèrent\u00a0: saisissez deux fois le même.",
	PasswordRefused: "Ce mot de passe ne peut pas être utilisé\u00a0:",

	ConfirmTitle:     "Confirmez votre adresse e-mail",
	ConfirmIntro:     "Confirmez que cette adresse e-mail est la vôtre\u00a0: un nouveau compte devient actif, une adresse ajoutée est vérifiée.",
	ConfirmSubmit:    "Confirmer l’adresse",
	ConfirmDoneTitle: "Votre adresse e-mail est confirmée",
	ConfirmDoneText:  "Merci. Votre compte est actif\u00a0: vous pouvez vous connecter.",
	ConfirmUsedText:  "Ce lien a déjà été utilisé\u00a0: l’adresse est confirmée, et vous pouvez vous connecter.",

	ForgotTitle:     "Mot de passe oublié\u00a0?",
	ForgotIntro:     "Saisissez l’adresse e-mail de votre compte\u00a0: un lien pour choisir un nouveau mot de passe y sera envoyé.",
	Email:           "Adresse e-mail",
	ForgotSubmit:    "Envoyer le lien",
	ForgotSentTitle: "Consultez vos e-mails",
	ForgotSentText:  "Si l’adresse appartient à un compte, un lien pour choisir un nouveau mot de passe est en route.",
	EmailInvalid:    "Ce n’est pas une adresse e-mail\u00a0:",

	UsedTitle:     "Ce lien a déjà été utilisé",
	UsedText:      "Un lien ne sert qu’une fois, et un lien plus récent remplace les précédents.",
	ExpiredTitle:  "Ce lien a expiré",
	ExpiredText:   "Les liens ne sont valables que pendant une durée limitée.",
	UnknownTitle:  "Ce lien n’est pas valide",
	UnknownText:   "Ouvrez à nouveau le lien de l’e-mail, en entier.",
	ForbidTitle:   "Ce formulaire ne peut pas être envoyé",
	ForbidText:    "Il vient d’un autre site, ou d’un lien plus ancien. Ouvrez à nouveau le lien de l’e-mail.",
	RefusedTitle:  "Ce compte ne peut pas être modifié pour le moment",
	RefusedText:   "Veuillez contacter les responsables de ce service.",
	BusyTitle:     "Veuillez réessayer",
	BusyText:      "Le serveur est occupé, ou il y a eu trop de tentatives. Réessayez dans une minute.",
	TooManyText:   "Trop de tentatives depuis votre réseau. Réessayez dans une minute.",
	ErrorTitle:    "Une erreur s’est produite",
	ErrorText:     "Le serveur n’a pas pu le faire. Réessayez plus tard.",
	AskAgainReset: "Pour choisir votre mot de passe, demandez un nouveau lien là où vous avez demandé celui-ci.",
	AskNewLink:    "Demander un nouveau lien",
}

// translations are the languages the pages speak, the first the
// fallback. A translation is one more Texts value here (TestTexts checks
// that it has every text and that every page renders in it).
var translations = []*Texts{&english, &french}

var matcher = func() language.Matcher {
	tags := make([]language.Tag, len(translations))
	for i, t := range translations {
		tags[i] = language.MustParse(t.Lang)
	}
	return language.NewMatcher(tags)
}()

// textsFor picks the translation that best fits an Accept-Language
// header, by x/text's matcher (so fr-CA gets French, and a language the
// pages do not speak gets the fallback, English).
func textsFor(acceptLanguage string) *Texts {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return translations[0]
	}
	_, i, _ := matcher.Match(tags...)
	return translations[i]
}
