package cli

import (
	"fmt"
	"strconv"
	"strings"
)

// flags are the options any command may take; each command says which it accepts.
type flags struct {
	json, raw, all, yes, short, poll, help bool
	sched                                  bool
	watching                               bool // set by watch for its checks, not a flag
	run                                    string
	repeat                                 int
	args                                   []string // the positional arguments
}

// The flags, by every spelling kata accepts. Flags may come before or after the exercise name.
var flagNames = map[string]string{
	"--json": "json", "-json": "json",
	"-v": "raw", "--raw": "raw", "-raw": "raw", "--verbose": "raw",
	"--all": "all", "-all": "all", "-a": "all",
	"--yes": "yes", "-yes": "yes", "-y": "yes",
	"--short": "short", "-short": "short",
	"--poll": "poll", "-poll": "poll",
	"--run": "run", "-run": "run",
	"--repeat": "repeat", "-repeat": "repeat",
	"--sched": "sched", "-sched": "sched",
	"-h": "help", "--help": "help", "-help": "help",
}

// parseFlags reads args for the command cmd, which accepts the flags named in allowed (by
// their canonical names: "json", "raw", ...). When it returns nil flags, the command returns
// the code: it printed the help (ExitOK) or a usage error (ExitUsage).
func (a *App) parseFlags(cmd string, args []string, allowed ...string) (*flags, int) {
	f, err := parseFlags(args, allowed...)
	if err != nil {
		a.errorf("%s: %v\nUsage: %s %s", cmdLabel(cmd), err, a.Command, usageOf(cmd))
		return nil, ExitUsage
	}
	if f.help {
		a.printf("Usage: %s %s\n\n%s\n", a.Command, usageOf(cmd), helpOf(cmd))
		return nil, ExitOK
	}
	return f, ExitOK
}

func cmdLabel(cmd string) string {
	if cmd == "" {
		return "kata"
	}
	return cmd
}

func parseFlags(args []string, allowed ...string) (*flags, error) {
	f := &flags{}
	ok := map[string]bool{"help": true}
	for _, n := range allowed {
		ok[n] = true
	}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			f.args = append(f.args, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(arg, "-") || arg == "-" {
			f.args = append(f.args, arg)
			continue
		}
		name, value, hasValue := strings.Cut(arg, "=")
		canon, known := flagNames[name]
		if !known || !ok[canon] {
			return nil, fmt.Errorf("unknown flag %s", name)
		}
		if canon == "run" || canon == "repeat" {
			if !hasValue {
				if i+1 == len(args) {
					return nil, fmt.Errorf("%s needs a value", name)
				}
				i++
				value = args[i]
			}
			if canon == "run" {
				f.run = value
				continue
			}
			n, err := strconv.Atoi(value)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("%s takes a whole number of runs, 1 or more, not %q", name, value)
			}
			f.repeat = n
			continue
		}
		if hasValue {
			return nil, fmt.Errorf("%s takes no value", name)
		}
		switch canon {
		case "json":
			f.json = true
		case "raw":
			f.raw = true
		case "all":
			f.all = true
		case "yes":
			f.yes = true
		case "short":
			f.short = true
		case "poll":
			f.poll = true
		case "sched":
			f.sched = true
		case "help":
			f.help = true
		}
	}
	return f, nil
}
