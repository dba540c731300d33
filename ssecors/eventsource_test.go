package ssecors_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
	"github.com/ssecors/ssecors-go/ssecors/ssetrace"
)

// recorder registers handlers on a source and records what they see.
type recorder struct {
	mu     sync.Mutex
	es     *ssecors.EventSource
	log    []string
	events []ssecors.Event
	errs   []error
	delays []time.Duration
}

// record registers handlers on es. Delays between attempts are recorded
// and not waited (the sleep returns at once), so no test waits the
// reconnection time.
func record(es *ssecors.EventSource) *recorder {
	r := &recorder{es: es}
	es.OnOpen(func(*http.Response) { r.add("open " + es.ReadyState().String()) })
	es.OnMessage(func(ev ssecors.Event) {
		r.mu.Lock()
		r.events = append(r.events, ev)
		r.mu.Unlock()
		r.add(fmt.Sprintf("message %q id=%q", ev.Data, ev.LastEventID))
	})
	es.OnError(func(err error) {
		r.mu.Lock()
		r.errs = append(r.errs, err)
		r.mu.Unlock()
		r.add("error " + es.ReadyState().String())
	})
	ssecors.SetSleep(es, func(ctx context.Context, d time.Duration) error {
		r.mu.Lock()
		r.delays = append(r.delays, d)
		r.mu.Unlock()
		return ctx.Err()
	})
	return r
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	r.log = append(r.log, s)
	r.mu.Unlock()
}

func (r *recorder) Log() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.log, "\n")
}

func (r *recorder) Delays() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.delays...)
}

// runSource runs es with a generous deadline and returns Run's error.
func runSource(t *testing.T, es *ssecors.EventSource) error {
	t.Helper()
	return runSourceTraced(t, es, nil)
}

// runSourceTraced is runSource with tr attached to Run's context.
func runSourceTraced(t *testing.T, es *ssecors.EventSource, tr *ssetrace.Trace) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(ssetrace.WithTrace(context.Background(), tr), 20*time.Second)
	defer cancel()
	err := es.Run(ctx)
	if ctx.Err() != nil {
		t.Fatalf("Run did not return before the test deadline")
	}
	return err
}

func newServer(t *testing.T, ep ssetest.Endpoint) *ssetest.Server {
	t.Helper()
	s := ssetest.New(ep)
	t.Cleanup(s.Close)
	return s
}

func mustNew(t *testing.T, url string, opts ...ssecors.Option) *ssecors.EventSource {
	t.Helper()
	es, err := ssecors.New(url, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return es
}

// stop204 is the response that makes Run return: a browser stops on 204.
var stop204 = ssetest.Response{Status: http.StatusNoContent}

func streamOf(evs ...ssetest.Event) ssetest.Response {
	return ssetest.Response{Events: evs, EndAfterScript: true}
}

func TestEventSource_Run_requestHeadersAndLastEventID(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{
		streamOf(ssetest.Event{ID: "1", Data: "a"}),
		streamOf(ssetest.Event{Data: "b"}, ssetest.Event{HasID: true, Data: "c"}),
		streamOf(ssetest.Event{Data: "d"}),
		stop204,
	}})
	es := mustNew(t, srv.EventsURL())
	rec := record(es)
	err := runSource(t, es)
	var re *ssecors.ResponseError
	if !errors.As(err, &re) || re.StatusCode != 204 {
		t.Fatalf("Run: got %v, want a *ResponseError with status 204", err)
	}
	want := `open open
message "a" id="1"
error connecting
open open
message "b" id="1"
message "c" id=""
error connecting
open open
message "d" id=""
error connecting
error closed`
	if got := rec.Log(); got != want {
		t.Errorf("handler log:\n%s\nwant:\n%s", got, want)
	}
	reqs := srv.RequestsTo(ssetest.EventsPath)
	if len(reqs) != 4 {
		t.Fatalf("got %d requests, want 4", len(reqs))
	}
	for i, r := range reqs {
		for name, want := range map[string]string{"Accept": "text/event-stream", "Cache-Control": "no-cache", "Pragma": "no-cache"} {
			if got := r.Header.Get(name); got != want {
				t.Errorf("request %d: %s: got %q, want %q", i, name, got, want)
			}
		}
		if r.Method != http.MethodGet || r.Origin != "" {
			t.Errorf("request %d: method %q origin %q, want GET and no Origin", i, r.Method, r.Origin)
		}
	}
	wantLEID := []struct {
		has bool
		v   string
	}{{false, ""}, {true, "1"}, {false, ""}, {false, ""}}
	for i, w := range wantLEID {
		if reqs[i].HasLastEventID != w.has || reqs[i].LastEventID != w.v {
			t.Errorf("request %d: Last-Event-ID present=%v %q, want present=%v %q",
				i, reqs[i].HasLastEventID, reqs[i].LastEventID, w.has, w.v)
		}
	}
	if es.ReadyState() != ssecors.Closed {
		t.Errorf("state: got %v, want closed", es.ReadyState())
	}
}

