// Package filter is the language of the overview's / filter and of gwtop
// snapshot --filter: which upstreams to show.
//
// An expression is terms; terms separated by spaces must all hold (and),
// and | separates alternatives (or, binding looser than and):
//
//	pay                   plain text: a case-insensitive substring of the name,
//	                      address, group, gateway or a cause code
//	!pay                  ! negates any term
//	/^api-[0-9]+$/        an RE2 regular expression on the same fields, case-insensitive
//	state:down            up, degraded, down, unknown
//	cause:refused         one of the upstream's ranked causes (a cause code)
//	root:not_running      a root under one of its causes (a root code)
//	group:api             the nginx upstream block / HAProxy backend; * is a wildcard
//	gateway:nginx-2       the gateway instance; name:, addr:, instance: (a fleet's agent) likewise
//	5xx>2%                the 5-minute 5xx share (a bare number is a percentage)
//	p95>500ms             p50, p95, p99 over 5 minutes (500ms, 1.5s, 1m; a bare number is ms)
//	rps<1                 requests per second over 5 minutes
//	req>=100              requests over 5 minutes
//	state:down | 5xx>5% p95>1s
//
// Comparisons use >, >=, <, <=, = (or ==) and !=; "p95 > 500ms" with spaces
// is one term. A comparison on a figure the upstream has no data for (a
// percentile or a 5xx share with no request in the window) does not hold.
//
// Errors name the term, the 1-based byte position and why:
// "p95>abc at 1: not a duration (want 500ms, 1.5s)".
package filter

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gwtop/gwtop/model"
)

// Limits keep parsing and matching cheap whatever is typed.
const (
	MaxLen      = 4096 // bytes in an expression
	MaxTerms    = 64   // terms in an expression
	MaxRegexLen = 256  // bytes between the slashes of a /regex/
)

// Filter is a parsed expression. It is immutable and safe for concurrent
// use; the zero value and nil match every upstream.
type Filter struct {
	src string
	or  [][]term // alternatives of terms that must all hold
}

// Error is a mistake in an expression: the term, its 1-based byte position
// and why it is wrong.
type Error struct {
	Pos  int
	Term string
	Msg  string
}

func (e *Error) Error() string {
	if e.Term == "" {
		return fmt.Sprintf("at %d: %s", e.Pos, e.Msg)
	}
	return fmt.Sprintf("%s at %d: %s", e.Term, e.Pos, e.Msg)
}

// String is the expression as it was written.
func (f *Filter) String() string {
	if f == nil {
		return ""
	}
	return f.src
}

// Empty reports whether the filter matches everything (no terms).
func (f *Filter) Empty() bool { return f == nil || len(f.or) == 0 }

// Match reports whether u passes the filter.
func (f *Filter) Match(u *model.Upstream) bool {
	if f.Empty() {
		return true
	}
	for _, all := range f.or {
		ok := true
		for i := range all {
			if all[i].match(u) == all[i].not {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// Apply is the upstreams of s that pass the filter, in their order.
func (f *Filter) Apply(ups []model.Upstream) []model.Upstream {
	if f.Empty() {
		return ups
	}
	out := make([]model.Upstream, 0, len(ups))
	for i := range ups {
		if f.Match(&ups[i]) {
			out = append(out, ups[i])
		}
	}
	return out
}

type kind uint8

const (
	kText kind = iota
	kRegex
	kState
	kCause
	kRoot
	kField // a text field: group, gateway, name, address
	kCmp
)

// field names the text fields a key: term compares.
type field uint8

const (
	fGroup field = iota
	fGateway
	fName
	fAddress
	fInstance
)

// column names the figures a comparison reads.
type column uint8

const (
	c5xx column = iota
	cP50
	cP95
	cP99
	cRPS
	cReq
)

type term struct {
	kind  kind
	not   bool
	text  string // lower-case text, or the field's lower-case pattern
	re    *regexp.Regexp
	state model.State
	cause model.Cause
	root  model.RootCode
	field field
	col   column
	op    string
	num   float64 // fraction for 5xx, ms for percentiles, req/s, requests
}

// Parse reads an expression; an empty one (or only spaces) matches
// everything.
func Parse(src string) (*Filter, error) {
	if len(src) > MaxLen {
		return nil, &Error{Pos: MaxLen + 1, Msg: fmt.Sprintf("expression longer than %d bytes", MaxLen)}
	}
	words, err := split(src)
	if err != nil {
		return nil, err
	}
	f := &Filter{src: src}
	var cur []term
	var lastBar int
	n := 0
	for _, w := range words {
		if w.bar {
			if len(cur) == 0 {
				return nil, &Error{Pos: w.pos, Term: "|", Msg: "nothing before |: want a term on each side"}
			}
			f.or = append(f.or, cur)
			cur, lastBar = nil, w.pos
			continue
		}
		n++
		if n > MaxTerms {
			return nil, &Error{Pos: w.pos, Term: w.text, Msg: fmt.Sprintf("more than %d terms", MaxTerms)}
		}
		t, err := parseTerm(w)
		if err != nil {
			return nil, err
		}
		cur = append(cur, t)
	}
	if len(cur) == 0 && lastBar > 0 {
		return nil, &Error{Pos: lastBar, Term: "|", Msg: "nothing after |: want a term on each side"}
	}
	if len(cur) > 0 {
		f.or = append(f.or, cur)
	}
	return f, nil
}

// word is one term as written, or a | (bar).
type word struct {
	text string
	pos  int // 1-based
	bar  bool
}

// split cuts src into words at spaces and |, keeping a /regex/ whole (it
// may hold spaces and |) and joining "p95 > 500ms" into one comparison.
func split(src string) ([]word, error) {
	var out []word
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case isSpace(c):
			i++
			continue
		case c == '|':
			out = append(out, word{text: "|", pos: i + 1, bar: true})
			i++
			continue
		}
		start := i
		if c == '!' {
			i++
		}
		if i < len(src) && src[i] == '/' {
			end, err := regexEnd(src, i)
			if err != nil {
				return nil, err
			}
			i = end
		} else {
			for i < len(src) && !isSpace(src[i]) && src[i] != '|' {
				i++
			}
		}
		out = append(out, word{text: src[start:i], pos: start + 1})
	}
	return joinComparisons(out), nil
}

// regexEnd is the index after the / that closes the regex opening at i; a
// backslash escapes the next byte.
func regexEnd(src string, i int) (int, error) {
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case '/':
			return j + 1, nil
		}
	}
	t := src[i:]
	if len(t) > 40 {
		t = t[:40] + "…"
	}
	return 0, &Error{Pos: i + 1, Term: t, Msg: "regex not closed: want /regex/"}
}

