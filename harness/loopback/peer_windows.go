package loopback

import "syscall"

// peerGone are the errors that say the peer reset or aborted the connection. Windows reports
// them with its own numbers (WSAECONNRESET, WSAECONNABORTED), not the invented ECONNRESET and
// EPIPE of its syscall package, as Go's net package itself knows (net/error_windows.go).
var peerGone = []error{syscall.ECONNRESET, syscall.EPIPE, syscall.WSAECONNRESET, syscall.WSAECONNABORTED}
