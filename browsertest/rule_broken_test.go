package browsertest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/ssecors/ssecors-go/ssecors"
)

// rewrite is an http.RoundTripper that breaks a rule on the way: it edits
// the request before it leaves and the response before ssecors sees it.
type rewrite struct {
	next http.RoundTripper
	req  func(*http.Request)
	resp func(*http.Request, *http.Response)
}

func (rw rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	if rw.req != nil {
		r = r.Clone(r.Context())
		rw.req(r)
	}
	resp, err := rw.next.RoundTrip(r)
	if err == nil && rw.resp != nil {
		rw.resp(r, resp)
	}
	return resp, err
}

// TestParityCatchesBrokenRule runs the ssecors side of some cases again
// with one browser rule deliberately broken, and checks that the
// comparison with the Chromium outcomes already recorded (Chrome Incognito)
// fails. It proves
// that the suite would catch a regression in each rule, without touching
// the SDK.
func TestParityCatchesBrokenRule(t *testing.T) {
	s := getSuite(t)
	// The runs of the default profile, Chrome Incognito, in Chromium.
	byName := map[string]*Run{}
	for _, r := range s.Runs() {
		if r.Config.Name == "chrome-incognito" {
			byName[r.Name()] = r
		}
	}
	if len(byName) == 0 {
		t.Skip("no chrome-incognito run in this suite (-engine)")
	}
	client := func(req func(*http.Request), resp func(*http.Request, *http.Response)) func() *http.Client {
		return func() *http.Client {
			c := s.Srv.Client()
			c.Transport = rewrite{next: c.Transport, req: req, resp: resp}
			return c
		}
	}
	tests := []struct {
		name   string
		broken string // the rule that is broken
		runner SDKRunner
		cases  []string
	}{
		{
			name:   "wildcard with credentials",
			broken: "ACAO * passes with credentials (rule 3.9)",
			runner: SDKRunner{Client: client(nil, func(r *http.Request, resp *http.Response) {
				if resp.Header.Get("Access-Control-Allow-Origin") == "*" {
					resp.Header.Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
					resp.Header.Set("Access-Control-Allow-Credentials", "true")
				}
			})},
			cases: []string{"cred, ACAO * + ACAC true"},
		},
		{
			name:   "content type not checked",
			broken: "any Content-Type opens (rule 2.8)",
			runner: SDKRunner{Client: client(nil, func(_ *http.Request, resp *http.Response) {
				resp.Header.Set("Content-Type", "text/event-stream")
			})},
			cases: []string{"text/html", "charset=windows-1252"},
		},
		{
			name:   "no Origin header",
			broken: "cross-origin requests carry Origin (rule 3.2)",
			runner: SDKRunner{Client: client(func(r *http.Request) { r.Header.Del("Origin") }, nil)},
			cases:  []string{"cross-site, ACAO exact", "fetch: same-origin POST JSON", "fetch: JSON, preflight allows content-type"},
		},
		{
			name:   "no Last-Event-ID",
			broken: "reconnects carry Last-Event-ID (rule 2.22)",
			runner: SDKRunner{Client: client(func(r *http.Request) { r.Header.Del("Last-Event-Id") }, nil)},
			cases:  []string{"ids: Last-Event-ID on reconnects"},
		},
		{
			name:   "third-party cookies leak",
			broken: "a blocked third-party cookie policy sends no cross-site cookies (rule 4.4)",
			runner: SDKRunner{AllowThirdPartyCookies: true},
			cases:  []string{"cookies: cross-site, cred", "set-cookie: cross-site, cred"},
		},
		{
			name:   "retry: not honoured",
			broken: "the reconnection time is retry: (rule 2.17)",
			runner: SDKRunner{Extra: []ssecors.Option{ssecors.WithRetry(ssecors.RetryPolicy{BackOff: func() backoff.BackOff {
				return backoff.NewConstantBackOff(1500 * time.Millisecond)
			}})}},
			cases: []string{"retry: 0"},
		},
		{
			name:   "fetch: preflight headers not checked",
			broken: "a preflight must allow every non-safelisted header (Fetch CORS-preflight fetch)",
			runner: SDKRunner{Client: client(nil, func(r *http.Request, resp *http.Response) {
				if r.Method == http.MethodOptions {
					resp.Header.Set("Access-Control-Allow-Headers", r.Header.Get("Access-Control-Request-Headers"))
				}
			})},
			cases: []string{"fetch: JSON, preflight without ACAH", "fetch: X-Api-Key + JSON, ACAH lists content-type only",
				"fetch: reconnect with id, ACAH without last-event-id"},
		},
		{
			name:   "fetch: no preflight sent",
			broken: "a cross-origin request that is not simple is preflighted (Fetch)",
			runner: SDKRunner{Client: func() *http.Client {
				c := s.Srv.Client()
				c.Transport = answerPreflights{next: c.Transport}
				return c
			}},
			cases: []string{"fetch: JSON, preflight allows content-type", "fetch: PUT, ACAM PUT"},
		},
		{
			name:   "fetch: Max-Age ignored",
			broken: "the preflight cache honours Access-Control-Max-Age",
			runner: SDKRunner{Client: client(nil, func(r *http.Request, resp *http.Response) {
				if r.Method == http.MethodOptions {
					resp.Header.Set("Access-Control-Max-Age", "7200")
				}
			})},
			cases: []string{"fetch: Max-Age 0", "fetch: Max-Age 1, second fetch after 1.5 s"},
		},
		{
			name:   "fetch: no Last-Event-ID on reconnect",
			broken: "a fetch-event-source reconnect sends Last-Event-ID",
			runner: SDKRunner{Client: client(func(r *http.Request) { r.Header.Del("Last-Event-Id") }, nil)},
			cases:  []string{"fetch: reconnect with id, ACAH with last-event-id"},
		},
		{
			name:   "fetch: body not replayed",
			broken: "every fetch-mode attempt replays the body",
			runner: SDKRunner{Client: client(func(r *http.Request) {
				if r.Method == http.MethodPost && r.Header.Get("Last-Event-Id") != "" {
					r.Body, r.ContentLength = http.NoBody, 0
				}
			}, nil)},
			cases: []string{"fetch: reconnect with id, ACAH with last-event-id", "fetch: simple POST, reconnect with id"},
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var runs []*Run
			for _, name := range tt.cases {
				r, ok := byName[name]
				if !ok {
					t.Skipf("case %q not in this run (filtered with -case?)", name)
				}
				runs = append(runs, r)
			}
			runner := tt.runner
			runner.Srv = s.Srv
			verdicts := s.Rejudge(&runner, runs, "m"+string(rune('a'+i)))
			for j, v := range verdicts {
				if v.Pass() {
					t.Errorf("with %s broken, case %q still passes (%s): the suite would miss this regression", tt.broken, runs[j].Name(), v)
					continue
				}
				t.Logf("caught: %s: %s", runs[j].Name(), strings.Join(v.Fields, ", "))
			}
		})
	}
}

// answerPreflights is an http.RoundTripper that answers every OPTIONS
// request itself, permissively, so that the server never sees a
// preflight: a client that skips the preflight.
type answerPreflights struct{ next http.RoundTripper }

func (a answerPreflights) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodOptions {
		return a.next.RoundTrip(r)
	}
	h := http.Header{}
	h.Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
	h.Set("Access-Control-Allow-Methods", r.Header.Get("Access-Control-Request-Method"))
	h.Set("Access-Control-Allow-Headers", r.Header.Get("Access-Control-Request-Headers"))
	return &http.Response{StatusCode: http.StatusNoContent, Status: "204 No Content", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: http.NoBody, Request: r}, nil
}
