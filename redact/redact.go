// Package redact removes credentials from text before gwtop shows, logs or
// writes it: passwords in URL userinfo (well-formed or mistyped), secret
// query parameters and assignments (token=, api_key=, X-Amz-Signature=,
// "password":"…"), Authorization and Proxy-Authorization header values, and,
// through Redactor, configured secret values in any of the encodings an
// error text may quote them in.
//
// It is a leaf package: standard library only, nothing of gwtop's. Every
// function is total (it never panics), runs in time linear in the input,
// is idempotent (String(String(s)) == String(s)), masking again until a
// pass changes nothing (at most four passes), and grows its input by at
// most MaxGrowth bytes.
//
// # What is masked, and what is kept
//
// A password is replaced by Mask, the form url.URL.Redacted writes:
// "http://user:PW@host" becomes "http://user:xxxxx@host". The user name is
// kept: it tells an operator which account was used and is not a secret.
// Userinfo with no password ("https://user@host", "ssh://git@host") and
// prose e-mail addresses ("ops@example.com") are left alone, as are plain
// URLs and addresses without userinfo.
//
// A URL's userinfo is recognised after "//" (any scheme, or none:
// "//u:PW@h"), after a known scheme with one slash or none ("http:/u:PW@h",
// "http:u:PW@h"), and at the start of a word ("u:PW@h:8404"). The password
// runs from the first ':' of the authority to the last '@' of the URL, so
// it may hold '@', '/', ':', '#', '?' and percent-escapes; in a URL that
// follows a quote (as net/http's and %q's texts do, and JSON) it may also
// hold spaces, up to the closing quote. In an unquoted URL whose authority
// is not host:port, the password may run over spaces to the first word on
// the same line that holds an '@'. When in doubt the package masks more:
//
//   - a URL with a port and an '@' later in its path or query
//     ("http://h:8080/q?u=a@b") is masked from the port to that '@';
//   - in a word with no scheme, the password ends at the first space;
//   - a password ends at a quote character (', ", `) that no backslash
//     escapes, for that quote may close a quoted text around it;
//   - an unquoted "http://user:1234 5@h" is read as port 1234 followed by
//     prose, and left alone;
//   - a password holding "//" followed by what looks like user:password
//     ("a//b:c") is read as a URL of its own, and only its last part is
//     masked;
//   - the user name of userinfo ends at any of ( < [ { = , ; > | and
//     quotes, and "word://" always starts a URL of scheme "word", so a
//     word-start password cannot begin with "//".
//
// net/url's error for a port that is not a number (`invalid port ":PW"
// after host`, what "http://u:pa/ss@h" gives) has the quoted port masked
// unless it is a number: for a URL mistyped so, it is the password's first
// part.
//
// A password never runs over a line break.
//
// Values made only of 'x', at most len(Mask) of them, are taken for a mask
// already and kept, which is what makes the functions idempotent.
package redact

import (
	"encoding/base64"
	"strings"
)

// Mask replaces every secret. It is what url.URL.Redacted writes, so
// texts redacted here and by net/url look the same.
const Mask = "xxxxx"

// MaxGrowth bounds how many bytes longer than its input an output may be:
// a one-character password becomes five. Past that budget a short secret
// is masked with as many 'x' as it had characters.
const MaxGrowth = 64

// String returns s with every credential it recognises replaced by Mask:
// URL passwords, secret query parameters and assignments, JSON string
// values of secret keys, and Authorization header values. See the package
// comment for the exact rules.
func String(s string) string {
	if !maybeSecret(s) {
		return s
	}
	budget := MaxGrowth
	return portErrors(scan(s, &budget), &budget)
}

// Userinfo is String, except that a URL's whole userinfo, user name
// included, becomes Mask: "http://u:PW@h" becomes "http://xxxxx@h". It is
// for texts that must not name the account either (statuspage.Shown's
// form for a URL that does not parse). Userinfo without a password is
// still kept.
func Userinfo(s string) string {
	if !maybeSecret(s) {
		return s
	}
	budget := MaxGrowth
	return portErrors(scanMode(s, &budget, true), &budget)
}

