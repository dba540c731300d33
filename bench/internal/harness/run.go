// Package harness runs the measurements of the benchmark (parse, end to
// end, idle footprint, reconnect, one large event in small reads) and the
// spec conformance cases by starting one driver process per library and
// round (or case), interleaving the libraries, and collects the results for
// the report.
package harness

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ssecors/ssecors-go/bench/corpus"
	"github.com/ssecors/ssecors-go/bench/internal/driver"
	"github.com/ssecors/ssecors-go/bench/libs"
	"github.com/ssecors/ssecors-go/bench/sseserver"
)

// Config sizes a run.
type Config struct {
	Name string // "full", "quick" or "smoke"

	Rounds int // rounds of parse and end-to-end runs; medians are taken

	ParseSize    int           // bytes per corpus
	ParseMinTime time.Duration // measured time per library, corpus and round

	// The mcp-large corpus (about 15 MiB, whatever ParseSize) is parsed in the
	// first LargeRounds rounds only, LargeSamples times per library and round.
	LargeRounds  int
	LargeSamples int

	E2EEvents int // events per end-to-end run

	IdleConns  []int // connection counts
	IdleRounds int
	IdleSettle time.Duration

	Drops           int // drops per reconnect run
	Every           int // events per dropped connection
	RetryDelay      time.Duration
	ReconnectRounds int
	ReconnectIdle   time.Duration // a client silent this long is done

	Profile     bool          // profile ssecors on the typical corpus
	ProfileTime time.Duration // measured time of the profiled run

	// One large event in small reads: every parse adapter on one event of
	// each of LargeEventSizes bytes, in each of LargeEventShapes, arriving
	// at most each of LargeEventReads bytes per Read. A parse that takes
	// longer than LargeEventLimit is abandoned (its process exits), and the
	// larger sizes are not run for that library, shape and read size. Up to
	// LargeEventSamples parses are timed, fewer once they took
	// LargeEventBudget.
	LargeEventSizes   []int
	LargeEventReads   []int
	LargeEventShapes  []string
	LargeEventLimit   time.Duration
	LargeEventSamples int
	LargeEventBudget  time.Duration

	// Only, when not empty, names the sections to run (parse, e2e, idle,
	// reconnect, large, conformance, profile); Libs, when not empty, the libraries to measure.
	Only []string
	Libs []string
}

// Sections are the names of the measurements, in the order Run runs them.
var Sections = []string{"parse", "e2e", "idle", "reconnect", "large", "conformance", "profile"}

// runs reports whether cfg runs the named section.
func (cfg Config) runs(section string) bool {
	return len(cfg.Only) == 0 || slices.Contains(cfg.Only, section)
}

// measures reports whether cfg measures the named library.
func (cfg Config) measures(lib string) bool {
	return len(cfg.Libs) == 0 || slices.Contains(cfg.Libs, lib)
}

