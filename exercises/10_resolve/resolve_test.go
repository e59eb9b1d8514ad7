package resolve_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	resolve "github.com/kata-go/concurrency/exercises/10_resolve"
	"github.com/kata-go/concurrency/harness"
	"github.com/kata-go/concurrency/harness/dnstest"
)

func TestMain(m *testing.M) { harness.Main(m) }

// Task 1: SocketAddrs.

func TestSocketAddrs_PortErrorsAreDistinctSentinels(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		// errors.Is(nil, nil) is true: a nil sentinel would match a nil error, and prove nothing.
		require.Error(t, resolve.ErrMissingPort, "ErrMissingPort is nil: declare it with errors.New")
		require.Error(t, resolve.ErrInvalidPort, "ErrInvalidPort is nil: declare it with errors.New")
		require.NotErrorIs(t, resolve.ErrMissingPort, resolve.ErrInvalidPort, "ErrMissingPort matches ErrInvalidPort: want two distinct errors")
		require.NotErrorIs(t, resolve.ErrInvalidPort, resolve.ErrMissingPort, "ErrInvalidPort matches ErrMissingPort: want two distinct errors")

		z := newZone(t)
		name := z.name(1, 1)
		srv := dnstest.Start(t, z.names)
		for _, c := range []struct {
			input     string
			want, not portError
		}{
			{name, missingPort(), invalidPort()},
			{name + ":http", invalidPort(), missingPort()},
		} {
			got, err := socketAddrs(srv.Resolver(), c.input)
			require.Error(t, err, "SocketAddrs(%q) = %v, nil: want an error matching %s", c.input, got, c.want.name)
			assert.ErrorIs(t, err, c.want.err, "SocketAddrs(%q) = %v: want an error matching %s", c.input, err, c.want.name)
			assert.NotErrorIs(t, err, c.not.err, "SocketAddrs(%q) = %v: want an error that does not match %s", c.input, err, c.not.name)
		}
	})
}

func TestSocketAddrs_EveryAddressWithThePort(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		z := newZone(t)
		both := z.name(1+z.r.IntN(3), 1+z.r.IntN(3))
		only4 := z.name(1+z.r.IntN(3), 0)
		only6 := z.name(0, 1+z.r.IntN(3))
		srv := dnstest.Start(t, z.names)

		for _, name := range []string{both, only4, only6} {
			port := z.port()
			input := hostport(name, port)
			got, err := socketAddrs(srv.Resolver(), input)
			require.NoError(t, err, "SocketAddrs(%q)", input)
			checkNoMappedIPv4(t, fmt.Sprintf("SocketAddrs(%q)", input), got)
			assert.ElementsMatch(t, z.want(name, port), got, "SocketAddrs(%q): every address of the name, each with port %d", input, port)
		}
	})
}

func TestSocketAddrs_IPv4BeforeIPv6(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		z := newZone(t)
		// Loopback addresses too: Go's resolver puts ::1 before any IPv4 address (RFC 6724), so
		// an answer left in the resolver's order has IPv6 first.
		name := z.name(1+z.r.IntN(2), 1+z.r.IntN(2))
		z.names[name] = append(z.names[name], netip.AddrFrom4([4]byte{127, 0, 0, byte(2 + z.r.IntN(250))}), netip.IPv6Loopback())
		srv := dnstest.Start(t, z.names)

		port := z.port()
		input := hostport(name, port)
		got, err := socketAddrs(srv.Resolver(), input)
		require.NoError(t, err, "SocketAddrs(%q)", input)
		require.ElementsMatch(t, z.want(name, port), got, "SocketAddrs(%q)", input)
		if raw, err := srv.Resolver().LookupNetIP(context.Background(), "ip", name); err == nil && len(raw) > 0 && raw[0].Unmap().Is4() {
			t.Logf("this machine's resolver already puts IPv4 first (%v; no IPv6 loopback?): here the test cannot tell a solution that sorts from one that does not", raw)
		}
		seen6 := false
		for _, ap := range got {
			if ap.Addr().Is6() {
				seen6 = true
			} else if seen6 {
				t.Errorf("SocketAddrs(%q) = %v: IPv4 address %v comes after an IPv6 one, want every IPv4 address first", input, got, ap)
				break
			}
		}
	})
}

