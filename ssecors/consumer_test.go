package ssecors_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
	"github.com/ssecors/ssecors-go/ssecors/ssetrace"
)

// The behaviours stream consumers ask for (issue 11): failures seen in pull
// style, the response at open, comments, Restart, the event timeout, and
// the Decoder iterator.

// TestEvents_refusedConnection: a server that refuses connections is seen
// in Events, attempt after attempt, and the context's end keeps the last
// failure.
func TestEvents_refusedConnection(t *testing.T) {
	t.Parallel()
	es := mustNew(t, "http://127.0.0.1:1/events", ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: time.Millisecond}))
	// The context ends after the third failure seen (a count, not a time,
	// so that a loaded machine cannot fail the test), or after 10 s.
	errEnough := errors.New("seen enough")
	parent, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	retrying, final := 0, error(nil)
	for _, err := range es.Events(ctx) {
		if errors.Is(err, ssecors.ErrReconnecting) {
			var ne *ssecors.NetworkError
			if !errors.As(err, &ne) || ne.Op != "GET" || !strings.Contains(err.Error(), "refused") {
				t.Errorf("retrying error: got %v, want a refused GET", err)
			}
			if es.ReadyState() != ssecors.Connecting {
				t.Errorf("state while retrying: %v", es.ReadyState())
			}
			if retrying++; retrying == 3 {
				cancel(errEnough)
			}
			continue
		}
		final = err
	}
	if retrying < 3 {
		t.Errorf("retrying errors yielded: %d, want 3 before the context ended", retrying)
	}
	var ne *ssecors.NetworkError
	if !errors.Is(final, errEnough) || !errors.As(final, &ne) || !strings.Contains(final.Error(), "refused") {
		t.Errorf("final error: got %v, want the context's cause joined with the refused connection", final)
	}
	if errors.Is(final, ssecors.ErrReconnecting) {
		t.Errorf("final error %v is marked as reconnecting", final)
	}
}

// TestRun_contextEndsWhileOpen: a context that ends while a stream is open
// returns the cause alone, not an older failure.
func TestRun_contextEndsWhileOpen(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{{Status: 503}, streamOf(ssetest.Event{Data: "a"})}})
	es := mustNew(t, srv.EventsURL(), ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: time.Millisecond, RetryServerErrors: true}))
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("done")
	es.OnMessage(func(ssecors.Event) { cancel(cause) })
	if err := es.Run(ctx); err != cause {
		t.Errorf("Run: got %v, want the cause alone", err)
	}
}

// TestOnOpen_response: OnOpen gets the status, headers and protocol, with
// credentials redacted and no body.
func TestOnOpen_response(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{
		Responses:  []ssetest.Response{streamOf(ssetest.Event{Data: "a"}), stop204},
		Header:     http.Header{"X-Served-By": {"node-7"}},
		SetCookies: []string{"sid=s3cret; Path=/"},
	})
	srv.Handle("/hop", ssetest.Endpoint{Redirect: &ssetest.Redirect{Status: 302, Location: ssetest.EventsPath + "?token=t0ken"}})
	for _, tc := range []struct {
		scheme, proto string
	}{{"http", "HTTP/1.1"}, {"https", "HTTP/2.0"}} {
		var got []*http.Response
		es := mustNew(t, srv.HostURL(tc.scheme, ssetest.APIHost, "/hop"), ssecors.WithHTTPClient(srv.Client()),
			ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: time.Millisecond}))
		es.OnOpen(func(resp *http.Response) { got = append(got, resp) })
		runSource(t, es)
		srv.Handle(ssetest.EventsPath, ssetest.Endpoint{Responses: []ssetest.Response{streamOf(ssetest.Event{Data: "a"}), stop204},
			Header: http.Header{"X-Served-By": {"node-7"}}, SetCookies: []string{"sid=s3cret; Path=/"}})
		if len(got) != 1 {
			t.Fatalf("%s: OnOpen calls: %d, want 1", tc.scheme, len(got))
		}
		r := got[0]
		switch {
		case r.StatusCode != 200 || r.Proto != tc.proto:
			t.Errorf("%s: status %d, proto %q, want 200 and %s", tc.scheme, r.StatusCode, r.Proto, tc.proto)
		case r.Header.Get("Content-Type") != "text/event-stream" || r.Header.Get("X-Served-By") != "node-7":
			t.Errorf("%s: headers %v", tc.scheme, r.Header)
		case r.Header.Get("Set-Cookie") != "REDACTED":
			t.Errorf("%s: Set-Cookie %q, want it redacted", tc.scheme, r.Header.Get("Set-Cookie"))
		case r.Body != http.NoBody:
			t.Errorf("%s: the body is readable", tc.scheme)
		case r.Request == nil || !strings.HasSuffix(r.Request.URL.String(), "/events?token=REDACTED"):
			t.Errorf("%s: request %+v, want the final URL, redacted", tc.scheme, r.Request)
		}
	}
}

