package browserjar

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ssecors/ssecors-go/internal/engines"
	"github.com/ssecors/ssecors-go/internal/jarhook"
	"github.com/ssecors/ssecors-go/internal/site"
	"github.com/ssecors/ssecors-go/ssecors/browser"
	"golang.org/x/net/publicsuffix"
)

// Policy is the third-party cookie setting of the jar's browser profile.
//
// Deprecated: use [browser.CookiePolicy]; Policy is an alias of it, kept so
// that code written for v0.1 compiles.
type Policy = browser.CookiePolicy

const (
	// Block is [browser.Block].
	//
	// Deprecated: use browser.Block, or the profile browser.ChromeIncognito.
	Block = browser.Block
	// Allow is [browser.Allow].
	//
	// Deprecated: use browser.Allow, or the profile browser.Chrome.
	Allow = browser.Allow
)

// Limits of the jar, as Chromium sets them.
const (
	cookieMaxNameValue   = 4096                 // name + value bytes
	cookieMaxAttrValue   = 1024                 // bytes of one attribute value
	cookieMaxAge         = 400 * 24 * time.Hour // cap on Expires and Max-Age
	cookieMaxPerDomain   = 180                  // per registrable domain and partition
	cookiePurgePerDomain = 150                  // kept after a per-domain purge
	cookieMaxTotal       = 3300                 // whole jar
	cookiePurgeTotal     = 3000                 // kept after a global purge
)

// cookieSameSite is a cookie's same-site flag. Unset covers both a missing
// SameSite attribute and an unrecognized value; Chromium enforces it as
// Lax, Gecko and WebKit as None.
type cookieSameSite uint8

const (
	sameSiteUnset cookieSameSite = iota
	sameSiteLax
	sameSiteStrict
	sameSiteNone
)

// Options configures [New]. A nil *Options, or a zero field, means the
// default.
type Options struct {
	// Now is the jar's clock, used for creation times and expiry. The
	// default is time.Now. Tests inject a fake clock here. The jar calls it
	// with its lock held, so it must not call back into the jar.
	Now func() time.Time

	// Browser is the browser whose cookie store the jar is: its engine's
	// cookie rules (the SameSite default, schemeful or schemeless
	// same-site, the redirect-taint, Partitioned cookies) and its
	// third-party cookie setting, applied by [Jar.CookiesFor] and
	// [Jar.SetCookiesFrom]. The default, the zero Profile, is
	// [browser.ChromeIncognito] (also Debian's Chromium): Chromium's rules,
	// third-party cookies blocked except Partitioned ones. Use
	// [browser.Chrome] for a regular Google Chrome profile,
	// [browser.Firefox] (Total Cookie Protection) or [browser.Safari]
	// (no cookie cross-site) for the others. The package doc lists each
	// engine's rules.
	Browser browser.Profile
}

// Jar is a cookie jar that behaves like a browser's: the cookie store of
// the browser profile given in [Options].Browser (Chrome Incognito by
// default), with its engine's cookie rules and its third-party cookie
// setting, as RFC 6265bis, Fetch and the measurements of ENGINES.md
// describe them. It enforces what net/http/cookiejar does not: SameSite
// (Strict, Lax, None, and unset, which Chromium treats as Lax and Gecko
// and WebKit as None) judged by site with the public suffix list
// (schemeful in Chromium only), the redirect-taint (Gecko, WebKit), Secure
// (sent and set only over https or to a loopback host, such as
// http://localhost, which browsers treat as secure), the __Secure-,
// __Host-, __Http- and __Host-Http- name prefixes, Partitioned cookies
// (CHIPS) keyed by the top-level site (WebKit ignores the attribute), the
// third-party cookie policy (blocked, allowed, partitioned as Firefox's
// Total Cookie Protection does, or all blocked as Safari's Intelligent
// Tracking Prevention does), and Chromium's limits: at most 4096 bytes of
// name and value per cookie, lifetimes capped at 400 days, 180 cookies per
// registrable domain and 3300 in all (the least recently used non-Secure
// cookies are evicted first).
//
// Through the [http.CookieJar] methods, SetCookies and Cookies, the jar
// acts as the address bar: the URL is a first-party, top-level request, so
// it can serve as an [http.Client]'s Jar. [Jar.CookiesFor] and
// [Jar.SetCookiesFrom] instead judge a subresource [Request] made by a page,
// such as an EventSource's, and explain every cookie with a [Decision].
//
// Cookies are not tied to a port, and a cookie without Secure set over
// https is also sent over http, as in a browser. Expired cookies are
// removed lazily, when the jar is next used. Cookies live as long as the
// Jar: nothing is persisted.
//
// Create a Jar with [New]; the zero Jar is not usable. A Jar is safe for
// concurrent use by multiple goroutines and may be shared by several
// clients, as one browser profile is shared by its pages.
type Jar struct {
	profile browser.Profile
	rules   engines.Rules
	*store  // shared by the views jarhook.WithBrowser returns
}

// store is the cookies of a Jar.
type store struct {
	now func() time.Time

	mu      sync.Mutex
	seq     uint64 // creation order, to break ties between equal times
	cookies map[jarKey]*jarCookie
}

var _ http.CookieJar = (*Jar)(nil)

// New returns an empty browser-like cookie jar, the counterpart of a fresh
// browser profile's cookie store. o may be nil for the defaults. An engine
// or third-party cookie policy that is not one of the package browser's
// constants is treated as Chromium or Block.
func New(o *Options) *Jar {
	j := &Jar{store: &store{now: time.Now, cookies: make(map[jarKey]*jarCookie)}}
	var p browser.Profile
	if o != nil {
		if o.Now != nil {
			j.now = o.Now
		}
		p = o.Browser
	}
	j.setProfile(p)
	return j
}

func (j *Jar) setProfile(p browser.Profile) {
	switch p.Engine {
	case browser.Chromium, browser.Gecko, browser.WebKit:
	default:
		p.Engine = browser.Chromium
	}
	switch p.ThirdPartyCookies {
	case browser.Block, browser.Allow, browser.Partition, browser.BlockAll:
	default:
		p.ThirdPartyCookies = browser.Block
	}
	j.profile, j.rules = p, engines.For(p)
}

func init() {
	jarhook.WithBrowser = func(jar any, p browser.Profile) any {
		v := &Jar{store: jar.(*Jar).store}
		v.setProfile(p)
		return v
	}
}

// Browser returns the browser profile whose rules the jar applies, set by
// [Options].Browser.
func (j *Jar) Browser() browser.Profile { return j.profile }

// ThirdPartyCookies returns the third-party cookie setting of the jar's
// browser profile.
func (j *Jar) ThirdPartyCookies() browser.CookiePolicy { return j.profile.ThirdPartyCookies }

// jarKey identifies a stored cookie: a new cookie with the same key
// replaces the old one. As in Chromium, a host-only cookie and a Domain
// cookie for the same host are different cookies, and so are cookies in
// different partitions.
type jarKey struct {
	name      string
	domain    string
	hostOnly  bool
	path      string
	partition string // top-level site, "" when unpartitioned
}

// jarCookie is one stored cookie.
type jarCookie struct {
	jarKey
	group      string // registrable domain of domain, for the limits
	value      string
	secure     bool
	httpOnly   bool
	sameSite   cookieSameSite
	chips      bool      // in a partition because of its Partitioned attribute
	expires    time.Time // zero for a session cookie
	created    time.Time
	seq        uint64
	lastAccess time.Time
}

