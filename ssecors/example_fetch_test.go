package ssecors_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

// An LLM-style completion: a POST with a JSON body, one response, no
// reconnection. Run returns nil when the body ends.
func ExampleWithFetch() {
	srv := ssetest.New(ssetest.Endpoint{
		Events:         ssetest.Messages(`{"delta":"Hel"}`, `{"delta":"lo"}`, "[DONE]"),
		EndAfterScript: true,
	})
	defer srv.Close()

	prompt := `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`
	es, _ := ssecors.New(srv.EventsURL(),
		ssecors.WithFetch(ssecors.Fetch{
			Method:  "POST",
			Body:    func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(prompt)), nil },
			OneShot: true,
		}),
		ssecors.WithHeader("Content-Type", "application/json"),
		ssecors.WithHeader("Authorization", "Bearer sk-example"),
	)
	for ev, err := range es.Events(context.Background()) {
		if err != nil {
			fmt.Println("error:", err)
			break
		}
		fmt.Println(ev.Data)
	}
	r := srv.RequestsTo(ssetest.EventsPath)[0]
	fmt.Println(r.Method, r.Header.Get("Content-Type"), r.Header.Get("Accept"))
	// Output:
	// {"delta":"Hel"}
	// {"delta":"lo"}
	// [DONE]
	// POST application/json text/event-stream
}

// A page's fetch() with Authorization and a JSON body is not a simple
// request: the browser sends a preflight first. Here the server's
// Access-Control-Allow-Headers forgets authorization, and the error says
// which rule failed and the line that fixes it; with that line the stream
// opens.
func ExampleWithFetch_preflight() {
	open := func(allowHeaders string) {
		srv := ssetest.New(ssetest.Endpoint{
			CORS: &ssetest.CORS{
				AllowOrigin:  []string{ssetest.EchoOrigin},
				AllowMethods: "POST",
				AllowHeaders: allowHeaders,
			},
			Events:         ssetest.Messages("streamed"),
			EndAfterScript: true,
		})
		defer srv.Close()

		es, _ := ssecors.New(srv.HostURL("https", ssetest.OtherHost, "/events"),
			ssecors.WithOrigin(srv.Origin("https", ssetest.AppHost)),
			ssecors.WithFetch(ssecors.Fetch{
				Method:  "POST",
				Body:    func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(`{}`)), nil },
				OneShot: true,
			}),
			ssecors.WithHeader("Content-Type", "application/json"),
			ssecors.WithHeader("Authorization", "Bearer sk-example"),
			ssecors.WithHTTPClient(srv.Client()), // resolves the test host names
		)
		es.OnMessage(func(ev ssecors.Event) { fmt.Println("message:", ev.Data) })
		err := es.Run(context.Background())
		var be *ssecors.BlockedError
		if errors.As(err, &be) {
			fmt.Println("blocked:", be.Op, be.Rule)
			fmt.Println("fix:", be.Fix)
		}
		for _, r := range srv.RequestsTo("/events") {
			fmt.Println(strings.TrimSpace(r.Method + " " + r.Header.Get("Access-Control-Request-Headers")))
		}
	}
	open("content-type")
	open("content-type, authorization")
	// Output:
	// blocked: OPTIONS preflight-allow-headers
	// fix: list every header the request sends: "Access-Control-Allow-Headers: authorization, content-type"
	// OPTIONS authorization,content-type
	// message: streamed
	// OPTIONS authorization,content-type
	// POST
}
