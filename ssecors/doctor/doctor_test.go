package doctor_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/browser"
	"github.com/ssecors/ssecors-go/ssecors/browserjar"
	"github.com/ssecors/ssecors-go/ssecors/doctor"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

// diagnoseServer starts a test server with ep at EventsPath.
func diagnoseServer(t *testing.T, ep ssetest.Endpoint) *ssetest.Server {
	t.Helper()
	srv := ssetest.New(ep)
	t.Cleanup(srv.Close)
	return srv
}

// diagnose runs Diagnose against srv with the client that resolves the
// test host names, and fails the test when it could not run.
func diagnose(t *testing.T, srv *ssetest.Server, streamURL string, do doctor.Options, opts ...ssecors.Option) *doctor.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if do.Wait == 0 {
		do.Wait = 5 * time.Second
	}
	opts = append([]ssecors.Option{ssecors.WithHTTPClient(srv.Client())}, opts...)
	rep, err := doctor.Diagnose(ctx, streamURL, do, opts...)
	if err != nil {
		t.Fatalf("Diagnose: %v", err)
	}
	if testing.Verbose() {
		t.Logf("\n%s", rep)
	}
	return rep
}

func stepMark(rep *doctor.Report, name string) doctor.Mark {
	if s := rep.Find(name); s != nil {
		return s.Mark
	}
	return ""
}

func TestDiagnose_verdicts(t *testing.T) {
	t.Parallel()
	events := ssetest.Numbered(5, "tick ")
	tests := []struct {
		name      string
		ep        ssetest.Endpoint
		opts      []ssecors.Option
		connects  bool
		rule      ssecors.Rule
		step      string // the step that must fail
		fixHas    string
		wantType  any // the type of Report.Err, for errors.As
		wantCount int // events received
	}{
		{
			name:     "no ACAO",
			ep:       ssetest.Endpoint{Events: events},
			opts:     []ssecors.Option{ssecors.WithCredentials()},
			rule:     ssecors.RuleAllowOriginMissing,
			step:     "cors",
			fixHas:   `"Access-Control-Allow-Credentials: true"`,
			wantType: &ssecors.BlockedError{},
		},
		{
			name:     "wildcard with credentials",
			ep:       ssetest.Endpoint{Events: events, CORS: &ssetest.CORS{AllowOrigin: []string{"*"}, AllowCredentials: "true"}},
			opts:     []ssecors.Option{ssecors.WithCredentials()},
			rule:     ssecors.RuleAllowOriginWildcard,
			step:     "cors",
			fixHas:   "Access-Control-Allow-Origin: https://app.example.test:",
			wantType: &ssecors.BlockedError{},
		},
		{
			name:     "ACAC missing",
			ep:       ssetest.Endpoint{Events: events, CORS: &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}}},
			opts:     []ssecors.Option{ssecors.WithCredentials()},
			rule:     ssecors.RuleAllowCredentials,
			step:     "cors",
			fixHas:   `"Access-Control-Allow-Credentials: true"`,
			wantType: &ssecors.BlockedError{},
		},
		{
			name:     "wrong content type",
			ep:       ssetest.Endpoint{ContentType: "text/plain", Body: "hello", CORS: ssetest.AllowAll()},
			rule:     doctor.RuleContentType,
			step:     "response",
			fixHas:   `"Content-Type: text/event-stream"`,
			wantType: &ssecors.ResponseError{},
		},
		{
			name:     "401",
			ep:       ssetest.Endpoint{Status: http.StatusUnauthorized, Body: "login first", CORS: ssetest.AllowAll()},
			rule:     doctor.RuleStatus,
			step:     "response",
			fixHas:   "withCredentials is false",
			wantType: &ssecors.ResponseError{},
		},
		{
			name:      "fixed",
			ep:        ssetest.Endpoint{Events: events, CORS: ssetest.AllowAll()},
			opts:      []ssecors.Option{ssecors.WithCredentials()},
			connects:  true,
			wantCount: 3,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := diagnoseServer(t, tc.ep)
			opts := append([]ssecors.Option{ssecors.WithOrigin(srv.Origin("https", ssetest.AppHost))}, tc.opts...)
			rep := diagnose(t, srv, srv.HostURL("https", ssetest.OtherHost, ssetest.EventsPath), doctor.Options{}, opts...)
			if rep.Connects != tc.connects {
				t.Fatalf("Connects = %t, want %t; summary %q", rep.Connects, tc.connects, rep.Summary)
			}
			if rep.Rule != tc.rule {
				t.Errorf("Rule = %q, want %q", rep.Rule, tc.rule)
			}
			if !strings.Contains(rep.Fix, tc.fixHas) {
				t.Errorf("Fix = %q, want it to contain %q", rep.Fix, tc.fixHas)
			}
			if tc.step != "" {
				s := rep.Find(tc.step)
				if s == nil || s.Mark != doctor.MarkFail || s.Rule != tc.rule {
					t.Errorf("step %s = %+v, want a failure of rule %s", tc.step, s, tc.rule)
				}
			}
			if len(rep.Events) != tc.wantCount {
				t.Errorf("got %d events, want %d", len(rep.Events), tc.wantCount)
			}
			switch want := tc.wantType.(type) {
			case *ssecors.BlockedError:
				if !errors.As(rep.Err, &want) {
					t.Errorf("Err = %v, want a *BlockedError", rep.Err)
				}
			case *ssecors.ResponseError:
				if !errors.As(rep.Err, &want) {
					t.Errorf("Err = %v, want a *ResponseError", rep.Err)
				}
			case nil:
				if rep.Err != nil {
					t.Errorf("Err = %v, want nil", rep.Err)
				}
			}
		})
	}
}

