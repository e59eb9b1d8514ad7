//go:build !windows

package loopback

import "syscall"

// peerGone are the errors that say the peer reset the connection, or that it is gone for
// writes.
var peerGone = []error{syscall.ECONNRESET, syscall.EPIPE}
