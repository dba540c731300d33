package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
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

// ChromiumKind drives Debian's Chromium over the DevTools protocol.
var ChromiumKind = EngineKind{
	Name:   "chromium",
	Title:  "Chromium",
	Driver: "the DevTools protocol",
	DriverVersion: func() string {
		return "github.com/chromedp/chromedp " + moduleVersion("github.com/chromedp/chromedp") + "; Debian package chromium " + debianVersion("chromium")
	},
	Find:    FindChromium,
	Start:   startChromium,
	Workers: chromiumWorkers,
}

// chromiumWorkers is how many cases run at once in one configuration.
const chromiumWorkers = 2

// chromium is the [Engine] of one configuration: one Chromium process whose
// cases each run in a new browser context, or, with --incognito, a pool of
// processes, each running one case at a time in its Incognito window.
type chromium struct {
	all  []*Browser
	pool chan *Browser // one entry per case that may run at once
}

func startChromium(ctx context.Context, path string, srv *Server, s Setting) (Engine, error) {
	e := &chromium{pool: make(chan *Browser, chromiumWorkers)}
	for i := range chromiumWorkers {
		if i > 0 && !s.Incognito {
			e.pool <- e.all[0] // browser contexts: one process runs them all
			continue
		}
		b, err := StartBrowser(ctx, path, srv, s)
		if err != nil {
			e.Close()
			return nil, err
		}
		e.all = append(e.all, b)
		e.pool <- b
	}
	return e, nil
}

func (e *chromium) Run(c *Case, run string) Outcome {
	b := <-e.pool
	defer func() { e.pool <- b }()
	return b.Run(c, run)
}

func (e *chromium) Version() string    { return e.all[0].Version }
func (e *chromium) Settings() []string { return e.all[0].Flags }

func (e *chromium) Close() {
	for _, b := range e.all {
		b.Close()
	}
}

// Browser is one headless Chromium process. Each case runs in a new
// browser context (an isolated cookie store in a regular window), or, in
// Incognito, in the Incognito window whose cookies are cleared first.
type Browser struct {
	Setting Setting
	Version string
	Flags   []string // the command line flags and preferences, for the report

	dir    string
	ctx    context.Context // the browser's chromedp context
	cancel []context.CancelFunc
	srv    *Server
}

// chromiumPrefs is the profile's Preferences file: the third-party cookie
// setting written explicitly rather than left to the build's default
// (Debian's Chromium blocks third-party cookies in a fresh profile; Google
// Chrome's regular profiles block them in Incognito only). Contexts made
// with Target.createBrowserContext inherit it.
func chromiumPrefs(mode int) string {
	return fmt.Sprintf(`{"profile":{"cookie_controls_mode":%d}}`, mode)
}

// StartBrowser launches Chromium at execPath with a fresh user data
// directory, the test hosts mapped to srv, and setting s. parent bounds the
// browser's whole life.
func StartBrowser(parent context.Context, execPath string, srv *Server, s Setting) (*Browser, error) {
	dir, err := os.MkdirTemp("", "ssecors-chromium-")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "Default"), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "Default", "Preferences"), []byte(chromiumPrefs(s.CookieControlsMode)), 0o644); err != nil {
		return nil, err
	}
	b := &Browser{Setting: s, dir: dir, srv: srv, Flags: []string{"Default/Preferences: " + chromiumPrefs(s.CookieControlsMode)}}
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
	if s.Incognito {
		flags = append(flags, struct {
			name  string
			value any
		}{"incognito", true})
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

// Run runs one case in a fresh cookie store and returns what Chromium
// did. Every step is bounded by the case's budget.
func (b *Browser) Run(c *Case, run string) Outcome {
	ctx, cancel := context.WithTimeout(b.ctx, c.wait()+30*time.Second)
	defer cancel()
	// The Incognito window's browser context is not one the browser
	// endpoint can name (Storage.*Cookies fail to find it): its cookies
	// are cleared and read through the page's own session.
	tctx, id := ctx, cdp.BrowserContextID("")
	readCookies := func() (storage.GetCookiesResult, error) {
		return chromedp.Call(tctx, allCookies, cdp.Empty{})
	}
	if b.Setting.Incognito {
		if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
			return Outcome{Harness: fmt.Errorf("Network.clearBrowserCookies: %w", err)}
		}
	} else {
		readCookies = func() (storage.GetCookiesResult, error) {
			return chromedp.CallBrowser(ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: id})
		}
		var tcancel context.CancelFunc
		tctx, tcancel = chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
		defer tcancel()
		if err := chromedp.Do(tctx); err != nil {
			return Outcome{Harness: fmt.Errorf("new browser context: %w", err)}
		}
		id = chromedp.FromContext(tctx).BrowserContextID
	}
	out := runInPage(tctx, cdpPage{}, c, run, strconv.Itoa(b.srv.HTTPPort()))
	if out.Harness != nil {
		return out
	}
	cookies, err := readCookies()
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

// allCookies is Network.getAllCookies, every cookie of the page's browser
// context, partitioned ones included (deprecated for Storage.getCookies,
// which cannot reach the Incognito window's context; not in cdproto).
var allCookies = cdp.Command[cdp.Empty, storage.GetCookiesResult]{Method: "Network.getAllCookies"}

// cdpPage is the [pageDriver] of a chromedp context's tab.
type cdpPage struct{}

func (cdpPage) navigate(ctx context.Context, url string) error {
	return chromedp.Do(ctx, chromedp.Navigate(url))
}

func (cdpPage) evalString(ctx context.Context, expr string) (string, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
}