func TestDiagnose_mixedContent(t *testing.T) {
	t.Parallel()
	srv := diagnoseServer(t, ssetest.Endpoint{CORS: ssetest.AllowAll()})
	rep := diagnose(t, srv, srv.HostURL("http", ssetest.OtherHost, ssetest.EventsPath), doctor.Options{},
		ssecors.WithOrigin(srv.Origin("https", ssetest.AppHost)))
	if rep.Connects || rep.Rule != ssecors.RuleMixedContent {
		t.Fatalf("got connects %t rule %q, want a mixed-content failure", rep.Connects, rep.Rule)
	}
	if got := stepMark(rep, "mixed-content"); got != doctor.MarkFail {
		t.Errorf("mixed-content mark = %q, want fail", got)
	}
	if n := len(srv.RequestsTo(ssetest.EventsPath)); n != 0 {
		t.Errorf("the server got %d requests, want none: a browser blocks before sending", n)
	}
}

func TestDiagnose_taintedRedirect(t *testing.T) {
	t.Parallel()
	srv := diagnoseServer(t, ssetest.Endpoint{})
	final := srv.HostURL("https", ssetest.ComHost, "/final")
	srv.Handle("/start", ssetest.Endpoint{CORS: ssetest.AllowAll(), Redirect: &ssetest.Redirect{Location: final}})
	srv.Handle("/final", ssetest.Endpoint{Events: ssetest.Messages("x")})
	rep := diagnose(t, srv, srv.HostURL("https", ssetest.OtherHost, "/start"), doctor.Options{},
		ssecors.WithOrigin(srv.Origin("https", ssetest.AppHost)), ssecors.WithCredentials())
	if rep.Connects || rep.Rule != ssecors.RuleAllowOriginMissing {
		t.Fatalf("got connects %t rule %q, want %s", rep.Connects, rep.Rule, ssecors.RuleAllowOriginMissing)
	}
	if !strings.Contains(rep.Fix, `"Access-Control-Allow-Origin: null"`) {
		t.Errorf("Fix = %q, want the tainted-origin fix", rep.Fix)
	}
	red := rep.Find("redirect")
	if red == nil || red.Mark != doctor.MarkWarn || !strings.Contains(strings.Join(red.Details, "\n"), "Origin: null") {
		t.Errorf("redirect step = %+v, want a warning about the tainted origin", red)
	}
}

