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

	"github.com/ssecors/ssecors-go/ssecors/browserjar"
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
// a private Xvfb display. Block is WebKitGTK's default cookie accept policy
// (MiniBrowser --cookies-policy=no-third-party), Allow is
// --cookies-policy=always. ITP is off.
var WebKitKind = webkitKind("webkit", false)

// WebKitITPKind is WebKitKind with Intelligent Tracking Prevention on
// (MiniBrowser --enable-itp), Safari's model.
var WebKitITPKind = webkitKind("webkit-itp", true)

// webkitKind is the EngineKind of MiniBrowser with or without ITP.
func webkitKind(name string, itp bool) EngineKind {
	return EngineKind{
		Name: name,
		Find: FindWebKit,
		Start: func(ctx context.Context, path string, srv *Server, p browserjar.Policy) (Engine, error) {
			return StartWebKit(ctx, path, srv, p, itp)
		},
		PolicyName: func(p browserjar.Policy) string {
			arg := "--cookies-policy=" + webkitCookiesPolicy(p)
			switch {
			case itp:
				return "--enable-itp " + arg
			case p == browserjar.Block:
				return "default: " + arg
			}
			return arg
		},
		Workers: webkitWorkers,
	}
}

// webkitWorkers is how many cases run at once in one WebKit: StartWebKit
// starts one driver (one MiniBrowser session at a time) per worker.
const webkitWorkers = 2

// webkitCookiesPolicy is MiniBrowser's --cookies-policy value for policy.
func webkitCookiesPolicy(p browserjar.Policy) string {
	if p == browserjar.Allow {
		return "always"
	}
	return "no-third-party"
}

// webkitSessionTimeout bounds the creation of a session (MiniBrowser's
// start): without a usable display it would hang forever.
const webkitSessionTimeout = 45 * time.Second

// WebKit is one Xvfb display and a pool of WebKitWebDriver processes on it.
// Each case gets a new WebDriver session, that is a new MiniBrowser
// process with a fresh, ephemeral cookie store.
type WebKit struct {
	version     string
	miniBrowser string
	driverPath  string
	display     string
	args        []string
	srv         *Server

	ctx   context.Context
	stop  context.CancelFunc
	xvfb  *exec.Cmd
	xwait chan struct{}
	proxy *HostProxy
	mu    sync.Mutex // guards procs
	procs []*wkDriver
	idle  chan *wkDriver
}

// wkDriver is one WebKitWebDriver process (it serves one session at a
// time).
type wkDriver struct {
	cmd   *exec.Cmd
	wait  chan struct{}
	wd    *wdClient
	index int
}

// StartWebKit starts Xvfb, the host proxy and WebKitGTK drivers (one per
// worker), and checks that a session starts. parent bounds everything.
func StartWebKit(parent context.Context, driverPath string, srv *Server, policy browserjar.Policy, itp bool) (_ *WebKit, err error) {
	mb, err := findMiniBrowser()
	if err != nil {
		return nil, err
	}
	ctx, stop := context.WithCancel(parent)
	w := &WebKit{miniBrowser: mb, srv: srv, ctx: ctx, stop: stop}
	defer func() {
		if err != nil {
			w.Close()
		}
	}()
	if w.proxy, err = NewHostProxy(srv); err != nil {
		return nil, err
	}
	display, err := w.startXvfb()
	if err != nil {
		return nil, err
	}
	w.driverPath, w.display = driverPath, display
	// MiniBrowser's own options configure its network session: the proxy
	// (WebKitGTK has no host resolver rules), the cookie accept policy,
	// and ITP. TLS: acceptInsecureCerts in the capabilities.
	w.args = []string{"--automation", "--proxy=http://" + w.proxy.Addr(), "--cookies-policy=" + webkitCookiesPolicy(policy)}
	if itp {
		w.args = append(w.args, "--enable-itp")
	}
	w.idle = make(chan *wkDriver, webkitWorkers)
	for i := range webkitWorkers {
		d, err := w.startDriver(driverPath, display, i)
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
	dctx, dcancel := context.WithTimeout(ctx, 20*time.Second)
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
	w.xvfb = exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp")
	w.xvfb.ExtraFiles = []*os.File{wr}
	newProcessGroup(w.xvfb)
	if err := w.xvfb.Start(); err != nil {
		wr.Close()
		return "", fmt.Errorf("browsertest: starting Xvfb: %w", err)
	}
	wr.Close()
	w.xwait = make(chan struct{})
	go func() {
		w.xvfb.Wait()
		close(w.xwait)
	}()
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

func (w *WebKit) startDriver(path, display string, index int) (*wkDriver, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	d := &wkDriver{index: index, wait: make(chan struct{})}
	d.cmd = exec.Command(path, "--port="+strconv.Itoa(port), "--host=local")
	d.cmd.Env = append(os.Environ(), "DISPLAY="+display, "WAYLAND_DISPLAY=", "NO_AT_BRIDGE=1", "GTK_A11Y=none",
		"WEBKIT_DISABLE_COMPOSITING_MODE=1")
	newProcessGroup(d.cmd)
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("browsertest: starting %s: %w", path, err)
	}
	go func() {
		d.cmd.Wait()
		close(d.wait)
	}()
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
		case <-d.wait:
			return nil, fmt.Errorf("browsertest: %s exited at start", path)
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			killGroup(d.cmd, d.wait, 5*time.Second)
			return nil, fmt.Errorf("browsertest: %s not ready within 20s (last error %v)", path, err)
		}
	}
}

