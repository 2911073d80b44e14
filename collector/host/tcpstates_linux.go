//go:build linux

package host

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// tcpStateNames maps the kernel's TCP state numbers (include/net/tcp_states.h),
// as printed in hex in the "st" column of /proc/net/tcp, to the names
// gopsutil uses, so both code paths give the same keys.
var tcpStateNames = [...]string{
	0x01: "ESTABLISHED",
	0x02: "SYN_SENT",
	0x03: "SYN_RECV",
	0x04: "FIN_WAIT1",
	0x05: "FIN_WAIT2",
	0x06: "TIME_WAIT",
	0x07: "CLOSE",
	0x08: "CLOSE_WAIT",
	0x09: "LAST_ACK",
	0x0A: "LISTEN",
	0x0B: "CLOSING",
	0x0C: "NEW_SYN_RECV",
}

// stateCounts is indexed by the kernel's state number; index 0 collects
// states we do not know.
type stateCounts [len(tcpStateNames)]int

func (c *stateCounts) names() map[string]int {
	m := make(map[string]int)
	for st, n := range c {
		if n == 0 {
			continue
		}
		name := tcpStateNames[st]
		if name == "" {
			name = "UNKNOWN"
		}
		m[name] += n
	}
	return m
}

// tcpCounter counts TCP sockets by state from /proc/net/tcp and tcp6 with
// our own small reader. gopsutil's net.Connections (even the WithoutUids
// variant) walks every /proc/<pid>/fd to map sockets to processes and
// decodes every address: on a gateway with 100k sockets that costs far more
// than the counts are worth. Only the "st" column is read here.
type tcpCounter struct {
	root string        // where procfs is mounted (HOST_PROC, as gopsutil honours)
	br   *bufio.Reader // reused across samples
}

func newTCPCounter() tcpCounter {
	return tcpCounter{root: procRoot(), br: bufio.NewReaderSize(nil, 64<<10)}
}

func (c *tcpCounter) count(_ context.Context) (map[string]int, error) {
	return readProcNetTCP(c.root, c.br)
}

// countProcNetTCP adds the sockets of one /proc/net/tcp-format table to
// counts. It looks only at the "st" column, without allocating per line:
// on a busy gateway the table has hundreds of thousands of rows.
func countProcNetTCP(br *bufio.Reader, counts *stateCounts) error {
	header := true
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// The state is among the first fields, well inside the buffer:
			// count the row from what we have and drop the rest of it.
			if !header {
				if st, ok := stateField(line); ok {
					counts[st]++
				}
			}
			header = false
			for err == bufio.ErrBufferFull {
				_, err = br.ReadSlice('\n')
			}
			line = nil
		}
		if len(line) > 0 {
			if header {
				header = false
			} else if st, ok := stateField(line); ok {
				counts[st]++
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// stateField parses the 4th whitespace-separated field of a row
//
//	"  0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 ..."
//
// as a hex state number. Unknown numbers map to 0.
func stateField(line []byte) (int, bool) {
	// A hand-written scan: this runs once per socket, and bytes.Fields or
	// IndexAny per field cost several times more on a big table.
	i, n := 0, len(line)
	var field []byte
	for f := 0; f < 4; f++ {
		for i < n && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		start := i
		for i < n && line[i] != ' ' && line[i] != '\t' && line[i] != '\n' {
			i++
		}
		field = line[start:i]
	}
	if len(field) == 0 || len(field) > 2 {
		return 0, false
	}
	st := 0
	for _, c := range field {
		switch {
		case '0' <= c && c <= '9':
			st = st<<4 | int(c-'0')
		case 'A' <= c && c <= 'F':
			st = st<<4 | int(c-'A'+10)
		case 'a' <= c && c <= 'f':
			st = st<<4 | int(c-'a'+10)
		default:
			return 0, false
		}
	}
	if st >= len(tcpStateNames) {
		st = 0
	}
	return st, true
}

// readProcNetTCP counts the sockets in <root>/net/tcp and tcp6. A missing
// tcp6 is normal (IPv6 disabled). The kernel produces the table in chunks
// as we read, so a socket that changes state mid-read may be missed or seen
// twice; for a load overview that is fine, and it is what keeps memory flat
// compared with reading the whole table at once.
func readProcNetTCP(root string, br *bufio.Reader) (map[string]int, error) {
	var counts stateCounts
	var errs []error
	for _, name := range []string{"tcp", "tcp6"} {
		f, err := os.Open(filepath.Join(root, "net", name))
		if err != nil {
			if name == "tcp6" && errors.Is(err, os.ErrNotExist) {
				continue
			}
			errs = append(errs, err)
			continue
		}
		br.Reset(f)
		if err := countProcNetTCP(br, &counts); err != nil {
			errs = append(errs, fmt.Errorf("reading %s: %w", f.Name(), err))
		}
		f.Close()
		br.Reset(nil) // do not keep the closed file reachable
	}
	return counts.names(), errors.Join(errs...)
}

// ephemeralPorts reads how many local ports outgoing connections can use:
// nginx's upstream connections each hold one, and TIME_WAIT keeps them.
func (c *tcpCounter) ephemeralPorts() (int, error) {
	b, err := os.ReadFile(filepath.Join(c.root, "sys/net/ipv4/ip_local_port_range"))
	if err != nil {
		return 0, err
	}
	return parsePortRange(string(b))
}

// timeWait is the TIME_WAIT count of /proc/net/sockstat's TCP line
// ("TCP: inuse 5 orphan 0 tw 2 alloc 7 mem 1": IPv4 and IPv6 together, as
// net/ipv4/proc.c sockstat_seq_show prints the shared death row's count);
// false when it cannot be read.
func (c *tcpCounter) timeWait() (int, bool) {
	b, err := os.ReadFile(filepath.Join(c.root, "net/sockstat"))
	if err != nil {
		return 0, false
	}
	return parseSockstatTW(string(b))
}

func parseSockstatTW(s string) (int, bool) {
	for line := range strings.SplitSeq(s, "\n") {
		rest, ok := strings.CutPrefix(line, "TCP: ")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		for i := 0; i+1 < len(f); i += 2 {
			if f[i] == "tw" {
				n, err := strconv.Atoi(f[i+1])
				return n, err == nil && n >= 0
			}
		}
	}
	return 0, false
}
