// Alternate of 10_resolve: looks a name up twice, "ip4" then "ip6" (so IPv4 comes first without
// sorting), checks the port's digits by hand; ResolveAll's workers drain a pre-filled queue of
// indices and send their Results over a channel to the calling goroutine, the only writer.

package resolve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrMissingPort is matched (errors.Is) by the error of SocketAddrs for an input without a port.
var ErrMissingPort = errors.New("resolve: missing port")

// ErrInvalidPort is matched (errors.Is) by the error of SocketAddrs for a port that is not a
// decimal number from 0 to 65535, written in digits only.
var ErrInvalidPort = errors.New("resolve: invalid port")

// SocketAddrs returns every address of hostport's host, each with hostport's port, IPv4 first.
func SocketAddrs(ctx context.Context, r *net.Resolver, hostport string) ([]netip.AddrPort, error) {
	host, portText, err := net.SplitHostPort(hostport)
	if err != nil {
		var addrErr *net.AddrError
		if errors.As(err, &addrErr) && addrErr.Err == "missing port in address" {
			return nil, fmt.Errorf("%q: %w", hostport, ErrMissingPort)
		}
		return nil, fmt.Errorf("%q: %w", hostport, err)
	}
	if portText == "" || len(portText) > 5 || strings.Trim(portText, "0123456789") != "" {
		return nil, fmt.Errorf("%q: %w", hostport, ErrInvalidPort)
	}
	n, _ := strconv.Atoi(portText) // digits only, at most 5 of them: no error
	if n > 65535 {
		return nil, fmt.Errorf("%q: %w", hostport, ErrInvalidPort)
	}
	port := uint16(n)

	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.AddrPort{netip.AddrPortFrom(ip.Unmap(), port)}, nil
	}
	var out []netip.AddrPort
	var firstErr error
	found := false
	for _, network := range []string{"ip4", "ip6"} {
		ips, err := r.LookupNetIP(ctx, network, host)
		if err != nil {
			var dnsErr *net.DNSError
			if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
				// No such name, or no address of this family: the other family decides.
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			return nil, fmt.Errorf("resolve %q: %w", hostport, err)
		}
		found = true
		for _, ip := range ips {
			out = append(out, netip.AddrPortFrom(ip.Unmap(), port))
		}
	}
	if !found {
		return nil, fmt.Errorf("resolve %q: %w", hostport, firstErr)
	}
	return out, nil
}

// Result is what ResolveAll found for one input: SocketAddrs(Input) returned Addrs and Err.
type Result struct {
	Input string
	Addrs []netip.AddrPort
	Err   error
}

// ResolveAll calls SocketAddrs for every input, at most workers at a time, each lookup bounded
// by perLookup, and returns one Result per input, in input order.
func ResolveAll(ctx context.Context, r *net.Resolver, inputs []string, workers int, perLookup time.Duration) []Result {
	if workers < 1 {
		panic(fmt.Sprintf("resolve: workers must be >= 1, got %d", workers))
	}
	if perLookup <= 0 {
		panic(fmt.Sprintf("resolve: perLookup must be > 0, got %v", perLookup))
	}
	queue := make(chan int, len(inputs))
	for i := range inputs {
		queue <- i
	}
	close(queue)

	type found struct {
		i   int
		res Result
	}
	out := make(chan found)
	var wg sync.WaitGroup
	for range min(workers, len(inputs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range queue {
				lookupCtx, cancel := context.WithTimeout(ctx, perLookup)
				addrs, err := SocketAddrs(lookupCtx, r, inputs[i])
				cancel()
				out <- found{i, Result{Input: inputs[i], Addrs: addrs, Err: err}}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	results := make([]Result, len(inputs))
	for f := range out {
		results[f.i] = f.res
	}
	return results
}
