package doctor

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ssecors/ssecors-go/internal/inspect"
	"github.com/ssecors/ssecors-go/internal/jarhook"
	"github.com/ssecors/ssecors-go/internal/site"
	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/browserjar"
	"github.com/ssecors/ssecors-go/ssecors/ssetrace"
)

// This file turns what the trace showed into the report's steps.

// report builds the report, then hides the fetch request's secrets in it.
func (d *diagnosis) report() *Report {
	r := d.buildReport()
	r.Redact(d.secrets...)
	return r
}

func (d *diagnosis) buildReport() *Report {
	r := &Report{
		URL:               d.v.RedactURL(d.u),
		Origin:            d.v.PageOrigin.String(),
		Credentials:       d.es.Credentials(),
		Browser:           d.profiles[d.acting].String(),
		ThirdPartyCookies: d.profiles[d.acting].ThirdPartyCookies.String(),
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

	if d.fetch != nil {
		r.Method = d.methodOf(first)
		r.CredentialsMode = d.credentialsMode()
		r.Steps = append(r.Steps, d.fetchRequestStep(first))
	} else {
		r.Steps = append(r.Steps, d.requestStep(first))
	}
	r.Steps = append(r.Steps, d.mixedContentStep(first.err))
	switch {
	case d.fetch != nil:
		if s, ok := d.fetchPreflightStep(first); ok {
			r.Steps = append(r.Steps, s)
		}
	case d.mode != ssecors.PreflightNever:
		if s, ok := d.preflightStep(first); ok {
			r.Steps = append(r.Steps, s)
		}
	}
	if s, ok := d.cookiesStep(first); ok {
		r.Steps = append(r.Steps, s)
	}
	r.Steps = append(r.Steps, d.hopSteps(first, failErr)...)
	if d.fetch != nil {
		if s, ok := d.exposeStep(first); ok {
			r.Steps = append(r.Steps, s)
		}
	}
	if s, ok := d.setCookieStep(first); ok {
		r.Steps = append(r.Steps, s)
	}
	if first.opened {
		r.Steps = append(r.Steps, d.eventsStep(first))
	}
	verdictErr := failErr
	connects := first.opened
	if first.opened && d.oneShot() && d.opts.Reconnect {
		r.Steps = append(r.Steps, Step{Name: "reconnect", Mark: MarkInfo,
			Title: "not checked: a one-shot stream is one response, which a client does not resume"})
	}
	if first.opened && first.reconnect != nil {
		s, fatalErr := d.reconnectStep(first, d.get(2))
		r.Steps = append(r.Steps, s)
		if fatalErr != nil {
			connects, verdictErr = false, fatalErr
		}
	}

	if first.opened {
		r.Steps = append(r.Steps, d.productionSteps(first)...)
	}
	if h := streamHop(first); h != nil {
		r.Protocol = h.resp.Proto
	}

	r.Err = verdictErr
	real := outcome{connects: connects}
	if connects {
		r.Err = nil
	} else {
		if verdictErr == nil {
			verdictErr = errors.New("the stream did not open")
		}
		var details []string
		real.rule, real.reason, real.fix, details = d.explain(verdictErr, first)
		if !hasFail(r.Steps) {
			r.Steps = append(r.Steps, Step{Name: "response", Mark: MarkFail, Title: real.reason, Details: details, Rule: real.rule, Fix: real.fix})
		}
	}
	r.Browsers = d.verdicts(first, real)
	r.Connects = true
	var yes, no []string
	var firstNo *BrowserVerdict
	for i, v := range r.Browsers {
		if v.Connects {
			yes = append(yes, v.Browser)
			continue
		}
		r.Connects = false
		no = append(no, v.Browser)
		if firstNo == nil {
			firstNo = &r.Browsers[i]
		}
	}
	who := "a page on " + r.Origin
	switch {
	case r.Connects:
		r.Summary = d.successSummary(r)
	case connects:
		// The requests opened the stream; some browsers would not.
		r.Rule, r.Fix = firstNo.Rule, firstNo.Fix
		r.Summary = fmt.Sprintf("%s can open this stream in %s, but not in %s [%s]: %s", who, nameList(yes), joinProse(no, " or "), firstNo.Rule, firstNo.Reason)
	default:
		r.Rule, r.Fix = firstNo.Rule, firstNo.Fix
		in := ""
		if len(yes) > 0 {
			in = " in " + nameList(no)
		}
		switch {
		case first.opened:
			r.Summary = fmt.Sprintf("%s opens this stream%s, but its first reconnection ends it for good [%s]: %s", who, in, real.rule, real.reason)
		default:
			r.Summary = fmt.Sprintf("%s cannot open this stream%s [%s]: %s", who, in, real.rule, real.reason)
		}
		if len(yes) > 0 {
			r.Summary += "; it can in " + nameList(yes)
		}
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
	if len(d.v.HeaderNames) > 0 && d.fetch == nil {
		s += "; but this check sent headers a browser cannot send, so a browser may still fail"
	}
	return s
}

// relation says how a URL relates to the page: same-origin, same-site or
// cross-site.
func (d *diagnosis) relation(u *url.URL) string {
	page, o := d.v.PageOrigin, site.OriginOf(u)
	switch {
	case site.SameOrigin(page, o) && !d.v.TopLevel:
		return "same-origin (in a cross-site frame, so cross-site for cookies)"
	case site.SameOrigin(page, o):
		return "same-origin"
	case !d.v.TopLevel:
		return "cross-origin, cross-site (the page is in a cross-site frame)"
	case site.SameSite(page, o):
		return "cross-origin, same-site"
	}
	return "cross-origin, cross-site"
}

func (d *diagnosis) requestStep(a *diagAttempt) Step {
	es := d.es
	s := Step{Name: "request", Mark: MarkPass}
	rel := d.relation(d.u)
	cross := d.crossOrigin()
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
		s.Details = append(s.Details, "GET "+d.v.RedactURL(d.u)+" (not sent)")
	} else {
		s.Details = append(s.Details, "GET "+req.URL)
		hdr := req.Header
		if hdr.Get("Accept-Encoding") == "" {
			// The doctor's transport adds it, as a browser's network stack does.
			hdr = hdr.Clone()
			if hdr == nil {
				hdr = http.Header{}
			}
			hdr.Set("Accept-Encoding", browserAcceptEncoding(d.u))
		}
		for _, k := range slices.Sorted(maps.Keys(hdr)) {
			s.Details = append(s.Details, k+": "+strings.Join(hdr[k], ", "))
		}
	}
	switch {
	case !cross:
		s.Details = append(s.Details, "credentials: a same-origin request always carries cookies")
	case d.es.Credentials():
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
			if unsafe := inspect.UnsafeHeaderNames(req.Header); len(unsafe) > 0 {
				s.Details = append(s.Details, "with these headers a fetch() would be preflighted (CORS-unsafe: "+strings.Join(unsafe, ", ")+")")
			}
		}
		if len(d.v.HeaderNames) > 0 {
			s.Fix = "a page cannot send request headers with EventSource: carry the value in the query string (WithQuery) or in a cookie"
		}
	}
	return s
}

