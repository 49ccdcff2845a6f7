package pages

import (
	"net/url"
	"strings"
)

// AtServer reports whether publicURL (the public_url key) points at the
// acctl server itself: its path is under the auth API's /auth/ (such as
// https://accounts.example.com/auth/signin, where activation links went
// before these pages, or /auth/pages/link). An app's own page is never
// there: a reverse proxy that routes /auth/ to acctl serve sends it to
// the server.
func AtServer(publicURL string) bool {
	u, err := url.Parse(strings.TrimSpace(publicURL))
	if publicURL == "" || err != nil || u.Host == "" {
		return false
	}
	return strings.HasPrefix(u.Path, "/auth/")
}

// LinkURL is the address of the pages' landing page at the origin of
// publicURL (https://accounts.example.com/auth/pages/link): acct adds
// ?token=TOKEN to it for a reset link and ?confirm=KEY for an activation
// link. publicURL's path, query and "{code}" are dropped: the pages are
// at the server's root, where the auth API is. "" when publicURL has no
// origin.
func LinkURL(publicURL string) string {
	u, err := url.Parse(strings.TrimSpace(publicURL))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host + LinkPath
}

// loginURL is where the pages send a user to log in after a reset or a
// confirmation: publicURL without its query, fragment and "{code}" (the
// app's page), or "" when it points at the server, which has no login
// page of its own.
func loginURL(publicURL string) string {
	u, err := url.Parse(strings.TrimSpace(publicURL))
	if publicURL == "" || err != nil || u.Host == "" || AtServer(publicURL) {
		return ""
	}
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	if i := strings.Index(u.Path, "{code}"); i >= 0 {
		u.Path, u.RawPath = u.Path[:i], ""
	}
	return u.String()
}
