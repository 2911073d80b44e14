package collector

import (
	"cmp"
	"context"
	"hash/crc32"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/tail"
	"github.com/gwtop/gwtop/model"
)

// The raw lines behind each upstream (the TUI's drill-down) are kept in
// bytes, not lines: each row has a ring of RawRowBytes of text, all rows
// together at most RawMaxBytes; every line also keeps its position
// (file, offset, length, hash), so that once its text is overwritten it
// can be read back from the file on demand. Positions are bounded too.
const (
	RawRowBytes = 16 << 10 // text ring of one upstream row
	RawMaxBytes = 1 << 20  // all rows' rings together: 64 full rows (older lines are read back from the files)
	rawRowRecs  = 4096     // positions kept per row
	rawMinRecs  = 64       // a row's first allocation of positions
	rawMaxRecs  = 1 << 15  // positions kept in all rows together (1.25 MiB: 32 lines for each of 1,000 rows), and one for each row past it
	rawMaxRows  = maxUpstreams
	rawMaxFiles = 1 << 12 // distinct log files (a file per rotation) positions refer to
	// DefaultMaxLines is how many lines a query returns when it says 0.
	DefaultMaxLines = 1000
	maxQueryLines   = 10000
)

// rawRec is one kept line: 48 bytes.
type rawRec struct {
	t     int64  // unix nanoseconds
	off   int64  // of the line's first byte in its file
	rpos  int64  // where its text starts in the row's ring (bytes written before it)
	n     uint32 // bytes of text (the line cut to maxLineLen)
	hash  uint32 // CRC-32C of those bytes, to know a read-back is the same line
	route uint32 // routeSum of its route and host; 0 when the line names none
	file  uint16 // index+1 into rawStore.files; 0: no file (standard input)
	src   uint8  // srcAccess or srcError
	cause uint8  // model.Cause index+1; 0 none
}

type rawRow struct {
	recs []rawRec // a ring once full: the oldest at total%len
	tot  int64    // records ever written
	ring []byte   // nil when the global budget had no room for it
	w    int64    // bytes ever written into ring
	seen int64    // last write, unix nanoseconds, for eviction
}

type rawFile struct {
	path     string
	dev, ino uint64
}

// rawStore holds the raw lines of every row. It has its own lock, so the
// aggregator's is not held longer by it.
type rawStore struct {
	mu     sync.Mutex
	rows   map[ukey]*rawRow
	bytes  int // ring bytes allocated
	recs   int // positions allocated
	files  []rawFile
	fileOf map[rawFile]uint16
	last   rawFile // the file of the last line, and its index: most lines
	lastI  uint16  // come from the file the one before came from
}

func newRawStore() *rawStore {
	return &rawStore{rows: map[ukey]*rawRow{}, fileOf: map[rawFile]uint16{}}
}

