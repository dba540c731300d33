package ssecors

import (
	"net/http"
	"net/url"
)

// redactHeader copies h, hiding credential values.
func (es *EventSource) redactHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, v := range h {
		if es.red.secretHeader(k) || k == "Set-Cookie" {
			red := make([]string, len(v))
			for i := range v {
				red[i] = redacted
			}
			out[k] = red
			continue
		}
		cp := make([]string, len(v))
		for i, s := range v {
			if k == "Location" || k == "Content-Location" {
				if u, err := url.Parse(s); err == nil {
					s = es.red.url(u)
				}
			}
			cp[i] = es.red.text(s)
		}
		out[k] = cp
	}
	return out
}
