package ssecors

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ssecors/ssecors-go/internal/site"

	"github.com/ssecors/ssecors-go/internal/jarhook"
	"github.com/ssecors/ssecors-go/ssecors/browserjar"
	"github.com/ssecors/ssecors-go/ssecors/ssetrace"
)

// This file holds Diagnose: one run of the real engine, observed through
// Trace, turned into a report that says whether a page could open the
// stream, and why not. Every verdict comes from the engine and the jar;
// nothing here decides a CORS, cookie or mixed-content rule of its own.

// Defaults of [DiagnoseOptions].
const (
	// DefaultDiagnoseMaxEvents is how many events Diagnose waits for.
	DefaultDiagnoseMaxEvents = 3
	// DefaultDiagnoseWait is how long Diagnose waits for them.
	DefaultDiagnoseWait = 5 * time.Second
	// DefaultDiagnoseTimeout is how long Diagnose waits for each
	// response's headers.
	DefaultDiagnoseTimeout = 10 * time.Second
)

// DiagnoseOptions configures [Diagnose]. The zero value asks for the
// defaults.
type DiagnoseOptions struct {
	// MaxEvents is how many events to receive once the stream is open
	// before the diagnosis ends. Default: DefaultDiagnoseMaxEvents (3).
	MaxEvents int
	// Wait bounds how long to wait for those events after the stream
	// opened, and for the first event after a reconnection. Default:
	// DefaultDiagnoseWait (5 s).
	Wait time.Duration
	// Timeout bounds the wait for each response's headers when the HTTP
	// client given with WithHTTPClient has no Timeout of its own. Default:
	// DefaultDiagnoseTimeout (10 s).
	Timeout time.Duration
	// Reconnect forces one reconnection after the events (or reports the
	// one that follows when the server ends the stream), to show the
	// Last-Event-ID a browser sends and what the server answers to it.
	// The reconnection is made at once; the report states how long a
	// browser would wait.
	Reconnect bool
	// Progress, when set, is called with a short line, secrets redacted,
	// each time the diagnosis starts waiting on the network, such as
	// "waiting for the response headers from https://...". It runs on the
	// goroutine that called Diagnose.
	Progress func(string)
}

// Mark grades one [Step] of a [Report].
type Mark string

// The marks of a step.
const (
	// MarkPass: what a browser needs.
	MarkPass Mark = "pass"
	// MarkWarn: a browser goes on, but something is likely wrong, or the
	// diagnosis did something a browser cannot.
	MarkWarn Mark = "warn"
	// MarkFail: a browser stops here.
	MarkFail Mark = "fail"
	// MarkInfo: for information.
	MarkInfo Mark = "info"
)

// Step is one part of a [Report]: the request, mixed content, the
// preflight, cookies, a redirect, the CORS check, the response, Set-Cookie,
// events or the reconnection.
type Step struct {
	// Name says what the step checks: "request", "mixed-content",
	// "preflight", "cookies", "redirect", "cors", "response",
	// "set-cookie", "events" or "reconnect".
	Name string `json:"name"`
	// Mark grades the step.
	Mark Mark `json:"mark"`
	// Title says what happened, in one line.
	Title string `json:"title"`
	// Details are the evidence, one line each: headers sent and received,
	// cookie decisions with their reasons, events.
	Details []string `json:"details,omitempty"`
	// Rule names the rule a failing step broke (see Report.Rule).
	Rule Rule `json:"rule,omitempty"`
	// Fix says what to change, when there is something to change.
	Fix string `json:"fix,omitempty"`
}

// ReportEvent is an event received during a diagnosis, with the fields of
// [Event] under stable JSON names.
type ReportEvent struct {
	// Type is Event.Type: "message" unless the event named another.
	Type string `json:"type"`
	// Data is Event.Data.
	Data string `json:"data"`
	// LastEventID is Event.LastEventID.
	LastEventID string `json:"last_event_id"`
	// Origin is Event.Origin.
	Origin string `json:"origin"`
}

// Report is the result of [Diagnose]: whether a page on Origin could open
// the stream at URL with new EventSource(URL, {withCredentials:
// Credentials}), the steps that led to that verdict, and the first events.
// It marshals to JSON with stable lowercase field names; nothing in it
// holds a secret query value or a cookie value.
type Report struct {
	// URL is the stream URL, secrets redacted.
	URL string `json:"url"`
	// Origin is the page origin given with WithOrigin.
	Origin string `json:"origin"`
	// Credentials is the withCredentials flag (WithCredentials).
	Credentials bool `json:"credentials"`
	// ThirdPartyCookies is the third-party cookie policy: "block" or
	// "allow".
	ThirdPartyCookies string `json:"third_party_cookies"`
	// Connects is the verdict: the stream opened as a browser would open
	// it, and, when a reconnection was diagnosed, it did not end the
	// source.
	Connects bool `json:"connects"`
	// Rule names what stops a browser, empty when Connects: a CORS rule
	// (CORSError.Rule, such as "allow-credentials"), a BlockedError
	// reason (such as "mixed-content"), "status" or "content-type" for a
	// response that does not open a stream, "network" or "timeout" when no
	// response arrived, or "error" for anything else.
	Rule Rule `json:"rule,omitempty"`
	// Fix says what to change, empty when Connects.
	Fix string `json:"fix,omitempty"`
	// Summary is the verdict in one line.
	Summary string `json:"summary"`
	// Steps are the checks, in the order a browser makes them.
	Steps []Step `json:"steps"`
	// Events are the first events received (at most MaxEvents).
	Events []ReportEvent `json:"events"`
	// Err is the error that ended the diagnosed source, as Run returned it
	// (a *CORSError, *ResponseError, *BlockedError, *NetworkError...), or
	// nil when it connected. It is not marshaled.
	Err error `json:"-"`
}

