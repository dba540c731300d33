package browserjar_test

import (
	"strings"
	"testing"

	"github.com/ssecors/ssecors-go/internal/jarhook"
	"github.com/ssecors/ssecors-go/ssecors/browser"
	"github.com/ssecors/ssecors-go/ssecors/browserjar"
)

// TestJar_CookiesFor_request checks how the public Request maps to the
// rules: TopLevel, NestedFrame, Credentials, and the jar's own policy.
func TestJar_CookiesFor_request(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		policy browserjar.Policy
		req    browserjar.Request
		noURL  bool // leave req.URL nil instead of jarSameSiteURL
		sent   string
	}{
		{"no URL", browserjar.Block, browserjar.Request{Credentials: true}, true, ""},
		{"first party by default", browserjar.Block, browserjar.Request{Credentials: true}, false, "lax,none,strict,unset"},
		{"null top level is first party", browserjar.Block, browserjar.Request{TopLevel: "null", Credentials: true}, false, "lax,none,strict,unset"},
		{"same-site page", browserjar.Block, browserjar.Request{TopLevel: "https://app.example.test", Credentials: true}, false, "lax,none,strict,unset"},
		{"same-site page, trailing slash", browserjar.Block, browserjar.Request{TopLevel: "https://app.example.test/", Credentials: true}, false, "lax,none,strict,unset"},
		{"no credentials", browserjar.Block, browserjar.Request{TopLevel: "https://app.example.test"}, false, ""},
		{"cross-site page, blocked", browserjar.Block, browserjar.Request{TopLevel: "https://app.other.test", Credentials: true}, false, ""},
		{"cross-site page, allowed", browserjar.Allow, browserjar.Request{TopLevel: "https://app.other.test", Credentials: true}, false, "none"},
		{"nested cross-site frame, same origin", browserjar.Allow, browserjar.Request{TopLevel: "https://api.example.test", NestedFrame: true, Credentials: true}, false, "none"},
		{"unknown policy blocks", browserjar.Policy(9), browserjar.Request{TopLevel: "https://app.other.test", Credentials: true}, false, ""},
		{"invalid top level", browserjar.Allow, browserjar.Request{TopLevel: "app.example.test", Credentials: true}, false, ""},
		{"top level with a path", browserjar.Allow, browserjar.Request{TopLevel: "https://app.example.test/page", Credentials: true}, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := &jarClock{t: jarEpoch}
			j := browserjar.New(&browserjar.Options{Now: clock.Now, Browser: browser.Profile{ThirdPartyCookies: tc.policy}})
			jarPrime(t, j, jarSameSiteURL, jarSameSiteLines...)
			r := tc.req
			if !tc.noURL {
				r.URL = jarURL(t, jarSameSiteURL)
			}
			send, ds := j.CookiesFor(r)
			jarCheckReasons(t, ds)
			if got := jarNames(send); got != tc.sent {
				t.Errorf("got %q, want %q", got, tc.sent)
			}
		})
	}
}

func TestJar_SetCookiesFrom_request(t *testing.T) {
	t.Parallel()
	for _, policy := range []browserjar.Policy{browserjar.Block, browserjar.Allow} {
		j := browserjar.New(&browserjar.Options{Browser: browser.Profile{ThirdPartyCookies: policy}})
		r := browserjar.Request{URL: jarURL(t, jarCrossSiteURL), TopLevel: jarPage, Credentials: true}
		ds := j.SetCookiesFrom(r, jarSameSiteLines)
		jarCheckReasons(t, ds)
		want := map[browserjar.Policy]string{browserjar.Block: "", browserjar.Allow: "none"}[policy]
		if got := jarStoredNames(ds); got != want {
			t.Errorf("%v: stored %q, want %q", policy, got, want)
		}
	}

	j := browserjar.New(nil)
	ds := j.SetCookiesFrom(browserjar.Request{URL: jarURL(t, jarSameOriginURL), TopLevel: "not an origin", Credentials: true}, []string{"a=1", "b=2"})
	if len(ds) != 2 || ds[0].Stored || !strings.Contains(ds[0].Reason, "Request.TopLevel") {
		t.Errorf("invalid TopLevel: got %+v", ds)
	}
	if n := len(j.All()); n != 0 {
		t.Errorf("invalid TopLevel stored %d cookies", n)
	}
	if ds := j.SetCookiesFrom(browserjar.Request{URL: jarURL(t, jarSameOriginURL)}, nil); ds != nil {
		t.Errorf("no lines: got %+v, want nil", ds)
	}
}

func TestJar_ThirdPartyCookies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		o    *browserjar.Options
		want browserjar.Policy
	}{
		{nil, browserjar.Block},
		{&browserjar.Options{}, browserjar.Block},
		{&browserjar.Options{Browser: browser.Chrome}, browserjar.Allow},
		{&browserjar.Options{Browser: browser.Profile{ThirdPartyCookies: 7}}, browserjar.Block},
	} {
		if got := browserjar.New(tc.o).ThirdPartyCookies(); got != tc.want {
			t.Errorf("New(%+v).ThirdPartyCookies(): got %v, want %v", tc.o, got, tc.want)
		}
	}
}

// The view the diagnosis uses shares the cookies and changes only the policy.
func Test_jarhookWithBrowser(t *testing.T) {
	t.Parallel()
	j, _ := newTestJar()
	jarPrime(t, j, jarCrossSiteURL, jarSameSiteLines...)
	view := jarhook.WithBrowser(j, browser.Chrome).(*browserjar.Jar)
	if view.ThirdPartyCookies() != browserjar.Allow || j.ThirdPartyCookies() != browserjar.Block {
		t.Fatalf("policies: view %v, jar %v", view.ThirdPartyCookies(), j.ThirdPartyCookies())
	}
	r := browserjar.Request{URL: jarURL(t, jarCrossSiteURL), TopLevel: jarPage, Credentials: true}
	if send, _ := j.CookiesFor(r); len(send) != 0 {
		t.Errorf("jar sent %q", jarNames(send))
	}
	if send, _ := view.CookiesFor(r); jarNames(send) != "none" {
		t.Errorf("view sent %q, want none", jarNames(send))
	}
	view.SetCookies(jarURL(t, jarCrossSiteURL), nil)
	ds := view.SetCookiesFrom(r, []string{"extra=1; SameSite=None; Secure"})
	if len(ds) != 1 || !ds[0].Stored || len(j.All()) != 5 {
		t.Errorf("view store: %+v, jar holds %d", ds, len(j.All()))
	}
}
