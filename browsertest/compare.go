package browsertest

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Outcome is what one side did with one case, reduced to what the suite
// compares.
type Outcome struct {
	// Threw is the constructor's exception (browser) or New's error
	// (ssecors); empty when the source was created.
	Threw string
	// Events are the open, message and error events in order, each with
	// the readyState seen inside its handler.
	Events []EventRec
	// URL is the source's url attribute (EventSource.url, es.URL()), with
	// the run's path prefix written {run}.
	URL string
	// State is the readyState when observation ended (before the suite
	// closed the source, if it had to).
	State int
	// Requests are the requests the server received, described.
	Requests []string
	// Gaps are the times between consecutive requests to the case's
	// endpoints, as the server measured them.
	Gaps []time.Duration
	// Jar is the cookie store after the run: name=value@domain, with
	// "(partitioned)" for Partitioned cookies.
	Jar []string
	// Fetches lists, for a fetch case, the result of each fetch: "status
	// N readable=[names]" for a response that opened the stream (the
	// header names a page can read, Date and Content-Length left out),
	// "status N type=T" for one that did not, "rejected TypeError" for a
	// network error (a failed CORS check included).
	Fetches []string
	// Referers are the Referer headers of the requests, with the run's
	// path prefix written {run}; recorded for the report, not compared.
	Referers []string
	// Detail is free text for the report (the error ssecors returned, the
	// exception name), never compared.
	Detail string
	// Harness is set when the suite itself could not run the case.
	Harness error
}

// EventRec is one event a side saw.
type EventRec struct {
	Kind   string // open, message (any type) or error
	Type   string // the event type, for messages
	Data   string
	ID     string // lastEventId
	Origin string
	RS     int // readyState inside the handler
}

// String renders the event for comparison: every field that matters.
func (e EventRec) String() string {
	if e.Kind == "message" {
		return fmt.Sprintf("%s %q id=%q origin=%s rs=%d", e.Type, e.Data, e.ID, e.Origin, e.RS)
	}
	return fmt.Sprintf("%s rs=%d", e.Kind, e.RS)
}

// eventStrings renders events for comparison.
func eventStrings(evs []EventRec) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.String()
	}
	return out
}

// Field names of an Outcome, as differences and intentional differences
// name them.
const (
	FieldThrew    = "construct"
	FieldURL      = "url"
	FieldEvents   = "events"
	FieldState    = "readyState"
	FieldRequests = "requests"
	FieldGaps     = "reconnect delay"
	FieldJar      = "cookie jar"
	FieldFetch    = "fetch results"
)

// gapTolerance is how far two reconnection delays may differ: scheduling
// on a loaded two-core machine, plus the browser's task queue. It still
// tells 0 from 1 s, 100 ms from 3 s, and 500 ms from 3 s.
func gapTolerance(a, b time.Duration) time.Duration {
	return 400*time.Millisecond + max(a, b)/4
}

// Diff lists the fields in which b (ssecors) differs from a (the browser
// called name), with a line of explanation for each.
func Diff(name string, a, b Outcome) (fields []string, why []string) {
	add := func(f, format string, args ...any) {
		fields = append(fields, f)
		why = append(why, f+": "+fmt.Sprintf(format, args...))
	}
	if (a.Threw == "") != (b.Threw == "") {
		add(FieldThrew, "%s %s, ssecors %s", name, threwWord(a.Threw), threwWord(b.Threw))
	}
	if a.URL != b.URL {
		add(FieldURL, "%s %q, ssecors %q", name, a.URL, b.URL)
	}
	if ae, be := eventStrings(a.Events), eventStrings(b.Events); !slices.Equal(ae, be) {
		add(FieldEvents, "%s %s, ssecors %s", name, list(ae), list(be))
	}
	if a.State != b.State {
		add(FieldState, "%s %s, ssecors %s", name, stateName(a.State), stateName(b.State))
	}
	if !slices.Equal(a.Requests, b.Requests) {
		add(FieldRequests, "%s %s, ssecors %s", name, list(a.Requests), list(b.Requests))
	}
	if len(a.Gaps) == len(b.Gaps) {
		for i := range a.Gaps {
			d := a.Gaps[i] - b.Gaps[i]
			if d < 0 {
				d = -d
			}
			if d > gapTolerance(a.Gaps[i], b.Gaps[i]) {
				add(FieldGaps, "gap %d: %s %v, ssecors %v", i+1, name, ms(a.Gaps[i]), ms(b.Gaps[i]))
				break
			}
		}
	}
	if !slices.Equal(a.Fetches, b.Fetches) {
		add(FieldFetch, "%s %s, ssecors %s", name, list(a.Fetches), list(b.Fetches))
	}
	if !slices.Equal(a.Jar, b.Jar) {
		add(FieldJar, "%s %s, ssecors %s", name, list(a.Jar), list(b.Jar))
	}
	return fields, why
}

func threwWord(s string) string {
	if s == "" {
		return "created the source"
	}
	return "threw (" + s + ")"
}

func list(items []string) string {
	if len(items) == 0 {
		return "[]"
	}
	return "[" + strings.Join(items, "; ") + "]"
}

func ms(d time.Duration) string { return d.Round(10 * time.Millisecond).String() }

func stateName(s int) string {
	switch s {
	case 0:
		return "CONNECTING"
	case 1:
		return "OPEN"
	case 2:
		return "CLOSED"
	}
	return fmt.Sprint(s)
}

// Verdict is the comparison of one run of a case.
type Verdict struct {
	Fields []string // fields that differ
	Why    []string
	// Intentional is the ID of the intentional difference that explains
	// every differing field, if one does.
	Intentional string
}

// Agree reports whether the two sides agreed exactly.
func (v Verdict) Agree() bool { return len(v.Fields) == 0 }

// Pass reports whether the run passes: agreement, or an intentional
// difference covering every differing field.
func (v Verdict) Pass() bool { return v.Agree() || v.Intentional != "" }

// String is the report's verdict column.
func (v Verdict) String() string {
	switch {
	case v.Agree():
		return "agree"
	case v.Intentional != "":
		return "intentional (" + v.Intentional + ")"
	}
	return "DIFFERENT: " + strings.Join(v.Fields, ", ")
}

// Judge compares the outcomes of case c in configuration cfg: the
// browser's and ssecors'. A difference passes only if an intentional
// difference that names the case and applies to cfg allows every field
// that differs.
func Judge(c *Case, cfg *Config, browserSide, sdk Outcome) Verdict {
	var v Verdict
	v.Fields, v.Why = Diff(cfg.Kind.Title, browserSide, sdk)
	if len(v.Fields) == 0 {
		return v
	}
	for _, d := range Intentionals {
		if d.appliesTo(c, cfg) && !slices.ContainsFunc(v.Fields, func(f string) bool { return !slices.Contains(d.Fields, f) }) {
			v.Intentional = d.ID
			return v
		}
	}
	return v
}

// gaps returns the delays between consecutive requests of a log.
func gaps(log []Request) []time.Duration {
	var out []time.Duration
	for i := 1; i < len(log); i++ {
		out = append(out, log[i].At.Sub(log[i-1].At))
	}
	return out
}

// describeAll describes the requests of a log.
func describeAll(log []Request) []string {
	out := make([]string, 0, len(log))
	for _, r := range log {
		out = append(out, r.describe())
	}
	return out
}