// joinComparisons merges "p95", ">", "500ms" (or "p95", ">500ms", or
// "p95>", "500ms") into one word.
func joinComparisons(ws []word) []word {
	out := ws[:0:0]
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		for !w.bar && i+1 < len(ws) && !ws[i+1].bar && wantsMore(w.text, ws[i+1].text) {
			w.text += ws[i+1].text
			i++
		}
		out = append(out, w)
	}
	return out
}

// wantsMore says whether a comparison is split across words: a bare column
// followed by an operator, or a column and operator followed by its value.
func wantsMore(cur, next string) bool {
	body := strings.TrimPrefix(cur, "!")
	name, rest := cutColumn(body)
	if name == "" {
		return false
	}
	if rest == "" {
		return strings.IndexByte("<>=", next[0]) >= 0 || strings.HasPrefix(next, "!=")
	}
	op := operator(rest)
	return op != "" && op == rest
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// columns are the comparison columns by name, longest first where one is
// a prefix of another.
var columns = []struct {
	name string
	col  column
}{
	{"rate_5xx", c5xx}, {"5xx", c5xx}, {"p50", cP50}, {"p95", cP95}, {"p99", cP99},
	{"req_per_sec", cRPS}, {"rps", cRPS}, {"requests", cReq}, {"req", cReq},
}

// cutColumn splits a column name off the front of s when what follows is
// nothing or an operator.
func cutColumn(s string) (string, string) {
	ls := strings.ToLower(s)
	for _, c := range columns {
		if strings.HasPrefix(ls, c.name) {
			rest := s[len(c.name):]
			if rest == "" || operator(rest) != "" {
				return c.name, rest
			}
		}
	}
	return "", s
}

// operator is the comparison operator s starts with, or "".
func operator(s string) string {
	for _, op := range []string{">=", "<=", "==", "!=", ">", "<", "="} {
		if strings.HasPrefix(s, op) {
			return op
		}
	}
	return ""
}

// keys are the key: terms; a word with another prefix before a colon is
// plain text (an address such as localhost:8000).
var keys = []string{"state", "cause", "root", "group", "gateway", "name", "addr", "address", "instance"}

func parseTerm(w word) (term, error) {
	var t term
	s := w.text
	if strings.HasPrefix(s, "!") {
		t.not = true
		s = s[1:]
		if s == "" {
			return t, &Error{Pos: w.pos, Term: w.text, Msg: "! needs a term after it"}
		}
		if s[0] == '!' {
			return t, &Error{Pos: w.pos, Term: w.text, Msg: "one ! is enough"}
		}
	}
	fail := func(msg string) (term, error) { return term{}, &Error{Pos: w.pos, Term: w.text, Msg: msg} }

	if s[0] == '/' {
		body := s[1 : len(s)-1]
		if len(body) == 0 {
			return fail("empty regex")
		}
		if len(body) > MaxRegexLen {
			return fail(fmt.Sprintf("regex longer than %d bytes", MaxRegexLen))
		}
		// Checked alone first so that the error quotes what was typed.
		if _, err := regexp.Compile(body); err != nil {
			return fail("bad regex: " + reason(err))
		}
		re, err := regexp.Compile("(?i)" + body)
		if err != nil {
			return fail("bad regex: " + reason(err))
		}
		t.kind, t.re = kRegex, re
		return t, nil
	}
	if name, rest := cutColumn(s); name != "" {
		return comparison(t, w, name, rest)
	}
	if k, v, ok := strings.Cut(s, ":"); ok {
		lk := strings.ToLower(k)
		for _, key := range keys {
			if lk == key {
				return keyTerm(t, w, lk, v)
			}
		}
	}
	t.kind, t.text = kText, strings.ToLower(s)
	return t, nil
}

// reason is a regexp error without the package's "error parsing regexp: "
// prefix.
func reason(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "error parsing regexp: ")
	return msg
}

