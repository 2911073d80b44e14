package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/gwtop/gwtop/model"
)

// linesSource is a fixed snapshot with raw lines for api (10.0.0.5:8000):
// 40 lines, one every 5 s up to the fixture's time, an error line
// (refused) and its access line (502) in turn; the oldest two were read
// back from the file and one is gone. It records the queries.
type linesSource struct {
	snap *model.Snapshot
	mu   sync.Mutex
	qs   []model.LinesQuery
}

func (l *linesSource) Latest() *model.Snapshot { return l.snap }

func (l *linesSource) Lines(_ context.Context, q model.LinesQuery) model.Lines {
	l.mu.Lock()
	l.qs = append(l.qs, q)
	l.mu.Unlock()
	var out model.Lines
	if q.Address != "10.0.0.5:8000" {
		return out
	}
	for i := range 40 {
		t := fixedNow.Add(-time.Duration(i) * 5 * time.Second)
		l := model.RawLine{Time: t, Source: "access_log", File: "/var/log/nginx/access.log", Offset: int64(10000 - i*100),
			Text: fmt.Sprintf(`10.1.2.3 - - [14/Mar/2026:%s +0000] "GET /v1/orders/%d HTTP/1.1" 502 157 ua="10.0.0.5:8000" us="502"`, t.Format("15:04:05"), 4411-i)}
		if i%2 == 0 {
			l.Source, l.File, l.Cause = "error_log", "/var/log/nginx/error.log", model.CauseRefused
			l.Text = fmt.Sprintf(`%s [error] 812#812: *%d connect() failed (111: Connection refused) while connecting to upstream, upstream: "http://10.0.0.5:8000/v1/orders/%d"`, t.Format("2006/01/02 15:04:05"), 4411-i, 4411-i)
		}
		if (q.Cause != "" && l.Cause != q.Cause) || (q.Route != "" && l.Source != "access_log") {
			continue
		}
		switch i {
		case 37, 38:
			l.FromFile = true
			out.FromFile++
		case 39:
			l.Text, l.Gone = "", "its file was rotated away (/var/log/nginx/access.log is another file now)"
			out.Gone++
		}
		out.Lines = append(out.Lines, l)
	}
	out.Known = len(out.Lines)
	return out
}

// drill opens api's detail and its lines, running the command that reads
// them as the program would.
func drill(t *testing.T, w, h int, src *linesSource, keys ...string) Model {
	t.Helper()
	m := New(src, Options{Theme: "dark", Title: "nginx 127.0.0.1:8080"})
	m.now = func() time.Time { return fixedNow }
	m = update(m, tea.WindowSizeMsg{Width: w, Height: h})
	m = update(m, SnapshotMsg{Snapshot: src.snap})
	m = press(m, "j", "enter") // api, under web
	for _, k := range keys {
		next, cmd := m.Update(keyMsg(k))
		m = next.(Model)
		if cmd != nil {
			if msg, ok := cmd().(linesMsg); ok {
				m = update(m, msg)
			}
		}
	}
	return m
}

func TestDrillNewestFirst(t *testing.T) {
	src := &linesSource{snap: fixtureSnapshot()}
	m := drill(t, 120, 40, src, "l")
	d, ok := m.top().(*drillPane)
	if !ok {
		t.Fatalf("l should open the lines, top is %T", m.top())
	}
	if len(src.qs) != 1 || src.qs[0] != (model.LinesQuery{Address: "10.0.0.5:8000", Max: drillMax}) {
		t.Fatalf("queries %+v", src.qs)
	}
	if len(d.shown) != 40 || d.res.Lines[d.shown[0]].Time != fixedNow {
		t.Fatalf("%d lines shown, the first at %v", len(d.shown), d.res.Lines[d.shown[0]].Time)
	}
	out := plain(m)
	for _, want := range []string{
		"api 10.0.0.5:8000 · every line · 40 lines 11:59:49 → 12:03:04 (3m15s)",
		"newest first · 37 in memory · 2 read back from the log · 1 gone (rotated or rewritten)",
		"12:03:04 E refused 2026/03/14 12:03:04 [error] 812#812: *4411 connect() failed",
		"12:02:59 A -       10.1.2.3 - - [14/Mar/2026:12:02:59 +0000] \"GET /v1/orders/4410",
		"overview › api › lines",
		"1-35 of 40",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q:\n%s", want, out)
		}
	}
	// Newest first: each row's time is not after the one above it.
	prev := "99:99:99"
	for _, l := range strings.Split(out, "\n") {
		if len(l) < 8 || l[2] != ':' {
			continue
		}
		if l[:8] > prev {
			t.Fatalf("%q comes after %s: not newest first", l[:8], prev)
		}
		prev = l[:8]
	}
	// The end of the list: the line that is gone says why.
	m = press(m, "G")
	if out := plain(m); !strings.Contains(out, "(gone: its file was rotated away") || !strings.Contains(out, "6-40 of 40") {
		t.Errorf("the bottom of the list:\n%s", out)
	}
	// esc goes back to the detail.
	if m = press(m, "esc"); topName(m) != "detail" {
		t.Errorf("esc: top %s", topName(m))
	}
}