// TestDiagnose_cookies primes a session cookie on the stream's site, as
// a top-level login does, and judges it under each browser. The
// expectations hold both with today's jar and once the jar applies each
// engine's own cookie rules: a cross-site request carries the cookie only
// in Chrome (third-party cookies allowed), a same-site one in all four.
func TestDiagnose_cookies(t *testing.T) {
	t.Parallel()
	all := []string{"Chrome", "Chrome Incognito", "Firefox", "Safari"}
	tests := []struct {
		name       string
		browsers   []browser.Profile
		host       string
		cookie     string
		connects   []string // the browsers that connect
		reasonHas  string   // in the cookies step
		otherHas   string   // what Chrome Incognito, Firefox and Safari would do, in the cookies step
		fixHas     string   // in Report.Fix
		rule       ssecors.Rule
		cookieMark doctor.Mark
	}{
		{
			name:       "lax session cookie",
			host:       ssetest.OtherHost,
			cookie:     "sid=1; SameSite=Lax",
			reasonHas:  "SameSite=Lax is not sent on a cross-site subresource request",
			otherHas:   "still not sent: ",
			fixHas:     "a browser did not send the cookie sid: SameSite=Lax",
			rule:       doctor.RuleStatus,
			cookieMark: doctor.MarkWarn,
		},
		{
			name:       "lax session cookie, Chrome Incognito alone",
			browsers:   []browser.Profile{browser.ChromeIncognito},
			host:       ssetest.OtherHost,
			cookie:     "sid=1; SameSite=Lax",
			reasonHas:  "third-party cookies are blocked",
			fixHas:     "a browser did not send the cookie sid: third-party cookies are blocked",
			rule:       doctor.RuleStatus,
			cookieMark: doctor.MarkWarn,
		},
		{
			name:       "none secure session cookie, cross-site",
			host:       ssetest.OtherHost,
			cookie:     "sid=1; SameSite=None; Secure",
			connects:   []string{"Chrome"},
			reasonHas:  "sent: `SameSite=None; Secure` cookie on a cross-site request",
			otherHas:   "sid would not be sent: ",
			fixHas:     "serve the stream from a host of the page's own site (example.test)",
			rule:       doctor.RuleThirdPartyCookie,
			cookieMark: doctor.MarkWarn,
		},
		{
			name:       "none secure session cookie, cross-site, Chrome alone",
			browsers:   []browser.Profile{browser.Chrome},
			host:       ssetest.OtherHost,
			cookie:     "sid=1; SameSite=None; Secure",
			connects:   []string{"Chrome"},
			reasonHas:  "sent: `SameSite=None; Secure` cookie on a cross-site request",
			cookieMark: doctor.MarkPass,
		},
		{
			name:       "none secure session cookie, same-site",
			host:       ssetest.APIHost,
			cookie:     "sid=1; SameSite=None; Secure",
			connects:   all,
			reasonHas:  "sent: same-site request",
			cookieMark: doctor.MarkPass,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := diagnoseServer(t, ssetest.Endpoint{CORS: ssetest.AllowAll(), RequireCookie: "sid",
				Events: ssetest.Messages("a"), SetCookies: []string{"seen=1; Secure; SameSite=None"}})
			streamURL := srv.HostURL("https", tc.host, ssetest.EventsPath)
			jar := browserjar.New(nil)
			c, err := http.ParseSetCookie(tc.cookie)
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(streamURL)
			jar.SetCookies(u, []*http.Cookie{c})
			rep := diagnose(t, srv, streamURL, doctor.Options{MaxEvents: 1, Browsers: tc.browsers},
				ssecors.WithOrigin(srv.Origin("https", ssetest.AppHost)), ssecors.WithCredentials(),
				ssecors.WithCookieJar(jar))
			var got []string
			for _, v := range rep.Browsers {
				if v.Connects {
					got = append(got, v.Browser)
				}
			}
			want := len(rep.Browsers) == len(tc.connects)
			if strings.Join(got, ", ") != strings.Join(tc.connects, ", ") || rep.Connects != want {
				t.Fatalf("connects in %q (Connects %t), want %q (%t): %s", got, rep.Connects, tc.connects, want, rep.Summary)
			}
			s := rep.Find("cookies")
			if s == nil {
				t.Fatal("no cookies step")
			}
			if s.Mark != tc.cookieMark {
				t.Errorf("cookies mark = %q, want %q", s.Mark, tc.cookieMark)
			}
			details := strings.Join(s.Details, "\n")
			if !strings.Contains(details, tc.reasonHas) {
				t.Errorf("cookies details = %q, want %q", details, tc.reasonHas)
			}
			if tc.otherHas == "" && strings.Contains(details, "\n  in ") {
				t.Errorf("cookies details = %q, want no line for another browser", details)
			}
			for _, name := range []string{"Chrome Incognito", "Firefox", "Safari"} {
				if tc.otherHas != "" && !hasBrowserLine(s.Details, name, tc.otherHas) {
					t.Errorf("cookies details = %q, want a line for %s with %q", details, name, tc.otherHas)
				}
			}
			if tc.fixHas == "" && rep.Fix != "" || !strings.Contains(rep.Fix, tc.fixHas) {
				t.Errorf("Fix = %q, want %q", rep.Fix, tc.fixHas)
			}
			if rep.Rule != tc.rule {
				t.Errorf("Rule = %q, want %q", rep.Rule, tc.rule)
			}
			if strings.Contains(rep.String()+details, "sid=1") {
				t.Errorf("the report holds the cookie's value:\n%s", rep)
			}
		})
	}
}

