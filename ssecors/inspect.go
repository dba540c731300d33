package ssecors

import (
	"context"
	"net/http"
	"time"

	"github.com/ssecors/ssecors-go/internal/inspect"
)

// This file opens the EventSource to ssecors/doctor through
// internal/inspect: what New configured, and the levers a diagnosis pulls.
// Nothing here is public API.

func init() {
	inspect.Of = func(x any) *inspect.View {
		es, ok := x.(*EventSource)
		if !ok || es == nil {
			return nil
		}
		return es.inspectView()
	}
	inspect.ErrRestart = errRestart
	inspect.UnsafeHeaderNames = func(h http.Header) []string { return unsafeHeaderNames(h, true) }
	inspect.UnsafeFetchHeaderNames = func(h http.Header) []string { return unsafeHeaderNames(h, false) }
	inspect.FetchNeedsPreflight = fetchNeedsPreflight
	inspect.ReadableHeaders = readableHeaders
	inspect.SecretWords = defaultSecretParams
}

func (es *EventSource) inspectView() *inspect.View {
	return &inspect.View{
		PageOrigin:  es.cfg.pageOrigin,
		Emulate:     es.cfg.emulate,
		TopLevel:    !es.cfg.nested,
		Preflight:   int(es.cfg.preflight),
		HeaderNames: sortedKeys(es.cfg.header),
		Fetch:       es.cfg.fetch != nil,
		Method:      es.method(),
		Credentials: es.credentialsMode(),
		Jar:         es.cookies,
		PlainJar:    es.plainJar != nil,
		Now:         es.cfg.now,
		RedactText:  es.red.text,
		RedactURL:   es.red.url,
		Fatal: func(err error) bool {
			return es.cfg.fatal(err)
		},
		NoWait: func() {
			es.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
		},
		DefaultConnectTimeout: func(d time.Duration) {
			if es.connectTO == 0 {
				es.connectTO = d
			}
		},
		WrapTransport: func(wrap func(http.RoundTripper) http.RoundTripper) {
			es.client.Transport = wrap(es.client.Transport)
		},
	}
}
