package ssecors_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"

	"github.com/ssecors/ssecors-go/ssecors"
)

// fuzzBound is FuzzParser's main maximum event size, the one its seed
// corpus uses: with the Decoder's 64 bytes of slack for a line, a line at
// the bound makes the 4096-byte read buffer grow.
const fuzzBound = 4096

// fuzzBounds are the maximum event sizes FuzzParser tries, picked by
// bits 32 and up of the seed: fuzzBound first, so that the seed corpus
// (small seeds) uses it; the small ones let the fuzzer reach the bound, and
// the code that compacts and grows the read buffer, with short inputs.
var fuzzBounds = []int{fuzzBound, 1, 8, 32, 100}

func fuzzBoundFor(seed uint64) int {
	return fuzzBounds[(seed>>32)%uint64(len(fuzzBounds))]
}

// fuzzRun is what a Decoder reports for one whole stream.
type fuzzRun struct {
	Events      []refEvent
	LastEventID string
	Retry       time.Duration
	RetrySet    bool
	Err         error
}

func (r fuzzRun) String() string {
	var evs []string
	for _, e := range r.Events {
		evs = append(evs, "{"+fuzzQuote(e.Type)+", "+fuzzQuote(e.Data)+", "+fuzzQuote(e.LastEventID)+"}")
	}
	return fmt.Sprintf("events [%s], last event ID %s, retry %v (%v), error %v",
		strings.Join(evs, " "), fuzzQuote(r.LastEventID), r.Retry, r.RetrySet, r.Err)
}

// fuzzQuote quotes s for a failure message, writing a run of more than 8
// equal bytes as "x"*N, so that a long input stays readable.
func fuzzQuote[T string | []byte](s T) string {
	var parts []string
	lit := 0 // start of the pending literal part
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] == s[i] {
			j++
		}
		if j-i > 8 {
			if lit < i {
				parts = append(parts, fmt.Sprintf("%q", string(s[lit:i])))
			}
			parts = append(parts, fmt.Sprintf("%q*%d", string(s[i]), j-i))
			lit = j
		}
		i = j
	}
	if lit < len(s) || len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%q", string(s[lit:])))
	}
	return strings.Join(parts, " + ")
}

// refRun is the reference's result in the form of a fuzzRun.
func refRun(ref refResult) fuzzRun {
	return fuzzRun{Events: ref.Events, LastEventID: ref.LastEventID, Retry: ref.Retry, RetrySet: ref.RetrySet}
}

// fuzzDecode reads r to the end with a Decoder bounded to max bytes, and
// checks what holds for every input. An event takes several bytes of input
// (at least "data" and two line ends), so more events than input bytes
// means the Decoder is looping.
func fuzzDecode(t *testing.T, name string, r io.Reader, max int, input []byte) fuzzRun {
	t.Helper()
	d := ssecors.NewDecoder(r)
	d.SetMaxEventSize(max)
	return fuzzRunOf(t, name, d, input)
}

// decoder is what a Decoder and the EventSource's way of decoding
// (ssecors.StepDecoder) have in common.
type decoder interface {
	Decode() (ssecors.Event, error)
	LastEventID() string
	Retry() (time.Duration, bool)
}

