package dnstest_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/dns/dnsmessage"

	"github.com/kata-go/concurrency/harness"
	"github.com/kata-go/concurrency/harness/dnstest"
)

func TestMain(m *testing.M) { harness.Main(m) }

// lookupTimeout bounds every lookup on the failure path: an answer takes microseconds.
const lookupTimeout = 3 * time.Second

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, a := range s {
		out[i] = netip.MustParseAddr(a)
	}
	return out
}

func lookup(t *testing.T, srv *dnstest.Server, network, name string) ([]netip.Addr, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	return srv.Resolver().LookupNetIP(ctx, network, name)
}

// waitFor polls cond until it holds, failing t after a bound.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if !harness.Poll(cond) {
		t.Fatalf("waited %v for %s", harness.Bound(), what)
	}
}

func TestServer_AnswersAAndAAAA(t *testing.T) {
	harness.VerifyNoLeaks(t)
	v4, v6 := addrs("198.51.100.7", "203.0.113.9"), addrs("2001:db8::7")
	srv := dnstest.Start(t, map[string][]netip.Addr{"both.example.test.": append(v4, v6...)})

	got, err := lookup(t, srv, "ip4", "both.example.test.")
	require.NoError(t, err, "LookupNetIP(ip4)")
	assert.ElementsMatch(t, v4, got, "LookupNetIP(ip4)")

	got, err = lookup(t, srv, "ip6", "both.example.test.")
	require.NoError(t, err, "LookupNetIP(ip6)")
	assert.ElementsMatch(t, v6, got, "LookupNetIP(ip6)")

	got, err = lookup(t, srv, "ip", "Both.EXAMPLE.test.")
	require.NoError(t, err, "LookupNetIP(ip) with the name in another case")
	assert.ElementsMatch(t, append(v4, v6...), got, "LookupNetIP(ip)")

	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	ipAddrs, err := srv.Resolver().LookupIPAddr(ctx, "both.example.test.")
	require.NoError(t, err, "LookupIPAddr")
	var viaIPAddr []netip.Addr
	for _, a := range ipAddrs {
		ip, ok := netip.AddrFromSlice(a.IP)
		require.True(t, ok, "LookupIPAddr returned %v", a)
		viaIPAddr = append(viaIPAddr, ip.Unmap())
	}
	assert.ElementsMatch(t, append(v4, v6...), viaIPAddr, "LookupIPAddr")
}

func TestServer_EmptyAnswerIsNoRecordsNotALameReferral(t *testing.T) {
	harness.VerifyNoLeaks(t)
	srv := dnstest.Start(t, map[string][]netip.Addr{"v4only.example.test.": addrs("198.51.100.1")})

	_, err := lookup(t, srv, "ip6", "v4only.example.test.")
	var dnsErr *net.DNSError
	require.ErrorAs(t, err, &dnsErr, "LookupNetIP(ip6) of a name with only A records")
	assert.True(t, dnsErr.IsNotFound, "LookupNetIP(ip6) of a name with only A records: %v, want not found (a lame referral is not)", err)
	assert.Equal(t, 1, srv.Queries("v4only.example.test."), "queries for one ip6 lookup: a lame referral is retried")

	got, err := lookup(t, srv, "ip", "v4only.example.test.")
	require.NoError(t, err, "LookupNetIP(ip) of a name with only A records")
	assert.Equal(t, addrs("198.51.100.1"), got)
}

func TestServer_UnknownNameIsNotFound(t *testing.T) {
	harness.VerifyNoLeaks(t)
	srv := dnstest.Start(t, nil)

	_, err := lookup(t, srv, "ip", "nowhere.example.test.")
	var dnsErr *net.DNSError
	require.ErrorAs(t, err, &dnsErr, "LookupNetIP of an unknown name")
	assert.True(t, dnsErr.IsNotFound, "LookupNetIP of an unknown name: %v, want IsNotFound", err)
	assert.False(t, dnsErr.IsTimeout, "LookupNetIP of an unknown name: %v, want no timeout", err)
}

func TestServer_EmptyNameExists(t *testing.T) {
	harness.VerifyNoLeaks(t)
	srv := dnstest.Start(t, map[string][]netip.Addr{"empty.example.test.": nil})

	_, err := lookup(t, srv, "ip4", "empty.example.test.")
	var dnsErr *net.DNSError
	require.ErrorAs(t, err, &dnsErr, "LookupNetIP of a name without addresses")
	assert.True(t, dnsErr.IsNotFound, "LookupNetIP of a name without addresses: %v", err)
}

