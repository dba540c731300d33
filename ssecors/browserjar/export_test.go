package browserjar

import (
	"net/http"
	"net/url"

	"github.com/ssecors/ssecors-go/internal/site"
)

// JarRequest is cookieRequest with exported fields, for tests in package
// browserjar_test: unlike [Request], it sets the policy per request and
// can set the redirect-taint. TopLevel is the page origin as a URL string;
// "" means opaque (a plain client).
type JarRequest struct {
	URL               *url.URL
	TopLevel          string
	Credentials       bool
	CrossSiteRedirect bool
	ThirdParty        Policy
	NestedCrossSite   bool
}

func (r JarRequest) internal() cookieRequest {
	cr := cookieRequest{
		url:               r.URL,
		credentials:       r.Credentials,
		crossSiteRedirect: r.CrossSiteRedirect,
		thirdParty:        r.ThirdParty,
		nestedCrossSite:   r.NestedCrossSite,
	}
	if r.TopLevel != "" {
		u, err := url.Parse(r.TopLevel)
		if err != nil {
			panic(err)
		}
		cr.topLevel = site.OriginOf(u)
	}
	return cr
}

// JarCookiesFor calls j.cookiesFor.
func JarCookiesFor(j *Jar, r JarRequest) ([]*http.Cookie, []Decision) {
	return j.cookiesFor(r.internal())
}

// JarStoreFrom calls j.storeFrom.
func JarStoreFrom(j *Jar, r JarRequest, setCookie []string) []Decision {
	return j.storeFrom(r.internal(), setCookie)
}
