package cli

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kata-go/concurrency/harness/internal/report"
)

// verifyPackage is the repository's verification: every stub fails, every solution passes,
// every mutant is caught, every alternate passes.
const verifyPackage = "./harness/internal/verify/"

// Verify runs the repository's verification, go test -race ./harness/internal/verify/,
// streaming its output. --short passes -short (the quick subset), --json passes -json.
// --repeat N also runs every mutant N times at each of GOMAXPROCS 1, 2 and 4 and prints its
// catch rate; --sched limits that to the mutants the contract maps mark (sched).
func (a *App) Verify(args []string) int {
	f, code := a.parseFlags("verify", args, "json", "short", "raw", "run", "repeat", "sched")
	if f == nil {
		return code
	}
	if len(f.args) > 0 {
		a.errorf("verify takes no arguments, got %q", f.args)
		return ExitUsage
	}
	if f.sched && f.repeat == 0 {
		a.errorf("verify: --sched goes with --repeat N")
		return ExitUsage
	}
	if f.repeat > 0 && f.short {
		a.errorf("verify: --short runs no mutants, so there is nothing to --repeat")
		return ExitUsage
	}
	if _, err := os.Stat(filepath.Join(a.Root, filepath.FromSlash(verifyPackage))); err != nil {
		a.errorf("this repository has no verification yet (%s is missing).", verifyPackage)
		return ExitUsage
	}
	// Repeating mutants takes as long as it takes (each test binary has its own limit);
	// verification alone takes minutes on a busy machine.
	timeout := "-timeout=45m"
	if f.repeat > 0 {
		timeout = "-timeout=0"
	}
	goArgs := []string{"test", "-race", "-count=1", timeout}
	if f.short {
		goArgs = append(goArgs, "-short")
	}
	if f.json {
		goArgs = append(goArgs, "-json")
	}
	if f.raw {
		goArgs = append(goArgs, "-v")
	}
	if f.run != "" {
		goArgs = append(goArgs, "-run="+f.run)
	}
	goArgs = append(goArgs, verifyPackage)
	cmd := exec.CommandContext(a.Ctx, "go", goArgs...)
	cmd.Dir = a.Root
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	cmd.Stdout, cmd.Stderr = a.Stdout, a.Stderr
	var rates string
	if f.repeat > 0 {
		file, err := os.CreateTemp("", "kata-rates-*.txt")
		if err != nil {
			a.errorf("verify: %v", err)
			return ExitUsage
		}
		file.Close()
		rates = file.Name()
		defer os.Remove(rates)
		cmd.Env = append(cmd.Env, "KATA_VERIFY_REPEAT="+strconv.Itoa(f.repeat), "KATA_VERIFY_RATES="+rates)
		if f.sched {
			cmd.Env = append(cmd.Env, "KATA_VERIFY_REPEAT_SCHED=1")
		}
	}
	err := cmd.Run()
	if rates != "" && !f.json {
		a.printRates(rates, f.repeat)
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		if !f.json {
			a.printf("\n%s verification passed.\n", a.paint(report.Green, "PASS"))
		}
		return ExitOK
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		if !f.json {
			a.printf("\n%s verification failed: the lines above say which exercise and why.\n", a.paint(report.Red, "FAIL"))
		}
		return ExitFailed
	default:
		a.errorf("go test %s: %v", verifyPackage, err)
		return ExitUsage
	}
}

// printRates prints the catch rates that verification measured in repeat mode.
func (a *App) printRates(file string, n int) {
	data, err := os.ReadFile(file)
	if err != nil || len(strings.TrimSpace(string(data))) == 0 {
		a.printf("\nNo catch rates were measured (no mutant ran: see the lines above).\n")
		return
	}
	a.printf("\nCatch rates (each mutant %d times at each of GOMAXPROCS 1, 2 and 4, one process a run):\n%s", n, data)
}
