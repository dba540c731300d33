package browserjar_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/ssecors/ssecors-go/internal/jarhook"
	"github.com/ssecors/ssecors-go/ssecors/browser"
	"github.com/ssecors/ssecors-go/ssecors/browserjar"
)

// The browsertest suite's origins (browsertest/case.go).
const (
	btPage     = "https://app.example.test"
	btPageHTTP = "http://app.example.test"
	btSamePort = "https://app.example.test:8443"
	btSameSite = "https://api.example.test"
	btCross    = "https://api.other.test"
)

// btPrimeFour is browsertest's primeFour: cookies a user got by visiting
// origin, one per SameSite value plus a Partitioned one.
func btPrimeFour(origin string) []btPrime {
	return []btPrime{
		{origin, "strict=1; SameSite=Strict; Path=/"},
		{origin, "lax=1; SameSite=Lax; Path=/"},
		{origin, "none=1; SameSite=None; Secure; Path=/"},
		{origin, "unset=1; Path=/"},
		{origin, "part=1; SameSite=None; Secure; Partitioned; Path=/"},
	}
}

// btSetFive is browsertest's setFive: what a stream response sets.
var btSetFive = []string{
	"s_strict=1; SameSite=Strict; Path=/",
	"s_lax=1; SameSite=Lax; Path=/",
	"s_none=1; SameSite=None; Secure; Path=/",
	"s_unset=1; Path=/",
	"s_part=1; SameSite=None; Secure; Partitioned; Path=/",
}

// btPrime is a cookie set by a top-level visit of Origin before the case.
type btPrime struct{ Origin, SetCookie string }

// btScenario is one browsertest cookie case as the jar sees it: the page,
// the stream request, what the user's earlier visits stored, and what the
// stream's response sets.
type btScenario struct {
	page  string
	url   string // the request's (final) URL
	cred  bool   // credentials included: same-origin, or withCredentials
	taint bool   // an earlier hop of the redirect chain was cross-site
	prime []btPrime
	set   []string
}

// btOutcome is what a browser did: the cookies sent on the first request
// and on the reconnect (or the next hop), and its jar at the end ("*"
// marks a cookie kept in a partition). Names are sorted and joined by
// spaces.
type btOutcome struct{ first, jar, again string }

// The profiles of the measured runs (ENGINES.md): Chromium with third-party
// cookies blocked and allowed, Firefox with Total Cookie Protection (its
// default) and with all cookies, WebKit with ITP (Safari), and WebKitGTK
// with cookies always accepted.
var (
	btFirefoxAll = browser.Profile{Name: "Firefox (all cookies)", Engine: browser.Gecko, ThirdPartyCookies: browser.Allow}
	btWebKitAll  = browser.Profile{Name: "WebKit (all cookies)", Engine: browser.WebKit, ThirdPartyCookies: browser.Allow}
	btProfiles   = []browser.Profile{browser.ChromeIncognito, browser.Chrome, browser.Firefox, btFirefoxAll, browser.Safari, btWebKitAll}
)

// btAll gives every profile the same outcome.
func btAll(o btOutcome) map[string]btOutcome {
	m := map[string]btOutcome{}
	for _, p := range btProfiles {
		m[p.Name] = o
	}
	return m
}

// btRun replays s on a fresh jar of profile p.
func btRun(t *testing.T, p browser.Profile, s btScenario) btOutcome {
	t.Helper()
	jar := browserjar.New(&browserjar.Options{Browser: p})
	for _, pr := range s.prime {
		hc, err := http.ParseSetCookie(pr.SetCookie)
		if err != nil {
			t.Fatalf("priming %q: %v", pr.SetCookie, err)
		}
		jar.SetCookies(jarURL(t, pr.Origin+"/login"), []*http.Cookie{hc})
	}
	r := browserjar.Request{URL: jarURL(t, s.url), TopLevel: s.page, Credentials: s.cred, CrossSiteRedirect: s.taint}
	first, ds := jar.CookiesFor(r)
	jarCheckReasons(t, ds)
	jarCheckReasons(t, jar.SetCookiesFrom(r, s.set))
	again, ds := jar.CookiesFor(r)
	jarCheckReasons(t, ds)
	var stored []string
	for _, c := range jar.All() {
		if c.Partitioned {
			stored = append(stored, c.Name+"*")
		} else {
			stored = append(stored, c.Name)
		}
	}
	sort.Strings(stored)
	return btOutcome{first: btNames(first), jar: strings.Join(stored, " "), again: btNames(again)}
}

