// Package nginx is gwtop's nginx gateway: its configuration section and
// quick flags (section.go), how it wires its sources (access and error
// logs, stub_status), its discovery from `nginx -T` or the configuration
// files (discover*.go), and the parsers for the text nginx writes —
// error.log lines with their causes, and the stub_status page. Access log
// lines, in any log_format, are compiled and parsed by the leaf package
// gateway/nginx/logformat, which this package and its discovery import.
//
// The parsers are pure: no I/O, no goroutines, no global state. Malformed
// input never panics; it yields an error (stub_status) or false (error
// log) so callers can count and skip it.
package nginx