func TestServer_CountsQueriesPerNameAnyCase(t *testing.T) {
	harness.VerifyNoLeaks(t)
	srv := dnstest.Start(t, map[string][]netip.Addr{
		"a.example.test.": addrs("198.51.100.1"),
		"b.example.test.": addrs("198.51.100.2"),
	})
	for range 3 {
		_, err := lookup(t, srv, "ip4", "A.Example.Test.")
		require.NoError(t, err)
	}
	_, err := lookup(t, srv, "ip4", "c.example.test.")
	require.Error(t, err)

	assert.Equal(t, 3, srv.Queries("a.example.test."), "Queries(a.example.test.)")
	assert.Equal(t, 3, srv.Queries("A.EXAMPLE.TEST"), "Queries(A.EXAMPLE.TEST), unrooted, other case")
	assert.Equal(t, 0, srv.Queries("b.example.test."), "Queries of a name never asked")
	assert.Equal(t, 1, srv.Queries("c.example.test."), "Queries of an unknown name")
	assert.Equal(t, 4, srv.TotalQueries(), "TotalQueries")
	assert.Equal(t, 0, srv.InFlight(), "InFlight once every lookup has its answer")
	assert.Equal(t, 1, srv.MaxInFlight(), "MaxInFlight of one lookup at a time")
}

func TestServer_HungNameEndsWithTheCallersContext(t *testing.T) {
	// The leak check is the point: Go's resolver would wait seconds for an answer, were the
	// connection not closed when the caller's context ends.
	harness.VerifyNoLeaks(t)
	srv := dnstest.Start(t, map[string][]netip.Addr{"slow.example.test.": addrs("198.51.100.1")})
	srv.Hang("slow.example.test.")

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := srv.Resolver().LookupNetIP(ctx, "ip", "slow.example.test.")
	elapsed := time.Since(start)
	var dnsErr *net.DNSError
	require.ErrorAs(t, err, &dnsErr, "LookupNetIP of a hung name")
	assert.True(t, dnsErr.IsTimeout, "LookupNetIP of a hung name: %v, want a timeout", err)
	assert.Less(t, elapsed, 2*time.Second, "LookupNetIP of a hung name with a 100ms context took %v", elapsed)
	waitFor(t, "InFlight() == 0 after the lookup gave up", func() bool { return srv.InFlight() == 0 })
	assert.LessOrEqual(t, srv.MaxInFlight(), 2, "MaxInFlight of one lookup (A and AAAA)")
}

func TestServer_InFlightSeesConcurrentQueries(t *testing.T) {
	harness.VerifyNoLeaks(t)
	srv := dnstest.Start(t, nil)
	k := 2 + harness.Rand(t).IntN(5)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, k)
	for i := range k {
		// Distinct names: Go's resolver merges concurrent lookups of one name into one.
		name := fmt.Sprintf("hung%d.example.test.", i)
		srv.Hang(name)
		wg.Go(func() { _, errs[i] = srv.Resolver().LookupNetIP(ctx, "ip4", name) })
	}
	waitFor(t, fmt.Sprintf("InFlight() == %d with %d lookups of hung names (it is %d)", k, k, srv.InFlight()),
		func() bool { return srv.InFlight() == k })
	assert.Equal(t, k, srv.MaxInFlight(), "MaxInFlight")
	cancel()
	wg.Wait()
	for i, err := range errs {
		assert.Error(t, err, "lookup %d of a hung name after cancel", i)
	}
	waitFor(t, "InFlight() == 0 once the lookups gave up", func() bool { return srv.InFlight() == 0 })
	assert.Equal(t, k, srv.MaxInFlight(), "MaxInFlight keeps its peak")
}

func TestServer_DelayAnswersLate(t *testing.T) {
	harness.VerifyNoLeaks(t)
	srv := dnstest.Start(t, map[string][]netip.Addr{"late.example.test.": addrs("203.0.113.5")})
	const d = 50 * time.Millisecond
	srv.Delay("late.example.test.", d)

	start := time.Now()
	got, err := lookup(t, srv, "ip4", "late.example.test.")
	require.NoError(t, err, "LookupNetIP of a delayed name")
	assert.Equal(t, addrs("203.0.113.5"), got)
	assert.GreaterOrEqual(t, time.Since(start), d, "a lookup of a name delayed %v", d)
	assert.Equal(t, 0, srv.InFlight(), "InFlight once the answer is in")
	assert.Panics(t, func() { srv.Delay("x.example.test.", 0) }, "Delay(0)")
}

