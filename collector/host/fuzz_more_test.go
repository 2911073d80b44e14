//go:build linux

package host

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

// FuzzParseStat: any /proc/PID/stat text, never a panic; the name is what
// lies between the first '(' and the last ')'.
func FuzzParseStat(f *testing.F) {
	for _, s := range []string{
		"1234 (nginx) S 1 1234 1234 0 -1 4194624 100 0 0 0 7 3 0 0 20 0 1 0 5000 10000000 250 18446744073709551615\n",
		"1 (a) b) c) S 2 0 0 0 0 0 0 0 0 0 11 12 0 0 0 0 0 0 19 0 21\n",
		"1 (x",
		") (",
		"1 () S",
		"1 (n) S 99999999999999999999999 0 0 0 0 0 0 0 0 0 18446744073709551615 18446744073709551615 0 0 0 0 0 0 1 0 2",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseStat(b)
		if err != nil {
			return
		}
		open, close := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
		if !bytes.Equal(st.name, b[open+1:close]) {
			t.Fatalf("name %q, want %q", st.name, b[open+1:close])
		}
	})
}

// FuzzParseLimits: any /proc/PID/limits text, never a panic; a limit it
// returns is not negative.
func FuzzParseLimits(f *testing.F) {
	for _, s := range []string{
		"Limit                     Soft Limit           Hard Limit           Units     \nMax open files            1024                 524288               files     \n",
		"Max open files            unlimited            unlimited            files\n",
		"Max open files 12",
		"Max open files -5 10 files\n",
		"Max open filesx 9 9\n",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseLimitsOpenFiles(s)
		if err == nil && n < 0 && !strings.Contains(s, "-") {
			t.Fatalf("%q: limit %d", s, n)
		}
	})
}

// FuzzPortRange: any ip_local_port_range text, never a panic; a count it
// returns is at least one port.
func FuzzPortRange(f *testing.F) {
	for _, s := range []string{"32768\t60999\n", "1 1", "60999 32768", "a b", "1 2 3", "", "-9223372036854775808 9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parsePortRange(s)
		if err == nil && (n < 1 || n > 65536) {
			t.Fatalf("%q: %d ports", s, n)
		}
	})
}

// FuzzProcNetTCP: any /proc/net/tcp table, never a panic; every row but
// the header counts at most once, whatever its length (rows longer than
// the reader's buffer included).
func FuzzProcNetTCP(f *testing.F) {
	for _, s := range []string{
		"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0\n   1: 0100007F:1F90 0100007F:D2A4 01 00000000:00000000 00:00000000 00000000     0        0 0 1\n",
		"header only",
		"h\n 0: a b zz\n 1: a b 0b\n 2: a b FF\n",
		"h\n 0: a b 0A" + strings.Repeat(" x", 100),
		"\n\n\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var counts stateCounts
		// A small buffer, so that long rows take the ErrBufferFull path.
		if err := countProcNetTCP(bufio.NewReaderSize(bytes.NewReader(b), 16), &counts); err != nil {
			t.Fatalf("error on an in-memory table: %v", err)
		}
		total := 0
		for _, n := range counts {
			total += n
		}
		if rows := bytes.Count(b, []byte("\n")) + 1; total > rows-1 && total > 0 {
			t.Fatalf("%d sockets counted in %d lines (header included)", total, rows)
		}
		_ = counts.names()
		for _, line := range bytes.Split(b, []byte("\n")) {
			if st, ok := stateField(line); ok && (st < 0 || st >= len(tcpStateNames)) {
				t.Fatalf("state %d of %q", st, line)
			}
		}
	})
}

// FuzzDirents: any getdents64 buffer, never a panic; no more entries than
// 19-byte records fit.
func FuzzDirents(f *testing.F) {
	rec := func(name string) []byte {
		n := 19 + len(name) + 1
		n = (n + 7) &^ 7
		b := make([]byte, n)
		b[16], b[17] = byte(n), byte(n>>8)
		copy(b[19:], name)
		return b
	}
	f.Add(append(append(rec("."), rec("..")...), rec("3")...))
	f.Add(rec("0"))
	f.Add([]byte{})
	f.Add(make([]byte, 19))
	f.Fuzz(func(t *testing.T, b []byte) {
		if n := countDirents(b); n < 0 || n > len(b)/19 {
			t.Fatalf("%d entries in %d bytes", n, len(b))
		}
	})
}
