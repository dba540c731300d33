package ssecors

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/ssecors/ssecors-go/internal/site"
)

// Exports of the CORS and preflight internals for the tests in package
// ssecors_test.

var (
	CheckCORS           = checkCORS
	NeedsPreflight      = needsPreflight
	FetchNeedsPreflight = fetchNeedsPreflight
	CheckPreflightFor   = checkPreflight
	NewPreflightFor     = newPreflightRequest
	NormalizeMethod     = normalizeMethod
	ReadableHeaders     = readableHeaders
	RedirectDropsBody   = redirectDropsBody
)

// UnsafeHeaderNames is unsafeHeaderNames for an EventSource request.
func UnsafeHeaderNames(h http.Header) []string { return unsafeHeaderNames(h, true) }

// UnsafeFetchHeaderNames is unsafeHeaderNames for a fetch() request.
func UnsafeFetchHeaderNames(h http.Header) []string { return unsafeHeaderNames(h, false) }

// NewPreflightRequest builds the preflight of a GET.
func NewPreflightRequest(ctx context.Context, u *url.URL, reqOrigin string, unsafe []string) (*http.Request, error) {
	return newPreflightRequest(ctx, u, reqOrigin, http.MethodGet, unsafe)
}

// CheckPreflight checks the preflight of a GET.
func CheckPreflight(status int, h http.Header, reqOrigin string, credentials bool, unsafe []string) (*BlockedError, time.Duration) {
	return checkPreflight(status, h, reqOrigin, credentials, http.MethodGet, unsafe, false)
}

// RedirectTaint returns the redirect-taint and the serialized request
// origin of a request made by a page at pageOrigin whose URL list is urls
// (the first URL, then each redirect target).
func RedirectTaint(pageOrigin string, urls ...string) (taintName, serialized string) {
	page := mustOrigin(pageOrigin)
	t := taintSameOrigin
	for i := 1; i < len(urls); i++ {
		t = updateTaint(t, page, mustOrigin(urls[i-1]), mustOrigin(urls[i]))
	}
	return t.String(), serializeRequestOrigin(page, t)
}

func mustOrigin(s string) site.Origin {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return site.OriginOf(u)
}

// DoPreflight is sendPreflight with a redactor using the default secret
// parameter names.
func DoPreflight(ctx context.Context, client *http.Client, u *url.URL, reqOrigin string, credentials bool, unsafe []string) (time.Duration, error) {
	res, err := sendPreflight(ctx, client, u, reqOrigin, credentials, http.MethodGet, unsafe, false, newRedactor(nil))
	return res.maxAge, err
}

// PreflightCache wraps preflightCache for the tests.
type PreflightCache struct{ c *preflightCache }

// NewPreflightCache returns a preflightCache reading the time from now.
func NewPreflightCache(now func() time.Time) *PreflightCache {
	return &PreflightCache{newPreflightCache(now)}
}

// Covers calls covers for a forced preflight of a GET.
func (p *PreflightCache) Covers(reqOrigin, u string, credentials bool, unsafe []string) bool {
	return p.c.covers(reqOrigin, u, credentials, http.MethodGet, true, unsafe)
}

// CoversFor calls covers for a GET under mode.
func (p *PreflightCache) CoversFor(mode PreflightMode, reqOrigin, u string, credentials bool, unsafe []string) bool {
	return p.c.covers(reqOrigin, u, credentials, http.MethodGet, mode == PreflightAlways, unsafe)
}

// CoversMethod calls covers for a fetch() with method.
func (p *PreflightCache) CoversMethod(reqOrigin, u string, credentials bool, method string, unsafe []string) bool {
	return p.c.covers(reqOrigin, u, credentials, method, false, unsafe)
}

// Store calls store for a forced preflight of a GET.
func (p *PreflightCache) Store(reqOrigin, u string, credentials bool, h http.Header, maxAge time.Duration) {
	p.c.store(reqOrigin, u, credentials, http.MethodGet, h, maxAge)
}

// StoreMethod calls store for a fetch() with method.
func (p *PreflightCache) StoreMethod(reqOrigin, u string, credentials bool, method string, h http.Header, maxAge time.Duration) {
	p.c.store(reqOrigin, u, credentials, method, h, maxAge)
}

// Clear calls clear.
func (p *PreflightCache) Clear(reqOrigin, u string) { p.c.clear(reqOrigin, u) }

// Len returns the number of entries held, expired ones included.
func (p *PreflightCache) Len() int {
	p.c.mu.Lock()
	defer p.c.mu.Unlock()
	return len(p.c.entries)
}

// Preflight calls preflight with the default redactor.
func (p *PreflightCache) Preflight(ctx context.Context, client *http.Client, mode PreflightMode, crossOrigin bool, u *url.URL, reqOrigin string, credentials bool, unsafe []string) (bool, error) {
	if !needsPreflight(mode, crossOrigin, unsafe) {
		return false, nil
	}
	sent, _, err := p.c.preflight(ctx, client, u, reqOrigin, credentials, http.MethodGet, mode == PreflightAlways, unsafe, newRedactor(nil))
	return sent, err
}

// ParsePreflightMaxAge is the lifetime a preflight result gets.
var ParsePreflightMaxAge = parsePreflightMaxAge
