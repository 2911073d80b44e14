// Package nginx turns the text nginx writes — access log lines in any
// log_format, error.log lines and the stub_status page — into typed records
// gwtop's collectors and aggregator consume.
//
// Everything here is a pure parser: no I/O, no goroutines, no global state.
// Tailing files and scraping URLs live in the collector that uses this package.
// Malformed input never panics; it yields an error (access log, stub_status)
// or false (error log) so callers can count and skip it.
package nginx
