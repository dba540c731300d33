package doctor_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/doctor"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

const (
	fetchPage   = "https://app.example.test"
	fetchStream = "https://api.other.test/events"
)

// chatFetch is the fetch() of an LLM-style client: POST, a bearer token
// and a JSON body.
func chatFetch() *doctor.Fetch {
	return &doctor.Fetch{
		Method: "POST",
		Header: http.Header{"Authorization": {"Bearer tok-0123456789"}, "Content-Type": {"application/json"}},
		Body:   []byte(`{"model":"m","prompt":"hi"}`),
	}
}

// corsFor is a policy that echoes the origin and answers preflights with
// the given methods and headers.
func corsFor(methods, headers string) *ssetest.CORS {
	return &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}, AllowMethods: methods, AllowHeaders: headers}
}

func detailsHave(s *doctor.Step, sub string) bool {
	if s == nil {
		return false
	}
	for _, d := range s.Details {
		if strings.Contains(d, sub) {
			return true
		}
	}
	return strings.Contains(s.Title, sub)
}

func TestDiagnose_fetch(t *testing.T) {
	t.Parallel()
	events := ssetest.Numbered(5, "tick ")
	tests := []struct {
		name       string
		ep         ssetest.Endpoint
		fetch      *doctor.Fetch
		reconnect  bool
		opts       []ssecors.Option
		connects   bool
		rule       ssecors.Rule
		step       string // the step that fails
		fixHas     string
		preflight  doctor.Mark       // the preflight step's mark
		has        map[string]string // step name: a substring of its title or details
		preflights int               // OPTIONS requests the server saw; -1 to skip
	}{
		{
			name:       "ACAH lacks authorization",
			ep:         ssetest.Endpoint{Events: events, CORS: corsFor("POST", "content-type")},
			fetch:      chatFetch(),
			rule:       ssecors.RulePreflightAllowHeaders,
			step:       "preflight",
			fixHas:     `"Access-Control-Allow-Headers: authorization, content-type"`,
			preflight:  doctor.MarkFail,
			has:        map[string]string{"request": "preflight needed: Authorization is never a CORS-safelisted header"},
			preflights: 1,
		},
		{
			// Chromium lets "*" cover Authorization; the standard and
			// other browsers may not: a warning, not a failure.
			name:       "ACAH star covers authorization in Chromium only",
			ep:         ssetest.Endpoint{Events: events, CORS: corsFor("POST", "*")},
			fetch:      chatFetch(),
			connects:   true,
			preflight:  doctor.MarkWarn,
			has:        map[string]string{"preflight": `a browser that follows it refuses this preflight`},
			preflights: 1,
		},
		{
			name:      "fixed",
			ep:        ssetest.Endpoint{Events: events, CORS: corsFor("POST", "authorization, content-type")},
			fetch:     chatFetch(),
			connects:  true,
			preflight: doctor.MarkPass,
			has: map[string]string{
				"preflight": "Access-Control-Request-Headers: authorization,content-type",
				"request":   "body: 27 bytes (not shown)",
				"expose":    "the page can read 1 of the response's headers: content-type",
			},
			preflights: 1,
		},
		{
			name:      "simple POST",
			ep:        ssetest.Endpoint{Events: events, CORS: &ssetest.CORS{AllowOrigin: []string{"*"}}},
			fetch:     &doctor.Fetch{Method: "POST", Body: []byte("hello")},
			connects:  true,
			preflight: doctor.MarkInfo,
			has: map[string]string{
				"preflight": "not needed: a simple request",
				"request":   "a simple request, so a browser sends it without a preflight",
			},
			preflights: 0,
		},
		{
			name:       "method not allowed",
			ep:         ssetest.Endpoint{Events: events, CORS: corsFor("GET, POST", "")},
			fetch:      &doctor.Fetch{Method: "PUT"},
			rule:       ssecors.RulePreflightAllowMethods,
			step:       "preflight",
			fixHas:     "PUT",
			preflight:  doctor.MarkFail,
			has:        map[string]string{"request": "the method PUT is not CORS-safelisted"},
			preflights: 1,
		},
		{
			name: "preflight status",
			ep: ssetest.Endpoint{Events: events, CORS: &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin},
				PreflightStatus: http.StatusMethodNotAllowed}},
			fetch:      chatFetch(),
			rule:       ssecors.RulePreflightStatus,
			step:       "preflight",
			fixHas:     "OPTIONS",
			preflight:  doctor.MarkFail,
			preflights: 1,
		},
		{
			name: "include needs ACAC on the preflight",
			ep: ssetest.Endpoint{Events: events, CORS: &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin},
				AllowHeaders: "authorization, content-type"}},
			fetch:      &doctor.Fetch{Method: "POST", Header: chatFetch().Header, Body: []byte("{}"), Credentials: "include"},
			rule:       ssecors.RuleAllowCredentials,
			step:       "preflight",
			fixHas:     `"Access-Control-Allow-Credentials: true"`,
			preflight:  doctor.MarkFail,
			has:        map[string]string{"request": `credentials: "include"`},
			preflights: 1,
		},
		{
			name:      "reconnect: Last-Event-ID makes a simple GET non-simple",
			ep:        ssetest.Endpoint{Events: events, Resume: true, CORS: &ssetest.CORS{AllowOrigin: []string{"*"}}},
			fetch:     &doctor.Fetch{},
			reconnect: true,
			rule:      ssecors.RulePreflightAllowHeaders,
			step:      "reconnect",
			fixHas:    "last-event-id",
			preflight: doctor.MarkInfo,
			has: map[string]string{
				"reconnect": "Last-Event-ID is not CORS-safelisted: the reconnection needs a preflight that allows last-event-id",
				"events":    "3 events received",
			},
			preflights: 1,
		},
		{
			name:      "reconnect fixed",
			ep:        ssetest.Endpoint{Events: events, Resume: true, CORS: corsFor("POST", "authorization, content-type, last-event-id")},
			fetch:     chatFetch(),
			reconnect: true,
			connects:  true,
			preflight: doctor.MarkPass,
			has: map[string]string{
				"reconnect": "no preflight: the first preflight's result is still cached",
			},
			preflights: 1,
		},
		{
			name:       "one-shot",
			ep:         ssetest.Endpoint{Events: events[:2], EndAfterScript: true, CORS: corsFor("POST", "authorization, content-type")},
			fetch:      &doctor.Fetch{Method: "POST", Header: chatFetch().Header, Body: []byte("{}"), OneShot: true},
			reconnect:  true,
			connects:   true,
			preflight:  doctor.MarkPass,
			has:        map[string]string{"reconnect": "not checked: a one-shot stream"},
			preflights: 1,
		},
		{
			name: "401 names the credentials",
			ep: ssetest.Endpoint{Status: http.StatusUnauthorized, Body: "no token",
				CORS: corsFor("POST", "authorization, content-type")},
			fetch:      chatFetch(),
			rule:       doctor.RuleStatus,
			step:       "response",
			fixHas:     "check the credentials the page sends",
			preflight:  doctor.MarkPass,
			preflights: 1,
		},
		{
			name: "expose star with credentials",
			ep: ssetest.Endpoint{Events: events, CORS: ssetest.AllowAll(),
				Header: http.Header{"Access-Control-Expose-Headers": {"*"}, "X-Request-Id": {"7"}}},
			fetch:     &doctor.Fetch{Credentials: "include"},
			connects:  true,
			preflight: doctor.MarkInfo,
			has: map[string]string{
				"expose": `"*" in Access-Control-Expose-Headers is only a wildcard without credentials`,
			},
		},
		{
			name: "preflight passes, the stream lacks ACAO",
			ep: ssetest.Endpoint{Events: events, CORS: &ssetest.CORS{PreflightAllowOrigin: []string{ssetest.EchoOrigin},
				AllowMethods: "POST", AllowHeaders: "authorization, content-type"}},
			fetch:      chatFetch(),
			rule:       ssecors.RuleAllowOriginMissing,
			step:       "cors",
			fixHas:     `"Access-Control-Allow-Origin: https://app.example.test"`,
			preflight:  doctor.MarkPass,
			preflights: 1,
		},
		{
			name:       "same-origin",
			ep:         ssetest.Endpoint{Events: events},
			fetch:      &doctor.Fetch{Method: "POST", Header: chatFetch().Header, Body: []byte("{}")},
			opts:       []ssecors.Option{ssecors.WithOrigin("https://api.other.test")},
			connects:   true,
			preflight:  doctor.MarkInfo,
			has:        map[string]string{"request": "same-origin POST: no Origin header, no preflight and no CORS check"},
			preflights: 0,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := diagnoseServer(t, tc.ep)
			opts := tc.opts
			if opts == nil {
				opts = []ssecors.Option{ssecors.WithOrigin(fetchPage)}
			}
			rep := diagnose(t, srv, fetchStream, doctor.Options{Fetch: tc.fetch, Reconnect: tc.reconnect}, opts...)
			if rep.Connects != tc.connects || rep.Rule != tc.rule {
				t.Fatalf("connects, rule = %t, %q; want %t, %q\n%s", rep.Connects, rep.Rule, tc.connects, tc.rule, rep)
			}
			if !strings.Contains(rep.Fix, tc.fixHas) {
				t.Errorf("fix = %q, want it to hold %q", rep.Fix, tc.fixHas)
			}
			if tc.step != "" {
				if s := rep.Find(tc.step); s == nil || s.Mark != doctor.MarkFail || s.Rule != tc.rule {
					t.Errorf("step %s = %+v, want a failure of %s", tc.step, s, tc.rule)
				}
			}
			if got := stepMark(rep, "preflight"); got != tc.preflight {
				t.Errorf("preflight mark = %q, want %q\n%s", got, tc.preflight, rep)
			}
			for name, sub := range tc.has {
				if !detailsHave(rep.Find(name), sub) {
					t.Errorf("step %s does not say %q:\n%s", name, sub, rep)
				}
			}
			if rep.Method == "" || rep.CredentialsMode == "" {
				t.Errorf("method, credentials mode = %q, %q; want both", rep.Method, rep.CredentialsMode)
			}
			{
				n := 0
				for _, r := range srv.Requests() {
					if r.Preflight {
						n++
					}
				}
				if n != tc.preflights {
					t.Errorf("the server saw %d preflights, want %d", n, tc.preflights)
				}
			}
		})
	}
}

