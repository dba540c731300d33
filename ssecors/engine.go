package ssecors

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/ssecors/ssecors-go/internal/site"
	"github.com/ssecors/ssecors-go/ssecors/ssetrace"
)

// errYieldStop ends the engine when the consumer of Events stops.
var errYieldStop = errors.New("ssecors: iteration stopped")

// timeoutError is the cause of an attempt that a timer of ours cancelled;
// like a net.Error, it reports Timeout.
type timeoutError string

func (e timeoutError) Error() string { return string(e) }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// The timeouts: WithIdleTimeout, WithEventTimeout, and the client's
// Timeout before the response headers arrived.
const (
	errIdleTimeout    timeoutError = "no data received within the idle timeout"
	errEventTimeout   timeoutError = "no event received within the event timeout"
	errConnectTimeout timeoutError = "no response within the client timeout"
)

// errRestart is the error a trace's Reconnect sees for a connection that
// Restart dropped.
var errRestart = errors.New("restarted by the client")

// engine is the state of one Run: the connect, dispatch and reconnect loop.
// Only Run's goroutine touches it, and connect's (see connectAside) while
// Run's waits for it.
type engine struct {
	es      *EventSource
	yield   func(Event, error) bool
	p       *parser
	page    site.Origin // the page origin: WithOrigin's, or the stream's own
	current *url.URL    // where the next attempt goes

	reconnect time.Duration // R
	published string        // the last event ID last published to es

	trace    *ssetrace.Trace // from Run's context, or nil
	attempts int             // connection attempts so far

	bo          backoff.BackOff
	failures    int       // consecutive failed attempts
	streakStart time.Time // when the first of them failed
	lastErr     error     // the failure since the last open connection, or nil

	evTimer *time.Timer // WithEventTimeout's timer while a stream is open

	streamed bool // the last attempt's response opened the stream
	silent   bool // the last attempt was a silent retry (see settle)

	// The run's context, its parent and its cancel function (see
	// EventSource.start), and whether its loop returned (see stop).
	parent, ctx context.Context
	cancel      context.CancelCauseFunc
	ended       bool

	// permanent is the target of the last permanent redirect (301, 308)
	// of the last attempt, or nil; resetBeforeHeaders says that the last
	// attempt's connection was closed or reset before any response.
	permanent          *url.URL
	resetBeforeHeaders bool
}

func newEngine(es *EventSource, trace *ssetrace.Trace, yield func(Event, error) bool) *engine {
	e := &engine{
		es:        es,
		trace:     trace,
		yield:     yield,
		p:         newParser(nil, es.cfg.maxEventSize),
		current:   withoutFragment(es.url),
		reconnect: time.Duration(es.retry.Load()),
		published: es.LastEventID(),
	}
	e.p.lastID = e.published
	e.p.minRetry, e.p.nulDrops = es.cfg.rules.MinReconnect, es.cfg.rules.NULIDDropsEvent
	e.p.comment, e.p.commentOn = es.fireComment, &es.commentOn
	if es.cfg.emulate {
		e.page = es.cfg.pageOrigin
	} else {
		e.page = site.OriginOf(es.url)
	}
	if f := es.cfg.retry.BackOff; f != nil {
		if e.bo = f(); e.bo != nil {
			e.bo.Reset()
		}
	}
	return e
}

// finish releases what the engine holds.
func (e *engine) finish() {
	e.p.release()
}

// loop runs attempts until the source closes, ctx ends, or a failure.
// What follows an attempt is in settle: loop's frame stays on the stack of
// every idle connection, under the read, and is kept small.
func (e *engine) loop(ctx context.Context) error {
	for {
		delivered, opened, err := e.attempt(ctx)
		if again, err := e.settle(ctx, delivered, opened, err); !again {
			return err
		}
	}
}