// hasBrowserLine reports a detail line, "  in A / B: text", that names
// the browser and holds text.
func hasBrowserLine(details []string, browser, text string) bool {
	for _, d := range details {
		names, rest, ok := strings.Cut(strings.TrimPrefix(d, "  in "), ": ")
		if !ok || !strings.HasPrefix(d, "  in ") || !strings.Contains(rest, text) {
			continue
		}
		for _, n := range strings.Split(names, " / ") {
			if n == browser {
				return true
			}
		}
	}
	return false
}

func TestDiagnose_reconnect(t *testing.T) {
	t.Parallel()
	// The first connection sends two events and stays open (or ends, with
	// EndAfterScript); what follows answers the reconnection.
	first := ssetest.Response{Events: ssetest.Numbered(2, "e")}
	tests := []struct {
		name      string
		responses []ssetest.Response
		maxEvents int
		mark      doctor.Mark
		titleHas  string
		connects  bool
		detailHas string
	}{
		{
			name:      "resumes",
			responses: []ssetest.Response{first, {Events: ssetest.Numbered(5, "e"), Resume: true}},
			mark:      doctor.MarkPass,
			titleHas:  "with Last-Event-ID: 2 and the server resumed",
			connects:  true,
			detailHas: `first event after reconnecting: message id=3 data="e3"`,
		},
		{
			name:      "ignores Last-Event-ID",
			responses: []ssetest.Response{first, {Events: ssetest.Numbered(5, "e")}},
			mark:      doctor.MarkWarn,
			titleHas:  "it ignores Last-Event-ID",
			connects:  true,
			detailHas: `first event after reconnecting: message id=1 data="e1"`,
		},
		{
			name:      "stream ends, then 204",
			responses: []ssetest.Response{{Events: ssetest.Numbered(2, "e"), EndAfterScript: true}, {Status: http.StatusNoContent}},
			maxEvents: 3, // more than the stream sends: it ends by itself
			mark:      doctor.MarkWarn,
			titleHas:  "204 No Content",
			connects:  true,
			detailHas: "the server ended the stream",
		},
		{
			name:      "reconnection fails CORS",
			responses: []ssetest.Response{first, {CORS: &ssetest.CORS{}, Events: ssetest.Numbered(2, "e")}},
			mark:      doctor.MarkFail,
			titleHas:  "[" + string(ssecors.RuleAllowOriginMissing) + "]",
			detailHas: "with Last-Event-ID: 2",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := diagnoseServer(t, ssetest.Endpoint{CORS: ssetest.AllowAll(), Responses: tc.responses})
			n := tc.maxEvents
			if n == 0 {
				n = 2
			}
			rep := diagnose(t, srv, srv.HostURL("https", ssetest.OtherHost, ssetest.EventsPath),
				doctor.Options{MaxEvents: n, Reconnect: true},
				ssecors.WithOrigin(srv.Origin("https", ssetest.AppHost)), ssecors.WithCredentials())
			s := rep.Find("reconnect")
			if s == nil {
				t.Fatal("no reconnect step")
			}
			if s.Mark != tc.mark || !strings.Contains(s.Title, tc.titleHas) {
				t.Errorf("reconnect step = %s %q, want %s containing %q", s.Mark, s.Title, tc.mark, tc.titleHas)
			}
			if !strings.Contains(strings.Join(s.Details, "\n"), tc.detailHas) {
				t.Errorf("reconnect details = %q, want %q", s.Details, tc.detailHas)
			}
			if rep.Connects != tc.connects {
				t.Errorf("Connects = %t, want %t", rep.Connects, tc.connects)
			}
			reqs := srv.RequestsTo(ssetest.EventsPath)
			if len(reqs) != 2 {
				t.Fatalf("got %d requests, want 2", len(reqs))
			}
			if reqs[1].LastEventID != "2" {
				t.Errorf("reconnection Last-Event-ID = %q, want %q", reqs[1].LastEventID, "2")
			}
		})
	}
}

