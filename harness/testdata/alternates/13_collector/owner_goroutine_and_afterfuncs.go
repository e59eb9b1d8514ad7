// Alternate of 13_collector: the aggregating goroutine owns the map outright (no lock while it
// runs) and answers Snapshot over a channel too; lines are read with a bufio.Scanner; every
// connection closes itself with its own context.AfterFunc instead of a shared set.

package collector

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// MaxLineBytes is the longest line Serve accepts, not counting its "\n".
const MaxLineBytes = 4096

// Status is what the collector knows about one service.
type Status struct {
	State   string
	Detail  string
	Updates int
}

// Collector collects the status reports of many services.
type Collector struct {
	mu    sync.Mutex
	state map[string]Status           // the aggregator's while snaps != nil, else guarded by mu
	snaps chan chan map[string]Status // nil when no aggregator runs
	done  chan struct{}               // closed when the aggregator has handed state back
}

// New returns a Collector that knows no service yet.
func New() *Collector { return &Collector{state: make(map[string]Status)} }

type line struct {
	text  string
	reply chan string
}

// copyState never returns nil, so that an empty Snapshot is an empty map.
func copyState(m map[string]Status) map[string]Status {
	if len(m) == 0 {
		return map[string]Status{}
	}
	return maps.Clone(m)
}

// Serve accepts connections on ln and serves each in a goroutine of its own.
func (c *Collector) Serve(ctx context.Context, ln net.Listener) error {
	lines := make(chan line)
	snaps := make(chan chan map[string]Status)
	done := make(chan struct{})
	c.mu.Lock()
	c.snaps, c.done = snaps, done
	state := c.state
	c.mu.Unlock()
	go func() {
		defer func() {
			c.mu.Lock()
			c.snaps = nil
			c.mu.Unlock()
			close(done)
		}()
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					return
				}
				l.reply <- answer(state, l.text)
			case reply := <-snaps:
				reply <- copyState(state)
			}
		}
	}()

	// cctx ends when ctx does or when Serve leaves: either way every connection closes itself.
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopLn := context.AfterFunc(cctx, func() { ln.Close() })
	var wg sync.WaitGroup
	var err error
	for {
		conn, aerr := ln.Accept()
		if aerr != nil {
			if ctx.Err() == nil {
				err = aerr
			}
			break
		}
		wg.Go(func() {
			defer conn.Close()
			stop := context.AfterFunc(cctx, func() { conn.Close() })
			defer stop()
			sc := bufio.NewScanner(conn)
			sc.Buffer(make([]byte, 0, 512), MaxLineBytes+1)
			for sc.Scan() {
				reply := make(chan string, 1)
				lines <- line{sc.Text(), reply}
				if _, err := fmt.Fprintln(conn, <-reply); err != nil {
					return
				}
			}
		})
	}
	cancel()
	stopLn()
	ln.Close()
	wg.Wait()
	close(lines)
	<-done
	return err
}

func answer(state map[string]Status, text string) string {
	f := strings.SplitN(text, " ", 4)
	switch {
	case f[0] == "STATUS" && len(f) >= 3 && f[1] != "" && f[2] != "":
		st := state[f[1]]
		st.State, st.Detail = f[2], ""
		if len(f) == 4 {
			st.Detail = f[3]
		}
		st.Updates++
		state[f[1]] = st
		return "OK"
	case f[0] == "QUERY" && len(f) == 2 && f[1] != "":
		st, ok := state[f[1]]
		if !ok {
			return "ERR unknown service"
		}
		reply := "STATE " + st.State + " " + strconv.Itoa(st.Updates)
		if st.Detail != "" {
			reply += " " + st.Detail
		}
		return reply
	default:
		return "ERR bad request: " + strconv.Quote(text)
	}
}

// Snapshot returns a copy of what the collector knows, by service name.
func (c *Collector) Snapshot() map[string]Status {
	for {
		c.mu.Lock()
		if c.snaps == nil {
			defer c.mu.Unlock()
			return copyState(c.state)
		}
		snaps, done := c.snaps, c.done
		c.mu.Unlock()
		reply := make(chan map[string]Status, 1)
		select {
		case snaps <- reply:
			return <-reply
		case <-done:
		}
	}
}

// Report connects to addr, sends a STATUS line, and returns nil only after OK.
func Report(ctx context.Context, addr, service, state, detail string) error {
	word := func(s string) bool { return s != "" && strings.IndexFunc(s, unicode.IsSpace) < 0 }
	if !word(service) || !word(state) || strings.ContainsAny(detail, "\r\n") {
		panic(fmt.Sprintf("collector: service and state must be single words and detail one line, got %q %q %q", service, state, detail))
	}
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	msg := "STATUS " + service + " " + state
	if detail != "" {
		msg += " " + detail
	}
	_, err = fmt.Fprintln(conn, msg)
	var reply string
	if err == nil {
		sc := bufio.NewScanner(conn)
		if sc.Scan() {
			reply = sc.Text()
		} else if err = sc.Err(); err == nil {
			err = errors.New("collector: closed without an answer")
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return err
	}
	if reply != "OK" {
		return fmt.Errorf("collector: answered %q", reply)
	}
	return nil
}
