package browsertest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/browser"
	"github.com/ssecors/ssecors-go/ssecors/browserjar"
)

// SDKRunner runs cases through ssecors.
type SDKRunner struct {
	Srv *Server
	// Client returns the HTTP client for one run; nil means Srv.Client().
	// The broken-rule test replaces it to inject a wrong behaviour.
	Client func() *http.Client
	// Extra options appended after the suite's own (broken-rule test).
	Extra []ssecors.Option
	// AllowThirdPartyCookies makes every run allow third-party cookies,
	// whatever its profile's setting (broken-rule test).
	AllowThirdPartyCookies bool
}

// Run runs one case through ssecors acting as the case's page in browser
// p (ssecors.WithBrowser(p), and a browserjar.Jar for p primed first-party
// as the browser's store was), and returns what it did.
func (r *SDKRunner) Run(c *Case, run string, p browser.Profile) Outcome {
	var out Outcome
	port := strconv.Itoa(r.Srv.HTTPPort())
	if r.AllowThirdPartyCookies {
		p.ThirdPartyCookies = browser.Allow
	}
	jar := browserjar.New(&browserjar.Options{Browser: p})
	for _, pc := range c.Cookies {
		u, err := url.Parse(expandURL(pc.Origin+"{run}/login", run, port))
		if err != nil {
			out.Harness = err
			return out
		}
		hc, err := http.ParseSetCookie(pc.SetCookie)
		if err != nil {
			out.Harness = fmt.Errorf("priming %q: %w", pc.SetCookie, err)
			return out
		}
		jar.SetCookies(u, []*http.Cookie{hc})
	}
	client := r.Srv.Client()
	if r.Client != nil {
		client = r.Client()
	}
	defer CloseIdle(client)
	opts := []ssecors.Option{
		ssecors.WithOrigin(c.page()),
		ssecors.WithBrowser(p),
		ssecors.WithCookieJar(jar),
		ssecors.WithHTTPClient(client),
	}
	if c.Cred && c.Fetch == nil {
		opts = append(opts, ssecors.WithCredentials())
	}
	if c.Fetch != nil {
		opts = append(opts, fetchOptions(c.Fetch)...)
	}
	opts = append(opts, r.Extra...)
	es, err := ssecors.New(expandURL(c.URL, run, port), opts...)
	if err != nil {
		out.Threw = fmt.Sprintf("%T", err)
		out.State = -1
		out.Detail = err.Error()
		return out
	}

	out.URL = unexpandURL(es.URL(), run, port)
	var mu sync.Mutex
	record := func(s EventRec) {
		mu.Lock()
		out.Events = append(out.Events, s)
		mu.Unlock()
	}
	var errs []string
	// opened is set between a fetch case's open and the next error, so
	// that an error tells a failed attempt from the end of a stream.
	opened := false
	es.OnOpen(func(resp *http.Response) {
		if c.Fetch != nil {
			var final *url.URL
			if resp.Request != nil {
				final = resp.Request.URL
			}
			// A response is basic (every header readable) only when no
			// hop was cross-origin: the first and final URLs are
			// same-origin (no case goes out and back in between).
			first, _ := url.Parse(es.URL())
			basic := sameOriginURL(first, c.page()) && sameOriginURL(final, c.page())
			names := readableNames(resp.Header, basic, c.Fetch.Credentials == "include")
			mu.Lock()
			out.Fetches = append(out.Fetches, fmt.Sprintf("status %d readable=[%s]", resp.StatusCode, strings.Join(names, " ")))
			opened = true
			mu.Unlock()
		}
		record(EventRec{Kind: "open", RS: int(es.ReadyState())})
	})
	onMessage := func(ev ssecors.Event) {
		record(EventRec{Kind: "message", Type: ev.Type, Data: ev.Data, ID: ev.LastEventID, Origin: ev.Origin, RS: int(es.ReadyState())})
	}
	es.OnMessage(onMessage)
	for _, t := range c.Types {
		es.AddEventListener(t, onMessage)
	}
	es.OnError(func(err error) {
		record(EventRec{Kind: "error", RS: int(es.ReadyState())})
		mu.Lock()
		errs = append(errs, err.Error())
		if c.Fetch != nil {
			if !opened {
				out.Fetches = append(out.Fetches, fetchFailure(err))
			} else if c.Fetch.OneShot {
				out.Fetches = append(out.Fetches, "body failed")
			}
			opened = false
		}
		mu.Unlock()
	})

	ctx, cancel := context.WithTimeout(context.Background(), c.wait()+10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- es.Run(ctx) }()
	timer := time.NewTimer(c.wait())
	defer timer.Stop()
	var runErr error
	select {
	case runErr = <-done:
		out.State = int(es.ReadyState())
	case <-timer.C:
		out.State = int(es.ReadyState())
		es.Close()
		select {
		case runErr = <-done:
		case <-time.After(10 * time.Second):
			out.Harness = errors.New("ssecors Run did not return within 10s of Close")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if c.Fetch != nil && c.Fetch.OneShot && opened && runErr != nil && len(out.Fetches) > 0 {
		// A one-shot stream whose body failed: Run returns the error.
		out.Fetches = append(out.Fetches, "body failed")
	}
	if runErr != nil {
		out.Detail = runErr.Error()
	} else if len(errs) > 0 {
		out.Detail = errs[len(errs)-1]
	}
	for _, ck := range jar.All() {
		out.Jar = append(out.Jar, jarEntry(ck.Name, ck.Value, ck.Domain, ck.Partitioned))
	}
	sort.Strings(out.Jar)
	return out
}

// fetchOptions are the ssecors options of a fetch case: WithFetch with the
// case's method, body and credentials mode, and the page's headers.
func fetchOptions(f *FetchInit) []ssecors.Option {
	fc := ssecors.Fetch{Method: f.Method, Credentials: f.Credentials, OneShot: f.OneShot}
	if f.Body != nil {
		body := *f.Body
		fc.Body = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }
	}
	opts := []ssecors.Option{ssecors.WithFetch(fc)}
	for _, kv := range f.Headers {
		opts = append(opts, ssecors.WithHeader(kv[0], kv[1]))
	}
	if name := f.AttemptHeader; name != "" {
		var n atomic.Int64
		opts = append(opts, ssecors.WithHeaderFunc(func(context.Context) (http.Header, error) {
			return http.Header{http.CanonicalHeaderKey(name): {strconv.FormatInt(n.Add(1), 10)}}, nil
		}))
	}
	return opts
}

// fetchFailure describes a failed fetch attempt as the page records it:
// a response that does not open the stream shows its status and type,
// anything else is what fetch() rejects with.
func fetchFailure(err error) string {
	var re *ssecors.ResponseError
	if errors.As(err, &re) {
		ct := re.ContentType
		if ct == "" {
			ct = "-"
		}
		return fmt.Sprintf("status %d type=%s", re.StatusCode, ct)
	}
	return "rejected TypeError"
}
