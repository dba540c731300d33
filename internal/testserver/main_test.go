package testserver_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the run if a server or client goroutine outlives the
// tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaks := waitForLeaks(); leaks != "" {
			fmt.Fprintf(os.Stderr, "goroutines left after the tests:\n%s\n", leaks)
			code = 1
		}
	}
	os.Exit(code)
}

// leakMarks are frames that belong to servers or clients under test.
var leakMarks = []string{
	"internal/testserver.",
	"net/http.(*conn).serve",
	"net/http.(*Server).Serve",
	"net/http.(*http2serverConn)",
	"net/http.(*persistConn)",
	"net/http.(*http2ClientConn)",
}

func waitForLeaks() string {
	var leaks string
	for i := 0; i < 500; i++ { // up to ~5 s
		leaks = leakedGoroutines()
		if leaks == "" {
			return ""
		}
		time.Sleep(10 * time.Millisecond)
	}
	return leaks
}

func leakedGoroutines() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, mark := range leakMarks {
			if strings.Contains(g, mark) {
				out = append(out, g)
				break
			}
		}
	}
	return strings.Join(out, "\n\n")
}
