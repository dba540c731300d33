// Package driver is the child-process side of the harness: one process runs
// one library through one measurement and prints its result as JSON on
// standard output. Running every library in a process of its own keeps
// heaps, goroutines, GC pacing and CPU accounting apart.
package driver

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ssecors/ssecors-go/bench/corpus"
	"github.com/ssecors/ssecors-go/bench/libs"
)

// EnvChild is the environment variable that makes a harness binary (or a
// test binary) act as a driver: when it is "1", main calls Main.
const EnvChild = "SSEBENCH_DRIVER"

// Main runs the driver with args (the first is the mode: parse, large, e2e,
// idle, reconnect or conform) and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: driver parse|large|e2e|idle|reconnect|conform [flags]")
		return 2
	}
	var err error
	enc := json.NewEncoder(stdout)
	switch args[0] {
	case "parse":
		err = runParse(args[1:], enc)
	case "large":
		err = runLarge(args[1:], enc)
	case "e2e":
		err = runE2E(args[1:], enc)
	case "idle":
		err = runIdle(args[1:], enc)
	case "reconnect":
		err = runReconnect(args[1:], enc)
	case "conform":
		err = runConform(args[1:], enc)
	default:
		err = fmt.Errorf("unknown mode %q", args[0])
	}
	if err != nil {
		fmt.Fprintln(stderr, "driver:", err)
		return 1
	}
	return 0
}

// ParseResult is one library's parse of one corpus.
type ParseResult struct {
	Lib, Corpus string
	Size        int   // corpus bytes
	Events      int   // events in the corpus
	Lines       int   // lines in the corpus
	Comments    int   // comment lines in the corpus
	GotEvents   int   // events (lines for the floor) the library handed back
	GotData     int64 // data bytes the library handed back
	Check       string
	Measurement
}

