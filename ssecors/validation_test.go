package ssecors_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/internal/testserver"
	"github.com/ssecors/ssecors-go/ssecors"
)

func TestScratchLeak(t *testing.T) {
	srv := newServer(t, testserver.Endpoint{})
	srv.Handle("/echo", testserver.Endpoint{Handler: func(w http.ResponseWriter, r *http.Request) {
		conn, _, _ := http.NewResponseController(w).Hijack()
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\n\r\n", r.URL.RequestURI())
		conn.Close()
	}})
	srv.Handle("/echo401", testserver.Endpoint{Handler: func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(401)
		fmt.Fprintf(w, "bad %s", r.URL.RawQuery)
	}})
	srv.Handle("/hdr", testserver.Endpoint{Handler: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; q="+r.URL.RawQuery)
		w.WriteHeader(200)
	}})
	for _, p := range []string{"/echo", "/echo401", "/hdr"} {
		es := mustNew(t, srv.URL+p+"?token=SECRETURL1&x=1", ssecors.WithQuery("api_key", "SECRETOPT2"))
		var errs []string
		es.OnError(func(err error) {
			errs = append(errs, fmt.Sprintf("%v | %+v", err, err))
			if len(errs) > 1 {
				es.Close()
			}
		})
		ssecors.SetSleep(es, func(ctx context.Context, _ time.Duration) error { return ctx.Err() })
		err := es.Run(context.Background())
		fmt.Println(p, errs)
		var re *ssecors.ResponseError
		if e, ok := err.(*ssecors.ResponseError); ok {
			re = e
			fmt.Printf("body %q ct %q\n", re.Body, re.ContentType)
		}
	}
}
