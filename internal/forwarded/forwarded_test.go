package forwarded

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestOf(t *testing.T) {
	trust := MustParse("10.0.0.0/8", "192.0.2.7", "2001:db8:ffff::/48")
	for _, c := range []struct {
		name   string
		remote string
		tls    bool
		header http.Header
		addr   string
		scheme string
	}{
		{"no proxy", "198.51.100.1:4000", false, nil, "198.51.100.1", "http"},
		{"TLS, no proxy", "198.51.100.1:4000", true, nil, "198.51.100.1", "https"},
		{"untrusted peer: X-Forwarded-For ignored", "198.51.100.1:4000", false,
			http.Header{"X-Forwarded-For": {"203.0.113.9"}, "X-Forwarded-Proto": {"https"}}, "198.51.100.1", "http"},
		{"untrusted peer: Forwarded ignored", "198.51.100.1:4000", false,
			http.Header{"Forwarded": {"for=203.0.113.9;proto=https"}}, "198.51.100.1", "http"},
		{"untrusted peer over TLS: proto http ignored", "198.51.100.1:4000", true,
			http.Header{"X-Forwarded-Proto": {"http"}}, "198.51.100.1", "https"},
		{"trusted peer without headers", "10.1.2.3:4000", false, nil, "10.1.2.3", "http"},
		{"trusted peer", "10.1.2.3:4000", false,
			http.Header{"X-Forwarded-For": {"203.0.113.9"}, "X-Forwarded-Proto": {"https"}}, "203.0.113.9", "https"},
		{"trusted peer, proto only", "10.1.2.3:4000", false,
			http.Header{"X-Forwarded-Proto": {"HTTPS"}}, "10.1.2.3", "https"},
		{"a spoofed entry left of the client is skipped", "10.1.2.3:4000", false,
			http.Header{"X-Forwarded-For": {"1.2.3.4, 203.0.113.9"}}, "203.0.113.9", "http"},
		{"a chain of trusted proxies", "10.1.2.3:4000", false,
			http.Header{"X-Forwarded-For": {"1.2.3.4, 203.0.113.9, 192.0.2.7, 10.9.9.9"}}, "203.0.113.9", "http"},
		{"several header lines", "10.1.2.3:4000", false,
			http.Header{"X-Forwarded-For": {"1.2.3.4, 203.0.113.9", "10.9.9.9"}}, "203.0.113.9", "http"},
		{"proto per hop", "10.1.2.3:4000", false,
			http.Header{"X-Forwarded-For": {"203.0.113.9, 10.9.9.9"}, "X-Forwarded-Proto": {"https, http"}}, "203.0.113.9", "https"},
		{"proto of the nearest proxy", "10.1.2.3:4000", false,
			http.Header{"X-Forwarded-For": {"1.2.3.4, 203.0.113.9, 10.9.9.9"}, "X-Forwarded-Proto": {"http, https"}}, "203.0.113.9", "https"},
		{"an unknown proto is ignored", "10.1.2.3:4000", true,
			http.Header{"X-Forwarded-For": {"203.0.113.9"}, "X-Forwarded-Proto": {"gopher"}}, "203.0.113.9", "https"},
		{"all hops trusted: the leftmost", "10.1.2.3:4000", false,
			http.Header{"X-Forwarded-For": {"10.5.5.5, 10.6.6.6"}}, "10.5.5.5", "http"},
		{"garbage in the chain stands as the proxy that wrote it", "10.1.2.3:4000", false,
			http.Header{"X-Forwarded-For": {"evil, 10.6.6.6"}}, "10.6.6.6", "http"},
		{"garbage from the peer: the peer", "10.1.2.3:4000", false,
			http.Header{"X-Forwarded-For": {"not an address"}}, "10.1.2.3", "http"},
		{"IPv6 client", "[2001:db8:ffff::1]:443", false,
			http.Header{"X-Forwarded-For": {"2001:db8:1::5, 2001:db8:ffff::9"}}, "2001:db8:1::5", "http"},
		{"IPv4-mapped peer", "[::ffff:10.1.2.3]:4000", false,
			http.Header{"X-Forwarded-For": {"203.0.113.9"}}, "203.0.113.9", "http"},
		{"X-Forwarded-For with ports", "10.1.2.3:4000", false,
			http.Header{"X-Forwarded-For": {"203.0.113.9:5555, [2001:db8:1::5]:80"}}, "2001:db8:1::5", "http"},
		{"Forwarded", "10.1.2.3:4000", false,
			http.Header{"Forwarded": {"for=203.0.113.9;proto=https;by=10.1.2.3"}}, "203.0.113.9", "https"},
		{"Forwarded, quoted IPv6 with port, case", "10.1.2.3:4000", false,
			http.Header{"Forwarded": {`For="[2001:db8:cafe::17]:4711";Proto=HTTPS`}}, "2001:db8:cafe::17", "https"},
		{"Forwarded chain, comma inside quotes", "10.1.2.3:4000", false,
			http.Header{"Forwarded": {`for=1.2.3.4;by="a,b", for=198.51.100.77;proto=https, for=10.9.9.9;proto=http`}}, "198.51.100.77", "https"},
		{"Forwarded, escapes in a quoted string", "10.1.2.3:4000", false,
			http.Header{"Forwarded": {`for="198.51.100.\77"`}}, "198.51.100.77", "http"},
		{"Forwarded, obfuscated client: the proxy that reported it", "10.1.2.3:4000", false,
			http.Header{"Forwarded": {"for=_hidden, for=10.9.9.9"}}, "10.9.9.9", "http"},
		{"Forwarded unknown from the peer", "10.1.2.3:4000", true,
			http.Header{"Forwarded": {"for=unknown;proto=http"}}, "10.1.2.3", "https"},
		{"X-Forwarded-For wins over Forwarded", "10.1.2.3:4000", false,
			http.Header{"X-Forwarded-For": {"203.0.113.9"}, "Forwarded": {"for=1.2.3.4;proto=https"}}, "203.0.113.9", "http"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = c.remote
			if c.tls {
				r.TLS = &tls.ConnectionState{}
			}
			for k, v := range c.header {
				r.Header[k] = v
			}
			got := trust.Of(r)
			if got.Addr != c.addr || got.Scheme != c.scheme {
				t.Errorf("got %s %s, want %s %s", got.Addr, got.Scheme, c.addr, c.scheme)
			}
		})
	}
}

