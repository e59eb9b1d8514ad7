package cli

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
)

// verifyPackage is the repository's verification: every stub fails, every solution passes,
// every mutant is caught, every alternate passes.
const verifyPackage = "./harness/internal/verify/"

// Verify runs the repository's verification, go test -race ./harness/internal/verify/,
// streaming its output. --short passes -short (the quick subset), --json passes -json.
func (a *App) Verify(args []string) int {
	f, code := a.parseFlags("verify", args, "json", "short", "raw", "run")
	if f == nil {
		return code
	}
	if len(f.args) > 0 {
		a.errorf("verify takes no arguments, got %q", f.args)
		return ExitUsage
	}
	if _, err := os.Stat(filepath.Join(a.Root, filepath.FromSlash(verifyPackage))); err != nil {
		a.errorf("this repository has no verification yet (%s is missing).", verifyPackage)
		return ExitUsage
	}
	goArgs := []string{"test", "-race", "-count=1"}
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
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		if !f.json {
			a.printf("\n%s verification passed.\n", a.paint(green, "PASS"))
		}
		return ExitOK
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		if !f.json {
			a.printf("\n%s verification failed: the lines above say which exercise and why.\n", a.paint(red, "FAIL"))
		}
		return ExitFailed
	default:
		a.errorf("go test %s: %v", verifyPackage, err)
		return ExitUsage
	}
}
