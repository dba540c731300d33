package ssecors_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

// ev is a compact expected event: type, data, last event ID.
type ev struct{ typ, data, id string }

func (e ev) String() string { return fmt.Sprintf("{%q %q %q}", e.typ, e.data, e.id) }

type decoded struct {
	events []ev
	lastID string
	retry  time.Duration
	hasRet bool
	err    error
}

func decodeAll(r io.Reader, max int) decoded {
	d := ssecors.NewDecoder(r)
	if max > 0 {
		d.SetMaxEventSize(max)
	}
	var out decoded
	for i := 0; i < 100000; i++ {
		e, err := d.Decode()
		if err != nil {
			if err != io.EOF {
				out.err = err
			}
			break
		}
		if e.Type == "" {
			panic("dispatched event without a type")
		}
		out.events = append(out.events, ev{e.Type, e.Data, e.LastEventID})
	}
	out.lastID = d.LastEventID()
	out.retry, out.hasRet = d.Retry()
	return out
}

// chunkReader returns the input in chunks of size n.
type chunkReader struct {
	s string
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.s == "" {
		return 0, io.EOF
	}
	n := c.n
	if n > len(c.s) {
		n = len(c.s)
	}
	if n > len(p) {
		n = len(p)
	}
	copy(p, c.s[:n])
	c.s = c.s[n:]
	return n, nil
}

var long2k = strings.Repeat("x", 2048)

