// Package leakcheck fails a test binary whose goroutines outlive its tests.
// It is the TestMain of every package in this module that starts servers,
// clients or event sources.
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Main runs the tests, then, if they passed, waits up to ten seconds for
// every goroutine but the test runner's own to end, and fails the run with
// their stacks if some do not. Call it from TestMain and return: it exits.
func Main(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := Leaked(10 * time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines left behind:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// Leaked polls until only the runtime's and the test runner's goroutines
// are left, and returns the stacks of the others if they have not ended
// within wait.
func Leaked(wait time.Duration) string {
	deadline := time.Now().Add(wait)
	for {
		left := others()
		if len(left) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(left, "\n\n")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// others returns the stacks of the goroutines that are neither the test
// runner's nor the runtime's.
func others() []string {
	buf := make([]byte, 4<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		switch {
		case strings.TrimSpace(g) == "",
			strings.Contains(g, "testing.(*M).Run"),
			strings.Contains(g, "testing.tRunner"),
			strings.Contains(g, "testing.runFuzzing"),
			strings.Contains(g, "leakcheck.others"),
			strings.Contains(g, "signal.signal_recv"),
			strings.Contains(g, "runtime.ensureSigM"),
			strings.Contains(g, "runtime/trace"),
			strings.Contains(g, "runtime.goexit") && strings.Contains(g, "created by runtime"):
			continue
		}
		out = append(out, g)
	}
	return out
}
