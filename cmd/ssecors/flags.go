package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/browser"
	"github.com/ssecors/ssecors-go/ssecors/browserjar"
)

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// common holds the flags of both commands.
type common struct {
	origin      string
	credentials bool
	cookies     multiFlag
	cookieJar   string
	thirdParty  string
	browsers    string
	query       multiFlag
	headers     multiFlag
	preflight   string
	lastEventID string
	maxEvents   int
	timeout     time.Duration
	json        bool
	insecure    bool
	cacert      string
	demo        bool
	fetch       bool // doctor: a fetch() stream, whose headers go to doctor.Fetch
	doctor      bool // the doctor command, which judges several browsers
}

// usageError is a problem with the command line: exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// newFlagSet defines the common flags on a silent FlagSet.
func newFlagSet(name string, c *common) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.origin, "origin", "", "")
	fs.BoolVar(&c.credentials, "with-credentials", false, "")
	fs.Var(&c.cookies, "cookie", "")
	fs.StringVar(&c.cookieJar, "cookie-jar", "", "")
	fs.StringVar(&c.thirdParty, "third-party-cookies", "", "")
	fs.StringVar(&c.browsers, "browser", "", "")
	fs.Var(&c.query, "query", "")
	fs.Var(&c.headers, "header", "")
	fs.Var(&c.headers, "H", "")
	fs.StringVar(&c.preflight, "preflight", "never", "")
	fs.StringVar(&c.lastEventID, "last-event-id", "", "")
	fs.IntVar(&c.maxEvents, "max-events", 0, "")
	fs.DurationVar(&c.timeout, "timeout", 0, "")
	fs.BoolVar(&c.json, "json", false, "")
	fs.BoolVar(&c.insecure, "insecure", false, "")
	fs.StringVar(&c.cacert, "cacert", "", "")
	fs.BoolVar(&c.demo, "demo", false, "")
	return fs
}

// parseArgs parses flags wherever they appear among the arguments, so that
// "doctor URL --origin O" works, and returns the positional arguments.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for range len(args) + 1 {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%v", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		// After "--", everything is positional.
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	return pos, nil
}

// streamURL takes the one positional argument, the stream URL.
func streamURL(pos []string) (string, error) {
	switch len(pos) {
	case 0:
		return "", usagef("missing the stream URL")
	case 1:
		return pos[0], nil
	}
	return "", usagef("want one stream URL, got %d arguments: %q", len(pos), pos)
}

type clientKey struct{}

