package cli

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The commands are tested end to end by harness/cmd/kata's scripts; these are the pieces that
// have more cases than a script should spell out.

func TestParseFlags(t *testing.T) {
	f, err := parseFlags([]string{"cell", "--json", "-v", "--run", "Test(X|Y)", "-y"}, "json", "raw", "run", "yes")
	require.NoError(t, err)
	assert.Equal(t, &flags{json: true, raw: true, yes: true, run: "Test(X|Y)", args: []string{"cell"}}, f)

	f, err = parseFlags([]string{"-json", "--run=^TestA$", "--", "-odd-name"}, "json", "run")
	require.NoError(t, err)
	assert.Equal(t, &flags{json: true, run: "^TestA$", args: []string{"-odd-name"}}, f)

	f, err = parseFlags([]string{"--help"})
	require.NoError(t, err)
	assert.True(t, f.help, "--help is always allowed")

	for _, bad := range [][]string{{"--yes"}, {"--bogus"}, {"--run"}, {"--json=true"}} {
		_, err := parseFlags(bad, "json", "run")
		assert.Error(t, err, "parseFlags(%q)", bad)
	}
}

func TestVersionLess(t *testing.T) {
	for _, c := range []struct {
		a, b string
		less bool
	}{
		{"1.26.8", "1.26.0", false},
		{"1.26.0", "1.26.0", false},
		{"1.25.9", "1.26.0", true},
		{"1.26", "1.26.1", true},
		{"1.27rc1", "1.26.0", false},
		{"1.9", "1.26", true},
	} {
		assert.Equal(t, c.less, versionLess(c.a, c.b), "versionLess(%q, %q)", c.a, c.b)
	}
}

func TestWhyNoRace(t *testing.T) {
	env := goEnv{GOOS: "linux", GOARCH: "386", CGO_ENABLED: "0", CC: "gcc"}
	for out, want := range map[string]string{
		"go: -race requires cgo; enable cgo by setting CGO_ENABLED=1":                      "needs cgo",
		`cgo: C compiler "gcc" not found: exec: "gcc": executable file not found in $PATH`: "needs a C compiler",
		"go: -race is not supported on linux/386":                                          "no race detector for linux/386",
		"something else entirely\nand more":                                                "does not work: something else entirely",
	} {
		detail, fix := whyNoRace(out, env)
		assert.Contains(t, detail, want, "whyNoRace(%q)", out)
		assert.NotEmpty(t, fix, "whyNoRace(%q) says what to do", out)
	}
}
