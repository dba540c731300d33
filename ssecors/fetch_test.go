package ssecors_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
)

// fetchReq is what a fetch test server saw of one request.
type fetchReq struct {
	Method, Path, Body                string
	ContentType, Accept, CacheControl string
	Origin, Cookie, LastEventID, Auth string
	ACRM, ACRH                        string
	ContentLength                     int64
}

// fetchServer records every request and answers with handle.
type fetchServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []fetchReq
}

func newFetchServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) *fetchServer {
	t.Helper()
	fs := &fetchServer{}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fs.mu.Lock()
		fs.reqs = append(fs.reqs, fetchReq{
			Method: r.Method, Path: r.URL.Path, Body: string(body),
			ContentType: r.Header.Get("Content-Type"), Accept: r.Header.Get("Accept"),
			CacheControl: r.Header.Get("Cache-Control"), Origin: r.Header.Get("Origin"),
			Cookie: r.Header.Get("Cookie"), LastEventID: r.Header.Get("Last-Event-ID"),
			Auth: r.Header.Get("Authorization"), ACRM: r.Header.Get("Access-Control-Request-Method"),
			ACRH: r.Header.Get("Access-Control-Request-Headers"), ContentLength: r.ContentLength,
		})
		n := len(fs.reqs) - 1
		fs.mu.Unlock()
		handle(w, r, n)
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *fetchServer) seen() []fetchReq {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return slices.Clone(fs.reqs)
}

// methods lists the methods of the requests seen, in order.
func (fs *fetchServer) methods() string {
	var m []string
	for _, r := range fs.seen() {
		m = append(m, r.Method)
	}
	return strings.Join(m, " ")
}

func sseHead(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
}

// corsAllow answers a preflight or sets the CORS headers of a response
// from the pairs given.
func setHeaders(w http.ResponseWriter, kv ...string) {
	for i := 0; i+1 < len(kv); i += 2 {
		w.Header().Add(kv[i], kv[i+1])
	}
}

func jsonBody(s string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(s)), nil }
}

const fetchPage = "http://app.example"

var fastRetry = ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: time.Millisecond, MaxAttempts: 5})