func btNames(cs []*http.Cookie) string {
	n := make([]string, len(cs))
	for i, c := range cs {
		n[i] = c.Name
	}
	sort.Strings(n)
	return strings.Join(n, " ")
}

// TestJar_engines replays the cookie cases of the browsertest suite in
// each measured profile and expects what the browser did (ENGINES.md,
// PARITY.md), except the WebKitGTK behaviours of libsoup's jar that Safari
// does not share (see the package doc): those rows give what the jar
// models and say what WebKitGTK did.
func TestJar_engines(t *testing.T) {
	t.Parallel()
	const (
		chromeInc  = "Chrome Incognito"
		chrome     = "Chrome"
		firefox    = "Firefox"
		firefoxAll = "Firefox (all cookies)"
		safari     = "Safari"
		webkitAll  = "WebKit (all cookies)"
	)
	primedFive := btOutcome{first: "lax none part strict unset", again: "lax none part strict unset"}
	tests := []struct {
		name string // the browsertest case
		s    btScenario
		want map[string]btOutcome
	}{
		{
			name: "cookies: same-origin, no cred",
			s:    btScenario{page: btPage, url: btPage + "/s", cred: true, prime: btPrimeFour(btPage)},
			want: btAll(primedFive),
		},
		{
			name: "cookies: same-site, no cred",
			s:    btScenario{page: btPage, url: btSameSite + "/s", prime: btPrimeFour(btSameSite)},
			want: btAll(btOutcome{}),
		},
		{
			name: "cookies: same-site, cred",
			s:    btScenario{page: btPage, url: btSameSite + "/s", cred: true, prime: btPrimeFour(btSameSite)},
			want: btAll(primedFive),
		},
		{
			name: "cookies: same host other port, cred",
			s:    btScenario{page: btPage, url: btSamePort + "/s", cred: true, prime: btPrimeFour(btPage)},
			want: btAll(primedFive),
		},
		{
			name: "cookies: cross-site, no cred",
			s:    btScenario{page: btPage, url: btCross + "/s", prime: btPrimeFour(btCross)},
			want: btAll(btOutcome{}),
		},
		{
			// Firefox TCP: the primed cookies are unpartitioned (or
			// partitioned under other.test); the page's partition is empty.
			// WebKitGTK's default policy (not modelled) sent none part unset.
			name: "cookies: cross-site, cred",
			s:    btScenario{page: btPage, url: btCross + "/s", cred: true, prime: btPrimeFour(btCross)},
			want: map[string]btOutcome{
				chromeInc:  {},
				chrome:     {first: "none", again: "none"},
				firefox:    {},
				firefoxAll: {first: "none unset", again: "none unset"},
				safari:     {},
				webkitAll:  {first: "none part unset", again: "none part unset"},
			},
		},
		{
			name: "cookies: Domain cookie to same-site, cred",
			s: btScenario{page: btPage, url: btSameSite + "/s", cred: true,
				prime: []btPrime{{btPage, "dom=1; Domain=example.test; Path=/"}, {btPage, "host=1; Path=/"}}},
			want: btAll(btOutcome{first: "dom", again: "dom"}),
		},
		{
			name: "cookies: path mismatch",
			s: btScenario{page: btPage, url: btPage + "/s", cred: true,
				prime: []btPrime{{btPage, "elsewhere=1; Path=/nope"}, {btPage, "root=1; Path=/"}}},
			want: btAll(btOutcome{first: "root", again: "root"}),
		},
		{
			// Firefox and WebKit send a cookie with an unknown SameSite
			// cross-site (None by default). WebKitGTK takes the first of
			// several SameSite attributes and did not send twice (not
			// modelled: RFC 6265bis, Chromium and Firefox take the last).
			name: "cookies: SameSite=Bogus cross-site, cred",
			s: btScenario{page: btPage, url: btCross + "/s", cred: true,
				prime: []btPrime{{btCross, "bogus=1; SameSite=Bogus; Secure; Path=/"}, {btCross, "twice=1; SameSite=Strict; SameSite=None; Secure; Path=/"}}},
			want: map[string]btOutcome{
				chromeInc:  {},
				chrome:     {first: "twice", again: "twice"},
				firefox:    {},
				firefoxAll: {first: "bogus twice", again: "bogus twice"},
				safari:     {},
				webkitAll:  {first: "bogus twice", again: "bogus twice"},
			},
		},
		{
			name: "cookies: http page, same-origin http",
			s:    btScenario{page: btPageHTTP, url: btPageHTTP + "/s", cred: true, prime: btPrimeFour(btPage)},
			want: btAll(btOutcome{first: "lax strict unset", again: "lax strict unset"}),
		},
		{
			// Schemeful same-site in Chromium only; Firefox's partition
			// keys keep the scheme (no part); WebKit ignores Partitioned.
			name: "cookies: http page to https same domain, cred",
			s:    btScenario{page: btPageHTTP, url: btSameSite + "/s", cred: true, prime: btPrimeFour(btSameSite)},
			want: map[string]btOutcome{
				chromeInc:  {},
				chrome:     {first: "none", again: "none"},
				firefox:    {first: "lax none strict unset", again: "lax none strict unset"},
				firefoxAll: {first: "lax none strict unset", again: "lax none strict unset"},
				safari:     primedFive,
				webkitAll:  primedFive,
			},
		},
		{
			// The final, same-site hop of api.other.test -> 302 ->
			// api.example.test: Gecko and WebKit apply the redirect-taint;
			// with ITP (Safari) nothing at all goes (PARITY.md, webkit-itp).
			name: "cookies: cross-site redirect taint, cred",
			s:    btScenario{page: btPage, url: btSameSite + "/s", cred: true, taint: true, prime: btPrimeFour(btSameSite)},
			want: map[string]btOutcome{
				chromeInc:  primedFive,
				chrome:     primedFive,
				firefox:    {first: "none part unset", again: "none part unset"},
				firefoxAll: {first: "none part unset", again: "none part unset"},
				safari:     {},
				webkitAll:  {first: "none part unset", again: "none part unset"},
			},
		},
		{
			name: "cross-site reconnect: cookies and Last-Event-ID, no preflight",
			s: btScenario{page: btPage, url: btCross + "/s", cred: true,
				prime: []btPrime{{btCross, "sid=1; SameSite=None; Secure; Path=/"}}},
			want: map[string]btOutcome{
				chromeInc:  {},
				chrome:     {first: "sid", again: "sid"},
				firefox:    {},
				firefoxAll: {first: "sid", again: "sid"},
				safari:     {},
				webkitAll:  {first: "sid", again: "sid"},
			},
		},
		{
			name: "set-cookie: same-origin, no cred",
			s:    btScenario{page: btPage, url: btPage + "/s", cred: true, set: btSetFive},
			want: map[string]btOutcome{
				chromeInc:  {jar: "s_lax s_none s_part* s_strict s_unset", again: "s_lax s_none s_part s_strict s_unset"},
				chrome:     {jar: "s_lax s_none s_part* s_strict s_unset", again: "s_lax s_none s_part s_strict s_unset"},
				firefox:    {jar: "s_lax s_none s_part* s_strict s_unset", again: "s_lax s_none s_part s_strict s_unset"},
				firefoxAll: {jar: "s_lax s_none s_part* s_strict s_unset", again: "s_lax s_none s_part s_strict s_unset"},
				safari:     {jar: "s_lax s_none s_part s_strict s_unset", again: "s_lax s_none s_part s_strict s_unset"},
				webkitAll:  {jar: "s_lax s_none s_part s_strict s_unset", again: "s_lax s_none s_part s_strict s_unset"},
			},
		},
		{
			name: "set-cookie: same-site, no cred",
			s:    btScenario{page: btPage, url: btSameSite + "/s", set: btSetFive},
			want: btAll(btOutcome{}),
		},
		{
			// ITP agrees with Chromium here; WebKitGTK's default policy
			// (not modelled) stored nothing.
			name: "set-cookie: same-site, cred",
			s:    btScenario{page: btPage, url: btSameSite + "/s", cred: true, set: btSetFive},
			want: map[string]btOutcome{
				chromeInc:  {jar: "s_lax s_none s_part* s_strict s_unset", again: "s_lax s_none s_part s_strict s_unset"},
				chrome:     {jar: "s_lax s_none s_part* s_strict s_unset", again: "s_lax s_none s_part s_strict s_unset"},
				firefox:    {jar: "s_lax s_none s_part* s_strict s_unset", again: "s_lax s_none s_part s_strict s_unset"},
				firefoxAll: {jar: "s_lax s_none s_part* s_strict s_unset", again: "s_lax s_none s_part s_strict s_unset"},
				safari:     {jar: "s_lax s_none s_part s_strict s_unset", again: "s_lax s_none s_part s_strict s_unset"},
				webkitAll:  {jar: "s_lax s_none s_part s_strict s_unset", again: "s_lax s_none s_part s_strict s_unset"},
			},
		},
		{
			name: "set-cookie: cross-site, no cred",
			s:    btScenario{page: btPage, url: btCross + "/s", set: btSetFive},
			want: btAll(btOutcome{}),
		},
		{
			// Also "set-cookie: cross-site, cred, CORS fails" (the jar stores
			// whatever the CORS check says) and "set-cookie: on a
			// cross-site redirect, cred" (the 302's cookies go on the next
			// hop). Firefox TCP keeps None and unset in the page's
			// partition. WebKitGTK with cookies always accepted also stored
			// s_lax and s_strict (not modelled); it sent the same three.
			name: "set-cookie: cross-site, cred",
			s:    btScenario{page: btPage, url: btCross + "/s", cred: true, set: btSetFive},
			want: map[string]btOutcome{
				chromeInc:  {jar: "s_part*", again: "s_part"},
				chrome:     {jar: "s_none s_part*", again: "s_none s_part"},
				firefox:    {jar: "s_none* s_part* s_unset*", again: "s_none s_part s_unset"},
				firefoxAll: {jar: "s_none s_part* s_unset", again: "s_none s_part s_unset"},
				safari:     {},
				webkitAll:  {jar: "s_none s_part s_unset", again: "s_none s_part s_unset"},
			},
		},
		{
			// WebKitGTK stores SameSite=None without Secure (not modelled).
			name: "set-cookie: None without Secure",
			s:    btScenario{page: btPage, url: btPage + "/s", cred: true, set: []string{"insecure_none=1; SameSite=None; Path=/", "ok=1; Path=/"}},
			want: btAll(btOutcome{jar: "ok", again: "ok"}),
		},
		{
			name: "set-cookie: Secure from an http page",
			s:    btScenario{page: btPageHTTP, url: btPageHTTP + "/s", cred: true, set: []string{"sec=1; Secure; Path=/", "plain=1; Path=/"}},
			want: btAll(btOutcome{jar: "plain", again: "plain"}),
		},
		{
			name: "set-cookie: Max-Age=0 deletes",
			s: btScenario{page: btPage, url: btPage + "/s", cred: true,
				prime: []btPrime{{btPage, "gone=1; Path=/"}, {btPage, "kept=1; Path=/"}}, set: []string{"gone=; Max-Age=0; Path=/"}},
			want: btAll(btOutcome{first: "gone kept", jar: "kept", again: "kept"}),
		},
		{
			name: "set-cookie: Domain attribute",
			s:    btScenario{page: btPage, url: btPage + "/s", cred: true, set: []string{"mine=1; Domain=example.test; Path=/", "foreign=1; Domain=other.test; Path=/"}},
			want: btAll(btOutcome{jar: "mine", again: "mine"}),
		},
		{
			// WebKitGTK enforces neither prefix (not modelled).
			name: "set-cookie: __Host- prefix",
			s: btScenario{page: btPage, url: btPage + "/s", cred: true,
				set: []string{"__Host-good=1; Secure; Path=/", "__Host-bad=1; Secure; Path=/; Domain=example.test", "__Secure-nosec=1; Path=/"}},
			want: btAll(btOutcome{jar: "__Host-good", again: "__Host-good"}),
		},
		{
			name: "redirect with Set-Cookie",
			s:    btScenario{page: btPage, url: btPage + "/s", cred: true, set: []string{"hop=1; Path=/"}},
			want: btAll(btOutcome{jar: "hop", again: "hop"}),
		},
	}
	for _, tc := range tests {
		for _, p := range btProfiles {
			want, ok := tc.want[p.Name]
			if !ok {
				t.Fatalf("%s: no expectation for %s", tc.name, p.Name)
			}
			t.Run(tc.name+"/"+p.Name, func(t *testing.T) {
				t.Parallel()
				got := btRun(t, p, tc.s)
				if tc.s.prime != nil && tc.s.set == nil {
					got.jar, want.jar = "", "" // the primed cookies, unchanged
				}
				if got.first != want.first {
					t.Errorf("first request sent %q, want %q", got.first, want.first)
				}
				if got.jar != want.jar {
					t.Errorf("jar holds %q, want %q", got.jar, want.jar)
				}
				if got.again != want.again {
					t.Errorf("reconnect sent %q, want %q", got.again, want.again)
				}
			})
		}
	}
}

