package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

// sessionEndpoint is a credentialed stream that needs the cookie sid, as
// a session cookie set by a top-level login on the stream's site.
func sessionEndpoint() ssetest.Endpoint {
	return ssetest.Endpoint{Events: ssetest.Messages("hi"), RequireCookie: "sid",
		CORS: &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}, AllowCredentials: "true"}}
}

// TestDoctor_browsers checks the verdict lines and the exit code for the
// browsers --browser selects. The cookie is `SameSite=None; Secure`: on a
// cross-site stream only a browser that allows third-party cookies sends
// it, with today's jar and with each engine's own cookie rules alike.
func TestDoctor_browsers(t *testing.T) {
	t.Parallel()
	const sameSite = "https://api.example.test/events"
	session := []string{"--origin", page, "--with-credentials", "--cookie", "sid=42; SameSite=None; Secure", "--max-events", "1"}
	tests := []struct {
		name  string
		args  []string
		code  int
		lines []string // the verdict lines, in order
	}{
		{"cross-site, all four by default", append([]string{crossSite}, session...), exitFail, []string{
			"Chrome: yes",
			"Chrome Incognito / Firefox / Safari: no — the cookie sid is third-party here (api.other.test is not on the page's site, example.test), so it is not sent; Chrome sends it, and the server answered the stream with it [third-party-cookie]",
			"     fix: serve the stream from a host of the page's own site (example.test): the cookie is then first-party, which every browser sends",
		}},
		{"cross-site, all", append([]string{crossSite, "--browser", "all"}, session...), exitFail, []string{
			"Chrome: yes",
			"Chrome Incognito / Firefox / Safari: no — the cookie sid is third-party here (api.other.test is not on the page's site, example.test), so it is not sent; Chrome sends it, and the server answered the stream with it [third-party-cookie]",
		}},
		{"cross-site, Chrome alone", append([]string{crossSite, "--browser", "chrome"}, session...), exitOK, []string{
			"Chrome: yes",
		}},
		{"cross-site, Incognito alone: its own request", append([]string{crossSite, "--browser", "Incognito"}, session...), exitFail, []string{
			"Chrome Incognito: no — the server answered 401 Unauthorized, not 200 [status]",
		}},
		{"cross-site, Safari and Chrome", append([]string{crossSite, "--browser", "safari,chrome"}, session...), exitFail, []string{
			"Safari: no — the cookie sid is third-party here (api.other.test is not on the page's site, example.test), so it is not sent; Chrome sends it, and the server answered the stream with it [third-party-cookie]",
			"     fix: serve the stream from a host of the page's own site (example.test): the cookie is then first-party, which every browser sends",
			"Chrome: yes",
		}},
		{"cross-site, third-party cookies allowed", append([]string{crossSite, "--browser", "chrome,firefox", "--third-party-cookies", "allow"}, session...), exitOK, []string{
			"Chrome / Firefox (third-party cookies: allow): yes",
		}},
		{"cross-site, third-party cookies blocked", append([]string{crossSite, "--browser", "chrome", "--third-party-cookies", "block"}, session...), exitFail, []string{
			"Chrome (third-party cookies: block): no — the server answered 401 Unauthorized, not 200 [status]",
		}},
		{"same-site, all four", append([]string{sameSite}, session...), exitOK, []string{
			"Chrome / Chrome Incognito / Firefox / Safari: yes",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := ssetest.New(sessionEndpoint())
			defer srv.Close()
			r := runWith(t, srv, "", append([]string{"doctor"}, tc.args...)...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", r.code, tc.code, r.stdout, r.stderr)
			}
			_, tail, ok := strings.Cut(r.stdout, "\n\n"+tc.lines[0]+"\n")
			if !ok {
				t.Fatalf("no verdict line %q after a blank line:\n%s", tc.lines[0], r.stdout)
			}
			got := strings.Split(tail, "\n")
			for i, want := range tc.lines[1:] {
				if i >= len(got) || got[i] != want {
					t.Errorf("verdict line %d = %q, want %q", i+2, got[min(i, len(got)-1)], want)
				}
			}
			verdict := "\nverdict: yes: "
			if tc.code != exitOK {
				verdict = "\nverdict: no: "
			}
			if !strings.Contains(r.stdout, verdict) {
				t.Errorf("no %q line:\n%s", verdict, r.stdout)
			}
			if strings.Contains(r.stdout, "42") {
				t.Errorf("the report holds the cookie's value:\n%s", r.stdout)
			}
		})
	}
}

