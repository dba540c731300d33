package ssetest_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

// testTimeout bounds every wait in these tests; nothing is asserted about
// how long anything takes.
const testTimeout = 20 * time.Second

func newServer(t *testing.T, ep ssetest.Endpoint) *ssetest.Server {
	t.Helper()
	srv := ssetest.New(ep)
	t.Cleanup(srv.Close)
	return srv
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// do sends a request with the given method and headers and returns the
// response; its body is closed at cleanup.
func do(t *testing.T, c *http.Client, method, url string, hdr http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func get(t *testing.T, c *http.Client, url string) *http.Response {
	t.Helper()
	return do(t, c, http.MethodGet, url, nil)
}

// readAll reads the whole body; a clean end gives a nil error.
func readAll(t *testing.T, resp *http.Response) (string, error) {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// readN reads exactly n bytes of the body.
func readN(t *testing.T, resp *http.Response, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(resp.Body, b); err != nil {
		t.Fatalf("reading %d bytes: got %q, %v", n, b, err)
	}
	return string(b)
}

// noRedirect is a client that returns redirects instead of following them.
func noRedirect(srv *ssetest.Server) *http.Client {
	c := srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}
