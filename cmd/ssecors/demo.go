package main

import (
	"net/http"
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
//   - /session: a credentialed stream answered with the exact origin and
//     "Access-Control-Allow-Credentials: true", which needs the cookie
//     "sid" (401 without it), as a session cookie set by a top-level login
//     on the stream's site: prime it with --cookie 'sid=42; SameSite=None;
//     Secure'. From a page on app.example.test, it works on api.other.test
//     only where third-party cookies are allowed (Chrome), and on
//     api.example.test, the page's own site, in every browser.
//
// They send a few events 200 ms apart and set the cookie "seen".
//
// For fetch() streams (POST with a JSON body, as LLM APIs take them):
//
//   - /chat-broken: its preflight allows POST and Content-Type but not
//     Authorization;
//   - /chat-fixed: its preflight allows authorization, content-type and
//     last-event-id for 10 minutes, and the stream exposes X-Request-Id
//     and resumes after Last-Event-ID.
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
		Retry:         3000,
		Header:        http.Header{"Vary": {"Origin"}},
	})
	srv.Handle("/session", ssetest.Endpoint{
		CORS:          &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}, AllowCredentials: "true"},
		Events:        events,
		Interval:      200 * time.Millisecond,
		Resume:        true,
		RequireCookie: "sid",
		Retry:         3000,
		Header:        http.Header{"Vary": {"Origin"}},
	})
	tokens := []ssetest.Event{
		{ID: "1", Data: `{"delta":"Hello"}`},
		{ID: "2", Data: `{"delta":" from"}`},
		{ID: "3", Data: `{"delta":" the"}`},
		{ID: "4", Data: `{"delta":" stream"}`},
		{ID: "5", Data: "[DONE]"},
	}
	reqID := http.Header{"X-Request-Id": {"req-42"}}
	srv.Handle("/chat-broken", ssetest.Endpoint{
		CORS:     &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}, AllowMethods: "POST", AllowHeaders: "content-type"},
		Events:   tokens,
		Interval: 200 * time.Millisecond,
		Resume:   true,
		Header:   reqID,
	})
	srv.Handle("/chat-fixed", ssetest.Endpoint{
		CORS: &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}, AllowMethods: "POST",
			AllowHeaders: "authorization, content-type, last-event-id", MaxAge: "600"},
		Events:   tokens,
		Interval: 200 * time.Millisecond,
		Resume:   true,
		Retry:    3000,
		Header:   http.Header{"X-Request-Id": {"req-42"}, "Access-Control-Expose-Headers": {"X-Request-Id"}, "Vary": {"Origin"}},
	})
	return srv
}
