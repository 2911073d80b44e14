package applog

import (
	"bufio"
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/gwtop/gwtop/facts"
)

// Log is one app server log file found for a process.
type Log struct {
	App  string // gunicorn, uwsgi, php-fpm
	Path string // absolute; "" when the log cannot be followed (stderr, syslog), Why says so
	// Timeout is the app server's own request timeout in seconds
	// (gunicorn --timeout, uWSGI harakiri, php-fpm
	// request_terminate_timeout); 0 when there is none or it is not known.
	Timeout float64
	// Why says where the path and the timeout were read, or why there is
	// no path.
	Why string
	// KeepAlive is how long the server keeps an idle client connection,
	// in seconds: gunicorn's --keep-alive (default 2) for a worker class
	// that keeps connections (gthread, gevent, eventlet, tornado); 0 when
	// it closes after each response (the sync worker) or is not known.
	// KeepAliveWhy says where it was read.
	KeepAlive    float64
	KeepAliveWhy string
}

// gunicornTimeout is gunicorn's default --timeout.
const gunicornTimeout = 30

// App names the app server p runs: "gunicorn", "uwsgi", "php-fpm",
// "uvicorn", or "" for anything else. Its workers count as the server.
func App(p facts.Process) string {
	if a := appWord(p.Comm); a != "" {
		return a
	}
	args := p.Cmdline
	if len(args) == 1 {
		args = strings.Fields(args[0]) // a rewritten title
	}
	if len(args) == 0 {
		return ""
	}
	if a := appWord(filepath.Base(args[0])); a != "" {
		return a
	}
	// An interpreter running the server: python3 /usr/bin/gunicorn …,
	// python3 -m uvicorn ….
	if strings.HasPrefix(filepath.Base(args[0]), "python") {
		for i, a := range args[1:] {
			if a == "-m" && i+2 < len(args) {
				return appWord(args[i+2])
			}
			if strings.HasPrefix(a, "-") {
				continue
			}
			return appWord(filepath.Base(a))
		}
	}
	return ""
}

// appWord names the server a process or program name is: "gunicorn",
// "gunicorn: master [app]", "uwsgi", "uwsgi-core", "uWSGI worker 1",
// "php-fpm8.2", "php-fpm: pool www", "uvicorn".
func appWord(s string) string {
	l := strings.ToLower(s)
	switch {
	case strings.HasPrefix(l, "gunicorn"):
		return Gunicorn
	case strings.HasPrefix(l, "uwsgi"):
		return UWSGI
	case strings.HasPrefix(l, "php-fpm"):
		return PHPFPM
	case strings.HasPrefix(l, "uvicorn"):
		return Uvicorn
	}
	return ""
}

// LogsOf finds the log files of p from its command line and the
// configuration files it names, read with readFile; relative paths are
// taken from cwd (the process's working directory). It returns nothing for
// a process that is no app server this package reads. A log that cannot
// be followed (gunicorn writing to stderr, php-fpm to syslog) is returned
// with an empty Path and the reason in Why.
func LogsOf(p facts.Process, readFile func(string) ([]byte, error), cwd string) []Log {
	args := p.Cmdline
	switch App(p) {
	case Gunicorn:
		return []Log{gunicornLog(args, readFile, cwd)}
	case UWSGI:
		return []Log{uwsgiLog(args, readFile, cwd)}
	case PHPFPM:
		return phpfpmLogs(args, readFile, cwd)
	}
	return nil
}

// abs makes path absolute against dir.
func abs(path, dir string) string {
	if path == "" {
		return ""
	}
	if filepath.IsAbs(path) {
		return filepath.Clean(path)
	}
	return filepath.Join(dir, path)
}

// flagValue reads a flag's value at args[i]: "--name value", "--name=value"
// and, for a one-letter flag, "-n value" and "-nvalue". It returns the
// value and how many arguments it took (0 when args[i] is not the flag).
func flagValue(args []string, i int, names ...string) (string, int) {
	a := args[i]
	for _, n := range names {
		switch {
		case a == n:
			if i+1 < len(args) {
				return args[i+1], 2
			}
			return "", 1
		case strings.HasPrefix(a, n+"=") && strings.HasPrefix(n, "--"):
			return a[len(n)+1:], 1
		case len(n) == 2 && n[0] == '-' && n[1] != '-' && strings.HasPrefix(a, n) && len(a) > 2:
			return a[2:], 1
		}
	}
	return "", 0
}

