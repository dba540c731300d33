package browsertest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	update   = flag.Bool("update", false, "rewrite ../PARITY.md from this run")
	caseFlag = flag.String("case", "", "run only the cases whose name matches this regular expression (no report is written)")
)

// suiteBudget bounds the whole parity run.
const suiteBudget = 8 * time.Minute

var (
	suiteOnce   sync.Once
	suite       *Suite
	suiteErr    error
	suiteCancel context.CancelFunc = func() {}
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if suite != nil {
		suite.Close()
	}
	suiteCancel()
	os.Exit(code)
}

// inCI reports whether the suite runs in CI, where a missing browser is a
// failure rather than a skip.
func inCI() bool { return os.Getenv("CI") == "true" }

// getSuite runs the parity suite once per test binary and returns it,
// skipping (locally) or failing (CI=true) when there is no Chromium.
func getSuite(t *testing.T) *Suite {
	t.Helper()
	path, err := FindChromium()
	if err != nil {
		if inCI() {
			t.Fatalf("CI=true and %v", err)
		}
		t.Skipf("skipping the browser parity suite: %v", err)
	}
	suiteOnce.Do(func() {
		cases, err := selectCases(*caseFlag)
		if err != nil {
			suiteErr = err
			return
		}
		var ctx context.Context
		ctx, suiteCancel = context.WithTimeout(context.Background(), suiteBudget)
		suite, suiteErr = RunSuite(ctx, path, cases)
	})
	if suiteErr != nil {
		t.Fatalf("running the parity suite: %v", suiteErr)
	}
	return suite
}

func TestParity(t *testing.T) {
	s := getSuite(t)
	for _, r := range s.Runs {
		t.Run(r.Name(), func(t *testing.T) {
			if err := r.Chromium.Harness; err != nil {
				t.Fatalf("Chromium side: %v", err)
			}
			if err := r.SDK.Harness; err != nil {
				t.Fatalf("ssecors side: %v", err)
			}
			if testing.Verbose() {
				t.Logf("Chromium: %v gaps %v\nssecors:  %v gaps %v", eventStrings(r.Chromium.Events), r.Chromium.Gaps, eventStrings(r.SDK.Events), r.SDK.Gaps)
				if r.Case.Fetch != nil {
					t.Logf("Chromium requests: %s\nChromium fetches: %s; jar %s", list(r.Chromium.Requests), list(r.Chromium.Fetches), list(r.Chromium.Jar))
				}
			}
			if !r.Verdict.Pass() {
				t.Errorf("ssecors differs from Chromium:\n  %s\n  ssecors said: %s", strings.Join(r.Verdict.Why, "\n  "), r.SDK.Detail)
			}
		})
	}
	if *update && *caseFlag != "" {
		t.Fatalf("-update writes the full report: run it without -case")
	}
	if *update {
		if err := os.WriteFile("../PARITY.md", []byte(Report(s)), 0o644); err != nil {
			t.Fatalf("writing ../PARITY.md: %v", err)
		}
		t.Logf("wrote ../PARITY.md")
	}
}

// selectCases returns the cases whose name matches expr (all when empty),
// or an error when none does.
func selectCases(expr string) ([]*Case, error) {
	all := Cases()
	if expr == "" {
		return all, nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, err
	}
	var out []*Case
	for _, c := range all {
		if re.MatchString(c.Name) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		// Zero runs would pass without starting a browser.
		return nil, fmt.Errorf("-case %q matches no case name (group names are not matched)", expr)
	}
	return out, nil
}

// TestChromiumAcceptEncoding checks the Accept-Encoding values that
// ssecors/doctor sends as Chromium's (browserAcceptEncoding in
// ssecors/doctor/wire.go) against what Chromium sent with its EventSource
// requests in this run: every value, per kind of URL. When Chromium
// changes them, update wire.go.
func TestChromiumAcceptEncoding(t *testing.T) {
	want := map[string]string{
		"https":          "gzip, deflate, br, zstd",
		"http, loopback": "gzip, deflate, br, zstd",
		"http":           "gzip, deflate",
	}
	s := getSuite(t)
	seen := map[string]map[string]bool{}
	for _, r := range s.Runs {
		if r.Case.Fetch != nil {
			continue
		}
		for _, req := range s.Srv.Log(r.ID + "c") {
			if req.Method != "GET" {
				continue
			}
			kind := req.Scheme
			if kind == "http" && (strings.HasPrefix(req.Host, "localhost") || strings.HasPrefix(req.Host, "127.0.0.1")) {
				kind = "http, loopback"
			}
			if seen[kind] == nil {
				seen[kind] = map[string]bool{}
			}
			seen[kind][req.AcceptEncoding] = true
		}
	}
	t.Logf("Chromium's Accept-Encoding per kind of URL: %v", seen)
	for kind, w := range want {
		if len(seen[kind]) == 0 {
			if *caseFlag == "" {
				t.Errorf("%s: no EventSource request seen", kind)
			}
			continue
		}
		for got := range seen[kind] {
			if got != w {
				t.Errorf("%s: Chromium sent Accept-Encoding %q, the doctor sends %q", kind, got, w)
			}
		}
	}
}