func TestServer_LongAnswerFallsBackToTCP(t *testing.T) {
	harness.VerifyNoLeaks(t)
	var many []netip.Addr
	for i := range 64 {
		many = append(many, netip.MustParseAddr(fmt.Sprintf("2001:db8::%x", i+1)))
	}
	srv := dnstest.Start(t, map[string][]netip.Addr{"many.example.test.": many})

	got, err := lookup(t, srv, "ip6", "many.example.test.")
	require.NoError(t, err, "LookupNetIP of a name with 64 AAAA records")
	assert.ElementsMatch(t, many, got)
	assert.Equal(t, 2, srv.Queries("many.example.test."), "queries: a truncated answer over UDP, then the whole one over TCP")
}

func TestServer_ResolverDialSpeaksTCP(t *testing.T) {
	harness.VerifyNoLeaks(t)
	srv := dnstest.Start(t, map[string][]netip.Addr{"tcp.example.test.": addrs("198.51.100.3", "2001:db8::3")})
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()

	// The address is ignored: the Dial reaches only the test server.
	c, err := srv.Resolver().Dial(ctx, "tcp", "198.51.100.53:53")
	require.NoError(t, err, "Resolver().Dial(tcp)")
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(lookupTimeout)))

	name := dnsmessage.MustNewName("TCP.example.test.")
	b := dnsmessage.NewBuilder(make([]byte, 2, 512), dnsmessage.Header{ID: 4242, RecursionDesired: true})
	require.NoError(t, b.StartQuestions())
	require.NoError(t, b.Question(dnsmessage.Question{Name: name, Type: dnsmessage.TypeAAAA, Class: dnsmessage.ClassINET}))
	msg, err := b.Finish()
	require.NoError(t, err)
	msg[0], msg[1] = byte((len(msg)-2)>>8), byte(len(msg)-2)
	_, err = c.Write(msg)
	require.NoError(t, err, "writing a query")

	var length [2]byte
	_, err = io.ReadFull(c, length[:])
	require.NoError(t, err, "reading the answer's length")
	answer := make([]byte, int(length[0])<<8|int(length[1]))
	_, err = io.ReadFull(c, answer)
	require.NoError(t, err, "reading the answer")

	var p dnsmessage.Parser
	h, err := p.Start(answer)
	require.NoError(t, err)
	assert.Equal(t, uint16(4242), h.ID)
	assert.True(t, h.Response && h.Authoritative, "header %+v", h)
	require.NoError(t, p.SkipAllQuestions())
	rrs, err := p.AllAnswers()
	require.NoError(t, err)
	require.Len(t, rrs, 1, "answers to AAAA")
	aaaa, ok := rrs[0].Body.(*dnsmessage.AAAAResource)
	require.True(t, ok, "answer %v", rrs[0])
	assert.Equal(t, netip.MustParseAddr("2001:db8::3"), netip.AddrFrom16(aaaa.AAAA))
}

func TestServer_CloseDropsHungQueriesAndIsIdempotent(t *testing.T) {
	harness.VerifyNoLeaks(t)
	srv := dnstest.NewServer(nil)
	srv.Hang("hung.example.test.")

	// A plain UDP client, which the server cannot see go away: only Close ends its query.
	c, err := net.Dial("udp", srv.Addr())
	require.NoError(t, err)
	defer c.Close()
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: 1})
	require.NoError(t, b.StartQuestions())
	require.NoError(t, b.Question(dnsmessage.Question{Name: dnsmessage.MustNewName("hung.example.test."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}))
	msg, err := b.Finish()
	require.NoError(t, err)
	_, err = c.Write(msg)
	require.NoError(t, err)
	waitFor(t, "InFlight() == 1", func() bool { return srv.InFlight() == 1 })

	srv.Close()
	assert.Equal(t, 0, srv.InFlight(), "InFlight after Close")
	srv.Close()

	_, err = srv.Resolver().Dial(context.Background(), "udp", "198.51.100.53:53")
	assert.Error(t, err, "Resolver().Dial after Close")
}

func TestNewServer_RefusesAddressesOfRealHosts(t *testing.T) {
	harness.VerifyNoLeaks(t)
	for _, a := range []string{"192.0.2.1", "8.8.8.8", "10.0.0.1", "2606:4700::1111"} {
		func() {
			defer func() {
				r := recover()
				require.NotNil(t, r, "NewServer with %s did not panic", a)
				assert.True(t, strings.HasPrefix(fmt.Sprint(r), "dnstest: "), "panic %q", r)
				assert.Contains(t, fmt.Sprint(r), a)
			}()
			srv := dnstest.NewServer(map[string][]netip.Addr{"real.example.test.": addrs(a)})
			srv.Close()
		}()
	}
	for _, a := range []string{"127.0.0.1", "::1", "198.51.100.255", "203.0.113.0", "2001:db8:ffff::1"} {
		srv := dnstest.NewServer(map[string][]netip.Addr{"ok.example.test.": addrs(a)})
		srv.Close()
	}
}
