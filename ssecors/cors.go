package ssecors

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ssecors/ssecors-go/internal/site"
)

// This file holds the CORS check a browser applies to the responses of a
// cross-origin EventSource request (WHATWG Fetch, "CORS check"), and the
// redirect-taint that decides whether the request's Origin is serialized as
// "null" (Fetch, "redirect-taint" and "Serializing a request origin"). Both
// are pure functions: the engine in request.go does the I/O.

// getHeader returns the value of name in h the way Fetch "gets" a header:
// the values of every header line with that name, joined by ", ", and ok
// false when there is no such line ("null is not `null`").
func getHeader(h http.Header, name string) (value string, ok bool) {
	v := h.Values(name)
	if len(v) == 0 {
		return "", false
	}
	return strings.Join(v, ", "), true
}

// corsLine renders a response header line for a Fix message, quoted so
// that no byte of it can forge a line of its own.
func corsLine(name, value string) string {
	return fmt.Sprintf("%q", name+": "+value)
}

// newBlockedCORS records a failed check of the response headers h.
func newBlockedCORS(h http.Header, reqOrigin string, credentials bool, op string, rule Rule, detail, fix string) *BlockedError {
	return &BlockedError{
		Rule:        rule,
		Op:          op,
		Origin:      reqOrigin,
		Credentials: credentials,
		AllowOrigin: headerValues(h, "Access-Control-Allow-Origin"),
		Detail:      detail,
		Fix:         fix,
	}
}

// checkCORS applies Fetch's CORS check to a response of a cross-origin
// request. reqOrigin is the serialized Origin the request carried ("null"
// when tainted) and credentials reports whether its credentials mode is
// "include".
//
// It returns nil on success; otherwise a *BlockedError with Rule, Op (GET),
// Origin, Credentials, AllowOrigin, Detail and Fix filled. The caller
// fills URL. Every value taken from the response is
// quoted with %q in Detail and Fix.
func checkCORS(h http.Header, reqOrigin string, credentials bool) *BlockedError {
	fail := func(rule Rule, detail, fix string) *BlockedError {
		return newBlockedCORS(h, reqOrigin, credentials, http.MethodGet, rule, detail, fix)
	}
	tainted := reqOrigin == "null"

	// Fetch CORS check, step 1-2: get Access-Control-Allow-Origin.
	acao, ok := getHeader(h, "Access-Control-Allow-Origin")
	if !ok {
		detail := "the response has no Access-Control-Allow-Origin header"
		if tainted {
			return fail(RuleAllowOriginMissing, detail, taintFix(credentials))
		}
		fix := "add " + corsLine("Access-Control-Allow-Origin", reqOrigin)
		if credentials {
			fix += " and " + corsLine("Access-Control-Allow-Credentials", "true")
		} else {
			fix += " (or " + corsLine("Access-Control-Allow-Origin", "*") + " for a public stream)"
		}
		return fail(RuleAllowOriginMissing, detail, fix)
	}

	// Step 3: "*" passes without credentials.
	if !credentials && acao == "*" {
		return nil
	}

	// Step 4: the byte-serialized request origin must equal the value.
	if acao != reqOrigin {
		values := h.Values("Access-Control-Allow-Origin")
		switch {
		case len(values) > 1 || strings.Contains(acao, ","):
			return fail(RuleAllowOriginMultiple, multipleOriginDetail(values, acao), multipleOriginFix(values, reqOrigin, credentials))
		case acao == "*":
			return fail(RuleAllowOriginWildcard,
				`Access-Control-Allow-Origin is "*" and the request's credentials mode is "include" (WithCredentials)`,
				"Access-Control-Allow-Origin is '*' but the request carries credentials: echo the origin instead and add Access-Control-Allow-Credentials: true; send "+
					corsLine("Access-Control-Allow-Origin", reqOrigin)+", "+
					corsLine("Access-Control-Allow-Credentials", "true")+" and "+corsLine("Vary", "Origin"))
		default:
			detail, fix := mismatchOrigin(acao, reqOrigin, credentials)
			return fail(RuleAllowOriginMismatch, detail, fix)
		}
	}

	// Step 5: without credentials the check passes here.
	if !credentials {
		return nil
	}

	// Step 6-8: Access-Control-Allow-Credentials must be exactly "true".
	acac, ok := getHeader(h, "Access-Control-Allow-Credentials")
	if ok && acac == "true" {
		return nil
	}
	want := corsLine("Access-Control-Allow-Credentials", "true")
	cv := h.Values("Access-Control-Allow-Credentials")
	switch {
	case !ok:
		return fail(RuleAllowCredentials,
			`the request carries credentials (WithCredentials) but the response has no Access-Control-Allow-Credentials header`,
			"add "+want+" next to "+corsLine("Access-Control-Allow-Origin", reqOrigin)+", or drop WithCredentials if the stream needs no cookies")
	case len(cv) > 1:
		return fail(RuleAllowCredentials,
			fmt.Sprintf("Access-Control-Allow-Credentials appears %d times %q, which combines to %q, not \"true\"", len(cv), cv, acac),
			"send "+want+" exactly once (check that a proxy or framework does not add a second copy)")
	case strings.EqualFold(acac, "true"):
		return fail(RuleAllowCredentials,
			fmt.Sprintf("Access-Control-Allow-Credentials is %q; the value is case-sensitive and must be \"true\"", acac),
			"send "+want+" in lowercase")
	default:
		return fail(RuleAllowCredentials,
			fmt.Sprintf("Access-Control-Allow-Credentials is %q, not \"true\"", acac),
			"send "+want+" (the only accepted value), or drop WithCredentials if the stream needs no cookies")
	}
}