// gunicornLog reads gunicorn's command line and configuration file for
// its error log (--error-logfile, --log-file, errorlog) and --timeout.
// The command line wins over the file, as in gunicorn.
func gunicornLog(args []string, readFile func(string) ([]byte, error), cwd string) Log {
	l := Log{App: Gunicorn}
	var errlog, timeout, config, keep, keepFrom, class, threads string
	var errlogFrom, timeoutFrom string
	for i := 1; i < len(args); i++ {
		if v, n := flagValue(args, i, "--error-logfile", "--log-file"); n > 0 {
			errlog, errlogFrom = v, args[i]
			i += n - 1
		} else if v, n := flagValue(args, i, "--timeout", "-t"); n > 0 {
			timeout, timeoutFrom = v, "--timeout on the command line"
			i += n - 1
		} else if v, n := flagValue(args, i, "--config", "-c"); n > 0 {
			config = v
			i += n - 1
		} else if v, n := flagValue(args, i, "--keep-alive"); n > 0 {
			keep, keepFrom = v, "--keep-alive "+v
			i += n - 1
		} else if v, n := flagValue(args, i, "--worker-class", "-k"); n > 0 {
			class = v
			i += n - 1
		} else if v, n := flagValue(args, i, "--threads"); n > 0 {
			threads = v
			i += n - 1
		}
	}
	if i := strings.Index(errlogFrom, "="); i >= 0 {
		errlogFrom = errlogFrom[:i]
	}
	if errlogFrom != "" {
		errlogFrom += " on the command line"
	}
	confWhy := ""
	if config == "" {
		config = "gunicorn.conf.py" // gunicorn's default, in its working directory
	}
	if strings.HasPrefix(config, "python:") {
		confWhy = "; config " + config + " is a module, not read"
	} else {
		path := abs(config, cwd)
		if data, err := readFile(path); err == nil {
			vals := pyAssignments(data)
			if v, ok := vals["errorlog"]; ok && errlog == "" {
				errlog, errlogFrom = v.value, fmt.Sprintf("errorlog in %s:%d", path, v.line)
			}
			if v, ok := vals["timeout"]; ok && timeout == "" {
				timeout, timeoutFrom = v.value, fmt.Sprintf("timeout in %s:%d", path, v.line)
			}
			if v, ok := vals["keepalive"]; ok && keep == "" {
				keep, keepFrom = v.value, fmt.Sprintf("keepalive %s in %s:%d", v.value, path, v.line)
			}
			if v, ok := vals["worker_class"]; ok && class == "" {
				class = v.value
			}
			if v, ok := vals["threads"]; ok && threads == "" {
				threads = v.value
			}
		} else if config != "gunicorn.conf.py" {
			confWhy = fmt.Sprintf("; config %s not read: %v", path, err)
		}
	}
	l.Timeout = gunicornTimeout
	timeoutWhy := "timeout 30 (gunicorn's default)"
	if timeout != "" {
		if f, err := strconv.ParseFloat(timeout, 64); err == nil && f >= 0 {
			l.Timeout = f
			timeoutWhy = "timeout " + timeout + " from " + timeoutFrom
		}
	}
	l.KeepAlive, l.KeepAliveWhy = gunicornKeepAlive(keep, keepFrom, class, threads)
	switch errlog {
	case "":
		l.Why = "gunicorn writes its error log to stderr (no --error-logfile)"
	case "-":
		l.Why = "gunicorn writes its error log to stderr (" + errlogFrom + " is -)"
	default:
		l.Path = abs(errlog, cwd)
		l.Why = errlogFrom
	}
	l.Why += "; " + timeoutWhy + confWhy
	return l
}

// gunicornKeepAlive is how long gunicorn keeps an idle connection: the
// sync worker closes after each response (gunicorn switches to gthread
// when --threads is above 1); the others keep it --keep-alive seconds,
// 2 by default.
func gunicornKeepAlive(keep, from, class, threads string) (float64, string) {
	class = strings.Trim(class, `"'`)
	if n, err := strconv.Atoi(strings.Trim(threads, `"'`)); (class == "" || class == "sync") && err == nil && n > 1 {
		class = "gthread"
	}
	if class == "" || class == "sync" || strings.HasSuffix(class, ".SyncWorker") {
		return 0, ""
	}
	secs, why := 2.0, "--keep-alive 2 (gunicorn's default)"
	if keep != "" {
		if f, err := strconv.ParseFloat(strings.Trim(keep, `"'`), 64); err == nil && f >= 0 {
			secs, why = f, from
		}
	}
	return secs, why + ", worker class " + class
}

type assigned struct {
	value string
	line  int
}

