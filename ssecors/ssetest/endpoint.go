package ssetest

import (
	"maps"
	"net/http"
	"time"
)

// ContentTypeEventStream is the Content-Type a response gets unless
// ContentType, NoContentType or Header say otherwise.
const ContentTypeEventStream = "text/event-stream"

// The values of CORS fields that copy something from the request.
const (
	// EchoOrigin, as an element of CORS.AllowOrigin or
	// CORS.PreflightAllowOrigin, writes the request's Origin header value
	// (nothing when the request has none).
	EchoOrigin = "$origin"
	// EchoRequest, as CORS.AllowMethods or CORS.AllowHeaders, writes the
	// preflight's Access-Control-Request-Method or
	// Access-Control-Request-Headers value (nothing when absent).
	EchoRequest = "$request"
)

// Endpoint configures what the server answers at one path. Its zero value
// is a 200 text/event-stream response that sends nothing and stays open
// until the client leaves or the server is closed.
//
// The fields from Status to Handler are per connection and are mirrored in
// [Response]; Responses, RequireQuery and RequireCookie apply to the
// endpoint as a whole.
//
// Every non-OPTIONS request that passes RequireQuery and RequireCookie is a
// connection; connections are numbered from 0 per endpoint (see
// [Request.Attempt]). Connection i is answered from Responses[i] when
// i < len(Responses), and from the Endpoint's own fields otherwise.
//
// How a connection is answered, in order:
//
//  1. After HeaderDelay, with RawResponse, the raw bytes are written and
//     the connection ends; otherwise the CORS headers (see [CORS]),
//     SetCookies and Header are set.
//  2. With Redirect, the redirect is sent.
//  3. With Handler, the Handler answers.
//  4. With a Body or a Status other than 0 and 200, the status and the Body
//     are sent and the response ends.
//  5. Otherwise the response is a 200 stream: the headers are flushed,
//     then (unless StallAfterHeaders) a "retry:" block when Retry > 0 or
//     HasRetry, then the Events (from the one after Last-Event-ID with
//     Resume), each flushed, Interval apart. The stream then ends as
//     DropAfter, EndAfterScript and Abort say, or stays open.
//
// OPTIONS requests are preflights, answered from CORS alone.
type Endpoint struct {
	// Status is the response status; 0 means 200. A status other than 200
	// sends Body instead of a stream.
	Status int
	// ContentType is the Content-Type; "" means [ContentTypeEventStream].
	ContentType string
	// NoContentType sends no Content-Type header at all (and stops
	// net/http from sniffing one).
	NoContentType bool
	// Header holds extra response headers (Retry-After,
	// X-Content-Type-Options, ...). They replace any header of the same name
	// set before, Content-Type included: Header{"Content-Type": {""}} sends
	// an empty Content-Type.
	Header http.Header
	// SetCookies are raw Set-Cookie header values added to every response
	// of the endpoint, preflights excepted.
	SetCookies []string
	// Body, when non-empty, is sent instead of a stream, with Status.
	Body string
	// Events is the script sent on each connection.
	Events []Event
	// Resume starts the script after the first event whose ID equals the
	// request's Last-Event-ID (from the start when there is no match or no
	// header; Raw events never match).
	Resume bool
	// Retry, when > 0 or HasRetry, sends the block "retry: <Retry>\n\n" at
	// the start of each stream, before the events.
	Retry int
	// HasRetry sends the Retry block whatever the value of Retry (so
	// "retry: 0" too).
	HasRetry bool
	// Interval is the pause between two events (none before the first).
	// The pause ends early when the client leaves or the server closes.
	Interval time.Duration
	// DropAfter, when > 0, ends the stream after that many events of this
	// connection (counted after Resume skipped the known ones). The end is
	// clean (the final chunk is sent) unless Abort.
	DropAfter int
	// EndAfterScript ends the stream cleanly after the last event. Without
	// it, DropAfter or Abort, the stream stays open after the script until
	// the client leaves, [Server.Drop] or [Server.Close].
	EndAfterScript bool
	// Repeat sends the connection's events (after Resume) over and over,
	// Interval apart, until the client leaves or the server closes, or
	// until DropAfter events were sent. EndAfterScript has no effect with
	// it, and Abort only with DropAfter.
	Repeat bool
	// Abort makes the end of the stream abrupt: where the stream would end
	// (after DropAfter events, or after the script), the server writes the
	// first half of the next scripted event, if any, and cuts the
	// connection. Over HTTP/1.1 the connection is hijacked and closed, so a
	// client reading the body sees io.ErrUnexpectedEOF (a chunk never
	// ended), never a clean EOF. Over HTTP/2 the handler panics with
	// [http.ErrAbortHandler], which resets the stream: the client sees a
	// stream error, and the TCP connection lives on.
	Abort bool
	// AbortMode says how Abort, and the end of RawResponse, cut an
	// HTTP/1.1 connection: closed (the zero value), reset, or half-closed.
	// See [AbortMode]. Over HTTP/2 every mode resets the stream.
	AbortMode AbortMode
	// Drip writes the response body one byte per write, flushing each: for
	// parsers that must handle fields split across reads.
	Drip bool
	// StallAfterHeaders sends the 200 headers, then nothing more until the
	// client leaves or the server closes.
	StallAfterHeaders bool
	// HeaderDelay waits this long before answering at all. When the client
	// leaves or the server closes first, the response is aborted (as with
	// Abort) and nothing is sent.
	HeaderDelay time.Duration
	// RawResponse, when non-empty, is written verbatim on the connection in
	// place of any HTTP answer (status line, headers and body, exactly as
	// given), after HeaderDelay; the connection then ends as AbortMode
	// says. It is for what net/http would never send: malformed status
	// lines, headers or chunked encodings, bodies shorter than their
	// Content-Length. It needs HTTP/1.x, whose connection can be taken
	// over; over HTTP/2 the stream is reset and nothing is sent.
	RawResponse string
	// Redirect answers with a redirect instead of a stream.
	Redirect *Redirect
	// CORS sets the CORS headers; nil sends none. A preflight (OPTIONS)
	// uses the Endpoint's CORS even when a Response has its own.
	CORS *CORS
	// Handler, when set, answers the connection after HeaderDelay, the
	// CORS headers, SetCookies and Header were set (it may change them).
	// It is an escape hatch for behaviour the fields do not offer; it
	// should return when r.Context() or [Server.Done] is done, or
	// [Server.Close] will wait for it.
	Handler http.HandlerFunc

	// Responses overrides the fields above per connection: connection i
	// uses Responses[i] while i < len(Responses). Endpoint-wide Header and
	// SetCookies still apply, and the Endpoint's CORS applies unless the
	// Response sets its own.
	Responses []Response
	// RequireQuery answers 401 (with the endpoint's CORS headers, and not
	// counted as a connection) unless, for every key, the first value of
	// that query parameter exists and equals the given value.
	RequireQuery map[string]string
	// RequireCookie answers 401 like RequireQuery unless the request has a
	// cookie of this name; written "name=value", the value must match too.
	RequireCookie string
}

