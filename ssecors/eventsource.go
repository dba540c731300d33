package ssecors

import (
	"context"
	"errors"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssecors/ssecors-go/internal/engines"
	"github.com/ssecors/ssecors-go/internal/site"

	"github.com/ssecors/ssecors-go/ssecors/browserjar"
	"github.com/ssecors/ssecors-go/ssecors/ssetrace"
)

// EventSource is a connection to a server-sent event stream that behaves as
// a browser's EventSource: it connects, dispatches events to its handlers,
// and reconnects with Last-Event-ID until it is closed or fails.
//
// Create one with [New], register handlers, then call [EventSource.Run] (or
// range over [EventSource.Events]) once. Handlers run one at a time on the
// goroutine that called Run, in stream order, with no lock held: a handler
// may add or remove handlers and call Close. A slow handler slows the
// stream; it never reorders it. A handler that panics ends Run with that
// panic, and the source is then closed, its connection too.
//
// All methods are safe for concurrent use.
type EventSource struct {
	url   *url.URL // as given to New, with the static query parameters
	cfg   config
	red   *redactor
	log   *slog.Logger
	sleep func(ctx context.Context, d time.Duration) error // tests replace it

	client    *http.Client
	connectTO time.Duration
	cookies   *browserjar.Jar // the browser jar, or nil
	plainJar  http.CookieJar
	preflight *preflightCache

	state     atomic.Int32
	started   atomic.Bool
	idMu      sync.Mutex // guards lastID; a mutex, not an atomic pointer, so publishing does not allocate
	lastID    string
	retry     atomic.Int64 // the reconnection time, in nanoseconds
	handlers  atomic.Pointer[handlerSet]
	commentOn atomic.Bool // an OnComment handler is set

	// bodyMu guards body and restarting: Restart closes the open
	// stream's body to drop it, or wakes a wait between attempts.
	bodyMu     sync.Mutex
	body       io.Closer
	restarting atomic.Bool   // read without the lock before each dispatch
	wake       chan struct{} // ends the current wait between attempts, or nil
	skipWait   bool          // Restart came while connecting: skip the next wait

	// mu orders the moves to Closed (state is written under it) and
	// guards closeCalled, cancel and handler updates.
	mu          sync.Mutex
	closeCalled bool // Close was called
	cancel      context.CancelCauseFunc
}

// errClosed is the cancellation cause used by Close.
var errClosed = errors.New("ssecors: closed")

