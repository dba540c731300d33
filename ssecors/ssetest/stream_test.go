package ssetest_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

func TestServer_stream_wireBytes(t *testing.T) {
	t.Parallel()
	events := []ssetest.Event{
		{ID: "1", Type: "greet", Data: "hello\nworld"},
		{Comment: "keepalive"},
		{HasID: true, HasData: true},
		{Raw: "data:raw\r\n\r\n"},
	}
	want := "retry: 250\n\n" +
		"id: 1\nevent: greet\ndata: hello\ndata: world\n\n" +
		": keepalive\n\n" +
		"id: \ndata: \n\n" +
		"data:raw\r\n\r\n"
	for _, drip := range []bool{false, true} {
		name := "whole"
		if drip {
			name = "drip"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, ssetest.Endpoint{
				Events: events, Retry: 250, EndAfterScript: true, Drip: drip,
			})
			resp := get(t, srv.Client(), srv.EventsURL())
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status: got %d, want 200", resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Type"); got != ssetest.ContentTypeEventStream {
				t.Errorf("Content-Type: got %q, want %q", got, ssetest.ContentTypeEventStream)
			}
			got, err := readAll(t, resp)
			if err != nil {
				t.Fatalf("clean end: got error %v", err)
			}
			if got != want {
				t.Errorf("body: got %q, want %q", got, want)
			}
		})
	}
}

func TestServer_stream_resume(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{
		Events: ssetest.Numbered(4, "m"), Resume: true, EndAfterScript: true,
	})
	tests := []struct {
		name string
		leid []string // nil: no header
		want string
	}{
		{"no header", nil, "id: 1\ndata: m1\n\nid: 2\ndata: m2\n\nid: 3\ndata: m3\n\nid: 4\ndata: m4\n\n"},
		{"after 2", []string{"2"}, "id: 3\ndata: m3\n\nid: 4\ndata: m4\n\n"},
		{"after last", []string{"4"}, ""},
		{"unknown id", []string{"zz"}, "id: 1\ndata: m1\n\nid: 2\ndata: m2\n\nid: 3\ndata: m3\n\nid: 4\ndata: m4\n\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var hdr http.Header
			if tc.leid != nil {
				hdr = http.Header{"Last-Event-Id": tc.leid}
			}
			got, err := readAll(t, do(t, srv.Client(), http.MethodGet, srv.EventsURL(), hdr))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestServer_stream_dropAfterIsClean(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Events: ssetest.Messages("a", "b", "c"), DropAfter: 2})
	got, err := readAll(t, get(t, srv.Client(), srv.EventsURL()))
	if err != nil {
		t.Fatalf("got error %v, want a clean end", err)
	}
	if want := "data: a\n\ndata: b\n\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestServer_stream_abort(t *testing.T) {
	t.Parallel()
	h1TLS := func(srv *ssetest.Server) *http.Client {
		tr := srv.Transport()
		tr.ForceAttemptHTTP2 = false
		return &http.Client{Transport: tr}
	}
	tests := []struct {
		name      string
		scheme    string
		client    func(*ssetest.Server) *http.Client
		wantProto int
	}{
		{"HTTP/1.1", "http", (*ssetest.Server).Client, 1},
		{"HTTP/1.1 over TLS", "https", h1TLS, 1},
		{"HTTP/2", "https", (*ssetest.Server).Client, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, ssetest.Endpoint{
				Events:    []ssetest.Event{{Data: "one"}, {Data: "two-two!"}},
				DropAfter: 1,
				Abort:     true,
			})
			resp := get(t, tc.client(srv), srv.HostURL(tc.scheme, ssetest.APIHost, ssetest.EventsPath))
			if resp.ProtoMajor != tc.wantProto {
				t.Fatalf("proto: got %s, want major %d", resp.Proto, tc.wantProto)
			}
			got, err := readAll(t, resp)
			if err == nil {
				t.Fatalf("got a clean end after %q, want an error", got)
			}
			if tc.wantProto == 1 && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("error: got %v, want io.ErrUnexpectedEOF", err)
			}
			// The second event is 16 bytes; its first half is "data: tw".
			if want := "data: one\n\ndata: tw"; got != want {
				t.Errorf("body: got %q, want %q", got, want)
			}
		})
	}
}

