package ui

import (
	"strconv"
	"strings"
)

// terminal is what Run learns about the terminal from the environment.
type terminal struct {
	// lines: the terminal cannot address the cursor, so the UI prints
	// lines instead of drawing a screen.
	lines bool
	// ascii: the locale's character set is not UTF-8.
	ascii bool
	// columns is the line mode's width: COLUMNS, or 80.
	columns int
}

// defaultColumns is the line mode's width when COLUMNS says nothing usable.
const defaultColumns = 80

// detectTerminal reads the terminal's abilities from the environment.
//
// TERM=dumb (an Emacs shell, a serial console) or "unknown" has no cursor
// addressing. So has no TERM at all, off Windows: nothing allocated a
// terminal (ssh without -t, cron, a service). Windows consoles set no TERM
// and draw fine, so there an empty TERM says nothing.
//
// The character set is the first of LC_ALL, LC_CTYPE and LANG that is set,
// as setlocale reads them; "UTF-8" or "utf8" in it, in any case, means
// UTF-8. Any other set locale (C, POSIX, en_US.ISO-8859-1) gets ASCII
// glyphs. With none set the UI keeps Unicode: today's terminals are UTF-8,
// and ssh often forwards no locale to a host whose terminal is.
func detectTerminal(getenv func(string) string, goos string) terminal {
	t := terminal{columns: defaultColumns}
	switch term := strings.ToLower(getenv("TERM")); {
	case term == "dumb", term == "unknown":
		t.lines = true
	case term == "" && goos != "windows":
		t.lines = true
	}
	for _, name := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if v := getenv(name); v != "" {
			t.ascii = !isUTF8Locale(v)
			break
		}
	}
	if n, err := strconv.Atoi(strings.TrimSpace(getenv("COLUMNS"))); err == nil && n >= MinWidth {
		t.columns = n
	}
	return t
}

// isUTF8Locale reports whether a locale name ("en_US.UTF-8", "C.utf8",
// "de_DE.UTF-8@euro") names the UTF-8 character set.
func isUTF8Locale(v string) bool {
	v = strings.ToLower(v)
	return strings.Contains(v, "utf-8") || strings.Contains(v, "utf8")
}
