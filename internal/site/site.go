package site

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/publicsuffix"
)

// Origin is a tuple origin (scheme, host, port) as HTML defines it, or an
// opaque origin when scheme is empty. host is lowercase ASCII (punycode);
// port is empty when it is the scheme's default.
type Origin struct {
	Scheme string
	Host   string
	Port   string
}

// Opaque reports whether o is an opaque origin, serialized as "null".
func (o Origin) Opaque() bool { return o.Scheme == "" }

// String is the ASCII serialization of the origin: "https://app.example",
// "http://127.0.0.1:8080", or "null" for an opaque origin.
func (o Origin) String() string {
	if o.Opaque() {
		return "null"
	}
	h := o.Host
	if strings.IndexByte(h, ':') >= 0 { // IPv6 literal
		h = "[" + h + "]"
	}
	if o.Port != "" {
		return o.Scheme + "://" + h + ":" + o.Port
	}
	return o.Scheme + "://" + h
}

// Secure reports whether o is a potentially trustworthy origin for cookie
// and mixed-content purposes: https, or a loopback host as browsers treat it.
func (o Origin) Secure() bool {
	return o.Scheme == "https" || IsLoopbackHost(o.Host)
}

// IsLoopbackHost reports whether host is "localhost", a name under
// ".localhost", or a loopback IP address: hosts browsers treat as
// potentially trustworthy even over http.
func IsLoopbackHost(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// DefaultPort returns the default port of an http(s) or ws(s) scheme, and
// "" for any other scheme.
func DefaultPort(scheme string) string {
	switch scheme {
	case "http", "ws":
		return "80"
	case "https", "wss":
		return "443"
	}
	return ""
}

// OriginOf returns the origin of an http or https URL, and an opaque origin
// for anything else.
func OriginOf(u *url.URL) Origin {
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return Origin{}
	}
	host, err := CanonicalHost(u.Hostname())
	if err != nil || host == "" {
		return Origin{}
	}
	port := u.Port()
	if port == DefaultPort(scheme) {
		port = ""
	}
	return Origin{Scheme: scheme, Host: host, Port: port}
}

// CanonicalHost lowercases host and converts an internationalized name to
// its punycode form, as the URL parser of a browser does.
func CanonicalHost(host string) (string, error) {
	if net.ParseIP(host) != nil {
		return strings.ToLower(host), nil
	}
	host = strings.ToLower(host)
	for i := 0; i < len(host); i++ {
		if host[i] >= 0x80 {
			return Punycode(host)
		}
	}
	return host, nil
}

// SameOrigin reports whether a and b are the same tuple origin. Opaque
// origins are never the same origin as anything here, since ssecors never
// holds two references to one opaque origin.
func SameOrigin(a, b Origin) bool {
	return !a.Opaque() && a == b
}

// Site is a schemeful site: the scheme plus the registrable domain of the
// host (from the public suffix list), or plus the whole host when it has no
// registrable domain (an IP address, localhost, a public suffix itself).
type Site struct {
	Scheme string
	Domain string
}

// SiteOf returns the schemeful site of o. Ports never matter.
func SiteOf(o Origin) Site {
	if o.Opaque() {
		return Site{}
	}
	return Site{Scheme: o.Scheme, Domain: RegistrableDomain(o.Host)}
}

// RegistrableDomain returns host's registrable domain ("eTLD+1"), or host
// itself when it has none.
func RegistrableDomain(host string) string {
	if net.ParseIP(host) != nil {
		return host
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return host
	}
	return d
}

// SameSite reports whether a and b are schemefully same-site, as Chromium
// decides it: same scheme and same registrable domain.
func SameSite(a, b Origin) bool {
	if a.Opaque() || b.Opaque() {
		return false
	}
	return SiteOf(a) == SiteOf(b)
}

// String serializes the site as "https://example.com".
func (s Site) String() string {
	if s.Scheme == "" {
		return "null"
	}
	return s.Scheme + "://" + s.Domain
}

