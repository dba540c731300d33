package ssetest_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

func TestServer_Client_hostRouting(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Events: ssetest.Messages("any"), EndAfterScript: true})
	srv.HandleHost(ssetest.OtherHost, ssetest.EventsPath,
		ssetest.Endpoint{Events: ssetest.Messages("other"), EndAfterScript: true})
	tests := []struct {
		name      string
		url       string
		wantBody  string
		wantProto string
		wantHost  string
	}{
		{"plain", srv.HostURL("http", ssetest.APIHost, "/events"), "data: any\n\n", "HTTP/1.1", ssetest.APIHost},
		{"TLS", srv.HostURL("https", ssetest.APIHost, "/events"), "data: any\n\n", "HTTP/2.0", ssetest.APIHost},
		{"TLS host route", srv.HostURL("https", ssetest.OtherHost, "/events"), "data: other\n\n", "HTTP/2.0", ssetest.OtherHost},
		{"plain host route", srv.HostURL("http", ssetest.OtherHost, "/events"), "data: other\n\n", "HTTP/1.1", ssetest.OtherHost},
		{"default https port", "https://" + ssetest.PagesHostA + "/events", "data: any\n\n", "HTTP/2.0", ssetest.PagesHostA},
		{"default http port", "http://" + ssetest.UKHostB + "/events", "data: any\n\n", "HTTP/1.1", ssetest.UKHostB},
		{"wildcard name", srv.HostURL("https", "sub.example.com", "/events"), "data: any\n\n", "HTTP/2.0", "sub.example.com"},
		{"localhost", srv.HostURL("https", ssetest.LocalHost, "/events"), "data: any\n\n", "HTTP/2.0", "localhost"},
		{"IPv6 literal name", srv.HostURL("https", "::1", "/events"), "data: any\n\n", "HTTP/2.0", "::1"},
		{"base URL", srv.TLSURL + "/events", "data: any\n\n", "HTTP/2.0", "127.0.0.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := get(t, srv.Client(), tc.url+"?case="+strings.ReplaceAll(tc.name, " ", "-"))
			body, err := readAll(t, resp)
			if err != nil || body != tc.wantBody {
				t.Errorf("body: got %q, %v, want %q", body, err, tc.wantBody)
			}
			if resp.Proto != tc.wantProto {
				t.Errorf("proto: got %s, want %s", resp.Proto, tc.wantProto)
			}
			var logged *ssetest.Request
			for _, r := range srv.Requests() {
				if r.Query().Get("case") == strings.ReplaceAll(tc.name, " ", "-") {
					logged = &r
				}
			}
			if logged == nil {
				t.Fatal("request not logged")
			}
			if logged.Host != tc.wantHost || logged.Proto != tc.wantProto || logged.Path != "/events" {
				t.Errorf("log: got host %q proto %q path %q, want %q %q %q",
					logged.Host, logged.Proto, logged.Path, tc.wantHost, tc.wantProto, "/events")
			}
		})
	}
}

func TestServer_Client_refusesUnknownPorts(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{})
	ctx := testContext(t)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://api.example.test:1/events", nil)
	resp, err := srv.Client().Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatal("got a response from an unknown port, want an error")
	}
	if !strings.Contains(err.Error(), "ssetest: no listener") {
		t.Errorf("got %v, want a no-listener error", err)
	}
}

func TestServer_Client_isFresh(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{})
	a, b := srv.Client(), srv.Client()
	if a == b || a.Transport == b.Transport {
		t.Error("Client returned a shared client or transport")
	}
	if a.Jar != nil || a.Timeout != 0 {
		t.Errorf("got Jar %v Timeout %v, want none", a.Jar, a.Timeout)
	}
}

func TestServer_certificate(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{})
	cert := srv.Certificate()
	for _, h := range ssetest.CertHosts() {
		name := strings.Replace(h, "*", "w", 1)
		if err := cert.VerifyHostname(name); err != nil {
			t.Errorf("VerifyHostname(%q): %v", name, err)
		}
	}
	if err := cert.VerifyHostname("evil.test"); err == nil {
		t.Error("certificate valid for evil.test")
	}
	opts := x509.VerifyOptions{DNSName: ssetest.OtherHost, Roots: srv.CertPool()}
	if _, err := cert.Verify(opts); err != nil {
		t.Errorf("Verify with CertPool: %v", err)
	}
	block, _ := pem.Decode(srv.CertificatePEM())
	if block == nil || !bytes.Equal(block.Bytes, cert.Raw) {
		t.Error("CertificatePEM does not hold the certificate")
	}
}

