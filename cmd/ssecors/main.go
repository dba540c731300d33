// Command ssecors opens server-sent event streams the way a browser's
// EventSource does, and tells why a browser would refuse one.
//
//	ssecors listen URL [flags]                   print the events as they arrive
//	ssecors doctor URL --origin ORIGIN [flags]   would a page on ORIGIN open this stream?
//	ssecors doctor URL --origin ORIGIN --method POST -H 'Authorization: ...' --data @body.json
//	                                             and with fetch()?
//
// Install it with
//
//	go install github.com/ssecors/ssecors-go/cmd/ssecors@latest
//
// Run "ssecors help" for the flags. doctor judges Chrome, Chrome Incognito,
// Firefox and Safari (--browser selects) and exits with 0 when every one
// would connect, 1 when one would not, and 2 when the check could not run;
// with --json it prints the report as one JSON object, for CI pipelines.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK    = 0 // listen: stopped as asked; doctor: every selected browser would connect
	exitFail  = 1 // listen: the stream failed; doctor: a selected browser would not connect
	exitUsage = 2 // bad arguments, or the check could not run
)

// run is the whole command, with its environment passed in, so that tests
// can run it in-process. env reads environment variables (NO_COLOR, TERM).
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	if env == nil {
		env = func(string) string { return "" }
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText)
		return exitUsage
	}
	switch args[0] {
	case "listen":
		return listenCommand(ctx, args[1:], stdin, stdout, stderr, env)
	case "doctor":
		return doctorCommand(ctx, args[1:], stdin, stdout, stderr, env)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usageText)
		return exitOK
	}
	fmt.Fprintf(stderr, "ssecors: unknown command %q\n\n%s", args[0], usageText)
	return exitUsage
}

const usageText = `ssecors opens server-sent event streams the way a browser's EventSource does.

Usage:
  ssecors listen URL [flags]                  print the events as they arrive
  ssecors doctor URL --origin ORIGIN [flags]  would a page on ORIGIN open this stream with
                                              new EventSource(URL, {withCredentials})? why not?
                                              with --method, --data...: with fetch(URL, {...})?

Flags of both commands:
  --origin ORIGIN          act as a page on ORIGIN (https://app.example.com): send Origin,
                           check CORS, apply cookie and mixed-content rules
  --with-credentials       new EventSource(url, {withCredentials: true})
  --cookie 'N=V[; attrs]'  a cookie the browser holds for the stream's site, as a
                           Set-Cookie value: 'sid=1; SameSite=None; Secure' (repeatable)
  --cookie-jar FILE        cookies from a Netscape cookie file, as curl -c writes it
                           ("-" reads standard input)
  --browser NAME           the browser the page runs in: chrome (third-party cookies
                           allowed), chrome-incognito or incognito (blocked; also
                           Debian's Chromium), firefox (Total Cookie Protection),
                           safari (WebKit with ITP: all blocked).
                           listen: one name (default chrome-incognito);
                           doctor: a comma list, or all (the default): one verdict each
  --third-party-cookies block|allow|partition|block-all
                           override the third-party cookie setting of the browser(s)
                           chosen with --browser (listen: of chrome-incognito by default)
  --query K=V              add a query parameter to the URL (repeatable)
  --header 'K: V', -H 'K: V'
                           send a request header (repeatable): an EventSource cannot;
                           with fetch, the page's own headers
  --preflight never|auto|always
                           send an explicit OPTIONS preflight (default never: browsers
                           never preflight an EventSource); needs --origin
  --last-event-id ID       send Last-Event-ID on the first request (a browser never does)
  --max-events N           listen: stop after N events (default: no limit);
                           doctor: wait for N events (default 3)
  --timeout D              listen: stop after D (default: no limit);
                           doctor: wait at most D for each response (default 10s)
  --json                   listen: one JSON object per line; doctor: the report as JSON
  --insecure               do not verify TLS certificates (a browser would)
  --cacert FILE            also trust the PEM certificates in FILE
  --demo                   use a built-in test server instead of the network: every host
                           name resolves to it (https://api.example.test/..., any path
                           below), and it serves:
                             /broken       an EventSource stream that allows "*" with
                                           credentials: use --with-credentials
                             /fixed        the same, fixed; it needs the cookie sid:
                                           use --with-credentials --cookie sid=42
                             /session      a credentialed stream that needs the cookie
                                           sid: use --with-credentials --cookie
                                           'sid=42; SameSite=None; Secure'; on
                                           api.other.test it works in Chrome only, on
                                           api.example.test in every browser
                             /chat-broken  a fetch() stream whose preflight does not
                                           allow Authorization: use --method POST
                                           -H 'Authorization: Bearer x' --data '{}'
                             /chat-fixed   the same, fixed (same flags; --reconnect
                                           shows the Last-Event-ID preflight)

Flags of doctor:
  --reconnect              force one reconnection: show the Last-Event-ID a browser sends
                           and what the server answers
  --wait D                 how long to wait for events once the stream is open (default 5s)
  --watch D                keep the stream open for D (such as 2m), reconnections included,
                           and check the silences against common idle timeouts of proxies
                           and load balancers; recommends a heartbeat
  Once the stream opens, doctor also checks what breaks streams in production (these only
  warn): the protocol (HTTP/1.1 limits a browser to 6 connections per host), compression,
  a buffering proxy, and hygiene (Vary: Origin, retry:, id:).

Flags of doctor for a stream a page reads with fetch() (any of them selects fetch):
  --fetch                  fetch(URL) instead of new EventSource(URL); a GET unless --method
  --method M, -X M         the request method (default GET)
  --data BODY, -d BODY     the request body; @FILE reads a file, @- standard input; the
                           report shows its size, never its content
  --credentials omit|same-origin|include
                           fetch()'s credentials mode (default same-origin;
                           --with-credentials means include)
  --one-shot               the stream is one response (an LLM completion): no reconnection
  A cross-origin fetch() that is not simple (a method other than GET, HEAD or POST, or a
  header such as Authorization or Content-Type: application/json) is preflighted, as a
  browser does; --reconnect shows the preflight that Last-Event-ID causes.

Exit status:
  listen  0 stopped (Ctrl-C, --max-events, --timeout), 1 the stream failed, 2 bad usage
  doctor  0 every browser of --browser would connect, 1 one would not, 2 the check could
          not run

Examples:
  ssecors listen https://api.example.com/events --max-events 5
  ssecors doctor https://api.example.com/events --origin https://app.example.com \
      --with-credentials --cookie 'session=abc; SameSite=None; Secure' --reconnect
  ssecors doctor --demo https://api.other.test/broken --origin https://app.example.test --with-credentials
  ssecors doctor https://api.example.com/v1/chat --origin https://app.example.com --method POST \
      -H 'Authorization: Bearer $TOKEN' -H 'Content-Type: application/json' --data @request.json
`
