package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// proc is what a measured process and its children used.
type proc struct {
	// CPU is the user and system time of the process and every child it waited for.
	CPU time.Duration
	// Peak is the largest sum of the resident memory of the process and its descendants seen
	// while it ran (sampled every sampleEvery from /proc; 0 where there is no /proc).
	Peak int64
}

const sampleEvery = 100 * time.Millisecond

// watch runs cmd to its end, sampling the memory of its process tree, and returns what it used
// with cmd.Wait's error.
func watch(cmd *exec.Cmd) (proc, error) {
	var p proc
	if err := cmd.Start(); err != nil {
		return p, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if st := cmd.ProcessState; st != nil {
				p.CPU = st.UserTime() + st.SystemTime()
			}
			return p, err
		case <-tick.C:
			p.Peak = max(p.Peak, treeRSS(cmd.Process.Pid))
		}
	}
}

// treeRSS sums the resident memory of pid and its descendants, from /proc.
func treeRSS(pid int) int64 {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	children := map[int][]int{}
	for _, f := range stats {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(data, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(data[i+1:]))
		if len(fields) < 2 {
			continue
		}
		self, err1 := strconv.Atoi(filepath.Base(filepath.Dir(f)))
		parent, err2 := strconv.Atoi(fields[1])
		if err1 == nil && err2 == nil {
			children[parent] = append(children[parent], self)
		}
	}
	var sum int64
	for todo := []int{pid}; len(todo) > 0; {
		p := todo[len(todo)-1]
		todo = append(todo[:len(todo)-1], children[p]...)
		sum += rss(p)
	}
	return sum
}

// rss is the resident memory of pid in bytes (VmRSS), 0 when it cannot be read.
func rss(pid int) int64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}