func TestEventSource_Run_startingLastEventID(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{stop204}})
	es := mustNew(t, srv.EventsURL(), ssecors.WithLastEventID("41"))
	if es.LastEventID() != "41" {
		t.Errorf("LastEventID before Run: got %q, want %q", es.LastEventID(), "41")
	}
	record(es)
	runSource(t, es)
	if r := srv.RequestsTo(ssetest.EventsPath)[0]; r.LastEventID != "41" {
		t.Errorf("first request Last-Event-ID: got %q, want %q", r.LastEventID, "41")
	}
}

func TestEventSource_Run_failTheConnection(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		resp   ssetest.Response
		status int
		ctype  string
	}{
		{"201", ssetest.Response{Status: 201, Body: "created"}, 201, "text/event-stream"},
		{"204", ssetest.Response{Status: 204}, 204, "text/event-stream"},
		{"205", ssetest.Response{Status: 205}, 205, "text/event-stream"},
		{"301 without Location", ssetest.Response{Status: 301, Body: "moved"}, 301, "text/event-stream"},
		{"401", ssetest.Response{Status: 401, Body: "who are you"}, 401, "text/event-stream"},
		{"404", ssetest.Response{Status: 404, Body: "not here"}, 404, "text/event-stream"},
		{"500", ssetest.Response{Status: 500, Body: "oops"}, 500, "text/event-stream"},
		{"503", ssetest.Response{Status: 503, Body: "busy"}, 503, "text/event-stream"},
		{"text/plain", ssetest.Response{ContentType: "text/plain", Events: ssetest.Messages("x")}, 200, "text/plain"},
		{"no content type", ssetest.Response{NoContentType: true, Events: ssetest.Messages("x")}, 200, ""},
		{"invalid type", ssetest.Response{ContentType: "x bogus", Events: ssetest.Messages("x")}, 200, "x bogus"},
		{"valid bogus type", ssetest.Response{ContentType: "text/x-bogus", Events: ssetest.Messages("x")}, 200, "text/x-bogus"},
		{"charset windows-1252 (Chromium)", ssetest.Response{ContentType: "text/event-stream; charset=windows-1252", Events: ssetest.Messages("x")}, 200, "text/event-stream; charset=windows-1252"},
		{"charset utf8 without hyphen (Chromium)", ssetest.Response{ContentType: "text/event-stream;charset=utf8", Events: ssetest.Messages("x")}, 200, "text/event-stream;charset=utf8"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{tc.resp, streamOf(ssetest.Event{Data: "never"})}})
			es := mustNew(t, srv.EventsURL())
			rec := record(es)
			err := runSource(t, es)
			var re *ssecors.ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("Run: got %v, want *ResponseError", err)
			}
			if re.StatusCode != tc.status || re.ContentType != tc.ctype {
				t.Errorf("got status %d type %q, want %d %q", re.StatusCode, re.ContentType, tc.status, tc.ctype)
			}
			if tc.resp.Body != "" && string(re.Body) != tc.resp.Body {
				t.Errorf("body: got %q, want %q", re.Body, tc.resp.Body)
			}
			if got := rec.Log(); got != "error closed" {
				t.Errorf("handler log: got %q, want one error in state closed", got)
			}
			if n := srv.Connections(ssetest.EventsPath); n != 1 {
				t.Errorf("connections: got %d, want 1 (no reconnect)", n)
			}
			if !strings.Contains(err.Error(), re.Detail) || !strings.HasPrefix(err.Error(), "ssecors: ") {
				t.Errorf("message %q lacks the reason or prefix", err)
			}
		})
	}
}

