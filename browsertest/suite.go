package browsertest

import (
	"context"
	"fmt"
	"time"
)

// Suite is a parity run of some configurations.
type Suite struct {
	Srv     *Server
	Results []*ConfigResult
}

// RunSuite runs cases in each configuration in turn (one engine at a time,
// to stay within a shared machine), the engine found at paths[kind name],
// against srv. budget bounds each configuration, ctx everything; progress,
// when not nil, is called after each run is judged. An engine that fails
// to start ends the suite with an error; the results so far are kept.
func RunSuite(ctx context.Context, srv *Server, configs []*Config, paths map[string]string, cases []*Case, budget time.Duration, progress func(*Run)) (*Suite, error) {
	s := &Suite{Srv: srv}
	for i, cfg := range configs {
		cctx, cancel := context.WithTimeout(ctx, budget)
		res, err := RunConfig(cctx, cfg, paths[cfg.Kind.Name], srv, cases, string(rune('a'+i)), progress)
		cancel()
		s.Results = append(s.Results, res)
		if err != nil {
			return s, err
		}
	}
	return s, nil
}

// Runs returns every run of the suite, configuration by configuration.
func (s *Suite) Runs() []*Run {
	var out []*Run
	for _, res := range s.Results {
		out = append(out, res.Runs...)
	}
	return out
}

// Rejudge runs the ssecors side of runs again with runner (a broken
// ssecors, in the broken-rule test) and returns the new verdicts, keeping
// the browser outcomes already recorded.
func (s *Suite) Rejudge(runner *SDKRunner, runs []*Run, tag string) []Verdict {
	out := make([]Verdict, len(runs))
	for i, r := range runs {
		id := r.ID + tag
		s.Srv.Register(id, r.Case)
		o := runner.Run(r.Case, id, r.Config.Profile)
		fillFromLog(s.Srv, &o, id)
		out[i] = Judge(r.Case, r.Config, r.Browser, o)
	}
	return out
}

// String is a one-line summary of a configuration's result.
func (res *ConfigResult) String() string {
	agree, intentional, different, harness := res.Counts()
	return fmt.Sprintf("%s (%s; ssecors as %s), %d runs in %v: agree %d, intentional %d, different %d, harness errors %d",
		res.Config.Name, res.Version, res.Config.Profile, len(res.Runs), res.Elapsed.Round(time.Second), agree, intentional, len(different), len(harness))
}
