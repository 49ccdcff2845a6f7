package notify

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var expires = time.Date(2026, 3, 4, 6, 36, 0, 0, time.UTC)

func TestBuiltinTemplates(t *testing.T) {
	var tm Templates
	for _, tc := range []struct {
		name     string
		data     any
		subject  string
		contains []string
	}{
		{TemplateResetCode, ResetCodeData{UserName: "Ana", Code: "7KQ2-MX9D-4TFA-R1ZC", ExpiresAt: expires, ValidFor: 90 * time.Minute},
			"Your password reset code", []string{"Hello Ana,", "7KQ2-MX9D-4TFA-R1ZC", "1 hour 30 minutes", "2026-03-04 06:36 UTC"}},
		{TemplateForgotPassword, &LinkData{URL: "https://acct.example.com/reset?code=ABC&x=1", ExpiresAt: expires, ValidFor: time.Hour},
			"Reset your password", []string{"https://acct.example.com/reset?code=ABC&x=1", "valid for 1 hour,"}},
		{TemplateOTP, OTPData{Code: "123456", Purpose: "signing in", ExpiresAt: expires, ValidFor: 10 * time.Minute},
			"Your one-time code for signing in", []string{"123456", "10 minutes"}},
		{TemplateActivation, LinkData{URL: "https://acct.example.com/activate?k=Z", ExpiresAt: expires, ValidFor: 48 * time.Hour},
			"Confirm your email address", []string{"https://acct.example.com/activate?k=Z", "48 hours"}},
	} {
		subject, body, err := tm.Render(tc.name, "", tc.data)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if subject != tc.subject {
			t.Errorf("%s: subject %q, want %q", tc.name, subject, tc.subject)
		}
		for _, s := range tc.contains {
			if !strings.Contains(body, s) {
				t.Errorf("%s: body lacks %q:\n%s", tc.name, s, body)
			}
		}
		if body != strings.TrimSpace(body) || strings.Contains(body, "<no value>") {
			t.Errorf("%s: body %q", tc.name, body)
		}
	}
}

func TestTemplateMissingData(t *testing.T) {
	var tm Templates
	if _, _, err := tm.Render(TemplateResetCode, "en", ResetCodeData{Code: "X", ExpiresAt: expires}); err == nil ||
		!strings.Contains(err.Error(), "missing data: UserName, ValidFor") {
		t.Errorf("err %v", err)
	}
	// A map lacking a key the template uses.
	if _, _, err := tm.Render(TemplateOTP, "en", map[string]any{"Code": "1", "Purpose": "x"}); err == nil ||
		!strings.Contains(err.Error(), "ValidFor") {
		t.Errorf("err %v", err)
	}
	// Data of the wrong type.
	if _, _, err := tm.Render(TemplateOTP, "en", LinkData{URL: "u", ExpiresAt: expires, ValidFor: time.Hour}); err == nil {
		t.Error("no error for LinkData given to the otp template")
	}
	if _, _, err := tm.Render("welcome", "en", nil); err == nil || !strings.Contains(err.Error(), "unknown") {
		t.Errorf("err %v", err)
	}
}

// templateDir builds a templates folder from "lang/name.txt" → content.
func templateDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestTemplateFallback(t *testing.T) {
	dir := templateDir(t, map[string]string{
		"pt/reset-code.txt":    "Subject: Código (pt)\n\nOlá {{.UserName}}, código {{.Code}}\n",
		"pt-BR/reset-code.txt": "Subject: Código (pt-BR)\r\n\r\nOi {{.UserName}}, código {{.Code}}, até {{.ExpiresAt.Format \"02/01/2006 15:04\"}} ({{minutes .ValidFor}} min)\r\n",
		"pt/otp.txt":           "Subject: Código {{.Code}}\n\nSeu código: {{.Code}}\n",
		"en/activation.txt":    "Subject: Activate (custom en)\n\nGo to {{.URL}}\n",
		"README.md":            "not a template",
		"pt/notes.md":          "ignored",
	})
	n, err := New(Config{Templates: dir})
	if err != nil {
		t.Fatal(err)
	}
	reset := ResetCodeData{UserName: "Ana", Code: "C0DE", ExpiresAt: expires, ValidFor: time.Hour}
	for _, tc := range []struct {
		name, lang, subject, body string
	}{
		{TemplateResetCode, "pt-BR", "Código (pt-BR)", "Oi Ana, código C0DE, até 04/03/2026 06:36 (60 min)"},
		{TemplateResetCode, "pt_br.UTF-8", "Código (pt-BR)", ""},
		{TemplateResetCode, "pt-PT", "Código (pt)", "Olá Ana, código C0DE"},
		{TemplateResetCode, "pt", "Código (pt)", ""},
		{TemplateResetCode, "fr", "Your password reset code", ""},
		{TemplateResetCode, "", "Your password reset code", ""},
		{TemplateResetCode, "../../etc/passwd", "Your password reset code", ""},
		{TemplateOTP, "pt-BR", "Código 42", "Seu código: 42"},
		{TemplateActivation, "de", "Activate (custom en)", "Go to https://x/a"},
		{TemplateForgotPassword, "pt-BR", "Reset your password", ""},
	} {
		var data any = reset
		switch tc.name {
		case TemplateOTP:
			data = OTPData{Code: "42", Purpose: "p", ExpiresAt: expires, ValidFor: time.Minute}
		case TemplateActivation, TemplateForgotPassword:
			data = LinkData{URL: "https://x/a", ExpiresAt: expires, ValidFor: time.Hour}
		}
		subject, body, err := n.Render(tc.name, tc.lang, data)
		if err != nil {
			t.Errorf("%s %q: %v", tc.name, tc.lang, err)
			continue
		}
		if subject != tc.subject || (tc.body != "" && body != tc.body) {
			t.Errorf("%s %q: got %q / %q, want %q / %q", tc.name, tc.lang, subject, body, tc.subject, tc.body)
		}
	}
}

