// Package conform holds the spec cases that the benchmark runs through
// every parser, to record where each one departs from WHATWG HTML
// "Parsing an event stream" and "Interpreting an event stream". Each case
// is an input and the events a conforming parser dispatches from it.
package conform

import (
	"fmt"
	"strings"
)

// Event is a dispatched event as the spec's MessageEvent carries it: its
// type ("message" by default), its data, and its lastEventId.
type Event struct {
	Type, Data, ID string
}

// Case is one input and what a conforming parser makes of it.
type Case struct {
	Name string
	// Rule says which rule of the spec the case checks.
	Rule  string
	Input string
	// ReadSize, when above 0, makes the reader return at most that many
	// bytes per Read.
	ReadSize int
	Want     []Event
}

func msg(data string) Event { return Event{Type: "message", Data: data} }

func withID(data, id string) Event { return Event{Type: "message", Data: data, ID: id} }

// Cases returns the cases in report order.
func Cases() []Case {
	big := strings.Repeat("x", 2<<20)
	return []Case{
		{Name: "lf", Rule: "LF ends a line", Input: "data: a\n\n", Want: []Event{msg("a")}},
		{Name: "crlf", Rule: "CRLF ends a line", Input: "data: a\r\n\r\ndata: b\r\n\r\n", Want: []Event{msg("a"), msg("b")}},
		{Name: "cr", Rule: "a lone CR ends a line", Input: "data: a\r\rdata: b\r\r", Want: []Event{msg("a"), msg("b")}},
		{Name: "mixed-ends", Rule: "LF, CR and CRLF mixed in one stream", Input: "data: a\r\ndata: b\rdata: c\n\n", Want: []Event{msg("a\nb\nc")}},
		{Name: "crlf-split", Rule: "a CRLF split across two reads is one line end", Input: "data: a\r\n\r\ndata: b\r\n\r\n", ReadSize: 1, Want: []Event{msg("a"), msg("b")}},
		{Name: "no-space", Rule: "the space after the colon is optional", Input: "data:a\n\n", Want: []Event{msg("a")}},
		{Name: "one-space-only", Rule: "only one leading space is removed", Input: "data:  a\n\n", Want: []Event{msg(" a")}},
		{Name: "colon-in-value", Rule: "the field name ends at the first colon", Input: "data: a:b\n\n", Want: []Event{msg("a:b")}},
		{Name: "multi-data", Rule: "data lines are joined with LF", Input: "data: a\ndata: b\n\n", Want: []Event{msg("a\nb")}},
		{Name: "empty-data", Rule: "a `data` line without colon dispatches an event with empty data", Input: "data\n\n", Want: []Event{msg("")}},
		{Name: "no-data", Rule: "a block without data dispatches nothing and resets the type", Input: "event: x\n\ndata: a\n\n", Want: []Event{msg("a")}},
		{Name: "type", Rule: "`event` sets the type of one event only", Input: "event: x\ndata: a\n\ndata: b\n\n", Want: []Event{{Type: "x", Data: "a"}, msg("b")}},
		{Name: "empty-type", Rule: "an empty `event` means message", Input: "event:\ndata: a\n\n", Want: []Event{msg("a")}},
		{Name: "comment", Rule: "a line starting with a colon is a comment", Input: ": hi\ndata: a\n\n", Want: []Event{msg("a")}},
		{Name: "unknown-field", Rule: "unknown fields are ignored", Input: "foo: bar\ndata: a\n\n", Want: []Event{msg("a")}},
		{Name: "name-case", Rule: "field names are case-sensitive", Input: "Data: a\n\ndata: b\n\n", Want: []Event{msg("b")}},
		{Name: "name-space", Rule: "a space before the colon is part of the name", Input: "data : a\n\ndata: b\n\n", Want: []Event{msg("b")}},
		{Name: "retry-only", Rule: "a block with only `retry` dispatches nothing", Input: "retry: 1000\n\ndata: a\n\n", Want: []Event{msg("a")}},
		{Name: "bom", Rule: "one leading byte order mark is skipped", Input: "\xEF\xBB\xBFdata: a\n\n", Want: []Event{msg("a")}},
		{Name: "unterminated", Rule: "an event without its blank line is discarded at the end", Input: "data: a\n\ndata: b\n", Want: []Event{msg("a")}},
		{Name: "id", Rule: "the last event ID stays until changed", Input: "id: 1\ndata: a\n\ndata: b\n\n", Want: []Event{withID("a", "1"), withID("b", "1")}},
		{Name: "id-reset", Rule: "an empty `id` resets the last event ID", Input: "id: 1\ndata: a\n\nid\ndata: b\n\n", Want: []Event{withID("a", "1"), withID("b", "")}},
		{Name: "id-nul", Rule: "an `id` holding NUL is ignored", Input: "id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n", Want: []Event{withID("a", "1"), withID("b", "1")}},
		{Name: "id-no-data", Rule: "an `id` in a block without data still sets the last event ID", Input: "id: 7\n\ndata: a\n\n", Want: []Event{withID("a", "7")}},
		{Name: "utf8", Rule: "invalid UTF-8 becomes U+FFFD", Input: "data: a\xFFb\n\n", Want: []Event{msg("a\uFFFDb")}},
		{Name: "line-2mib", Rule: "a 2 MiB line (each parser's limit raised as in section 1)", Input: "data: " + big + "\n\n", Want: []Event{msg(big)}},
	}
}

// Compare returns "" when got matches want, or what differs. noID skips
// the IDs (the parser does not hand them back); an empty type counts as
// "message" (an API may leave the default to its caller).
func Compare(want, got []Event, noID bool) string {
	norm := func(evs []Event) []Event {
		out := make([]Event, len(evs))
		for i, e := range evs {
			if e.Type == "" {
				e.Type = "message"
			}
			if noID {
				e.ID = ""
			}
			out[i] = e
		}
		return out
	}
	w, g := norm(want), norm(got)
	if len(w) == len(g) {
		same := true
		for i := range w {
			if w[i] != g[i] {
				same = false
				break
			}
		}
		if same {
			return ""
		}
	}
	return fmt.Sprintf("got %s, want %s", Describe(g), Describe(w))
}

// Describe formats events compactly, long data shortened.
func Describe(evs []Event) string {
	if len(evs) == 0 {
		return "no event"
	}
	var b strings.Builder
	for i, e := range evs {
		if i > 0 {
			b.WriteString(", ")
		}
		d := e.Data
		if len(d) > 16 {
			d = fmt.Sprintf("%s… (%d bytes)", d[:8], len(e.Data))
		}
		fmt.Fprintf(&b, "{%s %q", e.Type, d)
		if e.ID != "" {
			fmt.Fprintf(&b, " id %q", e.ID)
		}
		b.WriteString("}")
	}
	return b.String()
}