// Preset returns the named configuration: "full", "quick" or "smoke".
func Preset(name string) (Config, error) {
	switch name {
	case "full":
		return Config{
			Name: name, Rounds: 5,
			ParseSize: 1 << 20, ParseMinTime: 250 * time.Millisecond,
			LargeRounds: 3, LargeSamples: 3,
			E2EEvents:  1000000,
			IdleConns:  []int{1000, 5000},
			IdleRounds: 3, IdleSettle: time.Second,
			Drops: 1000, Every: 10, RetryDelay: 5 * time.Millisecond, ReconnectRounds: 1,
			ReconnectIdle: 3 * time.Second,
			Profile:       true, ProfileTime: 3 * time.Second,
			LargeEventSizes:  []int{1 << 20, 4 << 20, 16 << 20},
			LargeEventReads:  []int{16, 16 << 10},
			LargeEventShapes: []string{corpus.OneLine, corpus.KiBLines},
			LargeEventLimit:  10 * time.Second, LargeEventSamples: 15, LargeEventBudget: 2 * time.Second,
		}, nil
	case "quick":
		return Config{
			Name: name, Rounds: 2,
			ParseSize: 256 << 10, ParseMinTime: 80 * time.Millisecond,
			LargeRounds: 1, LargeSamples: 3,
			E2EEvents:  50000,
			IdleConns:  []int{200, 1000},
			IdleRounds: 1, IdleSettle: 300 * time.Millisecond,
			Drops: 100, Every: 10, RetryDelay: 5 * time.Millisecond, ReconnectRounds: 1,
			ReconnectIdle: 2 * time.Second,
			Profile:       true, ProfileTime: time.Second,
			LargeEventSizes:  []int{1 << 20, 4 << 20},
			LargeEventReads:  []int{16, 16 << 10},
			LargeEventShapes: []string{corpus.OneLine},
			LargeEventLimit:  3 * time.Second, LargeEventSamples: 7, LargeEventBudget: 500 * time.Millisecond,
		}, nil
	case "smoke":
		return Config{
			Name: name, Rounds: 1,
			ParseSize: 32 << 10, ParseMinTime: time.Nanosecond,
			LargeRounds: 1, LargeSamples: 1,
			E2EEvents:  2000,
			IdleConns:  []int{10},
			IdleRounds: 1, IdleSettle: 10 * time.Millisecond,
			Drops: 5, Every: 10, RetryDelay: 5 * time.Millisecond, ReconnectRounds: 1,
			ReconnectIdle: time.Second,
			Profile:       true, ProfileTime: 20 * time.Millisecond,
			LargeEventSizes:  []int{1 << 20},
			LargeEventReads:  []int{16 << 10},
			LargeEventShapes: []string{corpus.OneLine},
			LargeEventLimit:  2 * time.Second, LargeEventSamples: 1, LargeEventBudget: 0,
		}, nil
	}
	return Config{}, fmt.Errorf("harness: unknown preset %q (full, quick, smoke)", name)
}

// Results holds everything a run measured.
type Results struct {
	Config    Config
	Started   time.Time
	Duration  time.Duration
	LoadStart string
	LoadEnd   string

	Parse     []driver.ParseResult // every round
	E2E       []driver.E2EResult   // every round
	Idle      []driver.IdleResult  // every round and size
	Reconnect []ReconnectRun
	Conform   []driver.ConformResult
	Large     []driver.LargeResult // one per library, shape, read size and size

	ProfileCPU    string // pprof -top output, if profiled
	ProfileCPUCum string // the same by cumulative time, ssecors frames only
	ProfileAlloc  string
	ProfileE2E    string // ssecors' end-to-end receiver, by flat CPU time
	// ProfileE2EEvents is how many events the profiled end-to-end run received.
	ProfileE2EEvents int
	// ProfileIdle is the in-use heap of ProfileIdleConns idle ssecors connections.
	ProfileIdle      string
	ProfileIdleConns int
	Errors           []string // failures of individual runs
}

// ReconnectRun is one library through one dropping server.
type ReconnectRun struct {
	Mode   sseserver.DropMode
	Client driver.ReconnectResult
	Server sseserver.DropStats
	// Over holds each resume time minus the configured delay.
	Over []time.Duration
}

// Runner starts driver processes.
type Runner struct {
	// Exe is a binary that acts as a driver when driver.EnvChild is "1".
	Exe string
	// Logf reports progress; nil is silent.
	Logf func(format string, args ...any)
	// Dir holds temporary files such as profiles.
	Dir string
}

func (r *Runner) logf(format string, args ...any) {
	if r.Logf != nil {
		r.Logf(format, args...)
	}
}

