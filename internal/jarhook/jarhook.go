// Package jarhook gives the ssecors packages what the public API of
// ssecors/browserjar does not: a view of a jar under another browser
// profile, which the diagnosis uses to say what each browser would do. browserjar sets the hooks in its init function.
package jarhook

import "github.com/ssecors/ssecors-go/ssecors/browser"

// WithBrowser returns a *browserjar.Jar that shares the cookies of jar (a
// *browserjar.Jar) but applies the rules of browser profile p. It panics if
// jar is not a *browserjar.Jar.
var WithBrowser func(jar any, p browser.Profile) any

// CredentialsReason is the Reason of a browserjar.Decision on a request
// without credentials, which sends and stores no cookie.
const CredentialsReason = "credentials not included: cross-origin request without withCredentials, so no cookies are sent or stored (enable WithCredentials; the server must then answer Access-Control-Allow-Credentials: true)"