// TestJar_firefoxTotalCookieProtection follows a cookie set by a
// cross-site response under Firefox's default: kept in the page's
// partition, sent on the reconnect from the same top-level site, and
// nowhere else.
func TestJar_firefoxTotalCookieProtection(t *testing.T) {
	t.Parallel()
	jar := browserjar.New(&browserjar.Options{Browser: browser.Firefox})
	jar.SetCookies(jarURL(t, btCross+"/login"), []*http.Cookie{{Name: "visit", Value: "1", Path: "/", Secure: true, SameSite: http.SameSiteNoneMode}})
	r := browserjar.Request{URL: jarURL(t, btCross+"/s"), TopLevel: btPage, Credentials: true}

	send, ds := jar.CookiesFor(r)
	jarCheckReasons(t, ds)
	if len(send) != 0 || len(ds) != 1 {
		t.Fatalf("first request: sent %q, decisions %+v; want nothing", btNames(send), ds)
	}
	for _, want := range []string{"Firefox", "Total Cookie Protection", "top-level visit", btPage, "fix:"} {
		if !strings.Contains(ds[0].Reason, want) {
			t.Errorf("first request: reason %q does not contain %q", ds[0].Reason, want)
		}
	}

	stored := jar.SetCookiesFrom(r, []string{"tcp=1; SameSite=None; Secure; Path=/", "bare=1; Path=/", "lax=1; SameSite=Lax; Path=/"})
	jarCheckReasons(t, stored)
	if got := jarStoredNames(stored); got != "bare,tcp" {
		t.Fatalf("stored %q, want %q", got, "bare,tcp")
	}
	for _, d := range stored[:2] {
		if !d.Partitioned || !strings.Contains(d.Reason, "https://example.test") || !strings.Contains(d.Reason, "Total Cookie Protection") {
			t.Errorf("decision %+v: want stored in the page's partition", d)
		}
	}
	if !strings.Contains(stored[2].Reason, "SameSite=Lax") {
		t.Errorf("lax: reason %q, want the SameSite rule", stored[2].Reason)
	}

	send, ds = jar.CookiesFor(r)
	jarCheckReasons(t, ds)
	if got := jarOrderedPairs(send); got != "tcp=1 bare=1" {
		t.Errorf("reconnect: sent %q, want %q", got, "tcp=1 bare=1")
	}
	// Another page of the same site shares the partition.
	r2 := r
	r2.TopLevel = "https://www.example.test:8443"
	if send, _ := jar.CookiesFor(r2); btNames(send) != "bare tcp" {
		t.Errorf("from www.example.test: sent %q, want %q", btNames(send), "bare tcp")
	}
	// Another top-level site, the http page of the same domain (another
	// schemeful partition), and a top-level visit of api.other.test do
	// not get the partitioned cookies.
	for _, top := range []string{"https://app.third.test", btPageHTTP} {
		r3 := r
		r3.TopLevel = top
		send, ds := jar.CookiesFor(r3)
		jarCheckReasons(t, ds)
		if len(send) != 0 {
			t.Errorf("from %s: sent %q, want nothing", top, btNames(send))
		}
	}
	if got := btNames(jar.Cookies(jarURL(t, btCross+"/"))); got != "visit" {
		t.Errorf("top-level visit: got %q, want %q", got, "visit")
	}
	var all []string
	for _, c := range jar.All() {
		all = append(all, c.Name+map[bool]string{true: "*"}[c.Partitioned])
	}
	if got := strings.Join(all, " "); got != "bare* tcp* visit" {
		t.Errorf("All() = %q, want %q", got, "bare* tcp* visit")
	}
	// A cross-site deletion reaches only the partition.
	jarCheckReasons(t, jar.SetCookiesFrom(r, []string{"visit=; Max-Age=0; SameSite=None; Secure; Path=/", "tcp=; Max-Age=0; SameSite=None; Secure; Path=/"}))
	if got := btNames(jar.All()); got != "bare visit" {
		t.Errorf("after deletion All() = %q, want %q", got, "bare visit")
	}
}

