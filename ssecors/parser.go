package ssecors

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"iter"
	"math"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// DefaultMaxEventSize is the default bound on the size of one event (its
// data, id and type together) and of any single line: 16 MiB, the bound
// the Go SDKs of the large LLM and MCP APIs settled on. The buffers grow to
// it only for an event that needs it and shrink back after it.
const DefaultMaxEventSize = 16 << 20

// The read buffer starts small, so that an idle connection holds little,
// grows for a line that does not fit (doubling, up to the maximum event
// size), and grows for throughput when reads keep filling it (up to
// fastBufferSize): a fast stream is then read in large chunks. A buffer
// grown past maxKeptBuffer by a long line is replaced by a small one once
// the line is used, and no buffer is kept after the end of the stream.
const (
	initialBufferSize = 1024
	fastBufferSize    = 64 << 10
)

// lineSlack is how much longer than the maximum event size a line may be:
// room for a field name, its colon and space, and the line end.
const lineSlack = 64

// maxKeptBuffer is the largest buffer kept for reuse after an event: a
// read, data or type buffer grown beyond it by one huge event is released.
// Events of up to about this size then cost no buffer allocation each.
const maxKeptBuffer = 256 << 10

// maxSharedData is the largest event data that shares its allocation with
// the event's new id (see dispatch).
const maxSharedData = 1 << 10

// maxRetryMillis saturates "retry:" values so that the resulting
// time.Duration cannot overflow.
const maxRetryMillis = math.MaxInt64 / int64(time.Millisecond)

// parser turns the bytes of an event stream into events, following WHATWG
// HTML "Parsing an event stream" and "Interpreting an event stream". It
// owns no goroutine and makes no policy decision: its caller decides what a
// read error, an oversized event or the end of the stream means.
//
// Lines are found in a reused read buffer and interpreted in place; the
// only allocations in steady state are the strings of a dispatched event.
type parser struct {
	r     io.Reader
	err   error // sticky read error, returned once the buffered lines are used
	fatal error // sticky ErrEventTooLarge: nothing more is parsed

	buf        []byte // read buffer; buf[start:end] is unread
	start, end int

	full    bool // the last read filled the buffer: the stream is fast
	bomDone bool // the leading byte order mark has been handled
	skipLF  bool // the last line ended with CR at the end of the buffer
	// noCR is a buffer index: buf[start:noCR] holds no CR, and when
	// noCR < end, buf[noCR] may be one. Most streams use LF alone, so one
	// scan per read replaces a scan per line.
	noCR int
	// noLF, when above start, is a buffer index such that buf[start:noLF]
	// holds no LF: the part of an unfinished line already scanned.
	noLF int

	// buf[lineFrom:lineTo] is the value of the event's first data line
	// while it still sits in the read buffer (lineSet): the common
	// one-line event is then copied once, into the event's string, instead
	// of twice. Indices, not a slice: storing a slice header into the
	// parser for every event costs a GC write barrier while the GC marks.
	lineFrom, lineTo int
	lineSet          bool

	max int // maximum event size and line length

	data    []byte // data buffer: each data line followed by LF
	typ     []byte // event type buffer
	id      []byte // last event ID buffer
	idDirty bool   // id differs from lastID
	lastID  string // the last event ID string
	// lastType and prevType are the two most recent distinct dispatched
	// types, reused when equal: streams that interleave two types (a
	// frequent one and a periodic "ping") then allocate no type string.
	lastType, prevType string
	// evType is the type of the event just dispatched, stored only when it
	// changes (a string store into the parser costs a GC write barrier
	// while the GC marks), and dropped at the next call when huge.
	evType string

	retry    time.Duration // the reconnection time last set by "retry:"
	retrySet bool
	minRetry time.Duration // the browser's floor for "retry:" (Firefox: 500 ms)

	// nulDrops makes an "id:" holding NUL drop its whole event, as Firefox
	// does (the spec ignores the field); poisoned marks such an event.
	nulDrops, poisoned bool

	origin string // Event.Origin of dispatched events

	// comment, when set, is called with each comment line after its
	// colon, synchronously, before the lines that follow are parsed.
	comment func(line []byte)
	// commentOn says whether comment is to be called: a plain load per
	// comment line instead of a call when nobody listens.
	commentOn *atomic.Bool
}

