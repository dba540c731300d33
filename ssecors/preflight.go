package ssecors

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ssecors/ssecors-go/internal/mimetype"
)

// This file holds the CORS preflight ssecors can send before a
// cross-origin request (WithPreflight): which request headers are
// CORS-unsafe (Fetch "CORS-safelisted request-header"), whether to send a
// preflight, the OPTIONS request itself, the check of its response (Fetch
// "CORS-preflight fetch") and the CORS-preflight cache. A browser never
// preflights an EventSource; this is beyond the browser.

// PreflightMode says when an EventSource sends an OPTIONS preflight before a
// cross-origin request (see WithPreflight). Same-origin requests are never
// preflighted. The zero value is PreflightNever.
type PreflightMode int

const (
	// PreflightNever sends no preflight: browser parity, and the default.
	// A browser never preflights an EventSource request, not even a
	// reconnect that carries Last-Event-ID: Chromium and WebKit set a
	// "prevent preflight" policy on it, and HTML's request sets neither the
	// unsafe-request nor the use-CORS-preflight flag. Custom headers added
	// with WithHeader are sent without a preflight too, which a browser
	// could not do at all.
	PreflightNever PreflightMode = iota
	// PreflightAuto sends a preflight when a fetch() with the same headers
	// would not be a simple request: when a cross-origin request carries a
	// CORS-unsafe request header. That covers custom headers from
	// WithHeader, Authorization, and Last-Event-ID on reconnects, which
	// current Fetch does not safelist (a fetch()-based EventSource
	// polyfill is preflighted for it). Accept: text/event-stream is
	// safelisted, and Cache-Control and Pragma never count. This is beyond
	// the browser: it shows whether a fetch()-based client would pass.
	PreflightAuto
	// PreflightAlways sends a preflight before every cross-origin attempt,
	// reconnects included, unless the CORS-preflight cache still holds a
	// matching result (Access-Control-Max-Age). This is beyond the
	// browser: it reproduces a hand-made OPTIONS sent before opening the
	// stream, as some deployments require.
	PreflightAlways
)

// String returns "never", "auto" or "always".
func (m PreflightMode) String() string {
	switch m {
	case PreflightNever:
		return "never"
	case PreflightAuto:
		return "auto"
	case PreflightAlways:
		return "always"
	}
	return "PreflightMode(" + strconv.Itoa(int(m)) + ")"
}

// Limits from Fetch "CORS-safelisted request-header" and "CORS-unsafe
// request-header names".
const (
	safelistValueMax = 128  // bytes in one safelisted value
	safelistTotalMax = 1024 // bytes in all safelisted values together
)

// preflightMaxAgeDefault is used when Access-Control-Max-Age is absent or
// does not parse (Fetch: 5 seconds). preflightMaxAgeCap is the limit
// ssecors imposes, Chromium's (Firefox uses 24 hours, WebKit 10 minutes).
const (
	preflightMaxAgeDefault = 5 * time.Second
	preflightMaxAgeCap     = 2 * time.Hour
)

// unsafeHeaderNames returns the lowercased, sorted, de-duplicated
// CORS-unsafe request-header names among the request's author headers h:
// the WithHeader headers, Last-Event-ID and Accept. Each value of a name
// counts as a header of its own, as Fetch's header list has it.
//
// For an EventSource request (uaCache), Cache-Control and Pragma never
// count: Fetch adds them later, in HTTP-network-or-cache fetch, after the
// preflight decision; in fetch mode they are the page's own and count.
// Forbidden request-headers (Origin, Cookie, Host, Sec-*, ...) never count:
// a fetch() could not set them, and they are the user agent's.
func unsafeHeaderNames(h http.Header, uaCache bool) []string {
	var unsafe, safe []string
	total := 0
	for name, values := range h {
		lower := strings.ToLower(name)
		if uaCache && (lower == "cache-control" || lower == "pragma") {
			continue
		}
		for _, v := range values {
			if forbiddenRequestHeader(lower, v) {
				continue
			}
			if safelistedRequestHeader(lower, v) {
				safe = append(safe, lower)
				total += len(v)
			} else {
				unsafe = append(unsafe, lower)
			}
		}
	}
	if total > safelistTotalMax {
		unsafe = append(unsafe, safe...)
	}
	return sortedSet(unsafe)
}

