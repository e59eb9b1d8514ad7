//go:build !linux

package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

// New returns a Sandbox without isolation: bubblewrap and resource limits need Linux. With
// Require it fails with an error wrapping ErrUnavailable.
func New(want Want) (*Sandbox, error) {
	if want == Require {
		return nil, fmt.Errorf("%w: sandboxing needs Linux", ErrUnavailable)
	}
	return &Sandbox{kind: None, note: "grading WITHOUT a sandbox: sandboxing and memory limits need Linux. Learner code runs with your permissions, under time and output limits only."}, nil
}

func (s *Sandbox) run(ctx context.Context, c Command, tmp string) (*Result, error) {
	if !filepath.IsAbs(c.Path) || !filepath.IsAbs(c.Dir) {
		return nil, errors.New("sandbox: Command.Path and Command.Dir must be absolute")
	}
	env := make([]string, 0, len(c.Env)+2)
	for _, kv := range c.Env {
		if k, _, _ := strings.Cut(kv, "="); k != "HOME" && k != "TMPDIR" {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME="+tmp, "TMPDIR="+tmp)
	cmd := exec.Command(c.Path, c.Args...)
	cmd.Dir = c.Dir
	cmd.Env = env
	cmd.WaitDelay = time.Second
	kill := func() {
		if cmd.Process != nil {
			cmd.Process.Kill()
		}
	}
	out := newCapped(c, kill)
	cmd.Stdout = cappedStream{out, 0}
	cmd.Stderr = cappedStream{out, 1}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("sandbox: start %s: %w", filepath.Base(c.Path), err)
	}
	var timedOut atomic.Bool
	timer := time.AfterFunc(c.Limits.Time, func() { timedOut.Store(true); kill() })
	stopWatch := out.watchStart(c.StartTime, kill)
	stop := context.AfterFunc(ctx, kill)
	waitErr := cmd.Wait()
	timer.Stop()
	stop()
	res := &Result{
		Stdout:     out.streams[0].Bytes(),
		Stderr:     out.streams[1].Bytes(),
		TimedOut:   timedOut.Load(),
		Flooded:    out.isFull(),
		NotStarted: stopWatch(),
		Elapsed:    time.Since(start),
	}
	var exitErr *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &exitErr) && !errors.Is(waitErr, exec.ErrWaitDelay) {
		return res, fmt.Errorf("sandbox: %w", waitErr)
	}
	if cmd.ProcessState.Exited() {
		res.Exited, res.ExitCode = true, cmd.ProcessState.ExitCode()
	} else {
		res.Signal = "killed"
	}
	return res, nil
}
