package notify

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
	"time"

	"golang.org/x/text/language"
)

// Templates, in short (the package documentation has the details):
//
//	templates/en/<name>.txt          built in (embedded), English
//	<templates>/<lang>/<name>.txt    overrides; lang is a canonical BCP 47 tag
//
//	Subject: <one line, a template>
//	<blank line>
//	<body, a template>
//
// Lookup for "pt-BR": <templates>/pt-BR, <templates>/pt, <templates>/en,
// then built in. Executed with missingkey=error; data is checked for
// required fields first.

// The template names, each with the type of data it expects. A map with
// the same keys works too.
const (
	TemplateResetCode      = "reset-code"      // ResetCodeData: a code issued by support staff
	TemplateForgotPassword = "forgot-password" // LinkData: a link to reset a forgotten password
	TemplateOTP            = "otp"             // OTPData: a one-time passcode
	TemplateActivation     = "activation"      // LinkData: a link that confirms an email address and activates the account
	TemplateVerifyEmail    = "verify-email"    // LinkData: a link that confirms an address added to an account
)

// TemplateNames lists the templates in a fixed order.
var TemplateNames = []string{TemplateResetCode, TemplateForgotPassword, TemplateOTP, TemplateActivation, TemplateVerifyEmail}

// ResetCodeData is the data of TemplateResetCode. All fields are required.
type ResetCodeData struct {
	UserName  string        // how to address the user: a first name or the username
	Code      string        // the code as printed, like 7KQ2-MX9D-4TFA-R1ZC
	ExpiresAt time.Time     // when the code stops working
	ValidFor  time.Duration // its lifetime when issued
}

// LinkData is the data of TemplateForgotPassword and TemplateActivation.
// All fields are required.
type LinkData struct {
	URL       string        // the link, with its code
	ExpiresAt time.Time     // when the link stops working
	ValidFor  time.Duration // its lifetime when issued
}

// OTPData is the data of TemplateOTP. All fields are required.
type OTPData struct {
	Code      string        // the passcode
	Purpose   string        // what it is for, as a phrase: "signing in", "changing your phone number"
	ExpiresAt time.Time     // when the code stops working
	ValidFor  time.Duration // its lifetime when issued
}

func (d ResetCodeData) validate() error {
	return required(field{"UserName", d.UserName != ""}, field{"Code", d.Code != ""},
		field{"ExpiresAt", !d.ExpiresAt.IsZero()}, field{"ValidFor", d.ValidFor > 0})
}

func (d LinkData) validate() error {
	return required(field{"URL", d.URL != ""},
		field{"ExpiresAt", !d.ExpiresAt.IsZero()}, field{"ValidFor", d.ValidFor > 0})
}

func (d OTPData) validate() error {
	return required(field{"Code", d.Code != ""}, field{"Purpose", d.Purpose != ""},
		field{"ExpiresAt", !d.ExpiresAt.IsZero()}, field{"ValidFor", d.ValidFor > 0})
}

// field is a data field's name and whether it is set.
type field struct {
	name string
	set  bool
}

