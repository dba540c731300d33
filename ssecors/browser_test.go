package ssecors_test

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/browser"
	"github.com/ssecors/ssecors-go/ssecors/browserjar"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

// primedJar returns a jar holding, for host, one cookie of each SameSite
// kind, all Secure and host-only, set first-party as a user's visit would,
// in a jar with the third-party cookie policy p.
func primedJar(t *testing.T, srv *ssetest.Server, host string, p browser.CookiePolicy) *browserjar.Jar {
	t.Helper()
	jar := browserjar.New(&browserjar.Options{Browser: browser.Profile{ThirdPartyCookies: p}})
	u, _ := url.Parse(srv.HostURL("https", host, "/"))
	jar.SetCookies(u, []*http.Cookie{
		{Name: "none", Value: "1", Secure: true, SameSite: http.SameSiteNoneMode},
		{Name: "lax", Value: "1", Secure: true, SameSite: http.SameSiteLaxMode},
		{Name: "strict", Value: "1", Secure: true, SameSite: http.SameSiteStrictMode},
		{Name: "unset", Value: "1", Secure: true},
	})
	if n := len(jar.All()); n != 4 {
		t.Fatalf("primed %d cookies, want 4", n)
	}
	return jar
}

func cookieNames(cs []*http.Cookie) string {
	var names []string
	for _, c := range cs {
		names = append(names, c.Name)
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

// TestBrowser_credentialsMatrix checks, for a page on app.example.test,
// which Origin and cookies reach a stream that is same-origin, same-site
// or cross-site, with and without credentials, under both third-party
// cookie policies; and which Set-Cookie headers of the response are kept.
func TestBrowser_credentialsMatrix(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{
		CORS: ssetest.AllowAll(),
		SetCookies: []string{
			"set_none=1; Secure; SameSite=None",
			"set_lax=1; Secure; SameSite=Lax",
			"set_unset=1; Secure",
		},
		Responses: []ssetest.Response{streamOf(ssetest.Event{Data: "x"}), stop204},
	})
	page := srv.Origin("https", ssetest.AppHost)
	cases := []struct {
		name        string
		host        string
		credentials bool
		policy      browser.CookiePolicy
		origin      bool   // an Origin header is sent
		sent        string // cookies the server receives
		stored      string // cookies in the jar for the stream host afterwards
	}{
		{"same-origin", ssetest.AppHost, false, browser.Block, false,
			"lax,none,strict,unset", "lax,none,set_lax,set_none,set_unset,strict,unset"},
		{"same-origin with credentials", ssetest.AppHost, true, browser.Block, false,
			"lax,none,strict,unset", "lax,none,set_lax,set_none,set_unset,strict,unset"},
		{"same-site", ssetest.APIHost, false, browser.Block, true,
			"", "lax,none,strict,unset"},
		{"same-site with credentials", ssetest.APIHost, true, browser.Block, true,
			"lax,none,strict,unset", "lax,none,set_lax,set_none,set_unset,strict,unset"},
		{"cross-site", ssetest.OtherHost, false, browser.Allow, true,
			"", "lax,none,strict,unset"},
		{"cross-site with credentials, third-party allowed", ssetest.OtherHost, true, browser.Allow, true,
			"none", "lax,none,set_none,strict,unset"},
		{"cross-site with credentials, third-party blocked", ssetest.OtherHost, true, browser.Block, true,
			"", "lax,none,strict,unset"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := "/" + strings.ReplaceAll(tc.name, " ", "-")
			srv.Handle(path, ssetest.Endpoint{
				CORS:       ssetest.AllowAll(),
				SetCookies: []string{"set_none=1; Secure; SameSite=None", "set_lax=1; Secure; SameSite=Lax", "set_unset=1; Secure"},
				Responses:  []ssetest.Response{streamOf(ssetest.Event{Data: "x"}), stop204},
			})
			jar := primedJar(t, srv, tc.host, tc.policy)
			opts := []ssecors.Option{
				ssecors.WithOrigin(page), ssecors.WithHTTPClient(srv.Client()),
				ssecors.WithCookieJar(jar),
			}
			if tc.credentials {
				opts = append(opts, ssecors.WithCredentials())
			}
			es := mustNew(t, srv.HostURL("https", tc.host, path), opts...)
			rec := record(es)
			runSource(t, es)
			if len(rec.events) != 1 {
				t.Fatalf("events: %v, errors %v", rec.events, rec.errs)
			}
			if want := strings.SplitN(srv.HostURL("https", tc.host, ""), "/", 4)[:3]; rec.events[0].Origin != strings.Join(want, "/") {
				t.Errorf("event origin: got %q", rec.events[0].Origin)
			}
			reqs := srv.RequestsTo(path)
			if len(reqs) != 2 {
				t.Fatalf("requests: got %d, want 2", len(reqs))
			}
			if got := reqs[0].Origin; (got != "") != tc.origin || tc.origin && got != page {
				t.Errorf("Origin: got %q, want present=%v (%s)", got, tc.origin, page)
			}
			if got := cookieNames(reqs[0].Cookies); got != tc.sent {
				t.Errorf("cookies sent: got %q, want %q", got, tc.sent)
			}
			if got := cookieNames(jar.All()); got != tc.stored {
				t.Errorf("cookies stored: got %q, want %q", got, tc.stored)
			}
			// The reconnect carries what was stored, by the same rules.
			if tc.credentials && tc.host == ssetest.AppHost && !strings.Contains(cookieNames(reqs[1].Cookies), "set_lax") {
				t.Errorf("reconnect cookies: %q lacks the stored set_lax", cookieNames(reqs[1].Cookies))
			}
		})
	}
}

