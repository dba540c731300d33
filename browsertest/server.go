package browsertest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"html"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxHold bounds how long a held stream stays open when the client does
// not leave: every wait of the suite is bounded.
const maxHold = 20 * time.Second

// abortDelay is how long a response that ends with Abort stays open after
// its body before the reset.
const abortDelay = 300 * time.Millisecond

// Server is the suite's HTTP and HTTPS server on 127.0.0.1. Every test
// host name (see hosts.go) reaches it: browsers through
// --host-resolver-rules, ssecors through [Server.Client]. Requests are
// routed by path:
//
//	/r/<run>/login   answers with the case's Set-Cookie lines for that origin
//	/r/<run>/page    the page that runs new EventSource(...)
//	/r/<run>/e/<ep>  endpoint ep of the case: the n-th request gets the
//	                 n-th scripted response (the last one repeats)
//
// Every request to an endpoint, OPTIONS included, is recorded in the run's
// log when it arrives.
type Server struct {
	httpsLn, httpLn net.Listener
	servers         []*http.Server
	pool            *x509.CertPool
	done            chan struct{}
	closeOnce       sync.Once

	mu   sync.Mutex
	runs map[string]*runState
}

// runState is what the server knows of one run of one case.
type runState struct {
	c      *Case
	counts map[string]int
	log    []Request
}

// Request is one request received by an endpoint.
type Request struct {
	At          time.Time
	Method      string
	Scheme      string
	Host        string // with the port only when it is not the scheme's default
	Endpoint    string
	Attempt     int // 0 for the first request to the endpoint
	Origin      string
	HasOrigin   bool
	Cookie      string
	LastEventID string
	HasLEID     bool
	ACRMethod   string
	ACRHeaders  string
	// Accept, CacheControl and Pragma are the request's values of those
	// headers ("-" when absent).
	Accept, CacheControl, Pragma string
	// Referer is recorded for the report but not compared: ssecors, like
	// any non-browser client, sends none.
	Referer string
	// AcceptEncoding is recorded, not compared: the doctor sends what
	// Chromium sends (TestChromiumAcceptEncoding), ssecors what Go does.
	AcceptEncoding string

	// Fetch is set for the requests of a fetch case, which describe
	// themselves with the fields below too.
	Fetch bool
	// ContentType is the Content-Type request header ("-" when absent).
	ContentType string
	// ContentLength is the declared body length (-1: unknown, chunked).
	ContentLength int64
	// Body is the request body (at most maxBody bytes).
	Body string
	// Page are the values of the headers the case's page sets itself
	// (FetchInit.Headers, by lowercase name, in the case's order; "-"
	// when absent).
	Page [][2]string
}

// maxBody bounds the request body the server records.
const maxBody = 4 << 10

// NewServer starts the server with a self-signed certificate generated
// now for the test host names.
func NewServer() (*Server, error) {
	cert, pool, err := newCert()
	if err != nil {
		return nil, err
	}
	s := &Server{pool: pool, done: make(chan struct{}), runs: make(map[string]*runState)}
	if s.httpsLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, err
	}
	if s.httpLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		s.httpsLn.Close()
		return nil, err
	}
	quiet := log.New(io.Discard, "", 0)
	tlsSrv := &http.Server{
		Handler:           http.HandlerFunc(s.serve),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ErrorLog:          quiet,
		ReadHeaderTimeout: 10 * time.Second,
	}
	plain := &http.Server{Handler: http.HandlerFunc(s.serve), ErrorLog: quiet, ReadHeaderTimeout: 10 * time.Second}
	s.servers = []*http.Server{tlsSrv, plain}
	go tlsSrv.ServeTLS(s.httpsLn, "", "")
	go plain.Serve(s.httpLn)
	return s, nil
}

// Close stops the server: held streams end and connections are closed.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		for _, srv := range s.servers {
			srv.Close()
		}
	})
}

// HTTPSPort and HTTPPort are the loopback ports of the two listeners.
func (s *Server) HTTPSPort() int { return s.httpsLn.Addr().(*net.TCPAddr).Port }

// HTTPPort is the port of the plain HTTP listener.
func (s *Server) HTTPPort() int { return s.httpLn.Addr().(*net.TCPAddr).Port }

// HostRules is the value of Chromium's --host-resolver-rules that sends
// every test host to this server: ports 443 and 8443 to the HTTPS listener,
// port 80 to the plain one.
func (s *Server) HostRules() string {
	var rules []string
	for _, suffix := range []string{"*.test", "*.example.test", "*.other.test"} {
		rules = append(rules,
			fmt.Sprintf("MAP %s:443 127.0.0.1:%d", suffix, s.HTTPSPort()),
			fmt.Sprintf("MAP %s:8443 127.0.0.1:%d", suffix, s.HTTPSPort()),
			fmt.Sprintf("MAP %s:80 127.0.0.1:%d", suffix, s.HTTPPort()))
	}
	return strings.Join(rules, ", ")
}