// child runs the driver with args and decodes each JSON line of its output
// with decode.
func (r *Runner) child(timeout time.Duration, args []string, decode func(*json.Decoder) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.Exe, args...)
	cmd.Env = append(os.Environ(), driver.EnvChild+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("driver %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	dec := json.NewDecoder(bufio.NewReader(&stdout))
	for dec.More() {
		if err := decode(dec); err != nil {
			return fmt.Errorf("driver %s: %v", strings.Join(args, " "), err)
		}
	}
	return nil
}

// rotate returns names rotated left by k, so that each round starts with a
// different library.
func rotate(names []string, k int) []string {
	k %= len(names)
	return append(append([]string(nil), names[k:]...), names[:k]...)
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// Run runs every measurement of cfg.
func (r *Runner) Run(cfg Config) (*Results, error) {
	res := &Results{Config: cfg, Started: time.Now(), LoadStart: loadavg()}
	if r.Dir == "" {
		dir, err := os.MkdirTemp("", "ssebench")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		r.Dir = dir
	}
	if _, err := driver.RaiseFileLimit(); err != nil {
		return nil, err
	}
	steps := []struct {
		name string
		fn   func(Config, *Results) error
	}{
		{"parse", r.runParse},
		{"e2e", r.runE2E},
		{"idle", r.runIdle},
		{"reconnect", r.runReconnect},
		{"conformance", r.runConform},
		{"large", r.runLarge},
		{"profile", r.runProfile},
	}
	for _, s := range cfg.Only {
		if !slices.Contains(Sections, s) {
			return nil, fmt.Errorf("harness: unknown section %q (%s)", s, strings.Join(Sections, ", "))
		}
	}
	for _, s := range steps {
		if !cfg.runs(s.name) {
			continue
		}
		t0 := time.Now()
		if err := s.fn(cfg, res); err != nil {
			return res, fmt.Errorf("%s: %w", s.name, err)
		}
		r.logf("%s done in %s", s.name, time.Since(t0).Round(time.Millisecond))
	}
	res.Duration = time.Since(res.Started)
	res.LoadEnd = loadavg()
	return res, nil
}

func parserNames(cfg Config) []string {
	var names []string
	for _, p := range libs.Parsers() {
		if cfg.measures(p.Name) {
			names = append(names, p.Name)
		}
	}
	return names
}

func streamerNames(cfg Config, reconnecting bool) []string {
	var names []string
	for _, s := range libs.Streamers() {
		if cfg.measures(s.Name) && (!reconnecting || s.Reconnects) {
			names = append(names, s.Name)
		}
	}
	return names
}

func (r *Runner) runParse(cfg Config, res *Results) error {
	var small []string
	for _, c := range corpus.Names {
		if c != corpus.MCPLarge {
			small = append(small, c)
		}
	}
	for round := 0; round < cfg.Rounds; round++ {
		for _, lib := range rotate(parserNames(cfg), round) {
			r.logf("parse round %d/%d: %s", round+1, cfg.Rounds, lib)
			runs := [][]string{{"-corpora", strings.Join(small, ","), "-mintime", cfg.ParseMinTime.String()}}
			if round < cfg.LargeRounds {
				// Each parse of mcp-large takes long enough to time by itself.
				runs = append(runs, []string{"-corpora", corpus.MCPLarge, "-mintime", "1ns", "-samples", strconv.Itoa(max(cfg.LargeSamples, 1))})
			}
			for _, run := range runs {
				args := append([]string{"parse", "-lib", lib, "-size", strconv.Itoa(cfg.ParseSize)}, run...)
				err := r.child(10*time.Minute, args, func(d *json.Decoder) error {
					var pr driver.ParseResult
					if err := d.Decode(&pr); err != nil {
						return err
					}
					res.Parse = append(res.Parse, pr)
					return nil
				})
				if err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// E2ECorpus is the corpus the end-to-end stream repeats.
const E2ECorpus = corpus.Typical

func (r *Runner) runE2E(cfg Config, res *Results) error {
	gen, err := sseserver.NewGenerator(corpus.Build(E2ECorpus, 1<<20))
	if err != nil {
		return err
	}
	defer gen.Close()
	for round := 0; round < cfg.Rounds; round++ {
		for _, lib := range rotate(streamerNames(cfg, false), round) {
			r.logf("e2e round %d/%d: %s", round+1, cfg.Rounds, lib)
			args := []string{"e2e", "-lib", lib, "-url", fmt.Sprintf("%s/stream?n=%d", gen.URL, cfg.E2EEvents), "-n", strconv.Itoa(cfg.E2EEvents)}
			err := r.child(5*time.Minute, args, func(d *json.Decoder) error {
				var er driver.E2EResult
				if err := d.Decode(&er); err != nil {
					return err
				}
				if er.TimedOut || er.Events != int64(er.Want) {
					res.Errors = append(res.Errors, fmt.Sprintf("e2e %s: got %d of %d events", lib, er.Events, er.Want))
				}
				res.E2E = append(res.E2E, er)
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *Runner) runIdle(cfg Config, res *Results) error {
	srv, err := sseserver.NewIdle()
	if err != nil {
		return err
	}
	defer srv.Close()
	for _, n := range cfg.IdleConns {
		for round := 0; round < cfg.IdleRounds; round++ {
			for _, lib := range rotate(streamerNames(cfg, false), round) {
				r.logf("idle %d conns round %d/%d: %s", n, round+1, cfg.IdleRounds, lib)
				args := []string{"idle", "-lib", lib, "-url", srv.URL + "/idle", "-conns", strconv.Itoa(n), "-settle", cfg.IdleSettle.String()}
				err := r.child(5*time.Minute, args, func(d *json.Decoder) error {
					var ir driver.IdleResult
					if err := d.Decode(&ir); err != nil {
						return err
					}
					if ir.Connected != ir.Conns {
						res.Errors = append(res.Errors, fmt.Sprintf("idle %s: %d of %d connected", lib, ir.Connected, ir.Conns))
					}
					c := float64(ir.Conns) * 1024
					r.logf("idle %d conns: %s: RSS %.2f KiB/conn, heap %.2f, stacks %.2f, goroutines %.2f", n, lib,
						float64(ir.RSSAfter-ir.RSSBefore)/c, (float64(ir.HeapAfter)-float64(ir.HeapBefore))/c,
						(float64(ir.StackAfter)-float64(ir.StackBefore))/c, float64(ir.GoAfter-ir.GoBefore)/float64(ir.Conns))
					res.Idle = append(res.Idle, ir)
					return nil
				})
				if err != nil {
					res.Errors = append(res.Errors, err.Error())
				}
			}
		}
	}
	return nil
}

func (r *Runner) runReconnect(cfg Config, res *Results) error {
	for round := 0; round < cfg.ReconnectRounds; round++ {
		for _, mode := range []sseserver.DropMode{sseserver.DropClean, sseserver.DropAbort} {
			for _, lib := range rotate(streamerNames(cfg, true), round) {
				r.logf("reconnect %s round %d/%d: %s", mode, round+1, cfg.ReconnectRounds, lib)
				dc := sseserver.DropConfig{Mode: mode, Every: cfg.Every, Drops: cfg.Drops, RetryMillis: int(cfg.RetryDelay / time.Millisecond)}
				srv, err := sseserver.NewDropper(dc)
				if err != nil {
					return err
				}
				run := ReconnectRun{Mode: mode}
				args := []string{"reconnect", "-lib", lib, "-url", srv.URL + "/drop", "-total", strconv.Itoa(dc.Total()),
					"-retry", cfg.RetryDelay.String(), "-idle", cfg.ReconnectIdle.String()}
				err = r.child(10*time.Minute, args, func(d *json.Decoder) error {
					return d.Decode(&run.Client)
				})
				srv.Close()
				if err != nil {
					res.Errors = append(res.Errors, err.Error())
					continue
				}
				run.Server = srv.Stats()
				for _, d := range run.Server.Resumes {
					run.Over = append(run.Over, d-cfg.RetryDelay)
				}
				res.Reconnect = append(res.Reconnect, run)
			}
		}
	}
	return nil
}

// runLarge runs every parse adapter on one large event per shape, read
// size and size, smallest size first, each parse in a driver process of its
// own that gives up after cfg.LargeEventLimit. A library that gave up on a
// size is not run on the larger ones (of that shape and read size): its
// result says Skipped.
func (r *Runner) runLarge(cfg Config, res *Results) error {
	sizes := slices.Clone(cfg.LargeEventSizes)
	slices.Sort(sizes)
	i := 0
	for _, shape := range cfg.LargeEventShapes {
		for _, read := range cfg.LargeEventReads {
			gaveUp := map[string]bool{}
			for _, size := range sizes {
				for _, lib := range rotate(parserNames(cfg), i) {
					if gaveUp[lib] {
						res.Large = append(res.Large, driver.LargeResult{Lib: lib, Shape: shape, Size: size, ReadSize: read,
							Limit: cfg.LargeEventLimit.Seconds(), Skipped: true})
						continue
					}
					r.logf("large event %s %s in %d-byte reads: %s", corpus.SizeName(size), shape, read, lib)
					args := []string{"large", "-lib", lib, "-size", strconv.Itoa(size), "-read", strconv.Itoa(read), "-shape", shape,
						"-limit", cfg.LargeEventLimit.String(), "-samples", strconv.Itoa(max(cfg.LargeEventSamples, 1)),
						"-budget", cfg.LargeEventBudget.String()}
					// The driver gives up on its own after the limit; this
					// backstop only catches a driver that cannot.
					backstop := cfg.LargeEventLimit + cfg.LargeEventBudget + 2*time.Minute
					var lr driver.LargeResult
					err := r.child(backstop, args, func(d *json.Decoder) error { return d.Decode(&lr) })
					if err != nil {
						res.Errors = append(res.Errors, err.Error())
						lr = driver.LargeResult{Lib: lib, Shape: shape, Size: size, ReadSize: read, Limit: cfg.LargeEventLimit.Seconds(), Check: err.Error()}
					}
					if lr.TimedOut {
						gaveUp[lib] = true
					}
					res.Large = append(res.Large, lr)
				}
				i++
			}
		}
	}
	return nil
}

func (r *Runner) runProfile(cfg Config, res *Results) error {
	if !cfg.Profile {
		return nil
	}
	for _, kind := range []string{"cpu", "mem"} {
		file := filepath.Join(r.Dir, kind+".pprof")
		args := []string{"parse", "-lib", libs.SSECors, "-corpora", corpus.Typical, "-size", strconv.Itoa(cfg.ParseSize),
			"-mintime", cfg.ProfileTime.String(), "-" + kind + "profile", file}
		r.logf("profile: ssecors on %s (%s)", corpus.Typical, kind)
		if err := r.child(5*time.Minute, args, func(d *json.Decoder) error { var pr driver.ParseResult; return d.Decode(&pr) }); err != nil {
			return err
		}
		if kind == "cpu" {
			res.ProfileCPU = pprofTop(r.Exe, file)
			res.ProfileCPUCum = pprofTop(r.Exe, file, "-cum", `-show=ssecors-go/ssecors\.`)
		} else {
			res.ProfileAlloc = pprofTop(r.Exe, file, "-sample_index=alloc_space")
		}
	}
	// Where ssecors spends its CPU end to end.
	gen, err := sseserver.NewGenerator(corpus.Build(E2ECorpus, 1<<20))
	if err != nil {
		return err
	}
	defer gen.Close()
	e2eFile := filepath.Join(r.Dir, "e2e.pprof")
	n := 4 * cfg.E2EEvents // long enough for a few hundred samples
	args := []string{"e2e", "-lib", libs.SSECors, "-url", fmt.Sprintf("%s/stream?n=%d", gen.URL, n), "-n", strconv.Itoa(n), "-cpuprofile", e2eFile}
	r.logf("profile: ssecors end to end (cpu)")
	if err := r.child(5*time.Minute, args, func(d *json.Decoder) error { var er driver.E2EResult; return d.Decode(&er) }); err != nil {
		return err
	}
	res.ProfileE2E = pprofTop(r.Exe, e2eFile)
	res.ProfileE2EEvents = n

	// What an idle ssecors connection keeps on the heap.
	srv, err := sseserver.NewIdle()
	if err != nil {
		return err
	}
	defer srv.Close()
	n = slices.Min(cfg.IdleConns)
	file := filepath.Join(r.Dir, "idle.pprof")
	args = []string{"idle", "-lib", libs.SSECors, "-url", srv.URL + "/idle", "-conns", strconv.Itoa(n), "-settle", cfg.IdleSettle.String(), "-memprofile", file}
	r.logf("profile: ssecors with %d idle connections (heap)", n)
	if err := r.child(5*time.Minute, args, func(d *json.Decoder) error { var ir driver.IdleResult; return d.Decode(&ir) }); err != nil {
		return err
	}
	res.ProfileIdle = pprofTop(r.Exe, file, "-sample_index=inuse_space")
	res.ProfileIdleConns = n
	return nil
}

// pprofTop returns the top 10 of a profile, as `go tool pprof -top` prints
// it, or a note saying why it could not.
func pprofTop(exe, profile string, extra ...string) string {
	args := append([]string{"tool", "pprof", "-top", "-nodecount=10"}, extra...)
	args = append(args, exe, profile)
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("go tool pprof failed: %v\n%s", err, out)
	}
	// Drop the header lines about the file and build.
	var keep []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if strings.HasPrefix(line, "File:") || strings.HasPrefix(line, "Build ID:") || strings.HasPrefix(line, "Time:") {
			continue
		}
		keep = append(keep, line)
	}
	return strings.Join(keep, "\n")
}
