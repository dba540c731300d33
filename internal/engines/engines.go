// Package engines is the table of what the browser engines were measured
// to do differently (ENGINES.md, PARITY.md): the one place where ssecors,
// browserjar and the doctor look up a browser.Profile's rules.
package engines

import (
	"time"

	"github.com/ssecors/ssecors-go/internal/site"
	"github.com/ssecors/ssecors-go/ssecors/browser"
)

// Rules are one engine's behaviours where the engines differ. The zero
// Rules are not meaningful: use For.
type Rules struct {
	// Cookies.

	// UnsetSameSiteIsLax: a cookie without a (valid) SameSite attribute is
	// enforced as Lax (Chromium). Gecko and WebKit treat it as None: it goes
	// cross-site where third-party cookies are allowed.
	UnsetSameSiteIsLax bool
	// SchemefulSite: http://a.example and https://a.example are different
	// sites (Chromium). Gecko and WebKit compare registrable domains only
	// for SameSite; partition keys keep the scheme in every engine that
	// partitions (Firefox does not send a Partitioned cookie of
	// https://example.test to an http://app.example.test page's request).
	SchemefulSite bool
	// RedirectTaint: a request whose redirect chain went through another
	// site sends no Lax or Strict cookie (Fetch's layered cookies; Gecko,
	// WebKit). Chromium ignores the chain.
	RedirectTaint bool
	// Partitioned: the Partitioned attribute (CHIPS) is honoured. WebKitGTK
	// ignores it: such a cookie is an ordinary one, stored unpartitioned
	// and without the attribute's Secure requirement. Partitions that a
	// third-party policy makes (browser.Partition) do not depend on it.
	Partitioned bool

	// The stream.

	// StrictCharset: a charset parameter other than utf-8 fails the
	// connection (Chromium). The spec, Gecko and WebKit decode as UTF-8 and
	// open.
	StrictCharset bool
	// ContentTypeFirst: the last Content-Type header line counts, and a
	// comma-separated list in it is judged by its first MIME type
	// (WebKit); Fetch's "extract a MIME type" (Chromium, Gecko) takes the
	// last type of all the lines.
	ContentTypeFirst bool
	// ReconnectToFinal: a reconnect goes to the redirect chain's final URL
	// (Chromium). Gecko goes back to the constructor's URL unless the chain
	// had a permanent redirect (301, 308), see ReconnectAfterPermanent;
	// WebKit always goes back.
	ReconnectToFinal bool
	// ReconnectAfterPermanent: with ReconnectToFinal false, a chain with a
	// 301 or 308 still makes the final URL the reconnect URL (Gecko).
	ReconnectAfterPermanent bool
	// RedirectLoopFails: reaching the redirect limit fails the connection
	// for good (Gecko, WebKit); Chromium treats it as a network error and
	// reconnects.
	RedirectLoopFails bool
	// RetryResetBeforeHeaders: a connection reset before any response
	// header is retried once at once, with no error event (Gecko,
	// WebKit).
	RetryResetBeforeHeaders bool
	// DefaultReconnect is the reconnection time before any retry: field.
	DefaultReconnect time.Duration
	// MinReconnect is the floor applied to a retry: field (Gecko: 500 ms).
	MinReconnect time.Duration
	// NULIDDropsEvent: an id field containing NUL makes the whole event be
	// dropped (Gecko). The spec ignores the field and dispatches the event.
	NULIDDropsEvent bool
	// PragmaAfterCrossOriginRedirect: the request after a redirect to
	// another origin still carries Pragma: no-cache (Chromium, Gecko).
	PragmaAfterCrossOriginRedirect bool
	// LoopbackIsTrustworthy: http://localhost and http://127.0.0.1 are not
	// mixed content on an https page (Chromium, Gecko). WebKit blocks them.
	LoopbackIsTrustworthy bool

	// fetch() and its preflight.

	// PreflightAfterRedirect: when the request as the page made it was not
	// simple (its method or headers need a preflight), every redirected
	// CORS request is preflighted, even one a redirect made simple (a GET
	// after 303, Authorization dropped at a cross-origin hop) (Gecko,
	// WebKit). Chromium and Fetch decide hop by hop.
	PreflightAfterRedirect bool
	// PreflightOriginalHeaders: that preflight asks
	// (Access-Control-Request-Headers) for the unsafe headers of the
	// request as the page made it, dropped ones included (WebKit); Gecko
	// asks for the current request's.
	PreflightOriginalHeaders bool
	// PreflightUntaintedOrigin: a preflight carries the page's origin even
	// when a redirect tainted the request's own Origin to "null" (Gecko).
	PreflightUntaintedOrigin bool
	// InvalidMaxAgeNoCache: an Access-Control-Max-Age that is present but
	// not an integer caches nothing (Gecko); Chromium and Fetch use the
	// 5 s default.
	InvalidMaxAgeNoCache bool
}

// SameSite reports whether a and b are same-site by the engine's rule:
// schemeful (same scheme and registrable domain) where SchemefulSite is
// set, registrable domain alone otherwise. An opaque origin is never
// same-site.
func (r Rules) SameSite(a, b site.Origin) bool {
	if r.SchemefulSite {
		return site.SameSite(a, b)
	}
	return !a.Opaque() && !b.Opaque() && site.RegistrableDomain(a.Host) == site.RegistrableDomain(b.Host)
}

// For returns the rules of p's engine.
func For(p browser.Profile) Rules {
	switch p.Engine {
	case browser.Gecko:
		return Rules{
			Partitioned:                    true,
			RedirectTaint:                  true,
			ReconnectAfterPermanent:        true,
			RedirectLoopFails:              true,
			RetryResetBeforeHeaders:        true,
			DefaultReconnect:               5 * time.Second,
			MinReconnect:                   500 * time.Millisecond,
			NULIDDropsEvent:                true,
			PragmaAfterCrossOriginRedirect: true,
			LoopbackIsTrustworthy:          true,
			PreflightAfterRedirect:         true,
			PreflightUntaintedOrigin:       true,
			InvalidMaxAgeNoCache:           true,
		}
	case browser.WebKit:
		return Rules{
			RedirectTaint:            true,
			ContentTypeFirst:         true,
			RedirectLoopFails:        true,
			RetryResetBeforeHeaders:  true,
			DefaultReconnect:         3 * time.Second,
			PreflightAfterRedirect:   true,
			PreflightOriginalHeaders: true,
		}
	}
	return Rules{
		UnsetSameSiteIsLax:             true,
		SchemefulSite:                  true,
		Partitioned:                    true,
		StrictCharset:                  true,
		ReconnectToFinal:               true,
		DefaultReconnect:               3 * time.Second,
		PragmaAfterCrossOriginRedirect: true,
		LoopbackIsTrustworthy:          true,
	}
}