func TestEventSource_Run_contentTypesThatOpen(t *testing.T) {
	t.Parallel()
	for _, ct := range []string{
		"text/event-stream", "text/event-stream;", "TEXT/Event-Stream", "text/event-stream; charset=utf-8",
		"text/event-stream;charset=UTF-8", "text/event-stream ; foo=bar", `text/event-stream; charset="utf-8"`,
	} {
		t.Run(ct, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{
				{ContentType: ct, Events: ssetest.Messages("x"), EndAfterScript: true}, stop204,
			}})
			es := mustNew(t, srv.EventsURL())
			rec := record(es)
			runSource(t, es)
			if !strings.HasPrefix(rec.Log(), "open open\nmessage \"x\"") {
				t.Errorf("handler log: %q", rec.Log())
			}
		})
	}
}

func TestEventSource_Run_reconnects(t *testing.T) {
	t.Parallel()
	for _, abort := range []bool{false, true} {
		t.Run(fmt.Sprintf("abort=%v", abort), func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, ssetest.Endpoint{
				Events:    ssetest.Numbered(9, "e"),
				Resume:    true,
				Retry:     1500,
				DropAfter: 3,
				Abort:     abort,
			})
			es := mustNew(t, srv.EventsURL())
			rec := record(es)
			es.AddEventListener("message", func(ev ssecors.Event) {
				if ev.Data == "e9" {
					es.Close()
				}
			})
			if err := runSource(t, es); err != nil {
				t.Fatalf("Run: %v", err)
			}
			var data []string
			for _, ev := range rec.events {
				data = append(data, ev.Data)
			}
			if got := strings.Join(data, ","); got != "e1,e2,e3,e4,e5,e6,e7,e8,e9" {
				t.Errorf("events: got %s", got)
			}
			if got := rec.Delays(); fmt.Sprint(got) != "[1.5s 1.5s]" {
				t.Errorf("delays: got %v, want [1.5s 1.5s]", got)
			}
			reqs := srv.RequestsTo(ssetest.EventsPath)
			for i, want := range []string{"", "3", "6"} {
				if reqs[i].LastEventID != want {
					t.Errorf("request %d Last-Event-ID: got %q, want %q", i, reqs[i].LastEventID, want)
				}
			}
			for _, err := range rec.errs {
				var ne *ssecors.NetworkError
				if !errors.As(err, &ne) || ne.Op != "read" {
					t.Errorf("error: got %v, want a read *NetworkError", err)
				} else if abort == (ne.Err == io.EOF) {
					t.Errorf("abort=%v but error is %v", abort, ne.Err)
				}
			}
			if es.ReconnectionTime() != 1500*time.Millisecond {
				t.Errorf("ReconnectionTime: got %v", es.ReconnectionTime())
			}
		})
	}
}

func TestEventSource_Run_retryPersistsAndDefaults(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{
		streamOf(ssetest.Event{Data: "a"}),                                                      // default R
		streamOf(ssetest.Event{Retry: 2500}, ssetest.Event{Data: "b"}),                          // retry: alone is a block without data
		streamOf(ssetest.Event{Data: "c"}),                                                      // R persists
		{Events: []ssetest.Event{{Raw: "retry: 40\ndata: unterminated"}}, EndAfterScript: true}, // takes effect when read
		stop204,
	}})
	es := mustNew(t, srv.EventsURL())
	rec := record(es)
	runSource(t, es)
	want := "[3s 2.5s 2.5s 100ms]" // the last attempt delivered nothing: the spin floor applies to 40ms
	if got := fmt.Sprint(rec.Delays()); got != want {
		t.Errorf("delays: got %s, want %s", got, want)
	}
}

func TestEventSource_Run_reconnectionTimeOption(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{
		streamOf(ssetest.Event{Data: "a"}), stop204,
	}})
	es := mustNew(t, srv.EventsURL(), ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: 250 * time.Millisecond}))
	rec := record(es)
	runSource(t, es)
	if got := fmt.Sprint(rec.Delays()); got != "[250ms]" {
		t.Errorf("delays: got %s, want [250ms]", got)
	}
}

