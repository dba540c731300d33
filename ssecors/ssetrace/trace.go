// Package ssetrace observes what an ssecors EventSource does on the wire:
// every request it sends (stream GETs, redirect hops and explicit
// preflights), every response it receives, and every reconnection it
// plans, in the manner of net/http/httptrace.
//
// Attach a [Trace] to the context given to EventSource.Run or
// EventSource.Events:
//
//	ctx = ssetrace.WithTrace(ctx, &ssetrace.Trace{
//		Response: func(r ssetrace.Response) { log.Println(r.StatusCode, r.URL) },
//	})
//	err := es.Run(ctx)
//
// Every hook runs synchronously, one call at a time, while the source waits
// for it, so a slow hook slows the source; any hook may be nil. Reconnect
// runs on the goroutine that runs the source; Request and Response run on
// the goroutine the source starts for each connection attempt and waits
// for (so that connecting leaves the long-lived goroutine's stack small).
// A hook that panics ends the source with that panic, on the goroutine
// that runs the source, as a handler that panics does. URLs are redacted
// as in ssecors' errors, and header values that carry credentials (Cookie,
// Set-Cookie, Authorization and headers named like secrets) read
// "REDACTED". A browser shows the same information only in its developer
// tools.
package ssetrace

import (
	"context"
	"net/http"
	"time"

	"github.com/ssecors/ssecors-go/ssecors/browserjar"
)

// Trace holds the hooks. The zero Trace observes nothing.
type Trace struct {
	// Request is called before each request is sent: the GET of every hop
	// of a connection attempt, and the OPTIONS of an explicit preflight.
	Request func(Request)
	// Response is called when the headers of each response have arrived,
	// after ssecors has processed its Set-Cookie headers and, for a CORS
	// request, checked it.
	Response func(Response)
	// Reconnect is called when the source is about to wait before its next
	// attempt, after its error handler ran.
	Reconnect func(Reconnect)
}

type traceKey struct{}

// WithTrace returns a context, derived from ctx, that carries t. If ctx
// already carries a Trace, both are called: t's hooks first, then the
// earlier ones.
func WithTrace(ctx context.Context, t *Trace) context.Context {
	if t == nil {
		return ctx
	}
	if old := ContextTrace(ctx); old != nil {
		t = compose(t, old)
	}
	return context.WithValue(ctx, traceKey{}, t)
}

// ContextTrace returns the Trace carried by ctx, or nil.
func ContextTrace(ctx context.Context) *Trace {
	t, _ := ctx.Value(traceKey{}).(*Trace)
	return t
}

// compose returns a Trace calling first's hooks, then second's.
func compose(first, second *Trace) *Trace {
	return &Trace{
		Request:   both(first.Request, second.Request),
		Response:  both(first.Response, second.Response),
		Reconnect: both(first.Reconnect, second.Reconnect),
	}
}

func both[T any](a, b func(T)) func(T) {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(v T) { a(v); b(v) }
}

// Request describes a request about to be sent.
type Request struct {
	// Attempt numbers the connection attempts of the source, from 1.
	Attempt int
	// Redirects is how many redirects this attempt has followed so far.
	Redirects int
	// Method is "GET" (or, in fetch mode, the request's method), or
	// "OPTIONS" for a preflight.
	Method string
	// URL is the request's URL, secrets redacted.
	URL string
	// Header holds the request headers as sent, credentials redacted.
	Header http.Header
	// BodySize is the size in bytes of the request body (fetch mode), 0
	// for none. The body itself is never traced.
	BodySize int
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
	// Cookies explains, for each cookie of the browser jar whose domain
	// matches the URL's host, whether it was sent and why.
	Cookies []browserjar.Decision
	// UnsafeHeaders lists, for a preflight, the header names announced in
	// Access-Control-Request-Headers.
	UnsafeHeaders []string
}

// Response describes a response whose headers have arrived.
type Response struct {
	// Attempt numbers the connection attempts of the source, from 1.
	Attempt int
	// Redirects is how many redirects this attempt has followed before
	// this response.
	Redirects int
	// Method is the request's method: "GET" (or fetch mode's), or "OPTIONS".
	Method string
	// URL is the URL that answered, secrets redacted.
	URL string
	// StatusCode is the response's status.
	StatusCode int
	// Proto is the protocol the response came over, such as "HTTP/1.1"
	// or "HTTP/2.0".
	Proto string
	// Header holds the response headers, credentials redacted.
	Header http.Header
	// CORSChecked reports whether the CORS check applied to the response.
	CORSChecked bool
	// Blocked is the failure of the CORS check (a *ssecors.BlockedError),
	// or nil.
	Blocked error
	// SetCookies explains, for each Set-Cookie header, whether the browser
	// jar stored it and why. It is empty when the request did not include
	// credentials: a browser then ignores Set-Cookie entirely.
	SetCookies []browserjar.Decision
}

// Reconnect describes a coming reconnection.
type Reconnect struct {
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
