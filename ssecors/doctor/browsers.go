package doctor

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/ssecors/ssecors-go/internal/engines"
	"github.com/ssecors/ssecors-go/internal/jarhook"
	"github.com/ssecors/ssecors-go/internal/mimetype"
	"github.com/ssecors/ssecors-go/internal/site"
	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/browser"
	"github.com/ssecors/ssecors-go/ssecors/browserjar"
)

// This file holds the verdict per browser: the diagnosis makes its
// requests once, as one browser profile, and judges every other selected
// profile from what those requests showed: the cookies each profile's jar
// rules would send, and the engine rules (internal/engines) that read the
// same response differently.

// The rules a [BrowserVerdict] names beside those of a [Report].
const (
	// RuleThirdPartyCookie: the diagnosed request carried a cookie that
	// this browser does not send, because the stream is on another site
	// than the page and the browser blocks (or partitions) third-party
	// cookies. The stream opened with the cookie; the verdict assumes the
	// stream needs it.
	RuleThirdPartyCookie ssecors.Rule = "third-party-cookie"
	// RuleCookie: the diagnosed request carried a cookie that this browser
	// does not send for another reason (its SameSite rules, a redirect
	// through another site). The verdict assumes the stream needs it.
	RuleCookie ssecors.Rule = "cookie"
	// RuleUnchecked: the requests, made as another browser, stopped before
	// they could show what this browser would do; diagnose with this
	// browser alone ([Options].Browsers) to see it.
	RuleUnchecked ssecors.Rule = "unchecked"
)

// BrowserVerdict is the verdict for one browser profile of
// [Options].Browsers: whether a page in that browser could open the
// stream, and if not, why and what to change. It marshals to JSON with
// stable lowercase field names.
type BrowserVerdict struct {
	// Browser names the profile ([browser.Profile].String), such as
	// "Chrome" or "Firefox".
	Browser string `json:"browser"`
	// Engine is the profile's engine: "Chromium", "Gecko" or "WebKit".
	Engine string `json:"engine"`
	// ThirdPartyCookies is the profile's third-party cookie setting:
	// "allow", "block", "partition" or "block-all".
	ThirdPartyCookies string `json:"third_party_cookies"`
	// Profile is the profile itself. It is not marshaled.
	Profile browser.Profile `json:"-"`
	// Connects is the verdict for this browser, with the meaning of
	// [Report].Connects.
	Connects bool `json:"connects"`
	// Observed reports that the verdict is what the diagnosis's own
	// requests showed: they were made as this browser, or this browser
	// would have sent the same cookies and read the responses the same
	// way. When false, the verdict is judged from a difference: a cookie
	// this browser withholds, or a response header its engine reads
	// otherwise.
	Observed bool `json:"observed"`
	// Rule names what stops this browser, empty when Connects: a rule of
	// [Report].Rule, [RuleThirdPartyCookie], [RuleCookie] or
	// [RuleUnchecked].
	Rule ssecors.Rule `json:"rule,omitempty"`
	// Reason says why, in one line; for a browser that connects, empty
	// unless its engine differs from the one whose requests were made
	// (such as a charset that only Chromium refuses).
	Reason string `json:"reason,omitempty"`
	// Fix says what to change, empty when Connects.
	Fix string `json:"fix,omitempty"`
}

// outcome is one browser's verdict before it becomes a BrowserVerdict.
type outcome struct {
	connects bool
	observed bool
	rule     ssecors.Rule
	reason   string
	fix      string
}

// checkBrowsers validates [Options].Browsers and returns the profiles to
// judge: browser.Profiles() when none is given, duplicates dropped.
func checkBrowsers(list []browser.Profile) ([]browser.Profile, error) {
	if len(list) == 0 {
		return browser.Profiles(), nil
	}
	var out []browser.Profile
	for _, p := range list {
		switch {
		case p.Engine < browser.Chromium || p.Engine > browser.WebKit:
			return nil, &ssecors.ConfigError{Option: "doctor.Options.Browsers", Value: p.String(), Reason: "unknown engine"}
		case p.ThirdPartyCookies < browser.Block || p.ThirdPartyCookies > browser.BlockAll:
			return nil, &ssecors.ConfigError{Option: "doctor.Options.Browsers", Value: p.String(), Reason: "unknown third-party cookie policy"}
		}
		dup := false
		for _, q := range out {
			dup = dup || q == p
		}
		if !dup {
			out = append(out, p)
		}
	}
	return out, nil
}