func TestDiagnose_preflight(t *testing.T) {
	t.Parallel()
	srv := diagnoseServer(t, ssetest.Endpoint{Events: ssetest.Messages("a"),
		CORS: &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}, AllowCredentials: "true", AllowMethods: "GET"}})
	rep := diagnose(t, srv, srv.HostURL("https", ssetest.OtherHost, ssetest.EventsPath), doctor.Options{MaxEvents: 1},
		ssecors.WithOrigin(srv.Origin("https", ssetest.AppHost)), ssecors.WithCredentials(),
		ssecors.WithHeader("X-Tenant", "acme"), ssecors.WithPreflight(ssecors.PreflightAuto))
	if rep.Connects || rep.Rule != ssecors.RulePreflightAllowHeaders {
		t.Fatalf("got connects %t rule %q, want %s", rep.Connects, rep.Rule, ssecors.RulePreflightAllowHeaders)
	}
	if got := stepMark(rep, "request"); got != doctor.MarkWarn {
		t.Errorf("request mark = %q, want warn for a header a browser cannot send", got)
	}
	if !strings.Contains(rep.Fix, "x-tenant") {
		t.Errorf("Fix = %q, want the header to allow", rep.Fix)
	}
}

func TestDiagnose_noEvents(t *testing.T) {
	t.Parallel()
	srv := diagnoseServer(t, ssetest.Endpoint{CORS: ssetest.AllowAll()})
	rep := diagnose(t, srv, srv.HostURL("https", ssetest.OtherHost, ssetest.EventsPath),
		doctor.Options{Wait: 50 * time.Millisecond},
		ssecors.WithOrigin(srv.Origin("https", ssetest.AppHost)))
	if !rep.Connects {
		t.Fatalf("Connects = false, want true: %s", rep.Summary)
	}
	if got := stepMark(rep, "events"); got != doctor.MarkWarn {
		t.Errorf("events mark = %q, want warn", got)
	}
}

