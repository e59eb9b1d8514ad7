// Package dnstest runs a DNS server on loopback for tests, in the spirit of net/http/httptest.
//
// Start (or NewServer) serves the A and AAAA records of a zone over UDP and TCP on one loopback
// port, and Server.Resolver returns a *net.Resolver that asks that server and nothing else: not
// the machine's nameservers, whatever /etc/resolv.conf says. The server also misbehaves on
// request (a name that never answers, a name that answers late) and counts what it sees (queries
// per name, queries in flight and their peak), so a test can check how code under test uses DNS.
//
// Names are compared without regard to case and are always rooted: "Example.TEST" and
// "example.test." are the same name. Look names up rooted ("example.test.") so that the search
// list of /etc/resolv.conf never applies. Go's resolver still reads that file for its options
// (ndots, timeout, attempts) and reads /etc/hosts before asking DNS, so test names belong to the
// reserved .test domain, which neither file should mention.
//
// Records hold only documentation addresses (198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) or
// loopback addresses: Go's resolver sorts several answers by connecting a UDP socket to each
// address (no packet is sent), so a record must never name a real host.
package dnstest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// minUDPSize is the longest answer sent over UDP to a query without EDNS(0) (RFC 1035). A longer
// answer, or one longer than the size a query's EDNS(0) record announces, is sent truncated
// (the TC bit set, no records), and the client asks again over TCP.
const minUDPSize = 512

// ttl is the time to live, in seconds, of every record served.
const ttl = 60

// allowed are the only networks a record may name.
var allowed = []netip.Prefix{
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("::1/128"),
}

// errClosed is what the Resolver's Dial returns once the server is closed.
var errClosed = errors.New("dnstest: server closed")

// A Server is a DNS server listening on a loopback port for tests. It answers queries of class
// IN: A and AAAA queries with the zone's addresses of that family, any other type with no
// records; a name that is not in the zone gets NXDOMAIN. Every answer is authoritative and says
// recursion is available, so an empty answer (a name that has A records, asked for AAAA) is
// "no records", never a lame referral.
//
// Its methods are safe for concurrent use. Close it when done (Start does it at the test's
// cleanup).
type Server struct {
	udp      *net.UDPConn
	tcp      net.Listener
	addr     string
	zone     map[string][]netip.Addr // read-only once started
	resolver *net.Resolver

	done      chan struct{} // closed by Close
	wg        sync.WaitGroup
	closeOnce sync.Once

	mu          sync.Mutex
	closed      bool
	hang        map[string]bool
	delay       map[string]time.Duration
	queries     map[string]int
	total       int
	inFlight    int
	maxInFlight int
	udpPeers    map[netip.AddrPort]*peer // UDP sockets dialled by Resolver, by their address
	tcpConns    map[net.Conn]*peer
}

// A peer is one client socket the server can see go away: a TCP connection, or a UDP socket
// dialled by Resolver (whose Close tells the server).
type peer struct {
	gone    chan struct{} // closed when the peer has gone
	left    bool          // guarded by Server.mu
	pending map[*query]struct{}
}

func newPeer() *peer {
	return &peer{gone: make(chan struct{}), pending: make(map[*query]struct{})}
}

// A query is one question in flight.
type query struct {
	peer *peer // nil for a UDP client the server cannot see go away
	done bool  // answered, or dropped; guarded by Server.mu
}

// NewServer starts a Server on 127.0.0.1 (on [::1] if that fails), UDP and TCP on the same port,
// serving zone: each name's addresses, A records for the IPv4 ones and AAAA records for the IPv6
// ones. A name with no addresses exists (it gets empty answers, not NXDOMAIN). The zone is copied.
//
// The caller must call Close. NewServer panics when it cannot listen, and when an address is
// neither loopback nor in 198.51.100.0/24, 203.0.113.0/24 or 2001:db8::/32. In a test, use Start.
func NewServer(zone map[string][]netip.Addr) *Server {
	s, err := newServer(zone)
	if err != nil {
		panic("dnstest: " + err.Error())
	}
	return s
}

