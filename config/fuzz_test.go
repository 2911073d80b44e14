package config_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/probe"
)

// secretLike reports whether pw is a password the secret properties are
// about: 8 to 64 letters and digits with an upper-case letter, a
// lower-case one and a digit, so that no message of gwtop's can spell it
// by chance, and the URL around it keeps its shape.
func secretLike(pw string) bool {
	if len(pw) < 8 || len(pw) > 64 {
		return false
	}
	var up, low, dig bool
	for i := 0; i < len(pw); i++ {
		switch c := pw[i]; {
		case c >= 'A' && c <= 'Z':
			up = true
		case c >= 'a' && c <= 'z':
			low = true
		case c >= '0' && c <= '9':
			dig = true
		default:
			return false
		}
	}
	return up && low && dig
}

// inUserinfo matches a ${PW} reference written as a URL's password.
var inUserinfo = regexp.MustCompile(`://[A-Za-z0-9_.-]*:\$\{PW\}@`)

// FuzzParse: any document, never a panic; every error names the file;
// when the password comes only from ${PW} in URLs' userinfo, no error
// quotes it.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"",
		"# only a comment\n",
		"---\n",
		"{}\n",
		"interval: 2s\nupstreams:\n  - name: api\n    address: 127.0.0.1:8000\n    probe: http://127.0.0.1:8000/health\n",
		"upstreams:\n  - name: a\n    address: 127.0.0.1:99999999\n",
		"upstreams:\n  - name: a\n    address: 127.0.0.1:1\n  - name: a\n    address: 127.0.0.1:2\n",
		"upstreams:\n  - probe: https://u:${PW}@h.internal:70000/h\n    expect: 200,204,300-399\n",
		"upstreams:\n  - probe: tcp://u:${PW}@127.0.0.1:0\n    resolver: 127.0.0.53:53\n",
		"nginx:\n  status_url: http://gwtop:${PW}@127.0.0.1:70000/status\n  access_log: /var/log/nginx/access.log\n",
		"haproxy:\n  stats: http://admin:${PW}@127.0.0.1:8404/stats;csv\n",
		"haproxy:\n  stats: //gwtop:${PW}@127.0.0.1:8404/stats\n",
		"haproxy@edge:\n  stats: unix:/run/haproxy/admin.sock\nupstreams:\n  - address: 10.0.0.1:80\n    gateway: haproxy@edge\n",
		"caddy:\n  admin: http://u:${PW}@localhost:0\n",
		"envoy:\n  admin: http://u:${PW}@127.0.0.1:9901\n  log_format: json\n",
		"traefik:\n  api: ftp://u:${PW}@127.0.0.1:8080\n",
		"apache:\n  status_url: http://u:${PW}@127.0.0.1/server-status?auto\n",
		"apps:\n  - address: 127.0.0.1:70000\n    log: /l\n    kind: gunicorn\n",
		"interval: ${IV:-1s}\nprobe_timeout: soon\n",
		"upstreams: [\n",
		"nginx: &a {access_log: /x}\nnginx@b: *a\n",
	}
	for _, s := range seeds {
		f.Add(s, "Hunter2isNotGood")
	}
	f.Fuzz(func(t *testing.T, data, pw string) {
		if len(data) > 1<<14 {
			return // a configuration is small; yaml.v3's own limits apply above
		}
		lookup := func(name string) (string, bool) {
			if name == "PW" {
				return pw, true
			}
			return "", false
		}
		cfg, err := config.Parse("f.yaml", []byte(data), lookup)
		if err == nil {
			if cfg == nil {
				t.Fatal("no configuration and no error")
			}
			return
		}
		msg := err.Error()
		for _, line := range strings.Split(msg, "\n") {
			if !strings.HasPrefix(line, "f.yaml") {
				t.Fatalf("error line %q does not name the file", line)
			}
		}
		refs := strings.Count(data, "${PW}")
		if refs > 0 && secretLike(pw) && !strings.Contains(data, pw) &&
			len(inUserinfo.FindAllStringIndex(data, -1)) == refs && strings.Contains(msg, pw) {
			t.Fatalf("the error quotes the password:\n%s\ninput:\n%s", msg, data)
		}
	})
}

// FuzzParseExpect: never a panic; what it accepts is ranges within
// 100–599, low to high, one per comma-separated part.
func FuzzParseExpect(f *testing.F) {
	for _, s := range []string{"200-399", "200", "200,204,300-399", "", "2xx", "599-100", "-", "100-599,", " 200 - 299 ", "99999999999999999999", "+200", "200-3x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rs, err := config.ParseExpect(s)
		if err != nil {
			if rs != nil {
				t.Fatalf("ranges %v with error %v", rs, err)
			}
			return
		}
		if len(rs) != strings.Count(s, ",")+1 {
			t.Fatalf("%q: %d ranges for %d parts", s, len(rs), strings.Count(s, ",")+1)
		}
		for _, r := range rs {
			if r[0] < 100 || r[1] > 599 || r[0] > r[1] {
				t.Fatalf("%q: range %v", s, r)
			}
		}
	})
}

// FuzzNewProber: any URL, method, header and resolver, never a panic (no
// probe is sent: NewProber only builds); neither its error nor its Target
// quotes the URL's password. The probe package is fuzzed here because its
// construction is what configuration hands to it.
func FuzzNewProber(f *testing.F) {
	for _, s := range [][3]string{
		{"http://", "127.0.0.1:8000/health", ""},
		{"https://", "h.internal:8443/", "GET"},
		{"tcp://", "127.0.0.1:5432", ""},
		{"tcp://", "127.0.0.1:5432/path", ""},
		{"ftp://", "h/", ""},
		{"http:/", "h", ""},
		{"", "h:1", ""},
		{"http://", "[::1]:80/?q=1#f", "BAD METHOD"},
		{"HTTPS://", "h:99999999", "POST"},
		{"http://", "", ""},
		{"http://", "h:80/%zz", ""},
	} {
		f.Add(s[0], "gwtop", "Hunter2isNotGood", s[1], s[2], "X-A", "b", "127.0.0.53:53")
	}
	f.Fuzz(func(t *testing.T, scheme, user, pw, rest, method, hk, hv, resolver string) {
		raw := scheme + user + ":" + pw + "@" + rest
		p, err := probe.NewProber(probe.Target{URL: raw, Method: method, Headers: map[string]string{hk: hv}, Resolver: resolver})
		check := secretLike(pw) && !strings.Contains(scheme+user+rest+method+hk+hv+resolver, pw) &&
			!strings.ContainsAny(user, ":@/?#[]%") && (scheme == "http://" || scheme == "https://" || scheme == "tcp://")
		if err != nil {
			if p != nil {
				t.Fatal("a prober and an error")
			}
			if check && strings.Contains(err.Error(), pw) {
				t.Fatalf("error quotes the password: %v", err)
			}
			return
		}
		defer p.Close()
		if check && strings.Contains(p.Target(), pw) {
			t.Fatalf("Target() quotes the password: %q", p.Target())
		}
	})
}