func (c *jarCookie) expired(now time.Time) bool {
	return !c.expires.IsZero() && !c.expires.After(now)
}

// displayDomain is the Domain of a cookie as browsers' developer tools show
// it: the bare host for a host-only cookie, a leading dot for a Domain
// cookie.
func displayDomain(domain string, hostOnly bool) string {
	if hostOnly {
		return domain
	}
	return "." + domain
}

// Decision explains, for one cookie, why the jar sent or withheld it on a
// request, or stored or rejected it from a response, so that a missing
// cookie can be explained without a browser's developer tools.
// [Jar.CookiesFor] and [Jar.SetCookiesFrom] return them.
type Decision struct {
	// Name is the cookie's name; it may be empty for a nameless cookie or a
	// Set-Cookie header that could not be parsed.
	Name string
	// Domain is the cookie's domain: the bare host for a host-only cookie,
	// or the domain with a leading dot for a Domain cookie.
	Domain string
	// Path is the cookie's path.
	Path string
	// Partitioned reports whether the cookie is kept in a partition, keyed
	// by a top-level site: a Partitioned (CHIPS) cookie, or a cookie that
	// Firefox's Total Cookie Protection ([browser.Partition]) stored from
	// a cross-site response. It is a fact of the stored cookie, the same
	// in every profile's view of it; an engine that ignores the
	// Partitioned attribute (WebKit) never stores a cookie partitioned
	// because of it, and sends one that another engine stored as an
	// ordinary cookie, which the Reason says.
	Partitioned bool
	// Sent reports, for a request, whether the cookie was sent.
	Sent bool
	// Stored reports, for a response, whether the cookie is now in the jar.
	// It is false for a cookie that arrived already expired, which deletes
	// a stored cookie with the same name, domain and path.
	Stored bool
	// Reason says why, in a short sentence that names the rule and, where
	// one exists, the fix. It is never empty and never contains the
	// cookie's value.
	Reason string
}

// cookieRequest is a [Request] as the jar's rules see it, with the policy
// to apply.
type cookieRequest struct {
	// url is the hop's URL (the current URL after redirects).
	url *url.URL
	// topLevel is the page's origin, whose site is the top-level site for
	// cookies. An opaque origin means a plain client: url's own origin is
	// the top level.
	topLevel site.Origin
	// credentials reports whether the hop includes credentials (a
	// same-origin request, or withCredentials). Without them, nothing is
	// sent or stored.
	credentials bool
	// crossSiteRedirect reports that the request's redirect-taint is
	// "cross-site" (Fetch "determine the same-site mode" step 5, rule 4.9):
	// on a same-site hop the retrieval mode is layered cookies'
	// "unset-or-less", so Strict and Lax cookies are not sent while unset
	// and None ones are, and no Strict or Lax cookie may be stored
	// (sameSiteStrictOrLaxAllowed is false; a cookie without SameSite is
	// stored only where the engine treats it as None). A cross-site hop is
	// already stricter. Request.internal sets it only for the engines
	// that apply the taint (Gecko, WebKit): Chromium keeps it behind the
	// CookieSameSiteConsidersRedirectChain feature, disabled by default,
	// so a stock Chromium ignores the redirect chain for subresources.
	crossSiteRedirect bool
	// thirdParty is the third-party cookie policy. The engine's rules
	// are the jar's.
	thirdParty Policy
	// nestedCrossSite reports that the client is a document nested in a
	// cross-site frame (rule 4.2): its "site for cookies" is opaque, so
	// every hop is cross-site, same-origin ones included. Partitioned
	// cookies are then keyed by topLevel's site with Chromium's cross-site
	// ancestor bit, a partition that first-party cookies never share.
	// Set it together with topLevel = the frame's origin; an opaque
	// topLevel alone means a plain client, not a nested frame.
	nestedCrossSite bool
}

// cookieContext is a cookieRequest resolved against the URL and the jar's
// engine rules: what every per-cookie rule needs.
type cookieContext struct {
	ok          bool // url is an http(s) URL with a host
	host        string
	isIP        bool
	secure      bool   // https, or a loopback host
	path        string // request path, for matching
	crossSite   bool   // url's site differs from the top-level site, by the engine's rule
	tainted     bool   // cross-site redirect-taint on a same-site hop
	credentials bool
	thirdParty  Policy
	partition   string // the top-level site, serialized (always schemeful)
	// schemeOnly reports that url and the top-level origin have the same
	// registrable domain but different schemes: cross-site for an engine
	// with schemeful same-site (Chromium), same-site for the others.
	schemeOnly bool
	// topLevel is the top-level origin, serialized, for the reasons.
	topLevel string
	// rules are the engine's rules; name is the browser's name for the
	// reasons.
	rules engines.Rules
	name  string
}

func (j *Jar) resolveCookieContext(r cookieRequest) cookieContext {
	if r.url == nil {
		return cookieContext{}
	}
	uo := site.OriginOf(r.url)
	if uo.Opaque() {
		return cookieContext{}
	}
	top := r.topLevel
	if top.Opaque() {
		top = uo
	}
	// Same-site is schemeful in Chromium only; Gecko and WebKit compare
	// registrable domains (ENGINES.md, case "cookies: http page to https
	// same domain, cred").
	sameDomain := site.RegistrableDomain(uo.Host) == site.RegistrableDomain(top.Host)
	schemeOnly := sameDomain && uo.Scheme != top.Scheme
	cross := !j.rules.SameSite(uo, top)
	// The partition key stays schemeful in every engine that partitions:
	// Firefox, which judges SameSite without the scheme, does not send a
	// Partitioned cookie set under https://example.test to a request from
	// an http://app.example.test page (same case), so its partition keys
	// keep the scheme, as Chromium's do.
	partition := site.SiteOf(top).String()
	if r.nestedCrossSite {
		cross = true
		partition += " (cross-site ancestor)"
	}
	return cookieContext{
		ok:          true,
		host:        uo.Host,
		isIP:        net.ParseIP(uo.Host) != nil,
		secure:      uo.Secure(),
		path:        cookieRequestPath(r.url),
		crossSite:   cross,
		tainted:     r.crossSiteRedirect && !cross,
		credentials: r.credentials,
		thirdParty:  r.thirdParty,
		partition:   partition,
		schemeOnly:  schemeOnly,
		topLevel:    top.String(),
		rules:       j.rules,
		name:        browserName(j.profile),
	}
}

// browserName is what the reasons call the jar's browser: the profile's
// String, except that an unnamed profile with the engine and policy of a
// named one (the zero Profile is Chrome Incognito's) takes its name.
func browserName(p browser.Profile) string {
	if p.Name == "" {
		for _, named := range browser.Profiles() {
			if named.Engine == p.Engine && named.ThirdPartyCookies == p.ThirdPartyCookies {
				return named.Name
			}
		}
	}
	return p.String()
}

// firstParty is the context of the http.CookieJar methods: u as a
// top-level, first-party request.
func firstParty(u *url.URL) cookieRequest {
	return cookieRequest{url: u, credentials: true, thirdParty: Allow}
}

