package ssecors_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unsafe"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
	"github.com/ssecors/ssecors-go/ssecors/ssetrace"
)

// These tests pin the v0.2 API promises that the docs make and that once
// disagreed with the code.

func TestErrNoContent(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Status: http.StatusNoContent})
	es := mustNew(t, srv.EventsURL())
	err := runSource(t, es)
	var re *ssecors.ResponseError
	if !errors.Is(err, ssecors.ErrNoContent) || !errors.As(err, &re) || re.StatusCode != 204 {
		t.Fatalf("Run: got %v, want a *ResponseError wrapping ErrNoContent", err)
	}
	srv = newServer(t, ssetest.Endpoint{Status: http.StatusNotFound})
	if err := runSource(t, mustNew(t, srv.EventsURL())); errors.Is(err, ssecors.ErrNoContent) {
		t.Errorf("a 404 is ErrNoContent: %v", err)
	}
}

// TestErrorMessages_short checks that every error a source ends with has
// the prefix once, names the request in net/url.Error style, and leaves
// the fix to its Fix field.
func TestErrorMessages_short(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{})
	srv.Handle("/wildcard", ssetest.Endpoint{CORS: &ssetest.CORS{AllowOrigin: []string{"*"}}})
	srv.Handle("/html", ssetest.Endpoint{ContentType: "text/html"})
	srv.Handle("/s503", ssetest.Endpoint{Status: 503})
	page := ssecors.WithOrigin(srv.Origin("https", ssetest.AppHost))
	cases := []struct {
		name, url string
		opts      []ssecors.Option
		want      string // the message, after the host
	}{
		{"CORS", srv.HostURL("https", ssetest.OtherHost, "/wildcard"),
			[]ssecors.Option{page, ssecors.WithCredentials()},
			`/wildcard: CORS: Access-Control-Allow-Origin is "*" and the request's credentials mode is "include" (WithCredentials)`},
		{"preflight", srv.HostURL("https", ssetest.OtherHost, "/wildcard"),
			[]ssecors.Option{page, ssecors.WithCredentials(), ssecors.WithPreflight(ssecors.PreflightAlways)},
			`/wildcard: CORS preflight: Access-Control-Allow-Origin is "*" and the request's credentials mode is "include" (WithCredentials)`},
		{"mixed content", srv.HostURL("http", ssetest.OtherHost, "/events"), []ssecors.Option{page},
			"/events: blocked: the page origin " + srv.Origin("https", ssetest.AppHost) + " is https but the stream is http: a browser blocks this mixed content"},
		{"content type", srv.URL + "/html", nil, `/html: Content-Type "text/html", want text/event-stream`},
		{"retries exhausted", srv.URL + "/s503",
			[]ssecors.Option{ssecors.WithRetry(ssecors.RetryPolicy{RetryServerErrors: true, MaxAttempts: 2})},
			"/s503: status 503 Service Unavailable, want 200"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			es := mustNew(t, tc.url, append(tc.opts, ssecors.WithHTTPClient(srv.Client()))...)
			hostileSkipWaits(es)
			err := runSource(t, es)
			if err == nil {
				t.Fatal("Run: got nil")
			}
			msg := err.Error()
			if strings.Count(msg, "ssecors:") != 1 || !strings.HasPrefix(msg, "ssecors: ") {
				t.Errorf("prefix not once: %q", msg)
			}
			if !strings.HasSuffix(msg, tc.want) {
				t.Errorf("message %q does not end with %q", msg, tc.want)
			}
			if len(msg) > 250 {
				t.Errorf("message is %d bytes long: %q", len(msg), msg)
			}
			var be *ssecors.BlockedError
			if errors.As(err, &be) && (be.Fix == "" || strings.Contains(msg, be.Fix)) {
				t.Errorf("Fix %q is empty or repeated in the message %q", be.Fix, msg)
			}
		})
	}
}

func TestRun_nilContext(t *testing.T) {
	t.Parallel()
	es := mustNew(t, "http://127.0.0.1:1/events")
	//lint:ignore SA1012 a nil context is the input under test
	err := es.Run(nil) //nolint:staticcheck
	var ce *ssecors.ConfigError
	if !errors.As(err, &ce) || ce.Option != "context" {
		t.Fatalf("Run(nil): got %v, want a *ConfigError for the context", err)
	}
	es = mustNew(t, "http://127.0.0.1:1/events")
	yielded := 0
	//lint:ignore SA1012 a nil context is the input under test
	for _, err := range es.Events(nil) {
		yielded++
		if !errors.As(err, &ce) || ce.Option != "context" {
			t.Fatalf("Events(nil): got %v, want a *ConfigError for the context", err)
		}
	}
	if yielded != 1 {
		t.Errorf("Events(nil) yielded %d pairs, want the one error", yielded)
	}
}

