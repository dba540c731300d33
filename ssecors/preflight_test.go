package ssecors_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
)

func TestPreflightMode_String(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mode ssecors.PreflightMode
		want string
	}{
		{name: "never", mode: ssecors.PreflightNever, want: "never"},
		{name: "auto", mode: ssecors.PreflightAuto, want: "auto"},
		{name: "always", mode: ssecors.PreflightAlways, want: "always"},
		{name: "unknown", mode: ssecors.PreflightMode(7), want: "PreflightMode(7)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.mode.String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestUnsafeHeaderNames(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 129)
	lang120 := strings.Repeat("e", 120)
	tests := []struct {
		name   string
		header http.Header
		want   []string
	}{
		{name: "none", header: http.Header{}, want: nil},
		{name: "Accept text/event-stream is safelisted", header: http.Header{"Accept": {"text/event-stream"}}, want: nil},
		{name: "Last-Event-ID", header: http.Header{"Accept": {"text/event-stream"}, "Last-Event-Id": {"abc"}}, want: []string{"last-event-id"}},
		{name: "Authorization", header: http.Header{"Authorization": {"Bearer x"}}, want: []string{"authorization"}},
		{name: "custom header", header: http.Header{"X-Tenant": {"acme"}}, want: []string{"x-tenant"}},
		{
			name:   "sorted, lowercased, de-duplicated",
			header: http.Header{"X-Tenant": {"a", "b"}, "x-tenant": {"c"}, "Last-Event-Id": {"1"}, "Authorization": {"x"}},
			want:   []string{"authorization", "last-event-id", "x-tenant"},
		},
		{name: "Cache-Control and Pragma never count", header: http.Header{"Cache-Control": {"no-cache"}, "Pragma": {"no-cache"}}, want: nil},
		{name: "forbidden headers never count", header: http.Header{"Origin": {"x"}, "Cookie": {"a=b"}, "Sec-Fetch-Mode": {"cors"}, "Proxy-Authorization": {"x"}}, want: nil},
		{name: "method override with a forbidden method", header: http.Header{"X-Http-Method-Override": {"TRACE"}}, want: nil},
		{name: "method override with another method", header: http.Header{"X-Http-Method-Override": {"PUT"}}, want: []string{"x-http-method-override"}},
		{name: "Accept-Language safelisted", header: http.Header{"Accept-Language": {"en-US,en;q=0.9"}}, want: nil},
		{name: "Accept-Language with a bad byte", header: http.Header{"Accept-Language": {"en<x>"}}, want: []string{"accept-language"}},
		{name: "Accept-Language non-ASCII", header: http.Header{"Accept-Language": {"fr-\u00e9"}}, want: []string{"accept-language"}},
		{name: "Content-Language with an underscore", header: http.Header{"Content-Language": {"en_US"}}, want: []string{"content-language"}},
		{name: "Accept with a CORS-unsafe byte", header: http.Header{"Accept": {"text/event-stream; x=\"y\""}}, want: []string{"accept"}},
		{name: "Accept over 128 bytes", header: http.Header{"Accept": {long}}, want: []string{"accept"}},
		{name: "Accept of exactly 128 bytes", header: http.Header{"Accept": {long[:128]}}, want: nil},
		{name: "Content-Type text/plain with parameters", header: http.Header{"Content-Type": {"Text/Plain ; charset=utf-8"}}, want: nil},
		{name: "Content-Type JSON", header: http.Header{"Content-Type": {"application/json"}}, want: []string{"content-type"}},
		{name: "Content-Type without a subtype", header: http.Header{"Content-Type": {"text/"}}, want: []string{"content-type"}},
		{name: "Range with a start", header: http.Header{"Range": {"bytes=0-"}}, want: nil},
		{name: "Range suffix", header: http.Header{"Range": {"bytes=-500"}}, want: []string{"range"}},
		{name: "Range with whitespace", header: http.Header{"Range": {"bytes= 0-1"}}, want: []string{"range"}},
		{name: "Range start after end", header: http.Header{"Range": {"bytes=9-1"}}, want: []string{"range"}},
		{
			name:   "safelisted values over 1024 bytes in total",
			header: http.Header{"Accept-Language": {lang120, lang120, lang120, lang120, lang120, lang120, lang120, lang120, lang120}, "Accept": {"text/event-stream"}},
			want:   []string{"accept", "accept-language"},
		},
		{
			name:   "safelisted values of 1024 bytes in total",
			header: http.Header{"Accept-Language": {strings.Repeat("e", 128), strings.Repeat("e", 128), strings.Repeat("e", 128), strings.Repeat("e", 128), strings.Repeat("e", 128), strings.Repeat("e", 128), strings.Repeat("e", 128), strings.Repeat("e", 128)}},
			want:   nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := ssecors.UnsafeHeaderNames(tc.header)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNeedsPreflight(t *testing.T) {
	t.Parallel()
	unsafe := []string{"last-event-id"}
	tests := []struct {
		name        string
		mode        ssecors.PreflightMode
		crossOrigin bool
		unsafe      []string
		want        bool
	}{
		{name: "never, cross-origin, unsafe", mode: ssecors.PreflightNever, crossOrigin: true, unsafe: unsafe, want: false},
		{name: "auto, cross-origin, simple", mode: ssecors.PreflightAuto, crossOrigin: true, want: false},
		{name: "auto, cross-origin, unsafe", mode: ssecors.PreflightAuto, crossOrigin: true, unsafe: unsafe, want: true},
		{name: "auto, same-origin, unsafe", mode: ssecors.PreflightAuto, unsafe: unsafe, want: false},
		{name: "always, cross-origin, simple", mode: ssecors.PreflightAlways, crossOrigin: true, want: true},
		{name: "always, same-origin", mode: ssecors.PreflightAlways, unsafe: unsafe, want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := ssecors.NeedsPreflight(tc.mode, tc.crossOrigin, tc.unsafe); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNewPreflightRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		url     string
		unsafe  []string
		wantURL string
		want    http.Header
	}{
		{
			name:    "with unsafe names",
			url:     "https://user:pw@api.example/events?tenant=acme#frag",
			unsafe:  []string{"x-tenant", "authorization", "last-event-id"},
			wantURL: "https://api.example/events?tenant=acme",
			want: http.Header{
				"Accept":                         {"*/*"},
				"Access-Control-Request-Method":  {"GET"},
				"Access-Control-Request-Headers": {"authorization,last-event-id,x-tenant"},
				"Origin":                         {corsPageOrigin},
			},
		},
		{
			name:    "without unsafe names",
			url:     "https://api.example/events",
			wantURL: "https://api.example/events",
			want: http.Header{
				"Accept":                        {"*/*"},
				"Access-Control-Request-Method": {"GET"},
				"Origin":                        {corsPageOrigin},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u, err := url.Parse(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			req, err := ssecors.NewPreflightRequest(context.Background(), u, corsPageOrigin, tc.unsafe)
			if err != nil {
				t.Fatal(err)
			}
			if req.Method != http.MethodOptions {
				t.Errorf("method: got %q, want %q", req.Method, http.MethodOptions)
			}
			if got := req.URL.String(); got != tc.wantURL {
				t.Errorf("URL: got %q, want %q", got, tc.wantURL)
			}
			if !reflect.DeepEqual(req.Header, tc.want) {
				t.Errorf("header: got %q, want %q", req.Header, tc.want)
			}
			if req.Body != nil || req.ContentLength != 0 {
				t.Errorf("body: got %v with length %d, want none", req.Body, req.ContentLength)
			}
			if got := u.String(); got != tc.url {
				t.Errorf("the caller's URL was modified: got %q, want %q", got, tc.url)
			}
		})
	}
}

func TestCheckPreflight(t *testing.T) {
	t.Parallel()
	ok := func(kv ...string) http.Header {
		h := http.Header{"Access-Control-Allow-Origin": {corsPageOrigin}}
		for i := 0; i+1 < len(kv); i += 2 {
			h.Add(kv[i], kv[i+1])
		}
		return h
	}
	tenant := []string{"x-tenant"}
	tests := []struct {
		name       string
		status     int
		header     http.Header
		cred       bool
		unsafe     []string
		wantRule   ssecors.Rule // "" means the preflight passes
		wantMaxAge time.Duration
	}{
		// Status.
		{name: "200", status: 200, header: ok(), wantMaxAge: 5 * time.Second},
		{name: "204", status: 204, header: ok(), wantMaxAge: 5 * time.Second},
		{name: "301 is not followed", status: 301, header: ok(), wantRule: ssecors.RulePreflightStatus},
		{name: "404", status: 404, header: ok(), wantRule: ssecors.RulePreflightStatus},
		{name: "500", status: 500, header: ok(), wantRule: ssecors.RulePreflightStatus},
		{name: "status before CORS", status: 404, header: http.Header{}, wantRule: ssecors.RulePreflightStatus},

		// The CORS check uses the actual request's credentials mode.
		{name: "no ACAO", status: 204, header: http.Header{}, wantRule: ssecors.RuleAllowOriginMissing},
		{name: "cred needs ACAC", status: 204, header: ok(), cred: true, wantRule: ssecors.RuleAllowCredentials},
		{name: "cred with ACAC", status: 204, header: ok("Access-Control-Allow-Credentials", "true"), cred: true, wantMaxAge: 5 * time.Second},
		{name: "cred wildcard origin", status: 204, header: http.Header{"Access-Control-Allow-Origin": {"*"}, "Access-Control-Allow-Credentials": {"true"}}, cred: true, wantRule: ssecors.RuleAllowOriginWildcard},

		// Access-Control-Allow-Methods: GET is safelisted.
		{name: "ACAM absent", status: 204, header: ok(), wantMaxAge: 5 * time.Second},
		{name: "ACAM POST", status: 204, header: ok("Access-Control-Allow-Methods", "POST"), wantMaxAge: 5 * time.Second},
		{name: "ACAM not a list", status: 204, header: ok("Access-Control-Allow-Methods", "GET POST"), wantRule: ssecors.RulePreflightAllowMethods},
		{name: "ACAM wildcard", status: 204, header: ok("Access-Control-Allow-Methods", "*"), wantMaxAge: 5 * time.Second},
		{name: "ACAM wildcard, cred", status: 204, header: ok("Access-Control-Allow-Methods", "*", "Access-Control-Allow-Credentials", "true"), cred: true, wantMaxAge: 5 * time.Second},
		{name: "ACAM empty elements", status: 204, header: ok("Access-Control-Allow-Methods", "GET,, POST ,"), wantMaxAge: 5 * time.Second},

		// Access-Control-Allow-Headers.
		{name: "ACAH lists the header", status: 204, header: ok("Access-Control-Allow-Headers", "X-Tenant"), unsafe: tenant, wantMaxAge: 5 * time.Second},
		{name: "ACAH in two lines", status: 204, header: ok("Access-Control-Allow-Headers", "a", "Access-Control-Allow-Headers", "x-tenant"), unsafe: tenant, wantMaxAge: 5 * time.Second},
		{name: "ACAH absent", status: 204, header: ok(), unsafe: tenant, wantRule: ssecors.RulePreflightAllowHeaders},
		{name: "ACAH not a list", status: 204, header: ok("Access-Control-Allow-Headers", "x y"), wantRule: ssecors.RulePreflightAllowHeaders},
		{name: "ACAH wildcard", status: 204, header: ok("Access-Control-Allow-Headers", "*"), unsafe: tenant, wantMaxAge: 5 * time.Second},
		{name: "ACAH wildcard, cred", status: 204, header: ok("Access-Control-Allow-Headers", "*", "Access-Control-Allow-Credentials", "true"), cred: true, unsafe: tenant, wantRule: ssecors.RulePreflightAllowHeaders},
		// Chromium lets "*" cover Authorization (browsertest "fetch: ACAH *
		// and Authorization"); the Fetch standard does not.
		{name: "ACAH wildcard, authorization", status: 204, header: ok("Access-Control-Allow-Headers", "*"), unsafe: []string{"authorization"}, wantMaxAge: 5 * time.Second},
		{name: "ACAH explicit authorization", status: 204, header: ok("Access-Control-Allow-Headers", "*, Authorization"), unsafe: []string{"authorization", "x-tenant"}, wantMaxAge: 5 * time.Second},

		// Access-Control-Max-Age.
		{name: "Max-Age 600", status: 204, header: ok("Access-Control-Max-Age", "600"), wantMaxAge: 600 * time.Second},
		{name: "Max-Age invalid", status: 204, header: ok("Access-Control-Max-Age", "ten"), wantMaxAge: 5 * time.Second},
		// Chromium parses a signed integer: -1 means no caching (browsertest "fetch: Max-Age -1").
		{name: "Max-Age negative", status: 204, header: ok("Access-Control-Max-Age", "-1"), wantMaxAge: 0},
		{name: "Max-Age fraction", status: 204, header: ok("Access-Control-Max-Age", "1.5"), wantMaxAge: 5 * time.Second},
		{name: "Max-Age twice", status: 204, header: ok("Access-Control-Max-Age", "60", "Access-Control-Max-Age", "60"), wantMaxAge: 5 * time.Second},
		{name: "Max-Age 0", status: 204, header: ok("Access-Control-Max-Age", "0"), wantMaxAge: 0},
		{name: "Max-Age capped", status: 204, header: ok("Access-Control-Max-Age", "86400"), wantMaxAge: 2 * time.Hour},
		{name: "Max-Age huge", status: 204, header: ok("Access-Control-Max-Age", "99999999999999999999999"), wantMaxAge: 2 * time.Hour},
		{name: "Max-Age bad does not fail", status: 204, header: ok("Access-Control-Max-Age", "1.5"), wantMaxAge: 5 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, maxAge := ssecors.CheckPreflight(tc.status, tc.header, corsPageOrigin, tc.cred, tc.unsafe)
			if tc.wantRule == "" {
				if got != nil {
					t.Fatalf("got %v, want success", got)
				}
				if maxAge != tc.wantMaxAge {
					t.Errorf("max-age: got %v, want %v", maxAge, tc.wantMaxAge)
				}
				return
			}
			if got == nil {
				t.Fatalf("got success, want rule %q", tc.wantRule)
			}
			if got.Rule != tc.wantRule {
				t.Errorf("Rule: got %q, want %q (%v)", got.Rule, tc.wantRule, got)
			}
			if got.Op != http.MethodOptions {
				t.Errorf("Op: got %q, want OPTIONS", got.Op)
			}
			if got.Detail == "" || got.Fix == "" {
				t.Errorf("Detail %q, Fix %q: want both", got.Detail, got.Fix)
			}
			if got.Origin != corsPageOrigin || got.Credentials != tc.cred {
				t.Errorf("Origin, Credentials: got %q, %v", got.Origin, got.Credentials)
			}
		})
	}
}

// TestCheckPreflight_wording pins the words that name what to change.
func TestCheckPreflight_wording(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		header   http.Header
		cred     bool
		unsafe   []string
		wantFix  []string
		wantText []string // in Detail
	}{
		{
			name: "redirect", status: 302, unsafe: []string{"x-tenant"},
			wantText: []string{"status 302 Found"},
			wantFix:  []string{"never follows redirects", `"Access-Control-Allow-Headers: x-tenant"`, `"Access-Control-Allow-Origin: https://app.example"`},
		},
		{
			name: "unauthorized", status: 401, cred: true,
			wantFix: []string{"no cookies and no Authorization", `"Access-Control-Allow-Credentials: true"`},
		},
		{
			name: "wildcard with credentials", status: 204,
			header:   http.Header{"Access-Control-Allow-Origin": {corsPageOrigin}, "Access-Control-Allow-Credentials": {"true"}, "Access-Control-Allow-Headers": {"*"}},
			cred:     true,
			unsafe:   []string{"last-event-id"},
			wantText: []string{"only a wildcard for requests without credentials"},
			wantFix:  []string{`"Access-Control-Allow-Headers: last-event-id"`, "Last-Event-ID is sent on reconnects"},
		},
		{
			name: "methods not a list", status: 204,
			header:   http.Header{"Access-Control-Allow-Origin": {corsPageOrigin}, "Access-Control-Allow-Methods": {"GET POST"}},
			wantText: []string{`["GET POST"]`},
			wantFix:  []string{`"Access-Control-Allow-Methods: GET, POST"`},
		},
		{
			name: "CORS failure names the preflight", status: 204,
			header:   http.Header{"Access-Control-Allow-Origin": {corsPageOrigin + "/"}},
			wantText: []string{`"https://app.example/"`},
			wantFix:  []string{"remove the trailing slash"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := tc.header
			if h == nil {
				h = http.Header{}
			}
			got, _ := ssecors.CheckPreflight(tc.status, h, corsPageOrigin, tc.cred, tc.unsafe)
			if got == nil {
				t.Fatal("got success, want a failure")
			}
			got.URL = "https://api.example/events"
			if msg := got.Error(); !strings.HasPrefix(msg, "ssecors: OPTIONS https://api.example/events: CORS preflight: ") {
				t.Errorf("message %q does not name the preflight", msg)
			}
			for _, want := range tc.wantText {
				if !strings.Contains(got.Detail, want) {
					t.Errorf("Detail %q does not contain %q", got.Detail, want)
				}
			}
			for _, want := range tc.wantFix {
				if !strings.Contains(got.Fix, want) {
					t.Errorf("Fix %q does not contain %q", got.Fix, want)
				}
			}
		})
	}
}

// preflightClock is a clock the test moves by hand.
type preflightClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *preflightClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *preflightClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newPreflightClock() *preflightClock {
	return &preflightClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func TestPreflightCache(t *testing.T) {
	t.Parallel()
	const u = "https://api.example/events"
	allow := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			h.Add(kv[i], kv[i+1])
		}
		return h
	}
	tenant := []string{"x-tenant"}

	t.Run("expires after max-age", func(t *testing.T) {
		t.Parallel()
		clock := newPreflightClock()
		c := ssecors.NewPreflightCache(clock.Now)
		if c.Covers(corsPageOrigin, u, false, nil) {
			t.Fatal("an empty cache covers a request")
		}
		c.Store(corsPageOrigin, u, false, allow("Access-Control-Allow-Headers", "X-Tenant"), 10*time.Second)
		if !c.Covers(corsPageOrigin, u, false, tenant) {
			t.Error("got not covered right after a store, want covered")
		}
		clock.Advance(9 * time.Second)
		if !c.Covers(corsPageOrigin, u, false, tenant) {
			t.Error("got not covered before max-age, want covered")
		}
		clock.Advance(time.Second)
		if c.Covers(corsPageOrigin, u, false, tenant) {
			t.Error("got covered at max-age, want expired")
		}
	})

	t.Run("keyed by origin and URL", func(t *testing.T) {
		t.Parallel()
		c := ssecors.NewPreflightCache(newPreflightClock().Now)
		c.Store(corsPageOrigin, u, false, allow(), time.Minute)
		if !c.Covers(corsPageOrigin, u, false, nil) {
			t.Error("got not covered, want covered")
		}
		if c.Covers("null", u, false, nil) {
			t.Error(`got covered for Origin "null", want a new preflight`)
		}
		if c.Covers(corsPageOrigin, u+"?tenant=b", false, nil) {
			t.Error("got covered for another query, want a new preflight")
		}
	})

	t.Run("credentials", func(t *testing.T) {
		t.Parallel()
		c := ssecors.NewPreflightCache(newPreflightClock().Now)
		c.Store(corsPageOrigin, u, false, allow("Access-Control-Allow-Headers", "x-tenant"), time.Minute)
		if c.Covers(corsPageOrigin, u, true, tenant) {
			t.Error("an entry made without credentials covers a request with credentials")
		}
		c.Store(corsPageOrigin, u, true, allow("Access-Control-Allow-Headers", "x-tenant"), time.Minute)
		if !c.Covers(corsPageOrigin, u, true, tenant) || !c.Covers(corsPageOrigin, u, false, tenant) {
			t.Error("an entry made with credentials does not cover both modes")
		}
	})

	t.Run("header wildcard", func(t *testing.T) {
		t.Parallel()
		c := ssecors.NewPreflightCache(newPreflightClock().Now)
		c.Store(corsPageOrigin, u, false, allow("Access-Control-Allow-Headers", "*"), time.Minute)
		if !c.Covers(corsPageOrigin, u, false, []string{"x-tenant", "last-event-id"}) {
			t.Error(`"*" does not cover custom headers`)
		}
		if !c.Covers(corsPageOrigin, u, false, []string{"authorization"}) {
			t.Error(`"*" does not cover authorization, as it does in Chromium`)
		}
	})

	t.Run("wildcard stored with credentials is literal for credentials", func(t *testing.T) {
		t.Parallel()
		c := ssecors.NewPreflightCache(newPreflightClock().Now)
		c.Store(corsPageOrigin, u, true, allow("Access-Control-Allow-Headers", "*, x-a"), time.Minute)
		if c.Covers(corsPageOrigin, u, true, []string{"x-b"}) {
			t.Error(`"*" covers a credentialed request`)
		}
		if !c.Covers(corsPageOrigin, u, true, []string{"x-a"}) {
			t.Error("the listed header is not covered")
		}
		if !c.Covers(corsPageOrigin, u, false, []string{"x-b"}) {
			t.Error(`"*" does not cover a request without credentials`)
		}
	})

	t.Run("methods", func(t *testing.T) {
		t.Parallel()
		c := ssecors.NewPreflightCache(newPreflightClock().Now)
		c.Store(corsPageOrigin, u, false, allow("Access-Control-Allow-Methods", "POST", "Access-Control-Allow-Headers", "x-tenant"), time.Minute)
		if c.Covers(corsPageOrigin, u, false, tenant) {
			t.Error("a forced preflight is covered without an entry for GET")
		}
		if !c.CoversFor(ssecors.PreflightAuto, corsPageOrigin, u, false, tenant) {
			t.Error("PreflightAuto needs an entry for GET, a safelisted method")
		}
		c.Store(corsPageOrigin, u, false, allow("Access-Control-Allow-Methods", "*"), time.Minute)
		if !c.Covers(corsPageOrigin, u, false, tenant) {
			t.Error(`"*" does not cover GET`)
		}
		if c.Covers(corsPageOrigin, u, true, nil) {
			t.Error("an entry made without credentials covers a request with credentials")
		}
	})

	t.Run("a later preflight refreshes max-age", func(t *testing.T) {
		t.Parallel()
		clock := newPreflightClock()
		c := ssecors.NewPreflightCache(clock.Now)
		c.Store(corsPageOrigin, u, false, allow("Access-Control-Allow-Headers", "x-tenant"), 10*time.Second)
		clock.Advance(8 * time.Second)
		c.Store(corsPageOrigin, u, false, allow("Access-Control-Allow-Headers", "X-Tenant"), 10*time.Second)
		if got := c.Len(); got != 2 {
			t.Errorf("entries: got %d, want 2 (GET and x-tenant)", got)
		}
		clock.Advance(8 * time.Second)
		if !c.Covers(corsPageOrigin, u, false, tenant) {
			t.Error("got expired, want refreshed")
		}
	})

	t.Run("max-age 0 does not cache and expires entries", func(t *testing.T) {
		t.Parallel()
		c := ssecors.NewPreflightCache(newPreflightClock().Now)
		c.Store(corsPageOrigin, u, false, allow("Access-Control-Allow-Headers", "x-tenant"), time.Minute)
		c.Store(corsPageOrigin, u, false, allow("Access-Control-Allow-Headers", "x-tenant"), 0)
		if c.Covers(corsPageOrigin, u, false, tenant) {
			t.Error("got covered after max-age 0, want not cached")
		}
		if got := c.Len(); got != 0 {
			t.Errorf("entries: got %d, want 0", got)
		}
	})

	t.Run("clear", func(t *testing.T) {
		t.Parallel()
		c := ssecors.NewPreflightCache(newPreflightClock().Now)
		c.Store(corsPageOrigin, u, true, allow("Access-Control-Allow-Headers", "x-tenant"), time.Minute)
		c.Store(corsPageOrigin, u+"?b", false, allow(), time.Minute)
		c.Clear(corsPageOrigin, u)
		if c.Covers(corsPageOrigin, u, false, tenant) {
			t.Error("got covered after clear, want cleared")
		}
		if !c.Covers(corsPageOrigin, u+"?b", false, nil) {
			t.Error("clear removed another URL's entries")
		}
	})

	t.Run("bounded", func(t *testing.T) {
		t.Parallel()
		c := ssecors.NewPreflightCache(newPreflightClock().Now)
		for i := 0; i < 3000; i++ {
			c.Store(corsPageOrigin, u+"?n="+strconv.Itoa(i), false, allow(), time.Minute)
		}
		if got := c.Len(); got > 1024 {
			t.Errorf("entries: got %d, want at most 1024", got)
		}
	})
}

// preflightServer records the preflights it receives.
type preflightServer struct {
	*httptest.Server
	mu      sync.Mutex
	headers []http.Header
	hits    map[string]int
}

func newPreflightServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request)) *preflightServer {
	t.Helper()
	s := &preflightServer{hits: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.headers = append(s.headers, r.Header.Clone())
		s.hits[r.Method+" "+r.URL.Path]++
		s.mu.Unlock()
		handle(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *preflightServer) seen() ([]http.Header, map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	hits := map[string]int{}
	for k, v := range s.hits {
		hits[k] = v
	}
	return append([]http.Header(nil), s.headers...), hits
}

func TestDoPreflight(t *testing.T) {
	t.Parallel()
	srv := newPreflightServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "/ok", http.StatusFound)
			return
		case "/ok":
			w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
			w.Header().Set("Access-Control-Allow-Credentials", "true")
			w.Header().Set("Access-Control-Allow-Headers", "Last-Event-ID, X-Tenant")
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		http.NotFound(w, r)
	})

	// A client with a jar holding a cookie for the server, and that
	// follows redirects: the preflight must use neither.
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	base, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	jar.SetCookies(base, []*http.Cookie{{Name: "session", Value: "s3cr3t"}})
	client := &http.Client{Jar: jar}

	t.Run("request headers and no cookie", func(t *testing.T) {
		u, err := url.Parse(srv.URL + "/ok?tenant=acme")
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword("user", "pw")
		maxAge, err := ssecors.DoPreflight(context.Background(), client, u, corsPageOrigin, true, []string{"x-tenant", "last-event-id"})
		if err != nil {
			t.Fatalf("got %v, want success", err)
		}
		if maxAge != 600*time.Second {
			t.Errorf("max-age: got %v, want %v", maxAge, 600*time.Second)
		}
		headers, _ := srv.seen()
		if len(headers) == 0 {
			t.Fatal("the server saw no request")
		}
		got := headers[len(headers)-1]
		want := http.Header{
			"Accept":                         {"*/*"},
			"Accept-Encoding":                {"gzip"},               // added by net/http's transport
			"User-Agent":                     {"Go-http-client/1.1"}, // added by net/http
			"Access-Control-Request-Method":  {"GET"},
			"Access-Control-Request-Headers": {"last-event-id,x-tenant"},
			"Origin":                         {corsPageOrigin},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("headers:\ngot  %q\nwant %q", got, want)
		}
		if client.CheckRedirect != nil || client.Jar != jar {
			t.Error("the caller's client was modified")
		}
	})

	t.Run("302 is not followed", func(t *testing.T) {
		_, before := srv.seen()
		u, err := url.Parse(srv.URL + "/redirect?token=hunter2")
		if err != nil {
			t.Fatal(err)
		}
		_, err = ssecors.DoPreflight(context.Background(), client, u, corsPageOrigin, true, nil)
		var ce *ssecors.BlockedError
		if !errors.As(err, &ce) {
			t.Fatalf("got %v, want a *BlockedError", err)
		}
		if ce.Rule != ssecors.RulePreflightStatus || ce.Op != http.MethodOptions {
			t.Errorf("Rule, Op: got %q, %q, want %q, OPTIONS", ce.Rule, ce.Op, ssecors.RulePreflightStatus)
		}
		if strings.Contains(ce.Error(), "hunter2") || !strings.Contains(ce.URL, "token=REDACTED") {
			t.Errorf("URL not redacted: %q", ce.Error())
		}
		_, after := srv.seen()
		if after["OPTIONS /ok"] != before["OPTIONS /ok"] {
			t.Errorf("the redirect was followed: %d requests to /ok", after["OPTIONS /ok"]-before["OPTIONS /ok"])
		}
	})

	t.Run("header not allowed", func(t *testing.T) {
		u, err := url.Parse(srv.URL + "/ok")
		if err != nil {
			t.Fatal(err)
		}
		_, err = ssecors.DoPreflight(context.Background(), client, u, corsPageOrigin, true, []string{"authorization"})
		var ce *ssecors.BlockedError
		if !errors.As(err, &ce) || ce.Rule != ssecors.RulePreflightAllowHeaders {
			t.Fatalf("got %v, want rule %q", err, ssecors.RulePreflightAllowHeaders)
		}
		if ce.URL != srv.URL+"/ok" {
			t.Errorf("URL: got %q, want %q", ce.URL, srv.URL+"/ok")
		}
	})
}

