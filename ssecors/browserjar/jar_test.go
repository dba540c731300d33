package browserjar_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/ssecors/browserjar"
)

// jarClock is a fake clock for the jar.
type jarClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *jarClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *jarClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var jarEpoch = time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)

func newTestJar() (*browserjar.Jar, *jarClock) {
	clock := &jarClock{t: jarEpoch}
	return browserjar.New(&browserjar.Options{Now: clock.Now}), clock
}

func jarURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatalf("url.Parse(%q): %v", s, err)
	}
	return u
}

// jarCheckReasons fails the test when a decision has an empty Reason, or
// when its Sent/Stored flag contradicts an "is sent"/"stored" reason.
func jarCheckReasons(t *testing.T, ds []browserjar.Decision) {
	t.Helper()
	for _, d := range ds {
		if d.Reason == "" {
			t.Errorf("decision %+v has an empty Reason", d)
		}
		if d.Sent && !strings.HasPrefix(d.Reason, "sent") {
			t.Errorf("sent decision %+v: reason does not say sent", d)
		}
		if d.Stored && !strings.HasPrefix(d.Reason, "stored") {
			t.Errorf("stored decision %+v: reason does not say stored", d)
		}
	}
}

// jarPrime stores Set-Cookie lines from rawURL as a first-party response and
// requires every one to be stored.
func jarPrime(t *testing.T, j *browserjar.Jar, rawURL string, lines ...string) {
	t.Helper()
	ds := browserjar.JarStoreFrom(j, browserjar.JarRequest{URL: jarURL(t, rawURL), Credentials: true}, lines)
	jarCheckReasons(t, ds)
	for i, d := range ds {
		if !d.Stored {
			t.Fatalf("priming %q from %s: not stored: %s", lines[i], rawURL, d.Reason)
		}
	}
}

// jarNames returns the cookie names, sorted, joined by commas.
func jarNames(cs []*http.Cookie) string {
	n := make([]string, len(cs))
	for i, c := range cs {
		n[i] = c.Name
	}
	sort.Strings(n)
	return strings.Join(n, ",")
}

// jarOrderedPairs returns "name=value" in the given order.
func jarOrderedPairs(cs []*http.Cookie) string {
	n := make([]string, len(cs))
	for i, c := range cs {
		n[i] = c.Name + "=" + c.Value
	}
	return strings.Join(n, " ")
}

func jarStoredNames(ds []browserjar.Decision) string {
	var n []string
	for _, d := range ds {
		if d.Stored {
			n = append(n, d.Name)
		}
	}
	sort.Strings(n)
	return strings.Join(n, ",")
}

const (
	jarPage            = "https://app.example.test"
	jarSameOriginURL   = "https://app.example.test/stream"
	jarSameSiteURL     = "https://api.example.test/stream"
	jarSameSitePortURL = "https://app.example.test:8443/stream"
	jarCrossSiteURL    = "https://api.other.test/stream"
)

var jarSameSiteLines = []string{
	"strict=1; SameSite=Strict; Secure; Path=/",
	"lax=1; SameSite=Lax; Secure; Path=/",
	"none=1; SameSite=None; Secure; Path=/",
	"unset=1; Secure; Path=/",
}

// jarPrimedSend primes a fresh jar with jarSameSiteLines from target, as a
// first-party response, then returns what the jar sends on r with r.URL set
// to target, and its decisions, whose reasons it checks.
func jarPrimedSend(t *testing.T, target string, r browserjar.JarRequest) ([]*http.Cookie, []browserjar.Decision) {
	t.Helper()
	j, _ := newTestJar()
	jarPrime(t, j, target, jarSameSiteLines...)
	r.URL = jarURL(t, target)
	send, ds := browserjar.JarCookiesFor(j, r)
	jarCheckReasons(t, ds)
	return send, ds
}

func TestJar_cookiesFor_sendingMatrix(t *testing.T) {
	t.Parallel()
	const all = "lax,none,strict,unset"
	tests := []struct {
		name   string
		target string
		cred   bool
		policy browserjar.Policy
		want   string
	}{
		{"same-origin cred block", jarSameOriginURL, true, browserjar.Block, all},
		{"same-origin cred allow", jarSameOriginURL, true, browserjar.Allow, all},
		{"same-origin no cred block", jarSameOriginURL, false, browserjar.Block, ""},
		{"same-origin no cred allow", jarSameOriginURL, false, browserjar.Allow, ""},
		{"same-site cross-origin cred block", jarSameSiteURL, true, browserjar.Block, all},
		{"same-site cross-origin cred allow", jarSameSiteURL, true, browserjar.Allow, all},
		{"same-site cross-origin no cred block", jarSameSiteURL, false, browserjar.Block, ""},
		{"same-site cross-origin no cred allow", jarSameSiteURL, false, browserjar.Allow, ""},
		{"same host other port cred", jarSameSitePortURL, true, browserjar.Block, all},
		{"cross-site cred block", jarCrossSiteURL, true, browserjar.Block, ""},
		{"cross-site cred allow", jarCrossSiteURL, true, browserjar.Allow, "none"},
		{"cross-site no cred block", jarCrossSiteURL, false, browserjar.Block, ""},
		{"cross-site no cred allow", jarCrossSiteURL, false, browserjar.Allow, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			send, ds := jarPrimedSend(t, tc.target, browserjar.JarRequest{
				TopLevel: jarPage, Credentials: tc.cred, ThirdParty: tc.policy,
			})
			if got := jarNames(send); got != tc.want {
				t.Errorf("sent %q, want %q", got, tc.want)
			}
			if len(ds) != len(jarSameSiteLines) {
				t.Errorf("got %d decisions, want %d", len(ds), len(jarSameSiteLines))
			}
			for _, d := range ds {
				if d.Sent != strings.Contains(","+tc.want+",", ","+d.Name+",") {
					t.Errorf("decision for %s: Sent=%t, reason %q", d.Name, d.Sent, d.Reason)
				}
				if !tc.cred && !strings.HasPrefix(d.Reason, "credentials not included") {
					t.Errorf("decision for %s: got reason %q, want a credentials reason", d.Name, d.Reason)
				}
			}
			for _, c := range send {
				if c.Domain != "" || c.Path != "" || c.Secure || c.SameSite != 0 {
					t.Errorf("sent cookie %s carries attributes: %+v", c.Name, c)
				}
			}
		})
	}
}

