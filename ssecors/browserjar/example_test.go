package browserjar_test

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/ssecors/ssecors-go/ssecors/browser"
	"github.com/ssecors/ssecors-go/ssecors/browserjar"
)

func ExampleNew() {
	// A fixed clock makes expiry reproducible; nil options use time.Now.
	now := time.Date(2026, time.January, 2, 3, 4, 5, 0, time.UTC)
	jar := browserjar.New(&browserjar.Options{Now: func() time.Time { return now }})

	// Prime the jar as if the user had logged in at app.example.com.
	login, _ := url.Parse("https://app.example.com/login")
	jar.SetCookies(login, []*http.Cookie{
		{Name: "session", Value: "s3cr3t", Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode},
		{Name: "sso", Value: "1", Domain: "example.com", Path: "/", Secure: true, SameSite: http.SameSiteNoneMode, MaxAge: 3600},
		{Name: "legacy", Value: "1", SameSite: http.SameSiteNoneMode}, // rejected: SameSite=None needs Secure
	})

	for _, host := range []string{"https://app.example.com/", "https://api.example.com/", "http://app.example.com/"} {
		u, _ := url.Parse(host)
		fmt.Print(host, ":")
		for _, c := range jar.Cookies(u) {
			fmt.Print(" ", c.Name)
		}
		fmt.Println()
	}
	// All shows the attributes; a leading dot marks a Domain cookie.
	for _, c := range jar.All() {
		expires := "session"
		if !c.Expires.IsZero() {
			expires = c.Expires.Format(time.RFC3339)
		}
		fmt.Printf("%s domain=%s path=%s secure=%t samesite=%d expires=%s\n",
			c.Name, c.Domain, c.Path, c.Secure, c.SameSite, expires)
	}
	// Output:
	// https://app.example.com/: session sso
	// https://api.example.com/: sso
	// http://app.example.com/:
	// session domain=app.example.com path=/ secure=true samesite=2 expires=session
	// sso domain=.example.com path=/ secure=true samesite=4 expires=2026-01-02T04:04:05Z
}

// The same cross-site stream, answered by Chrome and by Firefox: a page on
// https://app.example.test reads https://api.other.test/events with
// credentials, and the stream's response sets two cookies. Chrome (third-
// party cookies allowed) keeps the SameSite=None one as an ordinary cookie
// and rejects the one without SameSite, which it treats as Lax. Firefox's
// Total Cookie Protection keeps both, but in the partition of the page's
// site: they go back on the reconnect, never to a top-level visit of
// api.other.test.
func ExampleJar_firefox() {
	api, _ := url.Parse("https://api.other.test/events")
	stream := browserjar.Request{URL: api, TopLevel: "https://app.example.test", Credentials: true}
	for _, profile := range []browser.Profile{browser.Chrome, browser.Firefox} {
		jar := browserjar.New(&browserjar.Options{Browser: profile})
		fmt.Println(profile)
		for _, d := range jar.SetCookiesFrom(stream, []string{"sid=1; SameSite=None; Secure; Path=/", "pref=dark; Path=/"}) {
			fmt.Printf("  %s stored=%t partitioned=%t\n", d.Name, d.Stored, d.Partitioned)
		}
		send, _ := jar.CookiesFor(stream)
		fmt.Printf("  reconnect: Cookie: %q\n", browserjar.CookieHeader(send))
		fmt.Printf("  top-level visit of api.other.test: Cookie: %q\n", browserjar.CookieHeader(jar.Cookies(api)))
	}
	// Output:
	// Chrome
	//   sid stored=true partitioned=false
	//   pref stored=false partitioned=false
	//   reconnect: Cookie: "sid=1"
	//   top-level visit of api.other.test: Cookie: "sid=1"
	// Firefox
	//   sid stored=true partitioned=true
	//   pref stored=true partitioned=true
	//   reconnect: Cookie: "sid=1; pref=dark"
	//   top-level visit of api.other.test: Cookie: ""
}