// SetCookies stores cookies received in a response from u, as if u had
// been loaded in the address bar: a first-party, top-level request, where
// SameSite never rejects anything and Partitioned cookies are keyed by u's
// own site. All the other browser rules apply (Secure only from https or a
// loopback host, Domain checks, prefixes, size); a cookie that breaks one is
// silently dropped. A cookie with MaxAge < 0, or an Expires in the past,
// deletes the matching stored cookie. Use it to prime the jar, for example
// with a session cookie obtained by logging in. It implements
// [http.CookieJar].
func (j *Jar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	ctx := j.resolveCookieContext(firstParty(u))
	if !ctx.ok {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()
	for _, c := range cookies {
		if c == nil {
			continue
		}
		pc, reason := setCookieFromHTTP(c)
		if reason != "" {
			continue
		}
		j.storeLocked(ctx, pc, now)
	}
}

// Cookies returns the cookies a browser would send to u if u were loaded in
// the address bar (a first-party, top-level request): every stored cookie
// whose domain, path and Secure flag match u, including partitioned cookies
// of u's own site (never those kept under another top-level site, such as
// cookies Total Cookie Protection stored from u's responses to another
// site's pages), whatever their SameSite. Only Name and Value are set, in
// the browser's order: longer paths first, then earlier creation. It
// implements [http.CookieJar].
func (j *Jar) Cookies(u *url.URL) []*http.Cookie {
	send, _ := j.cookiesFor(firstParty(u))
	return send
}

// Request describes, for [Jar.CookiesFor] and [Jar.SetCookiesFrom], one
// subresource request made by a page, such as one hop of an EventSource's
// request (each redirect is a new Request for the new URL). The zero
// TopLevel and NestedFrame describe a plain client: a first-party,
// top-level request to URL.
type Request struct {
	// URL is the request's URL (the current URL after redirects). A URL
	// that is not http or https with a host sends and stores nothing.
	URL *url.URL
	// TopLevel is the origin of the top-level page, serialized
	// ("https://app.example.com"); its schemeful site is the top-level
	// site that decides whether the request is cross-site and which
	// partition Partitioned cookies belong to. "" (or "null", an opaque
	// origin) means URL's own origin: a first-party request. A value that
	// is not a serialized http(s) origin makes the jar send and store
	// nothing.
	TopLevel string
	// NestedFrame reports that the page is a document nested in a
	// cross-site frame: its "site for cookies" is opaque, so every request
	// is cross-site, same-origin ones included, and Partitioned cookies go
	// to a partition of TopLevel's site that first-party cookies never
	// share (Chromium's cross-site ancestor bit). Set TopLevel to the
	// frame's origin with it.
	NestedFrame bool
	// Credentials reports whether the request includes credentials: a
	// same-origin request, or a cross-origin one with withCredentials set
	// (Fetch credentials mode "include"). Without them nothing is sent or
	// stored.
	Credentials bool
	// CrossSiteRedirect reports that an earlier URL of the request's
	// redirect chain was not same-site with TopLevel (Fetch's
	// "redirect-taint"), by the engine's own same-site rule (schemeless
	// in Gecko and WebKit). Engines that apply it (Gecko, WebKit) then
	// send no Lax or Strict cookie on the request, even to a same-site
	// URL, and store none from its response (Fetch's "parse and store
	// response Set-Cookie headers" forbids Strict and Lax cookies in
	// that same-site mode); Chromium ignores it.
	CrossSiteRedirect bool
}

// internal resolves r for j's rules: the profile's third-party cookie
// policy, and the redirect-taint where the engine applies it. ok is false
// when TopLevel is not a serialized origin.
func (r Request) internal(j *Jar) (cr cookieRequest, ok bool) {
	cr = cookieRequest{
		url:             r.URL,
		credentials:     r.Credentials,
		nestedCrossSite: r.NestedFrame,
		thirdParty:      j.profile.ThirdPartyCookies,
		// Gecko and WebKit apply Fetch's redirect-taint to cookies (case
		// "cookies: cross-site redirect taint, cred"); Chromium keeps it
		// behind CookieSameSiteConsidersRedirectChain, off by default, and
		// ignores the chain.
		crossSiteRedirect: r.CrossSiteRedirect && j.rules.RedirectTaint,
	}
	if r.TopLevel != "" {
		top, err := site.ParseOrigin(r.TopLevel)
		if err != nil {
			return cr, false
		}
		cr.topLevel = top
	}
	return cr, true
}

// CookiesFor returns the cookies the jar's browser sends on r, under its
// engine's rules and third-party cookie setting, Name and Value only, in
// browser order (longer path first, then earlier creation), and a
// Decision for every stored cookie whose domain matches r.URL's host, in
// the same order, sent or not. Serialize the cookies with [CookieHeader].
// Sent cookies count as accessed for the jar's eviction order.
func (j *Jar) CookiesFor(r Request) (send []*http.Cookie, decisions []Decision) {
	cr, ok := r.internal(j)
	if !ok {
		return nil, nil
	}
	return j.cookiesFor(cr)
}

// SetCookiesFrom processes the raw Set-Cookie header lines of the response
// to r (resp.Header.Values("Set-Cookie")), as the jar's browser does
// whatever the response's CORS check then says, and returns one Decision
// per line, in order: stored (in a partition, where the cookie is
// Partitioned or the profile's policy is [browser.Partition] and r is
// cross-site), or rejected and why.
func (j *Jar) SetCookiesFrom(r Request, setCookie []string) []Decision {
	cr, ok := r.internal(j)
	if !ok {
		if len(setCookie) == 0 {
			return nil
		}
		ds := make([]Decision, len(setCookie))
		for i := range ds {
			ds[i].Reason = fmt.Sprintf("Request.TopLevel %q is not a serialized http or https origin, so the response's cookies are ignored", r.TopLevel)
		}
		return ds
	}
	return j.storeFrom(cr, setCookie)
}

// All returns copies of every unexpired stored cookie with its attributes:
// Name, Value, Domain (the bare host for a host-only cookie, a leading dot
// for a Domain cookie), Path, Secure, HttpOnly, SameSite (0 when unset or
// unrecognized, which Chromium enforces as Lax and Gecko and WebKit as
// None), Partitioned and Expires (zero for a session cookie). Partitioned
// is true for every cookie kept in a partition: a Partitioned (CHIPS)
// cookie, or one Total Cookie Protection stored from a cross-site response
// (as Firefox's storage shows it); the partition key is not shown. They
// are sorted by domain, path, name and creation.
func (j *Jar) All() []*http.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()
	list := make([]*jarCookie, 0, len(j.cookies))
	for k, c := range j.cookies {
		if c.expired(now) {
			delete(j.cookies, k)
			continue
		}
		list = append(list, c)
	}
	sort.Slice(list, func(a, b int) bool {
		x, y := list[a], list[b]
		switch {
		case x.domain != y.domain:
			return x.domain < y.domain
		case x.hostOnly != y.hostOnly:
			return x.hostOnly
		case x.path != y.path:
			return x.path < y.path
		case x.name != y.name:
			return x.name < y.name
		case x.partition != y.partition:
			return x.partition < y.partition
		}
		return x.seq < y.seq
	})
	out := make([]*http.Cookie, len(list))
	for i, c := range list {
		hc := &http.Cookie{
			Name:        c.name,
			Value:       c.value,
			Domain:      displayDomain(c.domain, c.hostOnly),
			Path:        c.path,
			Secure:      c.secure,
			HttpOnly:    c.httpOnly,
			Partitioned: c.partition != "",
		}
		if !c.expires.IsZero() {
			hc.Expires = c.expires.UTC()
		}
		switch c.sameSite {
		case sameSiteLax:
			hc.SameSite = http.SameSiteLaxMode
		case sameSiteStrict:
			hc.SameSite = http.SameSiteStrictMode
		case sameSiteNone:
			hc.SameSite = http.SameSiteNoneMode
		}
		out[i] = hc
	}
	return out
}

