// Command cors-failure shows what a browser does with a misconfigured
// cross-origin stream, and what ssecors says about it: for each common
// mistake, the rule that failed and the fix, then the fixed server working.
//
//	go run ./examples/cors-failure
//	go run ./examples/cors-failure -url https://api.example.com/events -origin https://app.example.com -credentials
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

func main() {
	streamURL := flag.String("url", "", "a stream to check (default: the embedded test server's misconfigurations)")
	origin := flag.String("origin", "", "the page origin to act as (with -url)")
	creds := flag.Bool("credentials", false, "open the stream withCredentials (with -url)")
	flag.Parse()
	if *streamURL != "" {
		if *origin == "" {
			fmt.Fprintln(os.Stderr, "cors-failure: -origin is required with -url")
			os.Exit(2)
		}
		opts := []ssecors.Option{ssecors.WithOrigin(*origin)}
		if *creds {
			opts = append(opts, ssecors.WithCredentials())
		}
		if !try(*streamURL, "", opts...) {
			os.Exit(1)
		}
		return
	}

	srv := ssetest.New(ssetest.Endpoint{})
	defer srv.Close()
	page := srv.Origin("https", ssetest.AppHost)
	mistakes := []struct {
		title string
		cors  *ssetest.CORS
	}{
		{"no CORS headers at all", nil},
		{"a wildcard on a credentialed stream", &ssetest.CORS{AllowOrigin: []string{"*"}, AllowCredentials: "true"}},
		{"the origin with a trailing slash", &ssetest.CORS{AllowOrigin: []string{page + "/"}, AllowCredentials: "true"}},
		{"Access-Control-Allow-Credentials forgotten", &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}}},
		{"fixed: echo the origin and allow credentials", &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}, AllowCredentials: "true"}},
	}
	for i, m := range mistakes {
		path := fmt.Sprintf("/events%d", i)
		srv.Handle(path, ssetest.Endpoint{CORS: m.cors, Events: ssetest.Messages("it works")})
		try(srv.HostURL("https", ssetest.OtherHost, path), m.title,
			ssecors.WithOrigin(page), ssecors.WithCredentials(), ssecors.WithHTTPClient(srv.Client()))
	}
}

// try opens the stream and reports the first event or the failure.
func try(streamURL, title string, opts ...ssecors.Option) bool {
	if title != "" {
		fmt.Println("==", title)
	}
	es, err := ssecors.New(streamURL, opts...)
	if err != nil {
		fmt.Println("  ", err)
		return false
	}
	es.OnMessage(func(ev ssecors.Event) {
		fmt.Printf("   opened, first event: %q\n", ev.Data)
		es.Close()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = es.Run(ctx)
	var ce *ssecors.BlockedError
	switch {
	case errors.As(err, &ce):
		fmt.Printf("   a browser refuses it: rule %s\n   %s\n   fix: %s\n", ce.Rule, ce.Detail, ce.Fix)
		return false
	case err != nil:
		fmt.Println("  ", err)
		return false
	}
	return true
}
