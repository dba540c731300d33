package ssecors

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/ssecors/ssecors-go/internal/mimetype"
)

// managedHeaders are the request headers ssecors sets itself, as a browser
// does; WithHeader refuses them.
var managedHeaders = map[string]bool{
	"Last-Event-Id": true,
	"Origin":        true, "Cookie": true, "Host": true, "Content-Length": true,
	"Transfer-Encoding": true, "Connection": true, "Upgrade": true, "Te": true,
	"Trailer": true, "Keep-Alive": true, "Proxy-Connection": true,
}

// maxParamLen bounds a query key or value, and a header value: longer
// input is almost certainly a mistake, and servers reject it anyway.
const maxParamLen = 8 << 10

// eventSourceHeaders are set by an EventSource's request itself; a page's
// fetch() may set them (checked in New, once the mode is known).
var eventSourceHeaders = []string{"Accept", "Cache-Control", "Pragma"}

// managedHeader reports whether the canonical header name ck is ssecors'
// own in the source's mode.
func managedHeader(ck string, fetch bool) bool {
	return managedHeaders[ck] || !fetch && slices.Contains(eventSourceHeaders, ck)
}

// headerProblem says what is wrong with a caller's header (from
// WithHeader or WithHeaderFunc) in fetch mode or not, or "" when nothing
// is.
func headerProblem(name, value string, fetch bool) string {
	switch {
	case !validHeaderName(name):
		return "not a valid header name"
	case managedHeader(http.CanonicalHeaderKey(name), fetch):
		return "this header is managed by ssecors, as a browser manages it"
	case !validHeaderValue(value):
		return "header value contains a control character or is too long"
	}
	return ""
}

func addHeader(cfg *config, option, name, value string) {
	// The mode is not known yet: New checks the EventSource's own
	// headers (eventSourceHeaders) once it is.
	if why := headerProblem(name, value, true); why != "" {
		cfg.fail(option, name, why)
	} else {
		if cfg.header == nil {
			cfg.header = make(http.Header)
		}
		cfg.header.Add(name, value)
	}
}

// validHeaderName reports whether s is an HTTP token of a sane length.
func validHeaderName(s string) bool {
	return len(s) <= 256 && mimetype.IsToken(s)
}

// validHeaderValue reports whether s can be sent as a header value: no
// control character other than tab, within the length bound.
func validHeaderValue(s string) bool {
	if len(s) > maxParamLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// validLastEventID reports whether an id can be used at all: ids from a
// stream never hold NUL, CR or LF, so neither may a starting one.
func validLastEventID(s string) bool {
	return !strings.ContainsAny(s, "\x00\r\n") && len(s) <= maxParamLen
}

// validQueryPart checks a query key or value: valid UTF-8 is not required
// by RFC 3986 percent-encoding, but CR, LF and NUL are refused outright so
// that no caller mistake can turn into a header or log injection.
func validQueryPart(s string) bool {
	return len(s) <= maxParamLen && !strings.ContainsAny(s, "\x00\r\n")
}

// escapeQuery percent-encodes s for a query component as RFC 3986 asks:
// every byte but the unreserved characters becomes %XX (a space is %20,
// never "+", which a server would read as a literal plus or as a space
// depending on its parser).
func escapeQuery(s string) string {
	const hex = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// mergeQuery returns a copy of u with params appended to its query, in
// order. The existing query is kept byte for byte. A parameter whose name
// is already present (in u or earlier in params) is a collision: an error
// naming it, unless replace is set, in which case earlier occurrences are
// removed.
func mergeQuery(u *url.URL, params []queryParam, replace bool) (*url.URL, *ConfigError) {
	c := *u
	if len(params) == 0 {
		return &c, nil
	}
	var parts []string
	if c.RawQuery != "" {
		parts = strings.Split(c.RawQuery, "&")
	}
	for _, p := range params {
		option := p.option
		if option == "" {
			option = "query"
		}
		if p.key == "" {
			return nil, &ConfigError{Option: option, Reason: "empty parameter name"}
		}
		if !validQueryPart(p.key) || !validQueryPart(p.value) {
			return nil, &ConfigError{Option: option, Value: truncate(p.key, 200), Reason: "parameter contains CR, LF or NUL, or is too long"}
		}
		kept := parts[:0]
		for _, part := range parts {
			k, _, _ := strings.Cut(part, "=")
			if dk, err := url.QueryUnescape(k); err == nil && dk == p.key || k == p.key {
				if !replace {
					return nil, &ConfigError{Option: option, Value: truncate(p.key, 200),
						Reason: "parameter is already in the URL or set twice"}
				}
				continue
			}
			kept = append(kept, part)
		}
		parts = append(kept, escapeQuery(p.key)+"="+escapeQuery(p.value))
	}
	c.RawQuery = strings.Join(parts, "&")
	c.ForceQuery = false
	return &c, nil
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// truncate shortens s to at most n bytes, on a rune boundary, marking the
// cut: for values quoted in messages.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
