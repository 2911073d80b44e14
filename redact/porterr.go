package redact

import "strings"

// portErr is how net/url's error for an authority whose port is not a
// number begins: `invalid port ":PW" after host`. A mistyped URL whose
// password holds an unescaped '/', '#' or '?' ("http://u:pa/ss@h") ends
// its authority there, so the "port" net/url quotes is the password's
// first part, with no '@' after it for the userinfo rules to see.
const portErr = `invalid port ":`

// portErrors masks the quoted port of every net/url "invalid port" error
// in s, unless it is a number (a port, kept as the operator typed it) or a
// mask already. The quoted text ends at its closing, unescaped quote or at
// a line break.
func portErrors(s string, budget *int) string {
	if !strings.Contains(s, portErr) {
		return s
	}
	var b []byte
	last, i := 0, 0
	for {
		k := strings.Index(s[i:], portErr)
		if k < 0 {
			break
		}
		from := i + k + len(portErr)
		to := from
		for to < len(s) && s[to] != '"' && s[to] != '\n' {
			if s[to] == '\\' && to+1 < len(s) && s[to+1] != '\n' {
				to++
			}
			to++
		}
		i = to
		if v := s[from:to]; v == "" || isMask(v) || allDigits(v) {
			continue
		}
		b = append(b, s[last:from]...)
		b = append(b, maskFor(to-from, budget)...)
		last = to
	}
	if b != nil {
		s = string(append(b, s[last:]...))
	}
	return portURLs(s, budget)
}

// portURLs masks, in net/url's `parse "URL": invalid port …` errors whose
// URL has no '@' in its authority, the quoted URL from the authority's
// first ':' to its end: net/url quotes the URL without its fragment, so a
// password cut by an unescaped '#' (and '/' or '?' before it) has no '@'
// left there for the userinfo rules, and what follows that ':' is the
// password, in parts.
func portURLs(s string, budget *int) string {
	const head, tail = `parse "`, `": invalid port ":`
	if !strings.Contains(s, tail) {
		return s
	}
	var b []byte
	last, i := 0, 0
	for {
		k := strings.Index(s[i:], tail)
		if k < 0 {
			break
		}
		end := i + k
		i = end + len(tail)
		start := strings.LastIndex(s[last:end], head)
		if start < 0 {
			continue
		}
		start += last + len(head)
		u := s[start:end]
		d := strings.Index(u, "//")
		if d < 0 || strings.ContainsAny(u, "\"\n") {
			continue
		}
		auth := u[d+2:]
		if e := strings.IndexAny(auth, "/?"); e >= 0 {
			auth = auth[:e]
		}
		c := strings.IndexByte(auth, ':')
		if c < 0 || strings.IndexByte(auth, '@') >= 0 {
			continue
		}
		from := start + d + 2 + c + 1
		to := end
		if v := s[from:to]; v == "" || isMask(v) || allDigits(v) {
			continue
		}
		b = append(b, s[last:from]...)
		b = append(b, maskFor(to-from, budget)...)
		last = to
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

func allDigits(v string) bool {
	for i := 0; i < len(v); i++ {
		if !isDigit(v[i]) {
			return false
		}
	}
	return true
}
