package conf

import "strings"

// ParseEnvvars reads a Debian-style envvars file, the shell script that
// apache2ctl sources before starting apache2, for the variables the
// configuration uses (${APACHE_LOG_DIR}, ${APACHE_RUN_DIR}, ...). It is
// not a shell: it takes top-level `NAME=value` and `export NAME=value`
// lines in order, removes quotes, and expands $NAME and ${NAME} from the
// variables set so far and from base (unset ones are empty, as in sh).
// Lines inside if/case/for blocks are skipped: on Debian the only such
// block sets SUFFIX for a second instance (/etc/apache2-NAME), which is
// empty for the default one. base (the environment apache2ctl ran with)
// may be nil; it is not modified.
func ParseEnvvars(data []byte, base map[string]string) map[string]string {
	vars := map[string]string{}
	get := func(n string) string {
		if v, ok := vars[n]; ok {
			return v
		}
		return base[n]
	}
	nest := 0
	for _, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == '#' {
			continue
		}
		first, _, _ := strings.Cut(line, " ")
		switch first {
		case "if", "case", "for", "while", "until":
			nest++
			continue
		case "fi", "esac", "done":
			if nest > 0 {
				nest--
			}
			continue
		}
		if nest > 0 {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		name, val, ok := strings.Cut(line, "=")
		if !ok || !isShellName(name) {
			continue // "export LANG", "unset HOME", ". /etc/default/locale"
		}
		vars[name] = shellValue(val, get)
	}
	return vars
}

func isShellName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}

// shellValue is the value of one sh assignment word: single quotes are
// literal, double quotes and bare text expand $NAME and ${NAME}; the word
// ends at unquoted white space (the rest of the line is a command).
func shellValue(s string, get func(string) string) string {
	var b strings.Builder
	var q byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case q == '\'':
			if c == '\'' {
				q = 0
			} else {
				b.WriteByte(c)
			}
		case c == '\'' && q == 0:
			q = '\''
		case c == '"':
			if q == '"' {
				q = 0
			} else {
				q = '"'
			}
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '$' && i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+2+end]
			// ${NAME:-dflt} and friends: the name, then the default if unset.
			if k := strings.IndexAny(name, ":-=?+#%"); k >= 0 {
				n, rest := name[:k], strings.TrimLeft(name[k:], ":")
				v := get(n)
				if v == "" && strings.HasPrefix(rest, "-") {
					v = rest[1:]
				}
				b.WriteString(v)
			} else {
				b.WriteString(get(name))
			}
			i += 2 + end
		case c == '$' && i+1 < len(s) && isShellName(s[i+1:i+2]):
			j := i + 1
			for j < len(s) && isShellName(s[i+1:j+1]) {
				j++
			}
			b.WriteString(get(s[i+1 : j]))
			i = j - 1
		case q == 0 && (c == ' ' || c == '\t' || c == ';'):
			return b.String()
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
