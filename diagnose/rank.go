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

// explainedAnswers reports whether stated evidence of a failure to get an
// answer (refused, reset, a timeout, TLS…) accounts for (at least 80% of)
// the 5xx in the window guessed to be the upstream's own
// answers. Then the guess is explained away: those 5xx were the gateway's
// own, and listing upstream_5xx beside the real cause would mislead. (Apache
// logs no header time, so its access log can only guess whose 5xx it is.)
func explainedAnswers(ev []Evidence) bool {
	var guessed, stated int64
	for _, e := range ev {
		switch {
		case e.Code == model.CauseUpstream5xx && e.Inferred:
			guessed += e.Count5m
		case e.Code != model.CauseUpstream5xx && e.Code != model.CauseGatewayLimits && !e.Inferred:
			stated += e.Count5m
		}
	}
	// 80%: the error log and the access log are read separately, so at a
	// window's edge one may be a few lines ahead of the other.
	return guessed > 0 && stated*5 >= guessed*4
}

// Rank orders evidence into probable causes, strongest first. The score is
// the five-minute count plus four times the last-minute count, so what is
// happening now outranks what happened a few minutes ago; inferred evidence
// counts a quarter. Ties go to the most recent. Causes seen only before the
// five-minute window stay listed (with Count 0) after the live ones, so a
// backlog still shows what happened.
func Rank(t Target, ev []Evidence) []model.CauseRank { return RankCached(t, ev, nil) }

// HintCache keeps Hint's answers for one target: they depend on nothing
// but the cause and the target, and a busy gateway's rows are ranked
// again at every snapshot. The zero value is ready; nil caches nothing.
type HintCache struct {
	t          Target
	ok         [model.NumCauses]bool
	hint, next [model.NumCauses]string
}

// Hint is Hint(code, t), computed once per cause while t stays the same.
func (c *HintCache) Hint(code model.Cause, t Target) (hint, next string) {
	i := code.Index()
	if c == nil || i < 0 {
		return Hint(code, t)
	}
	if c.t != t {
		*c = HintCache{t: t}
	}
	if !c.ok[i] {
		c.hint[i], c.next[i] = Hint(code, t)
		c.ok[i] = true
	}
	return c.hint[i], c.next[i]
}

// RankCached is Rank with its hints from c.
func RankCached(t Target, ev []Evidence, c *HintCache) []model.CauseRank {
	type scored struct {
		Evidence
		score float64
	}
	list := make([]scored, 0, len(ev))
	explained := explainedAnswers(ev)
	for _, e := range ev {
		if e.Total == 0 && e.Count5m == 0 {
			continue
		}
		if e.Code == model.CauseUpstream5xx && e.Inferred && explained {
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
		hint, next := c.Hint(s.Code, t)
		out = append(out, model.CauseRank{
			Code: s.Code, Count: s.Count5m, Total: s.Total, Source: s.Source,
			Hint: hint, NextStep: next, Evidence: s.Line, LastSeen: s.LastSeen,
		})
	}
	return out
}