func TestJar_storeFrom_storageMatrix(t *testing.T) {
	t.Parallel()
	lines := append(append([]string(nil), jarSameSiteLines...), "part=1; SameSite=None; Secure; Partitioned; Path=/")
	const all = "lax,none,part,strict,unset"
	tests := []struct {
		name   string
		target string
		cred   bool
		policy browserjar.Policy
		want   string
	}{
		{"same-origin cred block", jarSameOriginURL, true, browserjar.Block, all},
		{"same-origin cred allow", jarSameOriginURL, true, browserjar.Allow, all},
		{"same-origin no cred", jarSameOriginURL, false, browserjar.Allow, ""},
		{"same-site cross-origin cred block", jarSameSiteURL, true, browserjar.Block, all},
		{"same-site cross-origin cred allow", jarSameSiteURL, true, browserjar.Allow, all},
		{"same-site cross-origin no cred block", jarSameSiteURL, false, browserjar.Block, ""},
		{"same-site cross-origin no cred allow", jarSameSiteURL, false, browserjar.Allow, ""},
		{"cross-site cred block", jarCrossSiteURL, true, browserjar.Block, "part"},
		{"cross-site cred allow", jarCrossSiteURL, true, browserjar.Allow, "none,part"},
		{"cross-site no cred block", jarCrossSiteURL, false, browserjar.Block, ""},
		{"cross-site no cred allow", jarCrossSiteURL, false, browserjar.Allow, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j, _ := newTestJar()
			ds := browserjar.JarStoreFrom(j, browserjar.JarRequest{
				URL: jarURL(t, tc.target), TopLevel: jarPage, Credentials: tc.cred, ThirdParty: tc.policy,
			}, lines)
			jarCheckReasons(t, ds)
			if len(ds) != len(lines) {
				t.Fatalf("got %d decisions, want %d", len(ds), len(lines))
			}
			if got := jarStoredNames(ds); got != tc.want {
				t.Errorf("stored %q, want %q", got, tc.want)
			}
			if got := jarNames(j.All()); got != tc.want {
				t.Errorf("All() has %q, want %q", got, tc.want)
			}
			for _, d := range ds {
				if !tc.cred && !strings.HasPrefix(d.Reason, "credentials not included") {
					t.Errorf("decision for %s: got reason %q, want a credentials reason", d.Name, d.Reason)
				}
			}
		})
	}
}

func TestJar_publicSuffixNeighbours(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		jarPage string
		target  string
		policy  browserjar.Policy
		want    string
	}{
		{"github.io neighbours allow", "https://a.github.io", "https://b.github.io/s", browserjar.Allow, "none"},
		{"github.io neighbours block", "https://a.github.io", "https://b.github.io/s", browserjar.Block, ""},
		{"co.uk neighbours allow", "https://x.co.uk", "https://y.co.uk/s", browserjar.Allow, "none"},
		{"co.uk neighbours block", "https://x.co.uk", "https://y.co.uk/s", browserjar.Block, ""},
		{"same registrable domain under co.uk", "https://www.x.co.uk", "https://api.x.co.uk/s", browserjar.Block, "lax,none,strict,unset"},
		{"http jarPage, https stream", "http://app.example.test", "https://app.example.test/s", browserjar.Allow, "none"},
		{"http jarPage, https stream, block", "http://app.example.test", "https://app.example.test/s", browserjar.Block, ""},
		{"loopback addresses differ", "http://127.0.0.1", "http://127.0.0.2/s", browserjar.Allow, "none"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			send, _ := jarPrimedSend(t, tc.target, browserjar.JarRequest{
				TopLevel: tc.jarPage, Credentials: true, ThirdParty: tc.policy,
			})
			if got := jarNames(send); got != tc.want {
				t.Errorf("sent %q, want %q", got, tc.want)
			}
		})
	}
}

func TestJar_storeFrom_domainAttribute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		from       string
		line       string
		wantStored bool
		wantDomain string // All()[0].Domain when stored
		reason     string // substring of the reason when rejected
	}{
		{"Domain=github.io rejected", "https://a.github.io/", "c=1; Domain=github.io", false, "", "public suffix"},
		{"Domain=.github.io rejected", "https://a.github.io/", "c=1; Domain=.github.io", false, "", "public suffix"},
		{"Domain=co.uk rejected", "https://x.co.uk/", "c=1; Domain=co.uk", false, "", "public suffix"},
		{"Domain=test rejected", "https://app.example.test/", "c=1; Domain=test", false, "", "public suffix"},
		{"Domain equal to public suffix host is host-only", "https://github.io/", "c=1; Domain=github.io", true, "github.io", ""},
		{"parent domain", "https://api.example.test/", "c=1; Domain=example.test", true, ".example.test", ""},
		{"parent domain with dot and case", "https://api.example.test/", "c=1; Domain=.EXAMPLE.test", true, ".example.test", ""},
		{"own host as Domain", "https://api.example.test/", "c=1; Domain=api.example.test", true, ".api.example.test", ""},
		{"no Domain is host-only", "https://api.example.test/", "c=1", true, "api.example.test", ""},
		{"empty Domain is host-only", "https://api.example.test/", "c=1; Domain=", true, "api.example.test", ""},
		{"unrelated domain", "https://api.example.test/", "c=1; Domain=other.test", false, "", "does not domain-match"},
		{"child domain", "https://example.test/", "c=1; Domain=api.example.test", false, "", "does not domain-match"},
		{"suffix without dot boundary", "https://badexample.test/", "c=1; Domain=example.test", false, "", "does not domain-match"},
		{"non-ASCII Domain", "https://api.example.test/", "c=1; Domain=exämple.test", false, "", "not a valid"},
		{"dot only", "https://api.example.test/", "c=1; Domain=.", false, "", "not a valid"},
		{"IP host, Domain equal", "http://127.0.0.1/", "c=1; Domain=127.0.0.1", true, "127.0.0.1", ""},
		{"IP host, Domain suffix", "http://127.0.0.1/", "c=1; Domain=0.0.1", false, "", "IP address"},
		{"IPv6 host, bracketed Domain", "http://[::1]/", "c=1; Domain=[::1]", true, "::1", ""},
		{"last Domain wins", "https://api.example.test/", "c=1; Domain=other.test; Domain=example.test", true, ".example.test", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j, _ := newTestJar()
			ds := browserjar.JarStoreFrom(j, browserjar.JarRequest{URL: jarURL(t, tc.from), Credentials: true}, []string{tc.line})
			jarCheckReasons(t, ds)
			if ds[0].Stored != tc.wantStored {
				t.Fatalf("Stored=%t, want %t (reason %q)", ds[0].Stored, tc.wantStored, ds[0].Reason)
			}
			if !tc.wantStored {
				if !strings.Contains(ds[0].Reason, tc.reason) {
					t.Errorf("got reason %q, want it to mention %q", ds[0].Reason, tc.reason)
				}
				if n := len(j.All()); n != 0 {
					t.Errorf("jar holds %d cookies, want 0", n)
				}
				return
			}
			all := j.All()
			if len(all) != 1 || all[0].Domain != tc.wantDomain {
				t.Fatalf("All() = %v, want one cookie with Domain %q", all, tc.wantDomain)
			}
			if ds[0].Domain != tc.wantDomain {
				t.Errorf("decision Domain %q, want %q", ds[0].Domain, tc.wantDomain)
			}
		})
	}
}