// TestDoctor_browsersJSON checks that --json carries each verdict.
func TestDoctor_browsersJSON(t *testing.T) {
	t.Parallel()
	srv := ssetest.New(sessionEndpoint())
	defer srv.Close()
	r := runWith(t, srv, "", "doctor", crossSite, "--origin", page, "--with-credentials", "--cookie", "sid=42; SameSite=None; Secure", "--max-events", "1", "--json")
	if r.code != exitFail {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	var got struct {
		Browser  string `json:"browser"`
		Connects bool   `json:"connects"`
		Rule     string `json:"rule"`
		Browsers []struct {
			Browser           string `json:"browser"`
			Engine            string `json:"engine"`
			ThirdPartyCookies string `json:"third_party_cookies"`
			Connects          bool   `json:"connects"`
			Observed          bool   `json:"observed"`
			Rule              string `json:"rule"`
			Reason            string `json:"reason"`
			Fix               string `json:"fix"`
		} `json:"browsers"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if got.Browser != "Chrome" || got.Connects || got.Rule != "third-party-cookie" || len(got.Browsers) != 4 {
		t.Fatalf("got %+v", got)
	}
	want := []string{"Chrome Chromium allow true true ", "Chrome Incognito Chromium block false false third-party-cookie",
		"Firefox Gecko partition false false third-party-cookie", "Safari WebKit block-all false false third-party-cookie"}
	for i, b := range got.Browsers {
		line := strings.Join([]string{b.Browser, b.Engine, b.ThirdPartyCookies, boolWord(b.Connects), boolWord(b.Observed), b.Rule}, " ")
		if line != want[i] {
			t.Errorf("browsers[%d] = %q, want %q", i, line, want[i])
		}
		if !b.Connects && (!strings.Contains(b.Reason, "the cookie sid is third-party") || !strings.Contains(b.Fix, "page's own site")) {
			t.Errorf("browsers[%d]: reason %q, fix %q", i, b.Reason, b.Fix)
		}
	}
}

func boolWord(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// TestDoctor_browsersSecretsStayHidden: neither the cookie's value nor a
// secret query value reaches the verdict lines, as text or as JSON.
func TestDoctor_browsersSecretsStayHidden(t *testing.T) {
	t.Parallel()
	const secret = "sess-5ecret-0a1b2c3d"
	srv := ssetest.New(sessionEndpoint())
	defer srv.Close()
	for _, format := range []string{"--json=false", "--json"} {
		r := runWith(t, srv, "", "doctor", crossSite+"?access_token="+secret, "--origin", page, "--with-credentials",
			"--cookie", "sid="+secret+"; SameSite=None; Secure", "--max-events", "1", format)
		if r.code != exitFail || !strings.Contains(r.stdout, "third-party-cookie") {
			t.Errorf("%s: exit %d, want 1 with the third-party verdict:\n%s%s", format, r.code, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("%s: the output holds the secret:\n%s%s", format, r.stdout, r.stderr)
		}
	}
}

// TestListen_browser: listen acts as the one browser of --browser, with a
// jar of the same profile (the core refuses another).
func TestListen_browser(t *testing.T) {
	t.Parallel()
	srv := ssetest.New(sessionEndpoint())
	defer srv.Close()
	listen := []string{"listen", crossSite, "--origin", page, "--with-credentials", "--max-events", "1",
		"--cookie", "sid=42; SameSite=None; Secure", "--timeout", "5s"}
	for _, tc := range []struct {
		args []string
		code int
	}{
		{nil, exitFail}, // Chrome Incognito: the cookie stays home, 401
		{[]string{"--browser", "chrome"}, exitOK},
		{[]string{"--browser", "firefox"}, exitFail},
		{[]string{"--browser", "safari", "--third-party-cookies", "allow"}, exitOK},
		{[]string{"--third-party-cookies", "allow"}, exitOK},
	} {
		r := runWith(t, srv, "", append(listen, tc.args...)...)
		if r.code != tc.code {
			t.Errorf("%q: exit %d, want %d\n%s%s", tc.args, r.code, tc.code, r.stdout, r.stderr)
		}
		if tc.code == exitOK && r.stdout != "message: hi\n" {
			t.Errorf("%q: stdout %q, want the event", tc.args, r.stdout)
		}
	}
}
