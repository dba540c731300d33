// Command report runs the whole comparative benchmark and writes
// BENCHMARKS.md:
//
//	cd bench && go run ./cmd/report -out ../BENCHMARKS.md            # full, several minutes
//	cd bench && go run ./cmd/report -preset quick -out /tmp/bench.md # about 75 seconds
//	cd bench && go run ./cmd/report -preset quick -only large         # one section
//
// -only runs some sections and prints just those, -libs some libraries; for
// instance the idle footprint of ssecors against the net/http floor, at 1000
// and 5000 connections, three rounds (under a minute):
//
//	cd bench && go run ./cmd/report -only idle -libs ssecors,floor-nethttp
//
// It re-executes itself as the driver (one process per library, measurement
// and round) and hosts the loopback servers.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ssecors/ssecors-go/bench/internal/driver"
	"github.com/ssecors/ssecors-go/bench/internal/harness"
	"github.com/ssecors/ssecors-go/bench/libs"
)

func main() {
	if os.Getenv(driver.EnvChild) == "1" {
		os.Exit(driver.Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	out := flag.String("out", "", "write the Markdown report to this file (default: standard output)")
	preset := flag.String("preset", "full", "full, quick or smoke")
	rounds := flag.Int("rounds", 0, "override the number of parse and end-to-end rounds")
	quiet := flag.Bool("q", false, "do not log progress")
	only := flag.String("only", "", "comma-separated sections to run, of "+strings.Join(harness.Sections, ", ")+" (default: all, and the whole report)")
	libNames := flag.String("libs", "", "comma-separated libraries to measure (default: all)")
	flag.Parse()

	cfg, err := harness.Preset(*preset)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if *rounds > 0 {
		cfg.Rounds = *rounds
	}
	if *only != "" {
		cfg.Only = strings.Split(*only, ",")
		for _, s := range cfg.Only {
			if !slices.Contains(harness.Sections, s) {
				fmt.Fprintf(os.Stderr, "report: unknown section %q (%s)\n", s, strings.Join(harness.Sections, ", "))
				os.Exit(2)
			}
		}
	}
	if *libNames != "" {
		cfg.Libs = strings.Split(*libNames, ",")
		var known []string
		for _, p := range libs.Parsers() {
			known = append(known, p.Name)
		}
		for _, s := range libs.Streamers() {
			if !slices.Contains(known, s.Name) {
				known = append(known, s.Name)
			}
		}
		for _, l := range cfg.Libs {
			if !slices.Contains(known, l) {
				fmt.Fprintf(os.Stderr, "report: unknown library %q (%s)\n", l, strings.Join(known, ", "))
				os.Exit(2)
			}
		}
	}
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
	if *libNames != "" {
		cmd += " -libs " + *libNames
	}
	if *out != "" {
		cmd += " -out " + *out
	}
	var buf bytes.Buffer
	write := harness.WriteMarkdown
	if len(cfg.Only) > 0 {
		write = harness.WriteSections
	}
	if err := write(&buf, res, cmd); err != nil {
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