// add keeps one line for the row (gw, addr). pos is where it lies, when
// known (ok).
func (s *rawStore) add(gw, addr string, t time.Time, src uint8, cause model.Cause, route uint32, line []byte, pos tail.Pos, ok bool) {
	if len(line) > maxLineLen {
		line = line[:maxLineLen]
	}
	rec := rawRec{t: t.UnixNano(), n: uint32(len(line)), hash: lineSum(line), src: src, route: route}
	if i := cause.Index(); i >= 0 {
		rec.cause = uint8(i + 1)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ok {
		rec.off, rec.file = pos.Offset, s.fileLocked(pos)
	}
	r := s.rowLocked(gw, addr)
	r.seen = rec.t
	if r.ring != nil {
		rec.rpos = r.w
		at := int(r.w % RawRowBytes)
		k := copy(r.ring[at:], line)
		copy(r.ring, line[k:])
		r.w += int64(len(line))
	} else {
		rec.rpos = -1
	}
	// Grow the positions while the row has not wrapped and the budget
	// allows; after that the oldest is overwritten.
	if int64(len(r.recs)) == r.tot && len(r.recs) < rawRowRecs {
		if len(r.recs) == cap(r.recs) && s.recs+cap(r.recs) <= rawMaxRecs {
			grown := make([]rawRec, len(r.recs), min(2*cap(r.recs), rawRowRecs))
			copy(grown, r.recs)
			s.recs += cap(grown) - cap(r.recs)
			r.recs = grown
		}
		if len(r.recs) < cap(r.recs) {
			r.recs = append(r.recs, rec)
			r.tot++
			return
		}
	}
	r.recs[r.tot%int64(len(r.recs))] = rec
	r.tot++
}

func (s *rawStore) rowLocked(gw, addr string) *rawRow {
	k := ukey{gw, addr}
	if r, ok := s.rows[k]; ok {
		return r
	}
	if len(s.rows) >= rawMaxRows {
		s.evictLocked()
	}
	r := &rawRow{}
	if s.recs+rawMinRecs <= rawMaxRecs {
		r.recs = make([]rawRec, 0, rawMinRecs)
		s.recs += rawMinRecs
	} else {
		r.recs = make([]rawRec, 0, 1)
		s.recs++
	}
	if s.bytes+RawRowBytes <= RawMaxBytes {
		r.ring = make([]byte, RawRowBytes)
		s.bytes += RawRowBytes
	}
	s.rows[k] = r
	return r
}

// evictLocked forgets the rows written to longest ago: a sixteenth of
// them at once, so that more addresses than rawMaxRows (a gateway of
// 10,000 upstreams) cost one scan per rawMaxRows/16 new rows, not one per
// row (that scan was three quarters of such a gateway's CPU).
func (s *rawStore) evictLocked() {
	type aged struct {
		k    ukey
		seen int64
	}
	all := make([]aged, 0, len(s.rows))
	for k, r := range s.rows {
		all = append(all, aged{k, r.seen})
	}
	n := max(1, len(all)/16)
	slices.SortFunc(all, func(x, y aged) int { return cmp.Compare(x.seen, y.seen) })
	for _, v := range all[:min(n, len(all))] {
		r := s.rows[v.k]
		s.bytes -= len(r.ring)
		s.recs -= cap(r.recs)
		delete(s.rows, v.k)
	}
}

func (s *rawStore) fileLocked(p tail.Pos) uint16 {
	f := rawFile{p.Path, p.Dev, p.Ino}
	if s.lastI > 0 && f == s.last {
		return s.lastI
	}
	if i, ok := s.fileOf[f]; ok {
		s.last, s.lastI = f, i
		return i
	}
	if len(s.files) >= rawMaxFiles {
		return 0 // no room to name it: the line cannot be read back
	}
	s.files = append(s.files, f)
	i := uint16(len(s.files))
	s.fileOf[f] = i
	return i
}

// usage is the bytes the store holds for rings and positions.
func (s *rawStore) usage() (ringBytes, recs int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes, s.recs
}

// pending is a line of a query's answer whose text must be read back.
type pending struct {
	i    int // index into the answer
	file rawFile
	off  int64
	n    uint32
	hash uint32
}

// lines answers a query: newest first, the texts still in the ring copied
// under the lock, the older ones read back from their files after it.
func (s *rawStore) lines(ctx context.Context, q model.LinesQuery) model.Lines {
	max := q.Max
	if max <= 0 {
		max = DefaultMaxLines
	}
	max = min(max, maxQueryLines)
	want := uint8(0)
	if i := q.Cause.Index(); i >= 0 {
		want = uint8(i + 1)
	}
	var route uint32
	if q.Route != "" {
		route = routeSum([]byte(q.Route), q.Host)
	}
	var out model.Lines
	var todo []pending
	s.mu.Lock()
	r := s.rows[ukey{q.Gateway, q.Address}]
	if r != nil {
		n := min(r.tot, int64(len(r.recs)))
		for k := r.tot - 1; k >= r.tot-n; k-- {
			rec := &r.recs[k%int64(len(r.recs))]
			if (want != 0 && rec.cause != want) || (route != 0 && rec.route != route) {
				continue
			}
			out.Known++
			if len(out.Lines) >= max {
				continue
			}
			l := model.RawLine{Time: time.Unix(0, rec.t), Offset: rec.off, Source: sourceNames[1]}
			if rec.src == srcError {
				l.Source = sourceNames[2]
			}
			if rec.cause > 0 {
				l.Cause = model.AllCauses()[rec.cause-1]
			}
			var f rawFile
			if rec.file > 0 {
				f = s.files[rec.file-1]
				l.File = f.path
			}
			if rec.rpos >= 0 && r.w-rec.rpos <= RawRowBytes {
				b := make([]byte, rec.n)
				at := int(rec.rpos % RawRowBytes)
				k := copy(b, r.ring[at:])
				copy(b[k:], r.ring)
				l.Text = string(b)
			} else if rec.file > 0 {
				todo = append(todo, pending{i: len(out.Lines), file: f, off: rec.off, n: rec.n, hash: rec.hash})
			} else {
				l.Gone = "read from standard input: not kept"
			}
			out.Lines = append(out.Lines, l)
		}
	}
	s.mu.Unlock()
	readBack(ctx, &out, todo)
	// Each log is read in its own batches (file events are coalesced), so
	// the order lines were kept in may interleave an access log's and an
	// error log's seconds: newest first is by their times, the order kept
	// between lines of one time.
	slices.SortStableFunc(out.Lines, func(a, b model.RawLine) int { return b.Time.Compare(a.Time) })
	for _, l := range out.Lines {
		switch {
		case l.Gone != "":
			out.Gone++
		case l.FromFile:
			out.FromFile++
		}
	}
	return out
}

// readBack reads the lines whose text left memory from their files, each
// file opened once, checking it is still the file the line was read from
// and that the bytes are the line's.
func readBack(ctx context.Context, out *model.Lines, todo []pending) {
	if len(todo) == 0 {
		return
	}
	type opened struct {
		f   *os.File
		why string
	}
	files := map[rawFile]*opened{}
	defer func() {
		for _, o := range files {
			if o.f != nil {
				o.f.Close()
			}
		}
	}()
	buf := make([]byte, maxLineLen)
	for _, p := range todo {
		l := &out.Lines[p.i]
		if ctx.Err() != nil {
			l.Gone = "not read back: cancelled"
			continue
		}
		o := files[p.file]
		if o == nil {
			o = &opened{}
			files[p.file] = o
			f, err := os.Open(p.file.path)
			switch {
			case err != nil:
				o.why = "its file cannot be opened: " + err.Error()
			case !sameFile(f, p.file):
				f.Close()
				o.why = "its file was rotated away (" + p.file.path + " is another file now)"
			default:
				o.f = f
			}
		}
		if o.f == nil {
			l.Gone = o.why
			continue
		}
		b := buf[:p.n]
		if _, err := o.f.ReadAt(b, p.off); err != nil {
			l.Gone = "its file was cut (copytruncate) or rewritten"
			continue
		}
		if lineSum(b) != p.hash {
			l.Gone = "its file was rewritten at that offset"
			continue
		}
		l.Text, l.FromFile = string(b), true
	}
}

// lineSum tells a line read back from its file from whatever else is at
// that offset now: CRC-32C, which the CPU computes (SSE 4.2, ARMv8) at
// a few bytes a cycle, since it runs for every line.
func lineSum(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// routeSum names a normalised route and its host in 32 bits (never 0),
// as the routes table keys them (routes.go: the host cut to 64 bytes).
func routeSum(route []byte, host string) uint32 {
	if len(host) > 64 {
		host = host[:64]
	}
	h := crc32.Update(crc32.Checksum(route, castagnoli), castagnoli, []byte{0})
	h = crc32.Update(h, castagnoli, []byte(host))
	return max(h, 1)
}

func sameFile(f *os.File, want rawFile) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return want.dev == 0 && want.ino == 0
	}
	return uint64(st.Dev) == want.dev && uint64(st.Ino) == want.ino //nolint:unconvert // Dev's type differs by platform
}

