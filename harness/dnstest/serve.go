package dnstest

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// Reading queries over UDP and TCP, and answering them.

func (s *Server) serveUDP() {
	defer s.wg.Done()
	buf := make([]byte, 65536)
	for {
		n, from, err := s.udp.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		msg := append([]byte(nil), buf[:n]...)
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		s.mu.Lock()
		p := s.udpPeers[from] // nil for a socket Resolver did not dial
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handle(msg, p, true, func(b []byte) { s.udp.WriteToUDPAddrPort(b, from) })
		}()
	}
}

func (s *Server) serveTCP() {
	defer s.wg.Done()
	for {
		c, err := s.tcp.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		p := newPeer()
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			continue
		}
		s.tcpConns[c] = p
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serveConn(c, p)
	}
}

// serveConn reads length-prefixed queries from c (RFC 1035 4.2.2) and answers each in its own
// goroutine, so a hung query does not hold up the next one. When the client closes (or half
// closes) the connection, its queries still in flight are dropped.
func (s *Server) serveConn(c net.Conn, p *peer) {
	defer s.wg.Done()
	defer func() {
		s.leave(p)
		c.Close()
		s.mu.Lock()
		delete(s.tcpConns, c)
		s.mu.Unlock()
	}()
	var writeMu sync.Mutex
	r := bufio.NewReader(c)
	for {
		var length [2]byte
		if _, err := io.ReadFull(r, length[:]); err != nil {
			return
		}
		msg := make([]byte, int(length[0])<<8|int(length[1]))
		if _, err := io.ReadFull(r, msg); err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handle(msg, p, false, func(b []byte) {
				framed := append([]byte{byte(len(b) >> 8), byte(len(b))}, b...)
				writeMu.Lock()
				defer writeMu.Unlock()
				c.Write(framed)
			})
		}()
	}
}

// handle answers one message from peer p (nil: a UDP client that cannot be seen to go away)
// with send, unless it is hung, or dropped because p went away or the server closed.
func (s *Server) handle(msg []byte, p *peer, overUDP bool, send func([]byte)) {
	var parser dnsmessage.Parser
	h, err := parser.Start(msg)
	if err != nil || h.Response {
		return // not a query: ignore it, as a server does
	}
	q, err := parser.Question()
	if err != nil {
		send(s.reply(dnsmessage.Header{ID: h.ID, RCode: dnsmessage.RCodeFormatError}, nil, overUDP, minUDPSize))
		return
	}
	limit := minUDPSize
	if parser.SkipAllQuestions() == nil && parser.SkipAllAnswers() == nil && parser.SkipAllAuthorities() == nil {
		for {
			ah, err := parser.AdditionalHeader()
			if err != nil {
				break
			}
			if ah.Type == dnsmessage.TypeOPT {
				limit = max(limit, int(ah.Class)) // an OPT record's class is its UDP payload size
			}
			if parser.SkipAdditional() != nil {
				break
			}
		}
	}

	name := canonical(q.Name.String())
	s.mu.Lock()
	s.queries[name]++
	s.total++
	if p != nil && p.left {
		// The client went away before its query was read (its context ended).
		s.mu.Unlock()
		return
	}
	hang, delay := s.hang[name], s.delay[name]
	qu := &query{peer: p}
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	if p != nil {
		p.pending[qu] = struct{}{}
	}
	s.mu.Unlock()

	var gone chan struct{} // nil, never ready, when p is nil
	if p != nil {
		gone = p.gone
	}
	switch {
	case hang:
		select {
		case <-s.done:
		case <-gone:
		}
		s.finish(qu)
		return
	case delay > 0:
		timer := time.NewTimer(delay)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-s.done:
			s.finish(qu)
			return
		case <-gone:
			s.finish(qu)
			return
		}
	}
	if s.finish(qu) {
		send(s.reply(h, &q, overUDP, limit))
	}
}

// finish takes q out of flight. It reports false when q had already left (its client went away).
func (s *Server) finish(q *query) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q.done {
		return false
	}
	q.done = true
	s.inFlight--
	if q.peer != nil {
		delete(q.peer.pending, q)
	}
	return true
}

// leave records that p went away: its queries in flight are dropped.
func (s *Server) leave(p *peer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.left {
		return
	}
	p.left = true
	for q := range p.pending {
		q.done = true
		s.inFlight--
	}
	clear(p.pending)
	close(p.gone)
}