// Client returns an HTTP client that reaches this server for every test
// host (as the browser's host rules do), trusts its certificate, and
// refuses any other destination.
func (s *Server) Client() *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			host = strings.ToLower(host) // as a resolver would
			switch {
			case strings.HasSuffix(host, ".test") && (port == "443" || port == "8443"):
				return dialer.DialContext(ctx, network, s.httpsLn.Addr().String())
			case strings.HasSuffix(host, ".test") && port == "80":
				return dialer.DialContext(ctx, network, s.httpLn.Addr().String())
			case (host == "localhost" || host == "127.0.0.1") && port == strconv.Itoa(s.HTTPPort()):
				return dialer.DialContext(ctx, network, s.httpLn.Addr().String())
			}
			return nil, fmt.Errorf("browsertest: no route to %s", addr)
		},
		TLSClientConfig:       &tls.Config{RootCAs: s.pool, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
		MaxIdleConnsPerHost:   4,
	}
	return &http.Client{Transport: tr}
}

// CloseIdle closes the idle connections of a client made by Client.
func CloseIdle(c *http.Client) {
	if tr, ok := c.Transport.(*http.Transport); ok {
		tr.CloseIdleConnections()
	}
}

// Register makes the server answer for run with the case's script.
func (s *Server) Register(run string, c *Case) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs[run] = &runState{c: c, counts: make(map[string]int)}
}

// Log returns a copy of the requests the run's endpoints received.
func (s *Server) Log(run string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.runs[run]; st != nil {
		return append([]Request(nil), st.log...)
	}
	return nil
}

// displayHost is the request's host as an origin shows it: without the
// scheme's default port, and with the plain listener's real port replaced
// by a placeholder for localhost and 127.0.0.1.
func (s *Server) displayHost(r *http.Request, scheme string) string {
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		return strings.ToLower(r.Host)
	}
	switch {
	case scheme == "https" && port == "443", scheme == "http" && port == "80":
		return strings.ToLower(host)
	case port == strconv.Itoa(s.HTTPPort()):
		return strings.ToLower(host) + ":{httpport}"
	}
	return strings.ToLower(host) + ":" + port
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 4)
	if len(parts) < 3 || parts[0] != "r" {
		http.NotFound(w, r)
		return
	}
	run, kind := parts[1], parts[2]
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := s.displayHost(r, scheme)
	// The body is read before taking the lock: a slow client must not
	// hold up the other runs.
	var body []byte
	if kind == "e" && r.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(r.Body, maxBody))
	}

	s.mu.Lock()
	st := s.runs[run]
	if st == nil {
		s.mu.Unlock()
		http.NotFound(w, r)
		return
	}
	c := st.c
	var resp Resp
	switch {
	case kind == "e" && len(parts) == 4:
		ep := parts[3]
		script := c.Eps[ep]
		req := Request{
			At: time.Now(), Method: r.Method, Scheme: scheme, Host: host, Endpoint: ep,
			Cookie:    r.Header.Get("Cookie"),
			ACRMethod: r.Header.Get("Access-Control-Request-Method"), ACRHeaders: r.Header.Get("Access-Control-Request-Headers"),
			Accept: headerOrDash(r.Header, "Accept"), CacheControl: headerOrDash(r.Header, "Cache-Control"),
			Pragma: headerOrDash(r.Header, "Pragma"), Referer: r.Header.Get("Referer"),
			AcceptEncoding: r.Header.Get("Accept-Encoding"),
		}
		if v, ok := r.Header["Origin"]; ok {
			req.Origin, req.HasOrigin = strings.Join(v, ", "), true
		}
		if v, ok := r.Header["Last-Event-Id"]; ok {
			req.LastEventID, req.HasLEID = strings.Join(v, ", "), true
		}
		if c.Fetch != nil {
			req.Fetch = true
			req.ContentType = headerOrDash(r.Header, "Content-Type")
			req.ContentLength = r.ContentLength
			for _, name := range c.Fetch.pageHeaderNames() {
				req.Page = append(req.Page, [2]string{name, headerOrDash(r.Header, name)})
			}
			req.Body = string(body)
		}
		if r.Method == http.MethodOptions {
			req.Attempt = -1
			n := st.counts["OPTIONS "+ep]
			st.counts["OPTIONS "+ep]++
			st.log = append(st.log, req)
			s.mu.Unlock()
			s.writeResp(w, r, run, c.preflight(ep, n))
			return
		}
		req.Attempt = st.counts[ep]
		st.counts[ep]++
		st.log = append(st.log, req)
		if len(script) == 0 {
			s.mu.Unlock()
			http.NotFound(w, r)
			return
		}
		resp = script[min(req.Attempt, len(script)-1)]
		s.mu.Unlock()
		s.writeResp(w, r, run, resp)
	case kind == "login":
		s.mu.Unlock()
		origin := scheme + "://" + host
		h := w.Header()
		for _, p := range c.Cookies {
			if p.Origin == origin {
				h.Add("Set-Cookie", p.SetCookie)
			}
		}
		h.Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!doctype html><title>login</title>logged in")
	case kind == "page":
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		io.WriteString(w, "<!doctype html><meta charset=utf-8><title>"+html.EscapeString(c.Name)+"</title>"+pageScript+fetchScript)
	default:
		s.mu.Unlock()
		http.NotFound(w, r)
	}
}

