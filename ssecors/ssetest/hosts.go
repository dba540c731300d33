package ssetest

// Host names shared by tests, examples and the browser parity suite. Every
// one of them is in the server's certificate, and [Server.Client] dials the
// server's loopback listeners for them, so no DNS is needed.
//
// Sites are computed with the public suffix list: ".test" is not listed, so
// "example.test" and "other.test" are registrable domains; "github.io" and
// "co.uk" are public suffixes, so their children are sites of their own.
const (
	// AppHost is the page's host: requests "from the app" use
	// the origin https://app.example.test:<port>.
	AppHost = "app.example.test"
	// APIHost is another origin of the same site as AppHost
	// (same-site, cross-origin).
	APIHost = "api.example.test"
	// OtherHost is on another site than AppHost (cross-site).
	OtherHost = "api.other.test"
	// OtherAppHost is a page host on the same site as OtherHost.
	OtherAppHost = "app.other.test"
	// PagesHostA and PagesHostB are two sites under the public suffix
	// "github.io": cross-site to each other although they share a parent.
	PagesHostA = "a.github.io"
	// PagesHostB is the sibling of PagesHostA; see there.
	PagesHostB = "b.github.io"
	// UKHostA and UKHostB are two sites under the public suffix "co.uk".
	UKHostA = "x.co.uk"
	// UKHostB is the sibling of UKHostA; see there.
	UKHostB = "y.co.uk"
	// ComHost is a name under example.com, for tests that want a real
	// top-level domain's rules.
	ComHost = "www.example.com"
	// LocalHost is "localhost", which browsers treat as a secure context
	// even over plain HTTP.
	LocalHost = "localhost"
)

// certHosts are the names and addresses the certificate is valid for.
var certHosts = []string{
	"example.test", "*.example.test",
	"other.test", "*.other.test",
	"localhost", "*.localhost",
	"a.github.io", "b.github.io",
	"x.co.uk", "y.co.uk",
	"example.com", "*.example.com",
	"127.0.0.1", "::1",
}

// CertHosts returns the DNS names (wildcards included) and IP addresses the
// server's certificate is valid for, as a new slice on every call.
func CertHosts() []string {
	return append([]string(nil), certHosts...)
}
