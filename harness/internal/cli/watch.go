package cli

import (
	"context"
	"errors"

	"github.com/kata-go/concurrency/harness/internal/manifest"
	"github.com/kata-go/concurrency/harness/internal/state"
	"github.com/kata-go/concurrency/harness/internal/watch"
)

// Watch checks the current exercise, then again on every save of its files, and moves on to
// the next exercise when it passes. It ends when every exercise is done (exit 0) or on Ctrl-C
// (exit code of the last check).
func (a *App) Watch(args []string) int {
	f, code := a.parseFlags("watch", args, "json", "raw", "poll")
	if f == nil {
		return code
	}
	if len(f.args) > 0 {
		a.errorf("watch takes no exercise name: it watches the current one. To change it, run %s first.", a.cmd("check", f.args[0]))
		return ExitUsage
	}
	if err := a.refresh(false, ""); err != nil {
		return ExitUsage
	}
	e := a.current()
	if a.done(e) {
		a.printf("%s\n", a.final())
		return ExitOK
	}
	last, checks := ExitFailed, 0
	for {
		a.State.Current = e.Name
		since := state.Hash(a.dir(e))
		switch {
		case f.json:
		case a.Color:
			a.printf("\x1b[H\x1b[2J") // a fresh screen for each check
		case checks > 0:
			a.printf("\n")
		}
		checks++
		rep, err := a.check(e, &flags{json: f.json, raw: f.raw, watching: true})
		if err != nil {
			a.errorf("%v", err)
			return ExitUsage
		}
		a.save()
		last = exitOf(rep)
		if last == ExitUsage {
			return last
		}
		if rep.Passed {
			n, ok := a.nextUnsolved(e)
			if !ok {
				if !f.json {
					a.printf("\n%s\n", a.final())
				}
				return ExitOK
			}
			if !f.json {
				a.say("\n%s is done: moving on.\n\n", e.Name)
			}
			e = n
			a.State.Current = e.Name
			a.save()
			continue
		}
		if err := a.waitForSave(e, since, f); err != nil {
			if errors.Is(err, context.Canceled) {
				if !f.json {
					a.say("\nStopped watching.\n")
				}
				return last
			}
			a.errorf("%v", err)
			return ExitUsage
		}
	}
}

// waitForSave waits until the files of e differ from since (a save during the check counts).
func (a *App) waitForSave(e manifest.Exercise, since string, f *flags) error {
	dir := a.dir(e)
	w := watch.New(dir, func() string { return state.Hash(dir) }, watch.Options{Poll: f.poll})
	defer w.Close()
	if polling, why := w.Polling(); polling && why != nil {
		a.errorf("%v; looking for changes every half second instead (%s does so always).", why, a.cmd("watch", "--poll"))
	}
	if !f.json {
		a.say("\nWatching %s: save it to check again. Ctrl-C stops.\n", a.shown(learnerFiles(e)[0]))
	}
	_, err := w.Wait(a.Ctx, since)
	return err
}