func TestEventSource_Run_spinGuard(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{
		{HasRetry: true, EndAfterScript: true},                                // retry: 0, nothing else
		{HasRetry: true, Events: ssetest.Messages("x"), EndAfterScript: true}, // delivers: no floor
		stop204,
	}})
	es := mustNew(t, srv.EventsURL())
	rec := record(es)
	runSource(t, es)
	if got := fmt.Sprint(rec.Delays()); got != "[100ms 0s]" {
		t.Errorf("delays: got %s, want [100ms 0s]", got)
	}
}

func TestEventSource_Run_redirectAndReconnectToFinalURL(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{
		streamOf(ssetest.Event{ID: "1", Data: "a"}),
		streamOf(ssetest.Event{Data: "b"}),
		stop204,
	}})
	srv.Handle("/old", ssetest.Endpoint{Redirect: &ssetest.Redirect{Status: 307, Location: "/events"}})
	es := mustNew(t, srv.URL+"/old")
	rec := record(es)
	runSource(t, es)
	var paths []string
	for _, r := range srv.Requests() {
		paths = append(paths, r.Path)
	}
	if got := strings.Join(paths, " "); got != "/old /events /events /events" {
		t.Errorf("paths: got %s", got)
	}
	if es.URL() != srv.URL+"/old" {
		t.Errorf("URL(): got %s, want the constructor's URL", es.URL())
	}
	if len(rec.events) != 2 || rec.events[0].Origin != srv.URL {
		t.Errorf("events: %+v", rec.events)
	}
}

func TestEventSource_Run_redirectLimits(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{stop204}})
	for i := 0; i < 21; i++ {
		srv.Handle(fmt.Sprintf("/r%d", i), ssetest.Endpoint{Redirect: &ssetest.Redirect{Location: fmt.Sprintf("/r%d", i+1)}})
	}
	srv.Handle("/r21", ssetest.Endpoint{Redirect: &ssetest.Redirect{Location: "/events"}})
	srv.Handle("/loop", ssetest.Endpoint{Redirect: &ssetest.Redirect{Location: "/loop"}})
	srv.Handle("/ftp", ssetest.Endpoint{Redirect: &ssetest.Redirect{Location: "ftp://example.com/x"}})
	cases := []struct {
		path, reason string
	}{
		{"/r2", ""},                   // r2 -> ... -> r21 -> /events: exactly 20 redirects
		{"/r1", "too-many-redirects"}, // 21 redirects: a network error, then a reconnection
		{"/loop", "too-many-redirects"},
		{"/ftp", "redirect-scheme"},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			es := mustNew(t, srv.URL+tc.path)
			rec := record(es)
			var first error
			es.OnError(func(err error) {
				if first == nil {
					first = err
				}
				if es.ReadyState() == ssecors.Connecting {
					es.Close()
				}
			})
			err := runSource(t, es)
			switch tc.reason {
			case "":
				var re *ssecors.ResponseError
				if !errors.As(err, &re) {
					t.Fatalf("got %v, want to reach the 204 after 20 redirects", err)
				}
			case "too-many-redirects":
				var ne *ssecors.NetworkError
				if err != nil || !errors.As(first, &ne) || !strings.Contains(first.Error(), "more than 20 redirects") {
					t.Fatalf("got %v then %v, want a NetworkError for more than 20 redirects and a reconnection", first, err)
				}
				if len(rec.Delays()) != 0 {
					t.Errorf("waited before Close: %v", rec.Delays())
				}
			default:
				var be *ssecors.BlockedError
				if !errors.As(err, &be) || string(be.Rule) != tc.reason {
					t.Fatalf("got %v, want *BlockedError %s", err, tc.reason)
				}
			}
		})
	}
}