// TestMaxEventSize_zeroIsDefault: the option and the Decoder agree that
// n <= 0 means the default, and the limit error names the limit.
func TestMaxEventSize_zeroIsDefault(t *testing.T) {
	t.Parallel()
	over := "data: " + strings.Repeat("x", ssecors.DefaultMaxEventSize+1) + "\n\n"
	srv := newServer(t, ssetest.Endpoint{Events: []ssetest.Event{{Raw: over}}})
	for _, n := range []int{0, -1} {
		es := mustNew(t, srv.EventsURL(), ssecors.WithMaxEventSize(n))
		if err := runSource(t, es); !errors.Is(err, ssecors.ErrEventTooLarge) ||
			!strings.Contains(err.Error(), "(16777216 bytes)") {
			t.Errorf("WithMaxEventSize(%d): got %v, want ErrEventTooLarge at the default size", n, err)
		}
		d := ssecors.NewDecoder(strings.NewReader(over))
		d.SetMaxEventSize(n)
		if _, err := d.Decode(); !errors.Is(err, ssecors.ErrEventTooLarge) ||
			!strings.Contains(err.Error(), "(16777216 bytes)") {
			t.Errorf("SetMaxEventSize(%d): got %v, want ErrEventTooLarge at the default size", n, err)
		}
	}
	d := ssecors.NewDecoder(strings.NewReader("data: " + strings.Repeat("y", 200) + "\n\n"))
	d.SetMaxEventSize(100)
	if _, err := d.Decode(); err == nil || err.Error() != "ssecors: event exceeds the maximum event size (100 bytes): a line exceeds it" {
		t.Errorf("limit 100: got %v", err)
	}
}

// TestPlainClient_logsNoCredentials: a source without WithOrigin has no
// page, so its debug log claims no credentials mode; one with a page does.
func TestPlainClient_logsNoCredentials(t *testing.T) {
	t.Parallel()
	for _, withPage := range []bool{false, true} {
		srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{stop204}, CORS: ssetest.AllowAll()})
		var logs bytes.Buffer
		opts := []ssecors.Option{ssecors.WithHTTPClient(srv.Client()),
			ssecors.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))}
		if withPage {
			opts = append(opts, ssecors.WithOrigin(srv.Origin("https", ssetest.AppHost)))
		}
		es := mustNew(t, srv.HostURL("https", ssetest.OtherHost, ssetest.EventsPath), opts...)
		runSource(t, es)
		got := strings.Contains(logs.String(), "credentials=")
		if got != withPage {
			t.Errorf("with a page %v: credentials logged %v:\n%s", withPage, got, logs.String())
		}
	}
}

// TestQueryFuncError_op: a failing WithQueryFunc is a NetworkError with
// the Op "query" that the NetworkError docs name.
func TestQueryFuncError_op(t *testing.T) {
	t.Parallel()
	es := mustNew(t, "http://127.0.0.1:1/events", ssecors.WithQueryFunc(func(context.Context) (url.Values, error) {
		return nil, errors.New("token service down")
	}))
	var got error
	es.OnError(func(err error) { got = err; es.Close() })
	runSource(t, es)
	var ne *ssecors.NetworkError
	if !errors.As(got, &ne) || ne.Op != "query" || !strings.HasSuffix(got.Error(), ": token service down") {
		t.Errorf("OnError: got %v, want a *NetworkError with Op query", got)
	}
}

// TestLastEventID_doesNotPinLargeData: the last event ID shares the
// event's allocation only when the data is small.
func TestLastEventID_doesNotPinLargeData(t *testing.T) {
	t.Parallel()
	for _, size := range []int{16, 1 << 10, 1<<10 + 1, 64 << 10} {
		d := ssecors.NewDecoder(io.MultiReader(strings.NewReader("id: 7\ndata: "),
			strings.NewReader(strings.Repeat("d", size)), strings.NewReader("\n\n")))
		ev, err := d.Decode()
		if err != nil || len(ev.Data) != size || d.LastEventID() != "7" {
			t.Fatalf("size %d: got %d bytes, id %q, %v", size, len(ev.Data), d.LastEventID(), err)
		}
		start := uintptr(unsafe.Pointer(unsafe.StringData(ev.Data)))
		id := uintptr(unsafe.Pointer(unsafe.StringData(d.LastEventID())))
		// The id sits right after the data or right before it.
		shared := id == start+uintptr(size) || id+uintptr(len(d.LastEventID())) == start
		if want := size <= 1<<10; shared != want {
			t.Errorf("size %d: id shares the data's allocation: %v, want %v", size, shared, want)
		}
	}
}

// TestWithSecrets_headers: a header named by WithSecrets is redacted in
// traces, like the credential headers, and other headers are not.
func TestWithSecrets_headers(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{stop204}})
	es := mustNew(t, srv.EventsURL(), ssecors.WithSecrets("tenant"),
		ssecors.WithHeader("X-Tenant-Id", "t-5ecret"), ssecors.WithHeader("X-Plain", "visible"))
	var seen http.Header
	tr := &ssetrace.Trace{Request: func(r ssetrace.Request) { seen = r.Header }}
	runSourceTraced(t, es, tr)
	if got := seen.Get("X-Tenant-Id"); got != "REDACTED" {
		t.Errorf("X-Tenant-Id in the trace: got %q, want REDACTED", got)
	}
	if got := seen.Get("X-Plain"); got != "visible" {
		t.Errorf("X-Plain in the trace: got %q, want it shown", got)
	}
	if got := srv.RequestsTo(ssetest.EventsPath)[0].Header.Get("X-Tenant-Id"); got != "t-5ecret" {
		t.Errorf("X-Tenant-Id sent: got %q", got)
	}
}

// TestURL_keepsFragment: URL mirrors EventSource.url, fragment included,
// while the request never carries it.
func TestURL_keepsFragment(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Responses: []ssetest.Response{stop204}})
	es := mustNew(t, srv.EventsURL()+"?x=1#frag", ssecors.WithQuery("y", "2"))
	if got, want := es.URL(), srv.EventsURL()+"?x=1&y=2#frag"; got != want {
		t.Errorf("URL: got %q, want %q", got, want)
	}
	runSource(t, es)
	if got := srv.RequestsTo(ssetest.EventsPath)[0].RawQuery; got != "x=1&y=2" {
		t.Errorf("query sent: got %q", got)
	}
}
