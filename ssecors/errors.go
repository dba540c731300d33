package ssecors

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// ErrEventTooLarge is wrapped by the error that ends a source, or a
// Decoder, when an event or a single line grows beyond the maximum event
// size (see [WithMaxEventSize]). It is terminal: the source is Closed and
// does not reconnect, because the same oversized event would be sent again.
var ErrEventTooLarge = errors.New("ssecors: event exceeds the maximum event size")

// ErrRetriesExhausted is wrapped, together with the last attempt's error,
// by the error Run returns when the limits of [WithRetryLimit] are reached,
// or when a [backoff.BackOff] given to [WithBackoff] returns backoff.Stop.
var ErrRetriesExhausted = errors.New("ssecors: reconnection attempts exhausted")

// ErrTooManyRedirects is the Err of the [*NetworkError] for an attempt
// that met more than 20 redirects: a network error, after which the source
// reconnects, as Chromium does.
var ErrTooManyRedirects = errors.New("more than 20 redirects")

// ErrStarted is returned by Run and yielded by Events when the source has
// already been started: an EventSource runs once, like a browser's.
var ErrStarted = errors.New("ssecors: event source already started")

// ConfigError reports an invalid argument given to [New] or an
// option. Nothing has been sent when it is returned.
type ConfigError struct {
	// Option names what was invalid: "url" for the URL given to New, or
	// the option's name, such as "WithOrigin".
	Option string
	// Value is the offending value, with secrets redacted; it may be empty.
	Value string
	// Reason says what is wrong, in words.
	Reason string
}

// Error describes the invalid argument.
func (e *ConfigError) Error() string {
	if e.Value != "" {
		return fmt.Sprintf("ssecors: invalid %s %q: %s", e.Option, truncate(e.Value, 200), e.Reason)
	}
	return fmt.Sprintf("ssecors: invalid %s: %s", e.Option, e.Reason)
}

// ResponseError reports a response that cannot open a stream: a status
// other than 200, or a Content-Type other than text/event-stream. A browser
// fails the connection: the source becomes Closed, OnError runs once, and it
// does not reconnect (unless [WithRetryServerErrors] allows it for a 5xx or
// 429 status).
type ResponseError struct {
	// URL is the URL that answered, secrets redacted.
	URL string
	// StatusCode is the response's status code.
	StatusCode int
	// Status is the response's status line, such as "404 Not Found".
	Status string
	// ContentType is the response's Content-Type header, as received.
	ContentType string
	// Body holds the first bytes of the response body (at most 512), to
	// show what the server said instead of a stream.
	Body []byte
	// RetryAfter is the delay the Retry-After header asked for, or zero.
	RetryAfter time.Duration
	// Reason says why the response does not open a stream.
	Reason string
}

// Error names the URL, the reason, the status and the content type.
func (e *ResponseError) Error() string {
	var b strings.Builder
	b.WriteString("ssecors: ")
	b.WriteString(e.URL)
	b.WriteString(": ")
	b.WriteString(e.Reason)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, " (status %d", e.StatusCode)
		if e.ContentType != "" {
			fmt.Fprintf(&b, ", content type %q", e.ContentType)
		} else {
			b.WriteString(", no content type")
		}
		b.WriteString(")")
	}
	return b.String()
}

// NetworkError reports a failed connection attempt or a stream that ended:
// a DNS failure, a refused or reset connection, a TLS error, a timeout, or
// the server ending the stream. A browser reestablishes the connection after
// these, and so does an EventSource: OnError runs and the source stays
// Connecting. It has the shape of [net/url.Error], with the URL redacted.
type NetworkError struct {
	// Op is the operation: "GET", "OPTIONS" (a preflight) or "read" (the
	// stream body).
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
		return fmt.Sprintf("ssecors: %s %s: stream ended by the server", e.Op, e.URL)
	}
	return fmt.Sprintf("ssecors: %s %s: %v", e.Op, e.URL, e.Err)
}

// Unwrap returns Err, for errors.Is and errors.As.
func (e *NetworkError) Unwrap() error { return e.Err }

// Timeout reports whether the error is a timeout (connect, idle or TLS
// handshake), like [net.Error].
func (e *NetworkError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.Err, &t) && t.Timeout()
}