// TestOnComment_inOrder: comments reach OnComment in stream order with the
// events, one leading space removed; without a handler they are ignored.
func TestOnComment_inOrder(t *testing.T) {
	t.Parallel()
	stream := ssetest.Response{Events: []ssetest.Event{
		{Comment: "hello"}, {Data: "a"}, {Raw: ":ping\n:  two spaces\ndata: b\n\n"}, {Comment: "bye", Data: "c"},
	}, EndAfterScript: true}
	srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{stream, stop204}})
	es := mustNew(t, srv.EventsURL(), ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: time.Millisecond}))
	var log []string
	es.OnComment(func(c string) { log = append(log, "comment "+c) })
	es.OnMessage(func(ev ssecors.Event) { log = append(log, "message "+ev.Data) })
	runSource(t, es)
	want := "comment hello, message a, comment ping, comment  two spaces, message b, comment bye, message c"
	if got := strings.Join(log, ", "); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestRestart_resumes: Restart drops an open stream and reconnects at
// once with Last-Event-ID, without OnError and without the reconnection
// time; during a wait it ends the wait.
func TestRestart_resumes(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Events: ssetest.Numbered(4, "e"), Resume: true, EndAfterScript: true})
	es := mustNew(t, srv.EventsURL(), ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: time.Hour}))
	var got []string
	errs := 0
	es.OnError(func(error) { errs++ })
	es.OnMessage(func(ev ssecors.Event) {
		got = append(got, ev.LastEventID)
		switch ev.LastEventID {
		case "2":
			es.Restart() // drop the open stream
		case "4":
			// The stream ends next and the source waits an hour: Restart
			// from elsewhere ends the wait.
			go func() {
				time.Sleep(50 * time.Millisecond)
				es.Restart()
				time.Sleep(300 * time.Millisecond)
				es.Close()
			}()
		}
	})
	var reconnects []ssetrace.Reconnect
	tr := &ssetrace.Trace{Reconnect: func(r ssetrace.Reconnect) { reconnects = append(reconnects, r) }}
	start := time.Now()
	if err := runSourceTraced(t, es, tr); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("Run took %v: a wait was not cut short", time.Since(start))
	}
	reqs := srv.RequestsTo(ssetest.EventsPath)
	if len(reqs) < 3 || reqs[1].LastEventID != "2" || reqs[2].LastEventID != "4" {
		t.Fatalf("requests: %d, Last-Event-IDs %q", len(reqs), lastIDs(reqs))
	}
	if s := strings.Join(got, ","); !strings.HasPrefix(s, "1,2,3,4") {
		t.Errorf("events: %s, want 1,2 then 3,4 after the restart", s)
	}
	if errs != 2 { // the ends of the second and third streams only
		t.Errorf("OnError calls: %d, want 2 (Restart is not an error)", errs)
	}
	if len(reconnects) < 2 || reconnects[0].Delay != 0 || !strings.Contains(reconnects[0].Err.Error(), "restarted") {
		t.Errorf("trace: %+v, want a zero-delay restart first", reconnects)
	}
}

