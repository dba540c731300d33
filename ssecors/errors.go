package ssecors

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrEventTooLarge is wrapped by the error that ends a source, or a
// Decoder, when an event or a single line grows beyond the maximum event
// size (see [WithMaxEventSize]). It is terminal: the source is Closed and
// does not reconnect, because the same oversized event would be sent again.
var ErrEventTooLarge = errors.New("ssecors: event exceeds the maximum event size")

// ErrRetriesExhausted is wrapped, together with the last attempt's error,
// by the error Run returns when a limit of [RetryPolicy] is reached, or
// when the BackOff of a RetryPolicy returns backoff.Stop.
var ErrRetriesExhausted = errors.New("ssecors: reconnection attempts exhausted")

// ErrNoContent is wrapped by the [*ResponseError] of a 204 No Content
// response: the server's way of telling a client to stop reconnecting.
// A browser closes its EventSource for good, and so does ssecors; test for
// it with errors.Is(err, ssecors.ErrNoContent).
var ErrNoContent = errors.New("ssecors: the server answered 204 No Content")

// ErrReconnecting marks the errors that [EventSource.Events] yields for
// failed attempts the source recovers from: errors.Is(err,
// ssecors.ErrReconnecting) reports true for them, and the loop goes on
// (errors.As still finds the [*NetworkError] or [*ResponseError] inside).
// Any other error ends the loop.
var ErrReconnecting = errors.New("ssecors: reconnecting")

// ErrStarted is returned by Run and yielded by Events when the source has
// already been started: an EventSource runs once, like a browser's.
var ErrStarted = errors.New("ssecors: event source already started")

// errTooManyRedirects is the Err of the NetworkError for an attempt that
// met more than 20 redirects: a network error, after which the source
// reconnects, as Chromium does (Firefox and WebKit close it: see
// config.fatal).
var errTooManyRedirects = errors.New("more than 20 redirects")

// prefix starts every error message of this package, once.
const prefix = "ssecors: "

// ConfigError reports an invalid argument given to [New], to an option, or
// to Run or Events (a nil context). Nothing has been sent when it is
// returned.
type ConfigError struct {
	// Option names what was invalid: "url" for the URL given to New,
	// "context" for a nil context, or the option's name, such as
	// "WithOrigin".
	Option string
	// Value is the offending value, with secrets redacted; it may be empty.
	Value string
	// Reason says what is wrong, in words.
	Reason string
}

// Error describes the invalid argument.
func (e *ConfigError) Error() string {
	if e.Value != "" {
		return fmt.Sprintf(prefix+"invalid %s %q: %s", e.Option, truncate(e.Value, 200), e.Reason)
	}
	return prefix + "invalid " + e.Option + ": " + e.Reason
}

// ResponseError reports a response that cannot open a stream: a status
// other than 200, or a Content-Type other than text/event-stream (or a
// charset other than UTF-8, which Chromium refuses). A browser fails the
// connection: the source becomes Closed, OnError runs once, and it does not
// reconnect (unless [RetryPolicy].RetryServerErrors allows it for a 5xx or
// 429 status). For a 204 it wraps [ErrNoContent].
type ResponseError struct {
	// URL is the URL that answered, secrets redacted.
	URL string
	// StatusCode is the response's status code.
	StatusCode int
	// ContentType is the response's Content-Type header, as received.
	ContentType string
	// Body holds the first bytes of the response body (at most 512), to
	// show what the server said instead of a stream.
	Body []byte
	// RetryAfter is the delay the Retry-After header asked for, or zero.
	RetryAfter time.Duration
	// Detail says why the response does not open a stream.
	Detail string

	method string // the request's method; "" means GET
}

// Error names the method, the URL and why the response opens no stream.
func (e *ResponseError) Error() string {
	m := e.method
	if m == "" {
		m = http.MethodGet
	}
	return prefix + m + " " + e.URL + ": " + e.Detail
}

// Unwrap returns [ErrNoContent] for a 204 response, and nil otherwise.
func (e *ResponseError) Unwrap() error {
	if e.StatusCode == http.StatusNoContent {
		return ErrNoContent
	}
	return nil
}

