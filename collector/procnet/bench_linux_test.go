//go:build linux

package procnet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// synthRoot writes a /proc/net/tcp of rows rows, 20 of them LISTEN and the
// rest ESTABLISHED, in the kernel's layout (its listening sockets first:
// tcp_seq walks the listening hash before the established one, and the
// reader stops at the first row that is not LISTEN), with empty tcp6 and
// unix.
func synthRoot(b *testing.B, rows int) string {
	root := b.TempDir()
	os.MkdirAll(filepath.Join(root, "net"), 0o755)
	var sb strings.Builder
	sb.WriteString(tcpHeader)
	for i := range rows {
		if i < 20 {
			fmt.Fprintf(&sb, "%4d: 0100007F:%04X 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 %d 1 0000000000000000 100 0 0 10 0\n",
				i, 8000+i, 1000+i)
			continue
		}
		fmt.Fprintf(&sb, "%4d: 0100007F:%04X 0100007F:1F41 01 00000000:00000000 00:00000000 00000000     0        0 %d 1 0000000000000000 20 4 30 10 -1\n",
			i, 30000+i%30000, 100000+i)
	}
	os.WriteFile(filepath.Join(root, "net", "tcp"), []byte(sb.String()), 0o644)
	os.WriteFile(filepath.Join(root, "net", "tcp6"), []byte(""), 0o644)
	os.WriteFile(filepath.Join(root, "net", "unix"), []byte("Num       RefCount Protocol Flags    Type St Inode Path\n"), 0o644)
	os.WriteFile(filepath.Join(root, "net", "netstat"), []byte("TcpExt: ListenOverflows ListenDrops\nTcpExt: 1 2\n"), 0o644)
	return root
}

// BenchmarkListenerSample is one Sample of a 10,000-row table with 20
// listeners, after the first (which finds them and scans).
func BenchmarkListenerSample(b *testing.B) {
	root := synthRoot(b, 10000)
	tr := New(Options{Root: root})
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	if err := tr.Sample(ctx, now); err != nil {
		b.Fatal(err)
	}
	if n := len(tr.Snapshot().Now); n != 20 {
		b.Fatalf("%d listeners, want 20", n)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		tr.Sample(ctx, now.Add(time.Duration(i+1)*time.Second))
	}
}

// BenchmarkSampleNoChange is Sample with the LISTEN set unchanged: it must
// run no owner scan.
func BenchmarkSampleNoChange(b *testing.B) {
	root := synthRoot(b, 10000)
	tr := New(Options{Root: root})
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	tr.Sample(ctx, now)
	scans := tr.Scans()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		tr.Sample(ctx, now.Add(time.Duration(i+1)*time.Second))
	}
	b.StopTimer()
	if extra := tr.Scans() - scans; extra != 0 {
		b.Fatalf("%d owner scans with no change", extra)
	}
	b.ReportMetric(float64(tr.Scans()-scans), "scans")
}