func TestServer_Origin(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{})
	tests := []struct {
		scheme, host, want string
	}{
		{"https", ssetest.AppHost, "https://app.example.test:" + srv.Port("https")},
		{"http", ssetest.AppHost, "http://app.example.test:" + srv.Port("http")},
		{"https", "::1", "https://[::1]:" + srv.Port("https")},
	}
	for _, tc := range tests {
		if got := srv.Origin(tc.scheme, tc.host); got != tc.want {
			t.Errorf("Origin(%q, %q): got %q, want %q", tc.scheme, tc.host, got, tc.want)
		}
	}
	if got, want := srv.URL, "http://127.0.0.1:"+srv.Port("http"); got != want {
		t.Errorf("URL: got %q, want %q", got, want)
	}
	if got, want := srv.EventsURL(), srv.URL+"/events"; got != want {
		t.Errorf("EventsURL: got %q, want %q", got, want)
	}
}

func TestServer_requestLog(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{EndAfterScript: true})
	hdr := http.Header{
		"Origin":        {appOrigin},
		"Last-Event-Id": {"41"},
		"Cookie":        {"sid=1; theme=dark"},
		"Accept":        {"text/event-stream"},
	}
	do(t, srv.Client(), http.MethodGet, srv.HostURL("https", ssetest.APIHost, "/events?tenant=acme"), hdr)
	get(t, srv.Client(), srv.URL+"/nothing-here")

	reqs, err := srv.WaitRequests(testContext(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	r := reqs[0]
	if r.Seq != 0 || r.Method != "GET" || r.Scheme != "https" || r.Host != ssetest.APIHost ||
		r.Path != "/events" || r.RawQuery != "tenant=acme" || r.Origin != appOrigin ||
		r.LastEventID != "41" || !r.HasLastEventID || r.Preflight || r.Attempt != 0 {
		t.Errorf("got %+v", r)
	}
	if v, ok := r.Cookie("theme"); !ok || v != "dark" {
		t.Errorf("Cookie(theme): got %q, %v", v, ok)
	}
	if got := r.Header.Get("Accept"); got != "text/event-stream" {
		t.Errorf("Accept: got %q", got)
	}
	if got := r.Query().Get("tenant"); got != "acme" {
		t.Errorf("Query: got %q", got)
	}
	if r.Time.IsZero() {
		t.Error("Time not set")
	}
	nf := reqs[1]
	if nf.Seq != 1 || nf.Path != "/nothing-here" || nf.Attempt != -1 || nf.HasLastEventID {
		t.Errorf("404 request: got %+v", nf)
	}
	if got := len(srv.RequestsTo("/events")); got != 1 {
		t.Errorf("RequestsTo: got %d, want 1", got)
	}
}

func TestServer_WaitRequests_endsWithContextOrClose(t *testing.T) {
	t.Parallel()
	srv := ssetest.New(ssetest.Endpoint{})
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := srv.WaitRequests(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled ctx: got %v, want context.Canceled", err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := srv.WaitRequests(context.Background(), 1)
		errc <- err
	}()
	srv.Close()
	if err := <-errc; !errors.Is(err, ssetest.ErrClosed) {
		t.Errorf("after Close: got %v, want ErrClosed", err)
	}
}

func TestServer_WaitFor(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Events: ssetest.Messages("x"), EndAfterScript: true})
	errc := make(chan error, 1)
	go func() {
		c := srv.Client()
		for i := 0; i < 3; i++ {
			resp, err := c.Get(srv.EventsURL())
			if err != nil {
				errc <- err
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		errc <- nil
	}()
	reqs, err := srv.WaitFor(testContext(t), func(reqs []ssetest.Request) bool {
		return len(reqs) > 0 && reqs[len(reqs)-1].Attempt == 2
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 3 {
		t.Errorf("got %d requests, want 3", len(reqs))
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func TestServer_Handle_copiesAndResets(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{})
	ep := ssetest.Endpoint{
		Events:         ssetest.Messages("first"),
		Responses:      []ssetest.Response{{Events: ssetest.Messages("r0"), EndAfterScript: true}},
		EndAfterScript: true,
	}
	srv.Handle("/x", ep)
	ep.Events[0].Data = "changed"
	ep.Responses[0].Events[0].Data = "changed"

	c := srv.Client()
	for i, want := range []string{"data: r0\n\n", "data: first\n\n"} {
		if got, err := readAll(t, get(t, c, srv.URL+"/x")); err != nil || got != want {
			t.Errorf("connection %d: got %q, %v, want %q", i, got, err, want)
		}
	}
	srv.Handle("/x", ep) // replaced: numbering restarts, so Responses[0] again
	if got, _ := readAll(t, get(t, c, srv.URL+"/x")); got != "data: changed\n\n" {
		t.Errorf("after replace: got %q, want %q", got, "data: changed\n\n")
	}
	if got := srv.Connections("/x"); got != 3 {
		t.Errorf("Connections: got %d, want 3", got)
	}
}

func TestServer_Drop(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{Events: ssetest.Messages("a")}) // stays open
	for _, scheme := range []string{"http", "https"} {
		resp := get(t, srv.Client(), srv.HostURL(scheme, ssetest.APIHost, "/events"))
		if got := readN(t, resp, len("data: a\n\n")); got != "data: a\n\n" {
			t.Fatalf("%s: got %q", scheme, got)
		}
		srv.Drop()
		rest, err := readAll(t, resp)
		if err == nil || rest != "" {
			t.Errorf("%s: after Drop got %q, %v, want an error", scheme, rest, err)
		}
		if scheme == "http" && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s: got %v, want io.ErrUnexpectedEOF", scheme, err)
		}
	}
	// The server still serves after Drop.
	srv.Handle("/after", ssetest.Endpoint{Events: ssetest.Messages("b"), EndAfterScript: true})
	if got, err := readAll(t, get(t, srv.Client(), srv.URL+"/after")); err != nil || got != "data: b\n\n" {
		t.Errorf("after Drop: got %q, %v", got, err)
	}
}

func TestServer_Close_endsOpenStreams(t *testing.T) {
	t.Parallel()
	srv := ssetest.New(ssetest.Endpoint{Events: ssetest.Messages("a"), Interval: time.Hour})
	defer srv.Close()
	srv.Handle("/stall", ssetest.Endpoint{StallAfterHeaders: true})
	var resps []*http.Response
	for _, u := range []string{
		srv.EventsURL(),
		srv.HostURL("https", ssetest.APIHost, "/events"),
		srv.HostURL("https", ssetest.APIHost, "/stall"),
	} {
		resps = append(resps, get(t, srv.Client(), u))
	}
	readN(t, resps[0], len("data: a\n\n"))
	readN(t, resps[1], len("data: a\n\n"))
	srv.Close()
	srv.Close() // idempotent
	for _, resp := range resps {
		// The read ends (cleanly or not) instead of blocking until the test
		// times out; nothing is asserted about which.
		_, _ = readAll(t, resp)
	}
	resp, err := http.Get(srv.EventsURL())
	if err == nil {
		resp.Body.Close()
		t.Error("server still answers after Close")
	}
}

// TestServer_Close_noGoroutineLeft is not parallel: it counts goroutines.
func TestServer_Close_noGoroutineLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	srv := ssetest.New(ssetest.Endpoint{Events: ssetest.Messages("a")})
	var resps []*http.Response
	for _, scheme := range []string{"http", "https"} {
		resp := get(t, srv.Client(), srv.HostURL(scheme, ssetest.AppHost, "/events"))
		readN(t, resp, len("data: a\n\n"))
		resps = append(resps, resp)
	}
	srv.Close()
	for _, resp := range resps { // the client's side ends too once its body does
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	var after int
	for i := 0; i < 1000; i++ { // up to ~10 s
		if after = runtime.NumGoroutine(); after <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	t.Errorf("goroutines: %d before, %d after Close\n%s", before, after, buf[:runtime.Stack(buf, true)])
}
