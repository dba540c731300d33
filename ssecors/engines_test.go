package ssecors_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/browser"
	"github.com/ssecors/ssecors-go/ssecors/browserjar"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

// scripted is a test server that answers its n-th request (from 0) with
// script(n, w, r), logs every request, and answers 204 (which ends a
// source) past the script.
type scripted struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func newScripted(t *testing.T, script func(n int, w http.ResponseWriter, r *http.Request) bool) *scripted {
	t.Helper()
	s := &scripted{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		n := len(s.reqs)
		s.reqs = append(s.reqs, r.Clone(r.Context()))
		s.mu.Unlock()
		if !script(n, w, r) {
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// paths is the path of every request, in order.
func (s *scripted) paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.reqs {
		out = append(out, r.URL.Path)
	}
	return out
}

func (s *scripted) request(i int) *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reqs[i]
}

// newOneStream is a scripted server whose first response is a stream of
// body, and every later one a 204.
func newOneStream(t *testing.T, contentType, body string) *scripted {
	return newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n > 0 {
			return false
		}
		stream(w, contentType, body)
		return true
	})
}

func stream(w http.ResponseWriter, contentType, body string) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, body)
}

func mustCookiejar() http.CookieJar {
	j, _ := cookiejar.New(nil)
	return j
}

// A browserjar.Jar given without WithBrowser makes its profile the
// source's: here Firefox's default reconnection time.
func TestWithCookieJar_givesTheBrowser(t *testing.T) {
	t.Parallel()
	es := mustNew(t, "https://api.example.test/", ssecors.WithOrigin("https://app.example.test"),
		ssecors.WithCookieJar(browserjar.New(&browserjar.Options{Browser: browser.Firefox})))
	if got := es.ReconnectionTime(); got != 5*time.Second {
		t.Errorf("ReconnectionTime %v, want Firefox's 5s", got)
	}
}

// engineProfiles are one profile per engine.
var engineProfiles = []browser.Profile{browser.ChromeIncognito, browser.Firefox, browser.Safari}

// eachEngine runs f as a parallel subtest for each engine's profile.
func eachEngine(t *testing.T, f func(t *testing.T, p browser.Profile)) {
	t.Helper()
	t.Parallel()
	for _, p := range engineProfiles {
		t.Run(p.String(), func(t *testing.T) {
			t.Parallel()
			f(t, p)
		})
	}
}

func TestWithBrowser_charsetAndContentType(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, contentType string
		opens             map[browser.Engine]bool
	}{
		// ENGINES.md "charset=windows-1252": Chromium fails, the others open.
		{"charset=windows-1252", "text/event-stream; charset=windows-1252", map[browser.Engine]bool{browser.Chromium: false, browser.Gecko: true, browser.WebKit: true}},
		{"charset=utf8", "text/event-stream;charset=utf8", map[browser.Engine]bool{browser.Chromium: false, browser.Gecko: true, browser.WebKit: true}},
		{"charset=utf-8", "text/event-stream; charset=UTF-8", map[browser.Engine]bool{browser.Chromium: true, browser.Gecko: true, browser.WebKit: true}},
		// "one header, list ending in text/html": WebKit takes the first type.
		{"list ending in text/html", "text/event-stream, text/html", map[browser.Engine]bool{browser.Chromium: false, browser.Gecko: false, browser.WebKit: true}},
		{"list ending in text/event-stream", "text/html, text/event-stream", map[browser.Engine]bool{browser.Chromium: true, browser.Gecko: true, browser.WebKit: false}},
	} {
		for _, p := range engineProfiles {
			t.Run(tc.name+"/"+p.String(), func(t *testing.T) {
				t.Parallel()
				srv := newOneStream(t, tc.contentType, "data: a\n\n")
				es := mustNew(t, srv.URL, ssecors.WithBrowser(p))
				rec := record(es)
				err := runSource(t, es)
				var re *ssecors.ResponseError
				if !errors.As(err, &re) {
					t.Fatalf("Run: %v, want a *ResponseError", err)
				}
				want := "error closed"
				if tc.opens[p.Engine] {
					want = "open open\nmessage \"a\" id=\"\"\nerror connecting\nerror closed"
					if re.StatusCode != http.StatusNoContent {
						t.Errorf("the stream opened, so Run should end on the 204: %v", err)
					}
				}
				if got := rec.Log(); got != want {
					t.Errorf("got\n%s\nwant\n%s", got, want)
				}
			})
		}
	}
}

