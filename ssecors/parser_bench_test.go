package ssecors_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/ssecors/ssecors-go/ssecors"
)

// The BenchmarkParse* benchmarks run the public Decoder over the corpora of
// the comparative benchmark module (bench/corpus), built here byte for byte
// the same way, so that a regression shows in benchstat without the peers:
//
//	go test ./ssecors -run '^$' -bench Parse -benchmem -count 10 > new.txt
//	benchstat old.txt new.txt
//
// Besides ns/op, B/op and allocs/op, each reports ns/event, allocs/event
// and, where the platform reports it, cpu-ns/event: the process' user and
// system time per event, GC workers included, which a busy shared machine
// disturbs far less than wall time.

// benchCorpus is one deterministic event stream and what the Decoder must
// get out of it.
type benchCorpus struct {
	data      []byte
	events    int
	dataBytes int64
	// readSize, when above 0, is the most bytes one Read of reader returns.
	readSize int
}

// reader returns a new reader of data, in reads of at most readSize bytes
// when readSize is set (bench/corpus.Corpus.Reader).
func (c *benchCorpus) reader() io.Reader {
	if c.readSize <= 0 {
		return bytes.NewReader(c.data)
	}
	return &chunkReader{s: string(c.data), n: c.readSize}
}

// benchCorpusSize is the size of each benchmark corpus, as in bench/.
const benchCorpusSize = 1 << 20

// benchHeartbeats is the number of comment blocks before each event of the
// heartbeat corpus.
const benchHeartbeats = 3

// benchLetters appends n deterministic lowercase letters derived from seed
// (bench/corpus.appendLetters).
func benchLetters(b []byte, seed, n int) []byte {
	x := uint32(seed)*2654435761 + 12345
	for i := 0; i < n; i++ {
		x = x*1664525 + 1013904223
		b = append(b, byte('a'+(x>>24)%26))
	}
	return b
}

// benchJSON returns the 200-byte JSON object of event seq (bench/corpus.JSON).
func benchJSON(seq int) []byte {
	const size = 200
	b := make([]byte, 0, size)
	b = append(b, `{"seq":`...)
	b = strconv.AppendInt(b, int64(seq), 10)
	b = append(b, `,"type":"update","user":"user-`...)
	b = strconv.AppendInt(b, int64(seq%100000), 10)
	b = append(b, `","amount":`...)
	b = strconv.AppendInt(b, int64(seq*7919%1000003), 10)
	b = append(b, `,"ok":true,"pad":"`...)
	b = benchLetters(b, seq, size-len(b)-len(`"}`))
	return append(b, `"}`...)
}

// benchMCPSizesMiB are the data sizes of the mcp-large corpus' events
// (bench/corpus.mcpSizesMiB); benchMCPReadSize is the most bytes one Read
// of it returns (bench/corpus.MCPReadSize).
var benchMCPSizesMiB = []int{2, 8, 1, 4}

const benchMCPReadSize = 16 << 10

// benchLLMID is the completion or message ID of the LLM corpora
// (bench/corpus.llmID).
var benchLLMID = string(benchLetters(nil, 0, 24))

// benchToken appends the text of token seq of the LLM corpora
// (bench/corpus.appendToken).
func benchToken(b []byte, seq int) []byte {
	b = append(b, ' ')
	return benchLetters(b, seq, 2+seq%8)
}

