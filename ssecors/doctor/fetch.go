package doctor

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ssecors/ssecors-go/internal/inspect"
	"github.com/ssecors/ssecors-go/internal/site"
	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/ssetrace"
)

// This file holds the diagnosis of a fetch stream (Options.Fetch): the
// request a page's fetch() sends, why it is or is not preflighted, the
// preflight a browser sends, the response headers the page may read, and
// the secrets of the request that the report must never show. As for an
// EventSource, every verdict comes from the engine; this file only
// explains it.

// Fetch describes the fetch() call of a page that reads a server-sent
// event stream from the response body, as LLM completion APIs, MCP's
// Streamable HTTP transport and clients such as
// @microsoft/fetch-event-source do:
//
//	fetch(url, {method, headers, body, credentials})
//
// [Diagnose] opens the stream with [ssecors.WithFetch] and [ssecors.WithHeader]
// built from it. The zero value is a GET with fetch()'s default
// credentials mode and no headers.
type Fetch struct {
	// Method is the request method; "" means GET. It is sent as
	// [ssecors.Fetch].Method says: DELETE, GET, HEAD, OPTIONS, POST and
	// PUT uppercased, other methods exactly as given.
	Method string
	// Header holds the headers the page passes to fetch(), such as
	// Authorization or Content-Type: application/json. The values of
	// credential headers (Authorization, Cookie, names holding token, key,
	// secret, auth, session, password or credential) never appear in the
	// report, nor any part of them.
	Header http.Header
	// Body is the request body, nil for none; it is sent on every attempt.
	// The report gives its size, never its content, and hides the values
	// of secret-looking JSON or form fields (token, key, password, ...)
	// wherever else they might appear, such as in an error body that
	// echoes the request.
	Body []byte
	// Credentials is fetch()'s credentials mode: "omit", "same-origin"
	// (the default, also for "") or "include". "include" is what
	// withCredentials: true is for an EventSource.
	Credentials string
	// OneShot marks a stream that is one response, such as an LLM
	// completion: its clean end completes it, and there is no
	// reconnection to check (see [ssecors.Fetch].OneShot).
	OneShot bool
}

