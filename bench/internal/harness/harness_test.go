package harness_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/bench/conform"
	"github.com/ssecors/ssecors-go/bench/corpus"
	"github.com/ssecors/ssecors-go/bench/internal/driver"
	"github.com/ssecors/ssecors-go/bench/internal/harness"
	"github.com/ssecors/ssecors-go/bench/libs"
)

// TestMain lets the harness re-execute this test binary as the driver.
func TestMain(m *testing.M) {
	if os.Getenv(driver.EnvChild) == "1" {
		os.Exit(driver.Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestSmoke runs every measurement on a tiny scale, each library in a
// driver process, and checks that each produced results and that ssecors
// came through the reconnect test intact. It asserts nothing about time.
func TestSmoke(t *testing.T) {
	cfg, err := harness.Preset("smoke")
	if err != nil {
		t.Fatal(err)
	}
	r := &harness.Runner{Exe: os.Args[0], Dir: t.TempDir(), Logf: t.Logf}
	res, err := r.Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Errors {
		t.Errorf("failed run: %s", e)
	}

	ps := res.ParseStats()
	for _, c := range corpus.Names {
		for _, p := range libs.Parsers() {
			st := ps[[2]string{p.Name, c}]
			dev := libs.KnownDeviation(p.Name, c)
			switch {
			case st == nil:
				t.Errorf("parse %s/%s: no result", c, p.Name)
			case st.Check != "" && dev == "":
				t.Errorf("parse %s/%s: %s", c, p.Name, st.Check)
			case st.Rounds == 0 && dev == "":
				t.Errorf("parse %s/%s: no measurement", c, p.Name)
			}
		}
	}

	es := res.E2EStats()
	for _, s := range libs.Streamers() {
		if st := es[s.Name]; st == nil || st.Rounds == 0 {
			t.Errorf("e2e %s: no measurement", s.Name)
		}
	}

	is := res.IdleStats()
	for _, n := range cfg.IdleConns {
		for _, s := range libs.Streamers() {
			if is[n][s.Name] == nil {
				t.Errorf("idle %d %s: no measurement", n, s.Name)
			}
		}
	}

	seen := map[string]int{}
	for _, run := range res.Reconnect {
		seen[run.Client.Lib]++
		c := run.Client
		if c.Lib != libs.SSECors {
			continue
		}
		if c.Lost != 0 || c.Duplicated != 0 || c.Corrupt != 0 || !c.Finished {
			t.Errorf("reconnect %s ssecors: got %d lost, %d duplicated, %d corrupt, finished %v; want 0, 0, 0, true",
				run.Mode, c.Lost, c.Duplicated, c.Corrupt, c.Finished)
		}
		if got, want := run.Server.Connections, cfg.Drops+1; got != want {
			t.Errorf("reconnect %s ssecors: got %d requests, want %d", run.Mode, got, want)
		}
	}
	for _, s := range libs.Streamers() {
		if s.Reconnects && seen[s.Name] != 2 {
			t.Errorf("reconnect %s: got %d runs, want 2", s.Name, seen[s.Name])
		}
	}

	// Every parser with an events adapter ran every conformance case, and
	// ssecors passed them all.
	ran := map[string]int{}
	for _, cr := range res.Conform {
		ran[cr.Lib]++
		if cr.Lib == libs.SSECors && !cr.Pass {
			t.Errorf("conformance %s ssecors: %s", cr.Case, cr.Diff)
		}
	}
	for _, p := range libs.Parsers() {
		if p.Events != nil && ran[p.Name] != len(conform.Cases()) {
			t.Errorf("conformance %s: %d cases ran, want %d", p.Name, ran[p.Name], len(conform.Cases()))
		}
	}

	// Every parse adapter parsed every large event of the preset right.
	large := map[string]int{}
	for _, lr := range res.Large {
		large[lr.Lib]++
		if lr.TimedOut || lr.Skipped || lr.Check != "" || lr.Samples < 1 || lr.Seconds <= 0 {
			t.Errorf("large event %s %d in %d-byte reads, %s: %+v", lr.Shape, lr.Size, lr.ReadSize, lr.Lib, lr)
		}
	}
	for _, p := range libs.Parsers() {
		if got, want := large[p.Name], len(cfg.LargeEventSizes)*len(cfg.LargeEventReads)*len(cfg.LargeEventShapes); got != want {
			t.Errorf("large event %s: got %d results, want %d", p.Name, got, want)
		}
	}

	var b strings.Builder
	if err := harness.WriteMarkdown(&b, res, "cd bench && go run ./cmd/report -preset smoke"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Targets", "## 1. In-process parse", "## 2. End to end", "## 3. Idle footprint", "## 4. Reconnect", "## 5. One large event in small reads", "## 6. Spec conformance", "## Method"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestPreset(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		wantErr bool
	}{
		{name: "full"},
		{name: "quick"},
		{name: "smoke"},
		{name: "huge", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := harness.Preset(tt.name)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if err == nil && (cfg.Rounds < 1 || cfg.Drops < 1 || len(cfg.IdleConns) == 0 || cfg.ParseMinTime <= 0 || cfg.RetryDelay != 5*time.Millisecond ||
				len(cfg.LargeEventSizes) == 0 || len(cfg.LargeEventReads) == 0 || len(cfg.LargeEventShapes) == 0 || cfg.LargeEventLimit <= 0 || cfg.LargeEventSamples < 1 || len(cfg.Only) != 0) {
				t.Errorf("preset %s is incomplete: %+v", tt.name, cfg)
			}
		})
	}
}

// TestLargeTimeout runs the large-event step alone with a limit no parse
// can meet: every library must be reported as not finishing on the
// smallest size (its driver gave up and exited) and as not run on the
// larger one, and the report must say so.
func TestLargeTimeout(t *testing.T) {
	cfg, err := harness.Preset("smoke")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Only = []string{"large"}
	cfg.LargeEventSizes = []int{4 << 20, 1 << 20} // unsorted on purpose
	cfg.LargeEventReads = []int{16}
	cfg.LargeEventShapes = []string{corpus.OneLine}
	cfg.LargeEventLimit = time.Microsecond
	r := &harness.Runner{Exe: os.Args[0], Dir: t.TempDir(), Logf: t.Logf}
	t0 := time.Now()
	res, err := r.Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Parse) != 0 || len(res.E2E) != 0 || len(res.Idle) != 0 || len(res.Reconnect) != 0 {
		t.Errorf("-only large ran other steps")
	}
	for _, e := range res.Errors {
		t.Errorf("failed run: %s", e)
	}
	got := map[[2]any]driver.LargeResult{}
	for _, lr := range res.Large {
		got[[2]any{lr.Lib, lr.Size}] = lr
	}
	if len(got) != 2*len(libs.Parsers()) || len(res.Large) != len(got) {
		t.Fatalf("got %d results (%d distinct), want %d", len(res.Large), len(got), 2*len(libs.Parsers()))
	}
	for _, p := range libs.Parsers() {
		small, large := got[[2]any{p.Name, 1 << 20}], got[[2]any{p.Name, 4 << 20}]
		if !small.TimedOut || small.Skipped || small.Samples != 0 {
			t.Errorf("%s at 1 MiB: got %+v, want a time-out", p.Name, small)
		}
		if !large.Skipped || large.TimedOut {
			t.Errorf("%s at 4 MiB: got %+v, want skipped", p.Name, large)
		}
	}
	if d := time.Since(t0); d > time.Minute {
		t.Errorf("the step took %s: a driver did not give up at its limit", d)
	}
	var b strings.Builder
	if err := harness.WriteSections(&b, res, "test"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## 5. One large event in small reads", "**did not finish in 1µs**", "not run (did not finish at 1 MiB)", "large only"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(b.String(), "## 1. In-process parse") {
		t.Errorf("report of -only large holds the parse section")
	}
}

// TestGrowth checks the growth and verdict of the large-event section on
// made-up results.
func TestGrowth(t *testing.T) {
	t.Parallel()
	const mib = 1 << 20
	sizes := []int{mib, 4 * mib, 16 * mib}
	ok := func(size int, nsPerByte float64) *driver.LargeResult {
		return &driver.LargeResult{Size: size, Samples: 1, Seconds: nsPerByte * float64(size) / 1e9, Limit: 10}
	}
	dnf := func(size int) *driver.LargeResult {
		return &driver.LargeResult{Size: size, TimedOut: true, Seconds: 10, Limit: 10}
	}
	skip := func(size int) *driver.LargeResult { return &driver.LargeResult{Size: size, Skipped: true, Limit: 10} }
	tests := []struct {
		name      string
		at        []*driver.LargeResult
		ratio     float64
		exponent  float64
		dnf       int
		verdict   string
		firstFail bool
	}{
		{name: "linear", at: []*driver.LargeResult{ok(mib, 2), ok(4*mib, 2.2), ok(16*mib, 2)}, ratio: 1, exponent: 1, verdict: "linear"},
		{name: "quadratic", at: []*driver.LargeResult{ok(mib, 2), ok(4*mib, 8), ok(16*mib, 32)}, ratio: 16, exponent: 2, verdict: "quadratic"},
		// The cache step of a linear parser: ns/byte grows, then stops.
		{name: "cache", at: []*driver.LargeResult{ok(mib, 0.4), ok(4*mib, 1.8), ok(16*mib, 1.4)}, ratio: 3.5, exponent: 1.45, verdict: "linear"},
		{name: "between", at: []*driver.LargeResult{ok(mib, 2), ok(4*mib, 4), ok(16*mib, 8)}, ratio: 4, exponent: 1.5, verdict: "unclear"},
		{name: "quadratic then flat", at: []*driver.LargeResult{ok(mib, 2), ok(4*mib, 30), ok(16*mib, 32)}, ratio: 16, exponent: 2, verdict: "linear"},
		{name: "noisy then dnf", at: []*driver.LargeResult{ok(mib, 600), ok(4*mib, 500), dnf(16 * mib)}, ratio: 0.833, exponent: 0.868, dnf: 16 * mib, verdict: "unclear"},
		{name: "linear then dnf", at: []*driver.LargeResult{ok(mib, 2), ok(4*mib, 2), dnf(16 * mib)}, ratio: 1, exponent: 1, dnf: 16 * mib, verdict: "quadratic or worse"},
		{name: "quadratic two sizes", at: []*driver.LargeResult{ok(mib, 2), ok(4*mib, 8), dnf(16 * mib)}, ratio: 4, exponent: 2, dnf: 16 * mib, verdict: "quadratic or worse"},
		{name: "slow last step", at: []*driver.LargeResult{ok(mib, 2), ok(4*mib, 16), ok(16*mib, 32)}, ratio: 16, exponent: 2, verdict: "unclear"},
		// 4 MiB in over 10 s is over 2384 ns/B: at least 1.99× 1200 ns/B, e ≥ 1.50.
		{name: "bound", at: []*driver.LargeResult{ok(mib, 1200), dnf(4 * mib), skip(16 * mib)}, dnf: 4 * mib, verdict: "unclear"},
		{name: "quadratic bound", at: []*driver.LargeResult{ok(mib, 10), dnf(4 * mib), skip(16 * mib)}, dnf: 4 * mib, verdict: "quadratic or worse"},
		{name: "useless bound", at: []*driver.LargeResult{ok(mib, 2000), dnf(4 * mib), skip(16 * mib)}, dnf: 4 * mib, verdict: "did not finish at 4 MiB"},
		{name: "first dnf", at: []*driver.LargeResult{dnf(mib), skip(4 * mib), skip(16 * mib)}, verdict: "did not finish at 1 MiB", firstFail: true},
		{name: "first wrong", at: []*driver.LargeResult{{Size: mib, Samples: 1, Seconds: 1, Check: "got 0 events"}, ok(4*mib, 1), ok(16*mib, 1)}, verdict: "–", firstFail: true},
		{name: "one size", at: []*driver.LargeResult{ok(mib, 2), nil, nil}, verdict: "–"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			at := map[int]*driver.LargeResult{}
			for i, lr := range tt.at {
				if lr != nil {
					at[sizes[i]] = lr
				}
			}
			g := harness.Growth(sizes, at)
			if tt.ratio != 0 && (g.Ratio < tt.ratio*0.99 || g.Ratio > tt.ratio*1.01 || g.Exponent < tt.exponent-0.01 || g.Exponent > tt.exponent+0.01) {
				t.Errorf("got ratio %.3f, exponent %.3f; want %.3f, %.3f", g.Ratio, g.Exponent, tt.ratio, tt.exponent)
			}
			if g.DNF != tt.dnf || g.FirstFailed != tt.firstFail {
				t.Errorf("got DNF %d, first failed %v; want %d, %v", g.DNF, g.FirstFailed, tt.dnf, tt.firstFail)
			}
			if v := g.Verdict(); v != tt.verdict {
				t.Errorf("got verdict %q, want %q", v, tt.verdict)
			}
		})
	}
}