// parserCases come from WHATWG HTML "Interpreting an event stream" (its
// examples and rules) and from web-platform-tests eventsource/format-*.
var parserCases = []struct {
	name   string
	in     string
	want   []ev
	lastID string
	retry  time.Duration // 0 with hasRet false: no valid retry field
	hasRet bool
}{
	// Spec examples.
	{name: "spec stock ticker", in: "data: YHOO\ndata: +2\ndata: 10\n\n",
		want: []ev{{"message", "YHOO\n+2\n10", ""}}},
	{name: "spec ids and unterminated", in: ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n",
		want: []ev{{"message", "first event", "1"}, {"message", "second event", ""}}},
	{name: "spec empty data", in: "data\n\ndata\ndata\n\ndata:\n",
		want: []ev{{"message", "", ""}, {"message", "\n", ""}}},
	{name: "spec one leading space", in: "data:test\n\ndata: test\n\n",
		want: []ev{{"message", "test", ""}, {"message", "test", ""}}},

	// web-platform-tests eventsource/format-*.
	{name: "wpt format-bom", in: "\uFEFFdata:1\n\n\uFEFFdata:2\n\ndata:3\n\n",
		want: []ev{{"message", "1", ""}, {"message", "3", ""}}},
	{name: "wpt format-bom-2", in: "\uFEFF\uFEFFdata:1\n\ndata:2\n\ndata:3\n\n",
		want: []ev{{"message", "2", ""}, {"message", "3", ""}}},
	{name: "wpt format-comments", in: "data:1\r:\x00\n:\r\ndata:2\n:" + long2k + "\rdata:3\n:data:fail\r:" + long2k + "\ndata:4\n\n",
		want: []ev{{"message", "1\n2\n3\n4", ""}}},
	{name: "wpt format-field-data", in: "data:\n\ndata\ndata\n\ndata:test\n\n",
		want: []ev{{"message", "", ""}, {"message", "\n", ""}, {"message", "test", ""}}},
	{name: "wpt format-field-event-empty", in: "event: \ndata:data\n\n",
		want: []ev{{"message", "data", ""}}},
	{name: "wpt format-field-event", in: "event:test\ndata:x\n\ndata:x\n\n",
		want: []ev{{"test", "x", ""}, {"message", "x", ""}}},
	{name: "wpt format-field-parsing", in: "data:\x00\ndata:  2\rData:1\ndata\x00:2\ndata:1\r\x00data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n\n",
		want: []ev{{"message", "\x00\n 2\n1\n3\n\n4", ""}}},
	{name: "wpt format-field-retry-bogus", in: "retry:3000\nretry:1000x\ndata:x\n\n",
		want: []ev{{"message", "x", ""}}, retry: 3 * time.Second, hasRet: true},
	{name: "wpt format-field-retry", in: "retry:03000\ndata:x\n\n",
		want: []ev{{"message", "x", ""}}, retry: 3 * time.Second, hasRet: true},
	{name: "wpt format-field-retry-empty", in: "retry\ndata:test\n\n",
		want: []ev{{"message", "test", ""}}},
	{name: "wpt format-field-unknown", in: "data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n",
		want: []ev{{"message", "test\n\ntest", ""}}},
	{name: "wpt format-leading-space", in: "data:\ttest\rdata: \ndata:test\n\n",
		want: []ev{{"message", "\ttest\n\ntest", ""}}},
	{name: "wpt format-newlines", in: "data:test\r\ndata\ndata:test\r\n\r\n",
		want: []ev{{"message", "test\n\ntest", ""}}},
	{name: "wpt format-null-character", in: "data:\x00\n\n\n\n",
		want: []ev{{"message", "\x00", ""}}},
	{name: "wpt format-utf-8", in: "data:ok\u2026\n\n",
		want: []ev{{"message", "ok\u2026", ""}}},
	{name: "wpt format-data-before-final-empty-line", in: "retry:1000\ndata:test1\n\nid:test\ndata:test2",
		want: []ev{{"message", "test1", ""}}, retry: time.Second, hasRet: true},
	{name: "wpt format-field-id non-ASCII", in: "id: \u2026\nretry: 200\ndata: hello\n\n",
		want: []ev{{"message", "hello", "\u2026"}}, lastID: "\u2026", retry: 200 * time.Millisecond, hasRet: true},
	{name: "wpt format-field-id-null", in: "id: a\x00b\ndata: hello\n\n",
		want: []ev{{"message", "hello", ""}}},

	// Line ends.
	{name: "lone CR ends lines", in: "data: a\rdata: b\r\r", want: []ev{{"message", "a\nb", ""}}},
	{name: "LF then CR is two line ends", in: "data:a\n\rdata:b\n\n",
		want: []ev{{"message", "a", ""}, {"message", "b", ""}}},
	{name: "CRLF CRLF", in: "data:a\r\n\r\n", want: []ev{{"message", "a", ""}}},
	{name: "CR CR LF", in: "data:a\r\r\ndata:b\n\n",
		want: []ev{{"message", "a", ""}, {"message", "b", ""}}},
	{name: "only line ends", in: "\n\r\n\r\r\n", want: nil},

	// Fields.
	{name: "field without colon", in: "data\n\n", want: []ev{{"message", "", ""}}},
	{name: "colon in value", in: "data: a:b: c\n\n", want: []ev{{"message", "a:b: c", ""}}},
	{name: "only one space stripped", in: "data:  x\nevent:  y\n\n", want: []ev{{" y", " x", ""}}},
	{name: "case-sensitive names", in: "DATA: x\nData: y\n\n", want: nil},
	{name: "comment only", in: ":\n:hi\n\n", want: nil},
	{name: "unknown field only block", in: "foo: bar\n\n", want: nil},
	{name: "event type resets after block without data", in: "event: foo\n\ndata: x\n\n",
		want: []ev{{"message", "x", ""}}},
	{name: "event type reused", in: "event: a\ndata: 1\n\nevent: a\ndata: 2\n\nevent: b\ndata: 3\n\n",
		want: []ev{{"a", "1", ""}, {"a", "2", ""}, {"b", "3", ""}}},
	{name: "last event field wins", in: "event: a\nevent: b\ndata: x\n\n", want: []ev{{"b", "x", ""}}},

	// id.
	{name: "id persists across events", in: "id: 7\ndata: a\n\ndata: b\n\n",
		want: []ev{{"message", "a", "7"}, {"message", "b", "7"}}, lastID: "7"},
	{name: "empty id resets", in: "id: 7\ndata: a\n\nid:\ndata: b\n\n",
		want: []ev{{"message", "a", "7"}, {"message", "b", ""}}},
	{name: "bare id resets", in: "id: 7\ndata: a\n\nid\ndata: b\n\n",
		want: []ev{{"message", "a", "7"}, {"message", "b", ""}}},
	{name: "id-only block updates last event id", in: "id: 5\n\ndata: a\n\n",
		want: []ev{{"message", "a", "5"}}, lastID: "5"},
	{name: "id-only block without a following event", in: "data: a\n\nid: 9\n\n",
		want: []ev{{"message", "a", ""}}, lastID: "9"},
	{name: "id with NUL ignored keeps previous", in: "id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n",
		want: []ev{{"message", "a", "1"}, {"message", "b", "1"}}, lastID: "1"},
	{name: "id set back to the committed value", in: "id: 1\ndata: a\n\nid: 2\nid: 1\ndata: b\n\n",
		want: []ev{{"message", "a", "1"}, {"message", "b", "1"}}, lastID: "1"},
	{name: "last id field wins", in: "id: 1\nid: 2\ndata: a\n\n", want: []ev{{"message", "a", "2"}}, lastID: "2"},
	{name: "pending id of unterminated event discarded", in: "id: 1\ndata: a\n\nid: 2\ndata: b",
		want: []ev{{"message", "a", "1"}}, lastID: "1"},
	{name: "id with spaces kept", in: "id:  a b \ndata: x\n\n", want: []ev{{"message", "x", " a b "}}, lastID: " a b "},

	// retry.
	{name: "retry takes effect in an undispatched event", in: "retry: 500\ndata: x",
		retry: 500 * time.Millisecond, hasRet: true},
	{name: "retry zero", in: "retry: 0\n\n", retry: 0, hasRet: true},
	{name: "retry negative ignored", in: "retry: -1\n\n"},
	{name: "retry decimal ignored", in: "retry: 1.5\n\n"},
	{name: "retry with two spaces ignored", in: "retry:  5\n\n"},
	{name: "retry last valid wins", in: "retry: 10\nretry: x\nretry: 20\n\n", retry: 20 * time.Millisecond, hasRet: true},
	{name: "retry huge saturates", in: "retry: 99999999999999999999999999\n\n",
		retry: time.Duration(1<<63-1) / time.Millisecond * time.Millisecond, hasRet: true},
	{name: "retry non-ASCII digit ignored", in: "retry: \u0661\n\n"},

	// BOM.
	{name: "BOM stripped once", in: "\uFEFFdata: x\n\n", want: []ev{{"message", "x", ""}}},
	{name: "partial BOM is part of the field name", in: "\xEF\xBBdata: x\n\n", want: nil},
	{name: "BOM alone", in: "\uFEFF", want: nil},
	{name: "partial BOM at EOF", in: "\xEF\xBB", want: nil},

	// UTF-8 decoding with WHATWG replacement.
	{name: "truncated sequence is one replacement", in: "data: \xE2\x82A\n\n", want: []ev{{"message", "\uFFFDA", ""}}},
	{name: "surrogate is three replacements", in: "data: \xED\xA0\x80\n\n", want: []ev{{"message", "\uFFFD\uFFFD\uFFFD", ""}}},
	{name: "overlong is two replacements", in: "data: \xC0\xAF\n\n", want: []ev{{"message", "\uFFFD\uFFFD", ""}}},
	{name: "truncated 4-byte is one replacement", in: "data: \xF0\x90\x80\n\n", want: []ev{{"message", "\uFFFD", ""}}},
	{name: "invalid byte", in: "data: a\xFFb\n\n", want: []ev{{"message", "a\uFFFDb", ""}}},
	{name: "above U+10FFFF", in: "data: \xF4\x90\x80\x80\n\n", want: []ev{{"message", "\uFFFD\uFFFD\uFFFD\uFFFD", ""}}},
	{name: "invalid in id and data together", in: "id: \xFF1\ndata: \xE2\x82\n\n",
		want: []ev{{"message", "\uFFFD", "\uFFFD1"}}, lastID: "\uFFFD1"},
	{name: "same-length replacement in id and data", in: "id: \xF0\x90\x80\ndata: \xF0\x90\x80z\n\n",
		want: []ev{{"message", "\uFFFDz", "\uFFFD"}}, lastID: "\uFFFD"},
	{name: "types alternate and change", in: "event: a\ndata: 1\n\nevent: b\ndata: 2\n\nevent: a\ndata: 3\n\nevent: c\ndata: 4\n\nevent: b\ndata: 5\n\ndata: 6\n\nevent: b\ndata: 7\n\n",
		want: []ev{{"a", "1", ""}, {"b", "2", ""}, {"a", "3", ""}, {"c", "4", ""}, {"b", "5", ""}, {"message", "6", ""}, {"b", "7", ""}}},
	{name: "truncated id before continuation data", in: "id: \xC3\ndata: \xA9x\n\n",
		want: []ev{{"message", "\uFFFDx", "\uFFFD"}}, lastID: "\uFFFD"},
	{name: "truncated data lines before continuation id", in: "id: \xAC\ndata: a\ndata: \xE2\x82\n\n",
		want: []ev{{"message", "a\n\uFFFD", "\uFFFD"}}, lastID: "\uFFFD"},
	{name: "multibyte id and data", in: "id: \u00e9\ndata: \u20ac\ndata: \u00e9\n\nid: \u20ac\ndata: \u00e9\n\n",
		want: []ev{{"message", "\u20ac\n\u00e9", "\u00e9"}, {"message", "\u00e9", "\u20ac"}}, lastID: "\u20ac"},
	{name: "invalid in type", in: "event: \xFFx\ndata: 1\n\n", want: []ev{{"\uFFFDx", "1", ""}}},
	{name: "valid multibyte", in: "data: h\u00e9llo \U0001F600\n\n", want: []ev{{"message", "h\u00e9llo \U0001F600", ""}}},

	// End of stream.
	{name: "unterminated event discarded", in: "data: x", want: nil},
	{name: "event without blank line discarded", in: "data: x\n", want: nil},
	{name: "empty stream", in: "", want: nil},
}