func TestWithBrowser_reconnectURLAfterRedirect(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status int
		want   map[browser.Engine]string // the reconnect's path
	}{
		{http.StatusFound, map[browser.Engine]string{browser.Chromium: "/final", browser.Gecko: "/start", browser.WebKit: "/start"}},
		{http.StatusTemporaryRedirect, map[browser.Engine]string{browser.Chromium: "/final", browser.Gecko: "/start", browser.WebKit: "/start"}},
		{http.StatusMovedPermanently, map[browser.Engine]string{browser.Chromium: "/final", browser.Gecko: "/final", browser.WebKit: "/start"}},
		{http.StatusPermanentRedirect, map[browser.Engine]string{browser.Chromium: "/final", browser.Gecko: "/final", browser.WebKit: "/start"}},
	} {
		for _, p := range engineProfiles {
			t.Run(fmt.Sprint(tc.status, "/", p), func(t *testing.T) {
				t.Parallel()
				srv := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
					switch {
					case n < 3 && r.URL.Path == "/start":
						http.Redirect(w, r, "/final", tc.status)
					case n < 3:
						stream(w, "text/event-stream", "data: a\n\n")
					default:
						return false
					}
					return true
				})
				es := mustNew(t, srv.URL+"/start", ssecors.WithBrowser(p))
				record(es)
				runSource(t, es)
				got := srv.paths()
				if len(got) < 3 || got[2] != tc.want[p.Engine] {
					t.Errorf("requests %v: the reconnect should go to %s", got, tc.want[p.Engine])
				}
				if es.URL() != srv.URL+"/start" {
					t.Errorf("URL() = %s: the constructor's URL never changes", es.URL())
				}
			})
		}
	}
}

func TestWithBrowser_redirectLoop(t *testing.T) {
	eachEngine(t, func(t *testing.T, p browser.Profile) {
		srv := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
			if n > 25 {
				return false // the second attempt of a source that reconnects
			}
			http.Redirect(w, r, "/loop", http.StatusFound)
			return true
		})
		es := mustNew(t, srv.URL+"/loop", ssecors.WithBrowser(p))
		rec := record(es)
		err := runSource(t, es)
		var ne *ssecors.NetworkError
		if p.Engine == browser.Chromium {
			// A network error, then the reconnect that meets the 204.
			if rec.Log() != "error connecting\nerror closed" {
				t.Errorf("got %q, want a reconnect", rec.Log())
			}
			return
		}
		if !errors.As(err, &ne) || !strings.Contains(err.Error(), "redirects") || rec.Log() != "error closed" {
			t.Errorf("Run: %v, log %q: the redirect limit should close the source", err, rec.Log())
		}
		if n := len(srv.paths()); n != 21 {
			t.Errorf("%d requests, want 21 (the 21st redirect is the error)", n)
		}
	})
}

func TestWithBrowser_resetBeforeHeaders(t *testing.T) {
	eachEngine(t, func(t *testing.T, p browser.Profile) {
		srv := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
			if n == 0 {
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					conn.Close()
				}
				return true
			}
			return false
		})
		es := mustNew(t, srv.URL, ssecors.WithBrowser(p))
		rec := record(es)
		runSource(t, es)
		want := "error connecting\nerror closed" // an error event, the reconnect, the 204
		if p.Engine != browser.Chromium {
			want = "error closed" // the silent retry met the 204
		}
		if rec.Log() != want {
			t.Errorf("got %q, want %q", rec.Log(), want)
		}
		if n := len(srv.paths()); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
	})
}