// Start is NewServer for a test: a failure to listen fails t, and Close runs at t's cleanup.
func Start(t testing.TB, zone map[string][]netip.Addr) *Server {
	t.Helper()
	s, err := newServer(zone)
	if err != nil {
		t.Fatalf("dnstest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func newServer(zone map[string][]netip.Addr) (*Server, error) {
	s := &Server{
		zone:     make(map[string][]netip.Addr, len(zone)),
		done:     make(chan struct{}),
		hang:     make(map[string]bool),
		delay:    make(map[string]time.Duration),
		queries:  make(map[string]int),
		udpPeers: make(map[netip.AddrPort]*peer),
		tcpConns: make(map[net.Conn]*peer),
	}
	for name, addrs := range zone {
		key := canonical(name)
		for _, a := range addrs {
			if !isAllowed(a) {
				panic(fmt.Sprintf("dnstest: the addresses of %s must be loopback or in 198.51.100.0/24, 203.0.113.0/24 or 2001:db8::/32, got %v", key, a))
			}
			s.zone[key] = append(s.zone[key], a.Unmap())
		}
		if s.zone[key] == nil {
			s.zone[key] = []netip.Addr{}
		}
	}
	var err error
	s.udp, s.tcp, err = listen()
	if err != nil {
		return nil, err
	}
	s.addr = s.udp.LocalAddr().String()
	s.resolver = &net.Resolver{PreferGo: true, Dial: s.dial}
	s.wg.Add(2)
	go s.serveUDP()
	go s.serveTCP()
	return s, nil
}

// listen opens a UDP socket and a TCP listener on the same loopback port.
func listen() (*net.UDPConn, net.Listener, error) {
	var last error
	for _, host := range []string{"127.0.0.1", "::1"} {
		for range 20 {
			u, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(host)})
			if err != nil {
				last = err
				break
			}
			port := u.LocalAddr().(*net.UDPAddr).Port
			l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
			if err == nil {
				return u, l, nil
			}
			u.Close() // the TCP port is taken: try another port
			last = err
		}
	}
	return nil, nil, fmt.Errorf("cannot listen on a loopback port for UDP and TCP: %w", last)
}

func isAllowed(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range allowed {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// canonical is name in lower case, rooted.
func canonical(name string) string {
	name = strings.ToLower(name)
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}

// Addr returns the server's address, "127.0.0.1:port" (or "[::1]:port"), the same for UDP and
// TCP.
func (s *Server) Addr() string { return s.addr }

// Resolver returns a resolver that asks only this server (always the same *net.Resolver). It uses
// Go's own DNS client (PreferGo), and its Dial ignores the nameserver address Go asks for and
// connects to Addr, over UDP or TCP as Go asks (Go switches to TCP when a UDP answer comes back
// truncated). A connection it dials is closed as soon as the lookup's context is done, so a
// lookup the caller gave up on leaves no goroutine of Go's resolver waiting for an answer. After
// Close, its Dial fails.
//
// Go's resolver still consults /etc/hosts first, and the options (not the nameservers) of
// /etc/resolv.conf: look up rooted names of the .test domain, and bound every lookup of a name
// that never answers with the caller's context (Go's own per-try timeout is seconds).
func (s *Server) Resolver() *net.Resolver { return s.resolver }

// Hang makes name a name that never answers: the server reads its queries and sends nothing.
// Such a query stays in flight until its client goes away (the client closes its TCP
// connection, or a UDP socket dialled by Resolver is closed) or until Close. Hang overrides Delay.
func (s *Server) Hang(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hang[canonical(name)] = true
}

// Delay makes the server answer each query for name d after reading it (the answer itself is
// unchanged: records, or NXDOMAIN). The query is in flight meanwhile, unless its client goes away
// first (as for Hang), which drops it unanswered. Delay panics when d is not positive.
func (s *Server) Delay(name string, d time.Duration) {
	if d <= 0 {
		panic(fmt.Sprintf("dnstest: Delay of %s must be positive, got %v", canonical(name), d))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay[canonical(name)] = d
}

// Queries returns how many questions for name the server has read, of any type, over UDP and
// TCP, answered or not. A lookup through Go's resolver usually asks two questions of a name
// (A and AAAA), more when it retries or falls back to TCP.
func (s *Server) Queries(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries[canonical(name)]
}

// TotalQueries returns how many questions the server has read, for every name.
func (s *Server) TotalQueries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// InFlight returns how many queries the server is answering right now: read, not yet answered,
// and not dropped. A query leaves the count just before its answer is sent, so a client that has
// its answer never finds its query still counted. Queries of a name that never answers (Hang) or
// answers late (Delay) stay counted until their client goes away or Close.
func (s *Server) InFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inFlight
}

// MaxInFlight returns the largest value InFlight has had since the server started.
func (s *Server) MaxInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxInFlight
}

// Close stops the server: it closes both listeners and every TCP connection, drops the queries
// in flight (a hung query is never answered), and returns once every goroutine the server started
// has ended. Calling it again does nothing; a call made while Close runs waits for it to finish.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		conns := make([]net.Conn, 0, len(s.tcpConns))
		for c := range s.tcpConns {
			conns = append(conns, c)
		}
		s.mu.Unlock()
		close(s.done)
		s.udp.Close()
		s.tcp.Close()
		for _, c := range conns {
			c.Close()
		}
		s.wg.Wait()
	})
}

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

