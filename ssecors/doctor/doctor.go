package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/ssecors/ssecors-go/internal/engines"
	"github.com/ssecors/ssecors-go/internal/inspect"
	"github.com/ssecors/ssecors-go/internal/jarhook"
	"github.com/ssecors/ssecors-go/internal/site"
	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/browser"
	"github.com/ssecors/ssecors-go/ssecors/browserjar"
	"github.com/ssecors/ssecors-go/ssecors/ssetrace"
)

// This file holds Diagnose: one run of the real engine, observed through
// ssetrace, turned into a report that says whether a page could open the
// stream, and why not. Every verdict comes from the engine and the jar;
// nothing here decides a CORS, cookie or mixed-content rule of its own.

// The defaults of [Options].
const (
	defaultMaxEvents = 3
	defaultWait      = 5 * time.Second
	defaultTimeout   = 10 * time.Second
)

// Options configures [Diagnose]. The zero value asks for the defaults: 3
// events, waited for up to 5 s, and 10 s for each response's headers.
type Options struct {
	// MaxEvents is how many events to receive once the stream is open
	// before the diagnosis ends. Zero means 3.
	MaxEvents int
	// Wait bounds how long to wait for those events after the stream
	// opened, and for the first event after a reconnection. Zero means 5 s.
	Wait time.Duration
	// Timeout bounds the wait for each response's headers when the HTTP
	// client given with [ssecors.WithHTTPClient] has no Timeout of its
	// own. Zero means 10 s.
	Timeout time.Duration
	// Reconnect forces one reconnection after the events (or reports the
	// one that follows when the server ends the stream), to show the
	// Last-Event-ID a browser sends and what the server answers to it.
	// The reconnection is made at once; the report states how long a
	// browser would wait. For a fetch stream ([Options].Fetch) the
	// reconnection carries Last-Event-ID as a request header, which makes a
	// cross-origin request non-simple: the report shows its preflight too.
	Reconnect bool
	// Fetch, when set, diagnoses a stream that a page opens with fetch()
	// and a streaming body reader instead of new EventSource: a method, a
	// body, request headers and a credentials mode, and the CORS preflight
	// a browser sends when the request is not simple (see [Fetch]). nil
	// diagnoses an EventSource, unless sourceOpts hold [ssecors.WithFetch]:
	// Diagnose then reports the fetch stream the engine sends, but cannot
	// show the body's size or hide secrets an error body might echo from
	// the request body. Give the stream in one place only.
	Fetch *Fetch
	// Watch, when > 0, keeps the stream open for this long once it opened
	// (instead of closing it after MaxEvents or Wait), records every
	// silence on the wire (neither event nor comment) and every
	// reconnection with whether it resumed, and adds the step "idle",
	// which compares the longest silence with common idle timeouts of
	// proxies and load balancers and recommends a heartbeat. Zero watches
	// nothing. Reconnections during the watch are made at once, at most
	// 20 of them.
	Watch time.Duration
	// Browsers are the browser profiles to judge, each with its engine's
	// rules and its third-party cookie setting: [Report].Browsers holds a
	// verdict for each, and [Report].Connects is true only when every one
	// connects. nil (or empty) means [browser.Profiles]: Chrome, Chrome
	// Incognito, Firefox and Safari. The diagnosis still makes its requests
	// once, acting as the profile that sends the most of the jar's cookies
	// (the first of them in this order), and judges the others from what
	// those requests showed; give one profile to see exactly its requests.
	Browsers []browser.Profile
	// Progress, when set, is called with a short line, secrets redacted,
	// each time the diagnosis starts waiting on the network, such as
	// "waiting for the response headers from https://...". Calls are made
	// one at a time while Diagnose waits for them, on the goroutine that
	// called Diagnose or, for the lines about requests, on the goroutine
	// the source connects on (see ssecors' Concurrency section).
	Progress func(string)
}

