package ssetest_test

import (
	"fmt"
	"io"
	"net/http"

	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

// A page on app.example.test reads a stream from the cross-site
// api.other.test, over HTTP/2 with the test certificate.
func Example() {
	srv := ssetest.New(ssetest.Endpoint{
		Events:         []ssetest.Event{{ID: "1", Data: "hello"}},
		EndAfterScript: true,
		CORS:           &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}},
	})
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodGet, srv.HostURL("https", ssetest.OtherHost, ssetest.EventsPath), nil)
	req.Header.Set("Origin", srv.Origin("https", ssetest.AppHost))
	resp, err := srv.Client().Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Proto, resp.Header.Get("Access-Control-Allow-Origin") == req.Header.Get("Origin"))
	fmt.Printf("%q\n", body)
	fmt.Println(srv.Requests()[0].Host)
	// Output:
	// HTTP/2.0 true
	// "id: 1\ndata: hello\n\n"
	// api.other.test
}

// A stream that ends, then a reconnection that fails with 204: the script
// that makes a browser's EventSource (or ssecors) close for good.
func ExampleEndpoint_responses() {
	srv := ssetest.New(ssetest.Endpoint{
		Status: http.StatusNoContent,
		Responses: []ssetest.Response{
			{Retry: 10, Events: ssetest.Messages("only once"), EndAfterScript: true},
		},
	})
	defer srv.Close()

	c := srv.Client()
	for i := 0; i < 2; i++ {
		resp, err := c.Get(srv.EventsURL())
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%d %q\n", resp.StatusCode, body)
	}
	// Output:
	// 200 "retry: 10\n\ndata: only once\n\n"
	// 204 ""
}
