package render

import (
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/gwtop/gwtop/model"
)

func TestFormats(t *testing.T) {
	cases := []struct{ got, want string }{
		{MS(0.42), "0.4ms"}, {MS(12.4), "12ms"}, {MS(1340), "1.3s"}, {MS(-1), None}, {MS(125_000), "2m"},
		{Pct(0.031), "3.1%"}, {Pct(0), "0.0%"}, {Pct(1), "100%"},
		{Rate5xx(0, 0), None}, {Rate5xx(0, 10), "0.0%"},
		{PerSec(0.2), "0.2"}, {PerSec(845), "845"}, {PerSec(1234), "1.2k"}, {PerSec(250_000), "250k"},
		{Count(9999), "9999"}, {Count(12_345), "12.3k"}, {Count(2_500_000), "2.5M"},
		{Duration(133 * time.Second), "2m13s"}, {Duration(45 * time.Second), "45s"}, {Duration(65 * time.Minute), "1h05m"},
		{Latency(model.Latency{}, 0), None}, {Latency(model.Latency{Count: 1, P95: 3}, 3), "3.0ms"},
		{Bytes(512), "512B"}, {Bytes(1536), "1.5K"}, {Bytes(3 << 20), "3.0M"}, {Bytes(7_800 << 20), "7.6G"}, {Bytes(600 << 30), "600G"},
		{Symbol(model.StateUp), "●"}, {Symbol(model.StateDegraded), "▲"}, {Symbol(model.StateDown), "✖"}, {Symbol("x"), "?"},
	}
	for i, c := range cases {
		if c.got != c.want {
			t.Errorf("case %d: got %q, want %q", i, c.got, c.want)
		}
	}
}

func TestProbeShort(t *testing.T) {
	ok := &model.ProbeResult{OK: true, Phases: model.Phases{Connect: 1.23, TLS: 0, TTFB: 8.06, Total: 9}}
	if got := ProbeShort(ok, ""); got != "9.0ms" {
		t.Errorf("ok probe = %q, want its total", got)
	}
	slow := &model.ProbeResult{OK: true, Phases: model.Phases{Connect: 1.2, TLS: 6.8, TTFB: 840, Total: 852}}
	if got := ProbeShort(slow, ""); got != "852ms" {
		t.Errorf("slow probe = %q, want its total", got)
	}
	bad := &model.ProbeResult{OK: false, Cause: model.CauseRefused, Error: "dial tcp: connection refused"}
	if got := ProbeShort(bad, "x"); got != "✖ refused" {
		t.Errorf("failed probe = %q", got)
	}
	if got := ProbeShort(&model.ProbeResult{OK: false}, "eof"); got != "✖ eof" {
		t.Errorf("failed probe without cause = %q", got)
	}
	if got := ProbeShort(&model.ProbeResult{OK: false, Status: 503}, ""); got != "✖ 503" {
		t.Errorf("failed probe with status = %q", got)
	}
	if ProbeShort(nil, "") != None {
		t.Errorf("no probe should be None")
	}
}

func TestSparkline(t *testing.T) {
	cases := []struct {
		in    []float64
		width int
		want  string
	}{
		{[]float64{0, 1, 2, 4, 8}, 5, "▁▂▂▄█"},
		{[]float64{0, 0, 0}, 3, "▁▁▁"},
		{[]float64{5}, 3, "  █"},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8}, 2, "▇█"},
		{nil, 0, ""},
	}
	for _, c := range cases {
		got := Sparkline(c.in, c.width)
		if got != c.want {
			t.Errorf("Sparkline(%v, %d) = %q, want %q", c.in, c.width, got, c.want)
		}
		if ansi.StringWidth(got) != c.width {
			t.Errorf("Sparkline width %d, want %d", ansi.StringWidth(got), c.width)
		}
	}
}

func TestGauge(t *testing.T) {
	full, empty := Gauge(0.5, 10)
	if full != "█████" || empty != "░░░░░" {
		t.Fatalf("Gauge(0.5,10) = %q %q", full, empty)
	}
	full, empty = Gauge(7, 4)
	if full != "████" || empty != "" {
		t.Fatalf("Gauge clamps above 1: %q %q", full, empty)
	}
	if f, e := Gauge(0.5, 0); f != "" || e != "" {
		t.Fatal("zero width gauge must be empty")
	}
}

