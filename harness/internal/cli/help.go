package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/kata-go/concurrency/harness/internal/grade"
	"github.com/kata-go/concurrency/harness/internal/suggest"
)

// command is one kata command: its help, and what runs it. One table drives both the help
// text and the dispatch (Main), so the two cannot disagree.
type command struct {
	name, usage, help string
	// run runs the command on the repository kata was opened in.
	run func(a *App, args []string) int
	// alone runs a command that opens no repository first (or finds it itself).
	alone func(ctx context.Context, stdio IO, args []string) int
}

// commandTable lists kata's commands in the order help shows them. (A function, not a variable:
// help's own entry refers back to the table.)
func commandTable() []command {
	return []command{
		{"", "[--json]", "Your progress, then a check of the first exercise not done yet, and what to do next.", (*App).Progress, nil},
		{"list", "[--json]", "Every exercise with its status, tests passed, hints seen and attempts.", (*App).List, nil},
		{"check", "[NAME] [-v|--raw] [--run REGEXP] [--json]", "Runs the tests of an exercise (default: the current one) and explains each failure:\nwhat was expected, what happened, and the line of your file to look at. -v shows go test's own output.", (*App).Check, nil},
		{"next", "[--json]", "Checks the current exercise and, once it passes, moves on to the next one.", (*App).Next, nil},
		{"hint", "[NAME [TASK]] [--all] [--json]", "Shows the next hint level for an exercise (a nudge, an approach, nearly the answer).\nTASK, a task number of the README, shows that task's own hints where it has them.\n--all shows again the levels you have seen.", (*App).Hint, nil},
		{"watch", "[--poll] [-v|--raw] [--json]", "Checks the current exercise on every save of its files and moves on when it passes.\n--poll looks for changes every half second, for file systems without change events.", (*App).Watch, nil},
		{"reset", "NAME [--yes] [--json]", "Puts the stub of an exercise back in place of your file, from git. Asks first, unless --yes.", (*App).Reset, nil},
		{"solution", "[NAME] [--json]", "Once an exercise passes: the reference solution, as a diff against your file.", (*App).Solution, nil},
		{"doctor", "[--json]", "Checks this machine: the Go version, whether -race works here (and why not), the repository found.", nil, Doctor},
		{"verify", "[--short] [--json] [--repeat N [--sched]]", "Runs the repository's own verification (maintainers): every stub fails, every solution passes,\nevery mutant is caught. --short runs the quick subset. --repeat N runs every mutant N more\ntimes at each of GOMAXPROCS 1, 2 and 4 and prints its catch rate (below N/N fails); --sched\nrepeats only the mutants the contract maps mark (sched).", (*App).Verify, nil},
		{"grade", "[flags]", "Grades submissions (teachers). See grade --help.", nil, gradeCmd},
		{"help", "[COMMAND]", "This text.", nil, helpCmd},
	}
}

// Main runs kata with args (os.Args[1:]): the command named first, on the repository around
// the working folder. It returns the exit code.
func Main(ctx context.Context, stdio IO, args []string) int {
	name, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, rest = args[0], args[1:]
	}
	if name == "" && len(rest) > 0 && (rest[0] == "-h" || rest[0] == "--help" || rest[0] == "-help") {
		return Help(stdio.Stdout, CommandName(), "")
	}
	for _, c := range commandTable() {
		if c.name != name {
			continue
		}
		if c.alone != nil {
			return c.alone(ctx, stdio, rest)
		}
		app, code := Open(ctx, stdio)
		if app == nil {
			return code
		}
		return c.run(app, rest)
	}
	app, code := Open(ctx, stdio)
	if app == nil {
		return code
	}
	return app.Unknown(name)
}

func helpCmd(_ context.Context, stdio IO, args []string) int {
	topic := ""
	if len(args) > 0 {
		topic = args[0]
	}
	return Help(stdio.Stdout, CommandName(), topic)
}

func gradeCmd(ctx context.Context, stdio IO, args []string) int {
	root, err := findRoot()
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "kata grade: %v\n", err)
		return ExitUsage
	}
	return grade.Main(ctx, root, args, stdio.Stdout, stdio.Stderr)
}

func usageOf(cmd string) string {
	for _, c := range commandTable() {
		if c.name == cmd {
			return strings.TrimSpace(c.name + " " + c.usage)
		}
	}
	return cmd
}

func helpOf(cmd string) string {
	for _, c := range commandTable() {
		if c.name == cmd {
			return c.help
		}
	}
	return ""
}

// Help writes the help of the command topic, or the list of commands when topic is "".
func Help(w io.Writer, name, topic string) int {
	if topic != "" {
		for _, c := range commandTable() {
			if c.name == topic && topic != "" {
				fmt.Fprintf(w, "Usage: %s %s\n\n%s\n", name, usageOf(topic), c.help)
				return ExitOK
			}
		}
		fmt.Fprintf(w, "kata: no command %q. Run \"%s help\" for the list.\n", topic, name)
		return ExitUsage
	}
	fmt.Fprintf(w, "kata: the Go concurrency kata's command line.\n\nUsage: %s [COMMAND] [NAME] [FLAGS]\n\n", name)
	for _, c := range commandTable() {
		label := c.name
		if label == "" {
			label = "(none)"
		}
		help := strings.ReplaceAll(c.help, "\n", "\n"+strings.Repeat(" ", 12))
		fmt.Fprintf(w, "  %-9s %s\n", label, help)
	}
	fmt.Fprintf(w, `
NAME is an exercise: 01_cell, cell or 1 all name the first one.
Exit codes: 0 all passed, 1 tests failed, 2 a usage or environment error.
Plain text when NO_COLOR is set or the output is not a terminal; --json for programs.
KATA_LANG=zh (or a Chinese locale, such as LANG=zh_CN.UTF-8) shows the welcome, hints and next
steps in Simplified Chinese; KATA_LANG=en keeps English.
Run "%s help COMMAND" for one command's flags.
`, name)
	return ExitOK
}

// Unknown reports an unknown command: exit 2, with the closest command, or the check the
// learner probably meant when the word is an exercise's name.
func (a *App) Unknown(word string) int {
	if e, err := a.Manifest.Lookup(word); err == nil {
		a.errorf("unknown command %q. To check that exercise: %s", word, a.cmd("check", e.Short()))
		return ExitUsage
	}
	var names []string
	for _, c := range commandTable() {
		if c.name != "" {
			names = append(names, c.name)
		}
	}
	if best := suggest.Closest(word, names, 1, 2); len(best) > 0 {
		a.errorf("unknown command %q; did you mean %s? Run %s for the list.", word, best[0], a.cmd("help"))
	} else {
		a.errorf("unknown command %q. Run %s for the list.", word, a.cmd("help"))
	}
	return ExitUsage
}
