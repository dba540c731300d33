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
