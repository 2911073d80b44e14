package discover

import (
	"slices"
	"strings"
	"testing"
)

// FuzzWords: any configuration line, never a panic; the words hold no
// more bytes than the line; a line without quotes, backslashes or '#'
// splits exactly as on spaces, tabs and carriage returns.
func FuzzWords(f *testing.F) {
	for _, s := range []string{
		"", "   ", "server web1 10.0.0.1:80 check",
		`stats auth "admin:p w"`, `log 'a b' \# c # comment`,
		`"unmatched`, `'x`, `a\`, `"a\"b" 'c\d'`, "bind :8404\t#x\r",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ws, err := Words(s)
		if err != nil {
			if ws != nil {
				t.Fatalf("words %q with error %v", ws, err)
			}
			return
		}
		n := 0
		for _, w := range ws {
			n += len(w)
		}
		if n > len(s) {
			t.Fatalf("%q: words %q hold %d bytes", s, ws, n)
		}
		if !strings.ContainsAny(s, "\"'\\#") {
			want := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' })
			if !slices.Equal(ws, want) {
				t.Fatalf("%q: words %q, want %q", s, ws, want)
			}
		}
	})
}

// splitArgs makes a command line of a fuzz string: NUL separates the
// arguments, as in /proc/PID/cmdline.
func splitArgs(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\x00")
}

// FuzzCmdline: Args, FlagValue and ShortFlag on any command line, never a
// panic; a flag's value is an argument or the tail of one; ShortFlag
// moves at most one word on and stays within the line.
func FuzzCmdline(f *testing.F) {
	for _, c := range [][2]string{
		{"nginx: master process /usr/sbin/nginx -c /etc/nginx/nginx.conf", "c"},
		{"/usr/sbin/nginx\x00-c\x00/etc/nginx/nginx.conf\x00-g\x00daemon off;", "cgp"},
		{"/usr/bin/caddy\x00run\x00--config\x00/etc/caddy/Caddyfile\x00--adapter\x00caddyfile", ""},
		{"traefik\x00--configFile=/etc/traefik/traefik.toml", ""},
		{"envoy\x00-c", "c"},
		{"httpd\x00-dserverroot\x00-f", "df"},
		{"\x00\x00-", "-"},
		{"x\x00--config=", ""},
		{"", "c"},
	} {
		f.Add(c[0], c[1], "--config")
	}
	f.Fuzz(func(t *testing.T, line, letters, name string) {
		cmd := splitArgs(line)
		args := Args(cmd)
		if len(cmd) == 1 && !slices.Equal(args, strings.Fields(cmd[0])) {
			t.Fatalf("Args(%q) = %q", cmd, args)
		}
		if len(cmd) != 1 && !slices.Equal(args, cmd) {
			t.Fatalf("Args(%q) = %q", cmd, args)
		}
		for _, names := range [][]string{{name}, {name, "-c", "--config"}, nil} {
			v := FlagValue(cmd, names...)
			if v == "" {
				continue
			}
			if !slices.ContainsFunc(args, func(a string) bool { return strings.HasSuffix(a, v) }) {
				t.Fatalf("FlagValue(%q, %q) = %q: not in any argument", cmd, names, v)
			}
		}
		_ = ConfigFlag(Proc{Cmdline: cmd})
		for i := 0; i < len(args); i++ {
			before := i
			letter, value, ok := ShortFlag(args, &i, letters)
			if i < before || i > before+1 || i >= len(args) {
				t.Fatalf("ShortFlag(%q) moved from %d to %d", args, before, i)
			}
			if !ok {
				if i != before || letter != 0 || value != "" {
					t.Fatalf("ShortFlag(%q at %d): not a flag, but %q %q, i=%d", args, before, letter, value, i)
				}
				continue
			}
			w := args[before]
			if w[0] != '-' || w[1] != letter || !strings.ContainsRune(letters, rune(letter)) {
				t.Fatalf("ShortFlag(%q at %d) = letter %q", args, before, letter)
			}
			if value != "" && value != w[2:] && value != args[i] {
				t.Fatalf("ShortFlag(%q at %d) = value %q", args, before, value)
			}
		}
	})
}