func (d *diagnosis) mixedContentStep(err error) Step {
	var be *ssecors.BlockedError
	if errors.As(err, &be) && be.Rule == ssecors.RuleMixedContent {
		return Step{Name: "mixed-content", Mark: MarkFail, Title: "blocked: " + be.URL,
			Details: []string{be.Detail}, Rule: be.Rule, Fix: be.Fix}
	}
	page := d.v.PageOrigin
	o := site.OriginOf(d.u)
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
	mode := d.mode
	s := Step{Name: "preflight", Mark: MarkPass}
	note := "a browser never sends this preflight: it shows what a hand-made OPTIONS or a fetch()-based client gets (" + mode.String() + ", beyond the browser)"
	if a.preReq == nil {
		var be *ssecors.BlockedError
		if errors.As(a.err, &be) && len(a.hops) == 0 {
			return s, false
		}
		s.Mark = MarkInfo
		s.Title = "not sent: the request carries no CORS-unsafe header, so a fetch() would not preflight it either"
		if d.crossOrigin() && mode == ssecors.PreflightAlways {
			s.Title = "not sent: a cached preflight result still covers the request"
		}
		s.Details = []string{note}
		return s, true
	}
	req := a.preReq
	s.Details = append(s.Details, "OPTIONS "+req.URL)
	for _, k := range slices.Sorted(maps.Keys(req.Header)) {
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
	s := Step{Name: "cookies"}
	if len(a.hops) == 0 {
		return s, false
	}
	if d.v.Jar == nil {
		if !d.v.PlainJar {
			return s, false
		}
		s.Mark = MarkWarn
		s.Title = "the cookie jar is not a *browserjar.Jar: it cannot apply SameSite or the third-party cookie policy, so this check cannot say what a browser sends"
		return s, true
	}
	sent, held := 0, 0
	multi := len(a.hops) > 1
	var withheld, withheldCookies []string // profiles that withhold a cookie sent here, and those cookies
	for _, h := range a.hops {
		prefix := ""
		if multi {
			prefix = h.req.URL + ": "
		}
		for _, c := range h.req.Cookies {
			if c.Sent {
				sent++
				s.Details = append(s.Details, prefix+cookieLabel(c)+": "+withVerb("sent", c.Reason))
			} else {
				held++
				s.Details = append(s.Details, prefix+cookieLabel(c)+": not sent: "+c.Reason)
			}
			lines, names := d.otherBrowsers(h.sentBy, cookieKey(c), func(o browserjar.Decision) string {
				switch {
				case o.Sent && !c.Sent:
					return c.Name + " would be sent"
				case !o.Sent && c.Sent:
					return c.Name + " would not be sent: " + o.Reason
				case !o.Sent && o.Reason != c.Reason:
					return "still not sent: " + o.Reason
				}
				return ""
			}, func(o browserjar.Decision) bool { return c.Sent && !o.Sent })
			s.Details = append(s.Details, lines...)
			for _, n := range names {
				if !slices.Contains(withheld, n) {
					withheld = append(withheld, n)
				}
			}
			if len(names) > 0 && !slices.Contains(withheldCookies, c.Name) {
				withheldCookies = append(withheldCookies, c.Name)
			}
		}
	}
	u := d.u
	if pu, err := url.Parse(a.hops[0].req.URL); err == nil {
		u = pu
	}
	total := sent + held
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
	if len(d.profiles) > 1 && total > 0 {
		s.Title = strings.Replace(s.Title, " sent", " sent as "+d.profiles[d.acting].String(), 1)
	}
	if len(withheld) > 0 {
		s.Mark = MarkWarn
		s.Title += "; " + nameList(withheld) + " would not send " + nameList(withheldCookies)
	}
	return s, true
}

// otherBrowsers describes how the profiles other than the acting one
// treat one cookie, from their decisions per profile (decisions[k] for
// profile k; the cookie is found by key): line gives the difference from
// the acting profile's decision, or "" for none. Profiles with the same
// line share it: "  in Firefox / Safari: ...". names are the profiles
// for which flag is true.
func (d *diagnosis) otherBrowsers(decisions [][]browserjar.Decision, key string, line func(browserjar.Decision) string, flag func(browserjar.Decision) bool) (lines, names []string) {
	var texts []string
	who := map[string][]string{}
	for k, list := range decisions {
		if k == d.acting || k >= len(d.profiles) {
			continue
		}
		for _, o := range list {
			if key != "" && cookieKey(o) != key {
				continue
			}
			if flag(o) {
				names = append(names, d.profiles[k].String())
			}
			if t := line(o); t != "" {
				if _, ok := who[t]; !ok {
					texts = append(texts, t)
				}
				who[t] = append(who[t], d.profiles[k].String())
			}
			break
		}
	}
	for _, t := range texts {
		lines = append(lines, "  in "+strings.Join(who[t], " / ")+": "+t)
	}
	return lines, names
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
		var be *ssecors.BlockedError
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
		if len(vals) == 0 && k == "Access-Control-Allow-Credentials" && d.fetch != nil && !d.es.Credentials() {
			continue // no credentials, nothing to allow
		}
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
	if d.es.Credentials() {
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
	var re *ssecors.ResponseError
	if errors.As(failErr, &re) {
		rule, title, fix, details := d.explain(re, a)
		s.Mark, s.Rule, s.Fix = MarkFail, rule, fix
		s.Title = desc + ": " + title
		switch {
		case rule == RuleStatus && d.fetch != nil:
			s.Title = desc + ": not an ok status (200-299), so the page's fetch() client stops"
		case rule == RuleStatus:
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
			// One decision per Set-Cookie line, in order: line i of each.
			nth := make([][]browserjar.Decision, len(h.storedBy))
			for k, list := range h.storedBy {
				if i < len(list) {
					nth[k] = list[i : i+1]
				}
			}
			lines, _ := d.otherBrowsers(nth, "", func(o browserjar.Decision) string {
				switch {
				case o.Stored && !c.Stored:
					return c.Name + " would be stored"
				case !o.Stored && c.Stored:
					return c.Name + " would not be stored: " + o.Reason
				}
				return ""
			}, func(browserjar.Decision) bool { return false })
			s.Details = append(s.Details, lines...)
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
	switch {
	case a.extra > 0 && d.opts.Watch > 0:
		s.Details = append(s.Details, fmt.Sprintf("and %d more while watched", a.extra))
	case a.extra > 0:
		s.Details = append(s.Details, fmt.Sprintf("and %d more, already received when the connection was dropped", a.extra))
	}
	if rc := a.reconnect; rc != nil && !d.opts.Reconnect {
		s.Details = append(s.Details, fmt.Sprintf("then %s; %s reconnects after %s%s", endedBy(rc.Err), d.client(), rc.Delay, lastIDClause(d.v.RedactText(rc.LastEventID))))
	}
	return s
}

// client names what reconnects: the browser's EventSource, or the page's
// own code around fetch().
func (d *diagnosis) client() string {
	if d.fetch != nil {
		return "the page's fetch()-based client"
	}
	return "a browser"
}

func eventLine(ev ssecors.Event) string {
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
	var ne *ssecors.NetworkError
	switch {
	case errors.Is(err, inspect.ErrRestart):
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
	lastID := d.v.RedactText(rc.LastEventID)
	s := Step{Name: "reconnect", Mark: MarkPass}
	s.Details = append(s.Details, endedBy(rc.Err)+"; "+d.client()+" waits "+rc.Delay.String()+" (the reconnection time) before reconnecting; this check did not wait")
	if second == nil {
		s.Mark = MarkInfo
		s.Title = d.client() + " reconnects after " + rc.Delay.String() + lastIDClause(lastID)
		return s, nil
	}
	var req *ssetrace.Request
	if len(second.hops) > 0 {
		req = &second.hops[0].req
	}
	if req != nil {
		sentID := strings.Join(req.Header.Values("Last-Event-Id"), ", ")
		if sentID == "" {
			s.Details = append(s.Details, req.Method+" "+req.URL+" without Last-Event-ID: no event set an id, so the server cannot resume and events sent meanwhile are lost")
		} else {
			s.Details = append(s.Details, req.Method+" "+req.URL+" with Last-Event-ID: "+sentID)
		}
	}
	switch {
	case d.fetch != nil:
		s.Details = append(s.Details, d.reconnectPreflight(second)...)
		if be := preflightBlocked(second.err); be != nil {
			s.Mark, s.Rule, s.Fix = MarkFail, be.Rule, be.Fix
			s.Title = "the reconnection's preflight fails [" + string(be.Rule) + "]: " + be.Detail
			s.Details = append(s.Details, "every reconnection carries Last-Event-ID and is refused the same way: the stream opens, but can never resume")
			return s, second.err
		}
	case second.preReq != nil:
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
		for _, ev := range second.events {
			s.Details = append(s.Details, "first event after reconnecting: "+eventLine(ev))
			if ev.LastEventID != "" && ev.LastEventID == rc.LastEventID {
				s.Mark = MarkWarn
				s.Title = "reopened, but the server resent event id " + d.v.RedactText(ev.LastEventID) + ", the one named by Last-Event-ID: an off-by-one replay"
				s.Details = append(s.Details, "Last-Event-ID names the last event the client received; the server resumed from that event instead of after it, so a browser dispatches it twice")
				s.Fix = "resume with the event after the one named by Last-Event-ID, not with that event"
				return s, nil
			}
			if seenID(first, ev.LastEventID) {
				s.Mark = MarkWarn
				s.Title = "reopened, but the server sent event id " + d.v.RedactText(ev.LastEventID) + " again: it ignores Last-Event-ID"
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
	var re *ssecors.ResponseError
	if errors.As(err, &re) && re.StatusCode == http.StatusNoContent {
		s.Mark = MarkWarn
		s.Title = "the server answered 204 No Content: a browser stops reconnecting, for good"
		s.Details = append(s.Details, "that is how a server ends a stream on purpose; if it is not, answer 200 with text/event-stream")
		return s, nil
	}
	rule, title, fix, details := d.explain(err, second)
	s.Details = append(s.Details, details...)
	if d.v.Fatal(err) {
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
func (d *diagnosis) explain(err error, a *diagAttempt) (rule ssecors.Rule, title, fix string, details []string) {
	var (
		be *ssecors.BlockedError
		re *ssecors.ResponseError
		ne *ssecors.NetworkError
	)
	switch {
	case errors.As(err, &be):
		return be.Rule, be.Detail, be.Fix, nil
	case errors.As(err, &re):
		return d.explainResponse(re, a)
	case errors.As(err, &ne):
		if ne.Timeout() {
			return RuleTimeout, "no response headers in time (" + ne.Error() + ")",
				"send the response headers at once and flush them: a proxy or a compressing middleware that buffers the response keeps a browser waiting too", nil
		}
		return RuleNetwork, ne.Error(),
			"check that the server is reachable at this URL from where the browser runs, and that its certificate is valid; a browser would keep retrying every few seconds", nil
	case errors.Is(err, ssecors.ErrEventTooLarge):
		return RuleEventTooLarge, err.Error(), "send smaller events, or raise WithMaxEventSize (browsers have no limit)", nil
	}
	return RuleError, err.Error(), "", nil
}

func (d *diagnosis) explainResponse(re *ssecors.ResponseError, a *diagAttempt) (rule ssecors.Rule, title, fix string, details []string) {
	if len(re.Body) > 0 {
		details = append(details, "body: "+fmt.Sprintf("%q", truncate(string(re.Body), 200)))
	}
	if d.fetch != nil && (re.StatusCode < 200 || re.StatusCode > 299) {
		return d.explainFetchStatus(re, a, details)
	}
	if re.StatusCode != http.StatusOK && d.fetch == nil {
		rule = RuleStatus
		title = fmt.Sprintf("the server answered %d %s, not 200", re.StatusCode, http.StatusText(re.StatusCode))
		if re.StatusCode == http.StatusNoContent {
			title = re.Detail
		}
		switch code := re.StatusCode; {
		case code == http.StatusNoContent:
			fix = "204 tells a browser to stop for good: answer 200 with \"Content-Type: text/event-stream\" while the stream should be open"
		case code == http.StatusUnauthorized || code == http.StatusForbidden:
			fix = d.refusedFix(a, "the server refused the request: a browser's EventSource cannot send an Authorization header or any header of its own; it authenticates with cookies (withCredentials) or a value in the URL",
				d.es.Credentials(), "withCredentials is false")
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
	rule = RuleContentType
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

// refusedFix is the fix for a 401 or 403 answer to attempt a: the cookie
// a browser withheld, if any; else refused, which adds, for a
// cross-origin request without credentials, that the mode (why) sent no
// cookie.
func (d *diagnosis) refusedFix(a *diagAttempt, refused string, credentials bool, why string) string {
	if held := withheldCookies(a); held != "" {
		return "a browser did not send the cookie " + held
	}
	if !credentials && d.crossOrigin() {
		return refused + "; " + why + ", so no cookie was sent"
	}
	return refused
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
func blockedOf(resp *ssetrace.Response) *ssecors.BlockedError {
	var be *ssecors.BlockedError
	if resp == nil || !errors.As(resp.Blocked, &be) {
		return nil
	}
	return be
}

func isRedirect(code int) bool {
	switch code {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

// truncate shortens s to at most n bytes, on a rune boundary, marking the
// cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
