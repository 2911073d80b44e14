package apache

import (
	"fmt"
	"strings"
)

// Nicknames are the LogFormat nicknames Debian's apache2.conf defines,
// after the configuration file's quoting is undone.
var Nicknames = map[string]string{
	"vhost_combined": `%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"`,
	"combined":       `%h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"`,
	"common":         `%h %l %u %t "%r" %>s %O`,
	"referer":        `%{Referer}i -> %U`,
	"agent":          `%{User-agent}i`,
}

// role is what the parser does with a field's value.
type role uint8

const (
	roleSkip     role = iota
	roleTime          // %t, %{format}t
	roleStatus        // %s, %<s: the original request's status
	roleFinal         // %>s: the final status
	roleMicros        // %D, %{us}T
	roleMillis        // %{ms}T
	roleSeconds       // %T, %{s}T
	roleRequest       // %r: method, path and protocol
	rolePath          // %U
	roleWorker        // %{BALANCER_WORKER_NAME}e
	roleRoute         // %{BALANCER_ROUTE}e
	roleQuery         // %q
	roleHost          // %v
	roleBytesIn       // %I
	roleBytesOut      // %O, %b, %B
	roleRemote        // %h, %a
)

// token is a literal (letter == 0) or one % directive.
type token struct {
	lit    string
	letter string // "s", "t", "^ti", …
	arg    string // the {…} argument
	final  byte   // '<' or '>' when given
	role   role
	quoted bool // the literal before ends and the one after starts with '"'
	tf     *timeFormat
}

// Format is a compiled LogFormat. It is immutable and safe for concurrent
// use.
type Format struct {
	text string
	toks []token
	// has* say which values the format carries.
	hasTime, hasStatus, hasDuration, hasPath, hasWorker bool
}

// String returns the format string (a nickname expanded).
func (f *Format) String() string { return f.text }

// HasWorker reports whether the format logs %{BALANCER_WORKER_NAME}e,
// which names the backend of every balanced request.
func (f *Format) HasWorker() bool { return f.hasWorker }

// HasPath reports whether the format logs the request path (%r or %U),
// which the Router needs.
func (f *Format) HasPath() bool { return f.hasPath }

// letters are mod_log_config's one-letter directives (log_item_keys of
// mod_log_config.c and mod_logio's I, O, S, ^FB).
const letters = "aABbCDefhHiklLmnopPqrRstTuUvVXIOS"

// CompileLogFormat compiles a LogFormat string — the directive's argument
// as Apache sees it once the configuration file's quoting is undone (a
// `\"` left in it is read as `"`) — or one of Nicknames. It fails, with
// the offset, on a directive mod_log_config would reject and on two
// directives with no text between them, which no parser could split.
func CompileLogFormat(s string) (*Format, error) {
	if n, ok := Nicknames[s]; ok {
		s = n
	}
	f := &Format{text: s}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			f.toks = append(f.toks, token{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case 'n':
				lit.WriteByte('\n')
			case 't':
				lit.WriteByte('\t')
			case '"', '\\':
				lit.WriteByte(s[i+1])
			default:
				lit.WriteByte('\\')
				lit.WriteByte(s[i+1])
			}
			i += 2
			continue
		}
		if c != '%' {
			lit.WriteByte(c)
			i++
			continue
		}
		if i+1 < len(s) && s[i+1] == '%' {
			lit.WriteByte('%')
			i += 2
			continue
		}
		tok, next, err := directive(s, i)
		if err != nil {
			return nil, err
		}
		flush()
		f.toks = append(f.toks, tok)
		i = next
	}
	flush()
	for k := range f.toks {
		t := &f.toks[k]
		if t.letter == "" {
			continue
		}
		if k+1 < len(f.toks) && f.toks[k+1].letter != "" && t.tf == nil {
			return nil, fmt.Errorf("LogFormat %q: %%%s and %%%s have no text between them: the line cannot be split", s, t.letter, f.toks[k+1].letter)
		}
		t.quoted = k > 0 && strings.HasSuffix(f.toks[k-1].lit, `"`) && k+1 < len(f.toks) && strings.HasPrefix(f.toks[k+1].lit, `"`)
		assignRole(f, t)
	}
	return f, nil
}

// directive reads one "%[!][codes][<>]{arg}X" at s[i] (the modifiers in any
// order, as mod_log_config's parse_log_item takes them).
func directive(s string, i int) (token, int, error) {
	var t token
	start := i
	i++
	for i < len(s) {
		c := s[i]
		switch {
		case c == '!' || c == ',' || (c >= '0' && c <= '9'):
			i++
		case c == '<' || c == '>':
			t.final = c
			i++
		case c == '{':
			e := strings.IndexByte(s[i:], '}')
			if e < 0 {
				return t, 0, fmt.Errorf("LogFormat offset %d: %%{ without }", start)
			}
			t.arg = s[i+1 : i+e]
			i += e + 1
		case c == '^':
			if i+2 >= len(s) {
				return t, 0, fmt.Errorf("LogFormat offset %d: incomplete %%^ directive", start)
			}
			t.letter = s[i : i+3]
			if t.letter != "^ti" && t.letter != "^to" && t.letter != "^FB" {
				return t, 0, fmt.Errorf("LogFormat offset %d: unrecognized directive %%%s", start, t.letter)
			}
			return t, i + 3, nil
		case strings.IndexByte(letters, c) >= 0:
			t.letter = s[i : i+1]
			if c == 't' {
				tf, err := compileTime(t.arg)
				if err != nil {
					return t, 0, fmt.Errorf("LogFormat offset %d: %w", start, err)
				}
				t.tf = tf
			}
			return t, i + 1, nil
		default:
			return t, 0, fmt.Errorf("LogFormat offset %d: unrecognized directive %%%c", start, c)
		}
	}
	return t, 0, fmt.Errorf("LogFormat offset %d: %% at the end", start)
}

func assignRole(f *Format, t *token) {
	switch t.letter {
	case "t":
		t.role, f.hasTime = roleTime, true
	case "s":
		if t.final == '>' {
			t.role = roleFinal
		} else {
			t.role = roleStatus
		}
		f.hasStatus = true
	case "D":
		t.role, f.hasDuration = roleMicros, true
	case "T":
		switch t.arg {
		case "ms":
			t.role = roleMillis
		case "us":
			t.role = roleMicros
		default: // "", "s"
			t.role = roleSeconds
		}
		f.hasDuration = true
	case "r":
		t.role, f.hasPath = roleRequest, true
	case "U":
		t.role, f.hasPath = rolePath, true
	case "q":
		t.role = roleQuery
	case "v":
		t.role = roleHost
	case "I":
		t.role = roleBytesIn
	case "O", "b", "B":
		t.role = roleBytesOut
	case "h", "a":
		t.role = roleRemote
	case "e":
		switch t.arg {
		case "BALANCER_WORKER_NAME":
			t.role, f.hasWorker = roleWorker, true
		case "BALANCER_ROUTE":
			t.role = roleRoute
		}
	}
}
