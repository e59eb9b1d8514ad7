package grade

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/kata-go/concurrency/harness/internal/grade/sandbox"
)

// Phase is how long one kind of process of a grading ran.
type Phase struct {
	// Busy is the wall time during which at least one such process ran.
	Busy time.Duration
	// Sum adds up every process's own wall time; Count is how many there were.
	Sum   time.Duration
	Count int
}

// Timing is how long a class took to grade, phase by phase: the go commands that built test
// binaries, the test processes, and the writing of every student's reports in every format. Build and run overlap (one
// submission's tests run while the next one builds), so Total is less than their sum.
type Timing struct {
	Total  time.Duration
	Build  Phase
	Run    Phase
	Report time.Duration
}

// MeasureOptions say what MeasureClass grades.
type MeasureOptions struct {
	// Tests is the pristine tree; Class the folder of submissions; Out the reports' folder
	// (outside both, as for kata grade).
	Tests, Class, Out string
	// Exercises limits the grading to these exercises (all when empty).
	Exercises []string
	// Sandbox is the isolation asked for (Auto when empty).
	Sandbox sandbox.Want
	// Jobs is --jobs (the number of CPUs when zero).
	Jobs int
}

// MeasureClass grades every submission folder of opt.Class as `kata grade --class` does, with
// the default limits, writes each student's reports in every format into opt.Out/students,
// and says how long each phase took. It is the
// grading benchmark's way in (harness/cmd/gradebench).
func MeasureClass(ctx context.Context, opt MeasureOptions) ([]*Report, Timing, error) {
	var tm Timing
	if msg := checkOut(opt.Out, opt.Tests, opt.Class); msg != "" {
		return nil, tm, fmt.Errorf("measure: %s", msg)
	}
	if opt.Sandbox == "" {
		opt.Sandbox = sandbox.Auto
	}
	start := time.Now()
	g, err := newGrader(options{tests: opt.Tests, exercises: opt.Exercises, jobs: defaultJobs(opt.Jobs), sandbox: opt.Sandbox})
	if err != nil {
		return nil, tm, fmt.Errorf("measure: %w", err)
	}
	defer g.Close()
	stats := &phases{}
	g.stats, g.bins.stats = stats, stats
	subs, err := submissionsIn(opt.Class)
	if err != nil {
		return nil, tm, fmt.Errorf("measure: %w", err)
	}
	reports := g.grade(ctx, subs, nil)
	if err := ctx.Err(); err != nil {
		return nil, tm, fmt.Errorf("measure: %w", err)
	}
	graded := time.Now()
	for _, r := range reports {
		for _, f := range formats {
			if err := writeFile(filepath.Join(opt.Out, "students", r.Student, f.file), r, f.write); err != nil {
				return nil, tm, fmt.Errorf("measure: %w", err)
			}
		}
	}
	tm.Report = time.Since(graded)
	tm.Total = time.Since(start)
	tm.Build, tm.Run = stats.snapshot()
	return reports, tm, nil
}

func defaultJobs(n int) int {
	if n > 0 {
		return n
	}
	return runtime.NumCPU()
}

// submissionsIn lists the submission folders of a class folder, as kata grade --class does
// (folders not starting with a dot; links and files are not submissions).
func submissionsIn(dir string) ([]submission, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var subs []submission
	for _, d := range entries {
		if strings.HasPrefix(d.Name(), ".") || !d.IsDir() {
			continue
		}
		abs, err := filepath.Abs(filepath.Join(dir, d.Name()))
		if err != nil {
			return nil, err
		}
		subs = append(subs, submission{dir: abs, student: d.Name()})
	}
	if len(subs) == 0 {
		return nil, fmt.Errorf("no submission folders in %s", dir)
	}
	return subs, nil
}

// phases records the build and run phases of a grading as they happen. A nil *phases records
// nothing.
type phases struct {
	mu         sync.Mutex
	build, run phaseClock
}

type phaseClock struct {
	active int
	since  time.Time
	Phase
}

// begin starts one process of the phase (&p.build or &p.run) and returns the function that
// ends it.
func (p *phases) begin(which func(*phases) *phaseClock) (end func()) {
	if p == nil {
		return func() {}
	}
	p.mu.Lock()
	c := which(p)
	now := time.Now()
	if c.active == 0 {
		c.since = now
	}
	c.active++
	p.mu.Unlock()
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		end := time.Now()
		c.active--
		c.Count++
		c.Sum += end.Sub(now)
		if c.active == 0 {
			c.Busy += end.Sub(c.since)
		}
	}
}

func building(p *phases) *phaseClock { return &p.build }
func running(p *phases) *phaseClock  { return &p.run }

func (p *phases) snapshot() (build, run Phase) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.build.Phase, p.run.Phase
}
