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
	"strings"

	"github.com/kata-go/concurrency/harness/internal/cli"
	"github.com/kata-go/concurrency/harness/internal/grade"
	"github.com/kata-go/concurrency/harness/internal/manifest"
)

func main() { os.Exit(kata(os.Args[1:])) }

func kata(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	stdio := cli.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	cmd, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, rest = args[0], args[1:]
	}
	switch {
	case cmd == "help":
		topic := ""
		if len(rest) > 0 {
			topic = rest[0]
		}
		return cli.Help(os.Stdout, cli.CommandName(), topic)
	case cmd == "" && len(rest) > 0 && (rest[0] == "-h" || rest[0] == "--help" || rest[0] == "-help"):
		return cli.Help(os.Stdout, cli.CommandName(), "")
	case cmd == "doctor":
		return cli.Doctor(ctx, stdio, rest)
	case cmd == "grade":
		root, err := findRoot()
		if err != nil {
			os.Stderr.WriteString("kata grade: " + err.Error() + "\n")
			return cli.ExitUsage
		}
		return grade.Main(ctx, root, rest, os.Stdout, os.Stderr)
	}

	app, code := cli.Open(ctx, stdio)
	if app == nil {
		return code
	}
	switch cmd {
	case "":
		return app.Progress(rest)
	case "list":
		return app.List(rest)
	case "check":
		return app.Check(rest)
	case "next":
		return app.Next(rest)
	case "hint":
		return app.Hint(rest)
	case "watch":
		return app.Watch(rest)
	case "reset":
		return app.Reset(rest)
	case "solution":
		return app.Solution(rest)
	case "verify":
		return app.Verify(rest)
	default:
		return app.Unknown(cmd)
	}
}

func findRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return manifest.FindRoot(wd)
}
