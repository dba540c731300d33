// Package inspect lets ssecors/doctor see inside an ssecors.EventSource, and
// pull the few levers a diagnosis needs, without making either part of the
// public API. It cannot import ssecors (ssecors imports it), so the core
// fills in its variables in an init function (ssecors/inspect.go).
package inspect

import (
	"net/http"
	"net/url"
	"time"

	"github.com/ssecors/ssecors-go/internal/site"
	"github.com/ssecors/ssecors-go/ssecors/browserjar"
)

// View is what the doctor sees of one EventSource, and the levers it pulls.
// The fields describe the source as New configured it. Pull the levers
// before Run or Events, on the goroutine that will call them. (To drop a
// connection while the source runs, the doctor calls the public Restart.)
type View struct {
	// PageOrigin is the page origin given with WithOrigin, and Emulate
	// reports whether WithOrigin was given at all.
	PageOrigin site.Origin
	Emulate    bool
	// TopLevel is false when WithNestedFrame put the page in a cross-site
	// frame.
	TopLevel bool
	// Preflight is the ssecors.PreflightMode of WithPreflight.
	Preflight int
	// HeaderNames are the canonical names given to WithHeader, sorted.
	HeaderNames []string
	// Fetch reports fetch mode (WithFetch); Method is the request method
	// (GET for an EventSource) and Credentials the credentials mode:
	// "omit", "same-origin" or "include".
	Fetch       bool
	Method      string
	Credentials string
	// Jar is the browser jar the source asks for cookies, or nil; PlainJar
	// reports a jar given to WithCookieJar that is not a *browserjar.Jar.
	Jar      *browserjar.Jar
	PlainJar bool
	// Now is the source's clock.
	Now func() time.Time

	// RedactText and RedactURL hide secrets as the source's errors, logs
	// and traces do.
	RedactText func(string) string
	RedactURL  func(*url.URL) string
	// Fatal reports whether an error fails the connection for good (no
	// reconnection), under the source's RetryPolicy.
	Fatal func(error) bool

	// NoWait makes the source reconnect at once instead of waiting the
	// reconnection time.
	NoWait func()
	// DefaultConnectTimeout bounds the wait for each response's headers by
	// d, unless the HTTP client's Timeout already does.
	DefaultConnectTimeout func(d time.Duration)
	// WrapTransport replaces the transport of the source's own copy of the
	// HTTP client by wrap(transport); the transport given to wrap may be nil
	// for http.DefaultTransport.
	WrapTransport func(wrap func(http.RoundTripper) http.RoundTripper)
}

// Of returns the View of es, a *ssecors.EventSource, or nil for anything
// else. Each call returns a new View of the same source.
var Of func(es any) *View

// ErrRestart is the Err of the trace's Reconnect for a connection that
// EventSource.Restart dropped. The core sets it.
var ErrRestart error

// UnsafeHeaderNames returns the lowercased, sorted CORS-unsafe request
// header names among h: those that make a fetch() send a preflight (the
// core's rule, Fetch "CORS-unsafe request-header names").
var UnsafeHeaderNames func(h http.Header) []string

// UnsafeFetchHeaderNames is UnsafeHeaderNames for a fetch() request, whose
// Cache-Control and Pragma are the page's own and count.
var UnsafeFetchHeaderNames func(h http.Header) []string

// SecretWords are the words that make a query parameter name secret by
// default (the core's redactor's list).
var SecretWords []string

// FetchNeedsPreflight reports whether a cross-origin fetch() with method
// and the CORS-unsafe header names sends a preflight.
var FetchNeedsPreflight func(method string, unsafe []string) bool

// ReadableHeaders returns the lowercased names of the response headers
// a page could read from a cross-origin fetch() response:
// CORS-safelisted response headers and Access-Control-Expose-Headers.
var ReadableHeaders func(h http.Header, credentials bool) []string