func runParse(args []string, enc *json.Encoder) error {
	fs := flag.NewFlagSet("parse", flag.ContinueOnError)
	lib := fs.String("lib", libs.SSECors, "library")
	names := fs.String("corpora", strings.Join(corpus.Names, ","), "comma-separated corpora")
	size := fs.Int("size", 1<<20, "corpus size in bytes")
	minTime := fs.Duration("mintime", 300*time.Millisecond, "minimum measured time per corpus")
	samples := fs.Int("samples", 5, "samples per corpus; the median sample's time is reported")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the measured loops")
	memProfile := fs.String("memprofile", "", "write an allocation profile after the measured loops")
	if err := fs.Parse(args); err != nil {
		return err
	}
	p, ok := libs.ParserByName(*lib)
	if !ok {
		return fmt.Errorf("unknown parser %q", *lib)
	}
	if *cpuProfile != "" && *memProfile != "" {
		return errors.New("-cpuprofile and -memprofile distort each other: use one at a time")
	}
	var corpora []*corpus.Corpus
	for _, n := range strings.Split(*names, ",") {
		corpora = append(corpora, corpus.Build(n, *size))
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	for _, c := range corpora {
		res := ParseResult{Lib: p.Name, Corpus: c.Name, Size: len(c.Data), Events: c.Events, Lines: c.Lines, Comments: c.Comments}
		got, err := p.Parse(c.Reader())
		res.GotEvents, res.GotData = got.Events, got.DataBytes
		if err != nil {
			res.Check = err.Error()
		} else if err := libs.Check(p, got, c.Events, c.DataBytes, c.Lines, len(c.Data)); err != nil {
			res.Check = err.Error()
		}
		if err == nil {
			res.Measurement = Measure(func() { _, _ = p.Parse(c.Reader()) }, *minTime, *samples)
		}
		if err := enc.Encode(res); err != nil {
			return err
		}
	}
	if *memProfile != "" {
		runtime.GC()
		f, err := os.Create(*memProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			return err
		}
	}
	return nil
}

// LargeResult is one library's parse of one large event arriving in small
// reads (corpus.LargeEvent).
type LargeResult struct {
	Lib      string
	Shape    string // corpus.OneLine or corpus.KiBLines
	Size     int    // bytes of the event on the wire
	ReadSize int    // most bytes one Read returns
	Data     int64  // data bytes a conforming parser hands back
	// GotEvents and GotData are what the library handed back on its first
	// parse, when it finished.
	GotEvents int
	GotData   int64
	// Check is the library's error or the output check's failure; empty
	// when the output was right.
	Check string
	// TimedOut is true when the first parse did not finish within Limit:
	// the process gave up on it and exited.
	TimedOut bool
	Limit    float64 // seconds allowed per parse
	// Skipped is set by the harness, not the driver: the library timed out
	// on a smaller event of the same shape and read size, so this size was
	// not run.
	Skipped bool
	// Samples is the number of timed parses (the first, checked, included).
	Samples int
	// Seconds and CPUSeconds are the wall time and the user+system CPU
	// time of the process of the fastest parse, the one least disturbed by
	// other load on the machine; BytesPerOp is what it allocated.
	// MedianSeconds and MaxSeconds are the median and slowest wall times.
	// After a time-out, Seconds is the limit and CPUSeconds the CPU spent
	// in the unfinished parse.
	Seconds, CPUSeconds       float64
	MedianSeconds, MaxSeconds float64
	BytesPerOp                float64
}

// runLarge parses one large event, arriving in reads of at most -read
// bytes, through one library, -samples times at most, and reports the
// fastest parse. Each parse runs in a goroutine; when one has not finished
// after -limit the process reports a time-out and exits, which stops the
// parse wherever it is. Samples after the first stop once -budget is spent.
func runLarge(args []string, enc *json.Encoder) error {
	fs := flag.NewFlagSet("large", flag.ContinueOnError)
	lib := fs.String("lib", libs.SSECors, "library")
	size := fs.Int("size", 1<<20, "bytes of the event on the wire")
	read := fs.Int("read", 16, "most bytes one Read returns")
	shape := fs.String("shape", corpus.OneLine, "one data line ("+corpus.OneLine+") or data lines of 1 KiB ("+corpus.KiBLines+")")
	limit := fs.Duration("limit", 10*time.Second, "give up on a parse after")
	samples := fs.Int("samples", 3, "timed parses at most; the fastest is reported")
	budget := fs.Duration("budget", time.Second, "take no further sample once the samples took this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	p, ok := libs.ParserByName(*lib)
	if !ok {
		return fmt.Errorf("unknown parser %q", *lib)
	}
	if *shape != corpus.OneLine && *shape != corpus.KiBLines {
		return fmt.Errorf("unknown shape %q", *shape)
	}
	if *read < 1 || *size < 64 {
		return errors.New("-read must be at least 1 and -size at least 64")
	}
	c := corpus.LargeEvent(*size, *read, *shape)
	res := LargeResult{Lib: p.Name, Shape: *shape, Size: len(c.Data), ReadSize: *read, Data: c.DataBytes, Limit: limit.Seconds()}
	type sample struct{ wall, cpu, alloc float64 }
	var got []sample
	var spent time.Duration
samples:
	for i := 0; i < max(*samples, 1) && (i == 0 || spent < *budget); i++ {
		runtime.GC()
		var ms0 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		type outcome struct {
			r   libs.Result
			err error
		}
		done := make(chan outcome, 1)
		u0, s0 := rusage()
		t0 := time.Now()
		go func() {
			r, err := p.Parse(c.Reader())
			done <- outcome{r, err}
		}()
		timer := time.NewTimer(*limit)
		var o outcome
		select {
		case o = <-done:
			timer.Stop()
		case <-timer.C:
			if i > 0 {
				// A later sample ran over: keep the earlier ones. The parse
				// goroutine dies with the process.
				break samples
			}
			u1, s1 := rusage()
			res.TimedOut = true
			res.Seconds, res.MedianSeconds, res.MaxSeconds = limit.Seconds(), limit.Seconds(), limit.Seconds()
			res.CPUSeconds = u1 - u0 + s1 - s0
			return enc.Encode(res)
		}
		wall := time.Since(t0)
		u1, s1 := rusage()
		var ms1 runtime.MemStats
		runtime.ReadMemStats(&ms1)
		spent += wall
		if i == 0 {
			res.GotEvents, res.GotData = o.r.Events, o.r.DataBytes
			if o.err != nil {
				res.Check = "error: " + o.err.Error()
			} else if err := libs.Check(p, o.r, c.Events, c.DataBytes, c.Lines, len(c.Data)); err != nil {
				res.Check = err.Error()
			}
			if res.Check != "" {
				// A wrong or failed parse is not timed further.
				res.Samples = 1
				res.Seconds, res.MedianSeconds, res.MaxSeconds = wall.Seconds(), wall.Seconds(), wall.Seconds()
				res.CPUSeconds = u1 - u0 + s1 - s0
				return enc.Encode(res)
			}
		}
		got = append(got, sample{wall.Seconds(), u1 - u0 + s1 - s0, float64(ms1.TotalAlloc - ms0.TotalAlloc)})
	}
	res.Samples = len(got)
	slices.SortFunc(got, func(a, b sample) int { return cmp.Compare(a.wall, b.wall) })
	res.Seconds, res.CPUSeconds, res.BytesPerOp = got[0].wall, got[0].cpu, got[0].alloc
	res.MedianSeconds, res.MaxSeconds = got[len(got)/2].wall, got[len(got)-1].wall
	return enc.Encode(res)
}

// Measurement is the cost of one operation, measured by Measure.
type Measurement struct {
	Iters       int
	NsPerOp     float64 // wall time: the median of the samples
	CPUNsPerOp  float64 // user+system CPU time of the process, all samples
	AllocsPerOp float64
	BytesPerOp  float64 // bytes allocated
}

// Measure runs fn repeatedly for at least minTime, in samples of
// minTime/samples each, and returns its cost per run. The wall time is the
// median of the samples' times per run, which discounts a sample during
// which the shared machine was busy; CPU time and allocations cover all runs.
func Measure(fn func(), minTime time.Duration, samples int) Measurement {
	samples = max(samples, 1)
	per := minTime / time.Duration(samples)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	u0, s0 := rusage()
	var m Measurement
	ns := make([]float64, 0, samples)
	for i := 0; i < samples; i++ {
		start := time.Now()
		n := 0
		var elapsed time.Duration
		for elapsed < per || n == 0 {
			fn()
			n++
			elapsed = time.Since(start)
		}
		m.Iters += n
		ns = append(ns, float64(elapsed.Nanoseconds())/float64(n))
	}
	u1, s1 := rusage()
	runtime.ReadMemStats(&after)
	slices.Sort(ns)
	m.NsPerOp = ns[len(ns)/2]
	if len(ns)%2 == 0 {
		m.NsPerOp = (ns[len(ns)/2-1] + ns[len(ns)/2]) / 2
	}
	n := float64(m.Iters)
	m.CPUNsPerOp = (u1 - u0 + s1 - s0) * 1e9 / n
	m.AllocsPerOp = float64(after.Mallocs-before.Mallocs) / n
	m.BytesPerOp = float64(after.TotalAlloc-before.TotalAlloc) / n
	return m
}

// newClient returns an HTTP client whose transport is a clone of the
// default one without a proxy, shared by every connection of the process.
func newClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: tr}
}