func runFor(t *testing.T, es *ssecors.EventSource) ([]ssecors.Event, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var evs []ssecors.Event
	for ev, err := range es.Events(ctx) {
		if errors.Is(err, ssecors.ErrReconnecting) {
			continue
		}
		if err != nil {
			return evs, err
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

func eventData(evs []ssecors.Event) string {
	var d []string
	for _, e := range evs {
		d = append(d, e.Data)
	}
	return strings.Join(d, ",")
}

// A POST stream with a JSON body reconnects with Last-Event-ID and the
// same body; fetch mode adds no Cache-Control and sends Accept:
// text/event-stream.
func TestFetch_postReconnectReplaysBody(t *testing.T) {
	srv := newFetchServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 0 {
			sseHead(w)
			fmt.Fprint(w, "id: 1\ndata: first\n\n")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	es, err := ssecors.New(srv.URL+"/chat", fastRetry,
		ssecors.WithFetch(ssecors.Fetch{Method: "post", Body: jsonBody(`{"q":"hi"}`)}),
		ssecors.WithHeader("Content-Type", "application/json"))
	if err != nil {
		t.Fatal(err)
	}
	var openMethod string
	es.OnOpen(func(r *http.Response) { openMethod = r.Request.Method })
	evs, err := runFor(t, es)
	if !errors.Is(err, ssecors.ErrNoContent) || !strings.HasPrefix(err.Error(), "ssecors: POST ") {
		t.Fatalf("Run: got %v, want ErrNoContent on POST", err)
	}
	if openMethod != "POST" {
		t.Errorf("OnOpen's response answers %q, want POST", openMethod)
	}
	if got := eventData(evs); got != "first" {
		t.Errorf("events: got %q", got)
	}
	reqs := srv.seen()
	if len(reqs) != 2 {
		t.Fatalf("requests: got %d, want 2", len(reqs))
	}
	for i, r := range reqs {
		if r.Method != "POST" || r.Body != `{"q":"hi"}` || r.ContentType != "application/json" ||
			r.Accept != "text/event-stream" || r.CacheControl != "" || r.ContentLength != int64(len(`{"q":"hi"}`)) || r.Origin != "" {
			t.Errorf("request %d: %+v", i, r)
		}
	}
	if reqs[0].LastEventID != "" || reqs[1].LastEventID != "1" {
		t.Errorf("Last-Event-ID: got %q then %q, want none then 1", reqs[0].LastEventID, reqs[1].LastEventID)
	}
}

// A one-shot stream ends with the body: Run returns nil, one request.
func TestFetch_oneShotCleanEnd(t *testing.T) {
	srv := newFetchServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		sseHead(w)
		fmt.Fprint(w, "data: a\n\ndata: b\n\ndata: [DONE]\n\n")
	})
	es, err := ssecors.New(srv.URL, fastRetry,
		ssecors.WithFetch(ssecors.Fetch{Method: "POST", Body: jsonBody("x"), OneShot: true}))
	if err != nil {
		t.Fatal(err)
	}
	evs, err := runFor(t, es)
	if err != nil {
		t.Fatalf("got %v, want nil", err)
	}
	if got := eventData(evs); got != "a,b,[DONE]" {
		t.Errorf("events: %q", got)
	}
	if got := srv.methods(); got != "POST" {
		t.Errorf("requests: %q, want one POST", got)
	}
	if es.ReadyState() != ssecors.Closed {
		t.Errorf("state %v", es.ReadyState())
	}
	// A string-like body without Content-Type is labelled as fetch() does.
	if ct := srv.seen()[0].ContentType; ct != "text/plain;charset=UTF-8" {
		t.Errorf("Content-Type %q", ct)
	}
}

// A one-shot stream that breaks after its response arrived fails with the
// read error and is not retried; one that cannot connect is retried.
func TestFetch_oneShotBrokenAndRetried(t *testing.T) {
	srv := newFetchServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 0 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		sseHead(w)
		fmt.Fprint(w, "data: partial\n\n")
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // reset mid-stream
	})
	es, err := ssecors.New(srv.URL,
		ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: time.Millisecond, MaxAttempts: 5, RetryServerErrors: true}),
		ssecors.WithFetch(ssecors.Fetch{Method: "POST", Body: jsonBody("x"), OneShot: true}))
	if err != nil {
		t.Fatal(err)
	}
	evs, err := runFor(t, es)
	var ne *ssecors.NetworkError
	if !errors.As(err, &ne) || ne.Op != "read" || errors.Is(err, io.EOF) {
		t.Fatalf("got %v, want a read error", err)
	}
	if got := eventData(evs); got != "partial" {
		t.Errorf("events %q", got)
	}
	if got := srv.methods(); got != "POST POST" {
		t.Errorf("requests %q: want the 503 retried, the broken stream not", got)
	}
}