// withClient makes the commands send their requests with c (tests: a
// client that resolves the test server's host names).
func withClient(ctx context.Context, c *http.Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// httpClient returns the client the flags ask for, or nil for the default,
// and a function to call when done.
func (c *common) httpClient(ctx context.Context) (*http.Client, func(), error) {
	if cl, ok := ctx.Value(clientKey{}).(*http.Client); ok && cl != nil {
		return cl, func() {}, nil
	}
	if c.demo {
		srv := startDemo()
		return srv.Client(), srv.Close, nil
	}
	if !c.insecure && c.cacert == "" {
		return nil, func() {}, nil
	}
	cfg := &tls.Config{InsecureSkipVerify: c.insecure} //nolint:gosec // asked for with --insecure
	if c.cacert != "" {
		pem, err := os.ReadFile(c.cacert)
		if err != nil {
			return nil, nil, usagef("--cacert: %v", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, nil, usagef("--cacert %s: no PEM certificate found", c.cacert)
		}
		cfg.RootCAs = pool
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = cfg
	return &http.Client{Transport: tr}, tr.CloseIdleConnections, nil
}

// options turns the flags into SDK options. Cookies are primed into a
// browser jar as first-party cookies of the stream's site, as a user who
// logged in there holds them; problems with them are usage errors.
func (c *common) options(rawURL string, client *http.Client, stdin io.Reader, stderr io.Writer) ([]ssecors.Option, error) {
	var opts []ssecors.Option
	if client != nil {
		opts = append(opts, ssecors.WithHTTPClient(client))
	}
	if c.origin != "" {
		opts = append(opts, ssecors.WithOrigin(c.origin))
	}
	if c.credentials {
		opts = append(opts, ssecors.WithCredentials())
	}
	switch c.preflight {
	case "never":
	case "auto":
		opts = append(opts, ssecors.WithPreflight(ssecors.PreflightAuto))
	case "always":
		opts = append(opts, ssecors.WithPreflight(ssecors.PreflightAlways))
	default:
		return nil, usagef("--preflight %q: want never, auto or always", c.preflight)
	}
	// listen acts as one browser (--browser, Chrome Incognito by
	// default); doctor judges each of c.profiles() and its jar's profile
	// does not matter (the doctor views it under each).
	var jarProfile browser.Profile
	if !c.doctor {
		p, explicit, err := c.listenProfile()
		if err != nil {
			return nil, err
		}
		jarProfile = p
		if explicit {
			opts = append(opts, ssecors.WithBrowser(p))
		}
	}
	for _, q := range c.query {
		k, v, ok := strings.Cut(q, "=")
		if !ok || k == "" {
			return nil, usagef("--query %q: want KEY=VALUE", q)
		}
		opts = append(opts, ssecors.WithQuery(k, v))
	}
	h, err := c.header()
	if err != nil {
		return nil, err
	}
	if !c.fetch {
		for _, k := range slices.Sorted(maps.Keys(h)) {
			for _, v := range h[k] {
				opts = append(opts, ssecors.WithHeader(k, v))
			}
		}
	}
	if c.lastEventID != "" {
		opts = append(opts, ssecors.WithLastEventID(c.lastEventID))
	}
	// Without --cookie or --cookie-jar, the source creates the jar of its
	// WithBrowser profile itself.
	if len(c.cookies) > 0 || c.cookieJar != "" {
		jar := browserjar.New(&browserjar.Options{Browser: jarProfile})
		u, err := url.Parse(rawURL)
		if err != nil || u.Host == "" {
			return nil, usagef("invalid stream URL %q", redactArg(rawURL))
		}
		for _, line := range c.cookies {
			if err := primeCookie(jar, u, line); err != nil {
				return nil, err
			}
		}
		if c.cookieJar != "" {
			r := stdin
			if c.cookieJar != "-" {
				f, err := os.Open(c.cookieJar)
				if err != nil {
					return nil, usagef("--cookie-jar: %v", err)
				}
				defer f.Close()
				r = f
			}
			refused, err := loadNetscapeCookies(r, jar, time.Now())
			if err != nil {
				return nil, usagef("--cookie-jar %s: %v", c.cookieJar, err)
			}
			for _, name := range refused {
				fmt.Fprintf(stderr, "ssecors: --cookie-jar: the browser jar refused cookie %s (a browser would too)\n", name)
			}
		}
		opts = append(opts, ssecors.WithCookieJar(jar))
	}
	return opts, nil
}

// cookiePolicy parses --third-party-cookies; ok is false when it is not
// given.
func (c *common) cookiePolicy() (p browser.CookiePolicy, ok bool, err error) {
	switch c.thirdParty {
	case "":
		return 0, false, nil
	case "block":
		return browser.Block, true, nil
	case "allow":
		return browser.Allow, true, nil
	case "partition":
		return browser.Partition, true, nil
	case "block-all":
		return browser.BlockAll, true, nil
	}
	return 0, false, usagef("--third-party-cookies %q: want block, allow, partition or block-all", c.thirdParty)
}

// withPolicy applies the --third-party-cookies override to p, naming the
// result after both when it changes p.
func withPolicy(p browser.Profile, policy browser.CookiePolicy) browser.Profile {
	if p.ThirdPartyCookies == policy {
		return p
	}
	p.Name = p.String() + " (third-party cookies: " + policy.String() + ")"
	p.ThirdPartyCookies = policy
	return p
}

// profiles returns the browsers doctor judges: --browser, a comma list of
// names or "all" (the default: Chrome, Chrome Incognito, Firefox and
// Safari), each with the --third-party-cookies override applied.
func (c *common) profiles() ([]browser.Profile, error) {
	policy, override, err := c.cookiePolicy()
	if err != nil {
		return nil, err
	}
	var list []browser.Profile
	if strings.TrimSpace(c.browsers) == "" || strings.EqualFold(strings.TrimSpace(c.browsers), "all") {
		list = browser.Profiles()
	} else {
		for _, name := range strings.Split(c.browsers, ",") {
			if strings.TrimSpace(name) == "" {
				return nil, usagef("--browser %q: an empty name; want a comma-separated list of %s, or all", c.browsers, knownBrowsers)
			}
			if strings.EqualFold(strings.TrimSpace(name), "all") {
				return nil, usagef("--browser %q: all stands alone", c.browsers)
			}
			p, err := browser.Lookup(name)
			if err != nil {
				return nil, usagef("--browser %q: unknown browser %q; want %s, or all", c.browsers, strings.TrimSpace(name), knownBrowsers)
			}
			if !slices.Contains(list, p) {
				list = append(list, p)
			}
		}
	}
	if override {
		for i := range list {
			list[i] = withPolicy(list[i], policy)
		}
	}
	return list, nil
}

// knownBrowsers lists the names --browser takes.
const knownBrowsers = "chrome, chrome-incognito (or incognito), firefox, safari"

// listenProfile returns the one browser listen acts as: --browser, Chrome
// Incognito (the zero Profile) by default, with the --third-party-cookies
// override; explicit reports that either flag was given.
func (c *common) listenProfile() (p browser.Profile, explicit bool, err error) {
	policy, override, err := c.cookiePolicy()
	if err != nil {
		return p, false, err
	}
	if name := strings.TrimSpace(c.browsers); name != "" {
		if strings.Contains(name, ",") || strings.EqualFold(name, "all") {
			return p, false, usagef("--browser %q: listen acts as one browser; want one of %s", c.browsers, knownBrowsers)
		}
		if p, err = browser.Lookup(name); err != nil {
			return p, false, usagef("--browser %q: unknown browser; want one of %s", c.browsers, knownBrowsers)
		}
		explicit = true
	}
	if override {
		p, explicit = withPolicy(p, policy), true
	}
	return p, explicit, nil
}

// header parses the --header flags, in the order given.
func (c *common) header() (http.Header, error) {
	var h http.Header
	for i, line := range c.headers {
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(k) == "" {
			// Not quoted: the line may hold a credential.
			return nil, usagef("--header number %d: want 'Name: value'", i+1)
		}
		if h == nil {
			h = make(http.Header)
		}
		h[strings.TrimSpace(k)] = append(h[strings.TrimSpace(k)], strings.TrimSpace(v))
	}
	return h, nil
}

// primeCookie stores a --cookie value, parsed as a Set-Cookie header, as a
// first-party cookie of the stream URL's site. Its path defaults to "/".
func primeCookie(jar *browserjar.Jar, u *url.URL, line string) error {
	ck, err := http.ParseSetCookie(line)
	if err != nil {
		name, _, _ := strings.Cut(line, "=")
		return usagef("--cookie %s: want NAME=VALUE, optionally followed by attributes such as '; SameSite=None; Secure': %v", strings.TrimSpace(name), err)
	}
	if ck.Path == "" {
		ck.Path = "/"
	}
	jar.SetCookies(u, []*http.Cookie{ck})
	if !hasCookie(jar, ck.Name, storedValue(ck)) {
		return usagef("--cookie %s: a browser refuses this cookie from %s://%s (Secure needs https or localhost, SameSite=None and Partitioned need Secure, Domain must match the host, __Host-/__Secure- names need Secure)",
			ck.Name, u.Scheme, u.Host)
	}
	return nil
}

// storedValue is the value the jar keeps: quotes included.
func storedValue(c *http.Cookie) string {
	if c.Quoted {
		return `"` + c.Value + `"`
	}
	return c.Value
}

// hasCookie reports whether the jar holds a cookie with this name and
// value: SetCookies drops the cookies a browser would refuse, silently.
func hasCookie(jar *browserjar.Jar, name, value string) bool {
	for _, c := range jar.All() {
		if c.Name == name && c.Value == value {
			return true
		}
	}
	return false
}

// loadNetscapeCookies reads a Netscape cookie file, as curl writes it:
// one cookie per line, seven fields separated by tabs (domain, include
// subdomains, path, secure, expiry in Unix seconds with 0 for a session
// cookie, name, value). Lines starting with "#HttpOnly_" hold HttpOnly
// cookies; other lines starting with "#", and blank lines, are skipped, as
// are expired cookies. It returns the names of the cookies the jar refused.
func loadNetscapeCookies(r io.Reader, jar *browserjar.Jar, now time.Time) (refused []string, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		httpOnly := false
		if rest, ok := strings.CutPrefix(line, "#HttpOnly_"); ok {
			line, httpOnly = rest, true
		} else if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 7 {
			return refused, fmt.Errorf("line %d: want 7 tab-separated fields, got %d", n, len(f))
		}
		domain, sub, path, secure, expiry, name, value := f[0], f[1], f[2], f[3], f[4], f[5], f[6]
		exp, perr := strconv.ParseInt(expiry, 10, 64)
		if perr != nil {
			return refused, fmt.Errorf("line %d: expiry %q is not a number of seconds", n, expiry)
		}
		host := strings.TrimPrefix(domain, ".")
		if host == "" {
			return refused, fmt.Errorf("line %d: empty domain", n)
		}
		ck := &http.Cookie{Name: name, Value: value, Path: path, Secure: strings.EqualFold(secure, "TRUE"), HttpOnly: httpOnly}
		if exp > 0 {
			ck.Expires = time.Unix(exp, 0)
			if !ck.Expires.After(now) {
				continue
			}
		}
		if strings.EqualFold(sub, "TRUE") {
			ck.Domain = host
		}
		if ck.Path == "" {
			ck.Path = "/"
		}
		scheme := "http"
		if ck.Secure {
			scheme = "https"
		}
		jar.SetCookies(&url.URL{Scheme: scheme, Host: host, Path: ck.Path}, []*http.Cookie{ck})
		if !hasCookie(jar, name, value) {
			refused = append(refused, name)
		}
	}
	return refused, sc.Err()
}

// redactArg hides the query of a URL that did not parse well enough for
// the SDK to redact it.
func redactArg(s string) string {
	if i := strings.IndexByte(s, '?'); i >= 0 {
		return s[:i] + "?…"
	}
	return s
}

// explainConfig turns an SDK error from New or doctor.Diagnose into a usage line.
func explainConfig(cmd string, err error) string {
	var ce *ssecors.ConfigError
	if errors.As(err, &ce) {
		return "ssecors " + cmd + ": " + strings.TrimPrefix(err.Error(), "ssecors: ")
	}
	return "ssecors " + cmd + ": " + err.Error()
}
