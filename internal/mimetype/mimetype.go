// Package mimetype parses MIME types and Content-Type header values as
// WHATWG MIME Sniffing and Fetch do, with the one rule WebKit was measured
// to read differently. The core (the stream's Content-Type, a fetch body's
// CORS-safelisted Content-Type) and the doctor (a verdict per browser)
// share it, so that they cannot judge the same header differently.
package mimetype

import "strings"

// Extract follows Fetch's "extract a MIME type" closely enough for
// EventSource: every Content-Type value is split on commas outside quotes,
// each part parsed, and the last one that parses (and is not */*) wins. It
// returns the essence, lowercased, and the charset parameter. With first
// set, only the last header line counts and the first type in it that
// parses wins, as WebKit was measured to judge "text/event-stream,
// text/html" (one line) and "text/html" then "text/event-stream" (two).
func Extract(values []string, first bool) (essence, charset string, ok bool) {
	if first && len(values) > 1 {
		values = values[len(values)-1:]
	}
	for _, v := range values {
		for _, part := range splitOutsideQuotes(v, ',') {
			if first && ok {
				return essence, charset, ok
			}
			ess, params, good := Parse(part)
			if !good || ess == "*/*" {
				continue
			}
			if ess != essence {
				charset = ""
			}
			essence, ok = ess, true
			if cs, has := params["charset"]; has {
				charset = cs
			}
		}
	}
	return essence, charset, ok
}

// Parse parses a MIME type as WHATWG MIME Sniffing does: type and
// subtype are HTTP tokens, parameters are name=value or name="quoted", and
// invalid parameters are skipped.
func Parse(s string) (essence string, params map[string]string, ok bool) {
	s = strings.Trim(s, " \t\r\n")
	slash := strings.IndexByte(s, '/')
	if slash <= 0 {
		return "", nil, false
	}
	typ := s[:slash]
	rest := s[slash+1:]
	sub := rest
	if i := strings.IndexByte(rest, ';'); i >= 0 {
		sub, rest = rest[:i], rest[i+1:]
	} else {
		rest = ""
	}
	sub = strings.TrimRight(sub, " \t\r\n")
	if !IsToken(typ) || !IsToken(sub) {
		return "", nil, false
	}
	essence = strings.ToLower(typ) + "/" + strings.ToLower(sub)
	for _, p := range splitOutsideQuotes(rest, ';') {
		p = strings.TrimLeft(p, " \t\r\n")
		name, value, found := strings.Cut(p, "=")
		if !found || !IsToken(name) {
			continue
		}
		name = strings.ToLower(name)
		if strings.HasPrefix(value, `"`) {
			value = unquote(value)
		} else {
			value = strings.TrimRight(value, " \t\r\n")
			if value == "" {
				continue
			}
		}
		if params == nil {
			params = make(map[string]string)
		}
		if _, dup := params[name]; !dup {
			params[name] = value
		}
	}
	return essence, params, true
}

// splitOutsideQuotes splits s at each sep outside a quoted string.
func splitOutsideQuotes(s string, sep byte) []string {
	var parts []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			quoted = !quoted
		case c == '\\' && quoted:
			i++
		case c == sep && !quoted:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// unquote returns the content of the quoted string that starts s, with
// its backslash escapes resolved.
func unquote(s string) string {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c == '"' {
			break
		}
		if c == '\\' && i+1 < len(s) {
			i++
			c = s[i]
		}
		b.WriteByte(c)
	}
	return b.String()
}

// isTokenByte reports whether c is an HTTP token code point (tchar).
func isTokenByte(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// IsToken reports whether s is an HTTP token: one tchar or more.
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenByte(s[i]) {
			return false
		}
	}
	return true
}