// New returns an EventSource for the stream at rawURL, configured by opts.
// It validates the URL (absolute, http or https, with a host) and the
// options, and returns a [*ConfigError] for the first problem. It connects
// nothing: the first request is sent by Run or Events. The browser
// equivalent is new EventSource(url, {withCredentials}), minus the
// connection it starts at once.
func New(rawURL string, opts ...Option) (*EventSource, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	red := newRedactor(cfg.secrets)
	u, cerr := parseStreamURL(rawURL, red)
	if cerr != nil {
		return nil, cerr
	}
	if len(cfg.errs) > 0 {
		return nil, cfg.errs[0]
	}
	if !cfg.emulate {
		// One rule for every option that describes the page.
		needs := ""
		switch {
		case cfg.credentials:
			needs = "WithCredentials"
		case cfg.nested:
			needs = "WithNestedFrame"
		case cfg.preflight != PreflightNever:
			needs = "WithPreflight"
		}
		if needs != "" {
			return nil, &ConfigError{Option: needs,
				Reason: "needs WithOrigin: it describes the page that opens the stream, and without a page origin the source is a plain client whose every request is same-origin"}
		}
	}
	if j, ok := cfg.jar.(*browserjar.Jar); ok {
		switch {
		case !cfg.browserSet: // one source of truth: the jar's browser
			cfg.browser, cfg.rules = j.Browser(), engines.For(j.Browser())
		case j.Browser() != cfg.browser:
			return nil, &ConfigError{Option: "WithCookieJar", Value: j.Browser().String(),
				Reason: "the jar was created for another browser than WithBrowser(" + cfg.browser.String() + "): create it with browserjar.Options{Browser: the same profile}"}
		}
	}
	if cerr := cfg.checkFetch(); cerr != nil {
		cerr.Value = red.text(cerr.Value)
		return nil, cerr
	}
	u, cerr = mergeQuery(u, cfg.query, false)
	if cerr != nil {
		cerr.Value = red.text(cerr.Value)
		return nil, cerr
	}
	for _, p := range cfg.query {
		if red.secretName(p.key) {
			red.addValue(p.value)
		}
	}
	for k, vs := range u.Query() { // secrets already in the URL
		if red.secretName(k) {
			for _, v := range vs {
				red.addValue(v)
			}
		}
	}
	if cfg.header != nil {
		for _, h := range sortedKeys(cfg.header) {
			if red.secretHeader(h) {
				for _, v := range cfg.header[h] {
					red.addHeaderValue(v)
				}
			}
		}
	}
	if !cfg.retrySetR {
		cfg.retry.InitialDelay = cfg.rules.DefaultReconnect
	}
	es := &EventSource{url: u, cfg: cfg, red: red}
	es.sleep = es.sleepCtx
	es.log = cfg.logger
	if es.log == nil {
		es.log = slog.New(slog.DiscardHandler)
	}
	es.client, es.connectTO = cloneClient(cfg.client)
	switch j := cfg.jar.(type) {
	case *browserjar.Jar:
		es.cookies = j
	case nil:
		if cfg.emulate {
			es.cookies = browserjar.New(&browserjar.Options{Now: cfg.now, Browser: cfg.browser})
		}
	default:
		es.plainJar = j
	}
	if cfg.preflight != PreflightNever || cfg.fetch != nil && cfg.emulate {
		es.preflight = newPreflightCache(cfg.now)
		es.preflight.strictMaxAge = cfg.rules.InvalidMaxAgeNoCache
	}
	es.lastID = cfg.lastEventID
	es.retry.Store(int64(cfg.retry.InitialDelay))
	es.handlers.Store(&handlerSet{})
	return es, nil
}

