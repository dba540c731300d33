package ssecors_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/browser"
	"github.com/ssecors/ssecors-go/ssecors/browserjar"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

// exampleServer serves two events with ids, ends the stream, and answers
// the reconnection with 204 No Content, which tells a client to stop.
func exampleServer(ep ssetest.Endpoint) *ssetest.Server {
	if ep.Responses == nil {
		ep.Responses = []ssetest.Response{
			{Retry: 10, Events: []ssetest.Event{
				{ID: "1", Data: "hello"},
				{ID: "2", Type: "update", Data: `{"price":42}`},
			}, EndAfterScript: true},
			{Status: http.StatusNoContent},
		}
	}
	return ssetest.New(ep)
}

func ExampleNew() {
	srv := exampleServer(ssetest.Endpoint{})
	defer srv.Close()

	es, err := ssecors.New(srv.EventsURL())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(es.ReadyState()) // nothing is sent before Run

	_, err = ssecors.New("ftp://example.com/events")
	fmt.Println(err)
	// Output:
	// connecting
	// ssecors: invalid url "ftp://example.com/events": scheme must be "http" or "https"
}

func ExampleEventSource_Run() {
	srv := exampleServer(ssetest.Endpoint{})
	defer srv.Close()

	es, _ := ssecors.New(srv.EventsURL())
	es.OnOpen(func(*http.Response) { fmt.Println("open") })
	es.OnMessage(func(ev ssecors.Event) { fmt.Printf("message %s (id %s)\n", ev.Data, ev.LastEventID) })
	es.AddEventListener("update", func(ev ssecors.Event) { fmt.Printf("update %s (id %s)\n", ev.Data, ev.LastEventID) })
	es.OnError(func(err error) { fmt.Printf("error, now %s\n", es.ReadyState()) })

	err := es.Run(context.Background())
	var re *ssecors.ResponseError
	if errors.As(err, &re) {
		fmt.Println("run ended with status", re.StatusCode)
	}
	fmt.Println("reconnected with Last-Event-ID", srv.RequestsTo(ssetest.EventsPath)[1].LastEventID)
	// Output:
	// open
	// message hello (id 1)
	// update {"price":42} (id 2)
	// error, now connecting
	// error, now closed
	// run ended with status 204
	// reconnected with Last-Event-ID 2
}

func ExampleEventSource_Events() {
	srv := exampleServer(ssetest.Endpoint{})
	defer srv.Close()

	es, _ := ssecors.New(srv.EventsURL())
	for ev, err := range es.Events(context.Background()) {
		switch {
		case errors.Is(err, ssecors.ErrReconnecting):
			fmt.Println("reconnecting after:", strings.Contains(err.Error(), "stream ended by the server"))
			continue
		case errors.Is(err, ssecors.ErrNoContent):
			fmt.Println("the server asked us to stop")
		case err != nil:
			fmt.Println("ended:", err)
		default:
			fmt.Println(ev.Type, ev.Data)
			continue
		}
		break
	}
	// Output:
	// message hello
	// update {"price":42}
	// reconnecting after: true
	// the server asked us to stop
}

// A page on https://app.example.test opens a stream on another site with
// new EventSource(url, {withCredentials: true}): the request carries
// Origin and the session cookie, and the response must allow both.
func Example_withCredentials() {
	srv := ssetest.New(ssetest.Endpoint{
		CORS:      ssetest.AllowAll(), // echoes Origin, Access-Control-Allow-Credentials: true
		Responses: []ssetest.Response{{Events: ssetest.Messages("hi"), EndAfterScript: true}, {Status: 204}},
	})
	defer srv.Close()
	page := srv.Origin("https", ssetest.AppHost)
	stream := srv.HostURL("https", ssetest.OtherHost, "/events")

	// The browser profile allows third-party cookies, and the user logged
	// in on the API's site earlier: a first-party cookie.
	jar := browserjar.New(&browserjar.Options{Browser: browser.Chrome})
	apiURL, _ := url.Parse(stream)
	jar.SetCookies(apiURL, []*http.Cookie{
		{Name: "session", Value: "s1", Secure: true, SameSite: http.SameSiteNoneMode},
		{Name: "prefs", Value: "p1", Secure: true, SameSite: http.SameSiteLaxMode},
	})

	es, _ := ssecors.New(stream,
		ssecors.WithOrigin(page),
		ssecors.WithCredentials(),
		ssecors.WithCookieJar(jar),
		ssecors.WithHTTPClient(srv.Client()), // resolves the test host names
		ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: time.Millisecond}),
	)
	es.OnMessage(func(ev ssecors.Event) { fmt.Println("message:", ev.Data) })
	es.Run(context.Background())

	r := srv.RequestsTo("/events")[0]
	fmt.Println("Origin sent:", r.Origin == page)
	fmt.Println("Cookie sent:", r.Header.Get("Cookie")) // SameSite=Lax stays home
	// Output:
	// message: hi
	// Origin sent: true
	// Cookie sent: session=s1
}

