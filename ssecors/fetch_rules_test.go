package ssecors_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
)

func TestNormalizeMethod(t *testing.T) {
	for _, tc := range []struct{ in, want, reason string }{
		{"", "GET", ""},
		{"post", "POST", ""},
		{"Delete", "DELETE", ""},
		{"options", "OPTIONS", ""},
		{"patch", "patch", ""},
		{"PATCH", "PATCH", ""},
		{"mkcol", "mkcol", ""},
		{"connect", "", "forbidden"},
		{"Trace", "", "forbidden"},
		{"TRACK", "", "forbidden"},
		{"GE T", "", "token"},
		{"GET\n", "", "token"},
	} {
		got, reason := ssecors.NormalizeMethod(tc.in)
		if got != tc.want || !strings.Contains(reason, tc.reason) || (tc.reason == "") != (reason == "") {
			t.Errorf("%q: got %q, %q; want %q, reason with %q", tc.in, got, reason, tc.want, tc.reason)
		}
	}
}

// The simple-request decision: Fetch's CORS-safelisted methods and
// request-headers, with their value rules and size limits.
func TestFetchNeedsPreflight(t *testing.T) {
	long := strings.Repeat("a", 129)
	for _, tc := range []struct {
		name   string
		method string
		header http.Header
		unsafe []string
	}{
		{"GET", "GET", nil, nil},
		{"HEAD", "HEAD", nil, nil},
		{"POST text/plain", "POST", http.Header{"Content-Type": {"text/plain;charset=UTF-8"}}, nil},
		{"POST form", "POST", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, nil},
		{"POST multipart", "POST", http.Header{"Content-Type": {"multipart/form-data; boundary=x"}}, nil},
		{"POST json", "POST", http.Header{"Content-Type": {"application/json"}}, []string{"content-type"}},
		{"content-type with an unsafe byte", "POST", http.Header{"Content-Type": {`text/plain; a="("`}}, []string{"content-type"}},
		{"Accept event-stream", "GET", http.Header{"Accept": {"text/event-stream"}}, nil},
		{"Accept too long", "GET", http.Header{"Accept": {long}}, []string{"accept"}},
		{"Accept-Language", "GET", http.Header{"Accept-Language": {"en-US,fr;q=0.5"}}, nil},
		{"Accept-Language bad byte", "GET", http.Header{"Accept-Language": {"en_US"}}, []string{"accept-language"}},
		{"Range", "GET", http.Header{"Range": {"bytes=0-"}}, nil},
		{"Range suffix", "GET", http.Header{"Range": {"bytes=-5"}}, []string{"range"}},
		{"Authorization", "GET", http.Header{"Authorization": {"Bearer x"}}, []string{"authorization"}},
		{"custom", "GET", http.Header{"X-Api-Key": {"k"}}, []string{"x-api-key"}},
		{"Last-Event-ID", "GET", http.Header{"Last-Event-Id": {"7"}}, []string{"last-event-id"}},
		{"Cache-Control is the page's", "GET", http.Header{"Cache-Control": {"no-cache"}}, []string{"cache-control"}},
		{"forbidden names are the browser's", "GET", http.Header{"Origin": {"x"}, "Cookie": {"a=b"}, "Sec-Fetch-Mode": {"cors"}}, nil},
		{"total over 1024", "GET", http.Header{"Accept": {strings.Repeat("a", 128)}, "Accept-Language": {strings.Repeat("b", 128)},
			"Content-Language": {strings.Repeat("c", 128)}, "Content-Type": slices.Repeat([]string{"text/plain"}, 80)},
			[]string{"accept", "accept-language", "content-language", "content-type"}},
		{"PUT", "PUT", nil, nil},
		{"patch", "patch", nil, nil},
	} {
		unsafe := ssecors.UnsafeFetchHeaderNames(tc.header)
		if !slices.Equal(unsafe, tc.unsafe) {
			t.Errorf("%s: unsafe names %q, want %q", tc.name, unsafe, tc.unsafe)
		}
		want := len(tc.unsafe) > 0 || tc.method == "PUT" || tc.method == "patch"
		if got := ssecors.FetchNeedsPreflight(tc.method, unsafe); got != want {
			t.Errorf("%s: preflight %v, want %v", tc.name, got, want)
		}
	}
}

