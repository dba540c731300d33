package browsertest

import (
	"context"
	"fmt"
	"os/exec"
	"time"
)

// proc is a child process (a browser, a driver, Xvfb) that leads its own
// process group, so that it ends with everything it started.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
}

// startProc starts cmd as the leader of a new process group.
func startProc(cmd *exec.Cmd) (*proc, error) {
	newProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("browsertest: starting %s: %w", cmd.Path, err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// stop ends the process group (SIGTERM, then SIGKILL after grace) and
// waits for the leader. A nil proc is a no-op.
func (p *proc) stop(grace time.Duration) {
	if p == nil {
		return
	}
	signalGroup(p.cmd, false)
	select {
	case <-p.done:
	case <-time.After(grace):
		signalGroup(p.cmd, true)
		<-p.done
	}
}

// remote is what the Firefox and WebKit engines share: a context that
// bounds the engine's life and the proxy that maps the test host names
// (neither has Chromium's --host-resolver-rules).
type remote struct {
	ctx   context.Context
	stop  context.CancelFunc
	srv   *Server
	proxy *HostProxy
}

// newRemote starts the proxy for srv, under a context derived from parent.
func newRemote(parent context.Context, srv *Server) (remote, error) {
	proxy, err := NewHostProxy(srv)
	if err != nil {
		return remote{}, err
	}
	ctx, stop := context.WithCancel(parent)
	return remote{ctx: ctx, stop: stop, srv: srv, proxy: proxy}, nil
}

// close stops the proxy and cancels the context.
func (r remote) close() {
	if r.proxy != nil {
		r.proxy.Close()
	}
	if r.stop != nil {
		r.stop()
	}
}

// startBounded waits for start (a session start, which hangs when the
// browser cannot start) at most limit, and says which step did not finish.
func startBounded[T any](ctx context.Context, what string, limit time.Duration, start func(context.Context) (T, error)) (T, error) {
	sctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	v, err := start(sctx)
	if err != nil {
		return v, fmt.Errorf("browsertest: %s (bounded by %v): %w", what, limit, err)
	}
	return v, nil
}