// options returns the source options that open the stream as f says.
func (f *Fetch) options() []ssecors.Option {
	sf := ssecors.Fetch{Method: f.Method, Credentials: f.Credentials, OneShot: f.OneShot}
	if f.Body != nil {
		body := bytes.Clone(f.Body)
		sf.Body = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	opts := []ssecors.Option{ssecors.WithFetch(sf)}
	for _, k := range slices.Sorted(maps.Keys(f.Header)) {
		for _, v := range f.Header[k] {
			opts = append(opts, ssecors.WithHeader(k, v))
		}
	}
	return opts
}

// fetchOf describes the fetch stream of a source that sourceOpts made
// one with ssecors.WithFetch: its method and credentials mode, from the
// engine, and no body the report could measure.
func fetchOf(v *inspect.View) *Fetch {
	return &Fetch{Method: v.Method, Credentials: v.Credentials}
}

// credentialsMode is the source's credentials mode as fetch() names it.
func (d *diagnosis) credentialsMode() string {
	if d.v.Credentials == "" {
		return "same-origin"
	}
	return d.v.Credentials
}

// unsafeReason says why a CORS-unsafe request header (a lowercased name,
// as the engine lists them) makes a request non-simple.
func unsafeReason(name string, h http.Header) string {
	v := strings.Join(h.Values(name), ", ")
	switch name {
	case "authorization":
		return "Authorization is never a CORS-safelisted header"
	case "content-type":
		return fmt.Sprintf("Content-Type: %s is not CORS-safelisted (only application/x-www-form-urlencoded, multipart/form-data and text/plain are)", v)
	case "last-event-id":
		return "Last-Event-ID is not a CORS-safelisted header (a fetch()-based client sends it to resume after a reconnection)"
	case "accept", "accept-language", "content-language", "range":
		return fmt.Sprintf("%s: the value is not CORS-safelisted (too long, or a byte a safelisted value cannot hold)", http.CanonicalHeaderKey(name))
	}
	return http.CanonicalHeaderKey(name) + " is not a CORS-safelisted header: any header of the page's own needs a preflight"
}

// whyPreflight lists why a request with this method and these CORS-unsafe
// header names (h holds their values) is not simple, one reason a line;
// nil for a simple request.
func whyPreflight(method string, unsafe []string, h http.Header) []string {
	if !inspect.FetchNeedsPreflight(method, unsafe) {
		return nil
	}
	var out []string
	if inspect.FetchNeedsPreflight(method, nil) {
		out = append(out, "the method "+method+" is not CORS-safelisted (GET, HEAD and POST are)")
	}
	for _, n := range unsafe {
		out = append(out, unsafeReason(n, h))
	}
	return out
}

// unsafeOf returns the CORS-unsafe header names of attempt a's request,
// as the engine announced them in the preflight, or as its rule finds
// them in the request sent.
func (d *diagnosis) unsafeOf(a *diagAttempt) []string {
	switch {
	case a.preReq != nil:
		return a.preReq.UnsafeHeaders
	case len(a.hops) > 0:
		return inspect.UnsafeFetchHeaderNames(a.hops[0].req.Header)
	}
	h := d.fetch.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if d.fetch.Body != nil && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	return inspect.UnsafeFetchHeaderNames(h)
}

// methodOf returns the method attempt a sent.
func (d *diagnosis) methodOf(a *diagAttempt) string {
	if len(a.hops) > 0 {
		return a.hops[0].req.Method
	}
	if a.preReq != nil {
		if m := a.preReq.Header.Get("Access-Control-Request-Method"); m != "" {
			return m
		}
	}
	return d.v.Method
}

// shortReasons names what makes a request non-simple, for a title.
func shortReasons(method string, unsafe []string, h http.Header) string {
	var parts []string
	if inspect.FetchNeedsPreflight(method, nil) {
		parts = append(parts, "the method")
	}
	for _, n := range unsafe {
		if n == "content-type" {
			parts = append(parts, "Content-Type: "+h.Get("Content-Type"))
			continue
		}
		parts = append(parts, http.CanonicalHeaderKey(n))
	}
	return joinAnd(parts)
}

// joinAnd joins "a", "a and b", "a, b and c".
func joinAnd(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// crossOrigin reports whether the stream URL is cross-origin to the page.
func (d *diagnosis) crossOrigin() bool {
	return !site.SameOrigin(d.v.PageOrigin, site.OriginOf(d.u))
}

// fetchRequestStep describes the request of a fetch stream: what the page
// sends, and whether a browser must preflight it, and why.
func (d *diagnosis) fetchRequestStep(a *diagAttempt) Step {
	s := Step{Name: "request", Mark: MarkPass}
	method := d.methodOf(a)
	var req *ssetrace.Request
	if len(a.hops) > 0 {
		req = &a.hops[0].req
	}
	h := d.fetch.Header
	if req != nil {
		h = req.Header
	}
	unsafe := d.unsafeOf(a)
	reasons := whyPreflight(method, unsafe, h)
	cross := d.crossOrigin()
	rel := d.relation(d.u)
	switch {
	case !cross:
		s.Title = "same-origin " + method + ": no Origin header, no preflight and no CORS check"
	case len(reasons) == 0:
		s.Title = rel + " " + method + ": a simple request, so a browser sends it without a preflight"
	default:
		s.Title = rel + " " + method + ": not a simple request (" + shortReasons(method, unsafe, h) + "), so a browser sends a CORS preflight first"
	}
	if req == nil {
		s.Details = append(s.Details, method+" "+d.v.RedactURL(d.u)+" (not sent), with the page's headers")
		for _, k := range slices.Sorted(maps.Keys(d.fetch.Header)) {
			v := strings.Join(d.fetch.Header[k], ", ")
			if secretName(k) {
				v = "REDACTED"
			}
			s.Details = append(s.Details, http.CanonicalHeaderKey(k)+": "+v)
		}
	} else {
		s.Details = append(s.Details, method+" "+req.URL)
		for _, k := range slices.Sorted(maps.Keys(req.Header)) {
			s.Details = append(s.Details, k+": "+strings.Join(req.Header[k], ", "))
		}
	}
	switch {
	case d.fetch.Body != nil:
		s.Details = append(s.Details, fmt.Sprintf("body: %d bytes (not shown)", len(d.fetch.Body)))
	case d.bodyUnknown && req != nil && req.BodySize > 0:
		s.Details = append(s.Details, fmt.Sprintf("body: %d bytes (not shown)", req.BodySize))
	case d.bodyUnknown && req == nil:
		s.Details = append(s.Details, "body: as ssecors.WithFetch gives it (not sent)")
	}
	s.Details = append(s.Details, d.credentialsLine(cross))
	if cross {
		if len(reasons) == 0 {
			s.Details = append(s.Details, "simple: "+method+" is a CORS-safelisted method and every header is CORS-safelisted, so no preflight")
		}
		for _, r := range reasons {
			s.Details = append(s.Details, "preflight needed: "+r)
		}
	}
	if inc := d.es.BrowserIncompatibilities(); len(inc) > 0 {
		s.Mark = MarkWarn
		for _, x := range inc {
			s.Details = append(s.Details, "beyond the browser: "+x)
		}
	}
	return s
}

// credentialsLine explains the credentials mode of a fetch stream.
func (d *diagnosis) credentialsLine(cross bool) string {
	switch mode := d.credentialsMode(); {
	case mode == "omit":
		return `credentials: "omit": no cookies at all, not even same-origin ones, and Set-Cookie is ignored`
	case mode == "include" && cross:
		return `credentials: "include": cookies go out and Set-Cookie is kept (subject to SameSite, Secure and the third-party cookie policy), and every response, the preflight's included, must name the origin exactly and send Access-Control-Allow-Credentials: true`
	case mode == "include":
		return `credentials: "include": cookies go out, as on any same-origin request`
	case cross:
		return `credentials: "same-origin" (fetch()'s default): no cookies go to another origin and its Set-Cookie headers are ignored; "Access-Control-Allow-Origin: *" is enough`
	}
	return `credentials: "same-origin" (fetch()'s default): a same-origin request carries cookies`
}

// The preflight response headers the report quotes.
var preflightHeaders = []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
	"Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age"}

// fetchPreflightStep describes the preflight of attempt a of a fetch
// stream: not needed (and why), its request, its answer and the verdict.
func (d *diagnosis) fetchPreflightStep(a *diagAttempt) (Step, bool) {
	s := Step{Name: "preflight", Mark: MarkPass}
	if !d.crossOrigin() {
		s.Mark = MarkInfo
		s.Title = "not needed: a same-origin request is never preflighted"
		return s, true
	}
	if a.preReq == nil {
		var be *ssecors.BlockedError
		if errors.As(a.err, &be) && len(a.hops) == 0 {
			return s, false // refused before any request (mixed content)
		}
		if len(a.hops) == 0 && a.err != nil {
			return s, false // no request at all (a body or header function failed)
		}
		s.Mark = MarkInfo
		method := d.methodOf(a)
		if why := whyPreflight(method, d.unsafeOf(a), d.fetch.Header); len(why) > 0 {
			s.Title = "not sent: a cached preflight result still covers the request"
			return s, true
		}
		s.Title = "not needed: a simple request (a CORS-safelisted method and only CORS-safelisted headers)"
		return s, true
	}
	req := a.preReq
	s.Details = append(s.Details, "OPTIONS "+req.URL)
	for _, k := range slices.Sorted(maps.Keys(req.Header)) {
		s.Details = append(s.Details, k+": "+strings.Join(req.Header[k], ", "))
	}
	s.Details = append(s.Details, "a preflight never carries cookies or the request's headers, whatever the credentials mode: it only names them")
	if a.preResp == nil {
		rule, title, fix, details := d.explain(a.err, a)
		s.Mark, s.Title, s.Rule, s.Fix = MarkFail, "no answer: "+title, rule, fix
		s.Details = append(s.Details, details...)
		return s, true
	}
	resp := a.preResp
	s.Details = append(s.Details, fmt.Sprintf("answer: %d %s", resp.StatusCode, http.StatusText(resp.StatusCode)))
	for _, k := range preflightHeaders {
		vals := resp.Header.Values(k)
		needed := k == "Access-Control-Allow-Origin" || k == "Access-Control-Allow-Headers" && len(req.UnsafeHeaders) > 0 ||
			k == "Access-Control-Allow-Credentials" && d.es.Credentials() ||
			k == "Access-Control-Allow-Methods" && inspect.FetchNeedsPreflight(d.methodOf(a), nil)
		if len(vals) == 0 && needed {
			s.Details = append(s.Details, k+": (absent)")
		}
		for _, v := range vals {
			s.Details = append(s.Details, k+": "+v)
		}
	}
	if ce := blockedOf(resp); ce != nil {
		s.Mark, s.Title, s.Rule, s.Fix = MarkFail, string(ce.Rule)+": "+ce.Detail, ce.Rule, ce.Fix
		return s, true
	}
	if ce := preflightBlocked(a.err); ce != nil {
		s.Mark, s.Title, s.Rule, s.Fix = MarkFail, string(ce.Rule)+": "+ce.Detail, ce.Rule, ce.Fix
		return s, true
	}
	s.Details = append(s.Details, maxAgeLine(resp.Header))
	allowed := d.methodOf(a)
	if len(req.UnsafeHeaders) > 0 {
		allowed += " with " + strings.Join(req.UnsafeHeaders, ", ")
	}
	s.Title = fmt.Sprintf("OPTIONS answered %d and allows %s", resp.StatusCode, allowed)
	if w := lenientPreflight(resp.Header, req.UnsafeHeaders); w != "" {
		s.Mark = MarkWarn
		s.Details = append(s.Details, w)
		s.Fix = "name every header explicitly: " + quoteLine("Access-Control-Allow-Headers", strings.Join(explicitHeaders(resp.Header, req.UnsafeHeaders), ", "))
	}
	return s, true
}

// preflightBlocked returns err when it is a failed preflight check.
func preflightBlocked(err error) *ssecors.BlockedError {
	var be *ssecors.BlockedError
	if errors.As(err, &be) && be.Op == http.MethodOptions {
		return be
	}
	return nil
}

// maxAgeLine says how long a browser caches a successful preflight.
func maxAgeLine(h http.Header) string {
	const caps = "Chromium caps it at 2 h, Firefox at 24 h, Safari at 10 min"
	raw := strings.TrimSpace(h.Get("Access-Control-Max-Age"))
	n, err := strconv.Atoi(raw)
	switch {
	case raw == "":
		return "no Access-Control-Max-Age: a browser caches this result for 5 s, then preflights again"
	case err != nil || n < 0:
		return fmt.Sprintf("Access-Control-Max-Age %q is not a number of seconds: a browser caches this result for 5 s", raw)
	case n == 0:
		return "Access-Control-Max-Age: 0: a browser does not cache this result and preflights every request"
	}
	return fmt.Sprintf("a browser caches this result for %d s (Access-Control-Max-Age; %s)", n, caps)
}

// lenientPreflight returns a warning when a preflight that passed (under
// Chromium's rules, which ssecors follows) relies on something the Fetch
// standard, and so other browsers, refuse: "*" covering Authorization.
func lenientPreflight(h http.Header, unsafe []string) string {
	names := headerList(h.Values("Access-Control-Allow-Headers"))
	if slices.Contains(unsafe, "authorization") && slices.Contains(names, "*") && !slices.Contains(names, "authorization") {
		return `"Access-Control-Allow-Headers: *" passed for Authorization here, as in Chromium; the Fetch standard says "*" never covers Authorization, so a browser that follows it refuses this preflight: name authorization explicitly`
	}
	return ""
}

// explicitHeaders lists the header names a preflight answer should name:
// those it names, without "*", and the request's.
func explicitHeaders(h http.Header, unsafe []string) []string {
	var out []string
	for _, n := range headerList(h.Values("Access-Control-Allow-Headers")) {
		if n != "*" {
			out = append(out, n)
		}
	}
	out = append(out, unsafe...)
	sort.Strings(out)
	return slices.Compact(out)
}

// headerList splits comma-separated header lines into lowercased,
// trimmed, non-empty names.
func headerList(lines []string) []string {
	var out []string
	for _, line := range lines {
		for _, p := range strings.Split(line, ",") {
			if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// quoteLine quotes a header line as the SDK's fixes do.
func quoteLine(name, value string) string {
	return strconv.Quote(name + ": " + value)
}

// readableHeaders splits the names of the response headers h into those a
// page can read from a cross-origin fetch() response (the engine's rule:
// the CORS-safelisted names and those Access-Control-Expose-Headers
// lists, "*" only without credentials, never Set-Cookie) and those hidden
// from it, both lowercased and sorted; the CORS headers themselves are in
// neither list.
func readableHeaders(h http.Header, credentials bool) (readable, hidden []string) {
	for _, n := range inspect.ReadableHeaders(h, credentials) {
		if !strings.HasPrefix(n, "access-control-") {
			readable = append(readable, n)
		}
	}
	for name := range h {
		n := strings.ToLower(name)
		if !strings.HasPrefix(n, "access-control-") && !slices.Contains(readable, n) {
			hidden = append(hidden, n)
		}
	}
	sort.Strings(hidden)
	return readable, slices.Compact(hidden)
}

// exposeStep says which headers of the response that opened a
// cross-origin fetch stream the page can read.
func (d *diagnosis) exposeStep(a *diagAttempt) (Step, bool) {
	s := Step{Name: "expose", Mark: MarkInfo}
	if !a.opened || len(a.hops) == 0 {
		return s, false
	}
	resp := a.hops[len(a.hops)-1].resp
	if resp == nil || !resp.CORSChecked || resp.Blocked != nil {
		return s, false
	}
	creds := d.es.Credentials()
	readable, hidden := readableHeaders(resp.Header, creds)
	s.Title = fmt.Sprintf("the page can read %d of the response's headers: %s", len(readable), strings.Join(readable, ", "))
	if len(readable) == 0 {
		s.Title = "the page can read none of the response's headers"
	}
	vals := resp.Header.Values("Access-Control-Expose-Headers")
	if len(vals) == 0 {
		s.Details = append(s.Details, "Access-Control-Expose-Headers: (absent): only the CORS-safelisted headers are readable (Cache-Control, Content-Language, Content-Length, Content-Type, Expires, Last-Modified, Pragma)")
	}
	for _, v := range vals {
		s.Details = append(s.Details, "Access-Control-Expose-Headers: "+v)
	}
	if len(hidden) > 0 {
		s.Details = append(s.Details, "hidden from the page: "+strings.Join(hidden, ", "))
	}
	if slices.Contains(hidden, "set-cookie") || slices.Contains(hidden, "set-cookie2") {
		s.Details = append(s.Details, "Set-Cookie is never readable by a page, exposed or not")
	}
	if exposed := headerList(vals); slices.Contains(exposed, "*") && creds {
		s.Mark = MarkWarn
		s.Details = append(s.Details, `"*" in Access-Control-Expose-Headers is only a wildcard without credentials: with credentials: "include" it names a header called "*"`)
		var want []string
		for _, n := range exposed {
			if n != "*" {
				want = append(want, n)
			}
		}
		for _, n := range hidden {
			if n != "set-cookie" && n != "set-cookie2" {
				want = append(want, n)
			}
		}
		sort.Strings(want)
		if want = slices.Compact(want); len(want) > 0 {
			s.Fix = "name the headers the page reads: " + quoteLine("Access-Control-Expose-Headers", strings.Join(want, ", "))
		}
	}
	return s, true
}

// reconnectPreflight describes the preflight of a fetch stream's
// reconnection: the Last-Event-ID it carries makes a cross-origin request
// non-simple, even when the first request was simple.
func (d *diagnosis) reconnectPreflight(a *diagAttempt) []string {
	if !d.crossOrigin() {
		return nil
	}
	if a.preReq == nil {
		if len(a.hops) == 0 {
			return nil
		}
		req := a.hops[0].req
		unsafe := inspect.UnsafeFetchHeaderNames(req.Header)
		if len(whyPreflight(req.Method, unsafe, req.Header)) == 0 {
			return []string{"no preflight: the reconnection is still a simple request"}
		}
		return []string{"no preflight: the first preflight's result is still cached and allows " + joinAnd(unsafe) +
			"; once Access-Control-Max-Age runs out, a browser sends the same preflight again"}
	}
	req := a.preReq
	lines := []string{"preflight: OPTIONS " + req.URL}
	for _, k := range []string{"Access-Control-Request-Method", "Access-Control-Request-Headers"} {
		if v := req.Header.Values(k); len(v) > 0 {
			lines = append(lines, "  "+k+": "+strings.Join(v, ", "))
		}
	}
	if slices.Contains(req.UnsafeHeaders, "last-event-id") {
		lines = append(lines, "  Last-Event-ID is not CORS-safelisted: the reconnection needs a preflight that allows last-event-id")
	}
	if resp := a.preResp; resp != nil {
		lines = append(lines, fmt.Sprintf("  answer: %d %s", resp.StatusCode, http.StatusText(resp.StatusCode)))
		for _, k := range []string{"Access-Control-Allow-Methods", "Access-Control-Allow-Headers"} {
			vals := resp.Header.Values(k)
			if len(vals) == 0 && (k != "Access-Control-Allow-Methods" || inspect.FetchNeedsPreflight(d.methodOf(a), nil)) {
				lines = append(lines, "  "+k+": (absent)")
			}
			for _, v := range vals {
				lines = append(lines, "  "+k+": "+v)
			}
		}
	}
	return lines
}

// explainFetchStatus explains a fetch stream's response whose status is
// not ok (200-299): fetch() resolves, with response.ok false, and the
// page's client gives up.
func (d *diagnosis) explainFetchStatus(re *ssecors.ResponseError, a *diagAttempt, details []string) (rule ssecors.Rule, title, fix string, _ []string) {
	code := re.StatusCode
	title = fmt.Sprintf("the server answered %d %s, not an ok status (200-299)", code, http.StatusText(code))
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		fix = d.refusedFix(a, "the server refused the request: check the credentials the page sends (an Authorization header, or cookies, which need credentials: \"include\" cross-origin)",
			d.credentialsMode() == "include", fmt.Sprintf("the credentials mode is %q", d.credentialsMode()))
	case code == http.StatusNotFound:
		fix = "check the URL: the server has no stream at this path"
	case code == http.StatusMethodNotAllowed:
		fix = "accept " + d.methodOf(a) + " at this URL, or send the method it accepts"
	case code == http.StatusBadRequest || code == http.StatusUnprocessableEntity || code == http.StatusUnsupportedMediaType:
		fix = "the server refused the request body or its Content-Type: check what it expects"
	case code >= 500:
		fix = "the server failed: check its logs"
	default:
		fix = "answer with an ok status (200) and \"Content-Type: text/event-stream\""
	}
	return RuleStatus, title, fix, details
}
