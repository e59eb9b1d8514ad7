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
	"net"
	"net/netip"
	"time"
)

// ErrMissingPort is matched (errors.Is) by the error of SocketAddrs for an input without a port:
// "example.test", "198.51.100.7", "[2001:db8::1]".
var ErrMissingPort = errors.New("resolve: missing port")

// ErrInvalidPort is matched (errors.Is) by the error of SocketAddrs for a port that is not a
// decimal number from 0 to 65535, written in digits only: "example.test:http" (a service name
// is not a port), "example.test:65536", "example.test:-1", "example.test:+80" (no sign),
// "example.test:0x50" (no base prefix), "example.test:" (an empty port).
var ErrInvalidPort = errors.New("resolve: invalid port")

// SocketAddrs returns every address of hostport's host, each with hostport's port.
//
// hostport is "host:port", where host is a name ("example.test." or "example.test"), an IPv4
// literal ("198.51.100.7:80") or an IPv6 literal in brackets ("[2001:db8::1]:443"), and port is
// a decimal number from 0 to 65535.
//
//   - An IP literal needs no lookup: it is the only address, and r is not asked.
//   - A name is looked up with r, which is the only resolver used; ctx bounds the lookup.
//   - IPv4 addresses come before IPv6 addresses. An IPv4 address is a 4-byte netip.Addr
//     (198.51.100.7), never the IPv4-mapped IPv6 form (::ffff:198.51.100.7), even when the input
//     is written that way: "[::ffff:198.51.100.7]:80" gives 198.51.100.7:80.
//   - A name that does not exist gives an error that is a *net.DNSError (errors.As) whose
//     IsNotFound is true.
//   - An input without a port gives an error matching ErrMissingPort, an input whose port is
//     not valid an error matching ErrInvalidPort; the text of either error contains hostport.
func SocketAddrs(ctx context.Context, r *net.Resolver, hostport string) ([]netip.AddrPort, error) {
	// TODO: implement.
	return nil, errors.New("resolve: SocketAddrs not implemented")
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
//   - At most workers lookups run at a time, and that many while inputs are waiting: when a
//     lookup ends, the next input's lookup starts at once, whatever the others are doing (no
//     batches).
//   - Each lookup is bounded by perLookup: its context ends perLookup after that lookup starts
//     (or sooner, when ctx ends). A name that never answers costs perLookup, gives a Result
//     with an error, and does not hold up the other inputs.
//   - ResolveAll returns once every lookup has ended, leaving no goroutine behind.
//
// It panics with "resolve: workers must be >= 1, got N" when workers < 1, and with
// "resolve: perLookup must be > 0, got D" (D as time.Duration prints it) when perLookup <= 0.
func ResolveAll(ctx context.Context, r *net.Resolver, inputs []string, workers int, perLookup time.Duration) []Result {
	// TODO: implement.
	return nil
}
