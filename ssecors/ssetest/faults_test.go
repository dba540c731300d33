package ssetest_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

// rawGet sends a minimal HTTP/1.1 GET for path on a new TCP connection to
// addr and returns the connection, for tests that read the exact bytes.
func rawGet(t *testing.T, addr, path string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.SetDeadline(time.Now().Add(testTimeout)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: example.test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestServer_RawResponse_isVerbatim(t *testing.T) {
	t.Parallel()
	raw := "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"7\r\ndata: a\r\nzz\r\n" // a chunk size that is not hexadecimal
	srv := newServer(t, ssetest.Endpoint{RawResponse: raw})
	c := rawGet(t, strings.TrimPrefix(srv.URL, "http://"), ssetest.EventsPath)
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if string(got) != raw {
		t.Errorf("got %q, want %q", got, raw)
	}
	if n := srv.Connections(ssetest.EventsPath); n != 1 {
		t.Errorf("Connections: got %d, want 1", n)
	}
}

func TestServer_RawResponse_malformed(t *testing.T) {
	t.Parallel()
	head := "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
	tests := []struct {
		name     string
		raw      string
		wantBody string // what the client reads before the error
		inDo     bool   // the error comes from Do, not from reading the body
	}{
		{"bad chunk size", head + "9\r\ndata: a\n\n\r\nzz\r\n", "data: a\n\n", false},
		{"chunk size overflow", head + "ffffffffffffffffffff\r\n", "", false},
		{"chunk without CRLF", head + "3\r\nabcdef", "abc", false},
		{"short Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", "only this", false},
		{"bad status line", "HTTP/1.1 abc OK\r\n\r\n", "", true},
		{"garbage", "\x00\x01\x02 not http\r\n\r\n", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, ssetest.Endpoint{RawResponse: tc.raw})
			req, err := http.NewRequestWithContext(testContext(t), http.MethodGet, srv.EventsURL(), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(req)
			if tc.inDo {
				if err == nil {
					resp.Body.Close()
					t.Fatal("Do: got a response, want an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			if err == nil {
				t.Errorf("body: got a clean end, want an error")
			}
			if string(got) != tc.wantBody {
				t.Errorf("body: got %q, want %q", got, tc.wantBody)
			}
		})
	}
}

func TestServer_RawResponse_http2ResetsTheStream(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{RawResponse: "HTTP/1.1 200 OK\r\n\r\n"})
	req, err := http.NewRequestWithContext(testContext(t), http.MethodGet, srv.HostURL("https", ssetest.APIHost, "/events"), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got %s over %s, want a stream reset", resp.Status, resp.Proto)
	}
}

func TestServer_AbortMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode ssetest.AbortMode
		want func(error) bool
	}{
		{ssetest.AbortClose, func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) }},
		{ssetest.AbortReset, func(err error) bool {
			// A reset may reach the client before it read the last bytes;
			// then the read fails with ECONNRESET. Either way the body
			// does not end cleanly.
			return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF)
		}},
		{ssetest.AbortHalfClose, func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) }},
	}
	for _, tc := range tests {
		t.Run(tc.mode.String(), func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, ssetest.Endpoint{
				Events:    []ssetest.Event{{Data: "one"}, {Data: "two-two!"}},
				DropAfter: 1, Abort: true, AbortMode: tc.mode,
			})
			got, err := readAll(t, get(t, srv.Client(), srv.EventsURL()))
			if err == nil || !tc.want(err) {
				t.Fatalf("after %q: got error %v", got, err)
			}
			if tc.mode != ssetest.AbortReset && got != "data: one\n\ndata: tw" {
				t.Errorf("body: got %q, want %q", got, "data: one\n\ndata: tw")
			}
		})
	}
}

func TestServer_AbortHalfClose_keepsReading(t *testing.T) {
	t.Parallel()
	raw := "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: a\n\ndata: par"
	srv := newServer(t, ssetest.Endpoint{RawResponse: raw, AbortMode: ssetest.AbortHalfClose})
	c := rawGet(t, strings.TrimPrefix(srv.URL, "http://"), ssetest.EventsPath)
	got, err := io.ReadAll(c) // ends at the server's FIN
	if err != nil || string(got) != raw {
		t.Fatalf("got %q, %v, want %q and a clean end", got, err, raw)
	}
	// The server still reads: the connection is only half-closed, so
	// writes keep succeeding. (Against a closed peer the first write draws
	// a reset, and a later one fails.)
	for i := 0; i < 10; i++ {
		if _, err := io.WriteString(c, "still there?"); err != nil {
			t.Fatalf("write %d after the server's FIN: %v", i, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestServer_AbortMode_String(t *testing.T) {
	t.Parallel()
	for m, want := range map[ssetest.AbortMode]string{
		ssetest.AbortClose: "close", ssetest.AbortReset: "reset",
		ssetest.AbortHalfClose: "half-close", 7: "AbortMode(7)",
	} {
		if got := m.String(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestServer_CORS_PreflightDelay(t *testing.T) {
	t.Parallel()
	cors := ssetest.AllowAll()
	cors.PreflightDelay = time.Hour
	srv := newServer(t, ssetest.Endpoint{CORS: cors})
	fast := ssetest.AllowAll()
	fast.PreflightDelay = time.Millisecond
	srv.Handle("/fast", ssetest.Endpoint{CORS: fast})

	resp := do(t, srv.Client(), http.MethodOptions, srv.URL+"/fast", http.Header{"Origin": {"https://app.example.test"}})
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("fast preflight: got %d, want 204", resp.StatusCode)
	}
	// A client that gives up first gets nothing, and the server moves on.
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodOptions, srv.EventsURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		resp, err := srv.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	if _, err := srv.WaitFor(testContext(t), func(rs []ssetest.Request) bool {
		return len(srv.RequestsTo(ssetest.EventsPath)) == 1
	}); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("slow preflight: got %v, want the client's cancellation", err)
	}
}

func TestBlackhole(t *testing.T) {
	t.Parallel()
	b := ssetest.NewBlackhole()
	defer b.Close()
	if !strings.HasPrefix(b.URL("https", "/x"), "https://127.0.0.1:") || !strings.HasSuffix(b.URL("https", "/x"), "/x") {
		t.Errorf("URL: got %q", b.URL("https", "/x"))
	}
	tr := &http.Transport{TLSHandshakeTimeout: 50 * time.Millisecond, TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12}}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(testContext(t), http.MethodGet, b.URL("https", "/events"), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = (&http.Client{Transport: tr}).Do(req)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("TLS through a blackhole: got %v, want a handshake timeout", err)
	}
	if err := b.WaitAccepted(testContext(t), 1); err != nil || b.Accepted() != 1 {
		t.Errorf("WaitAccepted: %v, Accepted %d, want 1", err, b.Accepted())
	}

	// A plain connection stays open, reads, and never gets a byte.
	c, err := net.Dial("tcp", b.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := b.WaitAccepted(testContext(t), 2); err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewWriter(c).WriteString("GET / HTTP/1.1\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1))
		done <- err
	}()
	b.Close()
	b.Close() // idempotent
	if err := <-done; err == nil {
		t.Error("read after Close: got a byte, want the connection closed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := b.WaitAccepted(ctx, 3); !errors.Is(err, ssetest.ErrClosed) {
		t.Errorf("WaitAccepted after Close: got %v, want ErrClosed", err)
	}
}