func TestEventSource_Close(t *testing.T) {
	t.Parallel()
	t.Run("before Run", func(t *testing.T) {
		t.Parallel()
		es := mustNew(t, "http://127.0.0.1:1/")
		es.Close()
		es.Close()
		if err := es.Run(context.Background()); err != nil {
			t.Errorf("Run after Close: got %v, want nil", err)
		}
		if es.ReadyState() != ssecors.Closed {
			t.Errorf("state: got %v", es.ReadyState())
		}
	})
	t.Run("from a handler stops delivery at once", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, ssetest.Endpoint{Events: ssetest.Numbered(5, "m")})
		es := mustNew(t, srv.EventsURL())
		var got []string
		es.OnMessage(func(ev ssecors.Event) {
			got = append(got, ev.Data)
			if ev.Data == "m2" {
				es.Close()
				es.Close()
			}
		})
		es.AddEventListener("message", func(ev ssecors.Event) { got = append(got, "listener "+ev.Data) })
		errCalled := false
		es.OnError(func(error) { errCalled = true })
		if err := runSource(t, es); err != nil {
			t.Fatalf("Run: %v", err)
		}
		if s := strings.Join(got, ","); s != "m1,listener m1,m2" {
			t.Errorf("delivered: %s", s)
		}
		if errCalled {
			t.Error("Close ran the error handler")
		}
	})
	t.Run("from another goroutine while streaming", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, ssetest.Endpoint{Events: ssetest.Numbered(1, "m")})
		es := mustNew(t, srv.EventsURL())
		opened := make(chan struct{})
		es.OnMessage(func(ssecors.Event) { close(opened) })
		done := make(chan error, 1)
		go func() { done <- es.Run(context.Background()) }()
		select {
		case <-opened:
		case <-time.After(10 * time.Second):
			t.Fatal("no event")
		}
		es.Close()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: got %v, want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after Close")
		}
	})
	t.Run("during the reconnection wait", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, ssetest.Endpoint{Events: ssetest.Messages("x"), EndAfterScript: true})
		es := mustNew(t, srv.EventsURL(), ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: time.Hour}))
		es.OnError(func(error) { go es.Close() })
		if err := runSource(t, es); err != nil {
			t.Errorf("Run: got %v, want nil", err)
		}
	})
	t.Run("Run twice", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{stop204}})
		es := mustNew(t, srv.EventsURL())
		runSource(t, es)
		if err := es.Run(context.Background()); !errors.Is(err, ssecors.ErrStarted) {
			t.Errorf("second Run: got %v, want ErrStarted", err)
		}
	})
}

func TestEventSource_Run_contextEnds(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Events: ssetest.Messages("x")})
	es := mustNew(t, srv.EventsURL())
	cause := errors.New("shutting down")
	ctx, cancel := context.WithCancelCause(context.Background())
	errCalled := false
	es.OnError(func(error) { errCalled = true })
	es.OnMessage(func(ssecors.Event) { cancel(cause) })
	err := es.Run(ctx)
	if err != cause {
		t.Errorf("Run: got %v, want the context's cause", err)
	}
	if es.ReadyState() != ssecors.Closed || errCalled {
		t.Errorf("state %v, error handler called %v", es.ReadyState(), errCalled)
	}
}

func TestEventSource_Events(t *testing.T) {
	t.Parallel()
	t.Run("break closes", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, ssetest.Endpoint{Events: ssetest.Numbered(5, "m")})
		es := mustNew(t, srv.EventsURL())
		var got []string
		for ev, err := range es.Events(context.Background()) {
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			got = append(got, ev.Data)
			if len(got) == 3 {
				break
			}
		}
		if strings.Join(got, ",") != "m1,m2,m3" || es.ReadyState() != ssecors.Closed {
			t.Errorf("got %v, state %v", got, es.ReadyState())
		}
	})
	t.Run("final error", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{
			streamOf(ssetest.Event{Type: "tick", Data: "1"}, ssetest.Event{Data: "2"}),
			{Status: 404},
		}})
		es := mustNew(t, srv.EventsURL())
		ssecors.SetSleep(es, func(ctx context.Context, _ time.Duration) error { return ctx.Err() })
		var got []string
		var final error
		n := 0
		for ev, err := range es.Events(context.Background()) {
			if n++; n > 10 {
				t.Fatal("too many items")
			}
			if err != nil {
				final = err
				continue
			}
			got = append(got, ev.Type+":"+ev.Data)
		}
		var re *ssecors.ResponseError
		if strings.Join(got, ",") != "tick:1,message:2" || !errors.As(final, &re) || re.StatusCode != 404 {
			t.Errorf("got %v, final %v", got, final)
		}
	})
}

