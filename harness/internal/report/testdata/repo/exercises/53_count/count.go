package count

var calls int

// Flaky returns false the first time only.
func Flaky() bool { calls++; return calls > 1 }

// Leak starts a goroutine that never ends.
func Leak() { go func() { select {} }() }
