package diagnose

import (
	"slices"
	"time"

	"github.com/gwtop/gwtop/model"
)

// Evidence is what the aggregator knows of one cause on one upstream.
type Evidence struct {
	Code     model.Cause
	Count1m  int64 // occurrences in the last minute
	Count5m  int64 // occurrences in the last five minutes
	Total    int64 // since gwtop started watching
	LastSeen time.Time
	Source   string // error_log, probe, access_log, status, ...
	Line     string // the latest evidence line
	// Inferred marks evidence guessed from indirect signals (an access-log
	// status pattern, a gateway-wide limit) rather than stated by the
	// gateway or seen by a probe. It ranks below direct evidence.
	Inferred bool
}

// Rank orders evidence into probable causes, strongest first. The score is
// the five-minute count plus four times the last-minute count, so what is
// happening now outranks what happened a few minutes ago; inferred evidence
// counts a quarter. Ties go to the most recent. Causes seen only before the
// five-minute window stay listed (with Count 0) after the live ones, so a
// backlog still shows what happened.
func Rank(t Target, ev []Evidence) []model.CauseRank {
	type scored struct {
		Evidence
		score float64
	}
	list := make([]scored, 0, len(ev))
	for _, e := range ev {
		if e.Total == 0 && e.Count5m == 0 {
			continue
		}
		s := float64(e.Count5m + 4*e.Count1m)
		if e.Inferred {
			s /= 4
		}
		list = append(list, scored{e, s})
	}
	slices.SortStableFunc(list, func(a, b scored) int {
		switch {
		case a.score != b.score:
			if a.score > b.score {
				return -1
			}
			return 1
		case !a.LastSeen.Equal(b.LastSeen):
			if a.LastSeen.After(b.LastSeen) {
				return -1
			}
			return 1
		case a.Total != b.Total:
			if a.Total > b.Total {
				return -1
			}
			return 1
		}
		return 0
	})
	out := make([]model.CauseRank, 0, len(list))
	for _, s := range list {
		hint, next := Hint(s.Code, t)
		out = append(out, model.CauseRank{
			Code: s.Code, Count: s.Count5m, Total: s.Total, Source: s.Source,
			Hint: hint, NextStep: next, Evidence: s.Line, LastSeen: s.LastSeen,
		})
	}
	return out
}
