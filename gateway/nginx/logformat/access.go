package logformat

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"time"
	"unsafe"
)

// ErrMismatch is wrapped by every error Parse returns: the line does not
// have the shape of the format. Callers count these and move on.
var ErrMismatch = errors.New("access log line does not match log_format")

// Record is one access log line. Fields whose variable is not in the
// format, or was logged as "-", are zero ("" / 0), except RequestTime,
// which is -1 so that a genuine 0.000 stays distinguishable.
//
// The strings in a Record share one copy of the line, so keeping any of
// them keeps the line alive; strings.Clone what you store for long.
type Record struct {
	Time        time.Time // in UTC
	Status      int       // $status; 009 and 000 are 9 and 0
	RequestTime float64   // seconds, -1 if absent
	Method      string
	URI         string
	Request     string // the raw $request line
	Host        string
	RemoteAddr  string
	// Attempts holds one element per upstream attempt, in order; the last
	// is the one whose answer the client got (unless Status says nginx
	// answered itself).
	Attempts []Attempt

	up  [numUp]string // raw upstream values of the current line
	buf []byte        // scratch for unescaping

	// The last $time_local or $time_iso8601 parsed and its value: a busy
	// log's consecutive lines share their second, so most lines compare
	// 26 bytes instead of parsing them.
	last timeCache
}

type timeCache struct {
	text [32]byte
	n    int
	kind varKind
	t    time.Time
}

// Attempt is one try at an upstream peer, zipped from the $upstream_*
// variables by position.
type Attempt struct {
	// Addr is ip:port, [v6]:port or unix:/path — or an upstream group name
	// (no port) when nginx could not select any peer in it.
	Addr         string
	Status       int     // 0 if "-"
	ConnectTime  float64 // seconds; -1 when "-" or absent
	HeaderTime   float64 // seconds; -1 when "-" or absent
	ResponseTime float64 // seconds; -1 when "-" or absent
	// Group is the index of the " : "-separated group the attempt is in;
	// a new group starts at each internal redirect to another upstream.
	Group int
}

func mismatch(why string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMismatch, fmt.Sprintf(why, args...))
}

// Parse parses one line into rec, reusing rec's memory (including the
// backing array of rec.Attempts), so a steady stream of lines costs about
// one allocation each: the copy of the line that rec's strings point into.
// A trailing "\n" or "\r\n" is ignored.
//
// A field ends at the next occurrence of the literal text that follows it
// in the format, with three refinements: fixed-width fields ($time_local)
// are cut by length; with escape=json a '"' preceded by an odd number of
// backslashes is part of the value; and the per-attempt $upstream_* lists
// never end inside their own ", " or " : " separators, so
// "upstream_addr=$upstream_addr upstream_status=..." and even
// "$upstream_addr $upstream_status" parse when there were retries. A field
// followed by the format's last literal ends where that literal ends the
// line, so a quoted last field ("$http_user_agent") may contain quotes.
func (f *Format) Parse(line []byte, rec *Record) error {
	return f.parse(string(line), rec)
}

// ParseView is Parse without the copy: rec's strings (Method, URI,
// Request, Host, RemoteAddr, Attempts' Addr) point into line itself, so
// they are valid only while line is unchanged — a reader that reuses its
// buffer must copy (strings.Clone) whatever it keeps beyond that. A steady
// stream of lines allocates nothing.
func (f *Format) ParseView(line []byte, rec *Record) error {
	return f.parse(unsafe.String(unsafe.SliceData(line), len(line)), rec)
}

