//go:build !windows

package loopback_test

// systemResets are how this system reports a reset connection beyond ECONNRESET: nothing more.
var systemResets []error
