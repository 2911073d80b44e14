package collector

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gwtop/gwtop/collector/tail"
	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/facts"
	"github.com/gwtop/gwtop/gateway"
	"github.com/gwtop/gwtop/model"
)

// Bounds of the configuration-file watch.
const (
	confFilesKept = 64      // files followed (the main ones first)
	confReadMax   = 4 << 20 // bytes hashed of a file; a larger one is hashed up to this
	confLinesMax  = 1 << 20 // a file up to this size keeps its lines, to say which changed
)

// confWatch notices a running gateway's configuration files changing on
// disk — before (or without) a reload: the deploy that rewrote
// conf.d/api.conf shows on the timeline whether or not it reloaded the
// gateway. It follows the main configuration file of every running
// gateway (its command line's, else the kind's standard one) and every
// file its Settings were read from (the includes), stats them every facts
// round and reads a file only when its size or mtime moved; an event is
// emitted only when the content changed (a touch is none). It quotes no
// configuration text (a line may hold a password): it says which lines
// changed and the directive that starts the first of them.
type confWatch struct {
	files map[string]*confFile
}

type confFile struct {
	kind  string
	size  int64
	mtime time.Time
	gone  bool
	sum   [sha256.Size]byte
	lines []string // nil when the file is larger than confLinesMax
}

// track sets the files to follow: kind → paths. A file seen for the first
// time is read as the baseline (no event); a file no longer named is
// forgotten.
func (w *confWatch) track(want map[string]string) {
	if w.files == nil {
		w.files = map[string]*confFile{}
	}
	for p := range w.files {
		if _, ok := want[p]; !ok {
			delete(w.files, p)
		}
	}
	for p, kind := range want {
		if _, ok := w.files[p]; ok {
			continue
		}
		f := &confFile{kind: kind}
		f.load(p)
		w.files[p] = f
	}
}

// check stats every followed file and returns an event for each whose
// content changed, that vanished or that came back.
func (w *confWatch) check(now time.Time) []model.Event {
	var out []model.Event
	paths := make([]string, 0, len(w.files))
	for p := range w.files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		f := w.files[p]
		st, err := os.Stat(p)
		switch {
		case err != nil && f.gone, err == nil && !f.gone && st.Size() == f.size && st.ModTime().Equal(f.mtime):
			continue
		case err != nil:
			*f = confFile{kind: f.kind, gone: true}
			out = append(out, confEvent(now, f.kind, p, "removed"))
			continue
		}
		was := *f
		f.load(p)
		switch {
		case f.gone:
			// unreadable now: say nothing until it reads again
		case was.gone:
			out = append(out, confEvent(now, f.kind, p, "created"))
		case f.sum != was.sum:
			out = append(out, confEvent(now, f.kind, p, "modified"+changed(was, *f)))
		}
	}
	return out
}

// load reads the file's stamp, hash and (when small) lines; an unreadable
// file is marked gone.
func (f *confFile) load(path string) {
	fh, st, err := tail.OpenRegular(path) // a FIFO is never read, nor waited on
	if err != nil {
		*f = confFile{kind: f.kind, gone: true}
		return
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, confReadMax))
	if err != nil {
		*f = confFile{kind: f.kind, gone: true}
		return
	}
	*f = confFile{kind: f.kind, size: st.Size(), mtime: st.ModTime(), sum: sha256.Sum256(data)}
	if st.Size() <= confLinesMax {
		f.lines = strings.Split(string(data), "\n")
	}
}

// changed says which lines differ between two versions of a file, as
// ": line 12 (proxy_pass)" or ": lines 12–30 (location)", with the sizes;
// "" when it cannot tell.
func changed(a, b confFile) string {
	size := fmt.Sprintf(" (%d → %d bytes)", a.size, b.size)
	if a.lines == nil || b.lines == nil {
		return size
	}
	pre := 0
	for pre < len(a.lines) && pre < len(b.lines) && a.lines[pre] == b.lines[pre] {
		pre++
	}
	suf := 0
	for suf < len(a.lines)-pre && suf < len(b.lines)-pre && a.lines[len(a.lines)-1-suf] == b.lines[len(b.lines)-1-suf] {
		suf++
	}
	first, last := pre+1, len(b.lines)-suf // in the new file, 1-based
	var where string
	switch {
	case last < first: // lines only removed
		where = fmt.Sprintf(": %d lines removed after line %d", len(a.lines)-suf-pre, pre)
	case first == last:
		where = fmt.Sprintf(": line %d", first)
	default:
		where = fmt.Sprintf(": lines %d–%d", first, last)
	}
	if last >= first {
		if d := directive(b.lines[first-1]); d != "" {
			where += " (" + d + ")"
		}
	}
	return where + size
}

// directive is the first word of a configuration line when it is a plain
// name (a directive or keyword, never a value that could be a secret).
func directive(line string) string {
	w, _, _ := strings.Cut(strings.TrimSpace(line), " ")
	w, _, _ = strings.Cut(w, "\t")
	w = strings.TrimRight(w, ";{")
	if w == "" || len(w) > 32 {
		return ""
	}
	for i, c := range []byte(w) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || (i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.'))
		if !ok {
			return ""
		}
	}
	return w
}

func confEvent(now time.Time, kind, path, what string) model.Event {
	title := kind
	if k, ok := gateway.Lookup(kind); ok && k.Title != "" {
		title = k.Title
	}
	text := title + " configuration " + path + " " + what
	return model.Event{Time: now, Kind: model.EventConfig, Name: text, Gateway: kind, Text: text, Source: "config files"}
}

// confFiles are the configuration files of the running gateways: each
// one's main file and the files its settings were read from, main files
// first, at most confFilesKept.
func confFiles(byKind map[string][]discover.Proc, settings []facts.Setting) map[string]string {
	out := map[string]string{}
	add := func(path, kind string) {
		if path == "" || len(out) >= confFilesKept {
			return
		}
		if _, ok := out[path]; !ok {
			out[path] = kind
		}
	}
	for _, k := range gateway.Kinds() {
		for _, p := range byKind[k.Name] {
			var main string
			if k.ConfigArg != nil {
				main = discover.RelTo(p.Cwd, k.ConfigArg(p))
			}
			if main == "" {
				for _, s := range k.Standard {
					if st, err := os.Stat(s); err == nil && st.Mode().IsRegular() {
						main = s
						break
					}
				}
			}
			add(main, k.Name)
		}
	}
	for _, s := range settings {
		if s.File != "" && !s.Default {
			add(s.File, s.Gateway)
		}
	}
	return out
}