func TestEventSource_listeners(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{
		streamOf(
			ssetest.Event{Type: "update", Data: "u1"},
			ssetest.Event{Data: "m1"},
			ssetest.Event{Type: "update", Data: "u2"},
			ssetest.Event{Type: "update", Data: "u3"},
		),
		stop204,
	}})
	es := mustNew(t, srv.EventsURL())
	var log []string
	var removeSelf func()
	removeSelf = es.AddEventListener("update", func(ev ssecors.Event) {
		log = append(log, "self "+ev.Data)
		removeSelf() // must not deadlock
		removeSelf()
	})
	var removeLater func()
	es.AddEventListener("update", func(ev ssecors.Event) {
		log = append(log, "first "+ev.Data)
		if ev.Data == "u2" {
			removeLater() // removed during dispatch: not called for u2
			es.AddEventListener("update", func(ev ssecors.Event) { log = append(log, "added "+ev.Data) })
		}
	})
	removeLater = es.AddEventListener("update", func(ev ssecors.Event) { log = append(log, "later "+ev.Data) })
	es.AddEventListener("message", func(ev ssecors.Event) { log = append(log, "listener "+ev.Data) })
	es.OnMessage(func(ev ssecors.Event) { log = append(log, "onmessage "+ev.Data) })
	ssecors.SetSleep(es, func(ctx context.Context, _ time.Duration) error { return ctx.Err() })
	runSource(t, es)
	want := "self u1,first u1,later u1,onmessage m1,listener m1,first u2,first u3,added u3"
	if got := strings.Join(log, ","); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestEventSource_Run_clientUntouchedAndTimeoutScoped(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{
		{Events: ssetest.Messages("1", "2", "3", "4", "5"), Interval: 100 * time.Millisecond, EndAfterScript: true},
		stop204,
	}})
	jar, _ := cookiejar.New(nil)
	redirects := 0
	client := &http.Client{
		Timeout:       150 * time.Millisecond, // shorter than the stream
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { redirects++; return nil },
	}
	before := *client
	es := mustNew(t, srv.EventsURL(), ssecors.WithHTTPClient(client))
	rec := record(es)
	runSource(t, es)
	if len(rec.events) != 5 {
		t.Errorf("got %d events, want 5: the client timeout cut the stream", len(rec.events))
	}
	if client.Timeout != before.Timeout || client.Jar != before.Jar || client.Transport != before.Transport ||
		fmt.Sprintf("%p", client.CheckRedirect) != fmt.Sprintf("%p", before.CheckRedirect) {
		t.Error("the caller's client was modified")
	}
}

func TestEventSource_Run_connectTimeout(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{
		{HeaderDelay: 10 * time.Second},
		stop204,
	}})
	es := mustNew(t, srv.EventsURL(), ssecors.WithHTTPClient(&http.Client{Timeout: 100 * time.Millisecond}))
	rec := record(es)
	runSource(t, es)
	if len(rec.errs) != 2 {
		t.Fatalf("errors: %v", rec.errs)
	}
	var ne *ssecors.NetworkError
	if !errors.As(rec.errs[0], &ne) || !ne.Timeout() || ne.Op != "GET" {
		t.Errorf("first error: got %v, want a GET timeout", rec.errs[0])
	}
}

func TestEventSource_Run_idleTimeout(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{
		{StallAfterHeaders: true},
		stop204,
	}})
	es := mustNew(t, srv.EventsURL(), ssecors.WithIdleTimeout(100*time.Millisecond))
	rec := record(es)
	runSource(t, es)
	if rec.Log() != "open open\nerror connecting\nerror closed" {
		t.Errorf("log: %q", rec.Log())
	}
	var ne *ssecors.NetworkError
	if !errors.As(rec.errs[0], &ne) || !ne.Timeout() || ne.Op != "read" {
		t.Errorf("first error: got %v, want an idle read timeout", rec.errs[0])
	}
}

func TestEventSource_Run_maxEventSize(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Events: []ssetest.Event{
		{Data: "small"}, {Data: strings.Repeat("x", 5000)}, {Data: "never"},
	}})
	es := mustNew(t, srv.EventsURL(), ssecors.WithMaxEventSize(1024))
	rec := record(es)
	err := runSource(t, es)
	if !errors.Is(err, ssecors.ErrEventTooLarge) {
		t.Fatalf("Run: got %v, want ErrEventTooLarge", err)
	}
	if rec.Log() != "open open\nmessage \"small\" id=\"\"\nerror closed" {
		t.Errorf("log: %q", rec.Log())
	}
	if n := srv.Connections(ssetest.EventsPath); n != 1 {
		t.Errorf("connections: %d, want 1", n)
	}
}

