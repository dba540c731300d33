package browsertest

import "strings"

// The fetch suite (issue 14): streams a page opens with fetch() and reads
// with a body reader, against ssecors' fetch mode (WithFetch).

// Request builders of the fetch cases.

func hdr(name, value string) [2]string { return [2]string{name, value} }

func ptr(s string) *string { return &s }

// post is a one-shot POST of body with the page's headers.
func post(body string, headers ...[2]string) *FetchInit {
	return &FetchInit{Method: "POST", Body: &body, Headers: headers, OneShot: true}
}

// method is a one-shot request with method m, a JSON body and the page's
// headers.
func method(m string, headers ...[2]string) *FetchInit {
	body := `{"q":1}`
	return &FetchInit{Method: m, Body: &body, Headers: headers, OneShot: true}
}

// creds returns f with credentials mode mode.
func creds(mode string, f *FetchInit) *FetchInit { f.Credentials = mode; return f }

// reconnecting returns f as a reconnecting stream (fetch-event-source).
func reconnecting(f *FetchInit) *FetchInit { f.OneShot = false; return f }

const (
	jsonBody = `{"prompt":"hi"}`
	// oneEv is a one-shot body: one event, then the end.
	oneEv = "data: a\n\n"
)

var (
	ctJSON = hdr("Content-Type", "application/json")
	ctText = hdr("Content-Type", "text/plain")
	auth   = hdr("Authorization", "Bearer t0ken")
	apiKey = hdr("X-Api-Key", "k1")
)

// pf is a preflight answer: 204, no body, the given headers.
func pf(opts ...opt) *Resp {
	r := Resp{Status: 204, ContentType: NoContentType}
	for _, o := range opts {
		o(&r)
	}
	return &r
}

func acam(v string) opt   { return header("Access-Control-Allow-Methods", v) }
func acah(v string) opt   { return header("Access-Control-Allow-Headers", v) }
func maxAge(v string) opt { return header("Access-Control-Max-Age", v) }
func aceh(v string) opt   { return header("Access-Control-Expose-Headers", v) }

// origin allows the request's origin, without credentials.
var origin = acao("{origin}")

// stream is a one-shot stream response.
func stream(opts ...opt) []Resp { return script(sse(oneEv, opts...)) }

// twice is a reconnecting stream: one event (with id when id is not ""),
// retry: ms, end; then 204 on the reconnect.
func twice(id string, retryMS string, opts ...opt) []Resp {
	body := "retry: " + retryMS + "\n"
	if id != "" {
		body += "id: " + id + "\n"
	}
	body += "data: a\n\n"
	stop204 := Resp{Status: 204}
	for _, o := range opts {
		o(&stop204)
	}
	stop204.Body = ""
	return script(sse(body, opts...), stop204)
}