func (f *Format) parse(s string, rec *Record) error {
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
	// The raw upstream lists, as where the line holds them (not strings
	// in rec: no pointers written to the heap per field).
	var up [numUp]span
	i := 0
	for k := 0; k < len(toks); k++ {
		t := &toks[k]
		if t.name == "" {
			if !t.litWord.at(s, i, t.lit) {
				return mismatch("expected %q at column %d", clip(t.lit), i+1)
			}
			i += len(t.lit)
			continue
		}
		// end is where the value ends; found says the literal after it
		// (the next token) was found there, so it need not be compared.
		var end int
		found := true
		switch t.find {
		case findWidth:
			if len(s)-i < t.width {
				return mismatch("$%s truncated at column %d", t.name, i+1)
			}
			end, found = i+t.width, false
		case findRest:
			end, found = len(s), false
		case findSuffix:
			lit := t.next
			if len(s)-i < len(lit) || s[len(s)-len(lit):] != lit {
				return mismatch("line does not end with %q", clip(lit))
			}
			end = len(s) - len(lit)
		case findByte:
			// Most values end within their first word: looked at here,
			// the search is called only for longer ones.
			if end = inWord(s, i, t.rep); end < 0 {
				from := i
				if len(s)-i >= 8 {
					from += 8 // the word looked at
				}
				end = indexByteFrom(s, from, t.next[0])
			}
			if end < 0 {
				return mismatch("no %q after $%s (column %d)", clip(t.next), t.name, i+1)
			}
		case findLit:
			if end = inWord(s, i, t.rep); end < 0 || !t.nextWord.at(s, end, t.next) {
				end = indexFrom(s, i, t.next)
			}
			if end < 0 {
				return mismatch("no %q after $%s (column %d)", clip(t.next), t.name, i+1)
			}
		default:
			var err error
			if end, err = f.fieldEnd(s, i, k); err != nil {
				return err
			}
		}
		if t.store {
			// The upstream lists are kept as they are, for attempts.
			if u := t.upRaw; u >= 0 {
				up[u] = span{i, end}
			} else if err := f.store(rec, t, s[i:end]); err != nil {
				return err
			}
		}
		i = end
		if found {
			i += len(t.next)
			k++
		}
	}
	if i != len(s) {
		return mismatch("unexpected text at column %d after the last field", i+1)
	}
	return f.attempts(rec, s, &up)
}

// span is where a value lies in the line: s[from:to].
type span struct{ from, to int }

// indexByteFrom is the index in s of the first c at or after from, or -1.
// Most values are a few bytes long, too short for the vector search to
// pay for its call: the first 32 bytes are looked at eight at a time in a
// word, the rest with strings.IndexByte.
func indexByteFrom(s string, from int, c byte) int {
	if from >= len(s) {
		return -1
	}
	b := unsafe.Slice(unsafe.StringData(s), len(s))
	rep := uint64(c) * lsb8
	j := from
	for stop := min(len(b)-8, from+24); j <= stop; j += 8 {
		// The high bit of each byte of c's in w, and possibly of bytes
		// above the first of them: the lowest is the first.
		x := binary.LittleEndian.Uint64(b[j:]) ^ rep
		if m := (x - lsb8) &^ x & msb8; m != 0 {
			return j + bits.TrailingZeros64(m)>>3
		}
	}
	if len(b)-j < 8 {
		for ; j < len(b); j++ {
			if b[j] == c {
				return j
			}
		}
		return -1
	}
	if k := strings.IndexByte(s[j:], c); k >= 0 {
		return j + k
	}
	return -1
}

const (
	lsb8 = 0x0101010101010101
	msb8 = 0x8080808080808080
)

// inWord is the index of the first byte rep repeats in s[i:i+8], or -1
// when there is none or fewer than 8 bytes are left. Small enough to be
// inlined.
func inWord(s string, i int, rep uint64) int {
	if i < 0 || len(s)-i < 8 {
		return -1
	}
	x := binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s), len(s))[i:]) ^ rep
	if m := (x - lsb8) &^ x & msb8; m != 0 {
		return i + bits.TrailingZeros64(m)>>3
	}
	return -1
}

// litWord is a literal of 8 bytes or fewer as a word, and the mask of its
// bytes: a literal at s[i:] is one load and one comparison.
type litWord struct{ w, mask uint64 }

func newLitWord(lit string) litWord {
	if len(lit) == 0 || len(lit) > 8 {
		return litWord{}
	}
	var lw litWord
	for k := len(lit) - 1; k >= 0; k-- {
		lw.w = lw.w<<8 | uint64(lit[k])
		lw.mask = lw.mask<<8 | 0xff
	}
	return lw
}

