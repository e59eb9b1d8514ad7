package dnstest_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/kata-go/concurrency/harness/dnstest"
)

func ExampleNewServer() {
	srv := dnstest.NewServer(map[string][]netip.Addr{
		"www.example.test.": {netip.MustParseAddr("198.51.100.7"), netip.MustParseAddr("2001:db8::7")},
	})
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	addrs, err := srv.Resolver().LookupNetIP(ctx, "ip", "www.example.test.")
	if err != nil {
		fmt.Println(err)
		return
	}
	slices.SortFunc(addrs, netip.Addr.Compare) // Go's resolver orders them for this machine
	fmt.Println(addrs)
	fmt.Println(srv.Queries("WWW.Example.Test"), "queries") // A and AAAA
	// Output:
	// [198.51.100.7 2001:db8::7]
	// 2 queries
}

func ExampleNewServer_notFound() {
	srv := dnstest.NewServer(nil)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := srv.Resolver().LookupNetIP(ctx, "ip4", "nowhere.example.test.")
	var dnsErr *net.DNSError
	fmt.Println(errors.As(err, &dnsErr) && dnsErr.IsNotFound)
	// Output:
	// true
}

func ExampleServer_Hang() {
	srv := dnstest.NewServer(nil)
	defer srv.Close()
	srv.Hang("slow.example.test.")

	// The caller's context bounds the lookup; Go's own per-try timeout is seconds.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := srv.Resolver().LookupNetIP(ctx, "ip", "slow.example.test.")
	var dnsErr *net.DNSError
	fmt.Println(errors.As(err, &dnsErr) && dnsErr.IsTimeout)
	// Output:
	// true
}

func ExampleServer_MaxInFlight() {
	srv := dnstest.NewServer(map[string][]netip.Addr{
		"a.example.test.": {netip.MustParseAddr("203.0.113.1")},
		"b.example.test.": {netip.MustParseAddr("203.0.113.2")},
	})
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, name := range []string{"a.example.test.", "b.example.test."} {
		if _, err := srv.Resolver().LookupNetIP(ctx, "ip4", name); err != nil {
			fmt.Println(err)
		}
	}
	// One lookup at a time, one question each: never more than one query in flight.
	fmt.Println(srv.MaxInFlight(), srv.InFlight())
	// Output:
	// 1 0
}
