package model

import "time"

// LinesQuery asks for the raw log lines behind one upstream (the TUI's
// drill-down).
type LinesQuery struct {
	Gateway string // the upstream's gateway instance
	Address string
	Cause   Cause // only the lines gwtop read as this cause; "" every line
	// Route and Host narrow it to the access lines of one route
	// (Upstream.Routes: the normalised path and the virtual host).
	Route, Host string
	Max         int // at most this many, newest first; 0 means 1000
}

// RawLine is one line of a gateway's log behind an upstream, as the
// gateway wrote it (cut to 2048 bytes).
type RawLine struct {
	Time   time.Time
	Source string // access_log, error_log
	Cause  Cause  // what gwtop made of it; "" for a request that did not fail
	Text   string // empty when Gone
	File   string // the log it was read from; "" for standard input
	Offset int64  // of its first byte in File
	// FromFile: its text had left memory and was read back from File.
	FromFile bool
	// Gone says why an older line could not be read back (its file was
	// rotated away or rewritten); "" when Text holds the line.
	Gone string
}

// Lines is the answer to a LinesQuery.
type Lines struct {
	Lines []RawLine // newest first
	// Known is how many lines gwtop knows of for the query, in memory or
	// by position; Lines may hold fewer (Max).
	Known    int
	FromFile int // of Lines, read back from their file
	Gone     int // of Lines, not readable any more
}
