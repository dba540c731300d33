package doctor

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ssecors/ssecors-go/internal/inspect"
)

// This file holds the production checks: what breaks a stream that a
// browser opened once it runs behind real infrastructure — the protocol
// (HTTP/1.1's connection limit), compression, a buffering intermediary,
// idle timeouts (with Options.Watch) and CORS and reconnection hygiene.
// Each reads what the wire recorder saw (wire.go); none changes the
// verdict, which stays "would a browser open the stream".

// The thresholds of the buffering heuristics.
const (
	// burstWindow groups reads that arrived this close together: events
	// delivered within it arrived at once.
	burstWindow = time.Millisecond
	// burstSilence is the silence before a group of events that makes it
	// a burst.
	burstSilence = 250 * time.Millisecond
	// burstEvents is the number of events that makes a group a burst.
	burstEvents = 3
	// withHeaders is how soon after the headers the first bytes count as
	// having come with them: the client checks the response before it
	// reads the body.
	withHeaders = 50 * time.Millisecond
	// lateStart is the wait between the headers and the first bytes that
	// counts as late when those bytes carry several events.
	lateStart = time.Second
	// pageSize is the block a buffering proxy releases: nginx's
	// proxy_buffer_size and proxy_buffers are one memory page by default.
	pageSize = 4096
)

// commonIdleTimeout is a common default idle limit of a proxy or a load
// balancer, with where it is documented.
type commonIdleTimeout struct {
	who    string
	limit  time.Duration
	source string
}

// commonIdleTimeouts are common defaults, not facts about any one setup,
// shortest first.
var commonIdleTimeouts = []commonIdleTimeout{
	{"Google Cloud Application Load Balancer, backend service timeout (it bounds the whole response: raise it for streams, heartbeats do not extend it)", 30 * time.Second,
		"cloud.google.com/load-balancing/docs/backend-service#timeout-setting"},
	{"Heroku router, rolling window once the first byte is sent (which must come within 30 s)", 55 * time.Second,
		"devcenter.heroku.com/articles/http-routing#timeouts"},
	{"nginx proxy_read_timeout", 60 * time.Second,
		"nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_read_timeout"},
	{"AWS Application Load Balancer, connection idle timeout", 60 * time.Second,
		"docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#connection-idle-timeout"},
	{"Cloudflare proxy read timeout (error 524)", 100 * time.Second,
		"developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/error-524/"},
}

// cutSilence is the silence before the end of a stream that makes the
// end look like an idle timeout.
const cutSilence = 500 * time.Millisecond

// maxIdleLines bounds the connections the idle step lists.
const maxIdleLines = 6

// heartbeat is the heartbeat interval recommended when nothing shorter
// was seen: half the shortest common default.
const heartbeat = 15 * time.Second

// streamHop returns the hop of attempt a that opened the stream (its
// last), or nil.
func streamHop(a *diagAttempt) *diagHop {
	if a == nil || !a.opened || len(a.hops) == 0 {
		return nil
	}
	h := a.hops[len(a.hops)-1]
	if h.resp == nil {
		return nil
	}
	return h
}

// productionSteps returns the production checks of an opened stream.
func (d *diagnosis) productionSteps(first *diagAttempt) []Step {
	h := streamHop(first)
	if h == nil {
		return nil
	}
	steps := []Step{d.protocolStep(h), compressionStep(h)}
	steps = append(steps, d.bufferingStep(h))
	if d.opts.Watch > 0 {
		steps = append(steps, d.idleStep())
	}
	steps = append(steps, d.hygieneStep(first, h))
	return steps
}

