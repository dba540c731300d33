package ssecors_test

import (
	"fmt"
	"math"
	"math/big"
	"testing"
	"time"
)

// This file holds a reference event-stream parser for the fuzz tests: a
// plain, literal transcription of WHATWG HTML "Parsing an event stream" and
// "Interpreting an event stream", over WHATWG Encoding "UTF-8 decode". It
// is written for obviousness, not speed: the whole input is decoded first,
// then split into lines, then each line runs the spec's steps in order. It
// shares no code with the SDK's parser.

// refEvent is one event dispatched by the reference parser: the MessageEvent
// attributes type, data and lastEventId.
type refEvent struct {
	Type        string
	Data        string
	LastEventID string
}

func (e refEvent) String() string {
	return fmt.Sprintf("{%q %q %q}", e.Type, e.Data, e.LastEventID)
}

// refResult is everything the reference parser observes for one stream.
type refResult struct {
	Events      []refEvent
	LastEventID string        // the event source's last event ID string at the end
	Retry       time.Duration // the reconnection time, when RetrySet
	RetrySet    bool          // a valid "retry" field was seen
}

// refMaxRetryMillis is the SDK's documented saturation point for "retry":
// the largest number of milliseconds a time.Duration can hold.
const refMaxRetryMillis = math.MaxInt64 / int64(time.Millisecond)

// refUTF8Decode is WHATWG Encoding "UTF-8 decode" with the "replacement"
// error mode, step by step:
//
//  1. If the first three bytes are EF BB BF, skip them.
//  2. Run the UTF-8 decoder over the rest, emitting U+FFFD for each error.
//
// The UTF-8 decoder keeps a code point, bytes seen, bytes needed, and a
// lower and upper boundary for the next continuation byte.
func refUTF8Decode(input []byte) []rune {
	// Strip one leading BOM.
	if len(input) >= 3 && input[0] == 0xEF && input[1] == 0xBB && input[2] == 0xBF {
		input = input[3:]
	}

	var output []rune
	codePoint := rune(0)
	bytesSeen := 0
	bytesNeeded := 0
	lowerBoundary := byte(0x80)
	upperBoundary := byte(0xBF)

	pos := 0
	for {
		// Read the next byte of the queue, or end-of-queue.
		if pos == len(input) {
			// 1. End of queue inside a sequence: an error.
			if bytesNeeded != 0 {
				bytesNeeded = 0
				output = append(output, '\uFFFD')
			}
			// 2. End of queue: finished.
			break
		}
		b := input[pos]
		pos++

		// 3. Between sequences, the byte is ASCII, a lead byte (which
		// sets bytes needed and may narrow the next byte's range), or an
		// error.
		if bytesNeeded == 0 {
			switch {
			case b <= 0x7F:
				// ASCII: the code point itself.
				output = append(output, rune(b))
			case b >= 0xC2 && b <= 0xDF:
				bytesNeeded = 1
				codePoint = rune(b & 0x1F)
			case b >= 0xE0 && b <= 0xEF:
				if b == 0xE0 {
					lowerBoundary = 0xA0
				}
				if b == 0xED {
					upperBoundary = 0x9F
				}
				bytesNeeded = 2
				codePoint = rune(b & 0x0F)
			case b >= 0xF0 && b <= 0xF4:
				if b == 0xF0 {
					lowerBoundary = 0x90
				}
				if b == 0xF4 {
					upperBoundary = 0x8F
				}
				bytesNeeded = 3
				codePoint = rune(b & 0x07)
			default:
				// Never a lead byte: an error.
				output = append(output, '\uFFFD')
			}
			continue
		}

		// 4. A byte outside [lower, upper] ends the sequence with an
		// error; the state is reset and the byte is read again.
		if b < lowerBoundary || b > upperBoundary {
			codePoint = 0
			bytesNeeded = 0
			bytesSeen = 0
			lowerBoundary = 0x80
			upperBoundary = 0xBF
			pos-- // restore byte to the queue
			output = append(output, '\uFFFD')
			continue
		}

		// 5. Later continuation bytes use the full range again.
		lowerBoundary = 0x80
		upperBoundary = 0xBF
		// 6. Shift the continuation bits in.
		codePoint = codePoint<<6 | rune(b&0x3F)
		// 7. Count the byte.
		bytesSeen++
		// 8. Not complete yet: continue.
		if bytesSeen != bytesNeeded {
			continue
		}
		// 9-11. Complete: reset the state and emit the code point.
		cp := codePoint
		codePoint = 0
		bytesNeeded = 0
		bytesSeen = 0
		output = append(output, cp)
	}
	return output
}

