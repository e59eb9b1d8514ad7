package dnstest

import (
	"context"
	"net"
	"net/netip"
	"sync"
)

// The Resolver's wiring: its Dial reaches only this server, and closes what it dialled when
// the lookup's context ends.

// dial is the Resolver's Dial: it connects to the server whatever address Go asks for.
func (s *Server) dial(ctx context.Context, network, _ string) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, errClosed
	}
	var d net.Dialer
	switch network {
	case "udp", "udp4", "udp6":
		c, err := d.DialContext(ctx, "udp", s.addr)
		if err != nil {
			return nil, err
		}
		uc := c.(*net.UDPConn)
		local := uc.LocalAddr().(*net.UDPAddr).AddrPort()
		local = netip.AddrPortFrom(local.Addr().Unmap(), local.Port())
		p := newPeer()
		s.mu.Lock()
		s.udpPeers[local] = p // replaces an earlier socket that had the same port
		s.mu.Unlock()
		w := &udpConn{UDPConn: uc, leave: func() { s.leave(p) }}
		w.guard.watch(ctx, w.Close)
		return w, nil
	case "tcp", "tcp4", "tcp6":
		c, err := d.DialContext(ctx, "tcp", s.addr)
		if err != nil {
			return nil, err
		}
		w := &tcpConn{TCPConn: c.(*net.TCPConn)}
		w.guard.watch(ctx, w.Close)
		return w, nil
	}
	return nil, &net.OpError{Op: "dial", Net: network, Err: net.UnknownNetworkError(network)}
}

// A guard closes a connection once: when the dialling context ends, or when Close is called,
// whichever comes first; then the context is no longer watched.
type guard struct {
	mu     sync.Mutex
	closed bool
	stop   func() bool // stops watching the context; nil until watch has it
}

// watch closes the connection with closeConn when ctx is done.
func (g *guard) watch(ctx context.Context, closeConn func() error) {
	stop := context.AfterFunc(ctx, func() { closeConn() })
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		stop()
		return
	}
	g.stop = stop
}

// close runs hook and closeConn the first time; later calls return net.ErrClosed at once, or
// once the first call has finished.
func (g *guard) close(hook func(), closeConn func() error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return net.ErrClosed
	}
	g.closed = true
	if g.stop != nil {
		g.stop()
	}
	if hook != nil {
		hook()
	}
	return closeConn()
}

// udpConn is a UDP socket dialled by Resolver. It stays a net.PacketConn, which Go's resolver
// needs to speak DNS over UDP rather than TCP framing; its Close tells the server the socket is
// gone, so that the server drops its queries in flight.
type udpConn struct {
	*net.UDPConn
	guard guard
	leave func()
}

func (c *udpConn) Close() error { return c.guard.close(c.leave, c.UDPConn.Close) }

// tcpConn is a TCP connection dialled by Resolver.
type tcpConn struct {
	*net.TCPConn
	guard guard
}

func (c *tcpConn) Close() error { return c.guard.close(nil, c.TCPConn.Close) }

var (
	_ net.PacketConn = (*udpConn)(nil)
	_ net.Conn       = (*tcpConn)(nil)
)
