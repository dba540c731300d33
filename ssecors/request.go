package ssecors

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ssecors/ssecors-go/internal/mimetype"
	"github.com/ssecors/ssecors-go/internal/secrets"
	"github.com/ssecors/ssecors-go/internal/site"

	"github.com/ssecors/ssecors-go/ssecors/browserjar"
	"github.com/ssecors/ssecors-go/ssecors/ssetrace"
)

// maxRedirects is Fetch's redirect limit: the 21st redirect is an error.
const maxRedirects = 20

// errorBodyLimit bounds how much of a failed response's body is kept, and
// errorBodyWait how long ssecors waits for it.
const (
	errorBodyLimit = 512
	errorBodyWait  = 250 * time.Millisecond
)

// hop is the state of one request of a (possibly redirected) connection
// attempt, as Fetch tracks it.
type hop struct {
	url         *url.URL
	cors        bool   // response tainting is "cors"
	taint       taint  // redirect-taint
	origin      string // the Origin header, when cors
	credentials bool   // includeCredentials for this hop
	redirects   int    // redirects followed before this hop
	otherOrigin bool   // an origin other than the first URL's has been seen
	crossSite   bool   // an earlier URL of the chain was cross-site to the page (cookie redirect-taint)
	// firstUnsafe are the CORS-unsafe header names of the request as the
	// page made it, and firstNeeds whether it needed a preflight (fetch
	// mode): what Firefox and WebKit still preflight after a redirect.
	firstUnsafe []string
	firstNeeds  bool
	cookies     []browserjar.Decision

	method      string      // the request method: GET, or fetch mode's
	body        []byte      // fetch mode's body for this attempt
	hasBody     bool        // the request carries body
	noBodyHdrs  bool        // a redirect dropped the body and its headers
	extraHeader http.Header // WithHeaderFunc's headers for this attempt
}

// connect sends one connection attempt, following redirects with the
// browser's CORS, cookie and mixed-content rules, and returns the final
// response (not yet checked for status or content type) with its URL.
func (e *engine) connect(ctx context.Context) (*http.Response, *url.URL, error) {
	es := e.es
	u, err := e.attemptURL(ctx)
	if err != nil {
		return nil, nil, err
	}
	h := hop{url: u, method: http.MethodGet}
	if err := e.attemptInputs(ctx, &h); err != nil {
		return nil, nil, err
	}

	first := site.OriginOf(u)
	e.permanent, e.resetBeforeHeaders = nil, false
	for redirects := 0; ; redirects++ {
		hopOrigin := site.OriginOf(h.url)
		if es.cfg.emulate {
			if err := e.checkMixedContent(h.url); err != nil {
				return nil, nil, err
			}
			if !h.cors && !site.SameOrigin(e.page, hopOrigin) {
				h.cors = true
			}
		}
		h.credentials = !es.omitCredentials() && (es.cfg.credentials || !h.cors)
		if h.cors {
			h.origin = serializeRequestOrigin(e.page, h.taint)
		}
		// Fetch removes Authorization for good once another origin is seen.
		h.otherOrigin = h.otherOrigin || hopOrigin != first
		req, err := e.newRequest(ctx, &h)
		if err != nil {
			return nil, nil, err
		}
		if redirects == 0 && es.cfg.fetch != nil && es.cfg.rules.PreflightAfterRedirect {
			h.firstUnsafe = unsafeHeaderNames(req.Header, false)
			h.firstNeeds = fetchNeedsPreflight(h.method, h.firstUnsafe)
		}
		if h.cors && es.preflight != nil {
			if err := e.maybePreflight(ctx, &h, req.Header); err != nil {
				return nil, nil, err
			}
		}
		e.observeRequest(ctx, &h, req)
		resp, err := es.client.Do(req)
		if err != nil {
			if es.preflight != nil && h.cors {
				es.preflight.clear(h.origin, h.url.String())
			}
			e.resetBeforeHeaders = isReset(err)
			return nil, nil, &NetworkError{Op: h.method, URL: es.red.url(h.url), Err: es.red.err(unwrapURLError(err))}
		}
		if loc := resp.Header.Get("Location"); loc != "" {
			// A signed redirect target is as secret as the first URL, in
			// this response's headers and in whatever comes next.
			if next, err := h.url.Parse(loc); err == nil {
				es.red.learn(next)
			}
		}
		var stored []browserjar.Decision
		if h.credentials {
			stored = e.storeCookies(&h, resp)
		}
		redirect := isRedirect(resp.StatusCode) && resp.Header.Get("Location") != ""
		var cerr *BlockedError
		if h.cors {
			cerr = e.checkHop(&h, resp, redirect)
		}
		e.observeResponse(ctx, &h, resp, stored, cerr)
		if cerr != nil {
			resp.Body.Close() // a browser reads nothing of a response that fails CORS
			return nil, nil, cerr
		}
		if !redirect {
			return resp, h.url, nil
		}
		next, err := e.followRedirect(resp, &h, redirects)
		discard(resp)
		if err != nil {
			return nil, nil, err
		}
		if redirectDropsBody(resp.StatusCode, h.method) {
			h.method, h.body, h.hasBody, h.noBodyHdrs = http.MethodGet, nil, false, true
		}
		e.observeRedirect(ctx, h.url, next, resp.StatusCode)
		if es.cfg.emulate {
			h.taint = updateTaint(h.taint, e.page, site.OriginOf(h.url), site.OriginOf(next))
			h.crossSite = h.crossSite || !es.cfg.rules.SameSite(e.page, site.OriginOf(h.url))
		}
		if resp.StatusCode == http.StatusMovedPermanently || resp.StatusCode == http.StatusPermanentRedirect {
			e.permanent = next
		}
		h.url = next
		h.redirects = redirects + 1
	}
}