// TestBrowser_corsFailures checks that a failed CORS check ends the source
// (Closed, one error, no reconnect) with a *BlockedError naming the rule, and
// that Set-Cookie is still processed with credentials (Fetch: "any
// Set-Cookie response headers will be respected").
func TestBrowser_corsFailures(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{})
	page := srv.Origin("https", ssetest.AppHost)
	cases := []struct {
		name        string
		cors        *ssetest.CORS
		credentials bool
		rule        ssecors.Rule
	}{
		{"no allow-origin", &ssetest.CORS{}, false, ssecors.RuleAllowOriginMissing},
		{"wildcard with credentials", &ssetest.CORS{AllowOrigin: []string{"*"}, AllowCredentials: "true"}, true, ssecors.RuleAllowOriginWildcard},
		{"wrong origin", &ssetest.CORS{AllowOrigin: []string{"https://evil.test"}}, false, ssecors.RuleAllowOriginMismatch},
		{"trailing slash", &ssetest.CORS{AllowOrigin: []string{page + "/"}}, false, ssecors.RuleAllowOriginMismatch},
		{"two values", &ssetest.CORS{AllowOrigin: []string{page, page}}, false, ssecors.RuleAllowOriginMultiple},
		{"credentials without allow-credentials", &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}}, true, ssecors.RuleAllowCredentials},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := "/cors" + string(rune('a'+i))
			srv.Handle(path, ssetest.Endpoint{CORS: tc.cors, Events: ssetest.Messages("x"),
				SetCookies: []string{"kept=1; Secure; SameSite=None"}})
			jar := browserjar.New(&browserjar.Options{Browser: browser.Chrome})
			opts := []ssecors.Option{ssecors.WithOrigin(page), ssecors.WithHTTPClient(srv.Client()),
				ssecors.WithCookieJar(jar)}
			if tc.credentials {
				opts = append(opts, ssecors.WithCredentials())
			}
			es := mustNew(t, srv.HostURL("https", ssetest.OtherHost, path), opts...)
			rec := record(es)
			err := runSource(t, es)
			var ce *ssecors.BlockedError
			if !errors.As(err, &ce) || ce.Rule != tc.rule || ce.Op != http.MethodGet {
				t.Fatalf("Run: got %v, want *BlockedError %s", err, tc.rule)
			}
			if ce.Origin != page || ce.Credentials != tc.credentials || ce.Fix == "" {
				t.Errorf("error fields: %+v", ce)
			}
			if rec.Log() != "error closed" {
				t.Errorf("log: %q, want one error in state closed and no open", rec.Log())
			}
			if n := len(srv.RequestsTo(path)); n != 1 {
				t.Errorf("requests: %d, want 1 (no reconnect)", n)
			}
			if got := cookieNames(jar.All()); tc.credentials && got != "kept" || !tc.credentials && got != "" {
				t.Errorf("cookies stored despite the CORS failure: got %q (credentials %v)", got, tc.credentials)
			}
		})
	}
}