// pickActing returns the index of the profile the diagnosis's requests act
// as: the one that sends the most of jar's cookies on the first request
// (the first of those in order), so that the stream is seen with every
// cookie some selected browser sends. Without a browser jar it is the
// first profile.
func pickActing(profiles []browser.Profile, jar *browserjar.Jar, r browserjar.Request) int {
	if jar == nil {
		return 0
	}
	r.Credentials = true
	best, most := 0, -1
	for i, p := range profiles {
		view := jarhook.WithBrowser(jar, p).(*browserjar.Jar)
		sent, _ := view.CookiesFor(r)
		if len(sent) > most {
			best, most = i, len(sent)
		}
	}
	return best
}

// contentTypeOpens reports whether an engine with rules opens a 200
// response with the Content-Type header values ct, as far as the
// Content-Type decides it, and explains a refusal. It reads ct with the
// core's own rule (internal/mimetype), which models what the engines were
// measured to read differently: which type counts (WebKit: the first of
// the last header line; Fetch's "extract a MIME type", Chromium and Gecko:
// the last valid one of all), and a charset other than UTF-8 (only
// Chromium fails it).
func contentTypeOpens(rules engines.Rules, ct []string) (bool, string) {
	essence, charset, found := mimetype.Extract(ct, rules.ContentTypeFirst)
	switch {
	case !found:
		return false, "no Content-Type"
	case essence != "text/event-stream":
		return false, "the Content-Type it reads is " + essence + ", not text/event-stream"
	case charset != "" && rules.StrictCharset && !strings.EqualFold(charset, "utf-8"):
		return false, "charset=" + charset + ": a charset other than UTF-8 fails the connection"
	}
	return true, ""
}

// enginesDisagree reports a Content-Type that the engines read
// differently.
func enginesDisagree(ct []string) bool {
	c, _ := contentTypeOpens(engines.For(browser.Chrome), ct)
	g, _ := contentTypeOpens(engines.For(browser.Firefox), ct)
	w, _ := contentTypeOpens(engines.For(browser.Safari), ct)
	return c != g || g != w
}

// contentTypeNote explains why an engine reads a Content-Type as it does,
// for a verdict that differs from the acting browser's.
func contentTypeNote(rules engines.Rules, ct []string) string {
	if len(ct) > 1 {
		if rules.ContentTypeFirst {
			return "its engine (WebKit) reads the last Content-Type header line, by its first type"
		}
		return "its engine reads the last valid type of all the Content-Type header lines, as Fetch does"
	}
	if strings.Contains(strings.Join(ct, ""), ",") {
		if rules.ContentTypeFirst {
			return "its engine (WebKit) reads a comma-separated Content-Type by its first type"
		}
		return "its engine reads a comma-separated Content-Type by its last valid type, as Fetch does"
	}
	if rules.StrictCharset {
		return "its engine (Chromium) fails a charset other than UTF-8"
	}
	return "its engine decodes an event stream as UTF-8 whatever the charset parameter says (only Chromium fails it)"
}

// contentTypeFix is the fix for a Content-Type that some engines refuse.
func contentTypeFix(ct []string) string {
	if strings.Contains(strings.Join(ct, ", "), ",") {
		return "send a single \"Content-Type: text/event-stream\": engines disagree on which type of a comma-separated list counts"
	}
	return "drop the charset parameter, or send charset=utf-8: an event stream is always UTF-8"
}

// loopbackHTTP reports an https page whose stream request goes, on some
// hop, to http on a loopback host: mixed content for an engine that does
// not treat loopback as potentially trustworthy.
func (d *diagnosis) loopbackHTTP(a *diagAttempt) bool {
	if d.v.PageOrigin.Scheme != "https" {
		return false
	}
	urls := []*url.URL{d.u}
	for _, h := range a.hops {
		if u, err := url.Parse(h.req.URL); err == nil {
			urls = append(urls, u)
		}
	}
	for _, u := range urls {
		if o := site.OriginOf(u); o.Scheme == "http" && site.IsLoopbackHost(o.Host) {
			return true
		}
	}
	return false
}

// crossSiteFor reports whether u is another site than the page for an
// engine with rules: schemeful for Chromium, by registrable domain for
// the others; always for a page in a cross-site frame.
func (d *diagnosis) crossSiteFor(rules engines.Rules, u *url.URL) bool {
	page, o := d.v.PageOrigin, site.OriginOf(u)
	return !d.v.TopLevel || !rules.SameSite(page, o)
}

// isRedirectLoop reports the network error of a redirect chain longer than
// a browser follows.
func isRedirectLoop(err error) bool {
	var ne *ssecors.NetworkError
	return errors.As(err, &ne) && ne.Err != nil && strings.Contains(ne.Err.Error(), "redirects")
}

