package doctor

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// This file finds the secrets of a request that the report must not show,
// beyond what the source itself redacts: parts of credential header values
// and secret-looking fields of a body, which a server may echo.

// secretWords are the words that make a header, JSON field or form field
// name secret: the SDK's defaults for query parameters (see
// ssecors.WithSecrets).
var secretWords = []string{"token", "key", "secret", "password", "passwd", "pwd", "auth",
	"signature", "sig", "session", "credential", "code", "cookie"}

func secretName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// minSecret is the shortest value hidden: shorter ones would mangle
// ordinary text, as the SDK's redaction also judges.
const minSecret = 4

// fetchSecrets returns the strings of f the report must not show: the
// values of secret headers, and the credentials after an
// "Authorization: Scheme" prefix; the whole body, and the values of
// secret-looking fields of a JSON or form body.
func fetchSecrets(f *Fetch) []string {
	var out []string
	add := func(v string) {
		if v = strings.TrimSpace(v); len(v) >= minSecret {
			out = append(out, v)
		}
	}
	for k, vs := range f.Header {
		if !secretName(k) {
			continue
		}
		for _, v := range vs {
			add(v)
			if _, cred, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
				add(cred)
			}
		}
	}
	if len(f.Body) > 0 {
		add(string(f.Body))
		var doc any
		if json.Unmarshal(f.Body, &doc) == nil {
			jsonSecrets(doc, false, add)
		} else if q, err := url.ParseQuery(string(f.Body)); err == nil {
			for k, vs := range q {
				if secretName(k) {
					for _, v := range vs {
						add(v)
					}
				}
			}
		}
	}
	return out
}

// HeaderSecrets returns the values of h that a report must not show: those
// of credential headers (Authorization, Proxy-Authorization, Cookie, and
// names holding token, key, secret, password, auth, session, credential,
// sig or code), and the credentials after a scheme such as "Bearer ", for
// a server that echoes only the token. Give them to [Report.Redact]
// when the headers went to the source with [ssecors.WithHeader], which
// the report only knows redacted as a whole.
func HeaderSecrets(h http.Header) []string {
	return fetchSecrets(&Fetch{Header: h})
}

// jsonSecrets calls add with the string and number values under secret
// field names of a decoded JSON document.
func jsonSecrets(doc any, secret bool, add func(string)) {
	switch v := doc.(type) {
	case map[string]any:
		for k, x := range v {
			jsonSecrets(x, secret || secretName(k), add)
		}
	case []any:
		for _, x := range v {
			jsonSecrets(x, secret, add)
		}
	case string:
		if secret {
			add(v)
		}
	case float64:
		if secret {
			add(strconv.FormatFloat(v, 'f', -1, 64))
		}
	}
}
