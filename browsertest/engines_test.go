package browsertest

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

var engineFlag = flag.String("engine", "", "TestEngines: the engines to measure, comma-separated: chromium, firefox, webkit, webkit-itp (none: TestEngines skips)")

// engineBudget bounds one engine's run in TestEngines.
const engineBudget = 6 * time.Minute

// TestEngines runs the case table in the engines -engine names and
// compares each with ssecors through Judge. It is a measurement, not part
// of CI yet: it runs only when -engine is given, the results are logged,
// and it fails only when the harness cannot run (an engine that is not
// installed is skipped). See ../ENGINES.md. Run it with
//
//	go test -count=1 -run 'TestEngines$' -v ./... -engine firefox,webkit,webkit-itp [-case REGEXP]
func TestEngines(t *testing.T) {
	if *engineFlag == "" {
		t.Skip("a measurement: run it with -engine firefox,webkit,webkit-itp (see ../ENGINES.md)")
	}
	cases, err := selectCases(*caseFlag)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, n := range strings.Split(*engineFlag, ",") {
		want[strings.TrimSpace(n)] = true
	}
	for n := range want {
		if !slices.ContainsFunc(Engines, func(k EngineKind) bool { return k.Name == n }) {
			t.Fatalf("-engine: unknown engine %q", n)
		}
	}
	srv, err := NewServer()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	runs := Instances(cases)
	var sdk map[*Run]Outcome
	for _, kind := range Engines {
		if !want[kind.Name] {
			continue
		}
		t.Run(kind.Name, func(t *testing.T) {
			path, err := kind.Find()
			if err != nil {
				t.Skipf("skipping %s: %v", kind.Name, err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), engineBudget)
			defer cancel()
			if sdk == nil {
				sdk = SDKOutcomes(ctx, srv, runs)
			}
			var progress func(*EngineRun)
			if testing.Verbose() {
				progress = func(r *EngineRun) { t.Logf("%s: %s", r.Name(), r.Verdict) }
			}
			res, err := RunEngine(ctx, kind, path, srv, runs, sdk, progress)
			if err != nil {
				t.Fatal(err)
			}
			t.Log(EngineSummary(res))
			for _, r := range res.Runs {
				if r.Browser.Harness != nil {
					t.Errorf("%s: %s: %v", kind.Name, r.Name(), r.Browser.Harness)
				}
				if r.SDK.Harness != nil {
					t.Errorf("ssecors: %s: %v", r.Name(), r.SDK.Harness)
				}
			}
		})
	}
}

// EngineSummary renders an engine's measurement: the counts, then every
// run that differs with the differences.
func EngineSummary(res *EngineResult) string {
	var b strings.Builder
	agree, intentional, different, harness := res.Counts()
	fmt.Fprintf(&b, "%s (%s), %d runs in %v: agree %d, intentional %d, different %d, harness errors %d\n",
		res.Kind.Name, res.Version, len(res.Runs), res.Elapsed.Round(time.Second), agree, intentional, len(different), len(harness))
	if res.SkippedFetch > 0 {
		fmt.Fprintf(&b, "(%d fetch() runs left out: this engine's runner does not run fetch cases yet)\n", res.SkippedFetch)
	}
	for _, r := range res.Runs {
		if r.Verdict.Pass() || r.Browser.Harness != nil || r.SDK.Harness != nil {
			continue
		}
		fmt.Fprintf(&b, "- %s\n", r.Name())
		for _, w := range r.Verdict.Why {
			fmt.Fprintf(&b, "    %s\n", strings.ReplaceAll(w, "Chromium", res.Kind.Name))
		}
	}
	return b.String()
}
