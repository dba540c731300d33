package browsertest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrNoWebKit is returned by FindWebKit when WebKitWebDriver, MiniBrowser
// or Xvfb is missing.
var ErrNoWebKit = errors.New("browsertest: no WebKitGTK driver found (install Debian's webkit2gtk-driver and xvfb packages, or set SSECORS_WEBKITWEBDRIVER and SSECORS_MINIBROWSER)")

// miniBrowserPaths are where Debian's libwebkit2gtk packages put
// MiniBrowser (it is not on the PATH).
var miniBrowserPaths = []string{
	"/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
	"/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
	"/usr/lib/x86_64-linux-gnu/webkitgtk-6.0/MiniBrowser",
	"/usr/lib/x86_64-linux-gnu/webkit2gtk-4.0/MiniBrowser",
}

// findMiniBrowser returns MiniBrowser's path: $SSECORS_MINIBROWSER, else a
// Debian location.
func findMiniBrowser() (string, error) {
	if p := os.Getenv("SSECORS_MINIBROWSER"); p != "" {
		_, err := os.Stat(p)
		return p, err
	}
	for _, p := range miniBrowserPaths {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	matches, _ := filepath.Glob("/usr/lib/*/webkit*gtk*/MiniBrowser")
	if len(matches) > 0 {
		return matches[0], nil
	}
	return "", ErrNoWebKit
}

// FindWebKit returns the path of WebKitWebDriver ($SSECORS_WEBKITWEBDRIVER,
// else on the PATH), after checking that MiniBrowser and Xvfb exist too.
func FindWebKit() (string, error) {
	if _, err := findMiniBrowser(); err != nil {
		return "", ErrNoWebKit
	}
	if _, err := exec.LookPath("Xvfb"); err != nil {
		return "", ErrNoWebKit
	}
	if p := os.Getenv("SSECORS_WEBKITWEBDRIVER"); p != "" {
		_, err := os.Stat(p)
		return p, err
	}
	p, err := exec.LookPath("WebKitWebDriver")
	if err != nil {
		return "", ErrNoWebKit
	}
	return p, nil
}

// WebKitKind drives WebKitGTK's MiniBrowser through WebKitWebDriver under
// a private Xvfb display. Setting.CookiesPolicy is MiniBrowser's
// --cookies-policy, Setting.ITP its --enable-itp.
var WebKitKind = EngineKind{
	Name:   "webkit",
	Title:  "WebKitGTK",
	Driver: "WebKitWebDriver (classic WebDriver), MiniBrowser on a private Xvfb",
	DriverVersion: func() string {
		return "Debian packages webkit2gtk-driver " + debianVersion("webkit2gtk-driver") + ", libwebkit2gtk-4.1-0 " + debianVersion("libwebkit2gtk-4.1-0") + ", xvfb " + debianVersion("xvfb")
	},
	Find: FindWebKit,
	Start: func(ctx context.Context, path string, srv *Server, s Setting) (Engine, error) {
		return StartWebKit(ctx, path, srv, s)
	},
	Workers: webkitWorkers,
}

// webkitWorkers is how many cases run at once in one WebKit: StartWebKit
// starts one driver (one MiniBrowser session at a time) per worker.
const webkitWorkers = 2

// webkitSessionTimeout bounds the creation of a session (MiniBrowser's
// start): without a usable display it would hang forever.
const webkitSessionTimeout = 45 * time.Second

// WebKit is one Xvfb display and a pool of WebKitWebDriver processes on it.
// Each case gets a new WebDriver session, that is a new MiniBrowser
// process with a fresh, ephemeral cookie store.
type WebKit struct {
	remote
	version     string
	miniBrowser string
	driverPath  string
	display     string
	args        []string

	xvfb  *proc
	mu    sync.Mutex // guards procs
	procs []*wkDriver
	idle  chan *wkDriver
}

// wkDriver is one WebKitWebDriver process (it serves one session at a
// time).
type wkDriver struct {
	*proc
	wd    *wdClient
	index int
}

// StartWebKit starts Xvfb, the host proxy and WebKitGTK drivers (one per
// worker), and checks that a session starts. parent bounds everything.
func StartWebKit(parent context.Context, driverPath string, srv *Server, s Setting) (_ *WebKit, err error) {
	mb, err := findMiniBrowser()
	if err != nil {
		return nil, err
	}
	w := &WebKit{miniBrowser: mb, driverPath: driverPath}
	defer func() {
		if err != nil {
			w.Close()
		}
	}()
	if w.remote, err = newRemote(parent, srv); err != nil {
		return nil, err
	}
	if w.display, err = w.startXvfb(); err != nil {
		return nil, err
	}
	// MiniBrowser's own options configure its network session: the proxy
	// (WebKitGTK has no host resolver rules), the cookie accept policy,
	// and ITP. TLS: acceptInsecureCerts in the capabilities.
	w.args = []string{"--automation", "--proxy=http://" + w.proxy.Addr(), "--cookies-policy=" + s.CookiesPolicy}
	if s.ITP {
		w.args = append(w.args, "--enable-itp")
	}
	w.idle = make(chan *wkDriver, webkitWorkers)
	for i := range webkitWorkers {
		d, err := w.startDriver(i)
		if err != nil {
			return nil, err
		}
		w.procs = append(w.procs, d)
		w.idle <- d
	}
	// A first session: the version, and proof that MiniBrowser starts.
	d := <-w.idle
	defer func() { w.idle <- d }()
	caps, err := w.newSession(d)
	if err != nil {
		return nil, err
	}
	w.version = fmt.Sprint(caps["browserName"], " ", caps["browserVersion"], " (WebKitGTK)")
	dctx, dcancel := context.WithTimeout(w.ctx, 20*time.Second)
	defer dcancel()
	if err := d.wd.deleteSession(dctx); err != nil {
		return nil, err
	}
	return w, nil
}

// startXvfb starts a private X server; -displayfd makes it pick a free
// display number and report it.
func (w *WebKit) startXvfb() (string, error) {
	r, wr, err := os.Pipe()
	if err != nil {
		return "", err
	}
	defer r.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{wr}
	w.xvfb, err = startProc(cmd)
	wr.Close()
	if err != nil {
		return "", err
	}
	numc := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		numc <- strings.TrimSpace(line)
	}()
	select {
	case n := <-numc:
		if _, err := strconv.Atoi(n); err != nil {
			return "", fmt.Errorf("browsertest: Xvfb reported display %q", n)
		}
		return ":" + n, nil
	case <-time.After(20 * time.Second):
		return "", errors.New("browsertest: Xvfb reported no display within 20s")
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startDriver starts a WebKitWebDriver on the display and waits until it
// is ready.
func (w *WebKit) startDriver(index int) (*wkDriver, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	path := w.driverPath
	cmd := exec.Command(path, "--port="+strconv.Itoa(port), "--host=local")
	cmd.Env = append(os.Environ(), "DISPLAY="+w.display, "WAYLAND_DISPLAY=", "NO_AT_BRIDGE=1", "GTK_A11Y=none",
		"WEBKIT_DISABLE_COMPOSITING_MODE=1")
	p, err := startProc(cmd)
	if err != nil {
		return nil, err
	}
	d := &wkDriver{proc: p, index: index}
	d.wd = &wdClient{base: "http://127.0.0.1:" + strconv.Itoa(port), hc: &http.Client{}}
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(w.ctx, 2*time.Second)
		var st struct {
			Ready bool `json:"ready"`
		}
		err := d.wd.do(ctx, http.MethodGet, "/status", nil, &st)
		cancel()
		if err == nil && st.Ready {
			return d, nil
		}
		select {
		case <-d.done:
			return nil, fmt.Errorf("browsertest: %s exited at start", path)
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			d.stop(5 * time.Second)
			return nil, fmt.Errorf("browsertest: %s not ready within 20s (last error %v)", path, err)
		}
	}
}

// replaceDriver stops driver d (and its MiniBrowser) and starts a new one
// in its place.
func (w *WebKit) replaceDriver(d *wkDriver) (*wkDriver, error) {
	d.stop(5 * time.Second)
	nd, err := w.startDriver(d.index)
	if err != nil {
		return d, err
	}
	w.mu.Lock()
	w.procs[d.index] = nd
	w.mu.Unlock()
	return nd, nil
}

// newSession starts MiniBrowser through driver d, time-boxed.
func (w *WebKit) newSession(d *wkDriver) (map[string]any, error) {
	caps := map[string]any{
		"acceptInsecureCerts": true,
		"webkitgtk:browserOptions": map[string]any{
			"binary": w.miniBrowser,
			"args":   w.args,
		},
	}
	return startBounded(w.ctx, "WebDriver new session (MiniBrowser's start)", webkitSessionTimeout, func(ctx context.Context) (map[string]any, error) {
		c, err := d.wd.newSession(ctx, caps)
		if err != nil {
			return nil, err
		}
		if err := d.wd.setTimeouts(ctx, 60*time.Second, 30*time.Second); err != nil {
			d.wd.deleteSession(ctx)
			return nil, err
		}
		return c, nil
	})
}

// Version is MiniBrowser's name and WebKitGTK version.
func (w *WebKit) Version() string { return w.version }

// Settings are MiniBrowser's arguments and the capabilities, for the
// report.
func (w *WebKit) Settings() []string {
	args := slices.Clone(w.args)
	for i, a := range args {
		if strings.HasPrefix(a, "--proxy=") {
			args[i] = "--proxy=http://127.0.0.1:<proxy port>"
		}
	}
	return []string{
		"WebKitWebDriver --port=<free port> --host=local, DISPLAY=<private Xvfb -displayfd>",
		"capabilities: acceptInsecureCerts=true, webkitgtk:browserOptions.binary=" + w.miniBrowser,
		"MiniBrowser args: " + strings.Join(args, " "),
	}
}

// Close stops the drivers (and any MiniBrowser they run), Xvfb and the
// proxy.
func (w *WebKit) Close() {
	w.mu.Lock()
	procs := slices.Clone(w.procs)
	w.mu.Unlock()
	for _, d := range procs {
		if d.wd.session != "" {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			d.wd.deleteSession(ctx)
			cancel()
		}
		d.stop(5 * time.Second)
	}
	w.xvfb.stop(5 * time.Second)
	w.remote.close()
}

// Run runs one case in a new session (a new MiniBrowser with an empty
// cookie store) and returns what the page saw. The jar is read with Get
// All Cookies from a page of each host the case names, over https (WebDriver
// shows only the cookies the current document would be sent: a cookie
// whose Path is not / is not seen).
func (w *WebKit) Run(c *Case, run string) (out Outcome) {
	var d *wkDriver
	select {
	case d = <-w.idle:
	case <-w.ctx.Done():
		out.Harness = w.ctx.Err()
		return out
	}
	defer func() { w.idle <- d }()
	if _, err := w.newSession(d); err != nil {
		// A session that did not start in time leaves the driver in an
		// unknown state: replace the driver and try once more.
		nd, rerr := w.replaceDriver(d)
		if rerr != nil {
			out.Harness = fmt.Errorf("%w; replacing the driver: %v", err, rerr)
			return out
		}
		d = nd
		if _, err2 := w.newSession(d); err2 != nil {
			out.Harness = fmt.Errorf("%w; after replacing the driver: %v", err, err2)
			return out
		}
	}
	ctx, cancel := context.WithTimeout(w.ctx, c.wait()+60*time.Second)
	defer cancel()
	defer func() {
		dctx, dcancel := context.WithTimeout(w.ctx, 20*time.Second)
		defer dcancel()
		if err := d.wd.deleteSession(dctx); err != nil && out.Harness == nil {
			out.Harness = err
		}
	}()
	port := strconv.Itoa(w.srv.HTTPPort())
	out = runInPage(ctx, wdPage{d.wd}, c, run, port)
	if out.Harness != nil {
		return out
	}
	jar := map[string]bool{}
	for _, origin := range caseOrigins(c, run, port) {
		if err := d.wd.navigate(ctx, origin+"/r/"+run+"/page"); err != nil {
			out.Harness = fmt.Errorf("reading cookies at %s: %w", origin, err)
			return out
		}
		cks, err := d.wd.cookies(ctx)
		if err != nil {
			out.Harness = fmt.Errorf("reading cookies at %s: %w", origin, err)
			return out
		}
		for _, ck := range cks {
			jar[jarEntry(ck.Name, ck.Value, ck.Domain, false)] = true
		}
	}
	for e := range jar {
		out.Jar = append(out.Jar, e)
	}
	sort.Strings(out.Jar)
	return out
}

// wdPage is the [pageDriver] of a WebDriver session's top-level page.
type wdPage struct{ wd *wdClient }

func (p wdPage) navigate(ctx context.Context, url string) error { return p.wd.navigate(ctx, url) }

func (p wdPage) evalString(ctx context.Context, expr string) (string, error) {
	var s string
	err := p.wd.executeAsync(ctx, "const done = arguments[arguments.length - 1]; Promise.resolve().then(() => "+expr+").then(done, (e) => done({exception: String(e)}))", nil, &s)
	return s, err
}

// ViewJar drops the "(partitioned)" marks of the ssecors jar: WebDriver's
// cookies carry no partition (and WebKitGTK does not partition cookies by
// the Partitioned attribute, which the requests show), and drops the
// cookies that Get All Cookies from /r/<run>/page cannot see: a primed
// cookie whose Path is not "/" (or above /r/), and a response's cookie
// without a Path, whose default path is its endpoint's directory
// (/r/<run>/e).
func (w *WebKit) ViewJar(c *Case, jar []string) []string {
	hidden := map[string]bool{}
	seen := func(hc *http.Cookie, pathDefault bool) bool {
		if hc.Path == "" {
			return !pathDefault
		}
		return hc.Path == "/" || strings.HasPrefix("/r/", hc.Path)
	}
	for _, p := range c.Cookies {
		if hc, err := http.ParseSetCookie(p.SetCookie); err == nil && !seen(hc, false) {
			hidden[hc.Name+"="+hc.Value] = true
		}
	}
	for _, script := range c.Eps {
		for _, r := range script {
			for _, line := range r.SetCookie {
				if hc, err := http.ParseSetCookie(line); err == nil && !seen(hc, true) {
					hidden[hc.Name+"="+hc.Value] = true
				}
			}
		}
	}
	out := make([]string, 0, len(jar))
	for _, e := range jar {
		e = strings.TrimSuffix(e, " (partitioned)")
		if nv, _, _ := strings.Cut(e, "@"); hidden[nv] {
			continue
		}
		out = append(out, e)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// caseOrigins returns the https origins of every host a case names (page,
// stream URL, primed cookies, redirect targets), where the jar is read.
// Hosts that are only reachable over plain HTTP (localhost, 127.0.0.1) are
// read over http.
func caseOrigins(c *Case, run, port string) []string {
	hosts := map[string]string{}
	add := func(tmpl string) {
		u, err := url.Parse(expandURL(tmpl, run, port))
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return
		}
		h := strings.ToLower(u.Hostname())
		switch {
		case strings.HasSuffix(h, ".test"):
			hosts[h] = "https://" + h
		case h == "localhost" || h == "127.0.0.1":
			hosts[h] = "http://" + u.Host
		}
	}
	add(c.page())
	add(c.URL)
	for _, p := range c.Cookies {
		add(p.Origin)
	}
	for _, rs := range c.Eps {
		for _, r := range rs {
			if r.Location != "" {
				add(r.Location)
			}
		}
	}
	var out []string
	for _, o := range hosts {
		out = append(out, o)
	}
	sort.Strings(out)
	return out
}