func TestJar_domainAndHostOnlyMatching(t *testing.T) {
	t.Parallel()
	j, _ := newTestJar()
	jarPrime(t, j, "https://api.example.test/", "host=1", "dom=1; Domain=example.test")
	jarPrime(t, j, "https://github.io/", "ps=1")
	tests := []struct {
		url  string
		want string
	}{
		{"https://api.example.test/", "dom,host"},
		{"https://API.Example.Test:8443/x", "dom,host"},
		{"https://example.test/", "dom"},
		{"https://deep.api.example.test/", "dom"},
		{"https://other.test/", ""},
		{"https://a.github.io/", ""},
		{"https://github.io/", "ps"},
		{"http://api.example.test/", "dom,host"}, // not Secure: http gets them too
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			t.Parallel()
			if got := jarNames(j.Cookies(jarURL(t, tc.url))); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestJar_paths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		setFrom  string
		line     string
		wantPath string
		hits     []string
		misses   []string
	}{
		{"default path of /a/b/c", "https://h.test/a/b/c", "c=1", "/a/b", []string{"/a/b", "/a/b/", "/a/b/zz"}, []string{"/a", "/a/bc", "/"}},
		{"default path of /jarPage", "https://h.test/jarPage", "c=1", "/", []string{"/", "/x/y"}, nil},
		{"default path of empty", "https://h.test", "c=1", "/", []string{"/"}, nil},
		{"explicit Path", "https://h.test/", "c=1; Path=/api", "/api", []string{"/api", "/api/", "/api/s"}, []string{"/apix", "/ap", "/"}},
		{"Path with trailing slash", "https://h.test/", "c=1; Path=/api/", "/api/", []string{"/api/", "/api/s"}, []string{"/api"}},
		{"relative Path ignored", "https://h.test/a/b", "c=1; Path=api", "/a", []string{"/a/x"}, []string{"/"}},
		{"empty Path ignored", "https://h.test/a/b", "c=1; Path=", "/a", []string{"/a"}, []string{"/"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j, _ := newTestJar()
			jarPrime(t, j, tc.setFrom, tc.line)
			if all := j.All(); len(all) != 1 || all[0].Path != tc.wantPath {
				t.Fatalf("All() = %v, want Path %q", all, tc.wantPath)
			}
			for _, p := range tc.hits {
				if n := len(j.Cookies(jarURL(t, "https://h.test"+p))); n != 1 {
					t.Errorf("request path %q: got %d cookies, want 1", p, n)
				}
			}
			for _, p := range tc.misses {
				send, ds := browserjar.JarCookiesFor(j, browserjar.JarRequest{URL: jarURL(t, "https://h.test"+p), Credentials: true})
				jarCheckReasons(t, ds)
				if len(send) != 0 {
					t.Errorf("request path %q: got %d cookies, want 0", p, len(send))
				}
				if len(ds) != 1 || !strings.Contains(ds[0].Reason, "path-match") {
					t.Errorf("request path %q: decisions %+v, want a path reason", p, ds)
				}
			}
		})
	}
}

func TestJar_secure(t *testing.T) {
	t.Parallel()
	t.Run("Secure over http is rejected", func(t *testing.T) {
		t.Parallel()
		j, _ := newTestJar()
		ds := browserjar.JarStoreFrom(j, browserjar.JarRequest{URL: jarURL(t, "http://app.example.test/"), Credentials: true},
			[]string{"s=1; Secure", "n=1; SameSite=None; Secure", "p=1; Secure; Partitioned; SameSite=None"})
		jarCheckReasons(t, ds)
		for _, d := range ds {
			if d.Stored || !strings.Contains(d.Reason, "https") {
				t.Errorf("decision %+v, want rejected for needing https", d)
			}
		}
	})
	t.Run("Secure cookie withheld over http", func(t *testing.T) {
		t.Parallel()
		j, _ := newTestJar()
		jarPrime(t, j, "https://app.example.test/", "s=1; Secure", "plain=1")
		if got := jarNames(j.Cookies(jarURL(t, "http://app.example.test/"))); got != "plain" {
			t.Errorf("over http got %q, want %q", got, "plain")
		}
		_, ds := browserjar.JarCookiesFor(j, browserjar.JarRequest{URL: jarURL(t, "http://app.example.test/"), TopLevel: "http://app.example.test", Credentials: true})
		jarCheckReasons(t, ds)
		var found bool
		for _, d := range ds {
			if d.Name == "s" {
				found = true
				if d.Sent || !strings.Contains(d.Reason, "Secure") {
					t.Errorf("decision %+v, want withheld as Secure", d)
				}
			}
		}
		if !found {
			t.Error("no decision for the Secure cookie")
		}
		if got := jarNames(j.Cookies(jarURL(t, "https://app.example.test/"))); got != "plain,s" {
			t.Errorf("over https got %q, want %q", got, "plain,s")
		}
	})
	for _, host := range []string{"http://localhost:8080", "http://127.0.0.1:9000", "http://[::1]:9000", "http://app.localhost"} {
		t.Run("loopback "+host, func(t *testing.T) {
			t.Parallel()
			j, _ := newTestJar()
			jarPrime(t, j, host+"/", "s=1; Secure", "__Secure-x=1; Secure", "__Host-y=1; Secure; Path=/", "n=1; SameSite=None; Secure")
			if got := jarNames(j.Cookies(jarURL(t, host+"/"))); got != "__Host-y,__Secure-x,n,s" {
				t.Errorf("got %q, want all four", got)
			}
		})
	}
	t.Run("SameSite=None without Secure is rejected everywhere", func(t *testing.T) {
		t.Parallel()
		for _, target := range []string{jarSameOriginURL, jarSameSiteURL, jarCrossSiteURL} {
			j, _ := newTestJar()
			ds := browserjar.JarStoreFrom(j, browserjar.JarRequest{URL: jarURL(t, target), TopLevel: jarPage, Credentials: true, ThirdParty: browserjar.Allow},
				[]string{"n=1; SameSite=None"})
			jarCheckReasons(t, ds)
			if ds[0].Stored || !strings.Contains(ds[0].Reason, "SameSite=None without Secure") {
				t.Errorf("%s: decision %+v, want rejected", target, ds[0])
			}
		}
	})
	t.Run("http cannot overwrite a Secure cookie", func(t *testing.T) {
		t.Parallel()
		j, _ := newTestJar()
		jarPrime(t, j, "https://app.example.test/", "id=secure; Secure; Path=/", "login=secure; Secure; Path=/login")
		ds := browserjar.JarStoreFrom(j, browserjar.JarRequest{URL: jarURL(t, "http://app.example.test/"), Credentials: true}, []string{
			"id=plain; Path=/",                  // same path: rejected
			"id=plain; Path=/deeper",            // path-matches /: rejected
			"id=plain; Domain=example.test",     // domain-matches: rejected
			"id=plain; Max-Age=0; Path=/",       // deletion: rejected too
			"login=plain; Path=/",               // / does not path-match /login: allowed
			"other=plain; Path=/",               // different name: allowed
			"id=plain; Domain=other.example.te", // unrelated domain: rejected anyway
		})
		jarCheckReasons(t, ds)
		want := []bool{false, false, false, false, true, true, false}
		for i, d := range ds {
			if d.Stored != want[i] {
				t.Errorf("line %d: Stored=%t, want %t (%s)", i, d.Stored, want[i], d.Reason)
			}
		}
		got := map[string]string{}
		for _, c := range j.Cookies(jarURL(t, "https://app.example.test/login")) {
			got[c.Name] += c.Value + ";"
		}
		if got["id"] != "secure;" {
			t.Errorf("id cookies %q, want only the secure one", got["id"])
		}
	})
}

