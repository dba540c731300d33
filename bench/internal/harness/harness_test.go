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

	var b strings.Builder
	if err := harness.WriteMarkdown(&b, res, "cd bench && go run ./cmd/report -preset smoke"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Targets", "## 1. In-process parse", "## 2. End to end", "## 3. Idle footprint", "## 4. Reconnect", "## 5. Spec conformance", "## Method"} {
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
			if err == nil && (cfg.Rounds < 1 || cfg.Drops < 1 || len(cfg.IdleConns) == 0 || cfg.ParseMinTime <= 0 || cfg.RetryDelay != 5*time.Millisecond) {
				t.Errorf("preset %s is incomplete: %+v", tt.name, cfg)
			}
		})
	}
}