// A failing body function sends nothing and says so.
func TestFetch_bodyError(t *testing.T) {
	srv := newFetchServer(t, func(w http.ResponseWriter, r *http.Request, n int) { sseHead(w) })
	calls := 0
	es, err := ssecors.New(srv.URL+"/?token=s3cret",
		ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: time.Millisecond, MaxAttempts: 2}),
		ssecors.WithFetch(ssecors.Fetch{Method: "POST", Body: func() (io.ReadCloser, error) {
			calls++
			return nil, errors.New("no prompt")
		}}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = runFor(t, es)
	var ne *ssecors.NetworkError
	if !errors.As(err, &ne) || ne.Op != "body" || !strings.Contains(err.Error(), "no prompt") {
		t.Fatalf("got %v, want a body NetworkError", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("secret in %q", err)
	}
	if n := len(srv.seen()); n != 0 || calls != 2 {
		t.Errorf("requests %d (want 0), body calls %d (want 2)", n, calls)
	}
}

// WithHeaderFunc runs per attempt: a refreshed token reaches the
// reconnection, and never an error message.
func TestFetch_headerFuncPerAttempt(t *testing.T) {
	srv := newFetchServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n < 2 {
			sseHead(w)
			fmt.Fprintf(w, "id: %d\ndata: x\n\n", n)
			return
		}
		// The token alone, without its scheme: redacted too.
		http.Error(w, "bad token "+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), http.StatusUnauthorized)
	})
	n := 0
	es, err := ssecors.New(srv.URL, fastRetry,
		ssecors.WithFetch(ssecors.Fetch{}),
		ssecors.WithHeaderFunc(func(context.Context) (http.Header, error) {
			n++
			return http.Header{"authorization": {fmt.Sprintf("Bearer tok-%d", n)}}, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = runFor(t, es)
	var re *ssecors.ResponseError
	if !errors.As(err, &re) || re.StatusCode != 401 {
		t.Fatalf("got %v, want 401", err)
	}
	if !strings.HasPrefix(err.Error(), "ssecors: GET ") {
		t.Errorf("error %q does not name the method", err)
	}
	var auths []string
	for _, r := range srv.seen() {
		auths = append(auths, r.Auth)
	}
	if got := strings.Join(auths, ","); got != "Bearer tok-1,Bearer tok-2,Bearer tok-3" {
		t.Errorf("Authorization per attempt: %s", got)
	}
	if strings.Contains(err.Error()+string(re.Body), "tok-3") || !strings.Contains(string(re.Body), "REDACTED") {
		t.Errorf("token in error: %v / %s", err, re.Body)
	}
}

// A cross-origin POST with JSON and Authorization is preflighted as
// Chromium sends it, then sent with Origin; the reconnection with
// Last-Event-ID needs its own permission, explained when missing.
func TestFetch_preflight(t *testing.T) {
	for _, tc := range []struct {
		name       string
		acah       string
		wantErr    ssecors.Rule
		wantMethod string // requests seen
		wantACRH   []string
	}{
		{name: "allowed, resumes", acah: "Authorization, Content-Type, Last-Event-ID",
			wantMethod: "OPTIONS POST OPTIONS POST", wantACRH: []string{"authorization,content-type", "authorization,content-type,last-event-id"}},
		{name: "reconnect not allowed", acah: "authorization,content-type", wantErr: ssecors.RulePreflightAllowHeaders,
			wantMethod: "OPTIONS POST OPTIONS", wantACRH: []string{"authorization,content-type", "authorization,content-type,last-event-id"}},
		{name: "authorization missing", acah: "content-type", wantErr: ssecors.RulePreflightAllowHeaders,
			wantMethod: "OPTIONS", wantACRH: []string{"authorization,content-type"}},
		// Chromium: "*" covers Authorization without credentials, and
		// Last-Event-ID too (browsertest "fetch: ACAH * and Authorization").
		{name: "wildcard covers authorization", acah: "*",
			wantMethod: "OPTIONS POST OPTIONS POST", wantACRH: []string{"authorization,content-type", "authorization,content-type,last-event-id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFetchServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				setHeaders(w, "Access-Control-Allow-Origin", fetchPage)
				if r.Method == http.MethodOptions {
					setHeaders(w, "Access-Control-Allow-Headers", tc.acah, "Access-Control-Max-Age", "0")
					w.WriteHeader(http.StatusNoContent)
					return
				}
				if r.Header.Get("Last-Event-ID") != "" {
					w.WriteHeader(http.StatusNoContent)
					return
				}
				sseHead(w)
				fmt.Fprint(w, "id: 7\ndata: hello\n\n")
			})
			es, err := ssecors.New(srv.URL+"/v1/chat", fastRetry, ssecors.WithOrigin(fetchPage),
				ssecors.WithFetch(ssecors.Fetch{Method: "POST", Body: jsonBody(`{}`)}),
				ssecors.WithHeader("Authorization", "Bearer sk-secret"),
				ssecors.WithHeader("Content-Type", "application/json"))
			if err != nil {
				t.Fatal(err)
			}
			_, err = runFor(t, es)
			var be *ssecors.BlockedError
			if tc.wantErr != "" {
				if !errors.As(err, &be) || be.Rule != tc.wantErr || be.Op != "OPTIONS" {
					t.Fatalf("got %v, want %s on OPTIONS", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "sk-secret") {
					t.Errorf("secret in %v", err)
				}
			} else if !errors.Is(err, ssecors.ErrNoContent) {
				t.Fatalf("got %v, want ErrNoContent", err)
			}
			if got := srv.methods(); got != tc.wantMethod {
				t.Errorf("requests %q, want %q", got, tc.wantMethod)
			}
			var acrh []string
			for _, r := range srv.seen() {
				if r.Method == "OPTIONS" {
					acrh = append(acrh, r.ACRH)
					if r.ACRM != "POST" || r.Origin != fetchPage || r.Auth != "" || r.Cookie != "" || r.Accept != "*/*" {
						t.Errorf("preflight %+v", r)
					}
				} else if r.Origin != fetchPage || r.Auth != "Bearer sk-secret" {
					t.Errorf("actual request %+v", r)
				}
			}
			if !slices.Equal(acrh, tc.wantACRH) {
				t.Errorf("ACRH %q, want %q", acrh, tc.wantACRH)
			}
			if tc.name == "reconnect not allowed" && !strings.Contains(be.Fix, "last-event-id") {
				t.Errorf("fix %q does not name last-event-id", be.Fix)
			}
		})
	}
}

// Simple requests go without a preflight; methods need permission,
// matched case-sensitively; the cache spares preflights within Max-Age.
func TestFetch_simpleMethodsAndCache(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fetch   ssecors.Fetch
		header  [2]string
		acam    string
		want    string // requests seen
		wantErr ssecors.Rule
	}{
		{name: "text/plain POST is simple", fetch: ssecors.Fetch{Method: "POST", Body: jsonBody("hi"), OneShot: true}, want: "POST"},
		{name: "GET with safelisted Accept-Language", fetch: ssecors.Fetch{OneShot: true}, header: [2]string{"Accept-Language", "fr"}, want: "GET"},
		{name: "PUT needs ACAM", fetch: ssecors.Fetch{Method: "put", Body: jsonBody("x"), OneShot: true}, wantErr: ssecors.RulePreflightAllowMethods, want: "OPTIONS"},
		{name: "PUT allowed", fetch: ssecors.Fetch{Method: "put", Body: jsonBody("x"), OneShot: true}, acam: "PUT", want: "OPTIONS PUT"},
		{name: "patch is case-sensitive", fetch: ssecors.Fetch{Method: "patch", Body: jsonBody("x"), OneShot: true}, acam: "PATCH", wantErr: ssecors.RulePreflightAllowMethods, want: "OPTIONS"},
		{name: "patch listed as sent", fetch: ssecors.Fetch{Method: "patch", Body: jsonBody("x"), OneShot: true}, acam: "patch", want: "OPTIONS patch"},
		{name: "wildcard method", fetch: ssecors.Fetch{Method: "DELETE", OneShot: true}, acam: "*", want: "OPTIONS DELETE"},
		{name: "wildcard method with credentials", fetch: ssecors.Fetch{Method: "DELETE", Credentials: "include", OneShot: true}, acam: "*", wantErr: ssecors.RulePreflightAllowMethods, want: "OPTIONS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFetchServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				setHeaders(w, "Access-Control-Allow-Origin", fetchPage, "Access-Control-Allow-Credentials", "true")
				if r.Method == http.MethodOptions {
					if tc.acam != "" {
						setHeaders(w, "Access-Control-Allow-Methods", tc.acam)
					}
					w.WriteHeader(http.StatusOK)
					return
				}
				sseHead(w)
				fmt.Fprint(w, "data: ok\n\n")
			})
			opts := []ssecors.Option{fastRetry, ssecors.WithOrigin(fetchPage), ssecors.WithFetch(tc.fetch)}
			if tc.header[0] != "" {
				opts = append(opts, ssecors.WithHeader(tc.header[0], tc.header[1]))
			}
			es, err := ssecors.New(srv.URL+"/s", opts...)
			if err != nil {
				t.Fatal(err)
			}
			_, err = runFor(t, es)
			var be *ssecors.BlockedError
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("got %v", err)
			case tc.wantErr != "" && (!errors.As(err, &be) || be.Rule != tc.wantErr):
				t.Errorf("got %v, want %s", err, tc.wantErr)
			}
			if got := srv.methods(); got != tc.want {
				t.Errorf("requests %q, want %q", got, tc.want)
			}
		})
	}
}

