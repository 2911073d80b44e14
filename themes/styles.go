package themes

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Styles is every style the UI uses, expanded from one Palette. It is a plain
// value: build it with New and pass it down; never keep one in a global.
type Styles struct {
	Name    string  // the theme name, shown in the footer
	Dark    bool    // whether it was built for a dark background
	NoColor bool    // true when no colours are used at all (bold/reverse only)
	Palette Palette // the colours it was built from

	Text   lipgloss.Style // body text
	Muted  lipgloss.Style // labels, secondary text
	Title  lipgloss.Style // the app name, pane titles
	Label  lipgloss.Style // "CPU", "req/s" ... in the header
	Value  lipgloss.Style // figures next to a label
	Accent lipgloss.Style // markers

	Section     lipgloss.Style // section titles in the detail pane
	TableHeader lipgloss.Style // column titles
	Selected    lipgloss.Style // the selected row, drawn over plain text
	Crumb       lipgloss.Style // breadcrumbs

	OK    lipgloss.Style
	Warn  lipgloss.Style
	Error lipgloss.Style

	StateUp       lipgloss.Style
	StateDegraded lipgloss.Style
	StateDown     lipgloss.Style
	StateUnknown  lipgloss.Style

	BarFull  lipgloss.Style // filled part of a gauge
	BarEmpty lipgloss.Style // empty part of a gauge
	Spark    lipgloss.Style

	// Phase segments of the stacked latency bar: dns, connect, tls, waiting
	// for the first byte, transfer. Each segment also has its own glyph, so
	// the bar reads without colour.
	Phases [5]lipgloss.Style

	Live   lipgloss.Style
	Paused lipgloss.Style

	FilterPrompt lipgloss.Style
	FilterText   lipgloss.Style
	Footer       lipgloss.Style

	HelpKey  lipgloss.Style
	HelpDesc lipgloss.Style
	HelpSep  lipgloss.Style
}

// New builds the Styles of the named theme. dark says whether the terminal
// background is dark (from tea.BackgroundColorMsg); it picks the variant of
// themes that have one. "auto" picks dark or light from it; an unknown name
// falls back to dark or light the same way.
func New(name string, dark bool) Styles {
	if name == Auto || !Valid(name) {
		name = Light
		if dark {
			name = Dark
		}
	}
	switch name {
	case Dark:
		dark = true
	case Light:
		dark = false
	}
	if name == NoColor {
		return noColor(dark)
	}
	return fromPalette(name, dark, PaletteFor(name, dark))
}

func fg(col color.Color) lipgloss.Style { return lipgloss.NewStyle().Foreground(col) }

func fromPalette(name string, dark bool, p Palette) Styles {
	s := Styles{Name: name, Dark: dark, Palette: p}
	s.Text = fg(p.FG)
	s.Muted = fg(p.Muted)
	s.Title = fg(p.Primary).Bold(true)
	s.Label = fg(p.Muted)
	s.Value = fg(p.FG).Bold(true)
	s.Accent = fg(p.Accent).Bold(true)

	s.Section = fg(p.Primary).Bold(true)
	s.TableHeader = fg(p.Muted).Bold(true)
	// Primary background with the theme's own background as text: readable
	// in every palette and on every profile, since both are theme colours.
	s.Selected = lipgloss.NewStyle().Background(p.Primary).Foreground(p.BG).Bold(true)
	s.Crumb = fg(p.Primary)

	s.OK = fg(p.OK)
	s.Warn = fg(p.Warn)
	s.Error = fg(p.Error).Bold(true)

	s.StateUp = fg(p.OK)
	s.StateDegraded = fg(p.Warn).Bold(true)
	s.StateDown = fg(p.Error).Bold(true)
	s.StateUnknown = fg(p.Muted)

	s.BarFull = fg(p.Primary)
	s.BarEmpty = fg(p.Muted)
	s.Spark = fg(p.Primary)

	s.Phases = [5]lipgloss.Style{fg(p.Accent), fg(p.Warn), fg(p.OK), fg(p.Primary), fg(p.Muted)}

	s.Live = fg(p.OK).Bold(true)
	s.Paused = lipgloss.NewStyle().Background(p.Warn).Foreground(p.BG).Bold(true)

	s.FilterPrompt = fg(p.Accent).Bold(true)
	s.FilterText = fg(p.FG)
	s.Footer = fg(p.Muted)

	s.HelpKey = fg(p.Primary).Bold(true)
	s.HelpDesc = fg(p.FG)
	s.HelpSep = fg(p.Muted)
	return s
}

// noColor is the theme for NO_COLOR and --no-color: no colour at all, only
// bold and reverse, so meaning is carried by symbols and weight.
func noColor(dark bool) Styles {
	plain := lipgloss.NewStyle()
	bold := plain.Bold(true)
	rev := plain.Reverse(true)
	s := Styles{Name: NoColor, Dark: dark, NoColor: true}
	s.Text, s.Muted, s.Label = plain, plain, plain
	s.Title, s.Value, s.Accent, s.Section, s.TableHeader = bold, bold, bold, bold, bold
	s.Selected = rev
	s.Crumb = bold
	s.OK, s.Warn, s.Error = plain, bold, bold
	s.StateUp, s.StateDegraded, s.StateDown, s.StateUnknown = plain, bold, bold, plain
	s.BarFull, s.BarEmpty, s.Spark = plain, plain, plain
	s.Phases = [5]lipgloss.Style{plain, plain, plain, plain, plain}
	s.Live = bold
	s.Paused = rev.Bold(true)
	s.FilterPrompt, s.FilterText, s.Footer = bold, plain, plain
	s.HelpKey, s.HelpDesc, s.HelpSep = bold, plain, plain
	return s
}