// A reset on the silent retry too is an ordinary failure: one retry only.
func TestWithBrowser_resetTwice(t *testing.T) {
	t.Parallel()
	srv := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n < 2 {
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
			return true
		}
		return false
	})
	es := mustNew(t, srv.URL, ssecors.WithBrowser(browser.Firefox))
	rec := record(es)
	runSource(t, es)
	if got := rec.Log(); got != "error connecting\nerror closed" {
		t.Errorf("got %q", got)
	}
	if n := len(srv.paths()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

func TestWithBrowser_reconnectionTime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p            browser.Profile
		opts         []ssecors.Option
		initial, set time.Duration // before the stream; after "retry: 100"
	}{
		{browser.ChromeIncognito, nil, 3 * time.Second, 100 * time.Millisecond},
		{browser.Chrome, nil, 3 * time.Second, 100 * time.Millisecond},
		{browser.Safari, nil, 3 * time.Second, 100 * time.Millisecond},
		{browser.Firefox, nil, 5 * time.Second, 500 * time.Millisecond},
		{browser.Firefox, []ssecors.Option{ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: time.Second})}, time.Second, 500 * time.Millisecond},
	} {
		t.Run(tc.p.String(), func(t *testing.T) {
			t.Parallel()
			srv := newOneStream(t, "text/event-stream", "retry: 100\ndata: a\n\n")
			es := mustNew(t, srv.URL, append(tc.opts, ssecors.WithBrowser(tc.p))...)
			if got := es.ReconnectionTime(); got != tc.initial {
				t.Errorf("before Run: %v, want %v", got, tc.initial)
			}
			rec := record(es)
			runSource(t, es)
			if got := es.ReconnectionTime(); got != tc.set {
				t.Errorf("after retry: 100: %v, want %v", got, tc.set)
			}
			if d := rec.Delays(); len(d) != 1 || d[0] != tc.set {
				t.Errorf("waited %v, want [%v]", d, tc.set)
			}
		})
	}
}

func TestWithBrowser_idWithNUL(t *testing.T) {
	eachEngine(t, func(t *testing.T, p browser.Profile) {
		srv := newOneStream(t, "text/event-stream", "id: 1\ndata: a\n\nid: x\x00y\ndata: b\n\ndata: c\n\n")
		es := mustNew(t, srv.URL, ssecors.WithBrowser(p))
		rec := record(es)
		runSource(t, es)
		want := "open open\nmessage \"a\" id=\"1\"\nmessage \"b\" id=\"1\"\nmessage \"c\" id=\"1\"\nerror connecting\nerror closed"
		if p.Engine == browser.Gecko { // Firefox drops the whole event
			want = "open open\nmessage \"a\" id=\"1\"\nmessage \"c\" id=\"1\"\nerror connecting\nerror closed"
		}
		if got := rec.Log(); got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	})
}

func TestWithBrowser_pragmaAfterCrossOriginRedirect(t *testing.T) {
	eachEngine(t, func(t *testing.T, p browser.Profile) {
		target := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) bool { return false })
		first := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
			http.Redirect(w, r, target.URL+"/x", http.StatusFound)
			return true
		})
		es := mustNew(t, first.URL, ssecors.WithBrowser(p))
		record(es)
		runSource(t, es)
		if got := first.request(0).Header.Get("Pragma"); got != "no-cache" {
			t.Errorf("first request: Pragma %q", got)
		}
		want := "no-cache"
		if p.Engine == browser.WebKit {
			want = ""
		}
		if got := target.request(0).Header.Get("Pragma"); got != want {
			t.Errorf("after the cross-origin redirect: Pragma %q, want %q", got, want)
		}
		if got := target.request(0).Header.Get("Cache-Control"); got != "no-cache" {
			t.Errorf("after the cross-origin redirect: Cache-Control %q", got)
		}
	})
}

func TestWithBrowser_loopbackMixedContent(t *testing.T) {
	eachEngine(t, func(t *testing.T, p browser.Profile) {
		srv := newScripted(t, func(n int, w http.ResponseWriter, r *http.Request) bool { return false })
		es := mustNew(t, srv.URL, ssecors.WithBrowser(p), ssecors.WithOrigin("https://app.example.test"))
		err := runSource(t, es)
		var be *ssecors.BlockedError
		blocked := errors.As(err, &be) && be.Rule == ssecors.RuleMixedContent
		if blocked != (p.Engine == browser.WebKit) {
			t.Errorf("Run: %v; WebKit alone blocks http://127.0.0.1 from an https page", err)
		}
		if blocked && len(srv.paths()) != 0 {
			t.Errorf("a blocked request reached the server")
		}
	})
}