// Diagnose answers the question a browser's developer tools answer only in
// pieces: would a page on the origin given with [ssecors.WithOrigin] be
// able to open rawURL with new EventSource(rawURL, {withCredentials}), or
// with the fetch() call described by opts.Fetch, and if not, why, and how
// to fix it?
//
// It runs the real engine, configured by sourceOpts exactly as
// [ssecors.New] is, and watches it with an [ssetrace.Trace]: the verdict is
// what an EventSource with those options does, in each browser of
// opts.Browsers. The source acts as one of those browsers: Diagnose adds
// [ssecors.WithBrowser] with that profile and a view of the cookie jar
// (the one given with [ssecors.WithCookieJar], or the default) under its
// rules, so the cookies the stream's responses set go to that jar as that
// browser keeps them. It opens the stream, waits
// for up to opts.MaxEvents events for opts.Wait, optionally forces one
// reconnection, and closes the source. A network error or a stream end is
// not retried: the report says what a browser would do next.
//
// The error is non-nil only when the diagnosis could not run: a
// [*ssecors.ConfigError] for a nil ctx (Option "context"), an invalid URL,
// option or Options field, or a missing WithOrigin (a page on the stream's
// own origin has nothing for a browser to refuse); or context.Cause(ctx)
// when ctx ends first, with the report so far. Everything about the stream
// is in the Report.
//
// Diagnose replaces the source's waits between attempts with none, and
// applies opts.Timeout to connecting. A Trace already carried by ctx (see
// [ssetrace.WithTrace]) still sees every request and response.
func Diagnose(ctx context.Context, rawURL string, opts Options, sourceOpts ...ssecors.Option) (*Report, error) {
	if ctx == nil {
		return nil, &ssecors.ConfigError{Option: "context", Reason: "nil context: pass context.Background() or a context that ends the diagnosis"}
	}
	es, err := ssecors.New(rawURL, sourceOpts...)
	if err != nil {
		return nil, err
	}
	v := inspect.Of(es)
	if !v.Emulate {
		return nil, &ssecors.ConfigError{Option: "WithOrigin",
			Reason: "Diagnose needs the page origin to act as: without WithOrigin the source is a page on the stream's own origin, which no browser refuses for CORS, cookies or mixed content"}
	}
	bodyUnknown := false
	switch {
	case v.Fetch && opts.Fetch != nil:
		return nil, &ssecors.ConfigError{Option: "doctor.Options.Fetch",
			Reason: "the source options already hold ssecors.WithFetch: describe the fetch stream once, preferably in Options.Fetch, which lets the report show the body's size"}
	case v.Fetch:
		opts.Fetch, bodyUnknown = fetchOf(v), v.Method != http.MethodGet && v.Method != http.MethodHead
	case opts.Fetch != nil:
		sourceOpts = append(slices.Clip(sourceOpts), opts.Fetch.options()...)
	}
	profiles, err := checkBrowsers(opts.Browsers)
	if err != nil {
		return nil, err
	}
	if opts.MaxEvents < 0 || opts.Wait < 0 || opts.Timeout < 0 || opts.Watch < 0 {
		return nil, &ssecors.ConfigError{Option: "doctor.Options", Reason: "MaxEvents, Wait, Timeout and Watch must not be negative"}
	}
	if opts.MaxEvents == 0 {
		opts.MaxEvents = defaultMaxEvents
	}
	if opts.Wait == 0 {
		opts.Wait = defaultWait
	}
	if opts.Timeout == 0 {
		opts.Timeout = defaultTimeout
	}
	u, err := url.Parse(es.URL())
	if err != nil { // New validated it
		return nil, &ssecors.ConfigError{Option: "url", Value: v.RedactText(rawURL), Reason: err.Error()}
	}
	// The requests act as one of the profiles, with a view of the same jar
	// under its rules (the core refuses a jar of another profile).
	store := v.Jar
	acting := pickActing(profiles, store, browserjar.Request{URL: u, TopLevel: v.PageOrigin.String(), NestedFrame: !v.TopLevel})
	act := append(slices.Clip(sourceOpts), ssecors.WithBrowser(profiles[acting]))
	if store != nil {
		act = append(act, ssecors.WithCookieJar(jarhook.WithBrowser(store, profiles[acting]).(*browserjar.Jar)))
	}
	if es, err = ssecors.New(rawURL, act...); err != nil {
		return nil, err
	}
	v = inspect.Of(es)
	d := &diagnosis{es: es, v: v, u: u, mode: ssecors.PreflightMode(v.Preflight), opts: opts,
		fetch: opts.Fetch, bodyUnknown: bodyUnknown, profiles: profiles, acting: acting, store: store}
	if d.fetch != nil {
		d.secrets = fetchSecrets(d.fetch)
	}
	return d.run(ctx)
}

