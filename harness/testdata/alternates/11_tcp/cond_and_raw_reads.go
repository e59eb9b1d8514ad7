// Alternate of 11_tcp: lines are cut by hand from raw conn.Read calls (no bufio), Shutdown
// waits on a sync.Cond that connection goroutines broadcast as they leave, each Serve has a
// WaitGroup of its own, and Send unblocks its write by closing the connection from a watcher
// goroutine rather than by a deadline.

package tcp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Send dials addr, writes msg and "\n", and closes the connection.
func Send(ctx context.Context, addr, msg string) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	written := make(chan struct{})
	watcherDone := make(chan struct{})
	go func() {
		defer close(watcherDone)
		select {
		case <-ctx.Done():
			conn.Close()
		case <-written:
		}
	}()
	_, werr := conn.Write([]byte(msg + "\n"))
	close(written)
	<-watcherDone
	if err := ctx.Err(); err != nil {
		conn.Close()
		return fmt.Errorf("send: %w", err)
	}
	if werr != nil {
		conn.Close()
		return werr
	}
	return conn.Close()
}

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("tcp: server closed")

// Server reads lines from many clients at once and passes each complete line to Handle.
type Server struct {
	Handle       func(line string)
	MaxLineBytes int
	IdleTimeout  time.Duration
	Logger       *slog.Logger

	mu        sync.Mutex
	left      *sync.Cond // broadcast when a connection leaves conns
	closing   bool
	listeners []net.Listener
	conns     map[net.Conn]*connState
}

type connState struct{ inHandle bool }

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// init must be called with s.mu held.
func (s *Server) init() {
	if s.left == nil {
		s.left = sync.NewCond(&s.mu)
		s.conns = make(map[net.Conn]*connState)
	}
}

// Serve accepts connections on ln and serves each in a goroutine of its own, until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	if s.Handle == nil {
		panic("tcp: Serve with a nil Handle")
	}
	s.mu.Lock()
	s.init()
	if s.closing {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.listeners = append(s.listeners, ln)
	s.mu.Unlock()

	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		nc, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closing := s.closing
			s.mu.Unlock()
			if closing {
				return ErrServerClosed
			}
			if retryable(err) {
				s.logger().Warn("accept failed; trying again", "err", err)
				time.Sleep(20 * time.Millisecond)
				continue
			}
			return err
		}
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			nc.Close()
			continue
		}
		st := &connState{}
		s.conns[nc] = st
		wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer wg.Done()
			s.serve(nc, st)
		}()
	}
}

func retryable(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// enter marks the connection as inside Handle, unless the server is closing.
func (s *Server) enter(st *connState) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	st.inHandle = true
	return true
}

// leave marks the connection as out of Handle and reports whether it may go on.
func (s *Server) leave(st *connState) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st.inHandle = false
	return !s.closing
}

func (s *Server) serve(nc net.Conn, st *connState) {
	defer func() {
		nc.Close()
		s.mu.Lock()
		delete(s.conns, nc)
		s.left.Broadcast()
		s.mu.Unlock()
	}()
	limit := s.MaxLineBytes
	if limit == 0 {
		limit = 64 << 10
	}
	buf := make([]byte, 8192)
	var pending []byte
	for {
		if s.IdleTimeout > 0 {
			nc.SetReadDeadline(time.Now().Add(s.IdleTimeout))
		}
		n, err := nc.Read(buf)
		pending = append(pending, buf[:n]...)
		for {
			i := bytes.IndexByte(pending, '\n')
			if i < 0 {
				break
			}
			if i > limit {
				s.logger().Error("line too long; closing the connection", "limit", limit)
				return
			}
			line := string(pending[:i])
			pending = pending[i+1:]
			if !s.enter(st) {
				return
			}
			s.Handle(line)
			if !s.leave(st) {
				return
			}
		}
		if len(pending) > limit {
			s.logger().Error("line too long; closing the connection", "limit", limit)
			return
		}
		if err != nil {
			if err == io.EOF {
				if len(pending) > 0 && s.enter(st) {
					s.Handle(string(pending))
					s.leave(st)
				}
				return
			}
			s.mu.Lock()
			closing := s.closing
			s.mu.Unlock()
			if !closing {
				s.logger().Info("connection ended", "err", err)
			}
			return
		}
	}
}

// Shutdown stops the server gracefully.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.init()
	s.closing = true
	for _, ln := range s.listeners {
		ln.Close()
	}
	for nc, st := range s.conns {
		if !st.inHandle {
			nc.Close()
		}
	}
	s.mu.Unlock()

	drained := make(chan struct{})
	go func() {
		s.mu.Lock()
		for len(s.conns) > 0 {
			s.left.Wait()
		}
		s.mu.Unlock()
		close(drained)
	}()
	select {
	case <-drained:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for nc := range s.conns {
			nc.Close()
		}
		s.mu.Unlock()
		return ctx.Err()
	}
}
