package ui

import "testing"

// env is a fake environment for Options.Getenv.
func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestDetectTerminal(t *testing.T) {
	cases := []struct {
		name         string
		getenv       func(string) string
		goos         string
		lines, ascii bool
		columns      int
	}{
		{"xterm, UTF-8", env("TERM", "xterm-256color", "LANG", "en_US.UTF-8"), "linux", false, false, 80},
		{"dumb", env("TERM", "dumb", "LANG", "en_US.UTF-8"), "linux", true, false, 80},
		{"DUMB in capitals", env("TERM", "DUMB"), "linux", true, false, 80},
		{"unknown", env("TERM", "unknown"), "linux", true, false, 80},
		{"no TERM: nothing allocated a terminal", env("LANG", "C.UTF-8"), "linux", true, false, 80},
		{"no TERM on Windows is a console", env(), "windows", false, false, 80},
		{"COLUMNS", env("TERM", "dumb", "COLUMNS", "132"), "linux", true, false, 132},
		{"COLUMNS too small or junk is ignored", env("TERM", "dumb", "COLUMNS", "5"), "linux", true, false, 80},
		{"COLUMNS junk", env("TERM", "dumb", "COLUMNS", "wide"), "linux", true, false, 80},
		{"LANG=C", env("TERM", "xterm", "LANG", "C"), "linux", false, true, 80},
		{"LANG=POSIX", env("TERM", "xterm", "LANG", "POSIX"), "linux", false, true, 80},
		{"Latin-1", env("TERM", "xterm", "LANG", "de_DE.ISO-8859-1"), "linux", false, true, 80},
		{"utf8 spelling", env("TERM", "xterm", "LANG", "en_US.utf8"), "linux", false, false, 80},
		{"utf-8 with a modifier", env("TERM", "xterm", "LANG", "de_DE.UTF-8@euro"), "linux", false, false, 80},
		{"LC_ALL=C beats a UTF-8 LANG", env("TERM", "xterm", "LC_ALL", "C", "LANG", "en_US.UTF-8"), "linux", false, true, 80},
		{"LC_ALL UTF-8 beats LC_CTYPE=C", env("TERM", "xterm", "LC_ALL", "en_US.UTF-8", "LC_CTYPE", "C"), "linux", false, false, 80},
		{"LC_CTYPE=C beats a UTF-8 LANG", env("TERM", "xterm", "LC_CTYPE", "C", "LANG", "en_US.UTF-8"), "linux", false, true, 80},
		{"LC_CTYPE UTF-8 beats LANG=C", env("TERM", "xterm", "LC_CTYPE", "UTF-8", "LANG", "C"), "linux", false, false, 80},
		{"no locale keeps Unicode", env("TERM", "xterm"), "linux", false, false, 80},
	}
	for _, c := range cases {
		got := detectTerminal(c.getenv, c.goos)
		if got.lines != c.lines || got.ascii != c.ascii || got.columns != c.columns {
			t.Errorf("%s: got %+v, want lines=%v ascii=%v columns=%d", c.name, got, c.lines, c.ascii, c.columns)
		}
	}
}
