package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Engine is one running browser in one configuration: it runs a case as a
// page's new EventSource(...) (or fetch(), for a fetch case) and reports
// what the page saw. Run is safe to call from several goroutines (each
// case gets a fresh cookie store).
type Engine interface {
	// Run runs c in a fresh cookie store, with run as the server's path
	// prefix, and returns the outcome. Errors of the harness go into
	// Outcome.Harness.
	Run(c *Case, run string) Outcome
	// Version is the browser's product and version.
	Version() string
	// Settings are the flags, preferences and capabilities that matter,
	// for the report.
	Settings() []string
	// Close stops the browser and removes its profile.
	Close()
}

// JarViewer is implemented by an engine whose cookie store can be read
// only partly (which partition holds a cookie, for instance). ViewJar
// reduces the ssecors jar of a case to what the same reading would show,
// so that only differences the engine really makes are reported.
type JarViewer interface {
	ViewJar(c *Case, jar []string) []string
}

// EngineKind says how to find and start one browser engine.
type EngineKind struct {
	// Name is "chromium", "firefox" or "webkit".
	Name string
	// Title is the engine's name in reports.
	Title string
	// Driver says how the suite drives it, for the report.
	Driver string
	// DriverVersion returns the versions of what drives the engine, for
	// the report.
	DriverVersion func() string
	// Find returns the path of the browser (or its driver), or an error
	// saying what to install.
	Find func() (string, error)
	// Start launches the engine at path, reaching srv, set up as s; ctx
	// bounds the browser's whole life.
	Start func(ctx context.Context, path string, srv *Server, s Setting) (Engine, error)
	// Workers is how many cases run at once in one engine.
	Workers int
}

// Run is one case in one configuration, with both outcomes.
type Run struct {
	Case   *Case
	Config *Config
	// ID is the run's path prefix on the server, without the side: the
	// browser's requests go to ID+"b", ssecors' to ID+"s".
	ID      string
	Browser Outcome
	SDK     Outcome
	Verdict Verdict
	// Retried is set when the run was repeated because it differed the
	// first time; FirstFields are the fields that differed then. A
	// loaded machine skews timers, and a browser's own network stack
	// (WebKitGTK's silent retry) is not always deterministic under load:
	// the rerun is reported beside the verdict, never hidden.
	Retried     bool
	FirstFields []string
}

// Name is the case name.
func (r *Run) Name() string { return r.Case.Name }

// ConfigResult is the run of one configuration.
type ConfigResult struct {
	Config   *Config
	Version  string
	Driver   string // the driver's version
	Settings []string
	Runs     []*Run
	Elapsed  time.Duration
}

// Counts returns how many runs agree, differ intentionally and differ
// otherwise, with the names of the latter, and the runs the harness could
// not complete.
func (res *ConfigResult) Counts() (agree, intentional int, different, harness []string) {
	for _, r := range res.Runs {
		switch {
		case r.Browser.Harness != nil || r.SDK.Harness != nil:
			harness = append(harness, r.Name())
		case r.Verdict.Agree():
			agree++
		case r.Verdict.Pass():
			intentional++
		default:
			different = append(different, r.Name())
		}
	}
	return
}

// sdkWorkers is how many cases ssecors runs at once, beside the browser.
const sdkWorkers = 3

