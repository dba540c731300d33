package browsertest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"
)

// ErrNoFirefox is returned by FindFirefox when no Firefox is found.
var ErrNoFirefox = errors.New("browsertest: no Firefox found (install Debian's firefox-esr package, or set SSECORS_FIREFOX to its path)")

// FindFirefox returns the path of Firefox: $SSECORS_FIREFOX, else
// firefox-esr or firefox on the PATH.
func FindFirefox() (string, error) {
	if p := os.Getenv("SSECORS_FIREFOX"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("browsertest: SSECORS_FIREFOX: %w", err)
		}
		return p, nil
	}
	for _, name := range []string{"firefox-esr", "firefox"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoFirefox
}

// FirefoxKind drives Firefox headless over WebDriver BiDi, which Firefox
// serves itself when started with --remote-debugging-port (no
// geckodriver). Setting.CookieBehavior is the third-party cookie setting:
// 5, Firefox's default, is Total Cookie Protection (third-party cookies
// are kept in a jar per top-level site); 0 allows every cookie.
var FirefoxKind = EngineKind{
	Name:   "firefox",
	Title:  "Firefox",
	Driver: "WebDriver BiDi, served by Firefox itself (no geckodriver)",
	DriverVersion: func() string {
		return "Firefox's Remote Agent; github.com/coder/websocket " + moduleVersion("github.com/coder/websocket") + "; Debian package firefox-esr " + debianVersion("firefox-esr")
	},
	Find: FindFirefox,
	Start: func(ctx context.Context, path string, srv *Server, s Setting) (Engine, error) {
		return StartFirefox(ctx, path, srv, s)
	},
	Workers: 2,
}

// firefoxStartTimeout bounds Firefox's start until BiDi answers.
const firefoxStartTimeout = 90 * time.Second

// Firefox is one headless Firefox process with a fresh profile. Each case
// runs in a new user context (a separate cookie store, like a container)
// and its own window.
type Firefox struct {
	remote
	version string
	prefs   []string

	dir  string
	proc *proc
	conn *bidiConn
}

// firefoxPrefs returns the profile's user.js preferences, in order.
func firefoxPrefs(proxyPort int, s Setting) [][2]string {
	cookie := strconv.Itoa(s.CookieBehavior)
	port := strconv.Itoa(proxyPort)
	return [][2]string{
		// The test host names reach the suite's server through HostProxy
		// (Firefox has no --host-resolver-rules). localhost is never
		// proxied (network.proxy.allow_hijacking_localhost stays false),
		// so http://localhost:<port> goes straight to the HTTP listener.
		{"network.proxy.type", "1"},
		{"network.proxy.http", `"127.0.0.1"`},
		{"network.proxy.http_port", port},
		{"network.proxy.ssl", `"127.0.0.1"`},
		{"network.proxy.ssl_port", port},
		{"network.proxy.no_proxies_on", `""`},
		{"network.proxy.share_proxy_settings", "false"},
		// Nothing may depend on DNS (there is none for *.test here): no
		// HTTPS-RR lookups or prefetches, and the test names resolve
		// locally to 127.0.0.1 should Firefox look one up anyway (the
		// address is never used: every connection goes to the proxy).
		{"network.dns.native_https_query", "false"},
		{"network.dns.use_https_rr_as_altsvc", "false"},
		{"network.dns.echconfig.enabled", "false"},
		{"network.dns.http3_echconfig.enabled", "false"},
		{"network.dns.disablePrefetch", "true"},
		{"network.dns.localDomains", strconv.Quote(strings.Join(testHostNames, ","))},
		// The third-party cookie setting under test.
		{"network.cookie.cookieBehavior", cookie},
		// As Chromium's --disable-features=HttpsUpgrades: the http:// page
		// loads of some cases must stay http.
		{"dom.security.https_first", "false"},
		{"dom.security.https_first_schemeless", "false"},
		{"dom.security.https_only_mode", "false"},
		// As Chromium's --disable-quic.
		{"network.http.http3.enable", "false"},
		// Two cases run at once, each in its own window; keep timers
		// unthrottled whatever window has the focus.
		{"dom.min_background_timeout_value", "4"},
		{"dom.timeout.enable_budget_timer_throttling", "false"},
		// Quiet: no first-run pages, no update or telemetry traffic.
		{"browser.shell.checkDefaultBrowser", "false"},
		{"browser.startup.homepage_override.mstone", `"ignore"`},
		{"datareporting.policy.dataSubmissionEnabled", "false"},
		{"toolkit.telemetry.reportingpolicy.firstRun", "false"},
		{"app.update.disabledForTesting", "true"},
	}
}

// testHostNames are the *.test names the cases use.
var testHostNames = []string{"example.test", "app.example.test", "api.example.test", "www.example.test",
	"other.test", "api.other.test", "cdn.other.test", "evil.test"}

