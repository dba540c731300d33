package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/doctor"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

const (
	page      = "https://app.example.test"
	crossSite = "https://api.other.test/events"
)

// doctorCases are the common misconfigurations of a cross-origin SSE
// endpoint, and the fixed server. Each runs against a fresh test server.
var doctorCases = []struct {
	name   string
	ep     ssetest.Endpoint
	setup  func(srv *ssetest.Server) // more endpoints
	args   []string
	code   int
	rule   ssecors.Rule // Report.Rule, "" when it connects
	step   string       // the step that fails
	fixHas string       // in Report.Fix
}{
	{
		name:   "no-acao",
		ep:     ssetest.Endpoint{Events: ssetest.Messages("hi")},
		args:   []string{crossSite, "--origin", page, "--with-credentials"},
		code:   exitFail,
		rule:   ssecors.RuleAllowOriginMissing,
		step:   "cors",
		fixHas: `add "Access-Control-Allow-Origin: https://app.example.test" and "Access-Control-Allow-Credentials: true"`,
	},
	{
		name:   "wildcard-with-credentials",
		ep:     ssetest.Endpoint{Events: ssetest.Messages("hi"), CORS: &ssetest.CORS{AllowOrigin: []string{"*"}, AllowCredentials: "true"}},
		args:   []string{crossSite, "--origin", page, "--with-credentials"},
		code:   exitFail,
		rule:   ssecors.RuleAllowOriginWildcard,
		step:   "cors",
		fixHas: `"Access-Control-Allow-Origin: https://app.example.test"`,
	},
	{
		name:   "acac-missing",
		ep:     ssetest.Endpoint{Events: ssetest.Messages("hi"), CORS: &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}}},
		args:   []string{crossSite, "--origin", page, "--with-credentials"},
		code:   exitFail,
		rule:   ssecors.RuleAllowCredentials,
		step:   "cors",
		fixHas: `add "Access-Control-Allow-Credentials: true"`,
	},
	{
		name:   "wrong-origin",
		ep:     ssetest.Endpoint{Events: ssetest.Messages("hi"), CORS: &ssetest.CORS{AllowOrigin: []string{page + "/"}, AllowCredentials: "true"}},
		args:   []string{crossSite, "--origin", page, "--with-credentials"},
		code:   exitFail,
		rule:   ssecors.RuleAllowOriginMismatch,
		step:   "cors",
		fixHas: `"Access-Control-Allow-Origin: https://app.example.test"`,
	},
	{
		name:   "wrong-content-type",
		ep:     ssetest.Endpoint{ContentType: "text/html; charset=utf-8", Body: "<!doctype html><p>events</p>", CORS: ssetest.AllowAll()},
		args:   []string{crossSite, "--origin", page},
		code:   exitFail,
		rule:   doctor.RuleContentType,
		step:   "response",
		fixHas: `answer with "Content-Type: text/event-stream"`,
	},
	{
		name:   "status-401",
		ep:     ssetest.Endpoint{Status: http.StatusUnauthorized, Body: "missing bearer token", CORS: ssetest.AllowAll()},
		args:   []string{crossSite, "--origin", page},
		code:   exitFail,
		rule:   doctor.RuleStatus,
		step:   "response",
		fixHas: "cannot send an Authorization header",
	},
	{
		name: "redirect-tainted",
		ep:   ssetest.Endpoint{CORS: ssetest.AllowAll(), Redirect: &ssetest.Redirect{Location: "https://www.example.com/final"}},
		setup: func(srv *ssetest.Server) {
			srv.Handle("/final", ssetest.Endpoint{Events: ssetest.Messages("hi")})
		},
		args:   []string{crossSite, "--origin", page, "--with-credentials"},
		code:   exitFail,
		rule:   ssecors.RuleAllowOriginMissing,
		step:   "cors",
		fixHas: `"Access-Control-Allow-Origin: null"`,
	},
	{
		name:   "samesite-lax-cookie",
		ep:     ssetest.Endpoint{Events: ssetest.Messages("hi"), CORS: ssetest.AllowAll(), RequireCookie: "sid"},
		args:   []string{crossSite, "--origin", page, "--with-credentials", "--cookie", "sid=42; SameSite=Lax", "--third-party-cookies", "allow"},
		code:   exitFail,
		rule:   doctor.RuleStatus,
		step:   "response",
		fixHas: "a browser did not send the cookie sid: SameSite=Lax is not sent on a cross-site subresource request",
	},
	{
		name:   "mixed-content",
		ep:     ssetest.Endpoint{Events: ssetest.Messages("hi"), CORS: ssetest.AllowAll()},
		args:   []string{"http://api.other.test/events", "--origin", page},
		code:   exitFail,
		rule:   "mixed-content",
		step:   "mixed-content",
		fixHas: "serve the stream over https",
	},
	{
		name: "fetch-acah-missing",
		ep: ssetest.Endpoint{Events: ssetest.Messages("hi"),
			CORS: &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}, AllowMethods: "POST", AllowHeaders: "content-type"}},
		args: []string{crossSite, "--origin", page, "--method", "POST", "-H", "Authorization: Bearer t0k3n-xyz",
			"-H", "Content-Type: application/json", "--data", `{"q":1}`},
		code:   exitFail,
		rule:   ssecors.RulePreflightAllowHeaders,
		step:   "preflight",
		fixHas: `"Access-Control-Allow-Headers: authorization, content-type"`,
	},
	{
		name: "fetch-reconnect-last-event-id",
		ep: ssetest.Endpoint{Events: ssetest.Numbered(4, "tick "), Resume: true,
			CORS: &ssetest.CORS{AllowOrigin: []string{"*"}}},
		args:   []string{crossSite, "--origin", page, "--fetch", "--max-events", "2", "--reconnect"},
		code:   exitFail,
		rule:   ssecors.RulePreflightAllowHeaders,
		step:   "reconnect",
		fixHas: "last-event-id",
	},
	{
		name: "fetch-fixed",
		ep: ssetest.Endpoint{Events: ssetest.Numbered(4, "tick "), Resume: true, RequireCookie: "sid",
			CORS: &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}, AllowCredentials: "true", AllowMethods: "PUT",
				AllowHeaders: "Authorization, Content-Type, Last-Event-ID", MaxAge: "7200"},
			Header: http.Header{"Access-Control-Expose-Headers": {"X-Request-Id"}, "X-Request-Id": {"7"}, "X-Internal": {"1"}}},
		args: []string{crossSite, "--origin", page, "-X", "PUT", "-H", "Authorization: Bearer t0k3n-xyz",
			"-H", "Content-Type: application/json", "-d", `{"q":1}`, "--with-credentials",
			"--cookie", "sid=42; SameSite=None; Secure", "--third-party-cookies", "allow", "--max-events", "2", "--reconnect"},
		code: exitOK,
	},
	{
		name: "fixed",
		ep: ssetest.Endpoint{
			CORS:          ssetest.AllowAll(),
			RequireCookie: "sid",
			SetCookies:    []string{"seen=1; Path=/; Secure; SameSite=None"},
			Responses: []ssetest.Response{
				{Events: ssetest.Numbered(2, "tick ")},               // stays open: the diagnosis drops it
				{Events: ssetest.Numbered(5, "tick "), Resume: true}, // resumes after Last-Event-ID
			},
		},
		args: []string{crossSite, "--origin", page, "--with-credentials", "--cookie", "sid=42; SameSite=None; Secure",
			"--third-party-cookies", "allow", "--max-events", "2", "--reconnect"},
		code: exitOK,
	},
}

