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
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
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
