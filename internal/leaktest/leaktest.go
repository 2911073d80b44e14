// Package leaktest fails a package's tests when a goroutine outlives them:
// the end-to-end tests start real gateways, scrapers, tailers, probes and
// the collector engine, and all of it must stop with its context.
package leaktest

import (
	"fmt"
	"net/http"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/gwtop/gwtop/collector/statuspage"
)

// Main runs the tests and then looks for goroutines left over
// (go.uber.org/goleak), failing the run when there are any.
//
// One pool is emptied first: net/http's DefaultTransport keeps idle
// keep-alive connections (a readLoop and a writeLoop goroutine each) for
// every client built without a Transport, as the tests' traffic loops
// are; that pool is the standard library's, shared and long-lived by
// design, not a goroutine of the code under test. The status pages'
// shared pool is emptied too, as a stopped engine does.
func Main(m *testing.M) {
	code := m.Run()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	statuspage.CloseIdleConnections()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: goroutines outlive the tests: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}
