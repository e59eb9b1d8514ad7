package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/kata-go/concurrency/harness/internal/state"
)

// Reset puts the stub of an exercise back in place of the learner's files, asking first unless
// --yes. The stub comes from git: the files as last committed by someone other than the learner.
func (a *App) Reset(args []string) int {
	f, code := a.parseFlags("reset", args, "json", "yes")
	if f == nil {
		return code
	}
	if len(f.args) != 1 {
		a.errorf("reset needs the name of one exercise, such as %s.\nRun %s to see every exercise.", a.cmd("reset", a.current().Short()), a.cmd("list"))
		return ExitUsage
	}
	e, ok := a.lookup(f.args[0])
	if !ok {
		return ExitUsage
	}
	type change struct {
		file, commit string
		stub         []byte
	}
	var changes []change
	var same []string
	for _, rel := range learnerFiles(e) {
		stub, commit, err := stubFromGit(a.Ctx, a.Root, rel)
		if err != nil {
			a.errorf("cannot find the stub of %s: %v\nreset restores it from git; without git, copy it from the original repository.", rel, err)
			return ExitUsage
		}
		now, _ := os.ReadFile(filepath.Join(a.Root, filepath.FromSlash(rel)))
		if bytes.Equal(now, stub) {
			same = append(same, rel)
			continue
		}
		changes = append(changes, change{rel, commit, stub})
	}
	var files []string
	for _, c := range changes {
		files = append(files, c.file)
	}
	report := func(reset bool) {
		if f.json {
			a.writeJSON(struct {
				Exercise string   `json:"exercise"`
				Reset    bool     `json:"reset"`
				Files    []string `json:"files"`
			}{e.Name, reset, append([]string{}, files...)})
		}
	}
	if len(changes) == 0 {
		if !f.json {
			a.printf("%s is already the stub: nothing to reset.\n", strings.Join(same, ", "))
		}
		report(false)
		return ExitOK
	}
	if !f.yes {
		lost := "Your changes to it will be lost."
		if committed(a.Ctx, a.Root, files) {
			lost = "Your version stays in git's history (git log -p shows it); only the file changes."
		}
		fmt.Fprintf(a.Stderr, "Reset %s to the stub (from commit %s)? %s [y/N] ", strings.Join(files, ", "), changes[0].commit, lost)
		answer, _ := bufio.NewReader(a.Stdin).ReadString('\n')
		if ans := strings.ToLower(strings.TrimSpace(answer)); ans != "y" && ans != "yes" {
			fmt.Fprintln(a.Stderr)
			if !f.json {
				a.printf("Nothing changed.\n")
			}
			report(false)
			return ExitFailed
		}
	}
	for _, c := range changes {
		p := filepath.Join(a.Root, filepath.FromSlash(c.file))
		if err := os.WriteFile(p, c.stub, 0o644); err != nil {
			a.errorf("reset %s: %v", c.file, err)
			return ExitUsage
		}
	}
	s := a.State.Get(e.Name)
	s.Done, s.Passed, s.Hash = false, 0, state.Hash(a.dir(e))
	a.save()
	if !f.json {
		a.printf("%s is the stub again. %s runs its tests.\n", strings.Join(files, ", "), a.cmd("check", e.Short()))
	}
	report(true)
	return ExitOK
}

// committed reports whether git has every one of files (relative to root) exactly as it is on
// disk, so that resetting them loses nothing git does not keep.
func committed(ctx context.Context, root string, files []string) bool {
	args := append([]string{"-C", root, "diff", "--quiet", "HEAD", "--"}, files...)
	if exec.CommandContext(ctx, "git", args...).Run() != nil {
		return false
	}
	out, err := exec.CommandContext(ctx, "git", append([]string{"-C", root, "ls-files", "--error-unmatch", "--"}, files...)...).Output()
	return err == nil && len(bytes.TrimSpace(out)) > 0
}

// stubFromGit returns the file rel (relative to root) as it was last committed by someone other
// than the learner (git's user.email), or as first committed when every commit is theirs, with
// that commit's short hash.
func stubFromGit(ctx context.Context, root, rel string) ([]byte, string, error) {
	git := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", root}, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			msg := strings.TrimSpace(stderr.String())
			if msg == "" {
				msg = err.Error()
			}
			return "", errors.New(msg)
		}
		return string(out), nil
	}
	me, _ := git("config", "user.email")
	me = strings.TrimSpace(me)
	log, err := git("log", "--format=%h %ae", "--", rel)
	if err != nil {
		return nil, "", err
	}
	var commits, authors []string
	for _, l := range strings.Split(strings.TrimSpace(log), "\n") {
		if c, author, ok := strings.Cut(strings.TrimSpace(l), " "); ok {
			commits, authors = append(commits, c), append(authors, author)
		}
	}
	if len(commits) == 0 {
		return nil, "", fmt.Errorf("git has no commit of %s", rel)
	}
	commit := commits[len(commits)-1]
	for i, c := range commits {
		if me == "" || !strings.EqualFold(authors[i], me) {
			commit = c
			break
		}
	}
	out, err := git("show", commit+":"+rel)
	if err != nil {
		return nil, "", err
	}
	return []byte(out), commit, nil
}
