package harness

// Recover calls f and returns the value f panicked with, and whether it panicked. A panic(nil)
// counts: since Go 1.21 its value is a *runtime.PanicNilError. When f calls runtime.Goexit,
// Recover does not return either. It does not format the value: a learner's Error or String
// method runs only when the test formats it.
func Recover(f func()) (value any, panicked bool) {
	panicked = true
	defer func() {
		if panicked {
			value = recover()
		}
	}()
	f()
	panicked = false
	return nil, false
}