func TestDoctor_misconfigurations(t *testing.T) {
	t.Parallel()
	for _, tc := range doctorCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			serve := func() *ssetest.Server {
				srv := ssetest.New(tc.ep)
				t.Cleanup(srv.Close)
				if tc.setup != nil {
					tc.setup(srv)
				}
				return srv
			}

			// The human report, against the golden file.
			srv := serve()
			r := runWith(t, srv, "", append([]string{"doctor"}, tc.args...)...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, r.stdout, r.stderr)
			}
			if r.stderr != "" {
				t.Errorf("stderr = %q, want nothing (no progress on a non-terminal)", r.stderr)
			}
			golden(t, "doctor-"+tc.name, r.stdout)
			if tc.rule != "" && !strings.Contains(r.stdout, "["+string(tc.rule)+"]") {
				t.Errorf("the verdict does not name the rule %s:\n%s", tc.rule, r.stdout)
			}

			// The same, as JSON.
			srv = serve()
			r = runWith(t, srv, "", append([]string{"doctor", "--json"}, tc.args...)...)
			if r.code != tc.code {
				t.Errorf("--json: exit %d, want %d", r.code, tc.code)
			}
			var rep doctor.Report
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatalf("--json output does not parse: %v\n%s", err, r.stdout)
			}
			if rep.Connects != (tc.code == exitOK) {
				t.Errorf("connects = %t, want %t", rep.Connects, tc.code == exitOK)
			}
			if rep.Rule != tc.rule {
				t.Errorf("rule = %q, want %q", rep.Rule, tc.rule)
			}
			if !strings.Contains(rep.Fix, tc.fixHas) {
				t.Errorf("fix = %q, want it to contain %q", rep.Fix, tc.fixHas)
			}
			if tc.step != "" {
				s := rep.Find(tc.step)
				if s == nil || s.Mark != doctor.MarkFail || s.Rule != tc.rule {
					t.Errorf("step %s = %+v, want a failure of rule %s", tc.step, s, tc.rule)
				}
			}
		})
	}
}

