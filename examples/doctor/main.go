// Command doctor shows doctor.Diagnose, the Go API behind "ssecors
// doctor": would a page on origin X be able to open this stream with
// new EventSource(url, {withCredentials: true}), and if not, why? It
// diagnoses two streams of the embedded test server, one broken and one
// fixed, prints both reports, and exits.
//
//	go run ./examples/doctor
//	go run ./examples/doctor -url https://api.example.com/events -origin https://app.example.com
//
// In an integration test, the same call is an assertion:
//
//	rep, err := doctor.Diagnose(ctx, streamURL, doctor.Options{},
//		ssecors.WithOrigin("https://app.example.com"), ssecors.WithCredentials())
//	if err != nil {
//		t.Fatal(err) // the check could not run: a *ssecors.ConfigError
//	}
//	if !rep.Connects {
//		t.Fatalf("a browser could not open the stream: %s\nfix: %s\n%s", rep.Summary, rep.Fix, rep)
//	}
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/doctor"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

func main() {
	streamURL := flag.String("url", "", "a stream to diagnose (default: the embedded test server's broken and fixed streams)")
	origin := flag.String("origin", "", "the origin of the page that would open it (with -url)")
	creds := flag.Bool("credentials", true, "open it withCredentials (with -url)")
	reconnect := flag.Bool("reconnect", false, "force one reconnection to show Last-Event-ID (with -url)")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	if *streamURL != "" {
		if *origin == "" {
			fmt.Fprintln(os.Stderr, "doctor: -origin is required with -url")
			os.Exit(2)
		}
		opts := []ssecors.Option{ssecors.WithOrigin(*origin)}
		if *creds {
			opts = append(opts, ssecors.WithCredentials())
		}
		rep, err := doctor.Diagnose(ctx, *streamURL, doctor.Options{Reconnect: *reconnect}, opts...)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Print(rep)
		if !rep.Connects {
			os.Exit(1)
		}
		return
	}

	// The embedded server answers under any host name on port 443 through
	// srv.Client(), so the URLs below need no DNS and no port.
	srv := ssetest.New(ssetest.Endpoint{})
	defer srv.Close()
	events := ssetest.Numbered(5, "tick ")
	srv.Handle("/broken", ssetest.Endpoint{Events: events, Resume: true,
		CORS: &ssetest.CORS{AllowOrigin: []string{"*"}, AllowCredentials: "true"}})
	srv.Handle("/fixed", ssetest.Endpoint{Events: events, Resume: true,
		CORS: &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}, AllowCredentials: "true"}})

	for _, c := range []struct{ title, url string }{
		{"broken: \"Access-Control-Allow-Origin: *\" on a credentialed stream", "https://api.other.test/broken"},
		{"fixed: the exact origin and \"Access-Control-Allow-Credentials: true\"", "https://api.other.test/fixed"},
	} {
		fmt.Printf("== %s\n\n", c.title)
		rep, err := doctor.Diagnose(ctx, c.url, doctor.Options{MaxEvents: 2},
			ssecors.WithOrigin("https://app.example.test"),
			ssecors.WithCredentials(),
			ssecors.WithHTTPClient(srv.Client()),
		)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Print(rep)
		fmt.Printf("\nConnects=%t Rule=%q\n\n", rep.Connects, rep.Rule)
	}
}