// writeResp writes one scripted response.
func (s *Server) writeResp(w http.ResponseWriter, r *http.Request, run string, resp Resp) {
	if resp.Then == AbortBeforeHeaders {
		panic(http.ErrAbortHandler)
	}
	expand := func(v string) string {
		v = strings.ReplaceAll(v, "{run}", "/r/"+run)
		v = strings.ReplaceAll(v, "{origin}", r.Header.Get("Origin"))
		return strings.ReplaceAll(v, "{httpport}", strconv.Itoa(s.HTTPPort()))
	}
	h := w.Header()
	switch resp.ContentType {
	case "":
		h.Set("Content-Type", "text/event-stream")
	case NoContentType:
		h["Content-Type"] = nil // stops net/http from sniffing one
	default:
		h.Set("Content-Type", resp.ContentType)
	}
	for _, kv := range resp.Header {
		h[kv[0]] = append(h[kv[0]], expand(kv[1]))
	}
	for _, sc := range resp.SetCookie {
		h.Add("Set-Cookie", sc)
	}
	if resp.Location != "" {
		h.Set("Location", expand(resp.Location))
	}
	h.Set("Cache-Control", "no-store")
	status := resp.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	if resp.Body != "" && status != http.StatusNoContent && status != http.StatusNotModified {
		io.WriteString(w, expand(resp.Body))
	}
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	switch resp.Then {
	case Hold:
		t := time.NewTimer(maxHold)
		defer t.Stop()
		select {
		case <-r.Context().Done():
		case <-s.done:
		case <-t.C:
		}
	case Abort:
		// Give the client time to process what was sent, so that the
		// reset really comes mid-stream and not with the headers.
		t := time.NewTimer(abortDelay)
		defer t.Stop()
		select {
		case <-r.Context().Done():
		case <-s.done:
		case <-t.C:
		}
		panic(http.ErrAbortHandler)
	}
}

// newCert generates an ECDSA self-signed certificate for the test hosts
// and a pool that trusts it.
func newCert() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "ssecors browsertest"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(48 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"example.test", "*.example.test", "other.test", "*.other.test", "localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}

// describe renders a request for comparison: everything a browser decides
// (method, where it went, Origin, cookies, Last-Event-ID, preflight
// headers), nothing that depends on timing. Cookie pairs are sorted so
// that creation-time ties do not matter.
func (r Request) describe() string {
	if r.Fetch {
		return r.describeFetch()
	}
	var b strings.Builder
	r.describeHead(&b)
	// The request headers every EventSource GET carries (rule 2.5) are
	// shown only when they are not the expected ones.
	if r.Method == http.MethodGet {
		if r.Accept != "text/event-stream" {
			fmt.Fprintf(&b, " Accept=%q", r.Accept)
		}
		if r.CacheControl != "no-cache" {
			fmt.Fprintf(&b, " Cache-Control=%q", r.CacheControl)
		}
		if r.Pragma != "no-cache" {
			fmt.Fprintf(&b, " Pragma=%q", r.Pragma)
		}
	}
	if r.ACRMethod != "" {
		fmt.Fprintf(&b, " ACR-Method=%s", r.ACRMethod)
	}
	if r.ACRHeaders != "" {
		fmt.Fprintf(&b, " ACR-Headers=%s", r.ACRHeaders)
	}
	return b.String()
}

// headerOrDash returns the values of a request header joined by ", ", or
// "-" when it is absent.
func headerOrDash(h http.Header, name string) string {
	v, ok := h[http.CanonicalHeaderKey(name)]
	if !ok {
		return "-"
	}
	return strings.Join(v, ", ")
}

// describeHead writes what every request description starts with: method,
// URL, Origin, Cookie and Last-Event-ID.
func (r Request) describeHead(b *strings.Builder) {
	fmt.Fprintf(b, "%s %s://%s/%s", r.Method, r.Scheme, r.Host, r.Endpoint)
	if r.HasOrigin {
		fmt.Fprintf(b, " Origin=%s", r.Origin)
	}
	if r.Cookie != "" {
		pairs := strings.Split(r.Cookie, "; ")
		sort.Strings(pairs)
		fmt.Fprintf(b, " Cookie=[%s]", strings.Join(pairs, " "))
	}
	if r.HasLEID {
		fmt.Fprintf(b, " Last-Event-ID=%q", r.LastEventID)
	}
}
