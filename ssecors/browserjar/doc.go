// Package browserjar is a cookie jar that decides as a browser does: the
// cookie store of a browser profile (Chrome, Chrome Incognito, Firefox or
// Safari, see package browser), as RFC 6265bis (Cookies: HTTP State
// Management Mechanism) and the Fetch standard describe it, with each
// engine's differences as the repository's browsertest suite measured them
// (ENGINES.md: Debian's Chromium, Firefox ESR, WebKitGTK).
//
// # How it differs from net/http/cookiejar
//
// net/http/cookiejar implements RFC 6265 for a plain HTTP client: it stores
// SameSite but never enforces it, has no notion of the page a request comes
// from, and its Cookies method returns only names and values. A [Jar] also
// applies what a browser adds:
//
//   - SameSite (Strict, Lax, None, and unset or unrecognized, whose meaning
//     depends on the engine), judged by site with the public suffix list,
//     so that a.github.io and b.github.io are different sites;
//   - Secure cookies only over https or to a loopback host, and SameSite=None
//     only with Secure;
//   - the __Secure-, __Host-, __Http- and __Host-Http- name prefixes;
//   - Partitioned cookies (CHIPS), keyed by the top-level site;
//   - the third-party cookie setting of the profile: blocked (the default,
//     as Chrome Incognito and Debian's Chromium), allowed (a regular Google
//     Chrome profile), partitioned (Firefox's Total Cookie Protection) or
//     all blocked (Safari's Intelligent Tracking Prevention);
//   - Chromium's limits (size, 400-day lifetime, per-domain and total
//     counts, with least-recently-used eviction).
//
// # Engines
//
// [Options].Browser chooses the profile; its engine decides these rules
// (the ENGINES.md case that shows each is given in quotes):
//
//   - SameSite unset: Lax in Chromium; None in Gecko and WebKit, so such a
//     cookie goes cross-site, and is stored from a cross-site response,
//     wherever the third-party setting lets cookies through, without
//     needing Secure ("cookies: cross-site, cred", "set-cookie:
//     cross-site, cred", both with third-party cookies allowed).
//   - Same-site: schemeful in Chromium (http://app.example.test and
//     https://api.example.test are different sites); Gecko and WebKit
//     compare registrable domains only. Partition keys keep the scheme in
//     Gecko as in Chromium ("cookies: http page to https same domain,
//     cred": Firefox sends lax, none, strict and unset but not the
//     Partitioned cookie).
//   - Redirect-taint: after a cross-site hop, a same-site request sends no
//     Lax or Strict cookie in Gecko and WebKit, and its response stores
//     none (Fetch's same-site mode "unset-or-less"); Chromium ignores the
//     redirect chain ("cookies: cross-site redirect taint, cred"). The
//     caller says so with [Request].CrossSiteRedirect.
//   - Partitioned: honoured by Chromium and Gecko; WebKit ignores the
//     attribute and keeps the cookie as an ordinary one (WebKitGTK).
//
// And the third-party settings, on a cross-site request and its response:
//
//   - [browser.Block] sends and stores only Partitioned cookies, kept under
//     the page's top-level site (none at all in WebKit).
//   - [browser.Allow] sends and stores what SameSite lets go cross-site.
//   - [browser.Partition], Firefox's default Total Cookie Protection, sends
//     only the cookies of the page's partition: Partitioned cookies stored
//     under the page's top-level site and cookies stored by earlier
//     cross-site responses under it, never those of a top-level visit; a
//     cross-site Set-Cookie that SameSite lets through is stored in that
//     partition ("set-cookie: cross-site, cred" with third-party cookies
//     blocked: the reconnect carries s_none, s_part and s_unset).
//   - [browser.BlockAll], Safari's Intelligent Tracking Prevention, sends
//     and stores nothing cross-site, partitioned or not; same-site requests
//     are unaffected (webkit-itp runs).
//
// The WebKit rules stand for Safari's engine; WebKitGTK's own cookie store
// (libsoup) also stores SameSite=None without Secure, enforces no name
// prefix, takes the first of several SameSite attributes, accepts Lax and
// Strict cookies from a cross-site response when all cookies are allowed,
// and by default decides third parties by host: the jar models none of
// these, which Safari's store does not share.
//
// Every decision can be explained: a [Decision] names the cookie, says
// whether it was sent or stored, and gives the rule and the fix.
//
// # Two ways to use it
//
// As an [http.CookieJar], for example the Jar of an [http.Client], the jar
// acts as the address bar: every URL is a first-party, top-level request, so
// SameSite never withholds a cookie and the third-party policy never
// applies (only cookies kept in another top-level site's partition stay
// out). [Jar.SetCookies] and [Jar.Cookies] are this use; they are also
// how to prime a jar, as a user's earlier visit to a site would.
//
// As the cookie store of a page, the jar judges each subresource request
// the page makes, such as an EventSource's: describe the request with a
// [Request] (its URL, the top-level page's origin, whether the page is in a
// cross-site frame, whether the request includes credentials, and whether
// its redirect chain went through another site), then
// call [Jar.CookiesFor] to get the cookies to send and [Jar.SetCookiesFrom]
// with the response's Set-Cookie lines. Both return a [Decision] per
// cookie, whose Reason names the browser, the rule and the fix. ssecors
// uses a Jar this way; give one to ssecors.WithCookieJar to prime cookies,
// choose the browser profile, or share cookies between sources.
//
// # Concurrency
//
// A Jar is safe for concurrent use by multiple goroutines and may be shared,
// as one browser profile is shared by its pages. Nothing is persisted:
// cookies live as long as the Jar.
package browserjar
