package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/gwtop/gwtop/model"
)

// deploySnapshot is the fixture with a deploy's marker, an nginx reload
// and a restart just now whose compare is not ready yet, with the compare
// rows the collector would give (worst first).
func deploySnapshot() *model.Snapshot {
	s := *fixtureSnapshot()
	win := func(secs int, n int64, r, p95 float64) model.CompareWindow {
		return model.CompareWindow{Seconds: secs, Requests: n, Rate5xx: r, P95: p95}
	}
	s.Events = slices.Clone(s.Events)
	s.Events = append(s.Events,
		model.Event{Time: fixedNow.Add(-(2*time.Minute + 13*time.Second)), Kind: model.EventMarker, Name: "deploy v2.3 canary",
			Text: "deploy v2.3 canary", Source: "gwtop mark", Compare: []model.Compare{
				{Upstream: "api", Address: "10.0.0.5:8000", Gateway: "nginx", Before: win(120, 1210, 0.004, 2.2), After: win(120, 1190, 0.983, 2.4),
					Verdict: model.VerdictRegressed, Why: "5xx 0.4% → 98%, z=48.2"},
				{Upstream: "payments", Address: "10.0.0.7:8443", Gateway: "nginx", Before: win(120, 4800, 0.03, 300), After: win(120, 4750, 0.032, 910),
					Verdict: model.VerdictRegressed, Why: "p95 300ms → 910ms (×3.0)"},
				{Upstream: "images-resizer-with-a-very-long-name", Address: "10.0.0.44:8081", Gateway: "nginx", After: win(120, 600, 0, 340),
					Verdict: model.VerdictNew, Why: "no requests before, 600 after (5xx 0%)"},
				{Upstream: "batch", Address: "10.0.0.8:7000", Gateway: "nginx", Before: win(120, 240, 0, 80),
					Verdict: model.VerdictGone, Why: "240 requests before, none after"},
				{Upstream: "search", Address: "search.internal:9200", Gateway: "nginx", Before: win(120, 3, 0, 0), After: win(120, 2, 1, 0),
					Verdict: model.VerdictTooLittle, Why: "3 requests before, 2 after (fewer than 20)"},
				{Upstream: "web", Address: "10.0.0.2:8080", Gateway: "nginx", Before: win(120, 24000, 0, 11), After: win(120, 24100, 0, 11),
					Verdict: model.VerdictUnchanged, Why: "5xx 0% → 0%, z=0.0; p95 11ms → 11ms (×1.0)"},
			}},
		model.Event{Time: fixedNow.Add(-90 * time.Second), Kind: model.EventConfig, Name: "nginx configuration", Gateway: "nginx",
			Text: "nginx configuration /etc/nginx/conf.d/api.conf modified: line 3 (proxy_pass) (812 → 813 bytes)", Source: "config files"},
		model.Event{Time: fixedNow.Add(-70 * time.Second), Kind: model.EventReload, Name: "nginx", Gateway: "nginx",
			Text: "nginx reloaded its configuration (signal 1 (SIGHUP) received)", Source: "nginx error_log", Compare: []model.Compare{
				{Upstream: "static", Address: "10.0.0.3:8080", Gateway: "nginx", Before: win(30, 3000, 0.001, 2.1), After: win(30, 2950, 0, 2.0),
					Verdict: model.VerdictUnchanged, Why: "5xx 0.1% → 0%, z=-1.7; p95 2.1ms → 2.0ms (×1.0)"},
			}},
		model.Event{Time: fixedNow.Add(-8 * time.Second), Kind: model.EventRestart, Name: "auth", Upstream: "auth", Address: "10.0.0.9:9000",
			Text: "auth restarted (pid 4121 → 4388)", Source: "listeners"},
	)
	return &s
}

// TestGoldenDeploy draws the deploy view at the two sizes.
func TestGoldenDeploy(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {200, 60}} {
		t.Run(fmt.Sprintf("deploy_%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := press(newTestModel(sz[0], sz[1], "dark", deploySnapshot()), "d")
			golden.RequireEqual(t, []byte(plain(m)))
		})
	}
}

// TestDeployView: d opens the view and closes it; it lists the newest event
// first, every compare row in the order given, the verdict and figures on
// the upstream's line, and says when a compare is not ready.
func TestDeployView(t *testing.T) {
	m := newTestModel(200, 60, "dark", deploySnapshot())
	m = press(m, "d")
	if _, ok := m.top().(*deployPane); !ok {
		t.Fatalf("d opened %T", m.top())
	}
	lines := strings.Split(plain(m), "\n")
	find := func(sub string) int {
		for i, l := range lines {
			if strings.Contains(l, sub) {
				return i
			}
		}
		t.Fatalf("no line with %q in\n%s", sub, strings.Join(lines, "\n"))
		return -1
	}
	restart, reload, conf, marker := find("auth restarted"), find("nginx reloaded"), find("api.conf modified: line 3 (proxy_pass)"), find("deploy v2.3 canary")
	if !(restart < reload && reload < conf && conf < marker) {
		t.Errorf("events not newest first: restart %d reload %d config %d marker %d", restart, reload, conf, marker)
	}
	if w := find("on disk only: the gateway applies it at its next reload"); w != conf+1 || !strings.Contains(lines[conf], "✎") {
		t.Errorf("config change at %d (%q), its note at %d", conf, lines[conf], w)
	}
	if w := find("waiting: a verdict needs 20 s"); w != restart+1 {
		t.Errorf("pending line at %d, restart at %d", w, restart)
	}
	api := lines[find("5xx 0.4% → 98%, z=48.2")]
	for _, want := range []string{"regressed", "api", "0.4% → 98.3%", "2.2ms → 2.4ms"} {
		if !strings.Contains(api, want) {
			t.Errorf("api row %q lacks %q", api, want)
		}
	}
	// verdict, and the upstream as the row draws it.
	order := [][2]string{{"regressed", "api "}, {"regressed", "payments "}, {"new", "images-resizer-with"}, {"gone", "batch "},
		{"too little", "search "}, {"unchanged", "web "}}
	prev := marker
	for _, o := range order {
		i := find(o[1])
		if i != prev+1 || !strings.HasPrefix(strings.TrimSpace(lines[i]), o[0]+" ") {
			t.Errorf("line %d %q, want %s %s right after line %d", i, lines[i], o[0], o[1], prev)
		}
		prev = i
	}
	if gone := lines[find("gone")]; !strings.Contains(gone, "0.0% → —") || !strings.Contains(gone, "80ms → —") {
		t.Errorf("gone row %q", gone)
	}
	m = press(m, "d")
	if _, ok := m.top().(*deployPane); ok {
		t.Errorf("second d did not close the deploy view")
	}
}