func (d *diagnosis) protocolStep(h *diagHop) Step {
	proto := h.resp.Proto
	s := Step{Name: "protocol"}
	switch {
	case strings.HasPrefix(proto, "HTTP/2"), strings.HasPrefix(proto, "HTTP/3"):
		s.Mark = MarkPass
		s.Title = proto + ": a browser carries every stream to this host over one connection, so the per-host connection limit of HTTP/1.1 does not apply"
	case proto == "":
		s.Mark = MarkInfo
		s.Title = "the protocol is unknown"
	default:
		s.Mark = MarkWarn
		s.Title = proto + ": a browser opens at most 6 connections per host, shared by all its tabs, and each open stream holds one"
		s.Details = []string{
			"Chromium, Firefox and Safari allow 6 HTTP/1.1 connections per host (scheme, host and port) per profile: with the stream open in 6 tabs, the 7th tab's EventSource, and every other request of those pages to this host, waits until one closes",
			"HTTP/2 multiplexes requests over one connection (up to the server's SETTINGS_MAX_CONCURRENT_STREAMS, commonly 100 or more), which lifts the limit",
		}
		s.Fix = "serve the stream over HTTP/2: HTTPS with ALPN h2 on the server or on the proxy in front of it (nginx: \"listen 443 ssl http2;\"); or share one stream between tabs (SharedWorker, BroadcastChannel)"
	}
	return s
}

func compressionStep(h *diagHop) Step {
	s := Step{Name: "compression"}
	w := h.wire
	if w == nil {
		s.Mark, s.Title = MarkInfo, "not checked: the response was not recorded"
		return s
	}
	asked := "the request carried Accept-Encoding: " + w.sentEncoding
	if w.sentEncoding == browserAcceptEncoding(w.url) {
		asked += ", as Chromium sends it to this origin"
	}
	if w.encoding == "" || w.encoding == "identity" {
		s.Mark = MarkPass
		s.Title = "not compressed (no Content-Encoding)"
		s.Details = []string{asked}
		return s
	}
	s.Mark = MarkWarn
	s.Title = "the event stream is compressed (Content-Encoding: " + w.encoding + "): events may arrive late or in bursts"
	s.Details = []string{asked,
		"a browser decodes it, but a compressor sends nothing until it has a block to send unless it is flushed after every event, and compressing proxies and middleware buffer for that reason",
	}
	if !w.decoded {
		s.Details = append(s.Details, "this check cannot decode "+w.encoding+", so it could not read the events")
	}
	s.Fix = "serve text/event-stream uncompressed: nginx: leave text/event-stream out of gzip_types (or \"gzip off;\" in the stream's location); Apache mod_deflate: \"SetEnv no-gzip 1\" for the stream; Node's compression(): skip text/event-stream in its filter; and send \"Cache-Control: no-cache, no-transform\", which asks proxies and CDNs not to transform the body"
	return s
}

// delivery is a group of reads that arrived within burstWindow of each
// other.
type delivery struct {
	at      time.Time
	silence time.Duration // since the previous delivery, or the headers
	bytes   int
	events  int
}

// bufferingEvidence is what the heuristics found on one response.
type bufferingEvidence struct {
	signals []string
	score   int // 0: none; 1 possible (info); 2 likely; 3 or more almost certain
	events  int
	reads   int
}