// E2EResult is one library receiving a fast stream.
type E2EResult struct {
	Lib       string
	Want      int
	Events    int64
	DataBytes int64
	Seconds   float64 // wall time from start to the last event
	UserSec   float64 // user CPU of the process over the same span
	SysSec    float64 // system CPU of the process over the same span
	TimedOut  bool
}

func rusage() (user, sys float64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime), tv(ru.Stime)
}

func runE2E(args []string, enc *json.Encoder) error {
	fs := flag.NewFlagSet("e2e", flag.ContinueOnError)
	lib := fs.String("lib", libs.SSECors, "library")
	url := fs.String("url", "", "stream URL")
	n := fs.Int("n", 100000, "events to receive")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, ok := libs.StreamerByName(*lib)
	if !ok {
		return fmt.Errorf("unknown library %q", *lib)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	res := E2EResult{Lib: s.Name, Want: *n}
	var count, data atomic.Int64
	done := make(chan struct{})
	want := int64(*n)
	h := func(_, d string) {
		data.Add(int64(len(d)))
		if count.Add(1) == want {
			close(done)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runtime.GC()
	u0, s0 := rusage()
	t0 := time.Now()
	stop, err := s.Start(ctx, libs.StreamConfig{URL: *url, Client: newClient()}, h)
	if err != nil {
		return err
	}
	defer stop()
	select {
	case <-done:
	case <-time.After(*timeout):
		res.TimedOut = true
	}
	res.Seconds = time.Since(t0).Seconds()
	u1, s1 := rusage()
	res.UserSec, res.SysSec = u1-u0, s1-s0
	res.Events, res.DataBytes = count.Load(), data.Load()
	return enc.Encode(res)
}

// IdleResult is the footprint of many idle connections in one process.
type IdleResult struct {
	Lib                 string
	Conns, Connected    int
	ConnectSeconds      float64
	RSSBefore, RSSAfter int64  // VmRSS in bytes
	GoBefore, GoAfter   int    // goroutines
	HeapBefore          uint64 // HeapInuse
	HeapAfter           uint64
	StackBefore         uint64 // StackInuse
	StackAfter          uint64
}

// RaiseFileLimit raises RLIMIT_NOFILE to its hard limit.
func RaiseFileLimit() (uint64, error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, err
	}
	if rl.Cur < rl.Max {
		rl.Cur = rl.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
			return 0, err
		}
	}
	return rl.Cur, nil
}

// VmRSS returns the resident set size of this process from
// /proc/self/status, in bytes.
func VmRSS() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) < 1 {
				break
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return 0, err
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no VmRSS in /proc/self/status")
}