func newParser(r io.Reader, max int) *parser {
	if max <= 0 {
		max = DefaultMaxEventSize
	}
	return &parser{r: r, max: max}
}

// reset prepares p for a new stream on r, as a new connection does: the
// buffers are emptied and the byte order mark is expected again, while the
// last event ID string is kept and becomes the new last event ID buffer.
func (p *parser) reset(r io.Reader, origin string) {
	p.r, p.err, p.fatal = r, nil, nil
	p.start, p.end, p.noCR, p.noLF = 0, 0, 0, 0
	p.bomDone, p.skipLF = false, false
	p.lineSet = false
	p.data, p.typ = keep(p.data), keep(p.typ)
	if len(p.buf) > maxKeptBuffer {
		p.buf = nil
	}
	p.id = append(p.id[:0], p.lastID...)
	p.idDirty = false
	p.retrySet, p.poisoned = false, false
	p.origin = origin
}

// release drops the read buffer so that an idle source holds no buffer.
func (p *parser) release() {
	p.buf, p.lineSet = nil, false
	p.r = nil
}

// drop empties the buffers once nothing more will be parsed from the
// stream (a read error or an event too large): the read buffer is released
// and a large data or type buffer too, so that a source waiting to
// reconnect, or a Decoder kept after its error, holds no large buffer.
func (p *parser) drop() {
	p.buf, p.start, p.end, p.noCR, p.noLF = nil, 0, 0, 0, 0
	p.skipLF, p.full = false, false
	p.lineSet = false
	p.data, p.typ = keep(p.data), keep(p.typ)
}

// keep returns b emptied for reuse, or nil when it is too large to keep.
func keep(b []byte) []byte {
	if cap(b) > maxKeptBuffer {
		return nil
	}
	return b[:0]
}

// empty empties the data and type buffers after an event, releasing one
// too large to keep. It stores only lengths in the common case: storing a
// slice header costs a GC write barrier while the GC marks.
func (p *parser) empty() {
	if cap(p.data) > maxKeptBuffer {
		p.data = nil
	} else if len(p.data) > 0 {
		p.data = p.data[:0]
	}
	if cap(p.typ) > maxKeptBuffer {
		p.typ = nil
	} else if len(p.typ) > 0 {
		p.typ = p.typ[:0]
	}
}

// nextEvent returns the next dispatched event, reading as needed. It
// returns the event rather than storing it through a pointer: the event
// then stays in registers and in the caller's frame, where storing its
// strings needs no GC write barrier. At the end of the stream it returns
// io.EOF (the unterminated event, if any, is discarded), a read error as it
// came, or an error wrapping ErrEventTooLarge.
//
// It does what event and fill do, in one loop: a Decoder spends a call less
// per event than through event, which BenchmarkParseSmall32 measured at
// about 8 % of the CPU per event. FuzzParserMatchesReference checks both
// ways against the reference parser.
func (p *parser) nextEvent() (Event, error) {
	if len(p.evType) > maxKeptBuffer {
		p.evType = "" // the caller has it: keeping it would pin a huge type
	}
	if p.fatal != nil {
		return Event{}, p.fatal
	}
	for {
		if !p.bomDone && !p.stripBOM() {
			if err := p.fill(); err != nil {
				return Event{}, err
			}
			continue
		}
		for {
			line, end, ok := p.nextLine()
			if !ok {
				break
			}
			if len(line) == 0 {
				if data, ok := p.dispatch(); ok {
					return Event{Type: p.evType, Data: data, LastEventID: p.lastID, Origin: p.origin}, nil
				}
				continue
			}
			if err := p.field(line, end); err != nil {
				return Event{}, err
			}
		}
		if err := p.fill(); err != nil {
			return Event{}, err
		}
	}
}

