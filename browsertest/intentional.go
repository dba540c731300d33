package browsertest

import (
	"slices"

	"github.com/ssecors/ssecors-go/ssecors/browser"
)

// Intentional is a documented, deliberate difference between a browser
// engine and ssecors. A run passes when an entry that names its case and
// applies to its configuration allows every field in which the two sides
// differ.
type Intentional struct {
	ID     string
	Fields []string
	// Browser says what each engine the entry applies to does; the entry
	// does not cover a run in an engine it does not name.
	Browser map[browser.Engine]string
	// Policies, when set, limits the entry to the configurations whose
	// ssecors profile has one of these third-party cookie settings.
	Policies []browser.CookiePolicy
	// SSECORS says what ssecors does, Reason why it does not copy the
	// browser.
	SSECORS, Reason string
	// Cases are the names of the cases that show the difference.
	Cases []string
}

// appliesTo reports whether d may cover the run of c in cfg.
func (d Intentional) appliesTo(c *Case, cfg *Config) bool {
	if _, ok := d.Browser[cfg.Profile.Engine]; !ok || !slices.Contains(d.Cases, c.Name) {
		return false
	}
	return len(d.Policies) == 0 || slices.Contains(d.Policies, cfg.Profile.ThirdPartyCookies)
}

// Intentionals is the table of intentional differences, in report order.
var Intentionals = []Intentional{
	{
		ID:     "sniff",
		Fields: []string{FieldEvents, FieldState},
		Browser: map[browser.Engine]string{
			browser.Chromium: "a 200 with text/plain or no Content-Type on a stream that stays open fires nothing: the source stays CONNECTING while Chromium MIME-sniffs (up to 1024 bytes or the end of the body) before failing",
			browser.Gecko:    "a 200 without a Content-Type on a stream that stays open fires nothing: the source stays CONNECTING while Firefox sniffs the body (text/plain fails at once, as in ssecors)",
		},
		SSECORS: "fails the connection at once: one error event, CLOSED",
		Reason:  "sniffing can only end in failure for an EventSource (the sniffed type is never text/event-stream), so waiting only delays the same result; the error names the Content-Type",
		Cases:   []string{"missing, stream held", "text/plain, stream held"},
	},
	{
		ID:     "scheme",
		Fields: []string{FieldThrew, FieldURL, FieldEvents, FieldState},
		Browser: map[browser.Engine]string{
			browser.Chromium: "new EventSource(\"ftp:...\") (any non-HTTP(S) scheme) creates the object, then fires error with readyState CLOSED; no request",
			browser.Gecko:    "new EventSource(\"ftp:...\") (any non-HTTP(S) scheme) creates the object, then fires error with readyState CLOSED; no request",
			browser.WebKit:   "new EventSource(\"ftp:...\") (any non-HTTP(S) scheme) creates the object, then fires error with readyState CLOSED; no request",
		},
		SSECORS: "ssecors.New returns a *ConfigError: no source, no request",
		Reason:  "a Go caller gets the problem where it made it, as a typed error, rather than as an asynchronous event; the end state (never opens, no request) is the same",
		Cases:   []string{"ftp: URL", "mailto: URL"},
	},
	{
		ID:      "url-space",
		Fields:  []string{FieldThrew, FieldURL, FieldEvents, FieldState},
		Browser: chromiumOnly("its URL parser percent-encodes a space in the host (\"https://this%20is%20invalid/\"), so the constructor does not throw; the name never resolves and the source reconnects every 3 s forever"),
		SSECORS: "New returns a *ConfigError (\"does not parse as a URL\")",
		Reason:  "the URL Standard forbids a space in a host and WPT eventsource-constructor-url-bogus expects a SyntaxError; a Go caller is better served by the error than by endless retries (URLs Chromium itself rejects, such as an unclosed IPv6 bracket, agree)",
		Cases:   []string{"invalid URL (space in host)"},
	},
	{
		ID:     "leid-unsendable",
		Fields: []string{FieldEvents, FieldState, FieldRequests, FieldGaps},
		Browser: map[browser.Engine]string{
			browser.Chromium: "when the last event ID holds a byte HTTP cannot carry (a control character such as 0x01), every reconnection fails before reaching the network: an error event (CONNECTING) every reconnection time, forever, and the server never hears from the source again",
			browser.Gecko:    "after the error event (CONNECTING) that ends the first stream, the reconnection with the unsendable id never reaches the network and nothing more happens: the source stays CONNECTING, silent, forever",
			browser.WebKit:   "the reconnection with the unsendable id fails before reaching the network and closes the source: an error event with readyState CLOSED, no second request",
		},
		SSECORS: "omits Last-Event-ID on that reconnect (lastEventId itself keeps the exact string), so the reconnect reaches the server",
		Reason:  "BROWSER-RULES 2.23: never fail the reconnect forever because of an unsendable id; ssecors picks undici's policy (nodejs/undici PR #5746) of omitting the header",
		Cases:   []string{"id with a control character"},
	},
	{
		ID:     "leid-spaces",
		Fields: []string{FieldRequests},
		Browser: map[browser.Engine]string{
			browser.Gecko: "does not trim the last event ID it sends: after id:  x  (lastEventId \" x \"), the server reads Last-Event-ID \"x \" on the reconnect, over HTTP/2, the trailing space kept",
		},
		SSECORS: "trims spaces and tabs around the value, as Chromium does: Last-Event-ID: \"x\"; lastEventId keeps \" x \"",
		Reason:  "leading and trailing whitespace is not part of an HTTP field value (RFC 9110, 5.5): over HTTP/1.1 every server strips it, so a server cannot rely on it, and an id that only an HTTP/2 server would see differently is a trap; ssecors sends the same value whatever the protocol",
		Cases:   []string{"id with surrounding spaces"},
	},
	{
		ID:     "url-control",
		Fields: []string{FieldThrew, FieldURL, FieldEvents, FieldState, FieldRequests, FieldGaps},
		Browser: map[browser.Engine]string{
			browser.Chromium: "the URL parser silently removes tabs and line breaks anywhere in the URL, so \"https://api.other\\n.test/\" opens https://api.other.test/",
			browser.Gecko:    "the URL parser silently removes tabs and line breaks anywhere in the URL, so \"https://api.other\\n.test/\" opens https://api.other.test/",
			browser.WebKit:   "the URL parser silently removes tabs and line breaks anywhere in the URL, so \"https://api.other\\n.test/\" opens https://api.other.test/",
		},
		SSECORS: "New returns a *ConfigError (\"contains a tab, a line break or NUL\")",
		Reason:  "in a Go program a line break inside a URL is a bug or a header-injection attempt, never a typing slip to forgive; ssecors refuses it (issue 6, input validation) and performs the URL Standard's other clean-ups (surrounding spaces, backslashes, extra slashes, case)",
		Cases:   []string{"newline inside the URL"},
	},
	{
		ID:     "port-zero",
		Fields: []string{FieldThrew, FieldURL, FieldEvents, FieldState, FieldRequests, FieldGaps},
		Browser: map[browser.Engine]string{
			browser.Chromium: "accepts port 0 (the URL Standard allows it), then every connection attempt fails and the source reconnects every 3 s forever",
			browser.Gecko:    "accepts port 0 and fails the connection: one error event, CLOSED, no request",
			browser.WebKit:   "accepts port 0; the source stays CONNECTING and fires nothing, and no request is made",
		},
		SSECORS: "New returns a *ConfigError (\"invalid port\")",
		Reason:  "nothing can listen on port 0; reporting the mistake where it is made beats retrying forever",
		Cases:   []string{"port 0"},
	},
	{
		ID:      "reused-connection",
		Fields:  []string{FieldEvents, FieldState, FieldRequests, FieldGaps},
		Browser: chromiumOnly("the stream request goes out on the keep-alive connection of the page load; when the server drops it before answering, the network stack retries at once on a new connection, with no error event"),
		SSECORS: "has loaded no page, so its first request uses a fresh connection; the drop is a network error: an error event (CONNECTING) and a reconnection after the reconnection time",
		Reason:  "the retry belongs to connection reuse, not to EventSource; Go's http.Transport retries the same way on a reused connection, and the end result (the stream opens) is the same",
		Cases:   []string{"HTTP/1.1 drop before any response"},
	},
	{
		ID:     "data-url",
		Fields: []string{FieldThrew, FieldURL, FieldEvents, FieldState},
		Browser: map[browser.Engine]string{
			browser.Chromium: "a data: URL is fetched without network: the stream opens, its events arrive with origin \"null\", and the source \"reconnects\" to the same data every 3 s",
			browser.Gecko:    "does not fetch a data: URL for an EventSource: the object is created, then one error event, CLOSED",
			browser.WebKit:   "does not fetch a data: URL for an EventSource: the object is created, then one error event, CLOSED",
		},
		SSECORS: "New returns a *ConfigError: only http and https URLs",
		Reason:  "ssecors is a network client; a stream already in memory is read with ssecors.NewDecoder",
		Cases:   []string{"data: URL"},
	},
	{
		ID:     "fetch-network-retry",
		Fields: []string{FieldEvents, FieldRequests, FieldFetch, FieldGaps},
		Browser: map[browser.Engine]string{
			browser.Chromium: "fetch() rejects with the same TypeError for a connection reset before any response as for a failed CORS check (and does not retry a POST on its own), so the page's client, which cannot tell them apart, ends the stream (a client that retried every TypeError would retry CORS failures forever)",
			browser.WebKit:   "fetch() rejects with the same TypeError for a connection reset before any response as for a failed CORS check, and does not retry the POST, so the page's client, which cannot tell them apart, ends the stream",
		},
		SSECORS: "a network error before the response is an error event (CONNECTING) and a reconnection after the reconnection time, replaying the body; a CORS failure ends the stream",
		Reason:  "ssecors sees the difference a page cannot: it reconnects after a network failure as an EventSource does (HTML \"reestablish the connection\") and as fetch-event-source retries, and gives up only where retrying cannot help",
		Cases:   []string{"fetch: network error before the response"},
	},
	{
		ID:     "fetch-body-cut",
		Fields: []string{FieldEvents, FieldFetch},
		Browser: map[browser.Engine]string{
			browser.WebKit: "WebKitGTK (libsoup, over HTTP/1.1) ends a response body normally when the connection is reset in the middle of it: reader.read() says done, so a one-shot fetch() client takes the truncated body as complete",
		},
		SSECORS: "a body cut by a network error is an error: one error event, CLOSED, for a one-shot stream",
		Reason:  "Fetch makes a body that ends in a network error an error (the reader rejects), and Chromium and Firefox report it; taking a truncated answer for a complete one is the one outcome a client must never get; this is WebKitGTK's network layer, not WebCore's, so it stands for no Safari behaviour",
		Cases:   []string{"fetch: one-shot body cut"},
	},
	{
		ID:     "libsoup-none-insecure",
		Fields: []string{FieldRequests, FieldJar},
		Browser: map[browser.Engine]string{
			browser.WebKit: "WebKitGTK's cookie jar (libsoup) stores a SameSite=None cookie without Secure and sends it",
		},
		SSECORS: "rejects it, as Chromium, Firefox and Safari do (RFC 6265bis: SameSite=None requires Secure)",
		Reason:  "libsoup's jar is WebKitGTK's, not Safari's (CFNetwork), which rejects such a cookie; ssecors' Safari profile models Safari",
		Cases:   []string{"set-cookie: None without Secure"},
	},
	{
		ID:     "libsoup-prefixes",
		Fields: []string{FieldRequests, FieldJar},
		Browser: map[browser.Engine]string{
			browser.WebKit: "WebKitGTK's cookie jar (libsoup) does not enforce cookie name prefixes: __Host-bad (with a Domain) and __Secure-nosec (without Secure) are stored and sent",
		},
		SSECORS: "enforces them (RFC 6265bis 4.1.3): only __Host-good is stored",
		Reason:  "every browser's own cookie store enforces the prefixes, Safari's included; libsoup's jar is WebKitGTK's, not Safari's",
		Cases:   []string{"set-cookie: __Host- prefix"},
	},
	{
		ID:       "libsoup-first-samesite",
		Fields:   []string{FieldRequests, FieldJar},
		Policies: []browser.CookiePolicy{browser.Allow},
		Browser: map[browser.Engine]string{
			browser.WebKit: "WebKitGTK's cookie jar (libsoup) takes the first of several SameSite attributes: SameSite=Strict; SameSite=None is Strict and does not go cross-site",
		},
		SSECORS: "takes the last one, as RFC 6265bis and the other browsers do: the cookie is SameSite=None and goes cross-site when third-party cookies are allowed",
		Reason:  "libsoup's parsing, not Safari's; with ITP (Safari's default) no cookie goes cross-site anyway",
		Cases:   []string{"cookies: SameSite=Bogus cross-site, cred"},
	},
	{
		ID:       "libsoup-always-lax",
		Fields:   []string{FieldRequests, FieldJar},
		Policies: []browser.CookiePolicy{browser.Allow},
		Browser: map[browser.Engine]string{
			browser.WebKit: "with --cookies-policy=always and no ITP, WebKitGTK stores every Set-Cookie of a cross-site response, SameSite=Lax and Strict ones included, and sends the Lax/Strict ones back only same-site",
		},
		SSECORS: "stores only the cookies SameSite lets a cross-site response set (None, and unset in WebKit), as every browser's SameSite rules do",
		Reason:  "storing a Lax or Strict cookie from a cross-site response goes against RFC 6265bis (5.6 step 13); it is libsoup's accept policy \"always\", a setting Safari does not have",
		Cases:   []string{"set-cookie: cross-site, cred", "set-cookie: cross-site, cred, CORS fails", "set-cookie: on a cross-site redirect, cred", "fetch: Set-Cookie, include, cross-site"},
	},
}

// chromiumOnly is the Browser map of an entry that only Chromium shows.
func chromiumOnly(text string) map[browser.Engine]string {
	return map[browser.Engine]string{browser.Chromium: text}
}