// buildBenchCorpus builds the named corpus of about size bytes
// (bench/corpus.Build).
func buildBenchCorpus(name string, size int) *benchCorpus {
	c := &benchCorpus{}
	var buf bytes.Buffer
	minEvents := 4
	switch name {
	case "large64k":
		minEvents = 16
	case "mcp-large":
		size, minEvents = 0, len(benchMCPSizesMiB)
		c.readSize = benchMCPReadSize
	}
	line := func(eol string, parts ...[]byte) {
		for _, p := range parts {
			buf.Write(p)
		}
		buf.WriteString(eol)
	}
	data := func(d []byte) {
		line("\n", []byte("data: "), d)
		c.dataBytes += int64(len(d))
	}
	for seq := 1; buf.Len() < size || c.events < minEvents; seq++ {
		eol := "\n"
		switch name {
		case "small32":
			d := benchLetters(nil, seq, 32)
			line(eol, []byte("data: "), d)
			line(eol)
			c.dataBytes += int64(len(d))
		case "typical", "typical-crlf", "heartbeat":
			if name == "typical-crlf" {
				eol = "\r\n"
			}
			if name == "heartbeat" {
				for i := 0; i < benchHeartbeats; i++ {
					line(eol, []byte(": heartbeat"))
					line(eol)
				}
			}
			d := benchJSON(seq)
			line(eol, []byte("id: "), strconv.AppendInt(nil, int64(seq), 10))
			line(eol, []byte("event: update"))
			line(eol, []byte("data: "), d)
			line(eol)
			c.dataBytes += int64(len(d))
		case "large64k":
			d := benchLetters(nil, seq, 64<<10)
			line(eol, []byte("data: "), d)
			line(eol)
			c.dataBytes += int64(len(d))
		case "multiline20":
			line(eol, []byte("id: "), strconv.AppendInt(nil, int64(seq), 10))
			for i := 0; i < 20; i++ {
				d := benchLetters(nil, seq*20+i, 40)
				line(eol, []byte("data: "), d)
				c.dataBytes += int64(len(d))
			}
			c.dataBytes += 19
			line(eol)
		case "llm-tokens":
			d := []byte(`{"id":"chatcmpl-` + benchLLMID + `","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{`)
			if seq == 1 {
				d = append(d, `"role":"assistant","content":""`...)
			} else {
				d = append(d, `"content":"`...)
				d = benchToken(d, seq)
				d = append(d, '"')
			}
			d = append(d, `},"finish_reason":null}]}`...)
			data(d)
			line(eol)
		case "llm-named":
			var d []byte
			switch {
			case seq == 1:
				line(eol, []byte("event: message_start"))
				d = []byte(`{"type":"message_start","message":{"id":"msg_` + benchLLMID + `","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}`)
			case seq == 2:
				line(eol, []byte("event: content_block_start"))
				d = []byte(`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)
			case seq%64 == 0:
				line(eol, []byte("event: ping"))
				d = []byte(`{"type": "ping"}`)
			default:
				line(eol, []byte("event: content_block_delta"))
				d = benchToken([]byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"`), seq)
				d = append(d, `"}}`...)
			}
			data(d)
			line(eol)
		case "mcp-large":
			line(eol, []byte("id: "), strconv.AppendInt(nil, int64(seq), 10))
			line(eol, []byte("event: message"))
			size := benchMCPSizesMiB[(seq-1)%len(benchMCPSizesMiB)] << 20
			d := strconv.AppendInt([]byte(`{"jsonrpc":"2.0","id":`), int64(seq), 10)
			d = append(d, `,"result":{"content":[{"type":"text","text":"`...)
			tail := `"}],"isError":false}}`
			d = benchLetters(d, seq, size-len(d)-len(tail))
			d = append(d, tail...)
			data(d)
			line(eol)
		default:
			panic("unknown corpus " + name)
		}
		c.events++
	}
	// The LLM streams end with a few closing events (bench/corpus.appendTail).
	n := c.events
	switch name {
	case "llm-tokens":
		data([]byte(`{"id":"chatcmpl-` + benchLLMID + `","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`))
		line("\n")
		data([]byte("[DONE]"))
		line("\n")
		c.events += 2
	case "llm-named":
		line("\n", []byte("event: content_block_stop"))
		data([]byte(`{"type":"content_block_stop","index":0}`))
		line("\n")
		line("\n", []byte("event: message_delta"))
		data(append(strconv.AppendInt([]byte(`{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":`), int64(n), 10), '}', '}'))
		line("\n")
		line("\n", []byte("event: message_stop"))
		data([]byte(`{"type":"message_stop"}`))
		line("\n")
		c.events += 3
	}
	c.data = buf.Bytes()
	return c
}

// benchDecodeAll decodes every event of r and returns their count and total
// data length.
func benchDecodeAll(r io.Reader) (int, int64, error) {
	d := ssecors.NewDecoder(r)
	n, total := 0, int64(0)
	for {
		ev, err := d.Decode()
		if err == io.EOF {
			return n, total, nil
		}
		if err != nil {
			return n, total, err
		}
		n++
		total += int64(len(ev.Data))
	}
}

func benchmarkParse(b *testing.B, name string) {
	c := buildBenchCorpus(name, benchCorpusSize)
	n, total, err := benchDecodeAll(c.reader())
	if err != nil {
		b.Fatal(err)
	}
	if n != c.events || total != c.dataBytes {
		b.Fatalf("got %d events with %d data bytes, want %d with %d", n, total, c.events, c.dataBytes)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(c.data)))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0, cpuOK := processCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if n, _, err := benchDecodeAll(c.reader()); err != nil || n != c.events {
			b.Fatalf("got %d events (%v), want %d", n, err, c.events)
		}
	}
	b.StopTimer()
	cpu1, _ := processCPU()
	runtime.ReadMemStats(&after)
	events := float64(c.events) * float64(b.N)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/events, "ns/event")
	if cpuOK {
		// CPU time, GC workers included: a busy machine disturbs it far
		// less than wall time. Compare it with benchstat across runs.
		b.ReportMetric(float64(cpu1-cpu0)/events, "cpu-ns/event")
	}
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/events, "allocs/event")
}

// BenchmarkParseSmall32 parses "data:" events with a 32-byte payload.
func BenchmarkParseSmall32(b *testing.B) { benchmarkParse(b, "small32") }