// pyAssignments reads the simple top-level assignments of a Python
// configuration file: NAME = "string", NAME = 'string', NAME = 30. Other
// statements are skipped.
func pyAssignments(data []byte) map[string]assigned {
	out := map[string]assigned{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), MaxLine)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || line[0] == ' ' || line[0] == '\t' {
			continue // not top level
		}
		name, val, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		name = strings.TrimSpace(name)
		if !isIdent(name) {
			continue
		}
		val = strings.TrimSpace(val)
		if val == "" || val[0] == '=' {
			continue // "==", not an assignment
		}
		if q := val[0]; q == '"' || q == '\'' {
			end := strings.IndexByte(val[1:], q)
			if end < 0 {
				continue
			}
			out[name] = assigned{val[1 : end+1], n}
			continue
		}
		if i := strings.IndexByte(val, '#'); i >= 0 {
			val = strings.TrimSpace(val[:i])
		}
		if _, err := strconv.ParseFloat(val, 64); err == nil {
			out[name] = assigned{val, n}
		}
	}
	return out
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// uwsgiLog reads uWSGI's command line and ini file for its log (--logto,
// --daemonize) and --harakiri.
func uwsgiLog(args []string, readFile func(string) ([]byte, error), cwd string) Log {
	l := Log{App: UWSGI}
	var logto, harakiri, logFrom, hFrom, ini string
	for i := 1; i < len(args); i++ {
		if v, n := flagValue(args, i, "--logto", "--daemonize", "-d"); n > 0 {
			logto, logFrom = v, strings.SplitN(args[i], "=", 2)[0]+" on the command line"
			i += n - 1
		} else if v, n := flagValue(args, i, "--harakiri", "-t"); n > 0 {
			harakiri, hFrom = v, "--harakiri on the command line"
			i += n - 1
		} else if v, n := flagValue(args, i, "--ini"); n > 0 {
			ini = v
			i += n - 1
		} else if strings.HasSuffix(args[i], ".ini") && !strings.HasPrefix(args[i], "-") {
			ini = args[i] // uwsgi app.ini
		}
	}
	why := ""
	if ini != "" {
		section := "uwsgi"
		if i := strings.LastIndexByte(ini, ':'); i > 0 {
			ini, section = ini[:i], ini[i+1:]
		}
		path := abs(ini, cwd)
		if data, err := readFile(path); err == nil {
			vals := iniValues(data)
			get := func(k string) (assigned, bool) {
				v, ok := vals[section+"."+k]
				return v, ok
			}
			for _, k := range []string{"logto", "daemonize"} {
				if v, ok := get(k); ok && logto == "" {
					logto, logFrom = v.value, fmt.Sprintf("%s in %s:%d", k, path, v.line)
				}
			}
			if v, ok := get("harakiri"); ok && harakiri == "" {
				harakiri, hFrom = v.value, fmt.Sprintf("harakiri in %s:%d", path, v.line)
			}
		} else {
			why = fmt.Sprintf("; ini %s not read: %v", path, err)
		}
	}
	hWhy := "no harakiri"
	if f, err := strconv.ParseFloat(harakiri, 64); err == nil && f > 0 {
		l.Timeout = f
		hWhy = "harakiri " + harakiri + " from " + hFrom
	}
	switch {
	case logto == "":
		l.Why = "uWSGI logs to stderr (no --logto or --daemonize)"
	case strings.Contains(logto, ":") && !strings.HasPrefix(logto, "/"):
		l.Why = "uWSGI logs to " + logto + " (" + logFrom + "), not a file"
	default:
		l.Path = abs(logto, cwd)
		l.Why = logFrom
	}
	l.Why += "; " + hWhy + why
	return l
}

// iniValues reads an ini file's values as "section.key" (php-fpm's and
// uWSGI's syntax: "key = value", ";" and "#" comments, quoted values).
func iniValues(data []byte) map[string]assigned {
	out := map[string]assigned{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), MaxLine)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == ';' || line[0] == '#' {
			continue
		}
		if line[0] == '[' {
			if end := strings.IndexByte(line, ']'); end > 0 {
				section = strings.TrimSpace(line[1:end])
			}
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
			v = v[1 : len(v)-1]
		} else if i := strings.IndexAny(v, ";"); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
		key := section + "." + k
		if k == "include" {
			key = fmt.Sprintf("%s.include.%d", section, n) // there may be several
		}
		out[key] = assigned{v, n}
	}
	return out
}

// phpfpmPrefix is where php-fpm resolves relative paths without -p: its
// localstatedir, /var on Debian.
const phpfpmPrefix = "/var"

