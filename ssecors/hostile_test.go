package ssecors_test

// Hostile and faulty servers. Each test points an EventSource at a server
// of internal/ssetest that misbehaves in one way and asserts the outcome
// that doc.go's "# Errors" table documents: the error, the final state, and
// whether the source reconnects. The memory tests run one at a time (they
// are not parallel) so that the heap they measure is theirs, and check that
// no goroutine is left once they end; TestMain checks that for everything.
//
//	fault                                   error (OnError / Run)                       state       reconnects
//	a line that never ends (64+ MiB)        wraps ErrEventTooLarge                      Closed      no
//	1 byte per write (HTTP/1.1 and 2)       none: the same events as unsplit            -           -
//	headers, then nothing (WithIdleTimeout) *NetworkError Op "read", Timeout()          Connecting  yes
//	stalled TLS handshake (client Timeout   *NetworkError Op "GET", Timeout()           Connecting  yes
//	  or TLSHandshakeTimeout)
//	preflight never answered (Timeout)      *NetworkError Op "OPTIONS", Timeout()       Connecting  yes
//	reset mid-event (TCP RST, HTTP/2 reset) *NetworkError Op "read" (or "GET" if the    Connecting  yes, resuming
//	                                        reset beats the headers)
//	half-closed mid-event, close-delimited  *NetworkError Op "read", Err io.EOF         Connecting  yes, resuming
//	half-closed mid-chunk                   *NetworkError Op "read", ErrUnexpectedEOF   Connecting  yes, resuming
//	invalid UTF-8 and NUL everywhere        none: U+FFFD replaces, NUL kept in data,    -           -
//	                                        an id holding NUL ignored
//	a flood of comments                     none; no event; *NetworkError io.EOF at end Connecting  yes
//	a flood of tiny events                  none; every event once
//	a body larger than memory               none; every event once, heap stays small
//	"retry: 0" and an instant close         *NetworkError io.EOF; each wait is at least Connecting  yes
//	                                        the 100 ms floor (or the backoff)
//	redirect loop, same- or cross-origin    *NetworkError Op "GET", Err                 Connecting  yes, after R
//	                                        "more than 20 redirects", after exactly 21                   (3 s here)
//	                                        requests per attempt
//	malformed chunked encoding, short       *NetworkError Op "read"                     Connecting  yes
//	  Content-Length
//	malformed status line or headers        *NetworkError Op "GET"                      Connecting  yes
//	200, then 503, then 204                 EOF (reconnects), then *ResponseError 503   Closed      no
//	  with RetryServerErrors            ... 503 reconnects, *ResponseError 204      Closed      no

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/internal/leakcheck"
	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

// hostileCounting wraps a transport and counts the response body bytes the
// client actually read: what the source pulled off the wire.
type hostileCounting struct {
	rt   http.RoundTripper
	read *atomic.Int64
}

// minReconnectDelay is the floor on the wait after an attempt that
// delivered nothing (see RetryPolicy.InitialDelay).
const minReconnectDelay = 100 * time.Millisecond

func (c hostileCounting) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(r)
	if err == nil {
		resp.Body = &hostileCountingBody{ReadCloser: resp.Body, read: c.read}
	}
	return resp, err
}

type hostileCountingBody struct {
	io.ReadCloser
	read *atomic.Int64
}

func (b *hostileCountingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.read.Add(int64(n))
	return n, err
}

// hostileCountingClient returns a client for srv that counts body bytes.
func hostileCountingClient(srv *ssetest.Server) (*http.Client, *atomic.Int64) {
	var n atomic.Int64
	return &http.Client{Transport: hostileCounting{rt: srv.Transport(), read: &n}}, &n
}

// hostileHeap samples the heap while a test runs.
type hostileHeap struct {
	base       runtime.MemStats
	peakInuse  atomic.Uint64
	stop, done chan struct{}
}

// hostileWatchHeap collects garbage, records the baseline and samples HeapInuse
// every millisecond until Stop.
func hostileWatchHeap() *hostileHeap {
	h := &hostileHeap{stop: make(chan struct{}), done: make(chan struct{})}
	runtime.GC()
	runtime.ReadMemStats(&h.base)
	h.peakInuse.Store(h.base.HeapInuse)
	go func() {
		defer close(h.done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			select {
			case <-h.stop:
				return
			case <-tick.C:
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > h.peakInuse.Load() {
					h.peakInuse.Store(ms.HeapInuse)
				}
			}
		}
	}()
	return h
}

// Stop ends the sampling and returns how far HeapInuse rose above the
// baseline at its peak, and how much was allocated in all meanwhile.
func (h *hostileHeap) Stop() (peakGrowth, allocated uint64) {
	close(h.stop)
	<-h.done
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if p := h.peakInuse.Load(); p > h.base.HeapInuse {
		peakGrowth = p - h.base.HeapInuse
	}
	return peakGrowth, ms.TotalAlloc - h.base.TotalAlloc
}

