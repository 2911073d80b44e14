package apache

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Status is mod_status's machine-readable page (/server-status?auto), as
// mod_status.c's status_handler writes it with short_report set: "Key:
// value" lines, then "Scoreboard: " with one character per worker slot.
type Status struct {
	// Counters are the numeric keys by name ("Total Accesses",
	// "BusyWorkers", "IdleWorkers", "ConnsTotal", "ReqPerSec", …), for the
	// gateway row.
	Counters map[string]float64
	// Scoreboard is the scoreboard string: '_' waiting for a connection,
	// 'S' starting, 'R' reading, 'W' sending, 'K' keepalive, 'D' DNS,
	// 'C' closing, 'L' logging, 'G' finishing gracefully, 'I' idle
	// cleanup, '.' an open slot with no process.
	Scoreboard string
	// Slots counts the scoreboard by character.
	Slots map[byte]int
	// Version and MPM are ServerVersion and ServerMPM when present.
	Version, MPM string
}

// Saturated reports whether every worker is busy: the scoreboard has no
// '_' (idle) and no '.' (a slot a new process could take), so the next
// connection waits in the listen backlog. It needs a scoreboard (or,
// without one, IdleWorkers 0 and BusyWorkers > 0).
func (s *Status) Saturated() bool {
	if s.Scoreboard != "" {
		return s.Slots['_'] == 0 && s.Slots['.'] == 0
	}
	busy, okb := s.Counters["BusyWorkers"]
	idle, oki := s.Counters["IdleWorkers"]
	return okb && oki && busy > 0 && idle == 0
}

// LimitEvidence returns the line to report as gateway-limits evidence
// (feed.Sink.GatewayLimit) when Saturated, "" otherwise.
func (s *Status) LimitEvidence() string {
	if !s.Saturated() {
		return ""
	}
	return fmt.Sprintf("mod_status: all %d workers busy (BusyWorkers %g, IdleWorkers %g, no idle or open scoreboard slot): MaxRequestWorkers reached",
		len(s.Scoreboard), s.Counters["BusyWorkers"], s.Counters["IdleWorkers"])
}

// ParseStatusAuto parses a /server-status?auto body. It fails on a page
// that is not the auto format (the HTML page, a login form, garbage).
func ParseStatusAuto(b []byte) (Status, error) {
	s := Status{Counters: map[string]float64{}, Slots: map[byte]int{}}
	if len(b) > 1<<20 {
		return s, fmt.Errorf("mod_status page of %d bytes: too big for ?auto", len(b))
	}
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("<")) {
		return s, fmt.Errorf("mod_status answered HTML, not the ?auto format (is the URL missing ?auto?)")
	}
	seen := 0
	for line := range strings.SplitSeq(string(b), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			if seen == 0 {
				// The first line is the host name (mod_status writes
				// ap_get_server_name first).
				seen++
				continue
			}
			return s, fmt.Errorf("mod_status ?auto: line %q has no colon", clipString(line))
		}
		seen++
		v = strings.TrimSpace(v)
		switch k {
		case "Scoreboard":
			s.Scoreboard = v
			for i := 0; i < len(v); i++ {
				s.Slots[v[i]]++
			}
			continue
		case "ServerVersion":
			s.Version = v
			continue
		case "ServerMPM":
			s.MPM = v
			continue
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			s.Counters[k] = f
		}
	}
	if _, ok := s.Counters["Total Accesses"]; !ok {
		if _, ok := s.Counters["BusyWorkers"]; !ok && s.Scoreboard == "" {
			return s, fmt.Errorf("mod_status ?auto: none of Total Accesses, BusyWorkers, Scoreboard")
		}
	}
	return s, nil
}

func clipString(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
