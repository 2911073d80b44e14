package haproxy

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Row types, as the stats' type column numbers them.
const (
	TypeFrontend = 0
	TypeBackend  = 1
	TypeServer   = 2
	TypeListener = 3
)

// Row is one line of the stats CSV, with the columns gwtop reads. Numeric
// columns that are empty (not applicable to the row's type, or absent from
// an older HAProxy) read as 0; Has says whether a column was present and
// not empty.
type Row struct {
	Proxy string // pxname
	Name  string // svname: FRONTEND, BACKEND or the server's name
	Type  int

	Status      string // UP, DOWN 1/2, MAINT (via be/srv), no check, ...
	Addr        string // ip:port of a server; empty in versions without the column
	CheckStatus string // L4CON, L7STS, ... without the "* " of a running check
	// CheckRunning is the "* " prefix: a check is running, the status is
	// the previous one's, and HAProxy has already cleared its code and
	// text.
	CheckRunning bool
	CheckCode    int    // the HTTP status of an L7 check
	CheckDesc    string // "Layer4 connection problem"
	LastChk      string // the check's own text: "Connection refused"

	Qcur, Scur       int64
	Stot, ReqTot     int64
	Econ, Eresp      int64
	Wretr, Wredis    int64
	ChkFail, ChkDown int64
	CliAbrt, SrvAbrt int64
	Act, Bck         int64
	ReqRate, Rate    float64
	Hrsp             [6]int64 // index 1..5 for 1xx..5xx, 0 for hrsp_other
	Qtime, Ctime     float64  // ms, averages of the last 1024 requests
	Rtime, Ttime     float64
	has              uint64 // bit i: column known[i] present and not empty
	hasAvg, hasReq   bool
}

// known are the columns gwtop reads, in the order of Row.has's bits.
var known = [...]string{
	"pxname", "svname", "type", "status", "addr", "check_status", "check_code", "check_desc", "last_chk",
	"qcur", "scur", "stot", "req_tot", "econ", "eresp", "wretr", "wredis", "chkfail", "chkdown",
	"cli_abrt", "srv_abrt", "act", "bck", "req_rate", "rate",
	"hrsp_other", "hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx",
	"qtime", "ctime", "rtime", "ttime",
}

// Indexes into known, for makeRow.
const (
	cPxname = iota
	cSvname
	cType
	cStatus
	cAddr
	cCheckStatus
	cCheckCode
	cCheckDesc
	cLastChk
	cQcur
	cScur
	cStot
	cReqTot
	cEcon
	cEresp
	cWretr
	cWredis
	cChkfail
	cChkdown
	cCliAbrt
	cSrvAbrt
	cAct
	cBck
	cReqRate
	cRate
	cHrspOther
	cHrsp1xx
	cHrsp2xx
	cHrsp3xx
	cHrsp4xx
	cHrsp5xx
	cQtime
	cCtime
	cRtime
	cTtime
	nKnown
)

var knownIndex = func() map[string]int {
	m := make(map[string]int, len(known))
	for i, c := range known {
		m[c] = i
	}
	return m
}()

// Needed are the columns without which a stats page cannot be trusted:
// the names, the state and the last check, and the counters a server's
// requests and errors are made of. Every HAProxy since 1.4 writes them
// all; a page without them would show servers UP "serving traffic" with
// no requests ever counted.
var Needed = []string{
	"pxname", "svname", "status", "check_status", "scur", "stot", "econ", "eresp", "chkfail",
	"hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx",
}

// Has reports whether the column was present and not empty on this row.
func (r *Row) Has(column string) bool {
	i, ok := knownIndex[column]
	return ok && r.has&(1<<i) != 0
}

// Requests is the row's cumulative HTTP request count: req_tot where the
// version has it, else stot (sessions, one per request without
// keep-alive). On a server row req_tot counts only requests that got a
// response, so the scraper counts a server's requests otherwise.
func (r *Row) Requests() int64 {
	if r.hasReq {
		return r.ReqTot
	}
	return r.Stot
}

// ErrNotCSV wraps every error of a body that is not HAProxy's stats CSV.
var ErrNotCSV = errors.New("not HAProxy stats CSV")

// ErrTooLarge wraps the errors of a stats page larger than gwtop keeps:
// more than MaxRows rows, or more than maxText of text in them.
var ErrTooLarge = errors.New("stats too large")

// maxColumns bounds the header: HAProxy 3.x has about 130 columns, and a
// header far wider is not HAProxy's.
const maxColumns = 4096

// maxLine bounds one line of the CSV: HAProxy's rows are 0.3 to 2 KB (the
// header of 3.x is about 1.5 KB). encoding/csv holds a line whole, twice,
// so without this one line without end would fill the body's cap.
const maxLine = 64 << 10

// MaxRows bounds the rows read from one stats page (frontends, backends,
// servers, listeners): four times the 5000 upstream rows gwtop shows.
const MaxRows = 20_000

