package ssecors_test

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cenkalti/backoff/v4"
	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

// valGaps are the inputs these tests found that New accepts, or refuses
// unclearly, against what the issue asks; each was reported. A case that
// names one is skipped while the gap is there, and fails once it is gone
// so that the mark is removed.
var valGaps = map[string]string{
	// none open: the gaps found (option names in query errors, over-long
	// ids, non-UTF-8 and over-long hosts, five-part IPv4) are fixed.
}

// valCheckConfigError checks that err is a clear *ConfigError for option:
// the Option field, one "ssecors: " prefix followed by a lowercase word,
// and the reason in the message.
func valCheckConfigError(t *testing.T, err error, option string) {
	t.Helper()
	var ce *ssecors.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("New: got %v (%T), want a *ConfigError", err, err)
	}
	msg := err.Error()
	rest, ok := strings.CutPrefix(msg, "ssecors: ")
	if !ok || strings.Contains(rest, "ssecors:") {
		t.Errorf("message %q: want the prefix \"ssecors: \" exactly once", msg)
	}
	if r, _ := utf8.DecodeRuneInString(rest); !unicode.IsLower(r) {
		t.Errorf("message %q: want a lowercase start after the prefix", msg)
	}
	if ce.Reason == "" || !strings.Contains(msg, ce.Reason) {
		t.Errorf("message %q: want the reason %q in it", msg, ce.Reason)
	}
	if ce.Option != option {
		t.Errorf("Option: got %q, want %q", ce.Option, option)
	}
}