// A misconfigured server echoes "*" to a credentialed request: the browser
// refuses the stream, and the error says which rule failed and the fix.
func Example_origin() {
	srv := ssetest.New(ssetest.Endpoint{
		CORS:   &ssetest.CORS{AllowOrigin: []string{"*"}},
		Events: ssetest.Messages("never delivered"),
	})
	defer srv.Close()

	es, _ := ssecors.New(srv.HostURL("https", ssetest.APIHost, "/events"),
		ssecors.WithOrigin("https://app.example.test"),
		ssecors.WithCredentials(),
		ssecors.WithHTTPClient(srv.Client()),
	)
	err := es.Run(context.Background())
	var ce *ssecors.BlockedError
	if errors.As(err, &ce) {
		fmt.Println("rule:", ce.Rule)
		fmt.Println("fix:", ce.Fix)
	}
	fmt.Println("state:", es.ReadyState())
	// Output:
	// rule: allow-origin-wildcard-with-credentials
	// fix: Access-Control-Allow-Origin is '*' but the request carries credentials: echo the origin instead and add Access-Control-Allow-Credentials: true; send "Access-Control-Allow-Origin: https://app.example.test", "Access-Control-Allow-Credentials: true" and "Vary: Origin"
	// state: closed
}

// Beyond the browser: an explicit OPTIONS preflight before connecting, for
// servers whose CORS setup is only reached through a preflight.
func ExampleWithPreflight() {
	srv := ssetest.New(ssetest.Endpoint{
		CORS:      ssetest.AllowAll(),
		Responses: []ssetest.Response{{Events: ssetest.Messages("ok"), EndAfterScript: true}, {Status: 204}},
	})
	defer srv.Close()

	es, _ := ssecors.New(srv.HostURL("https", ssetest.OtherHost, "/events"),
		ssecors.WithOrigin(srv.Origin("https", ssetest.AppHost)),
		ssecors.WithPreflight(ssecors.PreflightAlways),
		ssecors.WithHTTPClient(srv.Client()),
		ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: time.Millisecond}),
	)
	es.Run(context.Background())
	for _, r := range srv.RequestsTo("/events") {
		fmt.Println(strings.TrimSpace(r.Method + " " + r.Header.Get("Access-Control-Request-Method")))
	}
	fmt.Println(es.BrowserIncompatibilities()[0])
	// Output:
	// OPTIONS GET
	// GET
	// GET
	// sends an OPTIONS preflight (always): a browser never preflights an EventSource
}

// Mandatory parameters a browser would have to put in the URL: encoded as
// RFC 3986 asks, and redacted wherever ssecors prints the URL.
func ExampleWithQuery() {
	srv := ssetest.New(ssetest.Endpoint{Status: http.StatusUnauthorized})
	defer srv.Close()

	es, _ := ssecors.New(srv.EventsURL()+"?v=2",
		ssecors.WithQuery("tenant", "acme corp"),
		ssecors.WithQuery("token", "s3cr3t-value"),
	)
	fmt.Println(es.URL() == srv.EventsURL()+"?v=2&tenant=acme%20corp&token=s3cr3t-value")
	err := es.Run(context.Background())
	var re *ssecors.ResponseError
	errors.As(err, &re)
	fmt.Println(re.StatusCode, re.URL == srv.EventsURL()+"?v=2&tenant=acme%20corp&token=REDACTED")
	fmt.Println(srv.RequestsTo("/events")[0].Query().Get("tenant"))
	// Output:
	// true
	// 401 true
	// acme corp
}

// The response that opened the stream: status, headers and protocol.
func ExampleEventSource_OnOpen() {
	srv := ssetest.New(ssetest.Endpoint{
		Header:    http.Header{"X-Served-By": {"node-7"}},
		Responses: []ssetest.Response{{Events: ssetest.Messages("hi"), EndAfterScript: true}, {Status: 204}},
	})
	defer srv.Close()

	es, _ := ssecors.New(srv.HostURL("https", ssetest.APIHost, "/events"),
		ssecors.WithHTTPClient(srv.Client()),
		ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: time.Millisecond}))
	es.OnOpen(func(resp *http.Response) {
		fmt.Println(resp.StatusCode, resp.Proto, resp.Header.Get("Content-Type"), resp.Header.Get("X-Served-By"))
	})
	es.Run(context.Background())
	// Output:
	// 200 HTTP/2.0 text/event-stream node-7
}

