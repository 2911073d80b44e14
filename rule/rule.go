// Package rule is the language of gwtop watch's and gwtop snapshot's
// --fail-when: a condition on each upstream that, when it holds, breaks
// the gate.
//
// A rule is comparisons joined with "and" and "or" ("and" binds tighter;
// parentheses group):
//
//	rate_5xx > 2%                  share of requests answered 5xx, over the last minute
//	p95 > 800ms                    latency percentile over the last minute (p50, p95, p99; ms or s)
//	p99 > 2x before                relative to the upstream's 5-minute window when the watch started
//	requests < 1/s                 requests per second over the last minute
//	state == down                  up, degraded, down or unknown (== and != only)
//	rate_5xx > 5% or (p95 > 1s and requests > 1/s)
//
// Operators are >, >=, <, <=, == and !=. A value is a percentage for
// rate_5xx, a duration (800ms, 1.5s) for the percentiles, a rate (5/s) for
// requests, or for any of them NUMBERx before: that many times the
// upstream's figure in its Window5m of the first snapshot the watch took
// (the logs' backfill: the minutes before the watch started).
//
// A comparison on a figure the upstream has no data for — a percentile with
// no request in the last minute, "before" for an upstream that had no
// traffic then — does not hold, so silence never breaks a gate by latency;
// requests < 1/s is how to ask for traffic.
//
// Errors name the column and the 1-based position in the rule:
// unknown column "p96" at 1: want rate_5xx, p50, p95, p99, requests, state.
package rule

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/gwtop/gwtop/model"
)

// Columns are the names a comparison may use, in the order errors list
// them.
var Columns = []string{"rate_5xx", "p50", "p95", "p99", "requests", "state"}

// Rule is a parsed --fail-when rule. It is immutable and safe for
// concurrent use.
type Rule struct {
	src  string
	root node
}

// Error is a mistake in a rule: what is wrong and where (Pos is 1-based,
// in bytes).
type Error struct {
	Pos int
	Msg string
}

func (e *Error) Error() string {
	// Msg may end with ": want …" after the position, as in
	// `unknown column "p96" at 1: want …`.
	head, tail, ok := strings.Cut(e.Msg, ": want ")
	if ok {
		return fmt.Sprintf("%s at %d: want %s", head, e.Pos, tail)
	}
	return fmt.Sprintf("%s at %d", e.Msg, e.Pos)
}

// String is the rule as it was written.
func (r *Rule) String() string { return r.src }

// UsesBefore says whether some comparison is relative to the window before
// the watch started.
func (r *Rule) UsesBefore() bool { return usesBefore(r.root) }

func usesBefore(n node) bool {
	switch n := n.(type) {
	case *binary:
		return usesBefore(n.l) || usesBefore(n.r)
	case *cmp:
		return n.relative
	}
	return false
}

type node interface{ isNode() }

type binary struct {
	and  bool
	l, r node
}

type cmp struct {
	column   string
	op       string
	num      float64     // the threshold: a fraction, ms, req/s, or the factor when relative
	state    model.State // for state
	relative bool        // NUMBERx before
	text     string      // the value as written, for explanations
}

func (*binary) isNode() {}
func (*cmp) isNode()    {}

// Parse reads a rule.
func Parse(src string) (*Rule, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, end: len(src) + 1}
	if len(toks) == 0 {
		return nil, &Error{Pos: 1, Msg: "empty rule: want a comparison such as rate_5xx > 2%"}
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		t := p.toks[p.i]
		return nil, &Error{Pos: t.pos, Msg: fmt.Sprintf("unexpected %q: want and, or", t.text)}
	}
	return &Rule{src: src, root: n}, nil
}

// MustParse is Parse for rules known to be valid; it panics otherwise.
func MustParse(src string) *Rule {
	r, err := Parse(src)
	if err != nil {
		panic(err)
	}
	return r
}

type token struct {
	text string
	pos  int // 1-based
}

// lex splits a rule into words, numbers with their unit, operators and
// parentheses.
func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, token{s[i : i+1], i + 1})
			i++
		case strings.ContainsRune("<>=!", rune(c)):
			j := i + 1
			if j < len(s) && s[j] == '=' {
				j++
			}
			op := s[i:j]
			if op == "=" || op == "!" {
				return nil, &Error{Pos: i + 1, Msg: fmt.Sprintf("unknown operator %q: want >, >=, <, <=, ==, !=", op)}
			}
			toks = append(toks, token{op, i + 1})
			i = j
		case isWord(rune(c)) || c == '.' || c == '%' || c == '/':
			j := i
			for j < len(s) && (isWord(rune(s[j])) || s[j] == '.' || s[j] == '%' || s[j] == '/') {
				j++
			}
			toks = append(toks, token{s[i:j], i + 1})
			i = j
		default:
			r := []rune(s[i:])[0]
			return nil, &Error{Pos: i + 1, Msg: fmt.Sprintf("unexpected character %q: want a column, an operator, a value, and, or, parentheses", r)}
		}
	}
	return toks, nil
}

func isWord(r rune) bool {
	return r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_')
}

type parser struct {
	toks  []token
	i     int
	end   int // the position just past the rule, for "missing …" errors
	depth int
}

// maxDepth bounds nested parentheses, so a hostile rule cannot exhaust
// the stack.
const maxDepth = 32

func (p *parser) peek() (token, bool) {
	if p.i < len(p.toks) {
		return p.toks[p.i], true
	}
	return token{pos: p.end}, false
}

func (p *parser) or() (node, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok || !strings.EqualFold(t.text, "or") {
			return l, nil
		}
		p.i++
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = &binary{l: l, r: r}
	}
}