// settle decides what follows an attempt that ended with err: another
// attempt at once, one after the reconnection delay (waited here), or the
// end of the source with the error loop returns.
func (e *engine) settle(ctx context.Context, delivered bool, opened time.Duration, err error) (bool, error) {
	es := e.es
	if ctx.Err() != nil || es.closedNow() {
		return false, ctx.Err()
	}
	if e.resetBeforeHeaders && es.cfg.rules.RetryResetBeforeHeaders && !e.silent && !es.restarting.Load() {
		// Firefox and WebKit send the request once more, at once and
		// without an error event, when the connection is closed before
		// any response header.
		e.resetBeforeHeaders, e.silent = false, true
		es.log.DebugContext(ctx, "ssecors: retrying at once: the connection closed before the response", "error", err.Error())
		return true, nil
	}
	e.silent = false
	if errors.Is(err, errYieldStop) {
		return false, err
	}
	// A failure that ends the source wins over a Restart that raced it.
	if es.cfg.fatal(err) {
		es.restarted()
		e.lastErr = err
		e.fail(ctx, err)
		return false, err
	}
	if es.restarted() {
		return e.restart(ctx), nil
	}
	if e.streamed && es.cfg.fetch != nil && es.cfg.fetch.oneShot {
		// A one-shot stream is over once its response arrived: a clean
		// end closes the source, anything else fails it.
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		e.lastErr = err
		e.fail(ctx, err)
		return false, err
	}
	e.lastErr = err
	if delivered || opened > 0 && opened >= es.cfg.retry.ResetAfter {
		e.healthy()
	}
	d, stop := e.nextDelay(err, delivered)
	if stop != nil {
		e.fail(ctx, stop)
		return false, stop
	}
	if !e.reestablish(ctx, err, d) {
		return false, nil
	}
	if e.yield != nil && !e.yield(Event{}, &reconnectingError{err}) {
		return false, errYieldStop
	}
	if err := es.sleep(ctx, d); err != nil {
		return false, err
	}
	return true, nil
}

// fail fails the connection: Closed, then the error handler.
func (e *engine) fail(ctx context.Context, err error) {
	e.es.log.WarnContext(ctx, "ssecors: the source failed", "error", err.Error())
	e.es.fireError(err, Closed)
}

// restart announces a reconnection asked for by Restart: Connecting and
// the trace, without the error handler or a delay. It reports false when
// the source was closed meanwhile.
func (e *engine) restart(ctx context.Context) bool {
	es := e.es
	es.log.DebugContext(ctx, "ssecors: restarting", "last_event_id", es.LastEventID())
	if !es.moveTo(Connecting) {
		return false
	}
	if t := e.trace; t != nil && t.Reconnect != nil {
		t.Reconnect(ssetrace.Reconnect{Attempt: e.attempts, LastEventID: es.LastEventID(), Err: errRestart})
	}
	return !es.closedNow()
}

// reestablish announces a reconnection: Connecting, the error handler,
// the trace. It reports false when a handler closed the source. It is kept
// out of loop so that loop's frame, which stays on the stack of an idle
// connection, is small.
func (e *engine) reestablish(ctx context.Context, err error, d time.Duration) bool {
	es := e.es
	es.log.DebugContext(ctx, "ssecors: reconnecting", "error", err.Error(), "delay", d,
		"last_event_id", es.LastEventID())
	es.fireError(err, Connecting)
	if es.closedNow() {
		return false
	}
	if t := e.trace; t != nil && t.Reconnect != nil {
		t.Reconnect(ssetrace.Reconnect{Attempt: e.attempts, Delay: d, LastEventID: es.LastEventID(), Err: err})
	}
	return true
}

// attempt makes one connection and reads its stream to the end. It
// returns whether any event was delivered, how long the stream stayed
// open (zero if it never opened), and the error that ended the attempt.
//
// The read loop is here, and reads (p.fill) from here: attempt, loop and
// run are the frames under the read of every idle connection, and the
// smaller they are, the smaller the stack the runtime shrinks it to. What
// comes before (begin), parsing and delivering the events read (drain),
// and what comes after (end, result) happen in frames of their own, off the
// stack while the read waits.
func (e *engine) attempt(ctx context.Context) (delivered bool, opened time.Duration, err error) {
	st, err := e.begin(ctx)
	if st == nil {
		return false, 0, err
	}
	// Deferred, so that a handler or loop body that panics (and a caller
	// that recovers) leaves no timer armed and no connection open.
	defer e.end(st)
	n := 0
	for {
		var more bool
		if more, err = e.drain(&n); !more {
			break
		}
		if err = e.p.fill(); err != nil {
			e.publish()
			break
		}
	}
	return e.result(st, n, err)
}

