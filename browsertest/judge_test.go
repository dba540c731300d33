package browsertest

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/ssecors/browser"
)

// These tests need no browser: they pin the comparison rules.

func TestJudge(t *testing.T) {
	t.Parallel()
	base := Outcome{
		Events:   []EventRec{{Kind: "open", RS: 1}, {Kind: "error", RS: 2}},
		State:    2,
		Requests: []string{"GET https://api.other.test/s Origin=https://app.example.test"},
		Gaps:     []time.Duration{100 * time.Millisecond},
	}
	failFast := base
	failFast.Events = []EventRec{{Kind: "error", RS: 2}}
	slow := base
	slow.Gaps = []time.Duration{2 * time.Second}
	jitter := base
	jitter.Gaps = []time.Duration{450 * time.Millisecond}
	moreRequests := base
	moreRequests.Requests = append(slices.Clone(base.Requests), "OPTIONS https://api.other.test/s")
	chromeCfg := &Config{Name: "chrome-incognito", Kind: ChromiumKind, Profile: browser.ChromeIncognito}
	webkitCfg := &Config{Name: "webkit-itp", Kind: WebKitKind, Profile: browser.Safari}
	tests := []struct {
		name    string
		c       string // the case's name
		cfg     *Config
		sdk     Outcome
		pass    bool
		agree   bool
		fields  []string
		verdict string
	}{
		{name: "same", sdk: base, pass: true, agree: true, verdict: "agree"},
		{name: "events differ", sdk: failFast, fields: []string{FieldEvents}, verdict: "DIFFERENT: events"},
		{name: "covered by an entry that names the case", c: "missing, stream held", sdk: failFast, pass: true, fields: []string{FieldEvents}, verdict: "intentional (sniff)"},
		{name: "fields the entry does not allow", c: "missing, stream held", sdk: moreRequests, fields: []string{FieldRequests}, verdict: "DIFFERENT: requests"},
		{name: "a case the entry does not name", c: "text/html", sdk: failFast, fields: []string{FieldEvents}, verdict: "DIFFERENT: events"},
		{name: "an engine the entry does not name", c: "missing, stream held", cfg: webkitCfg, sdk: failFast, fields: []string{FieldEvents}, verdict: "DIFFERENT: events"},
		{name: "gap within tolerance", sdk: jitter, pass: true, agree: true, verdict: "agree"},
		{name: "gap beyond tolerance", sdk: slow, fields: []string{FieldGaps}, verdict: "DIFFERENT: reconnect delay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.cfg
			if cfg == nil {
				cfg = chromeCfg
			}
			v := Judge(&Case{Name: tt.c}, cfg, base, tt.sdk)
			if v.Pass() != tt.pass || v.Agree() != tt.agree {
				t.Errorf("Pass, Agree = %v, %v, want %v, %v (%s)", v.Pass(), v.Agree(), tt.pass, tt.agree, v.Why)
			}
			if !slices.Equal(v.Fields, tt.fields) {
				t.Errorf("fields %q, want %q", v.Fields, tt.fields)
			}
			if got := v.String(); got != tt.verdict {
				t.Errorf("verdict %q, want %q", got, tt.verdict)
			}
		})
	}
}

func TestCases(t *testing.T) {
	t.Parallel()
	cs := Cases()
	if len(cs) < 60 {
		t.Errorf("%d cases, want at least 60", len(cs))
	}
	names := map[string]bool{}
	fetch := 0
	for _, c := range cs {
		if c.Fetch != nil {
			fetch++
			if !strings.HasPrefix(c.Name, "fetch: ") {
				t.Errorf("fetch case %q: name it \"fetch: ...\" so that -case '^fetch: ' selects it", c.Name)
			}
		}
		if names[c.Name] {
			t.Errorf("duplicate case name %q", c.Name)
		}
		names[c.Name] = true
		if c.Fetch == nil && strings.HasPrefix(c.Name, "fetch: ") {
			t.Errorf("case %q is named as a fetch case but has no Fetch", c.Name)
		}
	}
	if fetch < 40 {
		t.Errorf("%d fetch cases, want at least 40", fetch)
	}
	ids := map[string]bool{}
	for _, d := range Intentionals {
		if ids[d.ID] {
			t.Errorf("duplicate intentional difference %q", d.ID)
		}
		ids[d.ID] = true
		if len(d.Browser) == 0 || len(d.Cases) == 0 || len(d.Fields) == 0 {
			t.Errorf("intentional difference %q: give the engines' behaviour, the cases and the fields", d.ID)
		}
		for _, n := range d.Cases {
			if !names[n] {
				t.Errorf("intentional difference %q names %q, which is not a case", d.ID, n)
			}
		}
	}
}