func TestJar_prefixes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		from string
		line string
		want bool
	}{
		{"__Secure- with Secure", "https://h.test/", "__Secure-a=1; Secure", true},
		{"__Secure- without Secure", "https://h.test/", "__Secure-a=1", false},
		{"__secure- lowercase without Secure", "https://h.test/", "__secure-a=1", false},
		{"__SECURE- uppercase without Secure", "https://h.test/", "__SECURE-a=1", false},
		{"__Secure- over http", "http://h.test/", "__Secure-a=1; Secure", false},
		{"__Secure- with Domain", "https://a.h.test/", "__Secure-a=1; Secure; Domain=h.test", true},
		{"__Host- valid", "https://h.test/", "__Host-a=1; Secure; Path=/", true},
		{"__HOST- valid", "https://h.test/", "__HOST-a=1; Secure; Path=/", true},
		{"__Host- without Path", "https://h.test/", "__Host-a=1; Secure", false},
		{"__Host- with Path=/x", "https://h.test/", "__Host-a=1; Secure; Path=/x", false},
		{"__Host- with Domain", "https://h.test/", "__Host-a=1; Secure; Path=/; Domain=h.test", false},
		{"__host- lowercase with Domain", "https://h.test/", "__host-a=1; Secure; Path=/; Domain=h.test", false},
		{"__Host- without Secure", "https://h.test/", "__Host-a=1; Path=/", false},
		{"__Host- over http", "http://h.test/", "__Host-a=1; Secure; Path=/", false},
		{"__Http- valid", "https://h.test/", "__Http-a=1; Secure; HttpOnly", true},
		{"__Http- without HttpOnly", "https://h.test/", "__Http-a=1; Secure", false},
		{"__Host-Http- valid", "https://h.test/", "__Host-Http-a=1; Secure; HttpOnly; Path=/", true},
		{"__Host-Http- without HttpOnly", "https://h.test/", "__Host-Http-a=1; Secure; Path=/", false},
		{"nameless with __Host- value", "https://h.test/", "__Host-a; Secure; Path=/", false},
		{"nameless with =__Secure- value", "https://h.test/", "=__Secure-a; Secure", false},
		{"prefix not at start", "https://h.test/", "x__Host-a=1", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j, _ := newTestJar()
			ds := browserjar.JarStoreFrom(j, browserjar.JarRequest{URL: jarURL(t, tc.from), Credentials: true}, []string{tc.line})
			jarCheckReasons(t, ds)
			if ds[0].Stored != tc.want {
				t.Errorf("Stored=%t, want %t (reason %q)", ds[0].Stored, tc.want, ds[0].Reason)
			}
		})
	}
}

func TestJar_partitioned(t *testing.T) {
	t.Parallel()
	const api = "https://api.other.test/stream"
	t.Run("set first-party is keyed by its own site", func(t *testing.T) {
		t.Parallel()
		for _, policy := range []browserjar.Policy{browserjar.Allow, browserjar.Block} {
			j, _ := newTestJar()
			jarPrime(t, j, api, "p=1; Secure; SameSite=None; Partitioned; Path=/")
			send, ds := browserjar.JarCookiesFor(j, browserjar.JarRequest{URL: jarURL(t, api), TopLevel: jarPage, Credentials: true, ThirdParty: policy})
			jarCheckReasons(t, ds)
			if len(send) != 0 {
				t.Errorf("%v: sent %q, want nothing", policy, jarNames(send))
			}
			if len(ds) != 1 || !strings.Contains(ds[0].Reason, "https://other.test") || !strings.Contains(ds[0].Reason, "https://example.test") {
				t.Errorf("%v: decisions %+v, want a partition reason naming both sites", policy, ds)
			}
			// First-party, it is sent.
			if got := jarNames(j.Cookies(jarURL(t, api))); got != "p" {
				t.Errorf("%v: first-party got %q, want %q", policy, got, "p")
			}
		}
	})
	for _, policy := range []browserjar.Policy{browserjar.Allow, browserjar.Block} {
		t.Run("set cross-site, "+policy.String(), func(t *testing.T) {
			t.Parallel()
			j, _ := newTestJar()
			ds := browserjar.JarStoreFrom(j, browserjar.JarRequest{URL: jarURL(t, api), TopLevel: jarPage, Credentials: true, ThirdParty: policy},
				[]string{"p=1; Secure; SameSite=None; Partitioned; Path=/", "plax=1; Secure; Partitioned; Path=/"})
			jarCheckReasons(t, ds)
			if !ds[0].Stored || !ds[0].Partitioned || !strings.Contains(ds[0].Reason, "https://example.test") {
				t.Fatalf("decision %+v, want stored in example.test's partition", ds[0])
			}
			if ds[1].Stored || !strings.Contains(ds[1].Reason, "Lax") {
				t.Errorf("decision %+v, want a Lax-by-default rejection", ds[1])
			}
			for _, top := range []string{jarPage, "https://www.example.test:8443", "https://example.test"} {
				send, ds := browserjar.JarCookiesFor(j, browserjar.JarRequest{URL: jarURL(t, api), TopLevel: top, Credentials: true, ThirdParty: policy})
				jarCheckReasons(t, ds)
				if got := jarNames(send); got != "p" {
					t.Errorf("from %s: sent %q, want %q", top, got, "p")
				}
			}
			for _, top := range []string{"https://app.third.test", "http://app.example.test", ""} {
				send, ds := browserjar.JarCookiesFor(j, browserjar.JarRequest{URL: jarURL(t, api), TopLevel: top, Credentials: true, ThirdParty: policy})
				jarCheckReasons(t, ds)
				if len(send) != 0 {
					t.Errorf("from %q: sent %q, want nothing", top, jarNames(send))
				}
			}
			if got := jarNames(j.Cookies(jarURL(t, api))); got != "" {
				t.Errorf("first-party got %q, want nothing (other partition)", got)
			}
			all := j.All()
			if len(all) != 1 || !all[0].Partitioned {
				t.Errorf("All() = %v, want one Partitioned cookie", all)
			}
		})
	}
	t.Run("partitioned and unpartitioned cookies coexist", func(t *testing.T) {
		t.Parallel()
		j, _ := newTestJar()
		jarPrime(t, j, api, "c=first; Secure; SameSite=None; Path=/")
		ds := browserjar.JarStoreFrom(j, browserjar.JarRequest{URL: jarURL(t, api), TopLevel: jarPage, Credentials: true, ThirdParty: browserjar.Allow},
			[]string{"c=third; Secure; SameSite=None; Partitioned; Path=/"})
		jarCheckReasons(t, ds)
		if !ds[0].Stored {
			t.Fatalf("not stored: %s", ds[0].Reason)
		}
		if n := len(j.All()); n != 2 {
			t.Errorf("All() has %d cookies, want 2", n)
		}
		send, _ := browserjar.JarCookiesFor(j, browserjar.JarRequest{URL: jarURL(t, api), TopLevel: jarPage, Credentials: true, ThirdParty: browserjar.Allow})
		if got := jarOrderedPairs(send); got != "c=first c=third" {
			t.Errorf("allow: sent %q, want %q", got, "c=first c=third")
		}
		send, _ = browserjar.JarCookiesFor(j, browserjar.JarRequest{URL: jarURL(t, api), TopLevel: jarPage, Credentials: true, ThirdParty: browserjar.Block})
		if got := jarOrderedPairs(send); got != "c=third" {
			t.Errorf("block: sent %q, want %q", got, "c=third")
		}
		if got := jarOrderedPairs(j.Cookies(jarURL(t, api))); got != "c=first" {
			t.Errorf("first-party: got %q, want %q", got, "c=first")
		}
	})
	t.Run("Partitioned requires Secure", func(t *testing.T) {
		t.Parallel()
		j, _ := newTestJar()
		ds := browserjar.JarStoreFrom(j, browserjar.JarRequest{URL: jarURL(t, "http://localhost/"), Credentials: true}, []string{"p=1; Partitioned"})
		jarCheckReasons(t, ds)
		if ds[0].Stored || !strings.Contains(ds[0].Reason, "Partitioned without Secure") {
			t.Errorf("decision %+v, want rejected", ds[0])
		}
	})
}

