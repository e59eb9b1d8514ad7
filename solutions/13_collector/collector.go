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
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
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
	mu    sync.RWMutex // guards state; only the aggregating goroutine writes it
	state map[string]Status
}

// New returns a Collector that knows no service yet.
func New() *Collector {
	return &Collector{state: map[string]Status{}}
}

// request is a valid command on its way to the aggregating goroutine, with the channel for
// its reply (buffered, so the aggregator never waits for a connection).
type request struct {
	query   bool
	service string
	state   string
	detail  string
	reply   chan string
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
	requests := make(chan request)
	aggregated := make(chan struct{})
	go func() {
		defer close(aggregated)
		for r := range requests {
			r.reply <- c.apply(r)
		}
	}()

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		closing bool
		conns   = map[net.Conn]struct{}{}
	)
	closeAll := func() {
		mu.Lock()
		defer mu.Unlock()
		closing = true
		ln.Close()
		for conn := range conns {
			conn.Close()
		}
	}
	stop := context.AfterFunc(ctx, closeAll)
	defer func() {
		stop()
		closeAll()
		wg.Wait()
		close(requests) // no connection goroutine is left to send
		<-aggregated
	}()

	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("collector: accept: %w", err)
		}
		mu.Lock()
		if closing {
			mu.Unlock()
			conn.Close()
			continue
		}
		conns[conn] = struct{}{}
		mu.Unlock()
		wg.Go(func() {
			defer func() {
				mu.Lock()
				delete(conns, conn)
				mu.Unlock()
				conn.Close()
			}()
			serveConn(conn, requests)
		})
	}
}

// serveConn answers the lines of one connection until it ends or sends a line too long.
func serveConn(conn net.Conn, requests chan<- request) {
	r := bufio.NewReaderSize(conn, MaxLineBytes+1)
	for {
		line, err := readLine(r)
		if err != nil {
			return
		}
		var reply string
		if req, bad := parse(line); bad != "" {
			reply = "ERR " + bad
		} else {
			req.reply = make(chan string, 1)
			requests <- req
			reply = <-req.reply
		}
		if _, err := io.WriteString(conn, reply+"\n"); err != nil {
			return
		}
	}
}

var errLineTooLong = errors.New("collector: line too long")

// readLine returns the next line without its "\n"; a final line without one counts when it is
// not empty.
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadSlice('\n')
	switch {
	case err == nil:
		line = line[:len(line)-1]
	case errors.Is(err, bufio.ErrBufferFull):
		return "", errLineTooLong
	case errors.Is(err, io.EOF) && len(line) > 0:
	default:
		return "", err
	}
	if len(line) > MaxLineBytes {
		return "", errLineTooLong
	}
	return string(line), nil
}

// parse turns a line into a request, or says what is wrong with it.
func parse(line string) (req request, bad string) {
	f := strings.SplitN(line, " ", 4)
	switch f[0] {
	case "STATUS":
		if len(f) < 3 || f[1] == "" || f[2] == "" {
			return req, "usage: STATUS <service> <state> [detail...]"
		}
		req = request{service: f[1], state: f[2]}
		if len(f) == 4 {
			req.detail = f[3]
		}
		return req, ""
	case "QUERY":
		if len(f) != 2 || f[1] == "" {
			return req, "usage: QUERY <service>"
		}
		return request{query: true, service: f[1]}, ""
	case "":
		return req, "empty line"
	default:
		return req, fmt.Sprintf("unknown command %q", f[0])
	}
}

// apply runs in the aggregating goroutine: the only place the state changes.
func (c *Collector) apply(r request) string {
	if r.query {
		c.mu.RLock()
		st, ok := c.state[r.service]
		c.mu.RUnlock()
		if !ok {
			return "ERR unknown service"
		}
		reply := "STATE " + st.State + " " + strconv.Itoa(st.Updates)
		if st.Detail != "" {
			reply += " " + st.Detail
		}
		return reply
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.state[r.service]
	c.state[r.service] = Status{State: r.state, Detail: r.detail, Updates: st.Updates + 1}
	return "OK"
}

// Snapshot returns a copy of what the collector knows, by service name: changing the map
// changes nothing in the collector. It may be called at any time from any goroutine: before
// Serve, while it runs, and after it returned.
func (c *Collector) Snapshot() map[string]Status {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make(map[string]Status, len(c.state))
	for k, v := range c.state {
		out[k] = v
	}
	return out
}

// Report connects to addr, sends "STATUS <service> <state> <detail>" (without " <detail>" when
// detail is empty), and returns nil only after the collector has answered OK: an acknowledged
// send. Any other answer, or none (the connection closed first), is an error. When ctx is done
// first, Report gives up at once and returns an error that matches ctx.Err() (errors.Is).
//
// Report panics when service or state is empty or contains white space, or when detail
// contains a newline: those are the caller's mistakes, not the network's.
func Report(ctx context.Context, addr, service, state, detail string) error {
	for _, f := range []struct{ name, value string }{{"service", service}, {"state", state}} {
		if f.value == "" || strings.ContainsAny(f.value, " \t\r\n") {
			panic(fmt.Sprintf("collector: %s must be one word without white space, got %q", f.name, f.value))
		}
	}
	if strings.ContainsAny(detail, "\r\n") {
		panic(fmt.Sprintf("collector: detail must be on one line, got %q", detail))
	}
	line := "STATUS " + service + " " + state
	if detail != "" {
		line += " " + detail
	}

	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("collector: report %s: %w", service, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	fail := func(err error) error {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return fmt.Errorf("collector: report %s: %w", service, err)
	}
	if _, err := io.WriteString(conn, line+"\n"); err != nil {
		return fail(err)
	}
	reply, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fail(fmt.Errorf("no OK from the collector: %w", err))
	}
	if reply != "OK\n" {
		return fail(fmt.Errorf("the collector answered %q", strings.TrimSuffix(reply, "\n")))
	}
	if !stop() {
		return fail(ctx.Err())
	}
	return nil
}
