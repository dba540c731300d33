// Package doctor answers, for an integration test or a terminal, the
// question a browser's developer tools answer only in pieces: can a page on
// origin X open this server-sent event stream with
// new EventSource(url, {withCredentials}) — or with
// fetch(url, {method, headers, body, credentials}) and a stream reader —
// and if not, which rule stops it and what to change?
//
//	rep, err := doctor.Diagnose(ctx, streamURL, doctor.Options{},
//		ssecors.WithOrigin("https://app.example.com"), ssecors.WithCredentials())
//	if err != nil {
//		t.Fatal(err) // the check could not run
//	}
//	if !rep.Connects {
//		t.Fatalf("%s\nfix: %s\n%s", rep.Summary, rep.Fix, rep) // rep.Rule names the rule
//	}
//
// # How it works
//
// [Diagnose] decides no browser rule of its own. It builds a real
// [ssecors.EventSource] from the options given, exactly as [ssecors.New]
// would, runs it with an [ssetrace.Trace] on the context, and turns what
// the engine did into a [Report]: the request a browser sends, mixed
// content, the cookies the [browserjar.Jar] sent or withheld (and which
// other browser would treat them otherwise), each redirect and
// CORS check, the response, the Set-Cookie headers kept, the first events
// and, with [Options].Reconnect, one reconnection with Last-Event-ID. It
// changes only what a check must: it does not wait between attempts, bounds
// each wait for response headers, and closes the source when it has seen
// enough.
//
// # Streams read with fetch()
//
// With [Options].Fetch the page calls fetch() instead (see [Fetch]), as
// LLM APIs and MCP clients do. A cross-origin fetch() that is not simple —
// a method other than GET, HEAD or POST, or a CORS-unsafe header such as
// Authorization, Content-Type: application/json, a custom header, or
// Last-Event-ID when resuming — is preceded by a CORS preflight, which the
// engine sends and checks as Chromium does. The report says why the
// request is or is not simple, shows the preflight and its answer, the
// response headers the page can read (step "expose"), and, with
// Options.Reconnect, whether the preflight of a reconnection carrying
// Last-Event-ID passes. The body never appears in the report, only its
// size.
//
// # Production checks
//
// Once the stream opens, the report adds what breaks streams behind real
// infrastructure, each with its fix: "protocol" (HTTP/1.1 limits a
// browser to 6 connections per host, shared by its tabs), "compression"
// (the request carries the Accept-Encoding Chromium sends and the doctor
// decodes gzip and deflate itself, so a compressed event stream shows),
// "buffering" (heuristics for a proxy that holds events back, saying how
// sure they are), "hygiene" (Vary: Origin, retry:, id:) and, with
// [Options].Watch, "idle": silences and cuts compared with common idle
// timeouts of proxies and load balancers. These steps warn; they never
// change the verdict. Report.Protocol names the protocol of the stream.
//
// # One verdict per browser
//
// Browsers disagree, above all on third-party cookies, so the diagnosis
// judges each profile of [Options].Browsers (by default
// [browser.Profiles]: Chrome, Chrome Incognito, which is also Debian's
// Chromium, Firefox with Total Cookie Protection, and Safari with
// Intelligent Tracking Prevention). It still makes its requests once, as
// the profile that sends the most of the jar's cookies, and judges the
// others from what those requests showed: the cookies each profile's view
// of the same jar sends, and the engine rules that read the same response
// otherwise (a charset other than UTF-8, a listed or repeated Content-Type,
// an http loopback stream on an https page, a redirect loop). A browser
// that would withhold a cookie the stream was opened with is judged not to
// connect ([RuleThirdPartyCookie], [RuleCookie]): the doctor cannot tell
// whether the server needs it without another request. [Report].Browsers
// holds a [BrowserVerdict] for each, with [BrowserVerdict].Observed false
// where the verdict is judged rather than seen.
//
// # The verdict
//
// [Report].Connects is the verdict, like an exit code: true when every
// browser checked would open the stream (and, with Options.Reconnect,
// survive its first reconnection); false when one would not, with
// [Report].Rule naming the rule that fails for the first of them (an
// [ssecors.Rule] of a [*ssecors.BlockedError], or one of the rules
// declared here, such as [RuleStatus]) and [Report].Fix what to change.
// The ssecors command ("ssecors doctor URL --origin ORIGIN") prints the
// same report and exits 0 for true, 1 for false, and 2 when Diagnose
// returned an error, which means the check could not run at all. Steps
// marked [MarkWarn] do not change the verdict.
//
// A Report holds no secret query value and no cookie value, and marshals to
// JSON with stable field names.
package doctor
