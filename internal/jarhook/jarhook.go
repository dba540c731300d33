// Package jarhook gives the ssecors packages what the public API of
// ssecors/browserjar does not: a view of a jar under the other third-party
// cookie policy, which the diagnosis uses to say what that setting would
// change. browserjar sets the hooks in its init function.
package jarhook

// WithPolicy returns a *browserjar.Jar that shares the cookies of jar (a
// *browserjar.Jar) but applies the Allow policy if allow is true, and Block
// otherwise. It panics if jar is not a *browserjar.Jar.
var WithPolicy func(jar any, allow bool) any

// CredentialsReason is the Reason of a browserjar.Decision on a request
// without credentials, which sends and stores no cookie.
const CredentialsReason = "credentials not included: cross-origin request without withCredentials, so no cookies are sent or stored (enable WithCredentials; the server must then answer Access-Control-Allow-Credentials: true)"