// parseStreamURL validates the URL given to New, and normalizes it as the
// URL Standard's parser would for an http(s) URL: surrounding spaces and
// control characters removed, backslashes read as slashes and extra slashes
// skipped before the host, the host lowercased (internationalized names in
// punycode), and a default port left out.
func parseStreamURL(raw string, red *redactor) (*url.URL, *ConfigError) {
	bad := func(reason string) *ConfigError {
		return &ConfigError{Option: "url", Value: red.text(redactRaw(raw, red)), Reason: reason}
	}
	if len(raw) > 64<<10 {
		return nil, bad("longer than 64 KiB")
	}
	s := strings.TrimFunc(raw, func(r rune) bool { return r <= ' ' })
	// A browser silently removes tabs and newlines inside a URL; in a Go
	// program they are a bug or an injection attempt, so they are refused.
	if strings.ContainsAny(s, "\x00\t\r\n") {
		return nil, bad("contains a tab, a line break or NUL")
	}
	if scheme, rest, ok := strings.Cut(s, ":"); ok && (strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https")) {
		head, tail := rest, ""
		if i := strings.IndexAny(rest, "?#"); i >= 0 {
			head, tail = rest[:i], rest[i:]
		}
		head = strings.ReplaceAll(head, `\`, "/")
		s = scheme + "://" + strings.TrimLeft(head, "/") + tail
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, bad("does not parse as a URL")
	}
	switch {
	case !u.IsAbs():
		return nil, bad("not an absolute URL: a Go program has no page to resolve it against")
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, bad(`scheme must be "http" or "https"`)
	case u.Hostname() == "":
		return nil, bad("no host")
	case u.Opaque != "":
		return nil, bad("not a hierarchical URL")
	}
	host := u.Hostname()
	if !strings.HasPrefix(u.Host, "[") {
		h, err := site.ValidHost(host)
		if err != nil {
			return nil, bad(err.Error())
		}
		host = h
	} else {
		host = "[" + strings.ToLower(host) + "]"
	}
	port := u.Port()
	if port != "" {
		if n, err := parsePort(port); err != nil || n == 0 {
			return nil, bad("invalid port")
		}
		if port == site.DefaultPort(u.Scheme) {
			port = ""
		}
	}
	u.Host = host
	if port != "" {
		u.Host += ":" + port
	}
	return u, nil
}

func parsePort(p string) (int, error) {
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' || n > 65535 {
			return 0, errors.New("invalid port")
		}
		n = n*10 + int(p[i]-'0')
	}
	if n > 65535 {
		return 0, errors.New("invalid port")
	}
	return n, nil
}

// redactRaw redacts a URL string that may not parse.
func redactRaw(raw string, red *redactor) string {
	if u, err := url.Parse(raw); err == nil {
		return red.url(u)
	}
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		return raw[:i] + "?" + red.query(raw[i+1:])
	}
	return raw
}

// cloneClient copies c (or a default client) for ssecors' own use: no
// redirects followed (ssecors follows them with CORS rules), no jar, and
// no overall timeout, which is returned to be applied to connecting only.
func cloneClient(c *http.Client) (*http.Client, time.Duration) {
	var cp http.Client
	if c != nil {
		cp = *c
	}
	to := cp.Timeout
	cp.Timeout = 0
	cp.Jar = nil
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp, to
}

// URL returns the stream URL as given to New (normalized as a browser's
// URL parser does), with the parameters of WithQuery and with its
// fragment, which is never sent (browser: EventSource.url). Like the
// browser attribute it does not change after redirects, and it is not
// redacted.
func (es *EventSource) URL() string { return es.url.String() }

// Credentials reports whether the source includes credentials on
// cross-origin requests: the browser's EventSource.withCredentials
// attribute, set by [WithCredentials].
func (es *EventSource) Credentials() bool { return es.cfg.credentials }

// ReadyState returns the current state. It moves as a browser's readyState
// does: Connecting after New and while (re)connecting, Open while a stream
// is received, and Closed, for good, after Close, the end of Run's context,
// or a failure.
func (es *EventSource) ReadyState() ReadyState { return ReadyState(es.state.Load()) }

// LastEventID returns the source's last event ID string: the value sent as
// Last-Event-ID on the next reconnection ("" for none).
func (es *EventSource) LastEventID() string {
	es.idMu.Lock()
	defer es.idMu.Unlock()
	return es.lastID
}

// ReconnectionTime returns the current reconnection time: the one from
// [RetryPolicy].InitialDelay (default 3 s), or the last "retry:" value
// received.
func (es *EventSource) ReconnectionTime() time.Duration {
	return time.Duration(es.retry.Load())
}

// String describes the source for logs, with secrets redacted.
func (es *EventSource) String() string {
	return "ssecors.EventSource(" + es.red.url(es.url) + ", " + es.ReadyState().String() + ")"
}

// LogValue implements slog.LogValuer with the URL redacted.
func (es *EventSource) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("url", es.red.url(es.url)),
		slog.String("state", es.ReadyState().String()),
	)
}

// Close closes the source, as the browser's close() does: the state
// becomes Closed at once, any request or wait in progress is abandoned, no
// error handler runs, and no handler call starts after Close returns (a
// handler call already under way on Run's goroutine finishes). Run then
// returns nil. Close is idempotent, never blocks, and is safe from any
// goroutine, including from inside a handler. Closing a source that has not
// started makes its Run return nil at once.
func (es *EventSource) Close() {
	es.mu.Lock()
	es.closeCalled = true
	es.state.Store(int32(Closed))
	cancel := es.cancel
	es.mu.Unlock()
	if cancel != nil {
		cancel(errClosed)
	}
}

// Run connects and dispatches events to the handlers, reconnecting after
// network errors and stream ends, until one of:
//   - Close is called: Run returns nil;
//   - ctx ends: the source is closed (no error handler runs) and Run
//     returns context.Cause(ctx) — joined, when the source was
//     reconnecting, with the last attempt's failure, so that
//     errors.Is(err, context.DeadlineExceeded) and errors.As(err,
//     &networkError) both work and "connection refused" is not lost;
//   - a failure ends the source as it would end a browser's (a status other
//     than 200, a wrong Content-Type, a CORS or preflight failure, a blocked
//     request), or a limit of ssecors' own is reached (maximum event size,
//     retry limits): the state becomes Closed, OnError runs once, and Run
//     returns that error: a [*ResponseError] or [*BlockedError],
//     or an error wrapping [ErrEventTooLarge] or [ErrRetriesExhausted].
//
// Handlers run on the calling goroutine. Run may be called once; later
// calls return [ErrStarted]. No goroutine started by Run outlives it.
func (es *EventSource) Run(ctx context.Context) error {
	return es.run(ctx, nil)
}

// Events runs the same engine as Run and yields every dispatched event, of
// every type, after the handlers for it have run, and the error of every
// failed attempt the source recovers from (after OnError), marked so that
// errors.Is(err, [ErrReconnecting]) reports true: the loop goes on after
// those. The loop ends when the source is closed (nothing more is
// yielded), or with one final (Event{}, err) pair carrying the error Run
// would have returned, including the context's cause. Comments are not
// yielded (see [EventSource.OnComment]). Breaking out of the loop closes
// the source. Like Run, Events may be used once.
//
//	for ev, err := range es.Events(ctx) {
//		if errors.Is(err, ssecors.ErrReconnecting) {
//			log.Print(err) // connection refused, stream ended...: retrying
//			continue
//		}
//		if err != nil {
//			return err // the source ended
//		}
//		handle(ev)
//	}
func (es *EventSource) Events(ctx context.Context) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		stopped := false
		err := es.run(ctx, func(ev Event, err error) bool {
			if !yield(ev, err) {
				stopped = true
				es.Close()
				return false
			}
			return true
		})
		if err != nil && !stopped {
			yield(Event{}, err)
		}
	}
}

// run runs the engine. Its frame stays on the stack of every idle
// connection, under the read: the work before and after the engine's loop
// is done by start and stop.
func (es *EventSource) run(parent context.Context, yield func(Event, error) bool) (err error) {
	e, err := es.start(parent, yield)
	if e == nil {
		return err
	}
	defer e.stop(&err)
	err = e.loop(e.ctx)
	e.ended = true
	return err
}

// start checks and starts a run: it returns the engine, or nil and what
// Run returns.
func (es *EventSource) start(parent context.Context, yield func(Event, error) bool) (*engine, error) {
	if parent == nil {
		return nil, &ConfigError{Option: "context", Reason: "nil context: pass context.Background() or a context that ends the source"}
	}
	if !es.started.CompareAndSwap(false, true) {
		return nil, ErrStarted
	}
	ctx, cancel := context.WithCancelCause(parent)
	es.mu.Lock()
	if es.closedNow() {
		es.mu.Unlock()
		cancel(nil)
		return nil, nil
	}
	es.cancel = cancel
	es.mu.Unlock()
	e := newEngine(es, ssetrace.ContextTrace(parent), yield)
	e.parent, e.ctx, e.cancel = parent, ctx, cancel
	return e, nil
}

// stop ends a run, deferred by run: when the loop returned, it closes the
// source and sets what Run returns in *err; when a handler or the body of
// an Events loop panics, it closes the source, and the panic goes on.
func (e *engine) stop(err *error) {
	es := e.es
	if e.ended {
		e.finish()
		*err = es.end(e.parent, *err, e.lastErr)
	} else {
		es.endPanicking()
	}
	e.cancel(nil)
}

// endPanicking closes the source when Run ends by a panic (from a handler
// or the body of an Events loop) instead of returning: the state becomes
// Closed, as after Close, and the panic goes on.
func (es *EventSource) endPanicking() {
	es.mu.Lock()
	es.closeCalled = true
	es.state.Store(int32(Closed))
	es.cancel = nil
	es.mu.Unlock()
}

// end closes the source after its engine stopped and chooses what Run
// returns.
func (es *EventSource) end(parent context.Context, err, retrying error) error {
	es.mu.Lock()
	closedByUser := es.closeCalled
	es.state.Store(int32(Closed))
	es.cancel = nil
	es.mu.Unlock()
	switch {
	case errors.Is(err, errYieldStop):
		return nil
	case err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded):
		// A failure that ended the source, even if a handler called Close
		// while it was being reported.
		return err
	case closedByUser:
		return nil
	case parent.Err() != nil:
		if retrying != nil {
			return &endedError{cause: context.Cause(parent), last: retrying}
		}
		return context.Cause(parent)
	}
	return err
}

// sleepCtx waits for d, until ctx ends, or until Restart cuts the wait
// short.
func (es *EventSource) sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	es.bodyMu.Lock()
	if es.skipWait {
		es.skipWait = false
		es.bodyMu.Unlock()
		return ctx.Err()
	}
	wake := make(chan struct{})
	es.wake = wake
	es.bodyMu.Unlock()
	defer func() {
		es.bodyMu.Lock()
		es.wake = nil
		es.bodyMu.Unlock()
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-wake:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Restart drops the current connection and reconnects at once, with
// Last-Event-ID and without the reconnection delay: for a client that
// knows its stream is stale (a browser offers no such thing; a page would
// close the EventSource and open another). No error handler runs and
// Events yields nothing for it; a trace's Reconnect hook sees it with a
// zero delay. During a wait between attempts it ends the wait; while a
// connection is being established it makes the next wait, if that attempt
// fails, end at once. It does nothing before Run and after Close, and a
// failure that ends the source wins over it. Safe from any
// goroutine, including from inside a handler.
func (es *EventSource) Restart() {
	if !es.started.Load() || es.closedNow() {
		return
	}
	es.bodyMu.Lock()
	var drop io.Closer
	switch {
	case es.body != nil:
		es.restarting.Store(true)
		drop, es.body = es.body, nil
	case es.wake != nil:
		close(es.wake)
		es.wake = nil
	default:
		es.skipWait = true
	}
	es.bodyMu.Unlock()
	if drop != nil {
		drop.Close() // outside the lock: closing may wait on the connection
	}
}

// setBody records the open stream's body for Restart, or forgets it (nil).
// A Restart asked for while connecting is satisfied by the new connection.
func (es *EventSource) setBody(b io.Closer) {
	es.bodyMu.Lock()
	es.body = b
	if b != nil {
		es.skipWait = false
	}
	es.bodyMu.Unlock()
}

// restarted reports, once, that Restart dropped the last connection.
func (es *EventSource) restarted() bool {
	return es.restarting.Swap(false)
}

// BrowserIncompatibilities lists what this source sends that a page's
// EventSource could not: custom headers ([WithHeader]), an explicit
// preflight ([WithPreflight]), a Last-Event-ID on the first request
// ([WithLastEventID]), headers from [WithHeaderFunc]. In fetch mode
// ([WithFetch]) a page sets its own headers, so the only entries are
// forbidden request-headers that a plain client sends (with [WithOrigin]
// New refuses them). Each entry is a sentence; nil means the requests are
// exactly what a browser would send.
func (es *EventSource) BrowserIncompatibilities() []string {
	if es.cfg.fetch != nil {
		var out []string
		for _, h := range forbiddenHeaders(es.cfg.header) {
			out = append(out, "sends the header "+http.CanonicalHeaderKey(h)+": a forbidden request-header, which a page's fetch() cannot set")
		}
		return out
	}
	var out []string
	for _, h := range sortedKeys(es.cfg.header) {
		out = append(out, "sends the header "+h+": a browser's EventSource cannot set request headers (send it as a query parameter with WithQuery)")
	}
	if es.cfg.preflight != PreflightNever {
		out = append(out, "sends an OPTIONS preflight ("+es.cfg.preflight.String()+"): a browser never preflights an EventSource")
	}
	if es.cfg.lastEventID != "" {
		out = append(out, "sends Last-Event-ID on the first request: a browser sends it only when reconnecting")
	}
	if es.cfg.headerFunc != nil {
		out = append(out, "sends the headers of WithHeaderFunc: a browser's EventSource cannot set request headers")
	}
	return out
}
