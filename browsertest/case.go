package browsertest

import (
	"strings"
	"time"
)

// The origins the cases use. Each host name is mapped to the suite's
// server: by --host-resolver-rules in Chromium, by [Server.Client] in
// ssecors. ".test" is not a public suffix, so example.test and other.test
// are registrable domains: app.example.test and api.example.test are the
// same site, api.other.test is another site.
const (
	pageOrigin = "https://app.example.test"      // the page, unless a case says otherwise
	pageHTTP   = "http://app.example.test"       // the page for http cases
	samePort   = "https://app.example.test:8443" // same host, other port: same site
	sameSite   = "https://api.example.test"      // same site, other origin
	sameSite2  = "https://www.example.test"      // a third origin of the same site
	sameHTTP   = "http://api.example.test"       // same registrable domain over http
	crossSite  = "https://api.other.test"        // another site
	crossSite2 = "https://cdn.other.test"        // another origin of that other site
	localHTTP  = "http://localhost:{httpport}"   // a potentially trustworthy http origin
	loopHTTP   = "http://127.0.0.1:{httpport}"   // the same, by address
)

// Then says how a scripted response ends after its body.
type Then int

const (
	// Close ends the response after the body: a clean end of stream.
	Close Then = iota
	// Hold keeps the response open until the client leaves.
	Hold
	// Abort resets the stream after the body (a network error mid-stream).
	Abort
	// AbortBeforeHeaders resets the stream before any response.
	AbortBeforeHeaders
)

// NoContentType as Resp.ContentType sends no Content-Type header at all.
const NoContentType = "-"

// Resp is one scripted response of an endpoint. Header values, Location
// and Body may use {run} (the run's path prefix, "/r/<run>"), {origin}
// (the request's Origin header) and {httpport}.
type Resp struct {
	Status      int    // 0 means 200
	ContentType string // "" means text/event-stream; NoContentType for none
	Header      [][2]string
	SetCookie   []string
	Location    string
	Body        string
	Then        Then
}

// Prime is a cookie a user's browser already holds: set first-party, by
// visiting Origin's login page, before the case runs.
type Prime struct {
	Origin    string
	SetCookie string
}

// Case is one parity case: a page, an EventSource it opens, and the
// server's script.
type Case struct {
	Name  string
	Group string
	Why   string // what the case shows, for the report
	Page  string // page origin; "" means pageOrigin
	// URL is the stream URL. Cases that aim at the suite's server write it
	// with ep; others (invalid URLs, other schemes) are literal.
	URL     string
	Cred    bool // withCredentials: true / ssecors.WithCredentials()
	Cookies []Prime
	// Policies marks a case whose outcome depends on the third-party
	// cookie setting: it runs in the cookie configurations too
	// (Config.CookieCasesOnly), not only in each engine's main ones.
	Policies bool
	Types    []string // custom event types listened to with addEventListener
	Eps      map[string][]Resp
	// Preflight is the answer to an OPTIONS request to any endpoint of the
	// case (neither side should send one). Default: a permissive 204.
	Preflight *Resp
	// Pre scripts the OPTIONS answers of an endpoint, as Eps does its
	// other requests (the n-th preflight gets the n-th response, the last
	// one repeats); it wins over Preflight for that endpoint.
	Pre map[string][]Resp
	// Fetch, when set, makes the case a fetch case: the page opens the
	// stream with fetch() and a body reader instead of an EventSource, and
	// ssecors with WithFetch (see fetchcase.go). Cred is then unused.
	Fetch *FetchInit
	// Wait bounds how long the run is observed when the source does not
	// reach CLOSED on its own. Default: 4 s.
	Wait time.Duration
}

func (c *Case) page() string {
	if c.Page == "" {
		return pageOrigin
	}
	return c.Page
}

func (c *Case) wait() time.Duration {
	if c.Wait == 0 {
		return 4 * time.Second
	}
	return c.Wait
}

func (c *Case) preflight(ep string, n int) Resp {
	if script := c.Pre[ep]; len(script) > 0 {
		return script[min(n, len(script)-1)]
	}
	if c.Preflight != nil {
		return *c.Preflight
	}
	return Resp{Status: 204, ContentType: NoContentType, Header: [][2]string{
		{"Access-Control-Allow-Origin", "{origin}"},
		{"Access-Control-Allow-Credentials", "true"},
		{"Access-Control-Allow-Methods", "GET"},
		{"Access-Control-Allow-Headers", "last-event-id"},
	}}
}

// ep is the URL template of endpoint name on origin.
func ep(origin, name string) string { return origin + "{run}/e/" + name }

// expandURL fills a URL template for a run.
func expandURL(tmpl, run string, httpPort string) string {
	u := strings.ReplaceAll(tmpl, "{run}", "/r/"+run)
	return strings.ReplaceAll(u, "{httpport}", httpPort)
}

// unexpandURL writes a run's URL back as a template, so that both sides'
// URLs compare equal.
func unexpandURL(u, run string, httpPort string) string {
	u = strings.ReplaceAll(u, "/r/"+run, "{run}")
	return strings.ReplaceAll(u, ":"+httpPort, ":{httpport}")
}

// Response builders, so that the case table reads as a script.

type opt func(*Resp)

// sse is a 200 text/event-stream response with body, closed afterwards.
func sse(body string, opts ...opt) Resp {
	r := Resp{Body: body}
	for _, o := range opts {
		o(&r)
	}
	return r
}

// status is a response with the given status and an event-stream body.
func status(code int, opts ...opt) Resp {
	return sse("retry: 100\ndata: a\n\n", append([]opt{func(r *Resp) { r.Status = code }}, opts...)...)
}

// redirect answers code with Location to.
func redirect(code int, to string, opts ...opt) Resp {
	r := Resp{Status: code, ContentType: "text/plain", Location: to}
	for _, o := range opts {
		o(&r)
	}
	return r
}

// stop is the 204 that ends a stream for good.
var stop = Resp{Status: 204}

func header(name string, values ...string) opt {
	return func(r *Resp) {
		for _, v := range values {
			r.Header = append(r.Header, [2]string{name, v})
		}
	}
}

func acao(values ...string) opt { return header("Access-Control-Allow-Origin", values...) }
func acac(values ...string) opt { return header("Access-Control-Allow-Credentials", values...) }

// cors allows the request's origin with credentials.
var cors = func(r *Resp) {
	acao("{origin}")(r)
	acac("true")(r)
}

func ctype(v string) opt        { return func(r *Resp) { r.ContentType = v } }
func then(t Then) opt           { return func(r *Resp) { r.Then = t } }
func setCookie(v ...string) opt { return func(r *Resp) { r.SetCookie = append(r.SetCookie, v...) } }
func withStatus(code int) opt   { return func(r *Resp) { r.Status = code } }
func script(rs ...Resp) []Resp  { return rs }
func eps(kv ...any) map[string][]Resp {
	m := make(map[string][]Resp)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].([]Resp)
	}
	return m
}
