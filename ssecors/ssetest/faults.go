package ssetest

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
)

// AbortMode says how a connection taken over from net/http ends: after
// [Endpoint.Abort] cuts a stream, and after [Endpoint.RawResponse].
type AbortMode int

const (
	// AbortClose closes the connection: the client reads an end of file
	// (a TCP FIN). It is the zero value.
	AbortClose AbortMode = iota
	// AbortReset resets the connection (a TCP RST, by closing it with
	// SO_LINGER 0): the client sees "connection reset by peer", and may
	// lose bytes it had not read yet.
	AbortReset
	// AbortHalfClose shuts down only the server's sending side (a FIN,
	// after a TLS close_notify over TLS) and keeps the connection open,
	// reading and discarding what the client sends, until the client
	// closes it or the server closes.
	AbortHalfClose
)

// String returns "close", "reset" or "half-close".
func (m AbortMode) String() string {
	switch m {
	case AbortClose:
		return "close"
	case AbortReset:
		return "reset"
	case AbortHalfClose:
		return "half-close"
	}
	return "AbortMode(" + strconv.Itoa(int(m)) + ")"
}

// writeRaw takes the connection over and writes raw on it verbatim, then
// ends it as mode says. Over HTTP/2 the stream is reset instead.
func (s *Server) writeRaw(w http.ResponseWriter, raw string, mode AbortMode) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if _, err := io.WriteString(conn, raw); err != nil {
		conn.Close()
		return
	}
	s.cut(conn, buf.Reader, mode)
}

// cut ends a connection taken over from net/http as mode says. With
// AbortHalfClose it returns once the client has closed the connection, the
// server is closed, or [Server.Drop] cut it.
func (s *Server) cut(conn net.Conn, r *bufio.Reader, mode AbortMode) {
	defer conn.Close()
	tcp := tcpConnOf(conn)
	switch mode {
	case AbortReset:
		if tcp != nil {
			_ = tcp.SetLinger(0)
		}
	case AbortHalfClose:
		if tc, ok := conn.(*tls.Conn); ok {
			_ = tc.CloseWrite() // close_notify, so that TLS sees a clean end
		}
		if tcp == nil || tcp.CloseWrite() != nil {
			return
		}
		s.drain(conn, r)
	}
}

// drain reads and discards r until it fails, closing conn when the server
// closes so that the read ends.
func (s *Server) drain(conn net.Conn, r io.Reader) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-s.done:
			conn.Close()
		case <-stop:
		}
	}()
	_, _ = io.Copy(io.Discard, r)
	close(stop)
	wg.Wait()
}

// tcpConnOf returns the TCP connection under c (below TLS and the
// server's connection tracking), or nil.
func tcpConnOf(c net.Conn) *net.TCPConn {
	for i := 0; i < 4; i++ { // a few layers at most
		switch v := c.(type) {
		case *net.TCPConn:
			return v
		case *trackedConn:
			c = v.Conn
		case *tls.Conn:
			c = v.NetConn()
		default:
			return nil
		}
	}
	return nil
}

// Blackhole is a TCP listener on 127.0.0.1 that accepts connections and
// never writes a byte on them: the peer of a TLS handshake that stalls
// after the ClientHello, or of a request that never gets an answer. It
// reads and discards what clients send. Its methods are safe for
// concurrent use.
type Blackhole struct {
	// Addr is the listener's address, "127.0.0.1:<port>".
	Addr string

	ln      net.Listener
	done    chan struct{}
	wg      sync.WaitGroup // the accept loop and the per-connection readers
	mu      sync.Mutex
	closed  bool
	conns   map[net.Conn]struct{}
	n       int
	changed chan struct{} // closed and replaced when n grows
}

// NewBlackhole starts a Blackhole. It panics if it cannot listen, like
// [New]. Call [Blackhole.Close] when done.
func NewBlackhole() *Blackhole {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("ssetest: listen: " + err.Error())
	}
	b := &Blackhole{
		Addr:    ln.Addr().String(),
		ln:      ln,
		done:    make(chan struct{}),
		conns:   map[net.Conn]struct{}{},
		changed: make(chan struct{}),
	}
	b.wg.Add(1)
	go b.accept()
	return b
}

// URL returns scheme + "://" + Addr + path, such as
// "https://127.0.0.1:<port>/events".
func (b *Blackhole) URL(scheme, path string) string {
	return scheme + "://" + b.Addr + path
}

func (b *Blackhole) accept() {
	defer b.wg.Done()
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			c.Close()
			return
		}
		b.conns[c] = struct{}{}
		b.n++
		close(b.changed)
		b.changed = make(chan struct{})
		b.wg.Add(1)
		b.mu.Unlock()
		go func() {
			defer b.wg.Done()
			_, _ = io.Copy(io.Discard, c)
			c.Close()
			b.mu.Lock()
			delete(b.conns, c)
			b.mu.Unlock()
		}()
	}
}

// Accepted returns how many connections have been accepted so far.
func (b *Blackhole) Accepted() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}

// WaitAccepted waits until at least n connections have been accepted. It
// returns early with context.Cause(ctx) when ctx ends, and with
// [ErrClosed] when the Blackhole is closed first.
func (b *Blackhole) WaitAccepted(ctx context.Context, n int) error {
	for {
		b.mu.Lock()
		got, changed := b.n, b.changed
		b.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-b.done:
			return ErrClosed
		}
	}
}

// Close closes the listener and every accepted connection, and waits for
// its goroutines to end. It is idempotent.
func (b *Blackhole) Close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	close(b.done)
	conns := make([]net.Conn, 0, len(b.conns))
	for c := range b.conns {
		conns = append(conns, c)
	}
	b.mu.Unlock()
	b.ln.Close()
	for _, c := range conns {
		c.Close()
	}
	b.wg.Wait()
}