// CORS rules named by [CORSError.Rule]. Each is one check of WHATWG Fetch's
// "CORS check" or "CORS-preflight fetch" that the response failed.
const (
	// RuleAllowOriginMissing: the response has no Access-Control-Allow-Origin.
	RuleAllowOriginMissing = "allow-origin-missing"
	// RuleAllowOriginMultiple: Access-Control-Allow-Origin holds a list, or
	// appears more than once.
	RuleAllowOriginMultiple = "allow-origin-multiple"
	// RuleAllowOriginWildcard: Access-Control-Allow-Origin is "*" but the
	// request carries credentials.
	RuleAllowOriginWildcard = "allow-origin-wildcard-with-credentials"
	// RuleAllowOriginMismatch: Access-Control-Allow-Origin is not exactly
	// the request's serialized origin (trailing slash, case, port, a
	// different origin, or "null" for an untainted request).
	RuleAllowOriginMismatch = "allow-origin-mismatch"
	// RuleAllowCredentials: the request carries credentials and
	// Access-Control-Allow-Credentials is not exactly "true".
	RuleAllowCredentials = "allow-credentials"
	// RulePreflightStatus: the preflight response's status is not 2xx
	// (redirects are not followed for a preflight).
	RulePreflightStatus = "preflight-status"
	// RulePreflightAllowMethods: Access-Control-Allow-Methods does not parse,
	// or does not allow the method.
	RulePreflightAllowMethods = "preflight-allow-methods"
	// RulePreflightAllowHeaders: Access-Control-Allow-Headers does not
	// parse, or does not allow one of the request's headers.
	RulePreflightAllowHeaders = "preflight-allow-headers"
)

// CORS stages named by [CORSError.Stage].
const (
	// StageResponse: the check of the stream's final response.
	StageResponse = "response"
	// StageRedirect: the check of a cross-origin redirect response.
	StageRedirect = "redirect"
	// StagePreflight: the OPTIONS preflight requested by [WithPreflight].
	StagePreflight = "preflight"
)

// CORSError reports a response that fails the CORS check a browser applies
// to a cross-origin EventSource request. A browser treats it as a network
// error and fails the connection: the source becomes Closed and does not
// reconnect. The message names the failed rule, the values seen, and the fix.
type CORSError struct {
	// Stage is StageResponse, StageRedirect or StagePreflight.
	Stage string
	// Rule is the failed rule, one of the Rule constants.
	Rule string
	// URL is the URL whose response failed, secrets redacted.
	URL string
	// Origin is the Origin header the request carried: the page origin, or
	// "null" after a cross-origin redirect tainted it.
	Origin string
	// Credentials reports whether the request's credentials mode was
	// "include" ([WithCredentials]).
	Credentials bool
	// AllowOrigin holds the Access-Control-Allow-Origin values received,
	// one per header line; nil when absent.
	AllowOrigin []string
	// AllowCredentials holds the Access-Control-Allow-Credentials values
	// received; nil when absent.
	AllowCredentials []string
	// Detail explains the failure with the values seen.
	Detail string
	// Fix says what to change on the server, as header lines where it can.
	Fix string
}

// Error names the stage, the URL, the origin, the rule, what was seen and
// the fix.
func (e *CORSError) Error() string {
	var b strings.Builder
	b.WriteString("ssecors: cors ")
	b.WriteString(e.Stage)
	b.WriteString(" check failed for ")
	b.WriteString(e.URL)
	b.WriteString(" from origin ")
	b.WriteString(e.Origin)
	b.WriteString(" [")
	b.WriteString(e.Rule)
	b.WriteString("]: ")
	b.WriteString(e.Detail)
	if e.Fix != "" {
		b.WriteString(": ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

// BlockedError reports a request a browser would refuse to make or to
// follow, for a reason other than CORS: mixed content (an https page
// opening an http stream), a redirect to a non-HTTP(S) URL, or a redirect
// Location that does not parse or carries credentials. A browser fails the
// connection: Closed, no reconnect.
type BlockedError struct {
	// Reason names the rule: "mixed-content", "redirect-scheme",
	// "redirect-location" or "redirect-credentials".
	Reason string
	// URL is the URL that was refused, secrets redacted.
	URL string
	// Detail explains the refusal.
	Detail string
	// Fix says what to change.
	Fix string
}

// Error names the refused URL, the rule and the fix.
func (e *BlockedError) Error() string {
	s := "ssecors: blocked " + e.URL + " [" + e.Reason + "]: " + e.Detail
	if e.Fix != "" {
		s += ": " + e.Fix
	}
	return s
}

// headerValues returns the values of a header, or nil when absent.
func headerValues(h http.Header, name string) []string {
	v := h.Values(name)
	if len(v) == 0 {
		return nil
	}
	return append([]string(nil), v...)
}
