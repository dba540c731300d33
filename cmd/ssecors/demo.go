package main

import (
	"time"

	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

// startDemo starts the server of --demo: the embedded test server, which
// the returned client reaches under any host name on ports 80 and 443, so
// that "https://api.other.test/broken" needs no network. It serves:
//
//   - /broken: a credentialed stream answered with
//     "Access-Control-Allow-Origin: *", which no browser accepts with
//     credentials;
//   - /fixed: the same stream answered with the exact origin and
//     "Access-Control-Allow-Credentials: true"; it needs the cookie "sid"
//     (401 without it) and resumes after Last-Event-ID.
//
// Both send a few events 200 ms apart and set the cookie "seen".
func startDemo() *ssetest.Server {
	srv := ssetest.New(ssetest.Endpoint{})
	events := []ssetest.Event{
		{ID: "1", Data: "hello"},
		{ID: "2", Type: "update", Data: `{"price":42}`},
		{ID: "3", Data: "still here"},
		{ID: "4", Data: "resumed"},
		{ID: "5", Data: "bye"},
	}
	seen := []string{"seen=1; Path=/; Secure; SameSite=None"}
	srv.Handle("/broken", ssetest.Endpoint{
		CORS:       &ssetest.CORS{AllowOrigin: []string{"*"}, AllowCredentials: "true"},
		Events:     events,
		Interval:   200 * time.Millisecond,
		Resume:     true,
		SetCookies: seen,
	})
	srv.Handle("/fixed", ssetest.Endpoint{
		CORS:          &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}, AllowCredentials: "true"},
		Events:        events,
		Interval:      200 * time.Millisecond,
		Resume:        true,
		SetCookies:    seen,
		RequireCookie: "sid",
	})
	return srv
}