func TestEventSource_Run_retryPolicy(t *testing.T) {
	t.Parallel()
	r503 := ssetest.Response{Status: 503}
	t.Run("exponential without jitter, limited", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, ssetest.Endpoint{Status: 503})
		es := mustNew(t, srv.EventsURL(), ssecors.WithRetry(ssecors.RetryPolicy{
			InitialDelay: time.Second, Multiplier: 2, MaxAttempts: 5, RetryServerErrors: true}))
		rec := record(es)
		err := runSource(t, es)
		var re *ssecors.ResponseError
		if !errors.Is(err, ssecors.ErrRetriesExhausted) || !errors.As(err, &re) || re.StatusCode != 503 {
			t.Fatalf("Run: got %v", err)
		}
		if got := fmt.Sprint(rec.Delays()); got != "[1s 2s 4s 8s]" {
			t.Errorf("delays: got %s", got)
		}
		if n := srv.Connections(ssetest.EventsPath); n != 5 {
			t.Errorf("attempts: got %d, want 5", n)
		}
	})
	t.Run("capped by MaxDelay, never below the reconnection time", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{r503, r503, r503, stop204}})
		es := mustNew(t, srv.EventsURL(), ssecors.WithRetry(ssecors.RetryPolicy{
			Multiplier: 10, MaxDelay: 5 * time.Second, RetryServerErrors: true}))
		rec := record(es)
		runSource(t, es)
		if got := fmt.Sprint(rec.Delays()); got != "[3s 5s 5s]" {
			t.Errorf("delays: got %s", got)
		}
		srv = newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{r503, r503, stop204}})
		es = mustNew(t, srv.EventsURL(), ssecors.WithRetry(ssecors.RetryPolicy{
			InitialDelay: 10 * time.Second, Multiplier: 10, MaxDelay: 5 * time.Second, RetryServerErrors: true}))
		rec = record(es)
		runSource(t, es)
		if got := fmt.Sprint(rec.Delays()); got != "[10s 10s]" {
			t.Errorf("delays with R above MaxDelay: got %s", got)
		}
	})
	t.Run("a BackOff never shortens the reconnection time", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{r503, r503, r503, stop204}})
		es := mustNew(t, srv.EventsURL(), ssecors.WithRetry(ssecors.RetryPolicy{RetryServerErrors: true,
			BackOff: func() backoff.BackOff {
				b := backoff.NewExponentialBackOff()
				b.InitialInterval, b.Multiplier, b.RandomizationFactor, b.MaxElapsedTime = time.Second, 2, 0, 0
				return b
			}}))
		rec := record(es)
		runSource(t, es)
		if got := fmt.Sprint(rec.Delays()); got != "[3s 3s 4s]" {
			t.Errorf("delays: got %s", got)
		}
	})
	t.Run("a BackOff that stops ends the source", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, ssetest.Endpoint{Status: 503})
		es := mustNew(t, srv.EventsURL(), ssecors.WithRetry(ssecors.RetryPolicy{RetryServerErrors: true,
			BackOff: func() backoff.BackOff { return backoff.WithMaxRetries(&backoff.ZeroBackOff{}, 2) }}))
		record(es)
		err := runSource(t, es)
		if !errors.Is(err, ssecors.ErrRetriesExhausted) {
			t.Fatalf("Run: got %v", err)
		}
		if n := srv.Connections(ssetest.EventsPath); n != 3 {
			t.Errorf("attempts: got %d, want 3", n)
		}
	})
	t.Run("reset after a healthy connection", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{
			r503, r503,
			{Events: ssetest.Messages("a", "b"), Interval: 150 * time.Millisecond, EndAfterScript: true},
			r503, stop204,
		}})
		es := mustNew(t, srv.EventsURL(), ssecors.WithRetry(ssecors.RetryPolicy{
			InitialDelay: time.Second, Multiplier: 2, ResetAfter: 100 * time.Millisecond, RetryServerErrors: true}))
		rec := record(es)
		runSource(t, es)
		if got := fmt.Sprint(rec.Delays()); got != "[1s 2s 1s 2s]" {
			t.Errorf("delays: got %s", got)
		}
	})
	t.Run("jitter only lengthens, within bounds", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, ssetest.Endpoint{Status: 503})
		es := mustNew(t, srv.EventsURL(), ssecors.WithRetry(ssecors.RetryPolicy{
			InitialDelay: time.Second, Multiplier: 2, Jitter: 0.5, MaxAttempts: 6, RetryServerErrors: true}))
		rec := record(es)
		runSource(t, es)
		delays := rec.Delays()
		if len(delays) != 5 {
			t.Fatalf("delays: got %v, want 5", delays)
		}
		exact := 0
		for i, d := range delays {
			base := time.Second << i
			if d < base || d > base*3/2 {
				t.Errorf("delay %d: %v outside [%v, %v]", i, d, base, base*3/2)
			}
			if d == base {
				exact++
			}
		}
		if exact == len(delays) {
			t.Errorf("delays %v: no jitter applied", delays)
		}
	})
	t.Run("Retry-After", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{
			{Status: 429, Header: http.Header{"Retry-After": {"7"}}}, stop204,
		}})
		es := mustNew(t, srv.EventsURL(), ssecors.WithRetry(ssecors.RetryPolicy{RetryServerErrors: true}))
		rec := record(es)
		runSource(t, es)
		if got := fmt.Sprint(rec.Delays()); got != "[7s]" {
			t.Errorf("delays: got %s", got)
		}
	})
	t.Run("elapsed limit", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, ssetest.Endpoint{Status: 503})
		es := mustNew(t, srv.EventsURL(), ssecors.WithRetry(ssecors.RetryPolicy{RetryServerErrors: true, MaxElapsed: time.Nanosecond}))
		record(es)
		err := runSource(t, es)
		if !errors.Is(err, ssecors.ErrRetriesExhausted) {
			t.Fatalf("Run: got %v", err)
		}
		// One prefix, and the last failure's words after the count.
		msg := err.Error()
		if strings.Count(msg, "ssecors:") != 1 || !regexp.MustCompile(`^ssecors: gave up after \d+ attempts? \(time limit\): GET http://\S+: status 503 Service Unavailable, want 200$`).MatchString(msg) {
			t.Errorf("message: %q", msg)
		}
	})
}

