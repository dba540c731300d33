package ssecors_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
	"github.com/ssecors/ssecors-go/ssecors/ssetrace"
)

// ccTolerateKnownRaces skips the test of a data race found and reported:
// the values of WithQueryFunc are recorded as secrets by the engine's
// goroutine (redactor.addValue) while String, LogValue and every error
// message read them from other goroutines (redactor.text). The recorded
// values also grow without bound when the function returns a new token on
// every attempt. Set it to false to run TestConcurrency_queryFuncRace.
const ccTolerateKnownRaces = false

// ccDeadline bounds every wait of these tests; nothing asserts how fast
// anything is, only that it ends.
const ccDeadline = 10 * time.Second

// ccWait waits for ch or fails the test at the deadline.
func ccWait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(ccDeadline):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// ccSignal is a channel closed once, however many times it is fired.
type ccSignal struct {
	once sync.Once
	ch   chan struct{}
}

func ccNewSignal() *ccSignal { return &ccSignal{ch: make(chan struct{})} }

func (s *ccSignal) fire() { s.once.Do(func() { close(s.ch) }) }

// TestConcurrency_everythingAtOnce streams a flood of events while many
// goroutines add and remove handlers, read every attribute, try to start
// the source again, and finally all call Close at once. Run must return
// nil, every other Run and Events must get ErrStarted, and the race
// detector must stay quiet.
func TestConcurrency_everythingAtOnce(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{
		Events: []ssetest.Event{{ID: "1", Type: "tick", Data: "a"}, {Data: "b"}},
		Repeat: true,
	})
	es := mustNew(t, srv.EventsURL(), ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: time.Millisecond}),
		ssecors.WithQuery("token", "s3cret-value"), ssecors.WithHeader("X-Tenant", "t"))
	var delivered atomic.Int64
	es.OnMessage(func(ssecors.Event) { delivered.Add(1) })

	runErr := make(chan error, 1)
	go func() { runErr <- es.Run(context.Background()) }()
	for delivered.Load() < 10 {
		select {
		case err := <-runErr:
			t.Fatalf("Run returned early: %v", err)
		case <-time.After(time.Millisecond):
		}
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	work := []func(i int){
		func(i int) { // listeners added and removed, from many goroutines
			remove := es.AddEventListener("tick", func(ssecors.Event) {})
			other := es.AddEventListener("message", func(ssecors.Event) {})
			remove()
			other()
			remove()
		},
		func(i int) { // the single handlers replaced and removed
			es.OnOpen(func(*http.Response) {})
			es.OnError(func(error) {})
			es.OnMessage(func(ssecors.Event) { delivered.Add(1) })
			if i%2 == 0 {
				es.OnOpen(nil)
				es.OnError(nil)
			}
		},
		func(int) { // every attribute
			_ = es.ReadyState()
			_ = es.LastEventID()
			_ = es.ReconnectionTime()
			_ = es.URL()
			_ = es.Credentials()
			_ = es.BrowserIncompatibilities()
			if s := es.String(); strings.Contains(s, "s3cret-value") {
				t.Errorf("String leaks: %s", s)
			}
			_ = es.LogValue().Resolve()
		},
		func(int) { // starting it again
			if err := es.Run(context.Background()); !errors.Is(err, ssecors.ErrStarted) {
				t.Errorf("second Run: got %v, want ErrStarted", err)
			}
			for _, err := range es.Events(context.Background()) {
				if !errors.Is(err, ssecors.ErrStarted) {
					t.Errorf("Events on a started source: got %v, want ErrStarted", err)
				}
			}
		},
	}
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				work[g%len(work)](i)
			}
		}(g)
	}
	// Let them run against the live stream for a while, then close from
	// many goroutines at once.
	before := delivered.Load()
	for delivered.Load() < before+200 {
		select {
		case err := <-runErr:
			t.Fatalf("Run returned early: %v", err)
		case <-time.After(time.Millisecond):
		}
	}
	start := make(chan struct{})
	var closers sync.WaitGroup
	for g := 0; g < 8; g++ {
		closers.Add(1)
		go func() {
			defer closers.Done()
			<-start
			es.Close()
		}()
	}
	close(start)
	closers.Wait()
	if es.ReadyState() != ssecors.Closed {
		t.Errorf("state after Close: got %v, want closed", es.ReadyState())
	}
	select {
	case err := <-runErr:
		if err != nil {
			t.Errorf("Run: got %v, want nil after Close", err)
		}
	case <-time.After(ccDeadline):
		t.Fatal("Run did not return after Close")
	}
	close(stop)
	wg.Wait()
}

