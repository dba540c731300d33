package ssetrace_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
	"github.com/ssecors/ssecors-go/ssecors/ssetrace"
)

// Watch every request and response of a source, with secrets redacted.
func ExampleWithTrace() {
	srv := ssetest.New(ssetest.Endpoint{Responses: []ssetest.Response{
		{Events: ssetest.Messages("hello"), EndAfterScript: true}, {Status: 204},
	}})
	defer srv.Close()

	es, _ := ssecors.New(srv.EventsURL(), ssecors.WithQuery("token", "s3cret"),
		ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: 10 * time.Millisecond}))
	ctx := ssetrace.WithTrace(context.Background(), &ssetrace.Trace{
		Request: func(r ssetrace.Request) {
			fmt.Println("request", r.Attempt, r.Method, r.URL[len(srv.URL):])
		},
		Response: func(r ssetrace.Response) {
			fmt.Println("response", r.Attempt, r.StatusCode, r.Header.Get("Content-Type"))
		},
		Reconnect: func(r ssetrace.Reconnect) { fmt.Println("reconnect after", r.Delay) },
	})
	es.Run(ctx)
	// Output:
	// request 1 GET /events?token=REDACTED
	// response 1 200 text/event-stream
	// reconnect after 10ms
	// request 2 GET /events?token=REDACTED
	// response 2 204 text/event-stream
}
