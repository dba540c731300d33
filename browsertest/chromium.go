package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
	"github.com/ssecors/ssecors-go/ssecors/browserjar"
)

// pageScript is the page's script: __start creates the EventSource and
// records its events; __wait resolves when it is CLOSED or after ms;
// __finish reads the state, closes the source and returns the events.
const pageScript = `<script>
window.__ev = [];
window.__es = null;
let __done = null;
function __push(o) { __ev.push(o); }
function __start(url, cred, types) {
  let es;
  try {
    es = cred ? new EventSource(url, {withCredentials: true}) : new EventSource(url);
  } catch (e) {
    return e.name || String(e);
  }
  __es = es;
  const onmsg = (e) => __push({k: "message", type: e.type, data: e.data, id: e.lastEventId, origin: e.origin, rs: es.readyState});
  es.onopen = () => __push({k: "open", rs: es.readyState});
  es.onmessage = onmsg;
  for (const t of types) es.addEventListener(t, onmsg);
  es.onerror = () => {
    __push({k: "error", rs: es.readyState});
    if (es.readyState === 2 && __done) __done(true);
  };
  return "";
}
function __wait(ms) {
  return new Promise((resolve) => {
    if (!__es || __es.readyState === 2) { resolve(true); return; }
    __done = resolve;
    setTimeout(() => resolve(false), ms);
  });
}
function __finish() {
  const rs = __es ? __es.readyState : 2;
  const url = __es ? __es.url : "";
  if (__es) __es.close();
  return {rs: rs, url: url, ev: __ev, fx: window.__fx || []};
}
</script>`

// ErrNoChromium is returned by FindChromium when no browser is found.
var ErrNoChromium = errors.New("browsertest: no Chromium found (install Debian's chromium package, or set SSECORS_CHROMIUM to its path)")

// FindChromium returns the path of the Chromium binary: $SSECORS_CHROMIUM,
// else Debian's /usr/bin/chromium, else chromium or chromium-browser on
// the PATH. It never downloads a browser.
func FindChromium() (string, error) {
	if p := os.Getenv("SSECORS_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("browsertest: SSECORS_CHROMIUM: %w", err)
		}
		return p, nil
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// Browser is one headless Chromium process, under one third-party cookie
// policy. Each case runs in a new browser context of it (an incognito-like
// profile), so cookies do not leak between cases.
type Browser struct {
	Policy  browserjar.Policy
	Version string
	Flags   []string // the command line flags, for the report

	dir    string
	ctx    context.Context // the browser's chromedp context
	cancel []context.CancelFunc
	srv    *Server
}

// thirdPartyPrefs are the profile preferences that write each policy's
// third-party cookie setting explicitly, rather than relying on the
// build's default (Debian's Chromium blocks them in a fresh profile;
// Google Chrome's regular profiles allow them): Chromium's "cookie controls
// mode" 0 (off: "Allow third-party cookies") or 1 ("Block third-party
// cookies"). Contexts made with Target.createBrowserContext inherit it.
var thirdPartyPrefs = map[browserjar.Policy]string{
	browserjar.Allow: `{"profile":{"cookie_controls_mode":0}}`,
	browserjar.Block: `{"profile":{"cookie_controls_mode":1}}`,
}

// StartBrowser launches Chromium at execPath with a fresh user data
// directory, the test hosts mapped to srv, and the given policy. parent
// bounds the browser's whole life.
func StartBrowser(parent context.Context, execPath string, srv *Server, policy browserjar.Policy) (*Browser, error) {
	dir, err := os.MkdirTemp("", "ssecors-chromium-")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "Default"), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "Default", "Preferences"), []byte(thirdPartyPrefs[policy]), 0o644); err != nil {
		return nil, err
	}
	b := &Browser{Policy: policy, dir: dir, srv: srv}
	flags := []struct {
		name  string
		value any
	}{
		{"headless", true},
		{"no-sandbox", true},
		{"disable-gpu", true},
		{"disable-quic", true},
		{"no-first-run", true},
		{"no-default-browser-check", true},
		{"disable-background-networking", true},
		{"disable-component-update", true},
		{"disable-sync", true},
		{"disable-dev-shm-usage", true},
		{"user-data-dir", dir},
		{"host-resolver-rules", srv.HostRules()},
		{"ignore-certificate-errors", true},
		// HTTPS upgrades would turn the http:// page loads of the mixed
		// content and schemeful-site cases into https ones.
		{"disable-features", "HttpsUpgrades"},
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(execPath)}
	for _, f := range flags {
		opts = append(opts, chromedp.Flag(f.name, f.value))
		switch v := f.value.(type) {
		case bool:
			b.Flags = append(b.Flags, "--"+f.name)
		case string:
			if f.name == "user-data-dir" {
				v = "<fresh temporary directory>"
			}
			if f.name == "host-resolver-rules" {
				v = "MAP *.test:443 127.0.0.1:<https port>, MAP *.test:8443 127.0.0.1:<https port>, MAP *.test:80 127.0.0.1:<http port>"
			}
			b.Flags = append(b.Flags, "--"+f.name+"="+strconv.Quote(v))
		}
	}
	actx, acancel := chromedp.NewExecAllocator(parent, opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	b.ctx = bctx
	b.cancel = []context.CancelFunc{bcancel, acancel}
	if err := chromedp.Do(bctx); err != nil {
		b.Close()
		return nil, fmt.Errorf("browsertest: starting %s: %w", execPath, err)
	}
	vctx, vcancel := context.WithTimeout(bctx, 10*time.Second)
	defer vcancel()
	v, err := chromedp.CallBrowser(vctx, browser.GetVersion, struct{}{})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("browsertest: Browser.getVersion: %w", err)
	}
	b.Version = v.Product
	return b, nil
}