// taintFix explains the tainted origin: after a cross-origin redirect the
// request carries Origin "null", which only "null" (or "*" without
// credentials) matches.
func taintFix(credentials bool) string {
	fix := `the request's Origin is "null" because a redirect through another origin tainted it (Fetch redirect-taint), or because the page's origin is opaque: ` +
		"the final server must answer " + corsLine("Access-Control-Allow-Origin", "null")
	if credentials {
		fix += " and " + corsLine("Access-Control-Allow-Credentials", "true")
	} else {
		fix += " (or " + corsLine("Access-Control-Allow-Origin", "*") + ")"
	}
	return fix + "; better, point the client at the final URL so that no cross-origin redirect happens"
}

// multipleOriginDetail describes an Access-Control-Allow-Origin that holds
// a list or came in several header lines.
func multipleOriginDetail(values []string, combined string) string {
	if len(values) > 1 {
		return fmt.Sprintf("Access-Control-Allow-Origin appears %d times %q, which combines to %q and can never equal one origin", len(values), values, combined)
	}
	return fmt.Sprintf("Access-Control-Allow-Origin is the list %q; it must hold exactly one origin", combined)
}

// multipleOriginFix tells the server to send one origin.
func multipleOriginFix(values []string, reqOrigin string, credentials bool) string {
	fix := "send exactly one origin; echo the request's Origin if you allow several: " +
		corsLine("Access-Control-Allow-Origin", reqOrigin) + " with " + corsLine("Vary", "Origin")
	if credentials {
		fix += " and " + corsLine("Access-Control-Allow-Credentials", "true")
	}
	if len(values) > 1 {
		fix += " (the header was sent more than once: check that the application and a proxy or framework do not both add it)"
	}
	return fix
}

