package main

import (
	"fmt"
	"net/http"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them (the
// end-to-end tests start real gateways and app servers, the collector engine, scrapers,
// tailers and probes: all must stop with their context).
//
// One pool is emptied first: net/http's DefaultTransport keeps idle
// keep-alive connections (a readLoop and a writeLoop goroutine each) for
// every client built without a Transport, as the traffic loops of the
// tests are; that pool is the standard library's, shared and long-lived by
// design, not a goroutine of the code under test.
func TestMain(m *testing.M) {
	code := m.Run()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: goroutines outlive the tests: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}
