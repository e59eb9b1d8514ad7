package sandbox

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// childEnv carries the limits from Run to the re-executed program. Any program that links
// this package (the kata CLI, the grader's tests) becomes, when started with it set, the
// small launcher that applies the limits to itself and then execs the command: os.Args[1]
// with os.Args[2:]. The variable is removed before the exec, so the command never sees it.
const childEnv = "KATA_SANDBOX_EXEC"

// maxProcs bounds the processes and threads of a sandboxed process's user (RLIMIT_NPROC): a
// fork bomb fails instead of filling the machine. It is set only under bubblewrap, where the
// sandbox's own user namespace makes the count start from zero; a race test binary runs about
// twenty threads. The kernel never applies it to root: when the grader runs as root, the
// sandbox's user is root outside, and only the time limit bounds a fork bomb.
const maxProcs = 512

func (l Limits) encode(probe, bubblewrap bool) string {
	cpu := int64(4*l.Time.Seconds()) + 5 // a backstop: Run's timer kills at l.Time
	p, nproc := 0, 0
	if probe {
		p = 1
	}
	if bubblewrap {
		nproc = maxProcs
	}
	return fmt.Sprintf("v1 data=%d fsize=%d cpu=%d nproc=%d probe=%d", l.Memory, l.FileSize, cpu, nproc, p)
}

func init() {
	spec, ok := os.LookupEnv(childEnv)
	if !ok {
		return
	}
	os.Unsetenv(childEnv)
	if err := launch(spec); err != nil {
		os.Stderr.WriteString("kata sandbox: " + err.Error() + "\n")
		os.Exit(125)
	}
}

// launch applies the limits in spec to this process and execs os.Args[1]. It returns only
// on failure (or, for a probe, exits 0 once every limit is in place).
func launch(spec string) error {
	fields := strings.Fields(spec)
	if len(fields) == 0 || fields[0] != "v1" {
		return fmt.Errorf("unknown launcher spec %q", spec)
	}
	vals := map[string]uint64{}
	for _, f := range fields[1:] {
		k, v, _ := strings.Cut(f, "=")
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return fmt.Errorf("bad launcher spec %q", f)
		}
		vals[k] = n
	}
	// The seccomp filter and no_new_privs belong to the calling thread: stay on it until the
	// exec, which then runs on it.
	runtime.LockOSThread()
	for _, l := range []struct {
		res  int
		max  uint64
		name string
	}{
		{syscall.RLIMIT_DATA, vals["data"], "data size"},
		{syscall.RLIMIT_FSIZE, vals["fsize"], "file size"},
		{syscall.RLIMIT_CPU, vals["cpu"], "CPU time"},
		{syscall.RLIMIT_CORE, 0, "core size"},
		{rlimitNproc, vals["nproc"], "process count"},
	} {
		lim := syscall.Rlimit{Cur: l.max, Max: l.max}
		if l.res == syscall.RLIMIT_CPU {
			lim.Max = l.max + 5
		}
		if l.res == rlimitNproc && l.max == 0 {
			continue // not asked for
		}
		if err := syscall.Setrlimit(l.res, &lim); err != nil {
			return fmt.Errorf("cannot limit %s: %v", l.name, err)
		}
	}
	if err := noNewPrivs(); err != nil {
		return fmt.Errorf("cannot set no_new_privs: %v", err)
	}
	if prog := filter(); prog != nil {
		if err := loadFilter(prog); err != nil {
			return fmt.Errorf("cannot load the seccomp filter: %v", err)
		}
	}
	if vals["probe"] == 1 {
		os.Exit(0)
	}
	if len(os.Args) < 2 {
		return fmt.Errorf("no command to run")
	}
	err := syscall.Exec(os.Args[1], os.Args[1:], os.Environ())
	return fmt.Errorf("exec %s: %v", os.Args[1], err)
}

const (
	rlimitNproc     = 6 // RLIMIT_NPROC, which package syscall does not name on every architecture
	prSetNoNewPrivs = 38
	prSetSeccomp    = 22
	seccompFilter   = 2
)

func noNewPrivs() error {
	if _, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, prSetNoNewPrivs, 1, 0, 0, 0, 0); e != 0 {
		return e
	}
	return nil
}

// sockFilter is struct sock_filter, one classic BPF instruction. Its layout is the kernel's:
// jf (jump if false) is never set here, but must be there.
type sockFilter struct {
	code uint16
	jt   uint8
	jf   uint8 //lint:ignore U1000 part of the kernel's struct layout
	k    uint32
}

// sockFprog is struct sock_fprog.
type sockFprog struct {
	len    uint16
	filter *sockFilter
}

func loadFilter(prog []sockFilter) error {
	fp := sockFprog{len: uint16(len(prog)), filter: &prog[0]}
	_, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, prSetSeccomp, seccompFilter, uintptr(unsafe.Pointer(&fp)), 0, 0, 0)
	runtime.KeepAlive(prog)
	if e != 0 {
		return e
	}
	return nil
}

// BPF opcodes and seccomp return values (linux/filter.h, linux/seccomp.h).
const (
	bpfLdWAbs  = 0x20 // BPF_LD | BPF_W | BPF_ABS
	bpfJeqK    = 0x15 // BPF_JMP | BPF_JEQ | BPF_K
	bpfJgeK    = 0x35 // BPF_JMP | BPF_JGE | BPF_K
	bpfRetK    = 0x06 // BPF_RET | BPF_K
	retAllow   = 0x7fff0000
	retErrPerm = 0x00050000 | 1 // SECCOMP_RET_ERRNO | EPERM

	offsetNr   = 0 // seccomp_data.nr
	offsetArch = 4 // seccomp_data.arch
)

// denied lists, per architecture, the audit arch and the system calls a sandboxed process may
// not make: ptrace, process_vm_readv, process_vm_writev and pidfd_getfd, the ways one process
// reaches into another of the same user.
var denied = map[string]struct {
	arch     uint32
	syscalls []uint32
}{
	"amd64": {0xc000003e, []uint32{101, 310, 311, 438}},
	"arm64": {0xc00000b7, []uint32{117, 270, 271, 438}},
}

// filter returns the seccomp program for this architecture, or nil where it has none.
func filter() []sockFilter {
	d, ok := denied[runtime.GOARCH]
	if !ok {
		return nil
	}
	prog := []sockFilter{
		{code: bpfLdWAbs, k: offsetArch},
		{code: bpfJeqK, jt: 1, k: d.arch},
		{code: bpfRetK, k: retErrPerm}, // another ABI (x86's 32-bit calls): nothing allowed
		{code: bpfLdWAbs, k: offsetNr},
	}
	// After the checks come "allow" and then "deny"; each jump skips to "deny".
	if runtime.GOARCH == "amd64" {
		// The x32 ABI's system calls have bit 30 set.
		prog = append(prog, sockFilter{code: bpfJgeK, jt: uint8(len(d.syscalls) + 1), k: 0x40000000})
	}
	for i, nr := range d.syscalls {
		prog = append(prog, sockFilter{code: bpfJeqK, jt: uint8(len(d.syscalls) - i), k: nr})
	}
	return append(prog, sockFilter{code: bpfRetK, k: retAllow}, sockFilter{code: bpfRetK, k: retErrPerm})
}
