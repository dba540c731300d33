package ssecors

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/ssecors/ssecors-go/internal/engines"
	"github.com/ssecors/ssecors-go/internal/site"
	"github.com/ssecors/ssecors-go/ssecors/browser"
)

// Defaults, in one place.
const (
	// defaultReconnectionTime is the reconnection time before any "retry:"
	// field, as in Chromium and WebKit (Firefox: 5 s).
	defaultReconnectionTime = 3 * time.Second
	// defaultResetAfter is how long a connection must stay open before
	// the retry policy's growth and limits start again.
	defaultResetAfter = time.Minute
	// defaultMaxDelay caps a growing wait.
	defaultMaxDelay = time.Minute
	// minReconnectDelay is the least ssecors waits before retrying after an
	// attempt that delivered no event, whatever "retry:" says, so that a
	// server answering "retry: 0" and closing at once cannot make the client
	// spin. Browsers have no such floor; the spec allows waiting longer.
	minReconnectDelay = 100 * time.Millisecond
	// maxRetryAfter caps a server's Retry-After.
	maxRetryAfter = time.Hour
)

// Option configures an EventSource. Options are applied in order by [New];
// invalid values make New return a [*ConfigError].
type Option func(*config)

// config is the validated configuration of one EventSource.
type config struct {
	client *http.Client

	pageOrigin  site.Origin // zero: behave as a same-origin page, no CORS
	emulate     bool
	credentials bool
	jar         http.CookieJar
	browser     browser.Profile // WithBrowser, or the zero (Chrome Incognito) profile
	browserSet  bool
	rules       engines.Rules // the browser's engine rules
	preflight   PreflightMode
	nested      bool // the page is in a cross-site frame (WithNestedFrame), not top-level

	query      []queryParam // static parameters, in order
	queryFunc  func(context.Context) (url.Values, error)
	header     http.Header
	headerFunc func(context.Context) (http.Header, error)
	secrets    []string
	fetch      *fetchConfig // fetch mode (WithFetch), or nil for an EventSource

	retry        RetryPolicy // with its defaults filled in
	retrySetR    bool        // WithRetry gave an InitialDelay: the browser's default does not apply
	maxEventSize int
	idleTimeout  time.Duration
	eventTimeout time.Duration
	lastEventID  string
	logger       *slog.Logger
	now          func() time.Time

	errs []*ConfigError
}

// queryParam is one added query parameter, with the option that added it
// (for the error that names it).
type queryParam struct{ key, value, option string }

func (c *config) fail(option, value, reason string) {
	c.errs = append(c.errs, &ConfigError{Option: option, Value: value, Reason: reason})
}

func defaultConfig() config {
	return config{
		retry:        RetryPolicy{InitialDelay: defaultReconnectionTime, Multiplier: 1, ResetAfter: defaultResetAfter},
		maxEventSize: DefaultMaxEventSize,
		now:          time.Now,
		rules:        engines.For(browser.Profile{}),
	}
}

// WithHTTPClient makes the source send its requests with a copy of c. The
// caller's client is never modified. On the copy, ssecors follows redirects
// itself (to apply the browser's CORS and cookie rules at every hop), sends
// cookies itself (c.Jar is not used: see [WithCookieJar]), and applies
// c.Timeout only to establishing each connection, up to the response
// headers, never to reading the stream. Default: a client using
// http.DefaultTransport and no timeout.
func WithHTTPClient(c *http.Client) Option {
	return func(cfg *config) {
		if c == nil {
			cfg.fail("WithHTTPClient", "", "client is nil")
			return
		}
		cfg.client = c
	}
}

// WithOrigin makes the source act as a page on the given origin, such as
// "https://app.example.com", does: cross-origin requests carry an Origin
// header (in fetch mode, so do same-origin ones whose method is not GET or
// HEAD) and their responses must pass the CORS check, cookies follow the
// credentials mode and SameSite rules relative to this origin's site, and an
// https page may not open an http stream (mixed content).
//
// Without it the source behaves as a page on the stream's own origin: no
// Origin header, no CORS check, like a plain Go client. The origin is a
// scheme (http or https), a host and an optional port, with no path.
func WithOrigin(o string) Option {
	return func(cfg *config) {
		p, err := site.ParseOrigin(o)
		if err != nil {
			cfg.fail("WithOrigin", o, err.Error())
			return
		}
		cfg.pageOrigin, cfg.emulate = p, true
	}
}

// WithCredentials sets the credentials mode to "include", as
// new EventSource(url, {withCredentials: true}) does: cookies are sent to,
// and stored from, cross-origin streams too (subject to SameSite, Secure and
// the third-party cookie policy), and the CORS check then requires an exact
// Access-Control-Allow-Origin and Access-Control-Allow-Credentials: true.
// Default: "same-origin", where only same-origin requests carry cookies.
//
// Like every option that describes the page, it needs [WithOrigin]:
// without a page origin every request is same-origin and carries cookies.
func WithCredentials() Option {
	return func(cfg *config) { cfg.credentials = true }
}