// TestBrowser_redirectTaint follows a same-origin redirect to a
// cross-origin stream (Origin stays the page's), and a cross-origin
// redirect to a third origin (the request is tainted: Origin: null, and
// only "*" or "null" passes).
func TestBrowser_redirectTaint(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{})
	page := srv.Origin("https", ssetest.AppHost)
	target := func(host, path string) string { return srv.HostURL("https", host, path) }

	srv.HandleHost(ssetest.OtherHost, "/final-echo", ssetest.Endpoint{CORS: ssetest.AllowAll(),
		Responses: []ssetest.Response{streamOf(ssetest.Event{Data: "x"}), stop204}})
	srv.HandleHost(ssetest.AppHost, "/to-other", ssetest.Endpoint{
		Redirect: &ssetest.Redirect{Location: target(ssetest.OtherHost, "/final-echo")}})

	srv.HandleHost(ssetest.APIHost, "/hop", ssetest.Endpoint{CORS: ssetest.AllowAll(),
		Redirect: &ssetest.Redirect{Location: target(ssetest.OtherHost, "/final-null")}})
	srv.HandleHost(ssetest.OtherHost, "/final-null", ssetest.Endpoint{
		CORS:      &ssetest.CORS{AllowOrigin: []string{"null"}},
		Responses: []ssetest.Response{streamOf(ssetest.Event{Data: "y"}), stop204}})
	srv.HandleHost(ssetest.APIHost, "/hop-echo", ssetest.Endpoint{CORS: ssetest.AllowAll(),
		Redirect: &ssetest.Redirect{Location: target(ssetest.OtherHost, "/final-page-origin")}})
	srv.HandleHost(ssetest.OtherHost, "/final-page-origin", ssetest.Endpoint{
		CORS: &ssetest.CORS{AllowOrigin: []string{page}}, Events: ssetest.Messages("z")})
	srv.HandleHost(ssetest.APIHost, "/hop-nocors", ssetest.Endpoint{
		Redirect: &ssetest.Redirect{Location: target(ssetest.OtherHost, "/final-echo")}})

	run := func(t *testing.T, start string) (*recorder, error) {
		es := mustNew(t, start, ssecors.WithOrigin(page), ssecors.WithHTTPClient(srv.Client()))
		rec := record(es)
		return rec, runSource(t, es)
	}
	t.Run("same-origin redirect to cross-origin", func(t *testing.T) {
		rec, _ := run(t, target(ssetest.AppHost, "/to-other"))
		if len(rec.events) != 1 || rec.events[0].Origin != srv.Origin("https", ssetest.OtherHost) {
			t.Fatalf("events %v errors %v", rec.events, rec.errs)
		}
		reqs := srv.RequestsTo("/final-echo")
		if reqs[0].Origin != page {
			t.Errorf("Origin after a same-origin redirect: got %q, want %q", reqs[0].Origin, page)
		}
		if reqs[1].Host != ssetest.OtherHost {
			t.Errorf("reconnect went to %s, want the final URL", reqs[1].Host)
		}
		if o := srv.RequestsTo("/to-other")[0].Origin; o != "" {
			t.Errorf("same-origin first hop carried Origin %q", o)
		}
	})
	t.Run("cross-origin redirect taints", func(t *testing.T) {
		rec, _ := run(t, target(ssetest.APIHost, "/hop"))
		if len(rec.events) != 1 {
			t.Fatalf("events %v errors %v", rec.events, rec.errs)
		}
		if o := srv.RequestsTo("/hop")[0].Origin; o != page {
			t.Errorf("first hop Origin: %q", o)
		}
		if o := srv.RequestsTo("/final-null")[0].Origin; o != "null" {
			t.Errorf("tainted hop Origin: got %q, want null", o)
		}
	})
	t.Run("tainted request fails an exact origin", func(t *testing.T) {
		_, err := run(t, target(ssetest.APIHost, "/hop-echo"))
		var ce *ssecors.BlockedError
		if !errors.As(err, &ce) || ce.Origin != "null" || ce.Rule != ssecors.RuleAllowOriginMismatch {
			t.Fatalf("got %v, want a mismatch for Origin null", err)
		}
	})
	t.Run("cross-origin redirect response is checked", func(t *testing.T) {
		_, err := run(t, target(ssetest.APIHost, "/hop-nocors"))
		var ce *ssecors.BlockedError
		if !errors.As(err, &ce) || !strings.HasPrefix(ce.Detail, "the redirect response (302)") || ce.Rule != ssecors.RuleAllowOriginMissing {
			t.Fatalf("got %v, want a redirect-stage failure", err)
		}
	})
}

func TestBrowser_mixedContent(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{CORS: ssetest.AllowAll(),
		Responses: []ssetest.Response{streamOf(ssetest.Event{Data: "x"}), stop204}})
	page := srv.Origin("https", ssetest.AppHost)
	es := mustNew(t, srv.HostURL("http", ssetest.APIHost, "/events"), ssecors.WithOrigin(page), ssecors.WithHTTPClient(srv.Client()))
	rec := record(es)
	err := runSource(t, es)
	var be *ssecors.BlockedError
	if !errors.As(err, &be) || be.Rule != ssecors.RuleMixedContent || rec.Log() != "error closed" {
		t.Fatalf("got %v (log %q), want mixed-content", err, rec.Log())
	}
	if len(srv.Requests()) != 0 {
		t.Errorf("a blocked request reached the server")
	}
	// Loopback hosts are potentially trustworthy: not mixed content.
	es = mustNew(t, srv.HostURL("http", ssetest.LocalHost, "/events"), ssecors.WithOrigin(page), ssecors.WithHTTPClient(srv.Client()))
	rec = record(es)
	runSource(t, es)
	if len(rec.events) != 1 {
		t.Errorf("http://localhost from an https page: events %v errors %v", rec.events, rec.errs)
	}
}