// footprint settles the process and returns RSS, goroutines, Go heap in
// use and goroutine stacks in use.
func footprint(settle time.Duration) (int64, int, uint64, uint64, error) {
	runtime.GC()
	debug.FreeOSMemory()
	time.Sleep(settle)
	runtime.GC()
	debug.FreeOSMemory()
	rss, err := VmRSS()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return rss, runtime.NumGoroutine(), ms.HeapInuse, ms.StackInuse, err
}

func runIdle(args []string, enc *json.Encoder) error {
	fs := flag.NewFlagSet("idle", flag.ContinueOnError)
	lib := fs.String("lib", libs.SSECors, "library")
	url := fs.String("url", "", "idle stream URL")
	conns := fs.Int("conns", 1000, "connections")
	settle := fs.Duration("settle", time.Second, "settle time before each reading")
	parallel := fs.Int("parallel", 32, "connections opened at once")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after")
	memProfile := fs.String("memprofile", "", "write a heap profile (every allocation sampled) once the connections are idle")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, ok := libs.StreamerByName(*lib)
	if !ok {
		return fmt.Errorf("unknown library %q", *lib)
	}
	if *memProfile != "" {
		runtime.MemProfileRate = 1
	}
	if lim, err := RaiseFileLimit(); err != nil {
		return err
	} else if lim < uint64(*conns)+64 {
		return fmt.Errorf("RLIMIT_NOFILE %d is too low for %d connections", lim, *conns)
	}
	res := IdleResult{Lib: s.Name, Conns: *conns}
	client := newClient()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var err error
	if res.RSSBefore, res.GoBefore, res.HeapBefore, res.StackBefore, err = footprint(*settle); err != nil {
		return err
	}
	var got atomic.Int64
	all := make(chan struct{})
	want := int64(*conns)
	seen := make([]atomic.Bool, *conns)
	t0 := time.Now()
	jobs := make(chan int)
	var wg sync.WaitGroup
	var startErr atomic.Value
	for w := 0; w < *parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				h := func(string, string) {
					if !seen[i].Swap(true) && got.Add(1) == want {
						close(all)
					}
				}
				if _, err := s.Start(ctx, libs.StreamConfig{URL: *url, Client: client}, h); err != nil {
					startErr.Store(err.Error())
				}
			}
		}()
	}
	for i := 0; i < *conns; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	select {
	case <-all:
	case <-time.After(*timeout):
	}
	res.ConnectSeconds = time.Since(t0).Seconds()
	res.Connected = int(got.Load())
	if v := startErr.Load(); v != nil && res.Connected < res.Conns {
		return fmt.Errorf("%d of %d connected: %s", res.Connected, res.Conns, v)
	}
	if res.RSSAfter, res.GoAfter, res.HeapAfter, res.StackAfter, err = footprint(*settle); err != nil {
		return err
	}
	if *memProfile != "" {
		f, err := os.Create(*memProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			return err
		}
	}
	return enc.Encode(res)
}