// WithBrowser sets the browser the page runs in: [browser.Chrome],
// [browser.ChromeIncognito], [browser.Firefox], [browser.Safari], or a
// profile of your own. Its engine decides what the engines were measured
// to do differently (the charset a stream may declare, where a reconnect
// goes after a redirect, whether a redirect loop is fatal, a silent retry
// of a connection reset before the response, the default and minimum
// reconnection time, ids holding NUL), and the default cookie jar takes the
// profile's cookie rules and third-party cookie setting. Default: the zero
// Profile, which is Chrome Incognito (and Debian's Chromium): Chromium,
// third-party cookies blocked except Partitioned ones.
//
// A [*browserjar.Jar] passed to [WithCookieJar] must have been created for
// the same profile (browserjar.Options.Browser); otherwise New returns a
// [*ConfigError]. Without WithBrowser, such a jar's profile is the
// source's.
func WithBrowser(p browser.Profile) Option {
	return func(cfg *config) {
		switch {
		case p.Engine < browser.Chromium || p.Engine > browser.WebKit:
			cfg.fail("WithBrowser", p.String(), "unknown engine")
			return
		case p.ThirdPartyCookies < browser.Block || p.ThirdPartyCookies > browser.BlockAll:
			cfg.fail("WithBrowser", p.String(), "unknown third-party cookie policy")
			return
		}
		cfg.browser, cfg.browserSet, cfg.rules = p, true, engines.For(p)
	}
}

// WithCookieJar sets the cookie store. A [*browserjar.Jar] gets the full
// browser rules (SameSite, Secure, public suffixes, partitioning, and the
// jar's third-party cookie policy: create it with
// browserjar.New(&browserjar.Options{Browser: browser.Chrome})
// to act as a browser that allows third-party cookies); any other
// http.CookieJar, such as net/http/cookiejar, is consulted per request only
// for what the credentials mode allows, and cannot apply SameSite. Default:
// a new browserjar.Jar for the [WithBrowser] profile (Chrome Incognito
// unless set) when [WithOrigin] is set, none otherwise (a plain Go client
// sends no cookies).
func WithCookieJar(j http.CookieJar) Option {
	return func(cfg *config) {
		if j == nil {
			cfg.fail("WithCookieJar", "", "jar is nil")
			return
		}
		cfg.jar = j
	}
}

// WithPreflight decides when an explicit OPTIONS preflight is sent before a
// cross-origin request. Default: [PreflightNever], as browsers, which never
// preflight an EventSource. This goes beyond the browser: see
// [PreflightMode]. Like every option that describes the page, a mode other
// than PreflightNever needs [WithOrigin].
func WithPreflight(m PreflightMode) Option {
	return func(cfg *config) {
		if m < PreflightNever || m > PreflightAlways {
			cfg.fail("WithPreflight", m.String(), "unknown mode")
			return
		}
		cfg.preflight = m
	}
}

// WithQuery adds a query parameter to the stream URL: the way to send what
// a page's EventSource would have to put in the URL because it cannot send
// headers (an API key, a tenant, a token). Parameters are percent-encoded
// as RFC 3986 requires (a space becomes %20), appended after the URL's own
// query in the order of the options, and included in [EventSource.URL]. A
// name already present in the URL or added before is a [*ConfigError]:
// build the URL without it instead. The values of secret parameters (see
// [WithSecrets]) are redacted in errors, logs and traces.
func WithQuery(key, value string) Option {
	return func(cfg *config) {
		cfg.query = append(cfg.query, queryParam{key, value, "WithQuery"})
	}
}

// WithQueryFunc sets a function called before every connection attempt,
// reconnections included, whose parameters are added to that attempt's URL
// only (not to [EventSource.URL]), replacing parameters of the same name:
// for tokens that expire and must be refreshed on reconnect. An error from
// f fails that attempt like a network error (a [*NetworkError] with Op
// "query"): OnError runs and the source reconnects. Its values are
// redacted when their names are secret (see [WithSecrets]).
func WithQueryFunc(f func(ctx context.Context) (url.Values, error)) Option {
	return func(cfg *config) {
		if f == nil {
			cfg.fail("WithQueryFunc", "", "function is nil")
			return
		}
		cfg.queryFunc = f
	}
}

// WithHeader adds a request header. This goes beyond the browser: a
// browser's EventSource cannot send any header of its own, so a stream
// that needs one cannot be opened from a page (send the value with
// [WithQuery] instead). Each such header is reported (see
// [EventSource.BrowserIncompatibilities]) and makes [PreflightAuto] send a
// preflight. Headers ssecors manages (Accept, Cache-Control, Pragma,
// Last-Event-ID, Origin, Cookie, Host and the connection headers) are
// refused. Give the option once per value.
func WithHeader(name, value string) Option {
	return func(cfg *config) {
		addHeader(cfg, "WithHeader", name, value)
	}
}

