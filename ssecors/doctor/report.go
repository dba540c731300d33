package doctor

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ssecors/ssecors-go/ssecors"
)

// The rules a [Report] names beside those of a [*ssecors.BlockedError]: why
// a response did not open a stream, or why no response arrived.
const (
	// RuleStatus: the server answered a status other than 200, 204 No
	// Content included; a browser fails the connection and does not
	// reconnect.
	RuleStatus ssecors.Rule = "status"
	// RuleContentType: the server answered 200 without a text/event-stream
	// Content-Type, or with a charset other than UTF-8.
	RuleContentType ssecors.Rule = "content-type"
	// RuleNetwork: no response arrived: DNS, a refused connection, TLS, a
	// reset, too many redirects. A browser keeps retrying.
	RuleNetwork ssecors.Rule = "network"
	// RuleTimeout: the response headers did not arrive within
	// [Options].Timeout (or the HTTP client's Timeout).
	RuleTimeout ssecors.Rule = "timeout"
	// RuleEventTooLarge: an event or a line exceeded the maximum event size
	// (ssecors.WithMaxEventSize); a browser has no such limit.
	RuleEventTooLarge ssecors.Rule = "event-too-large"
	// RuleError: any other error that ended the source.
	RuleError ssecors.Rule = "error"
)

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
	// "preflight", "cookies", "redirect", "cors", "response", "expose"
	// (the response headers a fetch() page can read), "set-cookie",
	// "events" or "reconnect"; and, once the stream opened, the
	// production checks: "protocol", "compression", "buffering", "idle"
	// (with [Options].Watch) and "hygiene". Production checks only warn:
	// they never change the verdict.
	Name string `json:"name"`
	// Mark grades the step.
	Mark Mark `json:"mark"`
	// Title says what happened, in one line.
	Title string `json:"title"`
	// Details are the evidence, one line each: headers sent and received,
	// cookie decisions with their reasons, events.
	Details []string `json:"details,omitempty"`
	// Rule names the rule a failing step broke (see [Report].Rule).
	Rule ssecors.Rule `json:"rule,omitempty"`
	// Fix says what to change, when there is something to change.
	Fix string `json:"fix,omitempty"`
}

// ReportEvent is an event received during a diagnosis, with the fields of
// [ssecors.Event] under stable JSON names.
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
// Credentials}), or with fetch() as [Options].Fetch describes it, the
// steps that led to that verdict, and the first events.
// It marshals to JSON with stable lowercase field names; nothing in it
// holds a secret query value or a cookie value.
type Report struct {
	// URL is the stream URL, secrets redacted.
	URL string `json:"url"`
	// Origin is the page origin given with [ssecors.WithOrigin].
	Origin string `json:"origin"`
	// Credentials is the withCredentials flag ([ssecors.WithCredentials]),
	// or, for a fetch stream, whether its credentials mode is "include".
	Credentials bool `json:"credentials"`
	// Method is the method of a fetch stream ([Options].Fetch), empty for
	// an EventSource, whose request is always a GET.
	Method string `json:"method,omitempty"`
	// CredentialsMode is the credentials mode of a fetch stream: "omit",
	// "same-origin" or "include"; empty for an EventSource.
	CredentialsMode string `json:"credentials_mode,omitempty"`
	// Browser names the browser profile the diagnosis's requests acted as
	// (see [Options].Browsers): the steps show its requests.
	Browser string `json:"browser"`
	// ThirdPartyCookies is the third-party cookie setting of that profile:
	// "allow", "block", "partition" or "block-all".
	ThirdPartyCookies string `json:"third_party_cookies"`
	// Protocol is the protocol the stream's response came over, such as
	// "HTTP/1.1" or "HTTP/2.0"; empty when no stream opened.
	Protocol string `json:"protocol,omitempty"`
	// Connects is the verdict: every browser of Browsers connects, that
	// is, would open the stream, and, when a reconnection was diagnosed,
	// would not have it end the source.
	Connects bool `json:"connects"`
	// Browsers holds the verdict for each browser profile of
	// [Options].Browsers, in that order.
	Browsers []BrowserVerdict `json:"browsers"`
	// Rule names what stops the first browser of Browsers that does not
	// connect, empty when Connects: a rule of a [BrowserVerdict] such as
	// [RuleThirdPartyCookie], or the Rule of a
	// [*ssecors.BlockedError] (a CORS rule such as
	// [ssecors.RuleAllowCredentials], or another refusal such as
	// [ssecors.RuleMixedContent]), [RuleStatus] or [RuleContentType] for a
	// response that does not open a stream, [RuleNetwork] or [RuleTimeout]
	// when no response arrived, [RuleEventTooLarge], or [RuleError] for
	// anything else.
	Rule ssecors.Rule `json:"rule,omitempty"`
	// Fix says what to change for that browser, empty when Connects.
	Fix string `json:"fix,omitempty"`
	// Summary is the verdict in one line.
	Summary string `json:"summary"`
	// Steps are the checks, in the order a browser makes them.
	Steps []Step `json:"steps"`
	// Events are the first events received (at most [Options].MaxEvents).
	Events []ReportEvent `json:"events"`
	// Err is the error that ended the diagnosed source (acting as
	// Browser), as [ssecors.EventSource.Run] returned it (a
	// *ssecors.BlockedError, *ssecors.ResponseError,
	// *ssecors.NetworkError...), or nil when it connected, even if another
	// browser would not. It is not marshaled.
	Err error `json:"-"`
}

