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
)

// HeartbeatsPerEvent is how many ": heartbeat" comment blocks the Heartbeat
// corpus puts before each event.
const HeartbeatsPerEvent = 3

// Names lists every corpus name in report order.
var Names = []string{Small32, Typical, Large64K, Multiline20, TypicalCRLF, Heartbeat}

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

// Build returns the named corpus, about size bytes long (at least a few
// events). It panics on an unknown name.
func Build(name string, size int) *Corpus {
	c := &Corpus{Name: name}
	var buf bytes.Buffer
	minEvents := 4
	if name == Large64K {
		minEvents = 16
	}
	for seq := 1; buf.Len() < size || c.Events < minEvents; seq++ {
		c.Offsets = append(c.Offsets, buf.Len())
		c.appendOne(&buf, name, seq)
	}
	c.Offsets = append(c.Offsets, buf.Len())
	c.Data = buf.Bytes()
	return c
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
	default:
		panic("corpus: unknown corpus " + strconv.Quote(name))
	}
	c.Events++
}