// fuzzRunOf decodes everything d gives and checks each event.
func fuzzRunOf(t *testing.T, name string, d decoder, input []byte) fuzzRun {
	t.Helper()
	var run fuzzRun
	for i := 0; ; i++ {
		if i > len(input) {
			t.Fatalf("%s: more than %d events from input %s", name, len(input), fuzzQuote(input))
		}
		e, err := d.Decode()
		if err != nil {
			if err != io.EOF {
				run.Err = err
			}
			run.LastEventID = d.LastEventID()
			run.Retry, run.RetrySet = d.Retry()
			// "after an error, Decode keeps returning it": nothing more is
			// parsed, no event and no last event ID change.
			for k := 0; k < 2; k++ {
				e2, err2 := d.Decode()
				if err2 != err || e2.Type != "" || d.LastEventID() != run.LastEventID {
					t.Fatalf("%s: input %s\nDecode after the error %v: got event %+v, error %v, last event ID %s (was %s)",
						name, fuzzQuote(input), err, e2, err2, fuzzQuote(d.LastEventID()), fuzzQuote(run.LastEventID))
				}
			}
			return run
		}
		if e.Type == "" {
			t.Fatalf("%s: event %d has an empty type: %+v", name, i, e)
		}
		if e.Origin != "" {
			t.Fatalf("%s: event %d from a Decoder has origin %q", name, i, e.Origin)
		}
		if !utf8.ValidString(e.Type) || !utf8.ValidString(e.Data) || !utf8.ValidString(e.LastEventID) {
			t.Fatalf("%s: event %d is not valid UTF-8: %+v", name, i, e)
		}
		run.Events = append(run.Events, refEvent{e.Type, e.Data, e.LastEventID})
	}
}

// sameRun reports whether two runs saw the same events, last event ID,
// reconnection time and error text.
func sameRun(a, b fuzzRun) bool {
	if len(a.Events) != len(b.Events) {
		return false
	}
	for i := range a.Events {
		if a.Events[i] != b.Events[i] {
			return false
		}
	}
	if (a.Err == nil) != (b.Err == nil) || a.Err != nil && a.Err.Error() != b.Err.Error() {
		return false
	}
	return a.LastEventID == b.LastEventID && a.Retry == b.Retry && a.RetrySet == b.RetrySet
}

// fuzzChunks is an io.Reader that returns its input in chunks whose
// lengths come from a xorshift64 generator seeded by the fuzzer, so that a
// failing chunking replays exactly. With eofWithData the last chunk comes
// with io.EOF, as the io.Reader contract allows.
type fuzzChunks struct {
	rest        []byte
	state       uint64
	maxChunk    int
	eofWithData bool
}

// fuzzChunkSizes are the upper bounds of a chunk's length: tiny chunks
// split CR LF pairs, BOMs and UTF-8 sequences; large ones cross the
// Decoder's 4096-byte read buffer at varying offsets.
var fuzzChunkSizes = []int{1, 2, 3, 4, 5, 7, 16, 64, 1000, 4095, 4097, 9000}

func newFuzzChunks(b []byte, seed uint64, eofWithData bool) *fuzzChunks {
	state := seed
	if state == 0 {
		state = 0x9E3779B97F4A7C15 // xorshift never leaves zero
	}
	return &fuzzChunks{
		rest:        b,
		state:       state,
		maxChunk:    fuzzChunkSizes[seed%uint64(len(fuzzChunkSizes))],
		eofWithData: eofWithData,
	}
}

func (c *fuzzChunks) next() uint64 {
	c.state ^= c.state << 13
	c.state ^= c.state >> 7
	c.state ^= c.state << 17
	return c.state
}

func (c *fuzzChunks) Read(p []byte) (int, error) {
	if len(c.rest) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	n := 1 + int(c.next()%uint64(c.maxChunk))
	n = min(n, len(c.rest), len(p))
	copy(p, c.rest[:n])
	c.rest = c.rest[n:]
	if len(c.rest) == 0 && c.eofWithData {
		return n, io.EOF
	}
	return n, nil
}

// fuzzReaders are the ways one input reaches a Decoder.
func fuzzReaders(data []byte, seed uint64) []struct {
	name string
	r    io.Reader
} {
	return []struct {
		name string
		r    io.Reader
	}{
		{"whole", bytes.NewReader(data)},
		{"one byte at a time", iotest.OneByteReader(bytes.NewReader(data))},
		{fmt.Sprintf("chunks (seed %#x)", seed), newFuzzChunks(data, seed, false)},
		{fmt.Sprintf("chunks, EOF with the last (seed %#x)", seed), newFuzzChunks(data, seed, true)},
	}
}