// hostileNoLeak fails t when goroutines other than the test runner's are
// still alive once the servers and sources are gone. Only tests that are
// not parallel use it: otherwise other tests' goroutines would count.
func hostileNoLeak(t *testing.T) {
	t.Helper()
	if leaked := leakcheck.Leaked(5 * time.Second); leaked != "" {
		t.Errorf("goroutines left behind:\n%s", leaked)
	}
}

// hostileSkipWaits makes es record nothing and wait for nothing between attempts.
func hostileSkipWaits(es *ssecors.EventSource) {
	ssecors.SetSleep(es, func(ctx context.Context, _ time.Duration) error { return ctx.Err() })
}

// hostileOutcome is what a hostile run ended with, gathered by hostileWatch.
type hostileOutcome struct {
	mu     sync.Mutex
	events []ssecors.Event
	errs   []error
	states []ssecors.ReadyState // the state inside each OnError call
}

func (o *hostileOutcome) Events() []ssecors.Event {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]ssecors.Event(nil), o.events...)
}

func (o *hostileOutcome) Errs() ([]error, []ssecors.ReadyState) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]error(nil), o.errs...), append([]ssecors.ReadyState(nil), o.states...)
}

// hostileWatch records every event and error of es, and closes es after
// closeAfter errors when closeAfter > 0.
func hostileWatch(es *ssecors.EventSource, closeAfter int) *hostileOutcome {
	o := &hostileOutcome{}
	es.AddEventListener("message", func(ev ssecors.Event) {
		o.mu.Lock()
		o.events = append(o.events, ev)
		o.mu.Unlock()
	})
	es.OnError(func(err error) {
		o.mu.Lock()
		o.errs = append(o.errs, err)
		o.states = append(o.states, es.ReadyState())
		n := len(o.errs)
		o.mu.Unlock()
		if closeAfter > 0 && n >= closeAfter {
			es.Close()
		}
	})
	return o
}

func hostileEventData(evs []ssecors.Event) string {
	var s []string
	for _, ev := range evs {
		s = append(s, ev.Data)
	}
	return strings.Join(s, ",")
}

// TestHostile_lineNeverEnds streams one line that never ends, of 64 MiB or
// eight times the bound if larger (128 MiB for the 16 MiB default: the
// source reads about the bound and leaves, so the rest is never sent).
// The source must stop at the maximum event size with ErrEventTooLarge,
// without reconnecting, having read about the bound and no more, and with
// the heap bounded by it. Not parallel: it measures the heap.
func TestHostile_lineNeverEnds(t *testing.T) {
	chunk := strings.Repeat("x", 64<<10)
	cases := []struct {
		name   string
		prefix string // the line starts with it
		max    int    // 0: the default
	}{
		{"data line, 4 KiB bound", "data: ", 4 << 10},
		{"field name, 4 KiB bound", "", 4 << 10},
		{"comment line, 4 KiB bound", ": ", 4 << 10},
		{"id line, 64 KiB bound", "id: ", 64 << 10},
		{"event line, default bound", "event: ", 0},
		{"data line after an event, default bound", "data: ok\n\ndata: ", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bound := ssecors.DefaultMaxEventSize
			if tc.max > 0 {
				bound = tc.max
			}
			total := max(64<<20, 8*bound)
			srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{
				{Handler: func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/event-stream")
					io.WriteString(w, tc.prefix)
					for sent := 0; sent < total; sent += len(chunk) {
						if _, err := io.WriteString(w, chunk); err != nil {
							return // the client left
						}
					}
				}},
				stop204,
			}})
			client, read := hostileCountingClient(srv)
			opts := []ssecors.Option{ssecors.WithHTTPClient(client)}
			if tc.max > 0 {
				opts = append(opts, ssecors.WithMaxEventSize(tc.max))
			}
			es := mustNew(t, srv.EventsURL(), opts...)
			o := hostileWatch(es, 0)
			hostileSkipWaits(es)
			heap := hostileWatchHeap()
			err := runSource(t, es)
			growth, allocated := heap.Stop()
			srv.Close()

			if !errors.Is(err, ssecors.ErrEventTooLarge) {
				t.Fatalf("Run: got %v, want an error wrapping ErrEventTooLarge", err)
			}
			errs, states := o.Errs()
			if len(errs) != 1 || errs[0] != err || states[0] != ssecors.Closed || es.ReadyState() != ssecors.Closed {
				t.Errorf("OnError: got %v in states %v, want Run's error once, in state closed", errs, states)
			}
			if n := srv.Connections(ssetest.EventsPath); n != 1 {
				t.Errorf("connections: got %d, want 1 (no reconnect)", n)
			}
			if strings.HasPrefix(tc.prefix, "data: ok") && hostileEventData(o.Events()) != "ok" {
				t.Errorf("events before the line: got %q, want ok", hostileEventData(o.Events()))
			}
			// The source reads about the bound: its buffer grows to the
			// bound and a line past it is refused at once.
			if got, limit := read.Load(), int64(2*bound+256<<10); got > limit {
				t.Errorf("read %d bytes of the %d-byte line, want at most %d", got, total, limit)
			}
			if limit := uint64(8*bound + 16<<20); growth > limit {
				t.Errorf("heap grew by %d bytes, want at most %d for a %d-byte bound", growth, limit, bound)
			}
			if allocated > uint64(total/2) {
				t.Errorf("allocated %d bytes in all for a %d-byte line: it was buffered", allocated, total)
			}
			hostileNoLeak(t)
		})
	}
}