// judge returns the verdict for profile i, given the outcome the requests
// showed, real. Where the engines disagree (a Content-Type, an http
// loopback stream), the verdict follows the profile's engine rules rather
// than what the requests showed, for the acting profile too: that keeps it
// right whichever engine's rules the core applied to the requests.
func (d *diagnosis) judge(i int, first *diagAttempt, real outcome) outcome {
	p, acting := d.profiles[i], d.profiles[d.acting]
	rules := engines.For(p)
	o := real
	o.observed = true

	// Mixed content comes first: no request leaves.
	if d.loopbackHTTP(first) {
		var be *ssecors.BlockedError
		blocked := errors.As(first.err, &be) && be.Rule == ssecors.RuleMixedContent
		switch {
		case !rules.LoopbackIsTrustworthy && !blocked:
			return outcome{rule: ssecors.RuleMixedContent,
				reason: "blocked as mixed content: its engine (WebKit) does not treat an http loopback host (localhost, 127.0.0.1) as potentially trustworthy on an https page",
				fix:    "serve the stream over https, or load the page over http://localhost during development"}
		case rules.LoopbackIsTrustworthy && blocked:
			return outcome{rule: RuleUnchecked,
				reason: "not checked: the requests, made as " + acting.String() + ", were blocked as mixed content; this browser would send them",
				fix:    "diagnose with this browser alone to see the stream"}
		}
	}

	// The response's Content-Type, where engines read it differently.
	if h := lastHop(first); h != nil && h.resp != nil && h.resp.Blocked == nil && h.resp.StatusCode == 200 {
		ct := h.resp.Header.Values("Content-Type")
		pOK, pWhy := contentTypeOpens(rules, ct)
		seen, known := true, first.opened
		if !first.opened && real.rule == RuleContentType {
			seen, known = false, true
		}
		switch {
		case !known || pOK == seen || !enginesDisagree(ct):
		case !pOK:
			o = outcome{rule: RuleContentType, reason: pWhy + " (" + contentTypeNote(rules, ct) + ")", fix: contentTypeFix(ct)}
		default:
			o = outcome{connects: true, reason: "opens: " + contentTypeNote(rules, ct)}
		}
	}

	// The cookies of the first attempt: a cookie this browser withholds
	// fails a stream that opened; one it adds may change a refusal.
	if c, ok := d.cookieDifference(i, first, rules); ok {
		o.observed = false
		switch {
		case c.withheld != nil && o.connects:
			o = d.withheldOutcome(p, c, acting)
		case c.withheld == nil && !o.connects && refused(first):
			o = outcome{rule: RuleUnchecked,
				reason: "not checked: this browser also sends the cookie " + c.extra.Name + ", which the requests (made as " + acting.String() + ") did not carry, and the server refused them: " + real.reason,
				fix:    "diagnose with this browser alone to see the stream with its cookies"}
		}
	}

	return redirectLoop(o, rules, first)
}

// redirectLoop adds to the verdict of a redirect loop what the engine does
// next, where the engines part ways.
func redirectLoop(o outcome, rules engines.Rules, first *diagAttempt) outcome {
	if !o.connects && o.rule == RuleNetwork && isRedirectLoop(first.err) {
		if rules.RedirectLoopFails {
			o.reason += ": this browser then fails the connection for good"
		} else {
			o.reason += ": this browser treats it as a network error and keeps retrying"
		}
	}
	return o
}

// refused reports a first attempt that the server answered 401 or 403,
// which a cookie may change.
func refused(a *diagAttempt) bool {
	h := lastHop(a)
	return h != nil && h.resp != nil && (h.resp.StatusCode == 401 || h.resp.StatusCode == 403)
}

// lastHop returns the final hop of a, or nil.
func lastHop(a *diagAttempt) *diagHop {
	if a == nil || len(a.hops) == 0 {
		return nil
	}
	return a.hops[len(a.hops)-1]
}

// cookieDiff is a cookie that profile i treats differently from the
// acting profile on some hop.
type cookieDiff struct {
	withheld *browserjar.Decision // sent by the acting profile, not by profile i (its decision)
	extra    *browserjar.Decision // sent by profile i, not by the acting profile
	hopURL   *url.URL
	cross    bool // the hop is cross-site for profile i's engine
	tainted  bool // an earlier hop was cross-site for profile i's engine (redirect-taint)
}

// cookieDifference finds the first cookie of the first attempt that
// profile i would send differently.
func (d *diagnosis) cookieDifference(i int, a *diagAttempt, rules engines.Rules) (cookieDiff, bool) {
	if i == d.acting {
		return cookieDiff{}, false
	}
	var extra cookieDiff
	found := false
	for n, h := range a.hops {
		if i >= len(h.sentBy) {
			continue
		}
		mine := make(map[string]browserjar.Decision, len(h.sentBy[i]))
		for _, c := range h.sentBy[i] {
			mine[cookieKey(c)] = c
		}
		u, err := url.Parse(h.req.URL)
		if err != nil {
			continue
		}
		for _, c := range h.req.Cookies {
			other, ok := mine[cookieKey(c)]
			switch {
			case !ok:
			case c.Sent && !other.Sent:
				return cookieDiff{withheld: &other, hopURL: u, cross: d.crossSiteFor(rules, u),
					tainted: d.afterCrossSite(d.profiles[i], a, n)}, true
			case !c.Sent && other.Sent && !found:
				extra, found = cookieDiff{extra: &other, hopURL: u}, true
			}
		}
	}
	return extra, found
}

