// Package nginxconf reads nginx configuration files the way nginx does:
// directives and blocks, quoted strings and escapes, comments and include
// globs, each directive with the file and line it came from, so that gwtop's
// discovery can say where every setting it uses was found.
//
// It only parses; it knows nothing of what directives mean.
package nginxconf

import (
	"fmt"
	"strings"
)

// Directive is one directive: its name, its arguments (quotes removed and
// escapes resolved, as nginx sees them) and, for a block directive, the
// directives inside the block.
type Directive struct {
	Name  string
	Args  []string
	File  string
	Line  int
	Block []*Directive // nil for a simple directive
	// IsBlock is set for block directives, even empty ones ("events {}").
	IsBlock bool
}

// Pos returns "file:line".
func (d *Directive) Pos() string { return fmt.Sprintf("%s:%d", d.File, d.Line) }

// Arg returns argument i, or "" when there is none.
func (d *Directive) Arg(i int) string {
	if i < len(d.Args) {
		return d.Args[i]
	}
	return ""
}

// SyntaxError is a configuration gwtop cannot parse, with its position.
type SyntaxError struct {
	File string
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// Parse parses one file's text. file is only used for positions. It never
// follows includes: an include is returned as a directive like any other.
func Parse(file string, data []byte) ([]*Directive, error) {
	p := &parser{lx: lexer{file: file, src: data, line: 1}}
	return p.block(0)
}

type parser struct {
	lx lexer
}

// maxDepth bounds block nesting so that hostile input cannot exhaust the
// stack; real configurations nest a handful of levels.
const maxDepth = 100

// block parses directives until the closing brace (depth > 0) or the end of
// the input (depth 0).
func (p *parser) block(depth int) ([]*Directive, error) {
	if depth > maxDepth {
		return nil, p.lx.errorf(p.lx.line, "blocks nested more than %d deep", maxDepth)
	}
	out := []*Directive{}
	var cur *Directive
	for {
		tok, err := p.lx.next()
		if err != nil {
			return nil, err
		}
		switch tok.kind {
		case tokEOF:
			if cur != nil {
				return nil, p.lx.errorf(tok.line, "unexpected end of file, expecting \";\" or \"}\"")
			}
			if depth > 0 {
				return nil, p.lx.errorf(tok.line, "unexpected end of file, expecting \"}\"")
			}
			return out, nil
		case tokWord:
			if cur == nil {
				cur = &Directive{Name: tok.text, File: p.lx.file, Line: tok.line}
				if tok.quoted && tok.text == "" {
					return nil, p.lx.errorf(tok.line, "empty directive name")
				}
				continue
			}
			cur.Args = append(cur.Args, tok.text)
		case tokSemicolon:
			if cur == nil {
				return nil, p.lx.errorf(tok.line, "unexpected \";\"")
			}
			out = append(out, cur)
			cur = nil
		case tokOpen:
			if cur == nil {
				return nil, p.lx.errorf(tok.line, "unexpected \"{\"")
			}
			inner, err := p.block(depth + 1)
			if err != nil {
				return nil, err
			}
			cur.Block, cur.IsBlock = inner, true
			out = append(out, cur)
			cur = nil
		case tokClose:
			if cur != nil {
				return nil, p.lx.errorf(tok.line, "unexpected \"}\"")
			}
			if depth == 0 {
				return nil, p.lx.errorf(tok.line, "unexpected \"}\"")
			}
			return out, nil
		}
	}
}

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokWord
	tokSemicolon
	tokOpen
	tokClose
)

type token struct {
	kind   tokKind
	text   string
	line   int
	quoted bool
}

// lexer splits nginx configuration text into tokens following
// ngx_conf_read_token: words end at whitespace, ';' or '{' (but "${"
// inside a word starts a variable), '#' at the start of a word starts a
// comment, quoted strings end at the matching quote and must be followed by
// whitespace, ';' or '{'. A '}' only closes a block at the start of a token.
type lexer struct {
	file string
	src  []byte
	pos  int
	line int
}

func (l *lexer) errorf(line int, format string, args ...any) error {
	return &SyntaxError{File: l.file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }

func (l *lexer) next() (token, error) {
	// Skip whitespace and comments.
	for l.pos < len(l.src) {
		b := l.src[l.pos]
		if b == '\n' {
			l.line++
			l.pos++
			continue
		}
		if isSpace(b) {
			l.pos++
			continue
		}
		if b == '#' {
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.pos++
			}
			continue
		}
		break
	}
	if l.pos >= len(l.src) {
		return token{kind: tokEOF, line: l.line}, nil
	}
	line := l.line
	switch b := l.src[l.pos]; b {
	case ';':
		l.pos++
		return token{kind: tokSemicolon, line: line}, nil
	case '{':
		l.pos++
		return token{kind: tokOpen, line: line}, nil
	case '}':
		l.pos++
		return token{kind: tokClose, line: line}, nil
	case '"', '\'':
		return l.quoted(b)
	}
	return l.word()
}

// quoted reads a string in quotes; the opening quote is at l.pos.
func (l *lexer) quoted(q byte) (token, error) {
	line := l.line
	l.pos++
	start := l.pos
	for l.pos < len(l.src) {
		b := l.src[l.pos]
		switch {
		case b == '\\' && l.pos+1 < len(l.src):
			if l.src[l.pos+1] == '\n' {
				l.line++
			}
			l.pos += 2
			continue
		case b == '\n':
			l.line++
		case b == q:
			text := unescape(l.src[start:l.pos])
			l.pos++
			// nginx wants a separator after a closing quote.
			if l.pos < len(l.src) {
				if n := l.src[l.pos]; !isSpace(n) && n != ';' && n != '{' {
					return token{}, l.errorf(l.line, "unexpected %q after a quoted string", string(rune(n)))
				}
			}
			return token{kind: tokWord, text: text, line: line, quoted: true}, nil
		}
		l.pos++
	}
	return token{}, l.errorf(line, "unexpected end of file in a quoted string")
}

// word reads an unquoted word.
func (l *lexer) word() (token, error) {
	line := l.line
	start := l.pos
	variable := false
	for l.pos < len(l.src) {
		b := l.src[l.pos]
		if b == '\\' && l.pos+1 < len(l.src) {
			if l.src[l.pos+1] == '\n' {
				l.line++
			}
			l.pos += 2
			variable = false
			continue
		}
		// '}' does not end a word, as in nginx: "${var}" and "a}" are words.
		if isSpace(b) || b == ';' {
			break
		}
		if b == '{' && !variable {
			break
		}
		variable = b == '$'
		l.pos++
	}
	return token{kind: tokWord, text: unescape(l.src[start:l.pos]), line: line}, nil
}

// unescape resolves the escapes nginx resolves in every token: \" \' \\ and
// \t \r \n; any other backslash is kept.
func unescape(b []byte) string {
	if !strings.ContainsRune(string(b), '\\') {
		return string(b)
	}
	var s strings.Builder
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) {
			switch b[i+1] {
			case '"', '\'', '\\':
				s.WriteByte(b[i+1])
				i++
				continue
			case 't':
				s.WriteByte('\t')
				i++
				continue
			case 'r':
				s.WriteByte('\r')
				i++
				continue
			case 'n':
				s.WriteByte('\n')
				i++
				continue
			}
		}
		s.WriteByte(b[i])
	}
	return s.String()
}