// ParseOrigin parses a page origin as given to WithOrigin: "null", or an
// http or https URL with a host, an optional port, and nothing else (a
// single trailing "/" is tolerated).
func ParseOrigin(s string) (Origin, error) {
	if s == "null" {
		return Origin{}, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return Origin{}, errors.New("not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return Origin{}, errors.New(`scheme must be "http" or "https"`)
	case u.Host == "" || u.Hostname() == "":
		return Origin{}, errors.New("no host")
	case len(s) > 2048:
		return Origin{}, errors.New("longer than 2048 bytes")
	case u.User != nil:
		return Origin{}, errors.New("an origin has no user information")
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.ForceQuery, u.Fragment != "":
		return Origin{}, errors.New("an origin has no path, query or fragment")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return Origin{}, errors.New("invalid port")
		}
	}
	if !strings.HasPrefix(u.Host, "[") {
		h, err := ValidHost(u.Hostname())
		if err != nil {
			return Origin{}, err
		}
		if p := u.Port(); p != "" {
			h += ":" + p
		}
		u.Host = h
	}
	o := OriginOf(u)
	if o.Opaque() {
		return Origin{}, errors.New("invalid host")
	}
	return o, nil
}

// MaxHostLen is the longest host name accepted: DNS's limit.
const MaxHostLen = 253

// ValidHost checks and canonicalizes the host of a URL or origin given by
// the caller, as the URL Standard's host parser does for http(s): valid
// UTF-8, no forbidden code point, a host ending in a number read as an
// IPv4 address (in any of its forms: "127.1", "0x7f.0.0.1"), lowercase, and
// internationalized labels in punycode. IPv6 literals are handled by the
// caller.
func ValidHost(host string) (string, error) {
	if host == "" {
		return "", errors.New("no host")
	}
	if !utf8.ValidString(host) {
		return "", errors.New("the host is not valid UTF-8")
	}
	for i := 0; i < len(host); i++ {
		if c := host[i]; c < ' ' || c == 0x7f || strings.IndexByte(" #%/:<>?@[\\]^|", c) >= 0 {
			return "", fmt.Errorf("the host contains %q, which no URL host may", c)
		}
	}
	h, err := CanonicalHost(host)
	if err != nil {
		return "", errors.New("invalid internationalized host name")
	}
	if endsInNumber(h) {
		ip, ok := parseIPv4(h)
		if !ok {
			return "", errors.New("the host ends in a number but is not an IPv4 address")
		}
		h = ip
	}
	if len(h) > MaxHostLen {
		return "", errors.New("the host is longer than 253 bytes")
	}
	return h, nil
}

// endsInNumber is the URL Standard's "ends in a number checker".
func endsInNumber(h string) bool {
	parts := strings.Split(h, ".")
	if parts[len(parts)-1] == "" {
		if len(parts) == 1 {
			return false
		}
		parts = parts[:len(parts)-1]
	}
	last := parts[len(parts)-1]
	if last != "" && strings.Trim(last, "0123456789") == "" {
		return true
	}
	// The host is lowercased already, so "0X" cannot occur.
	return strings.HasPrefix(last, "0x") && strings.Trim(last[2:], "0123456789abcdef") == ""
}

// parseIPv4 is the URL Standard's IPv4 parser: up to four parts, each
// decimal, hexadecimal (0x) or octal (leading 0), the last one filling the
// remaining bytes. It returns the dotted-decimal form.
func parseIPv4(h string) (string, bool) {
	parts := strings.Split(h, ".")
	if parts[len(parts)-1] == "" && len(parts) > 1 {
		parts = parts[:len(parts)-1]
	}
	if len(parts) > 4 {
		return "", false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		base := uint64(10)
		switch {
		case p == "":
			return "", false
		case len(p) >= 2 && (p[:2] == "0x" || p[:2] == "0X"):
			base, p = 16, p[2:]
		case len(p) >= 2 && p[0] == '0':
			base, p = 8, p[1:]
		}
		var n uint64
		for j := 0; j < len(p); j++ {
			d := uint64(strings.IndexByte("0123456789abcdef", p[j]|0x20))
			if p[j] >= '0' && p[j] <= '9' {
				d = uint64(p[j] - '0')
			}
			if d >= base || n > 1<<40 {
				return "", false
			}
			n = n*base + d
		}
		nums[i] = n
	}
	var ip uint64
	for i, n := range nums {
		if i < len(nums)-1 {
			if n > 255 {
				return "", false
			}
			ip |= n << (8 * (3 - uint(i)))
			continue
		}
		if n >= 1<<(8*(5-uint(len(nums)))) {
			return "", false
		}
		ip |= n
	}
	return fmt.Sprintf("%d.%d.%d.%d", ip>>24, ip>>16&255, ip>>8&255, ip&255), true
}