func TestDrillSearchAndCause(t *testing.T) {
	src := &linesSource{snap: fixtureSnapshot()}
	m := drill(t, 100, 30, src, "l", "/")
	m = typeText(m, "orders/440")
	d := m.top().(*drillPane)
	// 4409..4401 and 4400: ten lines, all still newest first.
	if len(d.shown) != 10 || !strings.Contains(d.res.Lines[d.shown[0]].Text, "orders/4409") {
		t.Fatalf("search: %d lines, first %q", len(d.shown), d.res.Lines[d.shown[0]].Text)
	}
	if out := plain(m); !strings.Contains(out, "· 10 lines 12:02:09 → 12:02:54 (45s)") || !strings.Contains(out, "10 match") {
		t.Fatalf("the range is the selection's:\n%s", out)
	}
	m = press(m, "enter")
	if out := plain(m); !strings.Contains(out, "lines /orders/440") {
		t.Fatalf("the crumb names the search:\n%s", out)
	}
	m = typeText(press(m, "/"), "zzz")
	if out := plain(m); !strings.Contains(out, `no line contains "orders/440zzz"`) {
		t.Fatalf("an empty search says so:\n%s", out)
	}
	m = press(m, "esc")
	// c: the lines of the upstream's first cause, refused.
	next, cmd := m.Update(keyMsg("c"))
	m = update(next.(Model), cmd())
	d = m.top().(*drillPane)
	if got := src.qs[len(src.qs)-1]; got.Cause != model.CauseRefused || len(d.shown) != 20 {
		t.Fatalf("c: query %+v, %d lines", got, len(d.shown))
	}
	if out := plain(m); !strings.Contains(out, "api 10.0.0.5:8000 · refused · 20 lines 11:59:54 → 12:03:04 (3m10s)") {
		t.Fatalf("cause heading:\n%s", out)
	}
	// From the detail, 2 opens the second cause's lines (no_live_upstreams): none here.
	m = drill(t, 100, 30, src, "2")
	if got := src.qs[len(src.qs)-1]; got.Cause != model.CauseNoLiveUpstreams {
		t.Fatalf("2: query %+v", got)
	}
	if out := plain(m); !strings.Contains(out, "no log line behind this upstream yet") {
		t.Fatalf("no lines:\n%s", out)
	}
}

// TestDrillLateAnswer: an answer to an older question (before c) is
// dropped; an answer reaches the drill-down under the help pane.
func TestDrillLateAnswer(t *testing.T) {
	src := &linesSource{snap: fixtureSnapshot()}
	m := drill(t, 100, 30, src)
	next, first := m.Update(keyMsg("l"))
	m = next.(Model)
	next, second := m.Update(keyMsg("c"))
	m = next.(Model)
	m = press(m, "?")
	m = update(m, second())
	m = update(m, first())
	m = press(m, "?")
	d := m.top().(*drillPane)
	if d.cause != model.CauseRefused || len(d.shown) != 20 || d.loading {
		t.Fatalf("cause %q, %d lines, loading %v: the late answer to every line won", d.cause, len(d.shown), d.loading)
	}
}

// TestDrillNoLineSource: a source that keeps no lines (a replay) says so.
func TestDrillNoLineSource(t *testing.T) {
	m := press(newTestModel(80, 24, "dark", fixtureSnapshot()), "j", "l")
	if out := plain(m); !strings.Contains(out, "this source keeps no log lines") {
		t.Fatalf("%s", out)
	}
}

