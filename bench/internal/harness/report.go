package harness

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/ssecors/ssecors-go/bench/corpus"
	"github.com/ssecors/ssecors-go/bench/internal/driver"
	"github.com/ssecors/ssecors-go/bench/libs"
	"github.com/ssecors/ssecors-go/bench/sseserver"
)

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// quantile returns the q-quantile (nearest rank) of ds.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	i = max(0, min(i, len(s)-1))
	return s[i]
}

// ParseStat is the median over rounds of one library on one corpus.
type ParseStat struct {
	Lib, Corpus     string
	Size, Events    int
	Lines, Comments int
	NsPerOp         float64
	CPUNsPerOp      float64
	AllocsPerOp     float64
	BytesPerOp      float64
	Check           string
	Rounds          int
	MinNs, MaxNs    float64
	MinCPU, MaxCPU  float64
	GotEvents       int
	hasCheck        bool
}

// EventsPerSec returns the corpus' events per second (the events a
// conforming parser dispatches, whatever the library returned).
func (p ParseStat) EventsPerSec() float64 {
	if p.NsPerOp == 0 {
		return 0
	}
	return float64(p.Events) / (p.NsPerOp / 1e9)
}

// MBPerSec returns the throughput in MB (10^6 bytes) per second.
func (p ParseStat) MBPerSec() float64 {
	if p.NsPerOp == 0 {
		return 0
	}
	return float64(p.Size) / p.NsPerOp * 1e3
}

// ParseStats returns the per-library, per-corpus medians.
func (res *Results) ParseStats() map[[2]string]*ParseStat {
	m := map[[2]string]*ParseStat{}
	ns := map[[2]string][]float64{}
	al := map[[2]string][]float64{}
	by := map[[2]string][]float64{}
	cpu := map[[2]string][]float64{}
	for _, pr := range res.Parse {
		k := [2]string{pr.Lib, pr.Corpus}
		st := m[k]
		if st == nil {
			st = &ParseStat{Lib: pr.Lib, Corpus: pr.Corpus, Size: pr.Size, Events: pr.Events, Lines: pr.Lines, Comments: pr.Comments, GotEvents: pr.GotEvents}
			m[k] = st
		}
		if pr.Check != "" && !st.hasCheck {
			st.Check, st.hasCheck = pr.Check, true
		}
		if pr.Iters > 0 {
			ns[k] = append(ns[k], pr.NsPerOp)
			al[k] = append(al[k], pr.AllocsPerOp)
			by[k] = append(by[k], pr.BytesPerOp)
			cpu[k] = append(cpu[k], pr.CPUNsPerOp)
		}
	}
	for k, st := range m {
		st.Rounds = len(ns[k])
		st.NsPerOp = median(ns[k])
		st.AllocsPerOp = median(al[k])
		st.BytesPerOp = median(by[k])
		st.CPUNsPerOp = median(cpu[k])
		if len(ns[k]) > 0 {
			st.MinNs, st.MaxNs = slices.Min(ns[k]), slices.Max(ns[k])
			st.MinCPU, st.MaxCPU = slices.Min(cpu[k]), slices.Max(cpu[k])
		}
	}
	return m
}

// E2EStat is the median over rounds of one library receiving a stream.
type E2EStat struct {
	Lib            string
	EventsPerSec   float64
	MBPerSec       float64
	CPUNsPerEvent  float64
	Rounds, Failed int
}

// E2EStats returns the per-library medians.
func (res *Results) E2EStats() map[string]*E2EStat {
	eps := map[string][]float64{}
	mbs := map[string][]float64{}
	cpu := map[string][]float64{}
	failed := map[string]int{}
	for _, er := range res.E2E {
		if er.TimedOut || er.Events != int64(er.Want) || er.Seconds <= 0 {
			failed[er.Lib]++
			continue
		}
		eps[er.Lib] = append(eps[er.Lib], float64(er.Events)/er.Seconds)
		bytes := float64(er.Events) * e2eBytesPerEvent()
		mbs[er.Lib] = append(mbs[er.Lib], bytes/er.Seconds/1e6)
		cpu[er.Lib] = append(cpu[er.Lib], (er.UserSec+er.SysSec)*1e9/float64(er.Events))
	}
	m := map[string]*E2EStat{}
	for _, lib := range streamerNames(res.Config, false) {
		m[lib] = &E2EStat{Lib: lib, EventsPerSec: median(eps[lib]), MBPerSec: median(mbs[lib]), CPUNsPerEvent: median(cpu[lib]), Rounds: len(eps[lib]), Failed: failed[lib]}
	}
	return m
}

// e2eBytesPerEvent returns the average wire size of an event of the
// end-to-end corpus.
func e2eBytesPerEvent() float64 {
	c := corpus.Build(E2ECorpus, 1<<20)
	return float64(len(c.Data)) / float64(c.Events)
}

// IdleStat is the median over rounds of one library holding n connections.
type IdleStat struct {
	Lib               string
	Conns             int
	RSSPerConn        float64 // bytes
	GoroutinesPerConn float64
	HeapPerConn       float64 // bytes of Go heap in use
	StackPerConn      float64 // bytes of goroutine stacks in use
	ConnectSeconds    float64
	Rounds            int
}

// IdleStats returns the per-size, per-library medians.
func (res *Results) IdleStats() map[int]map[string]*IdleStat {
	type key struct {
		n   int
		lib string
	}
	rss := map[key][]float64{}
	gor := map[key][]float64{}
	heap := map[key][]float64{}
	stack := map[key][]float64{}
	secs := map[key][]float64{}
	for _, ir := range res.Idle {
		if ir.Connected != ir.Conns || ir.Conns == 0 {
			continue
		}
		k := key{ir.Conns, ir.Lib}
		n := float64(ir.Conns)
		rss[k] = append(rss[k], float64(ir.RSSAfter-ir.RSSBefore)/n)
		gor[k] = append(gor[k], float64(ir.GoAfter-ir.GoBefore)/n)
		heap[k] = append(heap[k], (float64(ir.HeapAfter)-float64(ir.HeapBefore))/n)
		stack[k] = append(stack[k], (float64(ir.StackAfter)-float64(ir.StackBefore))/n)
		secs[k] = append(secs[k], ir.ConnectSeconds)
	}
	m := map[int]map[string]*IdleStat{}
	for k := range rss {
		if m[k.n] == nil {
			m[k.n] = map[string]*IdleStat{}
		}
		m[k.n][k.lib] = &IdleStat{Lib: k.lib, Conns: k.n, RSSPerConn: median(rss[k]), GoroutinesPerConn: median(gor[k]),
			HeapPerConn: median(heap[k]), StackPerConn: median(stack[k]), ConnectSeconds: median(secs[k]), Rounds: len(rss[k])}
	}
	return m
}

