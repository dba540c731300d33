package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/doctor"
	"github.com/ssecors/ssecors-go/ssecors/ssetrace"
)

// listenCommand runs "ssecors listen URL [flags]": it opens the stream and
// prints every event as it arrives, and every reconnection, until Ctrl-C,
// --max-events, --timeout, or a failure that ends the stream.
func listenCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	var c common
	fs := newFlagSet("listen", &c)
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usageText)
		return exitOK
	}
	var raw string
	if err == nil {
		raw, err = streamURL(pos)
	}
	if err == nil && (c.maxEvents < 0 || c.timeout < 0) {
		err = usagef("--max-events and --timeout must not be negative")
	}
	if err != nil {
		fmt.Fprintf(stderr, "ssecors listen: %v\n(run \"ssecors help\" for the flags)\n", err)
		return exitUsage
	}
	client, done, err := c.httpClient(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "ssecors listen: %v\n", err)
		return exitUsage
	}
	defer done()
	opts, err := c.options(raw, client, stdin, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "ssecors listen: %v\n", err)
		return exitUsage
	}
	p := &printer{out: stdout, status: stderr, json: c.json, color: useColor(stdout, env)}
	if h, herr := c.header(); herr == nil {
		p.secrets = doctor.HeaderSecrets(h)
	}
	ctx = ssetrace.WithTrace(ctx, &ssetrace.Trace{Reconnect: p.reconnect})
	es, err := ssecors.New(raw, opts...)
	if err != nil {
		fmt.Fprintln(stderr, explainConfig("listen", err))
		return exitUsage
	}
	for _, inc := range es.BrowserIncompatibilities() {
		fmt.Fprintln(stderr, "ssecors listen: note: "+inc)
	}
	es.OnOpen(p.open)

	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	n := 0
	var runErr error
	for ev, err := range es.Events(ctx) {
		if errors.Is(err, ssecors.ErrReconnecting) {
			continue // printed by the trace's Reconnect hook
		}
		if err != nil {
			runErr = err
			break
		}
		p.event(ev)
		n++
		if c.maxEvents > 0 && n >= c.maxEvents {
			break
		}
	}
	switch {
	case runErr == nil:
		return exitOK
	case errors.Is(runErr, context.DeadlineExceeded) && ctx.Err() != nil:
		if c.maxEvents > 0 && n < c.maxEvents {
			fmt.Fprintf(stderr, "ssecors listen: --timeout %s reached after %d of %d events\n", c.timeout, n, c.maxEvents)
			return exitFail
		}
		return exitOK
	case ctx.Err() != nil: // Ctrl-C
		return exitOK
	}
	p.failure(runErr)
	return exitFail
}

// printer writes what listen shows: events on out, and the state of the
// connection on status (or on out, as JSON objects, with --json).
type printer struct {
	out, status io.Writer
	json        bool
	color       bool
	secrets     []string // header values a failed response's body must not show
}

// jsonEvent and jsonStatus are the lines of --json: every object has a
// "kind": "event", "open", "reconnect" or "error".
type jsonEvent struct {
	Kind        string `json:"kind"`
	Type        string `json:"type"`
	Data        string `json:"data"`
	LastEventID string `json:"last_event_id"`
	Origin      string `json:"origin"`
}

type jsonStatus struct {
	Kind        string `json:"kind"`
	URL         string `json:"url,omitempty"`
	Status      int    `json:"status,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Proto       string `json:"proto,omitempty"`
	DelayMS     int64  `json:"delay_ms,omitempty"`
	LastEventID string `json:"last_event_id,omitempty"`
	Error       string `json:"error,omitempty"`
	Rule        string `json:"rule,omitempty"`
	Fix         string `json:"fix,omitempty"`
	Body        string `json:"body,omitempty"`
}

func (p *printer) writeJSON(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	p.out.Write(append(b, '\n'))
}

func (p *printer) event(ev ssecors.Event) {
	if p.json {
		p.writeJSON(jsonEvent{Kind: "event", Type: ev.Type, Data: ev.Data, LastEventID: ev.LastEventID, Origin: ev.Origin})
		return
	}
	head := ev.Type
	id := ""
	if ev.LastEventID != "" {
		id = " id=" + ev.LastEventID
	}
	if p.color {
		head = ansiBold + ansiCyan + head + ansiReset
		if id != "" {
			id = ansiDim + id + ansiReset
		}
	}
	data := strings.ReplaceAll(ev.Data, "\n", "\n  ")
	fmt.Fprintf(p.out, "%s%s: %s\n", head, id, data)
}

func (p *printer) open(resp *http.Response) {
	ct := strings.Join(resp.Header.Values("Content-Type"), ", ")
	u := ""
	if resp.Request != nil && resp.Request.URL != nil {
		u = resp.Request.URL.String()
	}
	if p.json {
		p.writeJSON(jsonStatus{Kind: "open", URL: u, Status: resp.StatusCode, ContentType: ct, Proto: resp.Proto})
		return
	}
	fmt.Fprintf(p.status, "ssecors listen: open %s (%d %s, %s, %s)\n", u, resp.StatusCode, http.StatusText(resp.StatusCode), ct, resp.Proto)
}

func (p *printer) reconnect(ri ssetrace.Reconnect) {
	why := "the connection ended"
	if ri.Err != nil {
		why = strings.TrimPrefix(ri.Err.Error(), "ssecors: ")
	}
	if p.json {
		p.writeJSON(jsonStatus{Kind: "reconnect", DelayMS: ri.Delay.Milliseconds(), LastEventID: ri.LastEventID, Error: why})
		return
	}
	id := "without Last-Event-ID"
	if ri.LastEventID != "" {
		id = "with Last-Event-ID: " + ri.LastEventID
	}
	fmt.Fprintf(p.status, "ssecors listen: reconnecting in %s %s (%s)\n", ri.Delay, id, why)
}

// failure reports the error that ended the stream, with the rule and the
// fix when ssecors knows them.
func (p *printer) failure(err error) {
	var (
		be *ssecors.BlockedError
		re *ssecors.ResponseError
	)
	st := jsonStatus{Kind: "error", Error: err.Error()}
	if errors.As(err, &be) {
		st.Rule, st.Fix = string(be.Rule), be.Fix
	}
	if errors.As(err, &re) && len(re.Body) > 0 {
		st.Body = p.redact(string(re.Body))
	}
	if p.json {
		p.writeJSON(st)
		return
	}
	fmt.Fprintf(p.status, "ssecors listen: %s\n", strings.TrimPrefix(err.Error(), "ssecors: "))
	if st.Body != "" {
		body := st.Body
		if len(body) > maxBodyShown {
			body = strings.ToValidUTF8(body[:maxBodyShown], "") + "…"
		}
		fmt.Fprintf(p.status, "  body: %q\n", body)
	}
	if st.Rule != "" {
		fmt.Fprintf(p.status, "  rule: %s\n  fix: %s\n", st.Rule, st.Fix)
	}
}

// maxBodyShown bounds the body of a failed response that listen prints:
// the SDK keeps at most 512 bytes, secret query values redacted.
const maxBodyShown = 300

// redact hides the values of secret request headers (Authorization,
// X-Api-Key...) that a server may echo in an error body.
func (p *printer) redact(s string) string {
	rep := &doctor.Report{Summary: s}
	rep.Redact(p.secrets...)
	return rep.Summary
}