func TestGoldenDrill(t *testing.T) {
	for name, keys := range map[string][]string{
		"lines_80x24":  {"l"},
		"search_80x24": {"l", "/", "o", "r", "d", "e", "r", "s", "/", "4", "4", "0"},
		"cause_120x40": {"1"},
	} {
		t.Run(name, func(t *testing.T) {
			var w, h int
			fmt.Sscanf(name[strings.IndexByte(name, '_')+1:], "%dx%d", &w, &h)
			m := drill(t, w, h, &linesSource{snap: fixtureSnapshot()}, keys...)
			golden.RequireEqual(t, []byte(plain(m)))
		})
	}
}

// TestFlowDrillDown runs the real program: detail, l, the lines arrive
// from the command, search, back.
func TestFlowDrillDown(t *testing.T) {
	src := &linesSource{snap: fixtureSnapshot()}
	tm := teatest.NewTestModel(t, New(src, Options{Refresh: 20 * time.Millisecond}),
		teatest.WithInitialTermSize(100, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
	waitFor(t, tm, "payments")
	tm.Send(keyMsg("j"))
	tm.Send(keyMsg("enter"))
	waitFor(t, tm, "PROBABLE CAUSES")
	tm.Send(keyMsg("l"))
	waitFor(t, tm, "2 read back from the log")
	tm.Send(keyMsg("/"))
	tm.Type("4402")
	waitFor(t, tm, "(0s)") // one line: its range is an instant
	tm.Send(keyMsg("enter"))
	tm.Send(keyMsg("q"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	d, ok := final.top().(*drillPane)
	if !ok || len(d.shown) != 1 || !strings.Contains(d.res.Lines[d.shown[0]].Text, "orders/4402") {
		t.Fatalf("final top %T", final.top())
	}
}

// TestDrillRoute: o narrows the lines to each of the upstream's named
// routes in turn (never "other", which no line names), then back to all.
func TestDrillRoute(t *testing.T) {
	snap := fixtureSnapshot()
	api := &snap.Upstreams[1]
	if api.Name != "api" {
		t.Fatalf("fixture order changed: %s", api.Name)
	}
	api.Routes = []model.Route{
		{Route: "/v1/orders/:id", Host: "shop.example", Requests: 20, Errors5xx: 20, Rate5xx: 1},
		{Route: model.RouteOther, Requests: 3},
	}
	src := &linesSource{snap: snap}
	m := drill(t, 100, 30, src, "l", "o")
	if q := src.qs[len(src.qs)-1]; q.Route != "/v1/orders/:id" || q.Host != "shop.example" {
		t.Fatalf("o: query %+v", q)
	}
	d := m.top().(*drillPane)
	if out := plain(m); len(d.shown) != 20 || !strings.Contains(out, "api 10.0.0.5:8000 · every line · route /v1/orders/:id on shop.example · 20 lines") ||
		!strings.Contains(out, "overview › api › lines /v1/orders/:id") {
		t.Fatalf("%d lines:\n%s", len(d.shown), out)
	}
	m = drill(t, 100, 30, src, "l", "o", "o")
	if q := src.qs[len(src.qs)-1]; q.Route != "" || len(m.top().(*drillPane).shown) != 40 {
		t.Fatalf("o twice: query %+v, want every route again (other is not one)", q)
	}
}

// TestDrillWrap: w wraps each line to the width under its head, so the
// end of a long error line (the upstream it names) can be read.
func TestDrillWrap(t *testing.T) {
	m := drill(t, 80, 24, &linesSource{snap: fixtureSnapshot()}, "l", "w")
	out := plain(m)
	if !strings.Contains(out, `                   upstream: "http://10.0.0.5:8000/v1/orders/4411"`) || !strings.Contains(out, "1-8 of 40") {
		t.Fatalf("wrapped:\n%s", out)
	}
	if n := len(strings.Split(out, "\n")); n != 24 {
		t.Fatalf("%d lines", n)
	}
	m = press(m, "w")
	if out := plain(m); strings.Contains(out, "while connecting to upstream, upstream") {
		t.Fatalf("w again cuts the lines:\n%s", out)
	}
}