// Close stops the browser and removes its profile.
func (b *Browser) Close() {
	for _, c := range b.cancel {
		c()
	}
	os.RemoveAll(b.dir)
}

// jsEvent is an event as the page recorded it.
type jsEvent struct {
	K      string `json:"k"`
	Type   string `json:"type"`
	Data   string `json:"data"`
	ID     string `json:"id"`
	Origin string `json:"origin"`
	RS     int    `json:"rs"`
}

type jsFinish struct {
	RS  int       `json:"rs"`
	URL string    `json:"url"`
	Ev  []jsEvent `json:"ev"`
	Fx  []string  `json:"fx"`
}

// fillFinish copies what __finish returned into an outcome (all engines
// but the fetch results, which only [Browser.Run] records).
func fillFinish(out *Outcome, fin jsFinish, threw, run, port string) {
	out.State = fin.RS
	out.URL = unexpandURL(fin.URL, run, port)
	if threw != "" {
		out.State = -1
		out.Detail = threw
	}
	for _, e := range fin.Ev {
		out.Events = append(out.Events, EventRec{Kind: e.K, Type: e.Type, Data: e.Data, ID: e.ID, Origin: e.Origin, RS: e.RS})
	}
}

// primeOrigins returns the origins whose login page sets the case's
// cookies, in first-seen order.
func primeOrigins(c *Case) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range c.Cookies {
		if !seen[p.Origin] {
			seen[p.Origin] = true
			out = append(out, p.Origin)
		}
	}
	return out
}

// Run runs one case in a new browser context and returns what Chromium
// did. Every step is bounded by the case's budget.
func (b *Browser) Run(c *Case, run string) Outcome {
	var out Outcome
	port := strconv.Itoa(b.srv.HTTPPort())
	ctx, cancel := context.WithTimeout(b.ctx, c.wait()+30*time.Second)
	defer cancel()
	tctx, tcancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer tcancel()

	for _, o := range primeOrigins(c) {
		if err := chromedp.Do(tctx, chromedp.Navigate(expandURL(o+"{run}/login", run, port))); err != nil {
			out.Harness = fmt.Errorf("priming cookies at %s: %w", o, err)
			return out
		}
	}
	page := expandURL(c.page()+"{run}/page", run, port)
	if err := chromedp.Do(tctx, chromedp.Navigate(page)); err != nil {
		out.Harness = fmt.Errorf("loading the page %s: %w", page, err)
		return out
	}
	loc, err := chromedp.Run(tctx, chromedp.Evaluate[string]("location.href"))
	if err != nil || loc != page {
		out.Harness = fmt.Errorf("the page is at %q, not %q (err %v)", loc, page, err)
		return out
	}

	start := "__start"
	args, _ := json.Marshal([]any{expandURL(c.URL, run, port), c.Cred, append([]string{}, c.Types...)})
	if c.Fetch != nil {
		start = "__fetchStart"
		args, _ = json.Marshal([]any{expandURL(c.URL, run, port), c.Fetch.jsInit()})
	}
	threw, err := chromedp.Run(tctx, chromedp.Evaluate[string](start+"(..."+string(args)+")"))
	if err != nil {
		out.Harness = fmt.Errorf("__start: %w", err)
		return out
	}
	out.Threw = threw
	if threw == "" {
		expr := fmt.Sprintf("__wait(%d)", c.wait().Milliseconds())
		if _, err := chromedp.Run(tctx, chromedp.Evaluate[bool](expr, chromedp.EvalAwaitPromise)); err != nil {
			out.Harness = fmt.Errorf("__wait: %w", err)
			return out
		}
	}
	fin, err := chromedp.Run(tctx, chromedp.Evaluate[jsFinish]("__finish()"))
	if err != nil {
		out.Harness = fmt.Errorf("__finish: %w", err)
		return out
	}
	fillFinish(&out, fin, threw, run, port)
	if c.Fetch != nil {
		out.Fetches = fin.Fx
	}

	id := chromedp.FromContext(tctx).BrowserContextID
	cookies, err := chromedp.CallBrowser(ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: id})
	if err != nil {
		out.Harness = fmt.Errorf("Storage.getCookies: %w", err)
		return out
	}
	for _, ck := range cookies.Cookies {
		out.Jar = append(out.Jar, jarEntry(ck.Name, ck.Value, ck.Domain, ck.PartitionKey != nil))
	}
	sort.Strings(out.Jar)
	return out
}

// jarEntry renders a stored cookie the same way for both sides.
func jarEntry(name, value, domain string, partitioned bool) string {
	s := name + "=" + value + "@" + strings.ToLower(domain)
	if partitioned {
		s += " (partitioned)"
	}
	return s
}
