package libs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
	"unsafe"

	donovanhide "github.com/donovanhide/eventsource"
	launchdarkly "github.com/launchdarkly/eventsource"
	r3labs "github.com/r3labs/sse/v2"
	"github.com/ssecors/ssecors-go/ssecors"
	gosse "github.com/tmaxmax/go-sse"
	"gopkg.in/cenkalti/backoff.v1"
)

// StreamConfig says how to open a live stream.
type StreamConfig struct {
	URL string
	// Client is the HTTP client to use; every library accepts one.
	Client *http.Client
	// Retry is the reconnection delay to configure, where the library lets
	// the caller set one; 0 keeps the library's default.
	Retry time.Duration
}

// Handler receives each event: the last event ID the library reports for
// it and its data. It may be called from any goroutine, but for one stream
// never concurrently.
type Handler func(id, data string)

// Streamer opens live streams through one library's public client API.
type Streamer struct {
	Name string
	// Via says which API is exercised, for the report.
	Via string
	// Delay says how the reconnection delay is set with this library.
	Delay string
	// Reconnects is false for the net/http floor.
	Reconnects bool
	// Start opens a stream and returns once the library has been started:
	// events arrive on h from the library's goroutines. stop releases what
	// can be released; a process may also just exit.
	Start func(ctx context.Context, cfg StreamConfig, h Handler) (stop func(), err error)
}

// Streamers returns the stream adapters in report order: ssecors, the
// peers, and the net/http floor.
func Streamers() []Streamer {
	return []Streamer{
		{
			Name: SSECors, Reconnects: true, Start: startSSECors,
			Via:   "`ssecors.New` + `Events(ctx)` iterator (all event types)",
			Delay: "`WithRetry(RetryPolicy{InitialDelay: d})`; the stream's `retry:` also applies",
		},
		{
			Name: GoSSE, Reconnects: true, Start: startGoSSE,
			Via:   "`sse.Client.NewConnection(req)` + `SubscribeToAll` + `Connect()`",
			Delay: "`Backoff{InitialInterval: d, Multiplier: 1, Jitter: 1e-9}`: `Jitter: -1` (documented as no randomization) is replaced by the 0.5 default, so a tiny jitter stands in; `retry:` also applies",
		},
		{
			Name: LaunchDarkly, Reconnects: true, Start: startLaunchDarkly,
			Via:   "`SubscribeWithRequestAndOptions` + `Stream.Events` channel, `StreamOptionErrorHandler`",
			Delay: "`StreamOptionInitialRetry(d)` (no backoff or jitter unless asked); `retry:` also applies",
		},
		{
			Name: R3labs, Reconnects: true, Start: startR3labs,
			Via:   "`Client.SubscribeRawWithContext(ctx, handler)`",
			Delay: "`Client.ReconnectStrategy = backoff.NewConstantBackOff(d)`; `retry:` is ignored",
		},
		{
			Name: Donovanhide, Reconnects: true, Start: startDonovanhide,
			Via:   "`SubscribeWith(\"\", client, req)` + `Stream.Events` channel",
			Delay: "no client option (3 s default); only the stream's `retry:` field sets it",
		},
		{
			Name: NetHTTP, Start: startNetHTTP,
			Via:   "`http.Client.Do` + `bufio.NewReaderSize(body, 4096).ReadSlice('\\n')`; a blank line counts as an event, no field parsing, no reconnection",
			Delay: "does not reconnect",
		},
	}
}

// StreamerByName returns the named stream adapter.
func StreamerByName(name string) (Streamer, bool) {
	for _, s := range Streamers() {
		if s.Name == name {
			return s, true
		}
	}
	return Streamer{}, false
}

func startSSECors(ctx context.Context, cfg StreamConfig, h Handler) (func(), error) {
	opts := []ssecors.Option{ssecors.WithHTTPClient(cfg.Client)}
	if cfg.Retry > 0 {
		opts = append(opts, ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: cfg.Retry}))
	}
	es, err := ssecors.New(cfg.URL, opts...)
	if err != nil {
		return nil, err
	}
	go func() {
		for ev, err := range es.Events(ctx) {
			if errors.Is(err, ssecors.ErrReconnecting) {
				continue
			}
			if err != nil {
				return
			}
			h(ev.LastEventID, ev.Data)
		}
	}()
	return es.Close, nil
}