// TestJar_webkitIgnoresPartitioned: WebKit stores and sends a Partitioned
// cookie as an ordinary one, and a view under WebKit sends a cookie that
// another engine partitioned because of the attribute.
func TestJar_webkitIgnoresPartitioned(t *testing.T) {
	t.Parallel()
	for _, p := range []browser.Profile{btWebKitAll, browser.Safari} {
		jar := browserjar.New(&browserjar.Options{Browser: p})
		ds := jar.SetCookiesFrom(browserjar.Request{URL: jarURL(t, btCross+"/"), Credentials: true},
			[]string{"p=1; SameSite=None; Secure; Partitioned; Path=/", "insecure=1; Partitioned; Path=/"})
		jarCheckReasons(t, ds)
		for _, d := range ds {
			if !d.Stored || d.Partitioned || !strings.Contains(d.Reason, "ignores the Partitioned attribute") {
				t.Errorf("%s: decision %+v, want stored unpartitioned", p, d)
			}
		}
	}

	chromium := browserjar.New(nil)
	r := browserjar.Request{URL: jarURL(t, btCross+"/s"), TopLevel: btPage, Credentials: true}
	jarCheckReasons(t, chromium.SetCookiesFrom(r, []string{"chips=1; SameSite=None; Secure; Partitioned; Path=/"}))
	webkit := jarhook.WithBrowser(chromium, btWebKitAll).(*browserjar.Jar)
	other := r
	other.TopLevel = "https://app.third.test"
	if send, _ := chromium.CookiesFor(other); len(send) != 0 {
		t.Errorf("Chromium from another site: sent %q", btNames(send))
	}
	send, ds := webkit.CookiesFor(other)
	jarCheckReasons(t, ds)
	if btNames(send) != "chips" || !strings.Contains(ds[0].Reason, "ignores the Partitioned attribute") {
		t.Errorf("WebKit from another site: sent %q, decisions %+v", btNames(send), ds)
	}
	if got := btNames(webkit.Cookies(jarURL(t, btCross+"/"))); got != "chips" {
		t.Errorf("WebKit top-level visit: got %q, want chips", got)
	}
}

