package ssecors_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the run when goroutines outlive the tests: every goroutine
// ssecors starts must end with Run, and every test server must be closed.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := leakedGoroutines(10 * time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines left behind:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// leakedGoroutines polls until only the test runner's own goroutines are
// left, and returns the stacks of the others if they do not end in time.
func leakedGoroutines(wait time.Duration) string {
	deadline := time.Now().Add(wait)
	for {
		stacks := interesting()
		if len(stacks) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(stacks, "\n\n")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func interesting() []string {
	buf := make([]byte, 2<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		switch {
		case strings.Contains(g, "testing.(*M).Run"),
			strings.Contains(g, "testing.tRunner"),
			strings.Contains(g, "leakedGoroutines"),
			strings.Contains(g, "runtime.goexit") && strings.Contains(g, "created by runtime"),
			strings.Contains(g, "signal.signal_recv"),
			strings.Contains(g, "runtime.ensureSigM"),
			strings.Contains(g, "runtime/trace"),
			strings.Contains(g, "testing.runFuzzing"):
			continue
		}
		if strings.TrimSpace(g) != "" {
			out = append(out, g)
		}
	}
	return out
}
