package browsertest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ssecors/ssecors-go/ssecors/browserjar"
)

// Run is one case under one third-party cookie policy, with both outcomes.
type Run struct {
	Case     *Case
	Policy   browserjar.Policy
	ID       string // the run's path prefix on the server, without the side
	Chromium Outcome
	SDK      Outcome
	Verdict  Verdict
	// Retried is set when the run was repeated because only a
	// reconnection delay differed the first time.
	Retried bool
}

// Name is the case name, with the policy when the case runs under both.
func (r *Run) Name() string { return runName(r.Case, r.Policy) }

// runName is the name of a run of c under policy: the case name, with the
// policy when the case runs under both.
func runName(c *Case, policy browserjar.Policy) string {
	if c.Policies {
		return c.Name + " [" + policyName(policy) + "]"
	}
	return c.Name
}

// Instances expands cases into runs: one per policy for cases that ask
// for both, one under the default (blocked) policy otherwise.
func Instances(cases []*Case) []*Run {
	var runs []*Run
	for i, c := range cases {
		policies := []browserjar.Policy{browserjar.Block}
		if c.Policies {
			policies = append(policies, browserjar.Allow)
		}
		for _, p := range policies {
			runs = append(runs, &Run{Case: c, Policy: p, ID: fmt.Sprintf("%03d%s", i, p.String()[:1])})
		}
	}
	return runs
}

// Suite is a complete parity run.
type Suite struct {
	Srv      *Server
	Runs     []*Run
	Version  string
	Flags    []string
	Elapsed  time.Duration
	browsers map[browserjar.Policy]*Browser
}

// RunSuite starts the server and one Chromium per policy, runs every case
// on both sides, and judges them. ctx bounds everything. The caller must
// Close the suite.
func RunSuite(ctx context.Context, execPath string, cases []*Case) (*Suite, error) {
	start := time.Now()
	srv, err := NewServer()
	if err != nil {
		return nil, err
	}
	s := &Suite{Srv: srv, Runs: Instances(cases), browsers: map[browserjar.Policy]*Browser{}}
	for _, p := range []browserjar.Policy{browserjar.Block, browserjar.Allow} {
		b, err := StartBrowser(ctx, execPath, srv, p)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.browsers[p] = b
		s.Version, s.Flags = b.Version, b.Flags
	}

	byPolicy := map[browserjar.Policy][]*Run{}
	for _, r := range s.Runs {
		srv.Register(r.ID+"c", r.Case)
		srv.Register(r.ID+"s", r.Case)
		byPolicy[r.Policy] = append(byPolicy[r.Policy], r)
	}

	var wg sync.WaitGroup
	// Chromium: the two browsers in parallel, each running one or two
	// cases at a time (each case in its own browser context).
	for p, list := range byPolicy {
		b := s.browsers[p]
		queue := make(chan *Run, len(list))
		for _, r := range list {
			queue <- r
		}
		close(queue)
		workers := 1
		if len(list) > 40 {
			workers = 2
		}
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range queue {
					if ctx.Err() != nil {
						r.Chromium.Harness = ctx.Err()
						continue
					}
					r.Chromium = b.Run(r.Case, r.ID+"c")
				}
			}()
		}
	}
	// ssecors: a small pool, alongside.
	sdk := &SDKRunner{Srv: srv}
	jobs := make(chan *Run)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range jobs {
				r.SDK = sdk.Run(r.Case, r.ID+"s", r.Policy)
			}
		}()
	}
	for _, r := range s.Runs {
		jobs <- r
	}
	close(jobs)
	wg.Wait()

	for _, r := range s.Runs {
		s.fill(r, r.ID+"c", r.ID+"s")
	}
	// A reconnection delay is the one thing a loaded machine can skew (a
	// browser timer fires late while the other browser and ssecors run):
	// a run whose only difference is a delay runs again, alone, once.
	for _, r := range s.Runs {
		if ctx.Err() != nil || !r.Verdict.onlyDelay() {
			continue
		}
		r.Retried = true
		srv.Register(r.ID+"cr", r.Case)
		srv.Register(r.ID+"sr", r.Case)
		r.Chromium = s.browsers[r.Policy].Run(r.Case, r.ID+"cr")
		r.SDK = sdk.Run(r.Case, r.ID+"sr", r.Policy)
		s.fill(r, r.ID+"cr", r.ID+"sr")
	}
	s.Elapsed = time.Since(start)
	return s, nil
}

// fill adds the server's view to both outcomes and judges the run.
func (s *Suite) fill(r *Run, chromiumRun, sdkRun string) {
	fillFromLog(s.Srv, &r.Chromium, chromiumRun)
	fillFromLog(s.Srv, &r.SDK, sdkRun)
	r.Verdict = Judge(r.Case, r.Chromium, r.SDK)
}

// Rejudge runs the ssecors side of runs again with runner (a broken
// ssecors, in the broken-rule test) and returns the new verdicts, keeping
// the Chromium outcomes already recorded.
func (s *Suite) Rejudge(runner *SDKRunner, runs []*Run, tag string) []Verdict {
	out := make([]Verdict, len(runs))
	for i, r := range runs {
		id := r.ID + tag
		s.Srv.Register(id, r.Case)
		o := runner.Run(r.Case, id, r.Policy)
		fillFromLog(s.Srv, &o, id)
		out[i] = Judge(r.Case, r.Chromium, o)
	}
	return out
}

// Close stops the browsers and the server.
func (s *Suite) Close() {
	for _, b := range s.browsers {
		b.Close()
	}
	s.Srv.Close()
}
