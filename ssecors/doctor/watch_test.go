package doctor_test

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/doctor"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

// scripted answers each connection with events 1..n (after Last-Event-ID,
// from it when replay is set), then stays silent for silence and cuts
// the stream.
func scripted(srv *ssetest.Server, n int, silence time.Duration, replay bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Vary", "Origin")
		from := 1
		if id, err := strconv.Atoi(r.Header.Get("Last-Event-Id")); err == nil {
			from = id + 1
			if replay {
				from = id
			}
		}
		io.WriteString(w, "retry: 1000\n\n")
		for i := from; i <= n; i++ {
			fmt.Fprintf(w, "id: %d\ndata: e%d\n\n", i, i)
		}
		http.NewResponseController(w).Flush()
		tm := time.NewTimer(silence)
		defer tm.Stop()
		select {
		case <-tm.C:
			panic(http.ErrAbortHandler) // cut the stream
		case <-r.Context().Done():
		case <-srv.Done():
		}
	}
}

func scriptedServer(t *testing.T, n int, silence time.Duration, replay bool) *ssetest.Server {
	t.Helper()
	srv := ssetest.New(ssetest.Endpoint{})
	t.Cleanup(srv.Close)
	srv.Handle("/s", ssetest.Endpoint{CORS: &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}}, Handler: scripted(srv, n, silence, replay)})
	return srv
}

// TestDiagnose_watchCuts: a stream cut after a silence is reported as an
// idle timeout, with a heartbeat to send, the reconnections and whether
// they resumed.
func TestDiagnose_watchCuts(t *testing.T) {
	t.Parallel()
	srv := scriptedServer(t, 2, 600*time.Millisecond, false)
	rep := diagnose(t, srv, srv.HostURL("https", ssetest.OtherHost, "/s"),
		doctor.Options{Watch: 1500 * time.Millisecond}, ssecors.WithOrigin("https://app.example.test"))
	idle := rep.Find("idle")
	if idle == nil || idle.Mark != doctor.MarkWarn || !strings.Contains(idle.Title, "cut") || !strings.Contains(idle.Fix, "heartbeat") {
		t.Fatalf("idle = %+v, want a warning about a cut, with a heartbeat to send\n%s", idle, rep)
	}
	if d := strings.Join(idle.Details, "\n"); !strings.Contains(d, "reconnected with Last-Event-ID: 2; no event followed") {
		t.Errorf("idle details do not show the reconnection:\n%s", d)
	}
	if !rep.Connects {
		t.Errorf("production checks must not change the verdict:\n%s", rep)
	}
}

// TestDiagnose_watchQuiet: a stream that stays busy gets no warning.
func TestDiagnose_watchQuiet(t *testing.T) {
	t.Parallel()
	srv := scriptedServer(t, 3, time.Hour, false)
	rep := diagnose(t, srv, srv.HostURL("https", ssetest.OtherHost, "/s"),
		doctor.Options{Watch: 300 * time.Millisecond}, ssecors.WithOrigin("https://app.example.test"))
	if idle := rep.Find("idle"); idle == nil || idle.Mark != doctor.MarkPass {
		t.Fatalf("idle = %+v, want a pass\n%s", idle, rep)
	}
	if got := stepMark(rep, "hygiene"); got != doctor.MarkPass {
		t.Errorf("hygiene = %s, want pass\n%s", got, rep)
	}
}

// TestDiagnose_offByOneReplay: a server that resumes from the event named
// by Last-Event-ID, instead of after it, is named for exactly that.
func TestDiagnose_offByOneReplay(t *testing.T) {
	t.Parallel()
	srv := scriptedServer(t, 5, time.Hour, true)
	rep := diagnose(t, srv, srv.HostURL("https", ssetest.OtherHost, "/s"),
		doctor.Options{MaxEvents: 2, Reconnect: true}, ssecors.WithOrigin("https://app.example.test"))
	rc := rep.Find("reconnect")
	if rc == nil || rc.Mark != doctor.MarkWarn || !strings.Contains(rc.Title, "off-by-one replay") || !strings.Contains(rc.Fix, "after the one named by Last-Event-ID") {
		t.Fatalf("reconnect = %+v, want an off-by-one replay\n%s", rc, rep)
	}
}

// TestDiagnose_hygiene: an echoed origin without Vary: Origin, no retry:
// and no id: are each named.
func TestDiagnose_hygiene(t *testing.T) {
	t.Parallel()
	srv := diagnoseServer(t, ssetest.Endpoint{CORS: &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}}, Events: ssetest.Messages("a", "b")})
	rep := diagnose(t, srv, srv.HostURL("https", ssetest.OtherHost, ssetest.EventsPath), doctor.Options{MaxEvents: 2},
		ssecors.WithOrigin("https://app.example.test"))
	h := rep.Find("hygiene")
	if h == nil || h.Mark != doctor.MarkWarn {
		t.Fatalf("hygiene = %+v, want a warning\n%s", h, rep)
	}
	for _, want := range []string{"Vary: Origin", "no event carries an id", "no retry: field"} {
		if !strings.Contains(h.Title, want) {
			t.Errorf("hygiene title %q does not name %q", h.Title, want)
		}
	}
	for _, want := range []string{"Vary: Origin", "id:", "retry:"} {
		if !strings.Contains(h.Fix, want) {
			t.Errorf("hygiene fix %q does not say %q", h.Fix, want)
		}
	}
	if d := strings.Join(h.Details, "\n"); !strings.Contains(d, "3 s in Chromium") {
		t.Errorf("hygiene details do not give the default reconnection time:\n%s", d)
	}
}

// TestDiagnose_watchThenReconnect: with Watch and Reconnect, a stream that
// did not reconnect during the watch is dropped once at its end to show
// the reconnection; one that did is not dropped again.
func TestDiagnose_watchThenReconnect(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		silence time.Duration
	}{{"quiet watch", time.Hour}, {"cut during the watch", 600 * time.Millisecond}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := scriptedServer(t, 3, tc.silence, false)
			rep := diagnose(t, srv, srv.HostURL("https", ssetest.OtherHost, "/s"),
				doctor.Options{Watch: 900 * time.Millisecond, Reconnect: true, Wait: 300 * time.Millisecond}, ssecors.WithOrigin("https://app.example.test"))
			if rep.Find("reconnect") == nil || rep.Find("idle") == nil || !rep.Connects {
				t.Errorf("want a reconnect and an idle step, and a verdict of yes:\n%s", rep)
			}
		})
	}
}
