package doctor

import (
	"net/http"
	"slices"
	"strings"

	"github.com/ssecors/ssecors-go/internal/inspect"
	"github.com/ssecors/ssecors-go/internal/secrets"
)

// This file finds the secrets of a request that the report must not show,
// beyond what the source itself redacts: parts of credential header values
// and secret-looking fields of a body, which a server may echo.

// secretWords are the words that make a header, JSON field or form field
// name secret: the SDK's defaults for query parameters (see
// ssecors.WithSecrets), and "cookie".
var secretWords = append(slices.Clone(inspect.SecretWords), "cookie")

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
		for _, v := range secrets.BodyValues(f.Body, secretName) {
			add(v)
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
