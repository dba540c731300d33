// Package corpus builds the deterministic server-sent event streams that the
// benchmarks feed to every library, and the payloads that the reconnect test
// checks events against.
//
// Every corpus is a pure function of its name and target size: the same bytes
// on every run and every machine, so that results from different runs and
// libraries are comparable. No randomness is involved.
package corpus

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// Names of the corpora, in report order.
const (
	Small32     = "small32"      // "data: <32 bytes>" messages
	Typical     = "typical"      // id, event and a 200-byte JSON data line
	Large64K    = "large64k"     // one 64 KiB data line per event
	Multiline20 = "multiline20"  // id and 20 data lines of 40 bytes
	TypicalCRLF = "typical-crlf" // Typical with CRLF line ends
	Heartbeat   = "heartbeat"    // Typical with HeartbeatsPerEvent comment blocks before each event
	LLMTokens   = "llm-tokens"   // chat-completion chunks: "data: {json delta}" only, ending with "data: [DONE]"
	LLMNamed    = "llm-named"    // message stream: an "event:" name and a JSON "data:" line per chunk
	MCPLarge    = "mcp-large"    // MCP tool results: single JSON events of 1 to 8 MiB, read 16 KiB at a time
)

// HeartbeatsPerEvent is how many ": heartbeat" comment blocks the Heartbeat
// corpus puts before each event.
const HeartbeatsPerEvent = 3

// MCPReadSize is the most bytes one Read of the MCPLarge corpus returns
// (Corpus.Reader): a large event arrives in many reads, as over a network.
const MCPReadSize = 16 << 10

// mcpSizesMiB are the data sizes of the MCPLarge corpus' events, in MiB.
var mcpSizesMiB = []int{2, 8, 1, 4}

// Synthetic lists the synthetic corpora of issue 5, whose targets the
// report judges.
var Synthetic = []string{Small32, Typical, Large64K, Multiline20, TypicalCRLF, Heartbeat}

// Names lists every corpus name in report order.
var Names = append(append([]string(nil), Synthetic...), LLMTokens, LLMNamed, MCPLarge)

// Describe returns a one-line description of the named corpus.
func Describe(name string) string {
	switch name {
	case Small32:
		return "`data:` with a 32-byte payload, nothing else"
	case Typical:
		return "`id:`, `event: update`, one 200-byte JSON `data:` line"
	case Large64K:
		return "one 64 KiB `data:` line per event"
	case Multiline20:
		return "`id:` and 20 `data:` lines of 40 bytes"
	case TypicalCRLF:
		return "typical, with CRLF line ends"
	case Heartbeat:
		return fmt.Sprintf("typical, with %d `: heartbeat` comment blocks before each event", HeartbeatsPerEvent)
	case LLMTokens:
		return "chat-completion chunks: one ~190-byte JSON `data:` line per event, no `event:` or `id:`, ending with `data: [DONE]`"
	case LLMNamed:
		return "message stream: `event: content_block_delta` (`message_start`, `ping`, `message_delta`, ...) and one JSON `data:` line per event"
	case MCPLarge:
		return fmt.Sprintf("MCP tool results: `id:`, `event: message` and one JSON `data:` line of %v MiB, read %d KiB at a time (size ignored)", mcpSizesMiB, MCPReadSize>>10)
	}
	return ""
}

// Corpus is one deterministic event stream and what a correct parser must
// get out of it.
type Corpus struct {
	Name string
	Data []byte
	// Events is the number of events a spec-conforming parser dispatches.
	Events int
	// DataBytes is the sum of len(Event.Data) over those events.
	DataBytes int64
	// Lines is the number of complete lines (each ending in LF) in Data.
	Lines int
	// Comments is the number of comment lines in Data.
	Comments int
	// Offsets[i] is where event i starts in Data; Offsets[Events] == len(Data).
	// Comment blocks before an event belong to it.
	Offsets []int
	// ReadSize, when above 0, is the most bytes one Read of Reader returns.
	ReadSize int
}

// Reader returns a new reader of Data that returns at most ReadSize bytes
// per Read (any number when ReadSize is 0).
func (c *Corpus) Reader() io.Reader {
	if c.ReadSize <= 0 {
		return bytes.NewReader(c.Data)
	}
	return &chunkReader{data: c.Data, n: c.ReadSize}
}

// chunkReader returns at most n bytes of data per Read. It has no WriteTo,
// so that io.Copy and the like read it in chunks too.
type chunkReader struct {
	data []byte
	n    int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.n)], r.data)
	r.data = r.data[n:]
	return n, nil
}

// JSON returns a deterministic JSON object of exactly 200 bytes for seq.
func JSON(seq int) []byte {
	const size = 200
	b := make([]byte, 0, size)
	b = append(b, `{"seq":`...)
	b = strconv.AppendInt(b, int64(seq), 10)
	b = append(b, `,"type":"update","user":"user-`...)
	b = strconv.AppendInt(b, int64(seq%100000), 10)
	b = append(b, `","amount":`...)
	b = strconv.AppendInt(b, int64(seq*7919%1000003), 10)
	b = append(b, `,"ok":true,"pad":"`...)
	pad := size - len(b) - len(`"}`)
	b = appendLetters(b, seq, pad)
	b = append(b, `"}`...)
	return b
}

