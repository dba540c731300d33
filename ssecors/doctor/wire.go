package doctor

import (
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssecors/ssecors-go/internal/site"
)

// This file holds the transport the diagnosis puts under the source: it
// sends the Accept-Encoding a browser sends, decodes what it can of the
// answer itself (so the report sees Content-Encoding), and records when
// the bytes of each response arrived, which the production checks
// (compression, buffering, idle timeouts) read. It also keeps the
// Set-Cookie lines of every response but a preflight's, so that the
// diagnosis can show what the other third-party policy would store. Its
// records never leave the package.

// The Accept-Encoding values Chromium 156 sends with an EventSource
// request, recorded from Debian's chromium 156.0.8078.114 (headless): br
// and zstd only to potentially trustworthy origins (https, and loopback
// hosts over http); to other plain http origins, gzip and deflate. The
// browser suite checks them on every run (browsertest,
// TestChromiumAcceptEncoding).
const (
	chromiumAcceptEncoding     = "gzip, deflate, br, zstd"
	chromiumAcceptEncodingHTTP = "gzip, deflate"
)

// browserAcceptEncoding returns the Accept-Encoding Chromium sends to u.
func browserAcceptEncoding(u *url.URL) string {
	if site.OriginOf(u).Secure() {
		return chromiumAcceptEncoding
	}
	return chromiumAcceptEncodingHTTP
}

// maxReads bounds the reads one response's record keeps: the counts and
// the longest silence stay exact beyond it.
const maxReads = 4096

// wireRecorder passes requests through with a browser's Accept-Encoding
// and records each non-preflight response.
type wireRecorder struct {
	base http.RoundTripper
	now  func() time.Time
	// stopping is set when the diagnosis ends the source: a read that
	// fails from then on is not a cut.
	stopping atomic.Bool

	mu    sync.Mutex
	queue []*wireConn
}

// wireConn is what one response showed on the wire.
type wireConn struct {
	stopping     *atomic.Bool
	url          *url.URL
	setCookies   []string
	encoding     string // Content-Encoding, "" for none
	decoded      bool   // the recorder decodes it (gzip, deflate)
	sentEncoding string // the Accept-Encoding the request carried
	start        time.Time
	headers      time.Time

	mu        sync.Mutex
	reads     []wireRead // what each read from the connection returned
	nReads    int
	last      time.Time // the latest activity: headers, then each read
	longest   time.Duration
	nEvents   int
	nComments int
	retry     bool
	end       time.Time // when the body ended (EOF or error), zero while open
	endErr    error     // nil for a clean EOF
	closed    bool      // the client closed the body (the diagnosis or a restart)
	cut       bool      // the body ended before the client closed it
	scan      lineScan
}

// wireRead is one read of the response body from the connection.
type wireRead struct {
	at     time.Time
	n      int
	events int // events that this read completed
}

func (r *wireRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	base := r.base
	if base == nil {
		base = http.DefaultTransport
	}
	if req.Method == http.MethodOptions {
		return base.RoundTrip(req)
	}
	if req.Header.Get("Accept-Encoding") == "" {
		// As a browser does. Setting it also stops net/http from
		// decoding gzip on its own, so Content-Encoding stays visible.
		req = req.Clone(req.Context())
		req.Header.Set("Accept-Encoding", browserAcceptEncoding(req.URL))
	}
	c := &wireConn{stopping: &r.stopping, url: req.URL, sentEncoding: req.Header.Get("Accept-Encoding"), start: r.now()}
	resp, err := base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	c.headers = r.now()
	c.last = c.headers
	c.setCookies = resp.Header.Values("Set-Cookie")
	c.encoding = strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding")))
	body := &wireBody{c: c, raw: resp.Body, now: r.now}
	switch c.encoding {
	case "gzip", "x-gzip", "deflate":
		c.decoded = true
		resp.ContentLength = -1
		resp.Header.Del("Content-Length")
	}
	resp.Body = body
	r.mu.Lock()
	r.queue = append(r.queue, c)
	r.mu.Unlock()
	return resp, nil
}

// CloseIdleConnections forwards to the wrapped transport.
func (r *wireRecorder) CloseIdleConnections() {
	if c, ok := r.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// next returns the oldest recorded response: the engine reports
// responses in the order it receives them.
func (r *wireRecorder) next() *wireConn {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.queue) == 0 {
		return nil
	}
	c := r.queue[0]
	r.queue = r.queue[1:]
	return c
}