// maxWatchReconnects bounds the reconnections made during Options.Watch.
const maxWatchReconnects = 20

// Stages of a diagnosis.
const (
	diagFirst        = iota // the first connection
	diagReconnecting        // a reconnection was asked for or is under way
	diagWatching            // Options.Watch: the stream stays open, reconnections included
	diagDone                // the source is being closed
)

// diagnosis is the state of one Diagnose call.
type diagnosis struct {
	es          *ssecors.EventSource
	v           *inspect.View
	u           *url.URL              // the stream URL, as es.URL() gives it
	mode        ssecors.PreflightMode // of WithPreflight
	opts        Options
	fetch       *Fetch            // nil for an EventSource
	secrets     []string          // what the report must not show, beyond the source's redaction
	bodyUnknown bool              // a fetch stream given with ssecors.WithFetch, whose body may be unknown
	profiles    []browser.Profile // the browsers to judge (Options.Browsers)
	acting      int               // the profile the requests act as
	store       *browserjar.Jar   // the cookies judged under every profile, or nil
	rec         *wireRecorder

	mu        sync.Mutex // guards stage, timer and rewatched: timers fire elsewhere
	stage     int
	timer     *time.Timer
	rewatched bool // the stream reconnected during Options.Watch

	// The rest is touched only on the goroutine running the source.
	attempts []*diagAttempt
	current  int // the attempt of the latest request
	latest   int // the latest attempt started, with or without a request
}

// diagAttempt is what one connection attempt showed.
type diagAttempt struct {
	n         int
	preReq    *ssetrace.Request
	preResp   *ssetrace.Response
	hops      []*diagHop
	opened    bool
	events    []ssecors.Event
	extra     int                 // events dispatched past MaxEvents, before the drop took effect
	err       error               // what ended it; nil when the diagnosis closed it
	reconnect *ssetrace.Reconnect // the reconnection that followed it
}

// diagHop is one request of an attempt and its response.
type diagHop struct {
	req      ssetrace.Request
	resp     *ssetrace.Response
	wire     *wireConn               // what the response showed on the wire, or nil
	sentBy   [][]browserjar.Decision // per profile: the cookie decisions of its view of the jar
	storedBy [][]browserjar.Decision // per profile: its Set-Cookie decisions
}

func (d *diagnosis) run(ctx context.Context) (*Report, error) {
	es, v := d.es, d.v
	v.NoWait()
	v.DefaultConnectTimeout(d.opts.Timeout)
	v.WrapTransport(func(base http.RoundTripper) http.RoundTripper {
		d.rec = &wireRecorder{base: base, now: time.Now}
		return d.rec
	})
	ctx = ssetrace.WithTrace(ctx, &ssetrace.Trace{
		Request:   d.request,
		Response:  d.response,
		Reconnect: d.reconnect,
	})
	es.OnOpen(d.open)

	var final error
	for ev, err := range es.Events(ctx) {
		if errors.Is(err, ssecors.ErrReconnecting) {
			continue // the trace's Reconnect hook records it
		}
		if err != nil {
			final = err
			break
		}
		d.event(ev)
	}
	d.mu.Lock()
	d.stage = diagDone
	if d.timer != nil {
		d.timer.Stop()
	}
	d.mu.Unlock()
	if final != nil {
		d.attempt(max(d.latest, 1)).err = final
	}
	rep := d.report()
	if final != nil && ctx.Err() != nil && errors.Is(final, context.Cause(ctx)) {
		return rep, final
	}
	return rep, nil
}