// at reports whether lit, which lw was made from, is at s[i:]. Small
// enough to be inlined.
func (lw litWord) at(s string, i int, lit string) bool {
	if lw.mask != 0 && i >= 0 && len(s)-i >= 8 {
		return (binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s), len(s))[i:])^lw.w)&lw.mask == 0
	}
	return len(s)-i >= len(lit) && s[i:i+len(lit)] == lit
}

// hasLitAt reports whether lit (two bytes or more) is at s[j:], given that
// its first byte is.
func hasLitAt(s string, j int, lit string) bool {
	if len(s)-j < len(lit) {
		return false
	}
	for x := 1; x < len(lit); x++ {
		if s[j+x] != lit[x] {
			return false
		}
	}
	return true
}

// indexFrom is the index in s of the first lit (two bytes or more) at or
// after from, or -1.
func indexFrom(s string, from int, lit string) int {
	c0 := lit[0]
	for {
		j := indexByteFrom(s, from, c0)
		if j < 0 || len(s)-j < len(lit) {
			return -1
		}
		if hasLitAt(s, j, lit) {
			return j
		}
		from = j + 1
	}
}

func (r *Record) reset() {
	r.Time = time.Time{}
	r.Status = 0
	r.RequestTime = -1
	r.Method, r.URI, r.Request, r.Host, r.RemoteAddr = "", "", "", "", ""
	r.Attempts = r.Attempts[:0]
	r.up = [numUp]string{}
}

// clip shortens text quoted in error messages.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// fieldEnd finds where the value of variable token k, starting at i, ends.
func (f *Format) fieldEnd(s string, i, k int) (int, error) {
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

// oddBackslashes reports whether s[j] is escaped by backslashes in s[i:j].
func oddBackslashes(s string, i, j int) bool {
	n := 0
	for j-1-n >= i && s[j-1-n] == '\\' {
		n++
	}
	return n%2 == 1
}

// inListSep reports whether a match of lit at j falls on one of the list
// separators inside an upstream value that started at i — unless lit
// itself begins with that separator, in which case it is the format's.
func inListSep(s string, i, j int, lit string) bool {
	for _, sep := range [...]string{", ", " : "} {
		for off := 0; off < len(sep); off++ {
			st := j - off
			if st < i || !strings.HasPrefix(s[st:], sep) {
				continue
			}
			if off == 0 && strings.HasPrefix(lit, sep) {
				continue
			}
			return true
		}
	}
	return false
}

// store puts a field's value into rec.
func (f *Format) store(rec *Record, t *token, v string) error {
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
		d, ok := parseSeconds(v)
		if !ok {
			return mismatch("bad $request_time %q", clip(v))
		}
		rec.RequestTime = d
	case varRequest:
		if v == "-" {
			return nil
		}
		rec.Request = v
		m, u := splitRequest(v)
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

// cachedTime parses a fixed-width time, or returns the previous line's
// when the text is the same.
func (r *Record) cachedTime(k varKind, v string) (time.Time, bool) {
	c := &r.last
	if c.kind == k && c.n == len(v) && string(c.text[:c.n]) == v {
		return c.t, true
	}
	var t time.Time
	var ok bool
	if k == varTimeLocal {
		t, ok = parseTimeLocal(v)
	} else {
		t, ok = parseTimeISO(v)
	}
	if ok && len(v) <= len(c.text) {
		c.n = copy(c.text[:], v)
		c.kind, c.t = k, t
	}
	return t, ok
}

// dash maps nginx's "not found" marker to the empty string.
func dash(v string) string {
	if v == "-" {
		return ""
	}
	return v
}

// splitRequest splits "GET /x HTTP/1.1" into method and URI. An HTTP/0.9
// line has no protocol; anything without a space is not a request line.
func splitRequest(v string) (method, uri string) {
	sp := -1
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' {
			sp = i
			break
		}
	}
	if sp <= 0 {
		return "", ""
	}
	method, rest := v[:sp], v[sp+1:]
	// The protocol is the last few bytes: look for its space from the end.
	for last := len(rest) - 1; last >= 0; last-- {
		if rest[last] == ' ' {
			if strings.HasPrefix(rest[last+1:], "HTTP/") {
				rest = rest[:last]
			}
			break
		}
	}
	return method, rest
}

