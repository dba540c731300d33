// Package sseserver runs the loopback SSE servers the benchmarks connect
// to: a generator that writes a deterministic corpus as fast as it can, an
// idle endpoint that sends one event and then holds the connection, and a
// dropping server that ends the stream every few events and resumes from
// Last-Event-ID.
//
// Servers listen on 127.0.0.1 only.
package sseserver

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/ssecors/ssecors-go/bench/corpus"
)

// Server is a running loopback HTTP server.
type Server struct {
	// URL is the base URL, such as "http://127.0.0.1:41234".
	URL  string
	srv  *http.Server
	done chan struct{}
	once sync.Once
}

// start serves the handler that mk returns on a new 127.0.0.1 listener;
// done is closed when the server closes.
func start(mk func(done <-chan struct{}) http.Handler) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	s := &Server{
		URL:  "http://" + ln.Addr().String(),
		srv:  &http.Server{Handler: mk(done), ReadHeaderTimeout: 10 * time.Second},
		done: done,
	}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server and closes every connection.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.done)
		_ = s.srv.Close()
	})
}

func sseHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
}

// chunk is how much the generator writes before each flush.
const chunk = 64 << 10

// NewGenerator starts a server whose /stream?n=N endpoint writes the first
// N events of the corpus c repeated (whole events only), flushing every 64
// KiB, and then holds the connection open until the client leaves or the
// server closes. Holding on keeps reconnections out of the measurement.
func NewGenerator(c *corpus.Corpus) (*Server, error) {
	return start(func(done <-chan struct{}) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			generate(w, r, c, done)
		})
	})
}

func generate(w http.ResponseWriter, r *http.Request, c *corpus.Corpus, done <-chan struct{}) {
	n, err := strconv.Atoi(r.URL.Query().Get("n"))
	if err != nil || n < 0 {
		http.Error(w, "bad n", http.StatusBadRequest)
		return
	}
	sseHeaders(w)
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	for n > 0 {
		body := c.Data
		if n >= c.Events {
			n -= c.Events
		} else {
			body = c.Data[:c.Offsets[n]]
			n = 0
		}
		for len(body) > 0 {
			k := min(chunk, len(body))
			if _, err := w.Write(body[:k]); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
			body = body[k:]
		}
	}
	select {
	case <-r.Context().Done():
	case <-done:
	}
}

// IdleEvent is the one event the idle endpoint sends.
const IdleEvent = "id: 1\ndata: hello\n\n"

// NewIdle starts a server whose every request gets IdleEvent and then an
// open, silent stream until the client leaves or the server closes.
func NewIdle() (*Server, error) {
	return start(func(done <-chan struct{}) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			idle(w, r, done)
		})
	})
}

func idle(w http.ResponseWriter, r *http.Request, done <-chan struct{}) {
	sseHeaders(w)
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte(IdleEvent)); err != nil {
		return
	}
	if err := http.NewResponseController(w).Flush(); err != nil {
		return
	}
	select {
	case <-r.Context().Done():
	case <-done:
	}
}

// DropMode says how the dropping server ends a connection.
type DropMode string

// The two ways a connection is dropped.
const (
	// DropClean ends the response properly after whole events.
	DropClean DropMode = "clean"
	// DropAbort writes the id line and part of the data line of the next
	// event, then aborts the connection without ending the chunked body.
	DropAbort DropMode = "abort"
)

// DropConfig configures a dropping server.
type DropConfig struct {
	Mode  DropMode
	Every int // events per dropped connection
	Drops int // connections dropped before the final one
	// RetryMillis, when > 0, is sent as "retry:" in the first event of
	// every connection.
	RetryMillis int
}

// Total returns the number of events of the whole stream: (Drops+1)*Every.
func (c DropConfig) Total() int { return (c.Drops + 1) * c.Every }

// Dropper is a running dropping server.
type Dropper struct {
	*Server
	cfg    DropConfig
	closed <-chan struct{}

	mu       sync.Mutex
	conns    int
	lastDrop time.Time
	resumes  []time.Duration
	badLEID  int
	noLEID   int
}

// NewDropper starts a dropping server. Connection k (from 0) reads
// Last-Event-ID L (0 when absent) and sends events L+1 to L+Every; while
// k < Drops and L+Every < Total it then drops the connection as cfg.Mode
// says. Otherwise the connection is final: it sends every event up to Total
// (none when L >= Total) and holds the stream open.
func NewDropper(cfg DropConfig) (*Dropper, error) {
	d := &Dropper{cfg: cfg}
	s, err := start(func(done <-chan struct{}) http.Handler {
		d.closed = done
		return http.HandlerFunc(d.serve)
	})
	if err != nil {
		return nil, err
	}
	d.Server = s
	return d, nil
}

func (d *Dropper) serve(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	last := 0
	hv := r.Header.Get("Last-Event-ID")
	d.mu.Lock()
	k := d.conns
	d.conns++
	if k > 0 && !d.lastDrop.IsZero() {
		d.resumes = append(d.resumes, now.Sub(d.lastDrop))
	}
	d.lastDrop = time.Time{}
	if hv == "" {
		if k > 0 {
			d.noLEID++
		}
	} else if n, err := strconv.Atoi(hv); err == nil && n >= 0 {
		last = n
	} else {
		d.badLEID++
	}
	d.mu.Unlock()

	sseHeaders(w)
	w.WriteHeader(http.StatusOK)
	// The last connection, and any that asks for nothing more, sends the
	// rest and holds: no event id ever exceeds Total.
	end := last + d.cfg.Every
	final := k >= d.cfg.Drops || end >= d.cfg.Total()
	if final {
		end = d.cfg.Total()
	}
	buf := make([]byte, 0, 300*(end-last+1))
	for id := last + 1; id <= end; id++ {
		retry := 0
		if id == last+1 {
			retry = d.cfg.RetryMillis
		}
		buf = corpus.AppendEvent(buf, id, retry)
	}
	if !final && d.cfg.Mode == DropAbort {
		next := corpus.AppendEvent(nil, end+1, 0)
		buf = append(buf, next[:len(next)/2]...) // "id: N\ndata: {..." cut in the data line
	}
	rc := http.NewResponseController(w)
	if _, err := w.Write(buf); err != nil {
		return
	}
	if err := rc.Flush(); err != nil {
		return
	}
	if final {
		select {
		case <-r.Context().Done():
		case <-d.closed:
		}
		return
	}
	d.mu.Lock()
	d.lastDrop = time.Now()
	d.mu.Unlock()
	if d.cfg.Mode == DropAbort {
		panic(http.ErrAbortHandler)
	}
}

// DropStats is what the dropping server saw.
type DropStats struct {
	Connections int
	// Resumes holds, for each reconnection, the time from the end of the
	// previous connection to the arrival of the new request.
	Resumes []time.Duration
	// NoLastEventID counts reconnections without Last-Event-ID.
	NoLastEventID int
	// BadLastEventID counts reconnections with an unparsable Last-Event-ID.
	BadLastEventID int
}

// Stats returns a snapshot of what the server saw.
func (d *Dropper) Stats() DropStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return DropStats{
		Connections:    d.conns,
		Resumes:        append([]time.Duration(nil), d.resumes...),
		NoLastEventID:  d.noLEID,
		BadLastEventID: d.badLEID,
	}
}

// String describes the configuration.
func (c DropConfig) String() string {
	return fmt.Sprintf("%s drop every %d events, %d drops", c.Mode, c.Every, c.Drops)
}