// CookieHeader serializes cookies for a Cookie request header as a
// browser does ("Serialize Cookies"): "name=value" pairs joined by "; ",
// just the value for a nameless cookie, values verbatim (quotes included).
// Use it rather than http.Request.AddCookie, which rewrites values that
// contain quotes or spaces.
func CookieHeader(cookies []*http.Cookie) string {
	var b strings.Builder
	for _, c := range cookies {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		if c.Name != "" {
			b.WriteString(c.Name)
			b.WriteByte('=')
		}
		b.WriteString(c.Value)
	}
	return b.String()
}

// credentialsReason explains why a hop without credentials neither sends
// nor stores cookies. The diagnosis quotes it.
const credentialsReason = jarhook.CredentialsReason

// cookiesFor returns the cookies to send on one hop, Name and Value only,
// in browser order (longer path first, then earlier creation), and a
// decision for every stored cookie whose domain matches the hop's host, in
// the same order.
func (j *Jar) cookiesFor(r cookieRequest) (send []*http.Cookie, decisions []Decision) {
	ctx := j.resolveCookieContext(r)
	if !ctx.ok {
		return nil, nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()

	var candidates []*jarCookie
	for k, c := range j.cookies {
		if !cookieHostMatch(c, ctx.host) {
			continue
		}
		if c.expired(now) {
			delete(j.cookies, k)
			decisions = append(decisions, Decision{
				Name: c.name, Domain: displayDomain(c.domain, c.hostOnly), Path: c.path,
				Partitioned: c.partition != "",
				Reason:      "expired at " + c.expires.UTC().Format(time.RFC3339) + ", removed from the jar",
			})
			continue
		}
		candidates = append(candidates, c)
	}
	sort.Slice(decisions, func(a, b int) bool {
		x, y := decisions[a], decisions[b]
		if x.Domain != y.Domain {
			return x.Domain < y.Domain
		}
		if x.Path != y.Path {
			return x.Path < y.Path
		}
		return x.Name < y.Name
	})
	sortBrowserOrder(candidates)
	for _, c := range candidates {
		sent, reason := retrievalDecision(ctx, c)
		decisions = append(decisions, Decision{
			Name: c.name, Domain: displayDomain(c.domain, c.hostOnly), Path: c.path,
			Partitioned: c.partition != "", Sent: sent, Reason: reason,
		})
		if sent {
			c.lastAccess = now
			send = append(send, &http.Cookie{Name: c.name, Value: c.value})
		}
	}
	return send, decisions
}

// sortBrowserOrder sorts cookies as a Cookie header lists them: longer
// paths first, then earlier creation.
func sortBrowserOrder(list []*jarCookie) {
	sort.Slice(list, func(a, b int) bool {
		x, y := list[a], list[b]
		if len(x.path) != len(y.path) {
			return len(x.path) > len(y.path)
		}
		if !x.created.Equal(y.created) {
			return x.created.Before(y.created)
		}
		return x.seq < y.seq
	})
}

// partitionFor returns the partition c is kept in as rules see it: an
// engine that ignores the Partitioned attribute (WebKit) treats a cookie
// partitioned only because of that attribute as an ordinary one. A
// partition that comes from the third-party policy (Total Cookie
// Protection) stays.
func (c *jarCookie) partitionFor(rules engines.Rules) string {
	if c.chips && !rules.Partitioned {
		return ""
	}
	return c.partition
}

// schemeNote explains, on a cross-site verdict, a request that is
// cross-site only because of the scheme, which an engine with schemeful
// same-site (Chromium) counts.
func (ctx cookieContext) schemeNote() string {
	if !ctx.schemeOnly || !ctx.rules.SchemefulSite {
		return ""
	}
	return fmt.Sprintf("; the request is cross-site only because its scheme differs from the page's %s: %s compares sites with their scheme (schemeful same-site), so serve the page and the stream both over https", ctx.topLevel, ctx.name)
}

// retrievalDecision decides whether c, which matches the host, is sent on
// the request described by ctx, under ctx's engine rules and third-party
// policy.
func retrievalDecision(ctx cookieContext, c *jarCookie) (bool, string) {
	if !ctx.credentials {
		return false, credentialsReason
	}
	if !cookiePathMatch(ctx.path, c.path) {
		return false, fmt.Sprintf("Path=%s does not path-match the request path %s", c.path, ctx.path)
	}
	part := c.partitionFor(ctx.rules)
	if part != "" && part != ctx.partition {
		why := "a Partitioned cookie"
		if !c.chips {
			why = "a cookie set by a cross-site response under Total Cookie Protection"
		}
		return false, fmt.Sprintf("%s keeps this cookie (%s) in the partition of top-level site %s; this request's top-level site is %s, and a partitioned cookie is sent only under the top-level site that stored it (fix: set the cookie from a response to a request made by a page of %s, or, for a cookie set by a top-level visit, drop Partitioned)", ctx.name, why, part, ctx.partition, ctx.partition)
	}
	if c.secure && !ctx.secure {
		return false, "Secure cookie is sent only over https (or to a loopback host such as localhost); this request uses http"
	}
	ignored := ""
	if c.chips && !ctx.rules.Partitioned {
		ignored = fmt.Sprintf("; %s ignores the Partitioned attribute, so it is an ordinary cookie", ctx.name)
	}
	if ctx.crossSite {
		switch ctx.thirdParty {
		case browser.BlockAll:
			return false, fmt.Sprintf("%s blocks every cookie on a cross-site request, partitioned or not (Intelligent Tracking Prevention): %s is not same-site with the page %s, so nothing is sent (fix: serve the stream from the page's site, such as a subdomain of it)%s", ctx.name, ctx.host, ctx.topLevel, ctx.schemeNote())
		case browser.Partition:
			if part == "" {
				return false, fmt.Sprintf("%s keeps third-party cookies per top-level site (Total Cookie Protection): this cookie was set by a top-level visit or a same-site request, so a cross-site request from %s does not send it (fix: serve the stream from the page's site, or set it from a cross-site response so it lands in this partition)%s", ctx.name, ctx.topLevel, ctx.schemeNote())
			}
		case browser.Allow:
		default:
			if part == "" && !ctx.rules.Partitioned {
				return false, fmt.Sprintf("third-party cookies are blocked in %s, which ignores the Partitioned attribute: no cookie goes on a cross-site request (fix: serve the stream from the page's site, or allow third-party cookies)%s", ctx.name, ctx.schemeNote())
			}
			if part == "" {
				return false, fmt.Sprintf("third-party cookies are blocked in %s: a cross-site request sends only Partitioned cookies (fix: make the cookie `SameSite=None; Secure; Partitioned` and set it from a cross-site response, serve the stream from the page's site, or allow third-party cookies)%s", ctx.name, ctx.schemeNote())
			}
		}
		switch c.sameSite {
		case sameSiteStrict:
			return false, fmt.Sprintf("SameSite=Strict is not sent on a cross-site request (in %s, as in every browser); only `SameSite=None; Secure` cookies go cross-site%s", ctx.name, ctx.schemeNote())
		case sameSiteLax:
			return false, fmt.Sprintf("SameSite=Lax is not sent on a cross-site subresource request (in %s, as in every browser); set `SameSite=None; Secure` to send it cross-site%s", ctx.name, ctx.schemeNote())
		case sameSiteUnset:
			if ctx.rules.UnsetSameSiteIsLax {
				return false, fmt.Sprintf("SameSite unset (or unrecognized), which %s treats as Lax, is not sent on a cross-site subresource request; set `SameSite=None; Secure` to send it cross-site%s", ctx.name, ctx.schemeNote())
			}
		}
		if part != "" {
			return true, fmt.Sprintf("sent: %s keeps this cookie in the partition of top-level site %s and sends it on a cross-site request from a page of that site", ctx.name, part)
		}
		if c.sameSite == sameSiteUnset {
			return true, fmt.Sprintf("sent: cookie without a valid SameSite attribute, which %s treats as SameSite=None, on a cross-site request (third-party cookies allowed); Chromium treats it as Lax and would not send it, so set `SameSite=None; Secure` for every browser", ctx.name)
		}
		return true, fmt.Sprintf("sent: `SameSite=None; Secure` cookie on a cross-site request (third-party cookies allowed in %s)%s", ctx.name, ignored)
	}
	if ctx.tainted && ctx.thirdParty == browser.BlockAll {
		// Measured in WebKitGTK with ITP (PARITY.md "cookies: cross-site
		// redirect taint, cred"): the same-site request after a cross-site
		// hop sends no cookie at all.
		return false, fmt.Sprintf("%s sends no cookie on a request whose redirect chain went through another site, even to a same-site URL (Intelligent Tracking Prevention treats it as third-party) (fix: point the EventSource at the final URL so that no cross-site redirect happens)", ctx.name)
	}
	if ctx.tainted {
		switch c.sameSite {
		case sameSiteStrict, sameSiteLax:
			return false, fmt.Sprintf("SameSite=%s is not sent after a cross-site redirect, even though this hop is same-site: %s applies Fetch's redirect-taint, so a request whose redirect chain went through another site sends no Lax or Strict cookie (fix: point the EventSource at the final URL so that no cross-site redirect happens, or use `SameSite=None; Secure`)", sameSiteName(c.sameSite), ctx.name)
		}
		return true, fmt.Sprintf("sent: same-site hop after a cross-site redirect: the redirect-taint %s applies still lets unset and None cookies through (layered cookies \"unset-or-less\")%s", ctx.name, ignored)
	}
	schemeless := ""
	if ctx.schemeOnly {
		schemeless = fmt.Sprintf(" (%s compares sites without the scheme, so the page %s and this request are same-site; Chromium would treat the request as cross-site)", ctx.name, ctx.topLevel)
	}
	if part != "" {
		return true, "sent: Partitioned cookie of this top-level site on a same-site request" + schemeless
	}
	return true, "sent: same-site request" + schemeless + ignored
}

// sameSiteName is the attribute value of a cookie's SameSite flag.
func sameSiteName(s cookieSameSite) string {
	switch s {
	case sameSiteStrict:
		return "Strict"
	case sameSiteLax:
		return "Lax"
	case sameSiteNone:
		return "None"
	}
	return "unset"
}

// storeFrom processes the raw Set-Cookie header lines of one hop's
// response and returns one decision per line, in order.
func (j *Jar) storeFrom(r cookieRequest, setCookie []string) []Decision {
	if len(setCookie) == 0 {
		return nil
	}
	ctx := j.resolveCookieContext(r)
	decisions := make([]Decision, 0, len(setCookie))
	if !ctx.ok {
		for range setCookie {
			decisions = append(decisions, Decision{Reason: "the response URL is not an http or https URL with a host, so its cookies are ignored"})
		}
		return decisions
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()
	for _, line := range setCookie {
		pc, reason := parseSetCookieLine(line)
		if !ctx.credentials {
			decisions = append(decisions, Decision{
				Name: pc.name, Domain: ctx.host, Partitioned: pc.partitioned,
				Reason: credentialsReason,
			})
			continue
		}
		if reason != "" {
			decisions = append(decisions, Decision{Name: pc.name, Domain: ctx.host, Reason: reason})
			continue
		}
		decisions = append(decisions, j.storeLocked(ctx, pc, now))
	}
	return decisions
}

// parsedCookie is a Set-Cookie header after parsing, before the storage
// rules.
type parsedCookie struct {
	name, value string
	domain      string // Domain attribute, lowercased, leading dot removed
	hasDomain   bool   // a non-empty Domain attribute was given
	path        string // Path attribute, as given (last one)
	hasPath     bool
	expires     time.Time
	hasExpires  bool
	maxAge      int64 // seconds; <= 0 deletes
	hasMaxAge   bool
	secure      bool
	httpOnly    bool
	partitioned bool
	sameSite    cookieSameSite
}

// cookieCTL reports whether b is a control byte other than HTAB, which
// makes a whole Set-Cookie header invalid.
func cookieCTL(b byte) bool {
	return b <= 0x08 || (b >= 0x0a && b <= 0x1f) || b == 0x7f
}

func trimWSP(s string) string {
	return strings.Trim(s, " \t")
}

// parseSetCookieLine parses one Set-Cookie header value as RFC 6265bis
// "Parse a Cookie" and Chromium do. It returns a non-empty reason when the
// header is rejected.
func parseSetCookieLine(line string) (parsedCookie, string) {
	var pc parsedCookie
	nameValue, attrs, _ := strings.Cut(line, ";")
	if name, value, ok := strings.Cut(nameValue, "="); ok {
		pc.name, pc.value = trimWSP(name), trimWSP(value)
	} else {
		pc.value = trimWSP(nameValue)
	}
	for i := 0; i < len(line); i++ {
		if cookieCTL(line[i]) {
			return pc, "Set-Cookie contains a control character (such as CR, LF or NUL), so the browser ignores the whole header"
		}
	}
	if pc.name == "" && pc.value == "" {
		return pc, "Set-Cookie has neither a name nor a value, so it is ignored"
	}
	if len(pc.name)+len(pc.value) > cookieMaxNameValue {
		return pc, fmt.Sprintf("cookie name and value are %d bytes, more than the %d-byte limit browsers enforce", len(pc.name)+len(pc.value), cookieMaxNameValue)
	}
	hasAttrs := strings.Contains(line, ";")
	for hasAttrs {
		var av string
		av, attrs, hasAttrs = strings.Cut(attrs, ";")
		an, val, _ := strings.Cut(av, "=")
		an, val = trimWSP(an), trimWSP(val)
		if len(val) > cookieMaxAttrValue {
			continue
		}
		switch strings.ToLower(an) {
		case "expires":
			if t, ok := parseCookieDate(val); ok {
				pc.expires, pc.hasExpires = t, true
			}
		case "max-age":
			if n, ok := parseMaxAge(val); ok {
				pc.maxAge, pc.hasMaxAge = n, true
			}
		case "domain":
			d := strings.ToLower(val)
			d = strings.TrimPrefix(d, ".")
			if val == "" {
				// Chromium treats an empty Domain as no Domain.
				pc.domain, pc.hasDomain = "", false
			} else {
				pc.domain, pc.hasDomain = d, true
			}
		case "path":
			pc.path, pc.hasPath = val, true
		case "secure":
			pc.secure = true
		case "httponly":
			pc.httpOnly = true
		case "partitioned":
			pc.partitioned = true
		case "samesite":
			switch strings.ToLower(val) {
			case "strict":
				pc.sameSite = sameSiteStrict
			case "lax":
				pc.sameSite = sameSiteLax
			case "none":
				pc.sameSite = sameSiteNone
			default:
				pc.sameSite = sameSiteUnset
			}
		}
	}
	return pc, ""
}

// parseMaxAge parses a Max-Age value: an optional "-" and digits. Values
// too large for int64 saturate.
func parseMaxAge(v string) (int64, bool) {
	digits := strings.TrimPrefix(v, "-")
	if digits == "" {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	if len(digits) != len(v) {
		return 0, true // negative: delete
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return int64(cookieMaxAge / time.Second), true // out of range: capped anyway
	}
	return n, true
}

// setCookieFromHTTP converts a cookie given to SetCookies into a
// parsedCookie, checking what a Set-Cookie header could not have carried.
func setCookieFromHTTP(c *http.Cookie) (parsedCookie, string) {
	pc := parsedCookie{
		name:        c.Name,
		value:       c.Value,
		secure:      c.Secure,
		httpOnly:    c.HttpOnly,
		partitioned: c.Partitioned,
	}
	if c.Quoted {
		pc.value = `"` + pc.value + `"`
	}
	if strings.ContainsAny(pc.name, ";=") || strings.Contains(pc.value, ";") ||
		strings.IndexFunc(pc.name+pc.value, func(r rune) bool { return r < 0x80 && cookieCTL(byte(r)) }) >= 0 {
		return pc, "invalid character in cookie name or value"
	}
	if pc.name == "" && pc.value == "" {
		return pc, "cookie has neither a name nor a value"
	}
	if len(pc.name)+len(pc.value) > cookieMaxNameValue {
		return pc, "cookie name and value exceed 4096 bytes"
	}
	if c.Domain != "" {
		pc.domain, pc.hasDomain = strings.TrimPrefix(strings.ToLower(c.Domain), "."), true
	}
	if c.Path != "" {
		pc.path, pc.hasPath = c.Path, true
	}
	switch {
	case c.MaxAge > 0:
		pc.maxAge, pc.hasMaxAge = int64(c.MaxAge), true
	case c.MaxAge < 0:
		pc.maxAge, pc.hasMaxAge = 0, true
	}
	if !c.Expires.IsZero() {
		pc.expires, pc.hasExpires = c.Expires, true
	}
	switch c.SameSite {
	case http.SameSiteLaxMode:
		pc.sameSite = sameSiteLax
	case http.SameSiteStrictMode:
		pc.sameSite = sameSiteStrict
	case http.SameSiteNoneMode:
		pc.sameSite = sameSiteNone
	}
	return pc, ""
}

// validCookieDomain reports whether d, a Domain attribute without its
// leading dot, can name a host: ASCII letters, digits, '-', '_' and '.',
// or an IP address (IPv6 in brackets or not).
func validCookieDomain(d string) bool {
	if d == "" || d == "." {
		return false
	}
	if net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(d, "["), "]")) != nil {
		return true
	}
	for i := 0; i < len(d); i++ {
		b := d[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.') {
			return false
		}
	}
	return true
}

// cookieIsPublicSuffix reports whether d is itself a public suffix, from
// the ICANN or the private section of the list (github.io, co.uk, and any
// unlisted top-level name such as "test").
func cookieIsPublicSuffix(d string) bool {
	ps, _ := publicsuffix.PublicSuffix(d)
	return ps == d
}

// cookieDomainMatch reports whether host domain-matches domain: equal, or
// a name (not an IP address) ending in "." + domain.
func cookieDomainMatch(host, domain string) bool {
	if host == domain {
		return true
	}
	return net.ParseIP(host) == nil && strings.HasSuffix(host, "."+domain)
}

func cookieHostMatch(c *jarCookie, host string) bool {
	if c.hostOnly {
		return host == c.domain
	}
	return cookieDomainMatch(host, c.domain)
}

// cookieRequestPath is the path the cookie rules compare: the URL's path,
// "/" when empty.
func cookieRequestPath(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	return p
}

// cookieDefaultPath is RFC 6265bis "default-path": the request path up to,
// not including, its last "/", or "/".
func cookieDefaultPath(p string) string {
	if p == "" || p[0] != '/' {
		return "/"
	}
	i := strings.LastIndexByte(p, '/')
	if i == 0 {
		return "/"
	}
	return p[:i]
}

// cookiePathMatch is RFC 6265bis "path-match".
func cookiePathMatch(reqPath, cookiePath string) bool {
	if reqPath == cookiePath {
		return true
	}
	if !strings.HasPrefix(reqPath, cookiePath) {
		return false
	}
	return strings.HasSuffix(cookiePath, "/") || reqPath[len(cookiePath)] == '/'
}

// hasPrefixFold reports whether s starts with prefix, ASCII
// case-insensitively (layered cookies checks prefixes that way).
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// storeLocked applies the storage rules of RFC 6265bis and Chromium to one
// parsed cookie and stores it, replaces a stored one, or deletes one. The
// caller holds j.mu and has checked credentials.
func (j *Jar) storeLocked(ctx cookieContext, pc parsedCookie, now time.Time) Decision {
	d := Decision{Name: pc.name, Domain: ctx.host, Partitioned: pc.partitioned && j.rules.Partitioned}
	reject := func(reason string) Decision {
		d.Reason = reason
		return d
	}

	// Domain.
	domain, hostOnly := ctx.host, true
	if pc.hasDomain {
		switch {
		case !validCookieDomain(pc.domain):
			return reject(fmt.Sprintf("Domain=%s is not a valid ASCII host name, so the cookie is rejected; omit Domain or give the registrable domain", pc.domain))
		case ctx.isIP:
			if strings.TrimSuffix(strings.TrimPrefix(pc.domain, "["), "]") != ctx.host {
				return reject(fmt.Sprintf("Domain=%s is rejected: for a response from the IP address %s, Domain must be exactly that address or be omitted", pc.domain, ctx.host))
			}
		case cookieIsPublicSuffix(pc.domain):
			if pc.domain != ctx.host {
				return reject(fmt.Sprintf("Domain=%s is a public suffix (like github.io or co.uk), so browsers reject the cookie: a cookie cannot span unrelated sites; omit Domain or use your registrable domain", pc.domain))
			}
			// A public suffix host may still set a host-only cookie.
		case !cookieDomainMatch(ctx.host, pc.domain):
			return reject(fmt.Sprintf("Domain=%s does not domain-match the response host %s, so the cookie is rejected; use the host or one of its parent domains", pc.domain, ctx.host))
		default:
			domain, hostOnly = pc.domain, false
		}
	}
	d.Domain = displayDomain(domain, hostOnly)

	// Path.
	path := cookieDefaultPath(ctx.path)
	if pc.hasPath && strings.HasPrefix(pc.path, "/") {
		path = pc.path
	}
	d.Path = path

	if pc.secure && !ctx.secure {
		return reject("the Secure attribute is accepted only from https (or a loopback host such as localhost); this response came over http")
	}
	if pc.sameSite == sameSiteNone && !pc.secure {
		return reject("SameSite=None without Secure is rejected (RFC 6265bis; Chromium and Firefox enforce it); send `SameSite=None; Secure` over https")
	}
	// WebKit ignores the Partitioned attribute: the cookie is an ordinary
	// one, with no Secure requirement of its own.
	chips := pc.partitioned && j.rules.Partitioned
	if chips && !pc.secure {
		return reject("Partitioned without Secure is rejected; send `Secure; Partitioned` over https")
	}
	if r := cookiePrefixViolation(pc, hostOnly); r != "" {
		return reject(r)
	}
	// unsetIsNone: a cookie without a valid SameSite is a None cookie in
	// Gecko and WebKit (no Secure needed: the measured s_unset cookie has
	// none), a Lax one in Chromium.
	unsetIsNone := pc.sameSite == sameSiteUnset && !j.rules.UnsetSameSiteIsLax
	partition, tcp := "", false
	if chips {
		partition = ctx.partition
	}
	if ctx.crossSite {
		switch ctx.thirdParty {
		case browser.BlockAll:
			return reject(fmt.Sprintf("%s blocks every cookie from a cross-site response, partitioned or not (Intelligent Tracking Prevention): %s is not same-site with the page %s, so the cookie is not stored (fix: serve the stream from the page's site, such as a subdomain of it)%s", ctx.name, ctx.host, ctx.topLevel, ctx.schemeNote()))
		case browser.Partition:
			// Total Cookie Protection: whatever SameSite lets through
			// lands in the page's partition (ENGINES.md, Firefox
			// "set-cookie: cross-site, cred [3pc blocked]").
			partition, tcp = ctx.partition, !chips
		case browser.Allow:
		default:
			if !chips && !j.rules.Partitioned {
				return reject(fmt.Sprintf("third-party cookies are blocked in %s, which ignores the Partitioned attribute: a cross-site response stores no cookie (fix: serve the stream from the page's site, or allow third-party cookies)%s", ctx.name, ctx.schemeNote()))
			}
			if !chips {
				return reject(fmt.Sprintf("third-party cookies are blocked in %s: a cross-site response stores only Partitioned cookies (fix: send `SameSite=None; Secure; Partitioned`, serve the stream from the page's site, or allow third-party cookies)%s", ctx.name, ctx.schemeNote()))
			}
		}
		switch {
		case pc.sameSite == sameSiteStrict:
			return reject(fmt.Sprintf("SameSite=Strict cannot be set by a cross-site response (in %s, as in every browser); send `SameSite=None; Secure` for a cookie used cross-site%s", ctx.name, ctx.schemeNote()))
		case pc.sameSite == sameSiteLax:
			return reject(fmt.Sprintf("SameSite=Lax cannot be set by a cross-site subresource response (in %s, as in every browser); send `SameSite=None; Secure` for a cookie used cross-site%s", ctx.name, ctx.schemeNote()))
		case pc.sameSite == sameSiteUnset && !unsetIsNone:
			return reject(fmt.Sprintf("SameSite unset (or unrecognized), which %s treats as Lax, cannot be set by a cross-site subresource response; send `SameSite=None; Secure`%s", ctx.name, ctx.schemeNote()))
		}
	}
	// Fetch's "parse and store response Set-Cookie headers" passes
	// sameSiteStrictOrLaxAllowed = false when the same-site mode is
	// "unset-or-less", which a cross-site redirect-taint gives: so the
	// taint applies to storing too, and a tainted response stores no Lax
	// or Strict cookie. A cookie without SameSite is a None cookie in the
	// engines that apply the taint (Gecko, WebKit), so it is stored;
	// under Chromium's Lax default (only reachable from tests) it is not.
	if ctx.tainted && pc.sameSite != sameSiteNone && !unsetIsNone {
		what := "SameSite=" + sameSiteName(pc.sameSite)
		if pc.sameSite == sameSiteUnset {
			what = "SameSite unset (or unrecognized), which " + ctx.name + " treats as Lax,"
		}
		return reject(fmt.Sprintf("%s cannot be set after a cross-site redirect, even on a same-site hop: %s applies Fetch's redirect-taint, so a response whose redirect chain went through another site cannot set a Lax or Strict cookie (fix: point the EventSource at the final URL so that no cross-site redirect happens, or send `SameSite=None; Secure`)", what, ctx.name))
	}
	if !ctx.secure {
		// RFC 6265bis "leave secure cookies alone".
		for _, old := range j.cookies {
			if old.name == pc.name && old.secure && old.partition == partition && !old.expired(now) &&
				(cookieDomainMatch(old.domain, domain) || cookieDomainMatch(domain, old.domain)) &&
				cookiePathMatch(path, old.path) {
				return reject("a Secure cookie with this name already exists for this domain and path; a response over http cannot overwrite or delete it")
			}
		}
	}

	// Expiry: Max-Age wins over Expires; both are capped at 400 days.
	var expires time.Time
	switch {
	case pc.hasMaxAge:
		if pc.maxAge <= 0 {
			expires = time.Unix(0, 0)
		} else if secs := time.Duration(pc.maxAge); secs > cookieMaxAge/time.Second {
			expires = now.Add(cookieMaxAge)
		} else {
			expires = now.Add(secs * time.Second)
		}
	case pc.hasExpires:
		expires = pc.expires
		if limit := now.Add(cookieMaxAge); expires.After(limit) {
			expires = limit
		}
	}

	key := jarKey{name: pc.name, domain: domain, hostOnly: hostOnly, path: path, partition: partition}
	old := j.cookies[key]
	if !expires.IsZero() && !expires.After(now) {
		if old != nil {
			delete(j.cookies, key)
			return reject("arrived already expired (Max-Age <= 0 or Expires in the past): deleted the stored cookie")
		}
		return reject("arrived already expired (Max-Age <= 0 or Expires in the past): nothing to store or delete")
	}

	c := &jarCookie{
		jarKey:     key,
		group:      site.RegistrableDomain(domain),
		value:      pc.value,
		secure:     pc.secure,
		httpOnly:   pc.httpOnly,
		sameSite:   pc.sameSite,
		chips:      chips,
		expires:    expires,
		created:    now,
		lastAccess: now,
	}
	if old != nil {
		c.created, c.seq = old.created, old.seq
	} else {
		j.seq++
		c.seq = j.seq
	}
	j.cookies[key] = c
	j.evictLocked(c, now)

	d.Stored, d.Partitioned = true, partition != ""
	replaced := ""
	if old != nil {
		replaced = ", replacing the previous cookie with this name, domain and path (its creation time is kept)"
	}
	ignored := ""
	if pc.partitioned && !chips && !tcp {
		ignored = fmt.Sprintf("; %s ignores the Partitioned attribute, so it is an ordinary, unpartitioned cookie", ctx.name)
	}
	switch {
	case tcp:
		d.Reason = fmt.Sprintf("stored in the partition of top-level site %s%s: %s keeps a cookie set by a cross-site response under the page's site (Total Cookie Protection), so it is sent only on requests from pages of that site, never to a top-level visit of %s", partition, replaced, ctx.name, ctx.host)
	case partition != "":
		d.Reason = "stored in the partition of top-level site " + partition + replaced + "; it is sent only on requests under that top-level site"
	case ctx.crossSite && unsetIsNone:
		d.Reason = fmt.Sprintf("stored%s: cookie without a valid SameSite attribute, which %s treats as SameSite=None, from a cross-site response (third-party cookies allowed); Chromium treats it as Lax and would reject it, so send `SameSite=None; Secure` for every browser%s", replaced, ctx.name, ignored)
	case ctx.crossSite:
		d.Reason = fmt.Sprintf("stored%s: `SameSite=None; Secure` cookie from a cross-site response (third-party cookies allowed in %s)%s", replaced, ctx.name, ignored)
	case old != nil:
		d.Reason = "stored" + replaced + ignored
	default:
		d.Reason = "stored" + ignored
	}
	return d
}

// cookiePrefixViolation checks the __Secure-, __Host-, __Http- and
// __Host-Http- name prefixes, case-insensitively, and a nameless cookie
// whose value would look like one of them.
func cookiePrefixViolation(pc parsedCookie, hostOnly bool) string {
	if pc.name == "" {
		for _, p := range []string{"__secure-", "__host-", "__http-"} {
			if hasPrefixFold(pc.value, p) {
				return "a nameless cookie whose value starts with " + p + " is rejected, so it cannot pass for a prefixed cookie"
			}
		}
		return ""
	}
	hostCompatible := pc.secure && hostOnly && pc.hasPath && pc.path == "/"
	switch {
	case hasPrefixFold(pc.name, "__secure-") && !pc.secure:
		return "a __Secure- cookie must be set with Secure, from https"
	case hasPrefixFold(pc.name, "__host-http-") && !(hostCompatible && pc.httpOnly):
		return "a __Host-Http- cookie must be set with Secure, HttpOnly and Path=/, without Domain, from https"
	case hasPrefixFold(pc.name, "__host-") && !hostCompatible:
		return "a __Host- cookie must be set with Secure and Path=/, without Domain, from https"
	case hasPrefixFold(pc.name, "__http-") && !(pc.secure && pc.httpOnly):
		return "a __Http- cookie must be set with Secure and HttpOnly, from https"
	}
	return ""
}

// evictLocked enforces Chromium's limits after storing keep: at most
// cookieMaxPerDomain cookies per registrable domain and partition (purged
// down to cookiePurgePerDomain), and cookieMaxTotal in all (purged down to
// cookiePurgeTotal). Expired cookies go first, then the least recently used
// non-Secure ones, then the least recently used Secure ones; keep stays.
func (j *Jar) evictLocked(keep *jarCookie, now time.Time) {
	var same []*jarCookie
	for _, c := range j.cookies {
		if c.partition == keep.partition && c.group == keep.group {
			same = append(same, c)
		}
	}
	if len(same) > cookieMaxPerDomain {
		j.purgeLocked(same, len(same)-cookiePurgePerDomain, keep, now)
	}
	if len(j.cookies) > cookieMaxTotal {
		all := make([]*jarCookie, 0, len(j.cookies))
		for _, c := range j.cookies {
			all = append(all, c)
		}
		j.purgeLocked(all, len(all)-cookiePurgeTotal, keep, now)
	}
}

func (j *Jar) purgeLocked(list []*jarCookie, n int, keep *jarCookie, now time.Time) {
	sort.Slice(list, func(a, b int) bool {
		x, y := list[a], list[b]
		if ex, ey := x.expired(now), y.expired(now); ex != ey {
			return ex
		}
		if x.secure != y.secure {
			return !x.secure
		}
		if !x.lastAccess.Equal(y.lastAccess) {
			return x.lastAccess.Before(y.lastAccess)
		}
		return x.seq < y.seq
	})
	for _, c := range list {
		if n <= 0 {
			return
		}
		if c == keep {
			continue
		}
		delete(j.cookies, c.jarKey)
		n--
	}
}

// parseCookieDate parses a cookie date as RFC 6265bis "Parse a Date" (the
// lenient algorithm browsers use for Expires).
func parseCookieDate(s string) (time.Time, bool) {
	var (
		foundTime, foundDay, foundMonth, foundYear bool
		hour, minute, second, day, year            int
		month                                      time.Month
	)
	for _, tok := range cookieDateTokens(s) {
		if !foundTime {
			if h, m, sec, ok := cookieDateTime(tok); ok {
				foundTime, hour, minute, second = true, h, m, sec
				continue
			}
		}
		if !foundDay {
			if n, ok := cookieDateDigits(tok, 1, 2); ok {
				foundDay, day = true, n
				continue
			}
		}
		if !foundMonth && len(tok) >= 3 {
			if m := cookieDateMonth(tok[:3]); m != 0 {
				foundMonth, month = true, m
				continue
			}
		}
		if !foundYear {
			if n, ok := cookieDateDigits(tok, 2, 4); ok {
				foundYear, year = true, n
				continue
			}
		}
	}
	switch {
	case year >= 70 && year <= 99:
		year += 1900
	case year >= 0 && year <= 69:
		year += 2000
	}
	if !foundTime || !foundDay || !foundMonth || !foundYear ||
		day < 1 || day > 31 || year < 1601 || hour > 23 || minute > 59 || second > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, month, day, hour, minute, second, 0, time.UTC)
	if t.Day() != day { // no such date, such as February 30
		return time.Time{}, false
	}
	return t, true
}

