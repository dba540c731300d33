package doctor_test

import (
	"testing"

	"github.com/ssecors/ssecors-go/internal/leakcheck"
)

// TestMain fails the run when goroutines outlive the tests: every source a
// diagnosis runs must end with it, and every test server must be closed.
func TestMain(m *testing.M) { leakcheck.Main(m) }
