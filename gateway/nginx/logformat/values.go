package logformat

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gwtop/gwtop/gateway/internal/lex"
)

// The value parsers below are hand-written rather than time.Parse and
// strconv because they run for every field of every line: they do not
// allocate, and they accept exactly what nginx prints.

// parseStatus parses $status / one $upstream_status element: nginx prints
// %03ui, so "009" is 9.
func parseStatus(s string) (int, bool) {
	if len(s) == 0 || len(s) > 3 {
		return 0, false
	}
	n, ok := lex.Digits(s)
	return int(n), ok
}

// parseSeconds parses nginx's %T.%03M durations ("0.012"). "-" and the
// empty string (escape=json, not found) mean "not measured": -1.
func parseSeconds(s string) (float64, bool) {
	n := len(s)
	if n == 0 || s == "-" {
		return -1, true
	}
	if n == 5 && s[1] == '.' { // "0.012": most of them
		d0, d1, d2, d3 := s[0]-'0', s[2]-'0', s[3]-'0', s[4]-'0'
		if d0 <= 9 && d1 <= 9 && d2 <= 9 && d3 <= 9 {
			return float64(d0) + millis[int(d1)*100+int(d2)*10+int(d3)], true
		}
	}
	// One pass: up to 18 digits, then '.' and 1 to 9 digits.
	var whole int64
	i := 0
	for i < n && s[i]-'0' <= 9 {
		whole = whole*10 + int64(s[i]-'0')
		i++
	}
	if i == n {
		if n > 18 {
			return 0, false
		}
		return float64(whole), true
	}
	if s[i] != '.' || i == 0 || i > 18 {
		return 0, false
	}
	nf := n - i - 1
	if nf == 0 || nf > 9 {
		// Not nginx's own shape; let strconv decide.
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil && f >= 0
	}
	var frac int64
	for j := i + 1; j < n; j++ {
		c := s[j] - '0'
		if c > 9 {
			return 0, false
		}
		frac = frac*10 + int64(c)
	}
	if nf == 3 { // nginx's milliseconds: the quotient is in the table
		return float64(whole) + millis[frac], true
	}
	return float64(whole) + float64(frac)/pow10[nf], true
}

// millis[n] is float64(n)/1000, the fraction of "%T.%03M": computed once
// by the very division parseSeconds would do, so the sums are the same.
var millis = func() (m [1000]float64) {
	for n := range m {
		m[n] = float64(n) / pow10[3]
	}
	return m
}()

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// zoneOffset parses "+0000", "-0700" or, with colon, "+00:00"; returns
// seconds east of UTC.
func zoneOffset(s string, colon bool) (int, bool) {
	if len(s) < 1 || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	var hh, mm string
	switch {
	case colon && len(s) == 6 && s[3] == ':':
		hh, mm = s[1:3], s[4:6]
	case !colon && len(s) == 5:
		hh, mm = s[1:3], s[3:5]
	default:
		return 0, false
	}
	h, ok1 := lex.Num2(hh)
	m, ok2 := lex.Num2(mm)
	if !ok1 || !ok2 || m > 59 {
		return 0, false
	}
	off := h*3600 + m*60
	if s[0] == '-' {
		off = -off
	}
	return off, true
}

// parseTimeLocal parses $time_local: "07/May/2020:03:15:12 +0000".
func parseTimeLocal(s string) (time.Time, bool) {
	if len(s) != 26 || s[2] != '/' || s[6] != '/' || s[11] != ':' || s[20] != ' ' {
		return time.Time{}, false
	}
	d, ok := lex.Num2(s[0:2])
	if !ok {
		return time.Time{}, false
	}
	mon := 0
	for i, m := range months {
		if s[3:6] == m {
			mon = i + 1
		}
	}
	y, ok := lex.Digits(s[7:11])
	if !ok {
		return time.Time{}, false
	}
	zone, ok := zoneOffset(s[21:], false)
	if !ok {
		return time.Time{}, false
	}
	return lex.Clock(y, mon, d, s[12:20], zone)
}

// parseTimeISO parses $time_iso8601: "2024-05-07T10:01:02+00:00" (nginx
// always writes a numeric zone; "Z" is accepted for hand-made logs).
func parseTimeISO(s string) (time.Time, bool) {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' {
		return time.Time{}, false
	}
	y, ok := lex.Digits(s[0:4])
	mon, ok2 := lex.Num2(s[5:7])
	d, ok3 := lex.Num2(s[8:10])
	if !ok || !ok2 || !ok3 {
		return time.Time{}, false
	}
	zone := 0
	if z := s[19:]; z != "Z" {
		if zone, ok = zoneOffset(z, true); !ok {
			return time.Time{}, false
		}
	}
	return lex.Clock(y, mon, d, s[11:19], zone)
}

// parseMsec parses $msec: seconds since the epoch with milliseconds,
// "1715076062.123".
func parseMsec(s string) (time.Time, bool) {
	whole, frac := s, ""
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			whole, frac = s[:i], s[i+1:]
			break
		}
	}
	sec, ok := lex.Digits(whole)
	if !ok || sec > 1<<40 || len(frac) > 9 {
		return time.Time{}, false
	}
	var ns int64
	if frac != "" {
		f, ok := lex.Digits(frac)
		if !ok {
			return time.Time{}, false
		}
		ns = f * int64(pow10[9-len(frac)])
	}
	return time.Unix(sec, ns).UTC(), true
}

// unescapeJSON appends the value of the JSON string body s (no quotes) to
// dst. nginx's escape=json writes \" \\ \n \r \t \b \f and \u00XX.
func unescapeJSON(dst []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		if i >= len(s) {
			return dst, false
		}
		switch s[i] {
		case '"', '\\', '/':
			dst = append(dst, s[i])
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'u':
			if i+4 >= len(s) {
				return dst, false
			}
			r, err := strconv.ParseUint(s[i+1:i+5], 16, 16)
			if err != nil {
				return dst, false
			}
			dst = utf8.AppendRune(dst, rune(r))
			i += 4
		default:
			return dst, false
		}
	}
	return dst, true
}