func (d *diagnosis) progress(msg string) {
	if d.opts.Progress != nil {
		d.opts.Progress(msg)
	}
}

// attempt returns the record of attempt n (from 1), creating it.
func (d *diagnosis) attempt(n int) *diagAttempt {
	for len(d.attempts) < n {
		d.attempts = append(d.attempts, &diagAttempt{n: len(d.attempts) + 1})
	}
	return d.attempts[n-1]
}

func (d *diagnosis) get(n int) *diagAttempt {
	if n < 1 || n > len(d.attempts) {
		return nil
	}
	return d.attempts[n-1]
}

func (d *diagnosis) request(i ssetrace.Request) {
	d.current = i.Attempt
	d.latest = max(d.latest, i.Attempt)
	a := d.attempt(i.Attempt)
	if i.Method == http.MethodOptions {
		a.preReq = &i
		d.progress("waiting for the preflight response from " + i.URL)
		return
	}
	h := &diagHop{req: i}
	if d.store != nil {
		if u, err := url.Parse(i.URL); err == nil {
			r := d.cookieRequest(u, i.Credentials)
			h.sentBy = make([][]browserjar.Decision, len(d.profiles))
			for k, p := range d.profiles {
				if k != d.acting {
					r.CrossSiteRedirect = d.afterCrossSite(p, a, len(a.hops))
					_, h.sentBy[k] = jarhook.WithBrowser(d.store, p).(*browserjar.Jar).CookiesFor(r)
				}
			}
		}
	}
	a.hops = append(a.hops, h)
	d.progress("waiting for the response headers from " + i.URL)
}

func (d *diagnosis) response(i ssetrace.Response) {
	a := d.attempt(i.Attempt)
	if i.Method == http.MethodOptions {
		a.preResp = &i
		return
	}
	var (
		u     *url.URL
		lines []string
	)
	w := d.rec.next()
	if w != nil {
		u, lines = w.url, w.setCookies
	}
	if len(a.hops) == 0 {
		return
	}
	h := a.hops[len(a.hops)-1]
	h.resp = &i
	h.wire = w
	if d.store != nil && h.req.Credentials && len(lines) > 0 && u != nil {
		r := d.cookieRequest(u, true)
		h.storedBy = make([][]browserjar.Decision, len(d.profiles))
		for k, p := range d.profiles {
			if k != d.acting {
				r.CrossSiteRedirect = d.afterCrossSite(p, a, len(a.hops)-1)
				scratch := browserjar.New(&browserjar.Options{Now: d.v.Now, Browser: p})
				h.storedBy[k] = scratch.SetCookiesFrom(r, lines)
			}
		}
	}
}

// afterCrossSite reports that one of the first n hops of a went to
// another site than the page, by profile p's same-site rule: Fetch's
// redirect-taint for cookies, which the jar applies for the engines that
// do.
func (d *diagnosis) afterCrossSite(p browser.Profile, a *diagAttempt, n int) bool {
	rules := engines.For(p)
	page := d.v.PageOrigin
	for _, h := range a.hops[:n] {
		u, err := url.Parse(h.req.URL)
		if err != nil {
			continue
		}
		if !rules.SameSite(page, site.OriginOf(u)) {
			return true
		}
	}
	return false
}

// cookieRequest describes a hop to the jar (or a view of it under another
// profile), as the engine describes it.
func (d *diagnosis) cookieRequest(u *url.URL, credentials bool) browserjar.Request {
	return browserjar.Request{
		URL:         u,
		TopLevel:    d.v.PageOrigin.String(),
		NestedFrame: !d.v.TopLevel,
		Credentials: credentials,
	}
}

