package logformat

import (
	"errors"
	"fmt"
	"strings"
)

// Built-in formats. combined is compiled into nginx itself; main is the
// format Debian's and nginx.org's packaged nginx.conf define, so most hosts
// that never touched log_format log in one of these two.
const (
	formatCombined = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`
	formatMain     = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for"`
)

// escapeMode is log_format's escape= parameter. It decides how values can
// contain quotes and backslashes, which changes how a field's end is found.
type escapeMode uint8

const (
	escapeDefault escapeMode = iota // '"', '\' and non-printables as \xXX
	escapeJSON                      // JSON string escapes
	escapeNone                      // raw bytes
)

// varKind is what Parse does with a variable's value.
type varKind uint8

const (
	varOther varKind = iota // matched, not stored
	varTimeLocal
	varTimeISO
	varMsec
	varStatus
	varRequest
	varRequestMethod
	varRequestURI
	varURI
	varHost
	varHTTPHost
	varRemoteAddr
	varRequestTime
	varUpAddr
	varUpStatus
	varUpResponseTime
	varUpConnectTime
	varUpHeaderTime
	varUpList // another per-attempt upstream variable: matched, not stored
)

var knownVars = map[string]varKind{
	"time_local":             varTimeLocal,
	"time_iso8601":           varTimeISO,
	"msec":                   varMsec,
	"status":                 varStatus,
	"request":                varRequest,
	"request_method":         varRequestMethod,
	"request_uri":            varRequestURI,
	"uri":                    varURI,
	"host":                   varHost,
	"http_host":              varHTTPHost,
	"remote_addr":            varRemoteAddr,
	"request_time":           varRequestTime,
	"upstream_addr":          varUpAddr,
	"upstream_status":        varUpStatus,
	"upstream_response_time": varUpResponseTime,
	"upstream_connect_time":  varUpConnectTime,
	"upstream_header_time":   varUpHeaderTime,
	// These hold one element per attempt too, so their values contain the
	// ", " and " : " separators; the scanner must know that even though
	// the values are not kept.
	"upstream_response_length": varUpList,
	"upstream_bytes_received":  varUpList,
	"upstream_bytes_sent":      varUpList,
}

// isList reports whether values of k are ", "/" : " separated lists.
func (k varKind) isList() bool {
	return k >= varUpAddr && k <= varUpList
}

// width is the fixed length of values of k, or 0 when it varies. A fixed
// width lets a field contain its own separator ($time_local has a space)
// and lets it sit directly before another variable.
func (k varKind) width() int {
	switch k {
	case varTimeLocal:
		return len("07/May/2020:03:15:12 +0000")
	case varTimeISO:
		return len("2024-05-07T10:01:02+00:00")
	}
	return 0
}

// upIndex maps the stored upstream variables to a slot in Record.up.
func (k varKind) upIndex() int {
	switch k {
	case varUpAddr:
		return upAddr
	case varUpStatus:
		return upStatus
	case varUpResponseTime:
		return upResponse
	case varUpConnectTime:
		return upConnect
	case varUpHeaderTime:
		return upHeader
	}
	return -1
}

const (
	upAddr = iota
	upStatus
	upResponse
	upConnect
	upHeader
	numUp
)

// token is one piece of a compiled format: a literal when name is empty,
// otherwise a variable.
type token struct {
	lit  string
	name string  // variable name without '$', for messages
	kind varKind // what to do with the value
	skip bool    // a higher-priority variable fills the same Record field

	// Decided once by specialise, so Parse does not work them out for
	// every field of every line.
	store      bool   // the value goes into the Record
	width      int    // kind.width()
	last       bool   // the format's last token
	beforeLast bool   // followed by the format's last token, a literal
	next       string // the literal that ends the value
	jsonQuote  bool   // escape=json and next starts with '"': \" does not end it
	listSep    bool   // an upstream list whose separators next could match inside
	find       findMode
	rep        uint64  // next's first byte in every byte of a word
	litWord    litWord // lit, for a literal token
	nextWord   litWord // next
	upRaw      int8    // the Record.up slot the value is stored in as it is; -1: store decides
}