func TestSelectConfigs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		list string
		want []string
	}{
		{"chromium", []string{"chrome", "chrome-incognito", "chromium-allow", "chromium-block"}},
		{"firefox", []string{"firefox", "firefox-allow"}},
		{"webkit", []string{"webkit-itp", "webkit-itp-always", "webkit-always"}},
		{"webkit-default", []string{"webkit-default"}},
		{"firefox,chrome", []string{"chrome", "firefox", "firefox-allow"}},
	}
	for _, tt := range tests {
		got, err := SelectConfigs(tt.list)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range got {
			names = append(names, c.Name)
		}
		if !slices.Equal(names, tt.want) {
			t.Errorf("SelectConfigs(%q) = %q, want %q", tt.list, names, tt.want)
		}
	}
	all, _ := SelectConfigs("all")
	if len(all) != len(Configs)-1 {
		t.Errorf("all: %d configurations, want every one but webkit-default", len(all))
	}
	if _, err := SelectConfigs("safari"); err == nil {
		t.Error("SelectConfigs(\"safari\"): no error")
	}
}

func TestFetchFindingsNameCases(t *testing.T) {
	t.Parallel()
	names := map[string]bool{}
	for _, c := range Cases() {
		names[c.Name] = true
	}
	for _, f := range fetchFindings {
		for _, n := range f.Cases {
			if !names[n] {
				t.Errorf("fetchFindings names %q, which is not a case", n)
			}
		}
	}
}

func TestRequestDescribe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		req  Request
		want string
	}{
		{name: "same-origin", req: Request{Method: "GET", Scheme: "https", Host: "app.example.test", Endpoint: "s",
			Accept: "text/event-stream", CacheControl: "no-cache", Pragma: "no-cache"},
			want: "GET https://app.example.test/s"},
		{name: "cookies sorted, id quoted", req: Request{Method: "GET", Scheme: "https", Host: "api.other.test", Endpoint: "s",
			Origin: "null", HasOrigin: true, Cookie: "b=2; a=1", LastEventID: "x y", HasLEID: true,
			Accept: "text/event-stream", CacheControl: "no-cache", Pragma: "-"},
			want: `GET https://api.other.test/s Origin=null Cookie=[a=1 b=2] Last-Event-ID="x y" Pragma="-"`},
		{name: "preflight", req: Request{Method: "OPTIONS", Scheme: "https", Host: "api.other.test", Endpoint: "s",
			Origin: "https://app.example.test", HasOrigin: true, ACRMethod: "GET", ACRHeaders: "last-event-id"},
			want: "OPTIONS https://api.other.test/s Origin=https://app.example.test ACR-Method=GET ACR-Headers=last-event-id"},
		{name: "fetch POST", req: Request{Fetch: true, Method: "POST", Scheme: "https", Host: "api.other.test", Endpoint: "s",
			Origin: "https://app.example.test", HasOrigin: true, ContentType: "application/json", ContentLength: 7, Body: `{"a":1}`,
			Page: [][2]string{{"accept", "text/event-stream"}, {"cache-control", "-"}, {"pragma", "-"}, {"x-api-key", "k"}}},
			want: `POST https://api.other.test/s Origin=https://app.example.test Content-Type="application/json" Body="{\"a\":1}" x-api-key="k"`},
		{name: "fetch preflight", req: Request{Fetch: true, Method: "OPTIONS", Scheme: "https", Host: "api.other.test", Endpoint: "s",
			Origin: "https://app.example.test", HasOrigin: true, ACRMethod: "PUT", ACRHeaders: "content-type", ContentType: "-",
			Page: [][2]string{{"accept", "*/*"}, {"cache-control", "no-cache"}, {"pragma", "-"}}},
			want: `OPTIONS https://api.other.test/s Origin=https://app.example.test ACR-Method=PUT ACR-Headers=content-type cache-control="no-cache"`},
		{name: "fetch GET, chunked body", req: Request{Fetch: true, Method: "GET", Scheme: "https", Host: "app.example.test", Endpoint: "s",
			ContentType: "-", ContentLength: -1, Body: "x", Page: [][2]string{{"accept", "application/json"}}},
			want: `GET https://app.example.test/s Body="x" (no Content-Length) accept="application/json"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.req.describe(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func Test_readableNames(t *testing.T) {
	t.Parallel()
	h := http.Header{
		"Content-Type":                  {"text/event-stream"},
		"Cache-Control":                 {"no-store"},
		"Date":                          {"x"},
		"X-Trace":                       {"1"},
		"X-Other":                       {"2"},
		"Set-Cookie":                    {"a=1"},
		"Access-Control-Expose-Headers": {"X-Trace, set-cookie"},
	}
	star := h.Clone()
	star.Set("Access-Control-Expose-Headers", "*")
	bad := h.Clone()
	bad.Set("Access-Control-Expose-Headers", "x-trace, (bad)")
	tests := []struct {
		name              string
		h                 http.Header
		sameOrigin, creds bool
		want              []string
	}{
		{"cors, listed", h, false, false, []string{"cache-control", "content-type", "x-trace"}},
		{"cors, * without credentials", star, false, false, []string{"access-control-expose-headers", "cache-control", "content-type", "x-other", "x-trace"}},
		{"cors, * with credentials", star, false, true, []string{"cache-control", "content-type"}},
		{"same origin", h, true, true, []string{"access-control-expose-headers", "cache-control", "content-type", "x-other", "x-trace"}},
		{"cors, a non-token item voids the list", bad, false, false, []string{"cache-control", "content-type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := readableNames(tt.h, tt.sameOrigin, tt.creds); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
