// Package browserjar is a cookie jar that decides as a browser does: the
// cookie store of Chromium, as RFC 6265bis (Cookies: HTTP State Management
// Mechanism) and the Fetch standard describe it, with the third-party
// cookie setting of a browser profile.
//
// # How it differs from net/http/cookiejar
//
// net/http/cookiejar implements RFC 6265 for a plain HTTP client: it stores
// SameSite but never enforces it, has no notion of the page a request comes
// from, and its Cookies method returns only names and values. A [Jar] also
// applies what a browser adds:
//
//   - SameSite (Strict, Lax, None, and unset treated as Lax, as Chromium
//     does), judged by schemeful site with the public suffix list, so that
//     a.github.io and b.github.io are different sites;
//   - Secure cookies only over https or to a loopback host, and SameSite=None
//     only with Secure;
//   - the __Secure-, __Host-, __Http- and __Host-Http- name prefixes;
//   - Partitioned cookies (CHIPS), keyed by the top-level site;
//   - the third-party cookie [Policy] of the profile: [Block] (the default,
//     as Debian's Chromium or Chrome Incognito) or [Allow] (a regular
//     Google Chrome profile);
//   - Chromium's limits (size, 400-day lifetime, per-domain and total
//     counts, with least-recently-used eviction).
//
// Every decision can be explained: a [Decision] names the cookie, says
// whether it was sent or stored, and gives the rule and the fix.
//
// # Two ways to use it
//
// As an [http.CookieJar], for example the Jar of an [http.Client], the jar
// acts as the address bar: every URL is a first-party, top-level request, so
// SameSite never withholds a cookie and the third-party policy never
// applies. [Jar.SetCookies] and [Jar.Cookies] are this use; they are also
// how to prime a jar, as a user's earlier visit to a site would.
//
// As the cookie store of a page, the jar judges each subresource request
// the page makes, such as an EventSource's: describe the request with a
// [Request] (its URL, the top-level page's origin, whether the page is in a
// cross-site frame, and whether the request includes credentials), then
// call [Jar.CookiesFor] to get the cookies to send and [Jar.SetCookiesFrom]
// with the response's Set-Cookie lines. Both return a [Decision] per
// cookie. ssecors uses a Jar this way; give one to
// ssecors.WithCookieJar to prime cookies, choose the third-party policy,
// or share cookies between sources.
//
// # Concurrency
//
// A Jar is safe for concurrent use by multiple goroutines and may be shared,
// as one browser profile is shared by its pages. Nothing is persisted:
// cookies live as long as the Jar.
package browserjar
