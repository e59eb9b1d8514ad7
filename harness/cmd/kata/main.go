// Command kata is the Go concurrency kata's command line: progress, checks explained in plain
// words, hints, watch mode, reset, solutions, a doctor for the machine, the repository's
// verification and grading. Run it from anywhere inside the repository:
//
//	go tool kata [COMMAND] [NAME] [FLAGS]
//
// (go.mod's tool directive names it; go run ./harness/cmd/kata does the same). "go tool kata
// help" lists the commands. This file only dispatches; the commands
// live in harness/internal/cli.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/kata-go/concurrency/harness/internal/cli"
)

func main() { os.Exit(kata(os.Args[1:])) }

// kata runs the command line with args and returns its exit code; the commands, and the one
// table that dispatches and documents them, live in harness/internal/cli.
func kata(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return cli.Main(ctx, cli.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}, args)
}