// RunConfig starts cfg's engine at path, runs each of cases that cfg runs
// in it and through ssecors in cfg.Profile, and judges each run. prefix
// keeps the server's run IDs apart from other configurations'. A run whose
// only difference is a reconnection delay runs once more, both sides, with
// nothing else running: a loaded machine fires timers late. ctx bounds
// everything; progress, when not nil, is called after each run is judged.
func RunConfig(ctx context.Context, cfg *Config, path string, srv *Server, cases []*Case, prefix string, progress func(*Run)) (*ConfigResult, error) {
	start := time.Now()
	res := &ConfigResult{Config: cfg}
	for i, c := range cfg.cases(cases) {
		r := &Run{Case: c, Config: cfg, ID: prefix + strconv.Itoa(i)}
		res.Runs = append(res.Runs, r)
	}
	if len(res.Runs) == 0 {
		return res, nil
	}
	e, err := cfg.Kind.Start(ctx, path, srv, cfg.Setting)
	if err != nil {
		return res, fmt.Errorf("starting %s (%s): %w", cfg.Kind.Name, cfg.Name, err)
	}
	defer e.Close()
	res.Version, res.Settings = e.Version(), e.Settings()
	if cfg.Kind.DriverVersion != nil {
		res.Driver = cfg.Kind.DriverVersion()
	}
	sdk := &SDKRunner{Srv: srv}

	var wg sync.WaitGroup
	pool := func(n int, work func(*Run)) {
		queue := make(chan *Run, len(res.Runs))
		for _, r := range res.Runs {
			queue <- r
		}
		close(queue)
		for range max(1, n) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range queue {
					work(r)
				}
			}()
		}
	}
	pool(cfg.Kind.Workers, func(r *Run) {
		r.Browser = runSide(ctx, srv, r.Case, r.ID+"b", func(id string) Outcome { return e.Run(r.Case, id) })
	})
	pool(sdkWorkers, func(r *Run) {
		r.SDK = runSide(ctx, srv, r.Case, r.ID+"s", func(id string) Outcome { return sdk.Run(r.Case, id, cfg.Profile) })
	})
	wg.Wait()
	for _, r := range res.Runs {
		judge(e, r)
		if progress != nil && r.Verdict.Pass() {
			progress(r)
		}
	}
	// A run that differs runs again, once, both sides; the second verdict
	// stands and the report says the run was repeated and what differed.
	for _, r := range res.Runs {
		if r.Verdict.Pass() {
			continue
		}
		if ctx.Err() == nil {
			r.Retried, r.FirstFields = true, r.Verdict.Fields
			r.Browser = runSide(ctx, srv, r.Case, r.ID+"br", func(id string) Outcome { return e.Run(r.Case, id) })
			r.SDK = runSide(ctx, srv, r.Case, r.ID+"sr", func(id string) Outcome { return sdk.Run(r.Case, id, cfg.Profile) })
			judge(e, r)
		}
		if progress != nil {
			progress(r)
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// runSide runs one side of a run of c under the server run id, and adds
// the server's view to its outcome.
func runSide(ctx context.Context, srv *Server, c *Case, id string, run func(id string) Outcome) Outcome {
	var o Outcome
	if ctx.Err() != nil {
		o.Harness = ctx.Err()
		return o
	}
	srv.Register(id, c)
	o = run(id)
	fillFromLog(srv, &o, id)
	return o
}

// judge compares a run's outcomes, as the engine e can read them.
func judge(e Engine, r *Run) {
	if v, ok := e.(JarViewer); ok {
		r.SDK.Jar = v.ViewJar(r.Case, r.SDK.Jar)
	}
	r.Verdict = Judge(r.Case, r.Config, r.Browser, r.SDK)
}

// moduleVersion returns the version of a Go module the suite is built
// with (from the build information, else from go.mod, which is in the
// working directory of the package's tests), or "?".
func moduleVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == path {
				return m.Version
			}
		}
	}
	if data, err := os.ReadFile("go.mod"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == path {
				return f[1]
			}
		}
	}
	return "?"
}

// debianVersion returns the version of an installed Debian package, or
// "?".
func debianVersion(pkg string) string {
	out, err := exec.Command("dpkg-query", "-W", "-f", "${Version}", pkg).Output()
	if err != nil || len(out) == 0 {
		return "?"
	}
	return string(out)
}

// fillFromLog adds the server's view of a run to an outcome.
func fillFromLog(srv *Server, o *Outcome, run string) {
	log := srv.Log(run)
	o.Requests = describeAll(log)
	o.Gaps = gaps(log)
	for _, req := range log {
		o.Referers = append(o.Referers, unexpandURL(req.Referer, run, strconv.Itoa(srv.HTTPPort())))
	}
}
