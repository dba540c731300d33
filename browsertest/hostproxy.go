package browsertest

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// HostProxy is a tiny HTTP proxy on 127.0.0.1 that sends every test host
// name to the suite's [Server], for the engines that have no equivalent of
// Chromium's --host-resolver-rules (Firefox, WebKitGTK). Mapping names to
// 127.0.0.1 alone (Firefox's network.dns.localDomains, an /etc/hosts line)
// is not enough: the cases use ports 443, 8443 and 80, and the server
// listens on ports chosen at start-up, so that several suites can run at
// once on one machine.
//
//   - CONNECT <name>.test:443 or :8443 is tunnelled to the HTTPS listener
//     (the browser does TLS end to end with the server, as with Chromium's
//     rules; the proxy never sees the plain text).
//   - A plain request in absolute form (GET http://<name>.test/...) starts
//     a connection that is piped, bytes unchanged, to the HTTP listener; Go's
//     server takes the host from the absolute URL.
//   - Anything else gets 502 and the connection is closed: the browser sees
//     a network error, as Chromium does for a name that does not resolve.
type HostProxy struct {
	ln  net.Listener
	srv *Server

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// NewHostProxy starts a proxy for srv.
func NewHostProxy(srv *Server) (*HostProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &HostProxy{ln: ln, srv: srv, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Port is the proxy's loopback port.
func (p *HostProxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// Addr is "127.0.0.1:port".
func (p *HostProxy) Addr() string { return p.ln.Addr().String() }

// Close stops the proxy and closes every connection it holds; it returns
// when all its goroutines have ended.
func (p *HostProxy) Close() {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.ln.Close()
	p.wg.Wait()
}

// track registers c so that Close can close it; it reports false (and
// closes c) when the proxy is already closed.
func (p *HostProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *HostProxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *HostProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			continue
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer p.untrack(c)
			p.handle(c)
		}()
	}
}

// route returns the listener address for a test host and port, or "".
func (p *HostProxy) route(host, port string) string {
	host = strings.ToLower(host)
	switch {
	case strings.HasSuffix(host, ".test") && (port == "443" || port == "8443"):
		return p.srv.httpsLn.Addr().String()
	case strings.HasSuffix(host, ".test") && port == "80":
		return p.srv.httpLn.Addr().String()
	case (host == "localhost" || host == "127.0.0.1") && port == strconv.Itoa(p.srv.HTTPPort()):
		return p.srv.httpLn.Addr().String()
	}
	return ""
}

func (p *HostProxy) handle(c net.Conn) {
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	t0 := time.Now()
	line, err := peekLine(br)
	if err != nil {
		if debugProxy {
			println("proxy: no request line after", time.Since(t0).String(), err.Error())
		}
		return
	}
	fields := strings.Fields(line)
	if debugProxy {
		println("proxy:", time.Now().Format("15:04:05.000"), line, "after", time.Since(t0).String())
	}
	if len(fields) != 3 {
		io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
		return
	}
	var target string
	if fields[0] == http.MethodConnect {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		host, port, err := net.SplitHostPort(req.RequestURI)
		if err == nil {
			target = p.route(host, port)
		}
		if target == "" {
			io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n")
			return
		}
	} else {
		host, port := "", "80"
		if u, err := http.ReadRequest(bufio.NewReader(strings.NewReader(line + "\r\n\r\n"))); err == nil && u.URL.IsAbs() {
			host = u.URL.Hostname()
			if u.URL.Port() != "" {
				port = u.URL.Port()
			}
		}
		if u := strings.ToLower(fields[1]); !strings.HasPrefix(u, "http://") {
			host = ""
		}
		if target = p.route(host, port); target == "" || target == p.srv.httpsLn.Addr().String() {
			io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n")
			return
		}
	}
	up, err := net.DialTimeout("tcp", target, 5*time.Second)
	if err != nil {
		io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n")
		return
	}
	if !p.track(up) {
		return
	}
	defer p.untrack(up)
	c.SetReadDeadline(time.Time{})
	if fields[0] == http.MethodConnect {
		if _, err := io.WriteString(c, "HTTP/1.1 200 Connection Established\r\n\r\n"); err != nil {
			return
		}
	}
	// Pipe both ways; when one direction ends, end both.
	done := make(chan struct{}, 2)
	go func() {
		io.Copy(up, br) // br holds what was already read, then reads c
		if tc, ok := up.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
		done <- struct{}{}
	}()
	go func() {
		io.Copy(c, up)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
		done <- struct{}{}
	}()
	<-done
	// Give the other direction a moment to drain its last bytes, then
	// close both ends so that it ends too.
	t := time.NewTimer(2 * time.Second)
	select {
	case <-done:
		t.Stop()
		return
	case <-t.C:
	}
	c.Close()
	up.Close()
	<-done
}

// peekLine returns the first line of the connection without consuming it.
// It peeks only at bytes that have arrived (plus one more when the line is
// not complete yet), so that it never waits for more than the line.
func peekLine(br *bufio.Reader) (string, error) {
	n := 1 // wait for at least one byte
	for {
		if _, err := br.Peek(n); err != nil {
			return "", err
		}
		b, _ := br.Peek(br.Buffered()) // all that has arrived: no wait
		if i := bytes.Index(b, []byte("\r\n")); i >= 0 {
			return string(b[:i]), nil
		}
		if n = len(b) + 1; n > br.Size() {
			return "", bufio.ErrBufferFull
		}
	}
}

// debugProxy (SSECORS_DEBUG_PROXY=1) prints each connection's request line
// and how long it took to arrive, to diagnose an engine's connections.
var debugProxy = os.Getenv("SSECORS_DEBUG_PROXY") != ""
