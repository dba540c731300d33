package ssecors_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

// Secret values used by the leak tests. Each is distinctive so that a
// substring search cannot match by accident.
var secrets = []string{
	"tok-7f3a9c1e", "key-b82d44aa", "sig-0c9e7d15", "tenant-5e6f7a8b", "bearer-91ac3d0f", "func-d4e5f6a7",
}

// lockedBuffer is a bytes.Buffer safe for the logger's concurrent use.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// secretOptions sets every kind of secret ssecors knows: parameters whose
// names look secret, a caller-declared secret name, a header moved to the
// query, and a per-attempt parameter.
func secretOptions(logs *lockedBuffer) []ssecors.Option {
	return []ssecors.Option{
		ssecors.WithQuery("access_token", secrets[0]),
		ssecors.WithQuery("api_key", secrets[1]),
		ssecors.WithQuery("X-Amz-Signature", secrets[2]),
		ssecors.WithSecrets("tenant"),
		ssecors.WithQuery("tenant", secrets[3]),
		ssecors.WithQuery("authorization", "Bearer "+secrets[4]),
		ssecors.WithQueryFunc(func(context.Context) (url.Values, error) {
			return url.Values{"session": {secrets[5]}}, nil
		}),
		ssecors.WithLogger(slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
	}
}

func assertNoSecret(t *testing.T, where, s string) {
	t.Helper()
	for _, sec := range secrets {
		if strings.Contains(s, sec) || strings.Contains(s, url.QueryEscape(sec)) {
			t.Errorf("%s leaks %q:\n%s", where, sec, s)
		}
	}
}

// TestRedaction_failurePaths drives the error paths with secret query
// parameters set and checks every error string, its %v, %+v and %#v forms,
// String(), and every log record at debug level.
func TestRedaction_failurePaths(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{})
	echo := func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, "bad credentials in %s", r.URL.RawQuery) // servers do echo
	}
	srv.Handle("/echo401", ssetest.Endpoint{Handler: echo})
	srv.Handle("/s500", ssetest.Endpoint{Status: 500, Body: "oops"})
	srv.Handle("/cors", ssetest.Endpoint{Events: ssetest.Messages("x")})
	srv.Handle("/pf", ssetest.Endpoint{CORS: &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}, PreflightStatus: 500}})
	srv.Handle("/redir", ssetest.Endpoint{Redirect: &ssetest.Redirect{Location: "ftp://example.com/?token=" + secrets[0]}})
	srv.Handle("/loop", ssetest.Endpoint{Redirect: &ssetest.Redirect{Location: "/loop?code=" + secrets[1]}})
	srv.Handle("/big", ssetest.Endpoint{Events: []ssetest.Event{{Data: strings.Repeat("x", 4096)}}})
	srv.Handle("/stall", ssetest.Endpoint{StallAfterHeaders: true})
	page := srv.Origin("https", ssetest.AppHost)
	tlsURL := srv.HostURL("https", ssetest.OtherHost, "")

	cases := []struct {
		name  string
		url   string
		opts  []ssecors.Option
		stopN int // close after this many errors (reconnecting cases)
	}{
		{"refused connection", "http://127.0.0.1:1/events", nil, 2},
		{"unknown host", "http://no-such-host.invalid/events", nil, 1},
		{"status 401 echoing the query", srv.URL + "/echo401", nil, 0},
		{"status 500", srv.URL + "/s500", []ssecors.Option{ssecors.WithRetry(ssecors.RetryPolicy{RetryServerErrors: true, MaxAttempts: 2})}, 0},
		{"cors failure", tlsURL + "/cors", []ssecors.Option{ssecors.WithOrigin(page), ssecors.WithHTTPClient(srv.Client())}, 0},
		{"preflight failure", tlsURL + "/pf", []ssecors.Option{ssecors.WithOrigin(page), ssecors.WithHTTPClient(srv.Client()),
			ssecors.WithPreflight(ssecors.PreflightAlways)}, 0},
		{"redirect to another scheme", srv.URL + "/redir", nil, 0},
		{"redirect loop", srv.URL + "/loop", nil, 1},
		{"mixed content", srv.HostURL("http", ssetest.APIHost, "/events"), []ssecors.Option{ssecors.WithOrigin(page),
			ssecors.WithHTTPClient(srv.Client())}, 0},
		{"event too large", srv.URL + "/big", []ssecors.Option{ssecors.WithMaxEventSize(1024)}, 0},
		{"idle timeout", srv.URL + "/stall", []ssecors.Option{ssecors.WithIdleTimeout(50 * time.Millisecond)}, 1},
		{"TLS error", tlsURL + "/events", nil, 1}, // default client: the test certificate is not trusted
		{"connect timeout", srv.URL + "/stall", []ssecors.Option{ssecors.WithHTTPClient(&http.Client{Timeout: time.Nanosecond})}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs lockedBuffer
			es := mustNew(t, tc.url, append(secretOptions(&logs), tc.opts...)...)
			var texts []string
			n := 0
			es.OnError(func(err error) {
				texts = append(texts, err.Error(), fmt.Sprintf("%v|%+v|%#v", err, err, err))
				if n++; tc.stopN > 0 && n >= tc.stopN {
					es.Close()
				}
			})
			ssecors.SetSleep(es, func(ctx context.Context, _ time.Duration) error { return ctx.Err() })
			err := runSource(t, es)
			if err != nil {
				texts = append(texts, err.Error(), fmt.Sprintf("%v|%+v|%#v", err, err, err))
			}
			if len(texts) == 0 {
				t.Fatal("no error was produced: the case tests nothing")
			}
			texts = append(texts, es.String(), fmt.Sprint(es))
			for _, s := range texts {
				assertNoSecret(t, "error text", s)
			}
			if logs.String() == "" {
				t.Fatal("nothing was logged")
			}
			assertNoSecret(t, "log", logs.String())
			// URL() mirrors the browser attribute and keeps real values.
			if !strings.Contains(es.URL(), secrets[0]) {
				t.Errorf("URL() lost the real value: %s", es.URL())
			}
		})
	}
}

func TestRedaction_contextCancelled(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ssetest.Endpoint{HeaderDelay: 10 * time.Second})
	var logs lockedBuffer
	es := mustNew(t, srv.EventsURL(), secretOptions(&logs)...)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := es.Run(ctx)
	assertNoSecret(t, "error", fmt.Sprintf("%v %+v", err, err))
	assertNoSecret(t, "log", logs.String())
}

func TestRedaction_configErrors(t *testing.T) {
	t.Parallel()
	_, err := ssecors.New("http://example.com/events?token="+secrets[0]+"&token2=x",
		ssecors.WithQuery("token", "other"))
	if err == nil {
		t.Fatal("no collision error")
	}
	assertNoSecret(t, "config error", err.Error())
	_, err = ssecors.New("gopher://example.com/?password=" + secrets[1])
	if err == nil {
		t.Fatal("no scheme error")
	}
	assertNoSecret(t, "config error", err.Error())
}
