package haproxy

import (
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
	has              map[string]bool
	hasAvg, hasReq   bool
}

// Has reports whether the column was present and not empty on this row.
func (r *Row) Has(column string) bool { return r.has[column] }

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

// maxColumns bounds the header: HAProxy 3.x has about 130 columns, and a
// header far wider is not HAProxy's.
const maxColumns = 4096

// ParseStats reads the stats CSV of `show stat` or "<stats uri>;csv". It maps
// columns by the header's names, never by position: the columns after the
// "-" marker change between versions and builds, and older versions have
// fewer columns. Rows shorter than the header leave the missing columns
// empty.
func ParseStats(b []byte) ([]Row, error) {
	b = bytes.TrimLeft(b, " \t\r\n\ufeff")
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty answer", ErrNotCSV)
	}
	if looksHTML(b) {
		return nil, fmt.Errorf("%w: got an HTML page, not CSV", ErrNotCSV)
	}
	if b[0] != '#' {
		return nil, fmt.Errorf("%w: answer starts with %q, not the \"# pxname,svname,...\" header", ErrNotCSV, firstLine(b))
	}
	r := csv.NewReader(bytes.NewReader(b[1:]))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrNotCSV, err)
	}
	if len(head) > maxColumns {
		return nil, fmt.Errorf("%w: %d columns in the header", ErrNotCSV, len(head))
	}
	cols := make(map[string]int, len(head))
	for i, h := range head {
		h = strings.TrimSpace(h)
		if _, dup := cols[h]; !dup && h != "" {
			cols[h] = i
		}
	}
	px, okPx := cols["pxname"]
	sv, okSv := cols["svname"]
	if !okPx || !okSv {
		return nil, fmt.Errorf("%w: the header %q has no pxname and svname columns", ErrNotCSV, firstLine(b))
	}
	var rows []Row
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrNotCSV, line, err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if px >= len(rec) || sv >= len(rec) || strings.TrimSpace(rec[px]) == "" || strings.TrimSpace(rec[sv]) == "" {
			return nil, fmt.Errorf("%w: line %d has no pxname or svname", ErrNotCSV, line)
		}
		rows = append(rows, makeRow(rec, cols))
	}
	return rows, nil
}

func makeRow(rec []string, cols map[string]int) Row {
	get := func(name string) string {
		if i, ok := cols[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	row := Row{has: map[string]bool{}}
	str := func(name string) string {
		v := get(name)
		if v != "" {
			row.has[name] = true
		}
		return v
	}
	num := func(name string) int64 {
		n, err := strconv.ParseInt(str(name), 10, 64)
		if err != nil {
			return 0
		}
		return n
	}
	flt := func(name string) float64 {
		f, err := strconv.ParseFloat(str(name), 64)
		if err != nil {
			return 0
		}
		return f
	}
	row.Proxy, row.Name = str("pxname"), str("svname")
	row.Status, row.Addr = str("status"), str("addr")
	cs := str("check_status")
	row.CheckRunning = strings.HasPrefix(cs, "* ")
	row.CheckStatus = strings.TrimSpace(strings.TrimPrefix(cs, "* "))
	row.CheckCode = int(num("check_code"))
	row.CheckDesc, row.LastChk = str("check_desc"), str("last_chk")
	row.Qcur, row.Scur = num("qcur"), num("scur")
	row.Stot, row.ReqTot = num("stot"), num("req_tot")
	row.Econ, row.Eresp, row.Wretr, row.Wredis = num("econ"), num("eresp"), num("wretr"), num("wredis")
	row.ChkFail, row.ChkDown = num("chkfail"), num("chkdown")
	row.CliAbrt, row.SrvAbrt = num("cli_abrt"), num("srv_abrt")
	row.Act, row.Bck = num("act"), num("bck")
	row.ReqRate, row.Rate = flt("req_rate"), flt("rate")
	row.Hrsp = [6]int64{num("hrsp_other"), num("hrsp_1xx"), num("hrsp_2xx"), num("hrsp_3xx"), num("hrsp_4xx"), num("hrsp_5xx")}
	row.Qtime, row.Ctime, row.Rtime, row.Ttime = flt("qtime"), flt("ctime"), flt("rtime"), flt("ttime")
	row.hasAvg = row.has["qtime"] || row.has["ctime"] || row.has["rtime"] || row.has["ttime"]
	row.hasReq = row.has["req_tot"]
	t, err := strconv.Atoi(str("type"))
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
