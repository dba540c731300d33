// Package secrets finds the secret values of a request body that a server
// may echo back, so that ssecors and its doctor can redact them: the
// string values of secret-looking fields of a JSON or form body.
package secrets

import (
	"bytes"
	"encoding/json"
	"net/url"
)

// maxBody bounds the body size inspected: larger bodies are not parsed.
const maxBody = 1 << 20

// BodyValues returns the string values under field names that isSecret
// accepts, in a JSON document (at any depth, and everything under such a
// field) or, when body is not JSON, in a form-encoded body. Numbers count
// only from six digits on (a numeric password or PIN): a field such as
// max_tokens holds no secret, and hiding every "1024" would mangle the text
// around it. Booleans never count.
func BodyValues(body []byte, isSecret func(name string) bool) []string {
	if len(body) == 0 || len(body) > maxBody {
		return nil
	}
	var out []string
	var doc any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // numbers as written, never reformatted
	if dec.Decode(&doc) == nil && !dec.More() {
		walk(doc, false, isSecret, &out)
		return out
	}
	q, err := url.ParseQuery(string(body))
	if err != nil {
		return nil
	}
	for k, vs := range q {
		if isSecret(k) {
			out = append(out, vs...)
		}
	}
	return out
}

func walk(doc any, secret bool, isSecret func(string) bool, out *[]string) {
	switch v := doc.(type) {
	case map[string]any:
		for k, x := range v {
			walk(x, secret || isSecret(k), isSecret, out)
		}
	case []any:
		for _, x := range v {
			walk(x, secret, isSecret, out)
		}
	case string:
		if secret {
			*out = append(*out, v)
		}
	case json.Number:
		if secret && len(v) >= 6 {
			*out = append(*out, string(v))
		}
	}
}