func lastIDs(reqs []ssetest.Request) []string {
	var ids []string
	for _, r := range reqs {
		ids = append(ids, r.LastEventID)
	}
	return ids
}

// TestWithEventTimeout_commentsDoNotCount: a relay that keeps sending
// comments while no event comes is dropped by the event timeout, and not
// by the byte-level idle timeout.
func TestWithEventTimeout_commentsDoNotCount(t *testing.T) {
	t.Parallel()
	keepAlive := ssetest.Response{Events: []ssetest.Event{{Comment: "ping"}}, Repeat: true, Interval: 20 * time.Millisecond}
	srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{keepAlive, stop204}})
	es := mustNew(t, srv.EventsURL(), ssecors.WithEventTimeout(200*time.Millisecond),
		ssecors.WithIdleTimeout(100*time.Millisecond), ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: time.Millisecond}))
	comments := 0
	es.OnComment(func(string) { comments++ })
	var first error
	es.OnError(func(err error) {
		if first == nil {
			first = err
		}
	})
	runSource(t, es)
	var ne *ssecors.NetworkError
	if !errors.As(first, &ne) || !ne.Timeout() || !strings.Contains(first.Error(), "no event received within the event timeout") {
		t.Fatalf("first error: got %v, want the event timeout", first)
	}
	if comments < 5 {
		t.Errorf("comments seen: %d, want the keep-alives to have arrived", comments)
	}
}

func TestDecoder_All(t *testing.T) {
	t.Parallel()
	var got []string
	for ev, err := range ssecors.NewDecoder(strings.NewReader("data: a\n\nevent: x\ndata: b\n\ndata: unterminated")).All() {
		if err != nil {
			t.Fatalf("All: %v", err)
		}
		got = append(got, ev.Type+" "+ev.Data)
	}
	if s := strings.Join(got, ","); s != "message a,x b" {
		t.Errorf("events: %q", s)
	}
	d := ssecors.NewDecoder(io.MultiReader(strings.NewReader("data: a\n\n"), errReader{}))
	var errs []error
	n := 0
	for _, err := range d.All() {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	if n != 1 || len(errs) != 1 || errs[0].Error() != "boom" {
		t.Errorf("events %d, errors %v: want 1 and the reader's error once", n, errs)
	}
	d = ssecors.NewDecoder(strings.NewReader("data: 1\n\ndata: 2\n\ndata: 3\n\n"))
	for ev := range d.All() {
		if ev.Data == "1" {
			break
		}
	}
	if ev, err := d.Decode(); err != nil || ev.Data != "2" {
		t.Errorf("after a break: got %q, %v, want the next event", ev.Data, err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, fmt.Errorf("boom") }

// TestRestart_fromOnOpen: a Restart from the open handler drops the
// connection that just opened.
func TestRestart_fromOnOpen(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{
		streamOf(ssetest.Event{ID: "1", Data: "dropped"}), streamOf(ssetest.Event{Data: "kept"}),
	}})
	es := mustNew(t, srv.EventsURL(), ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: time.Hour}))
	opens := 0
	es.OnOpen(func(*http.Response) {
		if opens++; opens == 1 {
			es.Restart()
		}
	})
	var got []string
	es.OnMessage(func(ev ssecors.Event) { got = append(got, ev.Data); es.Close() })
	runSource(t, es)
	if s := strings.Join(got, ","); s != "kept" || opens != 2 {
		t.Errorf("events %q after %d opens, want only the second stream's", s, opens)
	}
}

