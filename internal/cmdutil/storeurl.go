package cmdutil

import (
	"net/url"
	"strings"
)

// RedactURL returns a store URL fit to be printed: the password of a
// postgres://user:password@host/… URL, and any password=… parameter, are
// replaced by "xxxxx". A path is returned as it is.
func RedactURL(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "://") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		// Not a URL that can be taken apart: keep the scheme and host at
		// most, never what may be a password.
		scheme, rest, _ := strings.Cut(s, "://")
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			rest = "xxxxx" + rest[at:]
		}
		if q := strings.IndexByte(rest, '?'); q >= 0 {
			rest = rest[:q] + "?xxxxx"
		}
		return scheme + "://" + rest
	}
	if strings.Contains(strings.ToLower(u.RawQuery), "password") {
		q := u.Query()
		for k := range q {
			if strings.EqualFold(k, "password") {
				q.Set(k, "xxxxx")
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