// findMode is how Parse finds the end of a variable's value, decided once
// per token by specialise.
type findMode uint8

const (
	findWidth   findMode = iota // a fixed width: cut by length
	findRest                    // the format's last token: the rest of the line
	findSuffix                  // followed by the last literal: where it ends the line
	findByte                    // the first occurrence of next, one byte
	findLit                     // the first occurrence of next, several bytes
	findRefined                 // fieldEnd: next, with the $request, JSON-quote or list refinements
)

// Format is a compiled log_format. It is immutable after Compile, so one
// Format may be shared by goroutines, each with its own Record.
type Format struct {
	text   string // the format after quote removal, for String
	escape escapeMode
	tokens []token
	up     [numUp]bool // which upstream variables the format has
	lead   int         // the first of them, which counts the attempts; -1: none
	ups    []int       // the ones it has, in order
	// $request fills Method and URI only when no more specific variable
	// ($request_method, $request_uri) does.
	reqMethod, reqURI bool
}

// String returns the format text as nginx sees it (quotes removed, pieces
// concatenated).
func (f *Format) String() string { return f.text }

// Compile compiles an nginx log_format into a parser. format may be:
//
//   - "combined" or "main", the two formats almost every nginx ships with;
//   - the format text itself: $remote_addr - [$time_local] "$request" ...
//   - the directive as written in nginx.conf, optionally starting with
//     "log_format NAME" and "escape=json|default|none", the text split in
//     '...' or "..." pieces that are concatenated like nginx does, with an
//     optional trailing ';'.
//
// Text that starts with a single quote is always read as directive pieces.
// Text that starts with a double quote is read as pieces only when the
// log_format or escape= prefix is present, it ends with ';', or it contains
// \" — otherwise it is format text whose first literal is a quote (as in
// the "apm" format: "$time_local" client=...).
//
// Variables are $name or ${name}. Two variables with nothing between them
// cannot be split, so they are rejected unless the first has a fixed width
// ($time_local, $time_iso8601).
func Compile(format string) (*Format, error) {
	src := strings.TrimSpace(format)
	switch src {
	case "combined":
		src = formatCombined
	case "main":
		src = formatMain
	case "":
		return nil, errors.New("log_format: empty format")
	}
	// All positions below are offsets in format, so errors point at what
	// the user typed.
	base := len(format) - len(strings.TrimLeft(format, " \t\r\n"))
	if src == formatCombined || src == formatMain { // a built-in name was replaced
		base, format = 0, src
	}
	c := compiler{src: format}
	return c.compile(base)
}

type compiler struct {
	src string // the original text, for error positions
}

