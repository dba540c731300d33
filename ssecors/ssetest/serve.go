package ssetest

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// serve is the root handler of both listeners: it routes, logs, and
// answers.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "ssetest: closed", http.StatusServiceUnavailable)
		return
	}
	s.handlers.Add(1)
	defer s.handlers.Done()

	rt := s.lookup(strings.ToLower(hostname(r.Host)), r.URL.Path)
	attempt := -1
	var ep *Endpoint
	answer := answerNotFound
	switch {
	case rt == nil && r.URL.Path == LoginPath:
		answer = answerLogin
	case rt == nil:
	case r.Method == http.MethodOptions:
		ep, answer = &rt.ep, answerPreflight
	case !authorized(r, &rt.ep):
		ep, answer = &rt.ep, answerUnauthorized
	default:
		ep, answer = &rt.ep, answerConnection
		attempt = rt.next
		rt.next++
	}
	s.logRequest(newRequest(r, len(s.reqs), attempt))
	s.mu.Unlock()

	switch answer {
	case answerNotFound:
		http.NotFound(w, r)
	case answerLogin:
		serveLogin(w, r)
	case answerPreflight:
		if ep.CORS != nil && !s.sleep(r, ep.CORS.PreflightDelay) {
			panic(http.ErrAbortHandler) // send nothing, not an empty 204
		}
		servePreflight(w, r, ep.CORS)
	case answerUnauthorized:
		setCORS(w.Header(), r, ep.CORS)
		http.Error(w, "ssetest: unauthorized", http.StatusUnauthorized)
	case answerConnection:
		s.serveResponse(w, r, ep.responseFor(attempt))
	}
}

type answerKind int

const (
	answerNotFound answerKind = iota
	answerLogin
	answerPreflight
	answerUnauthorized
	answerConnection
)

// authorized applies RequireQuery and RequireCookie.
func authorized(r *http.Request, ep *Endpoint) bool {
	if len(ep.RequireQuery) > 0 {
		q := r.URL.Query()
		for k, want := range ep.RequireQuery {
			if got, ok := q[k]; !ok || len(got) == 0 || got[0] != want {
				return false
			}
		}
	}
	if ep.RequireCookie != "" {
		name, value, hasValue := strings.Cut(ep.RequireCookie, "=")
		c, err := r.Cookie(name)
		if err != nil || (hasValue && c.Value != value) {
			return false
		}
	}
	return true
}

// setCORS sets the response-side CORS headers of a non-preflight answer.
func setCORS(h http.Header, r *http.Request, c *CORS) {
	if c == nil {
		return
	}
	setAllowOrigin(h, r, c.AllowOrigin)
	if c.AllowCredentials != "" {
		h.Set("Access-Control-Allow-Credentials", c.AllowCredentials)
	}
}

func setAllowOrigin(h http.Header, r *http.Request, origins []string) {
	var vals []string
	for _, o := range origins {
		if o == EchoOrigin {
			if got := r.Header.Get("Origin"); got != "" {
				vals = append(vals, got)
			}
			continue
		}
		vals = append(vals, o)
	}
	if len(vals) > 0 {
		h["Access-Control-Allow-Origin"] = vals
	}
}

// servePreflight answers an OPTIONS request from c.
func servePreflight(w http.ResponseWriter, r *http.Request, c *CORS) {
	if c == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	h := w.Header()
	origins := c.AllowOrigin
	if c.PreflightAllowOrigin != nil {
		origins = c.PreflightAllowOrigin
	}
	setAllowOrigin(h, r, origins)
	acac := c.AllowCredentials
	if c.PreflightAllowCredentials != nil {
		acac = *c.PreflightAllowCredentials
	}
	set := func(name, v, echo string) {
		if v == EchoRequest {
			v = r.Header.Get(echo)
		}
		if v != "" {
			h.Set(name, v)
		}
	}
	set("Access-Control-Allow-Credentials", acac, "")
	set("Access-Control-Allow-Methods", c.AllowMethods, "Access-Control-Request-Method")
	set("Access-Control-Allow-Headers", c.AllowHeaders, "Access-Control-Request-Headers")
	set("Access-Control-Max-Age", c.MaxAge, "")
	for k, v := range c.PreflightHeader {
		h[k] = append([]string(nil), v...)
	}
	status := c.PreflightStatus
	if status == 0 {
		status = http.StatusNoContent
	}
	w.WriteHeader(status)
}