// refSplitLines splits decoded text into lines. A line ends with a CR LF
// pair, a single LF not preceded by CR, or a single CR not followed by LF.
// Text after the last line end is not a line: the stream ended in the
// middle of it, and pending data is discarded at the end of the stream.
func refSplitLines(text []rune) [][]rune {
	var lines [][]rune
	var current []rune
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '\r' && i+1 < len(text) && text[i+1] == '\n':
			lines = append(lines, current)
			current = nil
			i++ // the LF is part of this line end
		case c == '\r':
			lines = append(lines, current)
			current = nil
		case c == '\n':
			lines = append(lines, current)
			current = nil
		default:
			current = append(current, c)
		}
	}
	return lines
}

// refIndex returns the index of the first c in line, or -1.
func refIndex(line []rune, c rune) int {
	for i, r := range line {
		if r == c {
			return i
		}
	}
	return -1
}

// refIsASCIIDigits reports whether s consists of only ASCII digits. The
// spec's condition is true for the empty string too; the caller adds the
// SDK's extra requirement of at least one digit.
func refIsASCIIDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// refParse runs the reference parser over a whole stream.
func refParse(input []byte) refResult {
	var res refResult

	// 9.2.5: decode the bytes with UTF-8 decode, then read them line by
	// line.
	lines := refSplitLines(refUTF8Decode(input))

	// 9.2.6: the stream has a data buffer, an event type buffer and a last
	// event ID buffer, all empty at first.
	dataBuffer := ""
	eventTypeBuffer := ""
	lastEventIDBuffer := ""
	// The event source's last event ID string starts empty for a new
	// source.
	lastEventIDString := ""

	dispatch := func() {
		// 1. The source's last event ID string takes the last event ID
		// buffer's value; the buffer itself keeps it.
		lastEventIDString = lastEventIDBuffer
		// 2. No data: empty the data and event type buffers, and stop.
		if dataBuffer == "" {
			dataBuffer = ""
			eventTypeBuffer = ""
			return
		}
		// 3. Drop one trailing LF from the data buffer.
		if dataBuffer[len(dataBuffer)-1] == '\n' {
			dataBuffer = dataBuffer[:len(dataBuffer)-1]
		}
		// 4-5. Create a MessageEvent with type "message", data the data
		// buffer, and lastEventId the last event ID string.
		ev := refEvent{Type: "message", Data: dataBuffer, LastEventID: lastEventIDString}
		// 6. A non-empty event type buffer becomes the event's type.
		if eventTypeBuffer != "" {
			ev.Type = eventTypeBuffer
		}
		// 7. Empty the data and event type buffers.
		dataBuffer = ""
		eventTypeBuffer = ""
		// 8. Dispatch it (here: record it).
		res.Events = append(res.Events, ev)
	}

	processField := func(name, value string) {
		switch name {
		case "event":
			// The value replaces the event type buffer.
			eventTypeBuffer = value
		case "data":
			// The value, then one LF, go at the end of the data buffer.
			dataBuffer += value
			dataBuffer += "\n"
		case "id":
			// A value without NUL replaces the last event ID buffer; a
			// value with NUL is ignored.
			if refIndex([]rune(value), 0) < 0 {
				lastEventIDBuffer = value
			}
		case "retry":
			// A value of ASCII digits only is read as a base-ten number
			// of milliseconds and becomes the reconnection time; any other
			// value is ignored.
			//
			// SDK choice 1 (documented in parser.go and BROWSER-RULES.md
			// section 6, "empty retry: ignore"): an empty value is
			// ignored, so at least one digit is required.
			if value == "" {
				return
			}
			if !refIsASCIIDigits(value) {
				return
			}
			n, ok := new(big.Int).SetString(value, 10)
			if !ok {
				panic("reference: digits did not parse: " + value)
			}
			// SDK choice 2 (documented in parser.go): values above
			// math.MaxInt64/1e6 milliseconds saturate there, so that the
			// time.Duration does not overflow.
			if n.Cmp(big.NewInt(refMaxRetryMillis)) > 0 {
				n = big.NewInt(refMaxRetryMillis)
			}
			res.Retry = time.Duration(n.Int64()) * time.Millisecond
			res.RetrySet = true
		default:
			// The field is ignored.
		}
	}

	for _, line := range lines {
		colon := refIndex(line, ':')
		switch {
		case len(line) == 0:
			// An empty line dispatches the event.
			dispatch()
		case line[0] == ':':
			// A line starting with a colon is a comment.
		case colon >= 0:
			// Otherwise, with a colon: the name is what precedes the
			// first colon, the value what follows it, less one leading
			// space if there is one.
			name := string(line[:colon])
			value := line[colon+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
			processField(name, string(value))
		default:
			// Without a colon: the whole line is the name, and the value
			// is empty.
			processField(string(line), "")
		}
	}

	// 9.2.5: at the end of the stream, whatever is pending is discarded:
	// the unterminated event's buffers are dropped, and the last event ID
	// string keeps the value of the last dispatch.
	res.LastEventID = lastEventIDString
	return res
}

func TestReferenceParser_utf8Decode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"ascii", "abc", "abc"},
		{"BOM stripped once", "\uFEFF\uFEFFx", "\uFEFFx"},
		{"partial BOM kept as errors", "\xEF\xBBx", "\uFFFDx"},
		{"BOM only at the start", "x\uFEFF", "x\uFEFF"},
		{"valid 2, 3, 4 bytes", "\u00e9\u2026\U0001F600", "\u00e9\u2026\U0001F600"},
		{"lone continuation", "\x80", "\uFFFD"},
		{"two lone continuations", "\x80\xBF", "\uFFFD\uFFFD"},
		{"C0 and C1 never lead", "\xC0\xC1", "\uFFFD\uFFFD"},
		{"overlong slash", "\xC0\xAF", "\uFFFD\uFFFD"},
		{"overlong 3-byte", "\xE0\x80\x80", "\uFFFD\uFFFD\uFFFD"},
		{"overlong 4-byte", "\xF0\x80\x80\x80", "\uFFFD\uFFFD\uFFFD\uFFFD"},
		{"surrogate", "\xED\xA0\x80", "\uFFFD\uFFFD\uFFFD"},
		{"last before surrogates", "\xED\x9F\xBF", "\uD7FF"},
		{"above U+10FFFF", "\xF4\x90\x80\x80", "\uFFFD\uFFFD\uFFFD\uFFFD"},
		{"U+10FFFF", "\xF4\x8F\xBF\xBF", "\U0010FFFF"},
		{"F5 and up never lead", "\xF5\xFF", "\uFFFD\uFFFD"},
		{"truncated 2 of 3 then ASCII", "\xE2\x82A", "\uFFFDA"},
		{"truncated 3 of 4 then ASCII", "\xF0\x90\x80A", "\uFFFDA"},
		{"truncated at end", "A\xF0\x90\x80", "A\uFFFD"},
		{"truncated lead then lead", "\xE2\xE2\x82\xAC", "\uFFFD\u20AC"},
		{"truncated before LF", "\xC3\n", "\uFFFD\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := string(refUTF8Decode([]byte(tc.in))); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestReferenceParser_spec(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		in       string
		want     []refEvent
		lastID   string
		retry    time.Duration
		retrySet bool
	}{
		// WHATWG HTML 9.2.1 Introduction.
		{name: "intro three messages",
			in: "data: This is the first message.\n\ndata: This is the second message, it\ndata: has two lines.\n\ndata: This is the third message.\n\n",
			want: []refEvent{
				{"message", "This is the first message.", ""},
				{"message", "This is the second message, it\nhas two lines.", ""},
				{"message", "This is the third message.", ""},
			}},
		{name: "intro add and remove",
			in:   "event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n",
			want: []refEvent{{"add", "73857293", ""}, {"remove", "2153", ""}, {"add", "113411", ""}}},
		// WHATWG HTML 9.2.6 Interpreting an event stream, its examples.
		{name: "stock ticker", in: "data: YHOO\ndata: +2\ndata: 10\n\n",
			want: []refEvent{{"message", "YHOO\n+2\n10", ""}}},
		{name: "ids and an unterminated event",
			in:   ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n",
			want: []refEvent{{"message", "first event", "1"}, {"message", "second event", ""}}},
		{name: "empty data", in: "data\n\ndata\ndata\n\ndata:\n",
			want: []refEvent{{"message", "", ""}, {"message", "\n", ""}}},
		{name: "one leading space", in: "data:test\n\ndata: test\n\n",
			want: []refEvent{{"message", "test", ""}, {"message", "test", ""}}},
		// Rules of 9.2.5 and 9.2.6 one at a time.
		{name: "CR, LF and CRLF", in: "data:a\rdata:b\ndata:c\r\n\r\n",
			want: []refEvent{{"message", "a\nb\nc", ""}}},
		{name: "CR at end of input ends the line", in: "data:a\r\r",
			want: []refEvent{{"message", "a", ""}}},
		{name: "id-only block sets the last event ID string", in: "id: 5\n\n", lastID: "5"},
		{name: "pending id discarded at end", in: "id: 1\ndata: a\n\nid: 2\ndata: b\n",
			want: []refEvent{{"message", "a", "1"}}, lastID: "1"},
		{name: "id with NUL ignored", in: "id: 1\nid: 2\x003\ndata: a\n\n",
			want: []refEvent{{"message", "a", "1"}}, lastID: "1"},
		{name: "type reset after a block without data", in: "event: x\n\ndata: a\n\n",
			want: []refEvent{{"message", "a", ""}}},
		{name: "retry set in an undispatched event", in: "retry: 1500\ndata: a",
			retry: 1500 * time.Millisecond, retrySet: true},
		{name: "retry must be digits only", in: "retry: 15x\nretry: -1\nretry:  2\n\n"},
		{name: "retry empty ignored (SDK choice)", in: "retry: 7\nretry\nretry:\n\n",
			retry: 7 * time.Millisecond, retrySet: true},
		{name: "retry saturates (SDK choice)", in: "retry: 9223372036855\n\n",
			retry: time.Duration(refMaxRetryMillis) * time.Millisecond, retrySet: true},
		{name: "retry at the saturation point", in: "retry: 9223372036854\n\n",
			retry: time.Duration(refMaxRetryMillis) * time.Millisecond, retrySet: true},
		{name: "retry just below the saturation point", in: "retry: 9223372036853\n\n",
			retry: time.Duration(refMaxRetryMillis-1) * time.Millisecond, retrySet: true},
		{name: "BOM stripped once", in: "\uFEFF\uFEFFdata: a\n\ndata: b\n\n",
			want: []refEvent{{"message", "b", ""}}},
		{name: "invalid UTF-8 replaced per maximal subpart", in: "data: \xE2\x82\xFF\xED\xA0\x80\n\n",
			want: []refEvent{{"message", "\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD", ""}}},
		{name: "unterminated last line is not processed", in: "data: a\n\ndata: b\n\nretry: 5",
			want: []refEvent{{"message", "a", ""}, {"message", "b", ""}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := refParse([]byte(tc.in))
			if fmt.Sprint(got.Events) != fmt.Sprint(tc.want) {
				t.Errorf("events: got %v, want %v", got.Events, tc.want)
			}
			if got.LastEventID != tc.lastID {
				t.Errorf("last event ID: got %q, want %q", got.LastEventID, tc.lastID)
			}
			if got.Retry != tc.retry || got.RetrySet != tc.retrySet {
				t.Errorf("retry: got %v (%v), want %v (%v)", got.Retry, got.RetrySet, tc.retry, tc.retrySet)
			}
		})
	}
}

// TestReferenceParser_parserCases runs the reference over the SDK's own
// table (parserCases in parser_test.go), so that the table, the reference
// and the SDK all have to agree.
func TestReferenceParser_parserCases(t *testing.T) {
	t.Parallel()
	for _, tc := range parserCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := refParse([]byte(tc.in))
			var want []refEvent
			for _, e := range tc.want {
				want = append(want, refEvent{e.typ, e.data, e.id})
			}
			if fmt.Sprint(got.Events) != fmt.Sprint(want) {
				t.Errorf("events: got %v, want %v", got.Events, want)
			}
			if got.LastEventID != tc.lastID {
				t.Errorf("last event ID: got %q, want %q", got.LastEventID, tc.lastID)
			}
			if got.Retry != tc.retry || got.RetrySet != tc.hasRet {
				t.Errorf("retry: got %v (%v), want %v (%v)", got.Retry, got.RetrySet, tc.retry, tc.hasRet)
			}
		})
	}
}
