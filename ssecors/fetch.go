package ssecors

import (
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/ssecors/ssecors-go/internal/mimetype"
)

// This file holds fetch mode (WithFetch): a stream opened the way a page's
// fetch()-based client opens one, with a method, a body, headers and
// Fetch's credentials modes, preflighted exactly when Fetch preflights a
// request that is not simple.

// Fetch describes a stream that a page opens with fetch() and a streaming
// body reader instead of an EventSource: the pattern of LLM completion
// APIs, MCP's Streamable HTTP transport and clients such as
// @microsoft/fetch-event-source. Pass it to [WithFetch]. Its fields mirror
// fetch(url, {method, body, credentials}); request headers come from
// [WithHeader] and [WithHeaderFunc], as a page passes them in headers.
//
// The zero value is a GET with fetch()'s default credentials mode.
type Fetch struct {
	// Method is the request method; "" means GET. As fetch() does, DELETE,
	// GET, HEAD, OPTIONS, POST and PUT are uppercased whatever their case,
	// and other methods are sent exactly as given (a page's "patch" stays
	// "patch", and a preflight must then allow "patch"). CONNECT, TRACE and
	// TRACK are forbidden methods: New refuses them.
	Method string
	// Body returns the request body. It is called once per attempt, so
	// that every reconnection replays the body; the body is read whole
	// before the request is sent, which then carries a Content-Length, as a
	// page's string or Blob body does. nil means no body; GET and HEAD
	// cannot have one (fetch() throws). When it returns an error, no
	// request is sent and the attempt fails with a [*NetworkError] whose Op
	// is "body". A body without a Content-Type header is sent as
	// "text/plain;charset=UTF-8", as fetch() labels a string body. The
	// body never appears in an error, log or trace; the string values of
	// its secret-looking JSON or form fields (names holding token, key,
	// secret, password, auth... as for query parameters: see
	// [WithSecrets]) are redacted wherever a server echoes them.
	Body func() (io.ReadCloser, error)
	// Credentials is fetch()'s credentials mode: "omit" (no cookies at
	// all), "same-origin" (cookies on same-origin requests only; the
	// default, also for "") or "include" (cookies cross-origin too, and the
	// CORS check then requires an exact Access-Control-Allow-Origin and
	// Access-Control-Allow-Credentials: true).
	Credentials string
	// OneShot makes the stream a single request/response, such as an LLM
	// completion: when the body ends cleanly the source closes and Run
	// returns nil, and when the body fails after the response arrived, Run
	// returns that error; there is no reconnection. Failures before a
	// response arrived are retried under the retry policy, replaying the
	// body. Without OneShot a fetch stream reconnects as the fetch()-based
	// clients do: with the body replayed and the last event ID in a
	// Last-Event-ID request header.
	OneShot bool
}

// credMode is a Fetch credentials mode.
type credMode int

const (
	credSameOrigin credMode = iota
	credOmit
	credInclude
)

// fetchConfig is the validated Fetch of a source in fetch mode.
type fetchConfig struct {
	method  string
	body    func() (io.ReadCloser, error)
	creds   credMode
	oneShot bool
}

// WithFetch opens the stream as a page's fetch() does instead of as an
// EventSource (see [Fetch]): the method, body and credentials mode of f,
// the headers of [WithHeader] and [WithHeaderFunc] sent as the page's own
// (Accept defaults to text/event-stream, as fetch()-based SSE clients
// send), no Cache-Control or Pragma added, and, when the stream is
// cross-origin ([WithOrigin]) and the request is not simple in Fetch's
// sense — a method other than GET, HEAD or POST, or a header that is not
// CORS-safelisted, such as Authorization, Content-Type: application/json,
// a custom header, or Last-Event-ID on a reconnection — an OPTIONS
// preflight first, as the browser sends it, checked and cached as
// Chromium does. The response must have an ok status and a
// text/event-stream Content-Type (any charset: a page decodes the body
// itself). As Fetch appends it, a request whose method is not GET or HEAD
// carries Origin even when it is same-origin (with WithOrigin).
//
// With WithOrigin, a forbidden request-header (Cookie, Host, Origin,
// Sec-*, ...: what a page's fetch() cannot set) is a *ConfigError. Fetch
// mode cannot be combined with [WithCredentials] (use Credentials:
// "include") or [WithPreflight] (fetch mode preflights as the browser
// does).
func WithFetch(f Fetch) Option {
	return func(cfg *config) {
		fc := &fetchConfig{body: f.Body, oneShot: f.OneShot}
		m, reason := normalizeMethod(f.Method)
		if reason != "" {
			cfg.fail("WithFetch", f.Method, reason)
			return
		}
		fc.method = m
		if f.Body != nil && (m == http.MethodGet || m == http.MethodHead) {
			cfg.fail("WithFetch", m, "a "+m+" request cannot have a body (fetch() throws a TypeError)")
			return
		}
		switch f.Credentials {
		case "", "same-origin":
			fc.creds = credSameOrigin
		case "omit":
			fc.creds = credOmit
		case "include":
			fc.creds = credInclude
		default:
			cfg.fail("WithFetch", f.Credentials, `Credentials must be "omit", "same-origin" or "include"`)
			return
		}
		cfg.fetch = fc
	}
}