func TestDoPreflight_networkError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close() // nothing listens any more
	u, err := url.Parse(addr + "/events?token=hunter2")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ssecors.DoPreflight(context.Background(), nil, u, corsPageOrigin, false, nil)
	var ne *ssecors.NetworkError
	if !errors.As(err, &ne) {
		t.Fatalf("got %T %v, want a *NetworkError", err, err)
	}
	if ne.Op != http.MethodOptions {
		t.Errorf("Op: got %q, want %q", ne.Op, http.MethodOptions)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("secret in the message: %q", err.Error())
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		t.Errorf("a *url.Error is still wrapped: %v", ue)
	}
}

func TestDoPreflight_canceled(t *testing.T) {
	t.Parallel()
	srv := newPreflightServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	u, err := url.Parse(srv.URL + "/ok")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ssecors.DoPreflight(ctx, srv.Client(), u, corsPageOrigin, false, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestPreflightCache_Preflight(t *testing.T) {
	t.Parallel()
	srv := newPreflightServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Headers", "last-event-id")
		w.Header().Set("Access-Control-Max-Age", "60")
		w.WriteHeader(http.StatusNoContent)
	})
	u, err := url.Parse(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	clock := newPreflightClock()
	c := ssecors.NewPreflightCache(clock.Now)
	unsafe := []string{"last-event-id"}
	steps := []struct {
		name      string
		mode      ssecors.PreflightMode
		cross     bool
		unsafe    []string
		advance   time.Duration
		wantSent  bool
		wantTotal int
	}{
		{name: "never", mode: ssecors.PreflightNever, cross: true, unsafe: unsafe, wantTotal: 0},
		{name: "same-origin", mode: ssecors.PreflightAlways, unsafe: unsafe, wantTotal: 0},
		{name: "auto, simple", mode: ssecors.PreflightAuto, cross: true, wantTotal: 0},
		{name: "auto, unsafe", mode: ssecors.PreflightAuto, cross: true, unsafe: unsafe, wantSent: true, wantTotal: 1},
		{name: "auto, cached", mode: ssecors.PreflightAuto, cross: true, unsafe: unsafe, wantTotal: 1},
		{name: "always, cached", mode: ssecors.PreflightAlways, cross: true, unsafe: unsafe, wantTotal: 1},
		{name: "always, expired", mode: ssecors.PreflightAlways, cross: true, advance: time.Minute, wantSent: true, wantTotal: 2},
	}
	for _, st := range steps { // sequential: each step depends on the last
		clock.Advance(st.advance)
		sent, err := c.Preflight(context.Background(), srv.Client(), st.mode, st.cross, u, corsPageOrigin, false, st.unsafe)
		if err != nil {
			t.Fatalf("%s: got %v, want success", st.name, err)
		}
		if sent != st.wantSent {
			t.Errorf("%s: sent: got %v, want %v", st.name, sent, st.wantSent)
		}
		headers, _ := srv.seen()
		if len(headers) != st.wantTotal {
			t.Errorf("%s: preflights: got %d, want %d", st.name, len(headers), st.wantTotal)
		}
	}
}

// Access-Control-Max-Age as Chromium reads it, and strictly, as Firefox
// does: a value present but not one integer caches nothing.
func TestParsePreflightMaxAge(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name            string
		values          []string
		lenient, strict time.Duration
	}{
		{"absent", nil, 5 * time.Second, 5 * time.Second},
		{"integer", []string{"10"}, 10 * time.Second, 10 * time.Second},
		{"capped", []string{"99999999999999999999"}, 2 * time.Hour, 2 * time.Hour},
		{"negative", []string{"-1"}, 0, 0},
		{"fraction", []string{"1.5"}, 5 * time.Second, 0},
		{"not a number", []string{"-x"}, 5 * time.Second, 0},
		{"repeated", []string{"10", "20"}, 5 * time.Second, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for _, v := range tc.values {
				h.Add("Access-Control-Max-Age", v)
			}
			if got := ssecors.ParsePreflightMaxAge(h, false); got != tc.lenient {
				t.Errorf("lenient: got %v, want %v", got, tc.lenient)
			}
			if got := ssecors.ParsePreflightMaxAge(h, true); got != tc.strict {
				t.Errorf("strict: got %v, want %v", got, tc.strict)
			}
		})
	}
}
