package ssetest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// EventsPath is the path of the endpoint that [New] installs.
const EventsPath = "/events"

// ErrClosed is returned by [Server.WaitRequests] and [Server.WaitFor] when
// the server was closed before the condition held.
var ErrClosed = errors.New("ssetest: server closed")

// Server is a running SSE + CORS test server with two listeners on
// 127.0.0.1: one plain HTTP (HTTP/1.1) and one TLS (HTTP/2 or HTTP/1.1, by
// ALPN), both serving the same endpoints. Its methods are safe for
// concurrent use.
type Server struct {
	// URL is the plain listener's base URL, "http://127.0.0.1:<port>",
	// without a trailing slash.
	URL string
	// TLSURL is the TLS listener's base URL, "https://127.0.0.1:<port>".
	TLSURL string

	cert      *testCert
	pool      *x509.CertPool
	plainAddr string
	tlsAddr   string
	plainPort string
	tlsPort   string
	servers   [2]*http.Server

	done      chan struct{} // closed by Close
	closeOnce sync.Once
	serving   sync.WaitGroup // the Serve goroutines
	handlers  sync.WaitGroup // running handler calls

	mu         sync.Mutex
	closed     bool
	routes     map[routeKey]*route
	reqs       []Request
	changed    chan struct{} // closed and replaced when reqs grows
	conns      map[*trackedConn]struct{}
	transports []*http.Transport
}

type routeKey struct{ host, path string }

// route is one installed endpoint; next numbers its connections.
type route struct {
	ep   Endpoint
	next int
}

// New starts a server with ep installed at [EventsPath] for every host. It
// panics if it cannot listen or generate its certificate, like
// net/http/httptest. Call [Server.Close] when done.
func New(ep Endpoint) *Server {
	cert, err := newTestCert(certHosts, time.Now())
	if err != nil {
		panic("ssetest: generating certificate: " + err.Error())
	}
	s := &Server{
		cert:    cert,
		pool:    x509.NewCertPool(),
		done:    make(chan struct{}),
		routes:  map[routeKey]*route{},
		changed: make(chan struct{}),
		conns:   map[*trackedConn]struct{}{},
	}
	s.pool.AddCert(cert.leaf)
	s.routes[routeKey{"", EventsPath}] = &route{ep: ep.clone()}

	plain, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("ssetest: listen: " + err.Error())
	}
	secure, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		plain.Close()
		panic("ssetest: listen: " + err.Error())
	}
	s.plainAddr, s.tlsAddr = plain.Addr().String(), secure.Addr().String()
	_, s.plainPort, _ = net.SplitHostPort(s.plainAddr)
	_, s.tlsPort, _ = net.SplitHostPort(s.tlsAddr)
	s.URL = "http://" + s.plainAddr
	s.TLSURL = "https://" + s.tlsAddr

	quiet := log.New(io.Discard, "", 0)
	for i := range s.servers {
		s.servers[i] = &http.Server{
			Handler:           http.HandlerFunc(s.serve),
			ReadHeaderTimeout: time.Minute,
			ErrorLog:          quiet,
		}
	}
	s.servers[1].TLSConfig = &tls.Config{
		Certificates: []tls.Certificate{cert.tls},
		MinVersion:   tls.VersionTLS12,
	}
	s.serving.Add(2)
	go func() {
		defer s.serving.Done()
		_ = s.servers[0].Serve(&trackListener{Listener: plain, s: s})
	}()
	go func() {
		defer s.serving.Done()
		// ServeTLS sets up HTTP/2 by ALPN and wraps the listener in TLS.
		_ = s.servers[1].ServeTLS(&trackListener{Listener: secure, s: s}, "", "")
	}()
	return s
}

// Handle installs ep at path for every host, replacing what was there
// (its connection numbering restarts at 0). It copies ep, so later changes
// to ep have no effect. It is safe while the server runs; requests already
// being answered keep the endpoint they started with.
func (s *Server) Handle(path string, ep Endpoint) {
	s.HandleHost("", path, ep)
}

// HandleHost is like [Server.Handle] but for requests whose host name
// (without the port, compared without regard to case) is host. A
// host-specific endpoint wins over one installed for every host; an empty
// host means every host.
func (s *Server) HandleHost(host, path string, ep Endpoint) {
	rt := &route{ep: ep.clone()}
	s.mu.Lock()
	s.routes[routeKey{strings.ToLower(host), path}] = rt
	s.mu.Unlock()
}

// lookup returns the route for host and path, or nil. s.mu must be held.
func (s *Server) lookup(host, path string) *route {
	if rt := s.routes[routeKey{host, path}]; rt != nil {
		return rt
	}
	return s.routes[routeKey{"", path}]
}

// EventsURL returns URL + [EventsPath].
func (s *Server) EventsURL() string { return s.URL + EventsPath }