func TestJar_expiry(t *testing.T) {
	t.Parallel()
	t.Run("Max-Age expires with the clock", func(t *testing.T) {
		t.Parallel()
		j, clock := newTestJar()
		jarPrime(t, j, "https://h.test/", "a=1; Max-Age=60", "session=1")
		clock.Advance(59 * time.Second)
		if got := jarNames(j.Cookies(jarURL(t, "https://h.test/"))); got != "a,session" {
			t.Errorf("at 59s got %q, want %q", got, "a,session")
		}
		clock.Advance(time.Second)
		send, ds := browserjar.JarCookiesFor(j, browserjar.JarRequest{URL: jarURL(t, "https://h.test/"), Credentials: true})
		jarCheckReasons(t, ds)
		if got := jarNames(send); got != "session" {
			t.Errorf("at 60s got %q, want %q", got, "session")
		}
		var expired bool
		for _, d := range ds {
			if d.Name == "a" && strings.HasPrefix(d.Reason, "expired") {
				expired = true
			}
		}
		if !expired {
			t.Errorf("decisions %+v, want an expired decision for a", ds)
		}
		if got := jarNames(j.All()); got != "session" {
			t.Errorf("All() = %q, want %q", got, "session")
		}
	})
	tests := []struct {
		name        string
		line        string
		wantExpires time.Time // zero: session cookie; only when stored
		wantStored  bool
	}{
		{"session", "a=1", time.Time{}, true},
		{"Max-Age", "a=1; Max-Age=3600", jarEpoch.Add(time.Hour), true},
		{"Max-Age wins over later Expires", "a=1; Max-Age=10; Expires=Wed, 01 Jan 2031 00:00:00 GMT", jarEpoch.Add(10 * time.Second), true},
		{"Max-Age wins over earlier Expires", "a=1; Expires=Wed, 01 Jan 2031 00:00:00 GMT; Max-Age=10", jarEpoch.Add(10 * time.Second), true},
		{"last Max-Age wins", "a=1; Max-Age=10; Max-Age=20", jarEpoch.Add(20 * time.Second), true},
		{"invalid Max-Age ignored", "a=1; Max-Age=1x", time.Time{}, true},
		{"Max-Age with plus ignored", "a=1; Max-Age=+5", time.Time{}, true},
		{"Expires IMF-fixdate", "a=1; Expires=Thu, 02 Apr 2026 10:18:14 GMT", time.Date(2026, 4, 2, 10, 18, 14, 0, time.UTC), true},
		{"Expires RFC 850", "a=1; Expires=Thursday, 02-Apr-26 10:18:14 GMT", time.Date(2026, 4, 2, 10, 18, 14, 0, time.UTC), true},
		{"Expires asctime", "a=1; Expires=Thu Apr  2 10:18:14 2026", time.Date(2026, 4, 2, 10, 18, 14, 0, time.UTC), true},
		{"Expires lenient order", "a=1; Expires=2026 apr 2 10:18:14", time.Date(2026, 4, 2, 10, 18, 14, 0, time.UTC), true},
		{"Expires no such day ignored", "a=1; Expires=30 Feb 2027 10:00:00", time.Time{}, true},
		{"Expires garbage ignored", "a=1; Expires=tomorrow", time.Time{}, true},
		{"Expires hour 24 ignored", "a=1; Expires=2 Apr 2026 24:00:00", time.Time{}, true},
		{"Max-Age capped at 400 days", "a=1; Max-Age=999999999", jarEpoch.Add(400 * 24 * time.Hour), true},
		{"Max-Age overflow capped", "a=1; Max-Age=99999999999999999999999", jarEpoch.Add(400 * 24 * time.Hour), true},
		{"Expires capped at 400 days", "a=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT", jarEpoch.Add(400 * 24 * time.Hour), true},
		{"Max-Age=0", "a=1; Max-Age=0", time.Time{}, false},
		{"Max-Age negative", "a=1; Max-Age=-5", time.Time{}, false},
		{"Expires in the past", "a=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT", time.Time{}, false},
		{"Expires now", "a=1; Expires=Sun, 01 Mar 2026 12:00:00 GMT", time.Time{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j, _ := newTestJar()
			ds := browserjar.JarStoreFrom(j, browserjar.JarRequest{URL: jarURL(t, "https://h.test/"), Credentials: true}, []string{tc.line})
			jarCheckReasons(t, ds)
			if ds[0].Stored != tc.wantStored {
				t.Fatalf("Stored=%t, want %t (%s)", ds[0].Stored, tc.wantStored, ds[0].Reason)
			}
			all := j.All()
			if !tc.wantStored {
				if len(all) != 0 {
					t.Errorf("All() = %v, want empty", all)
				}
				return
			}
			if len(all) != 1 {
				t.Fatalf("All() = %v, want one cookie", all)
			}
			if !all[0].Expires.Equal(tc.wantExpires) {
				t.Errorf("Expires %v, want %v", all[0].Expires, tc.wantExpires)
			}
		})
	}
}