// TestHostile_floods sends comments only, then tiny events, then a body far
// larger than the heap may grow, each ended cleanly, and checks that every
// event arrives exactly once, that the comments produce none, and that the
// heap stays small. Not parallel: it measures the heap.
func TestHostile_floods(t *testing.T) {
	scale := 1
	if testing.Short() {
		scale = 8
	}
	comments := ": " + strings.Repeat("keep-alive\n: ", 999) + "keep-alive\n\n" // 13 KB a write
	tiny := strings.Repeat("data:x\n\n", 1000)                                  // 1000 events a write
	big := strings.Repeat("data: "+strings.Repeat("y", 1000)+"\n\n", 64)        // 64 events a write
	cases := []struct {
		name     string
		payload  string
		writes   int
		perWrite int // events dispatched per write
		data     string
		maxGrow  uint64
	}{
		{"comments", comments, 2600 / scale, 0, "", 16 << 20},                     // 32 MiB
		{"tiny events", tiny, 200 / scale, 1000, "x", 16 << 20},                   // 200 000 events
		{"body larger than memory", big, 2048 / scale, 64, big[6:1006], 32 << 20}, // 128 MiB
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			payload := []byte(tc.payload) // written over and over, allocating nothing
			srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{
				{Handler: func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/event-stream")
					rc := http.NewResponseController(w)
					for i := 0; i < tc.writes; i++ {
						if _, err := w.Write(payload); err != nil || rc.Flush() != nil {
							return
						}
					}
				}},
				stop204,
			}})
			client, read := hostileCountingClient(srv)
			es := mustNew(t, srv.EventsURL(), ssecors.WithHTTPClient(client))
			var count, wrong atomic.Int64
			es.OnMessage(func(ev ssecors.Event) {
				count.Add(1)
				if ev.Data != tc.data {
					wrong.Add(1)
				}
			})
			var errs []error
			es.OnError(func(err error) { errs = append(errs, err) })
			hostileSkipWaits(es)
			heap := hostileWatchHeap()
			err := runSource(t, es)
			growth, _ := heap.Stop()
			srv.Close()

			var re *ssecors.ResponseError
			if !errors.As(err, &re) || re.StatusCode != http.StatusNoContent {
				t.Fatalf("Run: got %v, want the final 204", err)
			}
			var ne *ssecors.NetworkError
			if len(errs) != 2 || !errors.As(errs[0], &ne) || ne.Err != io.EOF {
				t.Errorf("errors: got %v, want the clean end then the 204", errs)
			}
			if want := int64(tc.writes * tc.perWrite); count.Load() != want || wrong.Load() != 0 {
				t.Errorf("events: got %d (%d with wrong data), want %d", count.Load(), wrong.Load(), want)
			}
			body := int64(tc.writes * len(payload))
			if read.Load() < body {
				t.Errorf("read %d bytes, want the whole %d-byte body", read.Load(), body)
			}
			if growth > tc.maxGrow {
				t.Errorf("heap grew by %d bytes while %d streamed, want at most %d", growth, body, tc.maxGrow)
			}
			hostileNoLeak(t)
		})
	}
}

// hostileScript is a stream that exercises the parser at every byte
// boundary: multi-byte UTF-8, CRLF, lone CR, comments, retry, ids, types.
const hostileScript = "\ufeff: hello\r\n" +
	"id: 1\revent: grüße\r\ndata: ünïcödé ✓ 𝄞\r\n\r\n" +
	"data: two\ndata:  lines\n\n" +
	"retry: 7\n: comment\n\n" +
	"id\ndata\n\n" +
	"id: 3\ndata:3\r\r"

func hostileScriptEvents() []ssecors.Event {
	return []ssecors.Event{
		{Type: "grüße", Data: "ünïcödé ✓ 𝄞", LastEventID: "1"},
		{Type: "message", Data: "two\n lines", LastEventID: "1"},
		{Type: "message", Data: "", LastEventID: ""},
		{Type: "message", Data: "3", LastEventID: "3"},
	}
}