// Within Max-Age a reconnection needs no preflight; after it, it does.
func TestFetch_preflightCacheMaxAge(t *testing.T) {
	srv := newFetchServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		setHeaders(w, "Access-Control-Allow-Origin", fetchPage)
		if r.Method == http.MethodOptions {
			setHeaders(w, "Access-Control-Allow-Headers", "x-api-key, last-event-id", "Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if n >= 4 {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		sseHead(w)
		fmt.Fprintf(w, "id: %d\ndata: x\n\n", n)
	})
	es, err := ssecors.New(srv.URL+"/s", fastRetry, ssecors.WithOrigin(fetchPage),
		ssecors.WithFetch(ssecors.Fetch{}), ssecors.WithHeader("X-Api-Key", "k"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runFor(t, es); !errors.Is(err, ssecors.ErrNoContent) {
		t.Fatalf("got %v", err)
	}
	// One preflight covers x-api-key and last-event-id for every attempt.
	if got := srv.methods(); got != "OPTIONS GET GET GET GET" {
		t.Errorf("requests %q", got)
	}
}

// Credentials modes: omit sends no cookie even same-origin; same-origin
// sends them only same-origin; include sends them cross-origin and needs
// an exact Allow-Origin and Allow-Credentials.
func TestFetch_credentialsModes(t *testing.T) {
	for _, tc := range []struct {
		mode       string
		cross      bool
		acao       string
		wantCookie bool
		wantErr    ssecors.Rule
	}{
		{mode: "omit"},
		{mode: "", wantCookie: true},
		{mode: "same-origin", wantCookie: true},
		{mode: "include", wantCookie: true},
		{mode: "omit", cross: true, acao: "*"},
		{mode: "same-origin", cross: true, acao: "*"},
		{mode: "include", cross: true, acao: "*", wantCookie: true, wantErr: ssecors.RuleAllowOriginWildcard},
		{mode: "include", cross: true, acao: fetchPage, wantCookie: true, wantErr: ssecors.RuleAllowCredentials},
	} {
		t.Run(fmt.Sprintf("%s cross=%v acao=%s", tc.mode, tc.cross, tc.acao), func(t *testing.T) {
			srv := newFetchServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if tc.acao != "" {
					setHeaders(w, "Access-Control-Allow-Origin", tc.acao)
				}
				sseHead(w)
				fmt.Fprint(w, "data: ok\n\n")
			})
			jar, _ := cookiejar.New(nil)
			u, _ := url.Parse(srv.URL)
			jar.SetCookies(u, []*http.Cookie{{Name: "sid", Value: "1"}})
			page := srv.URL // same-origin
			if tc.cross {
				page = fetchPage
			}
			es, err := ssecors.New(srv.URL, fastRetry, ssecors.WithOrigin(page), ssecors.WithCookieJar(jar),
				ssecors.WithFetch(ssecors.Fetch{Method: "POST", Credentials: tc.mode, OneShot: true}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = runFor(t, es)
			var be *ssecors.BlockedError
			if o := srv.seen()[0].Origin; o != page {
				t.Errorf("Origin %q, want %q: a POST carries it same-origin too", o, page)
			}
			if tc.wantErr != "" {
				if !errors.As(err, &be) || be.Rule != tc.wantErr || be.Op != "POST" {
					t.Errorf("got %v, want %s on POST", err, tc.wantErr)
				}
			} else if err != nil {
				t.Errorf("got %v", err)
			}
			reqs := srv.seen()
			if len(reqs) != 1 {
				t.Fatalf("requests %+v", reqs)
			}
			if got := reqs[0].Cookie != ""; got != tc.wantCookie {
				t.Errorf("cookie sent %v, want %v", got, tc.wantCookie)
			}
			// A POST carries Origin, same-origin too (Fetch; Chromium).
			if reqs[0].Origin != page {
				t.Errorf("Origin %q, want %q", reqs[0].Origin, page)
			}
		})
	}
}

// Same-origin, Origin goes out only when the method is neither GET nor
// HEAD, as Fetch's "append a request Origin header" and Chromium do
// (browsertest "fetch: same-origin POST JSON", "fetch: same-origin GET").
func TestFetch_sameOriginOrigin(t *testing.T) {
	for _, tc := range []struct {
		method string
		body   bool
		want   bool
	}{
		{method: "GET"},
		{method: "POST", body: true, want: true},
		{method: "POST", want: true},
		{method: "PUT", body: true, want: true},
		{method: "DELETE", want: true},
	} {
		t.Run(tc.method, func(t *testing.T) {
			srv := newFetchServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				sseHead(w)
				fmt.Fprint(w, "data: ok\n\n")
			})
			f := ssecors.Fetch{Method: tc.method, OneShot: true}
			if tc.body {
				f.Body = jsonBody(`{}`)
			}
			es, err := ssecors.New(srv.URL, fastRetry, ssecors.WithOrigin(srv.URL), ssecors.WithFetch(f))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := runFor(t, es); err != nil {
				t.Fatal(err)
			}
			reqs := srv.seen()
			if len(reqs) != 1 {
				t.Fatalf("requests %+v", reqs)
			}
			if got := reqs[0].Origin != ""; got != tc.want || tc.want && reqs[0].Origin != srv.URL {
				t.Errorf("Origin %q, want one: %v", reqs[0].Origin, tc.want)
			}
		})
	}
}