// errAt formats a compile error naming the position in the user's text.
func (c *compiler) errAt(off int, why string, args ...any) error {
	line, col := 1, 1
	for i := 0; i < off && i < len(c.src); i++ {
		if c.src[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	msg := fmt.Sprintf(why, args...)
	if strings.Contains(c.src, "\n") {
		return fmt.Errorf("log_format: %s at line %d column %d", msg, line, col)
	}
	return fmt.Errorf("log_format: %s at column %d", msg, col)
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

func (c *compiler) skipSpace(i int) int {
	for i < len(c.src) && isSpace(c.src[i]) {
		i++
	}
	return i
}

func (c *compiler) word(i int) (string, int) {
	j := i
	for j < len(c.src) && !isSpace(c.src[j]) {
		j++
	}
	return c.src[i:j], j
}

func (c *compiler) compile(i int) (*Format, error) {
	f := &Format{}
	end := len(strings.TrimRightFunc(c.src, func(r rune) bool { return r < 128 && isSpace(byte(r)) }))
	prefixed, keyword := false, false
	if w, j := c.word(i); w == "log_format" {
		i = c.skipSpace(j)
		if i >= end {
			return nil, c.errAt(i, "missing format name after log_format")
		}
		_, j = c.word(i) // the format's name; only the text matters
		i = c.skipSpace(j)
		prefixed, keyword = true, true
	}
	if w, j := c.word(i); strings.HasPrefix(w, "escape=") {
		switch strings.TrimSuffix(w[len("escape="):], ";") {
		case "default":
			f.escape = escapeDefault
		case "json":
			f.escape = escapeJSON
		case "none":
			f.escape = escapeNone
		default:
			return nil, c.errAt(i, "unknown %q (want escape=default, json or none)", w)
		}
		i = c.skipSpace(j)
		prefixed = true
	}
	if i >= end {
		return nil, c.errAt(i, "empty format")
	}

	// text is the format nginx would use; offs[k] is where text[k] came
	// from in c.src, so tokenising errors can point at the user's input.
	var text []byte
	var offs []int
	useArgs := false
	switch c.src[i] {
	case '\'':
		useArgs = true
	case '"':
		useArgs = prefixed || c.src[end-1] == ';' || strings.Contains(c.src[i:end], `\"`)
	}
	if useArgs {
		var err error
		text, offs, err = c.args(i, end)
		if err != nil {
			return nil, err
		}
	} else {
		stop := end
		if keyword && c.src[stop-1] == ';' {
			stop--
		}
		for k := i; k < stop; k++ {
			text = append(text, c.src[k])
			offs = append(offs, k)
		}
	}
	if len(text) == 0 {
		return nil, c.errAt(i, "empty format")
	}
	f.text = string(text)
	if err := c.tokenize(f, text, offs); err != nil {
		return nil, err
	}
	assignRoles(f)
	specialise(f)
	return f, nil
}

// specialise records on each variable token what finding its end and
// storing it need.
func specialise(f *Format) {
	n := len(f.tokens)
	for k := range f.tokens {
		t := &f.tokens[k]
		t.upRaw = -1
		if t.name == "" {
			t.litWord = newLitWord(t.lit)
			continue
		}
		t.store = !t.skip && t.kind != varOther && t.kind != varUpList
		if u := t.kind.upIndex(); t.store && u >= 0 && f.escape != escapeJSON {
			t.upRaw = int8(u) // with escape=json, store unescapes it first
		}
		t.width = t.kind.width()
		t.last = k == n-1
		switch {
		case t.width > 0:
			t.find = findWidth
			continue
		case t.last:
			t.find = findRest
			continue
		}
		t.next = f.tokens[k+1].lit
		t.beforeLast = k+1 == n-1
		t.jsonQuote = f.escape == escapeJSON && t.next[0] == '"'
		// A match of next can fall on a ", " or " : " inside the list only
		// where next's first byte is one of theirs.
		t.listSep = t.kind.isList() && strings.ContainsAny(t.next[:1], ", :")
		t.rep = uint64(t.next[0]) * lsb8
		t.nextWord = newLitWord(t.next)
		switch {
		case t.beforeLast:
			t.find = findSuffix
		case t.jsonQuote || t.listSep || t.kind == varRequest && t.next[0] == ' ':
			t.find = findRefined
		case len(t.next) == 1:
			t.find = findByte
		default:
			t.find = findLit
		}
	}
	f.lead, f.ups = -1, nil
	for u := 0; u < numUp; u++ {
		if f.up[u] {
			if f.lead < 0 {
				f.lead = u
			}
			f.ups = append(f.ups, u)
		}
	}
}

// args reads nginx directive arguments between i and end: '...' and "..."
// pieces and bare words separated by whitespace, with an optional final
// ';'. nginx concatenates log_format's arguments, so do we.
func (c *compiler) args(i, end int) ([]byte, []int, error) {
	var text []byte
	var offs []int
	for i < end {
		q := c.src[i]
		if q == ';' {
			if c.skipSpace(i+1) < end {
				return nil, nil, c.errAt(i+1, "unexpected text after ';'")
			}
			break
		}
		if q != '\'' && q != '"' {
			for i < end && !isSpace(c.src[i]) && c.src[i] != ';' {
				text = append(text, c.src[i])
				offs = append(offs, i)
				i++
			}
			i = c.skipSpace(i)
			continue
		}
		start := i
		i++
		closed := false
		for i < end {
			b := c.src[i]
			if b == q {
				closed = true
				i++
				break
			}
			if b == '\\' && i+1 < end {
				// nginx's conf parser unescapes these inside quotes and
				// keeps the backslash before anything else.
				switch n := c.src[i+1]; n {
				case '"', '\'', '\\':
					text, offs = append(text, n), append(offs, i)
					i += 2
					continue
				case 't':
					text, offs = append(text, '\t'), append(offs, i)
					i += 2
					continue
				case 'r':
					text, offs = append(text, '\r'), append(offs, i)
					i += 2
					continue
				case 'n':
					text, offs = append(text, '\n'), append(offs, i)
					i += 2
					continue
				}
			}
			text, offs = append(text, b), append(offs, i)
			i++
		}
		if !closed {
			return nil, nil, c.errAt(start, "unterminated quote")
		}
		if i < end && !isSpace(c.src[i]) && c.src[i] != ';' {
			return nil, nil, c.errAt(i, "unexpected %q after closing quote", c.src[i])
		}
		i = c.skipSpace(i)
	}
	return text, offs, nil
}

func isNameByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// tokenize splits text into literals and variables.
func (c *compiler) tokenize(f *Format, text []byte, offs []int) error {
	var lit []byte
	flush := func() {
		if len(lit) > 0 {
			f.tokens = append(f.tokens, token{lit: string(lit)})
			lit = lit[:0]
		}
	}
	for k := 0; k < len(text); {
		if text[k] != '$' {
			lit = append(lit, text[k])
			k++
			continue
		}
		at := offs[k]
		var name string
		if k+1 < len(text) && text[k+1] == '{' {
			e := k + 2
			for e < len(text) && text[e] != '}' {
				e++
			}
			if e >= len(text) {
				return c.errAt(at, "unterminated ${")
			}
			name = string(text[k+2 : e])
			for x := 0; x < len(name); x++ {
				if !isNameByte(name[x]) {
					return c.errAt(offs[k+2+x], "invalid character %q in variable name", name[x])
				}
			}
			k = e + 1
		} else {
			e := k + 1
			for e < len(text) && isNameByte(text[e]) {
				e++
			}
			name = string(text[k+1 : e])
			k = e
		}
		if name == "" {
			return c.errAt(at, "'$' without a variable name")
		}
		if len(lit) == 0 && len(f.tokens) > 0 {
			prev := f.tokens[len(f.tokens)-1]
			if prev.name != "" && prev.kind.width() == 0 {
				return c.errAt(at, "variables $%s and $%s have no text between them, so their values cannot be told apart", prev.name, name)
			}
		}
		flush()
		f.tokens = append(f.tokens, token{name: name, kind: knownVars[name]})
	}
	flush()
	return nil
}

// assignRoles decides which variable fills each Record field when a format
// has several that could (both $request and $request_uri, say): the most
// precise wins and the others are matched but skipped.
func assignRoles(f *Format) {
	has := map[varKind]bool{}
	for _, t := range f.tokens {
		if t.name != "" {
			has[t.kind] = true
		}
	}
	// Each group lists kinds from best to worst.
	groups := [][]varKind{
		{varMsec, varTimeISO, varTimeLocal},
		{varRequestMethod, varRequest},
		{varRequestURI, varRequest, varURI},
		{varHost, varHTTPHost},
	}
	loser := map[varKind]bool{}
	for _, g := range groups {
		won := false
		for _, k := range g {
			if !has[k] {
				continue
			}
			if won && k != varRequest {
				loser[k] = true
			}
			won = true
		}
	}
	f.reqMethod = !has[varRequestMethod]
	f.reqURI = !has[varRequestURI]
	seen := map[varKind]bool{}
	for i := range f.tokens {
		t := &f.tokens[i]
		if t.name == "" || t.kind == varOther || t.kind == varUpList {
			continue
		}
		// A variable logged twice is stored once.
		t.skip = loser[t.kind] || seen[t.kind]
		seen[t.kind] = true
		if u := t.kind.upIndex(); u >= 0 && !t.skip {
			f.up[u] = true
		}
	}
}