// TestConcurrency_startRace starts one source from many goroutines at
// once, through Run and Events: exactly one runs it.
func TestConcurrency_startRace(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{stop204}})
	es := mustNew(t, srv.EventsURL())
	start := make(chan struct{})
	results := make(chan error, 16)
	for g := 0; g < 16; g++ {
		go func(g int) {
			<-start
			if g%2 == 0 {
				results <- es.Run(context.Background())
				return
			}
			var last error
			for _, err := range es.Events(context.Background()) {
				last = err
			}
			results <- last
		}(g)
	}
	close(start)
	started, ran := 0, 0
	for g := 0; g < 16; g++ {
		select {
		case err := <-results:
			var re *ssecors.ResponseError
			switch {
			case errors.Is(err, ssecors.ErrStarted):
				started++
			case errors.As(err, &re) && re.StatusCode == http.StatusNoContent:
				ran++
			default:
				t.Errorf("got %v, want ErrStarted or the 204", err)
			}
		case <-time.After(ccDeadline):
			t.Fatal("a Run did not return")
		}
	}
	if ran != 1 || started != 15 {
		t.Errorf("got %d runs and %d ErrStarted, want 1 and 15", ran, started)
	}
	if n := srv.Connections(ssetest.EventsPath); n != 1 {
		t.Errorf("connections: got %d, want 1", n)
	}
}

// ccHooks are the places where TestConcurrency_closeFromInside calls
// Close besides the handlers: the trace, the query function and the error
// handler, each run by the source itself.
type ccHooks struct {
	closeNow       func()
	trace          *ssetrace.Trace
	query, onError func()
}