func TestDecoder_spec(t *testing.T) {
	t.Parallel()
	readers := []struct {
		name string
		r    func(s string) io.Reader
	}{
		{"whole", func(s string) io.Reader { return strings.NewReader(s) }},
		{"byte at a time", func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) }},
		{"chunks of 2", func(s string) io.Reader { return &chunkReader{s, 2} }},
		{"chunks of 3", func(s string) io.Reader { return &chunkReader{s, 3} }},
		{"chunks of 7", func(s string) io.Reader { return &chunkReader{s, 7} }},
		{"data and EOF together", func(s string) io.Reader { return iotest.DataErrReader(strings.NewReader(s)) }},
	}
	for _, tc := range parserCases {
		for _, rd := range readers {
			t.Run(tc.name+"/"+rd.name, func(t *testing.T) {
				t.Parallel()
				got := decodeAll(rd.r(tc.in), 0)
				if got.err != nil {
					t.Fatalf("error: %v", got.err)
				}
				if fmt.Sprint(got.events) != fmt.Sprint(tc.want) {
					t.Errorf("events: got %v, want %v", got.events, tc.want)
				}
				if got.lastID != tc.lastID {
					t.Errorf("last event ID: got %q, want %q", got.lastID, tc.lastID)
				}
				if got.hasRet != tc.hasRet || got.retry != tc.retry {
					t.Errorf("retry: got %v (%v), want %v (%v)", got.retry, got.hasRet, tc.retry, tc.hasRet)
				}
			})
		}
	}
}