// maxText bounds the text kept of all rows (names, status, check texts),
// which is copied out of each line so that the lines themselves are not
// kept.
const maxText = 8 << 20

// Memory of one read of the stats: the bufio and csv buffers (a few times
// maxLine), and the rows kept: MaxRows × unsafe.Sizeof(Row{}) (360 bytes),
// twice while the slice grows (and before the collector reclaims the old
// arrays), plus maxText: at most about 22 MiB however large and hostile
// the page. Before, the body was read whole and parsed whole: eight 64 MiB
// pages cost 830 to 1180 MiB of heap.

// Table is the stats CSV as read: its rows, and how many rows were skipped
// for having fewer fields than the columns gwtop needs.
type Table struct {
	Rows  []Row
	Short int
}

// ParseStats reads the stats CSV of `show stat` or "<stats uri>;csv". It maps
// columns by the header's names, never by position: the columns after the
// "-" marker change between versions and builds, and older versions have
// fewer columns. Rows shorter than the header leave the missing columns
// empty; rows that stop before a Needed column are skipped (ReadStats
// counts them).
func ParseStats(b []byte) ([]Row, error) {
	t, err := ReadStats(bytes.NewReader(b))
	return t.Rows, err
}

// ReadStats is ParseStats reading from r as the stats arrive: nothing of
// the body is kept but the rows. An error of r itself (the page's cap,
// the scrape's deadline) is returned as it is; every error about the
// contents wraps ErrNotCSV or ErrTooLarge.
func ReadStats(r io.Reader) (Table, error) {
	br := bufio.NewReaderSize(r, 16<<10)
	if err := skipSpace(br); err != nil {
		if err == io.EOF {
			return Table{}, fmt.Errorf("%w: empty answer", ErrNotCSV)
		}
		return Table{}, err
	}
	head, err := br.Peek(512)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull && len(head) == 0 {
		return Table{}, err
	}
	if looksHTML(head) {
		return Table{}, fmt.Errorf("%w: got an HTML page, not CSV", ErrNotCSV)
	}
	if head[0] != '#' {
		return Table{}, fmt.Errorf("%w: answer starts with %q, not the \"# pxname,svname,...\" header", ErrNotCSV, firstLine(head))
	}
	first := firstLine(head)
	_, _ = br.Discard(1)
	lines := &lineCap{r: br, line: 1}
	cr := csv.NewReader(lines)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	fail := func(err error) (Table, error) {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return Table{}, fmt.Errorf("%w: line %d: %v", ErrNotCSV, pe.StartLine, pe.Err)
		}
		return Table{}, err
	}
	hdr, err := cr.Read()
	if err == io.EOF {
		return Table{}, fmt.Errorf("%w: a lone %q, no header", ErrNotCSV, first)
	}
	if err != nil {
		return fail(err)
	}
	if len(hdr) > maxColumns {
		return Table{}, fmt.Errorf("%w: %d columns in the header", ErrNotCSV, len(hdr))
	}
	var idx [nKnown]int
	for i := range idx {
		idx[i] = -1
	}
	for i, h := range hdr {
		if k, ok := knownIndex[strings.TrimSpace(h)]; ok && idx[k] < 0 {
			idx[k] = i
		}
	}
	if idx[cPxname] < 0 || idx[cSvname] < 0 {
		return Table{}, fmt.Errorf("%w: the header %q has no pxname and svname columns", ErrNotCSV, first)
	}
	var missing []string
	need := 0 // a row must have more fields than this
	for _, c := range Needed {
		i := idx[knownIndex[c]]
		if i < 0 {
			missing = append(missing, c)
		}
		need = max(need, i)
	}
	if len(missing) > 0 {
		return Table{}, fmt.Errorf("%w: the header has no %s column%s, which gwtop needs (is this HAProxy's stats CSV, whole?)",
			ErrNotCSV, strings.Join(missing, ", "), plural(len(missing)))
	}
	var t Table
	text := 0
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) <= need {
			if t.Short++; t.Short > MaxRows {
				return Table{}, fmt.Errorf("%w: more than %d rows with fewer than the %d fields the header's columns need", ErrNotCSV, MaxRows, need+1)
			}
			continue
		}
		px, sv := rec[idx[cPxname]], rec[idx[cSvname]]
		if strings.TrimSpace(px) == "" || strings.TrimSpace(sv) == "" {
			return Table{}, fmt.Errorf("%w: line %d has no pxname or svname", ErrNotCSV, line)
		}
		if len(t.Rows) == MaxRows {
			return Table{}, fmt.Errorf("%w: more than %d rows; gwtop reads at most %d", ErrTooLarge, MaxRows, MaxRows)
		}
		row := makeRow(rec, &idx)
		text += len(row.Proxy) + len(row.Name) + len(row.Status) + len(row.Addr) + len(row.CheckStatus) + len(row.CheckDesc) + len(row.LastChk)
		if text > maxText {
			return Table{}, fmt.Errorf("%w: more than %d MiB of names and texts in %d rows", ErrTooLarge, maxText>>20, len(t.Rows))
		}
		t.Rows = append(t.Rows, row)
	}
	if len(t.Rows) == 0 && t.Short > 0 {
		return t, fmt.Errorf("%w: all %d rows have fewer than the %d fields the header's columns need", ErrNotCSV, t.Short, need+1)
	}
	return t, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// skipSpace discards what ParseStats trims before the header.