var bidiListening = regexp.MustCompile(`WebDriver BiDi listening on (ws://\S+)`)

// StartFirefox launches Firefox at execPath headless with a fresh profile
// and opens a BiDi session with acceptInsecureCerts (the server's
// certificate is generated at start-up; Chromium runs with
// --ignore-certificate-errors). parent bounds the browser's whole life.
func StartFirefox(parent context.Context, execPath string, srv *Server, s Setting) (_ *Firefox, err error) {
	f := &Firefox{}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	if f.remote, err = newRemote(parent, srv); err != nil {
		return nil, err
	}
	if f.dir, err = os.MkdirTemp("", "ssecors-firefox-"); err != nil {
		return nil, err
	}
	var userJS strings.Builder
	for _, kv := range firefoxPrefs(f.proxy.Port(), s) {
		fmt.Fprintf(&userJS, "user_pref(%q, %s);\n", kv[0], kv[1])
		v := kv[1]
		if strings.HasPrefix(kv[0], "network.proxy.") && strings.HasSuffix(kv[0], "_port") {
			v = "<proxy port>"
		}
		f.prefs = append(f.prefs, kv[0]+"="+v)
	}
	if err := os.WriteFile(filepath.Join(f.dir, "user.js"), []byte(userJS.String()), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(execPath, "--headless", "--no-remote", "--remote-debugging-port=0", "--profile", f.dir, "about:blank")
	cmd.Env = append(os.Environ(), "MOZ_CRASHREPORTER_DISABLE=1", "MOZ_HEADLESS=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if f.proc, err = startProc(cmd); err != nil {
		return nil, err
	}
	urlc := make(chan string, 1)
	go func() {
		// Read stderr to its end (so that Firefox never blocks on it),
		// passing on the BiDi address.
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			if m := bidiListening.FindStringSubmatch(sc.Text()); m != nil && !sent {
				urlc <- m[1]
				sent = true
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	f.version, err = startBounded(f.ctx, "Firefox's start until a BiDi session", firefoxStartTimeout, func(ctx context.Context) (string, error) {
		var wsURL string
		select {
		case wsURL = <-urlc:
		case <-f.proc.done:
			return "", errors.New("exited before WebDriver BiDi listened")
		case <-ctx.Done():
			return "", errors.New("no \"WebDriver BiDi listening\" line")
		}
		if f.conn, err = dialBiDi(ctx, wsURL+"/session"); err != nil {
			return "", fmt.Errorf("connecting to %s/session: %w", wsURL, err)
		}
		var sess struct {
			Capabilities struct {
				BrowserName    string `json:"browserName"`
				BrowserVersion string `json:"browserVersion"`
			} `json:"capabilities"`
		}
		caps := map[string]any{"alwaysMatch": map[string]any{"acceptInsecureCerts": true}}
		if err := f.conn.call(ctx, "session.new", map[string]any{"capabilities": caps}, &sess); err != nil {
			return "", err
		}
		return sess.Capabilities.BrowserName + " " + sess.Capabilities.BrowserVersion, nil
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Version is the browser's name and version, as session.new reports them.
func (f *Firefox) Version() string { return f.version }

// Settings are the command line, the profile preferences and the session
// capabilities, for the report.
func (f *Firefox) Settings() []string {
	out := []string{"command line: --headless --no-remote --remote-debugging-port=0 --profile <fresh temporary directory>",
		"session.new capabilities: acceptInsecureCerts=true"}
	for _, p := range f.prefs {
		out = append(out, "user.js: "+p)
	}
	return out
}

// Close ends the session, stops Firefox (its whole process group) and the
// proxy, and removes the profile.
func (f *Firefox) Close() {
	if f.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		f.conn.call(ctx, "session.end", nil, nil)
		cancel()
		f.conn.Close()
	}
	f.proc.stop(10 * time.Second)
	f.remote.close()
	if f.dir != "" {
		os.RemoveAll(f.dir)
	}
}

// bidiCookie is a cookie as storage.getCookies returns it.
type bidiCookie struct {
	Name  string `json:"name"`
	Value struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"value"`
	Domain string `json:"domain"`
}

// Run runs one case in a new user context and window and returns what the
// page saw; the jar is read from the user context's unpartitioned store
// and from the page's partition (Total Cookie Protection keeps a
// third-party cookie there; it is reported "(partitioned)").
func (f *Firefox) Run(c *Case, run string) (out Outcome) {
	ctx, cancel := context.WithTimeout(f.ctx, c.wait()+40*time.Second)
	defer cancel()
	var uc struct {
		UserContext string `json:"userContext"`
	}
	if err := f.conn.call(ctx, "browser.createUserContext", nil, &uc); err != nil {
		out.Harness = err
		return out
	}
	defer func() {
		dctx, dcancel := context.WithTimeout(f.ctx, 10*time.Second)
		defer dcancel()
		if err := f.conn.call(dctx, "browser.removeUserContext", map[string]any{"userContext": uc.UserContext}, nil); err != nil && out.Harness == nil {
			out.Harness = err
		}
	}()
	var bc struct {
		Context string `json:"context"`
	}
	if err := f.conn.call(ctx, "browsingContext.create", map[string]any{"type": "window", "userContext": uc.UserContext}, &bc); err != nil {
		out.Harness = err
		return out
	}
	out = runInPage(ctx, bidiPage{f.conn, bc.Context}, c, run, strconv.Itoa(f.srv.HTTPPort()))
	if out.Harness != nil {
		return out
	}
	jar, err := f.cookies(ctx, uc.UserContext, c.page())
	if err != nil {
		out.Harness = err
		return out
	}
	out.Jar = jar
	return out
}

// bidiPage is the [pageDriver] of a BiDi browsing context.
type bidiPage struct {
	conn    *bidiConn
	context string
}

func (p bidiPage) navigate(ctx context.Context, url string) error {
	return p.conn.call(ctx, "browsingContext.navigate", map[string]any{"context": p.context, "url": url, "wait": "complete"}, nil)
}

func (p bidiPage) evalString(ctx context.Context, expr string) (string, error) {
	var s string
	err := p.conn.evaluate(ctx, p.context, expr, &s)
	return s, err
}

// cookies reads a user context's cookies. Firefox's storage.getCookies
// (remote/webdriver-bidi/modules/root/storage.sys.mjs) answers, for a
// partition without sourceOrigin, the cookies of every partition of the
// user context, and for one with sourceOrigin, the cookies partitioned
// under that top-level site plus the unpartitioned cookies of that site's
// hosts; a cookie carries no partition key of its own. So: every cookie is
// listed from the first query, and one is marked "(partitioned)" when the
// page's partition holds it and it belongs to another site than the page
// (a cross-site cookie in the page's partition is exactly what Total
// Cookie Protection stores). Caveat: a same-site Partitioned (CHIPS)
// cookie cannot be told apart and is shown unpartitioned.
func (f *Firefox) cookies(ctx context.Context, userContext, pageOrigin string) ([]string, error) {
	var lists [2][]bidiCookie
	for i, part := range []map[string]any{
		{"type": "storageKey", "userContext": userContext},
		{"type": "storageKey", "userContext": userContext, "sourceOrigin": pageOrigin},
	} {
		var res struct {
			Cookies []bidiCookie `json:"cookies"`
		}
		if err := f.conn.call(ctx, "storage.getCookies", map[string]any{"partition": part}, &res); err != nil {
			return nil, err
		}
		lists[i] = res.Cookies
	}
	pageSite := ""
	if u, err := url.Parse(pageOrigin); err == nil {
		pageSite = siteOf(u.Hostname())
	}
	inPage := map[string]bool{}
	for _, ck := range lists[1] {
		inPage[jarEntry(ck.Name, ck.Value.Value, ck.Domain, false)] = true
	}
	var jar []string
	for _, ck := range lists[0] {
		e := jarEntry(ck.Name, ck.Value.Value, ck.Domain, false)
		if inPage[e] && siteOf(strings.TrimPrefix(ck.Domain, ".")) != pageSite {
			e = jarEntry(ck.Name, ck.Value.Value, ck.Domain, true)
		}
		jar = append(jar, e)
	}
	sort.Strings(jar)
	return slices.Compact(jar), nil
}

// ViewJar drops the "(partitioned)" mark of the ssecors jar entries that
// Firefox's storage.getCookies cannot show as partitioned (see cookies):
// cookies of the page's own site, and the primed cookies (set by a
// top-level visit of their own origin, so a Partitioned one is partitioned
// under its own site, not under the page's).
func (f *Firefox) ViewJar(c *Case, jar []string) []string {
	pageSite := ""
	if u, err := url.Parse(c.page()); err == nil {
		pageSite = siteOf(u.Hostname())
	}
	primed := map[string]bool{}
	for _, p := range c.Cookies {
		if hc, err := http.ParseSetCookie(p.SetCookie); err == nil {
			primed[hc.Name+"="+hc.Value] = true
		}
	}
	out := make([]string, 0, len(jar))
	for _, e := range jar {
		if base, ok := strings.CutSuffix(e, " (partitioned)"); ok {
			nv, domain, _ := strings.Cut(base, "@")
			if primed[nv] || siteOf(strings.TrimPrefix(domain, ".")) == pageSite {
				e = base
			}
		}
		out = append(out, e)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// siteOf returns the registrable domain of a host (".test" is not a public
// suffix, so api.other.test gives other.test), or the host itself.
func siteOf(host string) string {
	host = strings.ToLower(host)
	if s, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return s
	}
	return host
}