func TestStack(t *testing.T) {
	cases := []struct {
		parts []float64
		width int
	}{
		{[]float64{0.3, 1.2, 0, 8, 0.4}, 40},
		{[]float64{100, 0.001, 0.001, 0.001, 0.001}, 10},
		{[]float64{1, 1, 1, 1, 1}, 3},
		{[]float64{0, 0, 0}, 10},
	}
	for _, c := range cases {
		cells := Stack(c.parts, c.width)
		sum := 0
		nonZero := false
		for i, n := range cells {
			if n < 0 {
				t.Fatalf("negative cells %v", cells)
			}
			if c.parts[i] > 0 {
				nonZero = true
			}
			sum += n
		}
		if nonZero && sum != c.width {
			t.Errorf("Stack(%v,%d) = %v sums to %d", c.parts, c.width, cells, sum)
		}
	}
	cells := Stack([]float64{100, 0.001, 0, 0, 0}, 10)
	if cells[1] != 1 {
		t.Errorf("a tiny non-zero part must stay visible: %v", cells)
	}
}

func TestPhaseParts(t *testing.T) {
	p := PhaseParts(model.Phases{DNS: 1, Connect: 2, TLS: 3, TTFB: 10, Total: 12})
	want := [NumPhases]float64{1, 2, 3, 4, 2}
	if p != want {
		t.Fatalf("PhaseParts = %v, want %v", p, want)
	}
	p = PhaseParts(model.Phases{Connect: 0.3, Total: 0.3})
	if p != [NumPhases]float64{0, 0.3, 0, 0, 0} {
		t.Fatalf("a refused probe has no wait or transfer: %v", p)
	}
	p = PhaseParts(model.Phases{Connect: 0.25, Total: 1000.25})
	if p != [NumPhases]float64{0, 0.25, 0, 1000, 0} {
		t.Fatalf("a read timeout is all waiting for the first byte: %v", p)
	}
	p = PhaseParts(model.Phases{Connect: 5, TTFB: 3, Total: 2})
	if p[PhaseWait] != 0 || p[PhaseTransfer] != 0 {
		t.Fatalf("negative remainders must clamp to 0: %v", p)
	}
}

func TestFit(t *testing.T) {
	cases := []struct {
		in    string
		width int
		want  string
	}{
		{"api", 5, "api  "},
		{"payments-service", 8, "payment…"},
		{"日本語サービス", 6, "日本… "},
		{"x", 0, ""},
	}
	for _, c := range cases {
		got := Unicode.Fit(c.in, c.width)
		if got != c.want {
			t.Errorf("Fit(%q,%d) = %q, want %q", c.in, c.width, got, c.want)
		}
		if ansi.StringWidth(got) != c.width {
			t.Errorf("Fit(%q,%d) width %d", c.in, c.width, ansi.StringWidth(got))
		}
	}
	if got := Unicode.FitRight("12ms", 6); got != "  12ms" {
		t.Errorf("FitRight = %q", got)
	}
}

func TestASCIIGlyphs(t *testing.T) {
	cases := []struct{ got, want string }{
		{ASCII.Fold(Symbol(model.StateDown) + Symbol(model.StateDegraded) + Symbol(model.StateUp) + Symbol("x")), "X!o?"},
		{ASCII.Fold(Sparkline([]float64{0, 1, 2, 3, 4, 5, 6, 7}, 8)), "_.:-=+*#"},
		{ASCII.Fold("› ▼ │ · — …"), "> v | - - ..."},
		{ASCII.Fold("●→✖ ×42 ⚑ ✓"), "o->X x42 * +"},
		{ASCII.Fit("payments-service", 8), "payme..."},
		{ASCII.Fit("api", 5), "api  "},
		{ASCII.Fit("a→b", 5), "a->b "},
		{ASCII.FitRight(None, 4), "   -"},
		{ASCII.Truncate("refused ×2950 · nothing listens", 16), "refused x2950..."},
		{ASCII.Fit("abcdef", 2), "a."},
		{Unicode.Fold("● │ …"), "● │ …"},
	}
	for i, c := range cases {
		if c.got != c.want {
			t.Errorf("case %d: got %q, want %q", i, c.got, c.want)
		}
	}
	full, empty := Gauge(0.5, 4)
	if got := ASCII.Fold(full + empty); got != "##.." {
		t.Errorf("ASCII gauge = %q", got)
	}
	var phases string
	for _, g := range PhaseGlyphs {
		phases += g
	}
	if got := ASCII.Fold(phases); got != ".:=#%" {
		t.Errorf("ASCII phase textures = %q", got)
	}
	if !ASCII.ASCIIOnly() || Unicode.ASCIIOnly() {
		t.Error("ASCIIOnly")
	}
}

// Every entry of the ASCII table maps one glyph to printable ASCII, and no
// glyph is listed twice (the second entry would never apply).
func TestASCIITable(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < len(asciiTable); i += 2 {
		from, to := asciiTable[i], asciiTable[i+1]
		if seen[from] {
			t.Errorf("%q listed twice", from)
		}
		seen[from] = true
		if !isASCII(to) || to == "" {
			t.Errorf("%q folds to %q, not printable ASCII", from, to)
		}
	}
}
