package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

func TestListen_maxEvents(t *testing.T) {
	t.Parallel()
	srv := ssetest.New(ssetest.Endpoint{CORS: ssetest.AllowAll(), Events: []ssetest.Event{
		{ID: "1", Data: "hello"},
		{ID: "2", Type: "update", Data: "line one\nline two"},
		{Data: "not shown"},
	}})
	defer srv.Close()
	r := runWith(t, srv, "", "listen", crossSite, "--origin", page, "--max-events", "2")
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0:\n%s", r.code, r.stderr)
	}
	want := "message id=1: hello\nupdate id=2: line one\n  line two\n"
	if r.stdout != want {
		t.Errorf("stdout = %q, want %q", r.stdout, want)
	}
	if want := "ssecors listen: open https://api.other.test/events (200 OK, text/event-stream, HTTP/2.0)\n"; r.stderr != want {
		t.Errorf("stderr = %q, want %q", r.stderr, want)
	}
}

func TestListen_json(t *testing.T) {
	t.Parallel()
	srv := ssetest.New(ssetest.Endpoint{Events: ssetest.Numbered(5, "e")})
	defer srv.Close()
	r := runWith(t, srv, "", "listen", "--json", crossSite, "--max-events", "3")
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0:\n%s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d lines, want an open and 3 events:\n%s", len(lines), r.stdout)
	}
	var open jsonStatus
	if err := json.Unmarshal([]byte(lines[0]), &open); err != nil || open.Kind != "open" || open.Status != 200 {
		t.Errorf("first line = %s (%v), want the open status", lines[0], err)
	}
	for i, l := range lines[1:] {
		var ev jsonEvent
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		want := jsonEvent{Kind: "event", Type: "message", Data: "e" + string(rune('1'+i)), LastEventID: string(rune('1' + i)), Origin: "https://api.other.test"}
		if ev != want {
			t.Errorf("got %+v, want %+v", ev, want)
		}
	}
}

func TestListen_reconnects(t *testing.T) {
	t.Parallel()
	srv := ssetest.New(ssetest.Endpoint{Responses: []ssetest.Response{
		{Retry: 10, Events: ssetest.Numbered(1, "e"), EndAfterScript: true},
		{Events: ssetest.Numbered(3, "e"), Resume: true},
	}})
	defer srv.Close()
	for _, format := range []string{"text", "json"} {
		srv.Handle(ssetest.EventsPath, ssetest.Endpoint{Responses: []ssetest.Response{
			{Retry: 10, Events: ssetest.Numbered(1, "e"), EndAfterScript: true},
			{Events: ssetest.Numbered(3, "e"), Resume: true},
		}})
		args := []string{"listen", crossSite, "--max-events", "3"}
		if format == "json" {
			args = append(args, "--json")
		}
		r := runWith(t, srv, "", args...)
		if r.code != exitOK {
			t.Fatalf("%s: exit %d, want 0:\n%s", format, r.code, r.stderr)
		}
		if format == "text" {
			if !strings.Contains(r.stderr, "reconnecting in 10ms with Last-Event-ID: 1 (") {
				t.Errorf("stderr = %q, want the reconnection", r.stderr)
			}
			if want := "message id=1: e1\nmessage id=2: e2\nmessage id=3: e3\n"; r.stdout != want {
				t.Errorf("stdout = %q, want %q", r.stdout, want)
			}
			continue
		}
		var kinds []string
		for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			var st jsonStatus
			if err := json.Unmarshal([]byte(l), &st); err != nil {
				t.Fatal(err)
			}
			kinds = append(kinds, st.Kind)
			if st.Kind == "reconnect" && (st.DelayMS != 10 || st.LastEventID != "1") {
				t.Errorf("reconnect = %+v, want 10 ms and Last-Event-ID 1", st)
			}
		}
		if got, want := strings.Join(kinds, " "), "open event reconnect open event event"; got != want {
			t.Errorf("kinds = %q, want %q", got, want)
		}
	}
}