// phpfpmLogs reads the php-fpm master's configuration: the global
// error_log and each pool's slowlog and request_terminate_timeout. The
// master's title names the file: "php-fpm: master process
// (/etc/php/8.2/fpm/php-fpm.conf)"; a master started as "php-fpm8.2 -y
// FILE" names it with -y/--fpm-config.
func phpfpmLogs(args []string, readFile func(string) ([]byte, error), cwd string) []Log {
	title := strings.Join(args, " ")
	conf, prefix := "", ""
	if s, ok := between(title, "master process (", ")"); ok {
		conf = s
	}
	for i := 1; i < len(args); i++ {
		if v, n := flagValue(args, i, "--fpm-config", "-y"); n > 0 {
			conf = v
			i += n - 1
		} else if v, n := flagValue(args, i, "--prefix", "-p"); n > 0 {
			prefix = v
			i += n - 1
		}
	}
	if conf == "" {
		if strings.Contains(title, "pool ") {
			return []Log{{App: PHPFPM, Why: "a php-fpm pool worker; its master's title names the configuration"}}
		}
		return []Log{{App: PHPFPM, Why: "php-fpm's configuration file is not on its command line"}}
	}
	conf = abs(conf, cwd)
	if prefix == "" {
		prefix = phpfpmPrefix
	} else {
		prefix = abs(prefix, cwd)
	}
	data, err := readFile(conf)
	if err != nil {
		return []Log{{App: PHPFPM, Why: fmt.Sprintf("php-fpm configuration %s not read: %v", conf, err)}}
	}
	type val struct {
		assigned
		file string
	}
	global := map[string]val{}
	pools := map[string]map[string]val{}
	var order []string
	var read func(file string, data []byte, depth int)
	read = func(file string, data []byte, depth int) {
		vals := iniValues(data)
		keys := make([]string, 0, len(vals))
		for k := range vals {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return vals[keys[i]].line < vals[keys[j]].line })
		for _, k := range keys {
			v := vals[k]
			section, name, _ := strings.Cut(k, ".")
			if strings.HasPrefix(name, "include.") {
				if depth > 4 {
					continue
				}
				matches, _ := filepath.Glob(abs(v.value, prefix))
				for _, m := range matches {
					if d, err := readFile(m); err == nil {
						read(m, d, depth+1)
					}
				}
				continue
			}
			if section == "global" || section == "" {
				global[name] = val{v, file}
				continue
			}
			if pools[section] == nil {
				pools[section] = map[string]val{}
				order = append(order, section)
			}
			pools[section][name] = val{v, file}
		}
	}
	read(conf, data, 0)

	var out []Log
	timeouts := map[float64]bool{}
	var twhy []string
	for _, pool := range order {
		v, ok := pools[pool]["request_terminate_timeout"]
		if !ok {
			continue
		}
		if s, ok := phpfpmSeconds(v.value); ok {
			timeouts[s] = true
			twhy = append(twhy, fmt.Sprintf("pool %s request_terminate_timeout %s (%s:%d)", pool, v.value, v.file, v.line))
		}
	}
	var timeout float64
	if len(timeouts) == 1 {
		for s := range timeouts {
			timeout = s
		}
	}
	el := Log{App: PHPFPM, Timeout: timeout}
	v, ok := global["error_log"]
	switch {
	case !ok || v.value == "":
		el.Path = abs("log/php-fpm.log", prefix)
		el.Why = "error_log not set in " + conf + ": php-fpm's default"
	case v.value == "syslog" || strings.HasPrefix(v.value, "syslog"):
		el.Why = fmt.Sprintf("php-fpm logs to syslog (error_log in %s:%d)", v.file, v.line)
	default:
		el.Path = abs(v.value, prefix)
		el.Why = fmt.Sprintf("error_log in %s:%d", v.file, v.line)
	}
	if len(twhy) > 0 {
		el.Why += "; " + strings.Join(twhy, ", ")
	}
	if len(timeouts) > 1 {
		el.Why += " (pools differ: Timeout 0)"
	}
	out = append(out, el)
	for _, pool := range order {
		v, ok := pools[pool]["slowlog"]
		if !ok || v.value == "" {
			continue
		}
		sl := Log{App: PHPFPM, Path: abs(strings.ReplaceAll(v.value, "$pool", pool), prefix),
			Why: fmt.Sprintf("pool %s slowlog in %s:%d", pool, v.file, v.line)}
		if t, ok := pools[pool]["request_terminate_timeout"]; ok {
			sl.Timeout, _ = phpfpmSeconds(t.value)
		}
		out = append(out, sl)
	}
	return out
}

// phpfpmSeconds reads a php-fpm time value: "30", "30s", "2m", "1h", "1d".
func phpfpmSeconds(s string) (float64, bool) {
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "s"):
		s = s[:len(s)-1]
	case strings.HasSuffix(s, "m"):
		s, mult = s[:len(s)-1], 60
	case strings.HasSuffix(s, "h"):
		s, mult = s[:len(s)-1], 3600
	case strings.HasSuffix(s, "d"):
		s, mult = s[:len(s)-1], 86400
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, false
	}
	return float64(n) * mult, true
}
