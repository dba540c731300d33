package doctor_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/browserjar"
	"github.com/ssecors/ssecors-go/ssecors/doctor"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

// ExampleDiagnose asserts, as an integration test would, that a page on
// app.example.test can open a cross-site stream with credentials: the
// server allows the exact origin and credentials (and, for the production
// checks, varies on Origin, sets retry: and gives each event an id).
func ExampleDiagnose() {
	srv := ssetest.New(ssetest.Endpoint{
		Events: []ssetest.Event{{ID: "1", Data: "hello"}, {ID: "2", Data: "world"}},
		Retry:  3000,
		CORS:   ssetest.AllowAll(),
		Header: http.Header{"Vary": {"Origin"}},
	})
	defer srv.Close()

	rep, err := doctor.Diagnose(context.Background(),
		"https://api.other.test/events", // port 443: the test client dials the test server
		doctor.Options{MaxEvents: 2},
		ssecors.WithOrigin("https://app.example.test"),
		ssecors.WithCredentials(),
		ssecors.WithHTTPClient(srv.Client()),
	)
	if err != nil {
		fmt.Println("the check could not run:", err)
		return
	}
	fmt.Println(rep.Connects, rep.Summary)
	for _, ev := range rep.Events {
		fmt.Println(ev.Type, ev.Data)
	}
	// Output:
	// true a page on https://app.example.test can open this stream with credentials
	// message hello
	// message world
}

// ExampleDiagnose_blocked asks whether a page on app.example.test could open
// a cross-site stream with credentials, against a server that forgot
// Access-Control-Allow-Credentials: the report names the rule and the fix.
func ExampleDiagnose_blocked() {
	srv := ssetest.New(ssetest.Endpoint{
		Events: ssetest.Messages("hello"),
		CORS:   &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}},
	})
	defer srv.Close()

	rep, err := doctor.Diagnose(context.Background(),
		"https://api.other.test/events",
		doctor.Options{},
		ssecors.WithOrigin("https://app.example.test"),
		ssecors.WithCredentials(),
		ssecors.WithHTTPClient(srv.Client()),
	)
	if err != nil {
		fmt.Println("the check could not run:", err)
		return
	}
	fmt.Println(rep.Connects, rep.Rule == ssecors.RuleAllowCredentials)
	fmt.Println(rep.Fix)
	for _, s := range rep.Steps {
		fmt.Println(s.Mark, s.Name)
	}
	// Output:
	// false true
	// add "Access-Control-Allow-Credentials: true" next to "Access-Control-Allow-Origin: https://app.example.test", or drop WithCredentials if the stream needs no cookies
	// pass request
	// pass mixed-content
	// info cookies
	// fail cors
	// info response
}

// ExampleDiagnose_fetch checks a stream that a page opens with fetch():
// a POST with a bearer token and a JSON body, whose preflight answer
// forgets to allow Authorization.
func ExampleDiagnose_fetch() {
	srv := ssetest.New(ssetest.Endpoint{
		Events: ssetest.Messages("hello"),
		CORS: &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin},
			AllowMethods: "POST", AllowHeaders: "content-type"},
	})
	defer srv.Close()

	rep, err := doctor.Diagnose(context.Background(), "https://api.other.test/events",
		doctor.Options{Fetch: &doctor.Fetch{
			Method: "POST",
			Header: http.Header{"Authorization": {"Bearer t0ken"}, "Content-Type": {"application/json"}},
			Body:   []byte(`{"prompt":"hi"}`),
		}},
		ssecors.WithOrigin("https://app.example.test"),
		ssecors.WithHTTPClient(srv.Client()),
	)
	if err != nil {
		fmt.Println("the check could not run:", err)
		return
	}
	fmt.Println(rep.Connects, rep.Rule)
	fmt.Println(rep.Find("preflight").Title)
	fmt.Println(rep.Fix)
	// Output:
	// false preflight-allow-headers
	// preflight-allow-headers: Access-Control-Allow-Headers ["content-type"] does not allow ["authorization"]
	// list every header the request sends: "Access-Control-Allow-Headers: authorization, content-type"
}

// ExampleDiagnose_browsers judges a cross-site stream that needs a
// session cookie, set by a login on the stream's site as
// `SameSite=None; Secure`, in the four browser profiles: only Chrome, which
// allows third-party cookies, sends it. Options.Browsers would choose the
// profiles; nil means browser.Profiles().
func ExampleDiagnose_browsers() {
	srv := ssetest.New(ssetest.Endpoint{
		Events:        ssetest.Messages("hello"),
		RequireCookie: "sid",
		CORS:          ssetest.AllowAll(),
	})
	defer srv.Close()

	// The cookie jar of the browser profile, after the login.
	jar := browserjar.New(nil)
	login, _ := url.Parse("https://api.other.test/login")
	jar.SetCookies(login, []*http.Cookie{{Name: "sid", Value: "42", Path: "/", Secure: true, SameSite: http.SameSiteNoneMode}})

	rep, err := doctor.Diagnose(context.Background(),
		"https://api.other.test/events",
		doctor.Options{MaxEvents: 1},
		ssecors.WithOrigin("https://app.example.test"),
		ssecors.WithCredentials(),
		ssecors.WithCookieJar(jar),
		ssecors.WithHTTPClient(srv.Client()),
	)
	if err != nil {
		fmt.Println("the check could not run:", err)
		return
	}
	for _, v := range rep.Browsers {
		if v.Connects {
			fmt.Printf("%s: yes\n", v.Browser)
		} else {
			fmt.Printf("%s: no [%s]\n", v.Browser, v.Rule)
		}
	}
	fmt.Println("connects:", rep.Connects)
	fmt.Println("fix:", rep.Fix)
	// Output:
	// Chrome: yes
	// Chrome Incognito: no [third-party-cookie]
	// Firefox: no [third-party-cookie]
	// Safari: no [third-party-cookie]
	// connects: false
	// fix: serve the stream from a host of the page's own site (example.test): the cookie is then first-party, which every browser sends
}