func ratio(a, b float64) string {
	if a == 0 || b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func pct(a, b float64) string {
	if a == 0 || b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f %%", 100*a/b)
}

func si(x float64) string {
	switch {
	case x >= 1e9:
		return fmt.Sprintf("%.2f G", x/1e9)
	case x >= 1e6:
		return fmt.Sprintf("%.2f M", x/1e6)
	case x >= 1e3:
		return fmt.Sprintf("%.1f k", x/1e3)
	}
	return fmt.Sprintf("%.0f", x)
}

func kib(b float64) string { return fmt.Sprintf("%.2f", b/1024) }

func passFail(ok bool) string {
	if ok {
		return "**met**"
	}
	return "**not met**"
}

// Machine describes the machine, for the report.
func Machine() []string {
	var lines []string
	model := "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	mhz := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "cpu MHz"); ok {
				mhz = " at " + strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":")) + " MHz"
				break
			}
		}
	}
	lines = append(lines, fmt.Sprintf("CPU: %s%s (as /proc/cpuinfo names it), %d logical cores (GOMAXPROCS %d), a VM", model, mhz, runtime.NumCPU(), runtime.GOMAXPROCS(0)))
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		first, _, _ := strings.Cut(string(b), "\n")
		lines = append(lines, "Memory: "+strings.Join(strings.Fields(strings.TrimPrefix(first, "MemTotal:")), " "))
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		lines = append(lines, "Kernel: Linux "+strings.TrimSpace(string(b)))
	}
	lines = append(lines, fmt.Sprintf("Go: %s %s/%s", runtime.Version(), runtime.GOOS, runtime.GOARCH))
	return lines
}

// versions returns the module versions of the peers and ssecors' commit.
func versions() []string {
	var out []string
	root := ".."
	if gomod, err := exec.Command("go", "env", "GOMOD").Output(); err == nil && len(bytes.TrimSpace(gomod)) > 0 {
		root = filepath.Dir(filepath.Dir(string(bytes.TrimSpace(gomod))))
	}
	if out2, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output(); err == nil {
		rev := strings.TrimSpace(string(out2))
		if st, err := exec.Command("git", "-C", root, "status", "--porcelain", "--", "ssecors").Output(); err == nil && len(st) > 0 {
			rev += " plus uncommitted changes in ssecors/"
		}
		out = append(out, "github.com/ssecors/ssecors-go: working tree at "+rev+" (replace => ../)")
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return out
	}
	for _, d := range bi.Deps {
		switch d.Path {
		case "github.com/tmaxmax/go-sse", "github.com/launchdarkly/eventsource", "github.com/r3labs/sse/v2", "github.com/donovanhide/eventsource",
			"github.com/openai/openai-go/v3", "github.com/anthropics/anthropic-sdk-go/v2":
			out = append(out, d.Path+" "+d.Version)
		}
	}
	return out
}

// WriteMarkdown writes the report. command is the command line that
// reproduces it.
func WriteMarkdown(w io.Writer, res *Results, command string) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	cfg := res.Config

	p("# ssecors benchmarks\n\n")
	p("ssecors measured side by side with the Go SSE clients it competes with, and with two floors that do\n")
	p("no SSE work at all. Every ratio below comes from the same run. Generated by `bench/cmd/report`;\n")
	p("do not edit by hand.\n\n")
	p("## Run\n\n")
	p("- Date: %s (took %s, preset `%s`)\n", res.Started.UTC().Format("2006-01-02 15:04 MST"), res.Duration.Round(time.Second), cfg.Name)
	for _, l := range Machine() {
		p("- %s\n", l)
	}
	p("- Load average (1, 5, 15 min) at start: %s; at end: %s. The machine is shared: other processes may have run.\n", res.LoadStart, res.LoadEnd)
	for _, v := range versions() {
		p("- %s\n", v)
	}
	p("\nReproduce:\n\n```sh\n%s\n```\n\n", command)
	p("`-preset quick` takes about 75 seconds; `go test -bench . -benchmem` in `bench/` runs the same parse and\n")
	p("end-to-end work as Go benchmarks for `benchstat`.\n\n")

	writeTargets(p, res)
	writeParse(p, res)
	writeE2E(p, res)
	writeIdle(p, res)
	writeReconnect(p, res)
	writeLarge(p, res)
	writeConform(p, res)
	writeGaps(p, res)
	writeProfile(p, res)
	writeMethod(p, res)
	writeFailed(p, res)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteSections writes, for a run limited by Config.Only, the sections that
// ran and the failed runs: a quick look, not a report to publish.
func WriteSections(w io.Writer, res *Results, command string) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	cfg := res.Config
	p("# ssecors benchmarks: %s only\n\n", strings.Join(cfg.Only, ", "))
	p("- Date: %s (took %s, preset `%s`)\n", res.Started.UTC().Format("2006-01-02 15:04 MST"), res.Duration.Round(time.Second), cfg.Name)
	p("- Load average (1, 5, 15 min) at start: %s; at end: %s\n", res.LoadStart, res.LoadEnd)
	p("\nReproduce:\n\n```sh\n%s\n```\n\n", command)
	for _, s := range []struct {
		name  string
		write func(printer, *Results)
	}{
		{"parse", writeParse},
		{"e2e", writeE2E},
		{"idle", writeIdle},
		{"reconnect", writeReconnect},
		{"large", writeLarge},
		{"conformance", writeConform},
		{"profile", writeProfile},
	} {
		if cfg.runs(s.name) {
			s.write(p, res)
		}
	}
	writeFailed(p, res)
	_, err := io.WriteString(w, b.String())
	return err
}

type printer func(format string, args ...any)

// writeFailed lists the runs that failed, if any.
func writeFailed(p printer, res *Results) {
	if len(res.Errors) == 0 {
		return
	}
	p("## Failed runs\n\n")
	for _, e := range res.Errors {
		p("- %s\n", strings.ReplaceAll(e, "\n", " "))
	}
	p("\n")
}

