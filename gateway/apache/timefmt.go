package apache

import (
	"fmt"
	"time"

	"github.com/gwtop/gwtop/gateway/internal/lex"
)

// timeFormat is a compiled %t / %{format}t: a sequence of strftime items
// (or one of mod_log_config's epoch forms) that reads a time from the
// start of a field and says how many bytes it took, so a time with spaces
// in it needs no delimiter search.
type timeFormat struct {
	items []timeItem
	epoch int64 // for sec/msec/usec: units per second; 0 otherwise
}

// timeItem is one strftime conversion (conv != 0) or one literal byte.
type timeItem struct {
	conv byte
	lit  byte
}

// compileTime compiles a %t argument: "" (the default
// [%d/%b/%Y:%H:%M:%S %z]), "sec", "msec", "usec", a strftime format, each
// optionally prefixed by "begin:" or "end:". The *_frac forms carry no
// date and are compiled as skipped digits.
func compileTime(arg string) (*timeFormat, error) {
	for _, p := range [...]string{"begin:", "end:"} {
		if len(arg) > len(p) && arg[:len(p)] == p {
			arg = arg[len(p):]
		}
	}
	switch arg {
	case "":
		arg = "[%d/%b/%Y:%H:%M:%S %z]"
	case "sec":
		return &timeFormat{epoch: 1}, nil
	case "msec":
		return &timeFormat{epoch: 1e3}, nil
	case "usec":
		return &timeFormat{epoch: 1e6}, nil
	case "msec_frac", "usec_frac":
		return &timeFormat{items: []timeItem{{conv: 'N'}}}, nil
	}
	tf := &timeFormat{}
	for i := 0; i < len(arg); i++ {
		c := arg[i]
		if c != '%' {
			tf.items = append(tf.items, timeItem{lit: c})
			continue
		}
		if i+1 >= len(arg) {
			return nil, fmt.Errorf("time format %q ends in %%", arg)
		}
		i++
		switch c := arg[i]; c {
		case 'Y', 'y', 'm', 'd', 'e', 'H', 'M', 'S', 'b', 'h', 'z', 'j', 'a', 'A', 'B', 'Z', 'p', 'I', 'l', 'k':
			tf.items = append(tf.items, timeItem{conv: c})
		case 'T':
			tf.items = append(tf.items, timeItem{conv: 'H'}, timeItem{lit: ':'}, timeItem{conv: 'M'}, timeItem{lit: ':'}, timeItem{conv: 'S'})
		case 'F':
			tf.items = append(tf.items, timeItem{conv: 'Y'}, timeItem{lit: '-'}, timeItem{conv: 'm'}, timeItem{lit: '-'}, timeItem{conv: 'd'})
		case 'D':
			tf.items = append(tf.items, timeItem{conv: 'm'}, timeItem{lit: '/'}, timeItem{conv: 'd'}, timeItem{lit: '/'}, timeItem{conv: 'y'})
		case 'R':
			tf.items = append(tf.items, timeItem{conv: 'H'}, timeItem{lit: ':'}, timeItem{conv: 'M'})
		case '%':
			tf.items = append(tf.items, timeItem{lit: '%'})
		case 'n', 't':
			tf.items = append(tf.items, timeItem{lit: ' '})
		default:
			return nil, fmt.Errorf("time format %q: %%%c is not supported", arg, c)
		}
	}
	return tf, nil
}

// parse reads a time at the start of b; n is the bytes used. A format
// with no date (only a clock, or *_frac) gives ok with a zero time.
func (tf *timeFormat) parse(b []byte) (t time.Time, n int, ok bool) {
	if tf.epoch != 0 {
		v, n := leadingDigits(b, 19)
		if n == 0 {
			return time.Time{}, 0, false
		}
		sec, frac := v/tf.epoch, v%tf.epoch
		return time.Unix(sec, frac*(1e9/tf.epoch)), n, true
	}
	year, mon, day, hour, min, sec, zone := -1, 0, 1, 0, 0, 0, 0
	zoned := false
	pm := -1
	i := 0
	for _, it := range tf.items {
		if it.conv == 0 {
			if i >= len(b) || b[i] != it.lit {
				return time.Time{}, 0, false
			}
			i++
			continue
		}
		rest := b[i:]
		var v int64
		var used int
		switch it.conv {
		case 'Y':
			v, used = leadingDigits(rest, 4)
			year = int(v)
		case 'y':
			v, used = leadingDigits(rest, 2)
			year = 2000 + int(v)
		case 'm':
			v, used = leadingDigits(rest, 2)
			mon = int(v)
		case 'd', 'e':
			if it.conv == 'e' && len(rest) > 0 && rest[0] == ' ' {
				rest, i = rest[1:], i+1
			}
			v, used = leadingDigits(rest, 2)
			day = int(v)
		case 'H', 'k', 'I', 'l':
			if (it.conv == 'k' || it.conv == 'l') && len(rest) > 0 && rest[0] == ' ' {
				rest, i = rest[1:], i+1
			}
			v, used = leadingDigits(rest, 2)
			hour = int(v)
		case 'M':
			v, used = leadingDigits(rest, 2)
			min = int(v)
		case 'S':
			v, used = leadingDigits(rest, 2)
			sec = int(v)
		case 'j', 'N':
			_, used = leadingDigits(rest, 9)
		case 'b', 'h':
			if len(rest) >= 3 {
				mon = monthIndex(string(rest[:3])) // no allocation: compared, not kept
				used = 3
			}
			if mon == 0 {
				used = 0
			}
		case 'a', 'A', 'B', 'Z':
			for used < len(rest) && (rest[used] >= 'A' && rest[used] <= 'Z' || rest[used] >= 'a' && rest[used] <= 'z') {
				used++
			}
			if it.conv == 'B' {
				if used >= 3 {
					mon = monthIndex(string(rest[:3]))
				}
				if mon == 0 {
					used = 0
				}
			}
		case 'p':
			if len(rest) >= 2 {
				switch string(rest[:2]) {
				case "AM", "am":
					pm, used = 0, 2
				case "PM", "pm":
					pm, used = 1, 2
				}
			}
		case 'z':
			if len(rest) >= 5 && (rest[0] == '+' || rest[0] == '-') {
				h, ok1 := lex.Num2(string(rest[1:3]))
				m, ok2 := lex.Num2(string(rest[3:5]))
				if ok1 && ok2 && m < 60 {
					zone = (h*60 + m) * 60
					if rest[0] == '-' {
						zone = -zone
					}
					used, zoned = 5, true
				}
			}
		}
		if used == 0 {
			return time.Time{}, 0, false
		}
		i += used
	}
	if pm >= 0 && hour <= 12 {
		hour = hour%12 + 12*pm
	}
	if year < 0 {
		return time.Time{}, i, true // a clock without a date
	}
	if mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60 {
		return time.Time{}, 0, false
	}
	if !zoned {
		// Without %z Apache wrote the server's local time.
		return time.Date(year, time.Month(mon), day, hour, min, sec, 0, time.Local), i, true
	}
	// In UTC and shifted: a time.FixedZone per line would allocate.
	t = time.Date(year, time.Month(mon), day, hour, min, sec, 0, time.UTC).Add(-time.Duration(zone) * time.Second)
	return t, i, true
}

// leadingDigits reads up to max digits at the start of b.
func leadingDigits(b []byte, max int) (int64, int) {
	var v int64
	n := 0
	for n < len(b) && n < max && b[n] >= '0' && b[n] <= '9' {
		v = v*10 + int64(b[n]-'0')
		n++
	}
	return v, n
}