// TestDeployViewEmptyAndScroll: no event says so; a long list scrolls and
// stops at its ends.
func TestDeployViewEmptyAndScroll(t *testing.T) {
	s := *fixtureSnapshot()
	s.Events = nil
	m := press(newTestModel(80, 24, "dark", &s), "d")
	if out := plain(m); !strings.Contains(out, "no marker, reload, restart or config change yet") {
		t.Errorf("empty view:\n%s", out)
	}
	long := *deploySnapshot()
	long.Events = slices.Clone(long.Events)
	for i := range 30 {
		long.Events = append(long.Events, model.Event{Time: fixedNow.Add(time.Duration(i-30) * time.Second), Kind: model.EventMarker,
			Name: fmt.Sprintf("step %02d", i), Text: fmt.Sprintf("step %02d", i)})
	}
	m = press(newTestModel(80, 24, "dark", &long), "d")
	d := m.top().(*deployPane)
	if !strings.Contains(plain(m), "step 29") || strings.Contains(plain(m), "step 10") {
		t.Fatalf("top of a long list:\n%s", plain(m))
	}
	// 20 events: step 29 … step 10, each with its waiting line, and the
	// column header (80 columns: no compare rows among them anyway).
	if len(d.lines) != 1+20*2 {
		t.Errorf("%d lines, want 41", len(d.lines))
	}
	m = press(m, "G")
	if out := plain(m); !strings.Contains(out, "step 10") || strings.Contains(out, "step 29") {
		t.Errorf("bottom of a long list:\n%s", out)
	}
	m = press(m, "j", "j")
	if d.offset != len(d.lines)-d.visible() {
		t.Errorf("scrolled past the end: offset %d", d.offset)
	}
}

// TestDeployViewASCII: with ASCII glyphs the deploy view draws no byte of a
// multi-byte character.
func TestDeployViewASCII(t *testing.T) {
	m := press(newTestModelOpts(200, 60, Options{Theme: "dark", ASCII: true}, deploySnapshot()), "d")
	for name, out := range map[string]string{"plain": plain(m), "styled": m.View().Content} {
		if i := firstHighByte(out); i >= 0 {
			t.Errorf("%s: byte %#x at %d: %q", name, out[i], i, around(out, i))
		}
	}
}

// TestFlowDeployView runs the real program: the operator opens the deploy
// view before anything happened, a deploy's marker arrives through the
// source and waits for its verdict, the next snapshots give the verdict
// (regressed first) and a config change and reload after it; the view
// follows live, scrolls, closes and the program quits.
func TestFlowDeployView(t *testing.T) {
	full := deploySnapshot()
	quiet := *full
	quiet.Events = nil
	src := &atomicSource{}
	src.p.Store(&quiet)
	tm := teatest.NewTestModel(t, New(src, Options{Refresh: 10 * time.Millisecond}),
		teatest.WithInitialTermSize(200, 60),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
	waitFor(t, tm, "search")
	tm.Send(keyMsg("d"))
	waitFor(t, tm, "yet")

	// The marker, before its windows are full: waiting.
	var marker model.Event
	for _, e := range full.Events {
		if e.Kind == model.EventMarker {
			marker = e
		}
	}
	pending := quiet
	pending.Events = []model.Event{marker}
	pending.Events[0].Compare = nil
	src.p.Store(&pending)
	waitFor(t, tm, "waiting")

	// Then everything: the verdicts and the later events.
	src.p.Store(full)
	waitFor(t, tm, "z=48.2")
	tm.Send(keyMsg("G"))
	tm.Send(keyMsg("g"))
	tm.Send(keyMsg("esc"))
	waitFor(t, tm, "TIMELINE")
	tm.Send(keyMsg("q"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if _, open := final.top().(*deployPane); open {
		t.Fatal("esc should have closed the deploy view")
	}
	final = press(final, "d")
	out := plain(final)
	lines := strings.Split(out, "\n")
	var got []string
	for _, l := range lines {
		for _, w := range []string{"auth restarted", "nginx reloaded", "api.conf modified", "deploy v2.3 canary", "regressed   api ", "unchanged   web "} {
			if strings.Contains(l, w) {
				got = append(got, w)
			}
		}
	}
	want := []string{"auth restarted", "nginx reloaded", "api.conf modified", "deploy v2.3 canary", "regressed   api ", "unchanged   web "}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("the deploy view after the flow lists\n%q\nwant\n%q\n%s", got, want, out)
	}
	if strings.Contains(out, "waiting: a verdict") && strings.Index(out, "waiting: a verdict") > strings.Index(out, "deploy v2.3 canary") {
		t.Errorf("the marker still waits for its verdict:\n%s", out)
	}
}