// wireBody times the reads of a response body and decodes it when it is
// gzip or deflate, as a browser would.
type wireBody struct {
	c   *wireConn
	raw io.ReadCloser
	now func() time.Time

	tap  tapReader
	dec  io.Reader
	derr error
}

func (b *wireBody) Read(p []byte) (int, error) {
	if b.dec == nil && b.derr == nil {
		b.tap = tapReader{b: b, buf: make([]byte, 32<<10)}
		switch b.c.encoding {
		case "gzip", "x-gzip":
			b.dec, b.derr = gzip.NewReader(&b.tap)
		case "deflate":
			b.dec, b.derr = zlib.NewReader(&b.tap)
		default:
			b.dec = &b.tap
		}
	}
	if b.derr != nil {
		return 0, b.derr
	}
	n, err := b.dec.Read(p)
	if n > 0 {
		b.c.scanned(p[:n])
	}
	if err != nil && err != io.EOF && b.c.decoded {
		b.c.ended(b.now(), err)
	}
	return n, err
}

func (b *wireBody) Close() error {
	now := b.now()
	b.c.mu.Lock()
	b.c.closed = true
	if b.c.end.IsZero() {
		b.c.end = now
	}
	b.c.mu.Unlock()
	return b.raw.Close()
}

// tapReader reads the raw body in large reads, so that each read returns
// what arrived together, and records them.
type tapReader struct {
	b        *wireBody
	buf      []byte
	from, to int
}

func (t *tapReader) Read(p []byte) (int, error) {
	if t.from == t.to {
		n, err := t.b.raw.Read(t.buf)
		now := t.b.now()
		if n > 0 {
			t.b.c.read(n, now)
		}
		if err != nil {
			t.b.c.ended(now, err)
		}
		t.from, t.to = 0, n
		if n == 0 {
			return 0, err
		}
	}
	n := copy(p, t.buf[t.from:t.to])
	t.from += n
	return n, nil
}

// read records n bytes read from the connection at now.
func (c *wireConn) read(n int, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gap := now.Sub(c.last); gap > c.longest {
		c.longest = gap
	}
	c.last = now
	c.nReads++
	if len(c.reads) < maxReads {
		c.reads = append(c.reads, wireRead{at: now, n: n})
	}
}

// ended records the end of the body: err is io.EOF for a clean end.
func (c *wireConn) ended(now time.Time, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.end.IsZero() {
		return
	}
	c.end = now
	// The diagnosis ends a stream by closing the body or canceling the
	// request: neither is a cut.
	c.cut = !c.closed && !c.stopping.Load() && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
	if err != io.EOF {
		c.endErr = err
	}
}

// scanned feeds decoded bytes to the line scanner, which counts events,
// comments and retry fields.
func (c *wireConn) scanned(p []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ev, com, retry := c.scan.feed(p)
	c.nComments += com
	c.retry = c.retry || retry
	c.nEvents += ev
	if ev > 0 && len(c.reads) > 0 {
		c.reads[len(c.reads)-1].events += ev
	}
}

// lineScan classifies the lines of an event stream well enough to count
// events (blocks with a data field), comments and retry fields. The
// engine's parser decides what a browser dispatches; this only times it.
type lineScan struct {
	prefix  [6]byte // the first bytes of the current line
	n       int     // the length of the current line so far
	afterCR bool
	hasData bool // the current block has a data field
}

func (s *lineScan) feed(p []byte) (events, comments int, retry bool) {
	for _, c := range p {
		if s.afterCR && c == '\n' {
			s.afterCR = false
			continue
		}
		s.afterCR = c == '\r'
		if c != '\r' && c != '\n' {
			if s.n < len(s.prefix) {
				s.prefix[s.n] = c
			}
			s.n++
			continue
		}
		line := string(s.prefix[:min(s.n, len(s.prefix))])
		switch {
		case s.n == 0:
			if s.hasData {
				events++
			}
			s.hasData = false
		case line[0] == ':':
			comments++
		case line == "data" && s.n == 4, strings.HasPrefix(line, "data:"):
			s.hasData = true
		case strings.HasPrefix(line, "retry:"):
			retry = true
		}
		s.n = 0
	}
	return events, comments, retry
}