// stream is an attempt whose response opened the stream.
type stream struct {
	ctx   context.Context // the attempt's
	done  func()          // releases ctx
	resp  *http.Response
	final *url.URL
	stop  func() // stops the stream's timers
	start time.Time
}

// begin opens an attempt's stream. It returns nil and the error, if any,
// when no stream opened.
func (e *engine) begin(ctx context.Context) (st *stream, err error) {
	e.attempts++
	e.streamed = false
	ctx, cancel, done := e.attemptContext(ctx)
	opened := false
	defer func() {
		if !opened {
			done()
		}
	}()
	resp, final, err := e.open(ctx, cancel)
	if err != nil || resp == nil {
		return nil, err
	}
	st = &stream{ctx: ctx, done: done, resp: resp, final: final, start: time.Now()}
	e.lastErr = nil
	e.streamed = true
	var body io.Reader
	body, st.stop = e.body(resp, cancel)
	e.reset(body, final)
	opened = true
	return st, nil
}

// end closes a stream: its timers, its body, its context.
func (e *engine) end(st *stream) {
	e.endStream(st.resp, st.stop)
	st.done()
}

// result is what attempt returns for a stream that delivered n events and
// ended with err.
func (e *engine) result(st *stream, n int, err error) (bool, time.Duration, error) {
	if err == errDropped {
		err = nil
	}
	if err != nil && err != errYieldStop {
		err = e.readError(st.ctx, err, st.final)
	}
	return n > 0, time.Since(st.start), err
}

// drain parses and delivers every event the lines already read hold,
// counting them in n. It reports true when more bytes are needed, and
// otherwise the error that ends the stream: errDropped, errYieldStop, or
// an event too large.
func (e *engine) drain(n *int) (bool, error) {
	for {
		ev, ok, err := e.p.event()
		if err != nil {
			e.publish()
			return false, err
		}
		if !ok {
			return true, nil
		}
		if err := e.deliver(&ev); err != nil {
			return false, err
		}
		*n++
	}
}

// errDropped ends the read loop without an error: Restart dropped the
// stream, or a handler closed the source.
var errDropped = errors.New("ssecors: stream dropped")

// deliver hands a dispatched event to the handlers and the Events loop.
// It returns errDropped when the stream is to be dropped without error
// (Restart, or a handler closed the source), errYieldStop when the loop
// stopped, and nil to go on. The event is passed by pointer and lives in
// drain's frame: its strings are stored with no GC write barrier.
func (e *engine) deliver(ev *Event) error {
	if e.es.restarting.Load() {
		// Restart dropped this stream: the events still buffered go with
		// it, and the last event ID stays the dispatched one.
		e.p.lastID = e.published
		return errDropped
	}
	e.publish()
	if e.evTimer != nil {
		e.evTimer.Reset(e.es.cfg.eventTimeout)
	}
	if !e.es.dispatchEvent(ev) {
		return errDropped
	}
	if e.yield != nil && !e.yield(*ev, nil) {
		return errYieldStop
	}
	return nil
}

// endStream stops the stream's timers and closes its body.
func (e *engine) endStream(resp *http.Response, stop func()) {
	stop()
	e.es.setBody(nil)
	resp.Body.Close()
}