// TestJar_views: the views jarhook.WithBrowser returns share the cookies
// and apply their own profile's rules, for sending and storing.
func TestJar_views(t *testing.T) {
	t.Parallel()
	base := browserjar.New(nil)
	for _, pr := range btPrimeFour(btCross) {
		hc, err := http.ParseSetCookie(pr.SetCookie)
		if err != nil {
			t.Fatal(err)
		}
		base.SetCookies(jarURL(t, btCross+"/login"), []*http.Cookie{hc})
	}
	r := browserjar.Request{URL: jarURL(t, btCross+"/s"), TopLevel: btPage, Credentials: true}
	want := map[string]string{
		"Chrome Incognito":      "",
		"Chrome":                "none",
		"Firefox":               "",
		"Firefox (all cookies)": "none unset",
		"Safari":                "",
		"WebKit (all cookies)":  "none part unset",
	}
	for _, p := range btProfiles {
		view := jarhook.WithBrowser(base, p).(*browserjar.Jar)
		if view.Browser() != p {
			t.Errorf("view.Browser() = %+v, want %+v", view.Browser(), p)
		}
		send, ds := view.CookiesFor(r)
		jarCheckReasons(t, ds)
		if got := btNames(send); got != want[p.Name] {
			t.Errorf("%s: sent %q, want %q", p, got, want[p.Name])
		}
	}

	// A Firefox view stores under Total Cookie Protection into the shared
	// cookies: the partition is then a fact every view sees.
	ff := jarhook.WithBrowser(base, browser.Firefox).(*browserjar.Jar)
	jarCheckReasons(t, ff.SetCookiesFrom(r, []string{"s_unset=1; Path=/"}))
	for _, tc := range []struct {
		p    browser.Profile
		want string
	}{
		{browser.Firefox, "s_unset"},
		{btFirefoxAll, "none s_unset unset"},
		{browser.Chrome, "none"}, // unset is Lax in Chromium
		{browser.Safari, ""},
	} {
		send, _ := jarhook.WithBrowser(base, tc.p).(*browserjar.Jar).CookiesFor(r)
		if got := btNames(send); got != tc.want {
			t.Errorf("%s after the Firefox Set-Cookie: sent %q, want %q", tc.p, got, tc.want)
		}
	}
	if got := btNames(base.Cookies(jarURL(t, btCross+"/"))); got != "lax none part strict unset" {
		t.Errorf("top-level visit: got %q, want the primed cookies only", got)
	}
}

