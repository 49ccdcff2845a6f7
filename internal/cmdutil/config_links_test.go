package cmdutil

import "testing"

// TestLinkURL: links.pages, or a public_url under /auth/ (the server
// itself), points the mailed links at acctl serve's pages, at
// public_url's origin; otherwise they go to public_url.
func TestLinkURL(t *testing.T) {
	for _, tc := range []struct {
		config  string
		pagesOn bool
		link    string
	}{
		{"public_url: https://app.example.com/reset/{code}\n", false, "https://app.example.com/reset/{code}"},
		{"public_url: https://app.example.com/reset/{code}\nlinks:\n  pages: true\n", true, "https://app.example.com/auth/pages/link"},
		{"public_url: https://accounts.example.com/auth/signin\n", true, "https://accounts.example.com/auth/pages/link"},
		{"public_url: https://accounts.example.com/authors\n", false, "https://accounts.example.com/authors"},
		{"links:\n  pages: true\n", true, ""},
		{"", false, ""},
	} {
		clearEnv(t)
		f := testFactory(t, writeFile(t, "config.yaml", tc.config))
		c, err := f.Config()
		if err != nil {
			t.Fatalf("%q: %v", tc.config, err)
		}
		if c.PagesOn() != tc.pagesOn || c.LinkURL() != tc.link {
			t.Errorf("%q: pages %v, link %q; want %v, %q", tc.config, c.PagesOn(), c.LinkURL(), tc.pagesOn, tc.link)
		}
	}
	clearEnv(t)
	t.Setenv(EnvVar(KeyLinksPages), "sometimes")
	if _, err := testFactory(t, "").Config(); err == nil || err.Error() != `links.pages: want true or false, got "sometimes"` {
		t.Errorf("a bad links.pages: %v", err)
	}
}