func writeTargets(p printer, res *Results) {
	ps := res.ParseStats()
	p("## Targets (issues 5 and 15)\n\n")
	p("Parse targets are judged on CPU time (events per CPU-second of the parsing process), which a busy shared\n")
	p("machine disturbs far less than wall time; on an idle machine the two agree within GC overlap. Wall-time\n")
	p("figures are given beside them. End-to-end targets are judged on wall-clock events/s. Issue 15 raised the\n")
	p("floor target from 25 %% to 35 %%, extended the go-sse and floor targets to every corpus, and added the LLM\n")
	p("corpora's targets against the best peer.\n\n")
	p("| target | measured | verdict |\n|---|---|---|\n")
	// Parse: ≥4× go-sse and ≥35% of the ReadSlice floor on every corpus;
	// judged on CPU time, with the wall-time figure beside it.
	type worst struct {
		r float64
		c string
	}
	var goCPU, goWall, flCPU, flWall worst
	low := func(w *worst, r float64, c string) {
		if w.c == "" || r < w.r {
			*w = worst{r, c}
		}
	}
	for _, c := range corpus.Names {
		s, g, f := ps[[2]string{libs.SSECors, c}], ps[[2]string{libs.GoSSE, c}], ps[[2]string{libs.ReadSlice, c}]
		if s == nil || g == nil || f == nil || s.NsPerOp == 0 || g.NsPerOp == 0 || f.NsPerOp == 0 || s.CPUNsPerOp == 0 {
			continue
		}
		low(&goCPU, g.CPUNsPerOp/s.CPUNsPerOp, c)
		low(&goWall, g.NsPerOp/s.NsPerOp, c)
		low(&flCPU, f.CPUNsPerOp/s.CPUNsPerOp, c)
		low(&flWall, f.NsPerOp/s.NsPerOp, c)
	}
	if goCPU.c != "" {
		p("| parse: ≥ 4× go-sse events/s on every corpus | lowest %.2f× (%s); wall time: lowest %.2f× (%s) | %s |\n", goCPU.r, goCPU.c, goWall.r, goWall.c, passFail(goCPU.r >= 4))
		p("| parse: ≥ 35 %% of the ReadSlice floor on every corpus | lowest %.0f %% (%s); wall time: lowest %.0f %% (%s) | %s |\n", 100*flCPU.r, flCPU.c, 100*flWall.r, flWall.c, passFail(flCPU.r >= 0.35))
	}
	// The LLM corpora: ≥2× the best peer (the cheapest per event of the
	// full parsers) and ≥40% of the floor.
	for _, c := range []string{corpus.LLMTokens, corpus.LLMNamed} {
		s, f := ps[[2]string{libs.SSECors, c}], ps[[2]string{libs.ReadSlice, c}]
		if s == nil || f == nil || s.CPUNsPerOp == 0 || f.CPUNsPerOp == 0 {
			continue
		}
		best, bestLib := 0.0, ""
		for _, l := range libs.Peers {
			if g := ps[[2]string{l, c}]; g != nil && g.CPUNsPerOp > 0 && (bestLib == "" || g.CPUNsPerOp < best) {
				best, bestLib = g.CPUNsPerOp, l
			}
		}
		if bestLib != "" {
			r := best / s.CPUNsPerOp
			p("| parse %s: ≥ 2× the best peer | %.2f× %s | %s |\n", c, r, bestLib, passFail(r >= 2))
		}
		r := f.CPUNsPerOp / s.CPUNsPerOp
		p("| parse %s: ≥ 40 %% of the ReadSlice floor | %.0f %% | %s |\n", c, 100*r, passFail(r >= 0.40))
	}
	if t := ps[[2]string{libs.SSECors, corpus.Typical}]; t != nil && t.Events > 0 {
		a := t.AllocsPerOp / float64(t.Events)
		p("| parse: ≤ 1 allocation per typical event | %.3f allocs/event (the decoder's own allocations spread over %d events) | %s |\n", a, t.Events, passFail(a <= 1.01))
		if h := ps[[2]string{libs.SSECors, corpus.Heartbeat}]; h != nil && h.Comments > 0 {
			ac := perComment(h, t)
			p("| parse: 0 allocations per comment | %.2f allocs/comment | %s |\n", ac, passFail(ac < 0.01))
		}
	}
	es := res.E2EStats()
	if s, g, f := es[libs.SSECors], es[libs.GoSSE], es[libs.NetHTTP]; s.EventsPerSec > 0 && g.EventsPerSec > 0 && f.EventsPerSec > 0 {
		p("| end to end: ≥ 2.5× go-sse events/s | %.2f×; CPU per event: go-sse's is %.2f× ssecors' | %s |\n", s.EventsPerSec/g.EventsPerSec, g.CPUNsPerEvent/s.CPUNsPerEvent, passFail(s.EventsPerSec >= 2.5*g.EventsPerSec))
		p("| end to end: ≥ 100 %% of the net/http floor | %.0f %%; CPU per event: floor's is %.0f %% of ssecors' | %s |\n", 100*s.EventsPerSec/f.EventsPerSec, 100*f.CPUNsPerEvent/s.CPUNsPerEvent, passFail(s.EventsPerSec >= f.EventsPerSec))
	}
	is := res.IdleStats()
	if len(res.Config.IdleConns) > 0 {
		n := slices.Max(res.Config.IdleConns)
		if s, f := is[n][libs.SSECors], is[n][libs.NetHTTP]; s != nil && f != nil {
			d := s.RSSPerConn - f.RSSPerConn
			p("| idle: ≤ 2 KiB/conn above the net/http floor at %d connections | %+.2f KiB/conn | %s |\n", n, d/1024, passFail(d <= 2048))
		}
	}
	if len(res.Large) > 0 {
		// One large event in small reads: linear for every shape and read
		// size (section 5).
		sizes := slices.Clone(res.Config.LargeEventSizes)
		slices.Sort(sizes)
		var verdicts []string
		linear := len(sizes) > 1
		for _, shape := range res.Config.LargeEventShapes {
			for _, read := range res.Config.LargeEventReads {
				at := map[int]*driver.LargeResult{}
				for i := range res.Large {
					if lr := &res.Large[i]; lr.Lib == libs.SSECors && lr.Shape == shape && lr.ReadSize == read {
						at[lr.Size] = lr
					}
				}
				v := Growth(sizes, at).Verdict()
				linear = linear && v == "linear"
				verdicts = append(verdicts, fmt.Sprintf("%s in %s reads: %s", shape, byteSize(read), v))
			}
		}
		p("| one event of %s in small reads: linear time | %s | %s |\n", joinSizes(sizes), strings.Join(verdicts, "; "), passFail(linear))
	}
	for _, run := range res.Reconnect {
		if run.Client.Lib != libs.SSECors {
			continue
		}
		c := run.Client
		ok := c.Lost == 0 && c.Duplicated == 0 && c.Corrupt == 0 && c.Finished
		p("| reconnect (%s, %d drops): 0 lost, 0 duplicated, 0 corrupt | %d lost, %d dup, %d corrupt | %s |\n", run.Mode, res.Config.Drops, c.Lost, c.Duplicated, c.Corrupt, passFail(ok))
		med := quantile(run.Over, 0.5)
		p("| reconnect (%s): resume within 1 ms of the delay (median) | %s | %s |\n", run.Mode, fmtDur(med), passFail(len(run.Over) > 0 && med <= time.Millisecond))
	}
	p("\n")
}

// perComment estimates allocations per comment: the heartbeat corpus' allocations
// less what its events cost at the typical corpus' rate, over its comments.
func perComment(h, t *ParseStat) float64 {
	perEvent := t.AllocsPerOp / float64(t.Events)
	v := (h.AllocsPerOp - perEvent*float64(h.Events)) / float64(h.Comments)
	if v > -0.005 && v < 0.005 {
		return 0 // below what the measurement resolves; avoids printing -0.000
	}
	return v
}