func TestDiagnose_network(t *testing.T) {
	t.Parallel()
	srv := diagnoseServer(t, ssetest.Endpoint{})
	streamURL := srv.HostURL("https", ssetest.OtherHost, ssetest.EventsPath)
	origin := srv.Origin("https", ssetest.AppHost)
	client := srv.Client()
	srv.Close() // nothing listens any more
	rep, err := doctor.Diagnose(context.Background(), streamURL, doctor.Options{},
		ssecors.WithOrigin(origin), ssecors.WithHTTPClient(client))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Connects || rep.Rule != doctor.RuleNetwork {
		t.Fatalf("got connects %t rule %q, want a network failure", rep.Connects, rep.Rule)
	}
	if got := stepMark(rep, "response"); got != doctor.MarkFail {
		t.Errorf("response mark = %q, want fail", got)
	}
}

func TestDiagnose_configErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		url    string
		do     doctor.Options
		opts   []ssecors.Option
		option string
	}{
		{"no origin", "https://api.example.com/events", doctor.Options{}, nil, "WithOrigin"},
		{"bad url", "ftp://example.com/", doctor.Options{}, []ssecors.Option{ssecors.WithOrigin("https://app.example.com")}, "url"},
		{"negative wait", "https://api.example.com/events", doctor.Options{Wait: -1}, []ssecors.Option{ssecors.WithOrigin("https://app.example.com")}, "doctor.Options"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep, err := doctor.Diagnose(context.Background(), tc.url, tc.do, tc.opts...)
			var ce *ssecors.ConfigError
			if !errors.As(err, &ce) || ce.Option != tc.option {
				t.Fatalf("got %v, want a *ConfigError for %s", err, tc.option)
			}
			if rep != nil {
				t.Errorf("got a report, want none")
			}
		})
	}
}

func TestDiagnose_secrets(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-t0ken-value"
	srv := diagnoseServer(t, ssetest.Endpoint{Events: ssetest.Messages("a")})
	progress := &strings.Builder{}
	rep := diagnose(t, srv, srv.HostURL("https", ssetest.OtherHost, ssetest.EventsPath+"?token="+secret),
		doctor.Options{Progress: func(s string) { progress.WriteString(s + "\n") }},
		ssecors.WithOrigin(srv.Origin("https", ssetest.AppHost)), ssecors.WithQuery("api_key", secret+"2"))
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"text": rep.String(), "json": string(js), "progress": progress.String()} {
		if strings.Contains(text, secret) {
			t.Errorf("the %s output holds the secret:\n%s", name, text)
		}
	}
	if !strings.Contains(progress.String(), "waiting for the response headers from") {
		t.Errorf("progress = %q, want the wait for the response", progress.String())
	}
}

func TestReport_json(t *testing.T) {
	t.Parallel()
	srv := diagnoseServer(t, ssetest.Endpoint{Events: ssetest.Numbered(3, "e"), CORS: ssetest.AllowAll()})
	rep := diagnose(t, srv, srv.HostURL("https", ssetest.OtherHost, ssetest.EventsPath), doctor.Options{MaxEvents: 2},
		ssecors.WithOrigin(srv.Origin("https", ssetest.AppHost)))
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		URL      string `json:"url"`
		Connects bool   `json:"connects"`
		Steps    []struct {
			Name string `json:"name"`
			Mark string `json:"mark"`
		} `json:"steps"`
		Events []struct {
			Data        string `json:"data"`
			LastEventID string `json:"last_event_id"`
		} `json:"events"`
	}
	if err := json.Unmarshal(js, &got); err != nil {
		t.Fatal(err)
	}
	if !got.Connects || len(got.Events) != 2 || got.Events[1].LastEventID != "2" || len(got.Steps) == 0 {
		t.Errorf("got %s", js)
	}
}

func TestDiagnose_nilContext(t *testing.T) {
	t.Parallel()
	//lint:ignore SA1012 a nil context is the case under test
	rep, err := doctor.Diagnose(nil, "https://api.example.com/events", doctor.Options{}, //nolint:staticcheck
		ssecors.WithOrigin("https://app.example.com"))
	var ce *ssecors.ConfigError
	if !errors.As(err, &ce) || ce.Option != "context" {
		t.Fatalf("got %v, want a *ConfigError for context", err)
	}
	if rep != nil {
		t.Errorf("got a report, want none")
	}
}
