// Package logformat compiles an nginx log_format and parses access log
// lines written in it: Compile turns the format (a built-in name, the
// format text, or the directive as written in nginx.conf) into a Format,
// and (*Format).Parse reads one line into a Record with its upstream
// Attempts.
//
// It is a leaf: it imports only the standard library, so whatever needs
// to compile or parse a log_format — the nginx gateway's access-log
// source, its discovery, a backlog reader — imports this package and
// nothing else of gwtop's.
//
// The parser is pure: no I/O, no goroutines, no global state. Malformed
// input never panics; Parse returns an error wrapping ErrMismatch so
// callers can count the line and skip it.
package logformat
