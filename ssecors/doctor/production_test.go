package doctor_test

import (
	"compress/gzip"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/doctor"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

// Test_bufferingScore pins the buffering heuristics on the read patterns
// seen through nginx (TestNginx proves them on the real proxy) and on the
// patterns they must not call buffering.
func Test_bufferingScore(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	steady := func(n int, every time.Duration) []doctor.BufferingRead {
		var rs []doctor.BufferingRead
		for i := range n {
			rs = append(rs, doctor.BufferingRead{After: time.Duration(i) * every, Bytes: 620, Events: 1})
		}
		return rs
	}
	tests := []struct {
		name  string
		wait  time.Duration // from the request to the headers
		reads []doctor.BufferingRead
		want  int
	}{
		{"events as sent, 100 ms apart", 0, steady(25, 100*ms), 0},
		{"a slow server's first events, after the headers", 2 * time.Second, steady(5, 100*ms), 0},
		{"headers and a burst together after a wait (nginx's default, seen once)", 600 * ms, []doctor.BufferingRead{{After: 0, Bytes: 3900, Events: 6}}, 1},
		{"a batch at once, no silence before it", 0, []doctor.BufferingRead{{After: 0, Bytes: 2000, Events: 5}}, 0},
		{"one burst after a silence (a batch, or a client stall)", 0, append(steady(3, 100*ms), doctor.BufferingRead{After: 700 * ms, Bytes: 1800, Events: 3}), 1},
		{"late first bytes carrying several events", 0, []doctor.BufferingRead{{After: 1500 * ms, Bytes: 1240, Events: 2}}, 1},
		{"nginx's default: 4 KiB blocks after silences", 0, []doctor.BufferingRead{
			{After: 600 * ms, Bytes: 3900, Events: 6},
			{After: 1300 * ms, Bytes: 4096, Events: 7},
			{After: 2000 * ms, Bytes: 4096, Events: 6},
			{After: 2700 * ms, Bytes: 4096, Events: 7},
		}, 4},
		{"blocks of 4 KiB alone (a big event every second)", 0, []doctor.BufferingRead{
			{After: 0, Bytes: 4096, Events: 1},
			{After: 1000 * ms, Bytes: 4096, Events: 1},
			{After: 2000 * ms, Bytes: 4096, Events: 1},
		}, 2},
		{"reads within a millisecond are one delivery", 0, []doctor.BufferingRead{
			{After: 400 * ms, Bytes: 600, Events: 1},
			{After: 400*ms + 200*time.Microsecond, Bytes: 600, Events: 1},
			{After: 400*ms + 500*time.Microsecond, Bytes: 600, Events: 1},
		}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, signals := doctor.BufferingScore(tc.wait, tc.reads)
			if got != tc.want {
				t.Errorf("score %d, want %d (signals %q)", got, tc.want, signals)
			}
		})
	}
}

func Test_scanLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		chunks   []string
		events   int
		comments int
		retry    bool
	}{
		{"LF", []string{"retry: 5\n\n: hi\n\ndata: a\n\n"}, 1, 1, true},
		{"CRLF split across reads", []string{"data: a\r", "\n\r\n: x\r\n", "id: 1\r\n\r\n"}, 1, 1, false},
		{"CR only", []string{"data: a\rdata: b\r\r"}, 1, 0, false},
		{"id only is not an event", []string{"id: 3\n\n"}, 0, 0, false},
		{"bare data field", []string{"data\n\n"}, 1, 0, false},
		{"datum is not data", []string{"datum: x\n\n"}, 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, c, r := doctor.ScanLines(tc.chunks...)
			if e != tc.events || c != tc.comments || r != tc.retry {
				t.Errorf("got %d events, %d comments, retry %t; want %d, %d, %t", e, c, r, tc.events, tc.comments, tc.retry)
			}
		})
	}
}

// TestDiagnose_gzip: a server that gzips its stream because the request
// accepts it is named, and its events are still read, as a browser reads
// them.
func TestDiagnose_gzip(t *testing.T) {
	t.Parallel()
	srv := ssetest.New(ssetest.Endpoint{})
	t.Cleanup(srv.Close)
	srv.Handle("/gz", ssetest.Endpoint{CORS: &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}}, Handler: func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			t.Errorf("Accept-Encoding = %q, want gzip among them", r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Content-Encoding", "gzip")
		gz := gzip.NewWriter(w)
		for i := 1; i <= 3; i++ {
			fmt.Fprintf(gz, "id: %d\ndata: e%d\n\n", i, i)
			gz.Flush()
			http.NewResponseController(w).Flush()
		}
		gz.Close()
	}})
	rep := diagnose(t, srv, srv.HostURL("https", ssetest.OtherHost, "/gz"), doctor.Options{}, ssecors.WithOrigin("https://app.example.test"))
	c := rep.Find("compression")
	if c == nil || c.Mark != doctor.MarkWarn || !strings.Contains(c.Title, "gzip") || !strings.Contains(c.Fix, "gzip_types") {
		t.Fatalf("compression = %+v, want a warning naming gzip and the fix\n%s", c, rep)
	}
	if len(rep.Events) != 3 || rep.Events[2].Data != "e3" {
		t.Errorf("events = %+v, want e1..e3 decoded", rep.Events)
	}
	req := rep.Find("request")
	if req == nil || !slices.Contains(req.Details, "Accept-Encoding: gzip, deflate, br, zstd") {
		t.Errorf("request step does not show the Accept-Encoding sent: %+v", req)
	}
}

// TestDiagnose_acceptEncoding: the doctor sends the Accept-Encoding
// Chromium sends: br and zstd only to https and loopback streams.
func TestDiagnose_acceptEncoding(t *testing.T) {
	t.Parallel()
	srv := diagnoseServer(t, ssetest.Endpoint{CORS: ssetest.AllowAll(), Events: ssetest.Messages("a")})
	for _, tc := range []struct{ url, want string }{
		{srv.HostURL("https", ssetest.OtherHost, ssetest.EventsPath), "gzip, deflate, br, zstd"},
		{srv.HostURL("http", ssetest.OtherHost, ssetest.EventsPath), "gzip, deflate"},
		{srv.URL + ssetest.EventsPath, "gzip, deflate, br, zstd"}, // http://127.0.0.1
	} {
		rep := diagnose(t, srv, tc.url, doctor.Options{MaxEvents: 1}, ssecors.WithOrigin("http://app.example.test"))
		got := ""
		for _, req := range srv.RequestsTo(ssetest.EventsPath) {
			got = req.Header.Get("Accept-Encoding")
		}
		if got != tc.want {
			t.Errorf("%s: the server got Accept-Encoding %q, want %q", tc.url, got, tc.want)
		}
		if c := rep.Find("compression"); c == nil || !slices.Contains(c.Details, "the request carried Accept-Encoding: "+tc.want+", as Chromium sends it to this origin") {
			t.Errorf("%s: compression step = %+v", tc.url, c)
		}
	}
}
