package ssetest_test

import (
	"testing"

	"github.com/ssecors/ssecors-go/internal/leakcheck"
)

// TestMain fails the run if a server or client goroutine outlives the
// tests.
func TestMain(m *testing.M) { leakcheck.Main(m) }
