package site_test

import (
	"net/url"
	"testing"

	"github.com/ssecors/ssecors-go/internal/site"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestOriginOf(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, want string
	}{
		{"https default port", "https://App.Example:443/p?q", "https://app.example"},
		{"http other port", "http://127.0.0.1:8080/", "http://127.0.0.1:8080"},
		{"IPv6", "http://[::1]:81/", "http://[::1]:81"},
		{"punycode", "https://élève.example/", "https://xn--lve-6lad.example"},
		{"not http", "ftp://example.com/", "null"},
		{"no host", "https:///x", "null"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := site.OriginOf(mustURL(t, tc.in)).String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseOrigin(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, want string
		ok             bool
	}{
		{"null", "null", "null", true},
		{"plain", "https://app.example", "https://app.example", true},
		{"trailing slash", "https://app.example/", "https://app.example", true},
		{"IPv4 shorthand", "http://127.1:3000", "http://127.0.0.1:3000", true},
		{"hex IPv4", "http://0x7f.0.0.1", "http://127.0.0.1", true},
		{"path", "https://app.example/x", "", false},
		{"query", "https://app.example?x", "", false},
		{"user", "https://u@app.example", "", false},
		{"scheme", "ws://app.example", "", false},
		{"port", "https://app.example:99999", "", false},
		{"bad IPv4", "http://1.2.3.256", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, err := site.ParseOrigin(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("got error %v, want ok %v", err, tc.ok)
			}
			if tc.ok && o.String() != tc.want {
				t.Errorf("got %q, want %q", o.String(), tc.want)
			}
		})
	}
}

func TestSameOriginSameSite(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, a, b     string
		origin, sameSt bool
		siteA          string
	}{
		{"same", "https://a.example.com", "https://a.example.com", true, true, "https://example.com"},
		{"subdomain", "https://a.example.com", "https://b.example.com", false, true, "https://example.com"},
		{"port ignored by site", "https://example.com", "https://example.com:8443", false, true, "https://example.com"},
		{"scheme", "http://example.com", "https://example.com", false, false, "http://example.com"},
		{"public suffix", "https://a.github.io", "https://b.github.io", false, false, "https://a.github.io"},
		{"IP", "http://127.0.0.1", "http://127.0.0.1:81", false, true, "http://127.0.0.1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, b := site.OriginOf(mustURL(t, tc.a)), site.OriginOf(mustURL(t, tc.b))
			if got := site.SameOrigin(a, b); got != tc.origin {
				t.Errorf("SameOrigin: got %v, want %v", got, tc.origin)
			}
			if got := site.SameSite(a, b); got != tc.sameSt {
				t.Errorf("SameSite: got %v, want %v", got, tc.sameSt)
			}
			if got := site.SiteOf(a).String(); got != tc.siteA {
				t.Errorf("SiteOf: got %q, want %q", got, tc.siteA)
			}
		})
	}
	var opaque site.Origin
	if site.SameOrigin(opaque, opaque) || site.SameSite(opaque, opaque) {
		t.Error("an opaque origin is same-origin or same-site with itself")
	}
	if got := site.SiteOf(opaque).String(); got != "null" {
		t.Errorf("SiteOf(opaque): got %q, want %q", got, "null")
	}
}

func TestValidHost(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, want string
		ok             bool
	}{
		{"lowercased", "API.Example", "api.example", true},
		{"octal IPv4", "0177.0.0.1", "127.0.0.1", true},
		{"empty", "", "", false},
		{"forbidden", "a b", "", false},
		{"invalid UTF-8", "\xff.example", "", false},
		{"number not IPv4", "example.123x.5", "", false},
		{"too long", longHost(), "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := site.ValidHost(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("got %q, %v, want %q (ok %v)", got, err, tc.want, tc.ok)
			}
		})
	}
}

func longHost() string {
	b := make([]byte, site.MaxHostLen+1)
	for i := range b {
		b[i] = 'a'
	}
	return string(b)
}

func TestOrigin_Secure(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		"https://example.com":   true,
		"http://localhost:3000": true,
		"http://a.localhost":    true,
		"http://[::1]":          true,
		"http://example.com":    false,
	} {
		if got := site.OriginOf(mustURL(t, in)).Secure(); got != want {
			t.Errorf("Secure(%q): got %v, want %v", in, got, want)
		}
	}
}
