package haproxy

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them (the
// end-to-end tests start real gateways, scrapers, tailers and probes: all
// must stop with their context). See leakOptions for what is ignored.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, leakOptions...)
}

// leakOptions are the long-lived goroutines that are not leaks.
var leakOptions = []goleak.Option{}