// maybeSecret is a fast filter: every rule needs one of these.
func maybeSecret(s string) bool {
	return strings.ContainsAny(s, "@=:") || strings.Contains(s, "Bearer ") || strings.Contains(s, "Basic ")
}

// scanner holds one pass over a text.
type scanner struct {
	s      string
	out    []byte
	last   int // s[:last] is in out (when out != nil)
	budget *int
	whole  bool // mask the user name too

	// caches, so that repeated look-ups from nearby positions stay linear
	weFrom, weTo int // s[weFrom:weTo] has no space; s[weTo] is one or the end
	qFrom, qTo   int // no unescaped quote in s[qFrom:qTo]
	atEnd, atLow int // last '@' in s[atLow:atEnd] is atPos (-1: none)
	atPos        int
	nxFrom, nxTo int // no '@' in s[nxFrom:nxTo]
	nxPos        int // the '@' at nxTo, or -1 when nxTo is a line end
	crossAt      int // the '@' a password over spaces last ran to…
	crossLast    int // …and the last '@' of its word
	nuFrom, nuTo int // no userinfo URL starts in s[nuFrom:nuTo]
}

func scan(s string, budget *int) string { return scanMode(s, budget, false) }

// maxRounds bounds the passes scanMode makes.
const maxRounds = 4

// scanMode masks s until a pass changes nothing. A mask can join what a
// password held apart ("0:(http:/u:p q@h": the space is masked away, and
// the '@' now ends the first word too), so a second pass may find more; a
// text with no credential is read once.
func scanMode(s string, budget *int, whole bool) string {
	for range maxRounds {
		t := scanOnce(s, budget, whole)
		if t == s {
			break
		}
		s = t
	}
	return s
}

func scanOnce(s string, budget *int, whole bool) string {
	sc := scanner{s: s, budget: budget, whole: whole, weFrom: -1, weTo: -1, qFrom: -1, qTo: -1,
		atEnd: -1, atLow: -1, atPos: -1, nxFrom: -1, nxTo: -1, nuFrom: -1, nuTo: -1, crossAt: -1}
	sc.run()
	if sc.out == nil {
		return s
	}
	sc.out = append(sc.out, s[sc.last:]...)
	return string(sc.out)
}

// replace puts a mask in place of s[from:to].
func (sc *scanner) replace(from, to int) {
	if sc.out == nil {
		sc.out = make([]byte, 0, len(sc.s)+len(Mask))
	}
	sc.out = append(sc.out, sc.s[sc.last:from]...)
	sc.out = append(sc.out, maskFor(to-from, sc.budget)...)
	sc.last = to
}

// maskFor returns the mask for a secret of n bytes, within the budget.
func maskFor(n int, budget *int) string {
	if n >= len(Mask) {
		return Mask
	}
	if g := len(Mask) - n; g <= *budget {
		*budget -= g
		return Mask
	}
	return Mask[:n]
}

// isMask reports whether v looks like a mask already: nothing to hide.
func isMask(v string) bool {
	if len(v) > len(Mask) {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] != 'x' {
			return false
		}
	}
	return true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func isQuote(c byte) bool { return c == '"' || c == '\'' || c == '`' }

// isBoundary reports whether a word may start after c.
func isBoundary(c byte) bool {
	return isSpace(c) || isQuote(c) || strings.IndexByte("(<[{=,;>|", c) >= 0
}