// reply builds the answer to question q of a query with header h (q nil: a format error).
func (s *Server) reply(h dnsmessage.Header, q *dnsmessage.Question, overUDP bool, limit int) []byte {
	hdr := dnsmessage.Header{
		ID:                 h.ID,
		Response:           true,
		OpCode:             h.OpCode,
		Authoritative:      true,
		RecursionDesired:   h.RecursionDesired,
		RecursionAvailable: true,
		RCode:              h.RCode,
	}
	var answers []netip.Addr
	if q != nil {
		addrs, ok := s.zone[canonical(q.Name.String())]
		switch {
		case h.OpCode != 0:
			hdr.RCode = dnsmessage.RCodeNotImplemented
		case !ok:
			hdr.RCode = dnsmessage.RCodeNameError
		case q.Class == dnsmessage.ClassINET || q.Class == dnsmessage.ClassANY:
			for _, a := range addrs {
				if (q.Type == dnsmessage.TypeA || q.Type == dnsmessage.TypeALL) && a.Is4() ||
					(q.Type == dnsmessage.TypeAAAA || q.Type == dnsmessage.TypeALL) && a.Is6() {
					answers = append(answers, a)
				}
			}
		}
	}
	b := build(hdr, q, answers)
	if overUDP && len(b) > limit {
		hdr.Truncated = true
		b = build(hdr, q, nil)
	}
	return b
}

func build(hdr dnsmessage.Header, q *dnsmessage.Question, answers []netip.Addr) []byte {
	b := dnsmessage.NewBuilder(make([]byte, 0, 512), hdr)
	b.EnableCompression()
	// The builder fails only on a misuse of its API or a message over 64 KiB; neither can happen
	// here with a question that parsed and at most a few thousand records.
	must(b.StartQuestions())
	if q != nil {
		must(b.Question(*q))
	}
	must(b.StartAnswers())
	for _, a := range answers {
		rh := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: ttl}
		if a.Is4() {
			must(b.AResource(rh, dnsmessage.AResource{A: a.As4()}))
		} else {
			must(b.AAAAResource(rh, dnsmessage.AAAAResource{AAAA: a.As16()}))
		}
	}
	msg, err := b.Finish()
	must(err)
	return msg
}

func must(err error) {
	if err != nil {
		panic("dnstest: building an answer: " + err.Error())
	}
}

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