func TestNoTrust(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "127.0.0.1:1"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	r.Header.Set("X-Forwarded-Proto", "https")
	for _, tr := range []*Trust{nil, MustParse()} {
		if c := tr.Of(r); c.Addr != "127.0.0.1" || c.Scheme != "http" || c.Proxied {
			t.Errorf("%v: %+v", tr, c)
		}
	}
}

func TestParse(t *testing.T) {
	tr, err := Parse([]string{" 10.0.0.0/8 ", "", "::1", "::ffff:192.0.2.0/120", "2001:db8::1/32"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "::1/128", "192.0.2.0/24", "2001:db8::/32"}
	got := tr.Prefixes()
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("%d: %s, want %s", i, got[i], want[i])
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "localhost", "10.0.0.1-10.0.0.9", "fe80::1%eth0"} {
		if _, err := Parse([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// BenchmarkOf is the cost a request pays, several times over, behind a
// chain of two trusted proxies.
func BenchmarkOf(b *testing.B) {
	trust := MustParse("10.0.0.0/8", "192.0.2.0/24")
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "10.1.2.3:4000"
	r.Header.Set("X-Forwarded-For", "1.2.3.4, 203.0.113.9, 192.0.2.7")
	r.Header.Set("X-Forwarded-Proto", "https")
	b.ReportAllocs()
	for b.Loop() {
		if c := trust.Of(r); c.Addr != "203.0.113.9" {
			b.Fatal(c)
		}
	}
}