// WithHeaderFunc calls f before every connection attempt, reconnections
// included, for request headers that may change between attempts, such as
// a refreshed access token; they are added to those of [WithHeader],
// replacing any of the same name. An error from f fails the attempt with a
// [*NetworkError] whose Op is "header", retried like a connection failure;
// an invalid header, or one ssecors manages (Last-Event-ID, and for an
// EventSource Accept, Cache-Control and Pragma), fails the source with a
// [*ConfigError], as [WithHeader] would.
// Values of credential headers (Authorization, Cookie, *-Token, *-Key,
// and the names given to [WithSecrets]) are redacted wherever ssecors
// reports them. In fetch mode they are the page's own headers; for an
// EventSource they are sent as [WithHeader]'s are, which a browser
// cannot do.
func WithHeaderFunc(f func(ctx context.Context) (http.Header, error)) Option {
	return func(cfg *config) {
		if f == nil {
			cfg.fail("WithHeaderFunc", "", "function is nil")
			return
		}
		cfg.headerFunc = f
	}
}

// normalizeMethod validates a fetch() method and normalizes it as Fetch
// does. It returns a reason when the method is refused.
func normalizeMethod(m string) (string, string) {
	if m == "" {
		return http.MethodGet, ""
	}
	if !mimetype.IsToken(m) {
		return "", "not a method: a method is an HTTP token"
	}
	switch u := strings.ToUpper(m); u {
	case "CONNECT", "TRACE", "TRACK":
		return "", "a forbidden method (Fetch): a page's fetch() cannot send " + u
	case "DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT":
		return u, ""
	}
	return m, ""
}

// safelistedMethod is Fetch's "CORS-safelisted method".
func safelistedMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodPost
}

// forbiddenHeaders returns the names in h that a page's fetch() cannot
// set, sorted.
func forbiddenHeaders(h http.Header) []string {
	var out []string
	for name, values := range h {
		lower := strings.ToLower(name)
		for _, v := range values {
			if forbiddenRequestHeader(lower, v) {
				out = append(out, lower)
				break
			}
		}
	}
	return sortedSet(out)
}

// requestBodyHeaders are Fetch's "request-body-header names", removed when
// a redirect turns the request into a GET without a body.
var requestBodyHeaders = []string{"Content-Encoding", "Content-Language", "Content-Location", "Content-Type"}

// redirectDropsBody reports whether following a redirect with status
// changes the request to a GET without a body (Fetch "HTTP-redirect
// fetch", step 12).
func redirectDropsBody(status int, method string) bool {
	return (status == http.StatusMovedPermanently || status == http.StatusFound) && method == http.MethodPost ||
		status == http.StatusSeeOther && method != http.MethodGet && method != http.MethodHead
}

// readBody calls the body function and reads the body whole.
func readBody(f func() (io.ReadCloser, error)) ([]byte, error) {
	rc, err := f()
	if err != nil || rc == nil {
		return nil, err
	}
	b, err := io.ReadAll(rc)
	if cerr := rc.Close(); err == nil {
		err = cerr
	}
	return b, err
}

// The CORS-safelisted response-header names (Fetch): what a page can read
// of a cross-origin response without Access-Control-Expose-Headers.
var safelistedResponseHeaders = []string{"cache-control", "content-language", "content-length",
	"content-type", "expires", "last-modified", "pragma"}

// readableHeaders returns the lowercased names of the response headers in
// h that a page could read from a cross-origin fetch() response: the
// CORS-safelisted ones, and those Access-Control-Expose-Headers lists ("*"
// exposes all of them, except on a credentialed request). Set-Cookie and
// Set-Cookie2 are never readable.
func readableHeaders(h http.Header, credentials bool) []string {
	exposed, _, ok := parseCORSList(h, "Access-Control-Expose-Headers")
	if !ok {
		exposed = nil
	}
	all := false
	for _, n := range exposed {
		if n == "*" && !credentials {
			all = true
		}
	}
	var out []string
	for name := range h {
		lower := strings.ToLower(name)
		if lower == "set-cookie" || lower == "set-cookie2" {
			continue
		}
		if all || containsFold(safelistedResponseHeaders, lower) || containsFold(exposed, lower) {
			out = append(out, lower)
		}
	}
	return sortedSet(out)
}

// checkFetch validates fetch mode against the other options.
func (cfg *config) checkFetch() *ConfigError {
	if cfg.fetch == nil {
		for _, h := range eventSourceHeaders {
			if cfg.header[h] != nil {
				return &ConfigError{Option: "WithHeader", Value: h,
					Reason: "this header is managed by ssecors, as a browser manages it for an EventSource (a page's fetch() may set it: see WithFetch)"}
			}
		}
		return nil
	}
	switch {
	case cfg.credentials:
		return &ConfigError{Option: "WithCredentials",
			Reason: `is the EventSource's withCredentials; in fetch mode set Fetch.Credentials to "include"`}
	case cfg.preflight != PreflightNever:
		return &ConfigError{Option: "WithPreflight",
			Reason: "is for an EventSource; fetch mode sends a preflight exactly when the browser would"}
	}
	if cfg.emulate {
		if bad := forbiddenHeaders(cfg.header); len(bad) > 0 {
			return &ConfigError{Option: "WithHeader", Value: bad[0],
				Reason: "a forbidden request-header (Fetch): a page's fetch() cannot set it, the browser does"}
		}
	}
	if cfg.fetch.creds == credInclude {
		cfg.credentials = true
	}
	return nil
}

// method is the request method of the source's first request.
func (es *EventSource) method() string {
	if es.cfg.fetch != nil {
		return es.cfg.fetch.method
	}
	return http.MethodGet
}

// credentialsMode names the credentials mode as Fetch does.
func (es *EventSource) credentialsMode() string {
	switch {
	case es.omitCredentials():
		return "omit"
	case es.cfg.credentials:
		return "include"
	}
	return "same-origin"
}