// TestHostile_drip sends a stream one byte per write (one chunk, or one
// HTTP/2 DATA frame, per byte) and checks that the events are those of the
// whole stream.
func TestHostile_drip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, scheme string }{{"HTTP/1.1", "http"}, {"HTTP/2", "https"}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{
				{Events: []ssetest.Event{{Raw: hostileScript}}, Drip: true, EndAfterScript: true},
				stop204,
			}})
			es := mustNew(t, srv.HostURL(tc.scheme, ssetest.APIHost, ssetest.EventsPath), ssecors.WithHTTPClient(srv.Client()))
			o := hostileWatch(es, 0)
			es.AddEventListener("grüße", func(ev ssecors.Event) {
				o.mu.Lock()
				o.events = append(o.events, ev)
				o.mu.Unlock()
			})
			hostileSkipWaits(es)
			runSource(t, es)
			want := hostileScriptEvents()
			got := o.Events()
			if len(got) != len(want) {
				t.Fatalf("events: got %+v, want %+v", got, want)
			}
			for i := range want {
				want[i].Origin = srv.Origin(tc.scheme, ssetest.APIHost)
				if got[i] != want[i] {
					t.Errorf("event %d: got %+v, want %+v", i, got[i], want[i])
				}
			}
			if es.ReconnectionTime() != 7*time.Millisecond {
				t.Errorf("ReconnectionTime: got %v, want 7ms", es.ReconnectionTime())
			}
			if r := srv.RequestsTo(ssetest.EventsPath)[1]; r.LastEventID != "3" {
				t.Errorf("reconnect Last-Event-ID: got %q, want %q", r.LastEventID, "3")
			}
		})
	}
}

// TestHostile_invalidUTF8AndNUL puts invalid UTF-8 and NUL bytes in every
// place of a stream, whole and dripped: each maximal invalid sequence
// becomes one U+FFFD (WHATWG "UTF-8 decode"), NUL stays in data and type,
// an id holding NUL is ignored, and nothing crashes.
func TestHostile_invalidUTF8AndNUL(t *testing.T) {
	t.Parallel()
	const raw = ": comment \xff\x00\n" +
		"id: a\xffb\n" +
		"event: t\x00y\xfe\n" +
		"data: d\x00\xc3\n" + // a 2-byte sequence cut by the line end
		"x\x00\xff: an unknown field\n" +
		"retry: 1\x002\n" + // not all digits: ignored
		"\n" +
		"id: bad\x00id\n" + // NUL: the whole id field is ignored
		"data: \xe2\x82\n" + // a 3-byte sequence cut short: one U+FFFD
		"data: \xed\xa0\x80\n" + // an encoded surrogate: three
		"data: \xf4\x90\x80\x80\n" + // above U+10FFFF: four
		"data: \xc0\xaf\n" + // an overlong form: two
		"\n" +
		"data:\x00\n" +
		"\n"
	want := []ssecors.Event{
		{Type: "t\x00y\ufffd", Data: "d\x00\ufffd", LastEventID: "a\ufffdb"},
		{Type: "message", Data: "\ufffd\n\ufffd\ufffd\ufffd\n\ufffd\ufffd\ufffd\ufffd\n\ufffd\ufffd", LastEventID: "a\ufffdb"},
		{Type: "message", Data: "\x00", LastEventID: "a\ufffdb"},
	}
	for _, drip := range []bool{false, true} {
		t.Run(fmt.Sprintf("drip=%v", drip), func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{
				{Events: []ssetest.Event{{Raw: raw}}, Drip: drip, EndAfterScript: true},
				stop204,
			}})
			es := mustNew(t, srv.EventsURL())
			var got []ssecors.Event
			record := func(ev ssecors.Event) { got = append(got, ev) }
			es.AddEventListener("message", record)
			es.AddEventListener("t\x00y\ufffd", record)
			hostileSkipWaits(es)
			runSource(t, es)
			if len(got) != len(want) {
				t.Fatalf("events: got %+q, want %+q", got, want)
			}
			for i, w := range want {
				w.Origin = srv.URL
				if got[i] != w {
					t.Errorf("event %d: got %+q, want %+q", i, got[i], w)
				}
			}
			if es.ReconnectionTime() != 3*time.Second {
				t.Errorf("ReconnectionTime: got %v, want the default (the retry field was invalid)", es.ReconnectionTime())
			}
			if r := srv.RequestsTo(ssetest.EventsPath)[1]; r.LastEventID != "a\ufffdb" {
				t.Errorf("reconnect Last-Event-ID: got %q, want %q", r.LastEventID, "a\ufffdb")
			}
		})
	}
}