// BenchmarkParseTypical parses id, event and a 200-byte JSON data line.
func BenchmarkParseTypical(b *testing.B) { benchmarkParse(b, "typical") }

// BenchmarkParseLarge64K parses one 64 KiB data line per event.
func BenchmarkParseLarge64K(b *testing.B) { benchmarkParse(b, "large64k") }

// BenchmarkParseMultiline20 parses an id and 20 data lines of 40 bytes.
func BenchmarkParseMultiline20(b *testing.B) { benchmarkParse(b, "multiline20") }

// BenchmarkParseTypicalCRLF parses the typical corpus with CRLF line ends.
func BenchmarkParseTypicalCRLF(b *testing.B) { benchmarkParse(b, "typical-crlf") }

// BenchmarkParseHeartbeat parses the typical corpus with three comment
// blocks before each event.
func BenchmarkParseHeartbeat(b *testing.B) { benchmarkParse(b, "heartbeat") }

// BenchmarkParseLLMTokens parses chat-completion chunks: one ~190-byte JSON
// data line per event, no event or id, ending with "data: [DONE]".
func BenchmarkParseLLMTokens(b *testing.B) { benchmarkParse(b, "llm-tokens") }

// BenchmarkParseLLMNamed parses a message stream: an event name and one
// JSON data line per event.
func BenchmarkParseLLMNamed(b *testing.B) { benchmarkParse(b, "llm-named") }

// BenchmarkParseMCPLarge parses four JSON events of 1 to 8 MiB arriving in
// 16 KiB reads.
func BenchmarkParseMCPLarge(b *testing.B) { benchmarkParse(b, "mcp-large") }

// benchCorpusDigests are the SHA-256 prefixes of the 64 KiB corpora;
// bench/corpus checks the same values, so the two generators cannot drift
// apart unnoticed.
var benchCorpusDigests = []struct {
	name   string
	digest string
}{
	{name: "small32", digest: "96d7cea28e29be79"},
	{name: "typical", digest: "49887b16e986dcd6"},
	{name: "large64k", digest: "2c51ec1a09e752f4"},
	{name: "multiline20", digest: "2eac3034692491bb"},
	{name: "typical-crlf", digest: "5b16d7d934f2c037"},
	{name: "heartbeat", digest: "7a56fd627c4206e5"},
	{name: "llm-tokens", digest: "6cbfedb28325d4a8"},
	{name: "llm-named", digest: "c70053c949aaddd0"},
	{name: "mcp-large", digest: "cfd29592a952b530"},
}

// TestBenchCorpora checks that the benchmark corpora are those of bench/
// and that the Decoder gets every event out of them.
func TestBenchCorpora(t *testing.T) {
	t.Parallel()
	for _, tt := range benchCorpusDigests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := buildBenchCorpus(tt.name, 64<<10)
			sum := sha256.Sum256(c.data)
			if got := hex.EncodeToString(sum[:8]); got != tt.digest {
				t.Errorf("got digest %s, want %s", got, tt.digest)
			}
			n, total, err := benchDecodeAll(c.reader())
			if err != nil {
				t.Fatal(err)
			}
			if n != c.events || total != c.dataBytes {
				t.Errorf("got %d events with %d data bytes, want %d with %d", n, total, c.events, c.dataBytes)
			}
		})
	}
}

// BenchmarkParseLargeEventSmallReads decodes one large event of 1, 4 and
// 16 MiB arriving 16 bytes or 16 KiB a read, as one data line and as 1 KiB
// data lines, and reports ns/byte: parsing is linear when ns/byte stays the
// same from 1 MiB to 16 MiB, and a quadratic step would show as a ratio
// near 16. The events
// are the largest a bound of their size admits (the LF after each data
// line counts), decoded with that bound.
func BenchmarkParseLargeEventSmallReads(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"1MiB", 1 << 20}, {"4MiB", 4 << 20}, {"16MiB", 16 << 20}} {
		line := "data: " + strings.Repeat("x", size.n-1) + "\n\n"
		lines := strings.Repeat("data: "+strings.Repeat("y", 1023)+"\n", size.n/1024) + "\n"
		for _, in := range []struct {
			name string
			s    string
		}{{"", line}, {"-1KiB-lines", lines}} {
			for _, read := range []struct {
				name string
				n    int
			}{{"-16B-reads", 16}, {"-16KiB-reads", 16 << 10}} {
				b.Run(size.name+in.name+read.name, func(b *testing.B) {
					b.ReportAllocs()
					b.SetBytes(int64(len(in.s)))
					for i := 0; i < b.N; i++ {
						d := ssecors.NewDecoder(&chunkReader{s: in.s, n: read.n})
						d.SetMaxEventSize(size.n)
						if ev, err := d.Decode(); err != nil || len(ev.Data) != size.n-1 {
							b.Fatalf("got %d bytes of data, error %v, want %d bytes", len(ev.Data), err, size.n-1)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(in.s)), "ns/byte")
				})
			}
		}
	}
}