func TestWithBrowser_config(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts []ssecors.Option
		want string // "" for no error
	}{
		{"named", []ssecors.Option{ssecors.WithBrowser(browser.Safari)}, ""},
		{"unknown engine", []ssecors.Option{ssecors.WithBrowser(browser.Profile{Engine: 9})}, "unknown engine"},
		{"unknown policy", []ssecors.Option{ssecors.WithBrowser(browser.Profile{ThirdPartyCookies: -1})}, "unknown third-party cookie policy"},
		{"jar of another browser", []ssecors.Option{ssecors.WithOrigin("https://app.example.test"), ssecors.WithBrowser(browser.Firefox),
			ssecors.WithCookieJar(browserjar.New(nil))}, "created for another browser"},
		{"jar of the same browser", []ssecors.Option{ssecors.WithOrigin("https://app.example.test"), ssecors.WithBrowser(browser.Firefox),
			ssecors.WithCookieJar(browserjar.New(&browserjar.Options{Browser: browser.Firefox}))}, ""},
		{"jar without WithBrowser", []ssecors.Option{ssecors.WithOrigin("https://app.example.test"),
			ssecors.WithCookieJar(browserjar.New(&browserjar.Options{Browser: browser.Firefox}))}, ""},
		{"plain jar with WithBrowser", []ssecors.Option{ssecors.WithOrigin("https://app.example.test"),
			ssecors.WithBrowser(browser.Safari), ssecors.WithCookieJar(mustCookiejar())}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ssecors.New("https://api.example.test/events", tc.opts...)
			var ce *ssecors.ConfigError
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("New: %v", err)
			case tc.want != "" && (!errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("New: %v, want a *ConfigError saying %q", err, tc.want)
			}
		})
	}
}

// ENGINES.md "cookies: cross-site redirect taint, cred": a stream on the
// page's site redirected through another site and back. Chromium ignores
// the chain; Firefox and Safari send no Lax or Strict cookie on the final
// request (Fetch's redirect-taint). A jar passed without WithBrowser gives
// the source its profile.
func TestWithBrowser_cookieRedirectTaint(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p    browser.Profile
		want string
	}{
		{browser.ChromeIncognito, "lax,none,strict,unset"},
		{browser.Firefox, "none,unset"},
		{browser.Safari, ""}, // ITP: no cookie at all after a cross-site hop
	} {
		t.Run(tc.p.String(), func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, ssetest.Endpoint{})
			page := srv.Origin("https", ssetest.AppHost)
			srv.HandleHost(ssetest.APIHost, "/start", ssetest.Endpoint{CORS: ssetest.AllowAll(),
				Redirect: &ssetest.Redirect{Location: srv.HostURL("https", ssetest.OtherHost, "/hop")}})
			srv.HandleHost(ssetest.OtherHost, "/hop", ssetest.Endpoint{CORS: ssetest.AllowAll(),
				Redirect: &ssetest.Redirect{Location: srv.HostURL("https", ssetest.APIHost, "/final")}})
			srv.HandleHost(ssetest.APIHost, "/final", ssetest.Endpoint{CORS: ssetest.AllowAll(),
				Responses: []ssetest.Response{stop204}})
			jar := browserjar.New(&browserjar.Options{Browser: tc.p})
			u, _ := url.Parse(srv.HostURL("https", ssetest.APIHost, "/"))
			jar.SetCookies(u, []*http.Cookie{
				{Name: "none", Value: "1", Secure: true, SameSite: http.SameSiteNoneMode},
				{Name: "lax", Value: "1", Secure: true, SameSite: http.SameSiteLaxMode},
				{Name: "strict", Value: "1", Secure: true, SameSite: http.SameSiteStrictMode},
				{Name: "unset", Value: "1", Secure: true},
			})
			es := mustNew(t, srv.HostURL("https", ssetest.APIHost, "/start"), ssecors.WithOrigin(page), ssecors.WithCredentials(),
				ssecors.WithCookieJar(jar), ssecors.WithHTTPClient(srv.Client()))
			rec := record(es)
			runSource(t, es)
			reqs := srv.RequestsTo("/final")
			if len(reqs) != 1 {
				t.Fatalf("requests to /final: %d; log %q errors %v", len(reqs), rec.Log(), rec.errs)
			}
			if got := cookieNames(reqs[0].Cookies); got != tc.want {
				t.Errorf("final request sent %q, want %q", got, tc.want)
			}
			if got := cookieNames(srv.RequestsTo("/start")[0].Cookies); got != "lax,none,strict,unset" {
				t.Errorf("first (same-site, untainted) request sent %q", got)
			}
		})
	}
}