// A 303 turns a POST into a GET without body or Content-Type; a 307
// replays the POST with its body.
func TestFetch_redirects(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   string
	}{
		{http.StatusSeeOther, "POST /a {} application/json|GET /b  "},
		{http.StatusFound, "POST /a {} application/json|GET /b  "},
		{http.StatusTemporaryRedirect, "POST /a {} application/json|POST /b {} application/json"},
		{http.StatusPermanentRedirect, "POST /a {} application/json|POST /b {} application/json"},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			srv := newFetchServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if r.URL.Path == "/a" {
					http.Redirect(w, r, "/b", tc.status)
					return
				}
				sseHead(w)
			})
			es, err := ssecors.New(srv.URL+"/a", fastRetry,
				ssecors.WithFetch(ssecors.Fetch{Method: "POST", Body: jsonBody("{}"), OneShot: true}),
				ssecors.WithHeader("Content-Type", "application/json"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := runFor(t, es); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range srv.seen() {
				got = append(got, r.Method+" "+r.Path+" "+r.Body+" "+r.ContentType)
			}
			if s := strings.Join(got, "|"); s != tc.want {
				t.Errorf("got %q\nwant %q", s, tc.want)
			}
		})
	}
}

// Fetch mode opens on any ok status but 204, whatever the charset.
func TestFetch_responseChecks(t *testing.T) {
	for _, tc := range []struct {
		status int
		ct     string
		ok     bool
	}{
		{200, "text/event-stream", true},
		{201, "text/event-stream; charset=iso-8859-1", true},
		{204, "text/event-stream", false},
		{200, "application/json", false},
		{404, "text/event-stream", false},
	} {
		srv := newFetchServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Content-Type", tc.ct)
			w.WriteHeader(tc.status)
		})
		es, err := ssecors.New(srv.URL, fastRetry, ssecors.WithFetch(ssecors.Fetch{OneShot: true}))
		if err != nil {
			t.Fatal(err)
		}
		_, err = runFor(t, es)
		if (err == nil) != tc.ok {
			t.Errorf("%d %s: got %v, want ok=%v", tc.status, tc.ct, err, tc.ok)
		}
	}
}