func TestFallbacks(t *testing.T) {
	for lang, want := range map[string][]string{
		"":           {"en"},
		"en-GB":      {"en-GB", "en"},
		"pt-BR":      {"pt-BR", "pt", "en"},
		"zh-hant-tw": {"zh-Hant-TW", "zh-Hant", "zh", "en"},
		"de_AT@euro": {"de-AT", "de", "en"},
		"C":          {"en"},
	} {
		if got := fallbacks(lang); !slices.Equal(got, want) {
			t.Errorf("fallbacks(%q) = %q, want %q", lang, got, want)
		}
	}
}

func TestTemplateCheck(t *testing.T) {
	for _, tc := range []struct {
		files map[string]string
		want  string
	}{
		{map[string]string{"pt/reset-code.txt": "Olá\n"}, `first line must be "Subject: …"`},
		{map[string]string{"pt/reset-code.txt": "Subject: x\nOlá\n"}, "followed by a blank line"},
		{map[string]string{"pt/reset-code.txt": "Subject: x\n\n{{.Cod}}\n"}, "pt/reset-code.txt"},
		{map[string]string{"pt/reset-code.txt": "Subject: x\n\n{{if}}\n"}, "pt/reset-code.txt"},
		{map[string]string{"pt/otp.txt": "Subject: x\n\n{{nosuchfunc .Code}}\n"}, "nosuchfunc"},
		{map[string]string{"pt/otp.txt": "Subject: x\n\n   \n"}, "body is empty"},
		{map[string]string{"pt/otp.txt": "Subject: {{.Code}}\n{{.Code}}\n\nb\n"}, "blank line"},
		{map[string]string{"pt/resetcode.txt": "Subject: x\n\ny\n"}, `unknown template name "resetcode"`},
		{map[string]string{"pt_BR/otp.txt": "Subject: x\n\ny\n"}, "rename folder pt_BR to pt-BR"},
		{map[string]string{"portuguese/otp.txt": "Subject: x\n\ny\n"}, "not named by a language tag"},
	} {
		_, err := New(Config{Templates: templateDir(t, tc.files)})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want an error with %q", tc.files, err, tc.want)
		}
	}
}

func TestSendTemplate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox")
	n, err := New(Config{Outbox: path})
	if err != nil {
		t.Fatal(err)
	}
	data := OTPData{Code: "987654", Purpose: "signing in", ExpiresAt: expires, ValidFor: 5 * time.Minute}
	if err := n.SendTemplate(context.Background(), SMS, "+14155550123", TemplateOTP, "en", data); err != nil {
		t.Fatal(err)
	}
	lines := readOutbox(t, path)
	if len(lines) != 1 || lines[0].Channel != SMS || !strings.Contains(lines[0].Body, "987654") {
		t.Fatalf("outbox: %+v", lines)
	}
	if err := n.SendTemplate(context.Background(), SMS, "+14155550123", TemplateOTP, "en", OTPData{}); err == nil {
		t.Fatal("no error for empty data")
	}
}

func TestEnglishDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		20 * time.Second:                "less than a minute",
		time.Minute:                     "1 minute",
		5 * time.Minute:                 "5 minutes",
		time.Hour:                       "1 hour",
		time.Hour + time.Minute:         "1 hour 1 minute",
		24 * time.Hour:                  "24 hours",
		2*time.Hour + 30*time.Minute:    "2 hours 30 minutes",
		59*time.Minute + 40*time.Second: "1 hour",
	} {
		if got := englishDuration(d); got != want {
			t.Errorf("englishDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