// cookieDateDelimiter reports whether b is a delimiter of the cookie-date
// grammar.
func cookieDateDelimiter(b byte) bool {
	return b == 0x09 || (b >= 0x20 && b <= 0x2f) || (b >= 0x3b && b <= 0x40) ||
		(b >= 0x5b && b <= 0x60) || (b >= 0x7b && b <= 0x7e)
}

func cookieDateTokens(s string) []string {
	var toks []string
	start := -1
	for i := 0; i <= len(s); i++ {
		if i == len(s) || cookieDateDelimiter(s[i]) {
			if start >= 0 {
				toks = append(toks, s[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	return toks
}

// cookieDateDigits matches lo to hi leading digits, followed by the end
// of the token or a non-digit, and returns their value.
func cookieDateDigits(tok string, lo, hi int) (int, bool) {
	n, v := 0, 0
	for n < len(tok) && tok[n] >= '0' && tok[n] <= '9' {
		if n == hi {
			return 0, false
		}
		v = v*10 + int(tok[n]-'0')
		n++
	}
	if n < lo {
		return 0, false
	}
	return v, true
}

// cookieDateTime matches hms-time: three fields of one or two digits
// separated by ':', followed by the end or a non-digit.
func cookieDateTime(tok string) (h, m, s int, ok bool) {
	var vals [3]int
	rest := tok
	for i := range vals {
		n := 0
		for n < len(rest) && n < 2 && rest[n] >= '0' && rest[n] <= '9' {
			vals[i] = vals[i]*10 + int(rest[n]-'0')
			n++
		}
		if n == 0 {
			return 0, 0, 0, false
		}
		rest = rest[n:]
		if i < 2 {
			if rest == "" || rest[0] != ':' {
				return 0, 0, 0, false
			}
			rest = rest[1:]
		}
	}
	if rest != "" && rest[0] >= '0' && rest[0] <= '9' {
		return 0, 0, 0, false
	}
	return vals[0], vals[1], vals[2], true
}

func cookieDateMonth(s string) time.Month {
	switch strings.ToLower(s) {
	case "jan":
		return time.January
	case "feb":
		return time.February
	case "mar":
		return time.March
	case "apr":
		return time.April
	case "may":
		return time.May
	case "jun":
		return time.June
	case "jul":
		return time.July
	case "aug":
		return time.August
	case "sep":
		return time.September
	case "oct":
		return time.October
	case "nov":
		return time.November
	case "dec":
		return time.December
	}
	return 0
}