// required names the fields that are not set.
func required(fields ...field) error {
	var missing []string
	for _, f := range fields {
		if !f.set {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing data: %s", strings.Join(missing, ", "))
	}
	return nil
}

// sampleData is made-up data for checking override templates.
func sampleData(name string) any {
	exp := time.Date(2030, 1, 2, 15, 4, 0, 0, time.UTC)
	switch name {
	case TemplateResetCode:
		return ResetCodeData{UserName: "Ana", Code: "7KQ2-MX9D-4TFA-R1ZC", ExpiresAt: exp, ValidFor: time.Hour}
	case TemplateOTP:
		return OTPData{Code: "123456", Purpose: "signing in", ExpiresAt: exp, ValidFor: 10 * time.Minute}
	default:
		return LinkData{URL: "https://example.com/reset?code=X", ExpiresAt: exp, ValidFor: time.Hour}
	}
}

//go:embed templates
var builtin embed.FS

// Templates renders messages from the built-in templates and the
// per-language overrides in Dir (see the package documentation for the
// layout). The zero value uses the built-in templates only.
type Templates struct {
	Dir string // the folder of overrides (config key templates); empty: none
}

// Render renders the template name in the language lang (a BCP 47 tag
// like "pt-BR"; empty means English) with data, falling back from "pt-BR"
// to "pt", to "en" in Dir, and then to the built-in English template. It
// fails on an unknown name, on missing data and on a template that refers
// to a field or key that data lacks.
func (t Templates) Render(name, lang string, data any) (subject, body string, err error) {
	if !slices.Contains(TemplateNames, name) {
		return "", "", fmt.Errorf("template %q: unknown (known: %s)", name, strings.Join(TemplateNames, ", "))
	}
	if v, ok := data.(interface{ validate() error }); ok {
		if err := v.validate(); err != nil {
			return "", "", fmt.Errorf("template %s: %w", name, err)
		}
	}
	where, src, err := t.find(name, lang)
	if err != nil {
		return "", "", err
	}
	return render(where, src, data)
}

// find returns the source of the template name for lang, and where it
// came from for errors.
func (t Templates) find(name, lang string) (where string, src []byte, err error) {
	if t.Dir != "" {
		for _, l := range fallbacks(lang) {
			p := filepath.Join(t.Dir, l, name+".txt")
			src, err := os.ReadFile(p)
			if err == nil {
				return p, src, nil
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return "", nil, fmt.Errorf("templates: %w", err)
			}
		}
	}
	p := "templates/en/" + name + ".txt"
	src, err = builtin.ReadFile(p)
	if err != nil {
		return "", nil, fmt.Errorf("built-in template %s: %w", name, err)
	}
	return "built-in " + p, src, nil
}

// fallbacks lists the folders to try for lang: "pt-BR" gives pt-BR, pt, en.
func fallbacks(lang string) []string {
	var out []string
	for l := canonicalLang(lang); l != ""; {
		out = append(out, l)
		i := strings.LastIndexByte(l, '-')
		if i < 0 {
			break
		}
		l = l[:i]
	}
	if !slices.Contains(out, "en") {
		out = append(out, "en")
	}
	return out
}

// canonicalLang returns language[-Script][-REGION] of a BCP 47 tag or a
// POSIX locale (pt_BR.UTF-8), or "" if s is empty or not a language.
func canonicalLang(s string) string {
	if i := strings.IndexAny(s, ".@"); i >= 0 {
		s = s[:i]
	}
	tag, err := language.Parse(strings.TrimSpace(s))
	if err != nil {
		return ""
	}
	base, script, region := tag.Raw()
	if base.String() == "und" {
		return ""
	}
	out := base.String()
	if sc := script.String(); sc != "Zzzz" {
		out += "-" + sc
	}
	if r := region.String(); r != "ZZ" {
		out += "-" + r
	}
	return out
}

var funcs = template.FuncMap{
	"datetime": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"duration": englishDuration,
	"minutes":  func(d time.Duration) int { return int(d.Round(time.Minute) / time.Minute) },
}

// englishDuration writes d in hours and minutes: "1 hour 30 minutes".
func englishDuration(d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	if m <= 0 {
		return "less than a minute"
	}
	unit := func(n int, s string) string {
		if n == 1 {
			return "1 " + s
		}
		return fmt.Sprintf("%d %ss", n, s)
	}
	switch h, m := m/60, m%60; {
	case h == 0:
		return unit(m, "minute")
	case m == 0:
		return unit(h, "hour")
	default:
		return unit(h, "hour") + " " + unit(m, "minute")
	}
}

// parse splits a template file into its subject line and its body, which
// follows a blank line, and parses both.
func parse(where string, src []byte) (subject, body *template.Template, err error) {
	s := strings.ReplaceAll(string(src), "\r\n", "\n")
	s = strings.TrimPrefix(s, "\ufeff")
	first, rest, _ := strings.Cut(s, "\n")
	subj, ok := strings.CutPrefix(first, "Subject:")
	if !ok {
		return nil, nil, fmt.Errorf("template %s: the first line must be \"Subject: …\"", where)
	}
	blank, rest, _ := strings.Cut(rest, "\n")
	if strings.TrimSpace(blank) != "" {
		return nil, nil, fmt.Errorf("template %s: the subject line must be followed by a blank line", where)
	}
	if subject, err = template.New("subject").Funcs(funcs).Option("missingkey=error").Parse(subj); err != nil {
		return nil, nil, fmt.Errorf("template %s: %w", where, err)
	}
	if body, err = template.New("body").Funcs(funcs).Option("missingkey=error").Parse(rest); err != nil {
		return nil, nil, fmt.Errorf("template %s: %w", where, err)
	}
	return subject, body, nil
}

func render(where string, src []byte, data any) (subject, body string, err error) {
	st, bt, err := parse(where, src)
	if err != nil {
		return "", "", err
	}
	var sb, bb bytes.Buffer
	if err := st.Execute(&sb, data); err != nil {
		return "", "", fmt.Errorf("template %s: %w", where, err)
	}
	if err := bt.Execute(&bb, data); err != nil {
		return "", "", fmt.Errorf("template %s: %w", where, err)
	}
	subject, body = strings.TrimSpace(sb.String()), strings.TrimSpace(bb.String())
	if strings.ContainsAny(subject, "\r\n") {
		return "", "", fmt.Errorf("template %s: the subject has a line break", where)
	}
	if body == "" {
		return "", "", fmt.Errorf("template %s: the body is empty", where)
	}
	return subject, body, nil
}

// Check parses every override in Dir and renders it with sample data, so
// that a broken or misnamed file is reported when the program starts
// rather than when a message is due. Files not ending in .txt are ignored.
func (t Templates) Check() error {
	if t.Dir == "" {
		return nil
	}
	langs, err := os.ReadDir(t.Dir)
	if err != nil {
		return fmt.Errorf("templates: %w", err)
	}
	for _, l := range langs {
		if !l.IsDir() {
			continue
		}
		if c := canonicalLang(l.Name()); c != l.Name() {
			if c == "" {
				return fmt.Errorf("templates: folder %s is not named by a language tag (like en, pt-BR)", l.Name())
			}
			return fmt.Errorf("templates: rename folder %s to %s", l.Name(), c)
		}
		files, err := os.ReadDir(filepath.Join(t.Dir, l.Name()))
		if err != nil {
			return fmt.Errorf("templates: %w", err)
		}
		for _, f := range files {
			name, ok := strings.CutSuffix(f.Name(), ".txt")
			if !ok || f.IsDir() {
				continue
			}
			p := filepath.Join(t.Dir, l.Name(), f.Name())
			if !slices.Contains(TemplateNames, name) {
				return fmt.Errorf("templates: %s: unknown template name %q (known: %s)", p, name, strings.Join(TemplateNames, ", "))
			}
			src, err := os.ReadFile(p)
			if err != nil {
				return fmt.Errorf("templates: %w", err)
			}
			if _, _, err := render(p, src, sampleData(name)); err != nil {
				return err
			}
		}
	}
	return nil
}
