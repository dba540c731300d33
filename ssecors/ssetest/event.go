package ssetest

import (
	"strconv"
	"strings"
)

// Event is one scripted event as the server writes it on the wire.
//
// Unless Raw is set, the lines are written in this order, each field as
// name, colon, space, value, each line ended by LF:
//
//	": <Comment line>"   one per line of Comment, when Comment != ""
//	"retry: <Retry>"     when Retry > 0 or HasRetry
//	"id: <ID>"           when ID != "" or HasID
//	"event: <Type>"      when Type != ""
//	"data: <Data line>"  one per line of Data (split on LF), when Data != "" or HasData
//	""                   the blank line that ends the event
//
// So Event{Data: "a\nb"} is "data: a\ndata: b\n\n", and the zero Event is a
// lone "\n". Type and ID must not contain line breaks; a CR inside Data or
// Comment is written as is (a client parser treats it as a line break). Use
// Raw for anything else: bare field names, CRLF, NUL, bogus retry values.
type Event struct {
	// ID is the "id:" value. An empty ID writes no id line unless HasID.
	ID string
	// HasID writes the "id:" line even when ID is empty: an id reset.
	HasID bool
	// Type is the "event:" value; empty writes no event line.
	Type string
	// Data is the event's data. Empty Data writes no data line unless
	// HasData, so Event{ID: "1"} is an id-only block that a client must not
	// dispatch.
	Data string
	// HasData writes the data lines even when Data is empty: Event{HasData:
	// true} is "data: \n\n", which dispatches an empty message.
	HasData bool
	// Retry is the "retry:" value in milliseconds, written when > 0 or when
	// HasRetry (so HasRetry with Retry 0 writes "retry: 0").
	Retry int
	// HasRetry writes the "retry:" line whatever the value of Retry.
	HasRetry bool
	// Comment is written as comment lines (": " and the line) before the
	// fields; each LF in it starts a new comment line. A comment-only Event
	// is a heartbeat: ": ping\n\n".
	Comment string
	// Raw, when non-empty, is written verbatim instead of every other
	// field, with nothing added: no final blank line.
	Raw string
}

// Bytes returns the event's wire form, as documented on [Event].
func (e Event) Bytes() []byte {
	if e.Raw != "" {
		return []byte(e.Raw)
	}
	var b strings.Builder
	if e.Comment != "" {
		for _, line := range strings.Split(e.Comment, "\n") {
			b.WriteString(": ")
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	if e.Retry > 0 || e.HasRetry {
		writeField(&b, "retry", strconv.Itoa(e.Retry))
	}
	if e.ID != "" || e.HasID {
		writeField(&b, "id", e.ID)
	}
	if e.Type != "" {
		writeField(&b, "event", e.Type)
	}
	if e.Data != "" || e.HasData {
		for _, line := range strings.Split(e.Data, "\n") {
			writeField(&b, "data", line)
		}
	}
	b.WriteByte('\n')
	return []byte(b.String())
}

func writeField(b *strings.Builder, name, value string) {
	b.WriteString(name)
	b.WriteString(": ")
	b.WriteString(value)
	b.WriteByte('\n')
}

// Messages returns one Event per argument, each with that Data and no ID or
// type: a quick script of "message" events.
func Messages(data ...string) []Event {
	evs := make([]Event, len(data))
	for i, d := range data {
		evs[i] = Event{Data: d, HasData: true}
	}
	return evs
}

// Numbered returns n events with IDs "1".."n" and data "<prefix>1".."<prefix>n":
// a script for Last-Event-ID and Resume tests.
func Numbered(n int, prefix string) []Event {
	evs := make([]Event, n)
	for i := range evs {
		id := strconv.Itoa(i + 1)
		evs[i] = Event{ID: id, Data: prefix + id}
	}
	return evs
}
