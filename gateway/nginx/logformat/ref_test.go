package logformat

import (
	"strconv"
	"strings"

	"github.com/gwtop/gwtop/gateway/internal/lex"
)

// The access-line parser before its fields were found and parsed by the
// steps Compile specialises (parse.go): the reference the differential
// tests and FuzzParseMatchesOld hold the new one to. It shares the token
// fields, Record and the value parsers the new one did not change.

func refParse(f *Format, s string, rec *Record) error {
	if n := len(s); n > 0 && s[n-1] == '\n' {
		s = s[:n-1]
		if n := len(s); n > 0 && s[n-1] == '\r' {
			s = s[:n-1]
		}
	}
	rec.reset()
	if len(s) == 0 {
		return mismatch("empty line")
	}
	toks := f.tokens
	i := 0
	for k := range toks {
		t := &toks[k]
		if t.name == "" {
			if len(s)-i < len(t.lit) || s[i:i+len(t.lit)] != t.lit {
				return mismatch("expected %q at column %d", clip(t.lit), i+1)
			}
			i += len(t.lit)
			continue
		}
		end, err := refFieldEnd(f, s, i, k)
		if err != nil {
			return err
		}
		if t.store {
			if err := refStore(f, rec, t, s[i:end]); err != nil {
				return err
			}
		}
		i = end
	}
	if i != len(s) {
		return mismatch("unexpected text at column %d after the last field", i+1)
	}
	return refAttempts(f, rec)
}

func refFieldEnd(f *Format, s string, i, k int) (int, error) {
	t := &f.tokens[k]
	if w := t.width; w > 0 {
		if len(s)-i < w {
			return 0, mismatch("$%s truncated at column %d", t.name, i+1)
		}
		return i + w, nil
	}
	if t.last {
		return len(s), nil
	}
	lit := t.next // tokenize guarantees a literal here
	if t.beforeLast {
		if len(s)-i < len(lit) || !strings.HasSuffix(s, lit) {
			return 0, mismatch("line does not end with %q", clip(lit))
		}
		return len(s) - len(lit), nil
	}
	from := i
	if t.kind == varRequest && lit[0] == ' ' && !strings.HasPrefix(s[i:], "-"+lit) {
		// An unquoted $request has two spaces of its own: METHOD URI PROTO.
		for n := 0; n < 2; n++ {
			sp := strings.IndexByte(s[from:], ' ')
			if sp < 0 {
				break
			}
			from += sp + 1
		}
	}
	for {
		var j int
		if len(lit) == 1 {
			j = strings.IndexByte(s[from:], lit[0])
		} else {
			j = strings.Index(s[from:], lit)
		}
		if j < 0 {
			return 0, mismatch("no %q after $%s (column %d)", clip(lit), t.name, i+1)
		}
		j += from
		if t.jsonQuote && oddBackslashes(s, i, j) {
			from = j + 1
			continue
		}
		if t.listSep && inListSep(s, i, j, lit) {
			from = j + 1
			continue
		}
		return j, nil
	}
}

func refStore(f *Format, rec *Record, t *token, v string) error {
	if f.escape == escapeJSON && strings.IndexByte(v, '\\') >= 0 {
		var ok bool
		rec.buf, ok = unescapeJSON(rec.buf[:0], v)
		if !ok {
			return mismatch("bad JSON escape in $%s", t.name)
		}
		v = string(rec.buf)
	}
	switch t.kind {
	case varTimeLocal, varTimeISO, varMsec:
		var ok bool
		switch t.kind {
		case varTimeLocal, varTimeISO:
			rec.Time, ok = rec.cachedTime(t.kind, v)
		default:
			rec.Time, ok = parseMsec(v)
		}
		if !ok {
			return mismatch("bad $%s %q", t.name, clip(v))
		}
	case varStatus:
		n, ok := parseStatus(v)
		if !ok {
			return mismatch("bad $status %q", clip(v))
		}
		rec.Status = n
	case varRequestTime:
		d, ok := refParseSeconds(v)
		if !ok {
			return mismatch("bad $request_time %q", clip(v))
		}
		rec.RequestTime = d
	case varRequest:
		if v == "-" {
			return nil
		}
		rec.Request = v
		m, u := refSplitRequest(v)
		if f.reqMethod {
			rec.Method = m
		}
		if f.reqURI {
			rec.URI = u
		}
	case varRequestMethod:
		rec.Method = dash(v)
	case varRequestURI, varURI:
		rec.URI = dash(v)
	case varHost, varHTTPHost:
		rec.Host = dash(v)
	case varRemoteAddr:
		rec.RemoteAddr = dash(v)
	default:
		if u := t.kind.upIndex(); u >= 0 {
			rec.up[u] = v
		}
	}
	return nil
}