// sortedSet returns names sorted by byte order without duplicates, or nil
// when empty. The names are already lowercase.
func sortedSet(names []string) []string {
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	out := names[:1]
	for _, n := range names[1:] {
		if n != out[len(out)-1] {
			out = append(out, n)
		}
	}
	return out
}

// safelistedRequestHeader is Fetch "CORS-safelisted request-header" for a
// lowercased name and a value.
func safelistedRequestHeader(name, value string) bool {
	if len(value) > safelistValueMax {
		return false
	}
	switch name {
	case "accept":
		return !hasUnsafeHeaderByte(value)
	case "accept-language", "content-language":
		for i := 0; i < len(value); i++ {
			c := value[i]
			if !isASCIIAlnum(c) && strings.IndexByte(" *,-.;=", c) < 0 {
				return false
			}
		}
		return true
	case "content-type":
		if hasUnsafeHeaderByte(value) {
			return false
		}
		essence, _, ok := mimetype.Parse(value)
		return ok && (essence == "application/x-www-form-urlencoded" ||
			essence == "multipart/form-data" || essence == "text/plain")
	case "range":
		start, _, ok := parseSingleRange(value)
		return ok && start
	}
	return false
}

// hasUnsafeHeaderByte reports whether v holds a CORS-unsafe request-header
// byte: a control byte other than HT, one of "():<>?@[\]{}, or DEL.
func hasUnsafeHeaderByte(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c < 0x20 && c != '\t') || c == 0x7f || strings.IndexByte("\"():<>?@[\\]{}", c) >= 0 {
			return true
		}
	}
	return false
}

func isASCIIAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// parseSingleRange is Fetch "parse a single range header value" with
// allowWhitespace false. It reports whether the range has a start, and
// whether it parsed.
func parseSingleRange(value string) (hasStart, hasEnd, ok bool) {
	rest, found := strings.CutPrefix(value, "bytes")
	if !found {
		return false, false, false
	}
	rest, found = strings.CutPrefix(rest, "=")
	if !found {
		return false, false, false
	}
	start, rest := leadingDigits(rest)
	rest, found = strings.CutPrefix(rest, "-")
	if !found {
		return false, false, false
	}
	end, rest := leadingDigits(rest)
	if rest != "" || (start == "" && end == "") {
		return false, false, false
	}
	if start != "" && end != "" && compareDecimal(start, end) > 0 {
		return false, false, false
	}
	return start != "", end != "", true
}

func leadingDigits(s string) (digits, rest string) {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return s[:i], s[i:]
}