// postJSON is fetch mode's POST of {} as application/json.
func postJSON(oneShot bool, opts ...ssecors.Option) []ssecors.Option {
	return append(opts, ssecors.WithFetch(ssecors.Fetch{Method: "POST", OneShot: oneShot,
		Body: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(`{}`)), nil }}),
		ssecors.WithHeader("Content-Type", "application/json"))
}

// reqLine is "METHOD /path" plus, for a preflight, its
// Access-Control-Request-Method and -Headers.
func reqLine(r ssetest.Request) string {
	s := r.Method + " " + r.Path
	if r.Method == http.MethodOptions {
		s += " " + r.Header.Get("Access-Control-Request-Method") + " [" + r.Header.Get("Access-Control-Request-Headers") + "]"
	}
	return s
}

// PARITY.md "fetch: 303 after PUT", "fetch: 303 after a preflighted JSON
// POST": Firefox and WebKit preflight the GET a 303 made, WebKit asking
// for the headers of the original request.
func TestWithBrowser_fetchPreflightAfterRedirect(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		fetch  ssecors.Fetch
		header []ssecors.Option
		want   map[browser.Engine]string // the requests to /s
	}{
		{"303 after PUT", ssecors.Fetch{Method: "PUT", Body: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(`{"q":1}`)), nil }, OneShot: true},
			[]ssecors.Option{ssecors.WithHeader("Content-Type", "text/plain")},
			map[browser.Engine]string{browser.Chromium: "GET /s", browser.Gecko: "OPTIONS /s GET []|GET /s", browser.WebKit: "OPTIONS /s GET []|GET /s"}},
		{"303 after a preflighted JSON POST", ssecors.Fetch{Method: "POST", Body: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(`{}`)), nil }, OneShot: true},
			[]ssecors.Option{ssecors.WithHeader("Content-Type", "application/json")},
			map[browser.Engine]string{browser.Chromium: "GET /s", browser.Gecko: "OPTIONS /s GET []|GET /s", browser.WebKit: "OPTIONS /s GET [content-type]|GET /s"}},
	} {
		for _, p := range engineProfiles {
			t.Run(tc.name+"/"+p.String(), func(t *testing.T) {
				t.Parallel()
				srv := newServer(t, ssetest.Endpoint{})
				page := srv.Origin("https", ssetest.AppHost)
				srv.HandleHost(ssetest.OtherHost, "/r", ssetest.Endpoint{CORS: ssetest.AllowAll(),
					Redirect: &ssetest.Redirect{Status: http.StatusSeeOther, Location: srv.HostURL("https", ssetest.OtherHost, "/s")}})
				srv.HandleHost(ssetest.OtherHost, "/s", ssetest.Endpoint{CORS: ssetest.AllowAll(), Responses: []ssetest.Response{streamOf(ssetest.Event{Data: "a"})}})
				opts := append([]ssecors.Option{ssecors.WithBrowser(p), ssecors.WithOrigin(page), ssecors.WithFetch(tc.fetch),
					ssecors.WithHTTPClient(srv.Client())}, tc.header...)
				es := mustNew(t, srv.HostURL("https", ssetest.OtherHost, "/r"), opts...)
				if err := runSource(t, es); err != nil {
					t.Fatalf("Run: %v", err)
				}
				var got []string
				for _, r := range srv.RequestsTo("/s") {
					got = append(got, reqLine(r))
				}
				if s := strings.Join(got, "|"); s != tc.want[p.Engine] {
					t.Errorf("requests to /s: %q, want %q", s, tc.want[p.Engine])
				}
			})
		}
	}
}

