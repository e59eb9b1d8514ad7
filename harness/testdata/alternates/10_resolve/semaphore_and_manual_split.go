// Alternate of 10_resolve: splits host and port by hand, looks names up with LookupIPAddr and
// sorts with slices.SortStableFunc; ResolveAll starts a goroutine per input behind a semaphore
// channel and stores results under a mutex.

// Package resolve is exercise 10: turning "host:port" into socket addresses, one input or many
// in parallel.
//
// Rust's "google.com:80".to_socket_addrs() returns every address of the host (IPv4 and IPv6)
// with the port, needs no lookup for an IP literal, and fails for a host without a port. In Go,
// the lookup goes through a *net.Resolver, which the caller passes in: the tests hand you one
// that asks only a DNS server of their own on loopback.
package resolve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrMissingPort is matched (errors.Is) by the error of SocketAddrs for an input without a port:
// "example.test", "198.51.100.7", "[2001:db8::1]".
var ErrMissingPort = errors.New("resolve: missing port")

// ErrInvalidPort is matched (errors.Is) by the error of SocketAddrs for a port that is not a
// decimal number from 0 to 65535: "example.test:http" (a service name is not a port),
// "example.test:65536", "example.test:-1", "example.test:" (an empty port).
var ErrInvalidPort = errors.New("resolve: invalid port")

// splitHostPort splits "host:port", "[v6]:port"; it knows a missing port from a bad input.
func splitHostPort(hostport string) (host, port string, err error) {
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return "", "", fmt.Errorf("resolve: %q: missing ']'", hostport)
		}
		host, rest := hostport[1:end], hostport[end+1:]
		if rest == "" {
			return "", "", fmt.Errorf("%w in %q", ErrMissingPort, hostport)
		}
		if rest[0] != ':' {
			return "", "", fmt.Errorf("resolve: %q: unexpected %q after ']'", hostport, rest)
		}
		return host, rest[1:], nil
	}
	switch strings.Count(hostport, ":") {
	case 0:
		return "", "", fmt.Errorf("%w in %q", ErrMissingPort, hostport)
	case 1:
		host, port, _ = strings.Cut(hostport, ":")
		return host, port, nil
	}
	return "", "", fmt.Errorf("resolve: %q: an IPv6 host needs brackets", hostport)
}

func parsePort(hostport, port string) (uint16, error) {
	bad := port == "" || len(port) > 5
	for _, c := range port {
		bad = bad || c < '0' || c > '9'
	}
	n, err := strconv.Atoi(port)
	if bad || err != nil || n > 65535 {
		return 0, fmt.Errorf("%w %q in %q", ErrInvalidPort, port, hostport)
	}
	return uint16(n), nil
}

// SocketAddrs returns every address of hostport's host, each with hostport's port.
//
// hostport is "host:port", where host is a name ("example.test." or "example.test"), an IPv4
// literal ("198.51.100.7:80") or an IPv6 literal in brackets ("[2001:db8::1]:443"), and port is
// a decimal number from 0 to 65535.
//
//   - An IP literal needs no lookup: it is the only address, and r is not asked.
//   - A name is looked up with r, which is the only resolver used; ctx bounds the lookup.
//   - IPv4 addresses come before IPv6 addresses. An IPv4 address is a 4-byte netip.Addr
//     (198.51.100.7), never the IPv4-mapped IPv6 form (::ffff:198.51.100.7).
//   - A name that does not exist gives an error that is a *net.DNSError (errors.As) whose
//     IsNotFound is true.
//   - An input without a port gives an error matching ErrMissingPort, an input whose port is
//     not valid an error matching ErrInvalidPort; the text of either error contains hostport.
func SocketAddrs(ctx context.Context, r *net.Resolver, hostport string) ([]netip.AddrPort, error) {
	host, portText, err := splitHostPort(hostport)
	if err != nil {
		return nil, err
	}
	port, err := parsePort(hostport, portText)
	if err != nil {
		return nil, err
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.AddrPort{netip.AddrPortFrom(ip.Unmap(), port)}, nil
	}
	ipAddrs, err := r.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, err // a *net.DNSError; its text names the host
	}
	addrs := make([]netip.AddrPort, 0, len(ipAddrs))
	for _, a := range ipAddrs {
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok {
			continue
		}
		addrs = append(addrs, netip.AddrPortFrom(ip.Unmap(), port))
	}
	slices.SortStableFunc(addrs, func(a, b netip.AddrPort) int {
		if a.Addr().Is4() == b.Addr().Is4() {
			return 0
		}
		if a.Addr().Is4() {
			return -1
		}
		return 1
	})
	return addrs, nil
}

// Result is what ResolveAll found for one input: SocketAddrs(Input) returned Addrs and Err.
type Result struct {
	Input string
	Addrs []netip.AddrPort
	Err   error
}

// ResolveAll calls SocketAddrs for every input and returns one Result per input, in the order of
// inputs (not the order in which the lookups finish).
//
//   - At most workers lookups run at a time.
//   - Each lookup is bounded by perLookup: its context ends perLookup after that lookup starts
//     (or sooner, when ctx ends). A name that never answers costs perLookup, gives a Result
//     with an error, and does not hold up the other inputs.
//   - ResolveAll returns once every lookup has ended, leaving no goroutine behind.
//
// It panics with "resolve: workers must be >= 1, got N" when workers < 1, and with
// "resolve: perLookup must be > 0, got D" (D as time.Duration prints it) when perLookup <= 0.
func ResolveAll(ctx context.Context, r *net.Resolver, inputs []string, workers int, perLookup time.Duration) []Result {
	if workers < 1 {
		panic(fmt.Sprintf("resolve: workers must be >= 1, got %d", workers))
	}
	if perLookup <= 0 {
		panic(fmt.Sprintf("resolve: perLookup must be > 0, got %v", perLookup))
	}
	var (
		mu      sync.Mutex
		results = make([]Result, len(inputs))
		wg      sync.WaitGroup
		slots   = make(chan struct{}, workers)
	)
	for i, input := range inputs {
		slots <- struct{}{} // wait for a free slot before starting the next lookup
		wg.Go(func() {
			defer func() { <-slots }()
			lookupCtx, cancel := context.WithTimeout(ctx, perLookup)
			defer cancel()
			addrs, err := SocketAddrs(lookupCtx, r, input)
			mu.Lock()
			defer mu.Unlock()
			results[i] = Result{Input: input, Addrs: addrs, Err: err}
		})
	}
	wg.Wait()
	return results
}
