package ssecors

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/ssecors/ssecors-go/internal/mimetype"
)

// redacted replaces the value of a secret query parameter wherever ssecors
// prints a URL.
const redacted = "REDACTED"

// defaultSecretParams are the query parameter names treated as secrets
// unless the caller adds more with WithSecrets. A parameter is secret
// when its lowercased name contains one of these words.
var defaultSecretParams = []string{
	"token", "key", "secret", "password", "passwd", "pwd", "auth",
	"signature", "sig", "session", "credential", "code",
}

// redactor hides secret query values, and any other secret strings, in
// text ssecors produces: error messages, log records, String output. It is
// safe for concurrent use: the engine learns values while other goroutines
// format errors and logs.
type redactor struct {
	words []string // lowercase substrings of secret parameter names; fixed at New
	extra []string // the words given to WithSecrets, which name headers too

	mu      sync.RWMutex
	values  []string          // literal secret values given at New
	learned map[string]string // the latest value per name learned since
}

// maxLearned bounds the names remembered from redirect targets and query
// functions, so that a hostile server cannot grow the redactor for ever.
const maxLearned = 64

func newRedactor(extra []string) *redactor {
	r := &redactor{words: append([]string(nil), defaultSecretParams...)}
	for _, w := range extra {
		if w = strings.ToLower(w); w != "" {
			r.words = append(r.words, w)
			r.extra = append(r.extra, w)
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

// secretHeader reports whether a header's values are secrets: a
// credential header (Authorization, Proxy-Authorization, Cookie,
// Set-Cookie, or a name containing token, key, secret or auth), or a name
// containing one given to WithSecrets.
func (r *redactor) secretHeader(canonical string) bool {
	switch canonical {
	case "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie":
		return true
	}
	n := strings.ToLower(canonical)
	for _, w := range [...]string{"token", "key", "secret", "auth"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	for _, w := range r.extra {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// header copies h with the values of secret headers replaced and secrets
// hidden in the others (a Location's URL is redacted as a URL).
func (r *redactor) header(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, v := range h {
		cp := make([]string, len(v))
		for i, s := range v {
			switch {
			case r.secretHeader(k):
				s = redacted
			case k == "Location" || k == "Content-Location":
				if u, err := url.Parse(s); err == nil {
					s = r.url(u)
				}
			}
			cp[i] = r.text(s)
		}
		out[k] = cp
	}
	return out
}

// putLearned records v as the latest secret value of name. r.mu must be
// held.
func (r *redactor) putLearned(name, v string) {
	if len(v) < 4 {
		return
	}
	if _, ok := r.learned[name]; !ok && len(r.learned) >= maxLearned {
		return
	}
	if r.learned == nil {
		r.learned = make(map[string]string)
	}
	r.learned[name] = v
}

// credentialPart returns the credentials of an Authorization-style value
// after its scheme ("Bearer X" gives X), or "" when v has no scheme: a
// server that echoes the token alone must not reveal it either.
func credentialPart(v string) string {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !mimetype.IsToken(scheme) {
		return ""
	}
	return strings.TrimSpace(rest)
}

// addHeaderValue records the value of a secret header given at New, and
// its credentials after any scheme.
func (r *redactor) addHeaderValue(v string) {
	r.addValue(v)
	if c := credentialPart(v); c != "" {
		r.addValue(c)
	}
}

// learnHeader records the i-th value v of the secret header name, as
// returned by WithHeaderFunc for one attempt, and its credentials after any
// scheme. Only the latest values per header are kept: a refreshed token
// replaces the previous one, and the redactor stays bounded.
func (r *redactor) learnHeader(name string, i int, v string) {
	slot := "header " + name + " " + strconv.Itoa(i)
	r.learnSecret(slot, v)
	if c := credentialPart(v); c != "" {
		r.learnSecret(slot+" credentials", c)
	}
}

// learnSecret records v as the latest secret value of the slot named
// name (such as a field of the request body).
func (r *redactor) learnSecret(name, v string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.putLearned("\x00"+name, v)
}

// addValue records a literal secret value (such as a value mapped from a
// header, or returned by a query function) to hide wherever it appears.
func (r *redactor) addValue(v string) {
	if len(v) < 4 { // too short to hide without mangling ordinary text
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, have := range r.values {
		if have == v {
			return
		}
	}
	r.values = append(r.values, v)
}

// learn records the secret values of u, a URL ssecors is about to use (a
// redirect target, a URL with a refreshed token): the values of secret
// query parameters, and any password. Only the latest value per name is
// kept: a rotated token replaces the previous one.
func (r *redactor) learn(u *url.URL) {
	if u == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	put := r.putLearned
	if u.User != nil {
		if p, ok := u.User.Password(); ok {
			put("\x00password", p)
		}
	}
	if u.RawQuery == "" {
		return
	}
	for _, part := range strings.Split(u.RawQuery, "&") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if !r.secretName(name) {
			continue
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			put(name, dv)
		} else {
			put(name, v)
		}
	}
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

// text hides every recorded secret value, raw or query-escaped, in s.
func (r *redactor) text(s string) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, v := range r.values {
		s = hide(s, v)
	}
	for _, v := range r.learned {
		s = hide(s, v)
	}
	return s
}

// hide replaces v in s, in its raw and escaped forms.
func hide(s, v string) string {
	s = strings.ReplaceAll(s, v, redacted)
	if e := url.QueryEscape(v); e != v {
		s = strings.ReplaceAll(s, e, redacted)
	}
	if e := url.PathEscape(v); e != v {
		s = strings.ReplaceAll(s, e, redacted)
	}
	return s
}

// err returns err, or a wrapper whose message hides every secret value
// when err's message contains one.
func (r *redactor) err(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if red := r.text(msg); red != msg {
		return &redactedError{msg: red, err: err}
	}
	return err
}

// redactedError carries an error whose message held a secret. Unwrap gives
// the original, for errors.Is and errors.As; printing it prints the
// redacted message.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// blockedError hides secret values that a server echoed into the CORS
// headers quoted by be.
func (r *redactor) blockedError(be *BlockedError) {
	be.Detail, be.Fix = r.text(be.Detail), r.text(be.Fix)
	for i := range be.AllowOrigin {
		be.AllowOrigin[i] = r.text(be.AllowOrigin[i])
	}
}
