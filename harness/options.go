package harness

import (
	"os"
	"time"
)

// DefaultTimeout is how long Run lets a test body run before the watchdog fails it. The
// environment variable KATA_WATCHDOG (a duration such as "20s") overrides it for a slow machine.
const DefaultTimeout = 5 * time.Second

// Option changes what Run does. Options come only from the functions below.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	timeout time.Duration
}

func newConfig(opts []Option) config {
	c := config{timeout: DefaultTimeout}
	if d, err := time.ParseDuration(os.Getenv("KATA_WATCHDOG")); err == nil && d > 0 {
		c.timeout = d
	}
	for _, o := range opts {
		o.apply(&c)
	}
	return c
}

// WithTimeout sets how long the body may run before the watchdog fails the test.
// The default is DefaultTimeout. It panics when d is not positive.
func WithTimeout(d time.Duration) Option {
	if d <= 0 {
		panic("harness: WithTimeout needs a positive duration")
	}
	return optionFunc(func(c *config) { c.timeout = d })
}