func TestEventSource_Run_networkErrorReconnects(t *testing.T) {
	t.Parallel()
	es := mustNew(t, "http://127.0.0.1:1/events") // nothing listens on port 1
	rec := record(es)
	n := 0
	es.OnError(func(err error) {
		var ne *ssecors.NetworkError
		if !errors.As(err, &ne) || ne.Op != "GET" || es.ReadyState() != ssecors.Connecting {
			t.Errorf("error: %v in state %v", err, es.ReadyState())
		}
		if n++; n == 3 {
			es.Close()
		}
	})
	if err := runSource(t, es); err != nil {
		t.Errorf("Run: %v", err)
	}
	if got := fmt.Sprint(rec.Delays()); got != "[3s 3s]" {
		t.Errorf("delays: %s", got)
	}
}

func TestEventSource_Run_authorizationDroppedAcrossOrigins(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{})
	back := srv.HostURL("https", ssetest.AppHost, "/final")
	srv.HandleHost(ssetest.AppHost, "/start", ssetest.Endpoint{
		Redirect: &ssetest.Redirect{Location: srv.HostURL("https", ssetest.APIHost, "/away")}})
	srv.HandleHost(ssetest.APIHost, "/away", ssetest.Endpoint{Redirect: &ssetest.Redirect{Location: back}})
	srv.HandleHost(ssetest.AppHost, "/final", ssetest.Endpoint{Responses: []ssetest.Response{stop204}})
	es := mustNew(t, srv.HostURL("https", ssetest.AppHost, "/start"),
		ssecors.WithHTTPClient(srv.Client()), ssecors.WithHeader("Authorization", "Bearer abcd1234"))
	record(es)
	runSource(t, es)
	var got []string
	for _, r := range srv.Requests() {
		got = append(got, r.Path+"="+r.Header.Get("Authorization"))
	}
	if s := strings.Join(got, " "); s != "/start=Bearer abcd1234 /away= /final=" {
		t.Errorf("Authorization per hop: %s", s)
	}
}