// TestConcurrency_closeFromInside calls Close from inside every kind of
// callback the source runs. Run returns nil, no error handler runs for
// the Close, nothing is dispatched after it, and the source does not
// reconnect.
func TestConcurrency_closeFromInside(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		resp        ssetest.Response
		arm         func(es *ssecors.EventSource, h *ccHooks)
		wantEvents  string // events dispatched before the Close took effect
		wantErrors  int    // OnError calls (all before the Close)
		connections int
	}{
		{name: "OnOpen", resp: streamOf(ssetest.Event{Data: "a"}),
			arm:        func(es *ssecors.EventSource, h *ccHooks) { es.OnOpen(func(*http.Response) { h.closeNow() }) },
			wantEvents: "", connections: 1},
		{name: "a listener of a custom type", resp: streamOf(ssetest.Event{Type: "x", Data: "a"}, ssetest.Event{Type: "x", Data: "b"}),
			arm: func(es *ssecors.EventSource, h *ccHooks) {
				es.AddEventListener("x", func(ssecors.Event) { h.closeNow() })
			},
			wantEvents: "a", connections: 1},
		{name: "OnError while reconnecting", resp: streamOf(ssetest.Event{Data: "a"}),
			arm: func(_ *ssecors.EventSource, h *ccHooks) {
				h.onError = h.closeNow
			},
			wantEvents: "a", wantErrors: 1, connections: 1},
		{name: "Trace.Request", resp: streamOf(ssetest.Event{Data: "a"}),
			arm: func(_ *ssecors.EventSource, h *ccHooks) {
				h.trace.Request = func(ssetrace.Request) { h.closeNow() }
			},
			wantEvents: "", connections: -1}, // the request may or may not leave
		{name: "Trace.Response", resp: streamOf(ssetest.Event{Data: "a"}),
			arm: func(_ *ssecors.EventSource, h *ccHooks) {
				h.trace.Response = func(ssetrace.Response) { h.closeNow() }
			},
			wantEvents: "", connections: 1},
		{name: "Trace.Reconnect", resp: streamOf(ssetest.Event{Data: "a"}),
			arm: func(_ *ssecors.EventSource, h *ccHooks) {
				h.trace.Reconnect = func(ssetrace.Reconnect) { h.closeNow() }
			},
			wantEvents: "a", wantErrors: 1, connections: 1},
		{name: "WithQueryFunc", resp: streamOf(ssetest.Event{Data: "a"}),
			arm: func(_ *ssecors.EventSource, h *ccHooks) {
				h.query = h.closeNow
			},
			wantEvents: "", connections: -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{tc.resp, tc.resp, tc.resp}})
			h := &ccHooks{trace: &ssetrace.Trace{}}
			var closed atomic.Bool
			es := mustNew(t, srv.EventsURL(),
				ssecors.WithQueryFunc(func(context.Context) (url.Values, error) {
					if h.query != nil {
						h.query()
					}
					return nil, nil
				}))
			h.closeNow = func() {
				es.Close()
				closed.Store(true)
			}
			var events []string
			errorsSeen := 0
			es.OnMessage(func(ev ssecors.Event) { events = append(events, ev.Data) })
			es.AddEventListener("x", func(ev ssecors.Event) { events = append(events, ev.Data) })
			es.OnError(func(error) {
				if closed.Load() {
					t.Error("OnError ran after Close")
				}
				errorsSeen++
				if h.onError != nil {
					h.onError()
				}
			})
			tc.arm(es, h)
			for _, typ := range []string{"message", "x"} {
				es.AddEventListener(typ, func(ssecors.Event) {
					if closed.Load() {
						t.Error("a listener ran after Close")
					}
				})
			}
			hostileSkipWaits(es)
			if err := runSourceTraced(t, es, h.trace); err != nil {
				t.Fatalf("Run: got %v, want nil after Close", err)
			}
			if got := strings.Join(events, ","); got != tc.wantEvents {
				t.Errorf("events: got %q, want %q", got, tc.wantEvents)
			}
			if errorsSeen != tc.wantErrors {
				t.Errorf("OnError calls: got %d, want %d", errorsSeen, tc.wantErrors)
			}
			if n := srv.Connections(ssetest.EventsPath); tc.connections >= 0 && n != tc.connections || n > 1 {
				t.Errorf("connections: got %d, want %d (no reconnect after Close)", n, tc.connections)
			}
			if es.ReadyState() != ssecors.Closed {
				t.Errorf("state: got %v, want closed", es.ReadyState())
			}
		})
	}
	t.Run("the body of an Events loop", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, ssetest.Endpoint{Events: ssetest.Messages("a", "b", "c")})
		es := mustNew(t, srv.EventsURL())
		var got []string
		for ev, err := range es.Events(context.Background()) {
			if err != nil {
				t.Fatalf("Events yielded %v after Close", err)
			}
			got = append(got, ev.Data)
			if ev.Data == "b" {
				es.Close() // and keep looping: nothing more comes
			}
		}
		if strings.Join(got, ",") != "a,b" {
			t.Errorf("events: got %v, want a,b", got)
		}
	})
	t.Run("OnError of a failure", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{{Status: http.StatusNotFound}}})
		es := mustNew(t, srv.EventsURL())
		var seen error
		es.OnError(func(err error) {
			seen = err
			es.Close() // the source has already failed
		})
		err := runSource(t, es)
		var re *ssecors.ResponseError
		if !errors.As(seen, &re) || es.ReadyState() != ssecors.Closed {
			t.Fatalf("OnError got %v, state %v", seen, es.ReadyState())
		}
		// Run returns nil after Close, and the error after a failure;
		// here the failure came first. Either answer leaves the source
		// closed; record which one ssecors gives.
		if err != nil && err != seen {
			t.Errorf("Run: got %v, want nil or the failure %v", err, seen)
		}
		t.Logf("Close inside the OnError of a failure: Run returned %v", err)
	})
}

// ccStage is one stage of a connection attempt at which the context is
// cancelled: arm returns the URL and options that reach the stage, and a
// channel closed once the source is in it.
type ccStage struct {
	name string
	arm  func(t *testing.T, srv *ssetest.Server) (u string, opts []ssecors.Option, in <-chan struct{}, release func())
	// errorsBefore is how many OnError calls the stage sees before the
	// cancellation (reconnecting errors).
	errorsBefore int
	// onEvent: the source is in the stage once an event was dispatched
	// (arm returns no channel).
	onEvent bool
	// trace, when set, goes on Run's context (arm fills its hooks).
	trace *ssetrace.Trace
}

// ccWaitRequest returns a channel closed when the server has logged a
// request satisfying ok.
func ccWaitRequest(srv *ssetest.Server, ok func(ssetest.Request) bool) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		ctx, cancel := context.WithTimeout(context.Background(), ccDeadline)
		defer cancel()
		srv.WaitFor(ctx, func(rs []ssetest.Request) bool {
			for _, r := range rs {
				if ok(r) {
					return true
				}
			}
			return false
		})
	}()
	return ch
}