// withheldOutcome is the verdict for a browser that withholds a cookie the
// acting browser sent on a stream that opened.
func (d *diagnosis) withheldOutcome(p browser.Profile, c cookieDiff, acting browser.Profile) outcome {
	name := c.withheld.Name
	pageSite := site.RegistrableDomain(d.v.PageOrigin.Host)
	sameSiteFix := fmt.Sprintf("serve the stream from a host of the page's own site (%s): the cookie is then first-party, which every browser sends", pageSite)
	switch {
	case c.cross && p.ThirdPartyCookies != browser.Allow:
		return outcome{rule: RuleThirdPartyCookie,
			reason: fmt.Sprintf("the cookie %s is third-party here (%s is not on the page's site, %s), so it is not sent; %s sends it, and the server answered the stream with it",
				name, c.hopURL.Hostname(), pageSite, acting),
			fix: sameSiteFix}
	case c.cross:
		return outcome{rule: RuleCookie,
			reason: fmt.Sprintf("the cookie %s is not sent cross-site: %s; %s sends it, and the server answered the stream with it", name, c.withheld.Reason, acting),
			fix:    "set the cookie with `SameSite=None; Secure` (without SameSite, Chromium treats it as Lax), or " + sameSiteFix}
	case c.tainted:
		return outcome{rule: RuleCookie,
			reason: fmt.Sprintf("the cookie %s is not sent after a redirect through another site: %s; %s sends it, and the server answered the stream with it", name, c.withheld.Reason, acting),
			fix:    "point the page at the final URL, so that no redirect through another site precedes the stream's request"}
	}
	return outcome{rule: RuleCookie,
		reason: fmt.Sprintf("the cookie %s is not sent: %s; %s sends it, and the server answered the stream with it", name, c.withheld.Reason, acting),
		fix:    "make the stream's credential a cookie that every browser sends, such as a `SameSite=None; Secure` cookie of the page's own site"}
}

// verdicts judges every selected browser from the outcome of the
// requests, real.
func (d *diagnosis) verdicts(first *diagAttempt, real outcome) []BrowserVerdict {
	out := make([]BrowserVerdict, len(d.profiles))
	for i, p := range d.profiles {
		o := d.judge(i, first, real)
		v := BrowserVerdict{Browser: p.String(), Engine: p.Engine.String(), ThirdPartyCookies: p.ThirdPartyCookies.String(),
			Profile: p, Connects: o.connects, Observed: o.observed, Rule: o.rule, Reason: o.reason, Fix: o.fix}
		if v.Connects {
			v.Rule, v.Fix = "", ""
		}
		out[i] = v
	}
	return out
}

// browserGroup is browsers with the same verdict, for the text report.
type browserGroup struct {
	names []string
	v     BrowserVerdict
}

// groupVerdicts groups the verdicts with the same outcome, in the order
// of their first browser.
func groupVerdicts(vs []BrowserVerdict) []browserGroup {
	var groups []browserGroup
	for _, v := range vs {
		found := false
		for i := range groups {
			g := &groups[i]
			if g.v.Connects == v.Connects && g.v.Rule == v.Rule && g.v.Reason == v.Reason && g.v.Fix == v.Fix {
				g.names = append(g.names, v.Browser)
				found = true
				break
			}
		}
		if !found {
			groups = append(groups, browserGroup{names: []string{v.Browser}, v: v})
		}
	}
	return groups
}

// nameList joins names as prose: "A", "A and B", "A, B and C".
func nameList(names []string) string { return joinProse(names, " and ") }

// joinProse joins names with ", " and, before the last, last.
func joinProse(names []string, last string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + last + names[len(names)-1]
}

// browserLines renders the verdicts, grouped, one line per group, with the
// fix below a failing group.
func browserLines(vs []BrowserVerdict) []string {
	var lines []string
	for _, g := range groupVerdicts(vs) {
		line := strings.Join(g.names, " / ") + ": "
		if g.v.Connects {
			line += "yes"
		} else {
			line += "no"
		}
		if g.v.Reason != "" {
			line += " — " + g.v.Reason
		}
		if g.v.Rule != "" {
			line += " [" + string(g.v.Rule) + "]"
		}
		lines = append(lines, line)
		if g.v.Fix != "" {
			lines = append(lines, "     fix: "+g.v.Fix)
		}
	}
	return lines
}
