// Package libs adapts ssecors, the peer SSE client libraries and the two
// reference floors to one shape, so that the harness can drive each through
// its own public API: an in-process parse of a byte slice, and a live stream
// over HTTP.
//
// Nothing here reimplements a library: every adapter only calls the
// library's exported API and counts what it hands back.
package libs

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"

	anthropic "github.com/anthropics/anthropic-sdk-go/v2/packages/ssestream"
	donovanhide "github.com/donovanhide/eventsource"
	launchdarkly "github.com/launchdarkly/eventsource"
	openai "github.com/openai/openai-go/v3/packages/ssestream"
	r3labs "github.com/r3labs/sse/v2"
	"github.com/ssecors/ssecors-go/bench/conform"
	"github.com/ssecors/ssecors-go/bench/corpus"
	"github.com/ssecors/ssecors-go/ssecors"
	gosse "github.com/tmaxmax/go-sse"
	"gopkg.in/cenkalti/backoff.v1"
)

// Library and floor names, as they appear in flags and reports.
const (
	SSECors      = "ssecors"
	GoSSE        = "go-sse"
	LaunchDarkly = "launchdarkly"
	R3labs       = "r3labs"
	R3labsReader = "r3labs-reader"
	Donovanhide  = "donovanhide"
	OpenAI       = "openai-go"
	Anthropic    = "anthropic-sdk-go"
	ReadSlice    = "floor-readslice"
	NetHTTP      = "floor-nethttp"
)

// Peers lists the peer libraries in report order.
var Peers = []string{GoSSE, LaunchDarkly, R3labs, Donovanhide, OpenAI, Anthropic}

// Result is what one parse produced.
type Result struct {
	Events    int   // events handed to the caller (lines, for the ReadSlice floor)
	DataBytes int64 // total length of their data
}

// Parser parses one whole stream held in memory through a library's API.
type Parser struct {
	Name string
	// Via says which API is exercised, for the report.
	Via string
	// Lines is true for the ReadSlice floor, which counts lines, not events.
	Lines bool
	// Framing is true when the API only splits events and parses no field.
	Framing bool
	// TrailingLF is true when the API hands back each event's data with the
	// LF after its last data line, which the spec removes: Check expects one
	// more byte per event.
	TrailingLF bool
	// Parse reads the whole stream from r.
	Parse func(r io.Reader) (Result, error)
	// Events reads the whole stream from r through the same API and
	// returns the events, for the spec conformance cases; nil for the
	// framing-only reader and the floor.
	Events func(r io.Reader) ([]conform.Event, error)
	// NoID says that the API hands back no event ID: conformance cases
	// compare types and data only.
	NoID bool
}

// maxEvent is the event size limit given to libraries that let the caller
// set one: ssecors' default, large enough for every corpus (the largest
// event of mcp-large is 8 MiB).
const maxEvent = ssecors.DefaultMaxEventSize

// Parsers returns the parse adapters in report order: ssecors, the peers,
// r3labs' framing-only reader, and the ReadSlice floor.
func Parsers() []Parser {
	return []Parser{
		{Name: SSECors, Via: "`ssecors.NewDecoder(r).Decode()`", Parse: parseSSECors, Events: eventsSSECors},
		{Name: GoSSE, Via: "`sse.Read(r, &sse.ReadConfig{MaxEventSize: 16 MiB})` iterator (default limit 64 KiB)", Parse: parseGoSSE, Events: eventsGoSSE},
		{Name: LaunchDarkly, Via: "`eventsource.NewDecoder(r).Decode()`", Parse: parseLaunchDarkly, Events: eventsLaunchDarkly},
		{Name: R3labs, Via: "`Client.SubscribeRaw` over an in-process `http.RoundTripper` (no public parser), `ClientMaxBufferSize(16 MiB)` (default 64 KiB)", Parse: parseR3labs, Events: eventsR3labs},
		{Name: Donovanhide, Via: "`eventsource.NewDecoder(r).Decode()`", Parse: parseDonovanhide, Events: eventsDonovanhide},
		{Name: OpenAI, Via: "`ssestream.NewDecoder(res)` `Next()`/`Event()` of `github.com/openai/openai-go/v3/packages/ssestream`, over an `*http.Response` whose body is the corpus: " +
			"the SDK's own decoder, without the `Stream[T]` JSON decoding (a `bufio.Scanner` with a fixed 32 MiB line limit; ignores `id:` and `retry:`; data keeps its final LF, counted off)",
			TrailingLF: true, Parse: parseOpenAI, Events: eventsOpenAI, NoID: true},
		{Name: Anthropic, Via: "`ssestream.NewDecoder(res)` `Next()`/`Event()` of `github.com/anthropics/anthropic-sdk-go/v2/packages/ssestream`, over an `*http.Response` whose body is the corpus: " +
			"the SDK's own decoder, without the `Stream[T]` JSON decoding (a `bufio.Scanner` with a fixed 32 MiB line limit; ignores `id:` and `retry:`; data keeps its final LF, counted off)",
			TrailingLF: true, Parse: parseAnthropic, Events: eventsAnthropic, NoID: true},
		{Name: R3labsReader, Via: "`sse.NewEventStreamReader(r).ReadEvent()`: event framing only, no field parsing", Framing: true, Parse: parseR3labsReader},
		{Name: ReadSlice, Via: "`bufio.NewReader(r).ReadSlice('\\n')` (4 KiB buffer), lines only", Lines: true, Parse: parseReadSlice},
	}
}

// ParserByName returns the named parse adapter.
func ParserByName(name string) (Parser, bool) {
	for _, p := range Parsers() {
		if p.Name == name {
			return p, true
		}
	}
	return Parser{}, false
}