// isAuthEnd reports whether c ends a URL authority.
func isAuthEnd(c byte) bool {
	return c == '/' || c == '?' || c == '#' || isSpace(c) || isQuote(c) || c == '\\' || c == '<' || c == '>'
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// knownSchemes may be followed by a single ':' and userinfo
// ("http:user:pw@h"); any other word before a ':' is taken for a user name.
var knownSchemes = map[string]bool{
	"http": true, "https": true, "tcp": true, "udp": true, "unix": true, "ws": true, "wss": true,
	"ftp": true, "ftps": true, "sftp": true, "ssh": true, "grpc": true, "grpcs": true, "h2c": true,
	"redis": true, "rediss": true, "amqp": true, "amqps": true, "mongodb": true, "postgres": true,
	"postgresql": true, "mysql": true, "ldap": true, "ldaps": true, "smtp": true, "smtps": true,
	"socks5": true, "socks5h": true, "nats": true, "mqtt": true, "ipv4": true, "ipv6": true,
}

func (sc *scanner) run() {
	s := sc.s
	quote := byte(0) // the quote before the current word, if any
	for i := 0; i < len(s); {
		if i == 0 || isBoundary(s[i-1]) {
			quote = 0
			if i > 0 && isQuote(s[i-1]) {
				quote = s[i-1]
			}
			if j, ok := sc.wordStart(i, quote); ok {
				i, quote = j, 0
				continue
			}
		} else if c := s[i-1]; c == '?' || c == '&' || c == '#' {
			if j, ok := sc.assignment(i, false); ok {
				i = j
				continue
			}
		}
		if s[i] == '/' && i+1 < len(s) && s[i+1] == '/' {
			p := i + 2
			for p < len(s) && s[p] == '/' {
				p++
			}
			if j, ok := sc.userinfo(p, quote, false); ok {
				i, quote = j, 0
				continue
			}
			i = p
			continue
		}
		i++
	}
}

// wordStart tries the rules that apply where a word begins. It returns
// where to go on and whether it masked something.
func (sc *scanner) wordStart(i int, quote byte) (int, bool) {
	s := sc.s
	if j, ok := sc.header(i); ok {
		return j, true
	}
	// A scheme: "x://" and "x//" are the "//" rule's; "x:/" and a
	// known "x:" are followed by userinfo here.
	j := i
	if j < len(s) && isAlpha(s[j]) {
		for j < len(s) && (isAlpha(s[j]) || isDigit(s[j]) || s[j] == '+' || s[j] == '.' || s[j] == '-') {
			j++
		}
		scheme := strings.ToLower(s[i:j])
		switch {
		case strings.HasPrefix(s[j:], "://"), strings.HasPrefix(s[j:], "//"):
			return i, false
		case scheme == "mailto" && strings.HasPrefix(s[j:], ":"):
			return i, false
		case strings.HasPrefix(s[j:], ":/"+Mask+"@"):
			return j + len(":/"+Mask+"@"), true // Userinfo's mask
		case strings.HasPrefix(s[j:], ":"+Mask+"@") && knownSchemes[scheme]:
			return j + len(":"+Mask+"@"), true
		case strings.HasPrefix(s[j:], ":/"):
			if k, ok := sc.userinfo(j+2, quote, false); ok {
				return k, true
			}
		case strings.HasPrefix(s[j:], ":") && knownSchemes[scheme] && !atBeforeColon(s[j+1:]):
			// "ws:u:pw@h"; but in "Ws:PW@h:1(@" an '@' comes before any
			// ':' — a user name holds none — so the word is user:pw@
			// (the bare rule below), not scheme:user:pw@.
			if k, ok := sc.userinfo(j+1, quote, false); ok {
				return k, true
			}
		}
	}
	if k, ok := sc.userinfo(i, quote, true); ok {
		return k, true
	}
	if k, ok := sc.assignment(i, quote == '"'); ok {
		return k, true
	}
	if k, ok := sc.standalone(i); ok {
		return k, true
	}
	return i, false
}

// atBeforeColon reports whether an '@' comes before the first ':' of the
// word that starts s.
func atBeforeColon(s string) bool {
	for i := 0; i < len(s) && !isAuthEnd(s[i]) && !isBoundary(s[i]); i++ {
		switch s[i] {
		case ':':
			return false
		case '@':
			return true
		}
	}
	return false
}

// userinfo masks the password of a userinfo starting at p. bare is for a
// word with no scheme: its password ends at the word's end (its user may be
// empty: ":PW@host", as redis-style URLs write a password alone).
func (sc *scanner) userinfo(p int, quote byte, bare bool) (int, bool) {
	s := sc.s
	if strings.HasPrefix(s[p:], Mask+"@") {
		return p + len(Mask) + 1, true // Userinfo's mask
	}
	if bare {
		// "/u:PW@h", "/0:PW@": a slash-led word (a mistyped URL whose
		// scheme was lost, a path an address was pasted into) still has
		// a userinfo after its slashes.
		for p < len(s) && s[p] == '/' {
			p++
		}
	}
	c := -1
	d := p
	for ; d < len(s) && !isAuthEnd(s[d]) && !isBoundary(s[d]); d++ {
		if s[d] == ':' {
			c = d
			break
		}
	}
	if c < 0 || (bare && strings.HasPrefix(s[c:], "://")) {
		return p, false
	}
	var at int
	switch {
	case bare:
		end := sc.wordEnd(c + 1)
		if quote != 0 {
			end = min(end, sc.closeQuote(c+1))
		}
		at = sc.lastAt(c+1, end)
	case quote != 0:
		at = sc.lastAt(c+1, sc.closeQuote(c+1))
	default:
		at = sc.lastAt(c+1, sc.wordEnd(c+1))
		if at >= 0 {
			break
		}
		// No '@' in the word: a port, or a password with a space.
		e := c + 1
		for e < len(s) && isDigit(s[e]) {
			e++
		}
		if e == len(s) || isAuthEnd(s[e]) {
			return p, false
		}
		at = sc.nextAtOnLine(c + 1)
		if at >= 0 {
			if at != sc.crossAt {
				sc.crossAt, sc.crossLast = at, at+strings.LastIndexByte(s[at:sc.wordEnd(at)], '@')
			}
			at = sc.crossLast
		}
	}
	if at < 0 || (bare && at == c+1) {
		// No '@', or a bare word's empty password ("//user:@0 0@h"
		// inside quotes): nothing of a password here, and the "//"
		// rule may still find the URL's own.
		return p, false
	}
	// In "0:http://u:pw@h" the '@' is the URL's: let the "//" rule
	// have it, and look for this userinfo's own before it.
	if k := sc.nextURL(c); k < at {
		if k <= c+1 {
			return p, false
		}
		at = strings.LastIndexByte(s[c+1:k], '@')
		if at < 0 {
			return p, false
		}
		at += c + 1
	}
	from := c + 1
	if sc.whole {
		from = p
	}
	if v := s[from:at]; v != "" && !isMask(v) {
		sc.replace(from, at)
	}
	return at + 1, true
}

// nextURL returns the index of the first "//" (or "://") at or after i
// that is followed by a userinfo with a password or a mask, or len(s).
func (sc *scanner) nextURL(i int) int {
	s := sc.s
	if sc.nuFrom >= 0 && i >= sc.nuFrom && i <= sc.nuTo {
		return sc.nuTo
	}
	k := i
	for {
		n := strings.Index(s[k:], "//")
		if n < 0 {
			k = len(s)
			break
		}
		k += n
		e := k + 2
		for e < len(s) && s[e] == '/' {
			e++
		}
		if k > i && s[k-1] == ':' {
			k-- // "://" starts at the ':'
		}
		ui := s[e:]
		for n := 0; n < len(ui); n++ {
			if isAuthEnd(ui[n]) || isBoundary(ui[n]) || ui[n] == '@' {
				ui = ui[:n]
				break
			}
		}
		if strings.IndexByte(ui, ':') >= 0 || (ui != "" && isMask(ui)) {
			break
		}
		k = e
	}
	sc.nuFrom, sc.nuTo = i, k
	return k
}

// wordEnd returns the index of the first space or quote at or after i, or
// len(s): an unquoted password never runs over a quote, which may be what
// closes a quoted URL before it.
func (sc *scanner) wordEnd(i int) int {
	s := sc.s
	if i >= sc.weFrom && i <= sc.weTo && sc.weFrom >= 0 {
		return sc.weTo
	}
	j := i
	for j < len(s) && !isSpace(s[j]) && !isQuote(s[j]) {
		if j == sc.weFrom {
			j = sc.weTo
			break
		}
		j++
	}
	sc.weFrom, sc.weTo = i, j
	return j
}

// closeQuote returns the index of the first quote at or after i that no
// backslash escapes, or the end of the line. Any quote character ends a
// quoted URL's password, not only the one it opened with, for the reason
// wordEnd gives.
func (sc *scanner) closeQuote(i int) int {
	s := sc.s
	if i >= sc.qFrom && i <= sc.qTo && sc.qFrom >= 0 {
		return sc.qTo
	}
	j := i
	for j < len(s) && !isQuote(s[j]) && s[j] != '\n' {
		if s[j] == '\\' {
			j++
		}
		j++
	}
	j = min(j, len(s))
	sc.qFrom, sc.qTo = i, j
	return j
}

// lastAt returns the index of the last '@' in s[from:end], or -1.
func (sc *scanner) lastAt(from, end int) int {
	if from >= end {
		return -1
	}
	if end == sc.atEnd && sc.atLow >= 0 {
		if from >= sc.atLow {
			if sc.atPos >= from {
				return sc.atPos
			}
			return -1
		}
		if sc.atPos < 0 {
			sc.atPos = strings.LastIndexByte(sc.s[from:sc.atLow], '@')
			if sc.atPos >= 0 {
				sc.atPos += from
			}
		}
		sc.atLow = from
		return sc.atPos
	}
	sc.atEnd, sc.atLow = end, from
	sc.atPos = strings.LastIndexByte(sc.s[from:end], '@')
	if sc.atPos >= 0 {
		sc.atPos += from
	}
	return sc.atPos
}

// nextAtOnLine returns the index of the first '@' at or after i on the
// same line, or -1.
func (sc *scanner) nextAtOnLine(i int) int {
	s := sc.s
	if sc.nxFrom >= 0 && i >= sc.nxFrom && i <= sc.nxTo {
		return sc.nxPos
	}
	j := i
	for j < len(s) && s[j] != '@' && s[j] != '\n' {
		j++
	}
	sc.nxFrom, sc.nxTo, sc.nxPos = i, j, -1
	if j < len(s) && s[j] == '@' {
		sc.nxPos = j
	}
	return sc.nxPos
}

// isNameChar reports whether c may be part of a parameter name.
func isNameChar(c byte) bool {
	return isAlpha(c) || isDigit(c) || c == '_' || c == '-' || c == '.'
}

// secretName reports whether a parameter or key of that name holds a
// secret: token, key, password, signature and their usual spellings
// (access_token, X-Api-Key, X-Amz-Signature, client_secret, …).
func secretName(name string) bool {
	if len(name) > 64 {
		return false
	}
	var buf [64]byte
	n := buf[:len(name)]
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == '-' || c == '.':
			c = '_'
		}
		n[i] = c
	}
	l := string(n)
	switch l {
	case "token", "key", "secret", "password", "passwd", "pwd", "pass", "passphrase", "auth",
		"sig", "signature", "apikey", "credentials", "jwt", "session", "sessionid":
		return true
	}
	for _, suf := range []string{"token", "secret", "password", "passwd", "signature", "apikey", "passphrase"} {
		if strings.HasSuffix(l, suf) {
			return true
		}
	}
	for _, suf := range []string{"_key", "_sig", "_pwd", "_pass", "_auth", "_credentials", "_session"} {
		if strings.HasSuffix(l, suf) {
			return true
		}
	}
	return false
}