// The preflight check for any method: ACAM matched case-sensitively, "*"
// only without credentials, and the fix names the method.
func TestCheckPreflight_methods(t *testing.T) {
	const origin = "https://app.example"
	for _, tc := range []struct {
		name   string
		acam   string
		method string
		cred   bool
		ok     bool
	}{
		{"POST needs nothing", "", "POST", false, true},
		{"PUT missing", "", "PUT", false, false},
		{"PUT listed", "GET, PUT", "PUT", false, true},
		{"put listed for PUT", "put", "PUT", false, false},
		{"patch listed for patch", "patch", "patch", false, true},
		{"PATCH listed for patch", "PATCH", "patch", false, false},
		{"star", "*", "DELETE", false, true},
		{"star with credentials", "*", "DELETE", true, false},
		{"star and listed with credentials", "*, DELETE", "DELETE", true, true},
		{"bad list", "PUT;DELETE", "PUT", false, false},
	} {
		h := http.Header{"Access-Control-Allow-Origin": {origin}}
		if tc.cred {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if tc.acam != "" {
			h.Set("Access-Control-Allow-Methods", tc.acam)
		}
		be, _ := ssecors.CheckPreflightFor(204, h, origin, tc.cred, tc.method, nil, false)
		if (be == nil) != tc.ok {
			t.Errorf("%s: got %v, want ok=%v", tc.name, be, tc.ok)
			continue
		}
		if be != nil && (be.Rule != ssecors.RulePreflightAllowMethods || !strings.Contains(be.Fix, tc.method) && tc.name != "bad list") {
			t.Errorf("%s: rule %s, fix %q", tc.name, be.Rule, be.Fix)
		}
	}
	// The preflight request names the method as sent.
	req, err := ssecors.NewPreflightFor(t.Context(), mustURL(t, "https://api.example/s"), origin, "patch", []string{"x-b", "x-a"})
	if err != nil {
		t.Fatal(err)
	}
	if req.Method != "OPTIONS" || req.Header.Get("Access-Control-Request-Method") != "patch" ||
		req.Header.Get("Access-Control-Request-Headers") != "x-a,x-b" {
		t.Errorf("preflight %s %v", req.Method, req.Header)
	}
}

func TestPreflightCache_methods(t *testing.T) {
	clock := newPreflightClock()
	c := ssecors.NewPreflightCache(clock.Now)
	const o, u = "https://app.example", "https://api.example/s"
	c.StoreMethod(o, u, false, "PUT", http.Header{"Access-Control-Allow-Methods": {"PUT"}, "Access-Control-Allow-Headers": {"x-a"}}, 10e9)
	for _, tc := range []struct {
		method string
		cred   bool
		unsafe []string
		want   bool
	}{
		{"PUT", false, nil, true},
		{"PUT", false, []string{"x-a"}, true},
		{"PUT", false, []string{"x-b"}, false},
		{"DELETE", false, nil, false},
		{"POST", false, []string{"x-a"}, true},
		{"PUT", true, nil, false}, // an uncredentialed entry serves no credentialed request
	} {
		if got := c.CoversMethod(o, u, tc.cred, tc.method, tc.unsafe); got != tc.want {
			t.Errorf("%s cred=%v %q: covers %v, want %v", tc.method, tc.cred, tc.unsafe, got, tc.want)
		}
	}
	clock.Advance(11e9)
	if c.CoversMethod(o, u, false, "PUT", nil) {
		t.Error("covers after Max-Age")
	}
}

func TestReadableHeaders(t *testing.T) {
	h := http.Header{
		"Content-Type": {"text/event-stream"}, "Cache-Control": {"no-cache"}, "X-Request-Id": {"1"},
		"X-Ratelimit-Remaining": {"9"}, "Set-Cookie": {"a=b"}, "Access-Control-Expose-Headers": {"X-Request-Id, set-cookie"},
	}
	if got := ssecors.ReadableHeaders(h, false); !slices.Equal(got, []string{"cache-control", "content-type", "x-request-id"}) {
		t.Errorf("listed: %q", got)
	}
	h.Set("Access-Control-Expose-Headers", "*")
	if got := ssecors.ReadableHeaders(h, false); !slices.Equal(got, []string{"access-control-expose-headers", "cache-control", "content-type", "x-ratelimit-remaining", "x-request-id"}) {
		t.Errorf("star: %q", got)
	}
	if got := ssecors.ReadableHeaders(h, true); !slices.Equal(got, []string{"cache-control", "content-type"}) {
		t.Errorf("star with credentials: %q", got)
	}
}

func TestRedirectDropsBody(t *testing.T) {
	for _, tc := range []struct {
		status int
		method string
		want   bool
	}{
		{301, "POST", true}, {302, "POST", true}, {301, "PUT", false}, {302, "patch", false},
		{303, "POST", true}, {303, "PUT", true}, {303, "GET", false}, {303, "HEAD", false},
		{307, "POST", false}, {308, "PUT", false},
	} {
		if got := ssecors.RedirectDropsBody(tc.status, tc.method); got != tc.want {
			t.Errorf("%d %s: %v", tc.status, tc.method, got)
		}
	}
}

// Fetch mode lets the page set Accept and Cache-Control; an EventSource
// does not.
func TestFetch_pageHeaders(t *testing.T) {
	if _, err := ssecors.New("https://api.example/s", ssecors.WithHeader("Accept", "*/*")); err == nil {
		t.Error("EventSource accepted an Accept header")
	}
	if _, err := ssecors.New("https://api.example/s", ssecors.WithFetch(ssecors.Fetch{}),
		ssecors.WithHeader("Accept", "*/*"), ssecors.WithHeader("Cache-Control", "no-store")); err != nil {
		t.Errorf("fetch mode: %v", err)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// FuzzCheckPreflight: any preflight answer gets a verdict without a panic,
// a failure always names a preflight or CORS rule and a fix, and a
// success never lets "*" serve a credentialed request.
func FuzzCheckPreflight(f *testing.F) {
	f.Add(204, "*", "*", "*", "", "POST", "authorization,x-a", false)
	f.Add(200, "https://app.example", "PUT, patch", "X-A, *", "true", "patch", "x-a", true)
	f.Add(302, "", "", "", "", "GET", "", false)
	f.Add(204, "https://app.example", "GET;POST", "a b", "TRUE", "DELETE", "last-event-id", true)
	f.Fuzz(func(t *testing.T, status int, acao, acam, acah, acac, method, unsafeCSV string, cred bool) {
		const origin = "https://app.example"
		h := http.Header{}
		for name, v := range map[string]string{"Access-Control-Allow-Origin": acao,
			"Access-Control-Allow-Methods": acam, "Access-Control-Allow-Headers": acah,
			"Access-Control-Allow-Credentials": acac} {
			if v != "" {
				h.Set(name, v)
			}
		}
		var unsafe []string
		for _, n := range strings.Split(unsafeCSV, ",") {
			if n = strings.ToLower(strings.TrimSpace(n)); n != "" {
				unsafe = append(unsafe, n)
			}
		}
		be, maxAge := ssecors.CheckPreflightFor(status, h, origin, cred, method, unsafe, false)
		// Firefox's strict Max-Age changes the lifetime only, never the
		// verdict, and never lengthens it.
		beStrict, maxAgeStrict := ssecors.CheckPreflightFor(status, h, origin, cred, method, unsafe, true)
		if (be == nil) != (beStrict == nil) || maxAgeStrict > maxAge {
			t.Fatalf("strict Max-Age: error %v and %v, lifetime %v, want the same error and at most %v", beStrict, be, maxAgeStrict, maxAge)
		}
		if be != nil {
			if be.Rule == "" || be.Fix == "" || be.Op != "OPTIONS" {
				t.Fatalf("failure without rule, fix or op: %+v", be)
			}
			return
		}
		if maxAge < 0 || maxAge > 2*time.Hour {
			t.Fatalf("max age %v", maxAge)
		}
		if status < 200 || status > 299 {
			t.Fatalf("status %d passed", status)
		}
		if cred && acac != "true" {
			t.Fatalf("credentialed preflight passed with ACAC %q", acac)
		}
	})
}
