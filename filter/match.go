package filter

import (
	"strings"

	"github.com/gwtop/gwtop/model"
)

// match is the term without its negation.
func (t *term) match(u *model.Upstream) bool {
	switch t.kind {
	case kText:
		return Contains(u, t.text)
	case kRegex:
		if t.re.MatchString(u.Name) || t.re.MatchString(u.Address) || t.re.MatchString(u.Group) || t.re.MatchString(u.Gateway) {
			return true
		}
		for i := range u.Causes {
			if t.re.MatchString(string(u.Causes[i].Code)) {
				return true
			}
		}
		return false
	case kState:
		return u.State == t.state
	case kCause:
		for i := range u.Causes {
			if u.Causes[i].Code == t.cause {
				return true
			}
		}
		return false
	case kRoot:
		for i := range u.Causes {
			for j := range u.Causes[i].Roots {
				if u.Causes[i].Roots[j].Code == t.root {
					return true
				}
			}
		}
		return false
	case kField:
		var v string
		switch t.field {
		case fGroup:
			v = u.Group
		case fGateway:
			v = u.Gateway
		case fName:
			v = u.Name
		case fInstance:
			v = u.Instance
		default:
			v = u.Address
		}
		return glob(t.text, strings.ToLower(v))
	case kCmp:
		v, ok := figure(u, t.col)
		if !ok {
			return false
		}
		return compare(v, t.op, t.num)
	}
	return false
}

// figure is the upstream's value of a column, as the overview shows it
// (the 5-minute window), and whether there is data for it.
func figure(u *model.Upstream, c column) (float64, bool) {
	switch c {
	case c5xx:
		return u.Rate5xx, u.Requests > 0
	case cP50:
		return u.LatencyMS.P50, u.LatencyMS.Count > 0
	case cP95:
		return u.LatencyMS.P95, u.LatencyMS.Count > 0
	case cP99:
		return u.LatencyMS.P99, u.LatencyMS.Count > 0
	case cRPS:
		return u.ReqPerSec, true
	default:
		return float64(u.Requests), true
	}
}

func compare(v float64, op string, x float64) bool {
	switch op {
	case ">":
		return v > x
	case ">=":
		return v >= x
	case "<":
		return v < x
	case "<=":
		return v <= x
	case "=":
		return v == x
	default: // !=
		return v != x
	}
}

// Contains is the plain-text match: a case-insensitive substring of the
// upstream's name, address, group, gateway or any of its cause codes.
// lowerQuery must already be lower-case; "" matches everything.
func Contains(u *model.Upstream, lowerQuery string) bool {
	if lowerQuery == "" {
		return true
	}
	if containsFold(u.Name, lowerQuery) || containsFold(u.Address, lowerQuery) || containsFold(u.Group, lowerQuery) || containsFold(u.Gateway, lowerQuery) {
		return true
	}
	for i := range u.Causes {
		if containsFold(string(u.Causes[i].Code), lowerQuery) {
			return true
		}
	}
	return false
}

// containsFold avoids allocating a lower-cased copy for the common ASCII case.
func containsFold(s, lowerQuery string) bool {
	if len(lowerQuery) > len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.Contains(strings.ToLower(s), lowerQuery)
		}
	}
	return strings.Contains(s, lowerQuery)
}

// glob matches s against a pattern where * stands for any run of bytes
// and everything else for itself. It is linear in len(s)·stars: the
// classic greedy match with one backtrack point.
func glob(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