func TestJar_deletion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		line    string
		deleted bool
	}{
		{"Max-Age=0", "a=; Max-Age=0; Path=/", true},
		{"Max-Age=-1", "a=; Max-Age=-1; Path=/", true},
		{"Expires in the past", "a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/", true},
		{"other path does not delete", "a=; Max-Age=0; Path=/x", false},
		{"Domain cookie does not delete host-only", "a=; Max-Age=0; Path=/; Domain=h.test", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j, _ := newTestJar()
			jarPrime(t, j, "https://h.test/", "a=1; Path=/")
			ds := browserjar.JarStoreFrom(j, browserjar.JarRequest{URL: jarURL(t, "https://h.test/"), Credentials: true}, []string{tc.line})
			jarCheckReasons(t, ds)
			if ds[0].Stored {
				t.Errorf("deletion reported as stored: %+v", ds[0])
			}
			if got := strings.Contains(ds[0].Reason, "deleted the stored cookie"); got != tc.deleted {
				t.Errorf("reason %q: deleted=%t, want %t", ds[0].Reason, got, tc.deleted)
			}
			if got := len(j.All()) == 0; got != tc.deleted {
				t.Errorf("jar empty=%t, want %t", got, tc.deleted)
			}
		})
	}
	t.Run("cross-site unset deletion is rejected", func(t *testing.T) {
		t.Parallel()
		j, _ := newTestJar()
		jarPrime(t, j, jarCrossSiteURL, "a=1; Path=/")
		ds := browserjar.JarStoreFrom(j, browserjar.JarRequest{URL: jarURL(t, jarCrossSiteURL), TopLevel: jarPage, Credentials: true, ThirdParty: browserjar.Allow},
			[]string{"a=; Max-Age=0; Path=/"})
		jarCheckReasons(t, ds)
		if len(j.All()) != 1 {
			t.Errorf("cookie deleted by a cross-site Lax-by-default header: %+v", ds[0])
		}
	})
	t.Run("SetCookies MaxAge<0 deletes", func(t *testing.T) {
		t.Parallel()
		j, _ := newTestJar()
		u := jarURL(t, "https://h.test/")
		j.SetCookies(u, []*http.Cookie{{Name: "a", Value: "1", Path: "/"}})
		j.SetCookies(u, []*http.Cookie{{Name: "a", Path: "/", MaxAge: -1}})
		if n := len(j.All()); n != 0 {
			t.Errorf("All() has %d cookies, want 0", n)
		}
	})
}

func TestJar_order(t *testing.T) {
	t.Parallel()
	j, clock := newTestJar()
	u := "https://h.test/"
	jarPrime(t, j, u, "a=1; Path=/")
	clock.Advance(time.Second)
	jarPrime(t, j, u, "b=1; Path=/x/y")
	clock.Advance(time.Second)
	jarPrime(t, j, u, "c=1; Path=/x")
	jarPrime(t, j, u, "d=1; Path=/x") // same time as c: creation order breaks the tie
	clock.Advance(time.Second)
	jarPrime(t, j, u, "e=1; Path=/x/")
	req := jarURL(t, "https://h.test/x/y/z")
	const want = "b=1 e=1 c=1 d=1 a=1"
	if got := jarOrderedPairs(j.Cookies(req)); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	clock.Advance(time.Second)
	ds := browserjar.JarStoreFrom(j, browserjar.JarRequest{URL: jarURL(t, u), Credentials: true}, []string{"c=2; Path=/x"})
	jarCheckReasons(t, ds)
	if !strings.Contains(ds[0].Reason, "creation time is kept") {
		t.Errorf("replacement reason %q, want it to mention the creation time", ds[0].Reason)
	}
	if got := jarOrderedPairs(j.Cookies(req)); got != "b=1 e=1 c=2 d=1 a=1" {
		t.Errorf("after replacing c: got %q, want %q", got, "b=1 e=1 c=2 d=1 a=1")
	}
	_, decisions := browserjar.JarCookiesFor(j, browserjar.JarRequest{URL: req, Credentials: true})
	var names []string
	for _, d := range decisions {
		names = append(names, d.Name)
	}
	if got := strings.Join(names, " "); got != "b e c d a" {
		t.Errorf("decision order %q, want %q", got, "b e c d a")
	}
	if got := jarNames(j.All()); got != "a,b,c,d,e" {
		t.Errorf("All() = %q", got)
	}
	if all := j.All(); all[0].Name != "a" || all[len(all)-1].Name != "b" {
		t.Errorf("All() order: %s ... %s, want sorted by path", all[0].Name, all[len(all)-1].Name)
	}
}

func TestJar_crossSiteRedirect(t *testing.T) {
	t.Parallel()
	t.Run("sending", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name   string
			target string
			policy browserjar.Policy
			want   string
		}{
			{"same-origin hop", jarSameOriginURL, browserjar.Block, "none,unset"},
			{"same-site hop", jarSameSiteURL, browserjar.Block, "none,unset"},
			{"cross-site hop allow", jarCrossSiteURL, browserjar.Allow, "none"},
			{"cross-site hop block", jarCrossSiteURL, browserjar.Block, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				send, ds := jarPrimedSend(t, tc.target, browserjar.JarRequest{
					TopLevel: jarPage, Credentials: true, CrossSiteRedirect: true, ThirdParty: tc.policy,
				})
				if got := jarNames(send); got != tc.want {
					t.Errorf("sent %q, want %q", got, tc.want)
				}
				for _, d := range ds {
					if (d.Name == "strict" || d.Name == "lax") && tc.target != jarCrossSiteURL && !strings.Contains(d.Reason, "redirect") {
						t.Errorf("decision for %s: reason %q, want it to name the redirect", d.Name, d.Reason)
					}
				}
			})
		}
	})
	t.Run("storing", func(t *testing.T) {
		t.Parallel()
		j, _ := newTestJar()
		ds := browserjar.JarStoreFrom(j, browserjar.JarRequest{
			URL: jarURL(t, jarSameSiteURL), TopLevel: jarPage, Credentials: true, CrossSiteRedirect: true,
		}, jarSameSiteLines)
		jarCheckReasons(t, ds)
		if got := jarStoredNames(ds); got != "none" {
			t.Errorf("stored %q, want %q", got, "none")
		}
	})
}

