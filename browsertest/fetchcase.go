package browsertest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// FetchInit is the fetch() call of a fetch case: what the page passes to
// fetch(url, init), and what ssecors gets as WithFetch, WithHeader and
// credentials.
//
// The page emulates a fetch()-based SSE client such as
// @microsoft/fetch-event-source: it sends Accept: text/event-stream unless
// the case sets Accept, reads the body with res.body.getReader() and a
// TextDecoder, parses the events itself, and, unless OneShot, fetches
// again with the same init plus Last-Event-ID (once an id is known) when
// the body ends, after the reconnection time (retry:, default 3 s). A
// rejected fetch() (a TypeError: CORS or network failure) or a response
// that is not ok, is 204, or is not text/event-stream ends the stream for
// good, as ssecors' fetch mode does (except that ssecors, which can tell a
// network error from a CORS failure, retries the former: intentional
// difference fetch-network-retry).
type FetchInit struct {
	Method string // "" omits it: GET
	// Headers are the page's own headers, in order.
	Headers [][2]string
	// Body is the request body as a string; nil means none.
	Body *string
	// Credentials is the credentials mode; "" omits it: same-origin.
	Credentials string
	OneShot     bool
	// Attempts bounds the fetches the page makes (default 4); scripts
	// should end the stream themselves (a final 204) well before.
	Attempts int
	// AttemptHeader, when set, is a header whose value is the attempt
	// number, 1 for the first fetch: the page computes it per fetch,
	// ssecors gets it from WithHeaderFunc.
	AttemptHeader string
}

func (f *FetchInit) attempts() int {
	if f.Attempts == 0 {
		return 4
	}
	return f.Attempts
}

