package ssecors

import "sync/atomic"

// handlerSet is an immutable snapshot of the handlers: updates copy it and
// swap the pointer, so dispatch reads it without a lock and a handler may
// change the handlers while it runs.
type handlerSet struct {
	open    func()
	err     func(error)
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
// EventSource.onopen). A nil fn removes it. It runs on Run's goroutine.
func (es *EventSource) OnOpen(fn func()) {
	es.update(func(h *handlerSet) { h.open = fn })
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

// fireOpen announces the connection: Open, then the open handler.
func (es *EventSource) fireOpen() bool {
	es.mu.Lock()
	if es.closedNow() {
		es.mu.Unlock()
		return false
	}
	es.state.Store(int32(Open))
	es.mu.Unlock()
	if f := es.handlers.Load().open; f != nil {
		f()
	}
	return !es.closedNow()
}

// fireError sets the state (Connecting to reconnect, Closed to fail) and
// runs the error handler, unless the source was closed meanwhile.
func (es *EventSource) fireError(err error, state ReadyState) {
	es.mu.Lock()
	if es.closedNow() {
		es.mu.Unlock()
		return
	}
	es.state.Store(int32(state))
	es.mu.Unlock()
	if f := es.handlers.Load().err; f != nil {
		f(err)
	}
}