func TestDecoder_maxEventSize(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want int // events before the error
	}{
		{"data lines add up", "data: 0123456789\ndata: 0123456789\ndata: 0123456789\n\n", 0},
		{"one long line", "data: " + strings.Repeat("y", 100) + "\n\n", 0},
		{"a line that never ends", strings.Repeat("z", 10000), 0},
		{"a comment that never ends", ":" + strings.Repeat("z", 10000), 0},
		{"small events pass, then one too large", "data: a\n\ndata: b\n\nevent: " + strings.Repeat("t", 40) + "\ndata: 1\n\n", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, r := range []io.Reader{strings.NewReader(tc.in), iotest.OneByteReader(strings.NewReader(tc.in))} {
				got := decodeAll(r, 32)
				if !errors.Is(got.err, ssecors.ErrEventTooLarge) {
					t.Fatalf("error: got %v, want ErrEventTooLarge", got.err)
				}
				if len(got.events) != tc.want {
					t.Errorf("events: got %d, want %d", len(got.events), tc.want)
				}
			}
		})
	}
	// Exactly at the bound is fine: 32 bytes of data.
	in := "data: " + strings.Repeat("d", 31) + "\n\n"
	if got := decodeAll(strings.NewReader(in), 32); got.err != nil || len(got.events) != 1 {
		t.Errorf("event at the bound: got %v, %d events", got.err, len(got.events))
	}
}

