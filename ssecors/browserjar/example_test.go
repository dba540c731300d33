package browserjar_test

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

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