// event returns the next event dispatched by the lines already read, and
// true, or false when the buffer holds no complete event: the caller then
// reads more with fill. Its error wraps ErrEventTooLarge. Reading is left
// to the caller so that an idle EventSource waits with this function's
// frame off the stack (see engine.attempt).
func (p *parser) event() (Event, bool, error) {
	if len(p.evType) > maxKeptBuffer {
		p.evType = "" // the caller has it: keeping it would pin a huge type
	}
	if p.fatal != nil {
		return Event{}, false, p.fatal
	}
	if !p.bomDone && !p.stripBOM() {
		return Event{}, false, nil
	}
	for {
		line, end, ok := p.nextLine()
		if !ok {
			return Event{}, false, nil
		}
		if len(line) == 0 {
			if data, ok := p.dispatch(); ok {
				return Event{Type: p.evType, Data: data, LastEventID: p.lastID, Origin: p.origin}, true, nil
			}
			continue
		}
		if err := p.field(line, end); err != nil {
			return Event{}, false, err
		}
	}
}

// stripBOM removes one leading UTF-8 byte order mark. It reports false when
// more bytes are needed to decide.
func (p *parser) stripBOM() bool {
	b := p.buf[p.start:p.end]
	const bom = "\xEF\xBB\xBF"
	n := len(b)
	if n > len(bom) {
		n = len(bom)
	}
	switch {
	case string(b[:n]) != bom[:n]:
	case n == len(bom):
		p.start += n
	case p.err == nil:
		return false
	}
	p.bomDone = true
	return true
}

// nextLine returns the next complete line in the buffer without its line
// end, and the buffer index where it ends, or false when the buffer holds
// no complete line. A CR ends a line at once; an LF right after it, even in
// the next read, is part of that line end.
func (p *parser) nextLine() ([]byte, int, bool) {
	start := p.start
	if p.skipLF {
		if start == p.end {
			return nil, 0, false
		}
		p.skipLF = false
		if p.buf[start] == '\n' {
			start++
			p.start = start
		}
	}
	// Fast path: the empty line that ends most events.
	if start < p.end {
		switch p.buf[start] {
		case '\n':
			p.start = start + 1
			return p.buf[start:start], start, true
		case '\r':
			p.endAtCR(start)
			return p.buf[start:start], start, true
		}
	}
	// Search for LF only where no earlier call looked: a long line that
	// arrives over many reads is scanned once, not once per read.
	from := start
	if p.noLF > from {
		from = p.noLF
	}
	segEnd := p.end
	if i := bytes.IndexByte(p.buf[from:p.end], '\n'); i >= 0 {
		segEnd = from + i
		p.noLF = 0
	} else {
		p.noLF = p.end
	}
	if segEnd > p.noCR {
		from := p.noCR
		if from < start {
			from = start
		}
		if i := bytes.IndexByte(p.buf[from:p.end], '\r'); i < 0 {
			p.noCR = p.end
		} else {
			p.noCR = from + i
		}
	}
	if cr := p.noCR; cr < segEnd {
		p.noLF = 0
		p.endAtCR(cr)
		return p.buf[start:cr], cr, true
	}
	if segEnd == p.end {
		return nil, 0, false
	}
	p.start = segEnd + 1
	return p.buf[start:segEnd], segEnd, true
}

// endAtCR ends the current line at the CR at buffer index cr: an LF right
// after it belongs to the same line end, even when it has not arrived yet.
func (p *parser) endAtCR(cr int) {
	switch {
	case cr+1 == p.end:
		p.skipLF = true
		p.start = cr + 1
	case p.buf[cr+1] == '\n':
		p.start = cr + 2
	default:
		p.start = cr + 1
	}
}

