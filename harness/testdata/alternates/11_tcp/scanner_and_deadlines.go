// Alternate of 11_tcp: a bufio.Scanner with its own split function reads the lines, Shutdown
// interrupts idle reads with a past read deadline instead of closing, a WaitGroup watched by a
// goroutine replaces the drained channel, and Send watches ctx with a goroutine of its own.

package tcp

import (
	"bufio"
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
	defer conn.Close()
	finished := make(chan struct{})
	watcher := make(chan struct{})
	go func() {
		defer close(watcher)
		select {
		case <-ctx.Done():
			conn.SetWriteDeadline(time.Now())
		case <-finished:
		}
	}()
	_, err = conn.Write([]byte(msg + "\n"))
	close(finished)
	<-watcher
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return err
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

	mu       sync.Mutex
	stopping bool
	lns      []net.Listener
	conns    map[net.Conn]*state
	wg       sync.WaitGroup
}

// state is one connection's: whether Handle runs for it and whether it must stop.
type state struct {
	mu       sync.Mutex
	handling bool
	stopping bool
}

var errStopping = errors.New("tcp: connection stopped by Shutdown")

func (s *Server) log() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// Serve accepts connections on ln and serves each in a goroutine of its own, until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	if s.Handle == nil {
		panic("tcp: Server.Handle must not be nil, got nil")
	}
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.lns = append(s.lns, ln)
	s.mu.Unlock()
	for {
		nc, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			stopping := s.stopping
			s.mu.Unlock()
			if stopping {
				s.wg.Wait()
				return ErrServerClosed
			}
			tmp, isTmp := errors.AsType[interface {
				error
				Temporary() bool
			}](err)
			if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() || isTmp && tmp.Temporary() {
				s.log().Warn("accept", "err", err)
				time.Sleep(10 * time.Millisecond)
				continue
			}
			s.wg.Wait()
			return err
		}
		st := &state{}
		s.mu.Lock()
		if s.stopping {
			s.mu.Unlock()
			nc.Close()
			continue
		}
		if s.conns == nil {
			s.conns = map[net.Conn]*state{}
		}
		s.conns[nc] = st
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serve(nc, st)
	}
}

// reader sets the idle deadline before each Read, refuses to read once stopping, and remembers
// whether the stream ended with a clean EOF.
type reader struct {
	nc   net.Conn
	st   *state
	idle time.Duration
	eof  bool
}

func (r *reader) Read(p []byte) (int, error) {
	r.st.mu.Lock()
	if r.st.stopping {
		r.st.mu.Unlock()
		return 0, errStopping
	}
	if r.idle > 0 {
		r.nc.SetReadDeadline(time.Now().Add(r.idle))
	}
	r.st.mu.Unlock()
	n, err := r.nc.Read(p)
	if err == io.EOF {
		r.eof = true
	}
	return n, err
}

func (s *Server) serve(nc net.Conn, st *state) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, nc)
		s.mu.Unlock()
	}()
	defer nc.Close()
	limit := s.MaxLineBytes
	if limit <= 0 {
		limit = 64 << 10
	}
	rd := &reader{nc: nc, st: st, idle: s.IdleTimeout}
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 0, min(limit+1, 4096)), limit+1)
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			if i > limit {
				return 0, nil, bufio.ErrTooLong
			}
			return i + 1, data[:i], nil
		}
		if len(data) > limit {
			return 0, nil, bufio.ErrTooLong
		}
		if atEOF && rd.eof && len(data) > 0 {
			return len(data), data, nil
		}
		if atEOF {
			return len(data), nil, nil // a partial line cut by an error is dropped
		}
		return 0, nil, nil
	})
	for sc.Scan() {
		st.mu.Lock()
		if st.stopping {
			st.mu.Unlock()
			return
		}
		st.handling = true
		st.mu.Unlock()
		s.Handle(sc.Text())
		st.mu.Lock()
		st.handling = false
		stop := st.stopping
		st.mu.Unlock()
		if stop {
			return
		}
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		s.log().Error("closing connection", "remote", nc.RemoteAddr().String(), "err", fmt.Errorf("line longer than %d bytes", limit))
	} else if err != nil && !errors.Is(err, errStopping) {
		s.log().Info("connection ended", "remote", nc.RemoteAddr().String(), "err", err)
	}
}

// Shutdown stops the server gracefully.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.stopping = true
	for _, ln := range s.lns {
		ln.Close()
	}
	for nc, st := range s.conns {
		st.mu.Lock()
		st.stopping = true
		if !st.handling {
			nc.SetReadDeadline(time.Unix(1, 0))
		}
		st.mu.Unlock()
	}
	s.mu.Unlock()

	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
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