// responseDetail describes a response that opens no stream.
func responseDetail(status int, contentType string, charset, fetch bool) string {
	switch {
	case status == http.StatusNoContent:
		return "204 No Content: the server asks the client to stop reconnecting"
	case fetch && (status < 200 || status > 299):
		return "status " + strconv.Itoa(status) + " " + http.StatusText(status) + ", want an ok status (2xx)"
	case !fetch && status != http.StatusOK:
		return "status " + strconv.Itoa(status) + " " + http.StatusText(status) + ", want 200"
	case contentType == "":
		return "no Content-Type, want text/event-stream"
	case charset:
		return fmt.Sprintf("Content-Type %q has a charset other than UTF-8, which Chromium refuses", contentType)
	}
	return fmt.Sprintf("Content-Type %q, want text/event-stream", contentType)
}

// NetworkError reports a failed connection attempt or a stream that ended:
// a DNS failure, a refused or reset connection, a TLS error, a timeout, or
// the server ending the stream. A browser reestablishes the connection after
// these, and so does an EventSource: OnError runs and the source stays
// Connecting. It has the shape of [net/url.Error], with the URL redacted.
type NetworkError struct {
	// Op is the operation: "GET" (connecting, redirects included),
	// "OPTIONS" (an explicit preflight), "read" (the stream body), or
	// "query" (the function of [WithQueryFunc] failed).
	Op string
	// URL is the URL involved, secrets redacted.
	URL string
	// Err is the underlying error, itself free of unredacted URLs. It is
	// io.EOF when the server ended the stream cleanly.
	Err error
}

// Error names the operation, the redacted URL and the cause.
func (e *NetworkError) Error() string {
	if e.Err == io.EOF {
		return prefix + e.Op + " " + e.URL + ": stream ended by the server"
	}
	return prefix + e.Op + " " + e.URL + ": " + unprefixed(e.Err)
}

// Unwrap returns Err, for errors.Is and errors.As.
func (e *NetworkError) Unwrap() error { return e.Err }

// Timeout reports whether the error is a timeout (connect, idle or TLS
// handshake), like [net.Error].
func (e *NetworkError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.Err, &t) && t.Timeout()
}

// Rule names the browser rule that a [*BlockedError] reports broken. The
// CORS rules are the checks of WHATWG Fetch's "CORS check" and
// "CORS-preflight fetch"; the others are Fetch's and Mixed Content's
// reasons to refuse a request or a redirect.
type Rule string

// The rules of a [*BlockedError].
const (
	// RuleAllowOriginMissing: the response has no Access-Control-Allow-Origin.
	RuleAllowOriginMissing Rule = "allow-origin-missing"
	// RuleAllowOriginMultiple: Access-Control-Allow-Origin holds a list, or
	// appears more than once.
	RuleAllowOriginMultiple Rule = "allow-origin-multiple"
	// RuleAllowOriginWildcard: Access-Control-Allow-Origin is "*" but the
	// request carries credentials.
	RuleAllowOriginWildcard Rule = "allow-origin-wildcard-with-credentials"
	// RuleAllowOriginMismatch: Access-Control-Allow-Origin is not exactly
	// the request's serialized origin (trailing slash, case, port, a
	// different origin, or "null" for an untainted request).
	RuleAllowOriginMismatch Rule = "allow-origin-mismatch"
	// RuleAllowCredentials: the request carries credentials and
	// Access-Control-Allow-Credentials is not exactly "true".
	RuleAllowCredentials Rule = "allow-credentials"
	// RulePreflightStatus: the preflight response's status is not 2xx
	// (redirects are not followed for a preflight).
	RulePreflightStatus Rule = "preflight-status"
	// RulePreflightAllowMethods: Access-Control-Allow-Methods does not parse,
	// or does not allow the method.
	RulePreflightAllowMethods Rule = "preflight-allow-methods"
	// RulePreflightAllowHeaders: Access-Control-Allow-Headers does not
	// parse, or does not allow one of the request's headers.
	RulePreflightAllowHeaders Rule = "preflight-allow-headers"
	// RuleMixedContent: an https page may not open an http stream.
	RuleMixedContent Rule = "mixed-content"
	// RuleRedirectScheme: a redirect to a URL that is not http or https.
	RuleRedirectScheme Rule = "redirect-scheme"
	// RuleRedirectLocation: a redirect whose Location does not parse.
	RuleRedirectLocation Rule = "redirect-location"
	// RuleRedirectCredentials: a cross-origin redirect to a URL with user
	// information.
	RuleRedirectCredentials Rule = "redirect-credentials"
)