// Response is what one connection of an endpoint gets; see
// [Endpoint.Responses]. Its fields mean what the Endpoint fields of the
// same name mean, except that Header and SetCookies add to the Endpoint's
// (Header entries of the Response win), and CORS, when nil, falls back to
// the Endpoint's (use &CORS{} for no CORS headers on this connection).
type Response struct {
	// Status is as [Endpoint.Status].
	Status int
	// ContentType is as [Endpoint.ContentType].
	ContentType string
	// NoContentType is as [Endpoint.NoContentType].
	NoContentType bool
	// Header is as [Endpoint.Header]. Added to the Endpoint's; these entries win.
	Header http.Header
	// SetCookies is as [Endpoint.SetCookies]. Added after the Endpoint's.
	SetCookies []string
	// Body is as [Endpoint.Body].
	Body string
	// Events is as [Endpoint.Events].
	Events []Event
	// Resume is as [Endpoint.Resume].
	Resume bool
	// Retry is as [Endpoint.Retry].
	Retry int
	// HasRetry is as [Endpoint.HasRetry].
	HasRetry bool
	// Interval is as [Endpoint.Interval].
	Interval time.Duration
	// DropAfter is as [Endpoint.DropAfter].
	DropAfter int
	// EndAfterScript is as [Endpoint.EndAfterScript].
	EndAfterScript bool
	// Repeat is as [Endpoint.Repeat].
	Repeat bool
	// Abort is as [Endpoint.Abort].
	Abort bool
	// AbortMode is as [Endpoint.AbortMode].
	AbortMode AbortMode
	// Drip is as [Endpoint.Drip].
	Drip bool
	// StallAfterHeaders is as [Endpoint.StallAfterHeaders].
	StallAfterHeaders bool
	// HeaderDelay is as [Endpoint.HeaderDelay].
	HeaderDelay time.Duration
	// RawResponse is as [Endpoint.RawResponse].
	RawResponse string
	// Redirect is as [Endpoint.Redirect].
	Redirect *Redirect
	// CORS is as [Endpoint.CORS]. nil means the Endpoint's CORS; &CORS{} means none.
	CORS *CORS
	// Handler is as [Endpoint.Handler].
	Handler http.HandlerFunc
}

// Redirect is a redirect answer.
type Redirect struct {
	// Status is the redirect status; 0 means 302.
	Status int
	// Location is sent verbatim: absolute (see [Server.HostURL]) or
	// relative.
	Location string
}

