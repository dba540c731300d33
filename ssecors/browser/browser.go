// Package browser names the browser a page runs in: its engine (Chromium,
// Gecko or WebKit) and its third-party cookie setting. ssecors,
// browserjar and the doctor take a [Profile] and apply the rules in which
// the engines were measured to differ: third-party cookies and
// partitioning, the SameSite default, schemeful same-site, Partitioned
// cookies, the cookies of a redirected request, the charset of a stream,
// where a reconnect goes after a redirect, and the reconnection delays.
//
// The four profiles are [Chrome], [ChromeIncognito], [Firefox] and
// [Safari]. The default, the zero Profile, is Chrome Incognito, which is also
// Debian's Chromium in a fresh profile: the strictest Chromium setting,
// so that "it works" never depends on a third-party cookie a growing share
// of Chrome users (Incognito windows, users who block them) do not send.
// Pass [Chrome] for a regular Google Chrome profile.
//
// What each engine does was measured with the repository's browsertest
// suite: Debian's Chromium, Firefox ESR and WebKitGTK (which stands for
// Safari's engine, not its cookie store: see ENGINES.md).
package browser

import (
	"fmt"
	"strconv"
	"strings"
)

// Engine is a browser engine: the code that runs a page's EventSource and
// fetch() and keeps its cookies.
type Engine int

const (
	// Chromium is the engine of Google Chrome, Microsoft Edge and Debian's
	// chromium package. It is the zero Engine.
	Chromium Engine = iota
	// Gecko is Firefox's engine.
	Gecko
	// WebKit is Safari's engine, measured here as WebKitGTK.
	WebKit
)

// String returns "Chromium", "Gecko" or "WebKit".
func (e Engine) String() string {
	switch e {
	case Chromium:
		return "Chromium"
	case Gecko:
		return "Gecko"
	case WebKit:
		return "WebKit"
	}
	return "Engine(" + strconv.Itoa(int(e)) + ")"
}

// CookiePolicy is a browser's third-party cookie setting: what a cross-site
// request (one whose URL is not same-site with the page's top-level site)
// may send and store. The zero value is [Block].
type CookiePolicy int

const (
	// Block blocks unpartitioned third-party cookies: a cross-site request
	// sends and stores only Partitioned (CHIPS) cookies, kept per top-level
	// site, in an engine that supports them (Chromium, Gecko). It is
	// Chrome Incognito's setting and Debian's Chromium default.
	Block CookiePolicy = iota
	// Allow allows third-party cookies: a cross-site request sends and
	// stores the cookies SameSite lets go cross-site (SameSite=None; in
	// Gecko and WebKit also cookies without SameSite). It is a regular
	// Google Chrome profile's setting
	// (developers.google.com/privacy-sandbox/3pcd/prepare/debug).
	Allow
	// Partition keeps third-party cookies per top-level site, as Firefox's
	// Total Cookie Protection (its default) does: a cross-site request
	// sends only the cookies the same site stored under this top-level
	// site, never those of a top-level visit, and what it stores lands in
	// that partition.
	Partition
	// BlockAll blocks every cookie on a cross-site request, partitioned or
	// not, and stores none from its response, as Safari's Intelligent
	// Tracking Prevention does.
	BlockAll
)

// String returns "block", "allow", "partition" or "block-all".
func (p CookiePolicy) String() string {
	switch p {
	case Block:
		return "block"
	case Allow:
		return "allow"
	case Partition:
		return "partition"
	case BlockAll:
		return "block-all"
	}
	return "CookiePolicy(" + strconv.Itoa(int(p)) + ")"
}

// Profile is the browser a page runs in: an engine and its third-party
// cookie setting. The zero Profile is [ChromeIncognito]'s rules. Copy a
// named profile and change ThirdPartyCookies to model a user who changed
// the setting:
//
//	p := browser.Firefox
//	p.ThirdPartyCookies = browser.Allow // "Cookies: all cookies"
type Profile struct {
	// Name is what reports call the browser, such as "Firefox". Empty
	// means a name made of the engine and the policy.
	Name string
	// Engine is the browser's engine.
	Engine Engine
	// ThirdPartyCookies is the third-party cookie setting.
	ThirdPartyCookies CookiePolicy
}

// The four browsers the doctor checks by default.
var (
	// Chrome is a regular Google Chrome profile: Chromium, third-party
	// cookies allowed.
	Chrome = Profile{Name: "Chrome", Engine: Chromium, ThirdPartyCookies: Allow}
	// ChromeIncognito is a Chrome Incognito window, and Debian's Chromium
	// in a fresh profile: Chromium, third-party cookies blocked except
	// Partitioned ones. It is the default.
	ChromeIncognito = Profile{Name: "Chrome Incognito", Engine: Chromium, ThirdPartyCookies: Block}
	// Firefox is Firefox's default: Gecko with Total Cookie Protection.
	Firefox = Profile{Name: "Firefox", Engine: Gecko, ThirdPartyCookies: Partition}
	// Safari is Safari's default: WebKit with Intelligent Tracking
	// Prevention, no cookie cross-site.
	Safari = Profile{Name: "Safari", Engine: WebKit, ThirdPartyCookies: BlockAll}
)

// Profiles returns the four named profiles, in the order reports list them:
// Chrome, Chrome Incognito, Firefox, Safari.
func Profiles() []Profile {
	return []Profile{Chrome, ChromeIncognito, Firefox, Safari}
}

// String returns the profile's Name, or, for an unnamed one, its engine and
// policy, such as "Gecko (third-party cookies: allow)".
func (p Profile) String() string {
	if p.Name != "" {
		return p.Name
	}
	return p.Engine.String() + " (third-party cookies: " + p.ThirdPartyCookies.String() + ")"
}

// Lookup returns the named profile for a name as a user types it: "chrome",
// "chrome-incognito" (or "incognito"), "firefox", "safari", in any case,
// with spaces, dashes or underscores. An unknown name is an error that
// lists the known ones.
func Lookup(name string) (Profile, error) {
	key := strings.NewReplacer(" ", "", "-", "", "_", "").Replace(strings.ToLower(strings.TrimSpace(name)))
	switch key {
	case "chrome":
		return Chrome, nil
	case "chromeincognito", "incognito":
		return ChromeIncognito, nil
	case "firefox":
		return Firefox, nil
	case "safari":
		return Safari, nil
	}
	return Profile{}, fmt.Errorf("browser: unknown browser %q (known: chrome, chrome-incognito, firefox, safari)", name)
}
