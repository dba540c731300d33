package browsertest

import (
	"fmt"
	"strings"

	"github.com/ssecors/ssecors-go/ssecors/browser"
)

// Setting is how one engine process is configured: the fields of its own
// engine apply, the others are ignored.
type Setting struct {
	// CookieControlsMode is Chromium's profile.cookie_controls_mode,
	// written into the profile's Preferences before launch: 0 allows
	// third-party cookies, 1 blocks them, 2 blocks them in Incognito only
	// (Google Chrome's default).
	CookieControlsMode int
	// Incognito starts Chromium with --incognito and runs each case in its
	// first window, the off-the-record one.
	Incognito bool
	// CookieBehavior is Firefox's network.cookie.cookieBehavior: 5 is Total
	// Cookie Protection (the default), 0 allows every cookie.
	CookieBehavior int
	// CookiesPolicy is MiniBrowser's --cookies-policy: "no-third-party"
	// (WebKitGTK's default) or "always".
	CookiesPolicy string
	// ITP is MiniBrowser's --enable-itp: Intelligent Tracking Prevention,
	// Safari's model.
	ITP bool
}

// Config is one configuration of the suite: an engine, how it is set up,
// and the browser.Profile ssecors runs with to be compared with it.
type Config struct {
	// Name selects the configuration (-engine) and names it in reports.
	Name string
	Kind EngineKind
	// Describe says what Setting means in this engine, for the report.
	Describe string
	Setting  Setting
	// Profile is what ssecors runs with: ssecors.WithBrowser(Profile) and
	// a browserjar.Jar for it.
	Profile browser.Profile
	// CookieCasesOnly runs only the cases that depend on the third-party
	// cookie setting (Case.Policies): the other cases run in the engine's
	// main configuration.
	CookieCasesOnly bool
	// Measure marks a configuration that no browser.Profile stands for: it
	// runs only when named (-engine NAME), never in CI.
	Measure bool
}

// Configs are the suite's configurations, in report order: for each
// engine the configurations that run every case first.
var Configs = []*Config{
	{Name: "chrome", Kind: ChromiumKind, Profile: browser.Chrome,
		Setting:  Setting{CookieControlsMode: 2},
		Describe: "cookie_controls_mode 2 (block third-party cookies in Incognito only, Chrome's default), regular window"},
	{Name: "chrome-incognito", Kind: ChromiumKind, Profile: browser.ChromeIncognito,
		Setting:  Setting{CookieControlsMode: 2, Incognito: true},
		Describe: "cookie_controls_mode 2, `--incognito`, cases in the Incognito window"},
	{Name: "chromium-allow", Kind: ChromiumKind, Profile: browser.Chrome, CookieCasesOnly: true,
		Setting:  Setting{CookieControlsMode: 0},
		Describe: "cookie_controls_mode 0 (allow third-party cookies), regular window"},
	{Name: "chromium-block", Kind: ChromiumKind, Profile: browser.ChromeIncognito, CookieCasesOnly: true,
		Setting:  Setting{CookieControlsMode: 1},
		Describe: "cookie_controls_mode 1 (block third-party cookies), regular window"},
	{Name: "firefox", Kind: FirefoxKind, Profile: browser.Firefox,
		Setting:  Setting{CookieBehavior: 5},
		Describe: "network.cookie.cookieBehavior 5 (Total Cookie Protection, the default)"},
	{Name: "firefox-allow", Kind: FirefoxKind, CookieCasesOnly: true,
		Profile:  browser.Profile{Name: "Firefox, all cookies allowed", Engine: browser.Gecko, ThirdPartyCookies: browser.Allow},
		Setting:  Setting{CookieBehavior: 0},
		Describe: "network.cookie.cookieBehavior 0 (all cookies allowed)"},
	{Name: "webkit-itp", Kind: WebKitKind, Profile: browser.Safari,
		Setting:  Setting{ITP: true, CookiesPolicy: "no-third-party"},
		Describe: "`--enable-itp --cookies-policy=no-third-party` (ITP, Safari's model)"},
	{Name: "webkit-itp-always", Kind: WebKitKind, Profile: browser.Safari, CookieCasesOnly: true,
		Setting:  Setting{ITP: true, CookiesPolicy: "always"},
		Describe: "`--enable-itp --cookies-policy=always` (ITP still blocks every cross-site cookie)"},
	{Name: "webkit-always", Kind: WebKitKind, CookieCasesOnly: true,
		Profile:  browser.Profile{Name: "WebKit, all cookies allowed", Engine: browser.WebKit, ThirdPartyCookies: browser.Allow},
		Setting:  Setting{CookiesPolicy: "always"},
		Describe: "`--cookies-policy=always`, no ITP"},
	{Name: "webkit-default", Kind: WebKitKind, Measure: true,
		Profile:  browser.Profile{Name: "WebKit, third-party cookies blocked", Engine: browser.WebKit, ThirdPartyCookies: browser.Block},
		Setting:  Setting{CookiesPolicy: "no-third-party"},
		Describe: "`--cookies-policy=no-third-party`, no ITP (WebKitGTK's and Epiphany's default; no Safari setting: measurement only)"},
}

// SelectConfigs returns the configurations a comma-separated -engine list
// names: an engine name (chromium, firefox, webkit) stands for its
// configurations but the measurement-only ones, "all" for every
// configuration but those, and a configuration's own name for itself.
func SelectConfigs(list string) ([]*Config, error) {
	want := map[string]bool{}
	for _, n := range strings.Split(list, ",") {
		if n = strings.TrimSpace(n); n != "" {
			want[n] = true
		}
	}
	known := map[string]bool{"all": true}
	for _, c := range Configs {
		known[c.Name], known[c.Kind.Name] = true, true
	}
	for n := range want {
		if !known[n] {
			return nil, fmt.Errorf("-engine: unknown engine or configuration %q", n)
		}
	}
	var out []*Config
	for _, c := range Configs {
		if want[c.Name] || (!c.Measure && (want["all"] || want[c.Kind.Name])) {
			out = append(out, c)
		}
	}
	return out, nil
}

// cases returns the cases of all that the configuration runs.
func (cfg *Config) cases(all []*Case) []*Case {
	if !cfg.CookieCasesOnly {
		return all
	}
	var out []*Case
	for _, c := range all {
		if c.Policies {
			out = append(out, c)
		}
	}
	return out
}