func TestServer_stream_abortAfterScript(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Events: ssetest.Messages("a"), Abort: true})
	got, err := readAll(t, get(t, srv.Client(), srv.EventsURL()))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("error: got %v, want io.ErrUnexpectedEOF", err)
	}
	if want := "data: a\n\n"; got != want {
		t.Errorf("body: got %q, want %q", got, want)
	}
}

func TestServer_responsesSequence(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{
		Status: http.StatusNoContent,
		Header: http.Header{"X-Endpoint": {"yes"}},
		Responses: []ssetest.Response{
			{Retry: 2, Events: ssetest.Messages("opened"), EndAfterScript: true},
			{Status: http.StatusServiceUnavailable, Body: "busy", Header: http.Header{"Retry-After": {"1"}}},
		},
	})
	type answer struct {
		status int
		body   string
		retry  string
	}
	want := []answer{
		{http.StatusOK, "retry: 2\n\ndata: opened\n\n", ""},
		{http.StatusServiceUnavailable, "busy", "1"},
		{http.StatusNoContent, "", ""},
		{http.StatusNoContent, "", ""},
	}
	c := srv.Client()
	for i, w := range want {
		resp := get(t, c, srv.EventsURL())
		body, err := readAll(t, resp)
		if err != nil {
			t.Fatal(err)
		}
		got := answer{resp.StatusCode, body, resp.Header.Get("Retry-After")}
		if got != w {
			t.Errorf("connection %d: got %+v, want %+v", i, got, w)
		}
		if h := resp.Header.Get("X-Endpoint"); h != "yes" {
			t.Errorf("connection %d: endpoint header: got %q, want %q", i, h, "yes")
		}
	}
	reqs := srv.RequestsTo(ssetest.EventsPath)
	for i, r := range reqs {
		if r.Attempt != i {
			t.Errorf("request %d: Attempt: got %d, want %d", i, r.Attempt, i)
		}
	}
	if got := srv.Connections(ssetest.EventsPath); got != len(want) {
		t.Errorf("Connections: got %d, want %d", got, len(want))
	}
}

func TestServer_responseFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		ep         ssetest.Endpoint
		wantStatus int
		wantCT     []string // nil: no Content-Type header
		wantBody   string
	}{
		{"content type", ssetest.Endpoint{ContentType: "text/plain", Events: ssetest.Messages("x"), EndAfterScript: true},
			200, []string{"text/plain"}, "data: x\n\n"},
		{"no content type", ssetest.Endpoint{NoContentType: true, Events: ssetest.Messages("x"), EndAfterScript: true},
			200, nil, "data: x\n\n"},
		{"empty content type via Header", ssetest.Endpoint{Header: http.Header{"Content-Type": {""}}, EndAfterScript: true},
			200, []string{""}, ""},
		{"error status with body", ssetest.Endpoint{Status: 404, Body: "data: data\n\n"},
			404, []string{ssetest.ContentTypeEventStream}, "data: data\n\n"},
		{"200 with fixed body", ssetest.Endpoint{Body: "data: fixed\n\n", Events: ssetest.Messages("ignored")},
			200, []string{ssetest.ContentTypeEventStream}, "data: fixed\n\n"},
		{"204", ssetest.Endpoint{Status: 204, Body: "dropped"},
			204, []string{ssetest.ContentTypeEventStream}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, tc.ep)
			resp := get(t, srv.Client(), srv.EventsURL())
			body, err := readAll(t, resp)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status: got %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if got := resp.Header["Content-Type"]; !equalStrings(got, tc.wantCT) {
				t.Errorf("Content-Type: got %q, want %q", got, tc.wantCT)
			}
			if body != tc.wantBody {
				t.Errorf("body: got %q, want %q", body, tc.wantBody)
			}
		})
	}
}

