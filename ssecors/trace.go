package ssecors

import (
	"net/http"
	"net/url"
	"time"

	"github.com/ssecors/ssecors-go/ssecors/browserjar"
)

// Trace holds optional hooks called as a source works, in the manner of
// net/http/httptrace: to log, to show progress, or to explain what a
// browser would do. Every hook runs on the goroutine that called Run (or
// ranges over Events), synchronously: a slow hook slows the source. Any
// hook may be nil. URLs are redacted; header values that carry credentials
// (Cookie, Authorization and the like) are replaced by "REDACTED".
type Trace struct {
	// Request is called before each request is sent: the GET of every hop
	// of a connection attempt, and the OPTIONS of a preflight.
	Request func(RequestInfo)
	// Response is called when the headers of each response have arrived,
	// after ssecors has processed its Set-Cookie headers and, for a CORS
	// request, checked it.
	Response func(ResponseInfo)
	// Reconnect is called when the source is about to wait before its next
	// attempt, after the error handler.
	Reconnect func(ReconnectInfo)
}

// WithTrace sets hooks that observe every request, response and
// reconnection (see [Trace]). Default: none. A browser offers this only in
// its developer tools.
func WithTrace(t *Trace) Option {
	return func(cfg *config) {
		if t == nil {
			cfg.fail("WithTrace", "", "trace is nil")
			return
		}
		cfg.trace = t
	}
}

// RequestInfo describes a request about to be sent.
type RequestInfo struct {
	// Attempt numbers the connection attempts of the source, from 1.
	Attempt int
	// Redirects is how many redirects this attempt has followed so far.
	Redirects int
	// Method is "GET", or "OPTIONS" for a preflight.
	Method string
	// URL is the request's URL, secrets redacted.
	URL string
	// Header holds the request headers as sent, credentials redacted.
	Header http.Header
	// CORS reports a cross-origin request, which carries Origin and whose
	// responses must pass the CORS check.
	CORS bool
	// Origin is the Origin header, or "" for none.
	Origin string
	// Tainted reports that a redirect across origins has tainted the
	// request, so that Origin is "null".
	Tainted bool
	// Credentials reports whether the request includes credentials
	// (cookies), which the credentials mode decides per hop.
	Credentials bool
	// Cookies explains, for each cookie of the jar whose domain matches the
	// URL's host, whether it was sent and why.
	Cookies []browserjar.Decision
	// UnsafeHeaders lists, for a preflight, the header names announced in
	// Access-Control-Request-Headers.
	UnsafeHeaders []string
}

// ResponseInfo describes a response whose headers have arrived.
type ResponseInfo struct {
	// Attempt numbers the connection attempts of the source, from 1.
	Attempt int
	// Redirects is how many redirects this attempt has followed before
	// this response.
	Redirects int
	// Method is the request's method: "GET" or "OPTIONS".
	Method string
	// URL is the URL that answered, secrets redacted.
	URL string
	// StatusCode is the response's status.
	StatusCode int
	// Header holds the response headers, credentials redacted.
	Header http.Header
	// CORSChecked reports whether the CORS check applied to the response.
	CORSChecked bool
	// Blocked is the failure of the CORS check, or nil.
	Blocked *BlockedError
	// SetCookies explains, for each Set-Cookie header, whether it was
	// stored and why. It is empty when the request did not include
	// credentials: a browser then ignores Set-Cookie entirely.
	SetCookies []browserjar.Decision
}

// ReconnectInfo describes a coming reconnection.
type ReconnectInfo struct {
	// Attempt is the number of the attempt that just ended.
	Attempt int
	// Delay is how long the source waits before the next attempt.
	Delay time.Duration
	// LastEventID is the Last-Event-ID the next request will carry ("" for
	// none).
	LastEventID string
	// Err is the error that ended the attempt.
	Err error
}

// redactHeader copies h, hiding credential values.
func (es *EventSource) redactHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, v := range h {
		if secretHeader(k) || k == "Set-Cookie" {
			red := make([]string, len(v))
			for i := range v {
				red[i] = redacted
			}
			out[k] = red
			continue
		}
		cp := make([]string, len(v))
		for i, s := range v {
			if k == "Location" || k == "Content-Location" {
				if u, err := url.Parse(s); err == nil {
					s = es.red.url(u)
				}
			}
			cp[i] = es.red.text(s)
		}
		out[k] = cp
	}
	return out
}