func fmtDur(d time.Duration) string {
	us := float64(d) / 1e3
	if us >= 1000 || us <= -1000 {
		return fmt.Sprintf("%.2f ms", us/1000)
	}
	return fmt.Sprintf("%.0f µs", us)
}

func writeParse(p printer, res *Results) {
	ps := res.ParseStats()
	p("## 1. In-process parse\n\n")
	p("Each library parses the whole corpus (about %d KiB, in memory, read through a `bytes.Reader`) through its\n", res.Config.ParseSize>>10)
	p("own public API, %d round(s), median shown. `%s` is the exception: always the same four events (about 15 MiB),\n", res.Config.Rounds, corpus.MCPLarge)
	p("delivered by a reader that returns at most %d KiB per `Read`, parsed %d time(s) in each of the first %d round(s).\n", corpus.MCPReadSize>>10, max(res.Config.LargeSamples, 1), res.Config.LargeRounds)
	p("Events/s counts the events a conforming parser dispatches.\n")
	p("ns/event is wall time; CPU ns/event is the process' user+system time over the same loops, GC workers included\n")
	p("(less disturbed by other load on the machine). Spread is ±half the range of the rounds' figures.\n")
	p("\"vs\" columns: ssecors' events/s divided by that row's (above 1× means ssecors is faster); for the\n")
	p("floor, ssecors' share of the floor's speed.\n\n")
	p("APIs used:\n\n")
	for _, pa := range libs.Parsers() {
		p("- **%s**: %s\n", pa.Name, pa.Via)
	}
	p("\n")
	// Summary.
	p("### Summary: ssecors events per CPU-second and ratios\n\n")
	p("Ratios on CPU time: a peer's CPU per event divided by ssecors' (above 1× means ssecors is cheaper). The wall-time\n")
	p("columns repeat the go-sse and floor comparisons on wall-clock medians.\n\n")
	p("| corpus | ssecors events/CPU-s | MB/CPU-s |")
	for _, l := range libs.Peers {
		p(" vs %s |", l)
	}
	p(" %% of ReadSlice floor | wall: vs go-sse | wall: %% of floor | allocs/event | B/event |\n")
	p("|---|---|---|%s---|---|---|---|---|\n", strings.Repeat("---|", len(libs.Peers)))
	for _, c := range corpus.Names {
		s := ps[[2]string{libs.SSECors, c}]
		if s == nil || s.CPUNsPerOp == 0 {
			continue
		}
		row := []string{c, si(float64(s.Events) / (s.CPUNsPerOp / 1e9)), fmt.Sprintf("%.0f", float64(s.Size)/s.CPUNsPerOp*1e3)}
		for _, l := range libs.Peers {
			if o := ps[[2]string{l, c}]; o != nil && o.Rounds > 0 {
				row = append(row, ratio(o.CPUNsPerOp, s.CPUNsPerOp))
			} else if o != nil {
				row = append(row, "failed")
			} else {
				row = append(row, "–")
			}
		}
		f, g := ps[[2]string{libs.ReadSlice, c}], ps[[2]string{libs.GoSSE, c}]
		if f != nil && g != nil {
			row = append(row, pct(f.CPUNsPerOp, s.CPUNsPerOp), ratio(g.NsPerOp, s.NsPerOp), pct(f.NsPerOp, s.NsPerOp))
		} else {
			row = append(row, "–", "–", "–")
		}
		row = append(row, fmt.Sprintf("%.2f", s.AllocsPerOp/float64(s.Events)), fmt.Sprintf("%.0f", s.BytesPerOp/float64(s.Events)))
		p("| %s |\n", strings.Join(row, " | "))
	}
	p("\n")
	for _, c := range corpus.Names {
		s := ps[[2]string{libs.SSECors, c}]
		if s == nil {
			continue
		}
		p("### %s: %s\n\n", c, corpus.Describe(c))
		p("%d events, %d lines, %d bytes.\n\n", s.Events, s.Lines, s.Size)
		p("| library | events/s | MB/s | ns/event | CPU ns/event | allocs/event | B/event | spread over rounds (CPU / wall) | ssecors vs this (CPU) | (wall) | output check |\n")
		p("|---|---|---|---|---|---|---|---|---|---|---|\n")
		for _, pa := range libs.Parsers() {
			o := ps[[2]string{pa.Name, c}]
			if o == nil {
				continue
			}
			check := "ok"
			if o.Check != "" {
				check = "✗ " + o.Check
			}
			vs, vsWall := ratio(o.CPUNsPerOp, s.CPUNsPerOp), ratio(o.NsPerOp, s.NsPerOp)
			if pa.Name == libs.SSECors {
				vs, vsWall = "1×", "1×"
			}
			spread := "–"
			if o.MaxNs > 0 && o.CPUNsPerOp > 0 {
				spread = fmt.Sprintf("±%.0f %% / ±%.0f %%", 50*(o.MaxCPU-o.MinCPU)/o.CPUNsPerOp, 50*(o.MaxNs-o.MinNs)/o.NsPerOp)
			}
			name := pa.Name
			if pa.Framing {
				name += " (framing only)"
			}
			if o.Rounds == 0 {
				p("| %s | failed | | | | | | | | | %s |\n", name, check)
				continue
			}
			p("| %s | %s | %.0f | %.0f | %.0f | %.2f | %.0f | %s | %s | %s | %s |\n", name, si(o.EventsPerSec()), o.MBPerSec(),
				o.NsPerOp/float64(o.Events), o.CPUNsPerOp/float64(o.Events), o.AllocsPerOp/float64(o.Events), o.BytesPerOp/float64(o.Events), spread, vs, vsWall, check)
		}
		if c == corpus.Heartbeat {
			if t := ps[[2]string{libs.SSECors, corpus.Typical}]; t != nil {
				p("\nssecors allocations per comment (heartbeat corpus less its events at the typical corpus' rate): %.2f.\n", perComment(s, t))
			}
		}
		p("\n")
	}
}

func writeE2E(p printer, res *Results) {
	es := res.E2EStats()
	cfg := res.Config
	p("## 2. End to end over loopback HTTP\n\n")
	p("A loopback server (in the harness process) writes the `%s` corpus, %.0f bytes per event on the wire, as fast as\n", E2ECorpus, e2eBytesPerEvent())
	p("it can, flushing every 64 KiB, and holds the connection open after %d events. Each library runs in a process of its\n", cfg.E2EEvents)
	p("own that counts events through the library's public API until it has all of them. CPU is the child's\n")
	p("user+system time from `getrusage(RUSAGE_SELF)` over the same span. %d round(s), libraries interleaved, median shown.\n\n", cfg.Rounds)
	p("| library | events/s | MB/s | CPU per event (user+sys) | ssecors events/s vs this | this CPU/event vs ssecors | API |\n")
	p("|---|---|---|---|---|---|---|\n")
	s := es[libs.SSECors]
	for _, st := range libs.Streamers() {
		o := es[st.Name]
		if o == nil || o.Rounds == 0 {
			p("| %s | failed | | | | | %s |\n", st.Name, st.Via)
			continue
		}
		p("| %s | %s | %.0f | %.2f µs | %s | %s | %s |\n", st.Name, si(o.EventsPerSec), o.MBPerSec, o.CPUNsPerEvent/1e3,
			ratio(s.EventsPerSec, o.EventsPerSec), ratio(o.CPUNsPerEvent, s.CPUNsPerEvent), st.Via)
	}
	p("\n")
}

