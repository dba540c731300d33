// Command quickstart shows ssecors end to end against the embedded test
// server: it connects, prints events, forces the connection to drop, and
// shows the reconnection carrying Last-Event-ID and the stream resuming
// where it left off. It exits on its own within a few seconds.
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart -url https://example.com/events   # any stream
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

func main() {
	streamURL := flag.String("url", "", "stream URL (default: the embedded test server)")
	max := flag.Int("n", 6, "stop after this many events")
	flag.Parse()
	if err := run(*streamURL, *max); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(streamURL string, max int) error {
	var srv *ssetest.Server
	if streamURL == "" {
		// Six numbered events, 150 ms apart; "retry: 500" asks clients to
		// wait half a second before reconnecting, and Resume makes the
		// server continue after the Last-Event-ID it receives.
		srv = ssetest.New(ssetest.Endpoint{
			Events:   ssetest.Numbered(6, "tick "),
			Retry:    500,
			Resume:   true,
			Interval: 150 * time.Millisecond,
		})
		defer srv.Close()
		streamURL = srv.EventsURL()
	}

	es, err := ssecors.New(streamURL)
	if err != nil {
		return err
	}
	received := 0
	es.OnOpen(func(*http.Response) {
		fmt.Printf("open     (state %s)\n", es.ReadyState())
	})
	es.OnMessage(func(ev ssecors.Event) {
		received++
		fmt.Printf("message  id=%-2s data=%q\n", ev.LastEventID, ev.Data)
		switch {
		case received == max:
			es.Close() // Run returns nil
		case received == 3 && srv != nil:
			fmt.Println("-- the server drops every connection now --")
			srv.Drop()
		}
	})
	es.OnError(func(err error) {
		fmt.Printf("error    %v\n         state %s, reconnecting in %v with Last-Event-ID %q\n",
			err, es.ReadyState(), es.ReconnectionTime(), es.LastEventID())
	})

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := es.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	if srv != nil {
		for _, r := range srv.RequestsTo(ssetest.EventsPath) {
			fmt.Printf("server saw GET #%d with Last-Event-ID %q\n", r.Attempt+1, r.LastEventID)
		}
	}
	fmt.Printf("done: %d events, state %s\n", received, es.ReadyState())
	return nil
}
