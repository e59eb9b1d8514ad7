// Alternate of 13_collector: the aggregating goroutine owns a private map and, after each
// update, publishes a fresh read-only copy that Snapshot picks up under a mutex held only to
// swap a pointer; lines are read byte by byte with a length check; a watcher goroutine (not
// context.AfterFunc) closes the listener and the connections; Report reads its answer with
// plain Read calls and watches ctx with a goroutine of its own.

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
	mu        sync.Mutex
	published map[string]Status // never written once published
	owned     map[string]Status // the aggregating goroutine's, between runs of Serve too
	ownedMu   sync.Mutex        // one Serve at a time owns owned
}

// New returns a Collector that knows no service yet.
func New() *Collector {
	return &Collector{published: map[string]Status{}, owned: map[string]Status{}}
}

type job struct {
	line  string
	reply chan string
}

// Serve accepts connections on ln and serves each in a goroutine of its own.
func (c *Collector) Serve(ctx context.Context, ln net.Listener) error {
	c.ownedMu.Lock()
	defer c.ownedMu.Unlock()
	jobs := make(chan job)
	aggregated := make(chan struct{})
	go func() {
		defer close(aggregated)
		for j := range jobs {
			reply, changed := c.handle(j.line)
			if changed {
				fresh := make(map[string]Status, len(c.owned))
				for k, v := range c.owned {
					fresh[k] = v
				}
				c.mu.Lock()
				c.published = fresh
				c.mu.Unlock()
			}
			j.reply <- reply
		}
	}()

	var (
		mu       sync.Mutex
		stopping bool
		open     = map[net.Conn]bool{}
		wg       sync.WaitGroup
	)
	shut := func() {
		mu.Lock()
		defer mu.Unlock()
		stopping = true
		ln.Close()
		for conn := range open {
			conn.Close()
		}
	}
	left := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-ctx.Done():
			shut()
		case <-left:
		}
	}()

	var result error
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() == nil {
				result = err
			}
			break
		}
		mu.Lock()
		if stopping {
			mu.Unlock()
			conn.Close()
			continue
		}
		open[conn] = true
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			serveLines(conn, jobs)
			mu.Lock()
			delete(open, conn)
			mu.Unlock()
			conn.Close()
		}()
	}
	close(left)
	<-watched
	shut()
	wg.Wait()
	close(jobs)
	<-aggregated
	return result
}

// serveLines answers each line of conn until it ends, fails, or sends a line too long.
func serveLines(conn net.Conn, jobs chan<- job) {
	r := bufio.NewReader(conn)
	line := make([]byte, 0, 256)
	for {
		b, err := r.ReadByte()
		if err != nil {
			if len(line) == 0 || !errors.Is(err, io.EOF) {
				return
			}
			b = '\n' // a final line without "\n"
		}
		if b != '\n' {
			if len(line) == MaxLineBytes {
				return // too long: close without a reply
			}
			line = append(line, b)
			continue
		}
		reply := make(chan string, 1)
		jobs <- job{string(line), reply}
		if _, werr := io.WriteString(conn, <-reply+"\n"); werr != nil || err != nil {
			return
		}
		line = line[:0]
	}
}

// handle runs in the aggregating goroutine only.
func (c *Collector) handle(line string) (reply string, changed bool) {
	cmd, rest, _ := strings.Cut(line, " ")
	switch cmd {
	case "STATUS":
		service, rest, ok1 := strings.Cut(rest, " ")
		state, detail, _ := strings.Cut(rest, " ")
		if !ok1 || service == "" || state == "" {
			return "ERR STATUS needs a service and a state", false
		}
		st := c.owned[service]
		c.owned[service] = Status{State: state, Detail: detail, Updates: st.Updates + 1}
		return "OK", true
	case "QUERY":
		if rest == "" || strings.Contains(rest, " ") {
			return "ERR QUERY needs exactly one service", false
		}
		st, ok := c.owned[rest]
		if !ok {
			return "ERR unknown service", false
		}
		out := []string{"STATE", st.State, strconv.Itoa(st.Updates)}
		if st.Detail != "" {
			out = append(out, st.Detail)
		}
		return strings.Join(out, " "), false
	default:
		return fmt.Sprintf("ERR what is %q?", cmd), false
	}
}

// Snapshot returns a copy of what the collector knows, by service name.
func (c *Collector) Snapshot() map[string]Status {
	c.mu.Lock()
	m := c.published
	c.mu.Unlock()
	out := make(map[string]Status, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Report connects to addr, sends a STATUS line, and returns nil only after OK.
func Report(ctx context.Context, addr, service, state, detail string) error {
	oneWord := func(s string) bool { return s != "" && !strings.ContainsFunc(s, unicode.IsSpace) }
	switch {
	case !oneWord(service):
		panic(fmt.Sprintf("collector: the service %q is not one word", service))
	case !oneWord(state):
		panic(fmt.Sprintf("collector: the state %q is not one word", state))
	case strings.Contains(detail, "\n"):
		panic(fmt.Sprintf("collector: the detail %q has a newline", detail))
	}
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	finished := make(chan struct{})
	watcher := make(chan struct{})
	go func() {
		defer close(watcher)
		select {
		case <-ctx.Done():
			conn.SetDeadline(time.Now())
		case <-finished:
		}
	}()
	err = acknowledged(conn, service, state, detail)
	close(finished)
	<-watcher
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func acknowledged(conn net.Conn, service, state, detail string) error {
	line := "STATUS " + service + " " + state
	if detail != "" {
		line += " " + detail
	}
	if _, err := conn.Write([]byte(line + "\n")); err != nil {
		return err
	}
	var answer []byte
	buf := make([]byte, 64)
	for {
		n, err := conn.Read(buf)
		answer = append(answer, buf[:n]...)
		if i := strings.IndexByte(string(answer), '\n'); i >= 0 {
			if got := string(answer[:i]); got != "OK" {
				return fmt.Errorf("collector: answered %q, not OK", got)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("collector: no OK: %w", err)
		}
	}
}
