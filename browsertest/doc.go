// Package browsertest is ssecors' browser parity suite: the same cases run
// as new EventSource(url, {withCredentials}) in real browsers (Debian's
// headless Chromium, Firefox ESR over WebDriver BiDi, WebKitGTK's
// MiniBrowser through WebKitWebDriver) and through ssecors acting as the
// same page in the matching browser.Profile, against one scripted HTTPS
// server, and the outcomes are compared.
//
// It is a module of its own so that users of the SDK never download a
// browser driver. Run it with
//
//	cd browsertest && go test ./...                                 # Chromium
//	go test -count=1 -run 'TestParity$' ./... -engine firefox,webkit
//
// It needs the engines' Debian packages (chromium, firefox-esr,
// webkit2gtk-driver, xvfb). Without one, its configurations are left out,
// unless CI=true, where that is a failure. -case REGEXP runs some cases
// only; -update rewrites the engines' sections of ../PARITY.md.
//
// # How a case runs
//
// [Server] listens on 127.0.0.1 (HTTPS with a certificate generated at
// start-up, and plain HTTP) and answers for every *.test host name:
// Chromium reaches it through --host-resolver-rules, Firefox and WebKit
// through a [HostProxy], ssecors through [Server.Client]. A [Case] names
// the page origin, the stream URL, the credentials flag, the cookies the
// user already has, and a script of responses per endpoint (status,
// headers, Set-Cookie, redirects, body, and how the response ends). The
// server records every request.
//
// A [Config] is an engine set up one way (a [Setting]) and the
// browser.Profile ssecors runs with. [RunConfig] starts the engine; each
// case gets a fresh cookie store, its cookies are primed by visiting their
// origin's login page, then the page is loaded and the stream opened there
// ([Engine.Run]). On the ssecors side ([SDKRunner.Run]) a fresh
// [browserjar.Jar] for the profile is primed with SetCookies and the source
// is created with WithOrigin, WithBrowser, WithCredentials, WithCookieJar
// and WithHTTPClient.
//
// [Judge] compares the two [Outcome] values field by field; a difference
// passes only when an entry of [Intentionals] names the case, applies to
// the engine, and covers every differing field.
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