func TestValidation_refusedAtNew(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{})
	t.Cleanup(func() { // after every case: nothing was ever sent
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("the server got %d requests from refused sources", n)
		}
	})
	ok := srv.EventsURL()
	long := strings.Repeat("a", 8<<10+1)
	huge := strings.Repeat("a", 70000)
	page := []ssecors.Option{ssecors.WithOrigin("https://app.example.test")}
	cases := []struct {
		name   string
		url    string
		opts   []ssecors.Option
		option string
		gap    string
	}{
		// The URL.
		{name: "URL with CR", url: srv.URL + "/ev\rents", option: "url"},
		{name: "URL with LF in the query", url: ok + "?a=\nb", option: "url"},
		{name: "URL with CRLF in the path", url: srv.URL + "/a\r\nX-Injected: 1", option: "url"},
		{name: "URL with NUL", url: ok + "?a=\x00b", option: "url"},
		{name: "URL with a tab", url: srv.URL + "/ev\tents", option: "url"},
		{name: "URL with DEL in the host", url: "http://a\x7fb.test/", option: "url"},
		{name: "URL with NUL in the host", url: "http://a\x00b.test/", option: "url"},
		{name: "URL with a space in the host", url: "http://a b.test/", option: "url"},
		{name: "URL over 64 KiB", url: ok + "?q=" + huge, option: "url"},
		{name: "URL not UTF-8 in the host", url: "http://\xff.test/events", option: "url"},
		{name: "empty URL", url: "", option: "url"},
		{name: "relative URL", url: "/events", option: "url"},
		{name: "ws URL", url: "ws://127.0.0.1/events", option: "url"},
		{name: "javascript URL", url: "javascript:alert(1)", option: "url"},
		{name: "URL without a host", url: "http://", option: "url"},
		{name: "URL with a port and no host", url: "http://:80/events", option: "url"},
		{name: "URL with a forbidden host character", url: "http://a<b.test/", option: "url"},
		{name: "URL with port 0", url: "http://127.0.0.1:0/", option: "url"},
		{name: "URL with port 65536", url: "http://127.0.0.1:65536/", option: "url"},
		{name: "URL with a bad IPv6 literal", url: "http://[::1/", option: "url"},

		// WithOrigin.
		{name: "origin with CRLF", opts: []ssecors.Option{ssecors.WithOrigin("https://app.test\r\nX-Injected: 1")}, option: "WithOrigin"},
		{name: "origin with NUL", opts: []ssecors.Option{ssecors.WithOrigin("https://app\x00.test")}, option: "WithOrigin"},
		{name: "origin with a space", opts: []ssecors.Option{ssecors.WithOrigin("https://app .test")}, option: "WithOrigin"},
		{name: "origin with a path", opts: []ssecors.Option{ssecors.WithOrigin("https://app.test/page")}, option: "WithOrigin"},
		{name: "origin with a query", opts: []ssecors.Option{ssecors.WithOrigin("https://app.test?x")}, option: "WithOrigin"},
		{name: "origin with user information", opts: []ssecors.Option{ssecors.WithOrigin("https://u:p@app.test")}, option: "WithOrigin"},
		{name: "origin with another scheme", opts: []ssecors.Option{ssecors.WithOrigin("file:///etc")}, option: "WithOrigin"},
		{name: "origin with port 0", opts: []ssecors.Option{ssecors.WithOrigin("https://app.test:0")}, option: "WithOrigin"},
		{name: "empty origin", opts: []ssecors.Option{ssecors.WithOrigin("")}, option: "WithOrigin"},
		{name: "origin not UTF-8", opts: []ssecors.Option{ssecors.WithOrigin("https://\xff.test")}, option: "WithOrigin"},
		{name: "origin of 70 000 bytes", opts: []ssecors.Option{ssecors.WithOrigin("https://" + huge + ".test")}, option: "WithOrigin"},
		{name: "origin with a five-part IPv4", opts: []ssecors.Option{ssecors.WithOrigin("https://1.2.3.4.5")}, option: "WithOrigin"},

		// WithHeader.
		{name: "header name empty", opts: []ssecors.Option{ssecors.WithHeader("", "v")}, option: "WithHeader"},
		{name: "header name with CRLF", opts: []ssecors.Option{ssecors.WithHeader("X-A\r\nX-B", "v")}, option: "WithHeader"},
		{name: "header name with NUL", opts: []ssecors.Option{ssecors.WithHeader("X-\x00", "v")}, option: "WithHeader"},
		{name: "header name with a space", opts: []ssecors.Option{ssecors.WithHeader("X A", "v")}, option: "WithHeader"},
		{name: "header name with a colon", opts: []ssecors.Option{ssecors.WithHeader("X-A:", "v")}, option: "WithHeader"},
		{name: "header name not ASCII", opts: []ssecors.Option{ssecors.WithHeader("X-Größe", "v")}, option: "WithHeader"},
		{name: "header name too long", opts: []ssecors.Option{ssecors.WithHeader("X-"+long, "v")}, option: "WithHeader"},
		{name: "header managed: Origin", opts: []ssecors.Option{ssecors.WithHeader("origin", "https://evil.test")}, option: "WithHeader"},
		{name: "header managed: Cookie", opts: []ssecors.Option{ssecors.WithHeader("Cookie", "sid=1")}, option: "WithHeader"},
		{name: "header managed: Host", opts: []ssecors.Option{ssecors.WithHeader("Host", "evil.test")}, option: "WithHeader"},
		{name: "header managed: Last-Event-ID", opts: []ssecors.Option{ssecors.WithHeader("Last-Event-ID", "1")}, option: "WithHeader"},
		{name: "header managed: Transfer-Encoding", opts: []ssecors.Option{ssecors.WithHeader("Transfer-Encoding", "chunked")}, option: "WithHeader"},
		{name: "header value with CR", opts: []ssecors.Option{ssecors.WithHeader("X-A", "v\r")}, option: "WithHeader"},
		{name: "header value with LF", opts: []ssecors.Option{ssecors.WithHeader("X-A", "v\nX-B: 1")}, option: "WithHeader"},
		{name: "header value with NUL", opts: []ssecors.Option{ssecors.WithHeader("X-A", "v\x00")}, option: "WithHeader"},
		{name: "header value with DEL", opts: []ssecors.Option{ssecors.WithHeader("X-A", "v\x7f")}, option: "WithHeader"},
		{name: "header value over 8 KiB", opts: []ssecors.Option{ssecors.WithHeader("X-A", long)}, option: "WithHeader"},

		// Query parameters.
		{name: "query key empty", opts: []ssecors.Option{ssecors.WithQuery("", "v")}, option: "WithQuery"},
		{name: "query key with CRLF", opts: []ssecors.Option{ssecors.WithQuery("k\r\n", "v")}, option: "WithQuery"},
		{name: "query value with LF", opts: []ssecors.Option{ssecors.WithQuery("k", "v\n")}, option: "WithQuery"},
		{name: "query value with NUL", opts: []ssecors.Option{ssecors.WithQuery("k", "\x00")}, option: "WithQuery"},
		{name: "query value over 8 KiB", opts: []ssecors.Option{ssecors.WithQuery("k", long)}, option: "WithQuery"},
		{name: "query key over 8 KiB", opts: []ssecors.Option{ssecors.WithQuery(long, "v")}, option: "WithQuery"},
		{name: "query key already in the URL", url: "https://api.example/events?k=1", opts: []ssecors.Option{ssecors.WithQuery("k", "v")}, option: "WithQuery"},
		{name: "query key given twice", opts: []ssecors.Option{ssecors.WithQuery("k", "v"), ssecors.WithQuery("k", "w")}, option: "WithQuery"},

		// The last event ID.
		{name: "last event ID with CR", opts: []ssecors.Option{ssecors.WithLastEventID("1\r")}, option: "WithLastEventID"},
		{name: "last event ID with LF", opts: []ssecors.Option{ssecors.WithLastEventID("1\nX-A: 1")}, option: "WithLastEventID"},
		{name: "last event ID with NUL", opts: []ssecors.Option{ssecors.WithLastEventID("1\x00")}, option: "WithLastEventID"},
		{name: "last event ID over 8 KiB", opts: []ssecors.Option{ssecors.WithLastEventID(long)}, option: "WithLastEventID"},

		// Every other option that takes a value.
		{name: "nil client", opts: []ssecors.Option{ssecors.WithHTTPClient(nil)}, option: "WithHTTPClient"},
		{name: "nil jar", opts: []ssecors.Option{ssecors.WithCookieJar(nil)}, option: "WithCookieJar"},
		{name: "nil logger", opts: []ssecors.Option{ssecors.WithLogger(nil)}, option: "WithLogger"},
		{name: "nil query function", opts: []ssecors.Option{ssecors.WithQueryFunc(nil)}, option: "WithQueryFunc"},
		{name: "unknown preflight mode", opts: append([]ssecors.Option{ssecors.WithPreflight(ssecors.PreflightMode(9))}, page...), option: "WithPreflight"},
		{name: "preflight without an origin", opts: []ssecors.Option{ssecors.WithPreflight(ssecors.PreflightAlways)}, option: "WithPreflight"},
		{name: "negative initial delay", opts: []ssecors.Option{ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: -time.Second})}, option: "WithRetry"},
		{name: "negative max delay", opts: []ssecors.Option{ssecors.WithRetry(ssecors.RetryPolicy{MaxDelay: -1})}, option: "WithRetry"},
		{name: "negative reset", opts: []ssecors.Option{ssecors.WithRetry(ssecors.RetryPolicy{ResetAfter: -1})}, option: "WithRetry"},
		{name: "multiplier below 1", opts: []ssecors.Option{ssecors.WithRetry(ssecors.RetryPolicy{Multiplier: 0.5})}, option: "WithRetry"},
		{name: "multiplier NaN", opts: []ssecors.Option{ssecors.WithRetry(ssecors.RetryPolicy{Multiplier: math.NaN()})}, option: "WithRetry"},
		{name: "multiplier infinite", opts: []ssecors.Option{ssecors.WithRetry(ssecors.RetryPolicy{Multiplier: math.Inf(1)})}, option: "WithRetry"},
		{name: "jitter above 1", opts: []ssecors.Option{ssecors.WithRetry(ssecors.RetryPolicy{Jitter: 1.5})}, option: "WithRetry"},
		{name: "jitter negative", opts: []ssecors.Option{ssecors.WithRetry(ssecors.RetryPolicy{Jitter: -0.1})}, option: "WithRetry"},
		{name: "jitter NaN", opts: []ssecors.Option{ssecors.WithRetry(ssecors.RetryPolicy{Jitter: math.NaN()})}, option: "WithRetry"},
		{name: "BackOff with a multiplier", opts: []ssecors.Option{ssecors.WithRetry(ssecors.RetryPolicy{Multiplier: 2,
			BackOff: func() backoff.BackOff { return &backoff.ZeroBackOff{} }})}, option: "WithRetry"},
		{name: "BackOff with jitter", opts: []ssecors.Option{ssecors.WithRetry(ssecors.RetryPolicy{Jitter: 0.5,
			BackOff: func() backoff.BackOff { return &backoff.ZeroBackOff{} }})}, option: "WithRetry"},
		{name: "credentials without an origin", opts: []ssecors.Option{ssecors.WithCredentials()}, option: "WithCredentials"},
		{name: "nested frame without an origin", opts: []ssecors.Option{ssecors.WithNestedFrame()}, option: "WithNestedFrame"},
		{name: "negative idle timeout", opts: []ssecors.Option{ssecors.WithIdleTimeout(-1)}, option: "WithIdleTimeout"},
		{name: "negative attempt limit", opts: []ssecors.Option{ssecors.WithRetry(ssecors.RetryPolicy{MaxAttempts: -1})}, option: "WithRetry"},
		{name: "negative elapsed limit", opts: []ssecors.Option{ssecors.WithRetry(ssecors.RetryPolicy{MaxElapsed: -1})}, option: "WithRetry"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := tc.url
			if u == "" && !strings.HasPrefix(tc.name, "empty URL") {
				u = ok
			}
			var es *ssecors.EventSource
			var err error
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("New panicked: %v", p)
					}
				}()
				es, err = ssecors.New(u, tc.opts...)
			}()
			if tc.gap != "" {
				var ce *ssecors.ConfigError
				fixed := errors.As(err, &ce) && ce.Option == tc.option && !(tc.gap == "leid-length" && strings.Contains(ce.Reason, "NUL"))
				if !fixed {
					t.Skipf("known gap, reported: %s (got %v)", valGaps[tc.gap], valShort(err))
				}
				t.Errorf("the gap %q is fixed: remove its mark from the case", tc.gap)
			}
			if es != nil {
				t.Fatalf("New: got a source, want a *ConfigError")
			}
			valCheckConfigError(t, err, tc.option)
		})
	}
}