func TestSocketAddrs_IPLiteralNeedsNoLookup(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		z := newZone(t)
		srv := dnstest.Start(t, z.names)
		v4 := netip.AddrFrom4([4]byte{198, 51, 100, byte(1 + z.r.IntN(254))})
		v6 := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(1 + z.r.IntN(255))})
		for _, want := range []netip.AddrPort{
			netip.AddrPortFrom(v4, z.port()),
			netip.AddrPortFrom(v6, z.port()),
			netip.AddrPortFrom(netip.MustParseAddr("203.0.113.7"), 0),
			netip.AddrPortFrom(netip.IPv6Loopback(), 65535),
		} {
			input := want.String() // "198.51.100.7:80", "[2001:db8::1]:443"
			got, err := socketAddrs(srv.Resolver(), input)
			require.NoError(t, err, "SocketAddrs(%q)", input)
			checkNoMappedIPv4(t, fmt.Sprintf("SocketAddrs(%q)", input), got)
			assert.Equal(t, []netip.AddrPort{want}, got, "SocketAddrs(%q)", input)
		}
		// An IPv4 address written in its IPv4-mapped IPv6 form is still an IPv4 address.
		mapped := netip.AddrFrom4([4]byte{203, 0, 113, byte(1 + z.r.IntN(254))})
		port := z.port()
		input := fmt.Sprintf("[::ffff:%s]:%d", mapped, port)
		got, err := socketAddrs(srv.Resolver(), input)
		require.NoError(t, err, "SocketAddrs(%q)", input)
		assert.Equal(t, []netip.AddrPort{netip.AddrPortFrom(mapped, port)}, got, "SocketAddrs(%q): an IPv4 address comes back as a 4-byte address, even written as an IPv4-mapped literal (netip.Addr.Unmap)", input)
		assert.Zero(t, srv.TotalQueries(), "DNS queries sent for IP literals, want none: parse the host as an IP address first")
	})
}

func TestSocketAddrs_MissingPortIsErrMissingPort(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		z := newZone(t)
		name := z.name(1, 1)
		srv := dnstest.Start(t, z.names)
		for _, input := range []string{
			name,
			strings.TrimSuffix(name, "."),
			fmt.Sprintf("198.51.100.%d", 1+z.r.IntN(254)),
			fmt.Sprintf("[2001:db8::%x]", 1+z.r.IntN(0xffff)),
		} {
			checkPortError(t, srv.Resolver(), input, missingPort(), invalidPort())
		}
	})
}

func TestSocketAddrs_InvalidPortIsErrInvalidPort(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		z := newZone(t)
		name := z.name(1, 1)
		srv := dnstest.Start(t, z.names)
		for _, input := range []string{
			name + ":http", // a service name is not a port here
			name + ":65536",
			name + ":-1",
			name + ":+80",  // digits only: no sign
			name + ":0x50", // and no base prefix
			fmt.Sprintf("%s:0o%o", name, 1+z.r.IntN(0o777)),
			name + ":",
			fmt.Sprintf("%s:%d", name, 65536+z.r.IntN(100000)),
			"198.51.100.7:99999",
			"[2001:db8::1]:https",
		} {
			checkPortError(t, srv.Resolver(), input, invalidPort(), missingPort())
		}
	})
}

func TestSocketAddrs_UnknownNameIsNotFound(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		z := newZone(t)
		z.name(1, 1)
		srv := dnstest.Start(t, z.names)
		input := hostport(z.missing(), z.port())
		got, err := socketAddrs(srv.Resolver(), input)
		var dnsErr *net.DNSError
		require.ErrorAs(t, err, &dnsErr, "SocketAddrs(%q) = %v, %v: want an error that is a *net.DNSError (wrap it with %%w, or return it)", input, got, err)
		assert.True(t, dnsErr.IsNotFound, "SocketAddrs(%q): *net.DNSError %v has IsNotFound false, want true", input, dnsErr)
		assert.Empty(t, got, "SocketAddrs(%q) with an error", input)
	})
}

// Task 2: ResolveAll.

