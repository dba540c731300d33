package ssetrace_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ssecors/ssecors-go/ssecors/ssetrace"
)

func TestWithTrace_composes(t *testing.T) {
	t.Parallel()
	var calls []string
	outer := &ssetrace.Trace{
		Request:   func(ssetrace.Request) { calls = append(calls, "outer request") },
		Reconnect: func(ssetrace.Reconnect) { calls = append(calls, "outer reconnect") },
	}
	inner := &ssetrace.Trace{
		Request:  func(ssetrace.Request) { calls = append(calls, "inner request") },
		Response: func(ssetrace.Response) { calls = append(calls, "inner response") },
	}
	ctx := ssetrace.WithTrace(ssetrace.WithTrace(context.Background(), outer), inner)
	tr := ssetrace.ContextTrace(ctx)
	tr.Request(ssetrace.Request{})
	tr.Response(ssetrace.Response{})
	tr.Reconnect(ssetrace.Reconnect{})
	want := "inner request, outer request, inner response, outer reconnect"
	if got := strings.Join(calls, ", "); got != want {
		t.Errorf("calls: got %q, want %q", got, want)
	}
}

func TestWithTrace_nil(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if got := ssetrace.WithTrace(ctx, nil); got != ctx {
		t.Error("WithTrace(ctx, nil) made a new context")
	}
	if ssetrace.ContextTrace(ctx) != nil {
		t.Error("ContextTrace of a bare context is not nil")
	}
}