func refSplitRequest(v string) (method, uri string) {
	sp := strings.IndexByte(v, ' ')
	if sp <= 0 {
		return "", ""
	}
	method, rest := v[:sp], v[sp+1:]
	if last := strings.LastIndexByte(rest, ' '); last >= 0 && strings.HasPrefix(rest[last+1:], "HTTP/") {
		rest = rest[:last]
	}
	return method, rest
}

func refAttempts(f *Format, rec *Record) error {
	lead := -1
	for u := 0; u < numUp; u++ {
		if f.up[u] {
			lead = u
			break
		}
	}
	if lead < 0 {
		return nil
	}
	if v := rec.up[lead]; v == "" || v == "-" {
		return nil // no upstream was involved
	}
	var its [numUp]refListIter
	for u := range its {
		its[u] = refListIter{s: rec.up[u]}
	}
	for {
		v, group, ok := its[lead].next()
		if !ok {
			break
		}
		a := Attempt{Group: group, ConnectTime: -1, HeaderTime: -1, ResponseTime: -1}
		for u := 0; u < numUp; u++ {
			e := v
			if u != lead {
				if !f.up[u] {
					continue
				}
				if e, _, ok = its[u].next(); !ok {
					continue
				}
			}
			if err := refSet(&a, u, e); err != nil {
				return err
			}
		}
		rec.Attempts = append(rec.Attempts, a)
	}
	return nil
}

func refSet(a *Attempt, u int, e string) error {
	if e == "-" || e == "" {
		return nil
	}
	var ok bool
	switch u {
	case upAddr:
		a.Addr, ok = e, true
	case upStatus:
		a.Status, ok = parseStatus(e)
	case upResponse:
		a.ResponseTime, ok = refParseSeconds(e)
	case upConnect:
		a.ConnectTime, ok = refParseSeconds(e)
	case upHeader:
		a.HeaderTime, ok = refParseSeconds(e)
	}
	if !ok {
		return mismatch("bad upstream value %q", clip(e))
	}
	return nil
}

type refListIter struct {
	s     string
	group int
	done  bool
}

func (it *refListIter) next() (string, int, bool) {
	if it.done {
		return "", 0, false
	}
	g := it.group
	// The first ", " or " : ": both hold a space, so only spaces are
	// looked at.
	s := it.s
	for k := 0; k < len(s); {
		j := strings.IndexByte(s[k:], ' ')
		if j < 0 {
			break
		}
		j += k
		if j > 0 && s[j-1] == ',' {
			it.s = s[j+1:]
			return s[:j-1], g, true
		}
		if j+2 < len(s) && s[j+1] == ':' && s[j+2] == ' ' {
			it.s = s[j+3:]
			it.group++
			return s[:j], g, true
		}
		k = j + 1
	}
	it.done = true
	return s, g, true
}

func refParseSeconds(s string) (float64, bool) {
	if s == "-" || s == "" {
		return -1, true
	}
	dot := -1
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			dot = i
			break
		}
	}
	if dot < 0 {
		n, ok := lex.Digits(s)
		return float64(n), ok
	}
	whole, ok := lex.Digits(s[:dot])
	if !ok {
		return 0, false
	}
	fracS := s[dot+1:]
	if fracS == "" || len(fracS) > 9 {
		// Not nginx's own shape; let strconv decide.
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil && f >= 0
	}
	frac, ok := lex.Digits(fracS)
	if !ok {
		return 0, false
	}
	return float64(whole) + float64(frac)/pow10[len(fracS)], true
}
