package browserjar_test

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/ssecors/ssecors-go/ssecors/browser"
	"github.com/ssecors/ssecors-go/ssecors/browserjar"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

// The jar as an http.Client's Jar: every request is a first-party visit,
// as if typed in the address bar. The jar keeps the cookies a browser
// keeps, and refuses the ones a browser refuses, which net/http/cookiejar
// would store.
func Example_httpClient() {
	srv := ssetest.New(ssetest.Endpoint{})
	defer srv.Close()

	client := srv.Client() // reaches the test host names
	jar := browserjar.New(nil)
	client.Jar = jar

	for _, c := range []ssetest.LoginCookie{
		{Name: "session", Value: "u42", SameSite: "lax", Secure: true, HttpOnly: true},
		{Name: "legacy", Value: "1", SameSite: "none"},                        // SameSite=None needs Secure
		{Name: "__Host-id", Value: "7", Secure: true, Domain: "example.test"}, // __Host- forbids Domain
	} {
		resp, err := client.Get(srv.LoginURL("https", ssetest.AppHost, c))
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
	}
	for _, c := range jar.All() {
		fmt.Println("stored:", c.Name, c.Domain)
	}

	// The next request to the site carries the session cookie.
	resp, err := client.Get(srv.HostURL("https", ssetest.AppHost, "/profile"))
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	reqs := srv.Requests()
	for _, c := range reqs[len(reqs)-1].Cookies {
		fmt.Println("sent:", c.Name)
	}
	// Output:
	// stored: session app.example.test
	// sent: session
}

// A page on https://app.example.test reads a stream from
// https://api.other.test, another site, with credentials. The jar holds
// cookies the user got by visiting api.other.test; which of them go out
// depends on their SameSite attribute and on the profile's third-party
// cookie setting.
func ExampleJar_CookiesFor() {
	for _, policy := range []browserjar.Policy{browserjar.Block, browserjar.Allow} {
		jar := browserjar.New(&browserjar.Options{Browser: browser.Profile{ThirdPartyCookies: policy}})
		api, _ := url.Parse("https://api.other.test/events")
		jar.SetCookies(api, []*http.Cookie{ // the user's earlier visit
			{Name: "lax", Value: "1", Secure: true, SameSite: http.SameSiteLaxMode},
			{Name: "none", Value: "1", Secure: true, SameSite: http.SameSiteNoneMode},
		})

		send, decisions := jar.CookiesFor(browserjar.Request{
			URL:         api,
			TopLevel:    "https://app.example.test",
			Credentials: true, // new EventSource(url, {withCredentials: true})
		})
		fmt.Printf("third-party cookies %s: Cookie: %q\n", policy, browserjar.CookieHeader(send))
		for _, d := range decisions {
			fmt.Printf("  %s sent=%t: %s\n", d.Name, d.Sent, d.Reason)
		}
	}
	// Output:
	// third-party cookies block: Cookie: ""
	//   lax sent=false: third-party cookies are blocked in Chrome Incognito: a cross-site request sends only Partitioned cookies (fix: make the cookie `SameSite=None; Secure; Partitioned` and set it from a cross-site response, serve the stream from the page's site, or allow third-party cookies)
	//   none sent=false: third-party cookies are blocked in Chrome Incognito: a cross-site request sends only Partitioned cookies (fix: make the cookie `SameSite=None; Secure; Partitioned` and set it from a cross-site response, serve the stream from the page's site, or allow third-party cookies)
	// third-party cookies allow: Cookie: "none=1"
	//   lax sent=false: SameSite=Lax is not sent on a cross-site subresource request (in Chrome, as in every browser); set `SameSite=None; Secure` to send it cross-site
	//   none sent=true: sent: `SameSite=None; Secure` cookie on a cross-site request (third-party cookies allowed in Chrome)
}
