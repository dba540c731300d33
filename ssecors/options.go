package ssecors

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/ssecors/ssecors-go/internal/site"
)

// Defaults, in one place.
const (
	// DefaultReconnectionTime is the reconnection time before any "retry:"
	// field, as in Chromium, Firefox aside (5 s) and WebKit.
	DefaultReconnectionTime = 3 * time.Second
	// DefaultBackoffReset is how long a connection must stay open before the
	// backoff of [WithBackoff] starts again from its first step.
	DefaultBackoffReset = time.Minute
	// MinReconnectDelay is the least ssecors waits before retrying after an
	// attempt that delivered no event, whatever "retry:" says, so that a
	// server answering "retry: 0" and closing at once cannot make the client
	// spin. Browsers have no such floor; the spec allows waiting longer.
	MinReconnectDelay = 100 * time.Millisecond
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
	preflight   PreflightMode
	topLevel    bool // the page origin is the top-level site (default)

	query        []queryParam // static parameters, in order
	queryReplace bool
	headerQuery  map[string]string // canonical header name -> parameter
	queryFunc    func(context.Context) (url.Values, error)
	header       http.Header
	secrets      []string

	reconnect    time.Duration
	backoff      func() backoff.BackOff
	backoffReset time.Duration
	noJitter     bool
	maxAttempts  int
	maxElapsed   time.Duration
	retryServer  bool
	maxEventSize int
	idleTimeout  time.Duration
	lastEventID  string
	logger       *slog.Logger
	trace        *Trace
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
		reconnect:    DefaultReconnectionTime,
		backoffReset: DefaultBackoffReset,
		maxEventSize: DefaultMaxEventSize,
		topLevel:     true,
		now:          time.Now,
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
// header and their responses must pass the CORS check, cookies follow the
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
func WithCredentials() Option {
	return func(cfg *config) { cfg.credentials = true }
}

// WithCookieJar sets the cookie store. A [*browserjar.Jar] gets the full
// browser rules (SameSite, Secure, public suffixes, partitioning, and the
// jar's third-party cookie policy: create it with
// browserjar.New(&browserjar.Options{ThirdPartyCookies: browserjar.Allow})
// to act as a browser that allows third-party cookies); any other
// http.CookieJar, such as net/http/cookiejar, is consulted per request only
// for what the credentials mode allows, and cannot apply SameSite. Default:
// a new browserjar.Jar that blocks third-party cookies, as a fresh Chromium
// profile does, when [WithOrigin] is set, none otherwise (a plain Go client
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
// [PreflightMode].
func WithPreflight(m PreflightMode) Option {
	return func(cfg *config) {
		if m < PreflightNever || m > PreflightAlways {
			cfg.fail("WithPreflight", m.String(), "unknown mode")
			return
		}
		cfg.preflight = m
	}
}

// WithQuery adds a query parameter to the stream URL, for values a browser
// would have to send in the URL because EventSource cannot send headers.
// Parameters are percent-encoded as RFC 3986 requires (a space becomes
// %20), appended after the URL's own query in the order of the options,
// and included in [EventSource.URL]. A name already present in the URL or
// added before is a [*ConfigError] unless [WithQueryReplace] is given.
// Values of secret parameters (see [WithSecretParams]) are redacted in
// errors and logs.
func WithQuery(key, value string) Option {
	return func(cfg *config) {
		cfg.query = append(cfg.query, queryParam{key, value, "WithQuery"})
	}
}

// WithQueryValues adds every parameter of v, as [WithQuery] does, keys in
// sorted order and values in their order.
func WithQueryValues(v url.Values) Option {
	return func(cfg *config) {
		for _, k := range sortedKeys(v) {
			for _, val := range v[k] {
				cfg.query = append(cfg.query, queryParam{k, val, "WithQueryValues"})
			}
		}
	}
}

// WithQueryReplace lets parameters added with [WithQuery],
// [WithQueryValues], [WithHeaderQuery] and [WithQueryFunc] replace
// parameters of the same name instead of being a configuration error.
func WithQueryReplace() Option {
	return func(cfg *config) { cfg.queryReplace = true }
}

// WithHeaderQuery moves headers into the query string: for each header name
// in m whose header is set with [WithHeader] or [WithHeaders], the header is
// not sent and its value travels as the query parameter m[name] instead,
// which is what a browser page must do. It lets code that already builds
// headers target a browser-compatible endpoint unchanged.
func WithHeaderQuery(m map[string]string) Option {
	return func(cfg *config) {
		if cfg.headerQuery == nil {
			cfg.headerQuery = make(map[string]string)
		}
		for h, p := range m {
			if !validHeaderName(h) {
				cfg.fail("WithHeaderQuery", h, "not a valid header name")
				continue
			}
			if p == "" {
				cfg.fail("WithHeaderQuery", h, "empty parameter name")
				continue
			}
			cfg.headerQuery[http.CanonicalHeaderKey(h)] = p
		}
	}
}

// WithQueryFunc sets a function called before every connection attempt,
// reconnections included, whose parameters are added to that attempt's URL
// only (not to [EventSource.URL]): for tokens that expire and must be
// refreshed on reconnect. An error from f fails that attempt like a network
// error: OnError runs and the source reconnects. Its values are treated as
// secrets when their names are.
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
// that needs one cannot be opened from a page. Each such header is
// reported (see [EventSource.BrowserIncompatibilities]) and makes
// [PreflightAuto] send a preflight. Headers ssecors manages (Accept,
// Cache-Control, Pragma, Last-Event-ID, Origin, Cookie, Host) are refused.
func WithHeader(name, value string) Option {
	return func(cfg *config) {
		addHeader(cfg, "WithHeader", name, value)
	}
}

// WithHeaders adds every header of h, as [WithHeader] does.
func WithHeaders(h http.Header) Option {
	return func(cfg *config) {
		for _, k := range sortedKeys(h) {
			for _, v := range h[k] {
				addHeader(cfg, "WithHeaders", k, v)
			}
		}
	}
}

// WithSecretParams adds query parameter names whose values are secrets, to
// be redacted in every error, log record and String output. A parameter is
// secret when its lowercased name contains one of the names given, or one
// of the defaults: token, key, secret, password, passwd, pwd, auth,
// signature, sig, session, credential, code. [EventSource.URL] keeps the
// real values.
func WithSecretParams(names ...string) Option {
	return func(cfg *config) { cfg.secrets = append(cfg.secrets, names...) }
}

// WithReconnectionTime sets the initial reconnection time, used until the
// server sends "retry:". Default: [DefaultReconnectionTime] (3 s, as
// Chromium). A browser offers no such setting.
func WithReconnectionTime(d time.Duration) Option {
	return func(cfg *config) {
		if d < 0 {
			cfg.fail("WithReconnectionTime", d.String(), "negative duration")
			return
		}
		cfg.reconnect = d
	}
}

// WithBackoff adds backoff between consecutive failed attempts, beyond the
// browser (which waits the reconnection time R every time, as the spec's
// "optionally, wait some more" permits). Before each retry ssecors waits the
// larger of R and the next interval of a BackOff made by newBackOff — one
// per EventSource, since an ExponentialBackOff is not safe to share. The
// BackOff is reset when Run starts and after a connection stays open for
// the period of [WithBackoffReset]. If it returns backoff.Stop, the source
// ends with an error wrapping [ErrRetriesExhausted].
//
// A nil newBackOff selects [NewBackoff]: exponential from 1 s, factor 2,
// capped at 1 minute, with ±50% jitter, and no elapsed-time limit (unlike
// backoff's default of 15 minutes, which would silently stop reconnecting).
func WithBackoff(newBackOff func() backoff.BackOff) Option {
	return func(cfg *config) {
		if newBackOff == nil {
			newBackOff = func() backoff.BackOff { return NewBackoff() }
		}
		cfg.backoff = newBackOff
	}
}

// WithBackoffReset sets how long a connection must stay open before the
// backoff starts again from its first step, and before the counts of
// [WithRetryLimit] start again. Default: [DefaultBackoffReset].
func WithBackoffReset(d time.Duration) Option {
	return func(cfg *config) {
		if d <= 0 {
			cfg.fail("WithBackoffReset", d.String(), "must be positive")
			return
		}
		cfg.backoffReset = d
	}
}

// WithoutJitter removes the randomization from the default backoff of
// [WithBackoff] so that tests can assert exact delays. It has no effect on
// a BackOff made by the caller's own function.
func WithoutJitter() Option {
	return func(cfg *config) { cfg.noJitter = true }
}

// WithRetryLimit ends the source with an error wrapping
// [ErrRetriesExhausted] after attempts consecutive failed attempts, or once
// failures have gone on for elapsed, whichever comes first; zero means no
// limit. The counts start again after a healthy connection (see
// [WithBackoffReset]). Default: no limit, as a browser.
func WithRetryLimit(attempts int, elapsed time.Duration) Option {
	return func(cfg *config) {
		if attempts < 0 || elapsed < 0 {
			cfg.fail("WithRetryLimit", "", "limits must not be negative")
			return
		}
		cfg.maxAttempts, cfg.maxElapsed = attempts, elapsed
	}
}

// WithRetryServerErrors makes a 5xx or 429 response a reason to reconnect
// rather than to fail the connection, waiting at least as long as the
// response's Retry-After header asks (capped at one hour). Browsers fail
// the connection on every status but 200; this goes beyond them.
func WithRetryServerErrors() Option {
	return func(cfg *config) { cfg.retryServer = true }
}

// WithMaxEventSize bounds the size of one event (data, id and type) and of
// any single line, in bytes. An event past it ends the source with an error
// wrapping [ErrEventTooLarge] (terminal: the server would send it again on
// reconnect), and memory stays bounded. Default: [DefaultMaxEventSize]
// (1 MiB). Browsers have no bound.
func WithMaxEventSize(n int) Option {
	return func(cfg *config) {
		if n <= 0 {
			cfg.fail("WithMaxEventSize", "", "must be positive")
			return
		}
		cfg.maxEventSize = n
	}
}

// WithIdleTimeout treats a stream that delivers no byte for d (events and
// comments both count) as a network error: the connection is dropped and
// re-established, as a browser would after the network failed. Servers
// send comment lines as heartbeats to stay under it. Default: none.
func WithIdleTimeout(d time.Duration) Option {
	return func(cfg *config) {
		if d < 0 {
			cfg.fail("WithIdleTimeout", d.String(), "negative duration")
			return
		}
		cfg.idleTimeout = d
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
// purposes. Default: the page is top-level.
func WithNestedFrame() Option {
	return func(cfg *config) { cfg.topLevel = false }
}