func (p *parser) and() (node, error) {
	l, err := p.atom()
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok || !strings.EqualFold(t.text, "and") {
			return l, nil
		}
		p.i++
		r, err := p.atom()
		if err != nil {
			return nil, err
		}
		l = &binary{and: true, l: l, r: r}
	}
}

func (p *parser) atom() (node, error) {
	t, ok := p.peek()
	if !ok {
		return nil, &Error{Pos: t.pos, Msg: "missing comparison: want a column: " + strings.Join(Columns, ", ")}
	}
	if t.text == "(" {
		if p.depth >= maxDepth {
			return nil, &Error{Pos: t.pos, Msg: fmt.Sprintf("parentheses nested deeper than %d", maxDepth)}
		}
		p.depth++
		p.i++
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		c, ok := p.peek()
		if !ok || c.text != ")" {
			return nil, &Error{Pos: t.pos, Msg: `unclosed "(": want ")"`}
		}
		p.i++
		p.depth--
		return n, nil
	}
	return p.comparison()
}

func (p *parser) comparison() (node, error) {
	col, _ := p.peek()
	name := strings.ToLower(col.text)
	if !isColumn(name) {
		return nil, &Error{Pos: col.pos, Msg: fmt.Sprintf("unknown column %q: want %s", col.text, strings.Join(Columns, ", "))}
	}
	p.i++
	op, ok := p.peek()
	if !ok || !isOp(op.text) {
		what := "the end"
		if ok {
			what = strconv.Quote(op.text)
		}
		return nil, &Error{Pos: op.pos, Msg: fmt.Sprintf("%s: %s where an operator belongs: want >, >=, <, <=, ==, !=", name, what)}
	}
	p.i++
	c := &cmp{column: name, op: op.text}
	if name == "state" {
		if op.text != "==" && op.text != "!=" {
			return nil, &Error{Pos: op.pos, Msg: fmt.Sprintf("operator %q on state: want == or !=", op.text)}
		}
		v, ok := p.peek()
		switch s := model.State(strings.ToLower(v.text)); {
		case !ok:
			return nil, &Error{Pos: v.pos, Msg: "state: missing value: want up, degraded, down, unknown"}
		case s == model.StateUp || s == model.StateDegraded || s == model.StateDown || s == model.StateUnknown:
			c.state, c.text = s, string(s)
			p.i++
			return c, nil
		default:
			return nil, &Error{Pos: v.pos, Msg: fmt.Sprintf("state: unknown state %q: want up, degraded, down, unknown", v.text)}
		}
	}
	v, ok := p.peek()
	if !ok {
		return nil, &Error{Pos: v.pos, Msg: fmt.Sprintf("%s: missing value: want %s", name, want(name))}
	}
	p.i++
	// NUMBERx before.
	if f, ok := strings.CutSuffix(strings.ToLower(v.text), "x"); ok {
		n, err := strconv.ParseFloat(f, 64)
		b, more := p.peek()
		if err != nil || !isFinite(n) || n < 0 {
			return nil, &Error{Pos: v.pos, Msg: fmt.Sprintf("%s: bad factor %q: want %s", name, v.text, want(name))}
		}
		if !more || !strings.EqualFold(b.text, "before") {
			return nil, &Error{Pos: b.pos, Msg: fmt.Sprintf("%s: %q needs \"before\": want %s before", name, v.text, v.text)}
		}
		p.i++
		c.num, c.relative, c.text = n, true, v.text+" before"
		return c, nil
	}
	n, err := value(name, v.text)
	if err != nil {
		return nil, &Error{Pos: v.pos, Msg: fmt.Sprintf("%s: bad value %q: want %s", name, v.text, want(name))}
	}
	c.num, c.text = n, v.text
	return c, nil
}

// value reads an absolute value in the column's unit: a fraction for
// rate_5xx, milliseconds for the percentiles, requests per second.
func value(col, s string) (float64, error) {
	num := func(t string) (float64, error) {
		n, err := strconv.ParseFloat(t, 64)
		if err != nil || !isFinite(n) || n < 0 || strings.ContainsAny(t, "eEiInNxX+-_") {
			return 0, fmt.Errorf("not a plain number")
		}
		return n, nil
	}
	l := strings.ToLower(s)
	switch col {
	case "rate_5xx":
		if t, ok := strings.CutSuffix(l, "%"); ok {
			n, err := num(t)
			if err != nil || n > 100 {
				return 0, fmt.Errorf("bad percentage")
			}
			return n / 100, nil
		}
	case "p50", "p95", "p99":
		if t, ok := strings.CutSuffix(l, "ms"); ok {
			return num(t)
		}
		if t, ok := strings.CutSuffix(l, "s"); ok {
			n, err := num(t)
			return n * 1000, err
		}
	case "requests":
		if t, ok := strings.CutSuffix(l, "/s"); ok {
			return num(t)
		}
		if t, ok := strings.CutSuffix(l, "/m"); ok {
			n, err := num(t)
			return n / 60, err
		}
	}
	return 0, fmt.Errorf("no unit")
}

func want(col string) string {
	switch col {
	case "rate_5xx":
		return "a percentage such as 2%, or 2x before"
	case "requests":
		return "a rate such as 1/s or 30/m, or 0.5x before"
	}
	return "a duration such as 800ms or 1.5s, or 2x before"
}

func isColumn(s string) bool {
	for _, c := range Columns {
		if c == s {
			return true
		}
	}
	return false
}

func isOp(s string) bool {
	switch s {
	case ">", ">=", "<", "<=", "==", "!=":
		return true
	}
	return false
}

func isFinite(f float64) bool { return f-f == 0 }