// attemptURL returns the URL of the next attempt: where the last
// connection ended up, with the parameters of WithQueryFunc.
func (e *engine) attemptURL(ctx context.Context) (*url.URL, error) {
	es := e.es
	u := e.current
	f := es.cfg.queryFunc
	if f == nil {
		return u, nil
	}
	vals, err := f(ctx)
	if err != nil {
		return nil, &NetworkError{Op: "query", URL: es.red.url(u), Err: es.red.err(err)}
	}
	var params []queryParam
	for _, k := range sortedKeys(vals) {
		for _, v := range vals[k] {
			params = append(params, queryParam{key: k, value: v, option: "WithQueryFunc"})
		}
	}
	nu, cerr := mergeQuery(u, params, true)
	if cerr != nil {
		return nil, &NetworkError{Op: "query", URL: es.red.url(u), Err: errors.New(cerr.Reason)}
	}
	es.red.learn(nu)
	return nu, nil
}

// attemptInputs prepares what an attempt sends besides its URL: fetch
// mode's method and body, and the headers of WithHeaderFunc. A failing
// function fails the attempt before any request is sent.
func (e *engine) attemptInputs(ctx context.Context, h *hop) error {
	es := e.es
	if f := es.cfg.fetch; f != nil {
		h.method = f.method
		if f.body != nil {
			body, err := readBody(f.body)
			if err != nil {
				return &NetworkError{Op: "body", URL: es.red.url(h.url), Err: es.red.err(err)}
			}
			h.body, h.hasBody = body, true
			// A server may echo the body, in an error for instance: the
			// values of its secret-looking fields are secrets.
			for i, v := range secrets.BodyValues(h.body, es.red.secretName) {
				es.red.learnSecret("body "+strconv.Itoa(i), v)
			}
		}
	}
	if f := es.cfg.headerFunc; f != nil {
		hd, err := f(ctx)
		if err != nil {
			return &NetworkError{Op: "header", URL: es.red.url(h.url), Err: es.red.err(err)}
		}
		h.extraHeader = make(http.Header, len(hd))
		for k, vs := range hd {
			ck := http.CanonicalHeaderKey(k)
			for i, v := range vs {
				if why := headerProblem(k, v, es.cfg.fetch != nil); why != "" {
					return &ConfigError{Option: "WithHeaderFunc", Value: ck, Reason: "returned a header: " + why}
				}
				if es.red.secretHeader(ck) {
					es.red.learnHeader(ck, i, v)
				}
			}
			h.extraHeader[ck] = append(h.extraHeader[ck], vs...)
		}
		if es.cfg.fetch != nil && es.cfg.emulate {
			if bad := forbiddenHeaders(h.extraHeader); len(bad) > 0 {
				return &ConfigError{Option: "WithHeaderFunc", Value: bad[0],
					Reason: "returned a forbidden request-header (Fetch): a page's fetch() cannot set it, the browser does"}
			}
		}
	}
	return nil
}

// omitCredentials reports fetch mode's "omit" credentials mode.
func (es *EventSource) omitCredentials() bool {
	return es.cfg.fetch != nil && es.cfg.fetch.creds == credOmit
}