func TestResolveAll_ResultsInInputOrder(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		z := newZone(t)
		first := z.name(1, 1)
		names := []string{first}
		for range 3 + z.r.IntN(3) {
			names = append(names, z.name(z.r.IntN(3), 1+z.r.IntN(2)))
		}
		srv := dnstest.Start(t, z.names)
		// The first input answers last, so the lookups do not finish in input order.
		srv.Delay(first, 150*time.Millisecond)

		inputs := []string{}
		ports := map[string]uint16{}
		for _, name := range names {
			ports[name] = z.port()
			inputs = append(inputs, hostport(name, ports[name]))
		}
		literal := netip.AddrPortFrom(netip.AddrFrom4([4]byte{203, 0, 113, byte(1 + z.r.IntN(254))}), z.port())
		missing := hostport(z.missing(), z.port())
		inputs = append(inputs, literal.String(), missing, strings.TrimSuffix(names[1], "."))
		z.r.Shuffle(len(inputs)-1, func(i, j int) { inputs[i+1], inputs[j+1] = inputs[j+1], inputs[i+1] })

		workers := 2 + z.r.IntN(3)
		call := fmt.Sprintf("ResolveAll(%d inputs, workers=%d)", len(inputs), workers)
		results, _ := resolveAll(srv.Resolver(), inputs, workers, harness.Bound())
		checkInputs(t, call, inputs, results)
		for _, res := range results {
			switch {
			case res.Input == literal.String():
				assert.NoError(t, res.Err, "%s: Result for %q", call, res.Input)
				assert.Equal(t, []netip.AddrPort{literal}, res.Addrs, "%s: Result for %q", call, res.Input)
			case res.Input == missing:
				var dnsErr *net.DNSError
				if assert.ErrorAs(t, res.Err, &dnsErr, "%s: Result for %q, a name that does not exist", call, res.Input) {
					assert.True(t, dnsErr.IsNotFound, "%s: Result for %q: IsNotFound", call, res.Input)
				}
			case res.Input == strings.TrimSuffix(names[1], "."):
				if assert.Error(t, res.Err, "%s: Result for %q, an input without a port", call, res.Input) {
					assert.ErrorIs(t, res.Err, resolve.ErrMissingPort, "%s: Result for %q", call, res.Input)
				}
			default:
				name, _, _ := strings.Cut(res.Input, ".:")
				name += "."
				assert.NoError(t, res.Err, "%s: Result for %q", call, res.Input)
				assert.ElementsMatch(t, z.want(name, ports[name]), res.Addrs, "%s: Result for %q", call, res.Input)
			}
		}

		var noInputs []string
		empty, _ := resolveAll(srv.Resolver(), noInputs, workers, harness.Bound())
		assert.Empty(t, empty, "ResolveAll of no inputs")
	})
}

func TestResolveAll_NeverMoreThanWorkersLookupsAtOnce(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		z := newZone(t)
		workers := 1 + z.r.IntN(3)
		var inputs []string
		var names []string
		for range 2*workers + 1 {
			names = append(names, z.name(1, 1))
		}
		srv := dnstest.Start(t, z.names)
		for _, name := range names {
			// Every answer comes late, so lookups started together overlap at the server.
			srv.Delay(name, 80*time.Millisecond)
			inputs = append(inputs, hostport(name, 80))
		}

		call := fmt.Sprintf("ResolveAll(%d names, workers=%d)", len(inputs), workers)
		results, _ := resolveAll(srv.Resolver(), inputs, workers, harness.Bound())
		// A lookup through Go's resolver asks two questions at once (A and AAAA).
		assert.LessOrEqual(t, srv.MaxInFlight(), 2*workers,
			"%s: the DNS server saw %d queries at once, want at most %d (A and AAAA of at most %d lookups)", call, srv.MaxInFlight(), 2*workers, workers)
		checkInputs(t, call, inputs, results)
		for i, res := range results {
			assert.NoError(t, res.Err, "%s: Result for %q", call, inputs[i])
			assert.ElementsMatch(t, z.want(names[i], 80), res.Addrs, "%s: Result for %q", call, inputs[i])
		}
	})
}