func fetchCases() []*Case {
	var cs []*Case
	add := func(group string, list ...*Case) {
		for _, c := range list {
			c.Group = group
			cs = append(cs, c)
		}
	}
	x := ep(crossSite, "s")

	add("fetch-simple",
		&Case{Name: "fetch: POST text/plain, no preflight", Why: "a simple request: safelisted method and Content-Type",
			URL: x, Fetch: post(jsonBody, ctText), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: POST string body, no Content-Type", Why: "fetch() labels a string body text/plain;charset=UTF-8: still simple",
			URL: x, Fetch: post(jsonBody), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: GET, no preflight", Why: "Accept: text/event-stream is safelisted",
			URL: x, Fetch: &FetchInit{OneShot: true}, Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: POST form-urlencoded", Why: "a safelisted Content-Type",
			URL: x, Fetch: post("a=1", hdr("Content-Type", "application/x-www-form-urlencoded")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: text/plain with a CORS-unsafe byte", Why: "a Content-Type value holding \" is not safelisted: preflight",
			URL: x, Fetch: post(jsonBody, hdr("Content-Type", `text/plain; a="b"`)), Preflight: pf(origin, acah("content-type")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: Accept with a CORS-unsafe byte", Why: "( ) make Accept unsafe: preflight",
			URL: x, Fetch: post(jsonBody, hdr("Accept", "text/event-stream (sse)")), Preflight: pf(origin, acah("accept")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: Accept over 128 bytes", Why: "a safelisted header longer than 128 bytes is unsafe",
			URL: x, Fetch: post(jsonBody, hdr("Accept", "text/event-stream, "+strings.Repeat("application/x-long, ", 6)+"*/*")),
			Preflight: pf(origin, acah("accept")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: Content-Language and Accept-Language", Why: "safelisted request headers: no preflight",
			URL: x, Fetch: post(jsonBody, hdr("Content-Language", "en"), hdr("Accept-Language", "fr")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: POST with an empty body", Why: "an empty string is still a body: Content-Type text/plain;charset=UTF-8",
			URL: x, Fetch: post(""), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: POST without a body", URL: x, Fetch: &FetchInit{Method: "POST", OneShot: true}, Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: simple POST, no ACAO on the response", Why: "no preflight; the response's CORS check fails",
			URL: x, Fetch: post(jsonBody, ctText), Eps: eps("s", stream())},
	)

	add("fetch-preflight",
		&Case{Name: "fetch: JSON, preflight allows content-type", Why: "application/json is not safelisted: OPTIONS first",
			URL: x, Fetch: post(jsonBody, ctJSON), Preflight: pf(origin, acah("content-type")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: JSON, preflight without ACAH", Why: "the preflight must list content-type",
			URL: x, Fetch: post(jsonBody, ctJSON), Preflight: pf(origin), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: JSON, ACAH Content-Type (other case)", Why: "header names compare case-insensitively",
			URL: x, Fetch: post(jsonBody, ctJSON), Preflight: pf(origin, acah("Content-Type")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: Authorization, ACAH authorization", Why: "Authorization is never safelisted",
			URL: x, Fetch: post(jsonBody, auth), Preflight: pf(origin, acah("authorization")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: Authorization, ACAH AUTHORIZATION", Why: "letter case of ACAH",
			URL: x, Fetch: post(jsonBody, auth), Preflight: pf(origin, acah("AUTHORIZATION")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: X-Api-Key + JSON, ACAH lists both", Why: "ACRH sorted, lowercased, comma-joined",
			URL: x, Fetch: post(jsonBody, apiKey, ctJSON), Preflight: pf(origin, acah("x-api-key, content-type")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: X-Api-Key + JSON, ACAH lists content-type only", Why: "one unlisted header fails",
			URL: x, Fetch: post(jsonBody, apiKey, ctJSON), Preflight: pf(origin, acah("content-type")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: preflight 200 instead of 204", Why: "any ok status passes",
			URL: x, Fetch: post(jsonBody, ctJSON), Preflight: pf(withStatus(200), origin, acah("content-type")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: same-site cross-origin JSON", Why: "same site is still cross-origin: preflight",
			URL: ep(sameSite, "s"), Fetch: post(jsonBody, ctJSON), Preflight: pf(origin, acah("content-type")), Eps: eps("s", stream(origin))},
	)

	add("fetch-methods",
		&Case{Name: "fetch: PUT, ACAM PUT", URL: x, Fetch: method("PUT", ctText),
			Preflight: pf(origin, acam("PUT")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: PUT, no ACAM", Why: "a non-safelisted method needs ACAM",
			URL: x, Fetch: method("PUT", ctText), Preflight: pf(origin), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: put (lower case), ACAM PUT", Why: "fetch() uppercases put",
			URL: x, Fetch: method("put", ctText), Preflight: pf(origin, acam("PUT")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: PUT, ACAM put", Why: "methods compare byte for byte",
			URL: x, Fetch: method("PUT", ctText), Preflight: pf(origin, acam("put")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: patch (lower case), ACAM PATCH", Why: "patch is not normalised: ACRM patch, ACAM PATCH",
			URL: x, Fetch: method("patch", ctText), Preflight: pf(origin, acam("PATCH")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: patch (lower case), ACAM patch", URL: x, Fetch: method("patch", ctText),
			Preflight: pf(origin, acam("patch")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: PATCH, ACAM PATCH", URL: x, Fetch: method("PATCH", ctText),
			Preflight: pf(origin, acam("PATCH")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: ACAM list with spaces", Why: "list items are trimmed",
			URL: x, Fetch: method("PUT", ctText), Preflight: pf(origin, acam(" GET ,  PUT ")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: ACAM with a non-token item", Why: "Fetch: a list that does not parse fails the preflight",
			URL: x, Fetch: method("PUT", ctText), Preflight: pf(origin, acam("PUT, (bad)")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: ACAH with an empty item", URL: x, Fetch: post(jsonBody, apiKey, ctJSON),
			Preflight: pf(origin, acah("content-type, , x-api-key")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: two ACAH headers", Why: "the values combine into one list",
			URL: x, Fetch: post(jsonBody, apiKey, ctJSON), Preflight: pf(origin, acah("content-type"), acah("x-api-key")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: DELETE, ACAM GET, POST", Why: "an unlisted method fails",
			URL: x, Fetch: &FetchInit{Method: "DELETE", OneShot: true}, Preflight: pf(origin, acam("GET, POST")), Eps: eps("s", stream(origin))},
	)

	add("fetch-wildcard",
		&Case{Name: "fetch: ACAM * without credentials", URL: x, Fetch: method("PUT", ctText),
			Preflight: pf(acao("*"), acam("*")), Eps: eps("s", stream(acao("*")))},
		&Case{Name: "fetch: ACAM * with credentials", Why: "* is a literal method name with credentials",
			URL: x, Fetch: creds("include", method("PUT", ctText)),
			Preflight: pf(cors, acam("*")), Eps: eps("s", stream(cors))},
		&Case{Name: "fetch: ACAH * without credentials", URL: x, Fetch: post(jsonBody, apiKey),
			Preflight: pf(acao("*"), acah("*")), Eps: eps("s", stream(acao("*")))},
		&Case{Name: "fetch: ACAH * with credentials", Why: "* is a literal header name with credentials",
			URL: x, Fetch: creds("include", post(jsonBody, apiKey)),
			Preflight: pf(cors, acah("*")), Eps: eps("s", stream(cors))},
		&Case{Name: "fetch: ACAH * and Authorization", Why: "Fetch: * never covers Authorization; Chromium lets it, and ssecors follows Chromium",
			URL: x, Fetch: post(jsonBody, auth), Preflight: pf(acao("*"), acah("*")), Eps: eps("s", stream(acao("*")))},
		&Case{Name: "fetch: ACAH *, authorization", Why: "Authorization listed beside *",
			URL: x, Fetch: post(jsonBody, auth), Preflight: pf(acao("*"), acah("*, authorization")), Eps: eps("s", stream(acao("*")))},
		&Case{Name: "fetch: preflight ACAO * without credentials", URL: x, Fetch: post(jsonBody, ctJSON),
			Preflight: pf(acao("*"), acah("content-type")), Eps: eps("s", stream(acao("*")))},
	)

	add("fetch-preflight-fail",
		&Case{Name: "fetch: preflight 403", URL: x, Fetch: post(jsonBody, ctJSON),
			Preflight: pf(withStatus(403), origin, acah("content-type")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: preflight 404", URL: x, Fetch: post(jsonBody, ctJSON),
			Preflight: pf(withStatus(404), origin, acah("content-type")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: preflight 500", URL: x, Fetch: post(jsonBody, ctJSON),
			Preflight: pf(withStatus(500), origin, acah("content-type")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: preflight redirect 307", Why: "a preflight is never redirected",
			URL: x, Fetch: post(jsonBody, ctJSON),
			Pre: eps("s", script(redirect(307, ep(crossSite, "s2"), origin, acah("content-type")))),
			Eps: eps("s", stream(origin), "s2", stream(origin))},
		&Case{Name: "fetch: preflight without ACAO", URL: x, Fetch: post(jsonBody, ctJSON),
			Preflight: pf(acah("content-type")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: preflight ACAO other origin", URL: x, Fetch: post(jsonBody, ctJSON),
			Preflight: pf(acao("https://evil.test"), acah("content-type")), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: preflight ACAO * with credentials", URL: x, Fetch: creds("include", post(jsonBody, ctJSON)),
			Preflight: pf(acao("*"), acac("true"), acah("content-type")), Eps: eps("s", stream(cors))},
		&Case{Name: "fetch: preflight without ACAC, credentials", URL: x, Fetch: creds("include", post(jsonBody, ctJSON)),
			Preflight: pf(origin, acah("content-type")), Eps: eps("s", stream(cors))},
		&Case{Name: "fetch: preflight ok, response without ACAO", Why: "the actual response is checked too",
			URL: x, Fetch: post(jsonBody, ctJSON), Preflight: pf(origin, acah("content-type")), Eps: eps("s", stream())},
		&Case{Name: "fetch: preflight ok, response ACAO other origin", URL: x, Fetch: post(jsonBody, ctJSON),
			Preflight: pf(origin, acah("content-type")), Eps: eps("s", stream(acao("https://evil.test")))},
		&Case{Name: "fetch: preflight ok, response ACAO * with credentials", URL: x, Fetch: creds("include", post(jsonBody, ctJSON)),
			Preflight: pf(cors, acah("content-type")), Eps: eps("s", stream(acao("*"), acac("true")))},
	)

	jsonRe := func() *FetchInit { return reconnecting(post(jsonBody, ctJSON)) }
	add("fetch-cache",
		&Case{Name: "fetch: preflight cache, no Max-Age (5 s)", Why: "the second fetch 100 ms later reuses the preflight",
			URL: x, Fetch: jsonRe(), Preflight: pf(origin, acah("content-type")), Eps: eps("s", twice("", "100", origin))},
		&Case{Name: "fetch: Max-Age 600, second fetch", URL: x, Fetch: jsonRe(),
			Preflight: pf(origin, acah("content-type"), maxAge("600")), Eps: eps("s", twice("", "100", origin))},
		&Case{Name: "fetch: Max-Age 1, second fetch after 1.5 s", Why: "the entry has expired: a new preflight",
			URL: x, Fetch: jsonRe(), Preflight: pf(origin, acah("content-type"), maxAge("1")), Eps: eps("s", twice("", "1500", origin))},
		&Case{Name: "fetch: Max-Age 0", Why: "no caching: a preflight before each fetch",
			URL: x, Fetch: jsonRe(), Preflight: pf(origin, acah("content-type"), maxAge("0")), Eps: eps("s", twice("", "100", origin))},
		&Case{Name: "fetch: Max-Age 86400000 (capped at 2 h)", Why: "a huge value is accepted (and capped): cached",
			URL: x, Fetch: jsonRe(), Preflight: pf(origin, acah("content-type"), maxAge("86400000")), Eps: eps("s", twice("", "100", origin))},
		&Case{Name: "fetch: Max-Age -1", Why: "not a valid delta-seconds",
			URL: x, Fetch: jsonRe(), Preflight: pf(origin, acah("content-type"), maxAge("-1")), Eps: eps("s", twice("", "100", origin))},
		&Case{Name: "fetch: Max-Age 1.5", Why: "not delta-seconds",
			URL: x, Fetch: jsonRe(), Preflight: pf(origin, acah("content-type"), maxAge("1.5")), Eps: eps("s", twice("", "100", origin))},
		&Case{Name: "fetch: Max-Age abc", Why: "not a number",
			URL: x, Fetch: jsonRe(), Preflight: pf(origin, acah("content-type"), maxAge("abc")), Eps: eps("s", twice("", "100", origin))},
	)

	add("fetch-last-event-id",
		&Case{Name: "fetch: reconnect with id, ACAH without last-event-id", Why: "Last-Event-ID is not safelisted: the reconnect's preflight fails",
			URL: x, Fetch: jsonRe(), Preflight: pf(origin, acah("content-type")), Eps: eps("s", twice("e1", "100", origin))},
		&Case{Name: "fetch: reconnect with id, ACAH with last-event-id", Why: "the first preflight's entry already allows last-event-id: no second preflight",
			URL: x, Fetch: jsonRe(), Preflight: pf(origin, acah("content-type, last-event-id")), Eps: eps("s", twice("e1", "100", origin))},
		&Case{Name: "fetch: simple POST, reconnect with id", Why: "no preflight first, one on the reconnect",
			URL: x, Fetch: reconnecting(post(jsonBody, ctText)), Preflight: pf(origin, acah("last-event-id")), Eps: eps("s", twice("e1", "100", origin))},
		&Case{Name: "fetch: simple POST, reconnect with id, no ACAH", URL: x, Fetch: reconnecting(post(jsonBody, ctText)),
			Preflight: pf(origin), Eps: eps("s", twice("e1", "100", origin))},
		&Case{Name: "fetch: header per attempt (WithHeaderFunc)", Why: "a token refreshed per fetch; the preflight cache covers the header name",
			URL: x, Fetch: &FetchInit{Method: "POST", Body: ptr(jsonBody), AttemptHeader: "X-Attempt"},
			Preflight: pf(origin, acah("x-attempt")), Eps: eps("s", twice("", "100", origin))},
		&Case{Name: "fetch: same-origin reconnect with id", Why: "same-origin: never a preflight",
			URL: ep(pageOrigin, "s"), Fetch: jsonRe(), Eps: eps("s", twice("e1", "100"))},
	)

	add("fetch-credentials",
		&Case{Name: "fetch: omit, same-origin, cookies primed", Why: "omit sends no cookie even same-origin",
			URL: ep(pageOrigin, "s"), Fetch: creds("omit", post(jsonBody)), Cookies: primeFour(pageOrigin), Eps: eps("s", stream())},
		&Case{Name: "fetch: same-origin mode, same-origin", URL: ep(pageOrigin, "s"), Fetch: creds("same-origin", post(jsonBody)),
			Cookies: primeFour(pageOrigin), Eps: eps("s", stream())},
		&Case{Name: "fetch: default mode, same-site other origin", Why: "same-origin mode: no cookies cross-origin",
			URL: ep(sameSite, "s"), Fetch: post(jsonBody), Cookies: primeFour(sameSite), Eps: eps("s", stream(origin))},
		&Case{Name: "fetch: include, same-site", URL: ep(sameSite, "s"), Fetch: creds("include", post(jsonBody)),
			Cookies: primeFour(sameSite), Policies: true, Eps: eps("s", stream(cors))},
		&Case{Name: "fetch: include, cross-site", URL: x, Fetch: creds("include", post(jsonBody)),
			Cookies: primeFour(crossSite), Policies: true, Eps: eps("s", stream(cors))},
		&Case{Name: "fetch: include, cross-site, preflighted", Why: "the preflight carries no cookie",
			URL: x, Fetch: creds("include", post(jsonBody, ctJSON)), Cookies: primeFour(crossSite), Policies: true,
			Preflight: pf(cors, acah("content-type")), Eps: eps("s", stream(cors))},
		&Case{Name: "fetch: omit, cross-site, ACAO *", Why: "omit allows * and sends no cookie",
			URL: x, Fetch: creds("omit", post(jsonBody)), Cookies: primeFour(crossSite), Policies: true, Eps: eps("s", stream(acao("*")))},
		&Case{Name: "fetch: include, no ACAC on the response", URL: x, Fetch: creds("include", post(jsonBody)),
			Eps: eps("s", stream(origin))},
	)

	add("fetch-set-cookie",
		&Case{Name: "fetch: Set-Cookie, omit, same-origin", URL: ep(pageOrigin, "s"), Fetch: creds("omit", post(jsonBody)),
			Eps: eps("s", stream(setCookie(setFive...)))},
		&Case{Name: "fetch: Set-Cookie, same-origin mode, same-origin", URL: ep(pageOrigin, "s"), Fetch: post(jsonBody),
			Eps: eps("s", stream(setCookie(setFive...)))},
		&Case{Name: "fetch: Set-Cookie, same-origin mode, same-site", URL: ep(sameSite, "s"), Fetch: post(jsonBody),
			Eps: eps("s", stream(origin, setCookie(setFive...)))},
		&Case{Name: "fetch: Set-Cookie, omit, cross-site", URL: x, Fetch: creds("omit", post(jsonBody)),
			Policies: true, Eps: eps("s", stream(acao("*"), setCookie(setFive...)))},
		&Case{Name: "fetch: Set-Cookie, include, same-site", URL: ep(sameSite, "s"), Fetch: creds("include", post(jsonBody)),
			Policies: true, Eps: eps("s", stream(cors, setCookie(setFive...)))},
		&Case{Name: "fetch: Set-Cookie, include, cross-site", URL: x, Fetch: creds("include", post(jsonBody)),
			Policies: true, Eps: eps("s", stream(cors, setCookie(setFive...)))},
	)

	add("fetch-redirect",
		&Case{Name: "fetch: 303 after POST", Why: "303 turns a POST into a GET without a body",
			URL: ep(crossSite, "r"), Fetch: post(jsonBody, ctText),
			Eps: eps("r", script(redirect(303, ep(crossSite, "s"), origin)), "s", stream(origin))},
		&Case{Name: "fetch: 302 after POST", Why: "so does 302 (and 301)",
			URL: ep(crossSite, "r"), Fetch: post(jsonBody, ctText),
			Eps: eps("r", script(redirect(302, ep(crossSite, "s"), origin)), "s", stream(origin))},
		&Case{Name: "fetch: 307 keeps POST and body", URL: ep(crossSite, "r"), Fetch: post(jsonBody, ctText),
			Eps: eps("r", script(redirect(307, ep(crossSite, "s"), origin)), "s", stream(origin))},
		&Case{Name: "fetch: 303 after a preflighted JSON POST", Why: "the GET drops the body and Content-Type: simple, no second preflight",
			URL: ep(crossSite, "r"), Fetch: post(jsonBody, ctJSON), Preflight: pf(origin, acah("content-type")),
			Eps: eps("r", script(redirect(303, ep(crossSite, "s"), origin)), "s", stream(origin))},
		&Case{Name: "fetch: 303 after POST with X-Api-Key", Why: "the page's other headers survive the redirect: preflight at the target",
			URL: ep(crossSite, "r"), Fetch: post(jsonBody, apiKey), Preflight: pf(origin, acah("x-api-key")),
			Eps: eps("r", script(redirect(303, ep(crossSite, "s"), origin)), "s", stream(origin))},
		&Case{Name: "fetch: 303 after PUT", Why: "303 turns any method but GET/HEAD into GET",
			URL: ep(crossSite, "r"), Fetch: method("PUT", ctText), Preflight: pf(origin, acam("PUT")),
			Eps: eps("r", script(redirect(303, ep(crossSite, "s"), origin)), "s", stream(origin))},
		&Case{Name: "fetch: 308 after preflight, same origin", Why: "a new URL: a new preflight",
			URL: ep(crossSite, "r"), Fetch: post(jsonBody, ctJSON), Preflight: pf(origin, acah("content-type")),
			Eps: eps("r", script(redirect(308, ep(crossSite, "s"), origin)), "s", stream(origin))},
		&Case{Name: "fetch: 307 after preflight, to another origin", Why: "the origin becomes null; preflight again",
			URL: ep(crossSite, "r"), Fetch: post(jsonBody, ctJSON), Preflight: pf(origin, acah("content-type")),
			Eps: eps("r", script(redirect(307, ep(crossSite2, "s"), origin)), "s", stream(origin))},
		&Case{Name: "fetch: redirect to a URL with credentials", Why: "Fetch: a CORS redirect to user:pass@ is a network error",
			URL: ep(crossSite, "r"), Fetch: post(jsonBody, ctText),
			Eps: eps("r", script(redirect(307, "https://u:p@api.other.test{run}/e/s", origin)), "s", stream(origin))},
		&Case{Name: "fetch: same-origin 307 to cross-origin without CORS", URL: ep(pageOrigin, "r"), Fetch: post(jsonBody, ctText),
			Eps: eps("r", script(redirect(307, ep(crossSite, "s"))), "s", stream())},
		&Case{Name: "fetch: Authorization after a cross-origin redirect", Why: "Fetch removes Authorization once the redirect changes origin",
			URL: ep(pageOrigin, "r"), Fetch: &FetchInit{Headers: [][2]string{auth}, OneShot: true}, Preflight: pf(origin, acah("authorization")),
			Eps: eps("r", script(redirect(307, ep(crossSite, "s"))), "s", stream(origin))},
		&Case{Name: "fetch: Authorization, 307 within the other origin", Why: "same origin as the previous hop: Authorization kept",
			URL: ep(crossSite, "r"), Fetch: &FetchInit{Headers: [][2]string{auth}, OneShot: true}, Preflight: pf(origin, acah("authorization")),
			Eps: eps("r", script(redirect(307, ep(crossSite, "s"), origin)), "s", stream(origin))},
		&Case{Name: "fetch: same-origin JSON POST, 307 to another origin", Why: "the redirected request is cross-origin and not simple: preflight there",
			URL: ep(pageOrigin, "r"), Fetch: post(jsonBody, ctJSON), Preflight: pf(origin, acah("content-type")),
			Eps: eps("r", script(redirect(307, ep(crossSite, "s"))), "s", stream(origin))},
		&Case{Name: "fetch: simple POST, 307 to a third origin", Why: "cross-origin to another origin: Origin null, still no preflight",
			URL: ep(crossSite, "r"), Fetch: post(jsonBody, ctText),
			Eps: eps("r", script(redirect(307, ep(sameSite, "s"), origin)), "s", stream(origin))},
		&Case{Name: "fetch: simple POST, 307 back to the page's origin", Why: "once CORS, the request stays CORS: the origin is tainted",
			URL: ep(crossSite, "r"), Fetch: post(jsonBody, ctText),
			Eps: eps("r", script(redirect(307, ep(pageOrigin, "s"), origin)), "s", stream(origin))},
		&Case{Name: "fetch: 301 after POST", URL: ep(crossSite, "r"), Fetch: post(jsonBody, ctText),
			Eps: eps("r", script(redirect(301, ep(crossSite, "s"), origin)), "s", stream(origin))},
		&Case{Name: "fetch: redirect without ACAO", Why: "the redirect response is CORS-checked",
			URL: ep(crossSite, "r"), Fetch: post(jsonBody, ctText),
			Eps: eps("r", script(redirect(307, ep(crossSite, "s"))), "s", stream(origin))},
	)

	add("fetch-same-origin",
		&Case{Name: "fetch: same-origin POST JSON", Why: "no preflight; Origin?",
			URL: ep(pageOrigin, "s"), Fetch: post(jsonBody, ctJSON), Eps: eps("s", stream())},
		&Case{Name: "fetch: same-origin GET", URL: ep(pageOrigin, "s"), Fetch: &FetchInit{OneShot: true}, Eps: eps("s", stream())},
		&Case{Name: "fetch: same-origin PUT with Authorization", URL: ep(pageOrigin, "s"), Fetch: method("PUT", auth),
			Eps: eps("s", stream())},
		&Case{Name: "fetch: same-origin, custom Accept", Why: "the page's Accept is kept",
			URL: ep(pageOrigin, "s"), Fetch: post(jsonBody, hdr("Accept", "text/event-stream, application/json")), Eps: eps("s", stream())},
	)

	xt := header("X-Trace", "t1")
	add("fetch-expose",
		&Case{Name: "fetch: no ACEH", Why: "only safelisted response headers are readable",
			URL: x, Fetch: post(jsonBody), Eps: eps("s", stream(origin, xt, header("Content-Language", "en")))},
		&Case{Name: "fetch: ACEH X-Trace", URL: x, Fetch: post(jsonBody), Eps: eps("s", stream(origin, xt, aceh("X-Trace")))},
		&Case{Name: "fetch: ACEH * without credentials", URL: x, Fetch: post(jsonBody), Eps: eps("s", stream(origin, xt, aceh("*")))},
		&Case{Name: "fetch: ACEH * with credentials", Why: "* is a literal name with credentials",
			URL: x, Fetch: creds("include", post(jsonBody)), Eps: eps("s", stream(cors, xt, aceh("*")))},
		&Case{Name: "fetch: ACEH set-cookie", Why: "Set-Cookie is never readable",
			URL: x, Fetch: post(jsonBody), Eps: eps("s", stream(origin, setCookie("a=1"), aceh("Set-Cookie, x-trace"), xt))},
		&Case{Name: "fetch: ACEH with a non-token item", Why: "does one bad item hide the whole list?",
			URL: x, Fetch: post(jsonBody), Eps: eps("s", stream(origin, xt, aceh("X-Trace, (bad)")))},
		&Case{Name: "fetch: two ACEH headers", URL: x, Fetch: post(jsonBody),
			Eps: eps("s", stream(origin, xt, header("X-Other", "o"), aceh("X-Trace"), aceh("x-other")))},
		&Case{Name: "fetch: same-origin, every header readable", URL: ep(pageOrigin, "s"), Fetch: post(jsonBody),
			Eps: eps("s", stream(xt, setCookie("a=1")))},
	)

	add("fetch-response",
		&Case{Name: "fetch: 200 text/html", URL: x, Fetch: post(jsonBody), Eps: eps("s", stream(origin, ctype("text/html")))},
		&Case{Name: "fetch: 201 event-stream", Why: "any ok status", URL: x, Fetch: post(jsonBody), Eps: eps("s", script(status(201, origin)))},
		&Case{Name: "fetch: 500 with CORS", URL: x, Fetch: post(jsonBody), Eps: eps("s", script(status(500, origin)))},
		&Case{Name: "fetch: 401 without CORS", Why: "CORS fails before the status is seen",
			URL: x, Fetch: post(jsonBody), Eps: eps("s", script(status(401)))},
		&Case{Name: "fetch: charset=windows-1252", Why: "a page decodes the body itself",
			URL: x, Fetch: post(jsonBody), Eps: eps("s", stream(origin, ctype("text/event-stream; charset=windows-1252")))},
		&Case{Name: "fetch: event types, ids, comments, CRLF", Why: "the stream format over fetch: every event reaches the page's onmessage",
			URL: x, Fetch: post(jsonBody), Types: []string{"update"},
			Eps: eps("s", stream(origin, func(r *Resp) {
				r.Body = "\ufeff: hello\r\nevent: update\r\ndata: x\r\ndata: y\r\nid: 7\r\n\r\ndata: plain\r\n\r\nid\r\ndata: reset\n\ndata: partial"
			}))},
		&Case{Name: "fetch: one-shot body cut", Why: "a network error mid-body",
			URL: x, Fetch: post(jsonBody), Eps: eps("s", script(sse(oneEv, origin, then(Abort))))},
		&Case{Name: "fetch: network error before the response", Why: "the connection is reset before any header",
			URL: x, Fetch: reconnecting(post(jsonBody)), Eps: eps("s", script(Resp{Then: AbortBeforeHeaders}, sse("retry: 100\n"+oneEv, origin), Resp{Status: 204, Header: [][2]string{{"Access-Control-Allow-Origin", "{origin}"}}}))},
		&Case{Name: "fetch: reconnecting, body cut", Why: "the stream reconnects, body replayed",
			URL: x, Fetch: reconnecting(post(jsonBody)), Eps: eps("s", script(sse("retry: 100\n"+oneEv, origin, then(Abort)), Resp{Status: 204, Header: [][2]string{{"Access-Control-Allow-Origin", "{origin}"}}}))},
	)
	return cs
}