// CORS sets the CORS headers of an endpoint's responses. Every string is
// sent verbatim, and "" sends no header, so malformed values can be tested.
//
// Every non-preflight response of the endpoint gets AllowOrigin and
// AllowCredentials: streams, errors, redirects and the 401 of RequireQuery.
// A preflight (any OPTIONS request to the endpoint) gets the Preflight
// fields, AllowMethods, AllowHeaders, MaxAge and PreflightHeader, and no
// Set-Cookie. With a nil CORS an OPTIONS request gets a bare 204.
type CORS struct {
	// AllowOrigin gives one Access-Control-Allow-Origin line per element;
	// the element [EchoOrigin] stands for the request's Origin. nil or
	// empty sends none.
	AllowOrigin []string
	// AllowCredentials is the Access-Control-Allow-Credentials value.
	AllowCredentials string

	// PreflightStatus is the status of a preflight; 0 means 204.
	PreflightStatus int
	// PreflightAllowOrigin replaces AllowOrigin on preflights when
	// non-nil; []string{} sends none.
	PreflightAllowOrigin []string
	// PreflightAllowCredentials replaces AllowCredentials on preflights
	// when non-nil.
	PreflightAllowCredentials *string
	// AllowMethods is Access-Control-Allow-Methods on preflights;
	// [EchoRequest] echoes Access-Control-Request-Method.
	AllowMethods string
	// AllowHeaders is Access-Control-Allow-Headers on preflights;
	// [EchoRequest] echoes Access-Control-Request-Headers.
	AllowHeaders string
	// MaxAge is Access-Control-Max-Age on preflights.
	MaxAge string
	// PreflightHeader holds extra preflight response headers.
	PreflightHeader http.Header
	// PreflightDelay waits this long before answering a preflight. When
	// the client leaves or the server closes first, the preflight is
	// aborted and nothing is sent.
	PreflightDelay time.Duration
}

// AllowAll returns a CORS that lets any origin in, with credentials: it
// echoes the Origin, sends "Access-Control-Allow-Credentials: true" and
// answers preflights by echoing the requested method and headers.
func AllowAll() *CORS {
	return &CORS{
		AllowOrigin:      []string{EchoOrigin},
		AllowCredentials: "true",
		AllowMethods:     EchoRequest,
		AllowHeaders:     EchoRequest,
	}
}

// response returns the connection-level configuration of e itself.
func (e *Endpoint) response() Response {
	return Response{
		Status:            e.Status,
		ContentType:       e.ContentType,
		NoContentType:     e.NoContentType,
		Header:            e.Header,
		SetCookies:        e.SetCookies,
		Body:              e.Body,
		Events:            e.Events,
		Resume:            e.Resume,
		Retry:             e.Retry,
		HasRetry:          e.HasRetry,
		Interval:          e.Interval,
		DropAfter:         e.DropAfter,
		EndAfterScript:    e.EndAfterScript,
		Repeat:            e.Repeat,
		Abort:             e.Abort,
		AbortMode:         e.AbortMode,
		Drip:              e.Drip,
		StallAfterHeaders: e.StallAfterHeaders,
		HeaderDelay:       e.HeaderDelay,
		RawResponse:       e.RawResponse,
		Redirect:          e.Redirect,
		CORS:              e.CORS,
		Handler:           e.Handler,
	}
}

// responseFor returns what connection attempt (from 0) gets.
func (e *Endpoint) responseFor(attempt int) Response {
	if attempt < 0 || attempt >= len(e.Responses) {
		return e.response()
	}
	r := e.Responses[attempt]
	if r.CORS == nil {
		r.CORS = e.CORS
	}
	r.SetCookies = append(append([]string(nil), e.SetCookies...), r.SetCookies...)
	h := e.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	maps.Copy(h, r.Header)
	r.Header = h
	return r
}

// clone returns a copy of e that shares no slice, map or pointer with it,
// so that the caller may change e after handing it over.
func (e Endpoint) clone() Endpoint {
	r := e.response().clone()
	e.Header, e.SetCookies, e.Events, e.Redirect, e.CORS = r.Header, r.SetCookies, r.Events, r.Redirect, r.CORS
	e.RequireQuery = maps.Clone(e.RequireQuery)
	if e.Responses != nil {
		rs := make([]Response, len(e.Responses))
		for i, resp := range e.Responses {
			rs[i] = resp.clone()
		}
		e.Responses = rs
	}
	return e
}

func (r Response) clone() Response {
	r.Header = r.Header.Clone()
	r.SetCookies = append([]string(nil), r.SetCookies...)
	r.Events = append([]Event(nil), r.Events...)
	if r.Redirect != nil {
		rd := *r.Redirect
		r.Redirect = &rd
	}
	if r.CORS != nil {
		c := *r.CORS
		c.AllowOrigin = cloneStrings(c.AllowOrigin)
		c.PreflightAllowOrigin = cloneStrings(c.PreflightAllowOrigin)
		if c.PreflightAllowCredentials != nil {
			v := *c.PreflightAllowCredentials
			c.PreflightAllowCredentials = &v
		}
		c.PreflightHeader = c.PreflightHeader.Clone()
		r.CORS = &c
	}
	return r
}

// cloneStrings copies s, keeping nil as nil and empty as empty.
func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string{}, s...)
}
