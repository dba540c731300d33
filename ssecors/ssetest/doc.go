// Package ssetest is a configurable server-sent events (SSE) and CORS
// server for the tests, examples and browser parity suite of ssecors, in
// the spirit of net/http/httptest.
//
// [New] starts two listeners on 127.0.0.1, one plain HTTP and one TLS
// (HTTP/2 or HTTP/1.1), with a self-signed certificate generated for the
// test host names ([AppHost], [APIHost], [OtherHost], ...; see
// [CertHosts]). [Server.Client] returns a client that reaches either
// listener under any of those names, so a test can play a page on
// https://app.example.test talking to https://api.other.test without DNS:
//
//	srv := ssetest.New(ssetest.Endpoint{
//		Events: ssetest.Messages("hello"),
//		CORS:   ssetest.AllowAll(),
//	})
//	defer srv.Close()
//	url := srv.HostURL("https", ssetest.OtherHost, ssetest.EventsPath)
//	resp, err := srv.Client().Get(url)
//
// # Endpoints
//
// The server routes by path (and optionally by host, [Server.HandleHost]).
// An [Endpoint] is plain data: the status, headers and Content-Type, a
// script of [Event] values written as exact bytes, a "retry:" line,
// Last-Event-ID resumption, an interval between events, a clean or abrupt
// end after N events, per-connection [Response] overrides (200, then 503,
// then 204), redirects, CORS headers and preflight answers ([CORS]),
// Set-Cookie lines, and query or cookie requirements. A Handler field is
// the escape hatch for anything else.
//
// # Faults
//
// Endpoints can also misbehave on purpose: drip a stream one byte per write
// (Drip), send headers and then nothing (StallAfterHeaders), delay the
// headers or a preflight (HeaderDelay, CORS.PreflightDelay), cut a stream
// mid-event by closing, resetting or half-closing the connection (Abort
// and [AbortMode]), or write raw bytes that net/http would never send
// (RawResponse: malformed status lines and chunked encodings). A
// [Blackhole] accepts TCP connections and never answers, for TLS
// handshakes and requests that must time out.
//
// Streams flush after every write and stay open after their script unless
// told to end; they end when the client leaves, on [Server.Drop] (which
// cuts every connection, so clients see a network error) and on
// [Server.Close].
//
// # Log
//
// Every request is logged when it arrives ([Request]): method, host,
// headers, cookies, Origin, Last-Event-ID, and whether it was a preflight.
// Read it with [Server.Requests] or wait for it with [Server.WaitRequests].
//
// # Cookies and pages
//
// The built-in login endpoint ([LoginPath], [Server.LoginURL]) answers
// with any Set-Cookie a test asks for, to prime cookies first-party as a
// browser's user would. [Server.HandlePage] serves an HTML page, for
// browsers that need a document on the page origin.
//
// # Concurrency and shutdown
//
// All methods of [Server] are safe for concurrent use. [Server.Close] ends
// every stream, closes every listener and connection, and waits for the
// handlers and accept loops to return; net/http's per-connection goroutines
// end as soon as their connection is closed, without being waited for.
//
// The package uses only the standard library and does not import ssecors.
package ssetest