// ReconnectResult is one library through a dropping stream.
type ReconnectResult struct {
	Lib        string
	Total      int
	Received   int
	Lost       int
	Duplicated int
	Corrupt    int
	Finished   bool // the last event arrived
	Seconds    float64
	// Example holds one corrupt or out-of-range event, for the report.
	Example string
}

func runReconnect(args []string, enc *json.Encoder) error {
	fs := flag.NewFlagSet("reconnect", flag.ContinueOnError)
	lib := fs.String("lib", libs.SSECors, "library")
	url := fs.String("url", "", "dropping stream URL")
	total := fs.Int("total", 10010, "events in the whole stream")
	retry := fs.Duration("retry", 5*time.Millisecond, "reconnection delay to configure")
	idle := fs.Duration("idle", 3*time.Second, "stop after this long without an event")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, ok := libs.StreamerByName(*lib)
	if !ok {
		return fmt.Errorf("unknown library %q", *lib)
	}
	var mu sync.Mutex
	counts := make([]int, *total+1)
	res := ReconnectResult{Lib: s.Name, Total: *total}
	last := time.Now()
	finished := make(chan struct{})
	h := func(id, data string) {
		mu.Lock()
		defer mu.Unlock()
		last = time.Now()
		res.Received++
		n, err := libs.ParseID(id)
		if err != nil || n < 1 || n > *total || data != corpus.Payload(n) {
			res.Corrupt++
			if res.Example == "" {
				res.Example = fmt.Sprintf("id %q data %.40q", id, data)
			}
			return
		}
		counts[n]++
		if n == *total && !res.Finished {
			res.Finished = true
			close(finished)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	t0 := time.Now()
	stop, err := s.Start(ctx, libs.StreamConfig{URL: *url, Client: newClient(), Retry: *retry}, h)
	if err != nil {
		return err
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(*timeout)
wait:
	for {
		select {
		case <-finished:
			break wait
		case <-deadline:
			break wait
		case <-tick.C:
			mu.Lock()
			quiet := time.Since(last)
			mu.Unlock()
			if quiet > *idle {
				break wait
			}
		}
	}
	stop()
	mu.Lock()
	defer mu.Unlock()
	res.Seconds = time.Since(t0).Seconds()
	for _, c := range counts[1:] {
		switch {
		case c == 0:
			res.Lost++
		case c > 1:
			res.Duplicated += c - 1
		}
	}
	return enc.Encode(res)
}