// WithSecrets names the query parameters and headers whose values are
// secrets, redacted (as "REDACTED") in every error, log record, trace and
// String output; [EventSource.URL] keeps the real values. A name is secret
// when, lowercased, it contains one of the names given or one of the
// defaults: token, key, secret, password, passwd, pwd, auth, signature,
// sig, session, credential, code. For headers the rule is narrower, so
// that ordinary headers stay readable in traces: Authorization,
// Proxy-Authorization, Cookie and Set-Cookie, a name containing token,
// key, secret or auth, and a name containing one of the names given here.
func WithSecrets(names ...string) Option {
	return func(cfg *config) { cfg.secrets = append(cfg.secrets, names...) }
}

// WithRetry sets how the source waits between attempts and when it gives
// up (see [RetryPolicy]). Default: the zero RetryPolicy, which is what a
// browser does: wait the reconnection time (3 s, or the server's
// "retry:") after every failure, for ever, and fail the connection on any
// status but 200.
func WithRetry(p RetryPolicy) Option {
	return func(cfg *config) {
		q, err := p.normalize()
		if err != "" {
			cfg.fail("WithRetry", "", err)
			return
		}
		cfg.retry, cfg.retrySetR = q, p.InitialDelay != 0
	}
}

// WithMaxEventSize bounds the size of one event (data, id and type) and of
// any single line, in bytes. An event past it ends the source with an error
// wrapping [ErrEventTooLarge] (terminal: the server would send it again on
// reconnect), and memory stays bounded: the buffers grow to about the bound
// only for an event that needs it, and shrink back after it. n <= 0 selects
// the default, [DefaultMaxEventSize] (16 MiB), as [Decoder.SetMaxEventSize]
// does. Browsers have no bound.
func WithMaxEventSize(n int) Option {
	return func(cfg *config) {
		if n <= 0 {
			n = DefaultMaxEventSize
		}
		cfg.maxEventSize = n
	}
}

// WithIdleTimeout treats a stream that delivers no byte for d (events and
// comments both count) as a network error: the connection is dropped and
// re-established, as a browser would after the network failed. Servers
// send comment lines as heartbeats to stay under it. The timer runs while
// handlers run, so a handler slower than d also drops the stream. Default:
// none.
func WithIdleTimeout(d time.Duration) Option {
	return func(cfg *config) {
		if d < 0 {
			cfg.fail("WithIdleTimeout", d.String(), "negative duration")
			return
		}
		cfg.idleTimeout = d
	}
}

// WithEventTimeout treats a stream that dispatches no event for d as a
// network error: the connection is dropped and re-established with
// Last-Event-ID, and the error's Timeout method reports true. Unlike
// [WithIdleTimeout], comments and bytes do not count, so a relay that keeps
// sending keep-alive comments while its upstream is stuck cannot hide it;
// set d above the longest quiet time the stream may have. The timer runs
// while handlers run. Default: none.
// Browsers have no such timeout.
func WithEventTimeout(d time.Duration) Option {
	return func(cfg *config) {
		if d < 0 {
			cfg.fail("WithEventTimeout", d.String(), "negative duration")
			return
		}
		cfg.eventTimeout = d
	}
}

// WithLastEventID sets a starting last event ID, sent as Last-Event-ID on
// the first request too, for a service resuming a stream after a restart.
// A browser's first request never carries it. Default: "".
func WithLastEventID(id string) Option {
	return func(cfg *config) {
		if len(id) > maxParamLen {
			cfg.fail("WithLastEventID", "", "longer than 8 KiB")
			return
		}
		if !validLastEventID(id) {
			cfg.fail("WithLastEventID", "", "contains NUL, CR or LF")
			return
		}
		cfg.lastEventID = id
	}
}

// WithLogger sets the logger for connection attempts, responses, redirects,
// preflights, cookies and reconnections, at debug level, and failures at
// warn level. URLs are logged with secret query values redacted. Default:
// no logging.
func WithLogger(l *slog.Logger) Option {
	return func(cfg *config) {
		if l == nil {
			cfg.fail("WithLogger", "", "logger is nil")
			return
		}
		cfg.logger = l
	}
}

// WithNestedFrame makes the page origin of [WithOrigin] a document nested
// in a cross-site frame rather than a top-level page: its "site for
// cookies" is then opaque, so every request is cross-site for SameSite
// purposes. Default: the page is top-level. Like every option that
// describes the page, it needs WithOrigin.
func WithNestedFrame() Option {
	return func(cfg *config) { cfg.nested = true }
}