func parseSSECors(r io.Reader) (Result, error) {
	var res Result
	d := ssecors.NewDecoder(r)
	for {
		ev, err := d.Decode()
		if err == io.EOF {
			return res, nil
		}
		if err != nil {
			return res, err
		}
		res.Events++
		res.DataBytes += int64(len(ev.Data))
	}
}

func parseGoSSE(r io.Reader) (Result, error) {
	var res Result
	for ev, err := range gosse.Read(r, &gosse.ReadConfig{MaxEventSize: maxEvent}) {
		if err != nil {
			return res, err
		}
		res.Events++
		res.DataBytes += int64(len(ev.Data))
	}
	return res, nil
}

func parseLaunchDarkly(r io.Reader) (Result, error) {
	var res Result
	d := launchdarkly.NewDecoder(r)
	for {
		ev, err := d.Decode()
		if err == io.EOF {
			return res, nil
		}
		if err != nil {
			return res, err
		}
		res.Events++
		res.DataBytes += int64(len(ev.Data()))
	}
}

func parseDonovanhide(r io.Reader) (Result, error) {
	var res Result
	d := donovanhide.NewDecoder(r)
	for {
		ev, err := d.Decode()
		if err == io.EOF {
			return res, nil
		}
		if err != nil {
			return res, err
		}
		res.Events++
		res.DataBytes += int64(len(ev.Data()))
	}
}

// bodyTransport answers every request with body as a text/event-stream.
type bodyTransport struct{ body io.Reader }

func (t bodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp := sseResponse(t.body)
	resp.Request = req
	return resp, nil
}

func parseR3labs(r io.Reader) (Result, error) {
	var res Result
	c := r3labs.NewClient("http://corpus.invalid/", r3labs.ClientMaxBufferSize(maxEvent+64))
	c.Connection = &http.Client{Transport: bodyTransport{body: r}}
	c.ReconnectStrategy = &backoff.StopBackOff{} // the body ends cleanly: Subscribe returns nil
	err := c.SubscribeRaw(func(ev *r3labs.Event) {
		res.Events++
		res.DataBytes += int64(len(ev.Data))
	})
	return res, err
}

func parseR3labsReader(r io.Reader) (Result, error) {
	var res Result
	rd := r3labs.NewEventStreamReader(r, maxEvent+64)
	for {
		ev, err := rd.ReadEvent()
		if err == io.EOF {
			return res, nil
		}
		if err != nil {
			return res, err
		}
		if len(ev) == 0 || ev[0] == ':' {
			// A comment-only block: r3labs' client drops it after parsing.
			continue
		}
		res.Events++
		res.DataBytes += int64(len(ev))
	}
}

func parseReadSlice(r io.Reader) (Result, error) {
	var res Result
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadSlice('\n')
		switch {
		case err == nil:
			res.Events++
			res.DataBytes += int64(len(line))
		case errors.Is(err, bufio.ErrBufferFull):
			res.DataBytes += int64(len(line))
		case err == io.EOF:
			return res, nil
		default:
			return res, err
		}
	}
}

// sseResponse returns the response an SDK's HTTP client would hand its SSE
// decoder: a 200 text/event-stream whose body is r.
func sseResponse(r io.Reader) *http.Response {
	return &http.Response{
		Status:        "200 OK",
		StatusCode:    http.StatusOK,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"text/event-stream"}},
		Body:          io.NopCloser(r),
		ContentLength: -1,
	}
}

// sdkDecoder is the Decoder interface that both SDKs' ssestream packages
// declare (each its own, with its own Event type).
type sdkDecoder[E any] interface {
	Event() E
	Next() bool
	Close() error
	Err() error
}

// drainSDK counts the events of an SDK decoder; data returns an event's data.
func drainSDK[E any](d sdkDecoder[E], data func(E) []byte) (Result, error) {
	var res Result
	if d == nil {
		return res, errors.New("NewDecoder returned nil")
	}
	defer d.Close()
	for d.Next() {
		res.Events++
		res.DataBytes += int64(len(data(d.Event())))
	}
	return res, d.Err()
}

func parseOpenAI(r io.Reader) (Result, error) {
	return drainSDK(openai.NewDecoder(sseResponse(r)), func(e openai.Event) []byte { return e.Data })
}

func parseAnthropic(r io.Reader) (Result, error) {
	return drainSDK(anthropic.NewDecoder(sseResponse(r)), func(e anthropic.Event) []byte { return e.Data })
}

// KnownDeviation returns why lib is expected to hand back a wrong count (or
// an error) on the named corpus, or "" when its output must be exact.
func KnownDeviation(lib, name string) string {
	switch {
	case lib == R3labs && name == corpus.Heartbeat:
		return "r3labs dispatches a comment-only block as an empty event once an id was seen"
	}
	return ""
}

// Check compares a parse result with what the corpus holds and returns an
// error describing any difference.
func Check(p Parser, got Result, events int, dataBytes int64, lines int, size int) error {
	switch {
	case p.Lines:
		if got.Events != lines || got.DataBytes != int64(size) {
			return fmt.Errorf("%s: got %d lines and %d bytes, want %d and %d", p.Name, got.Events, got.DataBytes, lines, size)
		}
	case p.Framing:
		if got.Events != events {
			return fmt.Errorf("%s: got %d events, want %d", p.Name, got.Events, events)
		}
	default:
		if p.TrailingLF {
			dataBytes += int64(events) // one LF more per event
		}
		if got.Events != events || got.DataBytes != dataBytes {
			return fmt.Errorf("%s: got %d events with %d data bytes, want %d with %d", p.Name, got.Events, got.DataBytes, events, dataBytes)
		}
	}
	return nil
}