func skipSpace(br *bufio.Reader) error {
	for {
		c, _, err := br.ReadRune()
		if err != nil {
			return err
		}
		switch c {
		case ' ', '\t', '\r', '\n', '\ufeff':
			continue
		}
		return br.UnreadRune()
	}
}

// lineCap passes its reader's bytes on, failing once a line is longer
// than maxLine.
type lineCap struct {
	r    io.Reader
	line int // the line being read, from 1
	n    int // its bytes so far
}

func (l *lineCap) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i, c := range p[:n] {
		if c == '\n' {
			l.line++
			l.n = 0
			continue
		}
		if l.n++; l.n > maxLine {
			return i, fmt.Errorf("%w: line %d longer than %d KiB", ErrNotCSV, l.line, maxLine>>10)
		}
	}
	return n, err
}

func makeRow(rec []string, idx *[nKnown]int) Row {
	var row Row
	// str copies the field out of the record's line, so that the rows
	// kept do not keep the lines.
	str := func(c int) string {
		i := idx[c]
		if i < 0 || i >= len(rec) {
			return ""
		}
		v := strings.TrimSpace(rec[i])
		if v != "" {
			row.has |= 1 << c
		}
		return v
	}
	keep := func(c int) string { return strings.Clone(str(c)) }
	num := func(c int) int64 {
		n, err := strconv.ParseInt(str(c), 10, 64)
		if err != nil {
			return 0
		}
		return n
	}
	flt := func(c int) float64 {
		f, err := strconv.ParseFloat(str(c), 64)
		if err != nil {
			return 0
		}
		return f
	}
	row.Proxy, row.Name = keep(cPxname), keep(cSvname)
	row.Status, row.Addr = keep(cStatus), keep(cAddr)
	cs := str(cCheckStatus)
	row.CheckRunning = strings.HasPrefix(cs, "* ")
	row.CheckStatus = strings.Clone(strings.TrimSpace(strings.TrimPrefix(cs, "* ")))
	row.CheckCode = int(num(cCheckCode))
	row.CheckDesc, row.LastChk = keep(cCheckDesc), keep(cLastChk)
	row.Qcur, row.Scur = num(cQcur), num(cScur)
	row.Stot, row.ReqTot = num(cStot), num(cReqTot)
	row.Econ, row.Eresp, row.Wretr, row.Wredis = num(cEcon), num(cEresp), num(cWretr), num(cWredis)
	row.ChkFail, row.ChkDown = num(cChkfail), num(cChkdown)
	row.CliAbrt, row.SrvAbrt = num(cCliAbrt), num(cSrvAbrt)
	row.Act, row.Bck = num(cAct), num(cBck)
	row.ReqRate, row.Rate = flt(cReqRate), flt(cRate)
	row.Hrsp = [6]int64{num(cHrspOther), num(cHrsp1xx), num(cHrsp2xx), num(cHrsp3xx), num(cHrsp4xx), num(cHrsp5xx)}
	row.Qtime, row.Ctime, row.Rtime, row.Ttime = flt(cQtime), flt(cCtime), flt(cRtime), flt(cTtime)
	row.hasAvg = row.has&(1<<cQtime|1<<cCtime|1<<cRtime|1<<cTtime) != 0
	row.hasReq = row.has&(1<<cReqTot) != 0
	t, err := strconv.Atoi(str(cType))
	switch {
	case err == nil && t >= TypeFrontend && t <= TypeListener:
		row.Type = t
	case row.Name == "FRONTEND":
		row.Type = TypeFrontend
	case row.Name == "BACKEND":
		row.Type = TypeBackend
	default:
		// Versions without the type column list only frontends,
		// backends and servers.
		row.Type = TypeServer
	}
	return row
}

// looksHTML reports whether b is an HTML page: the stats page without
// ";csv", an error page, a login form.
func looksHTML(b []byte) bool {
	head := bytes.ToLower(b[:min(len(b), 512)])
	return bytes.HasPrefix(head, []byte("<!doctype")) || bytes.HasPrefix(head, []byte("<html")) ||
		bytes.HasPrefix(head, []byte("<head")) || bytes.HasPrefix(head, []byte("<?xml")) ||
		(head[0] == '<' && bytes.Contains(head, []byte("<body")))
}

// firstLine returns the first line of b, shortened, for error messages.
func firstLine(b []byte) string {
	if i := bytes.IndexAny(b, "\r\n"); i >= 0 {
		b = b[:i]
	}
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}
