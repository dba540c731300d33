package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/internal/leakcheck"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestMain fails the run when goroutines outlive the tests: every command
// run must end its streams, and every test server must be closed.
func TestMain(m *testing.M) { leakcheck.Main(m) }

// result is what one in-process run of the command produced.
type result struct {
	code           int
	stdout, stderr string
}

// runWith runs the command in-process with srv's client, which reaches the
// test server under every test host name on ports 80 and 443, so that the
// URLs in the arguments (and in the output) carry no port. srv may be nil
// for runs that must fail before sending anything.
func runWith(t *testing.T, srv *ssetest.Server, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if srv != nil {
		ctx = withClient(ctx, srv.Client())
	}
	var out, errb bytes.Buffer
	code := run(ctx, args, strings.NewReader(stdin), &out, &errb, func(string) string { return "" })
	return result{code: code, stdout: normalize(srv, out.String()), stderr: normalize(srv, errb.String())}
}

// normalize replaces the server's random ports, should any appear.
func normalize(srv *ssetest.Server, s string) string {
	if srv == nil {
		return s
	}
	s = strings.ReplaceAll(s, ":"+srv.Port("https"), ":TLSPORT")
	return strings.ReplaceAll(s, ":"+srv.Port("http"), ":PORT")
}

// golden compares got with testdata/name.golden, or rewrites the file with
// -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/ssecors -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run go test ./cmd/ssecors -update after checking):\n%s", path, lineDiff(string(want), got))
	}
}

// lineDiff shows the first lines that differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, wl, gl)
			if shown++; shown == 5 {
				break
			}
		}
	}
	return b.String()
}

func TestRun_help(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"help"}, {"--help"}, {"doctor", "-h"}, {"listen", "--help"}} {
		r := runWith(t, nil, "", args...)
		if r.code != exitOK || !strings.Contains(r.stdout, "ssecors doctor URL --origin ORIGIN") {
			t.Errorf("%q: exit %d, stdout %q; want 0 and the usage", args, r.code, r.stdout)
		}
	}
}