// serveResponse answers one connection; see the Endpoint documentation
// for the order of the steps.
func (s *Server) serveResponse(w http.ResponseWriter, r *http.Request, resp Response) {
	if !s.sleep(r, resp.HeaderDelay) {
		panic(http.ErrAbortHandler) // send nothing, not an empty 200
	}
	if resp.RawResponse != "" {
		s.writeRaw(w, resp.RawResponse, resp.AbortMode)
		return
	}
	h := w.Header()
	setCORS(h, r, resp.CORS)
	for _, c := range resp.SetCookies {
		h.Add("Set-Cookie", c)
	}
	setHeaders := func() {
		for k, v := range resp.Header {
			h[k] = append([]string(nil), v...)
		}
	}
	if rd := resp.Redirect; rd != nil {
		h.Set("Location", rd.Location)
		setHeaders()
		status := rd.Status
		if status == 0 {
			status = http.StatusFound
		}
		w.WriteHeader(status)
		return
	}
	if resp.Handler != nil {
		setHeaders()
		resp.Handler(w, r)
		return
	}
	switch {
	case resp.NoContentType:
		h["Content-Type"] = nil // present but empty: no header, no sniffing
	case resp.ContentType != "":
		h.Set("Content-Type", resp.ContentType)
	default:
		h.Set("Content-Type", ContentTypeEventStream)
	}
	setHeaders()
	status := resp.Status
	if status == 0 {
		status = http.StatusOK
	}
	if resp.Body != "" || status != http.StatusOK {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, resp.Body) // fails for 204 and 304: fine
		return
	}
	s.stream(w, r, &resp)
}

// stream sends a 200 event stream.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, resp *Response) {
	rc := http.NewResponseController(w)
	w.WriteHeader(http.StatusOK)
	if rc.Flush() != nil {
		return
	}
	if resp.StallAfterHeaders {
		s.hold(r)
		return
	}
	out := &streamWriter{w: w, rc: rc, drip: resp.Drip}
	if resp.Retry > 0 || resp.HasRetry {
		if out.write([]byte("retry: "+strconv.Itoa(resp.Retry)+"\n\n")) != nil {
			return
		}
	}
	events := resp.Events
	if resp.Resume {
		events = resumeAfter(events, r)
	}
	n, end := len(events), resp.EndAfterScript || resp.Abort
	if resp.Repeat && n > 0 {
		n, end = -1, false // until the client leaves
	}
	if resp.DropAfter > 0 {
		if n < 0 || resp.DropAfter < n {
			n = resp.DropAfter
		}
		end = true
	}
	if len(events) == 0 {
		n = 0
	}
	for i := 0; n < 0 || i < n; i++ {
		if i > 0 && !s.sleep(r, resp.Interval) {
			return
		}
		if out.write(events[i%len(events)].Bytes()) != nil {
			return
		}
	}
	if resp.Abort && end {
		if len(events) > 0 && (resp.Repeat || n < len(events)) {
			b := events[n%len(events)].Bytes()
			_ = out.write(b[:len(b)/2])
		}
		s.abort(rc, resp.AbortMode)
	}
	if !end {
		s.hold(r)
	}
}

// resumeAfter returns the events after the first one whose ID is the
// request's Last-Event-ID, or all of them.
func resumeAfter(events []Event, r *http.Request) []Event {
	leid, ok := r.Header["Last-Event-Id"]
	if !ok || len(leid) == 0 || leid[0] == "" {
		return events
	}
	for i, ev := range events {
		if ev.Raw == "" && ev.ID == leid[0] {
			return events[i+1:]
		}
	}
	return events
}

// abort cuts the connection under a response: hijack and end it as mode
// says for HTTP/1.x (see [Server.cut]), a stream reset (by panicking with
// http.ErrAbortHandler) for HTTP/2.
func (s *Server) abort(rc *http.ResponseController, mode AbortMode) {
	if conn, buf, err := rc.Hijack(); err == nil {
		s.cut(conn, buf.Reader, mode)
		return
	}
	panic(http.ErrAbortHandler)
}

// hold waits until the client leaves or the server closes.
func (s *Server) hold(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.done:
	}
}

// sleep waits d and reports true, or reports false as soon as the client
// leaves or the server closes (at once, when they already have, even for
// d <= 0).
func (s *Server) sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		select {
		case <-r.Context().Done():
			return false
		case <-s.done:
			return false
		default:
			return true
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.done:
		return false
	}
}

// streamWriter writes and flushes the body of a stream. Fault injection
// that acts on writes (Drip today) lives here.
type streamWriter struct {
	w    io.Writer
	rc   *http.ResponseController
	drip bool
}

func (sw *streamWriter) write(b []byte) error {
	if !sw.drip {
		if _, err := sw.w.Write(b); err != nil {
			return err
		}
		return sw.rc.Flush()
	}
	for i := range b {
		if _, err := sw.w.Write(b[i : i+1]); err != nil {
			return err
		}
		if err := sw.rc.Flush(); err != nil {
			return err
		}
	}
	return nil
}
