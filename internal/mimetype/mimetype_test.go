package mimetype_test

import (
	"testing"

	"github.com/ssecors/ssecors-go/internal/mimetype"
)

func TestExtract(t *testing.T) {
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
			e, cs, ok := mimetype.Extract(tc.in, tc.first)
			if e != tc.essence || cs != tc.charset || ok != tc.ok {
				t.Errorf("got %q %q %v, want %q %q %v", e, cs, ok, tc.essence, tc.charset, tc.ok)
			}
		})
	}
}
