package ssecors_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

// soakPerDrop is how many whole events each connection of the soak
// delivers before it is dropped.
const soakPerDrop = 3

// soakEvent is event number i (from 1) of the soak script: an id, one of
// three types, and two data lines, so that a cut anywhere shows.
func soakEvent(i int) ssetest.Event {
	n := strconv.Itoa(i)
	return ssetest.Event{ID: n, Type: "t" + strconv.Itoa(i%3), Data: "payload " + n + "\nline two " + n}
}

// soakResponses scripts drops connections. Connection c resumes after
// event c*soakPerDrop, sends the next soakPerDrop events, and then ends:
// cleanly when c is even, and in the middle of the next event when c is
// odd. Its script starts with the event whose id the connection should get
// as Last-Event-ID, so that Resume skips it only when the id is right:
// a missing or stale id makes the server send an event again, which the
// test sees as a duplicate. A 204 ends the soak.
func soakResponses(drops int) []ssetest.Response {
	rs := make([]ssetest.Response, 0, drops+1)
	for c := 0; c < drops; c++ {
		first := c * soakPerDrop // the id the request should carry
		var evs []ssetest.Event
		for i := max(first, 1); i <= first+soakPerDrop+1; i++ {
			evs = append(evs, soakEvent(i))
		}
		rs = append(rs, ssetest.Response{Events: evs, Resume: true, DropAfter: soakPerDrop, Abort: c%2 == 1})
	}
	return append(rs, ssetest.Response{Status: http.StatusNoContent})
}

// TestSoak_reconnects drops the stream 1 000 times (fewer with -short),
// alternating clean ends and cuts in the middle of an event, and checks
// that no event is lost, duplicated or corrupted, that every reconnect
// carries the right Last-Event-ID, and that every wait is the reconnection
// time. The waits are recorded, not waited.
func TestSoak_reconnects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		scheme string
		drops  int
	}{
		{"HTTP/1.1", "http", 1000},
		{"HTTP/2", "https", 300},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			drops := tc.drops
			if testing.Short() {
				drops /= 10
			}
			srv := newServer(t, ssetest.Endpoint{Responses: soakResponses(drops)})
			es := mustNew(t, srv.HostURL(tc.scheme, ssetest.APIHost, ssetest.EventsPath),
				ssecors.WithHTTPClient(srv.Client()), ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: time.Millisecond}))

			var got []ssecors.Event
			for _, typ := range []string{"t0", "t1", "t2", "message"} {
				es.AddEventListener(typ, func(ev ssecors.Event) { got = append(got, ev) })
			}
			var errs []error
			es.OnError(func(err error) { errs = append(errs, err) })
			var waits []time.Duration
			ssecors.SetSleep(es, func(ctx context.Context, d time.Duration) error {
				waits = append(waits, d)
				return ctx.Err()
			})
			err := runSource(t, es)
			var re *ssecors.ResponseError
			if !errors.As(err, &re) || re.StatusCode != http.StatusNoContent {
				t.Fatalf("Run: got %v, want the final 204", err)
			}

			// Events: exactly 1..drops*soakPerDrop, in order, intact.
			want := drops * soakPerDrop
			if len(got) != want {
				t.Errorf("events: got %d, want %d", len(got), want)
			}
			for i, ev := range got {
				w := soakEvent(i + 1)
				if ev.LastEventID != w.ID || ev.Type != w.Type || ev.Data != w.Data || ev.Origin != srv.Origin(tc.scheme, ssetest.APIHost) {
					t.Fatalf("event %d: got %+v, want id %s type %s data %q", i, ev, w.ID, w.Type, w.Data)
				}
			}

			// Requests: connection c carries Last-Event-ID c*soakPerDrop.
			reqs := srv.RequestsTo(ssetest.EventsPath)
			if len(reqs) != drops+1 {
				t.Fatalf("requests: got %d, want %d", len(reqs), drops+1)
			}
			for c, r := range reqs {
				wantID := strconv.Itoa(c * soakPerDrop)
				if c == 0 {
					if r.HasLastEventID {
						t.Errorf("first request: Last-Event-ID %q, want none", r.LastEventID)
					}
					continue
				}
				if r.LastEventID != wantID {
					t.Fatalf("request %d: Last-Event-ID %q, want %q", c, r.LastEventID, wantID)
				}
			}

			// Errors: one per drop, clean or cut as scripted, then the 204.
			if len(errs) != drops+1 {
				t.Fatalf("errors: got %d, want %d", len(errs), drops+1)
			}
			for c, err := range errs[:drops] {
				var ne *ssecors.NetworkError
				if !errors.As(err, &ne) || ne.Op != "read" || (ne.Err == io.EOF) != (c%2 == 0) {
					t.Fatalf("error %d: got %v, want a read error, clean when even", c, err)
				}
			}
			if len(waits) != drops {
				t.Errorf("waits: got %d, want %d", len(waits), drops)
			}
			for i, d := range waits {
				if d != time.Millisecond {
					t.Fatalf("wait %d: got %v, want 1ms (every attempt delivered)", i, d)
				}
			}
		})
	}
}
