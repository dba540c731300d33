package ssetest_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

func TestLoginCookie_String(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		c    ssetest.LoginCookie
		want string
	}{
		{"bare", ssetest.LoginCookie{Name: "sid", Value: "1"}, "sid=1"},
		{"unset samesite", ssetest.LoginCookie{Name: "sid", Value: "1", SameSite: "unset"}, "sid=1"},
		{"lax", ssetest.LoginCookie{Name: "sid", Value: "1", SameSite: "lax"}, "sid=1; SameSite=Lax"},
		{"strict", ssetest.LoginCookie{Name: "sid", Value: "1", SameSite: "Strict"}, "sid=1; SameSite=Strict"},
		{"bogus samesite", ssetest.LoginCookie{Name: "sid", Value: "1", SameSite: "Bogus"}, "sid=1; SameSite=Bogus"},
		{
			"everything",
			ssetest.LoginCookie{
				Name: "sid", Value: "v", SameSite: "none", Secure: true, HttpOnly: true, Partitioned: true,
				Domain: "example.test", Path: "/", MaxAge: "0",
			},
			"sid=v; Path=/; Domain=example.test; Max-Age=0; Secure; HttpOnly; SameSite=None; Partitioned",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.c.String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestServer_login(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{})
	c := ssetest.LoginCookie{
		Name: "sid", Value: "abc", SameSite: "none", Secure: true, Partitioned: true,
		Domain: "example.test", Path: "/", MaxAge: "3600",
	}
	url := srv.LoginURL("https", ssetest.APIHost, c)
	resp := get(t, srv.Client(), url)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status: got %d, want 200", resp.StatusCode)
	}
	if got := resp.Header["Set-Cookie"]; !equalStrings(got, []string{c.String()}) {
		t.Errorf("Set-Cookie: got %q, want %q", got, []string{c.String()})
	}
	if got := resp.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("Content-Type: got %q", got)
	}
	reqs := srv.RequestsTo(ssetest.LoginPath)
	if len(reqs) != 1 || reqs[0].Host != ssetest.APIHost || reqs[0].Scheme != "https" || reqs[0].Attempt != -1 {
		t.Errorf("log: got %+v, want one https login to %s", reqs, ssetest.APIHost)
	}

	bad := get(t, srv.Client(), srv.URL+ssetest.LoginPath)
	if bad.StatusCode != http.StatusBadRequest {
		t.Errorf("login without name: got %d, want 400", bad.StatusCode)
	}
}

func TestServer_loginQueryFlags(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{})
	resp := get(t, srv.Client(), srv.URL+"/login?name=a&value=b&samesite=lax&secure=1&httponly=true&partitioned=0&path=/p")
	if got, want := resp.Header.Get("Set-Cookie"), "a=b; Path=/p; Secure; HttpOnly; SameSite=Lax"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestServer_HandlePage(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{})
	srv.HandlePageHost(ssetest.AppHost, "/", "<p>app</p>")
	srv.HandlePage("/", "<p>any</p>")
	tests := []struct {
		host string
		want string
	}{
		{ssetest.AppHost, "<p>app</p>"},
		{"APP.example.test", "<p>app</p>"},
		{ssetest.OtherHost, "<p>any</p>"},
	}
	for _, tc := range tests {
		resp := get(t, srv.Client(), srv.HostURL("https", tc.host, "/"))
		b, err := io.ReadAll(resp.Body)
		if err != nil || string(b) != tc.want {
			t.Errorf("%s: got %q, %v, want %q", tc.host, b, err, tc.want)
		}
		if got := resp.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type: got %q", tc.host, got)
		}
	}
}