// Find returns the first step with the given name, or nil.
func (r *Report) Find(name string) *Step {
	for i := range r.Steps {
		if r.Steps[i].Name == name {
			return &r.Steps[i]
		}
	}
	return nil
}

// String renders the report as text for a terminal: a header naming the
// question, one block per step whose first line starts with PASS, WARN,
// FAIL or INFO, and a final verdict line, "verdict: yes" or
// "verdict: no", followed by the fix.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "can a page on %s open\n  %s\nwith new EventSource(url, {withCredentials: %t})? (third-party cookies: %s)\n\n",
		r.Origin, r.URL, r.Credentials, r.ThirdPartyCookies)
	for _, s := range r.Steps {
		fmt.Fprintf(&b, "%s %s: %s\n", markLabel(s.Mark), s.Name, s.Title)
		for _, d := range s.Details {
			fmt.Fprintf(&b, "     %s\n", d)
		}
		if s.Fix != "" {
			fmt.Fprintf(&b, "     fix: %s\n", s.Fix)
		}
	}
	b.WriteString("\n")
	if r.Connects {
		fmt.Fprintf(&b, "verdict: yes: %s\n", r.Summary)
	} else {
		fmt.Fprintf(&b, "verdict: no: %s\n", r.Summary)
		if r.Fix != "" {
			fmt.Fprintf(&b, "fix: %s\n", r.Fix)
		}
	}
	return b.String()
}

func markLabel(m Mark) string {
	switch m {
	case MarkPass:
		return "PASS"
	case MarkWarn:
		return "WARN"
	case MarkFail:
		return "FAIL"
	}
	return "INFO"
}

// Diagnose answers the question a browser's developer tools answer only in
// pieces: would a page on the origin given with [WithOrigin] be able to
// open rawURL with new EventSource(rawURL, {withCredentials}), and if not,
// why, and how to fix it?
//
// It runs the real engine, configured by sourceOpts exactly as [New] is, and
// watches it with [WithTrace]: the verdict is what an EventSource with those
// options does. It opens the stream, waits for up to opts.MaxEvents events
// for opts.Wait, optionally forces one reconnection, and closes the source.
// A network error or a stream end is not retried: the report says what a
// browser would do next.
//
// The error is non-nil only when the diagnosis could not run: a
// [*ConfigError] for an invalid URL or option, or for a missing
// WithOrigin (a page on the stream's own origin has nothing for a browser
// to refuse), or context.Cause(ctx) when ctx ends first, with the report so
// far. Everything about the stream is in the Report.
//
// Diagnose replaces the source's waits between attempts with none, and
// applies opts.Timeout to connecting. A Trace given in sourceOpts still
// sees every request and response.
func Diagnose(ctx context.Context, rawURL string, opts DiagnoseOptions, sourceOpts ...Option) (*Report, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	es, err := New(rawURL, sourceOpts...)
	if err != nil {
		return nil, err
	}
	es.droppable = true // --reconnect drops the connection
	if !es.cfg.emulate {
		return nil, &ConfigError{Option: "WithOrigin",
			Reason: "Diagnose needs the page origin to act as: without WithOrigin the source is a page on the stream's own origin, which no browser refuses for CORS, cookies or mixed content"}
	}
	if opts.MaxEvents < 0 || opts.Wait < 0 || opts.Timeout < 0 {
		return nil, &ConfigError{Option: "DiagnoseOptions", Reason: "MaxEvents, Wait and Timeout must not be negative"}
	}
	if opts.MaxEvents == 0 {
		opts.MaxEvents = DefaultDiagnoseMaxEvents
	}
	if opts.Wait == 0 {
		opts.Wait = DefaultDiagnoseWait
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultDiagnoseTimeout
	}
	// New records the secret values of WithQuery only: hide those already
	// in the URL too, wherever a response (an error body) echoes them.
	for k, vs := range es.url.Query() {
		if es.red.secretName(k) {
			for _, v := range vs {
				es.red.addValue(v)
			}
		}
	}
	d := &diagnosis{es: es, opts: opts, policy: browserjar.Block, other: browserjar.Allow}
	if es.cookies != nil && es.cookies.ThirdPartyCookies() == browserjar.Allow {
		d.policy, d.other = browserjar.Allow, browserjar.Block
	}
	return d.run(ctx)
}

// Stages of a diagnosis.
const (
	diagFirst        = iota // the first connection
	diagReconnecting        // a reconnection was asked for or is under way
	diagDone                // the source is being closed
)

// diagnosis is the state of one Diagnose call.
type diagnosis struct {
	es     *EventSource
	opts   DiagnoseOptions
	policy browserjar.Policy // the jar's third-party cookie policy (Block without a browserjar.Jar)
	other  browserjar.Policy // the policy not in use, to show what it would change
	rec    *setCookieRecorder

	mu    sync.Mutex // guards stage and timer: timers fire elsewhere
	stage int
	timer *time.Timer

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
	events    []Event
	extra     int                 // events dispatched past MaxEvents, before the drop took effect
	err       error               // what ended it; nil when the diagnosis closed it
	reconnect *ssetrace.Reconnect // the reconnection that followed it
}

// diagHop is one request of an attempt and its response.
type diagHop struct {
	req       ssetrace.Request
	resp      *ssetrace.Response
	altSent   []browserjar.Decision // under the other third-party policy
	altStored []browserjar.Decision
}