// fill reads more bytes, first making room by moving the unread part of
// the buffer to its start and growing it when a single line fills it. It
// returns the sticky read error once nothing is left to parse.
func (p *parser) fill() error {
	// A first data line still in the buffer stays there while there is
	// room after it: moving it would copy it into the data buffer, and a
	// long line would then be copied twice before its event is dispatched.
	if p.start > 0 && (!p.lineSet || p.end == len(p.buf)) {
		p.spillLine()
		n := p.end - p.start
		if len(p.buf) > maxKeptBuffer && n <= fastBufferSize/2 {
			// The long line that grew the buffer has been used: go back
			// to a small one.
			size := initialBufferSize
			for size < 2*n {
				size *= 2
			}
			nb := make([]byte, size)
			copy(nb, p.buf[p.start:p.end])
			p.buf = nb
		} else {
			copy(p.buf, p.buf[p.start:p.end])
		}
		p.noCR -= p.start
		if p.noCR < 0 {
			p.noCR = 0
		}
		p.noLF -= p.start
		if p.noLF < 0 {
			p.noLF = 0
		}
		p.start, p.end = 0, n
	}
	limit := p.max + lineSlack
	if p.end >= limit {
		// An unterminated line this long is an error even at the end of
		// the stream, so the outcome never depends on how reads split it.
		return p.lineTooLong()
	}
	if p.err != nil {
		return p.endOfStream()
	}
	if p.end == len(p.buf) {
		p.grow(2*len(p.buf), limit)
	} else if p.full && len(p.buf) < fastBufferSize && len(p.buf) < limit {
		p.grow(4*len(p.buf), min(fastBufferSize, limit))
	}
	p.full = false
	for empty := 0; ; empty++ {
		n, err := p.r.Read(p.buf[p.end:])
		p.full = n > 0 && p.end+n == len(p.buf)
		p.end += n
		if err != nil {
			p.err = err
			if n == 0 {
				return p.endOfStream()
			}
			return nil
		}
		if n > 0 {
			return nil
		}
		if empty == 100 {
			p.err = io.ErrNoProgress
			return p.endOfStream()
		}
	}
}

// endOfStream drops the buffers and returns the sticky read error. fill
// is called only when the buffer holds no complete line: what is left is
// an unterminated line, which the end of the stream discards.
func (p *parser) endOfStream() error {
	p.drop()
	return p.err
}

// grow replaces the read buffer by one of the given size (at least
// initialBufferSize, at most limit), keeping the unread bytes. A size
// within half of itself of the limit becomes the limit: with a limit just
// past a power of two (a maximum event size of 16 MiB plus lineSlack), a
// line at the bound then grows the buffer to 8 MiB and then to the limit,
// not to 16 MiB first, and the buffers it allocates add up to twice the
// bound, not three times.
func (p *parser) grow(size, limit int) {
	if size < initialBufferSize {
		size = initialBufferSize
	}
	if size > limit || limit-size < size/2 {
		size = limit
	}
	p.spillLine()
	nb := make([]byte, size)
	copy(nb, p.buf[:p.end])
	p.buf = nb
}

// field processes one non-empty line, which ends at buffer index end: a
// comment or a field.
func (p *parser) field(line []byte, end int) error {
	var value []byte
	kind := fieldOther
	// Fast path: the common fields, written "name:" as servers do; then
	// the general rule, with one leading space stripped from the value.
	switch {
	case line[0] == ':':
		if p.commentOn != nil && p.commentOn.Load() {
			p.comment(line[1:])
		}
		return nil
	case len(line) >= 5 && string(line[:5]) == "data:":
		kind, value = fieldData, line[5:]
	case len(line) >= 3 && string(line[:3]) == "id:":
		kind, value = fieldID, line[3:]
	case len(line) >= 6 && string(line[:6]) == "event:":
		kind, value = fieldEvent, line[6:]
	default:
		name := line
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			name, value = line[:i], line[i+1:]
		}
		switch string(name) { // no allocation: the compiler compares in place
		case "data":
			kind = fieldData
		case "event":
			kind = fieldEvent
		case "id":
			kind = fieldID
		case "retry":
			kind = fieldRetry
		default:
			return nil // unknown fields are ignored
		}
	}
	if len(value) > 0 && value[0] == ' ' {
		value = value[1:]
	}
	switch kind {
	case fieldData:
		if p.dataLen()+len(value)+1+len(p.id)+len(p.typ) > p.max {
			return p.tooLarge()
		}
		if !p.lineSet && len(p.data) == 0 {
			p.lineFrom, p.lineTo, p.lineSet = end-len(value), end, true
			return nil
		}
		p.spillLine()
		p.reserveData(len(value) + 1)
		p.data = append(p.data, value...)
		p.data = append(p.data, '\n')
	case fieldEvent:
		if p.dataLen()+len(p.id)+len(value) > p.max {
			return p.tooLarge()
		}
		// Emptied first, so that append stores only the length.
		p.typ = p.typ[:0]
		p.typ = append(p.typ, value...)
	case fieldID:
		if bytes.IndexByte(value, 0) >= 0 {
			p.poisoned = p.nulDrops
			return nil
		}
		if !p.idDirty && string(value) == p.lastID {
			return nil
		}
		if p.dataLen()+len(value)+len(p.typ) > p.max {
			return p.tooLarge()
		}
		p.id = p.id[:0]
		p.id = append(p.id, value...)
		// Known to differ when the buffer was clean; compare otherwise.
		p.idDirty = !p.idDirty || string(p.id) != p.lastID
	case fieldRetry:
		if ms, ok := parseRetry(value); ok {
			p.retry, p.retrySet = max(time.Duration(ms)*time.Millisecond, p.minRetry), true
		}
	}
	return nil
}