// TestHostile_stalls covers servers that stop talking: after the headers
// (with and without part of an event), and during the TLS handshake. Each
// stall ends as a timeout, a network error, and the source reconnects.
func TestHostile_stalls(t *testing.T) {
	t.Parallel()
	hole := ssetest.NewBlackhole()
	t.Cleanup(hole.Close)
	idle := func(*ssetest.Server) []ssecors.Option {
		return []ssecors.Option{ssecors.WithIdleTimeout(50 * time.Millisecond)}
	}
	partial := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "id: 1\ndata: whole\n\nid: 2\ndata: par")
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
	}
	slowPreflight := ssetest.AllowAll()
	slowPreflight.PreflightDelay = time.Hour
	cases := []struct {
		name   string
		scheme string
		resp   ssetest.Response
		cors   *ssetest.CORS
		hole   bool // dial the blackhole instead of the server
		client func(srv *ssetest.Server) *http.Client
		opts   func(srv *ssetest.Server) []ssecors.Option
		op     string
	}{
		{name: "headers then nothing, HTTP/2", scheme: "https", resp: ssetest.Response{StallAfterHeaders: true},
			opts: idle, op: "read"},
		{name: "part of an event then nothing", scheme: "http", resp: ssetest.Response{Handler: partial},
			opts: idle, op: "read"},
		{name: "preflight never answered, client Timeout", scheme: "https", cors: slowPreflight,
			client: func(srv *ssetest.Server) *http.Client {
				return &http.Client{Transport: srv.Transport(), Timeout: 50 * time.Millisecond}
			},
			opts: func(srv *ssetest.Server) []ssecors.Option {
				return []ssecors.Option{ssecors.WithOrigin(srv.Origin("https", ssetest.AppHost)), ssecors.WithPreflight(ssecors.PreflightAlways)}
			}, op: "OPTIONS"},
		{name: "TLS handshake stalls, client Timeout", scheme: "https", hole: true,
			client: func(*ssetest.Server) *http.Client { return &http.Client{Timeout: 50 * time.Millisecond} }, op: "GET"},
		{name: "TLS handshake stalls, TLSHandshakeTimeout", scheme: "https", hole: true,
			client: func(*ssetest.Server) *http.Client {
				return &http.Client{Transport: &http.Transport{TLSHandshakeTimeout: 50 * time.Millisecond}}
			}, op: "GET"},
		{name: "no response to the request, client Timeout", scheme: "http", hole: true,
			client: func(*ssetest.Server) *http.Client { return &http.Client{Timeout: 50 * time.Millisecond} }, op: "GET"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, ssetest.Endpoint{CORS: tc.cors, Responses: []ssetest.Response{tc.resp, tc.resp}})
			u := srv.HostURL(tc.scheme, ssetest.APIHost, ssetest.EventsPath)
			client := srv.Client()
			if tc.client != nil {
				client = tc.client(srv)
			}
			if tc.hole {
				u = hole.URL(tc.scheme, ssetest.EventsPath)
			}
			before := hole.Accepted()
			var opts []ssecors.Option
			if tc.opts != nil {
				opts = tc.opts(srv)
			}
			es := mustNew(t, u, append(opts, ssecors.WithHTTPClient(client))...)
			o := hostileWatch(es, 2)
			hostileSkipWaits(es)
			if err := runSource(t, es); err != nil {
				t.Fatalf("Run: got %v, want nil after Close", err)
			}
			errs, states := o.Errs()
			for i, err := range errs {
				var ne *ssecors.NetworkError
				if !errors.As(err, &ne) || ne.Op != tc.op || !ne.Timeout() || states[i] != ssecors.Connecting {
					t.Errorf("error %d: got %v (timeout %v) in state %v, want a %s timeout while connecting",
						i, err, ne != nil && ne.Timeout(), states[i], tc.op)
				}
			}
			if tc.hole {
				if n := hole.Accepted() - before; n < 2 {
					t.Errorf("blackhole connections: got %d, want 2 (a reconnect)", n)
				}
			} else if tc.op == "OPTIONS" {
				// Each attempt's preflight times out; under load the 50 ms
				// can end the second one before its request reaches the
				// server (a TLS handshake), so it may log one or two.
				reqs := srv.RequestsTo(ssetest.EventsPath)
				for _, r := range reqs {
					if !r.Preflight {
						t.Errorf("a %s was sent after preflights that never answered", r.Method)
					}
				}
				if len(reqs) == 0 || len(reqs) > 2 {
					t.Errorf("requests: got %d, want 1 or 2 preflights", len(reqs))
				}
			} else {
				if n := srv.Connections(ssetest.EventsPath); n != 2 {
					t.Errorf("connections: got %d, want 2 (a reconnect)", n)
				}
				if got := hostileEventData(o.Events()); tc.resp.Handler != nil && got != "whole,whole" {
					t.Errorf("events: got %q, want the whole event on each connection and never the partial one", got)
				}
			}
		})
	}
}