func TestListen_failures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		ep     ssetest.Endpoint
		args   []string
		stderr string
		json   string // with --json: the error line holds this rule
	}{
		{
			name:   "cors",
			ep:     ssetest.Endpoint{Events: ssetest.Messages("x"), CORS: &ssetest.CORS{AllowOrigin: []string{"*"}}},
			args:   []string{crossSite, "--origin", page, "--with-credentials"},
			stderr: "rule: " + string(ssecors.RuleAllowOriginWildcard),
			json:   string(ssecors.RuleAllowOriginWildcard),
		},
		{
			name:   "mixed content",
			ep:     ssetest.Endpoint{Events: ssetest.Messages("x")},
			args:   []string{"http://api.other.test/events", "--origin", page},
			stderr: "rule: mixed-content",
			json:   "mixed-content",
		},
		{
			name:   "timeout before max events",
			ep:     ssetest.Endpoint{Events: ssetest.Messages("only one")},
			args:   []string{crossSite, "--max-events", "2", "--timeout", "300ms"},
			stderr: "--timeout 300ms reached after 1 of 2 events",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := ssetest.New(tc.ep)
			defer srv.Close()
			r := runWith(t, srv, "", append([]string{"listen"}, tc.args...)...)
			if r.code != exitFail {
				t.Errorf("exit %d, want 1", r.code)
			}
			if !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("stderr = %q, want %q", r.stderr, tc.stderr)
			}
			if tc.json == "" {
				return
			}
			r = runWith(t, srv, "", append([]string{"listen", "--json"}, tc.args...)...)
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			var st jsonStatus
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &st); err != nil || st.Kind != "error" || st.Rule != tc.json || st.Fix == "" {
				t.Errorf("last line = %q (%v), want an error with rule %s and a fix", lines[len(lines)-1], err, tc.json)
			}
		})
	}
}

// TestListen_timeoutWithoutMaxEvents: --timeout alone is a normal stop.
func TestListen_timeoutWithoutMaxEvents(t *testing.T) {
	t.Parallel()
	srv := ssetest.New(ssetest.Endpoint{Events: ssetest.Messages("a")})
	defer srv.Close()
	r := runWith(t, srv, "", "listen", crossSite, "--timeout", "100ms")
	if r.code != exitOK {
		t.Errorf("exit %d, want 0; stderr %q", r.code, r.stderr)
	}
	if r.stdout != "" && r.stdout != "message: a\n" {
		t.Errorf("stdout = %q, want the event or nothing", r.stdout)
	}
}

func TestListen_cookieJar(t *testing.T) {
	t.Parallel()
	srv := ssetest.New(ssetest.Endpoint{Events: ssetest.Messages("welcome"), CORS: ssetest.AllowAll(), RequireCookie: "sid=abc"})
	defer srv.Close()
	// The jar file holds sid for .other.test (HttpOnly, as curl writes it).
	for _, args := range [][]string{
		{"--cookie-jar", "testdata/cookies.txt"},
		{"--cookie-jar", "-"},
		{"--cookie", "sid=abc"},
	} {
		stdin := ""
		if args[1] == "-" {
			stdin = "#HttpOnly_.other.test\tTRUE\t/\tTRUE\t0\tsid\tabc\n"
		}
		r := runWith(t, srv, stdin, append([]string{"listen", crossSite, "--origin", "https://app.other.test", "--with-credentials", "--max-events", "1"}, args...)...)
		if r.code != exitOK || r.stdout != "message: welcome\n" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want the event (the cookie was sent)", args, r.code, r.stdout, r.stderr)
		}
	}
}

// TestListen_failedBody: the body of a failed response is shown, quoted,
// bounded, with the secrets of the request's headers hidden.
func TestListen_failedBody(t *testing.T) {
	t.Parallel()
	srv := ssetest.New(ssetest.Endpoint{Status: 401, ContentType: "application/json",
		Handler: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":"bad token %s"}%s`, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), strings.Repeat("x", 400))
		}})
	defer srv.Close()
	args := []string{"listen", crossSite, "-H", "Authorization: Bearer sekrit-token-123"}
	r := runWith(t, srv, "", args...)
	if r.code != exitFail {
		t.Fatalf("exit %d, want 1:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, `  body: "{\"error\":\"bad token REDACTED\"}xxx`) || !strings.Contains(r.stderr, "x…\"\n") {
		t.Errorf("stderr = %q, want the body, redacted and cut", r.stderr)
	}
	if strings.Contains(r.stderr, "sekrit") {
		t.Errorf("stderr shows the token: %q", r.stderr)
	}
	r = runWith(t, srv, "", append([]string{"listen", "--json"}, args[1:]...)...)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	var st jsonStatus
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &st); err != nil || !strings.HasPrefix(st.Body, `{"error":"bad token REDACTED"}`) || strings.Contains(r.stdout, "sekrit") {
		t.Errorf("last line = %q (%v), want the redacted body", lines[len(lines)-1], err)
	}
}
