package loopback_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/kata-go/concurrency/harness/loopback"
)

// readError wraps errno as the net package does for a failed read.
func readError(errno error) error {
	return &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", errno)}
}

func TestClosedByPeer(t *testing.T) {
	for _, err := range append([]error{io.EOF, fmt.Errorf("reading the reply: %w", io.EOF),
		readError(syscall.ECONNRESET), readError(syscall.EPIPE)}, systemResets...) {
		if !loopback.ClosedByPeer(err) {
			t.Errorf("ClosedByPeer(%#v) = false, want true", err)
		}
	}
	for _, err := range []error{nil, os.ErrDeadlineExceeded, readError(syscall.ECONNREFUSED), errors.New("closed")} {
		if loopback.ClosedByPeer(err) {
			t.Errorf("ClosedByPeer(%#v) = true, want false", err)
		}
	}
}