func TestDoctor_fixedJSON(t *testing.T) {
	t.Parallel()
	srv := ssetest.New(ssetest.Endpoint{Events: ssetest.Numbered(3, "e"), CORS: ssetest.AllowAll()})
	defer srv.Close()
	r := runWith(t, srv, "", "doctor", crossSite, "--origin", page, "--json")
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0:\n%s%s", r.code, r.stdout, r.stderr)
	}
	var got struct {
		URL               string `json:"url"`
		Origin            string `json:"origin"`
		Credentials       bool   `json:"credentials"`
		ThirdPartyCookies string `json:"third_party_cookies"`
		Connects          bool   `json:"connects"`
		Summary           string `json:"summary"`
		Steps             []struct {
			Name string `json:"name"`
			Mark string `json:"mark"`
		} `json:"steps"`
		Events []struct {
			Type        string `json:"type"`
			Data        string `json:"data"`
			LastEventID string `json:"last_event_id"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.URL != crossSite || got.Origin != page || got.Credentials || got.ThirdPartyCookies != "allow" || !got.Connects {
		t.Errorf("got %+v", got)
	}
	if len(got.Events) != 3 || got.Events[2].Data != "e3" || got.Events[2].LastEventID != "3" {
		t.Errorf("events = %+v, want e1..e3", got.Events)
	}
	var names []string
	for _, s := range got.Steps {
		names = append(names, s.Name+":"+s.Mark)
	}
	want := "request:pass mixed-content:pass cookies:info cors:pass response:pass events:pass protocol:pass compression:pass buffering:pass hygiene:warn"
	if strings.Join(names, " ") != want {
		t.Errorf("steps = %q, want %q", strings.Join(names, " "), want)
	}
}

func TestDoctor_secretsStayHidden(t *testing.T) {
	t.Parallel()
	const secret = "tok-9f8e7d6c5b4a"
	srv := ssetest.New(ssetest.Endpoint{CORS: &ssetest.CORS{AllowOrigin: []string{"*"}}, Status: http.StatusForbidden,
		Body: "bad token " + secret})
	defer srv.Close()
	for _, format := range []string{"--json=false", "--json"} {
		r := runWith(t, srv, "", "doctor", crossSite+"?access_token="+secret, "--origin", page,
			"--query", "api_key="+secret+"x", "--header", "Authorization: Bearer "+secret, format)
		if r.code != exitFail {
			t.Errorf("%s: exit %d, want 1", format, r.code)
		}
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("%s: the output holds the secret:\n%s%s", format, r.stdout, r.stderr)
		}
		// The bearer token alone, echoed by the server, with no query to
		// give it away.
		r = runWith(t, srv, "", "doctor", crossSite, "--origin", page, "-H", "Authorization: Bearer "+secret, format)
		if r.code != exitFail || strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("%s, header only: exit %d, want 1 and no secret:\n%s%s", format, r.code, r.stdout, r.stderr)
		}
	}
}

func TestDoctor_usageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		stderr string
		stdin  string
	}{
		{"no command", nil, "Usage:", ""},
		{"unknown command", []string{"diagnose"}, `unknown command "diagnose"`, ""},
		{"no origin", []string{"doctor", crossSite}, "--origin is required", ""},
		{"no url", []string{"doctor", "--origin", page}, "missing the stream URL", ""},
		{"two urls", []string{"doctor", crossSite, crossSite, "--origin", page}, "want one stream URL", ""},
		{"unknown flag", []string{"doctor", crossSite, "--origin", page, "--nope"}, "flag provided but not defined: -nope", ""},
		{"bad preflight", []string{"doctor", crossSite, "--origin", page, "--preflight", "sometimes"}, `--preflight "sometimes"`, ""},
		{"bad policy", []string{"doctor", crossSite, "--origin", page, "--third-party-cookies", "maybe"}, "want block, allow, partition or block-all", ""},
		{"unknown browser", []string{"doctor", crossSite, "--origin", page, "--browser", "chrome,opera"}, `--browser "chrome,opera": unknown browser "opera"; want chrome, chrome-incognito (or incognito), firefox, safari, or all`, ""},
		{"empty browser", []string{"doctor", crossSite, "--origin", page, "--browser", "chrome,,safari"}, "an empty name", ""},
		{"all among browsers", []string{"doctor", crossSite, "--origin", page, "--browser", "all,chrome"}, "all stands alone", ""},
		{"listen, two browsers", []string{"listen", crossSite, "--origin", page, "--browser", "chrome,firefox"}, "listen acts as one browser", ""},
		{"listen, unknown browser", []string{"listen", crossSite, "--browser", "netscape"}, `--browser "netscape": unknown browser`, ""},
		{"listen, bad policy", []string{"listen", crossSite, "--third-party-cookies", "sometimes"}, "want block, allow, partition or block-all", ""},
		{"bad query", []string{"doctor", crossSite, "--origin", page, "--query", "tenant"}, "want KEY=VALUE", ""},
		{"bad header", []string{"doctor", crossSite, "--origin", page, "--header", "X-Tenant"}, "want 'Name: value'", ""},
		{"bad url", []string{"doctor", "ftp://api.example.test/events", "--origin", page}, `invalid url "ftp://api.example.test/events"`, ""},
		{"bad origin", []string{"doctor", crossSite, "--origin", "app.example.test"}, "invalid WithOrigin", ""},
		{"bad duration", []string{"doctor", crossSite, "--origin", page, "--wait", "soon"}, "invalid value", ""},
		{"negative events", []string{"doctor", crossSite, "--origin", page, "--max-events", "-1"}, "must not be negative", ""},
		{"cookie without value", []string{"doctor", crossSite, "--origin", page, "--cookie", "; Secure"}, "--cookie", ""},
		{"cookie a browser refuses", []string{"doctor", "http://api.other.test/events", "--origin", "http://app.example.test", "--cookie", "sid=1; SameSite=None"},
			"--cookie sid: a browser refuses this cookie", ""},
		{"missing cookie jar", []string{"listen", crossSite, "--cookie-jar", "testdata/no-such-file.txt"}, "--cookie-jar", ""},
		{"bad cookie jar", []string{"listen", crossSite, "--cookie-jar", "-"}, "line 1: want 7 tab-separated fields", "api.example.test\tFALSE\t/\n"},
		{"preflight without origin", []string{"listen", crossSite, "--preflight", "always"}, "needs WithOrigin", ""},
		{"listen negative", []string{"listen", crossSite, "--max-events", "-2"}, "must not be negative", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runWith(t, nil, tc.stdin, tc.args...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("stderr = %q, want %q", r.stderr, tc.stderr)
			}
		})
	}
}

// demoCommands are the transcripts of the README: the real command
// against its --demo server.
var demoCommands = []struct {
	name string
	args []string
	code int
}{
	{"demo-broken", []string{"doctor", "--demo", "https://api.other.test/broken", "--origin", "https://app.example.test", "--with-credentials"}, exitFail},
	{"demo-fixed", []string{"doctor", "--demo", "https://api.example.test/fixed", "--origin", "https://app.example.test", "--with-credentials",
		"--cookie", "sid=42", "--reconnect"}, exitOK},
	{"demo-session-cross-site", []string{"doctor", "--demo", "https://api.other.test/session", "--origin", "https://app.example.test", "--with-credentials",
		"--cookie", "sid=42; SameSite=None; Secure"}, exitFail},
	{"demo-session-same-site", []string{"doctor", "--demo", "https://api.example.test/session", "--origin", "https://app.example.test", "--with-credentials",
		"--cookie", "sid=42; SameSite=None; Secure"}, exitOK},
	{"demo-fetch-broken", []string{"doctor", "--demo", "https://api.other.test/chat-broken", "--origin", "https://app.example.test",
		"--method", "POST", "-H", "Authorization: Bearer demo-token", "-H", "Content-Type: application/json", "--data", `{"prompt":"hi"}`}, exitFail},
	{"demo-fetch-fixed", []string{"doctor", "--demo", "https://api.other.test/chat-fixed", "--origin", "https://app.example.test",
		"--method", "POST", "-H", "Authorization: Bearer demo-token", "-H", "Content-Type: application/json", "--data", `{"prompt":"hi"}`,
		"--reconnect"}, exitOK},
}

// shellJoin renders args as a shell command line: arguments holding
// anything but letters, digits and -_./:@=, are single-quoted.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		plain := a != ""
		for _, c := range a {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./:@=,", c)) {
				plain = false
				break
			}
		}
		if plain {
			out[i] = a
		} else {
			out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(out, " ")
}

// TestDoctor_demo runs the commands of the README's doctor section with
// --demo, which starts the embedded server itself, and checks that the
// README shows their output verbatim.
func TestDoctor_demo(t *testing.T) {
	t.Parallel()
	doc, docErr := os.ReadFile(filepath.Join("..", "..", "README.md"))
	for _, c := range demoCommands {
		r := runWith(t, nil, "", c.args...)
		if r.code != c.code || r.stderr != "" {
			t.Errorf("%s: exit %d, stderr %q; want %d and nothing", c.name, r.code, r.stderr, c.code)
		}
		golden(t, c.name, r.stdout)
		if docErr != nil {
			t.Errorf("README.md not checked: %v", docErr)
			continue
		}
		if cmd := "$ ssecors " + shellJoin(c.args); !strings.Contains(string(doc), cmd) {
			t.Errorf("README.md does not show the command %q", cmd)
		}
		if !strings.Contains(string(doc), r.stdout) {
			t.Errorf("README.md does not hold the output of %s verbatim (paste testdata/%s.golden)", c.name, c.name)
		}
	}
}

// TestDoctor_fetchSecretsStayHidden runs fetch diagnoses that fail and
// that pass, as text and JSON, with secrets in the query, in credential
// headers and in the body (given inline, from a file and from standard
// input), against a server that echoes the request in its error body: no
// secret may reach the output.
func TestDoctor_fetchSecretsStayHidden(t *testing.T) {
	t.Parallel()
	const (
		querySecret  = "qs-SECRET-11aa22bb"
		bearer       = "bt-SECRET-33cc44dd"
		apiKey       = "ak-SECRET-55ee66ff"
		bodyPassword = "pw-SECRET-77aa88bb"
	)
	body := `{"password":"` + bodyPassword + `","prompt":"hello"}`
	file := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	echo := func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, "refused "+string(b)+" "+r.Header.Get("Authorization")+" "+r.Header.Get("X-Api-Key")+" "+r.URL.RawQuery)
	}
	endpoints := map[string]ssetest.Endpoint{
		"echoes and refuses": {Handler: echo, CORS: ssetest.AllowAll()},
		"preflight fails":    {Events: ssetest.Messages("hi"), CORS: &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}, AllowMethods: "POST"}},
		"opens":              {Events: ssetest.Messages("hi"), Resume: true, CORS: ssetest.AllowAll()},
	}
	for name, ep := range endpoints {
		for _, data := range []string{body, "@" + file, "@-"} {
			for _, format := range []string{"--json=false", "--json"} {
				srv := ssetest.New(ep)
				r := runWith(t, srv, body, "doctor", crossSite+"?access_token="+querySecret, "--origin", page,
					"--method", "POST", "--with-credentials", "--max-events", "1", "--reconnect",
					"-H", "Authorization: Bearer "+bearer, "-H", "X-Api-Key: "+apiKey, "-H", "Content-Type: application/json",
					"--data", data, format)
				srv.Close()
				if r.code == exitUsage {
					t.Errorf("%s, --data %s, %s: exit 2: %s", name, data, format, r.stderr)
				}
				if !strings.Contains(r.stdout, "POST") {
					t.Errorf("%s, --data %s, %s: no report:\n%s%s", name, data, format, r.stdout, r.stderr)
				}
				quoted := strconv.Quote(body)
				for _, secret := range []string{querySecret, bearer, apiKey, bodyPassword, body, quoted[1 : len(quoted)-1]} {
					if strings.Contains(r.stdout+r.stderr, secret) {
						t.Errorf("%s, --data %s, %s: the output holds %q:\n%s%s", name, data, format, secret, r.stdout, r.stderr)
					}
				}
			}
		}
	}
}

func TestDoctor_fetchUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"bad credentials", []string{"--credentials", "always"}, `--credentials "always": want omit, same-origin or include`},
		{"with-credentials and omit", []string{"--with-credentials", "--credentials", "omit"}, "--with-credentials means --credentials include"},
		{"preflight", []string{"--method", "POST", "--preflight", "always"}, "--preflight is for an EventSource"},
		{"missing data file", []string{"--data", "@testdata/no-such-body.json"}, "--data: open testdata/no-such-body.json"},
		{"forbidden method", []string{"--method", "TRACE"}, "forbidden method"},
		{"GET with a body", []string{"--fetch", "--data", "x"}, "cannot have a body"},
		{"forbidden header", []string{"--fetch", "-H", "Sec-Custom: 1"}, "forbidden request-header"},
		{"header without a colon", []string{"--fetch", "-H", "Bearer s3cr3t-value"}, "--header number 1: want 'Name: value'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"doctor", crossSite, "--origin", page}, tc.args...)
			r := runWith(t, nil, "", args...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("stderr = %q, want %q", r.stderr, tc.stderr)
			}
			if strings.Contains(r.stderr, "s3cr3t") {
				t.Errorf("stderr shows the header line: %q", r.stderr)
			}
		})
	}
}

// TestDoctor_watch: --watch keeps the stream open and adds the idle check.
func TestDoctor_watch(t *testing.T) {
	t.Parallel()
	srv := ssetest.New(ssetest.Endpoint{CORS: ssetest.AllowAll(), Events: ssetest.Numbered(2, "e")})
	defer srv.Close()
	r := runWith(t, srv, "", "doctor", crossSite, "--origin", page, "--watch", "300ms")
	if r.code != exitOK || !strings.Contains(r.stdout, "PASS idle: no cut while watched for 300ms") {
		t.Errorf("exit %d, stdout:\n%s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if r := runWith(t, srv, "", "doctor", crossSite, "--origin", page, "--watch", "-1s"); r.code != exitUsage {
		t.Errorf("--watch -1s: exit %d, want 2", r.code)
	}
}