func TestFetch_configErrors(t *testing.T) {
	body := jsonBody("x")
	for _, tc := range []struct {
		name   string
		opts   []ssecors.Option
		option string
	}{
		{"forbidden method", []ssecors.Option{ssecors.WithFetch(ssecors.Fetch{Method: "trace"})}, "WithFetch"},
		{"not a token", []ssecors.Option{ssecors.WithFetch(ssecors.Fetch{Method: "PO ST"})}, "WithFetch"},
		{"GET with body", []ssecors.Option{ssecors.WithFetch(ssecors.Fetch{Body: body})}, "WithFetch"},
		{"HEAD with body", []ssecors.Option{ssecors.WithFetch(ssecors.Fetch{Method: "head", Body: body})}, "WithFetch"},
		{"credentials mode", []ssecors.Option{ssecors.WithFetch(ssecors.Fetch{Credentials: "all"})}, "WithFetch"},
		{"forbidden header", []ssecors.Option{ssecors.WithOrigin(fetchPage), ssecors.WithFetch(ssecors.Fetch{}), ssecors.WithHeader("Cookie", "a=b")}, "WithHeader"},
		{"sec- header", []ssecors.Option{ssecors.WithOrigin(fetchPage), ssecors.WithFetch(ssecors.Fetch{}), ssecors.WithHeader("Sec-Fetch-Mode", "cors")}, "WithHeader"},
		{"WithCredentials", []ssecors.Option{ssecors.WithOrigin(fetchPage), ssecors.WithCredentials(), ssecors.WithFetch(ssecors.Fetch{})}, "WithCredentials"},
		{"WithPreflight", []ssecors.Option{ssecors.WithOrigin(fetchPage), ssecors.WithPreflight(ssecors.PreflightAuto), ssecors.WithFetch(ssecors.Fetch{})}, "WithPreflight"},
		{"nil header func", []ssecors.Option{ssecors.WithHeaderFunc(nil)}, "WithHeaderFunc"},
	} {
		_, err := ssecors.New("https://api.example/s", tc.opts...)
		var ce *ssecors.ConfigError
		if !errors.As(err, &ce) || ce.Option != tc.option {
			t.Errorf("%s: got %v, want a ConfigError for %s", tc.name, err, tc.option)
		}
	}
	// A plain client may send what a page cannot; it is listed.
	es, err := ssecors.New("https://api.example/s", ssecors.WithFetch(ssecors.Fetch{}), ssecors.WithHeader("Referer", "https://x.example/"))
	if err != nil {
		t.Fatal(err)
	}
	if got := es.BrowserIncompatibilities(); len(got) != 1 || !strings.Contains(got[0], "Referer") {
		t.Errorf("BrowserIncompatibilities: %q", got)
	}
}