func ccStages() []ccStage {
	path := func(p string) func(ssetest.Request) bool {
		return func(r ssetest.Request) bool { return r.Path == p }
	}
	reconnecting := &ssetrace.Trace{}
	return []ccStage{
		{name: "before Run", arm: func(t *testing.T, srv *ssetest.Server) (string, []ssecors.Option, <-chan struct{}, func()) {
			ch := make(chan struct{})
			close(ch)
			return srv.EventsURL(), nil, ch, nil
		}},
		{name: "in WithQueryFunc", arm: func(t *testing.T, srv *ssetest.Server) (string, []ssecors.Option, <-chan struct{}, func()) {
			in := ccNewSignal()
			return srv.EventsURL(), []ssecors.Option{ssecors.WithQueryFunc(func(ctx context.Context) (url.Values, error) {
				in.fire()
				<-ctx.Done()
				return nil, ctx.Err()
			})}, in.ch, nil
		}},
		{name: "while dialing", arm: func(t *testing.T, srv *ssetest.Server) (string, []ssecors.Option, <-chan struct{}, func()) {
			// net/http goes on dialing after the request is cancelled
			// (to pool the connection), with a context of its own: the
			// dial ends when release lets it fail.
			in := ccNewSignal()
			failDial := make(chan struct{})
			tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				in.fire()
				select {
				case <-ctx.Done():
					return nil, ctx.Err()
				case <-failDial:
					return nil, errors.New("dial released by the test")
				}
			}}
			t.Cleanup(tr.CloseIdleConnections)
			return srv.EventsURL(), []ssecors.Option{ssecors.WithHTTPClient(&http.Client{Transport: tr})}, in.ch, func() { close(failDial) }
		}},
		{name: "during the TLS handshake", arm: func(t *testing.T, srv *ssetest.Server) (string, []ssecors.Option, <-chan struct{}, func()) {
			hole := ssetest.NewBlackhole()
			t.Cleanup(hole.Close)
			in := make(chan struct{})
			go func() {
				defer close(in)
				ctx, cancel := context.WithTimeout(context.Background(), ccDeadline)
				defer cancel()
				hole.WaitAccepted(ctx, 1)
			}()
			// As for the dial, net/http goes on with the handshake after
			// the cancellation, until its TLSHandshakeTimeout: release
			// closes the connection under it.
			return hole.URL("https", "/events"), nil, in, hole.Close
		}},
		{name: "during the preflight", arm: func(t *testing.T, srv *ssetest.Server) (string, []ssecors.Option, <-chan struct{}, func()) {
			cors := ssetest.AllowAll()
			cors.PreflightDelay = time.Hour
			srv.Handle("/pf-hang", ssetest.Endpoint{CORS: cors})
			return srv.HostURL("https", ssetest.OtherHost, "/pf-hang"), []ssecors.Option{
					ssecors.WithOrigin(srv.Origin("https", ssetest.AppHost)), ssecors.WithHTTPClient(srv.Client()),
					ssecors.WithPreflight(ssecors.PreflightAlways)},
				ccWaitRequest(srv, func(r ssetest.Request) bool { return r.Path == "/pf-hang" && r.Preflight }), nil
		}},
		{name: "waiting for the headers", arm: func(t *testing.T, srv *ssetest.Server) (string, []ssecors.Option, <-chan struct{}, func()) {
			srv.Handle("/hang", ssetest.Endpoint{HeaderDelay: time.Hour})
			return srv.URL + "/hang", nil, ccWaitRequest(srv, path("/hang")), nil
		}},
		{name: "waiting for the headers after a redirect", arm: func(t *testing.T, srv *ssetest.Server) (string, []ssecors.Option, <-chan struct{}, func()) {
			srv.Handle("/hang", ssetest.Endpoint{HeaderDelay: time.Hour})
			srv.Handle("/to-hang", ssetest.Endpoint{Redirect: &ssetest.Redirect{Location: "/hang"}})
			return srv.URL + "/to-hang", nil, ccWaitRequest(srv, path("/hang")), nil
		}},
		{name: "reading the body", onEvent: true, arm: func(t *testing.T, srv *ssetest.Server) (string, []ssecors.Option, <-chan struct{}, func()) {
			srv.Handle("/open", ssetest.Endpoint{Events: ssetest.Messages("a")}) // then stays open
			return srv.URL + "/open", nil, nil, nil
		}},
		{name: "waiting to reconnect", errorsBefore: 1, trace: reconnecting, arm: func(t *testing.T, srv *ssetest.Server) (string, []ssecors.Option, <-chan struct{}, func()) {
			srv.Handle("/ends", ssetest.Endpoint{Events: ssetest.Messages("a"), EndAfterScript: true})
			in := ccNewSignal()
			reconnecting.Reconnect = func(ssetrace.Reconnect) { in.fire() }
			return srv.URL + "/ends", []ssecors.Option{ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: time.Hour})}, in.ch, nil
		}},
	}
}

