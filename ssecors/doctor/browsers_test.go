package doctor_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/browser"
	"github.com/ssecors/ssecors-go/ssecors/browserjar"
	"github.com/ssecors/ssecors-go/ssecors/doctor"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

func Test_contentTypeOpens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		ct              []string
		chromium, gecko bool
		webkit          bool
	}{
		{"plain", []string{"text/event-stream"}, true, true, true},
		{"utf-8", []string{"text/event-stream; charset=UTF-8"}, true, true, true},
		{"windows-1252", []string{"text/event-stream; charset=windows-1252"}, false, true, true},
		{"utf8 without the dash", []string{"text/event-stream; charset=utf8"}, false, true, true},
		{"list ending in text/html", []string{"text/event-stream, text/html"}, false, false, true},
		{"list starting with text/html", []string{"text/html, text/event-stream"}, true, true, false},
		// WebKit reads the last header line (PARITY.md, content-type case
		// "two headers, event-stream last": WebKitGTK opens).
		{"two headers", []string{"text/html", "text/event-stream"}, true, true, true},
		{"two headers, the last a list", []string{"text/html", "text/event-stream, text/html"}, false, false, true},
		{"two headers, event-stream first", []string{"text/event-stream", "text/html"}, false, false, false},
		{"repeated parameter", []string{"text/event-stream; charset=windows-1252; charset=utf-8"}, false, true, true},
		{"text/html", []string{"text/html"}, false, false, false},
		{"none", nil, false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, c := range []struct {
				p    browser.Profile
				want bool
			}{{browser.Chrome, tc.chromium}, {browser.Firefox, tc.gecko}, {browser.Safari, tc.webkit}} {
				if got := doctor.ContentTypeOpens(c.p, tc.ct...); got != c.want {
					t.Errorf("%s: got %t, want %t", c.p, got, c.want)
				}
			}
		})
	}
}

// verdictsOf renders the verdicts as "Browser:yes/no[rule]".
func verdictsOf(rep *doctor.Report) string {
	var out []string
	for _, v := range rep.Browsers {
		s := v.Browser + ":no"
		if v.Connects {
			s = v.Browser + ":yes"
		}
		if v.Rule != "" {
			s += "[" + string(v.Rule) + "]"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

// TestDiagnose_browsers checks the verdicts that the engine rules decide
// from the one response the diagnosis saw.
func TestDiagnose_browsers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		ep        ssetest.Endpoint
		scheme    string
		host      string
		browsers  []browser.Profile
		want      string
		reasonHas string // in the reason of the first verdict that differs from the first browser's
	}{
		{
			name:      "charset windows-1252",
			ep:        ssetest.Endpoint{ContentType: "text/event-stream; charset=windows-1252", Events: ssetest.Messages("a"), CORS: ssetest.AllowAll()},
			want:      "Chrome:no[content-type] Chrome Incognito:no[content-type] Firefox:yes Safari:yes",
			reasonHas: "whatever the charset parameter says",
		},
		{
			name:      "list ending in text/html",
			ep:        ssetest.Endpoint{ContentType: "text/event-stream, text/html", Events: ssetest.Messages("a"), CORS: ssetest.AllowAll()},
			want:      "Chrome:no[content-type] Chrome Incognito:no[content-type] Firefox:no[content-type] Safari:yes",
			reasonHas: "by its first type",
		},
		{
			name:      "list starting with text/html",
			ep:        ssetest.Endpoint{ContentType: "text/html, text/event-stream", Events: ssetest.Messages("a"), CORS: ssetest.AllowAll()},
			want:      "Chrome:yes Chrome Incognito:yes Firefox:yes Safari:no[content-type]",
			reasonHas: "by its first type",
		},
		{
			name:      "http localhost from an https page",
			ep:        ssetest.Endpoint{Events: ssetest.Messages("a"), CORS: ssetest.AllowAll()},
			scheme:    "http",
			host:      ssetest.LocalHost,
			want:      "Chrome:yes Chrome Incognito:yes Firefox:yes Safari:no[mixed-content]",
			reasonHas: "potentially trustworthy",
		},
		{
			name:      "redirect loop",
			ep:        ssetest.Endpoint{CORS: ssetest.AllowAll(), Redirect: &ssetest.Redirect{Location: ssetest.EventsPath}},
			want:      "Chrome:no[network] Chrome Incognito:no[network] Firefox:no[network] Safari:no[network]",
			reasonHas: "fails the connection for good",
		},
		{
			name:     "selected browsers, in order",
			ep:       ssetest.Endpoint{ContentType: "text/event-stream; charset=windows-1252", Events: ssetest.Messages("a"), CORS: ssetest.AllowAll()},
			browsers: []browser.Profile{browser.Safari, browser.Chrome, browser.Safari},
			want:     "Safari:yes Chrome:no[content-type]",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := diagnoseServer(t, tc.ep)
			scheme, host := tc.scheme, tc.host
			if scheme == "" {
				scheme, host = "https", ssetest.OtherHost
			}
			rep := diagnose(t, srv, srv.HostURL(scheme, host, ssetest.EventsPath), doctor.Options{MaxEvents: 1, Browsers: tc.browsers},
				ssecors.WithOrigin(srv.Origin("https", ssetest.AppHost)))
			if got := verdictsOf(rep); got != tc.want {
				t.Fatalf("verdicts = %q, want %q\n%s", got, tc.want, rep)
			}
			if rep.Connects != !strings.Contains(tc.want, ":no") {
				t.Errorf("Connects = %t for %q", rep.Connects, tc.want)
			}
			first := rep.Browsers[0]
			if rep.Browser != first.Browser {
				t.Errorf("Browser = %q, want %q (the first, with no cookie to tell them apart)", rep.Browser, first.Browser)
			}
			if tc.reasonHas == "" {
				return
			}
			for _, v := range rep.Browsers[1:] {
				if v.Connects == first.Connects && v.Reason == first.Reason {
					continue
				}
				if !strings.Contains(v.Reason, tc.reasonHas) {
					t.Errorf("%s: reason %q, want %q", v.Browser, v.Reason, tc.reasonHas)
				}
				if !rep.Connects && rep.Fix == "" {
					t.Errorf("no Fix for a failing report")
				}
				return
			}
			t.Errorf("no verdict differs from %s's", first.Browser)
		})
	}
}

