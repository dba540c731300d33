// Package browsertest is ssecors' browser parity suite: the same cases run
// as new EventSource(url, {withCredentials}) in Debian's headless Chromium
// and through ssecors acting as the same page, against one scripted HTTPS
// server, and the outcomes are compared.
//
// It is a module of its own so that users of the SDK never download a
// browser driver. Run it with
//
//	cd browsertest && go test ./...
//
// It needs Chromium (apt-get install chromium; or set SSECORS_CHROMIUM to
// a binary). Without one it skips, unless CI=true, where that is a
// failure. -case REGEXP runs some cases only; -update rewrites
// ../PARITY.md, the report:
//
//	cd browsertest && go test -count=1 -run 'TestParity$' ./... -update
//
// # How a case runs
//
// [Server] listens on 127.0.0.1 (HTTPS with a certificate generated at
// start-up, and plain HTTP) and answers for every *.test host name:
// Chromium reaches it through --host-resolver-rules, ssecors through
// [Server.Client]. A [Case] names the page origin, the stream URL, the
// credentials flag, the cookies the user already has, and a script of
// responses per endpoint (status, headers, Set-Cookie, redirects, body,
// and how the response ends). The server records every request.
//
// On the Chromium side ([Browser.Run]) each case gets a new browser
// context; the cookies are primed by visiting their origin's login page,
// then the page origin is loaded and the EventSource created there. On the
// ssecors side ([SDKRunner.Run]) a fresh [browserjar.Jar] with the run's
// third-party cookie policy is primed with SetCookies and the source is
// created with WithOrigin, WithCredentials, WithCookieJar and
// WithHTTPClient.
//
// [Judge] compares the two [Outcome] values field by field; a difference
// passes only when the case names an entry of [Intentionals] that covers
// it. Cookie cases run under both third-party cookie policies, with one
// Chromium process per policy.
//
// # The fetch suite
//
// A case with a [FetchInit] (the cases named "fetch: ...", issue 14) is
// opened by the page with fetch(url, {method, headers, body, credentials})
// and read with res.body.getReader(), as @microsoft/fetch-event-source
// does: the page parses the events itself and, unless the case is
// one-shot, fetches again with Last-Event-ID when the body ends. ssecors
// runs it with WithFetch and WithHeader. The server logs the preflights
// with their Access-Control-Request-* headers, and every request's body,
// Content-Type and page headers; [Outcome.Fetches] records each fetch's
// result and the response header names the page can read.
package browsertest