// The fields the parser acts on.
const (
	fieldOther = iota
	fieldData
	fieldEvent
	fieldID
	fieldRetry
)

func (p *parser) lineTooLong() error {
	p.fatal = fmt.Errorf("%w (%d bytes): a line exceeds it", ErrEventTooLarge, p.max)
	p.drop()
	return p.fatal
}

func (p *parser) tooLarge() error {
	p.fatal = fmt.Errorf("%w (%d bytes)", ErrEventTooLarge, p.max)
	p.drop()
	return p.fatal
}

// dataLen is the length of the data buffer, LF after each line included.
func (p *parser) dataLen() int {
	if p.lineSet {
		return p.lineTo - p.lineFrom + 1
	}
	return len(p.data)
}

// spillLine copies a first data line still in the read buffer into the
// data buffer, before the read buffer moves or a second line arrives.
func (p *parser) spillLine() {
	if p.lineSet {
		p.data = p.data[:0]
		p.reserveData(0) // the line and its LF
		p.data = append(p.data, p.buf[p.lineFrom:p.lineTo]...)
		p.data = append(p.data, '\n')
		p.lineSet = false
	}
}

// reserveData makes room for n more bytes in the data buffer, counting a
// first data line still in the read buffer as already there, so that the
// data lines of an event are appended in linear time: the buffer doubles,
// up to the maximum event size, where append would grow a large buffer by
// only a quarter each time and allocate five times the event in all. It
// leaves small buffers to append and reserves nothing for a line past the
// bound, which is refused anyway.
func (p *parser) reserveData(n int) {
	if need := p.dataLen() + n; need > cap(p.data) && need >= 1<<10 && need <= p.max+lineSlack {
		p.growData(need)
	}
}

// growData replaces the data buffer by a larger one, of at least need
// bytes. need counts the field name of the line too: the last step goes
// to the bound plus lineSlack, so that no line within the bound needs one
// more.
func (p *parser) growData(need int) {
	size := min(max(2*cap(p.data), need), p.max+lineSlack)
	nb := make([]byte, len(p.data), size)
	copy(nb, p.data)
	p.data = nb
}

// parseRetry interprets a "retry:" value: ASCII digits only, at least one,
// as milliseconds. Larger values saturate.
func parseRetry(v []byte) (int64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	var ms int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		if ms < maxRetryMillis {
			ms = ms*10 + int64(c-'0')
		}
	}
	if ms > maxRetryMillis {
		ms = maxRetryMillis
	}
	return ms, true
}

