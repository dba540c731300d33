package ssecors_test

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/ssecors/ssecors-go/ssecors"
)

const corsPageOrigin = "https://app.example"

// corsHeader builds a response header with each Access-Control-Allow-Origin
// and Access-Control-Allow-Credentials value as a header line of its own;
// nil means absent.
func corsHeader(acao, acac []string) http.Header {
	h := http.Header{}
	for _, v := range acao {
		h.Add("Access-Control-Allow-Origin", v)
	}
	for _, v := range acac {
		h.Add("Access-Control-Allow-Credentials", v)
	}
	return h
}

// TestCheckCORS is the one table of CORS failures: every row of
// BROWSER-RULES 3.5-3.20, plus the tailored causes, with the rule and the
// exact Fix wording pinned.
func TestCheckCORS(t *testing.T) {
	t.Parallel()
	const taintFixNoCred = `the request's Origin is "null" because a redirect through another origin tainted it (Fetch redirect-taint), or because the page's origin is opaque: the final server must answer "Access-Control-Allow-Origin: null" (or "Access-Control-Allow-Origin: *"); better, point the client at the final URL so that no cross-origin redirect happens`
	const taintFixCred = `the request's Origin is "null" because a redirect through another origin tainted it (Fetch redirect-taint), or because the page's origin is opaque: the final server must answer "Access-Control-Allow-Origin: null" and "Access-Control-Allow-Credentials: true"; better, point the client at the final URL so that no cross-origin redirect happens`
	tests := []struct {
		name       string
		origin     string // the request's Origin
		cred       bool
		acao, acac []string
		wantRule   ssecors.Rule // "" means the check passes
		wantDetail []string
		wantFix    string
	}{
		// 3.5-3.8: passes.
		{name: "3.5 no cred, wildcard", origin: corsPageOrigin, acao: []string{"*"}},
		{name: "3.6 no cred, exact origin", origin: corsPageOrigin, acao: []string{corsPageOrigin}},
		{name: "3.7 no cred, ACAC ignored", origin: corsPageOrigin, acao: []string{corsPageOrigin}, acac: []string{"true"}},
		{name: "3.7 no cred, bad ACAC ignored", origin: corsPageOrigin, acao: []string{corsPageOrigin}, acac: []string{"True"}},
		{name: "3.8 cred, exact origin and ACAC true", origin: corsPageOrigin, cred: true, acao: []string{corsPageOrigin}, acac: []string{"true"}},

		// 3.9: the wildcard with credentials.
		{
			name: "3.9 cred, wildcard", origin: corsPageOrigin, cred: true,
			acao: []string{"*"}, acac: []string{"true"},
			wantRule:   ssecors.RuleAllowOriginWildcard,
			wantDetail: []string{`"*"`, `"include"`},
			wantFix:    `Access-Control-Allow-Origin is '*' but the request carries credentials: echo the origin instead and add Access-Control-Allow-Credentials: true; send "Access-Control-Allow-Origin: https://app.example", "Access-Control-Allow-Credentials: true" and "Vary: Origin"`,
		},

		// 3.10, 3.11 and other Access-Control-Allow-Credentials values.
		{
			name: "3.10 cred, ACAC missing", origin: corsPageOrigin, cred: true,
			acao:       []string{corsPageOrigin},
			wantRule:   ssecors.RuleAllowCredentials,
			wantDetail: []string{"no Access-Control-Allow-Credentials"},
			wantFix:    `add "Access-Control-Allow-Credentials: true" next to "Access-Control-Allow-Origin: https://app.example", or drop WithCredentials if the stream needs no cookies`,
		},
		{
			name: "3.11 cred, ACAC True", origin: corsPageOrigin, cred: true,
			acao: []string{corsPageOrigin}, acac: []string{"True"},
			wantRule:   ssecors.RuleAllowCredentials,
			wantDetail: []string{`"True"`, "case-sensitive"},
			wantFix:    `send "Access-Control-Allow-Credentials: true" in lowercase`,
		},
		{
			name: "cred, ACAC twice", origin: corsPageOrigin, cred: true,
			acao: []string{corsPageOrigin}, acac: []string{"true", "true"},
			wantRule:   ssecors.RuleAllowCredentials,
			wantDetail: []string{`"true, true"`},
			wantFix:    `send "Access-Control-Allow-Credentials: true" exactly once (check that a proxy or framework does not add a second copy)`,
		},
		{
			name: "cred, ACAC false", origin: corsPageOrigin, cred: true,
			acao: []string{corsPageOrigin}, acac: []string{"false"},
			wantRule:   ssecors.RuleAllowCredentials,
			wantDetail: []string{`"false"`},
			wantFix:    `send "Access-Control-Allow-Credentials: true" (the only accepted value), or drop WithCredentials if the stream needs no cookies`,
		},

		// 3.12: no Access-Control-Allow-Origin.
		{
			name: "3.12 no ACAO", origin: corsPageOrigin,
			wantRule:   ssecors.RuleAllowOriginMissing,
			wantDetail: []string{"no Access-Control-Allow-Origin"},
			wantFix:    `add "Access-Control-Allow-Origin: https://app.example" (or "Access-Control-Allow-Origin: *" for a public stream)`,
		},
		{
			name: "3.12 cred, no ACAO", origin: corsPageOrigin, cred: true, acac: []string{"true"},
			wantRule:   ssecors.RuleAllowOriginMissing,
			wantDetail: []string{"no Access-Control-Allow-Origin"},
			wantFix:    `add "Access-Control-Allow-Origin: https://app.example" and "Access-Control-Allow-Credentials: true"`,
		},

		// 3.13-3.16: a single value that is not the origin.
		{
			name: "3.13 different origin", origin: corsPageOrigin, acao: []string{"http://example.org"},
			wantRule:   ssecors.RuleAllowOriginMismatch,
			wantDetail: []string{`"http://example.org"`, `"https://app.example"`, "a different origin"},
			wantFix:    `send "Access-Control-Allow-Origin: https://app.example"; if the server allows several origins, echo the request's Origin when it is on your allow list and add "Vary: Origin"`,
		},
		{
			name: "3.14 empty value", origin: corsPageOrigin, acao: []string{""},
			wantRule:   ssecors.RuleAllowOriginMismatch,
			wantDetail: []string{"present but empty"},
			wantFix:    `set it to the request's Origin: send "Access-Control-Allow-Origin: https://app.example"`,
		},
		{
			name: "3.15 trailing slash", origin: corsPageOrigin, acao: []string{corsPageOrigin + "/"},
			wantRule:   ssecors.RuleAllowOriginMismatch,
			wantDetail: []string{`"https://app.example/"`, "byte for byte"},
			wantFix:    `remove the trailing slash: send "Access-Control-Allow-Origin: https://app.example"`,
		},
		{
			name: "3.16 host case", origin: corsPageOrigin, acao: []string{"https://APP.example"},
			wantRule:   ssecors.RuleAllowOriginMismatch,
			wantDetail: []string{`"https://APP.example"`},
			wantFix:    `write it in lowercase (the case differs): send "Access-Control-Allow-Origin: https://app.example"`,
		},
		{
			name: "3.16 scheme case", origin: corsPageOrigin, acao: []string{"HTTPS://app.example"},
			wantRule:   ssecors.RuleAllowOriginMismatch,
			wantDetail: []string{`"HTTPS://app.example"`},
			wantFix:    `write it in lowercase (the case differs): send "Access-Control-Allow-Origin: https://app.example"`,
		},
		{
			name: "3.16 explicit default port", origin: corsPageOrigin, acao: []string{"https://app.example:443"},
			wantRule:   ssecors.RuleAllowOriginMismatch,
			wantDetail: []string{`"https://app.example:443"`},
			wantFix:    `remove the explicit default port :443: send "Access-Control-Allow-Origin: https://app.example"`,
		},
		{
			name: "slash, case and port together, cred", origin: corsPageOrigin, cred: true,
			acao: []string{"https://App.example:443/"}, acac: []string{"true"},
			wantRule:   ssecors.RuleAllowOriginMismatch,
			wantDetail: []string{`"https://App.example:443/"`},
			wantFix:    `remove the trailing slash, write it in lowercase (the case differs), remove the explicit default port :443: send "Access-Control-Allow-Origin: https://app.example" and "Access-Control-Allow-Credentials: true"`,
		},
		{
			name: "a path", origin: corsPageOrigin, acao: []string{corsPageOrigin + "/events"},
			wantRule:   ssecors.RuleAllowOriginMismatch,
			wantDetail: []string{`"https://app.example/events"`},
			wantFix:    `remove the path: an origin is scheme, host and port only: send "Access-Control-Allow-Origin: https://app.example"`,
		},
		{
			name: "http instead of https", origin: corsPageOrigin, acao: []string{"http://app.example"},
			wantRule:   ssecors.RuleAllowOriginMismatch,
			wantDetail: []string{`"http://app.example"`, "a different origin"},
			wantFix:    `send "Access-Control-Allow-Origin: https://app.example"; if the server allows several origins, echo the request's Origin when it is on your allow list and add "Vary: Origin"`,
		},

		// 3.17: two header lines, or a list.
		{
			name: "3.17 two header lines", origin: corsPageOrigin, acao: []string{corsPageOrigin, corsPageOrigin},
			wantRule:   ssecors.RuleAllowOriginMultiple,
			wantDetail: []string{`"https://app.example, https://app.example"`, "2 times"},
			wantFix:    `send exactly one origin; echo the request's Origin if you allow several: "Access-Control-Allow-Origin: https://app.example" with "Vary: Origin" (the header was sent more than once: check that the application and a proxy or framework do not both add it)`,
		},
		{
			name: "3.17 a list, cred", origin: corsPageOrigin, cred: true,
			acao: []string{corsPageOrigin + ", https://b.example"}, acac: []string{"true"},
			wantRule:   ssecors.RuleAllowOriginMultiple,
			wantDetail: []string{`"https://app.example, https://b.example"`},
			wantFix:    `send exactly one origin; echo the request's Origin if you allow several: "Access-Control-Allow-Origin: https://app.example" with "Vary: Origin" and "Access-Control-Allow-Credentials: true"`,
		},
		{
			name: "3.17 wildcard twice", origin: corsPageOrigin, acao: []string{"*", "*"},
			wantRule:   ssecors.RuleAllowOriginMultiple,
			wantDetail: []string{`"*, *"`},
			wantFix:    `send exactly one origin; echo the request's Origin if you allow several: "Access-Control-Allow-Origin: https://app.example" with "Vary: Origin" (the header was sent more than once: check that the application and a proxy or framework do not both add it)`,
		},

		// 3.18, 3.19: "null".
		{name: "3.18 tainted, ACAO null", origin: "null", acao: []string{"null"}},
		{name: "3.18 tainted, cred, ACAO null and ACAC true", origin: "null", cred: true, acao: []string{"null"}, acac: []string{"true"}},
		{name: "3.18 tainted, wildcard", origin: "null", acao: []string{"*"}},
		{
			name: "3.18 tainted, cred, wildcard", origin: "null", cred: true,
			acao: []string{"*"}, acac: []string{"true"},
			wantRule:   ssecors.RuleAllowOriginWildcard,
			wantDetail: []string{`"*"`},
			wantFix:    `Access-Control-Allow-Origin is '*' but the request carries credentials: echo the origin instead and add Access-Control-Allow-Credentials: true; send "Access-Control-Allow-Origin: null", "Access-Control-Allow-Credentials: true" and "Vary: Origin"`,
		},
		{
			name: "3.18 tainted, ACAO is the page origin", origin: "null", acao: []string{corsPageOrigin},
			wantRule:   ssecors.RuleAllowOriginMismatch,
			wantDetail: []string{`"https://app.example"`, `Origin is "null"`},
			wantFix:    taintFixNoCred,
		},
		{
			name: "3.18 tainted, cred, ACAO is the page origin", origin: "null", cred: true,
			acao: []string{corsPageOrigin}, acac: []string{"true"},
			wantRule:   ssecors.RuleAllowOriginMismatch,
			wantDetail: []string{`"https://app.example"`},
			wantFix:    taintFixCred,
		},
		{
			name: "3.18 tainted, no ACAO", origin: "null",
			wantRule:   ssecors.RuleAllowOriginMissing,
			wantDetail: []string{"no Access-Control-Allow-Origin"},
			wantFix:    taintFixNoCred,
		},
		{
			name: "3.19 untainted, ACAO null", origin: corsPageOrigin, acao: []string{"null"},
			wantRule:   ssecors.RuleAllowOriginMismatch,
			wantDetail: []string{`"null"`, "not redirected"},
			wantFix:    `send "Access-Control-Allow-Origin: https://app.example"; allowing "null" would also admit sandboxed pages and data: URLs`,
		},

		// 3.20: the CORS check passes; the status is the engine's concern.
		{name: "3.20 CORS passes whatever the status", origin: corsPageOrigin, acao: []string{corsPageOrigin}},

		// Hostile bytes are quoted, never written raw.
		{
			name: "hostile value", origin: corsPageOrigin, acao: []string{"https://evil.example\r\nX-Injected: 1"},
			wantRule:   ssecors.RuleAllowOriginMismatch,
			wantDetail: []string{`"https://evil.example\r\nX-Injected: 1"`},
			wantFix:    `send "Access-Control-Allow-Origin: https://app.example"; if the server allows several origins, echo the request's Origin when it is on your allow list and add "Vary: Origin"`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := corsHeader(tc.acao, tc.acac)
			got := ssecors.CheckCORS(h, tc.origin, tc.cred)
			if tc.wantRule == "" {
				if got != nil {
					t.Fatalf("got %v, want success", got)
				}
				return
			}
			if got == nil {
				t.Fatalf("got success, want rule %q", tc.wantRule)
			}
			if got.Rule != tc.wantRule {
				t.Errorf("Rule: got %q, want %q", got.Rule, tc.wantRule)
			}
			if got.Fix != tc.wantFix {
				t.Errorf("Fix:\ngot  %q\nwant %q", got.Fix, tc.wantFix)
			}
			for _, want := range tc.wantDetail {
				if !strings.Contains(got.Detail, want) {
					t.Errorf("Detail %q does not contain %q", got.Detail, want)
				}
			}
			if got.Origin != tc.origin || got.Credentials != tc.cred {
				t.Errorf("Origin, Credentials: got %q, %v, want %q, %v", got.Origin, got.Credentials, tc.origin, tc.cred)
			}
			if !reflect.DeepEqual(got.AllowOrigin, tc.acao) {
				t.Errorf("AllowOrigin: got %q, want %q", got.AllowOrigin, tc.acao)
			}
			if got.Op != http.MethodGet || got.URL != "" {
				t.Errorf("Op, URL: got %q, %q, want GET and the URL left to the caller", got.Op, got.URL)
			}
			got.URL = "https://api.example/events"
			msg := got.Error()
			if strings.ContainsAny(msg, "\r\n") {
				t.Errorf("message has a raw line break: %q", msg)
			}
			var ce *ssecors.BlockedError
			if !errors.As(error(got), &ce) {
				t.Errorf("errors.As(%T) failed", got)
			}
		})
	}
}