func TestResolveAll_RunsWorkersLookupsAtOnce(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		z := newZone(t)
		workers := 2 + z.r.IntN(3)
		quick := z.name(1, 1) // answers at once: its worker is free again right away
		var hung []string
		for range workers + 1 + z.r.IntN(3) {
			hung = append(hung, z.name(1, 1))
		}
		srv := dnstest.Start(t, z.names)
		inputs := []string{hostport(quick, 443)}
		for _, name := range hung {
			srv.Hang(name)
			inputs = append(inputs, hostport(name, 443))
		}
		// asked is how many of the names that never answer the server has been asked about:
		// each is a lookup under way, and stays one until ctx is cancelled.
		asked := func() int {
			n := 0
			for _, name := range hung {
				if srv.Queries(name) > 0 {
					n++
				}
			}
			return n
		}

		ctx, cancel := context.WithCancel(context.Background()) // not t.Context(): it would hide a leak
		defer cancel()
		call := fmt.Sprintf("ResolveAll(%d inputs, the first answering at once and the others never, workers=%d, perLookup=1h)", len(inputs), workers)
		var results []resolve.Result
		returned := make(chan struct{})
		go func() {
			defer close(returned)
			results = resolve.ResolveAll(ctx, srv.Resolver(), inputs, workers, time.Hour)
		}()
		// Wait, within a bound, for workers lookups of names that never answer to be under way.
		harness.Poll(func() bool { return closed(returned) || asked() >= workers })
		underWay := asked()
		cancel() // the lookups in flight end, and the inputs still waiting for a worker too
		harness.Receive(t, returned, "%s: still running %v after ctx was cancelled: every lookup, and every wait for a free worker, must end with ctx", call, harness.Bound())
		assert.GreaterOrEqual(t, underWay, workers,
			"%s: only %d lookups of names that never answer were under way at once, want workers = %d: run workers lookups at a time, and start the next as soon as one ends (no batches)", call, underWay, workers)
		assert.LessOrEqual(t, underWay, workers,
			"%s: %d lookups of names that never answer were under way at once, want at most workers = %d", call, underWay, workers)
		checkInputs(t, call, inputs, results)
		assert.NoError(t, results[0].Err, "%s: Result for %q, the name that answers", call, inputs[0])
		assert.ElementsMatch(t, z.want(quick, 443), results[0].Addrs, "%s: Result for %q", call, inputs[0])
		for i, res := range results[1:] {
			assert.Error(t, res.Err, "%s: Result for %q, after ctx was cancelled", call, inputs[i+1])
		}
	})
}

func TestResolveAll_NameThatNeverAnswersCostsAtMostPerLookup(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		z := newZone(t)
		hung := z.name(1, 1)
		names := []string{hung, z.name(1, 1), z.name(1, 0), z.name(0, 1)}
		srv := dnstest.Start(t, z.names)
		srv.Hang(hung)
		var inputs []string
		for _, name := range names {
			inputs = append(inputs, hostport(name, 8080))
		}

		// One worker, the name that never answers first: it may cost perLookup, and then each
		// of the other lookups gets a perLookup of its own.
		const perLookup = 400 * time.Millisecond
		call := fmt.Sprintf("ResolveAll(%d names, the first never answering, workers=1, perLookup=%v)", len(inputs), perLookup)
		results, took := resolveAll(srv.Resolver(), inputs, 1, perLookup)
		assert.Less(t, took, harness.Bound()-time.Second, "%s took %v: each lookup must end after perLookup (context.WithTimeout)", call, took)
		checkInputs(t, call, inputs, results)
		for i, res := range results {
			if names[i] == hung {
				assert.Error(t, res.Err, "%s: Result for %q, the name that never answers", call, inputs[i])
				continue
			}
			assert.NoError(t, res.Err, "%s: Result for %q: the name that never answered must not hold up the others (perLookup bounds each lookup, not the whole call)", call, inputs[i])
			assert.ElementsMatch(t, z.want(names[i], 8080), res.Addrs, "%s: Result for %q", call, inputs[i])
		}
	})
}

// Every name answers slowly, and one worker looks them up one after another: each lookup must
// get its perLookup from when it starts, not from when ResolveAll was called or when its
// input was read. Whatever order the lookups run in, the third would run out of time if its
// clock had started with the first.
func TestResolveAll_EachLookupGetsItsOwnPerLookup(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		z := newZone(t)
		var names, inputs []string
		// With one worker, the k-th lookup served waits (k-1)·delay for it: a perLookup started
		// before that wait runs out for every k > perLookup/delay (12 here, so the last 4 names
		// fail whatever the order), while a right lookup has perLookup minus one or two answers'
		// delay (A and AAAA may be asked one after the other) to spare: a second, on a loaded
		// machine too. The whole call may take 16 lookups of two answers each.
		for range 16 {
			names = append(names, z.name(1, 0))
		}
		srv := dnstest.Start(t, z.names)
		const delay, perLookup = 100 * time.Millisecond, 1200 * time.Millisecond
		for _, name := range names {
			srv.Delay(name, delay)
			inputs = append(inputs, hostport(name, 443))
		}
		call := fmt.Sprintf("ResolveAll(%d names that each answer after %v, workers=1, perLookup=%v)", len(inputs), delay, perLookup)
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		results := resolve.ResolveAll(ctx, srv.Resolver(), inputs, 1, perLookup)
		checkInputs(t, call, inputs, results)
		for i, res := range results {
			assert.NoError(t, res.Err, "%s: Result for %q: a lookup's perLookup starts when that lookup starts, not before it waits for a worker", call, inputs[i])
		}
	}, harness.WithTimeout(20*time.Second))
}

