package rule

import (
	"fmt"
	"path"
	"strings"

	"github.com/gwtop/gwtop/model"
)

// Before is each upstream's Window5m in the snapshot a watch started from:
// the figures "NUMBERx before" is relative to.
type Before map[string]model.Window

func key(gateway, address string) string { return gateway + "\x00" + address }

// BeforeOf takes the "before" figures from a snapshot (nil: none).
func BeforeOf(s *model.Snapshot) Before {
	b := Before{}
	if s == nil {
		return b
	}
	for _, u := range s.Upstreams {
		b[key(u.Gateway, u.Address)] = u.Window5m
	}
	return b
}

// Breach is one upstream the rule held for: which comparisons, and what
// gwtop says is wrong with it.
type Breach struct {
	Name    string
	Address string
	Gateway string
	State   model.State
	// Why are the comparisons that held, with the upstream's figures:
	// "rate_5xx 100.0% > 2%".
	Why []string
	// Cause is the upstream's strongest cause and Root the summary of the
	// strongest root under it (RootCode its code); empty when gwtop has
	// none.
	Cause    model.Cause
	RootCode model.RootCode
	Root     string
}

// String is the breach on one line: name, address, gateway, the figures,
// cause and root.
func (b Breach) String() string {
	var s strings.Builder
	s.WriteString(b.Name)
	if b.Address != "" && b.Address != b.Name {
		s.WriteString(" " + b.Address)
	}
	if b.Gateway != "" {
		s.WriteString(" (" + b.Gateway + ")")
	}
	fmt.Fprintf(&s, " %s: %s", b.State, strings.Join(b.Why, ", "))
	if b.Cause != "" {
		s.WriteString("; cause " + string(b.Cause))
		if b.RootCode != "" {
			s.WriteString(" → " + string(b.RootCode))
		}
		if b.Root != "" {
			s.WriteString(": " + b.Root)
		}
	} else {
		s.WriteString("; no cause found")
	}
	return s.String()
}

// Filter is the --upstream GLOB test: a path.Match pattern on the
// upstream's name or its address; "" matches every upstream.
func Filter(glob string) (func(model.Upstream) bool, error) {
	if glob == "" {
		return func(model.Upstream) bool { return true }, nil
	}
	if _, err := path.Match(glob, ""); err != nil {
		return nil, fmt.Errorf("bad pattern %q: %w", glob, err)
	}
	return func(u model.Upstream) bool {
		a, _ := path.Match(glob, u.Name)
		b, _ := path.Match(glob, u.Address)
		return a || b
	}, nil
}

// Eval applies the rule to each upstream of s that match accepts (nil:
// all), and returns those it holds for, in the snapshot's order. before
// holds the figures relative comparisons use (nil: none, so they do not
// hold).
func (r *Rule) Eval(s *model.Snapshot, before Before, match func(model.Upstream) bool) []Breach {
	if s == nil {
		return nil
	}
	var out []Breach
	for _, u := range s.Upstreams {
		if match != nil && !match(u) {
			continue
		}
		var b *model.Window
		if w, ok := before[key(u.Gateway, u.Address)]; ok {
			b = &w
		}
		held, why := eval(r.root, u, b)
		if !held {
			continue
		}
		br := Breach{Name: u.Name, Address: u.Address, Gateway: u.Gateway, State: u.State, Why: why}
		if br.Name == "" {
			br.Name = u.Address
		}
		if len(u.Causes) > 0 {
			c := u.Causes[0]
			br.Cause = c.Code
			if len(c.Roots) > 0 {
				br.RootCode, br.Root = c.Roots[0].Code, c.Roots[0].Summary
			}
		}
		out = append(out, br)
	}
	return out
}

func eval(n node, u model.Upstream, before *model.Window) (bool, []string) {
	switch n := n.(type) {
	case *binary:
		lh, lw := eval(n.l, u, before)
		if n.and && !lh {
			return false, nil
		}
		rh, rw := eval(n.r, u, before)
		switch {
		case n.and:
			return rh, append(lw, rw...)
		case lh && rh:
			return true, append(lw, rw...)
		case lh:
			return true, lw
		case rh:
			return true, rw
		}
		return false, nil
	case *cmp:
		return n.eval(u, before)
	}
	return false, nil
}

func (c *cmp) eval(u model.Upstream, before *model.Window) (bool, []string) {
	if c.column == "state" {
		held := (u.State == c.state) == (c.op == "==")
		if !held {
			return false, nil
		}
		return true, []string{fmt.Sprintf("state %s %s %s", u.State, c.op, c.state)}
	}
	v, ok := figure(c.column, u.Window1m)
	if !ok {
		return false, nil
	}
	limit, limitText := c.num, c.text
	if c.relative {
		if before == nil {
			return false, nil
		}
		b, ok := figure(c.column, *before)
		if !ok {
			return false, nil
		}
		limit = c.num * b
		limitText = fmt.Sprintf("%s (%s)", c.text, format(c.column, b))
	}
	if !compare(v, c.op, limit) {
		return false, nil
	}
	return true, []string{fmt.Sprintf("%s %s %s %s", c.column, format(c.column, v), c.op, limitText)}
}

// figure is a column's value in a window, and whether the window has data
// for it.
func figure(col string, w model.Window) (float64, bool) {
	switch col {
	case "rate_5xx":
		return w.Rate5xx, w.Requests > 0
	case "p50":
		return w.LatencyMS.P50, w.LatencyMS.Count > 0
	case "p95":
		return w.LatencyMS.P95, w.LatencyMS.Count > 0
	case "p99":
		return w.LatencyMS.P99, w.LatencyMS.Count > 0
	case "requests":
		return w.ReqPerSec, true
	}
	return 0, false
}

func format(col string, v float64) string {
	switch col {
	case "rate_5xx":
		return fmt.Sprintf("%.1f%%", v*100)
	case "requests":
		return fmt.Sprintf("%.2f/s", v)
	}
	return fmt.Sprintf("%.0fms", v)
}

func compare(v float64, op string, limit float64) bool {
	switch op {
	case ">":
		return v > limit
	case ">=":
		return v >= limit
	case "<":
		return v < limit
	case "<=":
		return v <= limit
	case "==":
		return v == limit
	case "!=":
		return v != limit
	}
	return false
}
