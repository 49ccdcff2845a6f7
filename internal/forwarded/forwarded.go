// Package forwarded tells who a request of `acctl serve` comes from and
// over which scheme, believing the headers of reverse proxies
// (X-Forwarded-For, X-Forwarded-Proto, Forwarded) only when the
// connection comes from one of the trusted proxies (serve.trusted_proxies).
// From anyone else these headers are ignored: a client could write them.
//
// It is written here rather than taken from a library because it is small
// and the rules matter: the client is the rightmost hop that is not a
// trusted proxy, so a client cannot push its own entries past the proxies.
package forwarded

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Trust is the set of proxies whose forwarded headers are believed. The
// nil *Trust trusts no one.
type Trust struct {
	prefixes []netip.Prefix
}

// Parse reads a list of CIDRs ("10.0.0.0/8", "2001:db8::/32") or single
// addresses ("127.0.0.1"). An empty list gives nil, which trusts no one.
func Parse(list []string) (*Trust, error) {
	t := &Trust{}
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			if p.Addr().Zone() != "" {
				return nil, fmt.Errorf("want a CIDR such as 10.0.0.0/8 or an address, got %q", s)
			}
			t.prefixes = append(t.prefixes, unmapPrefix(p).Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("want a CIDR such as 10.0.0.0/8 or an address, got %q", s)
		}
		a = a.Unmap()
		t.prefixes = append(t.prefixes, netip.PrefixFrom(a, a.BitLen()))
	}
	if len(t.prefixes) == 0 {
		return nil, nil
	}
	return t, nil
}

// MustParse is Parse for lists known to be good (tests); it panics on an
// error.
func MustParse(list ...string) *Trust {
	t, err := Parse(list)
	if err != nil {
		panic(err)
	}
	return t
}

// unmapPrefix writes ::ffff:10.0.0.0/104 as 10.0.0.0/8.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p
}

// Prefixes returns the trusted networks.
func (t *Trust) Prefixes() []netip.Prefix {
	if t == nil {
		return nil
	}
	return append([]netip.Prefix(nil), t.prefixes...)
}

// Empty reports whether t trusts no one.
func (t *Trust) Empty() bool { return t == nil || len(t.prefixes) == 0 }

// Trusted reports whether a is the address of a trusted proxy.
func (t *Trust) Trusted(a netip.Addr) bool {
	if t == nil || !a.IsValid() {
		return false
	}
	a = a.Unmap().WithZone("")
	for _, p := range t.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Client is what a request says of its client.
type Client struct {
	// Addr is the client's address (an IP, without port): the
	// connection's peer, or, when the peer is a trusted proxy, the
	// rightmost hop of the forwarded chain that is not one.
	Addr string
	// Scheme is "https" or "http": the connection's, or the one the
	// trusted proxy reports for the client's hop.
	Scheme string
	// Proxied is true when the peer is a trusted proxy.
	Proxied bool
}

// HTTPS reports whether the client spoke HTTPS (to the server or to the
// trusted proxy).
func (c Client) HTTPS() bool { return c.Scheme == "https" }

// Of returns the client of r. Forwarded headers count only when the
// connection's peer (r.RemoteAddr) is trusted. X-Forwarded-For (with
// X-Forwarded-Proto) is read when present, otherwise Forwarded (RFC
// 7239): a proxy that sets the one passes on a client's copy of the other
// untouched, and X-Forwarded-For is what most proxies set.
func (t *Trust) Of(r *http.Request) Client {
	c := Client{Addr: hostOf(r.RemoteAddr), Scheme: "http"}
	if r.TLS != nil {
		c.Scheme = "https"
	}
	peer, err := netip.ParseAddr(c.Addr)
	if err == nil {
		c.Addr = peer.Unmap().String()
	}
	if err != nil || !t.Trusted(peer) {
		return c
	}
	c.Proxied = true
	var hops []hop
	if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
		hops = xffHops(xff, r.Header.Values("X-Forwarded-Proto"))
	} else if fwd := r.Header.Values("Forwarded"); len(fwd) > 0 {
		hops = forwardedHops(fwd)
	} else if xfp := r.Header.Values("X-Forwarded-Proto"); len(xfp) > 0 {
		// The scheme alone: the peer is the client.
		hops = xffHops([]string{c.Addr}, xfp)
	}
	if len(hops) == 0 {
		return c
	}
	// Walk from the peer leftwards past the trusted proxies.
	last := -1 // the hop chosen
	for i := len(hops) - 1; i >= 0; i-- {
		last = i
		a, ok := parseNode(hops[i].node)
		if !ok {
			// An unknown or hidden hop: the client cannot be told from
			// what is known, so it stands as the proxy that reported it.
			if i+1 < len(hops) {
				last = i + 1
			} else {
				last = -1
			}
			break
		}
		if !t.Trusted(a) {
			break
		}
	}
	if last < 0 {
		return c // the peer itself reported an unknown client
	}
	if a, ok := parseNode(hops[last].node); ok {
		c.Addr = a.String()
	}
	if p := strings.ToLower(hops[last].proto); p == "http" || p == "https" {
		c.Scheme = p
	}
	return c
}