func writeIdle(p printer, res *Results) {
	is := res.IdleStats()
	cfg := res.Config
	p("## 3. Idle footprint\n\n")
	p("One process per library opens N connections to a loopback server that sends one event and then nothing.\n")
	p("Once every connection has delivered its event, the process runs `runtime.GC` and `debug.FreeOSMemory`,\n")
	p("waits %s, and reads VmRSS from `/proc/self/status` and `runtime.NumGoroutine`; the same reading taken before\n", cfg.IdleSettle)
	p("the first connection is subtracted. All libraries get the same `http.Transport` (a clone of the default).\n")
	p("%d round(s), median shown. Go heap and stacks are `HeapInuse` and `StackInuse`, less noisy than RSS.\n", cfg.IdleRounds)
	p("An idle ssecors connection holds a 1 KiB read buffer, and the goroutine that reads it stays at a 4 KiB stack:\n")
	p("ssecors connects (`http.Client.Do`, which grows a stack to 8 KiB) on a goroutine of its own that ends once the\n")
	p("response has arrived, so the long-lived goroutine never grows past what its read needs.\n\n")
	for _, n := range cfg.IdleConns {
		m := is[n]
		if m == nil {
			continue
		}
		p("### %d idle connections\n\n", n)
		p("| library | RSS KiB/conn | above net/http floor | goroutines/conn | Go heap KiB/conn | stacks KiB/conn | this RSS vs ssecors | connect time |\n")
		p("|---|---|---|---|---|---|---|---|\n")
		f, s := m[libs.NetHTTP], m[libs.SSECors]
		for _, st := range libs.Streamers() {
			o := m[st.Name]
			if o == nil && !cfg.measures(st.Name) {
				continue
			}
			if o == nil {
				p("| %s | failed | | | | | | |\n", st.Name)
				continue
			}
			above := "–"
			if f != nil {
				above = fmt.Sprintf("%+.2f KiB", (o.RSSPerConn-f.RSSPerConn)/1024)
			}
			vs := "–"
			if s != nil {
				vs = ratio(o.RSSPerConn, s.RSSPerConn)
			}
			p("| %s | %s | %s | %.2f | %s | %s | %s | %.2f s |\n", st.Name, kib(o.RSSPerConn), above, o.GoroutinesPerConn, kib(o.HeapPerConn), kib(o.StackPerConn), vs, o.ConnectSeconds)
		}
		p("\n")
	}
}