// valShort shortens an error for a skip message.
func valShort(err error) string {
	if err == nil {
		return "<nil>"
	}
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// TestValidation_acceptedValuesTravelSafely checks values New accepts that
// are easy to get wrong on the wire: query values and keys with spaces,
// reserved characters, non-ASCII and bytes that are not UTF-8 are
// percent-encoded and arrive intact; header and Last-Event-ID values with
// non-ASCII arrive byte for byte; international host names go out as
// punycode, in the Host and in the Origin header.
func TestValidation_acceptedValuesTravelSafely(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Status: http.StatusNoContent, CORS: ssetest.AllowAll()})
	query := map[string]string{
		"space":    "a b",
		"reserved": "&=?#/+;,%",
		"crlf-ish": "%0d%0a",
		"ключ":     "значение ☃",
		"bytes":    "\xff\xfe",
		"tab":      "a\tb",
	}
	opts := []ssecors.Option{
		ssecors.WithHTTPClient(srv.Client()),
		ssecors.WithOrigin("https://bücher.test"),
		ssecors.WithHeader("X-Text", "grüße ☃\ttab"),
		ssecors.WithLastEventID("ид-1"),
	}
	for k, v := range query {
		opts = append(opts, ssecors.WithQuery(k, v))
	}
	es := mustNew(t, srv.HostURL("https", "bücher.example.test", "/events"), opts...)
	err := runSource(t, es)
	var re *ssecors.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusNoContent {
		t.Fatalf("Run: got %v, want the 204", err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("requests: got %d, want 1", len(reqs))
	}
	r := reqs[0]
	for i := 0; i < len(r.RawQuery); i++ {
		if c := r.RawQuery[i]; c <= ' ' || c >= 0x7f || c == '#' {
			t.Errorf("raw query holds byte %#x unencoded: %q", c, r.RawQuery)
			break
		}
	}
	got := r.Query()
	for k, v := range query {
		if got.Get(k) != v {
			t.Errorf("query %q: got %q, want %q", k, got.Get(k), v)
		}
	}
	for name, want := range map[string]string{"X-Text": "grüße ☃\ttab", "Last-Event-Id": "ид-1", "Origin": "https://xn--bcher-kva.test"} {
		if g := r.Header.Get(name); g != want {
			t.Errorf("%s: got %q, want %q", name, g, want)
		}
	}
	if r.Host != "xn--bcher-kva.example.test" {
		t.Errorf("Host: got %q, want the punycode xn--bcher-kva.example.test", r.Host)
	}
}

