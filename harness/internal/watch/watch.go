// Package watch tells when the files of a folder change: through the file system's change
// events (fsnotify), or by polling on file systems that have none (some network and container
// mounts). A change is a change of content, told by a fingerprint: an editor that rewrites a
// file unchanged wakes nobody.
package watch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is how long the folder must stay quiet after an event before Wait looks:
// an editor's save is often several events (write, chmod, rename into place).
const DefaultDebounce = 200 * time.Millisecond

// DefaultInterval is how often a polling Watcher looks at the files.
const DefaultInterval = 500 * time.Millisecond

// Options change what New does. The zero value watches with file events, with the defaults.
type Options struct {
	// Poll makes the Watcher poll even where file events work.
	Poll bool
	// Debounce replaces DefaultDebounce; Interval replaces DefaultInterval.
	Debounce, Interval time.Duration
}

// Watcher waits for the content of a folder's files to change. Close it when done.
type Watcher struct {
	fingerprint func() string
	events      *fsnotify.Watcher // nil when polling
	why         error             // why it polls, when it polls without being asked to
	debounce    time.Duration
	interval    time.Duration
}

// New watches the folder dir; fingerprint says what its files hold now (a hash of their
// content). When file events cannot be had for dir, the Watcher polls, and Polling says why.
func New(dir string, fingerprint func() string, o Options) *Watcher {
	w := &Watcher{fingerprint: fingerprint, debounce: o.Debounce, interval: o.Interval}
	if w.debounce <= 0 {
		w.debounce = DefaultDebounce
	}
	if w.interval <= 0 {
		w.interval = DefaultInterval
	}
	if o.Poll {
		return w
	}
	ev, err := fsnotify.NewWatcher()
	if err != nil {
		w.why = fmt.Errorf("no file events here: %w", err)
		return w
	}
	if err := ev.Add(dir); err != nil {
		ev.Close()
		w.why = fmt.Errorf("no file events for %s: %w", dir, err)
		return w
	}
	w.events = ev
	return w
}

// Polling reports whether w polls, and why when it was not asked to (nil when asked to).
func (w *Watcher) Polling() (bool, error) { return w.events == nil, w.why }

// Close stops watching. It can be called more than once.
func (w *Watcher) Close() error {
	if w.events == nil {
		return nil
	}
	err := w.events.Close()
	w.events = nil
	return err
}

// Wait blocks until the fingerprint differs from since, and returns the new one. It looks at
// once first, so a change made before Wait was called is not missed. It returns ctx's error
// when ctx ends first.
func (w *Watcher) Wait(ctx context.Context, since string) (string, error) {
	for {
		if fp := w.fingerprint(); fp != since {
			return fp, nil
		}
		if err := w.next(ctx); err != nil {
			return since, err
		}
	}
}

// next waits until the files may have changed: until a burst of file events has gone quiet,
// or, when w polls, for the polling interval. When file events stop coming (the event queue
// overflowed, the watcher broke), w polls from then on. It returns ctx's error when ctx ends
// first.
func (w *Watcher) next(ctx context.Context) error {
	if w.events == nil {
		t := time.NewTimer(w.interval)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return nil
		}
	}
	why := errors.New("file events stopped: the watcher closed")
	select {
	case <-ctx.Done():
		return ctx.Err()
	case _, ok := <-w.events.Events:
		if ok {
			return w.quiet(ctx)
		}
	case err, ok := <-w.events.Errors:
		switch {
		case ok && err == nil:
			return nil
		case err != nil:
			why = fmt.Errorf("file events stopped: %w", err)
		}
	}
	w.events.Close()
	w.events, w.why = nil, why
	return nil
}

// quiet waits until no event has come for the debounce time.
func (w *Watcher) quiet(ctx context.Context) error {
	t := time.NewTimer(w.debounce)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return nil
		case _, ok := <-w.events.Events:
			if !ok {
				return nil
			}
			t.Reset(w.debounce)
		}
	}
}