// TestDiagnose_fetchHeaderLine checks the question the text report asks.
func TestDiagnose_fetchHeaderLine(t *testing.T) {
	t.Parallel()
	srv := diagnoseServer(t, ssetest.Endpoint{Events: ssetest.Messages("a"), CORS: ssetest.AllowAll()})
	rep := diagnose(t, srv, fetchStream, doctor.Options{MaxEvents: 1, Fetch: &doctor.Fetch{Method: "post", Credentials: "include", Body: []byte("x")}},
		ssecors.WithOrigin(fetchPage))
	want := "with fetch(url, {method: \"POST\", credentials: \"include\"}) and a streaming reader\nin Chrome, Chrome Incognito, Firefox and Safari?"
	if !strings.Contains(rep.String(), want) {
		t.Errorf("the report does not ask %q:\n%s", want, rep)
	}
	if !rep.Credentials || rep.CredentialsMode != "include" || rep.Method != "POST" {
		t.Errorf("credentials, mode, method = %t, %q, %q", rep.Credentials, rep.CredentialsMode, rep.Method)
	}
}

// TestDiagnose_fetchWithFetchOption diagnoses a stream made a fetch stream
// by ssecors.WithFetch in the source options, and refuses both ways at once.
func TestDiagnose_fetchWithFetchOption(t *testing.T) {
	t.Parallel()
	srv := diagnoseServer(t, ssetest.Endpoint{Events: ssetest.Messages("a"), CORS: corsFor("PUT", "")})
	body := func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("x")), nil }
	rep := diagnose(t, srv, fetchStream, doctor.Options{MaxEvents: 1},
		ssecors.WithOrigin(fetchPage), ssecors.WithFetch(ssecors.Fetch{Method: "PUT", Body: body}))
	if !rep.Connects || rep.Method != "PUT" || stepMark(rep, "preflight") != doctor.MarkPass {
		t.Errorf("connects %t, method %q, preflight %q\n%s", rep.Connects, rep.Method, stepMark(rep, "preflight"), rep)
	}
	if !detailsHave(rep.Find("request"), "body: 1 bytes (not shown)") {
		t.Errorf("the request step does not give the body size from the trace:\n%s", rep)
	}

	_, err := doctor.Diagnose(context.Background(), fetchStream, doctor.Options{Fetch: &doctor.Fetch{}},
		ssecors.WithOrigin(fetchPage), ssecors.WithFetch(ssecors.Fetch{}), ssecors.WithHTTPClient(srv.Client()))
	var ce *ssecors.ConfigError
	if !errors.As(err, &ce) || ce.Option != "doctor.Options.Fetch" {
		t.Errorf("err = %v, want a *ConfigError for doctor.Options.Fetch", err)
	}
}