// nsPerByte formats ns per byte with three significant figures or so.
func nsPerByte(x float64) string {
	switch {
	case x < 10:
		return fmt.Sprintf("%.2f", x)
	case x < 100:
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.0f", x)
}

func fmtSecs(s float64) string {
	switch {
	case s < 1e-3:
		return fmt.Sprintf("%.0f µs", s*1e6)
	case s < 1:
		return fmt.Sprintf("%.1f ms", s*1e3)
	}
	return fmt.Sprintf("%.2f s", s)
}

// LargeGrowth is how one library's cost per byte grows with the size of
// one large event, for one shape and read size.
type LargeGrowth struct {
	// From and To are the smallest size and the largest size that
	// finished with the right output; Ratio is ns/byte at To over ns/byte
	// at From, and Exponent the e of time ∝ size^e that it implies (1:
	// linear, 2: quadratic). Ratio is 0 when fewer than two sizes finished.
	From, To        int
	Ratio, Exponent float64
	// LastFrom is the size that finished before To, when it is not From:
	// LastExponent is the e between LastFrom and To (Exponent when only
	// From and To finished). Quadratic work keeps ns/byte growing with the
	// size; a step from the CPU caches does not.
	LastFrom     int
	LastExponent float64
	// DNF is the smallest size that did not finish within the limit (0 if
	// none); DNFRatio and DNFExponent are the lower bounds that the limit
	// implies there (the parse took longer than the limit), against
	// DNFFrom, the largest size that finished before it.
	DNF, DNFFrom          int
	DNFRatio, DNFExponent float64
	// FirstFailed is true when the smallest size did not finish or failed;
	// FirstDNF when it did not finish.
	FirstFailed, FirstDNF bool
}

// Verdict names the growth: "linear" when e < LargeLinear over the whole
// range or over its last step (ns/byte stopped growing) and every size
// finished, "quadratic" when e ≥ LargeQuadratic over both, "quadratic or
// worse" when a time-out bounds e from below by LargeQuadratic, "unclear"
// otherwise; "did not finish at N" when a time-out bounds nothing (the
// smallest size did not finish, or the bound is too weak to judge); "–"
// when the results say nothing about it.
//
// A linear parser that keeps the event in memory still slows down per byte
// as the event outgrows the CPU caches: on the 2-core VM this was written
// on, up to about 3× from 1 to 16 MiB in 16 KiB reads (e ≈ 1.4), most of
// it from 1 to 4 MiB. That step does not go on growing; quadratic work
// does (e ≈ 2 from 4 to 16 MiB as from 1 to 16 MiB), hence the last step.
func (g LargeGrowth) Verdict() string {
	if g.FirstDNF {
		return "did not finish at " + byteSize(g.From)
	}
	if g.FirstFailed {
		return "–"
	}
	bound := g.DNF != 0 && g.DNFRatio > 1
	if bound && g.DNFExponent >= LargeQuadratic {
		return "quadratic or worse"
	}
	measured := "–" // one size only
	if g.Ratio > 0 {
		e, last := g.Exponent, g.LastExponent
		switch {
		case e < LargeLinear || last < LargeLinear:
			measured = "linear"
		case e >= LargeQuadratic && last >= LargeQuadratic:
			measured = "quadratic"
		default:
			measured = "unclear"
		}
	}
	switch {
	case g.DNF == 0 || measured == "quadratic":
		return measured
	case measured == "–" && !(bound && g.DNFExponent >= LargeLinear):
		return "did not finish at " + byteSize(g.DNF) // a time-out that bounds nothing
	}
	return "unclear" // a larger size did not finish: not linear
}

// The thresholds of LargeGrowth.Verdict on the exponent e.
const (
	LargeLinear    = 1.4 // below: linear
	LargeQuadratic = 1.6 // at or above: quadratic
)

// largeCPUMin is the shortest parse whose CPU time the report shows:
// getrusage counts the time of a thread still running on another core only
// at the scheduler's tick, a few milliseconds.
const largeCPUMin = 0.05

// growthExponent returns the e of time ∝ size^e implied by a ns/byte ratio
// r between two sizes k apart.
func growthExponent(r, k float64) float64 {
	if r <= 0 || k <= 1 {
		return 0
	}
	return 1 + math.Log(r)/math.Log(k)
}

// largeOK reports whether lr finished with the right output.
func largeOK(lr *driver.LargeResult) bool {
	return lr != nil && !lr.Skipped && !lr.TimedOut && lr.Check == "" && lr.Samples > 0 && lr.Seconds > 0
}

// Growth returns how one library's cost per byte grows over sizes
// (ascending) for one shape and read size; at maps a size to its result.
func Growth(sizes []int, at map[int]*driver.LargeResult) LargeGrowth {
	var g LargeGrowth
	if len(sizes) == 0 {
		return g
	}
	first := at[sizes[0]]
	if !largeOK(first) {
		g.From, g.FirstFailed = sizes[0], true
		g.FirstDNF = first != nil && first.TimedOut
		return g
	}
	nsB := func(lr *driver.LargeResult) float64 { return lr.Seconds * 1e9 / float64(lr.Size) }
	g.From = first.Size
	prev := first
	for _, n := range sizes[1:] {
		lr := at[n]
		switch {
		case largeOK(lr):
			g.To = lr.Size
			g.Ratio = nsB(lr) / nsB(first)
			g.Exponent = growthExponent(g.Ratio, float64(lr.Size)/float64(first.Size))
			g.LastExponent = growthExponent(nsB(lr)/nsB(prev), float64(lr.Size)/float64(prev.Size))
			if prev != first {
				g.LastFrom = prev.Size
			}
			prev = lr
		case lr != nil && lr.TimedOut && g.DNF == 0:
			g.DNF, g.DNFFrom = lr.Size, prev.Size
			g.DNFRatio = lr.Limit * 1e9 / float64(lr.Size) / nsB(prev)
			g.DNFExponent = growthExponent(g.DNFRatio, float64(lr.Size)/float64(prev.Size))
		}
	}
	return g
}

func writeLarge(p printer, res *Results) {
	cfg := res.Config
	if len(res.Large) == 0 {
		return
	}
	sizes := slices.Clone(cfg.LargeEventSizes)
	slices.Sort(sizes)
	limit := cfg.LargeEventLimit
	growth := len(sizes) > 1
	timing := "one parse"
	if cfg.LargeEventSamples > 1 {
		timing = fmt.Sprintf("up to %d parses, fewer once they took %s; the fastest, the least\n"+
			"disturbed by other load on the machine, is shown", cfg.LargeEventSamples, secs(cfg.LargeEventBudget))
	}
	p("## 5. One large event in small reads\n\n")
	p("Does a library's cost per byte grow with the size of one event when that event arrives in many small reads,\n")
	p("as a large MCP tool result or LLM response does over a network? Each library parses a stream of exactly one\n")
	p("event, of %s on the wire (blank line included), through the same public API and with the\n", joinSizes(sizes))
	p("same raised event-size limit as in section 1, from an in-memory reader that returns at most %s\n", joinSizes(cfg.LargeEventReads))
	var shapes []string
	for _, s := range cfg.LargeEventShapes {
		switch s {
		case corpus.OneLine:
			shapes = append(shapes, fmt.Sprintf("`%s`, one `data:` line holding all the data", s))
		case corpus.KiBLines:
			shapes = append(shapes, fmt.Sprintf("`%s`, `data:` lines of 1 KiB each", s))
		}
	}
	p("per `Read`, in the shape%s %s.\n", map[bool]string{true: "s", false: ""}[len(shapes) > 1], strings.Join(shapes, "; "))
	p("Each library, shape, read size and size runs in a driver process of its own\n")
	p("(`cd bench && go run ./cmd/driver large -lib L -shape S -size N -read R -limit %s` runs one), which parses\n", limit)
	p("the event in a goroutine and times it: %s.\n", timing)
	p("The first parse is checked (one event holding all the data, as in section 1). A parse still running after\n")
	p("**%s** is abandoned: the driver reports\n", secs(limit))
	p("it and exits, which stops it (*did not finish*), and that library is not run on the larger sizes of the same\n")
	p("shape and read size (*not run*).\n\n")
	p("Each cell: wall-clock ns per byte of the event and the wall time of the parse; for a parse of %.0f ms or more,\n", largeCPUMin*1e3)
	p("also the process' user+system CPU ns per byte over it (GC workers included, so it can exceed the wall time;\n")
	p("`getrusage` is too coarse for shorter parses).")
	if growth {
		k := float64(sizes[len(sizes)-1]) / float64(sizes[0])
		p(" *Growth*: ns/byte at the largest size that finished over\n")
		p("ns/byte at the smallest, and the exponent e of time ∝ size^e it implies. A linear parser stays near 1× (e ≈ 1);\n")
		p("a quadratic one grows with the size (%.0f× from %s to %s, e ≈ 2). When a larger size did not finish, the\n", k, byteSize(sizes[0]), byteSize(sizes[len(sizes)-1]))
		p("limit bounds its ns/byte from below, hence the growth from the largest size that finished (≥).\n")
		p("A linear parser that keeps the event in memory still gets slower per byte once the event outgrows the CPU\n")
		p("caches, a step that lifts e above 1 but stops growing; quadratic work keeps growing. So with three\n")
		p("sizes or more the e of the last step (between the two largest sizes that finished) is given too, and the\n")
		p("verdict is **linear** when e < %.1f over the whole range (%.1f× here) or over the last step, **quadratic** when\n", LargeLinear, math.Pow(k, LargeLinear-1))
		p("e ≥ %.1f over both (%.1f× here over the whole range) or a time-out bounds e from below by %.1f, *unclear*\n", LargeQuadratic, math.Pow(k, LargeQuadratic-1), LargeQuadratic)
		p("otherwise (never linear when a larger size did not finish); *did not finish at N* when the smallest size did\n")
		p("not finish or a time-out bounds nothing.")
	} else {
		p(" One size only in this preset: no growth.")
	}
	p("\nThe machine is shared: a parse of a few milliseconds is noisy; the growth of a quadratic parse is not.\n\n")
	type key struct {
		lib, shape string
		read, size int
	}
	at := map[key]*driver.LargeResult{}
	for i := range res.Large {
		lr := &res.Large[i]
		at[key{lr.Lib, lr.Shape, lr.ReadSize, lr.Size}] = lr
	}
	for _, shape := range cfg.LargeEventShapes {
		for _, read := range cfg.LargeEventReads {
			p("### `%s`, at most %s per read\n\n", shape, byteSize(read))
			p("| library |")
			for _, n := range sizes {
				p(" %s |", byteSize(n))
			}
			if growth {
				p(" growth %s → %s | verdict |", byteSize(sizes[0]), byteSize(sizes[len(sizes)-1]))
			}
			p("\n|---|%s\n", strings.Repeat("---|", len(sizes)+2*btoi(growth)))
			for _, pa := range libs.Parsers() {
				name := pa.Name
				if pa.Framing {
					name += " (framing only)"
				}
				row := []string{name}
				bySize := map[int]*driver.LargeResult{}
				dnf := ""
				for _, n := range sizes {
					lr := at[key{pa.Name, shape, read, n}]
					bySize[n] = lr
					switch {
					case lr == nil:
						row = append(row, "–")
					case lr.Skipped:
						row = append(row, "not run (did not finish at "+dnf+")")
					case lr.TimedOut:
						if dnf == "" {
							dnf = byteSize(n)
						}
						row = append(row, fmt.Sprintf("**did not finish in %s** (> %s ns/B; CPU %s)", secs(time.Duration(lr.Limit*1e9)), nsPerByte(lr.Limit*1e9/float64(lr.Size)), fmtSecs(lr.CPUSeconds)))
					case lr.Check != "":
						row = append(row, "✗ "+strings.ReplaceAll(strings.ReplaceAll(lr.Check, "|", "\\|"), "\n", " "))
					default:
						cell := nsPerByte(lr.Seconds * 1e9 / float64(lr.Size))
						if lr.Seconds >= largeCPUMin {
							cell += " (CPU " + nsPerByte(lr.CPUSeconds*1e9/float64(lr.Size)) + ")"
						}
						row = append(row, cell+", "+fmtSecs(lr.Seconds))
					}
				}
				g := Growth(sizes, bySize)
				var gcol []string // the growth column
				if g.Ratio > 0 {
					c := fmt.Sprintf("%.2f× to %s (e = %.2f", g.Ratio, byteSize(g.To), g.Exponent)
					if g.LastFrom != 0 {
						c += fmt.Sprintf("; %s → %s: e = %.2f", byteSize(g.LastFrom), byteSize(g.To), g.LastExponent)
					}
					gcol = append(gcol, c+")")
				}
				switch {
				case g.DNF != 0 && g.DNFRatio > 1:
					gcol = append(gcol, fmt.Sprintf("≥ %.1f× from %s to %s (e ≥ %.2f)", g.DNFRatio, byteSize(g.DNFFrom), byteSize(g.DNF), g.DNFExponent))
				case g.DNF != 0:
					gcol = append(gcol, "did not finish at "+byteSize(g.DNF))
				}
				if len(gcol) == 0 {
					gcol = append(gcol, "–")
				}
				if growth {
					row = append(row, strings.Join(gcol, "; "), g.Verdict())
				}
				p("| %s |\n", strings.Join(row, " | "))
			}
			p("\n")
		}
	}
}

// secs returns "10 s", "0.5 s" or, under 0.1 s, "1µs".
func secs(d time.Duration) string {
	if d < 100*time.Millisecond {
		return d.String()
	}
	return fmt.Sprintf("%g s", d.Seconds())
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// byteSize returns "16 bytes", "16 KiB" or "16 MiB".
func byteSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// joinSizes returns "16 bytes or 16 KiB", "1 MiB, 4 MiB or 16 MiB".
func joinSizes(ns []int) string {
	var s []string
	for _, n := range ns {
		s = append(s, byteSize(n))
	}
	return orList(s)
}

func orList(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

func writeReconnect(p printer, res *Results) {
	cfg := res.Config
	p("## 4. Reconnect correctness and cost\n\n")
	p("A loopback server ends the stream every %d events, %d times, then sends the rest and holds the stream open.\n", cfg.Every, cfg.Drops)
	p("Each connection resumes after the Last-Event-ID it receives (from event 1 without one). `clean`: the chunked\n")
	p("body ends properly after whole events. `abort`: the server writes the `id:` line and half of the `data:` line\n")
	p("of the next event, then cuts the connection; a conforming client discards that event and asks for it again.\n")
	p("Each event's data is a 200-byte JSON object determined by its id: *lost* = ids never received intact,\n")
	p("*duplicated* = extra copies, *corrupt* = events whose id or data is wrong (a partial event, an empty event).\n")
	p("A client silent for %s is considered stopped. The reconnection delay is set to %s where the library allows it,\n", cfg.ReconnectIdle, cfg.RetryDelay)
	p("and every connection's first event also carries `retry: %d`. *Resume over delay* is measured at the server:\n", cfg.RetryDelay/time.Millisecond)
	p("from the end of a connection to the arrival of the next request, less the %s delay.\n\n", cfg.RetryDelay)
	for _, mode := range []sseserver.DropMode{sseserver.DropClean, sseserver.DropAbort} {
		p("### %s drops\n\n", mode)
		p("| library | received | lost | duplicated | corrupt | reached the end | requests | without Last-Event-ID | resume over delay: median | p90 | took |\n")
		p("|---|---|---|---|---|---|---|---|---|---|---|\n")
		for _, run := range res.Reconnect {
			if run.Mode != mode {
				continue
			}
			c := run.Client
			med, p90 := "–", "–"
			if len(run.Over) > 0 {
				med, p90 = fmtDur(quantile(run.Over, 0.5)), fmtDur(quantile(run.Over, 0.9))
			}
			end := "yes"
			if !c.Finished {
				end = "no"
			}
			p("| %s | %d | %d | %d | %d | %s | %d | %d | %s | %s | %.1f s |\n", c.Lib, c.Received, c.Lost, c.Duplicated, c.Corrupt, end,
				run.Server.Connections, run.Server.NoLastEventID, med, p90, c.Seconds)
		}
		p("\n")
		for _, run := range res.Reconnect {
			if run.Mode == mode && run.Client.Example != "" {
				p("- %s, first corrupt event: `%s`\n", run.Client.Lib, run.Client.Example)
			}
		}
		p("\n")
	}
	p("How each library's delay was set:\n\n")
	for _, st := range libs.Streamers() {
		if st.Reconnects {
			p("- **%s**: %s\n", st.Name, st.Delay)
		}
	}
	p("\n")
}

// writeGaps explains the targets the tables above may show as not met,
// from the profiles below; it states causes, not figures, so it stays true
// when the figures move.
func writeGaps(p printer, res *Results) {
	p("## Where the gaps come from\n\n")
	p("Some targets of issues 5 and 15 are not met (see the targets table). The profiles below show why:\n\n")
	p("- **Parse against go-sse and the ReadSlice floor.** The floor only finds line ends; ssecors also finds CRs\n")
	p("  (a lone CR ends a line), recognizes fields, tracks the last event ID, validates UTF-8 (with WHATWG replacement\n")
	p("  when invalid), and copies each event's data into a string it owns: one allocation per event, which a Go client\n")
	p("  cannot avoid without handing out memory that the next read overwrites. In the typical-corpus profile, building\n")
	p("  that string (`dispatch` and `joinID`: allocation, copy, UTF-8 check) is the largest share by cumulative time,\n")
	p("  then the line search (`indexbytebody`); the garbage collector's work comes on top (`futex`, `madvise`, the GC\n")
	p("  workers). Part of the time is the caller's (`libs.parseSSECors`, flat): `Decode` returns the 64-byte `Event` in\n")
	p("  registers, and the Go compiler stores them and copies the struct again into the caller's variable; every API\n")
	p("  that returns an event by value pays it.\n")
	p("  go-sse allocates two to three times per event and ssecors once, so the ratio is largest where allocation\n")
	p("  dominates and smallest on short, many-line events where both spend their time finding lines.\n")
	p("- **Large events against the floor.** On 64 KiB and MCP-size events every byte is copied from the reader into\n")
	p("  the read buffer, searched for LF and for CR, checked as UTF-8 and copied into the event's string, and the part\n")
	p("  of an event that a read leaves unfinished is moved to the start of the buffer: four to five passes against\n")
	p("  the floor's two (copy and LF search), and each event's string is fresh memory that the kernel has to map\n")
	p("  (system time, `madvise`).\n")
	p("- **The LLM corpora against the SDK decoders.** openai-go and anthropic-sdk-go split lines with a\n")
	p("  `bufio.Scanner` and skip what ssecors does per event beyond that: they ignore `id:` and `retry:`, do not treat\n")
	p("  a lone CR as a line end, and neither check nor repair UTF-8. Both allocate the event's data, as ssecors does;\n")
	p("  being twice as fast as they are would leave ssecors less than half of their time per event for that\n")
	p("  allocation plus the work they skip.\n")
	p("- **End to end against the net/http floor.** The floor splits lines and allocates nothing; ssecors parses as\n")
	p("  above, dispatches each event, and publishes its last event ID for other goroutines. ssecors reads in larger\n")
	p("  chunks once a stream is fast (up to 64 KiB a read against the floor's 4 KiB), which saves read system calls.\n")
	if t, f := res.ParseStats()[[2]string{libs.SSECors, corpus.Typical}], res.E2EStats()[libs.NetHTTP]; t != nil && t.Events > 0 && f != nil && f.CPUNsPerEvent > 0 {
		if parse := t.CPUNsPerOp / float64(t.Events); parse > f.CPUNsPerEvent {
			p("  But in this run ssecors' parse alone (section 1, typical corpus: %.0f ns of CPU per event) costs more than\n", parse)
			p("  the floor's whole end-to-end CPU per event (%.0f ns, section 2): one goroutine that parses cannot keep up\n", f.CPUNsPerEvent)
			p("  with one that only splits lines.\n")
		}
	}
	p("\n")
}

func writeProfile(p printer, res *Results) {
	if res.ProfileCPU == "" {
		return
	}
	p("## ssecors parse profile (typical corpus)\n\n")
	p("`driver parse -lib ssecors -corpora typical`, run once with `-cpuprofile` and once with `-memprofile`\n")
	p("(`go tool pprof -top -nodecount=10`): CPU by flat time, CPU by cumulative time of ssecors' own functions\n")
	p("(`-cum -show=ssecors-go/ssecors\\.`), and allocated bytes (`-sample_index=alloc_space`). The samples cover the\n")
	p("benchmark loop, so `driver.Measure` and `libs.parseSSECors` frames are the harness.\n\n")
	p("```\n%s\n```\n\n```\n%s\n```\n\n```\n%s\n```\n\n", res.ProfileCPU, res.ProfileCPUCum, res.ProfileAlloc)
	if res.ProfileE2E != "" {
		p("## ssecors end-to-end profile\n\n")
		p("`driver e2e -lib ssecors -cpuprofile`: the receiving process over the whole end-to-end run (%d events),\n", res.ProfileE2EEvents)
		p("top 10 by flat CPU time; the HTTP transport's read loop and the scheduler show here, not in the parse profile.\n\n")
		p("```\n%s\n```\n\n", res.ProfileE2E)
	}
	if res.ProfileIdle != "" {
		p("## ssecors idle heap profile (%d connections)\n\n", res.ProfileIdleConns)
		p("`driver idle -lib ssecors -memprofile` with every allocation sampled, heap in use once the connections are idle\n")
		p("(`-sample_index=inuse_space`): what each idle connection keeps, transport included. Stacks are not in it\n")
		p("(see the stacks column of the idle table).\n\n")
		p("```\n%s\n```\n\n", res.ProfileIdle)
	}
}

func writeMethod(p printer, res *Results) {
	p("## Method\n\n")
	p("- Harness: the `bench/` module (its own `go.mod`, ssecors through `replace => ../`, the peers as modules from the\n")
	p("  Go module proxy, nothing copied). `cmd/report` starts `internal/driver` (itself, re-executed) once per library,\n")
	p("  measurement and round, so that heaps, goroutines, GC pacing and CPU accounting never mix; servers run in the\n")
	p("  harness process on 127.0.0.1.\n")
	p("- Corpora (`bench/corpus`) are built deterministically: the same bytes on every run.\n")
	p("- Every library's output is checked: event count and total data bytes for the parse (lines and bytes for the\n")
	p("  floor), the event count end to end, the first event of every idle connection, and every event's id and data\n")
	p("  in the reconnect test, the one event and its data length for the large event of section 5. A failed check is\n")
	p("  shown in the tables, not hidden.\n")
	p("- Parse timing: after one checked warm-up parse, the corpus is parsed again and again for at least %s per\n", res.Config.ParseMinTime)
	p("  library, corpus and round, in 5 samples; the round's figure is the median sample. Allocations come from\n")
	p("  `runtime.MemStats` (Mallocs, TotalAlloc) around the loop.\n")
	p("- Noise: libraries are interleaved (each round starts with a different one) and medians over rounds are shown;\n")
	p("  the parse tables give the spread. The machine is a shared %d-core VM: treat differences under ~10 %% as noise.\n", runtime.NumCPU())
	p("- The ReadSlice floor copies the bytes through a 4 KiB `bufio.Reader` and finds line ends; the net/http floor\n")
	p("  does the same on a response body. Neither parses fields, builds strings or reconnects.\n")
	p("- r3labs has no public parser: its row is `Client.SubscribeRaw` over an in-process `http.RoundTripper` that returns\n")
	p("  the corpus as the body (this includes one goroutine hop per event, which is how r3labs delivers events).\n")
	p("  `r3labs-reader` is its public `EventStreamReader`, which only splits events and parses no field.\n")
	p("- openai-go and anthropic-sdk-go are the SSE decoders inside those API SDKs (`packages/ssestream`), called through\n")
	p("  their public `NewDecoder(*http.Response)` and `Next`/`Event`, without the SDKs' JSON decoding of each event. Their\n")
	p("  data keeps the LF after its last line (the spec removes it): their check expects one byte more per event. They\n")
	p("  ignore `id:` and `retry:`, so they do less work per event than a conforming parser. Parse only: they have no client\n")
	p("  of their own for arbitrary streams, so they are absent from the end-to-end, idle and reconnect sections.\n")
	p("- Timings are wall-clock on a loaded machine; no result here is asserted by a test.\n\n")
}