// assignment masks the value of name=value (and, in free text, of
// name:value with no space, as %+v prints a struct), or of a JSON
// "name": "value" when jsonKey says the word follows a '"'.
func (sc *scanner) assignment(i int, jsonKey bool) (int, bool) {
	s := sc.s
	j := i
	for j < len(s) && isNameChar(s[j]) {
		j++
	}
	if j == i || j >= len(s) || (s[j] != '=' && s[j] != ':' && s[j] != '"') || !secretName(s[i:j]) {
		return i, false
	}
	v := j + 1
	switch {
	case s[j] == '=':
	case s[j] == ':' && j+1 < len(s) && !isSpace(s[j+1]) && s[j+1] != '/':
	case jsonKey && s[j] == '"':
		k := j + 1
		for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
			k++
		}
		if k >= len(s) || s[k] != ':' {
			return i, false
		}
		k++
		for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
			k++
		}
		if k >= len(s) || s[k] != '"' {
			return i, false
		}
		v = k
	default:
		return i, false
	}
	if v >= len(s) {
		return i, false
	}
	var end int
	if q := s[v]; isQuote(q) {
		v++
		end = sc.closeQuote(v)
	} else {
		end = v
		for end < len(s) && !isSpace(s[end]) && !isQuote(s[end]) && strings.IndexByte("&#,;)>]}", s[end]) < 0 {
			end++
		}
	}
	if val := s[v:end]; val != "" && !isMask(val) {
		sc.replace(v, end)
	}
	return max(end, i+1), true
}