// TestConcurrency_cancelAtEveryStage cancels the context given to Run, or
// to Events, at every stage of a connection attempt. Each time Run
// returns the context's cause without running the error handler for it,
// the source is closed, and no goroutine is left. Not parallel: it checks
// for leftover goroutines after each stage.
func TestConcurrency_cancelAtEveryStage(t *testing.T) {
	for _, st := range ccStages() {
		for _, pull := range []bool{false, true} {
			name := st.name + "/Run"
			if pull {
				name = st.name + "/Events"
			}
			t.Run(name, func(t *testing.T) {
				srv := newServer(t, ssetest.Endpoint{})
				u, opts, in, release := st.arm(t, srv)
				es := mustNew(t, u, opts...)
				var errs atomic.Int64
				es.OnError(func(error) { errs.Add(1) })
				if st.onEvent {
					sig := ccNewSignal()
					es.OnMessage(func(ssecors.Event) { sig.fire() })
					in = sig.ch
				}
				cause := fmt.Errorf("stop at stage %q", st.name)
				ctx, cancel := context.WithCancelCause(ssetrace.WithTrace(context.Background(), st.trace))
				defer cancel(nil)
				if st.name == "before Run" {
					cancel(cause)
				}
				done := make(chan error, 1)
				go func() {
					if !pull {
						done <- es.Run(ctx)
						return
					}
					var last error
					for _, err := range es.Events(ctx) {
						last = err
					}
					done <- last
				}()
				ccWait(t, in, "the stage")
				before := errs.Load()
				cancel(cause)
				select {
				case err := <-done:
					// While reconnecting, the cause comes joined with the
					// last attempt's failure; otherwise alone.
					var ne *ssecors.NetworkError
					switch {
					case !errors.Is(err, cause):
						t.Errorf("Run: got %v, want the context's cause", err)
					case st.errorsBefore > 0 && !errors.As(err, &ne):
						t.Errorf("Run: got %v, want the cause joined with the last failure", err)
					case st.errorsBefore == 0 && err != cause:
						t.Errorf("Run: got %v, want the context's cause alone", err)
					}
				case <-time.After(ccDeadline):
					t.Fatal("Run did not return after the cancellation")
				}
				if n := errs.Load(); n != before || n != int64(st.errorsBefore) {
					t.Errorf("OnError calls: %d before the cancellation, %d after, want %d and no more", before, n, st.errorsBefore)
				}
				if es.ReadyState() != ssecors.Closed {
					t.Errorf("state: got %v, want closed", es.ReadyState())
				}
				if release != nil {
					release()
				}
				srv.Close()
				hostileNoLeak(t)
			})
		}
	}
}

// TestConcurrency_queryFuncRace reads String and LogValue from other
// goroutines while WithQueryFunc hands out a new token on every attempt.
func TestConcurrency_queryFuncRace(t *testing.T) {
	if ccTolerateKnownRaces {
		t.Skip("known data race, reported: redactor.addValue (engine goroutine) against redactor.text (String); see ccTolerateKnownRaces")
	}
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Events: ssetest.Messages("a"), EndAfterScript: true})
	n := 0
	es := mustNew(t, srv.EventsURL(), ssecors.WithQueryFunc(func(context.Context) (url.Values, error) {
		n++
		return url.Values{"token": {fmt.Sprintf("token-%08d", n)}}, nil
	}))
	hostileSkipWaits(es)
	got := 0
	es.OnMessage(func(ssecors.Event) {
		if got++; got == 50 {
			es.Close()
		}
	})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				_ = es.String()
				_ = es.LogValue().Resolve()
			}
		}()
	}
	err := runSource(t, es)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Errorf("Run: %v", err)
	}
}