// cors reports whether the rule is one of the CORS checks.
func (r Rule) cors() bool {
	switch r {
	case RuleMixedContent, RuleRedirectScheme, RuleRedirectLocation, RuleRedirectCredentials:
		return false
	}
	return true
}

// BlockedError reports a request, response or redirect that a browser
// refuses: a response that fails the CORS check (of the stream, of a
// redirect, or of the preflight that [WithPreflight] sends), an https page
// opening an http stream (mixed content), or a redirect a browser will not
// follow. Rule says which. A browser treats it as a network error and fails
// the connection: the source becomes Closed and does not reconnect.
type BlockedError struct {
	// Rule is the rule broken.
	Rule Rule
	// Op is the request's method: "GET", or "OPTIONS" for the preflight.
	Op string
	// URL is the URL whose response (or redirect) was refused, or the URL
	// that was not requested, secrets redacted.
	URL string
	// Origin is the Origin header the request carried: the page origin, or
	// "null" after a cross-origin redirect tainted it. It is empty for a
	// rule that is not a CORS check.
	Origin string
	// Credentials reports whether the request's credentials mode was
	// "include" ([WithCredentials]).
	Credentials bool
	// AllowOrigin holds the Access-Control-Allow-Origin values received,
	// one per header line; nil when absent.
	AllowOrigin []string
	// Detail explains the failure with the values seen.
	Detail string
	// Fix says what to change, on the server where it can, as header lines.
	Fix string
}

// Error names the request, the URL and what failed; the fix is in Fix.
func (e *BlockedError) Error() string {
	what := "blocked"
	if e.Rule.cors() {
		what = "CORS"
		if e.Op == http.MethodOptions {
			what = "CORS preflight"
		}
	}
	op := e.Op
	if op == "" {
		op = http.MethodGet
	}
	return prefix + op + " " + e.URL + ": " + what + ": " + e.Detail
}

// reconnectingError is a recoverable failure as Events yields it.
type reconnectingError struct{ err error }

func (e *reconnectingError) Error() string   { return e.err.Error() + " (reconnecting)" }
func (e *reconnectingError) Unwrap() []error { return []error{ErrReconnecting, e.err} }

// endedError is what Run returns when its context ends while the source is
// retrying: the context's cause, joined with the last attempt's failure.
type endedError struct{ cause, last error }

func (e *endedError) Error() string {
	return prefix + unprefixed(e.cause) + " (while reconnecting after: " + unprefixed(e.last) + ")"
}
func (e *endedError) Unwrap() []error { return []error{e.cause, e.last} }

// retriesError ends a source whose retry limits were reached: it wraps
// ErrRetriesExhausted and the last attempt's error.
type retriesError struct {
	attempts int
	why      string
	last     error
}

func (e *retriesError) Error() string {
	attempts := "attempts"
	if e.attempts == 1 {
		attempts = "attempt"
	}
	return fmt.Sprintf(prefix+"gave up after %d %s (%s): %s", e.attempts, attempts, e.why, unprefixed(e.last))
}

func (e *retriesError) Unwrap() []error { return []error{ErrRetriesExhausted, e.last} }

// unprefixed returns err's message without this package's prefix, for
// messages that wrap it.
func unprefixed(err error) string {
	return strings.TrimPrefix(err.Error(), prefix)
}

// headerValues returns the values of a header, or nil when absent.
func headerValues(h http.Header, name string) []string {
	v := h.Values(name)
	if len(v) == 0 {
		return nil
	}
	return append([]string(nil), v...)
}