// appendLetters appends n deterministic lowercase letters derived from seed.
func appendLetters(b []byte, seed, n int) []byte {
	x := uint32(seed)*2654435761 + 12345
	for i := 0; i < n; i++ {
		x = x*1664525 + 1013904223
		b = append(b, byte('a'+(x>>24)%26))
	}
	return b
}

// Payload returns the data of event id in the reconnect and idle streams:
// the 200-byte JSON object for id.
func Payload(id int) string { return string(JSON(id)) }

// AppendEvent appends the wire form of reconnect-stream event id, with
// "id: <id>" and one data line holding Payload(id). When retryMillis > 0 a
// "retry:" field is added to the event.
func AppendEvent(b []byte, id int, retryMillis int) []byte {
	if retryMillis > 0 {
		b = append(b, "retry: "...)
		b = strconv.AppendInt(b, int64(retryMillis), 10)
		b = append(b, '\n')
	}
	b = append(b, "id: "...)
	b = strconv.AppendInt(b, int64(id), 10)
	b = append(b, "\ndata: "...)
	b = append(b, JSON(id)...)
	b = append(b, "\n\n"...)
	return b
}

// llmID is the deterministic completion or message ID of the LLM corpora.
var llmID = string(appendLetters(nil, 0, 24))

// appendToken appends the deterministic text of token seq of the LLM
// corpora: a space and 2 to 9 letters.
func appendToken(b []byte, seq int) []byte {
	b = append(b, ' ')
	return appendLetters(b, seq, 2+seq%8)
}

// Build returns the named corpus, about size bytes long (at least a few
// events; MCPLarge ignores size and always holds its len(mcpSizesMiB)
// events). It panics on an unknown name.
func Build(name string, size int) *Corpus {
	c := &Corpus{Name: name}
	var buf bytes.Buffer
	minEvents := 4
	switch name {
	case Large64K:
		minEvents = 16
	case MCPLarge:
		size, minEvents = 0, len(mcpSizesMiB)
		c.ReadSize = MCPReadSize
	}
	for seq := 1; buf.Len() < size || c.Events < minEvents; seq++ {
		c.Offsets = append(c.Offsets, buf.Len())
		c.appendOne(&buf, name, seq)
	}
	// The LLM streams end with a few closing events.
	body := c.Events
	for _, tail := range tails[name] {
		c.Offsets = append(c.Offsets, buf.Len())
		tail(c, &buf, body)
		c.line(&buf, "\n")
		c.Events++
	}
	c.Offsets = append(c.Offsets, buf.Len())
	c.Data = buf.Bytes()
	return c
}

// data appends a "data: " line holding d and counts d.
func (c *Corpus) data(buf *bytes.Buffer, d []byte) {
	c.line(buf, "\n", []byte("data: "), d)
	c.DataBytes += int64(len(d))
}

// tails holds, for each LLM corpus, the closing events its stream ends
// with, in order. Each appends the lines of one event, without the blank
// line that ends it; n is the number of events in the body before them.
var tails = map[string][]func(c *Corpus, buf *bytes.Buffer, n int){
	LLMTokens: {
		func(c *Corpus, buf *bytes.Buffer, _ int) {
			c.data(buf, []byte(`{"id":"chatcmpl-`+llmID+`","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`))
		},
		func(c *Corpus, buf *bytes.Buffer, _ int) {
			c.data(buf, []byte("[DONE]"))
		},
	},
	LLMNamed: {
		func(c *Corpus, buf *bytes.Buffer, _ int) {
			c.line(buf, "\n", []byte("event: content_block_stop"))
			c.data(buf, []byte(`{"type":"content_block_stop","index":0}`))
		},
		func(c *Corpus, buf *bytes.Buffer, n int) {
			c.line(buf, "\n", []byte("event: message_delta"))
			c.data(buf, append(strconv.AppendInt([]byte(`{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":`), int64(n), 10), '}', '}'))
		},
		func(c *Corpus, buf *bytes.Buffer, _ int) {
			c.line(buf, "\n", []byte("event: message_stop"))
			c.data(buf, []byte(`{"type":"message_stop"}`))
		},
	},
}

func (c *Corpus) line(buf *bytes.Buffer, eol string, parts ...[]byte) {
	for _, p := range parts {
		buf.Write(p)
	}
	buf.WriteString(eol)
	c.Lines++
}