// TestJar_engines_reasons: every cross-site and redirect verdict names the
// browser, and no reason carries a cookie value.
func TestJar_engines_reasons(t *testing.T) {
	t.Parallel()
	const secret = "v4lue-s3cret"
	for _, p := range btProfiles {
		for _, s := range []btScenario{
			{page: btPage, url: btCross + "/s", cred: true},
			{page: btPageHTTP, url: btSameSite + "/s", cred: true},
			{page: btPage, url: btSameSite + "/s", cred: true, taint: true},
		} {
			jar := browserjar.New(&browserjar.Options{Browser: p})
			u := jarURL(t, s.url)
			for _, line := range btPrimeFour(u.Scheme + "://" + u.Host) {
				hc, _ := http.ParseSetCookie(strings.Replace(line.SetCookie, "=1", "="+secret, 1))
				jar.SetCookies(jarURL(t, s.url), []*http.Cookie{hc})
			}
			r := browserjar.Request{URL: u, TopLevel: s.page, Credentials: true, CrossSiteRedirect: s.taint}
			_, ds := jar.CookiesFor(r)
			lines := make([]string, len(btSetFive))
			for i, l := range btSetFive {
				lines[i] = strings.Replace(l, "=1", "="+secret, 1)
			}
			ds = append(ds, jar.SetCookiesFrom(r, lines)...)
			jarCheckReasons(t, ds)
			for _, d := range ds {
				if strings.Contains(d.Reason, secret) {
					t.Errorf("%s %s: reason %q contains the value", p, s.url, d.Reason)
				}
				if !d.Sent && !d.Stored && !strings.Contains(d.Reason, p.Name) {
					t.Errorf("%s %s: %s: reason %q does not name the browser", p, s.url, d.Name, d.Reason)
				}
			}
		}
	}
}

// TestJar_redirectTaint_storing: the response to a same-site hop after a
// cross-site redirect stores no Lax or Strict cookie where the engine
// applies the redirect-taint (Fetch: sameSiteStrictOrLaxAllowed is false
// in the "unset-or-less" same-site mode); a cookie without SameSite is a
// None cookie there, so it is stored. No browsertest case measures it.
func TestJar_redirectTaint_storing(t *testing.T) {
	t.Parallel()
	s := btScenario{page: btPage, url: btSameSite + "/s", cred: true, taint: true, set: btSetFive}
	want := map[string]string{
		"Chrome Incognito":      "s_lax s_none s_part* s_strict s_unset",
		"Chrome":                "s_lax s_none s_part* s_strict s_unset",
		"Firefox":               "s_none s_part* s_unset",
		"Firefox (all cookies)": "s_none s_part* s_unset",
		"Safari":                "s_none s_part s_unset",
		"WebKit (all cookies)":  "s_none s_part s_unset",
	}
	for _, p := range btProfiles {
		if got := btRun(t, p, s).jar; got != want[p.Name] {
			t.Errorf("%s: jar holds %q, want %q", p, got, want[p.Name])
		}
	}
}