// checkHop applies the CORS check to the response of a CORS request.
func (e *engine) checkHop(h *hop, resp *http.Response, redirect bool) *BlockedError {
	es := e.es
	cerr := checkCORS(resp.Header, h.origin, es.cfg.credentials)
	if cerr == nil {
		return nil
	}
	cerr.Op = h.method
	if redirect {
		cerr.Detail = "the redirect response (" + strconv.Itoa(resp.StatusCode) + "): " + cerr.Detail
	}
	cerr.URL = es.red.url(h.url)
	es.red.blockedError(cerr)
	return cerr
}

// observeRequest logs and traces a request about to be sent. It and the
// two below are kept out of connect, whose frame sits under http.Client.Do
// on every attempt: a large frame there makes the goroutine's stack grow.
func (e *engine) observeRequest(ctx context.Context, h *hop, req *http.Request) {
	es := e.es
	if es.cfg.emulate {
		es.log.DebugContext(ctx, "ssecors: request", "url", e.logURL(h.url), "origin", h.origin,
			"credentials", h.credentials, "last_event_id", req.Header.Get("Last-Event-ID"))
	} else { // a plain client has no page, so no Origin and no credentials mode
		es.log.DebugContext(ctx, "ssecors: request", "url", e.logURL(h.url),
			"last_event_id", req.Header.Get("Last-Event-ID"))
	}
	if t := e.trace; t != nil && t.Request != nil {
		t.Request(ssetrace.Request{Attempt: e.attempts, Redirects: h.redirects, Method: h.method,
			URL: es.red.url(h.url), Header: es.red.header(req.Header), CORS: h.cors, Origin: h.origin,
			Tainted: h.taint != taintSameOrigin, Credentials: h.credentials, Cookies: h.cookies, BodySize: len(h.body)})
	}
}

// observeResponse logs and traces a response.
func (e *engine) observeResponse(ctx context.Context, h *hop, resp *http.Response, stored []browserjar.Decision, cerr *BlockedError) {
	es := e.es
	es.log.DebugContext(ctx, "ssecors: response", "url", e.logURL(h.url), "status", resp.StatusCode,
		"content_type", es.red.text(resp.Header.Get("Content-Type")))
	if t := e.trace; t != nil && t.Response != nil {
		var blocked error
		if cerr != nil {
			blocked = cerr
		}
		t.Response(ssetrace.Response{Attempt: e.attempts, Redirects: h.redirects, Method: h.method,
			URL: es.red.url(h.url), StatusCode: resp.StatusCode, Header: es.red.header(resp.Header),
			Proto: resp.Proto, CORSChecked: h.cors, Blocked: blocked, SetCookies: stored})
	}
}

// observeRedirect logs a redirect.
func (e *engine) observeRedirect(ctx context.Context, from, to *url.URL, status int) {
	e.es.log.DebugContext(ctx, "ssecors: redirect", "from", e.logURL(from), "to", e.logURL(to), "status", status)
}

