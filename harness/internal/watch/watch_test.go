package watch

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// folder is a temporary folder with one file, and its fingerprint: the file's content.
func folder(t *testing.T) (dir string, write func(string), fingerprint func() string) {
	dir = t.TempDir()
	file := filepath.Join(dir, "cell.go")
	write = func(s string) {
		t.Helper()
		// Written elsewhere and renamed into place, as editors save.
		tmp := filepath.Join(dir, ".cell.go.swp")
		require.NoError(t, os.WriteFile(tmp, []byte(s), 0o644))
		require.NoError(t, os.Rename(tmp, file))
	}
	fingerprint = func() string {
		data, _ := os.ReadFile(file)
		return string(data)
	}
	write("package cell\n")
	return dir, write, fingerprint
}

// waitFor runs w.Wait(since) in a goroutine and returns its results; the timeout is only the
// failure path.
func waitFor(t *testing.T, w *Watcher, since string, during func()) string {
	t.Helper()
	type result struct {
		fp  string
		err error
	}
	done := make(chan result, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		fp, err := w.Wait(ctx, since)
		done <- result{fp, err}
	}()
	during()
	select {
	case r := <-done:
		require.NoError(t, r.err)
		return r.fp
	case <-time.After(10 * time.Second):
		cancel()
		<-done
		t.Fatal("Wait did not see the change within 10s")
		return ""
	}
}

func TestWait_SeesASave(t *testing.T) {
	for _, poll := range []bool{false, true} {
		name := map[bool]string{false: "file events", true: "polling"}[poll]
		t.Run(name, func(t *testing.T) {
			dir, write, fp := folder(t)
			w := New(dir, fp, Options{Poll: poll, Debounce: 20 * time.Millisecond, Interval: 10 * time.Millisecond})
			defer w.Close()
			polling, why := w.Polling()
			assert.Equal(t, poll, polling, "Polling()")
			assert.NoError(t, why, "Polling() reason")
			since := fp()
			got := waitFor(t, w, since, func() { write("package cell\n\n// saved\n") })
			assert.Equal(t, "package cell\n\n// saved\n", got)
		})
	}
}

func TestWait_UnchangedContentDoesNotCount(t *testing.T) {
	dir, write, fp := folder(t)
	w := New(dir, fp, Options{Debounce: 20 * time.Millisecond})
	defer w.Close()
	since := fp()
	got := waitFor(t, w, since, func() {
		write(since) // a save without a change: events, same fingerprint
		write("package cell // changed\n")
	})
	assert.Equal(t, "package cell // changed\n", got, "Wait returns only for a new content")
}

func TestWait_AChangeBeforeWaitIsNotMissed(t *testing.T) {
	dir, write, fp := folder(t)
	w := New(dir, fp, Options{})
	defer w.Close()
	since := fp()
	write("package cell // changed while the tests ran\n")
	got := waitFor(t, w, since, func() {})
	assert.Equal(t, "package cell // changed while the tests ran\n", got)
}

func TestWait_EndsWithTheContext(t *testing.T) {
	dir, _, fp := folder(t)
	for _, poll := range []bool{false, true} {
		w := New(dir, fp, Options{Poll: poll})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := w.Wait(ctx, fp())
		assert.ErrorIs(t, err, context.Canceled, "poll=%v", poll)
		assert.NoError(t, w.Close())
		assert.NoError(t, w.Close(), "a second Close")
	}
}

func TestNew_FallsBackToPollingWithAReason(t *testing.T) {
	w := New(filepath.Join(t.TempDir(), "does-not-exist"), func() string { return "" }, Options{})
	defer w.Close()
	polling, why := w.Polling()
	assert.True(t, polling, "a folder file events cannot watch is polled")
	assert.ErrorContains(t, why, "no file events")
}