// A header function returning a forbidden header fails a page's fetch.
func TestFetch_headerFuncForbidden(t *testing.T) {
	srv := newFetchServer(t, func(w http.ResponseWriter, r *http.Request, n int) { sseHead(w) })
	es, err := ssecors.New(srv.URL, fastRetry, ssecors.WithOrigin(fetchPage), ssecors.WithFetch(ssecors.Fetch{}),
		ssecors.WithHeaderFunc(func(context.Context) (http.Header, error) {
			return http.Header{"Host": {"evil"}}, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = runFor(t, es)
	var ce *ssecors.ConfigError
	if !errors.As(err, &ce) || ce.Option != "WithHeaderFunc" {
		t.Fatalf("got %v", err)
	}
	if len(srv.seen()) != 0 {
		t.Error("a request was sent")
	}
}

// A server that echoes the request body in an error does not reveal its
// secret-looking fields through ssecors' errors.
func TestFetch_bodySecretsRedacted(t *testing.T) {
	srv := newFetchServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		http.Error(w, `invalid request: api_key "sk-live-98765" unknown; model "gpt-x"`, http.StatusBadRequest)
	})
	es, err := ssecors.New(srv.URL, fastRetry, ssecors.WithFetch(ssecors.Fetch{
		Method: "POST", OneShot: true,
		Body: jsonBody(`{"model":"gpt-x","api_key":"sk-live-98765","max_tokens":1024}`),
	}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = runFor(t, es)
	var re *ssecors.ResponseError
	if !errors.As(err, &re) || re.StatusCode != 400 {
		t.Fatalf("got %v", err)
	}
	body := string(re.Body)
	if strings.Contains(body, "sk-live-98765") || !strings.Contains(body, "REDACTED") || !strings.Contains(body, "gpt-x") {
		t.Errorf("error body %q: want the api_key redacted, the model kept", body)
	}
}

// A header function returning an invalid or managed header is a
// programming error: the source fails with a *ConfigError, nothing sent.
func TestFetch_headerFuncInvalid(t *testing.T) {
	for _, h := range []http.Header{{"X-A": {"a\nb"}}, {"Bad Name": {"x"}}, {"Last-Event-Id": {"1"}}} {
		srv := newFetchServer(t, func(w http.ResponseWriter, r *http.Request, n int) { sseHead(w) })
		es, err := ssecors.New(srv.URL, fastRetry, ssecors.WithHeaderFunc(func(context.Context) (http.Header, error) { return h, nil }))
		if err != nil {
			t.Fatal(err)
		}
		_, err = runFor(t, es)
		var ce *ssecors.ConfigError
		if !errors.As(err, &ce) || ce.Option != "WithHeaderFunc" {
			t.Errorf("%v: got %v, want a ConfigError for WithHeaderFunc", h, err)
		}
		if n := len(srv.seen()); n != 0 {
			t.Errorf("%v: %d requests sent", h, n)
		}
	}
}