// newRequest builds the request a browser sends for h: for an
// EventSource, a GET with Accept, Cache-Control and Pragma as Fetch sets
// them; in fetch mode, the method and body of the attempt, Accept:
// text/event-stream unless the caller set one, and fetch()'s Content-Type
// for a body without one. Then Last-Event-ID when the last event ID is not
// empty, Origin on a CORS request, the cookies the credentials mode and the
// jar allow, and the caller's own headers (minus Authorization once
// another origin than the first was seen, and the request-body headers once
// a redirect dropped the body, as Fetch removes them).
func (e *engine) newRequest(ctx context.Context, h *hop) (*http.Request, error) {
	es := e.es
	var body io.Reader
	if h.hasBody {
		body = bytes.NewReader(h.body)
	}
	req, err := http.NewRequestWithContext(ctx, h.method, h.url.String(), body)
	if err != nil {
		return nil, &NetworkError{Op: h.method, URL: es.red.url(h.url), Err: es.red.err(err)}
	}
	hd := req.Header
	for _, src := range [2]http.Header{es.cfg.header, h.extraHeader} {
		for k, v := range src {
			if h.otherOrigin && k == "Authorization" || h.noBodyHdrs && slices.Contains(requestBodyHeaders, k) {
				continue
			}
			hd[k] = v
		}
	}
	if es.cfg.fetch != nil {
		if len(hd["Accept"]) == 0 {
			hd["Accept"] = []string{"text/event-stream"}
		}
		if h.hasBody && len(hd["Content-Type"]) == 0 {
			hd["Content-Type"] = []string{"text/plain;charset=UTF-8"}
		}
	} else {
		hd["Accept"] = []string{"text/event-stream"}
		hd["Cache-Control"] = []string{"no-cache"}
		if !h.otherOrigin || es.cfg.rules.PragmaAfterCrossOriginRedirect {
			hd["Pragma"] = []string{"no-cache"}
		}
	}
	// Chromium trims surrounding spaces and tabs (header values cannot
	// carry them), and an id with a control byte cannot be sent at all:
	// it is left out rather than failing every reconnection.
	if id := strings.Trim(es.LastEventID(), " \t"); id != "" && validHeaderValue(id) {
		hd["Last-Event-Id"] = []string{id}
	}
	if h.cors {
		hd["Origin"] = []string{h.origin}
	} else if es.cfg.fetch != nil && es.cfg.emulate && h.method != http.MethodGet && h.method != http.MethodHead {
		// Fetch "append a request Origin header": a same-origin request
		// whose method is not GET or HEAD carries the origin too, or "null"
		// on a downgrade from https under the default referrer policy.
		o := e.page.String()
		if e.page.Scheme == "https" && h.url.Scheme != "https" {
			o = "null"
		}
		hd["Origin"] = []string{o}
	}
	cookie, decisions := e.requestCookies(h)
	if cookie != "" {
		hd["Cookie"] = []string{cookie}
	}
	h.cookies = decisions
	return req, nil
}

// requestCookies returns the Cookie header value for h, and why each
// cookie of the jar was sent or not.
func (e *engine) requestCookies(h *hop) (string, []browserjar.Decision) {
	es := e.es
	switch {
	case es.cookies != nil:
		send, decisions := es.cookies.CookiesFor(e.cookieRequest(h))
		for _, d := range decisions {
			es.log.Debug("ssecors: cookie", "name", d.Name, "sent", d.Sent, "reason", d.Reason)
		}
		return browserjar.CookieHeader(send), decisions
	case es.plainJar != nil && h.credentials:
		return browserjar.CookieHeader(es.plainJar.Cookies(h.url)), nil
	}
	return "", nil
}

func (e *engine) cookieRequest(h *hop) browserjar.Request {
	return browserjar.Request{
		URL:               h.url,
		TopLevel:          e.page.String(),
		NestedFrame:       e.es.cfg.nested,
		Credentials:       h.credentials,
		CrossSiteRedirect: h.crossSite, // the jar's engine decides whether it matters
	}
}

// isReset reports whether err, from sending a request, is the connection
// closed or reset before any response header, or over HTTP/2 the stream
// reset by the server: what Firefox and WebKit retry once, at once and
// silently. net/http's HTTP/2 stream error has no exported type, so its
// message is matched.
func isReset(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "stream error: ") && strings.Contains(msg, "received from peer")
}

// storeCookies processes the response's Set-Cookie headers, which a
// browser does whenever the request included credentials, whatever the
// CORS check then says.
func (e *engine) storeCookies(h *hop, resp *http.Response) []browserjar.Decision {
	es := e.es
	lines := resp.Header.Values("Set-Cookie")
	if len(lines) == 0 {
		return nil
	}
	switch {
	case es.cookies != nil:
		decisions := es.cookies.SetCookiesFrom(e.cookieRequest(h), lines)
		for _, d := range decisions {
			es.log.Debug("ssecors: set-cookie", "name", d.Name, "stored", d.Stored, "reason", d.Reason)
		}
		return decisions
	case es.plainJar != nil:
		es.plainJar.SetCookies(h.url, resp.Cookies())
	}
	return nil
}

// checkMixedContent refuses an http request from an https page, as a
// browser blocks mixed content. Loopback hosts are potentially trustworthy
// and allowed, as in Chromium and Firefox; WebKit blocks them too.
func (e *engine) checkMixedContent(u *url.URL) error {
	if e.page.Scheme != "https" || u.Scheme != "http" {
		return nil
	}
	if e.es.cfg.rules.LoopbackIsTrustworthy && site.IsLoopbackHost(site.OriginOf(u).Host) {
		return nil
	}
	return &BlockedError{
		Rule:   RuleMixedContent,
		URL:    e.es.red.url(u),
		Detail: "the page origin " + e.page.String() + " is https but the stream is http: a browser blocks this mixed content",
		Fix:    "serve the stream over https",
	}
}