// header masks the value of an Authorization or Proxy-Authorization
// header starting at i, written as a header line, a JSON key or %v of an
// http.Header: "Authorization: Basic …", "\"Authorization\":\"Bearer …\"",
// "map[Authorization:[Basic …]]". An auth scheme's name is kept.
func (sc *scanner) header(i int) (int, bool) {
	s := sc.s
	j := i
	switch {
	case hasPrefixFold(s[j:], "proxy-authorization"):
		j += len("proxy-authorization")
	case hasPrefixFold(s[j:], "authorization"):
		j += len("authorization")
	default:
		return i, false
	}
	if j < len(s) && s[j] == '"' {
		j++
	}
	for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
		j++
	}
	if j >= len(s) || (s[j] != ':' && s[j] != '=') {
		return i, false
	}
	j++
	for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
		j++
	}
	closer := byte(0)
	if j < len(s) && s[j] == '[' {
		closer = ']'
		j++
	}
	if j < len(s) && isQuote(s[j]) {
		closer = s[j]
		j++
	}
	stop := func(c byte) bool {
		return c == '\n' || c == '\r' || (closer != 0 && c == closer)
	}
	// An auth scheme: a word, one space, then the credentials.
	k := j
	for k < len(s) && (isAlpha(s[k]) || isDigit(s[k]) || s[k] == '-') {
		k++
	}
	if k > j && isMask(s[j:k]) {
		return k, true // masked already: no scheme is all x
	}
	if k > j && k+1 < len(s) && s[k] == ' ' && !isSpace(s[k+1]) && !stop(s[k+1]) {
		j = k + 1
	}
	// A single token68 (Basic, Bearer) ends at a space or a delimiter;
	// anything else (Digest's and AWS's parameters) runs to the end of
	// the value.
	e := j
	for e < len(s) && isToken68(s[e]) {
		e++
	}
	tok := s[j:e]
	params := strings.Contains(strings.TrimRight(tok, "="), "=") || (strings.HasSuffix(tok, "=") && e < len(s) && isQuote(s[e]) && !stop(s[e]))
	if params || (e < len(s) && !isSpace(s[e]) && !stop(s[e]) && !isQuote(s[e]) && s[e] != ',' && s[e] != ']') {
		for e < len(s) && !stop(s[e]) {
			e++
		}
	}
	if v := s[j:e]; v != "" && !isMask(v) {
		sc.replace(j, e)
	}
	return max(e, i+1), true
}