// replaceDriver stops driver d (and its MiniBrowser) and starts a new one
// in its place.
func (w *WebKit) replaceDriver(d *wkDriver) (*wkDriver, error) {
	killGroup(d.cmd, d.wait, 5*time.Second)
	nd, err := w.startDriver(w.driverPath, w.display, d.index)
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
	ctx, cancel := context.WithTimeout(w.ctx, webkitSessionTimeout)
	defer cancel()
	caps := map[string]any{
		"acceptInsecureCerts": true,
		"webkitgtk:browserOptions": map[string]any{
			"binary": w.miniBrowser,
			"args":   w.args,
		},
	}
	c, err := d.wd.newSession(ctx, caps)
	if err != nil {
		return nil, fmt.Errorf("browsertest: WebDriver new session (MiniBrowser start, bounded by %v): %w", webkitSessionTimeout, err)
	}
	if err := d.wd.setTimeouts(ctx, 60*time.Second, 30*time.Second); err != nil {
		d.wd.deleteSession(ctx)
		return nil, err
	}
	return c, nil
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

// killGroup ends the process group led by cmd (SIGTERM, then SIGKILL
// after grace) and waits for cmd; wait is closed when cmd has exited.
func killGroup(cmd *exec.Cmd, wait chan struct{}, grace time.Duration) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	signalGroup(cmd, false)
	select {
	case <-wait:
	case <-time.After(grace):
		signalGroup(cmd, true)
		<-wait
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
		killGroup(d.cmd, d.wait, 5*time.Second)
	}
	if w.xvfb != nil {
		killGroup(w.xvfb, w.xwait, 5*time.Second)
	}
	if w.proxy != nil {
		w.proxy.Close()
	}
	w.stop()
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
	for _, o := range primeOrigins(c) {
		if err := d.wd.navigate(ctx, expandURL(o+"{run}/login", run, port)); err != nil {
			out.Harness = fmt.Errorf("priming cookies at %s: %w", o, err)
			return out
		}
	}
	page := expandURL(c.page()+"{run}/page", run, port)
	if err := d.wd.navigate(ctx, page); err != nil {
		out.Harness = fmt.Errorf("loading the page %s: %w", page, err)
		return out
	}
	var loc string
	if err := d.wd.execute(ctx, "return location.href", nil, &loc); err != nil || loc != page {
		out.Harness = fmt.Errorf("the page is at %q, not %q (err %v)", loc, page, err)
		return out
	}
	var threw string
	args := []any{expandURL(c.URL, run, port), c.Cred, append([]string{}, c.Types...)}
	if err := d.wd.execute(ctx, "return __start(arguments[0], arguments[1], arguments[2])", args, &threw); err != nil {
		out.Harness = fmt.Errorf("__start: %w", err)
		return out
	}
	out.Threw = threw
	if threw == "" {
		var closed bool
		if err := d.wd.executeAsync(ctx, "const done = arguments[arguments.length - 1]; __wait(arguments[0]).then(done)", []any{c.wait().Milliseconds()}, &closed); err != nil {
			out.Harness = fmt.Errorf("__wait: %w", err)
			return out
		}
	}
	var fin jsFinish
	if err := d.wd.execute(ctx, "return __finish()", nil, &fin); err != nil {
		out.Harness = fmt.Errorf("__finish: %w", err)
		return out
	}
	fillFinish(&out, fin, threw, run, port)

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

// ViewJar drops the "(partitioned)" marks of the ssecors jar: WebDriver's
// cookies carry no partition (and WebKitGTK does not partition cookies by
// the Partitioned attribute, which the requests show), and drops cookies
// whose Path is not "/" when the page never was under it, which Get All
// Cookies from /r/<run>/page cannot see: those are the primed cookies with
// another Path.
func (w *WebKit) ViewJar(c *Case, jar []string) []string {
	hidden := map[string]bool{}
	for _, p := range c.Cookies {
		if hc, err := http.ParseSetCookie(p.SetCookie); err == nil && hc.Path != "" && hc.Path != "/" && !strings.HasPrefix("/r/", hc.Path) {
			hidden[hc.Name+"="+hc.Value] = true
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
