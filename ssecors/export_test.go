package ssecors

import (
	"context"
	"io"
	"time"
)

// SetSleep replaces how es waits between attempts, so tests can record the
// delays without waiting them. Call it before Run.
func SetSleep(es *EventSource, f func(ctx context.Context, d time.Duration) error) {
	es.sleep = f
}

// Exported internals for table tests.
var (
	ParseRetryAfter = parseRetryAfter
	EscapeQuery     = escapeQuery
	DecodeUTF8      = decodeUTF8
	ValidUTF8       = validUTF8
)

// StepDecoder decodes as an EventSource does, with event, and fill when
// more bytes are needed, where a Decoder uses nextEvent.
type StepDecoder struct{ p *parser }

// NewStepDecoder returns a StepDecoder reading r with the given bound.
func NewStepDecoder(r io.Reader, max int) *StepDecoder {
	return &StepDecoder{p: newParser(r, max)}
}

// Decode is Decoder.Decode, the EventSource's way.
func (d *StepDecoder) Decode() (Event, error) {
	for {
		if ev, ok, err := d.p.event(); ok || err != nil {
			return ev, err
		}
		if err := d.p.fill(); err != nil {
			return Event{}, err
		}
	}
}

// LastEventID is Decoder.LastEventID.
func (d *StepDecoder) LastEventID() string { return d.p.lastID }

// Retry is Decoder.Retry.
func (d *StepDecoder) Retry() (time.Duration, bool) { return d.p.retry, d.p.retrySet }