func TestJar_nestedCrossSite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		target string
		policy browserjar.Policy
		want   string
	}{
		{"same-origin allow", jarSameOriginURL, browserjar.Allow, "none"},
		{"same-origin block", jarSameOriginURL, browserjar.Block, ""},
		{"same-site allow", jarSameSiteURL, browserjar.Allow, "none"},
		{"cross-site allow", jarCrossSiteURL, browserjar.Allow, "none"},
		{"cross-site block", jarCrossSiteURL, browserjar.Block, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			send, _ := jarPrimedSend(t, tc.target, browserjar.JarRequest{
				TopLevel: jarPage, Credentials: true, ThirdParty: tc.policy, NestedCrossSite: true,
			})
			if got := jarNames(send); got != tc.want {
				t.Errorf("sent %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("partition of its own", func(t *testing.T) {
		t.Parallel()
		j, _ := newTestJar()
		nested := browserjar.JarRequest{URL: jarURL(t, jarSameOriginURL), TopLevel: jarPage, Credentials: true, NestedCrossSite: true}
		ds := browserjar.JarStoreFrom(j, nested, []string{
			"p=1; Secure; SameSite=None; Partitioned; Path=/",
			"u=1; Secure; SameSite=None; Path=/",
			"lax=1; Secure; Partitioned; Path=/",
		})
		jarCheckReasons(t, ds)
		if got := jarStoredNames(ds); got != "p" {
			t.Errorf("stored %q, want %q", got, "p")
		}
		send, _ := browserjar.JarCookiesFor(j, nested)
		if got := jarNames(send); got != "p" {
			t.Errorf("nested: sent %q, want %q", got, "p")
		}
		top := nested
		top.NestedCrossSite = false
		send, _ = browserjar.JarCookiesFor(j, top)
		if got := jarNames(send); got != "" {
			t.Errorf("top-level: sent %q, want nothing", got)
		}
	})
}

func TestJar_parsing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		line         string
		wantStored   bool
		wantName     string
		wantValue    string
		wantSameSite http.SameSite
		wantSecure   bool
		wantHTTPOnly bool
	}{
		{"plain", "a=b", true, "a", "b", 0, false, false},
		{"whitespace trimmed", "  a  =  b c  ; Path=/", true, "a", "b c", 0, false, false},
		{"quoted value kept", `a="b"`, true, "a", `"b"`, 0, false, false},
		{"value with =", "a=b=c", true, "a", "b=c", 0, false, false},
		{"nameless", "justvalue", true, "", "justvalue", 0, false, false},
		{"empty value", "a=", true, "a", "", 0, false, false},
		{"attributes case-insensitive", "a=1; sEcUrE; HTTPONLY; samesite=STRICT", true, "a", "1", http.SameSiteStrictMode, true, true},
		{"SameSite lax", "a=1; SameSite=lax", true, "a", "1", http.SameSiteLaxMode, false, false},
		{"SameSite None", "a=1; SameSite=None; Secure", true, "a", "1", http.SameSiteNoneMode, true, false},
		{"SameSite unknown is unset", "a=1; SameSite=Bogus", true, "a", "1", 0, false, false},
		{"SameSite empty is unset", "a=1; SameSite", true, "a", "1", 0, false, false},
		{"last SameSite wins (None)", "a=1; SameSite=Bogus; SameSite=None; Secure", true, "a", "1", http.SameSiteNoneMode, true, false},
		{"last SameSite wins (unknown)", "a=1; SameSite=None; SameSite=Bogus; Secure", true, "a", "1", 0, true, false},
		{"last SameSite wins (Strict)", "a=1; SameSite=Lax; SameSite=Strict", true, "a", "1", http.SameSiteStrictMode, false, false},
		{"unknown attribute ignored", "a=1; Foo=bar; Priority=High", true, "a", "1", 0, false, false},
		{"tab allowed", "a=b\tc", true, "a", "b\tc", 0, false, false},
		{"empty", "", false, "", "", 0, false, false},
		{"only =", "=", false, "", "", 0, false, false},
		{"only attributes", "; Secure", false, "", "", 0, false, false},
		{"NUL", "a=b\x00c", false, "", "", 0, false, false},
		{"LF in attribute", "a=b; Path=/\nx", false, "", "", 0, false, false},
		{"DEL", "a=\x7f", false, "", "", 0, false, false},
		{"4096 bytes", "a=" + strings.Repeat("v", 4095), true, "a", strings.Repeat("v", 4095), 0, false, false},
		{"4097 bytes", "a=" + strings.Repeat("v", 4096), false, "", "", 0, false, false},
		{"long attribute value ignored", "a=1; Path=/" + strings.Repeat("p", 1024), true, "a", "1", 0, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j, _ := newTestJar()
			ds := browserjar.JarStoreFrom(j, browserjar.JarRequest{URL: jarURL(t, "https://h.test/"), Credentials: true}, []string{tc.line})
			jarCheckReasons(t, ds)
			if ds[0].Stored != tc.wantStored {
				t.Fatalf("Stored=%t, want %t (%s)", ds[0].Stored, tc.wantStored, ds[0].Reason)
			}
			if strings.Contains(ds[0].Reason, "vvvv") {
				t.Errorf("reason contains the cookie value: %q", ds[0].Reason)
			}
			all := j.All()
			if !tc.wantStored {
				if len(all) != 0 {
					t.Errorf("All() = %v, want empty", all)
				}
				return
			}
			if len(all) != 1 {
				t.Fatalf("All() = %v, want one cookie", all)
			}
			c := all[0]
			if c.Name != tc.wantName || c.Value != tc.wantValue {
				t.Errorf("got %q=%q, want %q=%q", c.Name, c.Value, tc.wantName, tc.wantValue)
			}
			if c.SameSite != tc.wantSameSite || c.Secure != tc.wantSecure || c.HttpOnly != tc.wantHTTPOnly {
				t.Errorf("got SameSite=%v Secure=%t HttpOnly=%t, want %v %t %t",
					c.SameSite, c.Secure, c.HttpOnly, tc.wantSameSite, tc.wantSecure, tc.wantHTTPOnly)
			}
		})
	}
}

func TestCookieHeaderValue(t *testing.T) {
	t.Parallel()
	j, _ := newTestJar()
	jarPrime(t, j, "https://h.test/", "a=1", `q="x y"`, "nameless")
	got := browserjar.CookieHeader(j.Cookies(jarURL(t, "https://h.test/")))
	if want := `a=1; q="x y"; nameless`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := browserjar.CookieHeader(nil); got != "" {
		t.Errorf("got %q for no cookies, want empty", got)
	}
}