// HostURL returns a URL for host on the listener scheme selects ("http" or
// "https"), with the listener's port: HostURL("https", APIHost, "/events")
// is "https://api.example.test:<tls port>/events". path may carry a query.
// Only clients that map the host to the server can use it, such as
// [Server.Client] or a browser with a host-resolver rule. It panics on
// another scheme.
func (s *Server) HostURL(scheme, host, path string) string {
	return s.Origin(scheme, host) + path
}

// Origin returns the serialized origin of a page on host served by the
// listener scheme selects: Origin("https", AppHost) is
// "https://app.example.test:<tls port>". It panics on a scheme other than
// "http" or "https".
func (s *Server) Origin(scheme, host string) string {
	return scheme + "://" + net.JoinHostPort(host, s.Port(scheme))
}

// Port returns the port of the listener scheme selects ("http" or
// "https"), for browser flags and custom dialers. It panics on another
// scheme.
func (s *Server) Port(scheme string) string {
	switch scheme {
	case "http":
		return s.plainPort
	case "https":
		return s.tlsPort
	}
	panic(fmt.Sprintf("ssetest: scheme %q is neither http nor https", scheme))
}

// CertPool returns a new pool holding the server's certificate.
func (s *Server) CertPool() *x509.CertPool { return s.pool.Clone() }

// Certificate returns the server's self-signed certificate (ECDSA P-256,
// valid for [CertHosts]).
func (s *Server) Certificate() *x509.Certificate { return s.cert.leaf }

// CertificatePEM returns the certificate in PEM form, for tools that take a
// file.
func (s *Server) CertificatePEM() []byte { return append([]byte(nil), s.cert.pem...) }

// Transport returns a new transport that reaches the server for any host
// name: a request to the plain or TLS listener's port (or to port 80 or
// 443) is dialed to that listener on 127.0.0.1, whatever the host; other
// ports are dialed only for loopback IP literals. It trusts the server's
// certificate (verifying the requested host name against it), negotiates
// HTTP/2 over TLS (set ForceAttemptHTTP2 to false for HTTP/1.1), and uses
// no proxy. [Server.Close] closes its idle connections.
func (s *Server) Transport() *http.Transport {
	tr := &http.Transport{
		DialContext:           s.dial,
		TLSClientConfig:       &tls.Config{RootCAs: s.CertPool(), MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   10 * time.Second,
		IdleConnTimeout:       30 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	s.mu.Lock()
	s.transports = append(s.transports, tr)
	s.mu.Unlock()
	return tr
}

// Client returns a new client using a new [Server.Transport], with no
// cookie jar, no timeout and the default redirect policy.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: s.Transport()}
}

func (s *Server) dial(ctx context.Context, _, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	target := addr
	switch port {
	case s.plainPort, "80":
		target = s.plainAddr
	case s.tlsPort, "443":
		target = s.tlsAddr
	default:
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("ssetest: no listener for %s", addr)
		}
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", target)
}

// Done returns a channel closed when [Server.Close] starts: custom
// handlers should return when it is.
func (s *Server) Done() <-chan struct{} { return s.done }

// Drop cuts every open connection to the server now, streams included, as
// httptest's CloseClientConnections does: a client in the middle of a
// stream sees a network error (io.ErrUnexpectedEOF over HTTP/1.1), not a
// clean end, and is free to reconnect: the server keeps running.
func (s *Server) Drop() {
	s.mu.Lock()
	conns := make([]*trackedConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// Close ends every stream, closes the listeners and every connection, and
// waits for the handlers and accept loops to return (net/http's
// per-connection goroutines end on their own once their connection is
// closed). It also closes
// the idle connections of the transports made by [Server.Transport] and
// [Server.Client]. Close is idempotent; it must not be called from an
// Endpoint's Handler, which it would wait for.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.done)
		s.mu.Unlock()
		for _, srv := range s.servers {
			srv.Close()
		}
		s.Drop() // connections http.Server no longer tracks (HTTP/2, hijacked)
		s.handlers.Wait()
		s.serving.Wait()
		s.mu.Lock()
		trs := s.transports
		s.transports = nil
		s.mu.Unlock()
		for _, tr := range trs {
			tr.CloseIdleConnections()
		}
	})
}

// trackListener records every accepted connection, so that Drop and Close
// can cut them at the TCP level, below TLS.
type trackListener struct {
	net.Listener
	s *Server
}

func (l *trackListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, s: l.s}
	l.s.mu.Lock()
	closed := l.s.closed
	if !closed {
		l.s.conns[tc] = struct{}{}
	}
	l.s.mu.Unlock()
	if closed {
		c.Close()
	}
	return tc, nil
}

type trackedConn struct {
	net.Conn
	s    *Server
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.s.mu.Lock()
		delete(c.s.conns, c)
		c.s.mu.Unlock()
	})
	return c.Conn.Close()
}