func TestResolveAll_CancelledContextEndsEveryLookup(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		z := newZone(t)
		var inputs []string
		var names []string
		for range 3 + z.r.IntN(3) {
			names = append(names, z.name(1, 1))
		}
		srv := dnstest.Start(t, z.names)
		for _, name := range names {
			srv.Hang(name)
			inputs = append(inputs, hostport(name, 53))
		}

		// A context the test cancels itself (never t.Context(): it would hide a leak).
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		workers := 1 + z.r.IntN(len(inputs))
		call := fmt.Sprintf("ResolveAll(%d names that never answer, workers=%d, perLookup=%v)", len(inputs), workers, harness.Bound())
		var results []resolve.Result
		var cancelled time.Time
		returned := make(chan struct{})
		go func() {
			defer close(returned)
			results = resolve.ResolveAll(ctx, srv.Resolver(), inputs, workers, harness.Bound())
		}()
		// Cancel once a lookup is under way (or ResolveAll returned, which is wrong).
		harness.Poll(func() bool { return closed(returned) || srv.InFlight() > 0 })
		cancelled = time.Now()
		cancel()
		harness.Receive(t, returned, "%s: still running %v after ctx was cancelled: every lookup must end with ctx", call, harness.Bound())
		took := time.Since(cancelled)
		assert.Less(t, took, 2*time.Second, "%s returned %v after ctx was cancelled: derive each lookup's context from ctx", call, took)
		checkInputs(t, call, inputs, results)
		for i, res := range results {
			assert.Error(t, res.Err, "%s: Result for %q after ctx was cancelled", call, inputs[i])
		}
	})
}

func TestResolveAll_PanicsOnBadArguments(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		z := newZone(t)
		srv := dnstest.Start(t, z.names)
		inputs := []string{"198.51.100.1:80"}
		for _, tc := range []struct {
			workers   int
			perLookup time.Duration
			want      string
		}{
			{0, time.Second, "resolve: workers must be >= 1, got 0"},
			{-1 - z.r.IntN(9), time.Second, ""},
			{1, 0, "resolve: perLookup must be > 0, got 0s"},
			{1, -time.Second, "resolve: perLookup must be > 0, got -1s"},
		} {
			if tc.want == "" {
				tc.want = fmt.Sprintf("resolve: workers must be >= 1, got %d", tc.workers)
			}
			got, panicked := harness.Recover(func() {
				resolve.ResolveAll(context.Background(), srv.Resolver(), inputs, tc.workers, tc.perLookup)
			})
			if assert.True(t, panicked, "ResolveAll(workers=%d, perLookup=%v) should panic with %q", tc.workers, tc.perLookup, tc.want) {
				assert.Equal(t, tc.want, fmt.Sprint(got), "ResolveAll(workers=%d, perLookup=%v): panic message", tc.workers, tc.perLookup)
			}
		}
	})
}

// Helpers.

// zone builds the test server's records: random names under example.test., each with random
// documentation addresses, distinct across the zone.
type zone struct {
	r     *rand.Rand
	used  map[netip.Addr]bool
	names map[string][]netip.Addr
}

func newZone(t *testing.T) *zone {
	t.Helper()
	return &zone{r: harness.Rand(t), used: map[netip.Addr]bool{}, names: map[string][]netip.Addr{}}
}