// rawSizeAtLeast is the fewest input bytes that can have decoded to s:
// each U+FFFD may stand for a single invalid byte.
func rawSizeAtLeast(s string) int {
	return len(s) - (utf8.RuneLen('\uFFFD')-1)*strings.Count(s, "\uFFFD")
}

// FuzzParserMatchesReference checks that the SDK's Decoder and the
// spec-literal reference parser (reference_test.go) agree on every input,
// however the input is split into reads: same events (type, data, last
// event ID), same final last event ID, same reconnection time.
func FuzzParserMatchesReference(f *testing.F) {
	for i, s := range fuzzSeeds() {
		f.Add([]byte(s), uint64(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		ref := refParse(data)
		// No event, line or id of this input can reach this bound: every
		// byte of an event's data, type and id comes from a distinct byte
		// of a line, except the id, which may be counted twice.
		max := 2*len(data) + 1024
		for _, rd := range fuzzReaders(data, seed) {
			got := fuzzDecode(t, rd.name, rd.r, max, data)
			if got.Err != nil {
				t.Fatalf("%s: error %v with a bound of %d bytes for %d bytes of input", rd.name, got.Err, max, len(data))
			}
			if want := refRun(ref); !sameRun(got, want) {
				t.Fatalf("input %s\n%s: %v\nreference: %v", fuzzQuote(data), rd.name, got, want)
			}
		}
		// The EventSource's way through the same parser.
		for _, rd := range fuzzReaders(data, seed) {
			name := rd.name + ", as an EventSource reads"
			got := fuzzRunOf(t, name, ssecors.NewStepDecoder(rd.r, max), data)
			if want := refRun(ref); got.Err != nil || !sameRun(got, want) {
				t.Fatalf("input %s\n%s: %v (error %v)\nreference: %v", fuzzQuote(data), name, got, got.Err, want)
			}
		}
	})
}

// FuzzParser checks the Decoder on its own with a small bound: it never
// panics, it fails only with ErrEventTooLarge, it never hands out an event
// larger than the bound (memory stays bounded), it gives the same result
// whole, byte by byte and in random chunks, and when no error occurs the
// result is the reference's; when one does, the events before it are a
// prefix of the reference's.
func FuzzParser(f *testing.F) {
	for i, s := range fuzzSeeds() {
		f.Add([]byte(s), uint64(i))
	}
	for k, bound := range fuzzBounds {
		for i, s := range fuzzBoundSeeds(bound) {
			f.Add([]byte(s), uint64(k)<<32|uint64(i))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		bound := fuzzBoundFor(seed)
		var first fuzzRun
		var firstName string
		for k, rd := range fuzzReaders(data, seed) {
			got := fuzzDecode(t, rd.name, rd.r, bound, data)
			if got.Err != nil && !errors.Is(got.Err, ssecors.ErrEventTooLarge) {
				t.Fatalf("%s: error %v, want nil or ErrEventTooLarge", rd.name, got.Err)
			}
			for i, e := range got.Events {
				size := rawSizeAtLeast(e.Data) + rawSizeAtLeast(e.LastEventID)
				if e.Type != "message" { // "message" may be the default, from no input
					size += rawSizeAtLeast(e.Type)
				}
				if size > bound {
					t.Fatalf("%s: event %d has %d bytes of data, type and id, more than the bound %d: input %s",
						rd.name, i, size, bound, fuzzQuote(data))
				}
			}
			if k == 0 {
				first, firstName = got, rd.name
				continue
			}
			if !sameRun(got, first) {
				t.Fatalf("input %s\n%s: %v\n%s: %v", fuzzQuote(data), firstName, first, rd.name, got)
			}
		}
		ref := refParse(data)
		if first.Err == nil {
			if want := refRun(ref); !sameRun(first, want) {
				t.Fatalf("input %s\n%s: %v\nreference: %v", fuzzQuote(data), firstName, first, want)
			}
			return
		}
		if len(first.Events) > len(ref.Events) {
			t.Fatalf("input %s: %d events before %v, the reference has %d", fuzzQuote(data), len(first.Events), first.Err, len(ref.Events))
		}
		for i, e := range first.Events {
			if e != ref.Events[i] {
				t.Fatalf("input %s: event %d before %v: got %v, want %v", fuzzQuote(data), i, first.Err, e, ref.Events[i])
			}
		}
	})
}

// fuzzSeeds are the seed inputs of both fuzz targets: the web-platform-
// tests eventsource inputs as their handlers send them (message.py sends
// the message, then "\n\n" unless newline=none, then "\n"), the spec's
// examples, and edge cases of line ends, the BOM, UTF-8, ids and retry.
func fuzzSeeds() []string {
	x2k := strings.Repeat("x", 2048)
	return []string{
		// web-platform-tests eventsource/, resources/message.py and others.
		"data: data\n\n\n", // message.py default
		"\uFEFFdata:1\n\n\uFEFFdata:2\n\ndata:3\n\n\n",                                           // format-bom
		"\uFEFF\uFEFFdata:1\n\ndata:2\n\ndata:3\n\n\n",                                           // format-bom-2
		"data:1\r:\x00\n:\r\ndata:2\n:" + x2k + "\rdata:3\n:data:fail\r:" + x2k + "\ndata:4\n\n", // format-comments
		"retry:1000\ndata:test1\n\nid:test\ndata:test2\n",                                        // format-data-before-final-empty-line
		"data:\n\ndata\ndata\n\ndata:test\n\n\n",                                                 // format-field-data
		"event: \ndata:data\n\n\n",                                                               // format-field-event-empty
		"event:test\ndata:x\n\ndata:x\n\n\n",                                                     // format-field-event
		"id: \u2026\nretry: 200\ndata: hello\n\n",                                                // format-field-id, first response
		"data: \u2026\n\n",                                                                       // format-field-id, after reconnecting
		"id: 1\ndata: 1\n\ndata: 2\n\nid: 2\ndata:3\n\ndata:4\n\n",                               // format-field-id-3, persists
		"id: 1\ndata: 1\n\nid:\ndata:2\n\ndata:3\n\n",                                            // format-field-id-3, resets
		"id: 1\ndata: 1\n\nid\ndata:2\n\ndata:3\n\n",                                             // format-field-id-3, resets without colon
		"id: \x00\x00\nretry: 200\ndata: hello\n\n",                                              // format-field-id-null
		"data:\x00\ndata:  2\rData:1\ndata\x00:2\ndata:1\r\x00data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n\n", // format-field-parsing
		"retry:3000\nretry:1000x\ndata:x\n\n\n", // format-field-retry-bogus
		"retry\ndata:test\n\n\n",                // format-field-retry-empty
		"retry:03000\ndata:x\n\n\n",             // format-field-retry
		"data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n\n", // format-field-unknown
		"data:\ttest\rdata: \ndata:test\n\n\n",                                                  // format-leading-space
		"data:test\r\ndata\ndata:test\r\n\r\n",                                                  // format-newlines
		"data:\x00\n\n\n\n\n",                                                                   // format-null-character
		"data:ok\u2026\n\n\n",                                                                   // format-utf-8
		"data:msg\ndata: msg\n\n:\nfalsefield:msg\n\nfalsefield:msg\nData:data\n\ndata\n\ndata:end\n\n", // event-data, message2.py
		"retry: 2\ndata: opened\n\n",                   // reconnect-fail.py
		"retry: 2\n",                                   // status-reconnect.py
		"retry: 2\ndata: ok\n\n",                       // status-reconnect.py, ok_first
		"id: 1\nretry: 200\ndata: first NO_COOKIE\n\n", // cors-cookie.py

		// WHATWG HTML 9.2 examples.
		"data: This is the first message.\n\ndata: This is the second message, it\ndata: has two lines.\n\ndata: This is the third message.\n\n",
		"event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n",
		"data: YHOO\ndata: +2\ndata: 10\n\n",
		": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n",
		"data\n\ndata\ndata\n\ndata:\n",
		"data:test\n\ndata: test\n\n",
		":\n",

		// Line ends.
		"",
		"\r", "\n", "\r\n", "\n\r", "\r\r\n", "\r\n\r\n", "\n\n\r\r",
		"data:a\r", "data:a\r\r", "data:a\r\n", "data:a\r\n\r", "data:a\r\n\r\n",
		"data:a\n\r\n", "data:a\r\r\ndata:b\n\n", "data:a\n\rdata:b\n\n",
		"data:a\rdata:b\ndata:c\r\n\r\n", "data\r\r", "data:\r\n\r\n",
		"data: a\r\n:\r\n\r\n", ":\r\r\r", "event:x\r\ndata:y\r\r",

		// BOM.
		"\uFEFF", "\xEF", "\xEF\xBB", "\xEF\xBB\xBF\n", "\xEF\xBB\xBF:\n",
		"\xEF\xBB\xBFdata:x\n\n", "\xEF\xBB\xBF\xEF\xBB\xBFdata:x\n\n",
		"\xEFdata:x\n\n", "\xEF\xBBdata:x\n\n", "\xEF\xBB\xBF\r\ndata:x\r\n\r\n",
		"data:\uFEFF\n\n", "data:x\n\n\uFEFFdata:y\n\n", "\xEF\xBB\xBFdata",
		"\xBB\xBFdata:x\n\n", "\xEF\xBB\xBE\ndata:x\n\n",

		// Invalid UTF-8.
		"data:\xC3\n\n", "data:\xE2\x82\n\n", "data:\xF0\x9F\x98\n\n",
		"data:\xE2\x82\rdata:x\n\n", "data:\xF0\x9F\x98\r\n\r\n",
		"data:\xED\xA0\x80\xED\xB0\x80\n\n", "data:\xED\x9F\xBF\n\n",
		"data:\xC0\x80\n\n", "data:\xC1\xBF\n\n", "data:\xE0\x80\xAF\n\n", "data:\xE0\x9F\xBF\n\n",
		"data:\xF0\x80\x80\xAF\n\n", "data:\xF0\x8F\xBF\xBF\n\n",
		"data:\xF4\x90\x80\x80\n\n", "data:\xF4\x8F\xBF\xBF\n\n",
		"data:\xF5\x80\x80\x80\n\n", "data:\xF8\x88\x80\x80\x80\n\n", "data:\xFE\xFF\n\n",
		"data:\x80\xBF\x80\n\n", "data:a\xFFb\n\n", "data:\xE2\xE2\x82\xAC\n\n",
		"data:\xF0\x90\x80\n\n", "data:\xF0\x90\x80z\n\n",
		"id:\xF0\x90\x80\ndata:\xF0\x90\x80z\n\n",
		"id:\xE2\x82\ndata:x\n\n", "id: \xFF1\ndata: \xE2\x82\n\n",
		"event:\xFF\ndata:x\n\n", "event:\xFFx\ndata:1\n\nevent:\uFFFDx\ndata:2\n\nevent:\xFFx\ndata:3\n\n",
		"id: \xFF\ndata:a\n\nid: \uFFFD\ndata:b\n\nid: \xFF\ndata:c\n\n",
		"da\xFFta:x\n\n", "\xC3data:x\n\n", "\xC3\n", "data:x\n\n\xF0",
		"data:\xC3", "\xE2\x80\xA8data:x\n\n", "data:\xC2\x85\n\n",

		// NUL and ids.
		"id:\x00\ndata:x\n\n", "id:1\ndata:a\n\nid:\x00\ndata:b\n\n", "id:a\x00\n\n",
		"\x00id:1\ndata:x\n\n", "id\x00:1\ndata:x\n\n", "id:1\x00\nid:2\ndata:x\n\n",
		"id:2\nid:1\x00\ndata:x\n\n", "data:\x00\x00\n\n", "event:\x00\ndata:x\n\n",
		"id: 1\ndata: a\n\nid: 2\nid: 1\ndata: b\n\n", "id: 1\n\nid\n\n", "id: 5\n\n",
		"data: a\n\nid: 9\n\n", "id: 1\ndata: a\n\nid: 2\ndata: b", "id:  a b \ndata: x\n\n",
		"id\ndata:x\n\n", "id:\n\n", "ID: 1\ndata:x\n\n", "id 1\ndata:x\n\n", "id::1\ndata:x\n\n",

		// retry.
		"retry:\n\n", "retry\n\n", "retry: \n\n", "retry:0\n\n", "retry: 0\n\n",
		"retry:00000000000000000000000001\n\n", "retry:9223372036853\n\n",
		"retry:9223372036854\n\n", "retry:9223372036855\n\n",
		"retry:9223372036854775807\n\n", "retry:9223372036854775808\n\n",
		"retry:18446744073709551616\n\n", "retry:99999999999999999999999999999999\n\n",
		"retry:-1\n\n", "retry:+1\n\n", "retry:1.0\n\n", "retry:1e3\n\n", "retry:0x10\n\n",
		"retry:1 \n\n", "retry:  1\n\n", "retry:\t1\n\n", "retry:\u0661\n\n", "retry:\uFF11\n\n",
		"retry:1\x00\n\n", "retry:10\nretry:x\n\n", "retry:10\nretry:\nretry\n\n",
		"Retry:10\n\n", "retry:5\n", "retry:5", "retry:5\r", "retry:1\xFF\n\n",

		// Fields and events.
		"data: a:b: c\n\n", "data:  x\nevent:  y\n\n", "DATA: x\nData: y\n\n",
		"foo: bar\n\n", "event: foo\n\ndata: x\n\n",
		"event: a\ndata: 1\n\nevent: a\ndata: 2\n\nevent: b\ndata: 3\n\n",
		"event: a\nevent: b\ndata: x\n\n", "event\ndata:x\n\n", "event:message\ndata:x\n\n",
		"data\n\n", "data:\n\n", "data: \n\n", "data:  \n\n", ": comment\ndata:x\n\n",
		"data:x\n", "data:x", "data:x\n\ndata:y",
	}
}

// fuzzBoundSeeds exercise a bound of b bytes: events, lines and ids at,
// just below and just above it. The Decoder allows a line 64 bytes longer
// than the bound (a field name, colon and space).
func fuzzBoundSeeds(b int) []string {
	rep := strings.Repeat
	return []string{
		"data: " + rep("d", b-1) + "\n\n", // data and its LF at the bound
		"data: " + rep("d", b) + "\n\n",   // one over
		"data: " + rep("d", b/2) + "\ndata: " + rep("d", b/2) + "\n\n",
		"id: " + rep("i", b/2) + "\ndata: " + rep("d", b/2) + "\n\n",
		"event: " + rep("t", b/2) + "\ndata: " + rep("d", b/2) + "\n\n",
		"id: " + rep("i", b/2) + "\n\ndata: " + rep("d", b/2) + "\n\n",
		":" + rep("c", b+62) + "\ndata:x\n\n", // a comment just inside the line limit
		":" + rep("c", b+64) + "\ndata:x\n\n", // just over it
		"data: x\n\n" + rep("z", b+64),        // an unterminated line at the limit
		"data: x\n\n" + rep("z", b+63),        // just under it
		"data: " + rep("\xFF", b-1) + "\n\n",  // each byte decodes to 3
		"data: a\n\ndata: b\n\nevent: " + rep("t", b) + "\ndata: 1\n\n",
		"data: " + rep("d", b/2) + "\nid: " + rep("i", b/2+b/8+1) + "\n\n", // id after data
		"event: " + rep("t", b/2) + "\nid: " + rep("i", b/2+b/8+1) + "\ndata\n\n",
	}
}
