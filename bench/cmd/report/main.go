// Command report runs the whole comparative benchmark and writes
// BENCHMARKS.md:
//
//	cd bench && go run ./cmd/report -out ../BENCHMARKS.md            # full, several minutes
//	cd bench && go run ./cmd/report -preset quick -out /tmp/bench.md # about a minute
//	cd bench && go run ./cmd/report -preset quick -only large         # one section
//
// It re-executes itself as the driver (one process per library, measurement
// and round) and hosts the loopback servers.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ssecors/ssecors-go/bench/internal/driver"
	"github.com/ssecors/ssecors-go/bench/internal/harness"
)

func main() {
	if os.Getenv(driver.EnvChild) == "1" {
		os.Exit(driver.Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	out := flag.String("out", "", "write the Markdown report to this file (default: standard output)")
	preset := flag.String("preset", "full", "full, quick or smoke")
	rounds := flag.Int("rounds", 0, "override the number of parse and end-to-end rounds")
	quiet := flag.Bool("q", false, "do not log progress")
	only := flag.String("only", "", "run one step alone and report its section: "+strings.Join(harness.Steps, ", "))
	flag.Parse()

	cfg, err := harness.Preset(*preset)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if *rounds > 0 {
		cfg.Rounds = *rounds
	}
	cfg.Only = *only
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	r := &harness.Runner{Exe: exe}
	if !*quiet {
		start := time.Now()
		r.Logf = func(format string, args ...any) {
			fmt.Fprintf(os.Stderr, "[%6.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
		}
	}
	res, err := r.Run(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	cmd := "cd bench && go run ./cmd/report"
	if *preset != "full" {
		cmd += " -preset " + *preset
	}
	if *rounds > 0 {
		cmd += fmt.Sprintf(" -rounds %d", *rounds)
	}
	if *only != "" {
		cmd += " -only " + *only
	}
	if *out != "" {
		cmd += " -out " + *out
	}
	var buf bytes.Buffer
	if err := harness.WriteMarkdown(&buf, res, cmd); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	if *out == "" {
		os.Stdout.Write(buf.Bytes())
	} else if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	for _, e := range res.Errors {
		fmt.Fprintln(os.Stderr, "report: failed run:", strings.ReplaceAll(e, "\n", " "))
	}
}