// TestHostile_cutMidEvent cuts the stream in the middle of an event, by a
// FIN, a TCP reset, a half-close or an HTTP/2 stream reset, on every
// connection, and checks that the source resumes with the right
// Last-Event-ID until it has every event exactly once, and never the cut
// one.
func TestHostile_cutMidEvent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		scheme string
		mode   ssetest.AbortMode
	}{
		{"HTTP/1.1 close", "http", ssetest.AbortClose},
		{"HTTP/1.1 reset", "http", ssetest.AbortReset},
		{"HTTP/1.1 half-close", "http", ssetest.AbortHalfClose},
		{"HTTP/1.1 over TLS reset", "https-h1", ssetest.AbortReset},
		{"HTTP/2 stream reset", "https", ssetest.AbortClose},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, ssetest.Endpoint{
				Events: ssetest.Numbered(6, "e"), Resume: true, DropAfter: 2, Abort: true, AbortMode: tc.mode,
			})
			client := srv.Client()
			scheme := tc.scheme
			if scheme == "https-h1" {
				tr := srv.Transport()
				tr.ForceAttemptHTTP2 = false
				client, scheme = &http.Client{Transport: tr}, "https"
			}
			es := mustNew(t, srv.HostURL(scheme, ssetest.APIHost, ssetest.EventsPath), ssecors.WithHTTPClient(client))
			o := hostileWatch(es, 0)
			es.AddEventListener("message", func(ev ssecors.Event) {
				if ev.LastEventID == "6" {
					es.Close()
				}
			})
			hostileSkipWaits(es)
			if err := runSource(t, es); err != nil {
				t.Fatalf("Run: %v", err)
			}
			got := o.Events()
			if d := hostileEventData(got); d != "e1,e2,e3,e4,e5,e6" {
				t.Fatalf("events: got %s, want e1..e6 once each", d)
			}
			for _, ev := range got {
				if ev.Data != "e"+ev.LastEventID {
					t.Errorf("event %+v: data and id disagree", ev)
				}
			}
			errs, states := o.Errs()
			if len(errs) < 2 {
				t.Errorf("errors: got %v, want one per cut", errs)
			}
			for i, err := range errs {
				var ne *ssecors.NetworkError
				if !errors.As(err, &ne) || states[i] != ssecors.Connecting || ne.Err == io.EOF {
					t.Errorf("error %d: got %v in state %v, want a network error other than a clean end, reconnecting", i, err, states[i])
					continue
				}
				if ne.Op != "read" && !(tc.mode == ssetest.AbortReset && ne.Op == "GET" && errors.Is(err, syscall.ECONNRESET)) {
					t.Errorf("error %d: got Op %q (%v), want read", i, ne.Op, err)
				}
			}
			// Every reconnect carries the id of the last whole event read.
			seen := ""
			for i, r := range srv.RequestsTo(ssetest.EventsPath) {
				if i > 0 && r.LastEventID < seen {
					t.Errorf("request %d: Last-Event-ID %q went back from %q", i, r.LastEventID, seen)
				}
				seen = r.LastEventID
			}
		})
	}
}

// TestHostile_halfClosed ends the server's side of the connection (FIN,
// read side still open) after the headers and part of an event, with a
// close-delimited body (the stream ends) and with a chunked one (the chunk
// is cut).
func TestHostile_halfClosed(t *testing.T) {
	t.Parallel()
	const head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
	cases := []struct {
		name string
		raw  string
		eof  error
	}{
		{"close-delimited body", head + "\r\nid: 1\ndata: whole\n\nid: 2\ndata: part", io.EOF},
		// The chunk announces 0x40 bytes; the server stops after 35.
		{"chunked body", head + "Transfer-Encoding: chunked\r\n\r\n40\r\nid: 1\ndata: whole\n\nid: 2\ndata: part", io.ErrUnexpectedEOF},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{
				{RawResponse: tc.raw, AbortMode: ssetest.AbortHalfClose}, stop204,
			}})
			es := mustNew(t, srv.EventsURL())
			o := hostileWatch(es, 0)
			hostileSkipWaits(es)
			err := runSource(t, es)
			var re *ssecors.ResponseError
			if !errors.As(err, &re) || re.StatusCode != http.StatusNoContent {
				t.Fatalf("Run: got %v, want the 204 after a reconnect", err)
			}
			if d := hostileEventData(o.Events()); d != "whole" {
				t.Errorf("events: got %q, want only the whole one", d)
			}
			errs, states := o.Errs()
			var ne *ssecors.NetworkError
			if len(errs) != 2 || !errors.As(errs[0], &ne) || ne.Op != "read" || ne.Err != tc.eof || states[0] != ssecors.Connecting {
				t.Errorf("first error: got %v in %v, want a read error %v while connecting", errs, states, tc.eof)
			}
			if r := srv.RequestsTo(ssetest.EventsPath)[1]; r.LastEventID != "1" {
				t.Errorf("reconnect Last-Event-ID: got %q, want 1", r.LastEventID)
			}
		})
	}
}

