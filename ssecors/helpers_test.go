package ssecors_test

import (
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
)

func Test_parseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		in   string
		want time.Duration
	}{
		{"absent", "", 0},
		{"seconds", "7", 7 * time.Second},
		{"spaces trimmed", " 120 ", 2 * time.Minute},
		{"zero", "0", 0},
		{"capped at an hour", "86400", time.Hour},
		{"overflow capped", "99999999999999999999999", time.Hour},
		{"negative is invalid", "-5", 0},
		{"decimal is invalid", "1.5", 0},
		{"HTTP date", "Mon, 30 Nov 2026 12:00:30 GMT", 30 * time.Second},
		{"date in the past", "Mon, 30 Nov 2026 11:00:00 GMT", 0},
		{"garbage", "soon", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := ssecors.ParseRetryAfter(tc.in, now); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func Test_extractMIME(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		in      []string
		essence string
		charset string
		ok      bool
		first   bool // WebKit's rule: the first valid value wins
	}{
		{"plain", []string{"text/event-stream"}, "text/event-stream", "", true, false},
		{"case and parameters", []string{"TEXT/Event-Stream; Charset=UTF-8"}, "text/event-stream", "UTF-8", true, false},
		{"trailing semicolon", []string{"text/event-stream;"}, "text/event-stream", "", true, false},
		{"quoted charset", []string{`text/event-stream; charset="utf-8"`}, "text/event-stream", "utf-8", true, false},
		{"invalid", []string{"x bogus"}, "", "", false, false},
		{"no subtype", []string{"text/"}, "", "", false, false},
		{"missing", nil, "", "", false, false},
		{"last valid value wins", []string{"text/html, text/event-stream"}, "text/event-stream", "", true, false},
		{"*/* skipped", []string{"text/event-stream", "*/*"}, "text/event-stream", "", true, false},
		{"charset reset by another essence", []string{"text/html; charset=latin1", "text/event-stream"}, "text/event-stream", "", true, false},
		{"comma inside quotes", []string{`text/event-stream; x="a,b"`}, "text/event-stream", "", true, false},
		{"WebKit: first valid value wins", []string{"text/event-stream, text/html"}, "text/event-stream", "", true, true},
		{"WebKit: first valid type of the line", []string{"x bogus, text/event-stream; charset=utf-8, text/html"}, "text/event-stream", "utf-8", true, true},
		{"WebKit: the last line counts", []string{"text/event-stream", "text/html"}, "text/html", "", true, true},
		{"WebKit: two headers, event-stream last", []string{"text/html", "text/event-stream"}, "text/event-stream", "", true, true},
		{"WebKit: last rule not applied", []string{"text/html, text/event-stream"}, "text/html", "", true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, cs, ok := ssecors.ExtractMIME(tc.in, tc.first)
			if e != tc.essence || cs != tc.charset || ok != tc.ok {
				t.Errorf("got %q %q %v, want %q %q %v", e, cs, ok, tc.essence, tc.charset, tc.ok)
			}
		})
	}
}

func Test_escapeQuery(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"acme", "acme"},
		{"a b", "a%20b"},
		{"a+b", "a%2Bb"},
		{"a&b=c", "a%26b%3Dc"},
		{"-._~", "-._~"},
		{"é", "%C3%A9"},
		{"/?#", "%2F%3F%23"},
	}
	for _, tc := range cases {
		if got := ssecors.EscapeQuery(tc.in); got != tc.want {
			t.Errorf("EscapeQuery(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}