// followRedirect validates a redirect response and returns the next URL, as
// Fetch's HTTP-redirect fetch does.
func (e *engine) followRedirect(resp *http.Response, h *hop, redirects int) (*url.URL, error) {
	es := e.es
	if redirects >= maxRedirects {
		// A network error: Chromium reestablishes the connection after it.
		return nil, &NetworkError{Op: h.method, URL: es.red.url(h.url), Err: errTooManyRedirects}
	}
	loc := resp.Header.Get("Location")
	next, err := h.url.Parse(loc)
	if err != nil || !validQueryPart(loc) {
		return nil, &BlockedError{Rule: RuleRedirectLocation, URL: es.red.url(h.url),
			Detail: "the Location header does not parse as a URL", Fix: "send an absolute http or https URL in Location"}
	}
	if next.Scheme != "http" && next.Scheme != "https" || next.Hostname() == "" {
		return nil, &BlockedError{Rule: RuleRedirectScheme, URL: es.red.url(next),
			Detail: "a redirect to a non-HTTP(S) URL is a network error", Fix: "redirect to an http or https URL"}
	}
	if next.User != nil && (h.cors || !site.SameOrigin(site.OriginOf(h.url), site.OriginOf(next))) {
		return nil, &BlockedError{Rule: RuleRedirectCredentials, URL: es.red.url(next),
			Detail: "a cross-origin redirect to a URL with user information is a network error",
			Fix:    "remove the user:password@ part from Location"}
	}
	next.Fragment, next.RawFragment = "", ""
	return next, nil
}

func isRedirect(code int) bool {
	switch code {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

// checkResponse decides whether a final response opens the stream, as the
// EventSource processResponse steps do: 200 and a text/event-stream
// Content-Type. It follows Chromium in also refusing a charset other than
// UTF-8 (Firefox and WebKit, as the spec, decode as UTF-8 whatever it
// says). In fetch mode any ok status but 204 opens, with any charset: a
// page reads and decodes the body itself.
func (e *engine) checkResponse(resp *http.Response, u *url.URL) error {
	ct := resp.Header.Values("Content-Type")
	fetch := e.es.cfg.fetch != nil
	ok, charset := resp.StatusCode == http.StatusOK, false
	if fetch {
		ok = resp.StatusCode >= 200 && resp.StatusCode <= 299 && resp.StatusCode != http.StatusNoContent
	}
	if ok {
		essence, cs, parsed := mimetype.Extract(ct, e.es.cfg.rules.ContentTypeFirst)
		ok = parsed && essence == "text/event-stream"
		charset = ok && !fetch && e.es.cfg.rules.StrictCharset && cs != "" && !strings.EqualFold(cs, "utf-8")
		ok = ok && !charset
	}
	if ok {
		return nil
	}
	contentType := e.es.red.text(strings.Join(ct, ", "))
	re := &ResponseError{
		method:      requestMethod(resp),
		URL:         e.es.red.url(u),
		StatusCode:  resp.StatusCode,
		ContentType: contentType,
		RetryAfter:  parseRetryAfter(resp.Header.Get("Retry-After"), e.es.cfg.now()),
		Detail:      responseDetail(resp.StatusCode, contentType, charset, fetch),
	}
	// Keep the first bytes of what the server said, without waiting on a
	// body that never ends: a stream with the wrong type stays open.
	t := time.AfterFunc(errorBodyWait, func() { resp.Body.Close() })
	body, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyLimit))
	t.Stop()
	resp.Body.Close()
	re.Body = []byte(e.es.red.text(string(body)))
	return re
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP
// date. It returns zero when absent or invalid, and caps the delay.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if strings.Trim(v, "0123456789") == "" { // delay-seconds
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter // all digits: only overflow fails
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	if d < 0 {
		return 0
	}
	if d > maxRetryAfter {
		d = maxRetryAfter
	}
	return d
}

// discard drains a little of a response body, so the connection can be
// reused, and closes it, without waiting long on a body that never ends.
func discard(resp *http.Response) {
	t := time.AfterFunc(errorBodyWait, func() { resp.Body.Close() })
	io.CopyN(io.Discard, resp.Body, 4<<10)
	t.Stop()
	resp.Body.Close()
}

// requestMethod is the method of the request that resp answers.
func requestMethod(resp *http.Response) string {
	if resp.Request != nil && resp.Request.Method != "" {
		return resp.Request.Method
	}
	return http.MethodGet
}
