package ssetest_test

import (
	"testing"

	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

func TestEvent_Bytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ev   ssetest.Event
		want string
	}{
		{"zero", ssetest.Event{}, "\n"},
		{"data", ssetest.Event{Data: "hello"}, "data: hello\n\n"},
		{"multi-line data", ssetest.Event{Data: "a\nb\n"}, "data: a\ndata: b\ndata: \n\n"},
		{"empty data", ssetest.Event{HasData: true}, "data: \n\n"},
		{"id only", ssetest.Event{ID: "7"}, "id: 7\n\n"},
		{"id reset", ssetest.Event{HasID: true, Data: "x"}, "id: \ndata: x\n\n"},
		{"type", ssetest.Event{Type: "update", Data: "x"}, "event: update\ndata: x\n\n"},
		{"retry", ssetest.Event{Retry: 1500}, "retry: 1500\n\n"},
		{"retry zero", ssetest.Event{HasRetry: true}, "retry: 0\n\n"},
		{"comment", ssetest.Event{Comment: "ping"}, ": ping\n\n"},
		{"multi-line comment", ssetest.Event{Comment: "a\nb", Data: "d"}, ": a\n: b\ndata: d\n\n"},
		{
			"all fields",
			ssetest.Event{Comment: "c", Retry: 10, ID: "1", Type: "t", Data: "d"},
			": c\nretry: 10\nid: 1\nevent: t\ndata: d\n\n",
		},
		{"raw", ssetest.Event{Raw: "data:x\r\n\r\n", ID: "ignored", Data: "ignored"}, "data:x\r\n\r\n"},
		{"raw without terminator", ssetest.Event{Raw: "data: partial"}, "data: partial"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := string(tc.ev.Bytes()); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMessages(t *testing.T) {
	t.Parallel()
	var got string
	for _, ev := range ssetest.Messages("a", "", "b") {
		got += string(ev.Bytes())
	}
	if want := "data: a\n\ndata: \n\ndata: b\n\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestNumbered(t *testing.T) {
	t.Parallel()
	var got string
	for _, ev := range ssetest.Numbered(2, "m") {
		got += string(ev.Bytes())
	}
	if want := "id: 1\ndata: m1\n\nid: 2\ndata: m2\n\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