func TestDiagnose_fetchConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fetch  *doctor.Fetch
		opts   []ssecors.Option
		option string
	}{
		{"forbidden method", &doctor.Fetch{Method: "TRACE"}, nil, "WithFetch"},
		{"GET with a body", &doctor.Fetch{Body: []byte("x")}, nil, "WithFetch"},
		{"bad credentials", &doctor.Fetch{Credentials: "always"}, nil, "WithFetch"},
		{"forbidden header", &doctor.Fetch{Header: http.Header{"Sec-Custom": {"1"}}}, nil, "WithHeader"},
		{"with WithCredentials", &doctor.Fetch{}, []ssecors.Option{ssecors.WithCredentials()}, "WithCredentials"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := append([]ssecors.Option{ssecors.WithOrigin(fetchPage)}, tc.opts...)
			_, err := doctor.Diagnose(context.Background(), fetchStream, doctor.Options{Fetch: tc.fetch}, opts...)
			var ce *ssecors.ConfigError
			if !errors.As(err, &ce) || ce.Option != tc.option {
				t.Errorf("err = %v, want a *ConfigError for %s", err, tc.option)
			}
		})
	}
}

// TestDiagnose_fetchSecrets proves that no secret of the fetch request
// reaches the report, in text or JSON, whether the stream opens or the
// server refuses it with a body echoing the request.
func TestDiagnose_fetchSecrets(t *testing.T) {
	t.Parallel()
	const (
		token  = "tok-SECRET-1a2b3c4d"
		apiKey = "key-SECRET-5e6f7a8b"
		pass   = "pw-SECRET-9c0d1e2f"
	)
	echo := func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "bad request "+string(b)+" auth="+r.Header.Get("Authorization")+" key="+r.Header.Get("X-Api-Key"))
	}
	tests := []struct {
		name string
		ep   ssetest.Endpoint
	}{
		{"refused with an echo", ssetest.Endpoint{Handler: echo, CORS: ssetest.AllowAll()}},
		{"opens", ssetest.Endpoint{Events: ssetest.Messages("a"), CORS: ssetest.AllowAll()}},
		{"preflight fails", ssetest.Endpoint{Events: ssetest.Messages("a"), CORS: corsFor("POST", "content-type")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := diagnoseServer(t, tc.ep)
			f := &doctor.Fetch{Method: "POST", Credentials: "include",
				Header: http.Header{"Authorization": {"Bearer " + token}, "X-Api-Key": {apiKey}, "Content-Type": {"application/json"}},
				Body:   []byte(`{"password":"` + pass + `","q":"hello"}`)}
			rep := diagnose(t, srv, fetchStream, doctor.Options{MaxEvents: 1, Fetch: f}, ssecors.WithOrigin(fetchPage))
			js, err := json.Marshal(rep)
			if err != nil {
				t.Fatal(err)
			}
			for _, out := range []string{rep.String(), string(js)} {
				for _, secret := range []string{token, apiKey, pass, string(f.Body)} {
					if strings.Contains(out, secret) {
						t.Errorf("the report shows %q:\n%s", secret, out)
					}
				}
			}
		})
	}
}