// PARITY.md "fetch: Max-Age 1.5": Firefox caches nothing for a Max-Age
// that is not an integer, so the reconnect is preflighted again.
func TestWithBrowser_fetchInvalidMaxAge(t *testing.T) {
	eachEngine(t, func(t *testing.T, p browser.Profile) {
		srv := newServer(t, ssetest.Endpoint{})
		page := srv.Origin("https", ssetest.AppHost)
		cors := ssetest.AllowAll()
		cors.MaxAge = "1.5"
		srv.HandleHost(ssetest.OtherHost, "/s", ssetest.Endpoint{CORS: cors,
			Responses: []ssetest.Response{streamOf(ssetest.Event{Data: "a"}), stop204}})
		es := mustNew(t, srv.HostURL("https", ssetest.OtherHost, "/s"), postJSON(false,
			ssecors.WithBrowser(p), ssecors.WithOrigin(page), ssecors.WithHTTPClient(srv.Client()))...)
		record(es)
		runSource(t, es)
		n := 0
		for _, r := range srv.RequestsTo("/s") {
			if r.Method == http.MethodOptions {
				n++
			}
		}
		want := 1
		if p.Engine == browser.Gecko {
			want = 2
		}
		if n != want {
			t.Errorf("%d preflights, want %d", n, want)
		}
	})
}

// PARITY.md "fetch: 307 after preflight, to another origin": Firefox's
// preflight carries the page's origin although the request's is "null".
func TestWithBrowser_fetchPreflightOriginAfterTaint(t *testing.T) {
	eachEngine(t, func(t *testing.T, p browser.Profile) {
		srv := newServer(t, ssetest.Endpoint{})
		page := srv.Origin("https", ssetest.AppHost)
		srv.HandleHost(ssetest.OtherHost, "/r", ssetest.Endpoint{CORS: ssetest.AllowAll(),
			Redirect: &ssetest.Redirect{Status: http.StatusTemporaryRedirect, Location: srv.HostURL("https", ssetest.OtherAppHost, "/s")}})
		srv.HandleHost(ssetest.OtherAppHost, "/s", ssetest.Endpoint{CORS: ssetest.AllowAll(), Responses: []ssetest.Response{streamOf(ssetest.Event{Data: "a"})}})
		es := mustNew(t, srv.HostURL("https", ssetest.OtherHost, "/r"), postJSON(true,
			ssecors.WithBrowser(p), ssecors.WithOrigin(page), ssecors.WithHTTPClient(srv.Client()))...)
		if err := runSource(t, es); err != nil {
			t.Fatalf("Run: %v", err)
		}
		var got []string
		for _, r := range srv.RequestsTo("/s") {
			got = append(got, r.Method+" "+r.Origin)
		}
		want := "OPTIONS null|POST null"
		if p.Engine == browser.Gecko {
			want = "OPTIONS " + page + "|POST null"
		}
		if s := strings.Join(got, "|"); s != want {
			t.Errorf("requests to /s: %q, want %q", s, want)
		}
	})
}

// Over HTTP/2 a reset before the response is an RST_STREAM: Firefox and
// WebKit retry it silently too (PARITY.md "abort before headers, first
// request", Firefox over HTTP/2).
func TestWithBrowser_http2ResetBeforeHeaders(t *testing.T) {
	eachEngine(t, func(t *testing.T, p browser.Profile) {
		srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{{RawResponse: "never sent over HTTP/2"}, stop204}})
		es := mustNew(t, srv.HostURL("https", ssetest.APIHost, ssetest.EventsPath), ssecors.WithBrowser(p), ssecors.WithHTTPClient(srv.Client()))
		rec := record(es)
		runSource(t, es)
		want := "error connecting\nerror closed"
		if p.Engine != browser.Chromium {
			want = "error closed"
		}
		if got := rec.Log(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
		reqs := srv.Requests()
		if len(reqs) != 2 || reqs[0].Proto != "HTTP/2.0" {
			t.Errorf("requests: %d, first over %s; want 2 over HTTP/2", len(reqs), reqs[0].Proto)
		}
		if p.Engine == browser.Chromium && (len(rec.errs) == 0 || !strings.Contains(rec.errs[0].Error(), "stream error")) {
			t.Errorf("the reset should reach Chromium's profile as a stream error: %v", rec.errs)
		}
	})
}