func keyTerm(t term, w word, key, v string) (term, error) {
	fail := func(msg string) (term, error) { return term{}, &Error{Pos: w.pos, Term: w.text, Msg: msg} }
	lv := strings.ToLower(v)
	if v == "" {
		return fail("empty value after " + key + ":")
	}
	switch key {
	case "state":
		for _, st := range []model.State{model.StateUp, model.StateDegraded, model.StateDown, model.StateUnknown} {
			if lv == string(st) {
				t.kind, t.state = kState, st
				return t, nil
			}
		}
		return fail("unknown state: want up, degraded, down, unknown")
	case "cause":
		for _, c := range model.AllCauses() {
			if lv == string(c) {
				t.kind, t.cause = kCause, c
				return t, nil
			}
		}
		return fail("unknown cause: want " + causeList())
	case "root":
		for _, r := range model.AllRoots() {
			if lv == string(r) {
				t.kind, t.root = kRoot, r
				return t, nil
			}
		}
		return fail("unknown root: want " + rootList())
	case "group":
		t.field = fGroup
	case "gateway":
		t.field = fGateway
	case "name":
		t.field = fName
	case "instance":
		t.field = fInstance
	default: // addr, address
		t.field = fAddress
	}
	t.kind, t.text = kField, lv
	return t, nil
}

func causeList() string {
	var b strings.Builder
	for i, c := range model.AllCauses() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(c))
	}
	return b.String()
}

func rootList() string {
	var b strings.Builder
	for i, r := range model.AllRoots() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(r))
	}
	return b.String()
}

func comparison(t term, w word, name, rest string) (term, error) {
	fail := func(msg string) (term, error) { return term{}, &Error{Pos: w.pos, Term: w.text, Msg: msg} }
	for _, c := range columns {
		if c.name == name {
			t.col = c.col
			break
		}
	}
	op := operator(rest)
	if op == "" {
		return fail("want an operator after " + name + ": >, >=, <, <=, =, !=")
	}
	if op == "==" {
		t.op = "="
	} else {
		t.op = op
	}
	v := strings.TrimSpace(rest[len(op):])
	if v == "" {
		return fail("want a value after " + op + " (" + want(t.col) + ")")
	}
	num, err := value(t.col, v)
	if err != nil {
		return fail(err.Error())
	}
	t.kind, t.num = kCmp, num
	return t, nil
}

func want(c column) string {
	switch c {
	case c5xx:
		return "a percentage: 2%, 0.5%"
	case cRPS:
		return "requests per second: 1, 0.5, 10/s"
	case cReq:
		return "a count of requests: 100"
	default:
		return "a duration: 500ms, 1.5s"
	}
}

// value reads a comparison's threshold in the column's unit.
func value(c column, s string) (float64, error) {
	ls := strings.ToLower(s)
	num := func(t string) (float64, bool) {
		f, err := strconv.ParseFloat(t, 64)
		// NaN, Inf and hex floats are not thresholds anyone writes.
		if err != nil || f != f || f-f != 0 || f < 0 || strings.ContainsAny(t, "xXpPnN_") {
			return 0, false
		}
		return f, true
	}
	switch c {
	case c5xx:
		f, ok := num(strings.TrimSuffix(ls, "%"))
		if !ok {
			return 0, fmt.Errorf("not a percentage (want %s)", want(c)[len("a percentage: "):])
		}
		if f > 100 {
			return 0, fmt.Errorf("%s is more than 100%%", s)
		}
		return f / 100, nil
	case cRPS:
		f, ok := num(strings.TrimSuffix(ls, "/s"))
		if !ok {
			return 0, fmt.Errorf("not a rate (want 1, 0.5, 10/s)")
		}
		return f, nil
	case cReq:
		f, ok := num(ls)
		if !ok {
			return 0, fmt.Errorf("not a number of requests (want 100)")
		}
		return f, nil
	default:
		bad := fmt.Errorf("not a duration (want 500ms, 1.5s)")
		if f, ok := num(ls); ok {
			return f, nil // a bare number is milliseconds
		}
		// time.ParseDuration's units: 1.5s, 500ms, 250us, 1m30s, 1h.
		d, err := time.ParseDuration(ls)
		if err != nil || d < 0 || strings.HasPrefix(ls, "+") {
			return 0, bad
		}
		return float64(d) / float64(time.Millisecond), nil
	}
}
