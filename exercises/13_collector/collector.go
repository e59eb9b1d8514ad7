// Package collector is exercise 13, the capstone: a status collector on TCP.
//
// The seed imagines "a set of services across the network that want to collect their status
// reports in one central place", and finds it reasonable to expect a reply, "even just ok".
// Collector is that central place; Report is what each service calls.
//
// The protocol is one line each way, each ended by "\n":
//
//	STATUS <service> <state> [detail...]   ->  OK
//	QUERY <service>                        ->  STATE <state> <updates> [detail...]
//	                                           or ERR unknown service
//	anything else                          ->  ERR <reason>
//
// Fields are separated by single spaces. <service> and <state> are words without white space;
// the detail is the rest of the line and may be empty (then the space before it is left out).
// <updates> is how many STATUS lines the service has sent. After an ERR the connection stays
// open and serves the next line; a client may send as many lines as it likes on one connection.
package collector

import (
	"context"
	"errors"
	"net"
)

// MaxLineBytes is the longest line Serve accepts, not counting its "\n". A longer line closes
// its connection without a reply, as soon as MaxLineBytes+1 bytes of it have come (Serve does
// not wait for the rest of it); the other connections go on.
const MaxLineBytes = 4096

// Status is what the collector knows about one service.
type Status struct {
	State   string // from the latest STATUS line
	Detail  string // from the latest STATUS line ("" when it had none)
	Updates int    // how many STATUS lines the service has sent
}

// Collector collects the status reports of many services. Create one with New.
type Collector struct {
	// TODO: add the fields you need.
}

// New returns a Collector that knows no service yet.
func New() *Collector {
	// TODO: implement.
	return &Collector{}
}

// Serve accepts connections on ln and serves each in a goroutine of its own. Every update
// flows through one aggregating goroutine over a channel: the connection goroutines send it
// what they read and write back the reply it returns. OK is written only after the update is
// recorded, so once Report has returned, Snapshot and QUERY see the update.
//
// When ctx is done, Serve closes ln and every connection (also one that Accept returns just
// then), and returns nil once every goroutine it started (the aggregating one too) has
// finished; it waits for them blocked (on a WaitGroup, a channel), not in a loop that spins. A
// connection goroutine may have read a line just as ctx ends: it must not then wait for ever
// for an aggregating goroutine that has already stopped. When Accept fails for another reason,
// Serve does the same and returns that error.
func (c *Collector) Serve(ctx context.Context, ln net.Listener) error {
	// TODO: implement.
	return errors.New("collector: Serve not implemented")
}

// Snapshot returns a copy of what the collector knows, by service name: changing the map
// changes nothing in the collector. It may be called at any time from any goroutine: before
// Serve, while it runs, and after it returned.
func (c *Collector) Snapshot() map[string]Status {
	// TODO: implement.
	return nil
}

// Report connects to addr, sends "STATUS <service> <state> <detail>" (without " <detail>" when
// detail is empty), and returns nil only after the collector has answered OK: an acknowledged
// send. Any other answer, or none (the connection closed first), is an error. When ctx is done
// first, Report gives up at once and returns an error that matches ctx.Err() (errors.Is).
//
// Report panics when service or state is empty or contains white space, or when detail
// contains a newline: those are the caller's mistakes, not the network's.
func Report(ctx context.Context, addr, service, state, detail string) error {
	// TODO: implement.
	return errors.New("collector: Report not implemented")
}
