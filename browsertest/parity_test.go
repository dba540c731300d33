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
	update     = flag.Bool("update", false, "rewrite the sections of ../PARITY.md of the engines this run ran")
	caseFlag   = flag.String("case", "", "run only the cases whose name matches this regular expression (no report is written)")
	engineFlag = flag.String("engine", "chromium", "the engines or configurations to run, comma-separated: chromium, firefox, webkit, all (every engine), or a configuration's name (webkit-default, a measurement, runs only when named)")
)

// configBudget bounds the run of one configuration.
const configBudget = 10 * time.Minute

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
		suite.Srv.Close()
	}
	suiteCancel()
	os.Exit(code)
}

// inCI reports whether the suite runs in CI, where a missing browser is a
// failure rather than a skip.
func inCI() bool { return os.Getenv("CI") == "true" }

// getSuite runs the configurations -engine names once per test binary and
// returns the suite. An engine that is not installed fails the test with
// CI=true; otherwise its configurations are left out, and the test skips
// when none is left.
func getSuite(t *testing.T) *Suite {
	t.Helper()
	configs, err := SelectConfigs(*engineFlag)
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{}
	var found []*Config
	for _, cfg := range configs {
		if _, ok := paths[cfg.Kind.Name]; !ok {
			path, err := cfg.Kind.Find()
			if err != nil {
				if inCI() {
					t.Fatalf("CI=true and %v", err)
				}
				t.Logf("leaving out %s: %v", cfg.Kind.Name, err)
			}
			paths[cfg.Kind.Name] = path
		}
		if paths[cfg.Kind.Name] != "" {
			found = append(found, cfg)
		}
	}
	if len(found) == 0 {
		t.Skipf("skipping the browser parity suite: no engine of -engine %q is installed", *engineFlag)
	}
	suiteOnce.Do(func() {
		cases, err := selectCases(*caseFlag)
		if err != nil {
			suiteErr = err
			return
		}
		srv, err := NewServer()
		if err != nil {
			suiteErr = err
			return
		}
		var ctx context.Context
		ctx, suiteCancel = context.WithTimeout(context.Background(), time.Duration(len(found))*configBudget)
		var progress func(*Run)
		if testing.Verbose() {
			progress = func(r *Run) { t.Logf("%s: %s: %s", r.Config.Name, r.Name(), r.Verdict) }
		}
		suite, suiteErr = RunSuite(ctx, srv, found, paths, cases, configBudget, progress)
		if suite != nil {
			for _, res := range suite.Results {
				t.Log(res)
			}
		}
	})
	if suiteErr != nil {
		t.Fatalf("running the parity suite: %v", suiteErr)
	}
	return suite
}

func TestParity(t *testing.T) {
	s := getSuite(t)
	for _, res := range s.Results {
		t.Run(res.Config.Name, func(t *testing.T) {
			for _, r := range res.Runs {
				t.Run(r.Name(), func(t *testing.T) {
					if err := r.Browser.Harness; err != nil {
						t.Fatalf("%s side: %v", res.Config.Kind.Title, err)
					}
					if err := r.SDK.Harness; err != nil {
						t.Fatalf("ssecors side: %v", err)
					}
					if !r.Verdict.Pass() {
						t.Errorf("ssecors as %s differs from %s:\n  %s\n  ssecors said: %s", res.Config.Profile, res.Config.Kind.Title,
							strings.Join(r.Verdict.Why, "\n  "), r.SDK.Detail)
					}
				})
			}
		})
	}
	if *update && *caseFlag != "" {
		t.Fatalf("-update writes whole sections: run it without -case")
	}
	if *update {
		old, err := os.ReadFile("../PARITY.md")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("../PARITY.md", []byte(UpdateReport(string(old), s)), 0o644); err != nil {
			t.Fatalf("writing ../PARITY.md: %v", err)
		}
		t.Logf("rewrote the sections of ../PARITY.md of: %s", *engineFlag)
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
	for _, r := range s.Runs() {
		if r.Case.Fetch != nil || r.Config.Kind.Name != ChromiumKind.Name {
			continue
		}
		for _, req := range s.Srv.Log(r.ID + "b") {
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
	if len(seen) == 0 {
		t.Skip("no Chromium run in this suite (-engine)")
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
