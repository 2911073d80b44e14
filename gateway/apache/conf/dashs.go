package conf

import (
	"strconv"
	"strings"
)

// DashS is what `apachectl -S` (httpd -S: -D DUMP_VHOSTS -D DUMP_RUN_CFG)
// prints: the virtual hosts httpd built, with the file:line of each, and
// the run-time settings. It is httpd's own view, so it is right even where
// Load has to guess (an unreadable include, a module's directive).
type DashS struct {
	ServerRoot   string
	DocumentRoot string // "Main DocumentRoot"
	ErrorLog     string // "Main ErrorLog"
	PidFile      string
	User, Group  string
	UserID       int // -1 when not printed
	GroupID      int
	Mutexes      map[string]string // "default" → `dir="/var/run/apache2/" mechanism=default`
	Defines      map[string]string // "DUMP_VHOSTS" → "", "LOGDIR" → "/var/log/x"
	VHosts       []DashSVHost
	// Messages are other lines, such as AH00558 warnings on stderr.
	Messages []string
}

// DashSVHost is one virtual host line. A name-based address prints its
// default server and each namevhost; Default marks the former (it repeats
// the first namevhost).
type DashSVHost struct {
	Addr    string // "*:80", "127.0.0.1:8080"
	Port    string // for a namevhost line, its "port N"
	Name    string
	Aliases []string
	Default bool
	File    string
	Line    int
}

// ParseDashS parses -S output (stdout, or stdout and stderr together).
func ParseDashS(out string) *DashS {
	r := &DashS{UserID: -1, GroupID: -1, Mutexes: map[string]string{}, Defines: map[string]string{}}
	curAddr := ""
	inVhosts := false
	var last *DashSVHost
	for _, raw := range strings.Split(out, "\n") {
		line := strings.TrimRight(raw, "\r")
		t := strings.TrimSpace(line)
		if t == "" {
			continue
		}
		indented := line[0] == ' ' || line[0] == '\t'
		switch {
		case t == "VirtualHost configuration:":
			inVhosts = true
			continue
		case strings.HasPrefix(t, "ServerRoot: "):
			r.ServerRoot = unquote(t[len("ServerRoot: "):])
		case strings.HasPrefix(t, "Main DocumentRoot: "):
			r.DocumentRoot = unquote(t[len("Main DocumentRoot: "):])
		case strings.HasPrefix(t, "Main ErrorLog: "):
			r.ErrorLog = unquote(t[len("Main ErrorLog: "):])
		case strings.HasPrefix(t, "PidFile: "):
			r.PidFile = unquote(t[len("PidFile: "):])
		case strings.HasPrefix(t, "Mutex ") && strings.Contains(t, ": "):
			k, v, _ := strings.Cut(t[len("Mutex "):], ": ")
			r.Mutexes[k] = strings.TrimSpace(v)
		case strings.HasPrefix(t, "Define: "):
			k, v, _ := strings.Cut(t[len("Define: "):], "=")
			r.Defines[k] = v
		case strings.HasPrefix(t, "User: "):
			r.User, r.UserID = nameID(t[len("User: "):])
		case strings.HasPrefix(t, "Group: "):
			r.Group, r.GroupID = nameID(t[len("Group: "):])
		case inVhosts && indented && strings.HasPrefix(t, "alias ") && last != nil:
			last.Aliases = append(last.Aliases, strings.TrimSpace(t[len("alias "):]))
			// wild alias lines ("wild alias *.example.com") too:
		case inVhosts && indented && strings.HasPrefix(t, "wild alias ") && last != nil:
			last.Aliases = append(last.Aliases, strings.TrimSpace(t[len("wild alias "):]))
		case inVhosts && indented && strings.HasPrefix(t, "default server "):
			v := vhostTail(t[len("default server "):])
			v.Addr, v.Default = curAddr, true
			r.VHosts = append(r.VHosts, v)
			last = &r.VHosts[len(r.VHosts)-1]
		case inVhosts && indented && strings.HasPrefix(t, "port ") && strings.Contains(t, " namevhost "):
			head, tail, _ := strings.Cut(t, " namevhost ")
			v := vhostTail(tail)
			v.Addr, v.Port = curAddr, strings.TrimPrefix(head, "port ")
			r.VHosts = append(r.VHosts, v)
			last = &r.VHosts[len(r.VHosts)-1]
		case inVhosts && !indented:
			addr, rest, _ := strings.Cut(t, " ")
			rest = strings.TrimSpace(rest)
			curAddr = addr
			if rest == "is a NameVirtualHost" {
				last = nil
				continue
			}
			if strings.HasSuffix(rest, ")") && strings.Contains(rest, " (") {
				v := vhostTail(rest)
				v.Addr = addr
				r.VHosts = append(r.VHosts, v)
				last = &r.VHosts[len(r.VHosts)-1]
				continue
			}
			inVhosts = false
			r.Messages = append(r.Messages, t)
		default:
			r.Messages = append(r.Messages, t)
		}
	}
	return r
}

// vhostTail reads "NAME (FILE:LINE)".
func vhostTail(s string) DashSVHost {
	var v DashSVHost
	i := strings.LastIndex(s, " (")
	if i < 0 || !strings.HasSuffix(s, ")") {
		v.Name = strings.TrimSpace(s)
		return v
	}
	v.Name = strings.TrimSpace(s[:i])
	loc := s[i+2 : len(s)-1]
	if j := strings.LastIndexByte(loc, ':'); j >= 0 {
		if n, err := strconv.Atoi(loc[j+1:]); err == nil {
			v.File, v.Line = loc[:j], n
			return v
		}
	}
	v.File = loc
	return v
}

func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// nameID reads `name="www-data" id=33`.
func nameID(s string) (string, int) {
	name, id := "", -1
	for _, f := range strings.Fields(s) {
		if v, ok := strings.CutPrefix(f, "name="); ok {
			name = unquote(v)
		} else if v, ok := strings.CutPrefix(f, "id="); ok {
			if n, err := strconv.Atoi(v); err == nil {
				id = n
			}
		}
	}
	return name, id
}