func (d *diagnosis) run(ctx context.Context) (*Report, error) {
	es := d.es
	es.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	if es.connectTO == 0 {
		es.connectTO = d.opts.Timeout
	}
	d.rec = &setCookieRecorder{base: es.client.Transport}
	es.client.Transport = d.rec
	ctx = ssetrace.WithTrace(ctx, &ssetrace.Trace{
		Request:   d.request,
		Response:  d.response,
		Reconnect: d.reconnect,
	})
	es.OnOpen(d.open)

	var final error
	for ev, err := range es.Events(ctx) {
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
	if jar := d.es.cookies; jar != nil {
		if u, err := url.Parse(i.URL); err == nil {
			alt := jarhook.WithPolicy(jar, d.other == browserjar.Allow).(*browserjar.Jar)
			_, h.altSent = alt.CookiesFor(d.cookieRequest(u, i.Credentials))
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
	u, lines := d.rec.next()
	if len(a.hops) == 0 {
		return
	}
	h := a.hops[len(a.hops)-1]
	h.resp = &i
	if d.es.cookies != nil && h.req.Credentials && len(lines) > 0 && u != nil {
		scratch := browserjar.New(&browserjar.Options{Now: d.es.cfg.now, ThirdPartyCookies: d.other})
		h.altStored = scratch.SetCookiesFrom(d.cookieRequest(u, true), lines)
	}
}

// cookieRequest describes a hop to the jar (or the view of it under the
// other third-party policy), as the engine describes it.
func (d *diagnosis) cookieRequest(u *url.URL, credentials bool) browserjar.Request {
	return browserjar.Request{
		URL:         u,
		TopLevel:    d.es.cfg.pageOrigin.String(),
		NestedFrame: !d.es.cfg.topLevel,
		Credentials: credentials,
	}
}

func (d *diagnosis) open() {
	a := d.attempt(d.current)
	a.opened = true
	d.mu.Lock()
	stage := d.stage
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

func (d *diagnosis) event(ev Event) {
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
	case stage == diagReconnecting:
		a.events = append(a.events, ev)
		d.finish()
	}
}

// finishFirst ends the first connection: it forces the reconnection when
// one was asked for, and closes the source otherwise.
func (d *diagnosis) finishFirst() {
	d.mu.Lock()
	if d.stage != diagFirst {
		d.mu.Unlock()
		return
	}
	if d.opts.Reconnect {
		d.stage = diagReconnecting
		d.mu.Unlock()
		d.es.dropConnection()
		return
	}
	d.stage = diagDone
	d.mu.Unlock()
	d.es.Close()
}

func (d *diagnosis) finish() {
	d.mu.Lock()
	d.stage = diagDone
	d.mu.Unlock()
	d.es.Close()
}

func (d *diagnosis) reconnect(i ssetrace.Reconnect) {
	a := d.attempt(i.Attempt)
	a.err = i.Err
	a.reconnect = &i
	d.mu.Lock()
	proceed := false
	switch {
	case d.stage == diagFirst && a.opened && d.opts.Reconnect:
		d.stage, proceed = diagReconnecting, true
	case d.stage == diagReconnecting && i.Attempt == 1:
		proceed = true
	default:
		d.stage = diagDone
	}
	d.mu.Unlock()
	if !proceed {
		d.es.Close()
		return
	}
	d.latest = i.Attempt + 1
	msg := "reconnecting without Last-Event-ID"
	if i.LastEventID != "" {
		msg = "reconnecting with Last-Event-ID: " + d.es.red.text(i.LastEventID)
	}
	d.progress(msg)
}

// setCookieRecorder passes requests through and keeps the Set-Cookie lines
// of every GET response, so that the diagnosis can show what the other
// third-party policy would store. The lines never leave the package.
type setCookieRecorder struct {
	base http.RoundTripper

	mu    sync.Mutex
	queue []recordedSetCookie
}

type recordedSetCookie struct {
	url   *url.URL
	lines []string
}

func (r *setCookieRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	base := r.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err == nil && req.Method == http.MethodGet {
		r.mu.Lock()
		r.queue = append(r.queue, recordedSetCookie{url: req.URL, lines: resp.Header.Values("Set-Cookie")})
		r.mu.Unlock()
	}
	return resp, err
}

// CloseIdleConnections forwards to the wrapped transport.
func (r *setCookieRecorder) CloseIdleConnections() {
	if c, ok := r.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// next returns the oldest recorded GET response: the engine reports
// responses in the order it receives them.
func (r *setCookieRecorder) next() (*url.URL, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.queue) == 0 {
		return nil, nil
	}
	n := r.queue[0]
	r.queue = r.queue[1:]
	return n.url, n.lines
}

// The report.

func (d *diagnosis) report() *Report {
	es := d.es
	r := &Report{
		URL:               es.red.url(es.url),
		Origin:            es.cfg.pageOrigin.String(),
		Credentials:       es.cfg.credentials,
		ThirdPartyCookies: d.policy.String(),
		Events:            []ReportEvent{},
	}
	first := d.get(1)
	if first == nil {
		first = &diagAttempt{n: 1}
	}
	for _, ev := range first.events {
		r.Events = append(r.Events, ReportEvent(ev))
	}
	failErr := first.err
	if first.opened {
		failErr = nil
	}

	r.Steps = append(r.Steps, d.requestStep(first))
	r.Steps = append(r.Steps, d.mixedContentStep(first.err))
	if es.cfg.preflight != PreflightNever {
		if s, ok := d.preflightStep(first); ok {
			r.Steps = append(r.Steps, s)
		}
	}
	if s, ok := d.cookiesStep(first); ok {
		r.Steps = append(r.Steps, s)
	}
	r.Steps = append(r.Steps, d.hopSteps(first, failErr)...)
	if s, ok := d.setCookieStep(first); ok {
		r.Steps = append(r.Steps, s)
	}
	if first.opened {
		r.Steps = append(r.Steps, d.eventsStep(first))
	}
	verdictErr := failErr
	connects := first.opened
	if first.opened && first.reconnect != nil {
		s, fatalErr := d.reconnectStep(first, d.get(2))
		r.Steps = append(r.Steps, s)
		if fatalErr != nil {
			connects, verdictErr = false, fatalErr
		}
	}

	r.Connects = connects
	r.Err = verdictErr
	if connects {
		r.Err = nil
		r.Summary = d.successSummary(r)
		return r
	}
	if verdictErr == nil {
		verdictErr = errors.New("the stream did not open")
	}
	rule, title, fix, details := d.explain(verdictErr, first)
	r.Rule, r.Fix = rule, fix
	if !hasFail(r.Steps) {
		r.Steps = append(r.Steps, Step{Name: "response", Mark: MarkFail, Title: title, Details: details, Rule: rule, Fix: fix})
	}
	who := "a page on " + r.Origin
	if first.opened {
		r.Summary = fmt.Sprintf("%s opens this stream, but its first reconnection ends it for good [%s]: %s", who, rule, title)
	} else {
		r.Summary = fmt.Sprintf("%s cannot open this stream [%s]: %s", who, rule, title)
	}
	return r
}

func hasFail(steps []Step) bool {
	for _, s := range steps {
		if s.Mark == MarkFail {
			return true
		}
	}
	return false
}

func (d *diagnosis) successSummary(r *Report) string {
	s := "a page on " + r.Origin + " can open this stream"
	if r.Credentials {
		s += " with credentials"
	}
	warns := 0
	for _, st := range r.Steps {
		if st.Mark == MarkWarn {
			warns++
		}
	}
	switch warns {
	case 0:
	case 1:
		s += " (1 warning)"
	default:
		s += fmt.Sprintf(" (%d warnings)", warns)
	}
	if len(d.es.cfg.header) > 0 {
		s += "; but this check sent headers a browser cannot send, so a browser may still fail"
	}
	return s
}

// relation says how a URL relates to the page: same-origin, same-site or
// cross-site.
func (d *diagnosis) relation(u *url.URL) string {
	page, o := d.es.cfg.pageOrigin, site.OriginOf(u)
	switch {
	case site.SameOrigin(page, o) && !d.es.cfg.topLevel:
		return "same-origin (in a cross-site frame, so cross-site for cookies)"
	case site.SameOrigin(page, o):
		return "same-origin"
	case !d.es.cfg.topLevel:
		return "cross-origin, cross-site (the page is in a cross-site frame)"
	case site.SameSite(page, o):
		return "cross-origin, same-site"
	}
	return "cross-origin, cross-site"
}

func (d *diagnosis) requestStep(a *diagAttempt) Step {
	es := d.es
	s := Step{Name: "request", Mark: MarkPass}
	rel := d.relation(es.url)
	cross := !site.SameOrigin(es.cfg.pageOrigin, site.OriginOf(es.url))
	if cross {
		s.Title = rel + " GET: a simple request, so a browser sends it without a preflight"
	} else {
		s.Title = "same-origin GET: no Origin header and no CORS check"
	}
	var req *ssetrace.Request
	if len(a.hops) > 0 {
		req = &a.hops[0].req
	}
	if req == nil {
		s.Details = append(s.Details, "GET "+es.red.url(es.url)+" (not sent)")
	} else {
		s.Details = append(s.Details, "GET "+req.URL)
		for _, k := range sortedKeys(req.Header) {
			s.Details = append(s.Details, k+": "+strings.Join(req.Header[k], ", "))
		}
	}
	switch {
	case !cross:
		s.Details = append(s.Details, "credentials: a same-origin request always carries cookies")
	case es.cfg.credentials:
		s.Details = append(s.Details, "withCredentials: true: cookies go out and Set-Cookie is kept (subject to SameSite, Secure and the third-party cookie policy), and the response must allow credentials")
	default:
		s.Details = append(s.Details, "withCredentials: false: no cookies go to another origin and its Set-Cookie headers are ignored")
	}
	if cross {
		s.Details = append(s.Details, "an EventSource GET carries only CORS-safelisted headers (Accept: text/event-stream), so browsers never preflight it, not even reconnections with Last-Event-ID")
	}
	if inc := es.BrowserIncompatibilities(); len(inc) > 0 {
		s.Mark = MarkWarn
		for _, x := range inc {
			s.Details = append(s.Details, "beyond the browser: "+x)
		}
		if req != nil && cross {
			if unsafe := unsafeHeaderNames(req.Header); len(unsafe) > 0 {
				s.Details = append(s.Details, "with these headers a fetch() would be preflighted (CORS-unsafe: "+strings.Join(unsafe, ", ")+")")
			}
		}
		if len(es.cfg.header) > 0 {
			s.Fix = "a page cannot send request headers with EventSource: carry the value in the query string (WithQuery, WithHeaderQuery) or in a cookie"
		}
	}
	return s
}

func (d *diagnosis) mixedContentStep(err error) Step {
	es := d.es
	var be *BlockedError
	if errors.As(err, &be) && be.Rule == "mixed-content" {
		return Step{Name: "mixed-content", Mark: MarkFail, Title: "blocked: " + be.URL,
			Details: []string{be.Detail}, Rule: be.Rule, Fix: be.Fix}
	}
	page := es.cfg.pageOrigin
	o := site.OriginOf(es.url)
	s := Step{Name: "mixed-content", Mark: MarkPass}
	switch {
	case page.Scheme != "https":
		s.Title = "the page is not https, so mixed-content blocking does not apply"
	case o.Scheme == "https":
		s.Title = "https page, https stream"
	case site.IsLoopbackHost(o.Host):
		s.Title = "http stream on a loopback host: allowed, as browsers treat loopback hosts as potentially trustworthy"
	default:
		s.Title = "https page, http stream"
	}
	return s
}

func (d *diagnosis) preflightStep(a *diagAttempt) (Step, bool) {
	mode := d.es.cfg.preflight
	s := Step{Name: "preflight", Mark: MarkPass}
	note := "a browser never sends this preflight: it shows what a hand-made OPTIONS or a fetch()-based client gets (" + mode.String() + ", beyond the browser)"
	if a.preReq == nil {
		var be *BlockedError
		if errors.As(a.err, &be) && len(a.hops) == 0 {
			return s, false
		}
		s.Mark = MarkInfo
		s.Title = "not sent: the request carries no CORS-unsafe header, so a fetch() would not preflight it either"
		if !site.SameOrigin(d.es.cfg.pageOrigin, site.OriginOf(d.es.url)) && mode == PreflightAlways {
			s.Title = "not sent: a cached preflight result still covers the request"
		}
		s.Details = []string{note}
		return s, true
	}
	req := a.preReq
	s.Details = append(s.Details, "OPTIONS "+req.URL)
	for _, k := range sortedKeys(req.Header) {
		s.Details = append(s.Details, k+": "+strings.Join(req.Header[k], ", "))
	}
	if a.preResp == nil {
		rule, title, fix, details := d.explain(a.err, a)
		s.Mark, s.Title, s.Rule, s.Fix = MarkFail, "no answer: "+title, rule, fix
		s.Details = append(s.Details, details...)
		s.Details = append(s.Details, note)
		return s, true
	}
	resp := a.preResp
	s.Details = append(s.Details, fmt.Sprintf("answer: %d %s", resp.StatusCode, http.StatusText(resp.StatusCode)))
	for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age"} {
		for _, v := range resp.Header.Values(k) {
			s.Details = append(s.Details, k+": "+v)
		}
	}
	s.Details = append(s.Details, note)
	if ce := blockedOf(resp); ce != nil {
		s.Mark, s.Title, s.Rule, s.Fix = MarkFail, string(ce.Rule)+": "+ce.Detail, ce.Rule, ce.Fix
		return s, true
	}
	s.Title = fmt.Sprintf("OPTIONS answered %d and allows the request", resp.StatusCode)
	return s, true
}

func cookieLabel(c browserjar.Decision) string {
	name := c.Name
	if name == "" {
		name = "(nameless)"
	}
	var attrs []string
	if c.Domain != "" {
		attrs = append(attrs, c.Domain)
	}
	if c.Path != "" {
		attrs = append(attrs, "path "+c.Path)
	}
	if c.Partitioned {
		attrs = append(attrs, "partitioned")
	}
	if len(attrs) == 0 {
		return name
	}
	return name + " (" + strings.Join(attrs, ", ") + ")"
}

func cookieKey(c browserjar.Decision) string {
	return fmt.Sprintf("%s\x00%s\x00%s\x00%t", c.Name, c.Domain, c.Path, c.Partitioned)
}

func (d *diagnosis) cookiesStep(a *diagAttempt) (Step, bool) {
	es := d.es
	s := Step{Name: "cookies"}
	if len(a.hops) == 0 {
		return s, false
	}
	if es.cookies == nil {
		if es.plainJar == nil {
			return s, false
		}
		s.Mark = MarkWarn
		s.Title = "the cookie jar is not a *browserjar.Jar: it cannot apply SameSite or the third-party cookie policy, so this check cannot say what a browser sends"
		return s, true
	}
	sent, held, total := 0, 0, 0
	multi := len(a.hops) > 1
	for _, h := range a.hops {
		alt := make(map[string]browserjar.Decision, len(h.altSent))
		for _, c := range h.altSent {
			alt[cookieKey(c)] = c
		}
		for _, c := range h.req.Cookies {
			total++
			prefix := ""
			if multi {
				prefix = h.req.URL + ": "
			}
			if c.Sent {
				sent++
				s.Details = append(s.Details, prefix+cookieLabel(c)+": "+withVerb("sent", c.Reason))
			} else {
				held++
				s.Details = append(s.Details, prefix+cookieLabel(c)+": not sent: "+c.Reason)
			}
			other, ok := alt[cookieKey(c)]
			switch {
			case !ok:
			case other.Sent != c.Sent && other.Sent:
				s.Details = append(s.Details, fmt.Sprintf("  with third-party cookies %s: %s would be sent", d.otherWord(), c.Name))
			case other.Sent != c.Sent:
				s.Details = append(s.Details, fmt.Sprintf("  with third-party cookies %s: %s would not be sent: %s", d.otherWord(), c.Name, other.Reason))
			case !c.Sent && other.Reason != c.Reason:
				s.Details = append(s.Details, fmt.Sprintf("  with third-party cookies %s: still not sent: %s", d.otherWord(), other.Reason))
			}
		}
	}
	u := es.url
	if len(a.hops) > 0 {
		if pu, err := url.Parse(a.hops[0].req.URL); err == nil {
			u = pu
		}
	}
	switch {
	case total == 0:
		s.Mark = MarkInfo
		s.Title = "the jar holds no cookie for " + site.OriginOf(u).Host + ", so none is sent"
	case held == 0:
		s.Mark = MarkPass
		s.Title = fmt.Sprintf("%d of %d cookies sent", sent, total)
	default:
		s.Mark = MarkWarn
		s.Title = fmt.Sprintf("%d of %d cookies sent: a browser withholds the others", sent, total)
	}
	return s, true
}

func (d *diagnosis) otherWord() string {
	if d.other == browserjar.Allow {
		return "allowed"
	}
	return "blocked"
}

// withVerb prefixes a reason with verb unless it already starts with it.
func withVerb(verb, reason string) string {
	if strings.HasPrefix(reason, verb) {
		return reason
	}
	return verb + ": " + reason
}

func (d *diagnosis) hopSteps(a *diagAttempt, failErr error) []Step {
	var steps []Step
	for i, h := range a.hops {
		last := i == len(a.hops)-1
		if h.resp == nil {
			if last && failErr != nil {
				rule, title, fix, details := d.explain(failErr, a)
				steps = append(steps, Step{Name: "response", Mark: MarkFail, Title: "no response: " + title,
					Details: append([]string{"GET " + h.req.URL}, details...), Rule: rule, Fix: fix})
			}
			continue
		}
		resp := h.resp
		if isRedirect(resp.StatusCode) && len(resp.Header.Values("Location")) > 0 {
			var next *diagHop
			if !last {
				next = a.hops[i+1]
			}
			steps = append(steps, d.redirectStep(h, next, failErr))
			continue
		}
		steps = append(steps, d.corsStep(h))
		steps = append(steps, d.responseStep(a, h, failErr))
	}
	return steps
}

func (d *diagnosis) redirectStep(h, next *diagHop, failErr error) Step {
	resp := h.resp
	s := Step{Name: "redirect", Mark: MarkPass}
	target := "(not followed)"
	if next != nil {
		target = next.req.URL
	}
	s.Title = fmt.Sprintf("%d %s to %s", resp.StatusCode, http.StatusText(resp.StatusCode), target)
	s.Details = append(s.Details, "from "+resp.URL)
	if resp.CORSChecked {
		if ce := blockedOf(resp); ce != nil {
			s.Mark, s.Rule, s.Fix = MarkFail, ce.Rule, ce.Fix
			s.Title = fmt.Sprintf("%d %s fails the CORS check of redirects [%s]", resp.StatusCode, http.StatusText(resp.StatusCode), ce.Rule)
			s.Details = append(s.Details, ce.Detail, "a browser checks CORS on every response of a cross-origin request, redirects included")
			return s
		}
		s.Details = append(s.Details, "the redirect passes the CORS check"+allowLines(resp.Header))
	}
	if next == nil {
		var be *BlockedError
		if errors.As(failErr, &be) {
			s.Mark, s.Rule, s.Fix = MarkFail, be.Rule, be.Fix
			s.Title = fmt.Sprintf("%d %s blocked [%s]", resp.StatusCode, http.StatusText(resp.StatusCode), be.Rule)
			s.Details = append(s.Details, be.URL+": "+be.Detail)
		}
		return s
	}
	if next.req.Tainted && !h.req.Tainted {
		s.Mark = MarkWarn
		s.Details = append(s.Details,
			"the redirect crosses origins: Fetch taints the request (redirect-taint), so the next request sends \"Origin: null\", which only \"Access-Control-Allow-Origin: null\" (or \"*\" without credentials) matches")
		s.Fix = "point the page at the final URL, so that no cross-origin redirect taints the request"
	} else if next.req.CORS {
		s.Details = append(s.Details, "the next request sends Origin: "+next.req.Origin)
	}
	if next.req.Credentials {
		s.Details = append(s.Details, "cookies are chosen again for the new URL")
	}
	return s
}

// allowLines quotes the Access-Control-Allow-* lines of a response.
func allowLines(h http.Header) string {
	var parts []string
	for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials"} {
		for _, v := range h.Values(k) {
			parts = append(parts, k+": "+v)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func (d *diagnosis) corsStep(h *diagHop) Step {
	resp := h.resp
	s := Step{Name: "cors", Mark: MarkPass}
	if !resp.CORSChecked {
		s.Mark = MarkInfo
		s.Title = "same-origin response: no CORS check"
		return s
	}
	for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials"} {
		vals := resp.Header.Values(k)
		if len(vals) == 0 {
			s.Details = append(s.Details, k+": (absent)")
		}
		for _, v := range vals {
			s.Details = append(s.Details, k+": "+v)
		}
	}
	if ce := blockedOf(resp); ce != nil {
		s.Mark, s.Rule, s.Fix = MarkFail, ce.Rule, ce.Fix
		s.Title = string(ce.Rule) + ": " + ce.Detail
		s.Details = append(s.Details, "the request carried Origin: "+ce.Origin)
		return s
	}
	s.Title = "the response allows Origin " + h.req.Origin
	if d.es.cfg.credentials {
		s.Title += " with credentials"
	}
	return s
}

func (d *diagnosis) responseStep(a *diagAttempt, h *diagHop, failErr error) Step {
	resp := h.resp
	ct := strings.Join(resp.Header.Values("Content-Type"), ", ")
	desc := fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	if ct == "" {
		desc += ", no Content-Type"
	} else {
		desc += ", Content-Type: " + ct
	}
	s := Step{Name: "response", Mark: MarkPass, Title: desc}
	if resp.Blocked != nil {
		s.Mark = MarkInfo
		s.Title = desc + " (a browser never reads it: the CORS check failed)"
		return s
	}
	var re *ResponseError
	if errors.As(failErr, &re) {
		rule, title, fix, details := d.explain(re, a)
		s.Mark, s.Rule, s.Fix = MarkFail, rule, fix
		s.Title = desc + ": " + title
		if rule == "status" {
			s.Title = desc + ": not 200, so a browser fails the connection and does not retry"
		}
		s.Details = details
		return s
	}
	if a.opened {
		s.Title = desc + ": the stream opens"
	}
	return s
}

func (d *diagnosis) setCookieStep(a *diagAttempt) (Step, bool) {
	s := Step{Name: "set-cookie", Mark: MarkPass}
	stored, rejected, ignored := 0, 0, 0
	multi := len(a.hops) > 1
	for _, h := range a.hops {
		if h.resp == nil {
			continue
		}
		prefix := ""
		if multi {
			prefix = h.resp.URL + ": "
		}
		if !h.req.Credentials {
			if n := len(h.resp.Header.Values("Set-Cookie")); n > 0 {
				ignored += n
				s.Details = append(s.Details, fmt.Sprintf("%s%d Set-Cookie header(s) ignored: %s", prefix, n, jarhook.CredentialsReason))
			}
			continue
		}
		for i, c := range h.resp.SetCookies {
			if c.Stored {
				stored++
				s.Details = append(s.Details, prefix+cookieLabel(c)+": "+withVerb("stored", c.Reason))
			} else {
				rejected++
				s.Details = append(s.Details, prefix+cookieLabel(c)+": not stored: "+c.Reason)
			}
			if i < len(h.altStored) {
				other := h.altStored[i]
				switch {
				case other.Stored && !c.Stored:
					s.Details = append(s.Details, fmt.Sprintf("  with third-party cookies %s: %s would be stored", d.otherWord(), c.Name))
				case !other.Stored && c.Stored:
					s.Details = append(s.Details, fmt.Sprintf("  with third-party cookies %s: %s would not be stored: %s", d.otherWord(), c.Name, other.Reason))
				}
			}
		}
	}
	switch {
	case stored+rejected+ignored == 0:
		return s, false
	case ignored > 0 && stored+rejected == 0:
		s.Mark = MarkInfo
		s.Title = "Set-Cookie ignored: the request did not include credentials"
	case rejected > 0:
		s.Mark = MarkWarn
		s.Title = fmt.Sprintf("%d of %d Set-Cookie kept: a browser rejects the others", stored, stored+rejected)
	default:
		s.Title = fmt.Sprintf("%d of %d Set-Cookie kept", stored, stored+rejected)
	}
	return s, true
}

func (d *diagnosis) eventsStep(a *diagAttempt) Step {
	s := Step{Name: "events", Mark: MarkPass}
	for _, ev := range a.events {
		s.Details = append(s.Details, eventLine(ev))
	}
	switch {
	case len(a.events) == 0:
		s.Mark = MarkWarn
		s.Title = fmt.Sprintf("the stream opened but no event arrived within %s", d.opts.Wait)
		s.Details = append(s.Details, "a quiet stream is fine for a browser; but if the server did send events, something between (a proxy, compression) buffers the response, and a browser would see nothing either")
		s.Fix = "flush after every event, and disable buffering and compression for text/event-stream on proxies"
	case len(a.events) == 1:
		s.Title = "1 event received"
	default:
		s.Title = fmt.Sprintf("%d events received", len(a.events))
	}
	if a.extra > 0 {
		s.Details = append(s.Details, fmt.Sprintf("and %d more, already received when the connection was dropped", a.extra))
	}
	if rc := a.reconnect; rc != nil && !d.opts.Reconnect {
		s.Details = append(s.Details, fmt.Sprintf("then %s; a browser reconnects after %s%s", endedBy(rc.Err), rc.Delay, lastIDClause(d.es.red.text(rc.LastEventID))))
	}
	return s
}

func eventLine(ev Event) string {
	line := ev.Type
	if ev.LastEventID != "" {
		line += " id=" + ev.LastEventID
	}
	return line + " data=" + fmt.Sprintf("%q", truncate(ev.Data, 200))
}

func lastIDClause(id string) string {
	if id == "" {
		return " without Last-Event-ID (no event set an id)"
	}
	return " with Last-Event-ID: " + id
}

// endedBy says why an attempt ended, for the reconnection.
func endedBy(err error) string {
	var ne *NetworkError
	switch {
	case errors.Is(err, errDropped):
		return "ssecors dropped the connection to show a reconnection"
	case errors.As(err, &ne) && ne.Err == io.EOF:
		return "the server ended the stream"
	case err != nil:
		return "the connection failed (" + err.Error() + ")"
	}
	return "the connection ended"
}

// reconnectStep describes the reconnection after the first attempt, and
// returns the error when it ended the source.
func (d *diagnosis) reconnectStep(first, second *diagAttempt) (Step, error) {
	rc := first.reconnect
	lastID := d.es.red.text(rc.LastEventID)
	s := Step{Name: "reconnect", Mark: MarkPass}
	s.Details = append(s.Details, endedBy(rc.Err)+"; a browser waits "+rc.Delay.String()+" (the reconnection time) before reconnecting; this check did not wait")
	if second == nil {
		s.Mark = MarkInfo
		s.Title = "a browser reconnects after " + rc.Delay.String() + lastIDClause(lastID)
		return s, nil
	}
	var req *ssetrace.Request
	if len(second.hops) > 0 {
		req = &second.hops[0].req
	}
	if req != nil {
		sentID := strings.Join(req.Header.Values("Last-Event-Id"), ", ")
		if sentID == "" {
			s.Details = append(s.Details, "GET "+req.URL+" without Last-Event-ID: no event set an id, so the server cannot resume and events sent meanwhile are lost")
		} else {
			s.Details = append(s.Details, "GET "+req.URL+" with Last-Event-ID: "+sentID)
		}
	}
	if second.preReq != nil {
		s.Details = append(s.Details, "preceded by an OPTIONS preflight (beyond the browser)")
	}
	var final *diagHop
	if n := len(second.hops); n > 0 {
		final = second.hops[n-1]
	}
	if final != nil && final.resp != nil {
		resp := final.resp
		s.Details = append(s.Details, fmt.Sprintf("answer: %d %s, Content-Type: %s", resp.StatusCode, http.StatusText(resp.StatusCode), strings.Join(resp.Header.Values("Content-Type"), ", ")))
	}
	if second.opened {
		seen := make(map[string]bool)
		for _, ev := range first.events {
			if ev.LastEventID != "" {
				seen[ev.LastEventID] = true
			}
		}
		for _, ev := range second.events {
			s.Details = append(s.Details, "first event after reconnecting: "+eventLine(ev))
			if ev.LastEventID != "" && seen[ev.LastEventID] {
				s.Mark = MarkWarn
				s.Title = "reopened, but the server sent event id " + ev.LastEventID + " again: it ignores Last-Event-ID"
				s.Fix = "resume after the event named by the Last-Event-ID request header"
				return s, nil
			}
		}
		switch {
		case len(second.events) == 0 && second.reconnect != nil:
			s.Mark = MarkWarn
			s.Title = "reopened" + lastIDClause(lastID) + ", then " + endedBy(second.reconnect.Err) + " before any event"
		case len(second.events) == 0:
			s.Title = "reopened" + lastIDClause(lastID) + "; no event within " + d.opts.Wait.String()
		case lastID == "":
			s.Mark = MarkInfo
			s.Title = "reopened without Last-Event-ID: the stream sets no id, so a browser cannot resume it"
			s.Fix = "send an id: field with each event so that a reconnecting browser can resume"
		default:
			s.Title = "reopened" + lastIDClause(lastID) + " and the server resumed"
		}
		return s, nil
	}
	err := second.err
	var re *ResponseError
	if errors.As(err, &re) && re.StatusCode == http.StatusNoContent {
		s.Mark = MarkWarn
		s.Title = "the server answered 204 No Content: a browser stops reconnecting, for good"
		s.Details = append(s.Details, "that is how a server ends a stream on purpose; if it is not, answer 200 with text/event-stream")
		return s, nil
	}
	rule, title, fix, details := d.explain(err, second)
	s.Details = append(s.Details, details...)
	if fatal(err, d.es.cfg.retry.RetryServerErrors) {
		s.Mark, s.Rule, s.Fix = MarkFail, rule, fix
		s.Title = "the reconnection fails and a browser closes the EventSource [" + string(rule) + "]: " + title
		return s, err
	}
	s.Mark, s.Fix = MarkWarn, fix
	s.Title = "the reconnection failed [" + string(rule) + "]: " + title + "; a browser keeps retrying"
	return s, nil
}

// explain names the rule an error broke, in a title, with the fix and the
// evidence. a gives context: the cookies withheld from the request.
func (d *diagnosis) explain(err error, a *diagAttempt) (rule Rule, title, fix string, details []string) {
	var (
		ce *BlockedError
		be *BlockedError
		re *ResponseError
		ne *NetworkError
	)
	switch {
	case errors.As(err, &ce):
		return ce.Rule, ce.Detail, ce.Fix, nil
	case errors.As(err, &be):
		return be.Rule, be.Detail, be.Fix, []string{"blocked: " + be.URL}
	case errors.As(err, &re):
		return d.explainResponse(re, a)
	case errors.As(err, &ne):
		if ne.Timeout() {
			return "timeout", "no response headers in time (" + ne.Error() + ")",
				"send the response headers at once and flush them: a proxy or a compressing middleware that buffers the response keeps a browser waiting too", nil
		}
		return "network", ne.Error(),
			"check that the server is reachable at this URL from where the browser runs, and that its certificate is valid; a browser would keep retrying every few seconds", nil
	case errors.Is(err, ErrEventTooLarge):
		return "event-too-large", err.Error(), "send smaller events, or raise WithMaxEventSize (browsers have no limit)", nil
	}
	return "error", err.Error(), "", nil
}

func (d *diagnosis) explainResponse(re *ResponseError, a *diagAttempt) (rule Rule, title, fix string, details []string) {
	if len(re.Body) > 0 {
		details = append(details, "body: "+fmt.Sprintf("%q", truncate(string(re.Body), 200)))
	}
	if re.StatusCode != http.StatusOK {
		rule = "status"
		title = fmt.Sprintf("the server answered %d %s, not 200", re.StatusCode, http.StatusText(re.StatusCode))
		if re.StatusCode == http.StatusNoContent {
			title = re.Detail
		}
		switch code := re.StatusCode; {
		case code == http.StatusNoContent:
			fix = "204 tells a browser to stop for good: answer 200 with \"Content-Type: text/event-stream\" while the stream should be open"
		case code == http.StatusUnauthorized || code == http.StatusForbidden:
			fix = "the server refused the request: a browser's EventSource cannot send an Authorization header or any header of its own; it authenticates with cookies (withCredentials) or a value in the URL"
			if held := withheldCookies(a); held != "" {
				fix = "a browser did not send the cookie " + held
			} else if !d.es.cfg.credentials && !site.SameOrigin(d.es.cfg.pageOrigin, site.OriginOf(d.es.url)) {
				fix += "; withCredentials is false, so no cookie was sent"
			}
		case code == http.StatusNotFound:
			fix = "check the URL: the server has no stream at this path"
		case code == http.StatusMethodNotAllowed:
			fix = "a browser's EventSource always sends GET: accept GET at this URL"
		case code >= 500:
			fix = "the server failed; a browser does not retry after a 5xx: its EventSource closes"
		default:
			fix = "answer 200 with \"Content-Type: text/event-stream\"; a browser never retries after another status"
		}
		return rule, title, fix, details
	}
	rule = "content-type"
	if re.ContentType == "" {
		title = "the response has no Content-Type"
	} else {
		title = re.Detail
	}
	fix = "answer with \"Content-Type: text/event-stream\""
	if strings.Contains(re.Detail, "charset other than UTF-8") {
		fix = "drop the charset parameter, or send charset=utf-8: an event stream is always UTF-8"
	}
	return rule, title, fix, details
}

// withheldCookies names the first cookie the final request of a did not
// send, with the reason.
func withheldCookies(a *diagAttempt) string {
	if a == nil || len(a.hops) == 0 {
		return ""
	}
	for _, c := range a.hops[len(a.hops)-1].req.Cookies {
		if !c.Sent {
			return c.Name + ": " + c.Reason
		}
	}
	return ""
}

// blockedOf returns the CORS failure a traced response carries, or nil.
func blockedOf(resp *ssetrace.Response) *BlockedError {
	var be *BlockedError
	if resp == nil || !errors.As(resp.Blocked, &be) {
		return nil
	}
	return be
}
