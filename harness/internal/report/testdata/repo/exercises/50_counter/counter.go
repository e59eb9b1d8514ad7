package counter

import "sync"

type Counter struct {
	mu sync.Mutex
	n  int
}

func (c *Counter) Add(d int) {
	c.n += d
}

func (c *Counter) Value() int {
	return c.n
}

func (c *Counter) Stuck() {
	c.mu.Lock()
	c.mu.Lock()
}

func (c *Counter) Panics() int {
	var m map[string]int
	m["x"] = 1
	return 0
}

func (c *Counter) Leaks() {
	go func() {
		select {}
	}()
}