func TestJar_httpCookieJar(t *testing.T) {
	t.Parallel()
	j, _ := newTestJar()
	var jar http.CookieJar = j
	u := jarURL(t, "https://app.example.test/dir/jarPage")
	jar.SetCookies(u, []*http.Cookie{
		{Name: "session", Value: "abc", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode, Path: "/"},
		{Name: "dir", Value: "1"}, // default path /dir
		{Name: "sso", Value: "x", Domain: ".example.test", Path: "/", SameSite: http.SameSiteNoneMode, Secure: true},
		{Name: "q", Value: "a b", Quoted: true, Path: "/"},
		{Name: "insecureNone", Value: "x", SameSite: http.SameSiteNoneMode},        // rejected
		{Name: "bad;name", Value: "x"},                                             // rejected
		{Name: "ctl", Value: "a\nb"},                                               // rejected
		{Name: "other", Value: "x", Domain: "other.test"},                          // rejected
		{Name: "__Host-h", Value: "x", Secure: true},                               // rejected: no Path
		{Name: "gone", Value: "x", Expires: jarEpoch.Add(-time.Hour)},              // already expired
		{Name: "persist", Value: "x", Path: "/", Expires: jarEpoch.Add(time.Hour)}, // persistent
		nil,
	})
	got := jar.Cookies(jarURL(t, "https://app.example.test/dir/x"))
	if want := `dir=1 persist=x q="a b" session=abc sso=x`; jarSortedPairs(got) != want {
		t.Errorf("Cookies = %q, want %q", jarSortedPairs(got), want)
	}
	if got := jarSortedPairs(jar.Cookies(jarURL(t, "https://api.example.test/"))); got != "sso=x" {
		t.Errorf("sibling host: got %q, want %q", got, "sso=x")
	}
	if got := jarSortedPairs(jar.Cookies(jarURL(t, "http://app.example.test/"))); got != `persist=x q="a b"` {
		t.Errorf("http: got %q", got)
	}
	if got := jar.Cookies(jarURL(t, "ftp://app.example.test/")); len(got) != 0 {
		t.Errorf("ftp: got %v, want none", got)
	}
	jar.SetCookies(jarURL(t, "mailto:x@example.test"), []*http.Cookie{{Name: "m", Value: "1"}})
	all := j.All()
	if n := len(all); n != 5 {
		t.Errorf("All() has %d cookies, want 5: %v", n, all)
	}
	for _, c := range all {
		if c.Name == "sso" && (c.Domain != ".example.test" || c.SameSite != http.SameSiteNoneMode || !c.Secure) {
			t.Errorf("sso attributes: %+v", c)
		}
		if c.Name == "session" && (!c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Domain != "app.example.test") {
			t.Errorf("session attributes: %+v", c)
		}
		if c.Name == "dir" && c.Path != "/dir" {
			t.Errorf("dir path %q, want /dir", c.Path)
		}
		if c.Name == "persist" && c.Expires.IsZero() {
			t.Errorf("persist has no Expires")
		}
	}
}

func jarSortedPairs(cs []*http.Cookie) string {
	n := make([]string, len(cs))
	for i, c := range cs {
		n[i] = c.Name + "=" + c.Value
	}
	sort.Strings(n)
	return strings.Join(n, " ")
}

func TestJar_nonHTTPURL(t *testing.T) {
	t.Parallel()
	j, _ := newTestJar()
	ds := browserjar.JarStoreFrom(j, browserjar.JarRequest{URL: jarURL(t, "ws://h.test/"), Credentials: true}, []string{"a=1"})
	jarCheckReasons(t, ds)
	if len(ds) != 1 || ds[0].Stored {
		t.Errorf("decisions %+v, want one rejection", ds)
	}
	send, ds := browserjar.JarCookiesFor(j, browserjar.JarRequest{URL: nil, Credentials: true})
	if send != nil || ds != nil {
		t.Errorf("nil URL: got %v, %v", send, ds)
	}
	if ds := browserjar.JarStoreFrom(j, browserjar.JarRequest{URL: jarURL(t, "https://h.test/"), Credentials: true}, nil); ds != nil {
		t.Errorf("no lines: got %v, want nil", ds)
	}
}

func TestJar_reasonsAreSpecific(t *testing.T) {
	t.Parallel()
	j, _ := newTestJar()
	jarPrime(t, j, jarCrossSiteURL, jarSameSiteLines...)
	_, ds := browserjar.JarCookiesFor(j, browserjar.JarRequest{URL: jarURL(t, jarCrossSiteURL), TopLevel: jarPage, Credentials: true, ThirdParty: browserjar.Allow})
	jarCheckReasons(t, ds)
	want := map[string]string{
		"strict": "SameSite=Strict",
		"lax":    "SameSite=Lax",
		"unset":  "treats as Lax",
		"none":   "sent",
	}
	for _, d := range ds {
		if !strings.Contains(d.Reason, want[d.Name]) {
			t.Errorf("%s: reason %q, want it to contain %q", d.Name, d.Reason, want[d.Name])
		}
	}
	_, ds = browserjar.JarCookiesFor(j, browserjar.JarRequest{URL: jarURL(t, jarCrossSiteURL), TopLevel: jarPage, Credentials: true, ThirdParty: browserjar.Block})
	jarCheckReasons(t, ds)
	for _, d := range ds {
		if !strings.Contains(d.Reason, "third-party cookies are blocked") {
			t.Errorf("%s: reason %q, want the third-party policy", d.Name, d.Reason)
		}
	}
	ds = browserjar.JarStoreFrom(j, browserjar.JarRequest{URL: jarURL(t, jarCrossSiteURL), TopLevel: jarPage, Credentials: true, ThirdParty: browserjar.Block},
		[]string{"n=1; SameSite=None; Secure"})
	jarCheckReasons(t, ds)
	if !strings.Contains(ds[0].Reason, "Partitioned") {
		t.Errorf("block store reason %q, want it to suggest Partitioned", ds[0].Reason)
	}
}

func TestJar_limits(t *testing.T) {
	t.Parallel()
	j, _ := newTestJar()
	lines := make([]string, 200)
	for i := range lines {
		lines[i] = fmt.Sprintf("c%03d=1", i)
	}
	ds := browserjar.JarStoreFrom(j, browserjar.JarRequest{URL: jarURL(t, "https://a.h.test/"), Credentials: true}, lines)
	jarCheckReasons(t, ds)
	jarPrime(t, j, "https://other.test/", "keep=1")
	all := j.All()
	var inGroup int
	names := map[string]bool{}
	for _, c := range all {
		names[c.Name] = true
		if c.Domain == "a.h.test" {
			inGroup++
		}
	}
	if inGroup > 180 || inGroup < 150 {
		t.Errorf("h.test holds %d cookies, want between 150 and 180", inGroup)
	}
	if !names["c199"] || !names["keep"] {
		t.Errorf("the newest cookie or another site's cookie was evicted")
	}
	if names["c000"] {
		t.Errorf("the oldest cookie survived eviction")
	}
}

func TestJar_concurrent(t *testing.T) {
	t.Parallel()
	j := browserjar.New(nil)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			u := &url.URL{Scheme: "https", Host: "h.test", Path: "/"}
			for i := 0; i < 50; i++ {
				j.SetCookies(u, []*http.Cookie{{Name: fmt.Sprintf("g%d", g), Value: fmt.Sprint(i), Path: "/"}})
				_ = j.Cookies(u)
				_ = j.All()
				browserjar.JarStoreFrom(j, browserjar.JarRequest{URL: u, Credentials: true}, []string{"s=1"})
				browserjar.JarCookiesFor(j, browserjar.JarRequest{URL: u, TopLevel: jarPage, Credentials: true})
			}
		}(g)
	}
	wg.Wait()
	if n := len(j.All()); n != 9 {
		t.Errorf("got %d cookies, want 9", n)
	}
}

func TestPolicy_String(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    browserjar.Policy
		want string
	}{
		{browserjar.Block, "block"},
		{browserjar.Allow, "allow"},
		{browserjar.Policy(7), "CookiePolicy(7)"},
	}
	for _, tc := range tests {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
	var zero browserjar.Policy
	if zero != browserjar.Block {
		t.Errorf("zero value is %v, want block", zero)
	}
}
