package discover

import (
	"errors"
	"net"
	"sort"
	"strings"
)

// Helpers the kinds' finders share.

// SplitHostPort splits "host:port", "[v6]:port", "host" or "[v6]"; port is ""
// when there is none.
func SplitHostPort(s string) (host, port string) {
	if h, p, err := net.SplitHostPort(s); err == nil {
		return h, p
	}
	return strings.Trim(s, "[]"), ""
}

// LocalHost is where a local client connects for a listener bound to host.
func LocalHost(host string) string {
	switch host {
	case "", "*", "0.0.0.0":
		return "127.0.0.1"
	case "::":
		return "::1"
	}
	return host
}

// Words splits a line as HAProxy does: spaces separate words, '#'
// starts a comment, quotes group ('...' literally), a backslash escapes.
func Words(s string) ([]string, error) {
	var out []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			w.WriteByte(s[i])
			inWord = true
		case c == '"' || c == '\'':
			j := i + 1
			for ; j < len(s) && s[j] != c; j++ {
				if c == '"' && s[j] == '\\' && j+1 < len(s) {
					j++
				}
			}
			if j >= len(s) {
				return nil, errors.New("unmatched quote")
			}
			body := s[i+1 : j]
			if c == '"' {
				body = strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(body)
			}
			w.WriteString(body)
			inWord = true
			i = j
		case c == '#' && !inWord:
			i = len(s)
		case c == ' ' || c == '\t' || c == '\r':
			if inWord {
				out = append(out, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		out = append(out, w.String())
	}
	return out, nil
}

// WalkJSON calls f on every object in a decoded JSON or YAML document.
func WalkJSON(v any, f func(map[string]any)) {
	switch t := v.(type) {
	case map[string]any:
		f(t)
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys) // the same order every run
		for _, k := range keys {
			WalkJSON(t[k], f)
		}
	case []any:
		for _, c := range t {
			WalkJSON(c, f)
		}
	}
}

func OrNone(s string) string {
	if s == "" {
		return "(none on the command line)"
	}
	return s
}

// ShortFlag reads the single-letter option at args[*i], written "-cFILE" or
// "-c FILE", as gateways' own command lines have them (nginx -c/-p/-g,
// httpd -d/-f/-D). withValue lists the letters that take a value; *i
// moves past the value. ok is false for any other word.
func ShortFlag(args []string, i *int, withValue string) (letter byte, value string, ok bool) {
	w := args[*i]
	if len(w) < 2 || w[0] != '-' || w[1] == '-' || !strings.ContainsRune(withValue, rune(w[1])) {
		return 0, "", false
	}
	if len(w) > 2 {
		return w[1], w[2:], true
	}
	if *i+1 < len(args) {
		*i++
		return w[1], args[*i], true
	}
	return w[1], "", true
}

// ConfigFlag is the configuration file on a Go gateway's command line
// (Caddy, Traefik, Envoy): --config FILE in any of their spellings.
func ConfigFlag(p Proc) string {
	return FlagValue(p.Cmdline, "--config", "-config", "--configfile", "--configFile", "-c", "--config-path")
}