// dispatch runs "dispatch the event" for an empty line and returns the
// event's data; evType, lastID and origin give the rest of the event. It
// reports false when there is nothing to dispatch (no data); the last event
// ID string is updated and the buffers emptied either way.
func (p *parser) dispatch() (string, bool) {
	if p.poisoned {
		p.poisoned = false
		p.lineSet = false
		p.data = keep(p.data)
	}
	var data []byte // without the final LF
	inBuf := p.lineSet
	switch {
	case p.lineSet:
		data = p.buf[p.lineFrom:p.lineTo]
		p.lineSet = false
	case len(p.data) > 0:
		data = p.data[:len(p.data)-1]
	default:
		if p.idDirty {
			p.lastID = decodeUTF8(p.id)
			p.idDirty = false
		}
		p.empty()
		return "", false
	}
	var s string
	if p.idDirty && len(data) <= maxSharedData {
		// One allocation for the data and the new id together; only for
		// small data, so that the id, kept until the next one, never pins
		// a large event in memory.
		s = p.joinID(data, inBuf)
	} else {
		if p.idDirty {
			p.lastID = decodeUTF8(p.id)
		}
		s = decodeUTF8(data)
	}
	p.idDirty = false
	typ := "message"
	if len(p.typ) > 0 {
		if string(p.typ) != p.lastType {
			t := p.prevType
			if string(p.typ) != t {
				t = decodeUTF8(p.typ)
			}
			p.lastType, p.prevType = t, p.lastType
		}
		typ = p.lastType
		if len(typ) > maxKeptBuffer {
			p.lastType = "" // kept for reuse, it would pin a huge type
		}
	}
	if p.evType != typ {
		p.evType = typ
	}
	p.empty()
	return s, true
}

// joinID returns the event's data as a string and makes the id buffer the
// last event ID string, both in one allocation. inBuf says that data is
// the first data line, still in the read buffer; otherwise it is the data
// buffer without its final LF.
//
// The two are laid out side by side where they are, so that one string
// conversion copies and one validation checks both: the id goes into the
// read buffer just before the data line, over bytes already parsed (the
// line's own "data:" at least, so short ids always fit), or into the data
// buffer in place of its final LF. Otherwise a strings.Builder joins them.
func (p *parser) joinID(data []byte, inBuf bool) string {
	id := p.id
	var all []byte
	split := len(data) // where the second part starts
	switch {
	case inBuf && len(id) <= p.lineFrom:
		from := p.lineFrom - len(id)
		copy(p.buf[from:p.lineFrom], id)
		all, split = p.buf[from:p.lineTo], len(id)
	case !inBuf && len(data)+len(id) <= cap(p.data):
		p.data = p.data[:len(data)] // stores only the length
		p.data = append(p.data, id...)
		all = p.data
	default:
		if !validUTF8(data) || !validUTF8(id) {
			p.lastID = decodeUTF8(id)
			return decodeUTF8(data)
		}
		var b strings.Builder
		b.Grow(len(data) + len(id))
		b.Write(data)
		b.Write(id)
		t := b.String()
		p.lastID = t[len(data):]
		return t[:len(data)]
	}
	// Valid UTF-8 split before a byte that is not a continuation byte is
	// two valid halves.
	if !validUTF8(all) || split < len(all) && all[split]&0xC0 == 0x80 {
		p.lastID = decodeUTF8(id)
		return decodeUTF8(data)
	}
	t := string(all)
	if split == len(id) && inBuf {
		p.lastID = t[:split]
		return t[split:]
	}
	p.lastID = t[split:]
	return t[:split]
}

// validUTF8 is utf8.Valid with a faster path for ASCII, which most
// streams are: 32 bytes per step, then 8, then the last 8 bytes read again
// (overlapping), so that the tail of an ASCII value is not checked byte by
// byte. utf8.Valid runs only when a byte is not ASCII.
func validUTF8(b []byte) bool {
	const hi = 0x8080808080808080
	le := binary.LittleEndian
	if len(b) < 8 {
		for _, c := range b {
			if c >= utf8.RuneSelf {
				return utf8.Valid(b)
			}
		}
		return true
	}
	// The bytes before b[i:] are ASCII: a non-ASCII byte after them starts
	// a new sequence. Fixed-size windows let the compiler drop bounds
	// checks.
	i := 0
	for ; i <= len(b)-32; i += 32 {
		w := b[i : i+32 : i+32]
		if (le.Uint64(w)|le.Uint64(w[8:])|le.Uint64(w[16:])|le.Uint64(w[24:]))&hi != 0 {
			return utf8.Valid(b[i:])
		}
	}
	// The last 8 bytes cover what the 8-byte steps leave, and bytes before
	// b[i:], which are ASCII.
	x := le.Uint64(b[len(b)-8:])
	for j := i; j < len(b)-8; j += 8 {
		x |= le.Uint64(b[j : j+8 : j+8])
	}
	if x&hi != 0 {
		return utf8.Valid(b[i:])
	}
	return true
}

