package procnet

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func addLines(f *testing.F, path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	for line := range bytes.Lines(b) {
		f.Add(line)
	}
}

// FuzzParseTCPRow checks that a row said to be listening says so in its
// state column, and that writing the decoded row back the way the kernel
// does and parsing it again gives the same row.
func FuzzParseTCPRow(f *testing.F) {
	addLines(f, "testdata/proc/net/tcp")
	addLines(f, "testdata/proc/net/tcp6")
	f.Fuzz(func(t *testing.T, line []byte) {
		r, listen, ok := parseTCPRow(line)
		if listen && !ok {
			t.Fatal("listen without ok")
		}
		if !listen {
			return
		}
		words := 1
		if r.v6 {
			words = 4
		}
		var addr strings.Builder
		for w := range words {
			a := r.addr[w*4 : w*4+4]
			fmt.Fprintf(&addr, "%08X", uint32(a[0])|uint32(a[1])<<8|uint32(a[2])<<16|uint32(a[3])<<24)
		}
		again := fmt.Sprintf("%4d: %s:%04X 00000000:0000 0A %08X:%08X 00:00000000 00000000 0 0 %d 1",
			0, addr.String(), r.port, r.txQueue, r.rxQueue, r.inode)
		r2, listen2, ok2 := parseTCPRow([]byte(again))
		if !listen2 || !ok2 || r2 != r {
			t.Fatalf("%q → %+v; rewritten %q → %+v", line, r, again, r2)
		}
		if !r.addrPort().IsValid() {
			t.Fatalf("invalid address from %q", line)
		}
	})
}

// FuzzParseUnixRow checks that a listening row's path is a part of its
// line with no newline in it.
func FuzzParseUnixRow(f *testing.F) {
	addLines(f, "testdata/proc/net/unix")
	f.Fuzz(func(t *testing.T, line []byte) {
		r, listen, ok := parseUnixRow(line)
		if listen && (!ok || len(r.path) == 0 || !bytes.Contains(line, r.path) || bytes.ContainsAny(r.path, "\r\n")) {
			t.Fatalf("%q → %+v %v %v", line, r, listen, ok)
		}
	})
}

// FuzzParseKmsg checks that a parsed kill has a pid and a comm found in
// the line, a bounded Line, and a time not before boot.
func FuzzParseKmsg(f *testing.F) {
	addLines(f, "testdata/kmsg-oom.txt")
	addLines(f, "testdata/dmesg-oom.txt")
	addLines(f, "testdata/kmsg-real-acpi.txt")
	boot := time.Unix(1_800_000_000, 0)
	f.Fuzz(func(t *testing.T, line []byte) {
		k, ok := ParseKmsg(line, boot)
		if !ok {
			if k.PID != 0 && k.Comm != "" {
				t.Fatalf("not a kill but filled: %+v", k)
			}
			return
		}
		if k.PID <= 0 || k.Comm == "" || !bytes.Contains(line, []byte(k.Comm)) || len(k.Line) > maxLine ||
			!bytes.Contains(line, []byte(k.Cgroup)) {
			t.Fatalf("%q → %+v", line, k)
		}
		if !k.Time.IsZero() && k.Time.Before(boot) {
			t.Fatalf("time %v before boot", k.Time)
		}
	})
}

// FuzzParseCgroup checks that a unit and a container come from the text.
func FuzzParseCgroup(f *testing.F) {
	addLines(f, "testdata/cgroup-v1-sandbox")
	f.Add([]byte("0::/system.slice/docker-0123456789abcdef.scope\n"))
	f.Add([]byte("0::/kubepods/burstable/pod1/0123456789abcdef\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		u, c := parseCgroup(b)
		if !bytes.Contains(b, []byte(u)) || !bytes.Contains(b, []byte(strings.TrimPrefix(c, "docker-"))) {
			t.Fatalf("%q → %q %q", b, u, c)
		}
	})
}