func isToken68(c byte) bool {
	return isAlpha(c) || isDigit(c) || strings.IndexByte("-._~+/=", c) >= 0
}

// standalone masks "Bearer <token>" and "Basic <base64 of user:password>"
// met without a header name. A bearer token must hold a digit or a
// punctuation mark, so that prose ("Bearer authentication") stays.
func (sc *scanner) standalone(i int) (int, bool) {
	s := sc.s
	var basic bool
	switch {
	case strings.HasPrefix(s[i:], "Bearer "):
	case strings.HasPrefix(s[i:], "Basic "):
		basic = true
	default:
		return i, false
	}
	v := i + len("Bearer ")
	if basic {
		v = i + len("Basic ")
	}
	e := v
	mark := false
	for e < len(s) && isToken68(s[e]) {
		if !isAlpha(s[e]) {
			mark = true
		}
		e++
	}
	tok := s[v:e]
	if e < len(s) && !isSpace(s[e]) && !isQuote(s[e]) && strings.IndexByte(",;)]}", s[e]) < 0 {
		return i, false
	}
	if basic {
		b, err := base64.StdEncoding.DecodeString(tok)
		if err != nil || strings.IndexByte(string(b), ':') < 0 {
			return i, false
		}
	} else if len(tok) < 8 || !mark {
		return i, false
	}
	if isMask(tok) {
		return e, true
	}
	sc.replace(v, e)
	return e, true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
