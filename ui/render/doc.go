// Package render holds the pure, style-free pieces the gwtop panes are drawn
// from: number formats, sparklines, gauges, stacked bars, and the glyph sets
// (Unicode, ASCII) that fit text to a width in the terminal's characters.
// Everything here is a function of its arguments, so it is table-tested on
// its own and stays cheap enough to call for every visible row every frame.
package render
