package ssetest

import (
	"io"
	"net/http"
	"net/url"
	"strings"
)

// LoginPath is the path of the built-in login endpoint. It answers
//
//	GET /login?name=N&value=V&samesite=lax|strict|none|unset&secure=1&httponly=1&partitioned=1&domain=D&path=P&maxage=S
//
// with 200, a small HTML page, and the Set-Cookie header of the
// [LoginCookie] the query describes, so that a cookie can be primed
// first-party, as a browser's user would by visiting the site. An endpoint
// installed at LoginPath replaces it.
const LoginPath = "/login"

// LoginCookie describes the cookie the login endpoint sets.
type LoginCookie struct {
	// Name and Value are the cookie's name and value, sent verbatim.
	Name, Value string
	// SameSite is the SameSite attribute: "lax", "strict" and "none" are
	// written as "Lax", "Strict" and "None"; "" or "unset" writes none; any
	// other value is written verbatim.
	SameSite string
	// Secure, HttpOnly and Partitioned add those attributes.
	Secure, HttpOnly, Partitioned bool
	// Domain and Path, when non-empty, add those attributes.
	Domain, Path string
	// MaxAge, when non-empty, adds "Max-Age=<MaxAge>" verbatim ("0" and
	// "-1" delete the cookie).
	MaxAge string
}

// String returns the Set-Cookie header value, attributes in the order
// Path, Domain, Max-Age, Secure, HttpOnly, SameSite, Partitioned:
// "sid=1; Path=/; Secure; SameSite=None".
func (c LoginCookie) String() string {
	var b strings.Builder
	b.WriteString(c.Name)
	b.WriteByte('=')
	b.WriteString(c.Value)
	attr := func(name, value string) {
		b.WriteString("; ")
		b.WriteString(name)
		if value != "" {
			b.WriteByte('=')
			b.WriteString(value)
		}
	}
	if c.Path != "" {
		attr("Path", c.Path)
	}
	if c.Domain != "" {
		attr("Domain", c.Domain)
	}
	if c.MaxAge != "" {
		attr("Max-Age", c.MaxAge)
	}
	if c.Secure {
		attr("Secure", "")
	}
	if c.HttpOnly {
		attr("HttpOnly", "")
	}
	switch strings.ToLower(c.SameSite) {
	case "", "unset":
	case "lax":
		attr("SameSite", "Lax")
	case "strict":
		attr("SameSite", "Strict")
	case "none":
		attr("SameSite", "None")
	default:
		attr("SameSite", c.SameSite)
	}
	if c.Partitioned {
		attr("Partitioned", "")
	}
	return b.String()
}

// query is the login query that describes c.
func (c LoginCookie) query() url.Values {
	q := url.Values{}
	q.Set("name", c.Name)
	q.Set("value", c.Value)
	for k, v := range map[string]string{"samesite": c.SameSite, "domain": c.Domain, "path": c.Path, "maxage": c.MaxAge} {
		if v != "" {
			q.Set(k, v)
		}
	}
	for k, v := range map[string]bool{"secure": c.Secure, "httponly": c.HttpOnly, "partitioned": c.Partitioned} {
		if v {
			q.Set(k, "1")
		}
	}
	return q
}

// parseLoginCookie reads a login query; flags are on when their value is
// "1" or "true".
func parseLoginCookie(q url.Values) LoginCookie {
	flag := func(k string) bool { v := q.Get(k); return v == "1" || v == "true" }
	return LoginCookie{
		Name:        q.Get("name"),
		Value:       q.Get("value"),
		SameSite:    q.Get("samesite"),
		Secure:      flag("secure"),
		HttpOnly:    flag("httponly"),
		Partitioned: flag("partitioned"),
		Domain:      q.Get("domain"),
		Path:        q.Get("path"),
		MaxAge:      q.Get("maxage"),
	}
}

// LoginURL returns the URL of the login endpoint on host (through the
// listener scheme selects) that sets c.
func (s *Server) LoginURL(scheme, host string, c LoginCookie) string {
	return s.HostURL(scheme, host, LoginPath+"?"+c.query().Encode())
}

func serveLogin(w http.ResponseWriter, r *http.Request) {
	c := parseLoginCookie(r.URL.Query())
	if c.Name == "" {
		http.Error(w, "ssetest: login needs a name parameter", http.StatusBadRequest)
		return
	}
	w.Header().Add("Set-Cookie", c.String())
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = io.WriteString(w, "<!doctype html><title>login</title><p>cookie set</p>\n")
}

// HandlePage installs at path, for every host, an endpoint that answers
// 200 with html as a text/html page: the page a browser test loads to get
// an origin.
func (s *Server) HandlePage(path, html string) {
	s.HandlePageHost("", path, html)
}

// HandlePageHost is [Server.HandlePage] for one host only; see
// [Server.HandleHost].
func (s *Server) HandlePageHost(host, path, html string) {
	s.HandleHost(host, path, Endpoint{Handler: func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, html)
	}})
}