// decodeUTF8 converts b to a string the way the WHATWG "UTF-8 decode"
// algorithm does: valid input is copied as it is, and each maximal invalid
// subpart is replaced by one U+FFFD. Go's own conversion differs: it
// replaces every byte of a truncated sequence separately.
func decodeUTF8(b []byte) string {
	if validUTF8(b) {
		return string(b)
	}
	out := make([]byte, 0, len(b)+8)
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			out = append(out, c)
			i++
			continue
		}
		size, lo, hi := 0, byte(0x80), byte(0xBF)
		switch {
		case c >= 0xC2 && c <= 0xDF:
			size = 2
		case c >= 0xE0 && c <= 0xEF:
			size = 3
			if c == 0xE0 {
				lo = 0xA0
			} else if c == 0xED {
				hi = 0x9F
			}
		case c >= 0xF0 && c <= 0xF4:
			size = 4
			if c == 0xF0 {
				lo = 0x90
			} else if c == 0xF4 {
				hi = 0x8F
			}
		default:
			out = append(out, "\uFFFD"...)
			i++
			continue
		}
		j := i + 1
		for ; j < i+size && j < len(b); j++ {
			if b[j] < lo || b[j] > hi {
				break
			}
			lo, hi = 0x80, 0xBF
		}
		if j == i+size {
			out = append(out, b[i:j]...)
		} else {
			out = append(out, "\uFFFD"...)
		}
		i = j
	}
	return string(out)
}

// Decoder reads server-sent events from an io.Reader, following every rule
// of WHATWG HTML "Parsing an event stream" and "Interpreting an event
// stream": UTF-8 decoding with replacement of invalid bytes, one leading
// byte order mark stripped, CR, LF and CRLF line ends, comments, the
// "event", "data", "id" and "retry" fields, and no dispatch of an event
// without data or of an unterminated event at the end of the stream.
//
// A Decoder is for streams that do not arrive over HTTP, for tests and for
// benchmarks; [EventSource] uses the same parser. It is not safe for
// concurrent use.
type Decoder struct {
	p *parser
}

// NewDecoder returns a Decoder reading from r, with [DefaultMaxEventSize].
// It reads in chunks of its own; r need not be buffered.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{p: newParser(r, DefaultMaxEventSize)}
}

// SetMaxEventSize bounds the size of one event and of one line to n bytes
// (n <= 0 restores [DefaultMaxEventSize]). Decode returns an error wrapping
// [ErrEventTooLarge] past it, and the Decoder's memory stays within about
// twice the bound. Call it before the first Decode.
func (d *Decoder) SetMaxEventSize(n int) {
	if n <= 0 {
		n = DefaultMaxEventSize
	}
	d.p.max = n
}

// Decode returns the next event. At the end of the input it returns io.EOF,
// discarding an unterminated final event as a browser does. Other errors
// are the reader's, or wrap [ErrEventTooLarge]; after an error, Decode
// keeps returning it.
func (d *Decoder) Decode() (Event, error) {
	return d.p.nextEvent()
}

// All returns an iterator over the events Decode would return, for
//
//	for ev, err := range dec.All() { ... }
//
// It ends quietly at the end of the input (io.EOF is not yielded), and
// after yielding any other error once. Breaking out of the loop leaves the
// Decoder where it stopped: Decode or All may continue from there.
func (d *Decoder) All() iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		for {
			ev, err := d.Decode()
			if err == io.EOF {
				return
			}
			if !yield(ev, err) || err != nil {
				return
			}
		}
	}
}

// LastEventID returns the last event ID string: the id of the last
// dispatched event block (with or without data) that carried an "id:"
// field, or "" before any or after an empty "id:".
func (d *Decoder) LastEventID() string {
	return d.p.lastID
}

// Retry returns the reconnection time set by the most recent valid "retry:"
// field, and whether there was one. A valid retry field takes effect when
// read, even inside an event that is never dispatched.
func (d *Decoder) Retry() (time.Duration, bool) {
	return d.p.retry, d.p.retrySet
}
