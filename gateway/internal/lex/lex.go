// Package lex holds the small allocation-free number and clock parsers the
// gateways' log parsers run on every field of every line: hand-written
// rather than strconv and time.Parse, accepting exactly what the gateways
// print. A leaf: the standard library only.
package lex

import "time"

// Digits parses s as an unsigned decimal of at most 18 digits.
func Digits(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// Num2 parses exactly two digits.
func Num2(s string) (int, bool) {
	if len(s) != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

// Clock parses the date and time parts of a timestamp and builds
// the instant in UTC, shifted by zone seconds east of UTC.
func Clock(y int64, mon, d int, hms string, zone int) (time.Time, bool) {
	// hms is "15:04:05"
	if len(hms) != 8 || hms[2] != ':' || hms[5] != ':' {
		return time.Time{}, false
	}
	h, ok1 := Num2(hms[0:2])
	mi, ok2 := Num2(hms[3:5])
	sec, ok3 := Num2(hms[6:8])
	if !ok1 || !ok2 || !ok3 || h > 23 || mi > 59 || sec > 60 || d < 1 || d > 31 || mon < 1 || mon > 12 {
		return time.Time{}, false
	}
	t := time.Date(int(y), time.Month(mon), d, h, mi, sec, 0, time.UTC)
	return t.Add(-time.Duration(zone) * time.Second), true
}
