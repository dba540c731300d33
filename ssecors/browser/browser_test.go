package browser_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ssecors/ssecors-go/ssecors/browser"
)

func TestLookup(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]browser.Profile{
		"chrome": browser.Chrome, "Chrome": browser.Chrome, " CHROME ": browser.Chrome,
		"chrome-incognito": browser.ChromeIncognito, "Chrome Incognito": browser.ChromeIncognito,
		"chrome_incognito": browser.ChromeIncognito, "incognito": browser.ChromeIncognito,
		"firefox": browser.Firefox, "Safari": browser.Safari,
	} {
		got, err := browser.Lookup(in)
		if err != nil || got != want {
			t.Errorf("Lookup(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "edge", "chromium", "webkit", "firefox,safari"} {
		if _, err := browser.Lookup(in); err == nil || !strings.Contains(err.Error(), "known: chrome, chrome-incognito, firefox, safari") {
			t.Errorf("Lookup(%q): %v, want an error listing the known names", in, err)
		}
	}
}

func TestProfile_String(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p    browser.Profile
		want string
	}{
		{browser.Chrome, "Chrome"},
		{browser.Profile{}, "Chromium (third-party cookies: block)"},
		{browser.Profile{Engine: browser.Gecko, ThirdPartyCookies: browser.Allow}, "Gecko (third-party cookies: allow)"},
		{browser.Profile{Engine: 7, ThirdPartyCookies: 9}, "Engine(7) (third-party cookies: CookiePolicy(9))"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.p, got, tc.want)
		}
	}
	if browser.ChromeIncognito.Engine != (browser.Profile{}).Engine || browser.ChromeIncognito.ThirdPartyCookies != (browser.Profile{}).ThirdPartyCookies {
		t.Errorf("the zero Profile must have Chrome Incognito's rules")
	}
}

func ExampleProfiles() {
	for _, p := range browser.Profiles() {
		fmt.Printf("%s: %s, third-party cookies %s\n", p, p.Engine, p.ThirdPartyCookies)
	}
	// Output:
	// Chrome: Chromium, third-party cookies allow
	// Chrome Incognito: Chromium, third-party cookies block
	// Firefox: Gecko, third-party cookies partition
	// Safari: WebKit, third-party cookies block-all
}

func ExampleLookup() {
	p, err := browser.Lookup("firefox")
	fmt.Println(p, err)
	_, err = browser.Lookup("edge")
	fmt.Println(err)
	// Output:
	// Firefox <nil>
	// browser: unknown browser "edge" (known: chrome, chrome-incognito, firefox, safari)
}