// name adds a fresh name with v4 IPv4 and v6 IPv6 addresses and returns it, rooted.
func (z *zone) name(v4, v6 int) string {
	name := fmt.Sprintf("h%d-%d.example.test.", len(z.names), z.r.IntN(1e6))
	addrs := []netip.Addr{}
	for len(addrs) < v4 {
		a := netip.AddrFrom4([4]byte{198, 51, 100, byte(1 + z.r.IntN(254))})
		if z.r.IntN(2) == 0 {
			a = netip.AddrFrom4([4]byte{203, 0, 113, byte(1 + z.r.IntN(254))})
		}
		addrs = z.add(addrs, a)
	}
	for len(addrs) < v4+v6 {
		a := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 14: byte(z.r.IntN(256)), 15: byte(1 + z.r.IntN(255))})
		addrs = z.add(addrs, a)
	}
	z.names[name] = addrs
	return name
}

func (z *zone) add(addrs []netip.Addr, a netip.Addr) []netip.Addr {
	if z.used[a] {
		return addrs
	}
	z.used[a] = true
	return append(addrs, a)
}

// missing returns a name that is not in the zone.
func (z *zone) missing() string {
	return fmt.Sprintf("nowhere-%d.example.test.", z.r.IntN(1e6))
}

func (z *zone) port() uint16 { return uint16(1 + z.r.IntN(65535)) }

// want is what SocketAddrs should return for name with port, in no particular order.
func (z *zone) want(name string, port uint16) []netip.AddrPort {
	var out []netip.AddrPort
	for _, a := range z.names[name] {
		out = append(out, netip.AddrPortFrom(a, port))
	}
	return out
}

func hostport(name string, port uint16) string {
	return fmt.Sprintf("%s:%d", name, port)
}

func socketAddrs(r *net.Resolver, input string) ([]netip.AddrPort, error) {
	ctx, cancel := context.WithTimeout(context.Background(), harness.Bound())
	defer cancel()
	return resolve.SocketAddrs(ctx, r, input)
}

// checkNoMappedIPv4 fails t for an IPv4 address in its IPv4-mapped IPv6 form.
func checkNoMappedIPv4(t *testing.T, call string, got []netip.AddrPort) {
	t.Helper()
	for _, ap := range got {
		if ap.Addr().Is4In6() {
			t.Errorf("%s returned %v, an IPv4 address in IPv4-mapped IPv6 form: want %v (netip.Addr.Unmap)", call, ap, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()))
			return
		}
	}
}

// portError is one of the port sentinels, with the words the failure messages use for it.
type portError struct {
	err        error
	name, what string // "ErrMissingPort", "a missing port"
}

func missingPort() portError {
	return portError{resolve.ErrMissingPort, "ErrMissingPort", "a missing port"}
}

func invalidPort() portError {
	return portError{resolve.ErrInvalidPort, "ErrInvalidPort", "an invalid port"}
}

// checkPortError checks that SocketAddrs(input) fails with an error that matches want and not
// other, names the input, and comes with no address.
func checkPortError(t *testing.T, r *net.Resolver, input string, want, other portError) {
	t.Helper()
	got, err := socketAddrs(r, input)
	if !assert.Error(t, err, "SocketAddrs(%q) = %v, nil: want an error matching %s", input, got, want.name) ||
		!assert.ErrorIs(t, err, want.err, "SocketAddrs(%q) = %v, %v: want an error matching %s", input, got, err, want.name) {
		return
	}
	assert.NotErrorIs(t, err, other.err, "SocketAddrs(%q): %s is not %s", input, want.what, other.what)
	assert.Contains(t, err.Error(), input, "SocketAddrs(%q): the error should name the input", input)
	assert.Empty(t, got, "SocketAddrs(%q) with an error", input)
}

// resolveAll runs ResolveAll with a context that ends after harness.Bound, and says how long it
// took.
func resolveAll(r *net.Resolver, inputs []string, workers int, perLookup time.Duration) ([]resolve.Result, time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), harness.Bound())
	defer cancel()
	start := time.Now()
	results := resolve.ResolveAll(ctx, r, inputs, workers, perLookup)
	return results, time.Since(start)
}

// closed reports, without waiting, whether ch is closed.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// checkInputs fails t unless results has one Result per input, in input order.
func checkInputs(t *testing.T, call string, inputs []string, results []resolve.Result) {
	t.Helper()
	require.Len(t, results, len(inputs), "%s: one Result per input", call)
	for i, res := range results {
		if res.Input != inputs[i] {
			got := make([]string, len(results))
			for j, r := range results {
				got[j] = r.Input
			}
			t.Fatalf("%s: Result %d has Input %q, want %q: results must be in input order, not the order lookups finish\ngot  %q\nwant %q", call, i, res.Input, inputs[i], got, inputs)
		}
	}
}