// attempts zips the raw $upstream_* values into rec.Attempts. $upstream_addr
// decides how many attempts there were; without it the first upstream
// variable the format has does.
// The values are in rec.up when store unescaped them (escape=json), where
// up says in line s otherwise.
func (f *Format) attempts(rec *Record, s string, up *[numUp]span) error {
	lead := f.lead
	if lead < 0 {
		return nil
	}
	json := f.escape == escapeJSON
	if json {
		if v := rec.up[lead]; v == "" || v == "-" {
			return nil // no upstream was involved
		}
	} else if sp := up[lead]; sp.to == sp.from || sp.to-sp.from == 1 && s[sp.from] == '-' {
		return nil
	}
	// One attempt, as most lines have: no list holds a space, so none
	// has a separator, and each value is the attempt's.
	single := true
	for _, u := range f.ups {
		if json && strings.IndexByte(rec.up[u], ' ') >= 0 || !json && spaceBefore(s, up[u].from, up[u].to) >= 0 {
			single = false
			break
		}
	}
	if single {
		a := Attempt{ConnectTime: -1, HeaderTime: -1, ResponseTime: -1}
		for _, u := range f.ups {
			v := rec.up[u]
			if !json {
				v = s[up[u].from:up[u].to]
			}
			if err := a.set(u, v); err != nil {
				return err
			}
		}
		rec.Attempts = append(rec.Attempts, a)
		return nil
	}
	var its [numUp]listIter
	for _, u := range f.ups {
		if json {
			its[u] = listIter{s: rec.up[u], to: len(rec.up[u])}
		} else {
			its[u] = listIter{s: s, from: up[u].from, to: up[u].to}
		}
	}
	for {
		v, group, ok := its[lead].next()
		if !ok {
			break
		}
		a := Attempt{Group: group, ConnectTime: -1, HeaderTime: -1, ResponseTime: -1}
		for _, u := range f.ups {
			e := v
			if u != lead {
				if e, _, ok = its[u].next(); !ok {
					continue
				}
			}
			if err := a.set(u, e); err != nil {
				return err
			}
		}
		rec.Attempts = append(rec.Attempts, a)
	}
	return nil
}

func (a *Attempt) set(u int, e string) error {
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
		a.ResponseTime, ok = parseSeconds(e)
	case upConnect:
		a.ConnectTime, ok = parseSeconds(e)
	case upHeader:
		a.HeaderTime, ok = parseSeconds(e)
	}
	if !ok {
		return mismatch("bad upstream value %q", clip(e))
	}
	return nil
}

// listIter walks "a, b : c" yielding a (group 0), b (0), c (1). The list
// is s[from:to], s being the whole line, so its searches can read words
// that run past the list's end.
type listIter struct {
	s        string
	from, to int
	group    int
	done     bool
}

func (it *listIter) next() (string, int, bool) {
	if it.done {
		return "", 0, false
	}
	g := it.group
	// The first ", " or " : ": both hold a space, so only spaces are
	// looked at.
	s, from, to := it.s, it.from, it.to
	for j := from; ; j++ {
		if j = spaceBefore(s, j, to); j < 0 {
			break
		}
		if j > from && s[j-1] == ',' {
			it.from = j + 1
			return s[from : j-1], g, true
		}
		if j+2 < to && s[j+1] == ':' && s[j+2] == ' ' {
			it.from = j + 3
			it.group++
			return s[from:j], g, true
		}
	}
	it.done = true
	return s[from:to], g, true
}

// spaceBefore is the index of the first ' ' in s[j:to], or -1: a word at a
// time while s has 8 bytes from j, however few of them are before to.
func spaceBefore(s string, j, to int) int {
	for j < to {
		if len(s)-j < 8 {
			for ; j < to; j++ {
				if s[j] == ' ' {
					return j
				}
			}
			return -1
		}
		x := binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s), len(s))[j:]) ^ (' ' * lsb8)
		if m := (x - lsb8) &^ x & msb8; m != 0 {
			if k := j + bits.TrailingZeros64(m)>>3; k < to {
				return k
			}
			return -1
		}
		j += 8
	}
	return -1
}
