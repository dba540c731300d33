package browsertest

import (
	"fmt"
	"strings"
)

// fetchFindings are the questions issue 14 asked about Chromium's fetch(),
// each answered in the report by what Chromium did in the named cases.
var fetchFindings = []struct {
	Question string
	Cases    []string
}{
	{"Does `Access-Control-Allow-Headers: *` cover `Authorization`? (Fetch: never)",
		[]string{"fetch: ACAH * and Authorization", "fetch: ACAH *, authorization"}},
	{"Is `Access-Control-Allow-Methods` compared case-sensitively?",
		[]string{"fetch: put (lower case), ACAM PUT", "fetch: PUT, ACAM put", "fetch: patch (lower case), ACAM PATCH", "fetch: patch (lower case), ACAM patch"}},
	{"How long is a preflight cached (`Access-Control-Max-Age`)?",
		[]string{"fetch: preflight cache, no Max-Age (5 s)", "fetch: Max-Age 1, second fetch after 1.5 s", "fetch: Max-Age 0",
			"fetch: Max-Age 86400000 (capped at 2 h)", "fetch: Max-Age -1", "fetch: Max-Age 1.5", "fetch: Max-Age abc"}},
	{"Does a same-origin POST carry `Origin`?",
		[]string{"fetch: same-origin POST JSON", "fetch: same-origin GET", "fetch: omit, same-origin, cookies primed"}},
	{"Does a reconnect's `Last-Event-ID` need preflight permission?",
		[]string{"fetch: reconnect with id, ACAH without last-event-id", "fetch: reconnect with id, ACAH with last-event-id",
			"fetch: simple POST, reconnect with id"}},
	{"What does a redirect do to method, body, `Origin` and `Authorization`?",
		[]string{"fetch: 303 after POST", "fetch: 307 keeps POST and body", "fetch: 307 after preflight, to another origin",
			"fetch: Authorization after a cross-origin redirect", "fetch: same-origin JSON POST, 307 to another origin",
			"fetch: preflight redirect 307"}},
	{"Which response headers can the page read?",
		[]string{"fetch: no ACEH", "fetch: ACEH * without credentials", "fetch: ACEH * with credentials", "fetch: ACEH set-cookie",
			"fetch: ACEH with a non-token item"}},
}

// writeFetchSection writes the report's section on the fetch suite, from
// the runs of one Chromium configuration.
func writeFetchSection(b *strings.Builder, res *ConfigResult) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	byName := map[string]*Run{}
	agree, intentional, different, cases := 0, 0, 0, map[*Case]bool{}
	for _, r := range res.Runs {
		byName[r.Name()] = r
		if r.Case.Fetch == nil {
			continue
		}
		cases[r.Case] = true
		switch {
		case r.Verdict.Agree():
			agree++
		case r.Verdict.Pass():
			intentional++
		default:
			different++
		}
	}
	p("### Chromium: fetch mode\n\n")
	if len(cases) == 0 {
		p("No fetch case in this run.\n\n")
		return
	}
	p("Fetch cases: **%d**, runs: **%d**; verdicts: **%d agree**, **%d intentional differences**, **%d different**.\n\n", len(cases), agree+intentional+different, agree, intentional, different)
	p("The page emulates a `fetch()`-based SSE client such as `@microsoft/fetch-event-source`: it calls `fetch(url, {method, headers, body, credentials, signal})` with `Accept: text/event-stream` unless the case sets Accept, reads `res.body.getReader()` through a `TextDecoder`, and parses the events in page JavaScript (the suite's own parser, independent of ssecors'). ")
	p("A rejected `fetch()` (a `TypeError`: CORS or network failure), a status that is not ok, a 204 or a type other than `text/event-stream` ends the stream for good (`err→X`), as ssecors' fetch mode does for a CORS failure (a network error before the response, which a page cannot tell from one, ssecors retries: see `fetch-network-retry`). ")
	p("When the body ends, a one-shot case closes (no error event); a reconnecting one fires `err→C`, waits the reconnection time (`retry:`, default 3 s) and fetches again with the same init plus `Last-Event-ID` once an id is known. Two fetches in one page share Chromium's preflight cache, which is how the Max-Age cases are measured; ssecors' cache belongs to the source, so its reconnect is the second fetch.\n\n")
	p("What is compared, besides the events: every request the server saw, preflights included (method, URL, `Origin`, `Cookie`, `Last-Event-ID`, `Access-Control-Request-Method`, `Access-Control-Request-Headers`, `Content-Type`, the body and whether it had a `Content-Length`, `Accept` when not the expected one, `Cache-Control` and `Pragma` when present, and the page's own headers); each fetch's result; the names of the response headers the page can read (`[...res.headers.keys()]`; for ssecors, computed from the response `OnOpen` received: every header same-origin, otherwise the CORS-safelisted ones plus `Access-Control-Expose-Headers`, `*` only without credentials, never `Set-Cookie`; `Date` and `Content-Length` left out on both sides); and the cookie jar.\n\n")

	p("What Chromium does (`%s`):\n\n", res.Config.Name)
	p("| question | case | Chromium: requests, fetch result | ssecors |\n|---|---|---|---|\n")
	for _, f := range fetchFindings {
		for i, name := range f.Cases {
			r := byName[name]
			if r == nil {
				continue
			}
			q := ""
			if i == 0 {
				q = cell(f.Question)
			}
			reqs := make([]string, len(r.Browser.Requests))
			for j, rq := range r.Browser.Requests {
				reqs[j] = "`" + strings.ReplaceAll(shortReq(rq), "|", "¦") + "`"
			}
			p("| %s | %s | %s<br>%s | %s |\n", q, cell(name), strings.Join(reqs, " "), cell(strings.Join(r.Browser.Fetches, "; ")), r.Verdict.String())
		}
	}
	p("\n")
}

// shortReq drops the parts of a described request that every fetch case
// shares, for the findings table.
func shortReq(d string) string {
	d = strings.ReplaceAll(d, " Origin="+pageOrigin, " Origin=page")
	if i := strings.Index(d, " Body="); i >= 0 {
		if j := strings.Index(d[i+1:], " "); j >= 0 {
			d = d[:i] + " +body" + d[i+1+j:]
		} else {
			d = d[:i] + " +body"
		}
	}
	return d
}
