// Command fetch-stream opens streams the way a page's fetch() does: first
// an LLM-style completion (a POST with a JSON body, read once to the end),
// then the same request, with credentials, from a page on another site,
// whose preflight fails for each common mistake before the fixed server
// lets it through.
//
//	go run ./examples/fetch-stream
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

const prompt = `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`

func body() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(prompt)), nil }

func main() {
	srv := ssetest.New(ssetest.Endpoint{})
	defer srv.Close()

	// 1. A completion: POST, JSON, Authorization, one-shot.
	srv.Handle("/v1/chat", ssetest.Endpoint{
		Events:         ssetest.Messages(`{"delta":"Hel"}`, `{"delta":"lo"}`, "[DONE]"),
		EndAfterScript: true,
	})
	fmt.Println("== a one-shot completion")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	es, err := ssecors.New(srv.URL+"/v1/chat",
		ssecors.WithFetch(ssecors.Fetch{Method: "POST", Body: body, OneShot: true}),
		ssecors.WithHeader("Content-Type", "application/json"),
		ssecors.WithHeader("Authorization", "Bearer sk-example"),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for ev, err := range es.Events(ctx) {
		if err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
		fmt.Println("  event:", ev.Data)
	}

	// 2. The same stream from a page on another site: not a simple
	// request, so the browser preflights it.
	page := srv.Origin("https", ssetest.AppHost)
	cases := []struct {
		title string
		cors  *ssetest.CORS
	}{
		{"no OPTIONS handling at all", nil},
		{"Authorization not allowed", &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}, AllowCredentials: "true", AllowHeaders: "content-type"}},
		{"a wildcard with credentials, where it is no wildcard", &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}, AllowCredentials: "true", AllowHeaders: "*"}},
		{"the preflight answers 401 (OPTIONS carries no credentials)", &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}, AllowCredentials: "true", PreflightStatus: 401}},
		{"fixed: allow the origin, credentials and both headers", &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}, AllowCredentials: "true", AllowHeaders: "authorization, content-type"}},
	}
	for i, c := range cases {
		path := fmt.Sprintf("/v1/chat%d", i)
		srv.Handle(path, ssetest.Endpoint{CORS: c.cors, Events: ssetest.Messages("it works"), EndAfterScript: true})
		fmt.Printf("== page %s, %s\n", page, c.title)
		es, err := ssecors.New(srv.HostURL("https", ssetest.OtherHost, path),
			ssecors.WithOrigin(page),
			ssecors.WithFetch(ssecors.Fetch{Method: "POST", Body: body, Credentials: "include", OneShot: true}),
			ssecors.WithHeader("Content-Type", "application/json"),
			ssecors.WithHeader("Authorization", "Bearer sk-example"),
			ssecors.WithHTTPClient(srv.Client()),
		)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		es.OnMessage(func(ev ssecors.Event) { fmt.Println("  event:", ev.Data) })
		err = es.Run(ctx)
		var be *ssecors.BlockedError
		switch {
		case errors.As(err, &be):
			fmt.Printf("  blocked (%s): %s\n  fix: %s\n", be.Rule, be.Detail, be.Fix)
		case err != nil:
			fmt.Println("  error:", err)
		}
	}
}
