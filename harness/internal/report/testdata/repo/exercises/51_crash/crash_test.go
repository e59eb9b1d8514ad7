package crash_test

// The tests of the crash fixture (../../../../runner/testdata/crash.jsonl): the binary dies in
// the second, so the last three never run.

import "testing"

func TestFirst_Passes(t *testing.T)      {}
func TestCrash_InGoroutine(t *testing.T) {}
func TestThird_NeverRuns(t *testing.T)   {}
func TestFourth_NeverRuns(t *testing.T)  {}
func TestFifth_NeverRuns(t *testing.T)   {}
func TestMain(m *testing.M)              {}
