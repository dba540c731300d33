package ssetest

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Request is one logged request. The server logs every request it
// answers (streams, preflights, redirects, rejections, login, pages and
// unknown paths) when it arrives, before it answers.
type Request struct {
	// Seq is the request's index in [Server.Requests], from 0.
	Seq int
	// Time is when the request was logged.
	Time time.Time
	// Method is the request method.
	Method string
	// Scheme is "http" or "https": the listener the request came to.
	Scheme string
	// Proto is the protocol, "HTTP/1.1" or "HTTP/2.0".
	Proto string
	// Host is the host name the request was sent to (Host header or
	// :authority), without the port.
	Host string
	// Path is the request's path.
	Path string
	// RawQuery is the request's query, without the "?".
	RawQuery string
	// Header is a copy of the request's headers.
	Header http.Header
	// Cookies are the cookies of the request's Cookie headers.
	Cookies []*http.Cookie
	// Origin is the Origin header's value, "" when absent.
	Origin string
	// LastEventID is the Last-Event-ID header's value.
	LastEventID string
	// HasLastEventID reports whether the Last-Event-ID header was present.
	HasLastEventID bool
	// Preflight reports an OPTIONS request.
	Preflight bool
	// Attempt is the connection's number at its endpoint, from 0: the index
	// into [Endpoint.Responses] that answered it. It is -1 for requests that
	// are not connections: preflights, rejections by RequireQuery or
	// RequireCookie, login, and paths with no endpoint.
	Attempt int
}

// Query parses RawQuery.
func (r Request) Query() url.Values {
	q, _ := url.ParseQuery(r.RawQuery)
	return q
}

// Cookie returns the value of the first cookie named name, and whether
// there was one.
func (r Request) Cookie(name string) (string, bool) {
	for _, c := range r.Cookies {
		if c.Name == name {
			return c.Value, true
		}
	}
	return "", false
}

func newRequest(r *http.Request, seq, attempt int) Request {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	leid, hasLEID := r.Header["Last-Event-Id"]
	req := Request{
		Seq:            seq,
		Time:           time.Now(),
		Method:         r.Method,
		Scheme:         scheme,
		Proto:          r.Proto,
		Host:           hostname(r.Host),
		Path:           r.URL.Path,
		RawQuery:       r.URL.RawQuery,
		Header:         r.Header.Clone(),
		Cookies:        r.Cookies(),
		Origin:         r.Header.Get("Origin"),
		HasLastEventID: hasLEID,
		Preflight:      r.Method == http.MethodOptions,
		Attempt:        attempt,
	}
	if hasLEID && len(leid) > 0 {
		req.LastEventID = leid[0]
	}
	return req
}

// hostname strips the port and IPv6 brackets from a Host value.
func hostname(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]")
}

// logRequest appends req to the log and wakes the waiters. s.mu must be
// held.
func (s *Server) logRequest(req Request) {
	s.reqs = append(s.reqs, req)
	close(s.changed)
	s.changed = make(chan struct{})
}

// Requests returns a copy of the request log so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// RequestsTo returns the logged requests whose path is path, in arrival
// order.
func (s *Server) RequestsTo(path string) []Request {
	return filterPath(s.Requests(), path)
}

func filterPath(reqs []Request, path string) []Request {
	var out []Request
	for _, r := range reqs {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// Connections returns how many connections have been served at path so
// far (requests with Attempt >= 0), across every host and every endpoint
// installed there.
func (s *Server) Connections(path string) int {
	n := 0
	for _, r := range s.RequestsTo(path) {
		if r.Attempt >= 0 {
			n++
		}
	}
	return n
}

// WaitRequests waits until at least n requests have been logged and
// returns the log. It returns early with the log so far and an error when
// ctx ends (context.Cause(ctx)) or the server is closed ([ErrClosed]).
func (s *Server) WaitRequests(ctx context.Context, n int) ([]Request, error) {
	return s.WaitFor(ctx, func(reqs []Request) bool { return len(reqs) >= n })
}

// WaitFor waits until cond holds for the request log and returns the log.
// cond is called with a copy of the log, without a lock held, once at the
// start and once per new request. It returns early with the log so far and
// an error when ctx ends (context.Cause(ctx)) or the server is closed
// ([ErrClosed]).
func (s *Server) WaitFor(ctx context.Context, cond func([]Request) bool) ([]Request, error) {
	for {
		s.mu.Lock()
		reqs := append([]Request(nil), s.reqs...)
		changed := s.changed
		s.mu.Unlock()
		if cond(reqs) {
			return reqs, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return reqs, context.Cause(ctx)
		case <-s.done:
			if reqs = s.Requests(); cond(reqs) {
				return reqs, nil
			}
			return reqs, ErrClosed
		}
	}
}