func TestDecoder_errorsAreSticky(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("data: a\n\ndata: b"), iotest.ErrReader(boom))
	d := ssecors.NewDecoder(r)
	if e, err := d.Decode(); err != nil || e.Data != "a" {
		t.Fatalf("first: got %v, %v", e, err)
	}
	for i := 0; i < 3; i++ {
		if _, err := d.Decode(); !errors.Is(err, boom) {
			t.Fatalf("got %v, want boom", err)
		}
	}
}

func TestDecoder_noProgress(t *testing.T) {
	t.Parallel()
	d := ssecors.NewDecoder(zeroReader{})
	if _, err := d.Decode(); !errors.Is(err, io.ErrNoProgress) {
		t.Fatalf("got %v, want io.ErrNoProgress", err)
	}
}

type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

// largeEvent is the largest event the default bound admits (its data and
// the LF after each data line add up to DefaultMaxEventSize), sent as one
// data line or as 1 KiB data lines, followed by two small events.
type largeEvent struct {
	name string
	in   string // the stream
	data string // the large event's data
}

func largeEvents() []largeEvent {
	const size = ssecors.DefaultMaxEventSize
	one := "data: " + strings.Repeat("x", size-1) + "\n\n" + smallEvents
	var b strings.Builder
	b.Grow(size + size/1024*6 + len(smallEvents))
	for i := 0; i < size/1024; i++ {
		b.WriteString("data: ")
		b.WriteString(long2k[:1023])
		b.WriteString("\n")
	}
	b.WriteString("\n" + smallEvents)
	return []largeEvent{
		{"one data line", one, one[6 : 6+size-1]},
		{"1 KiB data lines", b.String(), strings.Repeat(long2k[:1023]+"\n", size/1024-1) + long2k[:1023]},
	}
}

const smallEvents = "data: after\n\ndata: last\n\n"

// TestDecoder_buffersShrinkBack mixes events larger than the buffers the
// parser keeps with small ones, split in many ways, so that the read
// buffer grows, shrinks back and grows again mid-stream, with a first
// data line waiting for its event's end and CR line ends around the
// moves: the events are those of the whole input.
func TestDecoder_buffersShrinkBack(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 300<<10)
	lines := strings.Repeat(long2k[:1000]+"\n", 299) + long2k[:1000]
	in := "data: a\n\n" +
		"data: " + big + "\n\n" +
		"id: 1\ndata: b\n\n" +
		"data: " + strings.ReplaceAll(lines, "\n", "\ndata: ") + "\n\n" +
		"event: e\rdata: " + big[:100<<10] + "\r\n\r\n" +
		"data: " + big + "\r\r" +
		"data: c\n\n" +
		"data: unterminated"
	want := []ev{
		{"message", "a", ""},
		{"message", big, ""},
		{"message", "b", "1"},
		{"message", lines, "1"},
		{"e", big[:100<<10], "1"},
		{"message", big, "1"},
		{"message", "c", "1"},
	}
	for _, n := range []int{1 << 30, 100000, 4096, 1000, 16, 7} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			got := decodeAll(&chunkReader{s: in, n: n}, 0)
			if got.err != nil || len(got.events) != len(want) {
				t.Fatalf("got %d events, error %v, want %d events", len(got.events), got.err, len(want))
			}
			for i, e := range got.events {
				if e != want[i] {
					t.Errorf("event %d: got type %q, %d bytes of data, id %q; want %q, %d bytes, %q",
						i, e.typ, len(e.data), e.id, want[i].typ, len(want[i].data), want[i].id)
				}
			}
		})
	}
}