func TestDiagnose_browsersConfigErrors(t *testing.T) {
	t.Parallel()
	for _, p := range []browser.Profile{{Name: "Lynx", Engine: 7}, {Name: "Odd", ThirdPartyCookies: 9}} {
		_, err := doctor.Diagnose(t.Context(), "https://api.other.test/events", doctor.Options{Browsers: []browser.Profile{p}},
			ssecors.WithOrigin("https://app.example.test"))
		var ce *ssecors.ConfigError
		if !errors.As(err, &ce) || ce.Option != "doctor.Options.Browsers" || ce.Value != p.Name {
			t.Errorf("%s: got %v, want a ConfigError for doctor.Options.Browsers", p.Name, err)
		}
	}
}

// TestReport_browsersJSON checks the JSON names of the verdicts.
func TestReport_browsersJSON(t *testing.T) {
	t.Parallel()
	srv := diagnoseServer(t, ssetest.Endpoint{CORS: &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}, AllowCredentials: "true"},
		RequireCookie: "sid", Events: ssetest.Messages("a")})
	streamURL := srv.HostURL("https", ssetest.OtherHost, ssetest.EventsPath)
	jar := primedJar(t, streamURL, "sid=s3cr3t-v4lue; SameSite=None; Secure")
	rep := diagnose(t, srv, streamURL, doctor.Options{MaxEvents: 1},
		ssecors.WithOrigin(srv.Origin("https", ssetest.AppHost)), ssecors.WithCredentials(), ssecors.WithCookieJar(jar))
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(js)+rep.String(), "s3cr3t-v4lue") {
		t.Errorf("the report holds the cookie's value: %s", js)
	}
	var got struct {
		Browser           string `json:"browser"`
		ThirdPartyCookies string `json:"third_party_cookies"`
		Connects          bool   `json:"connects"`
		Rule              string `json:"rule"`
		Browsers          []map[string]any
	}
	if err := json.Unmarshal(js, &got); err != nil {
		t.Fatal(err)
	}
	if got.Browser != "Chrome" || got.ThirdPartyCookies != "allow" || got.Connects || got.Rule != string(doctor.RuleThirdPartyCookie) {
		t.Errorf("got %+v", got)
	}
	want := []string{
		`{"browser":"Chrome","connects":true,"engine":"Chromium","observed":true,"third_party_cookies":"allow"}`,
		`{"browser":"Chrome Incognito","connects":false,"engine":"Chromium","fix":"F","observed":false,"reason":"R","rule":"third-party-cookie","third_party_cookies":"block"}`,
		`{"browser":"Firefox","connects":false,"engine":"Gecko","fix":"F","observed":false,"reason":"R","rule":"third-party-cookie","third_party_cookies":"partition"}`,
		`{"browser":"Safari","connects":false,"engine":"WebKit","fix":"F","observed":false,"reason":"R","rule":"third-party-cookie","third_party_cookies":"block-all"}`,
	}
	if len(got.Browsers) != len(want) {
		t.Fatalf("browsers = %v", got.Browsers)
	}
	for i, b := range got.Browsers {
		if b["reason"] != nil {
			b["reason"] = "R"
		}
		if b["fix"] != nil {
			b["fix"] = "F"
		}
		line, _ := json.Marshal(b)
		if string(line) != want[i] {
			t.Errorf("browsers[%d] = %s, want %s", i, line, want[i])
		}
	}
}

