package ssecors

import "strconv"

// Event is one dispatched server-sent event, the Go counterpart of the
// MessageEvent a browser's EventSource fires.
//
// The zero Event is not a valid dispatched event: a dispatched Event always
// has a non-empty Type.
type Event struct {
	// Type is the event type: the value of the last "event:" field of the
	// event, or "message" when there was none or it was empty.
	Type string
	// Data is the event's data: the "data:" lines joined by LF, without the
	// final LF. It may be empty (a bare "data" line dispatches an empty
	// event).
	Data string
	// LastEventID is the source's last event ID when the event was
	// dispatched (MessageEvent.lastEventId): the most recent "id:" value,
	// kept across events and reconnections, and reset by an empty "id:".
	LastEventID string
	// Origin is the serialized origin of the stream's final URL after
	// redirects (MessageEvent.origin), such as "https://api.example.com".
	// Events from a Decoder carry an empty Origin.
	Origin string
}

// ReadyState is the state of an EventSource, as the browser's
// EventSource.readyState attribute reports it.
type ReadyState int32

// The ready states, with the numeric values a browser uses.
const (
	// Connecting is the state after New and while a connection is being
	// established or re-established (browser: CONNECTING, 0).
	Connecting ReadyState = 0
	// Open is the state while a stream is being received (browser: OPEN, 1).
	Open ReadyState = 1
	// Closed is the final state: after Close, after the context given to
	// Run ends, or after a failure that ends the source (browser: CLOSED, 2).
	// A source never leaves Closed.
	Closed ReadyState = 2
)

// String returns "connecting", "open" or "closed".
func (s ReadyState) String() string {
	switch s {
	case Connecting:
		return "connecting"
	case Open:
		return "open"
	case Closed:
		return "closed"
	}
	return "ReadyState(" + strconv.Itoa(int(s)) + ")"
}