// compareDecimal compares two non-empty strings of ASCII digits as
// numbers of any size.
func compareDecimal(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// forbiddenRequestHeader is Fetch "forbidden request-header" for a
// lowercased name and a value.
func forbiddenRequestHeader(name, value string) bool {
	switch name {
	case "accept-charset", "accept-encoding", "access-control-request-headers",
		"access-control-request-method", "connection", "content-length",
		"cookie", "cookie2", "date", "dnt", "expect", "host", "keep-alive",
		"origin", "referer", "set-cookie", "te", "trailer",
		"transfer-encoding", "upgrade", "via":
		return true
	case "x-http-method", "x-http-method-override", "x-method-override":
		for _, m := range strings.Split(value, ",") {
			m = strings.Trim(m, " \t")
			if strings.EqualFold(m, "CONNECT") || strings.EqualFold(m, "TRACE") || strings.EqualFold(m, "TRACK") {
				return true
			}
		}
		return false
	}
	return strings.HasPrefix(name, "proxy-") || strings.HasPrefix(name, "sec-")
}

// needsPreflight reports whether a request sends a preflight under mode:
// never for a same-origin request, always for a cross-origin one under
// PreflightAlways, and under PreflightAuto when the request carries
// CORS-unsafe header names.
func needsPreflight(mode PreflightMode, crossOrigin bool, unsafe []string) bool {
	if !crossOrigin {
		return false
	}
	switch mode {
	case PreflightAlways:
		return true
	case PreflightAuto:
		return len(unsafe) > 0
	}
	return false
}

// fetchNeedsPreflight is Fetch's preflight decision for a fetch() to
// another origin: a method that is not CORS-safelisted, or CORS-unsafe
// request-header names.
func fetchNeedsPreflight(method string, unsafe []string) bool {
	return !safelistedMethod(method) || len(unsafe) > 0
}

// newPreflightRequest builds the OPTIONS preflight for a request to u with
// method, as Fetch "CORS-preflight fetch" does: Accept: */*,
// Access-Control-Request-Method: method, Access-Control-Request-Headers with the unsafe names joined by ","
// without spaces (only when there are some), and Origin. It has no body, no
// cookies and no Authorization: any userinfo in u is dropped, since Go's
// client would turn it into an Authorization header.
func newPreflightRequest(ctx context.Context, u *url.URL, reqOrigin, method string, unsafe []string) (*http.Request, error) {
	if u == nil {
		return nil, errors.New("ssecors: preflight without a URL")
	}
	target := *u
	target.User = nil
	target.Fragment = ""
	target.RawFragment = ""
	req, err := http.NewRequestWithContext(ctx, http.MethodOptions, target.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "*/*")
	req.Header.Set("Access-Control-Request-Method", method)
	if len(unsafe) > 0 {
		names := make([]string, len(unsafe))
		for i, n := range unsafe {
			names[i] = strings.ToLower(n)
		}
		req.Header.Set("Access-Control-Request-Headers", strings.Join(sortedSet(names), ","))
	}
	req.Header.Set("Origin", reqOrigin)
	return req, nil
}

// parseCORSList extracts the header list values of name as a #method or
// #field-name list (both are lists of tokens): empty elements are skipped,
// and an element that is not a token is a parse failure. present is false
// when the header is absent.
func parseCORSList(h http.Header, name string) (items []string, present, ok bool) {
	values := h.Values(name)
	if len(values) == 0 {
		return nil, false, true
	}
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			item = strings.Trim(item, " \t")
			if item == "" {
				continue
			}
			if !mimetype.IsToken(item) {
				return nil, true, false
			}
			items = append(items, item)
		}
	}
	return items, true, true
}

// parsePreflightMaxAge returns the preflight result's lifetime from
// Access-Control-Max-Age: delta-seconds, capped at preflightMaxAgeCap; 0
// (no caching) for a negative integer, as Chromium; 5 seconds when the
// header is absent, and when it is repeated or does not parse unless
// strict, which caches nothing then (Firefox).
func parsePreflightMaxAge(h http.Header, strict bool) time.Duration {
	values := h.Values("Access-Control-Max-Age")
	invalid := preflightMaxAgeDefault
	if strict {
		invalid = 0
	}
	switch len(values) {
	case 0:
		return preflightMaxAgeDefault
	case 1:
	default:
		return invalid
	}
	v := values[0]
	if neg, ok := strings.CutPrefix(v, "-"); ok {
		// Chromium parses the value as a signed integer: a negative one
		// is a lifetime already over (browsertest "fetch: Max-Age -1").
		if digits, rest := leadingDigits(neg); digits != "" && rest == "" {
			return 0
		}
		return invalid
	}
	digits, rest := leadingDigits(v)
	if digits == "" || rest != "" {
		return invalid
	}
	limit := strconv.Itoa(int(preflightMaxAgeCap / time.Second))
	if compareDecimal(digits, limit) >= 0 {
		return preflightMaxAgeCap
	}
	n, _ := strconv.Atoi(digits) // fewer digits than the limit: no overflow
	return time.Duration(n) * time.Second
}

// methodAllowed is Fetch's method rule for a preflight response: method
// passes when it is listed (case-sensitively), when it is a CORS-safelisted
// method, or when "*" is listed and the request carries no credentials.
func methodAllowed(method string, methods []string, credentials bool) bool {
	if safelistedMethod(method) {
		return true
	}
	for _, m := range methods {
		if m == method || (m == "*" && !credentials) {
			return true
		}
	}
	return false
}