func TestBrowser_preflight(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{})
	page := srv.Origin("https", ssetest.AppHost)
	cors := func(maxAge string) *ssetest.CORS {
		c := ssetest.AllowAll()
		c.MaxAge = maxAge
		return c
	}
	three := []ssetest.Response{
		streamOf(ssetest.Event{ID: "1", Data: "a"}), streamOf(ssetest.Event{Data: "b"}), stop204,
	}
	cases := []struct {
		name   string
		host   string
		mode   ssecors.PreflightMode
		header bool
		maxAge string
		want   []string // Access-Control-Request-Headers of each preflight
	}{
		{"never", ssetest.OtherHost, ssecors.PreflightNever, true, "", nil},
		{"always, cached", ssetest.OtherHost, ssecors.PreflightAlways, false, "600", []string{"", "last-event-id"}},
		{"always, max-age 0", ssetest.OtherHost, ssecors.PreflightAlways, false, "0", []string{"", "last-event-id", "last-event-id"}},
		{"auto, no custom header", ssetest.OtherHost, ssecors.PreflightAuto, false, "600", []string{"last-event-id"}},
		{"auto, custom header", ssetest.OtherHost, ssecors.PreflightAuto, true, "0", []string{"x-tenant", "last-event-id,x-tenant", "last-event-id,x-tenant"}},
		{"same-origin never preflights", ssetest.AppHost, ssecors.PreflightAlways, true, "0", nil},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := "/pf" + string(rune('a'+i))
			srv.Handle(path, ssetest.Endpoint{CORS: cors(tc.maxAge), Responses: three})
			jar := primedJar(t, srv, tc.host, browser.Allow)
			opts := []ssecors.Option{ssecors.WithOrigin(page), ssecors.WithHTTPClient(srv.Client()),
				ssecors.WithCredentials(), ssecors.WithCookieJar(jar),
				ssecors.WithPreflight(tc.mode)}
			if tc.header {
				opts = append(opts, ssecors.WithHeader("X-Tenant", "acme"))
			}
			es := mustNew(t, srv.HostURL("https", tc.host, path), opts...)
			record(es)
			runSource(t, es)
			var got []string
			var methods []string
			for _, r := range srv.RequestsTo(path) {
				methods = append(methods, r.Method)
				if r.Preflight {
					got = append(got, r.Header.Get("Access-Control-Request-Headers"))
					if len(r.Cookies) != 0 || r.Header.Get("Access-Control-Request-Method") != "GET" || r.Origin != page {
						t.Errorf("preflight: cookies %v, method %q, origin %q", r.Cookies, r.Header.Get("Access-Control-Request-Method"), r.Origin)
					}
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("preflights: got %q, want %q (requests %v)", got, tc.want, methods)
			}
		})
	}
	t.Run("failure", func(t *testing.T) {
		srv.Handle("/pf-fail", ssetest.Endpoint{CORS: &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}, PreflightStatus: 403},
			Events: ssetest.Messages("x")})
		es := mustNew(t, srv.HostURL("https", ssetest.OtherHost, "/pf-fail"), ssecors.WithOrigin(page),
			ssecors.WithHTTPClient(srv.Client()), ssecors.WithPreflight(ssecors.PreflightAlways))
		rec := record(es)
		err := runSource(t, es)
		var ce *ssecors.BlockedError
		if !errors.As(err, &ce) || ce.Op != http.MethodOptions || ce.Rule != ssecors.RulePreflightStatus {
			t.Fatalf("got %v, want a preflight status failure", err)
		}
		if rec.Log() != "error closed" {
			t.Errorf("log %q", rec.Log())
		}
		for _, r := range srv.RequestsTo("/pf-fail") {
			if !r.Preflight {
				t.Errorf("the GET was sent after a failed preflight")
			}
		}
	})
}

func TestBrowser_plainClientSendsNoOrigin(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{streamOf(ssetest.Event{Data: "x"}), stop204}})
	// No WithOrigin: no CORS check even though the server sends no CORS
	// headers, no Origin, and no cookie jar.
	es := mustNew(t, srv.HostURL("https", ssetest.OtherHost, "/events"), ssecors.WithHTTPClient(srv.Client()))
	rec := record(es)
	runSource(t, es)
	if len(rec.events) != 1 || srv.Requests()[0].Origin != "" {
		t.Errorf("events %v, Origin %q", rec.events, srv.Requests()[0].Origin)
	}
}
