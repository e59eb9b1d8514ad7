package cli

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/kata-go/concurrency/harness/internal/manifest"
	"github.com/kata-go/concurrency/harness/internal/translation"
)

// Lang is a language kata speaks to the learner. Test failure messages, errors and the help
// stay in English whatever the language; the welcome, the hints, the headings and the next
// steps follow it.
type Lang string

// The languages kata speaks.
const (
	English Lang = "en"
	Chinese Lang = "zh" // Simplified Chinese, the seed chapter's language
)

// LangFromEnv picks the learner's language from getenv (os.Getenv): KATA_LANG when set ("zh",
// "zh-CN", "zh_CN" or "en"), else the locale that decides messages, the first set of LC_ALL,
// LC_MESSAGES and LANG ("zh_CN.UTF-8"); Chinese when that value starts with "zh", English
// otherwise.
func LangFromEnv(getenv func(string) string) Lang {
	for _, name := range []string{"KATA_LANG", "LC_ALL", "LC_MESSAGES", "LANG"} {
		v := getenv(name)
		if v == "" {
			continue
		}
		if strings.HasPrefix(strings.ToLower(v), "zh") {
			return Chinese
		}
		return English
	}
	return English
}

// zhTexts is the Simplified Chinese of kata's fixed texts, keyed by the English format
// string as the code writes it (verbs may be reordered with %[n]s). TestMessages_Chinese
// proves that every text the code passes to tr is here, with the same verbs.
var zhTexts = map[string]string{
	// progress
	"Progress: [%s] %d/%d exercises done": "进度：[%s] 已完成 %d/%d 个练习",
	"Current: %s · %s (%s)\n\n":           "当前：%s · %s（%s）\n\n",
	// check and next
	"\nEdit %s, then run %s again (%s re-checks on every save).\n": "\n编辑 %s，然后再次运行 %s（%s 会在每次保存时重新检查）。\n",
	"Stuck? %s shows hint %d of %d.\n":                             "卡住了？%s 显示第 %d 条提示（共 %d 条）。\n",
	"You have seen every hint: %s shows them again.\n":             "你已经看过所有提示：%s 会再次显示它们。\n",
	"\n%s is done. Next: %s moves on to %s · %s.\n":                "\n%s 完成了。下一步：%s 进入 %s · %s。\n",
	"Next up:":    "下一个：",
	" (about %s)": "（大约 %s）",
	"  Read %s, then make its tests pass by editing %s.\n":                   "  阅读 %s，然后编辑 %s，让它的测试通过。\n",
	"  %s runs them, %s runs them on every save, %s helps.\n":                "  %s 运行测试，%s 在每次保存时运行测试，%s 给出提示。\n",
	"\nFinish %s before moving on: %s, or %s to work on another exercise.\n": "\n先完成 %s 再继续：%s，或者用 %s 去做另一个练习。\n",
	"%s %s is done.\n\n": "%s %s 完成了。\n\n",
	// hint
	"Hint %d of %d for %s:":                           "%[3]s 的第 %[1]d 条提示（共 %[2]d 条）：",
	"%s, task %d · %s":                                "%s，任务 %d · %s",
	"No hints seen yet for %s: %s shows the first.\n": "你还没有看过 %s 的提示：%s 显示第一条。\n",
	"%s shows the next level.\n":                      "%s 显示下一条。\n",
	"Still stuck? %s shows level %d of %d.\n":         "还是卡住了？%s 显示第 %d 条（共 %d 条）。\n",
	"That was the last hint for task %d.\n":           "这是任务 %d 的最后一条提示。\n",
	"That was the last hint. Once the tests pass, %s shows the reference solution.\n":                   "这是最后一条提示。测试通过后，%s 会显示参考答案。\n",
	" Each task of %s has hints of its own: %s for task 1 (tasks 1 to %d, as the README numbers them).": " %s 的每个任务都有自己的提示：任务 1 用 %s（任务 1 到 %d，编号与 README 相同）。",
	// watch
	"\n%s is done: moving on.\n\n":                           "\n%s 完成了：继续下一个。\n\n",
	"\nStopped watching.\n":                                  "\n已停止监视。\n",
	"\nWatching %s: save it to check again. Ctrl-C stops.\n": "\n正在监视 %s：保存它就会再次检查。按 Ctrl-C 停止。\n",
	// list
	"Current: %s. %s checks it; %s checks any exercise and makes it the current one.\n": "当前：%s。%s 检查它；%s 检查任意一个练习，并把它设为当前练习。\n",
	// solution
	"%s passes, well done. The reference solution, as a diff from your file (- yours, + reference):\n": "%s 通过了，干得好。下面是参考答案，以与你的文件的差异显示（- 你的，+ 参考答案）：\n",
	"\nThere is more than one right answer: yours passes the same tests.\n":                            "\n正确答案不止一个：你的代码通过了同样的测试。\n",
}

// tr is the text format in the learner's language: its Chinese from zhTexts when kata speaks
// Chinese, else format itself.
func (a *App) tr(format string) string {
	if a.Lang == Chinese {
		if zh, ok := zhTexts[format]; ok {
			return zh
		}
	}
	return format
}

// say writes format, in the learner's language, with args on standard output.
func (a *App) say(format string, args ...any) {
	a.printf(a.tr(format), args...)
}

// hints are e's hint levels in the learner's language (the English ones when the manifest has
// no translation).
func (a *App) hints(en, zh []string) []string {
	if a.Lang == Chinese && len(zh) == len(en) {
		return zh
	}
	return en
}

// welcome and final are the manifest's messages in the learner's language.
func (a *App) welcome() string {
	return a.message(a.Manifest.WelcomeMessage, a.Manifest.WelcomeMessageZh)
}
func (a *App) final() string { return a.message(a.Manifest.FinalMessage, a.Manifest.FinalMessageZh) }

func (a *App) message(en, zh string) string {
	if a.Lang == Chinese && strings.TrimSpace(zh) != "" {
		return zh
	}
	return en
}

// readme is the README of e for the learner to read, relative to the root: its Chinese
// translation when kata speaks Chinese and there is one.
func (a *App) readme(e manifest.Exercise) string {
	if a.Lang == Chinese {
		zh := translation.Path(e.Dir() + "/README.md")
		if _, err := os.Stat(filepath.Join(a.Root, filepath.FromSlash(zh))); err == nil {
			return zh
		}
	}
	return e.Dir() + "/README.md"
}

// minutes is a rough duration as the README's table writes it ("45 min", "1.5 h"), in the
// learner's language.
func (a *App) minutes(m int) string {
	s := manifest.FormatMinutes(m)
	if a.Lang != Chinese {
		return s
	}
	if n, ok := strings.CutSuffix(s, " min"); ok {
		return n + " 分钟"
	}
	return strings.TrimSuffix(s, " h") + " 小时"
}