// TestCheckCORS_combinesHeaderLines checks that the value is got the Fetch
// way: an Access-Control-Allow-Origin in two lines, one of them empty, is
// a list and not the origin.
func TestCheckCORS_combinesHeaderLines(t *testing.T) {
	t.Parallel()
	h := corsHeader([]string{corsPageOrigin, ""}, nil)
	got := ssecors.CheckCORS(h, corsPageOrigin, false)
	if got == nil || got.Rule != ssecors.RuleAllowOriginMultiple {
		t.Fatalf("got %v, want rule %q", got, ssecors.RuleAllowOriginMultiple)
	}
}

func TestRedirectTaint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		page       string
		urls       []string // the request's URL list
		wantTaint  string
		wantOrigin string
	}{
		{
			name: "no redirect, cross-origin", page: corsPageOrigin,
			urls:      []string{"https://api.example/events"},
			wantTaint: "same-origin", wantOrigin: corsPageOrigin,
		},
		{
			name: "3.23 same-origin to cross-origin", page: corsPageOrigin,
			urls:      []string{"https://app.example/start", "https://api.example/events"},
			wantTaint: "same-origin", wantOrigin: corsPageOrigin,
		},
		{
			name: "cross-origin redirect within one origin", page: corsPageOrigin,
			urls:      []string{"https://api.example/a", "https://api.example/b"},
			wantTaint: "same-origin", wantOrigin: corsPageOrigin,
		},
		{
			name: "3.25 cross-origin to another cross-site origin", page: corsPageOrigin,
			urls:      []string{"https://s1.test/a", "https://s2.test/b"},
			wantTaint: "cross-site", wantOrigin: "null",
		},
		{
			name: "3.26 cross-origin back to the page's origin", page: corsPageOrigin,
			urls:      []string{"https://s1.test/a", "https://app.example/b"},
			wantTaint: "cross-site", wantOrigin: "null",
		},
		{
			name: "cross-site taint is final", page: corsPageOrigin,
			urls:      []string{"https://s1.test/a", "https://s2.test/b", "https://s2.test/c", "https://app.example/d"},
			wantTaint: "cross-site", wantOrigin: "null",
		},
		{
			name: "same-site chain from a same-site page", page: "https://app.example.com",
			urls:      []string{"https://api.example.com/a", "https://cdn.example.com/b"},
			wantTaint: "same-site", wantOrigin: "null",
		},
		{
			name: "same-site hop after a hop from the page's origin", page: "https://app.example.com",
			urls:      []string{"https://app.example.com/a", "https://api.example.com/b"},
			wantTaint: "same-origin", wantOrigin: "https://app.example.com",
		},
		{
			name: "same-site hop from a cross-site URL", page: corsPageOrigin,
			urls:      []string{"https://api.example.com/a", "https://cdn.example.com/b"},
			wantTaint: "same-site", wantOrigin: "null",
		},
		{
			name: "cross-site hop from a URL same-site with the page", page: "https://app.example.com",
			urls:      []string{"https://api.example.com/a", "https://other.test/b"},
			wantTaint: "same-site", wantOrigin: "null",
		},
		{
			name: "same-site chain ending cross-site stays same-site", page: "https://app.example.com",
			urls:      []string{"https://api.example.com/a", "https://cdn.example.com/b", "https://other.test/c"},
			wantTaint: "same-site", wantOrigin: "null",
		},
		{
			name: "same-site then cross-site", page: "https://app.example.com",
			urls:      []string{"https://api.example.com/a", "https://other.test/b", "https://third.test/c"},
			wantTaint: "cross-site", wantOrigin: "null",
		},
		{
			name: "http to https of the page's host is cross-site", page: "https://example.com",
			urls:      []string{"http://example.com/a", "https://example.com/b"},
			wantTaint: "cross-site", wantOrigin: "null",
		},
		{
			name: "default port spelled out is the same origin", page: corsPageOrigin,
			urls:      []string{"https://api.example:443/a", "https://api.example/b"},
			wantTaint: "same-origin", wantOrigin: corsPageOrigin,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			gotTaint, gotOrigin := ssecors.RedirectTaint(tc.page, tc.urls...)
			if gotTaint != tc.wantTaint {
				t.Errorf("taint: got %q, want %q", gotTaint, tc.wantTaint)
			}
			if gotOrigin != tc.wantOrigin {
				t.Errorf("Origin: got %q, want %q", gotOrigin, tc.wantOrigin)
			}
		})
	}
}
