package conf

import "strings"

// physLine is one logical configuration line: the physical lines joined
// where one ends in a backslash, trimmed of surrounding space, with the
// number of the physical line it started on.
type physLine struct {
	text string
	line int
}

// splitLines follows ap_cfg_getline: a line ending in a backslash
// (before an optional CR) continues on the next one, the backslash and
// newline removed and nothing else; leading and trailing white space is
// dropped. Empty lines are kept out. Apache numbers a continued line by its
// last physical line; gwtop reports the first, where the directive's name
// is, which is what an operator looks for.
func splitLines(data []byte) []physLine {
	var out []physLine
	var cur strings.Builder
	start, n := 0, 0
	open := false
	for len(data) > 0 {
		n++
		var raw []byte
		if i := indexByte(data, '\n'); i >= 0 {
			raw, data = data[:i], data[i+1:]
		} else {
			raw, data = data, nil
		}
		if !open {
			start = n
			cur.Reset()
		}
		raw = trimCR(raw)
		if len(raw) > 0 && raw[len(raw)-1] == '\\' && len(data) > 0 {
			cur.Write(raw[:len(raw)-1])
			open = true
			continue
		}
		cur.Write(raw)
		open = false
		if t := strings.TrimSpace(cur.String()); t != "" {
			out = append(out, physLine{text: t, line: start})
		}
	}
	if open {
		if t := strings.TrimSpace(cur.String()); t != "" {
			out = append(out, physLine{text: t, line: start})
		}
	}
	return out
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func trimCR(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}

// isSpace is apr_isspace in the C locale.
func isSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f'
}

// getWord is ap_getword_conf: it returns the next word of s and the rest
// after the white space that follows it. A word starting with a double or
// single quote runs to the matching quote (or the end of the line) and may
// hold spaces; inside it \\ and a backslash before that quote are escapes.
// An unquoted word runs to white space and resolves only \\. A quote in the
// middle of a word is an ordinary character, and a closing quote needs no
// space after it: `"a"b` is the two words a and b.
func getWord(s string) (word, rest string) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	s = s[i:]
	if s == "" {
		return "", ""
	}
	var end int
	if q := s[0]; q == '"' || q == '\'' {
		end = 1
		for end < len(s) && s[end] != q {
			if s[end] == '\\' && end+1 < len(s) && (s[end+1] == q || s[end+1] == '\\') {
				end += 2
				continue
			}
			end++
		}
		word = unescapeConf(s[1:end], q)
		if end < len(s) {
			end++ // the closing quote
		}
	} else {
		for end < len(s) && !isSpace(s[end]) {
			end++
		}
		word = unescapeConf(s[:end], 0)
	}
	for end < len(s) && isSpace(s[end]) {
		end++
	}
	return word, s[end:]
}

// unescapeConf is substring_conf: a backslash before another backslash or
// before the quote in use is dropped; every other backslash is kept.
func unescapeConf(s string, quote byte) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '\\' || (quote != 0 && s[i+1] == quote)) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Words splits a directive's argument text as most directives do (each
// argument with ap_getword_conf).
func Words(s string) []string {
	var out []string
	for {
		var w string
		w, s = getWord(s)
		if w == "" && s == "" {
			// ap_getword_conf returns "" at the end; a quoted empty
			// string ("") before more text is still a word.
			return out
		}
		out = append(out, w)
		if s == "" {
			return out
		}
	}
}

// maxLine caps one expanded line. Apache's own cap is 16 MiB
// (VARBUF_MAX_LEN); gwtop's is lower because nested Define values can grow
// a line exponentially and a real directive is never near it.
const maxLine = 1 << 20

// resolveEnv is ap_resolve_env over a whole line, as Apache does before
// splitting it into words (so a value with spaces becomes several words):
// ${NAME} takes a Define'd value, else the environment's; ${NAME?=dflt}
// falls back to dflt; an undefined name is left as written and reported
// through undefined (Apache warns, except for names with ':', which belong
// to other modules' syntax such as mod_rewrite's maps). A '$' not followed
// by "{...}" is kept. ok is false when the result would exceed maxLine.
func resolveEnv(s string, lookup func(string) (string, bool), undefined func(string)) (string, bool) {
	if strings.IndexByte(s, '$') < 0 {
		return s, true
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i:]
		if len(s) > 1 && s[1] == '{' {
			if e := strings.IndexByte(s[2:], '}'); e >= 0 {
				name := s[2 : 2+e]
				dflt, hasDflt := "", false
				if k := strings.Index(name, "?="); k >= 0 {
					name, dflt, hasDflt = name[:k], name[k+2:], true
				}
				if v, ok := lookup(name); ok {
					b.WriteString(v)
				} else if hasDflt {
					b.WriteString(dflt)
				} else {
					if !strings.Contains(name, ":") && undefined != nil {
						undefined(name)
					}
					b.WriteString(s[:e+3])
				}
				s = s[e+3:]
				if b.Len() > maxLine {
					return "", false
				}
				continue
			}
		}
		b.WriteByte('$')
		s = s[1:]
	}
	if b.Len() > maxLine {
		return "", false
	}
	return b.String(), true
}
