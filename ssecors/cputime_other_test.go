//go:build !unix

package ssecors_test

// processCPU reports false: this platform's CPU time is not read.
func processCPU() (int64, bool) { return 0, false }