// TestHostile_malformedHTTP answers with bytes net/http would never send.
// Each is a network error (a browser's fetch fails the same way) and the
// source reconnects: to the 204 that ends the test.
func TestHostile_malformedHTTP(t *testing.T) {
	t.Parallel()
	const head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
	cases := []struct {
		name   string
		raw    string
		op     string
		events string
	}{
		{"chunk size not hexadecimal", head + "9\r\ndata: a\n\n\r\nzz\r\n", "read", "a"},
		{"chunk size overflows", head + "9\r\ndata: a\n\n\r\nfffffffffffffffffffff\r\n", "read", "a"},
		{"chunk data without CRLF", head + "9\r\ndata: a\n\nXX3\r\nabc\r\n", "read", "a"},
		{"chunk size line too long", head + "1" + strings.Repeat(" ", 8192) + "\r\n", "read", ""},
		{"body shorter than Content-Length", "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 100\r\n\r\ndata: a\n\n", "read", "a"},
		{"status code not a number", "HTTP/1.1 2xx OK\r\n\r\n", "GET", ""},
		{"not HTTP at all", "\x00\x01\x02\x03 hello\r\n\r\n", "GET", ""},
		{"headers never end", "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n", "GET", ""},
		{"malformed header line", "HTTP/1.1 200 OK\r\nContent-Type text/event-stream\r\n\r\n", "GET", ""},
		{"conflicting Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", "GET", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{{RawResponse: tc.raw}, stop204}})
			es := mustNew(t, srv.EventsURL())
			o := hostileWatch(es, 0)
			hostileSkipWaits(es)
			err := runSource(t, es)
			var re *ssecors.ResponseError
			if !errors.As(err, &re) || re.StatusCode != http.StatusNoContent {
				t.Fatalf("Run: got %v, want the 204 after a reconnect", err)
			}
			errs, states := o.Errs()
			var ne *ssecors.NetworkError
			if len(errs) != 2 || !errors.As(errs[0], &ne) || ne.Op != tc.op || ne.Err == io.EOF || states[0] != ssecors.Connecting {
				t.Errorf("first error: got %v in %v, want a %s network error while connecting", errs, states, tc.op)
			}
			if d := hostileEventData(o.Events()); d != tc.events {
				t.Errorf("events: got %q, want %q", d, tc.events)
			}
		})
	}
}

// TestHostile_retryZeroInstantClose answers "retry: 0" and ends every
// stream at once, with no event. The source must not spin: every wait is
// at least the 100 ms floor, or the backoff's when there is one.
func TestHostile_retryZeroInstantClose(t *testing.T) {
	t.Parallel()
	spin := ssetest.Endpoint{HasRetry: true, EndAfterScript: true}
	t.Run("recorded waits", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, spin)
		es := mustNew(t, srv.EventsURL())
		rec := record(es) // records the waits, waits for nothing
		n := 0
		es.OnError(func(err error) {
			var ne *ssecors.NetworkError
			if !errors.As(err, &ne) || ne.Err != io.EOF || es.ReadyState() != ssecors.Connecting {
				t.Errorf("error: got %v in %v, want a clean end while connecting", err, es.ReadyState())
			}
			if n++; n == 50 {
				es.Close()
			}
		})
		if err := runSource(t, es); err != nil {
			t.Fatalf("Run: %v", err)
		}
		delays := rec.Delays()
		if len(delays) != 49 {
			t.Fatalf("waits: got %d, want 49", len(delays))
		}
		for i, d := range delays {
			if d != minReconnectDelay {
				t.Errorf("wait %d: got %v, want the 100 ms floor (%v)", i, d, minReconnectDelay)
			}
		}
		if es.ReconnectionTime() != 0 {
			t.Errorf("ReconnectionTime: got %v, want 0 from retry: 0", es.ReconnectionTime())
		}
	})
	t.Run("backoff applies", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, spin)
		es := mustNew(t, srv.EventsURL(), ssecors.WithRetry(ssecors.RetryPolicy{Multiplier: 2, MaxAttempts: 5}))
		rec := record(es)
		err := runSource(t, es)
		if !errors.Is(err, ssecors.ErrRetriesExhausted) {
			t.Fatalf("Run: got %v, want ErrRetriesExhausted", err)
		}
		// "retry: 0" sets R to 0: growth starts from the 100 ms floor.
		if got := fmt.Sprint(rec.Delays()); got != "[100ms 200ms 400ms 800ms]" {
			t.Errorf("waits: got %s, want [100ms 200ms 400ms 800ms]", got)
		}
	})
	t.Run("real time", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, spin)
		es := mustNew(t, srv.EventsURL())
		go func() {
			// Let it run for a while in real time, then stop it.
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			srv.WaitFor(ctx, func([]ssetest.Request) bool { return false })
			es.Close()
		}()
		start := time.Now()
		if err := runSource(t, es); err != nil {
			t.Fatalf("Run: %v", err)
		}
		elapsed := time.Since(start)
		// Each attempt but the first waited at least the 100 ms floor.
		limit := int(elapsed/minReconnectDelay) + 1
		if n := srv.Connections(ssetest.EventsPath); n > limit || n < 1 {
			t.Errorf("connections in %v: got %d, want between 1 and %d", elapsed, n, limit)
		}
	})
}

