package loopback_test

import "syscall"

// systemResets are how Windows reports a reset or aborted connection.
var systemResets = []error{readError(syscall.WSAECONNRESET), readError(syscall.WSAECONNABORTED)}