// attemptContext gives an attempt a context of its own when something may
// cancel the attempt and not the source: a timeout, or a forced
// reconnection. done releases it.
func (e *engine) attemptContext(ctx context.Context) (context.Context, context.CancelCauseFunc, func()) {
	es := e.es
	if es.connectTO <= 0 && es.cfg.idleTimeout <= 0 && es.cfg.eventTimeout <= 0 {
		return ctx, func(error) {}, func() {}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	return ctx, cancel, func() { cancel(nil) }
}

// open connects and announces the connection. It returns a nil response
// when the source was closed meanwhile.
func (e *engine) open(ctx context.Context, cancel context.CancelCauseFunc) (*http.Response, *url.URL, error) {
	es := e.es
	var connectTimer *time.Timer
	if es.connectTO > 0 {
		connectTimer = time.AfterFunc(es.connectTO, func() { cancel(errConnectTimeout) })
	}
	resp, final, err := e.connectAside(ctx)
	if connectTimer != nil {
		connectTimer.Stop()
	}
	if err != nil {
		return nil, nil, causeOf(ctx, err)
	}
	if err := e.checkResponse(resp, final); err != nil {
		return nil, nil, err
	}
	switch r := es.cfg.rules; {
	case r.ReconnectToFinal: // Chromium, and the spec's "current URL"
		e.current = final
	case r.ReconnectAfterPermanent && e.permanent != nil: // Firefox
		e.current = e.permanent
	} // WebKit, and Firefox without a permanent redirect: the constructor's URL
	// The body is known before OnOpen runs, so that a Restart from the
	// handler drops this connection.
	es.setBody(resp.Body)
	if !es.fireOpen(resp, final) {
		es.setBody(nil)
		resp.Body.Close()
		return nil, nil, nil
	}
	return resp, final, nil
}

// connected is what connect returned, or how it ended: panicked with
// value, or exited (runtime.Goexit).
type connected struct {
	resp     *http.Response
	final    *url.URL
	err      error
	panicked bool
	exited   bool
	value    any
}

// connectAside runs connect on a goroutine of its own and waits for it to
// end. Connecting (http.Client.Do, preflights, redirects, cookies) goes
// deep into the stack; done on Run's goroutine, it would grow that stack
// to 8 KiB for good, since an idle source waiting in the body's Read uses
// more than the quarter of it under which the runtime shrinks a stack.
// The helper's stack is freed when it ends; Run's stays at 4 KiB. A panic,
// or a runtime.Goexit, in connect (a header function, a jar, a trace hook)
// happens again here, on Run's goroutine, with the same value, as it
// would without the helper (the trace of an unrecovered one then starts
// here, not at its origin).
func (e *engine) connectAside(ctx context.Context) (*http.Response, *url.URL, error) {
	done := make(chan connected, 1)
	go func() {
		var c connected
		returned := false
		defer func() {
			if !returned {
				// recover is nil only for runtime.Goexit: a panic(nil)
				// recovers as a *runtime.PanicNilError.
				c.value = recover()
				c.panicked, c.exited = c.value != nil, c.value == nil
			}
			done <- c
		}()
		c.resp, c.final, c.err = e.connect(ctx)
		returned = true
	}()
	c := <-done
	switch {
	case c.panicked:
		panic(c.value)
	case c.exited:
		runtime.Goexit()
	}
	return c.resp, c.final, c.err
}

// body returns what to read the stream from: the response body, watched
// by the idle timer when WithIdleTimeout asks for one, and a function that
// stops the timer.
func (e *engine) body(resp *http.Response, cancel context.CancelCauseFunc) (io.Reader, func()) {
	d, ed := e.es.cfg.idleTimeout, e.es.cfg.eventTimeout
	if d <= 0 && ed <= 0 {
		return resp.Body, func() {}
	}
	var r io.Reader = resp.Body
	var ir *idleReader
	if d > 0 {
		ir = &idleReader{r: resp.Body, d: d}
		ir.t = time.AfterFunc(d, func() { cancel(errIdleTimeout) })
		r = ir
	}
	if ed > 0 {
		e.evTimer = time.AfterFunc(ed, func() { cancel(errEventTimeout) })
	}
	return r, func() {
		if ir != nil {
			ir.t.Stop()
		}
		if e.evTimer != nil {
			e.evTimer.Stop()
			e.evTimer = nil
		}
	}
}

// readError turns the error that ended a stream into what the source
// reports.
func (e *engine) readError(ctx context.Context, err error, final *url.URL) error {
	if errors.Is(err, ErrEventTooLarge) {
		return err
	}
	return &NetworkError{Op: "read", URL: e.es.red.url(final), Err: e.es.red.err(causeOf(ctx, err))}
}

// causeOf replaces a context error by the cause of the attempt's
// cancellation when that was a timeout of ours.
func causeOf(ctx context.Context, err error) error {
	if c, ok := context.Cause(ctx).(timeoutError); ok {
		var ne *NetworkError
		if errors.As(err, &ne) {
			ne.Err = c
			return ne
		}
		return c
	}
	return err
}

// reset prepares the parser for the stream of final.
func (e *engine) reset(body io.Reader, final *url.URL) {
	e.p.reset(body, site.OriginOf(final).String())
}

// publish makes the parser's last event ID and reconnection time visible
// to other goroutines and to the next attempt.
func (e *engine) publish() {
	p := e.p
	if p.lastID != e.published {
		e.published = p.lastID
		e.es.idMu.Lock()
		e.es.lastID = p.lastID
		e.es.idMu.Unlock()
	}
	if p.retrySet && p.retry != e.reconnect {
		e.reconnect = p.retry
		e.es.retry.Store(int64(p.retry))
	}
}

// maybePreflight sends the preflight a CORS request needs, unless the
// preflight cache already covers it: in fetch mode when the request is not
// simple, as the browser does; for an EventSource as WithPreflight asks.
func (e *engine) maybePreflight(ctx context.Context, h *hop, hd http.Header) error {
	es := e.es
	fetch := es.cfg.fetch != nil
	unsafeNames := unsafeHeaderNames(hd, !fetch)
	forced := !fetch && es.cfg.preflight == PreflightAlways
	needs := fetch && fetchNeedsPreflight(h.method, unsafeNames) || !fetch && needsPreflight(es.cfg.preflight, true, unsafeNames)
	rules := es.cfg.rules
	if fetch && h.redirects > 0 && h.firstNeeds && rules.PreflightAfterRedirect {
		// Firefox and WebKit: the request the page made needed a
		// preflight, so every redirected one is preflighted too, as if
		// Fetch's use-CORS-preflight flag were set.
		needs, forced = true, true
		if rules.PreflightOriginalHeaders {
			unsafeNames = sortedSet(append(slices.Clone(unsafeNames), h.firstUnsafe...))
		}
	}
	if !needs {
		return nil
	}
	origin := h.origin
	if rules.PreflightUntaintedOrigin {
		origin = e.page.String() // Firefox: the page's origin, even when the request's is "null"
	}
	sent, res, err := es.preflight.preflight(ctx, es.client, h.url, origin,
		es.cfg.credentials, h.method, forced, unsafeNames, es.red)
	if !sent {
		return nil
	}
	es.log.DebugContext(ctx, "ssecors: preflight", "url", e.logURL(h.url), "origin", origin,
		"headers", unsafeNames, "status", res.status, "ok", err == nil)
	if t := e.trace; t != nil {
		if t.Request != nil {
			if req, rerr := newPreflightRequest(ctx, h.url, origin, h.method, unsafeNames); rerr == nil {
				t.Request(ssetrace.Request{Attempt: e.attempts, Redirects: h.redirects, Method: http.MethodOptions,
					URL: es.red.url(h.url), Header: es.red.header(req.Header), CORS: true, Origin: origin,
					Tainted: h.taint != taintSameOrigin, UnsafeHeaders: unsafeNames})
			}
		}
		if t.Response != nil && res.status != 0 {
			var blocked error
			var be *BlockedError
			if errors.As(err, &be) {
				blocked = be
			}
			t.Response(ssetrace.Response{Attempt: e.attempts, Redirects: h.redirects, Method: http.MethodOptions,
				URL: es.red.url(h.url), StatusCode: res.status, Header: es.red.header(res.header),
				CORSChecked: true, Blocked: blocked})
		}
	}
	return err
}

func (e *engine) logURL(u *url.URL) slog.Value {
	return slog.StringValue(e.es.red.url(u))
}

// idleReader cancels the attempt when no byte arrives for d.
type idleReader struct {
	r io.Reader
	d time.Duration
	t *time.Timer
}

func (ir *idleReader) Read(p []byte) (int, error) {
	n, err := ir.r.Read(p)
	if n > 0 {
		ir.t.Reset(ir.d)
	}
	return n, err
}

// withoutFragment returns a copy of u without its fragment, which is never
// sent.
func withoutFragment(u *url.URL) *url.URL {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	return &c
}
