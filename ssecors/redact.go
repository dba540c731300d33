package ssecors

import (
	"net/url"
	"strings"
)

// redacted replaces the value of a secret query parameter wherever ssecors
// prints a URL.
const redacted = "REDACTED"

// defaultSecretParams are the query parameter names treated as secrets
// unless the caller adds more with WithSecretParams. A parameter is secret
// when its lowercased name contains one of these words.
var defaultSecretParams = []string{
	"token", "key", "secret", "password", "passwd", "pwd", "auth",
	"signature", "sig", "session", "credential", "code",
}

// redactor hides secret query values, and any other secret strings, in
// text ssecors produces: error messages, log records, String output.
type redactor struct {
	words  []string // lowercase substrings of secret parameter names
	values []string // literal secret values to hide wherever they appear
}

func newRedactor(extra []string) *redactor {
	r := &redactor{words: append([]string(nil), defaultSecretParams...)}
	for _, w := range extra {
		if w = strings.ToLower(w); w != "" {
			r.words = append(r.words, w)
		}
	}
	return r
}

// secretName reports whether a query parameter name carries a secret.
func (r *redactor) secretName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range r.words {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// addValue records a literal secret value (such as a value mapped from a
// header, or returned by a query function) to hide wherever it appears.
func (r *redactor) addValue(v string) {
	if len(v) < 4 { // too short to hide without mangling ordinary text
		return
	}
	for _, have := range r.values {
		if have == v {
			return
		}
	}
	r.values = append(r.values, v)
}

// url returns u as a string with secret query values, and any user
// password, replaced. It never modifies u.
func (r *redactor) url(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		if _, has := c.User.Password(); has {
			c.User = url.UserPassword(c.User.Username(), redacted)
		}
	}
	if c.RawQuery != "" {
		c.RawQuery = r.query(c.RawQuery)
	}
	return r.text(c.String())
}

// query redacts the values of secret parameters in a raw query string,
// keeping the order and encoding of everything else.
func (r *redactor) query(raw string) string {
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, _, hasValue := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if hasValue && r.secretName(name) {
			parts[i] = k + "=" + redacted
		}
	}
	return strings.Join(parts, "&")
}

// text hides every recorded secret value, raw or query-escaped, in s. It
// also redacts any URL-looking query string in s whose parameters are
// secret, which covers messages from the standard library that embed URLs.
func (r *redactor) text(s string) string {
	for _, v := range r.values {
		s = strings.ReplaceAll(s, v, redacted)
		if e := url.QueryEscape(v); e != v {
			s = strings.ReplaceAll(s, e, redacted)
		}
		if e := url.PathEscape(v); e != v {
			s = strings.ReplaceAll(s, e, redacted)
		}
	}
	return s
}

// corsError hides secret values that a server echoed into the CORS headers
// quoted by ce.
func (r *redactor) corsError(ce *CORSError) {
	ce.Detail, ce.Fix = r.text(ce.Detail), r.text(ce.Fix)
	for i := range ce.AllowOrigin {
		ce.AllowOrigin[i] = r.text(ce.AllowOrigin[i])
	}
	for i := range ce.AllowCredentials {
		ce.AllowCredentials[i] = r.text(ce.AllowCredentials[i])
	}
}
