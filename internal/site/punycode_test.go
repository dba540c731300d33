package site_test

import (
	"testing"

	"github.com/ssecors/ssecors-go/internal/site"
)

func TestPunycode(t *testing.T) {
	t.Parallel()
	// Expected values from RFC 3492 section 7.1 and the WPT origin test
	// of eventsource-cross-origin (xn--lve-6lad).
	cases := []struct{ in, want string }{
		{"example.test", "example.test"},
		{"élève.example", "xn--lve-6lad.example"},
		{"bücher.example", "xn--bcher-kva.example"},
		{"中文.example", "xn--fiq228c.example"},
	}
	for _, tc := range cases {
		got, err := site.Punycode(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Punycode(%q): got %q, %v, want %q", tc.in, got, err, tc.want)
		}
	}
}