func startGoSSE(ctx context.Context, cfg StreamConfig, h Handler) (func(), error) {
	ctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.URL, http.NoBody)
	if err != nil {
		cancel()
		return nil, err
	}
	c := &gosse.Client{HTTPClient: cfg.Client}
	if cfg.Retry > 0 {
		c.Backoff = gosse.Backoff{InitialInterval: cfg.Retry, Multiplier: 1, Jitter: 1e-9}
	}
	conn := c.NewConnection(req)
	conn.SubscribeToAll(func(ev gosse.Event) { h(ev.LastEventID, ev.Data) })
	go func() { _ = conn.Connect() }()
	return cancel, nil
}

func startLaunchDarkly(ctx context.Context, cfg StreamConfig, h Handler) (func(), error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.URL, http.NoBody)
	if err != nil {
		return nil, err
	}
	opts := []launchdarkly.StreamOption{
		launchdarkly.StreamOptionHTTPClient(cfg.Client),
		launchdarkly.StreamOptionErrorHandler(func(error) launchdarkly.StreamErrorHandlerResult {
			return launchdarkly.StreamErrorHandlerResult{}
		}),
	}
	if cfg.Retry > 0 {
		opts = append(opts, launchdarkly.StreamOptionInitialRetry(cfg.Retry))
	}
	s, err := launchdarkly.SubscribeWithRequestAndOptions(req, opts...)
	if err != nil {
		return nil, err
	}
	go func() {
		for ev := range s.Events {
			id := ev.Id()
			if l, ok := ev.(launchdarkly.EventWithLastID); ok {
				id = l.LastEventID()
			}
			h(id, ev.Data())
		}
	}()
	return s.Close, nil
}

func startR3labs(ctx context.Context, cfg StreamConfig, h Handler) (func(), error) {
	ctx, cancel := context.WithCancel(ctx)
	c := r3labs.NewClient(cfg.URL, r3labs.ClientMaxBufferSize(maxEvent+64))
	c.Connection = cfg.Client
	if cfg.Retry > 0 {
		c.ReconnectStrategy = backoff.NewConstantBackOff(cfg.Retry)
	}
	go func() {
		_ = c.SubscribeRawWithContext(ctx, func(ev *r3labs.Event) { h(view(ev.ID), view(ev.Data)) })
	}()
	return cancel, nil
}

func startDonovanhide(ctx context.Context, cfg StreamConfig, h Handler) (func(), error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.URL, http.NoBody)
	if err != nil {
		return nil, err
	}
	// SubscribeWith overwrites the client's CheckRedirect: give it a copy.
	c := *cfg.Client
	s, err := donovanhide.SubscribeWith("", &c, req)
	if err != nil {
		return nil, err
	}
	go func() {
		for range s.Errors { //nolint:revive // errors must be drained or the stream blocks
		}
	}()
	go func() {
		for ev := range s.Events {
			h(ev.Id(), ev.Data())
		}
	}()
	// Stream.Close closes channels that its goroutines may still send on
	// (donovanhide/eventsource#39): never call it, let the process exit.
	return func() {}, nil
}

func startNetHTTP(ctx context.Context, cfg StreamConfig, h Handler) (func(), error) {
	ctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.URL, http.NoBody)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	go func() {
		resp, err := cfg.Client.Do(req)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return
		}
		readLines(resp.Body, h)
	}()
	return cancel, nil
}

// readLines is the net/http floor's read loop: a 4 KiB bufio.Reader split
// into lines, with a call to h (without id or data) at each blank line.
func readLines(body io.Reader, h Handler) {
	br := bufio.NewReaderSize(body, 4096)
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			return
		}
		if len(line) == 1 || len(line) == 2 && line[0] == '\r' {
			h("", "")
		}
	}
}

// view returns b as a string without copying: r3labs allocates new slices
// for every event and never writes to them again.
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// ParseID returns the integer event ID of the reconnect stream, or an error.
func ParseID(id string) (int, error) {
	n, err := strconv.Atoi(id)
	if err != nil {
		return 0, fmt.Errorf("libs: bad event id %q", id)
	}
	return n, nil
}