func (c *Corpus) appendOne(buf *bytes.Buffer, name string, seq int) {
	eol := "\n"
	switch name {
	case Small32:
		d := appendLetters(nil, seq, 32)
		c.line(buf, eol, []byte("data: "), d)
		c.line(buf, eol)
		c.DataBytes += int64(len(d))
	case Typical, TypicalCRLF, Heartbeat:
		if name == TypicalCRLF {
			eol = "\r\n"
		}
		if name == Heartbeat {
			for i := 0; i < HeartbeatsPerEvent; i++ {
				c.line(buf, eol, []byte(": heartbeat"))
				c.line(buf, eol)
				c.Comments++
			}
		}
		d := JSON(seq)
		c.line(buf, eol, []byte("id: "), strconv.AppendInt(nil, int64(seq), 10))
		c.line(buf, eol, []byte("event: update"))
		c.line(buf, eol, []byte("data: "), d)
		c.line(buf, eol)
		c.DataBytes += int64(len(d))
	case Large64K:
		d := appendLetters(nil, seq, 64<<10)
		c.line(buf, eol, []byte("data: "), d)
		c.line(buf, eol)
		c.DataBytes += int64(len(d))
	case Multiline20:
		c.line(buf, eol, []byte("id: "), strconv.AppendInt(nil, int64(seq), 10))
		for i := 0; i < 20; i++ {
			d := appendLetters(nil, seq*20+i, 40)
			c.line(buf, eol, []byte("data: "), d)
			c.DataBytes += int64(len(d))
		}
		c.DataBytes += 19 // the LFs joining the 20 lines
		c.line(buf, eol)
	case LLMTokens:
		d := []byte(`{"id":"chatcmpl-` + llmID + `","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{`)
		if seq == 1 {
			d = append(d, `"role":"assistant","content":""`...)
		} else {
			d = append(d, `"content":"`...)
			d = appendToken(d, seq)
			d = append(d, '"')
		}
		d = append(d, `},"finish_reason":null}]}`...)
		c.data(buf, d)
		c.line(buf, eol)
	case LLMNamed:
		var d []byte
		switch {
		case seq == 1:
			c.line(buf, eol, []byte("event: message_start"))
			d = []byte(`{"type":"message_start","message":{"id":"msg_` + llmID + `","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}`)
		case seq == 2:
			c.line(buf, eol, []byte("event: content_block_start"))
			d = []byte(`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)
		case seq%64 == 0:
			c.line(buf, eol, []byte("event: ping"))
			d = []byte(`{"type": "ping"}`)
		default:
			c.line(buf, eol, []byte("event: content_block_delta"))
			d = appendToken([]byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"`), seq)
			d = append(d, `"}}`...)
		}
		c.data(buf, d)
		c.line(buf, eol)
	case MCPLarge:
		c.line(buf, eol, []byte("id: "), strconv.AppendInt(nil, int64(seq), 10))
		c.line(buf, eol, []byte("event: message"))
		size := mcpSizesMiB[(seq-1)%len(mcpSizesMiB)] << 20
		d := strconv.AppendInt([]byte(`{"jsonrpc":"2.0","id":`), int64(seq), 10)
		d = append(d, `,"result":{"content":[{"type":"text","text":"`...)
		tail := `"}],"isError":false}}`
		d = appendLetters(d, seq, size-len(d)-len(tail))
		d = append(d, tail...)
		c.data(buf, d)
		c.line(buf, eol)
	default:
		panic("corpus: unknown corpus " + strconv.Quote(name))
	}
	c.Events++
}

// Shapes of the event LargeEvent builds.
const (
	OneLine    = "line"       // the whole data on one "data:" line
	KiBLines   = "1KiB-lines" // data lines of 1 KiB on the wire
	kibLineLen = 1 << 10
)

// LargeEvent returns a stream of exactly one event, size bytes on the wire
// including the blank line that ends it, whose Reader returns at most
// readSize bytes per Read: the event arrives in many small reads, as a
// large event does over a slow or chunked connection. With shape OneLine
// the data is one "data:" line; with KiBLines it is "data:" lines of
// kibLineLen bytes each (LF included), the last one shorter. The data is
// deterministic letters. It panics on an unknown shape or a size too small
// for one line.
func LargeEvent(size, readSize int, shape string) *Corpus {
	c := &Corpus{Name: fmt.Sprintf("large-event-%s-%s", SizeName(size), shape), ReadSize: readSize, Offsets: []int{0}}
	const prefix = "data: "
	body := size - 1 // the final blank line
	if body < len(prefix)+2 {
		panic("corpus: LargeEvent size too small")
	}
	var lineLen int // bytes per line on the wire, LF included
	switch shape {
	case OneLine:
		lineLen = body
	case KiBLines:
		lineLen = kibLineLen
	default:
		panic("corpus: unknown LargeEvent shape " + strconv.Quote(shape))
	}
	var buf bytes.Buffer
	buf.Grow(size)
	for seq, left := 0, body; left > 0; seq++ {
		n := min(lineLen, left)
		if left-n > 0 && left-n < len(prefix)+2 {
			n = left - len(prefix) - 2 // leave room for a last line with data
		}
		d := appendLetters(nil, seq, n-len(prefix)-1)
		if seq > 0 {
			c.DataBytes++ // the LF joining two data lines
		}
		c.data(&buf, d)
		left -= n
	}
	c.line(&buf, "\n")
	c.Events = 1
	c.Offsets = append(c.Offsets, buf.Len())
	c.Data = buf.Bytes()
	return c
}

// SizeName returns "16MiB", "64KiB" or "100B" for a size in bytes.
func SizeName(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}
