package ssecors

import (
	"context"
	"time"
)

// SetSleep replaces how es waits between attempts, so tests can record the
// delays without waiting them. Call it before Run.
func SetSleep(es *EventSource, f func(ctx context.Context, d time.Duration) error) {
	es.sleep = f
}

// Exported internals for table tests.
var (
	ExtractMIME     = extractMIME
	ParseRetryAfter = parseRetryAfter
	EscapeQuery     = escapeQuery
	DecodeUTF8      = decodeUTF8
	ValidUTF8       = validUTF8
)