// TestDecoder_largeEventSmallReads decodes the largest default event from
// a reader that returns 16 bytes a read: parsing stays linear (the bytes
// allocated are a small multiple of the event), the heap stays bounded
// while it is parsed, and once the event is dispatched the Decoder goes
// back to a small footprint for the rest of the stream. Not parallel: it
// measures the heap.
func TestDecoder_largeEventSmallReads(t *testing.T) {
	const size = ssecors.DefaultMaxEventSize
	for _, tc := range largeEvents() {
		t.Run(tc.name, func(t *testing.T) {
			heap := hostileWatchHeap()
			d := ssecors.NewDecoder(&chunkReader{s: tc.in, n: 16})
			e, err := d.Decode()
			if err != nil || e.Data != tc.data {
				t.Fatalf("large event: got %d bytes of data, error %v, want %d bytes", len(e.Data), err, len(tc.data))
			}
			e = ssecors.Event{}
			if e, err = d.Decode(); err != nil || e.Data != "after" {
				t.Fatalf("event after the large one: got %q, %v", e.Data, err)
			}
			growth, allocated := heap.Stop()
			// The Decoder is still reading the stream: what it holds now
			// is what it holds for the rest of it.
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			held := int64(ms.HeapInuse) - int64(heap.base.HeapInuse)
			if e, err = d.Decode(); err != nil || e.Data != "last" {
				t.Fatalf("last event: got %q, %v", e.Data, err)
			}
			if _, err = d.Decode(); err != io.EOF {
				t.Fatalf("end: got %v, want io.EOF", err)
			}
			t.Logf("%d-byte event in 16-byte reads: allocated %.2f× the event, heap peak +%.2f×, then held %d bytes",
				size, float64(allocated)/size, float64(growth)/size, held)
			if limit := uint64(3*size + 1<<20); allocated > limit {
				t.Errorf("allocated %d bytes for a %d-byte event, want at most %d", allocated, size, limit)
			}
			if limit := uint64(4*size + 8<<20); growth > limit {
				t.Errorf("heap grew by %d bytes for a %d-byte event, want at most %d", growth, size, limit)
			}
			if limit := int64(256 << 10); held > limit {
				t.Errorf("the Decoder holds %d bytes after the large event, want at most %d", held, limit)
			}
		})
	}
}

// TestEventSource_Run_largeEventThenSmall receives the largest default
// event, then a small one and nothing more: once the source waits for more
// on the open stream, it holds no large buffer. The source shrinks its
// buffers before it blocks in a read, which the test cannot see, so it
// polls the heap for that; it fails only if the heap never gets there.
func TestEventSource_Run_largeEventThenSmall(t *testing.T) {
	const size = ssecors.DefaultMaxEventSize
	tc := largeEvents()[0]
	srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{
		{Handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, tc.in[:len(tc.in)-len("data: last\n\n")])
			http.NewResponseController(w).Flush()
			<-r.Context().Done() // idle until the client leaves
		}},
		stop204,
	}})
	es := mustNew(t, srv.EventsURL())
	var got []int
	small := make(chan struct{})
	es.OnMessage(func(ev ssecors.Event) {
		got = append(got, len(ev.Data))
		if ev.Data == "after" {
			close(small)
		}
	})
	const limit = 1 << 20
	var base runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&base)
	held, done := make(chan int64, 1), make(chan struct{})
	go func() {
		defer es.Close()
		select {
		case <-small:
		case <-done: // Run returned before the small event
			held <- -1
			return
		}
		var ms runtime.MemStats
		h := int64(0)
		for i := 0; i < 500; i++ {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			if h = int64(ms.HeapInuse) - int64(base.HeapInuse); h <= limit {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		held <- h
	}()
	err := runSource(t, es)
	close(done)
	h := <-held
	if err != nil {
		t.Fatalf("Run: got %v, want nil after Close", err)
	}
	if len(got) != 2 || got[0] != size-1 {
		t.Fatalf("events: got data lengths %v, want [%d 5]", got, size-1)
	}
	t.Logf("after a %d-byte event, the open source holds %d bytes more than before it connected", size, h)
	if h > limit {
		t.Errorf("the open source holds %d bytes after the large event, want at most %d", h, limit)
	}
}

// Test_validUTF8 checks the ASCII fast path of validUTF8 against
// utf8.Valid for every length up to 100 with one non-ASCII, truncated or
// invalid sequence at every position: the word loops and the overlapping
// last word must miss none.
func Test_validUTF8(t *testing.T) {
	t.Parallel()
	for _, seq := range []string{"é", "€", "😀", "\xC3", "\xE2\x82", "\xF0\x9F\x98", "\xFF", "\xED\xA0\x80", "\x80"} {
		for n := 0; n <= 100; n++ {
			for at := 0; at <= n; at++ {
				b := []byte(strings.Repeat("a", at) + seq + strings.Repeat("b", n-at))
				if got, want := ssecors.ValidUTF8(b), utf8.Valid(b); got != want {
					t.Fatalf("%q: got %v, want %v", b, got, want)
				}
			}
		}
	}
	for n := 0; n <= 100; n++ {
		if b := []byte(strings.Repeat("x", n)); !ssecors.ValidUTF8(b) {
			t.Fatalf("%q: got false, want true", b)
		}
	}
}
