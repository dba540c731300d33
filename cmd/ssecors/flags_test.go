package main

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/ssecors/browserjar"
)

func Test_parseArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		pos    []string
		origin string
	}{
		{"url first", []string{"https://x.test/", "--origin", "https://a.test"}, []string{"https://x.test/"}, "https://a.test"},
		{"url last", []string{"--origin", "https://a.test", "https://x.test/"}, []string{"https://x.test/"}, "https://a.test"},
		{"url between", []string{"--with-credentials", "https://x.test/", "-origin=https://a.test"}, []string{"https://x.test/"}, "https://a.test"},
		{"double dash", []string{"--origin", "https://a.test", "--", "--odd-url"}, []string{"--odd-url"}, "https://a.test"},
		{"no url", []string{"--origin", "https://a.test"}, nil, "https://a.test"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var c common
			pos, err := parseArgs(newFlagSet("x", &c), tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(pos, tc.pos) || c.origin != tc.origin {
				t.Errorf("got %q origin %q, want %q origin %q", pos, c.origin, tc.pos, tc.origin)
			}
		})
	}
}

func Test_loadNetscapeCookies(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name    string
		file    string
		want    []string // name@domain path secure httponly
		refused []string
		err     string
	}{
		{
			name: "curl file",
			file: "# Netscape HTTP Cookie File\n# https://curl.se/docs/http-cookies.html\n\n" +
				"#HttpOnly_.example.test\tTRUE\t/\tTRUE\t0\tsid\tabc\n" +
				"api.example.test\tFALSE\t/events\tFALSE\t1800000000\ttheme\tdark\r\n" +
				"api.example.test\tFALSE\t/\tFALSE\t1600000000\told\tgone\n",
			want: []string{"api.example.test /events theme", ".example.test / sid secure httponly"},
		},
		{
			name:    "refused by the browser rules",
			file:    "example.test\tFALSE\t/\tFALSE\t0\t__Secure-x\t1\nexample.test\tTRUE\t/\tFALSE\t0\tok\t1\n",
			want:    []string{".example.test / ok"},
			refused: []string{"__Secure-x"},
		},
		{name: "too few fields", file: "example.test\tFALSE\t/\n", err: "line 1: want 7 tab-separated fields, got 3"},
		{name: "bad expiry", file: "example.test\tFALSE\t/\tFALSE\tsoon\ta\tb\n", err: `line 1: expiry "soon"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			jar := browserjar.New(&browserjar.Options{Now: func() time.Time { return now }})
			refused, err := loadNetscapeCookies(strings.NewReader(tc.file), jar, now)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range jar.All() {
				s := c.Domain + " " + c.Path + " " + c.Name
				if c.Secure {
					s += " secure"
				}
				if c.HttpOnly {
					s += " httponly"
				}
				got = append(got, s)
			}
			if !slices.Equal(got, tc.want) || !slices.Equal(refused, tc.refused) {
				t.Errorf("got %q refused %q, want %q refused %q", got, refused, tc.want, tc.refused)
			}
		})
	}
}

func Test_primeCookie(t *testing.T) {
	t.Parallel()
	u := mustURL(t, "https://api.example.test/events")
	jar := browserjar.New(nil)
	if err := primeCookie(jar, u, "sid=1; SameSite=None; Secure; Partitioned"); err != nil {
		t.Fatal(err)
	}
	all := jar.All()
	if len(all) != 1 || all[0].Path != "/" || all[0].SameSite != http.SameSiteNoneMode || !all[0].Partitioned {
		t.Errorf("got %+v, want sid with Path=/, SameSite=None, Partitioned", all)
	}
	if err := primeCookie(jar, u, "__Host-x=1; Domain=example.test; Secure"); err == nil {
		t.Errorf("a __Host- cookie with Domain was accepted")
	}
}

func Test_colorReport(t *testing.T) {
	t.Parallel()
	in := "can a page...\n\nPASS request: ok\n     PASS inside details stays\nFAIL cors: no\n\n" +
		"Chrome: yes\nFirefox / Safari: no — the cookie [third-party-cookie]\n     fix: a: no — b\n\nverdict: no: x\n"
	got := colorReport(in)
	for _, want := range []string{ansiGreen + "PASS " + ansiReset + "request", ansiRed + "FAIL " + ansiReset + "cors",
		ansiBold + ansiRed + "verdict: no" + ansiReset, "     PASS inside details stays\n",
		"Chrome: " + ansiGreen + "yes" + ansiReset + "\n", "Firefox / Safari: " + ansiRed + "no" + ansiReset + " — the cookie",
		"     fix: a: no — b\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("colorReport = %q, want %q in it", got, want)
		}
	}
}

func Test_progress(t *testing.T) {
	t.Parallel()
	var off, on bytes.Buffer
	p := newProgress(&off, false)
	p.show("waiting for the response headers from https://x.test/")
	p.done()
	if off.Len() != 0 {
		t.Errorf("a non-terminal got %q, want nothing", off.String())
	}
	p = newProgress(&on, true)
	p.show("waiting")
	p.done()
	if got, want := on.String(), clearLine+ansiDim+"waiting"+ansiReset+clearLine; got != want {
		t.Errorf("a terminal got %q, want %q", got, want)
	}
	if useColor(&on, func(string) string { return "" }) {
		t.Errorf("a buffer is not a terminal")
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