// rawSink is a log's sink while one line is parsed: what the parser
// reports passes to the aggregator unchanged, and the line is kept for
// the rows it names, with its position in the file.
type rawSink struct {
	feed.Sink
	l      *lineLog
	routed routedSink // the Sink, when it takes a normalised route; nil otherwise
}

func newRawSink(s feed.Sink, l *lineLog) rawSink {
	k := rawSink{Sink: s, l: l}
	k.routed, _ = s.(routedSink)
	return k
}

// routedSink takes a request with its route already normalised.
type routedSink interface {
	observeRouted(r *feed.Request, line, route []byte)
}

func (k rawSink) ObserveRequest(r *feed.Request, line []byte) {
	l := k.l
	var route uint32
	var norm []byte // nil: no path
	if r.Path != "" {
		l.rawBuf = normaliseRoute(l.rawBuf[:0], r.Path)
		norm = l.rawBuf
		route = routeSum(norm, r.Host)
	}
	if k.routed != nil {
		k.routed.observeRouted(r, line, norm)
	} else {
		k.Sink.ObserveRequest(r, line)
	}
	t := orNow(r.Time)
	kept := false
	for i := range r.Attempts {
		at := &r.Attempts[i]
		if at.Addr == "" {
			continue
		}
		code := at.Cause
		if r.Cause != "" && i == len(r.Attempts)-1 {
			code = r.Cause
		}
		l.raw.add(l.instance, at.Addr, t, srcAccess, code, route, l.rawLine, l.rawPos, l.rawOK)
		kept = true
	}
	if !kept && r.Cause != "" {
		l.raw.add(l.instance, GatewayName, t, srcAccess, r.Cause, route, l.rawLine, l.rawPos, l.rawOK)
	}
}

func (k rawSink) ObserveFailure(f feed.Failure) {
	k.Sink.ObserveFailure(f)
	l := k.l
	addr := f.Addr
	if addr == "" {
		addr = GatewayName
	}
	src := srcError
	if f.Source == "access_log" {
		src = srcAccess
	}
	l.raw.add(l.instance, addr, orNow(f.Time), src, f.Cause, 0, l.rawLine, l.rawPos, l.rawOK)
}

// orNow is t, or now when t is unset; unlike cmp.Or(t, time.Now()) it
// reads the clock only then (a log line nearly always has its time).
func orNow(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// Lines is the raw log lines behind one upstream, newest first; the older
// ones are read back from their files, so call it off the UI's Update (a
// tea.Cmd does).
func (e *Engine) Lines(ctx context.Context, q model.LinesQuery) model.Lines {
	if e.raw == nil {
		return model.Lines{}
	}
	return e.raw.lines(ctx, q)
}