// bufferingSignals applies the heuristics to what one response showed.
func bufferingSignals(w *wireConn) bufferingEvidence {
	w.mu.Lock()
	reads := append([]wireRead(nil), w.reads...)
	headers, start := w.headers, w.start
	ev := bufferingEvidence{events: w.nEvents, reads: w.nReads}
	w.mu.Unlock()

	var ds []delivery
	prev := headers
	for _, r := range reads {
		if n := len(ds); n > 0 && r.at.Sub(prev) <= burstWindow {
			ds[n-1].bytes += r.n
			ds[n-1].events += r.events
		} else {
			ds = append(ds, delivery{at: r.at, silence: r.at.Sub(prev), bytes: r.n, events: r.events})
		}
		prev = r.at
	}
	if len(ds) == 0 {
		return ev
	}
	// Headers long before the first bytes, which carry several events.
	if first := ds[0]; first.silence >= lateStart && first.events >= 2 {
		ev.signals = append(ev.signals, fmt.Sprintf("the headers arrived %s before the first bytes, which carried %d events at once", round(first.silence), first.events))
		ev.score++
	}
	if first := &ds[0]; first.silence <= withHeaders && !start.IsZero() {
		// The first bytes came with the headers (this client reads them a
		// moment later): a buffering proxy holds both, so for a burst the
		// silence is the wait since the request.
		first.silence = first.at.Sub(start)
	}
	// Bursts: many events within a millisecond after a silence.
	bursts, burstEv := 0, 0
	var longest time.Duration
	for _, dl := range ds {
		if dl.events >= burstEvents && dl.silence >= burstSilence {
			bursts++
			burstEv += dl.events
			longest = max(longest, dl.silence)
		}
	}
	if bursts > 0 {
		ev.signals = append(ev.signals, fmt.Sprintf("%d time(s), after a silence of up to %s, %d or more events arrived within a millisecond (%d in all)", bursts, round(longest), burstEvents, burstEv))
		// One burst may be a server writing a batch, or this client
		// stalling; a proxy releasing its buffer bursts again and again.
		ev.score += min(bursts, 2)
	}
	// Blocks of a proxy buffer's size (the last delivery may be a partial
	// buffer flushed at the end).
	aligned := 0
	for i, dl := range ds {
		if i < len(ds)-1 && dl.bytes >= pageSize && dl.bytes%pageSize == 0 {
			aligned++
		}
	}
	if aligned >= 2 {
		ev.signals = append(ev.signals, fmt.Sprintf("%d deliveries were whole multiples of %d bytes: blocks the size of a proxy buffer (nginx's proxy_buffers are one memory page by default)", aligned, pageSize))
		ev.score += 2
	}
	return ev
}

func (d *diagnosis) bufferingStep(h *diagHop) Step {
	s := Step{Name: "buffering"}
	var conns []*wireConn
	if h.wire != nil {
		conns = append(conns, h.wire)
	}
	if d.opts.Watch > 0 {
		conns = d.streamWires()
	}
	best := bufferingEvidence{}
	for _, w := range conns {
		if e := bufferingSignals(w); e.score > best.score || best.reads == 0 {
			best = e
		}
	}
	if best.score == 0 {
		if best.events < 2 {
			s.Mark = MarkInfo
			s.Title = "not enough to judge: fewer than 2 events arrived"
			return s
		}
		s.Mark = MarkPass
		s.Title = "no sign of an intermediary holding events back"
		s.Details = []string{"checked: the wait between the headers and the first bytes, bursts of events after a silence, blocks of a proxy buffer's size"}
		return s
	}
	if best.score == 1 {
		s.Mark = MarkInfo
		s.Title = "possibly a buffering intermediary: one sign of it, not enough to warn"
		s.Details = append(s.Details, best.signals...)
		s.Details = append(s.Details, "a server that writes several events at once, or a stall of this client, looks the same: watch the stream longer (Options.Watch, --watch 30s) to tell")
		return s
	}
	sure := "likely"
	if best.score >= 3 {
		sure = "almost certain"
	}
	s.Mark = MarkWarn
	s.Title = "events arrive in bursts: something between the server and this client buffers the stream (" + sure + ")"
	s.Details = append(s.Details, best.signals...)
	s.Details = append(s.Details,
		"a browser receives the same bursts: events arrive late, and a stream that stays quiet may show nothing at all",
		"(heuristics: "+sure+" from "+fmt.Sprint(len(best.signals))+" signal(s); a server that writes several events per flush can look the same)")
	s.Fix = "send \"X-Accel-Buffering: no\" with the stream (nginx then passes that response through unbuffered) and \"Cache-Control: no-cache, no-transform\"; or turn buffering off on the proxy (nginx: \"proxy_buffering off;\" in the stream's location); and flush after every event"
	return s
}

// streamWires returns the records of every response that opened the
// stream, in order.
func (d *diagnosis) streamWires() []*wireConn {
	var out []*wireConn
	for _, a := range d.attempts {
		if h := streamHop(a); h != nil && h.wire != nil {
			out = append(out, h.wire)
		}
	}
	return out
}