// Comments, often keep-alives, in order with the events.
func ExampleEventSource_OnComment() {
	srv := ssetest.New(ssetest.Endpoint{Responses: []ssetest.Response{{
		Events:         []ssetest.Event{{Comment: "keep-alive"}, {Data: "tick"}, {Comment: "keep-alive"}},
		EndAfterScript: true,
	}, {Status: 204}}})
	defer srv.Close()

	es, _ := ssecors.New(srv.EventsURL(), ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: time.Millisecond}))
	es.OnComment(func(c string) { fmt.Println("comment:", c) })
	es.OnMessage(func(ev ssecors.Event) { fmt.Println("message:", ev.Data) })
	es.Run(context.Background())
	// Output:
	// comment: keep-alive
	// message: tick
	// comment: keep-alive
}

// A client that knows its stream went stale reconnects at once, resuming
// with Last-Event-ID.
func ExampleEventSource_Restart() {
	srv := ssetest.New(ssetest.Endpoint{Events: ssetest.Numbered(3, "update "), Resume: true})
	defer srv.Close()

	es, _ := ssecors.New(srv.EventsURL())
	es.OnMessage(func(ev ssecors.Event) {
		fmt.Println(ev.LastEventID, ev.Data)
		switch ev.LastEventID {
		case "1":
			es.Restart() // say the application saw the data go stale
		case "3":
			es.Close()
		}
	})
	es.Run(context.Background())
	fmt.Printf("Last-Event-ID sent: %q\n", srv.RequestsTo(ssetest.EventsPath)[1].LastEventID)
	// Output:
	// 1 update 1
	// 2 update 2
	// 3 update 3
	// Last-Event-ID sent: "1"
}

// A relay that sends keep-alive comments while no event comes cannot hide
// a stuck upstream from WithEventTimeout.
func ExampleWithEventTimeout() {
	srv := ssetest.New(ssetest.Endpoint{Responses: []ssetest.Response{
		{Events: []ssetest.Event{{Comment: "ping"}}, Repeat: true, Interval: 10 * time.Millisecond},
		{Status: 204},
	}})
	defer srv.Close()

	es, _ := ssecors.New(srv.EventsURL(),
		ssecors.WithEventTimeout(100*time.Millisecond),
		ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: time.Millisecond}))
	es.OnError(func(err error) {
		var ne *ssecors.NetworkError
		if errors.As(err, &ne) && ne.Timeout() {
			fmt.Println("timed out:", ne.Err)
		}
	})
	es.Run(context.Background())
	// Output:
	// timed out: no event received within the event timeout
}

// Parsing a stream that does not arrive over HTTP.
func ExampleDecoder_All() {
	stream := "retry: 1000\n\nid: 1\ndata: {\"delta\":\"Hel\"}\n\nid: 2\ndata: {\"delta\":\"lo\"}\n\ndata: [DONE]\n\n"
	for ev, err := range ssecors.NewDecoder(strings.NewReader(stream)).All() {
		if err != nil {
			fmt.Println("error:", err)
			break
		}
		fmt.Printf("%s %q\n", ev.LastEventID, ev.Data)
	}
	// Output:
	// 1 "{\"delta\":\"Hel\"}"
	// 2 "{\"delta\":\"lo\"}"
	// 2 "[DONE]"
}

// The same stream, declared as windows-1252, in three browsers: Chromium
// refuses a charset other than UTF-8; Firefox and Safari decode it as
// UTF-8, as the spec says, and open it.
func ExampleWithBrowser() {
	for _, p := range []browser.Profile{browser.Chrome, browser.Firefox, browser.Safari} {
		srv := exampleServer(ssetest.Endpoint{Responses: []ssetest.Response{
			{ContentType: "text/event-stream; charset=windows-1252",
				Events: []ssetest.Event{{Data: "hello"}}, EndAfterScript: true},
			{Status: http.StatusNoContent},
		}})
		es, err := ssecors.New(srv.EventsURL(), ssecors.WithBrowser(p),
			ssecors.WithRetry(ssecors.RetryPolicy{InitialDelay: 10 * time.Millisecond}))
		if err != nil {
			srv.Close()
			fmt.Println(err)
			return
		}
		got := "nothing"
		es.OnMessage(func(ev ssecors.Event) { got = ev.Data })
		err = es.Run(context.Background())
		srv.Close()
		var re *ssecors.ResponseError
		errors.As(err, &re)
		fmt.Printf("%s: got %s, ended on status %d\n", p, got, re.StatusCode)
	}
	// Output:
	// Chrome: got nothing, ended on status 200
	// Firefox: got hello, ended on status 204
	// Safari: got hello, ended on status 204
}