func TestServer_redirect(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{
		Redirect:   &ssetest.Redirect{Status: http.StatusTemporaryRedirect, Location: "/target"},
		CORS:       &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}, AllowCredentials: "true"},
		SetCookies: []string{"r=1"},
	})
	srv.Handle("/target", ssetest.Endpoint{Events: ssetest.Messages("there"), EndAfterScript: true})

	resp := do(t, noRedirect(srv), http.MethodGet, srv.EventsURL(), http.Header{"Origin": {"https://app.example.test"}})
	if resp.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("status: got %d, want 307", resp.StatusCode)
	}
	for k, want := range map[string]string{
		"Location":                         "/target",
		"Access-Control-Allow-Origin":      "https://app.example.test",
		"Access-Control-Allow-Credentials": "true",
		"Set-Cookie":                       "r=1",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s: got %q, want %q", k, got, want)
		}
	}

	body, err := readAll(t, get(t, srv.Client(), srv.EventsURL()))
	if err != nil || body != "data: there\n\n" {
		t.Errorf("followed: got %q, %v, want %q", body, err, "data: there\n\n")
	}
	if got := len(srv.RequestsTo("/target")); got != 1 {
		t.Errorf("requests to /target: got %d, want 1", got)
	}
}

func TestServer_stallAfterHeaders(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{StallAfterHeaders: true, Events: ssetest.Messages("never")})
	resp := get(t, srv.Client(), srv.EventsURL()) // the headers arrived
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status: got %d, want 200", resp.StatusCode)
	}
	srv.Drop()
	got, err := readAll(t, resp)
	if !errors.Is(err, io.ErrUnexpectedEOF) || got != "" {
		t.Errorf("after Drop: got %q, %v, want no data and io.ErrUnexpectedEOF", got, err)
	}
}

func TestServer_intervalAndHeaderDelay(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{
		Events: ssetest.Messages("a", "b"), Interval: time.Millisecond, HeaderDelay: time.Millisecond,
		EndAfterScript: true,
	})
	got, err := readAll(t, get(t, srv.Client(), srv.EventsURL()))
	if err != nil || got != "data: a\n\ndata: b\n\n" {
		t.Errorf("got %q, %v, want %q", got, err, "data: a\n\ndata: b\n\n")
	}
}

func TestServer_handler(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{
		CORS:   &ssetest.CORS{AllowOrigin: []string{"*"}},
		Header: http.Header{"X-Extra": {"1"}},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusTeapot)
			_, _ = io.WriteString(w, "custom "+r.URL.Query().Get("q"))
		},
	})
	resp := get(t, srv.Client(), srv.EventsURL()+"?q=x")
	body, _ := readAll(t, resp)
	if resp.StatusCode != http.StatusTeapot || body != "custom x" {
		t.Errorf("got %d %q, want 418 %q", resp.StatusCode, body, "custom x")
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin") + resp.Header.Get("X-Extra"); got != "*1" {
		t.Errorf("headers set before the handler: got %q, want %q", got, "*1")
	}
}