// TestHostile_redirectLoops follows loops until the 20-redirect limit of
// Fetch: exactly 21 requests per attempt (the first and 20 redirects),
// then a network error wrapping "more than 20 redirects", after which the
// source reconnects (as Chromium does), waiting at least
// the 100 ms floor since the attempt delivered nothing. The cross-origin
// loop passes every CORS check (the tainted hops send Origin: null and get
// it echoed), so only the limit stops it.
func TestHostile_redirectLoops(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{})
	page := srv.Origin("https", ssetest.AppHost)
	srv.Handle("/self", ssetest.Endpoint{Redirect: &ssetest.Redirect{Status: http.StatusTemporaryRedirect, Location: "/self"}})
	srv.HandleHost(ssetest.APIHost, "/ping", ssetest.Endpoint{CORS: ssetest.AllowAll(),
		Redirect: &ssetest.Redirect{Status: http.StatusPermanentRedirect, Location: srv.HostURL("https", ssetest.OtherHost, "/pong")}})
	srv.HandleHost(ssetest.OtherHost, "/pong", ssetest.Endpoint{CORS: ssetest.AllowAll(),
		Redirect: &ssetest.Redirect{Location: srv.HostURL("https", ssetest.APIHost, "/ping")}})
	cases := []struct {
		name  string
		url   string
		opts  []ssecors.Option
		paths []string
	}{
		{"same-origin loop", srv.URL + "/self", nil, []string{"/self"}},
		{"cross-origin ping-pong", srv.HostURL("https", ssetest.APIHost, "/ping"),
			[]ssecors.Option{ssecors.WithOrigin(page), ssecors.WithCredentials()}, []string{"/ping", "/pong"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			es := mustNew(t, tc.url, append(tc.opts, ssecors.WithHTTPClient(srv.Client()))...)
			rec := record(es) // records the waits
			var errs []error
			var states []ssecors.ReadyState
			es.OnError(func(err error) {
				errs = append(errs, err)
				states = append(states, es.ReadyState())
				if len(errs) == 2 {
					es.Close()
				}
			})
			if err := runSource(t, es); err != nil {
				t.Fatalf("Run: got %v, want nil after Close", err)
			}
			if len(errs) != 2 {
				t.Fatalf("errors: got %v, want 2", errs)
			}
			for i, err := range errs {
				var ne *ssecors.NetworkError
				if !errors.As(err, &ne) || ne.Op != "GET" || !strings.Contains(err.Error(), "more than 20 redirects") || states[i] != ssecors.Connecting {
					t.Errorf("error %d: got %v in %v, want a GET *NetworkError for more than 20 redirects, reconnecting", i, err, states[i])
				}
			}
			if got := fmt.Sprint(rec.Delays()); got != "[3s]" {
				t.Errorf("waits: got %s, want [3s] (the reconnection time)", got)
			}
			var reqs []ssetest.Request
			for _, p := range tc.paths {
				reqs = append(reqs, srv.RequestsTo(p)...)
			}
			if len(reqs) != 42 {
				t.Errorf("requests: got %d, want 42 (21 per attempt)", len(reqs))
			}
			if tc.opts != nil {
				sort.Slice(reqs, func(i, j int) bool { return reqs[i].Seq < reqs[j].Seq })
				for i, r := range reqs {
					want := "null" // tainted from the first cross-origin redirect on
					if i%21 == 0 {
						want = page // each attempt starts untainted
					}
					if r.Origin != want {
						t.Errorf("request %d to %s: Origin %q, want %q", i, r.Path, r.Origin, want)
					}
				}
			}
		})
	}
}

// TestHostile_okThen503Then204 checks the documented sequence: a stream
// that ends reconnects, a 503 fails the connection unless
// RetryServerErrors lets it reconnect, and a 204 always fails it.
func TestHostile_okThen503Then204(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		opts        []ssecors.Option
		connections int
		final       int
		waits       string
	}{
		{"browser", nil, 2, 503, "[3s]"},
		{"RetryServerErrors", []ssecors.Option{ssecors.WithRetry(ssecors.RetryPolicy{RetryServerErrors: true})}, 3, 204, "[3s 3s]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{
				streamOf(ssetest.Event{ID: "7", Data: "x"}),
				{Status: http.StatusServiceUnavailable, Body: "busy"},
				stop204,
				streamOf(ssetest.Event{Data: "never"}),
			}})
			es := mustNew(t, srv.EventsURL(), tc.opts...)
			rec := record(es)
			err := runSource(t, es)
			var re *ssecors.ResponseError
			if !errors.As(err, &re) || re.StatusCode != tc.final {
				t.Fatalf("Run: got %v, want *ResponseError %d", err, tc.final)
			}
			if n := srv.Connections(ssetest.EventsPath); n != tc.connections {
				t.Errorf("connections: got %d, want %d", n, tc.connections)
			}
			if got := fmt.Sprint(rec.Delays()); got != tc.waits {
				t.Errorf("waits: got %s, want %s", got, tc.waits)
			}
			for i, r := range srv.RequestsTo(ssetest.EventsPath)[1:] {
				if r.LastEventID != "7" {
					t.Errorf("request %d: Last-Event-ID %q, want 7", i+1, r.LastEventID)
				}
			}
			if es.ReadyState() != ssecors.Closed || !strings.HasSuffix(rec.Log(), "error closed") {
				t.Errorf("state %v, log %q: want closed, last error in state closed", es.ReadyState(), rec.Log())
			}
		})
	}
}