// mismatchOrigin explains why a single Access-Control-Allow-Origin value
// acao differs from the request's origin, and how to fix it.
func mismatchOrigin(acao, reqOrigin string, credentials bool) (detail, fix string) {
	want := corsLine("Access-Control-Allow-Origin", reqOrigin)
	if credentials {
		want += " and " + corsLine("Access-Control-Allow-Credentials", "true")
	}
	detail = fmt.Sprintf("Access-Control-Allow-Origin is %q but the request's Origin is %q", acao, reqOrigin)
	switch {
	case reqOrigin == "null":
		return detail, taintFix(credentials)
	case acao == "":
		return "Access-Control-Allow-Origin is present but empty", "set it to the request's Origin: send " + want
	case acao == "null":
		return detail + ` (the request was not redirected across origins, so its Origin is not "null")`,
			"send " + want + `; allowing "null" would also admit sandboxed pages and data: URLs`
	}
	if hints := sameOriginSpelling(acao, reqOrigin); len(hints) > 0 {
		return detail + " (the same origin spelled differently; origins are compared byte for byte)",
			strings.Join(hints, ", ") + ": send " + want
	}
	return detail + " (a different origin)",
		"send " + want + "; if the server allows several origins, echo the request's Origin when it is on your allow list and add " + corsLine("Vary", "Origin")
}

// sameOriginSpelling reports how acao, when it names the same origin as
// reqOrigin but with other bytes, differs from the serialization: a
// trailing slash or path, letter case, an explicit default port. It
// returns nil when acao names another origin.
func sameOriginSpelling(acao, reqOrigin string) []string {
	u, err := url.Parse(acao)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return nil
	}
	if site.OriginOf(u).String() != reqOrigin {
		return nil
	}
	var hints []string
	if u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		if u.Path == "/" && u.RawQuery == "" && u.Fragment == "" && !u.ForceQuery {
			hints = append(hints, "remove the trailing slash")
		} else {
			hints = append(hints, "remove the path: an origin is scheme, host and port only")
		}
	}
	// url.Parse lowercases the scheme, so look at the raw bytes of the
	// scheme and authority.
	prefix := acao
	if i := strings.Index(acao, "://"); i >= 0 {
		if j := strings.IndexAny(acao[i+3:], "/?#"); j >= 0 {
			prefix = acao[:i+3+j]
		}
	}
	if prefix != strings.ToLower(prefix) {
		hints = append(hints, "write it in lowercase (the case differs)")
	}
	if p := u.Port(); p != "" && p == site.DefaultPort(strings.ToLower(u.Scheme)) {
		hints = append(hints, "remove the explicit default port :"+p)
	}
	if len(hints) == 0 {
		// Same origin, other bytes we did not name (such as an
		// internationalized host not in punycode, or userinfo).
		hints = append(hints, "write the origin exactly as the request's Origin header serializes it")
	}
	return hints
}

// taint is a request's redirect-taint (Fetch "redirect-taint", 2025): it
// only grows along the URL list, and any value other than taintSameOrigin
// serializes the request's origin as "null".
type taint int

const (
	// taintSameOrigin: no hop left the request's origin in a way that
	// taints it; the origin is serialized as usual.
	taintSameOrigin taint = iota
	// taintSameSite: a hop moved between different origins of one site
	// from a URL not same origin with the request's origin.
	taintSameSite
	// taintCrossSite: a hop moved across sites from a URL not same site
	// with the request's origin. It is final.
	taintCrossSite
)

func (t taint) String() string {
	switch t {
	case taintSameOrigin:
		return "same-origin"
	case taintSameSite:
		return "same-site"
	case taintCrossSite:
		return "cross-site"
	}
	return fmt.Sprintf("taint(%d)", int(t))
}

// updateTaint applies one hop of Fetch's redirect-taint: t is the taint
// of the URL list up to from (the last URL), to is the URL the redirect
// leads to, and reqOrigin is the request's origin (the page origin). It
// returns the taint of the URL list with to appended.
func updateTaint(t taint, reqOrigin, from, to site.Origin) taint {
	if t == taintCrossSite {
		return t
	}
	if !site.SameSite(to, from) && !site.SameSite(reqOrigin, from) {
		return taintCrossSite
	}
	if !site.SameOrigin(to, from) && !site.SameOrigin(reqOrigin, from) {
		return taintSameSite
	}
	return t
}

// serializeRequestOrigin is Fetch "serializing a request origin": the
// request's origin serialized, or "null" when the redirect-taint is not
// same-origin.
func serializeRequestOrigin(reqOrigin site.Origin, t taint) string {
	if t != taintSameOrigin {
		return "null"
	}
	return reqOrigin.String()
}
