package ssetest_test

import (
	"net/http"
	"testing"

	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

const appOrigin = "https://app.example.test"

func TestServer_CORS_actualResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cors     *ssetest.CORS
		origin   string
		wantACAO []string
		wantACAC []string
	}{
		{"nil CORS", nil, appOrigin, nil, nil},
		{"echo", &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}}, appOrigin, []string{appOrigin}, nil},
		{"echo without Origin", &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}}, "", nil, nil},
		{"star", &ssetest.CORS{AllowOrigin: []string{"*"}}, appOrigin, []string{"*"}, nil},
		{"two lines", &ssetest.CORS{AllowOrigin: []string{appOrigin, "*"}}, appOrigin, []string{appOrigin, "*"}, nil},
		{"verbatim", &ssetest.CORS{AllowOrigin: []string{"https://APP.example.test/"}, AllowCredentials: "TRUE"},
			appOrigin, []string{"https://APP.example.test/"}, []string{"TRUE"}},
		{"credentials", &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}, AllowCredentials: "true"},
			"null", []string{"null"}, []string{"true"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, ssetest.Endpoint{CORS: tc.cors, EndAfterScript: true})
			var hdr http.Header
			if tc.origin != "" {
				hdr = http.Header{"Origin": {tc.origin}}
			}
			resp := do(t, srv.Client(), http.MethodGet, srv.EventsURL(), hdr)
			if got := resp.Header["Access-Control-Allow-Origin"]; !equalStrings(got, tc.wantACAO) {
				t.Errorf("ACAO: got %q, want %q", got, tc.wantACAO)
			}
			if got := resp.Header["Access-Control-Allow-Credentials"]; !equalStrings(got, tc.wantACAC) {
				t.Errorf("ACAC: got %q, want %q", got, tc.wantACAC)
			}
		})
	}
}

func TestServer_CORS_preflight(t *testing.T) {
	t.Parallel()
	empty := ""
	preflightHdr := http.Header{
		"Origin":                         {appOrigin},
		"Access-Control-Request-Method":  {"GET"},
		"Access-Control-Request-Headers": {"last-event-id,x-tenant"},
	}
	tests := []struct {
		name       string
		cors       *ssetest.CORS
		wantStatus int
		want       http.Header // only these CORS headers, exactly
	}{
		{"nil CORS", nil, 204, http.Header{}},
		{"allow all", ssetest.AllowAll(), 204, http.Header{
			"Access-Control-Allow-Origin":      {appOrigin},
			"Access-Control-Allow-Credentials": {"true"},
			"Access-Control-Allow-Methods":     {"GET"},
			"Access-Control-Allow-Headers":     {"last-event-id,x-tenant"},
		}},
		{"fixed values", &ssetest.CORS{
			AllowOrigin: []string{"*"}, AllowMethods: "GET, OPTIONS", AllowHeaders: "x-tenant", MaxAge: "600",
			PreflightStatus: 200, PreflightHeader: http.Header{"Vary": {"Origin"}},
		}, 200, http.Header{
			"Access-Control-Allow-Origin":  {"*"},
			"Access-Control-Allow-Methods": {"GET, OPTIONS"},
			"Access-Control-Allow-Headers": {"x-tenant"},
			"Access-Control-Max-Age":       {"600"},
			"Vary":                         {"Origin"},
		}},
		{"preflight overrides", &ssetest.CORS{
			AllowOrigin: []string{"*"}, AllowCredentials: "true",
			PreflightAllowOrigin: []string{}, PreflightAllowCredentials: &empty,
		}, 204, http.Header{}},
		{"preflight fails", &ssetest.CORS{
			AllowOrigin: []string{ssetest.EchoOrigin}, PreflightAllowOrigin: []string{"https://elsewhere.test"},
			PreflightStatus: 403,
		}, 403, http.Header{"Access-Control-Allow-Origin": {"https://elsewhere.test"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, ssetest.Endpoint{CORS: tc.cors, SetCookies: []string{"no=1"}, Events: ssetest.Messages("x")})
			resp := do(t, srv.Client(), http.MethodOptions, srv.EventsURL(), preflightHdr)
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status: got %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			for _, k := range []string{
				"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods",
				"Access-Control-Allow-Headers", "Access-Control-Max-Age", "Vary", "Set-Cookie",
			} {
				if got := resp.Header[k]; !equalStrings(got, tc.want[k]) {
					t.Errorf("%s: got %q, want %q", k, got, tc.want[k])
				}
			}
			reqs := srv.Requests()
			if len(reqs) != 1 || !reqs[0].Preflight || reqs[0].Attempt != -1 || reqs[0].Method != http.MethodOptions {
				t.Errorf("log: got %+v, want one preflight with Attempt -1", reqs)
			}
			if got := srv.Connections(ssetest.EventsPath); got != 0 {
				t.Errorf("Connections: got %d, want 0", got)
			}
		})
	}
}

func TestServer_CORS_perResponse(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{
		CORS:           &ssetest.CORS{AllowOrigin: []string{"*"}},
		EndAfterScript: true,
		Responses: []ssetest.Response{
			{EndAfterScript: true},                        // the endpoint's CORS
			{EndAfterScript: true, CORS: &ssetest.CORS{}}, // none
			{EndAfterScript: true, CORS: &ssetest.CORS{AllowOrigin: []string{"https://x.test"}}},
		},
	})
	want := [][]string{{"*"}, nil, {"https://x.test"}, {"*"}}
	c := srv.Client()
	for i, w := range want {
		resp := get(t, c, srv.EventsURL())
		if got := resp.Header["Access-Control-Allow-Origin"]; !equalStrings(got, w) {
			t.Errorf("connection %d: ACAO: got %q, want %q", i, got, w)
		}
	}
}