func (d *diagnosis) idleStep() Step {
	s := Step{Name: "idle"}
	var (
		longest  time.Duration
		cuts     int
		shortCut time.Duration
		comments int
		drops    int
	)
	n := 0
	for _, a := range d.attempts {
		h := streamHop(a)
		if h == nil || h.wire == nil {
			continue
		}
		n++
		w := h.wire
		w.mu.Lock()
		gap, last, end, endErr, cut := w.longest, w.last, w.end, w.endErr, w.cut
		nEv, nCom := w.nEvents, w.nComments
		w.mu.Unlock()
		comments += nCom
		line := fmt.Sprintf("connection %d: %d event(s), %d comment(s), longest silence %s", a.n, nEv, nCom, round(gap))
		switch {
		case cut:
			trailing := end.Sub(last)
			gap = max(gap, trailing)
			how := "cleanly"
			if endErr != nil {
				how = "abruptly (" + d.v.RedactText(endErr.Error()) + ")"
			}
			if trailing < cutSilence {
				drops++
				line += "; ended " + how + " right after data: the server or a proxy ended it, not an idle timeout"
				break
			}
			cuts++
			if shortCut == 0 || trailing < shortCut {
				shortCut = trailing
			}
			line += fmt.Sprintf("; ended %s after %s of silence", how, round(trailing))
		}
		if !cut && !end.IsZero() {
			gap = max(gap, end.Sub(last)) // the silence until the diagnosis closed it
		}
		longest = max(longest, gap)
		if n > maxIdleLines {
			continue
		}
		s.Details = append(s.Details, line)
		if rc := a.reconnect; rc != nil && !errors.Is(rc.Err, inspect.ErrRestart) {
			s.Details = append(s.Details, "  "+d.resumeLine(a, d.get(a.n+1)))
		}
	}
	if n == 0 {
		s.Mark, s.Title = MarkInfo, "not watched: the stream did not stay open"
		return s
	}
	if n > maxIdleLines {
		s.Details = append(s.Details, fmt.Sprintf("and %d more connection(s)", n-maxIdleLines))
	}
	for _, c := range commonIdleTimeouts {
		s.Details = append(s.Details, fmt.Sprintf("common default: %s: %d s (%s)", c.who, int(c.limit.Seconds()), c.source))
	}
	if comments > 0 {
		s.Details = append(s.Details, fmt.Sprintf("heartbeats: %d comment line(s) kept the stream busy", comments))
	}
	rec := heartbeat
	switch {
	case cuts > 0:
		rec = min(rec, max(shortCut/2, 100*time.Millisecond).Truncate(100*time.Millisecond))
		s.Mark = MarkWarn
		s.Title = fmt.Sprintf("the stream was cut %d time(s) after %s or more of silence: an idle timeout between the browser and the server", cuts, round(shortCut))
		s.Fix = fmt.Sprintf("send a heartbeat, a comment line such as \": ping\" followed by a blank line, every %s, well under the shortest cut; or raise the idle timeout (nginx: proxy_read_timeout)", rec)
	case longest >= commonIdleTimeouts[0].limit:
		s.Mark = MarkWarn
		s.Title = fmt.Sprintf("the longest silence, %s, outlasts common idle timeouts of proxies and load balancers", round(longest))
		s.Fix = fmt.Sprintf("send a heartbeat, a comment line such as \": ping\" followed by a blank line, every %s", rec)
	case drops > 0:
		s.Mark = MarkWarn
		s.Title = fmt.Sprintf("the stream ended %d time(s) while watched, right after data: not an idle timeout, but a browser reconnects each time", drops)
		s.Fix = "keep the stream open between events; end it on purpose with 204 No Content on the reconnection"
	default:
		s.Mark = MarkPass
		s.Title = fmt.Sprintf("no cut while watched for %s; the longest silence, %s, is under every common idle timeout", d.opts.Watch, round(longest))
		if d.opts.Watch < 2*time.Minute {
			s.Details = append(s.Details, "a watch shows only silences shorter than itself: watch 2 minutes or more (--watch 2m) to see the common defaults at work")
		}
		if comments == 0 {
			s.Details = append(s.Details, fmt.Sprintf("recommended: a heartbeat comment every %s, under the common defaults, for quiet periods", rec))
		}
	}
	return s
}