// hop is one entry of a forwarded chain: the node (an address, perhaps
// with a port, or "unknown") and the scheme it spoke, when known.
type hop struct {
	node, proto string
}

// xffHops reads X-Forwarded-For, every line in order, and pairs each entry
// with X-Forwarded-Proto's: one entry per hop when it has as many,
// otherwise its last entry (the one the nearest proxy wrote) for every hop.
func xffHops(xff, xfp []string) []hop {
	var hops []hop
	for _, line := range xff {
		for _, n := range strings.Split(line, ",") {
			hops = append(hops, hop{node: strings.TrimSpace(n)})
		}
	}
	var protos []string
	for _, line := range xfp {
		for _, p := range strings.Split(line, ",") {
			protos = append(protos, strings.TrimSpace(p))
		}
	}
	for i := range hops {
		switch {
		case len(protos) == len(hops):
			hops[i].proto = protos[i]
		case len(protos) > 0:
			hops[i].proto = protos[len(protos)-1]
		}
	}
	return hops
}

// forwardedHops reads Forwarded (RFC 7239): elements separated by commas,
// each pairs name=value separated by semicolons, a value a token or a
// quoted string. An element without for= is an unknown hop.
func forwardedHops(lines []string) []hop {
	var hops []hop
	for _, line := range lines {
		for _, elem := range splitQuoted(line, ',') {
			var h hop
			h.node = "unknown"
			for _, pair := range splitQuoted(elem, ';') {
				name, value, ok := strings.Cut(pair, "=")
				if !ok {
					continue
				}
				value = unquote(strings.TrimSpace(value))
				switch strings.ToLower(strings.TrimSpace(name)) {
				case "for":
					h.node = value
				case "proto":
					h.proto = value
				}
			}
			hops = append(hops, h)
		}
	}
	return hops
}

// splitQuoted splits s at sep outside double quotes, trimming spaces and
// dropping empty parts.
func splitQuoted(s string, sep byte) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && quoted:
			i++
		case s[i] == '"':
			quoted = !quoted
		case s[i] == sep && !quoted:
			if p := strings.TrimSpace(s[start:i]); p != "" {
				out = append(out, p)
			}
			start = i + 1
		}
	}
	if p := strings.TrimSpace(s[start:]); p != "" {
		out = append(out, p)
	}
	return out
}

// unquote reads a quoted string with its backslash escapes; a token is
// returned as is.
func unquote(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	var b strings.Builder
	for i := 1; i < len(s)-1; i++ {
		if s[i] == '\\' && i+1 < len(s)-1 {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// parseNode reads a node: "192.0.2.1", "192.0.2.1:4711", "[2001:db8::1]",
// "[2001:db8::1]:4711" or a bare "2001:db8::1". "unknown", an obfuscated
// name ("_hidden") and anything else is not an address.
func parseNode(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return a.Unmap().WithZone(""), true
		}
	}
	if h, _, err := net.SplitHostPort(s); err == nil {
		if a, err := netip.ParseAddr(h); err == nil {
			return a.Unmap().WithZone(""), true
		}
	}
	return netip.Addr{}, false
}

// hostOf is the host of a host:port address, or the address itself.
func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

type clientKey struct{}

// NewContext returns ctx carrying c, the client of the request whose
// context it is (the server's request log sets it once for the handlers
// below it).
func NewContext(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// FromContext returns the client that NewContext stored in ctx.
func FromContext(ctx context.Context) (Client, bool) {
	c, ok := ctx.Value(clientKey{}).(Client)
	return c, ok
}