// headerAllowed is the header rule for a preflight response: name passes
// when an item matches it case-insensitively, or when "*" is listed and the
// request carries no credentials.
//
// Chromium's rule, measured (browsertest, "fetch: ACAH * and
// Authorization"): "*" covers Authorization too. The Fetch standard makes
// Authorization a CORS non-wildcard request-header name that "*" never
// covers, and other browsers may follow it: the doctor warns when a
// preflight passes only by it.
func headerAllowed(name string, names []string, credentials bool) bool {
	for _, n := range names {
		if strings.EqualFold(n, name) || n == "*" && !credentials {
			return true
		}
	}
	return false
}

// checkPreflight evaluates a preflight response for a request with method
// and the unsafe header names: an ok status (200-299; a redirect is not
// followed and fails), then the CORS check with the actual request's
// credentials mode, then Access-Control-Allow-Methods and
// Access-Control-Allow-Headers parsed as #method and #field-name lists (a
// parse failure fails), the method rule (GET, HEAD and POST are safelisted;
// others must be listed, matched case-sensitively, or "*" without
// credentials) and the header rule ("*" only without credentials; as in
// Chromium it covers Authorization too).
//
// On failure it returns a *BlockedError with Op "OPTIONS" (the caller
// fills URL). On success it returns nil and the result's lifetime from
// Access-Control-Max-Age: 5 seconds when absent or invalid (0 when invalid
// and strictMaxAge), at most 2 hours, and 0 when the result must not be
// cached.
func checkPreflight(status int, h http.Header, reqOrigin string, credentials bool, method string, unsafe []string, strictMaxAge bool) (*BlockedError, time.Duration) {
	fail := func(rule Rule, detail, fix string) *BlockedError {
		return newBlockedCORS(h, reqOrigin, credentials, http.MethodOptions, rule, detail, fix)
	}
	if status < 200 || status > 299 {
		return fail(RulePreflightStatus, preflightStatusDetail(status),
			preflightStatusFix(status)+"; answer it with "+preflightAnswer(reqOrigin, credentials, method, unsafe)), 0
	}
	if e := checkCORS(h, reqOrigin, credentials); e != nil {
		e.Op = http.MethodOptions
		return e, 0
	}
	methods, _, ok := parseCORSList(h, "Access-Control-Allow-Methods")
	if !ok {
		return fail(RulePreflightAllowMethods,
			fmt.Sprintf("Access-Control-Allow-Methods %q is not a comma-separated list of methods", h.Values("Access-Control-Allow-Methods")),
			"separate methods with commas, for example "+corsLine("Access-Control-Allow-Methods", "GET, POST")), 0
	}
	if !methodAllowed(method, methods, credentials) {
		return fail(RulePreflightAllowMethods, missingMethodDetail(method, methods, credentials),
			"send "+corsLine("Access-Control-Allow-Methods", method)+" (methods match case-sensitively)"), 0
	}
	names, _, ok := parseCORSList(h, "Access-Control-Allow-Headers")
	if !ok {
		return fail(RulePreflightAllowHeaders,
			fmt.Sprintf("Access-Control-Allow-Headers %q is not a comma-separated list of header names", h.Values("Access-Control-Allow-Headers")),
			"separate header names with commas: send "+corsLine("Access-Control-Allow-Headers", strings.Join(lowerAll(unsafe), ", "))), 0
	}
	var missing []string
	for _, n := range lowerAll(unsafe) {
		if !headerAllowed(n, names, credentials) {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fail(RulePreflightAllowHeaders, missingHeadersDetail(names, missing, credentials),
			missingHeadersFix(names, missing, credentials)), 0
	}
	return nil, parsePreflightMaxAge(h, strictMaxAge)
}

func lowerAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.ToLower(n)
	}
	return sortedSet(out)
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// missingMethodDetail says why Access-Control-Allow-Methods does not allow
// method.
func missingMethodDetail(method string, methods []string, credentials bool) string {
	d := fmt.Sprintf("Access-Control-Allow-Methods %q does not allow %s", methods, method)
	if methods == nil {
		d = "the preflight response has no Access-Control-Allow-Methods, so it does not allow " + method
	}
	switch {
	case containsFold(methods, method):
		d += " (methods match case-sensitively)"
	case credentials && containsFold(methods, "*"):
		d += `; "*" is only a wildcard for requests without credentials`
	}
	return d
}

