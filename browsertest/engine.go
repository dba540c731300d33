package browsertest

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/ssecors/ssecors-go/ssecors/browserjar"
)

// Engine is one running browser under one third-party cookie policy: it
// runs a case as a page's new EventSource(...) and reports what the page
// saw, as [Browser.Run] does for Chromium. Every engine's Run is safe to
// call from several goroutines (each case gets its own context/profile).
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
	// Find returns the path of the browser (or its driver), or an error
	// saying what to install.
	Find func() (string, error)
	// Start launches the engine at path, reaching srv, under policy; ctx
	// bounds the browser's whole life.
	Start func(ctx context.Context, path string, srv *Server, policy browserjar.Policy) (Engine, error)
	// PolicyName names what Block and Allow mean in this engine.
	PolicyName func(browserjar.Policy) string
	// Workers is how many cases run at once in one engine process.
	Workers int
	// Fetch reports that the engine's runner runs fetch() cases (Case.Fetch)
	// as fetch(); the others would run them as an EventSource and judge
	// that against ssecors' fetch mode, so RunEngine leaves them out.
	Fetch bool
}

// Engines are the engines the suite can drive, Chromium first.
var Engines = []EngineKind{ChromiumKind, FirefoxKind, WebKitKind, WebKitITPKind}

// ChromiumKind drives Debian's Chromium over CDP through [Browser].
var ChromiumKind = EngineKind{
	Name: "chromium",
	Find: FindChromium,
	Start: func(ctx context.Context, path string, srv *Server, policy browserjar.Policy) (Engine, error) {
		b, err := StartBrowser(ctx, path, srv, policy)
		if err != nil {
			return nil, err
		}
		return chromiumEngine{b}, nil
	},
	PolicyName: policyName,
	Workers:    2,
	Fetch:      true,
}

// chromiumEngine adapts [Browser] to [Engine].
type chromiumEngine struct{ b *Browser }

func (e chromiumEngine) Run(c *Case, run string) Outcome { return e.b.Run(c, run) }
func (e chromiumEngine) Version() string                 { return e.b.Version }
func (e chromiumEngine) Settings() []string              { return e.b.Flags }
func (e chromiumEngine) Close()                          { e.b.Close() }

// EngineRun is one case under one policy in one engine, with the ssecors
// outcome it is compared with.
type EngineRun struct {
	Case    *Case
	Policy  browserjar.Policy
	ID      string // the server's run prefix of the browser side
	Browser Outcome
	SDK     Outcome
	Verdict Verdict
}

// Name is the case name, with the policy when the case runs under both.
func (r *EngineRun) Name() string { return runName(r.Case, r.Policy) }

// EngineResult is the measurement of one engine.
type EngineResult struct {
	Kind     EngineKind
	Version  string
	Settings map[browserjar.Policy][]string
	Runs     []*EngineRun
	Elapsed  time.Duration
	// SkippedFetch counts the fetch() runs left out because the engine's
	// runner cannot run them (EngineKind.Fetch).
	SkippedFetch int
}

// Counts returns how many runs agree, differ intentionally (an entry of
// the Chromium table covers the difference) and differ otherwise, with the
// names of the latter, and the runs the harness could not complete.
func (res *EngineResult) Counts() (agree, intentional int, different, harness []string) {
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

// SDKOutcomes runs the ssecors side of every instance once, so that several
// engines can be compared with the same outcomes. ID prefix "s" + the
// instance's ID.
func SDKOutcomes(ctx context.Context, srv *Server, runs []*Run) map[*Run]Outcome {
	sdk := &SDKRunner{Srv: srv}
	out := make(map[*Run]Outcome, len(runs))
	var mu sync.Mutex
	var wg sync.WaitGroup
	jobs := make(chan *Run)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range jobs {
				var o Outcome
				if ctx.Err() != nil {
					o.Harness = ctx.Err()
				} else {
					id := "s" + r.ID
					srv.Register(id, r.Case)
					o = sdk.Run(r.Case, id, r.Policy)
					fillFromLog(srv, &o, id)
				}
				mu.Lock()
				out[r] = o
				mu.Unlock()
			}
		}()
	}
	for _, r := range runs {
		jobs <- r
	}
	close(jobs)
	wg.Wait()
	return out
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

// RunEngine starts kind at path once per policy the runs need, runs every
// instance in it, and judges each against sdk (the ssecors outcomes of
// the same instances). ctx bounds everything; progress, when not nil, is
// called after each run.
func RunEngine(ctx context.Context, kind EngineKind, path string, srv *Server, runs []*Run, sdk map[*Run]Outcome, progress func(*EngineRun)) (*EngineResult, error) {
	start := time.Now()
	res := &EngineResult{Kind: kind, Settings: map[browserjar.Policy][]string{}}
	byPolicy := map[browserjar.Policy][]*EngineRun{}
	for _, r := range runs {
		if r.Case.Fetch != nil && !kind.Fetch {
			res.SkippedFetch++
			continue
		}
		er := &EngineRun{Case: r.Case, Policy: r.Policy, ID: kind.Name[:1] + r.ID, SDK: sdk[r]}
		srv.Register(er.ID, r.Case)
		res.Runs = append(res.Runs, er)
		byPolicy[r.Policy] = append(byPolicy[r.Policy], er)
	}
	// One engine process at a time, to stay within a shared machine.
	for _, p := range []browserjar.Policy{browserjar.Block, browserjar.Allow} {
		list := byPolicy[p]
		if len(list) == 0 {
			continue
		}
		e, err := kind.Start(ctx, path, srv, p)
		if err != nil {
			return res, fmt.Errorf("starting %s (%s): %w", kind.Name, kind.PolicyName(p), err)
		}
		res.Version = e.Version()
		res.Settings[p] = e.Settings()
		queue := make(chan *EngineRun, len(list))
		for _, r := range list {
			queue <- r
		}
		close(queue)
		var wg sync.WaitGroup
		for range max(1, kind.Workers) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range queue {
					if ctx.Err() != nil {
						r.Browser.Harness = ctx.Err()
					} else {
						r.Browser = e.Run(r.Case, r.ID)
					}
					fillFromLog(srv, &r.Browser, r.ID)
					if v, ok := e.(JarViewer); ok {
						r.SDK.Jar = v.ViewJar(r.Case, r.SDK.Jar)
					}
					r.Verdict = Judge(r.Case, r.Browser, r.SDK)
					if progress != nil {
						progress(r)
					}
				}
			}()
		}
		wg.Wait()
		e.Close()
	}
	// As in RunSuite: a run whose only difference is a reconnection delay
	// is repeated once (browser side only), since a loaded machine skews
	// timers.
	for p, list := range byPolicy {
		var again []*EngineRun
		for _, r := range list {
			if r.Verdict.onlyDelay() {
				again = append(again, r)
			}
		}
		if len(again) == 0 || ctx.Err() != nil {
			continue
		}
		e, err := kind.Start(ctx, path, srv, p)
		if err != nil {
			return res, fmt.Errorf("restarting %s (%s): %w", kind.Name, kind.PolicyName(p), err)
		}
		for _, r := range again {
			id := r.ID + "r"
			srv.Register(id, r.Case)
			o := e.Run(r.Case, id)
			fillFromLog(srv, &o, id)
			r.Browser, r.ID = o, id
			r.Verdict = Judge(r.Case, r.Browser, r.SDK)
		}
		e.Close()
	}
	res.Elapsed = time.Since(start)
	return res, nil
}
