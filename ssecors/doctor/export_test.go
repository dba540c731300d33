package doctor

import (
	"time"

	"github.com/ssecors/ssecors-go/internal/engines"
	"github.com/ssecors/ssecors-go/ssecors/browser"
)

// Internals for the tests of package doctor_test.
var (
	LenientPreflight = lenientPreflight
	MaxAgeLine       = maxAgeLine
	ReadableHeaders  = readableHeaders
	FetchSecrets     = fetchSecrets
	WhyPreflight     = whyPreflight
)

// BufferingRead is one read of a response body, for BufferingScore.
type BufferingRead struct {
	After  time.Duration // since the headers
	Bytes  int
	Events int
}

// BufferingScore runs the buffering heuristics on the reads of one
// response whose headers came wait after the request: 0 none, 1
// possible, 2 likely, 3 or more almost certain.
func BufferingScore(wait time.Duration, reads []BufferingRead) (int, []string) {
	t0 := time.Unix(1000, 0)
	w := &wireConn{start: t0.Add(-wait), headers: t0}
	for _, r := range reads {
		w.reads = append(w.reads, wireRead{at: t0.Add(r.After), n: r.Bytes, events: r.Events})
		w.nEvents += r.Events
		w.nReads++
	}
	e := bufferingSignals(w)
	return e.score, e.signals
}

// ScanLines counts the events, comments and retry fields of a stream.
func ScanLines(chunks ...string) (events, comments int, retry bool) {
	var s lineScan
	for _, c := range chunks {
		e, c, r := s.feed([]byte(c))
		events, comments, retry = events+e, comments+c, retry || r
	}
	return events, comments, retry
}

// ContentTypeOpens reports whether profile p's engine opens a 200
// response with these Content-Type header values, as far as the
// Content-Type decides it.
func ContentTypeOpens(p browser.Profile, ct ...string) bool {
	ok, _ := contentTypeOpens(engines.For(p), ct)
	return ok
}

// BrowserLines renders verdicts as the text report does.
var BrowserLines = browserLines
