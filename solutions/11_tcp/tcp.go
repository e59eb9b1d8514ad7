// Package tcp is exercise 11: a line server that survives its clients, and a client that sends
// one line.
//
// The seed's server.rs exits at the first read error; server2.rs handles each connection's
// errors and goes on. Server goes further: every connection has its own goroutine, a line
// limit, an idle timeout, and a graceful Shutdown, in the manner of net/http.Server.
package tcp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Send dials addr, writes msg and "\n", and closes the connection: one line, one way, like the
// seed's client.rs. It returns nil once the line is written and the connection closed. It
// honours ctx: when ctx is done before that, the dial or the write is abandoned and the error
// matches ctx.Err() (errors.Is).
func Send(ctx context.Context, addr, msg string) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("tcp: send to %s: %w", addr, err)
	}
	defer conn.Close()
	// A write blocks when the server does not read: cancelling ctx unblocks it.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := io.WriteString(conn, msg+"\n"); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("tcp: send to %s: %w", addr, ctx.Err())
		}
		return fmt.Errorf("tcp: send to %s: %w", addr, err)
	}
	if !stop() {
		return fmt.Errorf("tcp: send to %s: %w", addr, ctx.Err())
	}
	return conn.Close()
}

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("tcp: server closed")

const defaultMaxLineBytes = 64 << 10

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

	mu        sync.Mutex
	closed    bool
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	drained   chan struct{} // closed when closed && len(conns) == 0
}

// conn is one client connection. busy is true while Handle runs for it.
type conn struct {
	nc   net.Conn
	busy bool
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
	if s.Handle == nil {
		panic("tcp: Server.Handle must be a function, got nil")
	}
	if !s.track(ln) {
		ln.Close()
		return ErrServerClosed
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer s.untrack(ln)

	pause := time.Duration(0)
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.shuttingDown() {
				return ErrServerClosed
			}
			if temporary(err) {
				pause = min(max(2*pause, 5*time.Millisecond), time.Second)
				s.logger().Warn("tcp: accept failed, retrying", "err", err, "pause", pause)
				time.Sleep(pause)
				continue
			}
			return err
		}
		pause = 0
		c := &conn{nc: nc}
		if !s.add(c) {
			nc.Close()
			continue
		}
		wg.Go(func() { s.serveConn(c) })
	}
}

func temporary(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var tmp interface{ Temporary() bool }
	return errors.As(err, &tmp) && tmp.Temporary()
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func (s *Server) maxLineBytes() int {
	if s.MaxLineBytes > 0 {
		return s.MaxLineBytes
	}
	return defaultMaxLineBytes
}

func (s *Server) shuttingDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Server) track(ln net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.listeners == nil {
		s.listeners = map[net.Listener]struct{}{}
	}
	s.listeners[ln] = struct{}{}
	return true
}

func (s *Server) untrack(ln net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.listeners, ln)
}

// add registers c, or reports false when the server is shutting down.
func (s *Server) add(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.conns == nil {
		s.conns = map[*conn]struct{}{}
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) remove(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	if s.closed && len(s.conns) == 0 && s.drained != nil {
		select {
		case <-s.drained:
		default:
			close(s.drained)
		}
	}
}

// setBusy marks c as running Handle, or not. It reports false when c must stop: the server is
// shutting down (then c is no longer busy and its connection gets closed).
func (s *Server) setBusy(c *conn, busy bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.busy = busy
	return !s.closed
}

func (s *Server) serveConn(c *conn) {
	defer s.remove(c)
	defer c.nc.Close()
	max := s.maxLineBytes()
	// A buffer of max+1 bytes (or less) notices a line too long as soon as it fills.
	r := bufio.NewReaderSize(idleReader{c.nc, s.IdleTimeout}, min(max+1, 64<<10))
	log := s.logger().With("remote", c.nc.RemoteAddr().String())
	for {
		line, err := readLine(r, max)
		if err != nil {
			switch {
			case errors.Is(err, io.EOF), s.shuttingDown():
			case errors.Is(err, errLineTooLong):
				log.Error("tcp: closing connection", "err", err)
			default:
				log.Info("tcp: connection ended", "err", err)
			}
			return
		}
		if !s.setBusy(c, true) {
			return
		}
		s.Handle(line)
		if !s.setBusy(c, false) {
			return
		}
	}
}

var errLineTooLong = errors.New("tcp: line too long")

// readLine returns the next line without its "\n". A final line without "\n" is a line when it
// is not empty; after it, io.EOF.
func readLine(r *bufio.Reader, max int) (string, error) {
	var buf []byte
	for {
		chunk, err := r.ReadSlice('\n')
		buf = append(buf, chunk...)
		switch {
		case err == nil:
			buf = buf[:len(buf)-1]
			if len(buf) > max {
				return "", fmt.Errorf("%w: more than %d bytes", errLineTooLong, max)
			}
			return string(buf), nil
		case len(buf) > max:
			return "", fmt.Errorf("%w: more than %d bytes without a newline", errLineTooLong, max)
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(buf) > 0:
			return string(buf), nil
		default:
			return "", err
		}
	}
}

// idleReader sets a fresh read deadline before every Read, so that a connection is closed only
// after timeout of silence, however long it has been open.
type idleReader struct {
	nc      net.Conn
	timeout time.Duration
}

func (r idleReader) Read(p []byte) (int, error) {
	if r.timeout > 0 {
		r.nc.SetReadDeadline(time.Now().Add(r.timeout))
	}
	return r.nc.Read(p)
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
	s.mu.Lock()
	s.closed = true
	if s.drained == nil {
		s.drained = make(chan struct{})
		if len(s.conns) == 0 {
			close(s.drained)
		}
	}
	for ln := range s.listeners {
		ln.Close()
	}
	for c := range s.conns {
		if !c.busy {
			c.nc.Close()
		}
	}
	drained := s.drained
	s.mu.Unlock()

	select {
	case <-drained:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for c := range s.conns {
			c.nc.Close()
		}
		s.mu.Unlock()
		return ctx.Err()
	}
}
