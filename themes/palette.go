// Package themes turns a small semantic palette (primary, fg, bg, muted, ok,
// warn, error, accent) into the one Styles value the gwtop UI draws with.
// There are no package-level styles: the UI builds a Styles with New and
// passes it down, so switching theme is just building another value.
package themes

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Palette is the handful of semantic colours a theme is made of. A nil colour
// means "the terminal's default", which is what the no-colour theme uses
// everywhere.
type Palette struct {
	Primary color.Color // titles, selection
	FG      color.Color // body text
	BG      color.Color // the background the theme was designed for
	Muted   color.Color // labels, secondary text
	OK      color.Color // up, success
	Warn    color.Color // degraded, elevated
	Error   color.Color // down, failing
	Accent  color.Color // markers, highlights
}

// Theme names accepted by New. "auto" is resolved by the UI from the
// terminal's background colour before calling New.
const (
	Auto         = "auto"
	Dark         = "dark"
	Light        = "light"
	HighContrast = "high-contrast"
	Colorblind   = "colorblind"
	NoColor      = "no-color"
)

// Names lists the themes in the order the `t` key cycles through them.
func Names() []string {
	return []string{Dark, Light, HighContrast, Colorblind, NoColor}
}

// Next returns the theme after name in the cycle order; an unknown name
// starts the cycle again.
func Next(name string) string {
	names := Names()
	for i, n := range names {
		if n == name {
			return names[(i+1)%len(names)]
		}
	}
	return names[0]
}

// Valid reports whether name is a theme New knows, or "auto".
func Valid(name string) bool {
	if name == Auto {
		return true
	}
	for _, n := range Names() {
		if n == name {
			return true
		}
	}
	return false
}

// c is shorthand for a 256-colour index or hex value. Indexed 256 colours are
// used on purpose: terminals with 256 colours show them exactly, and the
// colour profile maps them to sensible 16-colour neighbours.
func c(s string) color.Color { return lipgloss.Color(s) }

// PaletteFor returns the palette of a theme. dark says whether the terminal
// background is dark; the dark and light themes ignore it (they are what they
// say), high-contrast and colorblind have a variant for each background.
func PaletteFor(name string, dark bool) Palette {
	switch name {
	case Light:
		return lightPalette()
	case HighContrast:
		if dark {
			return Palette{
				Primary: lipgloss.BrightCyan, FG: lipgloss.BrightWhite, BG: lipgloss.Black,
				Muted: lipgloss.White, OK: lipgloss.BrightGreen, Warn: lipgloss.BrightYellow,
				Error: lipgloss.BrightRed, Accent: lipgloss.BrightMagenta,
			}
		}
		return Palette{
			Primary: c("18"), FG: c("16"), BG: lipgloss.BrightWhite,
			Muted: c("238"), OK: c("22"), Warn: c("100"),
			Error: c("124"), Accent: c("90"),
		}
	case Colorblind:
		// Okabe–Ito inspired: blue for good, yellow for warning, vermillion
		// for bad — distinguishable with red/green colour blindness. The UI
		// always pairs these with a state symbol as well.
		if dark {
			return Palette{
				Primary: c("74"), FG: c("252"), BG: c("235"),
				Muted: c("245"), OK: c("74"), Warn: c("226"),
				Error: c("202"), Accent: c("175"),
			}
		}
		return Palette{
			Primary: c("25"), FG: c("235"), BG: c("255"),
			Muted: c("242"), OK: c("25"), Warn: c("100"),
			Error: c("166"), Accent: c("126"),
		}
	case NoColor:
		return Palette{}
	default:
		return darkPalette()
	}
}

func darkPalette() Palette {
	return Palette{
		Primary: c("75"), FG: c("252"), BG: c("235"),
		Muted: c("245"), OK: c("78"), Warn: c("184"),
		Error: c("203"), Accent: c("177"),
	}
}

func lightPalette() Palette {
	return Palette{
		Primary: c("25"), FG: c("235"), BG: c("255"),
		Muted: c("243"), OK: c("28"), Warn: c("100"),
		Error: c("160"), Accent: c("90"),
	}
}
