// Package ssecors opens server-sent event streams the way a browser's
// EventSource does, following WHATWG HTML "Server-sent events"
// (https://html.spec.whatwg.org/multipage/server-sent-events.html) and the
// CORS protocol of WHATWG Fetch (https://fetch.spec.whatwg.org/#http-cors-protocol):
// the same requests, the same parsing, the same reconnections with
// Last-Event-ID, and, when told which page origin to act as, the same
// Origin header, credentials mode, cookie rules and CORS check. Where a
// browser would refuse a stream, ssecors refuses it too and says why.
//
// A minimal consumer:
//
//	es, err := ssecors.New("https://api.example.com/events")
//	if err != nil {
//		return err
//	}
//	es.OnMessage(func(ev ssecors.Event) { fmt.Println(ev.Data) })
//	err = es.Run(ctx) // connects, dispatches, reconnects; returns after Close or ctx end
//
// Or pull style, with the same engine:
//
//	for ev, err := range es.Events(ctx) { ... } // err: see ErrReconnecting
//
// [Decoder] parses a stream from any io.Reader, for streams that do not
// arrive over HTTP.
//
// Around the core: package ssecors/browser names the browser a page runs
// in (Chrome, Chrome Incognito, Firefox, Safari); ssecors/browserjar is
// the browser's cookie
// store, which the core asks hop by hop which cookies go out and which
// Set-Cookie headers stay; ssecors/ssetrace attaches hooks for every
// request, response and reconnection to Run's context; ssecors/doctor
// answers, for an integration test, whether a page on a given origin could
// open a stream, and if not which rule fails and how to fix it (the
// ssecors command prints the same report: "ssecors doctor URL --origin
// ORIGIN"); and ssecors/ssetest is a test server, like net/http/httptest,
// with several host names, TLS, CORS policies, cookie logins and faults.
//
// # Browser parity
//
// By default an [EventSource] behaves as a page on the stream's own origin:
// no Origin header, no CORS check. [WithOrigin] makes it a page on another
// origin, and then everything a browser does for a cross-origin
// EventSource applies:
//
//   - Requests are GETs with Accept: text/event-stream, Cache-Control:
//     no-cache and Pragma: no-cache; reconnections carry Last-Event-ID when
//     the last event ID is not empty (never a stale one after "id:" reset
//     it). A browser's first request never carries Last-Event-ID.
//   - A cross-origin request carries Origin, and each of its responses,
//     redirects included, must pass the CORS check: an exact
//     Access-Control-Allow-Origin, or "*" without credentials, plus
//     Access-Control-Allow-Credentials: true with [WithCredentials].
//   - Redirects (at most 20; a 21st is a network error) are followed with Fetch's rules: a redirect
//     across origins taints the request so later hops send Origin: null;
//     cookies and credentials are recomputed at every hop; reconnections
//     go to the final URL.
//   - Cookies are sent and stored as the credentials mode allows:
//     same-origin requests always, cross-origin ones only with
//     WithCredentials. A [browserjar.Jar] then applies SameSite (unset means
//     Lax in Chromium), Secure, the public suffix list, Partitioned cookies
//     and the browser's third-party cookie setting (by default blocked, as
//     in Chrome Incognito and Debian's Chromium: see [WithBrowser]).
//   - An https page cannot open an http stream (mixed content); loopback
//     hosts are exempt, as in Chromium.
//   - 200 with a text/event-stream Content-Type opens the stream (the state
//     becomes Open and OnOpen runs). Any other status or type fails the
//     connection: Closed, OnError once, no reconnection. So does a CORS
//     failure. Like Chromium, a charset other than UTF-8 is refused. Unlike
//     Chromium, a missing or text/plain Content-Type fails at once instead
//     of after MIME sniffing.
//   - A network error or the end of the stream reestablishes the
//     connection: the state returns to Connecting, OnError runs, and the
//     source waits the reconnection time (3 s, or the last "retry:") before
//     trying again, for ever.
//
// # Which browser
//
// The rules above are Chromium's, in a Chrome Incognito window (the
// default). [WithBrowser] picks another [browser.Profile]: [browser.Chrome]
// (third-party cookies allowed), [browser.Firefox] (Total Cookie
// Protection) or [browser.Safari] (Intelligent Tracking Prevention). Each
// brings its engine's rules, as the repository's browsertest suite
// measured them in Debian's Chromium, Firefox ESR and WebKitGTK:
//
//   - cookies: Firefox and Safari treat a cookie without SameSite as None,
//     do not tell http from https sites, and withhold Lax and Strict
//     cookies from a request redirected through another site; their
//     third-party settings partition (Firefox) or block (Safari) every
//     cross-site cookie;
//   - Firefox and Safari open a stream whatever its charset, and go back to
//     the constructor's URL to reconnect after a redirect (Firefox keeps
//     the target of a permanent one); they close the source when the
//     redirect limit is reached, and retry once, silently, a connection
//     closed before the response;
//   - Firefox waits 5 s before its first reconnection, raises a "retry:"
//     below 500 ms to 500 ms, and drops an event whose id holds NUL;
//   - Safari judges a Content-Type by the first type of its last header
//     line, sends no Pragma after a cross-origin redirect, and treats
//     http://localhost on an https page as mixed content;
//   - in fetch mode, Firefox and Safari preflight every redirected request
//     when the page's request needed a preflight, and Firefox caches
//     nothing for a non-integer Access-Control-Max-Age.
//
// # Streams read with fetch()
//
// Many pages read a stream with fetch() and a body reader instead of an
// EventSource — LLM completion APIs, MCP's Streamable HTTP transport — to
// send a method, a body and headers of their own. [WithFetch] makes the
// source such a page:
//
//	es, err := ssecors.New("https://api.example.com/v1/chat",
//		ssecors.WithOrigin("https://app.example.com"), // optional: the page
//		ssecors.WithFetch(ssecors.Fetch{Method: "POST", Body: body, OneShot: true}),
//		ssecors.WithHeader("Content-Type", "application/json"),
//		ssecors.WithHeaderFunc(func(ctx context.Context) (http.Header, error) {
//			return http.Header{"Authorization": {"Bearer " + token(ctx)}}, nil
//		}),
//	)
//
// Then the browser rules are Fetch's: a cross-origin request that is not
// simple (a method other than GET, HEAD or POST, or a CORS-unsafe header
// such as Authorization, Content-Type: application/json, a custom header,
// or Last-Event-ID on a reconnection) is preceded by the OPTIONS preflight
// the browser sends, checked and cached as Chromium does; the credentials
// mode is omit, same-origin or include; the body is replayed on every
// attempt; and OneShot ends the source with the body instead of
// reconnecting. See [Fetch].
//
// # Beyond the browser
//
// Each of these is off unless an option turns it on, and documented on it:
// an explicit OPTIONS preflight before connecting ([WithPreflight]; no
// browser preflights an EventSource), parameters added to the query string
// for what a browser cannot send as headers ([WithQuery], and
// [WithQueryFunc] for tokens refreshed per attempt), custom headers
// ([WithHeader], reported as something a page cannot do), a retry policy
// with growth, jitter, limits and reconnection after 5xx and 429 with
// Retry-After ([WithRetry] and [RetryPolicy]), an idle-read timeout
// ([WithIdleTimeout]), a starting last event ID ([WithLastEventID]), and
// logging ([WithLogger]).
//
// Two limits are always on: an event, or a line, larger than the maximum
// event size ([WithMaxEventSize], 16 MiB by default) ends the source with
// [ErrEventTooLarge] and memory stays bounded; and an attempt that
// delivered no event is followed by a wait of at least 100 ms, so that
// "retry: 0" and a server that closes at once cannot make the client spin.
//
// # Concurrency
//
// Handlers run one at a time on the goroutine that called Run (or that
// ranges over Events), in stream order, with no lock held: a handler may
// add or remove handlers and call Close. Every method of EventSource is
// safe for concurrent use. Close never blocks and never waits for Run.
// Each connection attempt (its requests, redirects and preflights, with
// the calls to [WithHeaderFunc]'s function, the cookie jar and the
// ssetrace Request and Response hooks) runs on a goroutine of its own
// that Run waits for, so that the stack of an idle source stays small; a
// panic there ends Run with that panic, on Run's goroutine. Run starts no
// goroutine that outlives it; net/http may finish a dial or a TLS
// handshake that was under way in its own goroutines after Run has
// returned, bounded by the transport's timeouts. A [browserjar.Jar] is
// safe for concurrent use and may be shared by several sources, like a
// browser profile.
//
// # Errors
//
// Errors are typed; use errors.As and errors.Is. What each failure does:
//
//	failure                                error                          state       reconnects
//	DNS, refused, TLS, connect timeout,    *NetworkError (Op "GET")       Connecting  yes
//	reset or malformed answer before the
//	response, more than 20 redirects
//	stream ended by the server             *NetworkError (Err io.EOF)     Connecting  yes
//	stream cut, reset, malformed chunking, *NetworkError (Op "read")      Connecting  yes
//	idle or event timeout
//	preflight not answered                 *NetworkError (Op "OPTIONS")   Connecting  yes
//	WithQueryFunc returned an error        *NetworkError (Op "query")     Connecting  yes
//	status not 200, wrong Content-Type     *ResponseError                 Closed      no (5xx/429 yes with
//	                                                                                  RetryServerErrors)
//	204 No Content                         *ResponseError, ErrNoContent   Closed      no
//	CORS check failed (stream, redirect)   *BlockedError (Op "GET")       Closed      no
//	preflight answered but refused         *BlockedError (Op "OPTIONS")   Closed      no
//	mixed content, bad redirect target     *BlockedError                  Closed      no
//	event or line too large                wraps ErrEventTooLarge         Closed      no
//	retry limits or backoff.Stop           wraps ErrRetriesExhausted      Closed      no
//	                                       and the last failure
//	Close                                  Run returns nil                Closed      no
//	ctx ends                               Run returns context.Cause      Closed      no
//
// [*BlockedError] carries the [Rule] that failed, the values seen (Detail)
// and what to change (Fix). Messages are short and name the request, in the
// shape of [net/url.Error]: "ssecors: GET https://api.example/s: CORS: ...".
// Errors that reconnect go to OnError, and Events yields them marked with
// [ErrReconnecting]; errors that end the source go
// to OnError once and are returned by Run, even if the handler calls Close.
// Invalid arguments to New are a [*ConfigError], before anything is sent;
// so are options that describe the page ([WithCredentials],
// [WithNestedFrame], [WithPreflight]) without [WithOrigin].
//
// # Secrets
//
// Query parameters whose names look like secrets (token, key, secret,
// password, auth, signature, session, code... and the names given to
// [WithSecrets]), passwords in URLs, and the same in URLs met later
// (redirect targets, the parameters of [WithQueryFunc]) are replaced by
// "REDACTED" in every error message, log record, trace record and String
// output, wherever a server echoes them; so are the values of credential
// headers (Authorization, Cookie, names containing token, key, secret or
// auth, and names given to WithSecrets).
// [EventSource.URL] keeps the real URL, because it mirrors the browser
// attribute.
package ssecors
