// Package tcp is exercise 11: a line server that survives its clients, and a client that sends
// one line.
//
// The seed's server.rs exits at the first read error; server2.rs handles each connection's
// errors and goes on. Server goes further: every connection has its own goroutine, a line
// limit, an idle timeout, and a graceful Shutdown, in the manner of net/http.Server.
package tcp

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"
)

// Send dials addr, writes msg and "\n", and closes the connection: one line, one way, like the
// seed's client.rs. It returns nil once the line is written and the connection closed. It
// honours ctx: when ctx is done before that, the dial or the write is abandoned and the error
// matches ctx.Err() (errors.Is).
func Send(ctx context.Context, addr, msg string) error {
	// TODO: implement.
	return errors.New("tcp: Send not implemented")
}

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("tcp: server closed")

// Server reads lines from many clients at once and passes each complete line to Handle. A line
// is ended by "\n" or, when it is not empty, by the client closing its side of the connection.
// A partial line is dropped when its connection ends any other way: a reset, the idle timeout,
// a line too long, Shutdown.
//
// Set the fields before calling Serve and do not change them after. A Server must not be copied
// once used. Serve and Shutdown may be called from different goroutines, Serve on several
// listeners at once, and Shutdown more than once (each call behaves as documented).
type Server struct {
	// Handle is called with each complete line, without its "\n" and with nothing else removed
	// (a "\r" before the "\n" stays part of the line), from the goroutine that serves the
	// line's connection: calls for different connections run at the same time, so Handle must
	// be safe for concurrent use. The lines of one connection are handled one at a time, in
	// order. Handle must not be nil.
	Handle func(line string)

	// MaxLineBytes is the longest line accepted, not counting its "\n". A longer line is not
	// handled: its connection is closed and the error logged; the other connections go on.
	// 0 means 64 KiB.
	MaxLineBytes int

	// IdleTimeout closes a connection from which nothing has arrived for this long (a partial
	// line is dropped). 0 means no limit.
	IdleTimeout time.Duration

	// Logger receives the errors of single connections (a line too long, a reset, a timeout)
	// and of Accept. nil means slog.Default().
	Logger *slog.Logger

	// TODO: add the unexported fields you need.
}

// Serve accepts connections on ln and serves each in a goroutine of its own, until Shutdown.
// It survives whatever goes wrong with one client (a reset, a silent client, a line too long)
// and temporary Accept errors (a net.Error whose Timeout reports true, or an error whose
// Temporary method reports true): it logs them, pauses briefly and accepts again. Any other
// Accept error is returned.
//
// After Shutdown, Serve returns ErrServerClosed, and only once every goroutine it started has
// finished. Called after Shutdown, it closes ln and returns ErrServerClosed at once.
// Serve panics when Handle is nil.
func (s *Server) Serve(ln net.Listener) error {
	// TODO: implement.
	return errors.New("tcp: Serve not implemented")
}

// Shutdown stops the server gracefully. It closes the listeners (Serve then returns
// ErrServerClosed), closes every connection that is not in a Handle call (a partial line is
// dropped), and waits for the Handle calls in progress to return; their connections are closed
// then. It returns nil once every connection is closed and its goroutine has finished. A
// connection that Accept returns after Shutdown began is closed without being served.
//
// When ctx is done first, Shutdown closes every connection at once and returns ctx.Err(); the
// Handle calls still running finish on their own, and Serve waits for them.
func (s *Server) Shutdown(ctx context.Context) error {
	// TODO: implement.
	return nil
}