// resumeLine says whether the reconnection after attempt a resumed.
func (d *diagnosis) resumeLine(a, next *diagAttempt) string {
	rc := a.reconnect
	id := d.v.RedactText(rc.LastEventID)
	head := "reconnected" + lastIDClause(id)
	if next == nil || !next.opened {
		return head + "; the reconnection did not open"
	}
	if len(next.events) == 0 {
		return head + "; no event followed while watched"
	}
	ev := next.events[0]
	switch {
	case id == "":
		return head + "; first event: " + eventLine(ev) + " (nothing to resume from)"
	case ev.LastEventID == rc.LastEventID:
		return head + "; the server resent event id " + id + " first: an off-by-one replay"
	case seenID(a, ev.LastEventID):
		return head + "; the server started over (event id " + d.v.RedactText(ev.LastEventID) + " again): it ignores Last-Event-ID"
	}
	return head + "; resumed with " + eventLine(ev)
}

// seenID reports whether attempt a dispatched an event with this id (never
// for the empty id).
func seenID(a *diagAttempt, id string) bool {
	if id == "" {
		return false
	}
	for _, ev := range a.events {
		if ev.LastEventID == id {
			return true
		}
	}
	return false
}

func (d *diagnosis) hygieneStep(first *diagAttempt, h *diagHop) Step {
	s := Step{Name: "hygiene", Mark: MarkPass}
	var problems, fixes []string
	resp := h.resp
	if resp.CORSChecked {
		acao := resp.Header.Get("Access-Control-Allow-Origin")
		if acao != "" && acao != "*" && acao == h.req.Origin && !varyOrigin(resp.Header) {
			s.Mark = MarkWarn
			problems = append(problems, "Access-Control-Allow-Origin echoes the Origin without \"Vary: Origin\"")
			s.Details = append(s.Details, "Access-Control-Allow-Origin: "+acao+" with no \"Vary: Origin\": a shared cache (CDN, proxy) may give this response, with this origin's header, to a page on another origin, which a browser then refuses")
			fixes = append(fixes, "send \"Vary: Origin\" with every response whose Access-Control-Allow-Origin depends on the request's Origin")
		}
	}
	withID := 0
	for _, ev := range first.events {
		if ev.LastEventID != "" {
			withID++
		}
	}
	oneShot := d.oneShot() // one response, never resumed: id: and retry: do not matter
	if len(first.events) > 0 && withID == 0 && !oneShot {
		s.Mark = MarkWarn
		problems = append(problems, "no event carries an id")
		s.Details = append(s.Details, "no event set an id: a browser reconnects without Last-Event-ID, so the server cannot resume and events sent during the drop are lost")
		fixes = append(fixes, "send an id: field with each event and resume after the one named by the Last-Event-ID request header")
	}
	if w := h.wire; w != nil {
		w.mu.Lock()
		retry := w.retry
		w.mu.Unlock()
		if !retry && !oneShot {
			if s.Mark == MarkPass {
				s.Mark = MarkInfo
			}
			problems = append(problems, "no retry: field")
			s.Details = append(s.Details, "no retry: field: after a drop, browsers wait their default reconnection time, 3 s in Chromium, before reconnecting")
			fixes = append(fixes, "send \"retry: <milliseconds>\" at the start of the stream to choose the reconnection delay")
		}
	}
	if len(problems) == 0 {
		s.Title = "events carry ids, the stream sets retry:, and a CORS response that echoes the origin varies on it"
		return s
	}
	s.Title = strings.Join(problems, "; ")
	if s.Mark == MarkWarn {
		s.Fix = strings.Join(fixes, "; ")
	} else {
		s.Details = append(s.Details, "fix (optional): "+strings.Join(fixes, "; "))
	}
	return s
}

// varyOrigin reports whether Vary names Origin (or is "*").
func varyOrigin(h http.Header) bool {
	vary := headerList(h.Values("Vary"))
	return slices.Contains(vary, "*") || slices.Contains(vary, "origin")
}

// round rounds a duration for the report: milliseconds under a second,
// tenths of a second above.
func round(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}