func (d *diagnosis) open(*http.Response) {
	a := d.attempt(d.current)
	a.opened = true
	d.mu.Lock()
	stage := d.stage
	switch {
	case stage == diagWatching:
		// The watch timer runs from the first opening.
		d.mu.Unlock()
		d.progress("reopened: still watching")
		return
	case stage == diagFirst && d.opts.Watch > 0:
		d.stage = diagWatching
		d.timer = time.AfterFunc(d.opts.Watch, d.finishFirst)
		d.mu.Unlock()
		d.progress(fmt.Sprintf("stream open: watching it for %s", d.opts.Watch))
		return
	}
	if stage != diagDone {
		if d.timer != nil {
			d.timer.Stop()
		}
		d.timer = time.AfterFunc(d.opts.Wait, func() {
			if stage == diagFirst {
				d.finishFirst()
			} else {
				d.finish()
			}
		})
	}
	d.mu.Unlock()
	switch stage {
	case diagFirst:
		d.progress(fmt.Sprintf("stream open: waiting up to %s for %d events", d.opts.Wait, d.opts.MaxEvents))
	case diagReconnecting:
		d.progress(fmt.Sprintf("reopened: waiting up to %s for the first event", d.opts.Wait))
	}
}

func (d *diagnosis) event(ev ssecors.Event) {
	a := d.attempt(d.current)
	d.mu.Lock()
	stage := d.stage
	d.mu.Unlock()
	switch {
	case a.n == 1:
		if len(a.events) < d.opts.MaxEvents {
			a.events = append(a.events, ev)
		} else {
			a.extra++
		}
		if stage == diagFirst && len(a.events) >= d.opts.MaxEvents {
			d.finishFirst()
		}
	case stage == diagWatching:
		if len(a.events) == 0 {
			a.events = append(a.events, ev) // shows whether the reconnection resumed
		}
	case stage == diagReconnecting:
		a.events = append(a.events, ev)
		d.finish()
	}
}

// finishFirst ends the first connection: it forces the reconnection when
// one was asked for, and closes the source otherwise.
func (d *diagnosis) finishFirst() {
	d.mu.Lock()
	if d.stage != diagFirst && d.stage != diagWatching {
		d.mu.Unlock()
		return
	}
	if d.opts.Reconnect && !d.oneShot() && !d.rewatched {
		d.stage = diagReconnecting
		d.mu.Unlock()
		d.es.Restart() // show a reconnection now, as the browser's would be after its wait
		return
	}
	d.stage = diagDone
	d.mu.Unlock()
	d.stop()
}

// oneShot reports a one-shot fetch stream, which never reconnects.
func (d *diagnosis) oneShot() bool { return d.fetch != nil && d.fetch.OneShot }

// stop closes the source: the streams it ends were not cut.
func (d *diagnosis) stop() {
	if d.rec != nil {
		d.rec.stopping.Store(true)
	}
	d.es.Close()
}

func (d *diagnosis) finish() {
	d.mu.Lock()
	d.stage = diagDone
	d.mu.Unlock()
	d.stop()
}

func (d *diagnosis) reconnect(i ssetrace.Reconnect) {
	if errors.Is(i.Err, inspect.ErrRestart) {
		// Restart does not wait; a browser would wait its reconnection time.
		i.Delay = d.es.ReconnectionTime()
	}
	a := d.attempt(i.Attempt)
	a.err = i.Err
	a.reconnect = &i
	d.mu.Lock()
	proceed := false
	switch {
	case d.stage == diagWatching && i.Attempt <= maxWatchReconnects:
		proceed, d.rewatched = true, true
	case d.stage == diagFirst && a.opened && d.opts.Reconnect:
		d.stage, proceed = diagReconnecting, true
	case d.stage == diagReconnecting && i.Attempt == 1:
		proceed = true
	default:
		d.stage = diagDone
	}
	d.mu.Unlock()
	if !proceed {
		d.stop()
		return
	}
	d.latest = i.Attempt + 1
	msg := "reconnecting without Last-Event-ID"
	if i.LastEventID != "" {
		msg = "reconnecting with Last-Event-ID: " + d.v.RedactText(i.LastEventID)
	}
	d.progress(msg)
}