// preflightAnswer lists the status and header lines a preflight response
// needs for this request.
func preflightAnswer(reqOrigin string, credentials bool, method string, unsafe []string) string {
	lines := []string{corsLine("Access-Control-Allow-Origin", reqOrigin)}
	if credentials {
		lines = append(lines, corsLine("Access-Control-Allow-Credentials", "true"))
	}
	lines = append(lines, corsLine("Access-Control-Allow-Methods", method))
	if len(unsafe) > 0 {
		lines = append(lines, corsLine("Access-Control-Allow-Headers", strings.Join(lowerAll(unsafe), ", ")))
	}
	return "status 204 and " + strings.Join(lines, ", ")
}

func preflightStatusDetail(status int) string {
	text := http.StatusText(status)
	if text == "" {
		return fmt.Sprintf("the preflight response has status %d, not an ok status (200-299)", status)
	}
	return fmt.Sprintf("the preflight response has status %d %s, not an ok status (200-299)", status, text)
}

func preflightStatusFix(status int) string {
	switch {
	case status >= 300 && status <= 399:
		return "a preflight never follows redirects: point the client at the final URL, or make the server answer OPTIONS at this URL without redirecting"
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return "the OPTIONS request carries no cookies and no Authorization: exempt OPTIONS from authentication"
	case status == http.StatusNotFound || status == http.StatusMethodNotAllowed || status == http.StatusNotImplemented:
		return "the server has no OPTIONS handler for this URL: add one (or a CORS middleware)"
	case status >= 500:
		return "the server failed while handling the OPTIONS request: check its logs"
	}
	return "make the server answer the OPTIONS request with an ok status"
}

func missingHeadersDetail(names, missing []string, credentials bool) string {
	d := fmt.Sprintf("Access-Control-Allow-Headers %q does not allow %q", names, missing)
	if names == nil {
		d = fmt.Sprintf("the preflight response has no Access-Control-Allow-Headers, so it does not allow %q", missing)
	}
	switch {
	case containsFold(names, "*") && credentials:
		d += `; "*" is only a wildcard for requests without credentials`
	}
	return d
}

func missingHeadersFix(names, missing []string, credentials bool) string {
	var want []string
	for _, n := range names {
		if n != "*" || !credentials {
			want = append(want, strings.ToLower(n))
		}
	}
	want = sortedSet(append(want, missing...))
	fix := "list every header the request sends: " + corsLine("Access-Control-Allow-Headers", strings.Join(want, ", "))
	if containsFold(missing, "last-event-id") {
		fix += "; Last-Event-ID is sent on reconnects, and fetch()-based EventSource clients send it too"
	}
	return fix
}

// preflightEntry is one entry of the CORS-preflight cache: one method or
// one header name allowed for (origin, URL, credentials) until expires.
type preflightEntry struct {
	origin      string // byte-serialized request origin, possibly "null"
	url         string
	credentials bool
	method      string // "" for a header-name entry
	header      string // lowercased; "" for a method entry
	expires     time.Time
}

// preflightCacheMax bounds the number of entries. Fetch lets a user agent
// remove entries early; the ones closest to expiry go first.
const preflightCacheMax = 1024

// preflightCache is Fetch's CORS-preflight cache for one EventSource,
// keyed by (serialized origin, URL string, credentials). There is one
// network partition, so the key omits it. It is safe for concurrent use.
//
// "*" entries act as wildcards only for requests without credentials, as
// Chromium does: Fetch's cache match would let a "*" stored by a
// credentialed preflight cover a later credentialed request that a fresh
// preflight would refuse.
type preflightCache struct {
	now func() time.Time
	// strictMaxAge: an invalid Access-Control-Max-Age caches nothing
	// (Firefox), instead of the 5 s default.
	strictMaxAge bool

	mu      sync.Mutex
	entries []preflightEntry
}