// Find returns the first step with the given [Step].Name, or nil.
func (r *Report) Find(name string) *Step {
	for i := range r.Steps {
		if r.Steps[i].Name == name {
			return &r.Steps[i]
		}
	}
	return nil
}

// String renders the report as text for a terminal: a header naming the
// question and the browsers, one block per step (of the requests made as
// [Report].Browser) whose first line starts with PASS, WARN, FAIL or
// INFO, one line per group of browsers with the same verdict ("Chrome:
// yes", "Firefox / Safari: no — why [rule]", then the fix), and a final
// verdict line, "verdict: yes" or "verdict: no", followed by the fix.
// [Report.Connects] decides which.
func (r *Report) String() string {
	var b strings.Builder
	call := fmt.Sprintf("new EventSource(url, {withCredentials: %t})", r.Credentials)
	if r.Method != "" {
		call = fmt.Sprintf("fetch(url, {method: %q, credentials: %q}) and a streaming reader", r.Method, r.CredentialsMode)
	}
	names := make([]string, len(r.Browsers))
	for i, v := range r.Browsers {
		names[i] = v.Browser
	}
	fmt.Fprintf(&b, "can a page on %s open\n  %s\nwith %s\nin %s?\n(the requests below act as %s, third-party cookies: %s)\n\n",
		r.Origin, r.URL, call, nameList(names), r.Browser, r.ThirdPartyCookies)
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
	for _, l := range browserLines(r.Browsers) {
		b.WriteString(l + "\n")
	}
	if len(r.Browsers) > 0 {
		b.WriteString("\n")
	}
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

// Redact replaces every occurrence of each secret (of at least 4 bytes),
// and of its %q-quoted form, in the report's text — URL, summary, fix,
// steps and events — with "REDACTED": for secrets the report cannot
// recognize, such as a token that a server echoes in an error body. The
// report already hides secret query values, credential header values and,
// for [Options].Fetch, the secrets of the fetch request.
func (r *Report) Redact(secrets ...string) {
	var list []string
	for _, x := range secrets {
		if len(x) < minSecret {
			continue
		}
		list = append(list, x)
		// The report quotes bodies and event data with %q.
		if q := strconv.Quote(x); q[1:len(q)-1] != x {
			list = append(list, q[1:len(q)-1])
		}
	}
	if len(list) == 0 {
		return
	}
	sort.Slice(list, func(i, j int) bool { // longest first, duplicates side by side
		if len(list[i]) != len(list[j]) {
			return len(list[i]) > len(list[j])
		}
		return list[i] < list[j]
	})
	secrets = slices.Compact(list)
	hide := func(s *string) {
		for _, x := range secrets {
			if strings.Contains(*s, x) {
				*s = strings.ReplaceAll(*s, x, "REDACTED")
			}
		}
	}
	hide(&r.URL)
	hide(&r.Summary)
	hide(&r.Fix)
	for i := range r.Browsers {
		hide(&r.Browsers[i].Reason)
		hide(&r.Browsers[i].Fix)
	}
	for i := range r.Steps {
		st := &r.Steps[i]
		hide(&st.Title)
		hide(&st.Fix)
		for j := range st.Details {
			hide(&st.Details[j])
		}
	}
	for i := range r.Events {
		hide(&r.Events[i].Data)
		hide(&r.Events[i].LastEventID)
	}
}