func TestBrowserLines(t *testing.T) {
	t.Parallel()
	yes := doctor.BrowserVerdict{Connects: true}
	no := doctor.BrowserVerdict{Rule: doctor.RuleThirdPartyCookie, Reason: "the cookie sid is third-party", Fix: "serve it from the page's site"}
	named := func(v doctor.BrowserVerdict, name string) doctor.BrowserVerdict { v.Browser = name; return v }
	got := strings.Join(doctor.BrowserLines([]doctor.BrowserVerdict{
		named(yes, "Chrome"), named(no, "Chrome Incognito"), named(no, "Firefox"), named(no, "Safari")}), "\n")
	want := "Chrome: yes\n" +
		"Chrome Incognito / Firefox / Safari: no — the cookie sid is third-party [third-party-cookie]\n" +
		"     fix: serve it from the page's site"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// primedJar returns a browser jar holding cookie, set by a top-level visit
// of rawURL, as a login there sets it.
func primedJar(t *testing.T, rawURL, cookie string) *browserjar.Jar {
	t.Helper()
	c, err := http.ParseSetCookie(cookie)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	jar := browserjar.New(nil)
	jar.SetCookies(u, []*http.Cookie{c})
	return jar
}

// TestDiagnose_browsersCookieRules checks verdicts that each engine's own
// cookie rules decide (browserjar's per-engine rules).
func TestDiagnose_browsersCookieRules(t *testing.T) {
	t.Parallel()
	t.Run("no SameSite, third-party cookies allowed", func(t *testing.T) {
		t.Parallel()
		// Gecko treats a cookie without SameSite as None: with third-party
		// cookies allowed it goes cross-site, which Chromium's Lax default
		// forbids. The requests act as the browser that sends it.
		srv := diagnoseServer(t, ssetest.Endpoint{CORS: ssetest.AllowAll(), RequireCookie: "sid", Events: ssetest.Messages("a")})
		streamURL := srv.HostURL("https", ssetest.OtherHost, ssetest.EventsPath)
		firefox := browser.Profile{Name: "Firefox, all cookies", Engine: browser.Gecko, ThirdPartyCookies: browser.Allow}
		rep := diagnose(t, srv, streamURL, doctor.Options{MaxEvents: 1, Browsers: []browser.Profile{browser.Chrome, firefox}},
			ssecors.WithOrigin(srv.Origin("https", ssetest.AppHost)), ssecors.WithCredentials(),
			ssecors.WithCookieJar(primedJar(t, streamURL, "sid=1; Secure")))
		if got, want := verdictsOf(rep), "Chrome:no[cookie] Firefox, all cookies:yes"; got != want {
			t.Fatalf("verdicts = %q, want %q\n%s", got, want, rep)
		}
		if rep.Browser != firefox.Name || rep.Connects || !strings.Contains(rep.Fix, "SameSite=None; Secure") {
			t.Errorf("Browser %q, Connects %t, Fix %q", rep.Browser, rep.Connects, rep.Fix)
		}
	})
	t.Run("Lax cookie after a redirect through another site", func(t *testing.T) {
		t.Parallel()
		// Gecko and WebKit apply Fetch's redirect-taint: no Lax cookie on
		// a same-site request whose chain went through another site.
		srv := diagnoseServer(t, ssetest.Endpoint{})
		srv.Handle("/start", ssetest.Endpoint{CORS: ssetest.AllowAll(),
			Redirect: &ssetest.Redirect{Location: srv.HostURL("https", ssetest.OtherHost, "/hop")}})
		srv.Handle("/hop", ssetest.Endpoint{CORS: ssetest.AllowAll(),
			Redirect: &ssetest.Redirect{Location: srv.HostURL("https", ssetest.APIHost, "/final")}})
		srv.Handle("/final", ssetest.Endpoint{CORS: ssetest.AllowAll(), RequireCookie: "sid", Events: ssetest.Messages("a")})
		streamURL := srv.HostURL("https", ssetest.APIHost, "/start")
		rep := diagnose(t, srv, streamURL, doctor.Options{MaxEvents: 1},
			ssecors.WithOrigin(srv.Origin("https", ssetest.AppHost)), ssecors.WithCredentials(),
			ssecors.WithCookieJar(primedJar(t, streamURL, "sid=1; SameSite=Lax; Path=/")))
		if got, want := verdictsOf(rep), "Chrome:yes Chrome Incognito:yes Firefox:no[cookie] Safari:no[cookie]"; got != want {
			t.Fatalf("verdicts = %q, want %q\n%s", got, want, rep)
		}
		if !strings.Contains(rep.Browsers[2].Reason, "after a redirect through another site") || !strings.Contains(rep.Fix, "point the page at the final URL") {
			t.Errorf("reason %q, fix %q", rep.Browsers[2].Reason, rep.Fix)
		}
	})
}