// valNasty are strings that break naive code: controls, line breaks,
// bytes that are not UTF-8, reserved characters, direction overrides,
// and lengths around the limits.
var valNasty = []string{
	"", " ", "a b", "\t", "\r", "\n", "\r\n", "a\r\nX-Injected: 1", "\x00", "\x7f", "\x1b[31m",
	"é", "☃", "\U0001d11e", "\xff", "\xc3", "\xed\xa0\x80", "%", "%00", "%0d%0a", "?", "#", "&", "=",
	"/", "\\", "@", ":", "[", "]", "<script>", "\"", "'", ";", ",", "..", "\u202e", "\ufeff",
	strings.Repeat("x", 8<<10), strings.Repeat("x", 8<<10+1), strings.Repeat("x", 70000),
}

// valPositions are the places a string can be given to New.
var valPositions = []struct {
	name   string
	build  func(base, s string) (string, []ssecors.Option)
	option string // the Option of a refusal ("" means any)
}{
	{"url path", func(b, s string) (string, []ssecors.Option) { return b + "/" + s, nil }, "url"},
	{"url query", func(b, s string) (string, []ssecors.Option) { return b + "/events?" + s, nil }, "url"},
	{"url fragment", func(b, s string) (string, []ssecors.Option) { return b + "/events#" + s, nil }, "url"},
	{"url user", func(b, s string) (string, []ssecors.Option) {
		return strings.Replace(b, "://", "://"+s+"@", 1) + "/events", nil
	}, "url"},
	{"origin host", func(b, s string) (string, []ssecors.Option) {
		return b + "/events", []ssecors.Option{ssecors.WithOrigin("https://" + s + ".test")}
	}, "WithOrigin"},
	{"origin", func(b, s string) (string, []ssecors.Option) {
		return b + "/events", []ssecors.Option{ssecors.WithOrigin(s)}
	}, "WithOrigin"},
	{"header name", func(b, s string) (string, []ssecors.Option) {
		return b + "/events", []ssecors.Option{ssecors.WithHeader("X-"+s, "v")}
	}, "WithHeader"},
	{"header value", func(b, s string) (string, []ssecors.Option) {
		return b + "/events", []ssecors.Option{ssecors.WithHeader("X-V", s)}
	}, "WithHeader"},
	{"query key", func(b, s string) (string, []ssecors.Option) {
		return b + "/events", []ssecors.Option{ssecors.WithQuery(s, "v")}
	}, ""},
	{"query value", func(b, s string) (string, []ssecors.Option) {
		return b + "/events", []ssecors.Option{ssecors.WithQuery("k", s)}
	}, ""},
	{"secret params", func(b, s string) (string, []ssecors.Option) {
		return b + "/events", []ssecors.Option{ssecors.WithSecrets(s), ssecors.WithQuery("p", "v")}
	}, ""},
	{"last event ID", func(b, s string) (string, []ssecors.Option) {
		return b + "/events", []ssecors.Option{ssecors.WithLastEventID(s)}
	}, "WithLastEventID"},
}

