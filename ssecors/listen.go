package ssecors

import (
	"net/http"
	"net/url"
	"sync/atomic"
)

// handlerSet is an immutable snapshot of the handlers: updates copy it and
// swap the pointer, so dispatch reads it without a lock and a handler may
// change the handlers while it runs.
type handlerSet struct {
	open    func(*http.Response)
	err     func(error)
	comment func(string)
	message func(Event)
	byType  map[string][]*listener
}

type listener struct {
	fn      func(Event)
	removed atomic.Bool
}

func (es *EventSource) update(f func(h *handlerSet)) {
	es.mu.Lock()
	defer es.mu.Unlock()
	cur := es.handlers.Load()
	next := *cur
	f(&next)
	es.handlers.Store(&next)
}

// OnOpen sets the function called each time a connection opens, just after
// the state becomes Open and before the stream's first event (browser:
// EventSource.onopen). It gets the response that opened the stream, for
// its status, headers and protocol (resp.Proto, such as "HTTP/2.0"): a
// copy whose Body is http.NoBody, whose Header has credential values
// (Set-Cookie, Authorization and the like) replaced by "REDACTED", and
// whose Request holds only the method and the final URL after redirects,
// secrets redacted. A nil fn removes it. It runs on Run's goroutine.
func (es *EventSource) OnOpen(fn func(resp *http.Response)) {
	es.update(func(h *handlerSet) { h.open = fn })
}

// OnComment sets the function called for each comment line of the stream
// (a line starting with ":", often sent as a keep-alive), with the text
// after the colon and one leading space removed, in stream order with the
// events. Browsers ignore comments; watching them tells a live but quiet
// stream from a dead one. A nil fn removes it, and with none set comments
// cost nothing. It runs on Run's goroutine. Events does not yield comments.
func (es *EventSource) OnComment(fn func(comment string)) {
	es.update(func(h *handlerSet) {
		h.comment = fn
		es.commentOn.Store(fn != nil)
	})
}

// OnMessage sets the function called for each event of type "message"
// (browser: EventSource.onmessage), before the listeners added with
// AddEventListener("message", ...). A nil fn removes it. It runs on Run's
// goroutine.
func (es *EventSource) OnMessage(fn func(Event)) {
	es.update(func(h *handlerSet) { h.message = fn })
}

// OnError sets the function called with the error of every failed attempt
// and every ended stream (browser: EventSource.onerror, which gets no
// details). When ReadyState is Connecting inside it, the source will
// reconnect; when Closed, the error ended the source and Run returns it.
// Close does not call it. A nil fn removes it. It runs on Run's goroutine.
func (es *EventSource) OnError(fn func(error)) {
	es.update(func(h *handlerSet) { h.err = fn })
}

// AddEventListener adds fn as a listener for events of type typ ("message"
// for events without an "event:" field), after those already added, and
// returns a function that removes it (browser:
// addEventListener / removeEventListener). The same fn may be added twice
// and is then called twice. Removing is idempotent, and a listener removed
// while an event is being dispatched is not called for it. Safe from any
// goroutine, including from inside a handler.
func (es *EventSource) AddEventListener(typ string, fn func(Event)) (remove func()) {
	if fn == nil {
		return func() {}
	}
	l := &listener{fn: fn}
	es.update(func(h *handlerSet) {
		m := make(map[string][]*listener, len(h.byType)+1)
		for k, v := range h.byType {
			m[k] = v
		}
		m[typ] = append(m[typ][:len(m[typ]):len(m[typ])], l)
		h.byType = m
	})
	return func() {
		es.update(func(h *handlerSet) {
			l.removed.Store(true)
			old := h.byType[typ]
			kept := make([]*listener, 0, len(old))
			for _, x := range old {
				if x != l {
					kept = append(kept, x)
				}
			}
			m := make(map[string][]*listener, len(h.byType))
			for k, v := range h.byType {
				m[k] = v
			}
			if len(kept) == 0 {
				delete(m, typ)
			} else {
				m[typ] = kept
			}
			h.byType = m
		})
	}
}

// closedNow reports whether Close has been called or the source has ended.
func (es *EventSource) closedNow() bool {
	return ReadyState(es.state.Load()) == Closed
}

// dispatchEvent runs the handlers for ev. It reports false when the source
// was closed before or during the dispatch.
func (es *EventSource) dispatchEvent(ev *Event) bool {
	h := es.handlers.Load()
	if ev.Type == "message" && h.message != nil {
		if es.closedNow() {
			return false
		}
		h.message(*ev)
	}
	if len(h.byType) == 0 {
		return !es.closedNow()
	}
	for _, l := range h.byType[ev.Type] {
		if es.closedNow() {
			return false
		}
		if l.removed.Load() {
			continue
		}
		l.fn(*ev)
	}
	return !es.closedNow()
}

// moveTo sets the state, unless the source is closed already, which it
// reports false for. Moves to Closed are ordered by es.mu.
func (es *EventSource) moveTo(state ReadyState) bool {
	es.mu.Lock()
	defer es.mu.Unlock()
	if es.closedNow() {
		return false
	}
	es.state.Store(int32(state))
	return true
}

// fireOpen announces the connection: Open, then the open handler.
func (es *EventSource) fireOpen(resp *http.Response, final *url.URL) bool {
	if !es.moveTo(Open) {
		return false
	}
	if f := es.handlers.Load().open; f != nil {
		f(es.openedResponse(resp, final))
	}
	return !es.closedNow()
}

// openedResponse is the copy of resp that OnOpen gets: no body, credential
// headers redacted, and a request with the redacted final URL.
func (es *EventSource) openedResponse(resp *http.Response, final *url.URL) *http.Response {
	c := &http.Response{
		Status:           es.red.text(resp.Status),
		StatusCode:       resp.StatusCode,
		Proto:            resp.Proto,
		ProtoMajor:       resp.ProtoMajor,
		ProtoMinor:       resp.ProtoMinor,
		Header:           es.red.header(resp.Header),
		Body:             http.NoBody,
		ContentLength:    resp.ContentLength,
		TransferEncoding: append([]string(nil), resp.TransferEncoding...),
		Uncompressed:     resp.Uncompressed,
		TLS:              resp.TLS,
	}
	if u, err := url.Parse(es.red.url(final)); err == nil {
		c.Request = &http.Request{Method: requestMethod(resp), URL: u, Header: http.Header{}}
	}
	return c
}

// fireComment runs the comment handler, if any: the parser calls it for
// each comment line.
func (es *EventSource) fireComment(line []byte) {
	f := es.handlers.Load().comment
	if f == nil || es.closedNow() || es.restarting.Load() {
		return
	}
	if len(line) > 0 && line[0] == ' ' {
		line = line[1:]
	}
	f(decodeUTF8(line))
}

// fireError sets the state (Connecting to reconnect, Closed to fail) and
// runs the error handler, unless the source was closed meanwhile.
func (es *EventSource) fireError(err error, state ReadyState) {
	if !es.moveTo(state) {
		return
	}
	if f := es.handlers.Load().err; f != nil {
		f(err)
	}
}
