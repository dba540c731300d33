//go:build !unix

package browsertest

import "os/exec"

// newProcessGroup does nothing where there are no process groups.
func newProcessGroup(cmd *exec.Cmd) {}

// signalGroup kills the process itself.
func signalGroup(cmd *exec.Cmd, kill bool) { cmd.Process.Kill() }
