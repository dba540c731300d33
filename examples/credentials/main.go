// Command credentials runs the scenario ssecors was born from, end to end
// against the embedded test server:
//
//   - a page on https://app.example.test opens a stream on another site,
//     https://api.other.test, with new EventSource(url, {withCredentials: true});
//   - the stream needs the user's session cookie, and mandatory values the
//     page cannot send as headers (an EventSource sends none), so they
//     travel as query parameters;
//   - the team's server only sets up CORS when it sees a preflight, which a
//     browser never sends for an EventSource: ssecors sends one explicitly;
//   - the connection drops, and the reconnection carries Last-Event-ID.
//
// Run it with: go run ./examples/credentials
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/browser"
	"github.com/ssecors/ssecors-go/ssecors/browserjar"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "credentials:", err)
		os.Exit(1)
	}
}

func run() error {
	cors := ssetest.AllowAll() // echoes Origin, allows credentials
	cors.MaxAge = "600"        // preflight results cached for 10 minutes
	srv := ssetest.New(ssetest.Endpoint{})
	defer srv.Close()
	srv.HandleHost(ssetest.OtherHost, "/events", ssetest.Endpoint{
		CORS:          cors,
		RequireCookie: "session",
		RequireQuery:  map[string]string{"tenant": "acme", "token": "t-0ken-1234"},
		Responses: []ssetest.Response{
			{Retry: 200, Events: ssetest.Numbered(3, "update "), Abort: true}, // drops mid-event
			{Events: ssetest.Numbered(5, "update "), Resume: true, EndAfterScript: true},
			{Status: http.StatusNoContent}, // "stop reconnecting"
		},
	})
	page := srv.Origin("https", ssetest.AppHost)
	stream := srv.HostURL("https", ssetest.OtherHost, "/events")

	// 1. The user logged in on the API's site: a first-party visit that
	//    sets a SameSite=None; Secure session cookie in the browser's jar.
	//    The jar is a regular Chrome profile's, which allows third-party
	//    cookies (in Chrome Incognito, Firefox or Safari the stream would
	//    get no session cookie: run `ssecors doctor` to see it per browser).
	jar := browserjar.New(&browserjar.Options{Browser: browser.Chrome})
	visitor := srv.Client()
	visitor.Jar = jar
	login := srv.LoginURL("https", ssetest.OtherHost, ssetest.LoginCookie{
		Name: "session", Value: "u42", SameSite: "none", Secure: true, HttpOnly: true})
	resp, err := visitor.Get(login)
	if err != nil {
		return err
	}
	resp.Body.Close()
	fmt.Println("logged in on", ssetest.OtherHost, "-> cookies in the jar:", len(jar.All()))

	// 2. The page opens the stream. A page's EventSource cannot send
	//    headers, so the token travels in the query string.
	es, err := ssecors.New(stream,
		ssecors.WithOrigin(page),
		ssecors.WithCredentials(),
		ssecors.WithCookieJar(jar),
		ssecors.WithQuery("tenant", "acme"),
		ssecors.WithQuery("token", "t-0ken-1234"),
		ssecors.WithPreflight(ssecors.PreflightAlways),
		ssecors.WithHTTPClient(srv.Client()),
	)
	if err != nil {
		return err
	}
	fmt.Println("stream URL (as the page would build it):", es.URL())
	fmt.Println("ssecors redacts it in errors and logs as:", strings.TrimPrefix(es.String(), "ssecors.EventSource"))

	es.OnOpen(func(*http.Response) { fmt.Println("open") })
	es.OnMessage(func(ev ssecors.Event) { fmt.Printf("  message id=%s %q\n", ev.LastEventID, ev.Data) })
	es.OnError(func(err error) {
		if es.ReadyState() == ssecors.Connecting {
			fmt.Printf("dropped (%v): reconnecting in %v with Last-Event-ID %s\n", err, es.ReconnectionTime(), es.LastEventID())
		} else {
			fmt.Println("the server said stop:", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	es.Run(ctx)

	// 3. What the server saw.
	fmt.Println("\nrequests received by", ssetest.OtherHost+":")
	for _, r := range srv.RequestsTo("/events") {
		switch {
		case r.Preflight:
			fmt.Printf("  OPTIONS  Origin=%s  Access-Control-Request-Headers=%q  cookies=%d\n",
				r.Origin, r.Header.Get("Access-Control-Request-Headers"), len(r.Cookies))
		default:
			c, _ := r.Cookie("session")
			fmt.Printf("  GET      Origin=%s  session=%s  tenant=%s  Last-Event-ID=%q\n",
				r.Origin, c, r.Query().Get("tenant"), r.LastEventID)
		}
	}
	fmt.Println("\na browser could not do all of this:")
	for _, s := range es.BrowserIncompatibilities() {
		fmt.Println("  -", s)
	}
	return nil
}