// TestDiagnose_fetchNetwork: a preflight that gets no answer.
func TestDiagnose_fetchNetwork(t *testing.T) {
	t.Parallel()
	srv := diagnoseServer(t, ssetest.Endpoint{CORS: &ssetest.CORS{PreflightDelay: time.Minute}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := doctor.Diagnose(ctx, fetchStream, doctor.Options{Timeout: 200 * time.Millisecond, Fetch: chatFetch()},
		ssecors.WithOrigin(fetchPage), ssecors.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Connects || stepMark(rep, "preflight") != doctor.MarkFail {
		t.Errorf("connects %t, preflight %q; want a failed preflight\n%s", rep.Connects, stepMark(rep, "preflight"), rep)
	}
}

// TestReport_fetchJSON pins the JSON names of a fetch report.
func TestReport_fetchJSON(t *testing.T) {
	t.Parallel()
	srv := diagnoseServer(t, ssetest.Endpoint{Events: ssetest.Messages("a"), CORS: corsFor("POST", "authorization, content-type")})
	rep := diagnose(t, srv, fetchStream, doctor.Options{MaxEvents: 1, Fetch: chatFetch()}, ssecors.WithOrigin(fetchPage))
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Method          string `json:"method"`
		CredentialsMode string `json:"credentials_mode"`
		Credentials     bool   `json:"credentials"`
		Connects        bool   `json:"connects"`
		Steps           []struct {
			Name string `json:"name"`
			Mark string `json:"mark"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(js, &got); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range got.Steps {
		names = append(names, s.Name+":"+s.Mark)
	}
	want := "request:pass mixed-content:pass preflight:pass cookies:info cors:pass response:pass expose:info events:pass protocol:pass compression:pass buffering:info hygiene:warn"
	if got.Method != "POST" || got.CredentialsMode != "same-origin" || got.Credentials || !got.Connects || strings.Join(names, " ") != want {
		t.Errorf("got %+v, steps %q; want POST, same-origin, no credentials, connects, steps %q", got, strings.Join(names, " "), want)
	}
}