// TestRetryPolicy_deliveringStreamsAreHealthy: a stream that delivers
// events and is then cut (a proxy's idle limit) is not a failure that
// MaxAttempts counts.
func TestRetryPolicy_deliveringStreamsAreHealthy(t *testing.T) {
	t.Parallel()
	short := ssetest.Response{Events: ssetest.Messages("x"), EndAfterScript: true}
	srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{short, short, short, short, stop204}})
	es := mustNew(t, srv.EventsURL(), ssecors.WithRetry(ssecors.RetryPolicy{
		InitialDelay: time.Second, Multiplier: 2, MaxAttempts: 2}))
	rec := record(es)
	err := runSource(t, es)
	if !errors.Is(err, ssecors.ErrNoContent) {
		t.Fatalf("Run: got %v, want the 204 after four delivering streams", err)
	}
	if got := fmt.Sprint(rec.Delays()); got != "[1s 1s 1s 1s]" {
		t.Errorf("delays: got %s, want no growth", got)
	}
}

// TestRun_connectPanics: a panic while connecting (in a header function, a
// trace hook), which ssecors runs on a goroutine of its own, ends Run by
// that panic on the caller's goroutine, with the same value, as a handler's
// does; and a runtime.Goexit there ends the caller's goroutine (so that
// t.FailNow in a header function works). No goroutine is left (TestMain
// checks).
func TestRun_connectPanics(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: x\n\n")
	}))
	defer srv.Close()
	bug := errors.New("header function bug")
	for _, tc := range []struct {
		name  string
		opts  []ssecors.Option
		trace *ssetrace.Trace
		want  any
	}{
		{name: "header func", want: bug, opts: []ssecors.Option{ssecors.WithHeaderFunc(func(context.Context) (http.Header, error) {
			panic(bug)
		})}},
		{name: "trace hook", want: "hook bug", trace: &ssetrace.Trace{Response: func(ssetrace.Response) { panic("hook bug") }}},
		{name: "goexit", opts: []ssecors.Option{ssecors.WithHeaderFunc(func(context.Context) (http.Header, error) {
			runtime.Goexit()
			return nil, nil
		})}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			es := mustNew(t, srv.URL, append(tc.opts, ssecors.WithIdleTimeout(time.Minute))...)
			ctx := context.Background()
			if tc.trace != nil {
				ctx = ssetrace.WithTrace(ctx, tc.trace)
			}
			var recovered any
			returned := false
			ended := make(chan struct{})
			go func() { // the goroutine that runs the source: it ends by the panic or the Goexit
				defer close(ended)
				defer func() { recovered = recover() }()
				es.Run(ctx)
				returned = true
			}()
			select {
			case <-ended:
			case <-time.After(10 * time.Second):
				t.Fatal("Run still running 10 s later")
			}
			if returned {
				t.Error("Run returned")
			}
			if recovered != tc.want {
				t.Errorf("recovered %v, want %v", recovered, tc.want)
			}
			if es.ReadyState() != ssecors.Closed {
				t.Errorf("state %v, want closed", es.ReadyState())
			}
		})
	}
}

// TestRun_handlerPanics: a panicking handler ends Run by that panic, and a
// caller that recovers finds the source closed, its connection closed and
// no goroutine or timer left (TestMain checks the goroutines).
func TestRun_handlerPanics(t *testing.T) {
	t.Parallel()
	gone := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: boom\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done() // held open until the client leaves
		close(gone)
	}))
	defer srv.Close()
	es := mustNew(t, srv.URL, ssecors.WithIdleTimeout(time.Minute), ssecors.WithEventTimeout(time.Minute))
	es.OnMessage(func(ssecors.Event) { panic("handler bug") })
	func() {
		defer func() {
			if r := recover(); r != "handler bug" {
				t.Errorf("recovered %v, want the handler's panic", r)
			}
		}()
		es.Run(context.Background())
		t.Error("Run returned")
	}()
	if es.ReadyState() != ssecors.Closed {
		t.Errorf("state %v, want closed", es.ReadyState())
	}
	select {
	case <-gone:
	case <-time.After(5 * time.Second):
		t.Error("the connection is still open 5 s after the panic")
	}
}