// newPreflightCache returns an empty cache reading the time from now, or
// from time.Now when now is nil.
func newPreflightCache(now func() time.Time) *preflightCache {
	if now == nil {
		now = time.Now
	}
	return &preflightCache{now: now}
}

// entryMatch is Fetch's "cache entry match": same origin and URL, and an
// entry made without credentials never serves a request with credentials.
func (e *preflightEntry) entryMatch(reqOrigin, u string, credentials bool) bool {
	return e.origin == reqOrigin && e.url == u && (e.credentials || !credentials)
}

func (e *preflightEntry) methodMatch(method string, credentials bool) bool {
	return e.method != "" && (e.method == method || (e.method == "*" && !credentials))
}

func (e *preflightEntry) headerMatch(name string, credentials bool) bool {
	if e.header == "" {
		return false
	}
	if e.header == "*" && !credentials {
		return true
	}
	return strings.EqualFold(e.header, name)
}

// covers reports whether the cache holds a live result that spares a
// preflight for a request to u with method and the unsafe header names: an
// entry for every unsafe name, and one for the method when forced (Fetch's
// use-CORS-preflight flag, PreflightAlways) or when the method is not
// CORS-safelisted.
func (c *preflightCache) covers(reqOrigin, u string, credentials bool, method string, forced bool, unsafe []string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	live := func(e *preflightEntry) bool {
		return now.Before(e.expires) && e.entryMatch(reqOrigin, u, credentials)
	}
	if forced || !safelistedMethod(method) {
		found := false
		for i := range c.entries {
			if e := &c.entries[i]; live(e) && e.methodMatch(method, credentials) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	for _, name := range unsafe {
		found := false
		for i := range c.entries {
			if e := &c.entries[i]; live(e) && e.headerMatch(name, credentials) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// store records a successful preflight response h for a request to u
// with method with its lifetime maxAge (from checkPreflight): one entry per
// allowed method and per allowed header name. Matching entries get the new
// lifetime; the others are created. When Access-Control-Allow-Methods is
// absent, the method is recorded, as Fetch does for a forced preflight. A
// maxAge of 0 or less expires the matching entries and creates none.
func (c *preflightCache) store(reqOrigin, u string, credentials bool, method string, h http.Header, maxAge time.Duration) {
	methods, present, ok := parseCORSList(h, "Access-Control-Allow-Methods")
	if !ok {
		return
	}
	if !present {
		// Fetch records the method only for a forced preflight; for
		// another, the check has passed, so the method is safelisted and
		// its entry is only ever consulted by a forced preflight.
		methods = []string{method}
	}
	headers, _, ok := parseCORSList(h, "Access-Control-Allow-Headers")
	if !ok {
		return
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	expires := now.Add(maxAge)
	c.prune(now)

	// Refresh the matching entries' max-age, or add one entry per method
	// and per header name.
	refresh := func(match func(*preflightEntry) bool, add preflightEntry) {
		matched := false
		for i := range c.entries {
			e := &c.entries[i]
			if e.entryMatch(reqOrigin, u, credentials) && match(e) {
				e.expires = expires
				matched = true
			}
		}
		if !matched && maxAge > 0 {
			add.origin, add.url, add.credentials, add.expires = reqOrigin, u, credentials, expires
			c.entries = append(c.entries, add)
		}
	}
	for _, m := range methods {
		refresh(func(e *preflightEntry) bool { return e.methodMatch(m, credentials) }, preflightEntry{method: m})
	}
	for _, n := range headers {
		n = strings.ToLower(n)
		refresh(func(e *preflightEntry) bool { return e.headerMatch(n, credentials) }, preflightEntry{header: n})
	}
	c.prune(now)
}

// prune drops expired entries, then the entries closest to expiry while
// there are more than preflightCacheMax. c.mu must be held.
func (c *preflightCache) prune(now time.Time) {
	kept := c.entries[:0]
	for _, e := range c.entries {
		if now.Before(e.expires) {
			kept = append(kept, e)
		}
	}
	for i := len(kept); i < len(c.entries); i++ {
		c.entries[i] = preflightEntry{}
	}
	c.entries = kept
	if len(c.entries) > preflightCacheMax {
		sort.SliceStable(c.entries, func(i, j int) bool { return c.entries[i].expires.Before(c.entries[j].expires) })
		n := copy(c.entries, c.entries[len(c.entries)-preflightCacheMax:])
		for i := n; i < len(c.entries); i++ {
			c.entries[i] = preflightEntry{}
		}
		c.entries = c.entries[:n]
	}
}

// clear removes every entry for (origin, URL), whatever its credentials,
// as Fetch does when the request that followed a preflight ends in a
// network error.
func (c *preflightCache) clear(reqOrigin, u string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := c.entries[:0]
	for _, e := range c.entries {
		if e.origin != reqOrigin || e.url != u {
			kept = append(kept, e)
		}
	}
	for i := len(kept); i < len(c.entries); i++ {
		c.entries[i] = preflightEntry{}
	}
	c.entries = kept
}

// preflight sends the preflight that a request to u with method and the
// unsafe header names needs, unless the cache covers it; a successful
// result is stored in the cache. forced is Fetch's use-CORS-preflight flag
// (PreflightAlways). It reports whether an OPTIONS request was sent, and
// what it returned. Errors are those of sendPreflight.
func (c *preflightCache) preflight(ctx context.Context, client *http.Client, u *url.URL, reqOrigin string, credentials bool, method string, forced bool, unsafe []string, red *redactor) (sent bool, res preflightResult, err error) {
	key := u.String()
	if c.covers(reqOrigin, key, credentials, method, forced, unsafe) {
		return false, res, nil
	}
	res, err = sendPreflight(ctx, client, u, reqOrigin, credentials, method, unsafe, c.strictMaxAge, red)
	if err != nil {
		return true, res, err
	}
	c.store(reqOrigin, key, credentials, method, res.header, res.maxAge)
	return true, res, nil
}

// preflightResult is what a preflight response said.
type preflightResult struct {
	status int           // 0 when no response arrived
	header http.Header   // nil when no response arrived
	maxAge time.Duration // lifetime of a successful result in the cache
}

// sendPreflight sends the OPTIONS preflight for a GET to u with client and
// checks the response with checkPreflight.
//
// It uses a shallow copy of client whose CheckRedirect returns
// http.ErrUseLastResponse (a preflight never follows redirects) and whose
// Jar is nil (a preflight carries no cookies), so the caller's client may
// follow redirects and have a jar; client nil means http.DefaultClient. At
// most 4 KiB of the body is read, within a bounded time, and discarded
// before it is closed.
//
// A failed request is a *NetworkError with Op "OPTIONS", the URL redacted
// by red, and the inner error with any *url.Error unwrapped so that no raw
// URL leaks. A failed check is a *BlockedError with Op "OPTIONS" and
// the URL redacted; the result then still holds the status and headers.
func sendPreflight(ctx context.Context, client *http.Client, u *url.URL, reqOrigin string, credentials bool, method string, unsafe []string, strictMaxAge bool, red *redactor) (preflightResult, error) {
	if red == nil {
		red = newRedactor(nil)
	}
	req, err := newPreflightRequest(ctx, u, reqOrigin, method, unsafe)
	if err != nil {
		return preflightResult{}, &NetworkError{Op: http.MethodOptions, URL: red.url(u), Err: unwrapURLError(err)}
	}
	if client == nil {
		client = http.DefaultClient
	}
	c := *client
	c.Jar = nil
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		return preflightResult{}, &NetworkError{Op: http.MethodOptions, URL: red.url(u), Err: red.err(unwrapURLError(err))}
	}
	discard(resp)
	res := preflightResult{status: resp.StatusCode, header: resp.Header}
	cerr, maxAge := checkPreflight(resp.StatusCode, resp.Header, reqOrigin, credentials, method, unsafe, strictMaxAge)
	if cerr != nil {
		cerr.URL = red.url(u)
		red.blockedError(cerr)
		return res, cerr
	}
	res.maxAge = maxAge
	return res, nil
}

// unwrapURLError returns the error inside a *url.Error, whose message
// would print the raw URL, query included.
func unwrapURLError(err error) error {
	var ue *url.Error
	for errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err
	}
	return err
}