// pageHeaderNames are the lowercased names of the headers the page sets,
// the ones the server records and compares: Accept, Cache-Control and
// Pragma always (ssecors must add no Cache-Control or Pragma in fetch
// mode), then the case's own.
func (f *FetchInit) pageHeaderNames() []string {
	names := []string{"accept", "cache-control", "pragma"}
	if f.AttemptHeader != "" {
		names = append(names, strings.ToLower(f.AttemptHeader))
	}
	for _, kv := range f.Headers {
		n := strings.ToLower(kv[0])
		if n != "content-type" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

// jsInit is the JSON form of f the page script takes.
func (f *FetchInit) jsInit() map[string]any {
	m := map[string]any{"headers": f.Headers, "oneShot": f.OneShot, "attempts": f.attempts()}
	if f.Headers == nil {
		m["headers"] = [][2]string{}
	}
	if f.Method != "" {
		m["method"] = f.Method
	}
	if f.Body != nil {
		m["body"] = *f.Body
	}
	if f.Credentials != "" {
		m["credentials"] = f.Credentials
	}
	if f.AttemptHeader != "" {
		m["attemptHeader"] = f.AttemptHeader
	}
	return m
}

// describeFetch renders a request of a fetch case for comparison: what
// describe shows, plus the body, its Content-Type and Content-Length, and
// the page's headers as received.
func (r Request) describeFetch() string {
	var b strings.Builder
	r.describeHead(&b)
	if r.ACRMethod != "" {
		fmt.Fprintf(&b, " ACR-Method=%s", r.ACRMethod)
	}
	if r.ACRHeaders != "" {
		fmt.Fprintf(&b, " ACR-Headers=%s", r.ACRHeaders)
	}
	if r.ContentType != "-" && r.ContentType != "" {
		fmt.Fprintf(&b, " Content-Type=%q", r.ContentType)
	}
	if r.Body != "" || r.ContentLength > 0 {
		fmt.Fprintf(&b, " Body=%q", r.Body)
		if r.ContentLength < 0 {
			b.WriteString(" (no Content-Length)")
		}
	}
	for _, kv := range r.Page {
		switch {
		case kv[0] == "accept" && r.Method == http.MethodOptions && kv[1] == "*/*",
			kv[0] == "accept" && r.Method != http.MethodOptions && kv[1] == "text/event-stream",
			kv[0] != "accept" && kv[1] == "-":
			// the expected value: not shown
		default:
			fmt.Fprintf(&b, " %s=%q", kv[0], kv[1])
		}
	}
	return b.String()
}

// The CORS-safelisted response-header names (Fetch), which a page can
// read from any CORS response.
var safelistedResponse = []string{"cache-control", "content-language", "content-length",
	"content-type", "expires", "last-modified", "pragma"}

// readableNames is what res.headers.keys() lists on a page for a response
// with headers h: every header of a basic response (same-origin, and
// never redirected through another origin), the
// CORS-safelisted ones and those of Access-Control-Expose-Headers ("*":
// all, only without credentials) of a CORS response; never Set-Cookie.
// Date is left out on both sides (see readableFilter).
func readableNames(h http.Header, basic, credentials bool) []string {
	var exposed []string
	for _, v := range h.Values("Access-Control-Expose-Headers") {
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				exposed = append(exposed, strings.ToLower(item))
			}
		}
	}
	// One item that is not a header name voids the whole list (Fetch
	// "extract header list values"; Chromium agrees: "fetch: ACEH with a
	// non-token item").
	for _, item := range exposed {
		if item != "*" && !isToken(item) {
			exposed = nil
			break
		}
	}
	all := basic || (slices.Contains(exposed, "*") && !credentials)
	var out []string
	for name := range h {
		n := strings.ToLower(name)
		if n == "set-cookie" || n == "set-cookie2" || !readableFilter(n) {
			continue
		}
		if all || slices.Contains(safelistedResponse, n) || slices.Contains(exposed, n) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// isToken reports whether s is an HTTP token (RFC 9110).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

// readableFilter drops the readable header names that say nothing about
// CORS and that the HTTP stacks may differ on: Date, the Content-Length or
// Transfer-Encoding of a streamed body (WebKitGTK talks HTTP/1.1 here and
// shows "chunked", the others HTTP/2), and X-Firefox-Spdy, which Firefox
// adds to a response it received over HTTP/2 (the server never sends it).
func readableFilter(name string) bool {
	return !slices.Contains([]string{"date", "content-length", "transfer-encoding", "x-firefox-spdy"}, name)
}

// sameOriginURL reports whether u (a final response URL) has the origin
// page.
func sameOriginURL(u *url.URL, page string) bool {
	p, err := url.Parse(page)
	if err != nil || u == nil {
		return false
	}
	port := func(x *url.URL) string {
		if x.Port() != "" {
			return x.Port()
		}
		if x.Scheme == "https" {
			return "443"
		}
		return "80"
	}
	return strings.EqualFold(u.Scheme, p.Scheme) && strings.EqualFold(u.Hostname(), p.Hostname()) && port(u) == port(p)
}

// fetchScript is the page's fetch()-based client: __fetchStart opens the
// stream as FetchInit describes and records into the page script's event
// list (see pageScript); __fx lists each fetch's result.
const fetchScript = `<script>
window.__fx = [];
function __fetchStart(url, init) {
  const ctl = new AbortController();
  const src = {readyState: 0, url: url, closed: false,
    close() { this.closed = true; this.readyState = 2; ctl.abort(); }};
  __es = src;
  const end = (errorEvent, rs) => {
    src.readyState = rs;
    if (errorEvent) __push({k: "error", rs: rs});
    if (rs === 2 && __done) __done(true);
  };
  (async () => {
    let lastId = "", retry = 3000, idBuf = "";
    for (let n = 0; n < init.attempts && !src.closed; n++) {
      if (n > 0) {
        await new Promise((r) => setTimeout(r, retry));
        if (src.closed) return;
      }
      const headers = new Headers();
      for (const [k, v] of init.headers) headers.append(k, v);
      if (!headers.has("accept")) headers.set("accept", "text/event-stream");
      if (lastId !== "") headers.set("last-event-id", lastId);
      if (init.attemptHeader) headers.set(init.attemptHeader, String(n + 1));
      const opts = {headers: headers, signal: ctl.signal};
      if ("method" in init) opts.method = init.method;
      if ("body" in init) opts.body = init.body;
      if ("credentials" in init) opts.credentials = init.credentials;
      let res;
      try {
        res = await fetch(url, opts);
      } catch (e) {
        if (src.closed) return;
        __fx.push("rejected " + e.name);
        end(true, 2);
        return;
      }
      const ct = res.headers.get("content-type");
      const essence = (ct || "").split(";")[0].trim().toLowerCase();
      if (!res.ok || res.status === 204 || essence !== "text/event-stream") {
        __fx.push("status " + res.status + " type=" + (ct === null ? "-" : ct));
        try { res.body && res.body.cancel(); } catch (e) {}
        end(true, 2);
        return;
      }
      const names = [...res.headers.keys()].filter((h) => !["date", "content-length", "transfer-encoding", "x-firefox-spdy"].includes(h));
      __fx.push("status " + res.status + " readable=[" + names.join(" ") + "]");
      src.readyState = 1;
      __push({k: "open", rs: 1});
      const origin = new URL(res.url).origin;
      let data = "", type = "", buf = "", first = true;
      const line = (l) => {
        if (l === "") {
          lastId = idBuf;
          if (data === "") { type = ""; return; }
          if (data.endsWith("\n")) data = data.slice(0, -1);
          __push({k: "message", type: type || "message", data: data, id: lastId, origin: origin, rs: src.readyState});
          data = ""; type = "";
          return;
        }
        if (l[0] === ":") return;
        const i = l.indexOf(":");
        const field = i < 0 ? l : l.slice(0, i);
        let value = i < 0 ? "" : l.slice(i + 1);
        if (value[0] === " ") value = value.slice(1);
        if (field === "data") data += value + "\n";
        else if (field === "event") type = value;
        else if (field === "id") { if (!value.includes("\0")) idBuf = value; }
        else if (field === "retry") { if (/^[0-9]+$/.test(value)) retry = parseInt(value, 10); }
      };
      const feed = (text, eof) => {
        buf += text;
        if (first && buf.length > 0) { if (buf[0] === "\ufeff") buf = buf.slice(1); first = false; }
        for (;;) {
          const m = /\r\n|\r|\n/.exec(buf);
          if (!m) break;
          if (m[0] === "\r" && m.index === buf.length - 1 && !eof) break; // maybe CR LF across chunks
          line(buf.slice(0, m.index));
          buf = buf.slice(m.index + m[0].length);
        }
      };
      const reader = res.body.getReader();
      const dec = new TextDecoder();
      let failed = false;
      try {
        for (;;) {
          const {value, done} = await reader.read();
          if (done) break;
          feed(dec.decode(value, {stream: true}), false);
        }
        feed(dec.decode(), true);
      } catch (e) {
        failed = true;
      }
      if (src.closed) return;
      if (init.oneShot) {
        if (failed) __fx.push("body failed");
        end(failed, 2);
        return;
      }
      end(true, 0);
    }
  })();
  return "";
}
</script>`
