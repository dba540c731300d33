// Package doctor answers, for an integration test or a terminal, the
// question a browser's developer tools answer only in pieces: can a page on
// origin X open this server-sent event stream with
// new EventSource(url, {withCredentials}), and if not, which rule stops it
// and what to change?
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
// content, the cookies the [browserjar.Jar] sent or withheld (and what the
// jar's other third-party cookie policy would change), each redirect and
// CORS check, the response, the Set-Cookie headers kept, the first events
// and, with [Options].Reconnect, one reconnection with Last-Event-ID. It
// changes only what a check must: it does not wait between attempts, bounds
// each wait for response headers, and closes the source when it has seen
// enough.
//
// # The verdict
//
// [Report].Connects is the verdict, like an exit code: true when a browser
// would open the stream (and, with Options.Reconnect, survive its first
// reconnection); false when it would not, with [Report].Rule naming the
// rule that fails (an [ssecors.Rule] of a [*ssecors.BlockedError], or one
// of the rules declared here, such as [RuleStatus]) and [Report].Fix what
// to change. The ssecors command ("ssecors doctor URL --origin ORIGIN")
// prints the same report and exits 0 for true, 1 for false, and 2 when
// Diagnose returned an error, which means the check could not run at all.
// Steps marked [MarkWarn] do not change the verdict.
//
// A Report holds no secret query value and no cookie value, and marshals to
// JSON with stable field names.
package doctor