func TestServer_requireQueryAndCookie(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{
		RequireQuery:   map[string]string{"tenant": "acme", "token": "s3cret"},
		CORS:           &ssetest.CORS{AllowOrigin: []string{"*"}},
		Events:         ssetest.Messages("ok"),
		EndAfterScript: true,
	})
	srv.Handle("/cookie", ssetest.Endpoint{RequireCookie: "sid=42", EndAfterScript: true})
	srv.Handle("/anycookie", ssetest.Endpoint{RequireCookie: "sid", EndAfterScript: true})
	tests := []struct {
		name   string
		path   string
		cookie string
		want   int
	}{
		{"all parameters", "/events?tenant=acme&token=s3cret", "", 200},
		{"extra parameter", "/events?tenant=acme&token=s3cret&x=1", "", 200},
		{"missing parameter", "/events?tenant=acme", "", 401},
		{"wrong value", "/events?tenant=acme&token=nope", "", 401},
		{"no query", "/events", "", 401},
		{"cookie value matches", "/cookie", "sid=42", 200},
		{"cookie value differs", "/cookie", "sid=41", 401},
		{"cookie missing", "/cookie", "other=42", 401},
		{"any value", "/anycookie", "sid=x", 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var hdr http.Header
			if tc.cookie != "" {
				hdr = http.Header{"Cookie": {tc.cookie}}
			}
			resp := do(t, srv.Client(), http.MethodGet, srv.URL+tc.path, hdr)
			if resp.StatusCode != tc.want {
				t.Errorf("status: got %d, want %d", resp.StatusCode, tc.want)
			}
			if strings.HasPrefix(tc.path, "/events") && resp.Header.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("CORS header missing on a %d", resp.StatusCode)
			}
		})
	}
	t.Cleanup(func() {
		for _, r := range srv.Requests() {
			if wantServed := r.Attempt >= 0; strings.Contains(r.RawQuery, "token=s3cret") != wantServed && r.Path == "/events" {
				t.Errorf("request %q: Attempt %d", r.RawQuery, r.Attempt)
			}
		}
	})
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) || (a == nil) != (b == nil) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestServer_stream_repeat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ep   ssetest.Endpoint
		want string
		err  error
	}{
		{"drop after", ssetest.Endpoint{Events: ssetest.Messages("a", "b"), Repeat: true, DropAfter: 5},
			"data: a\n\ndata: b\n\ndata: a\n\ndata: b\n\ndata: a\n\n", nil},
		{"abort", ssetest.Endpoint{Events: ssetest.Messages("a", "b"), Repeat: true, DropAfter: 3, Abort: true},
			"data: a\n\ndata: b\n\ndata: a\n\ndata", io.ErrUnexpectedEOF},
		{"empty script", ssetest.Endpoint{Repeat: true, DropAfter: 2, Abort: true}, "", io.ErrUnexpectedEOF},
		{"resume", ssetest.Endpoint{Events: ssetest.Numbered(3, "m"), Resume: true, Repeat: true, DropAfter: 3},
			"id: 3\ndata: m3\n\nid: 3\ndata: m3\n\nid: 3\ndata: m3\n\n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, tc.ep)
			resp := do(t, srv.Client(), http.MethodGet, srv.EventsURL(), http.Header{"Last-Event-Id": {"2"}})
			got, err := readAll(t, resp)
			if !errors.Is(err, tc.err) {
				t.Errorf("error: got %v, want %v", err, tc.err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestServer_stream_repeatUntilClientLeaves(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Events: ssetest.Messages("x"), Repeat: true})
	resp := get(t, srv.Client(), srv.EventsURL())
	const n = 1000
	if got, want := readN(t, resp, n*len("data: x\n\n")), strings.Repeat("data: x\n\n", n); got != want {
		t.Errorf("got %q..., want %d events", got[:40], n)
	}
	resp.Body.Close()
	// The handler notices and returns; Close (at cleanup) waits for it.
}

func TestServer_Close_duringHeaderDelay(t *testing.T) {
	t.Parallel()
	srv := ssetest.New(ssetest.Endpoint{HeaderDelay: time.Hour})
	defer srv.Close()
	errc := make(chan error, 1)
	go func() {
		resp, err := srv.Client().Get(srv.EventsURL())
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	if _, err := srv.WaitRequests(testContext(t), 1); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if err := <-errc; err == nil {
		t.Error("got a response, want an error: nothing may be sent after an aborted delay")
	}
}