// TestValidation_nastyStrings gives every string of valNasty in every
// position. New must never panic; a refusal must be a clear *ConfigError;
// and a source New accepts must be able to send its request: it reaches
// the server, which answers 204, instead of failing in the HTTP client on
// every attempt.
func TestValidation_nastyStrings(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Status: http.StatusNoContent, CORS: ssetest.AllowAll()})
	client := srv.Client()
	for _, pos := range valPositions {
		t.Run(pos.name, func(t *testing.T) {
			t.Parallel()
			for _, s := range valNasty {
				u, opts := pos.build(srv.HostURL("https", ssetest.APIHost, ""), s)
				opts = append(opts, ssecors.WithHTTPClient(client), ssecors.WithLogger(slog.New(valDiscard{})))
				var es *ssecors.EventSource
				var err error
				func() {
					defer func() {
						if p := recover(); p != nil {
							t.Errorf("%q: New panicked: %v", valShort(errors.New(s)), p)
						}
					}()
					es, err = ssecors.New(u, opts...)
				}()
				if err != nil {
					var ce *ssecors.ConfigError
					if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), "ssecors: ") || (pos.option != "" && ce.Option != pos.option) {
						t.Errorf("%q: got %v, want a *ConfigError for %s", valShort(errors.New(s)), valShort(err), pos.option)
					}
					continue
				}
				if es == nil {
					t.Errorf("%q: New returned neither a source nor an error", s)
					continue
				}
				valSends(t, srv, es, s)
			}
		})
	}
}

// valSends runs es, which New accepted, and checks that its first request
// reached the server (which answers 204, or 404 for another path), or that
// the source refused it as a browser would (mixed content, an opaque page
// origin's CORS).
func valSends(t *testing.T, srv *ssetest.Server, es *ssecors.EventSource, s string) {
	t.Helper()
	var first error
	es.OnError(func(err error) {
		if first == nil {
			first = err
		}
		es.Close()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hostileSkipWaits(es)
	err := es.Run(ctx)
	if err == nil {
		err = first
	}
	var re *ssecors.ResponseError
	var ce *ssecors.BlockedError
	var be *ssecors.BlockedError
	switch {
	case errors.As(err, &re): // the server answered (a 404 for a path it lacks)
	case errors.As(err, &ce), errors.As(err, &be):
	default:
		t.Errorf("%q: accepted by New, but the request fails: %v", valShort(errors.New(s)), valShort(err))
	}
}

// valDiscard is a slog.Handler that drops everything.
type valDiscard struct{}

func (valDiscard) Enabled(context.Context, slog.Level) bool  { return false }
func (valDiscard) Handle(context.Context, slog.Record) error { return nil }
func (d valDiscard) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d valDiscard) WithGroup(string) slog.Handler           { return d }
