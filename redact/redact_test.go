package redact

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"
)

// stringCases are String's expectations. The groups marked "old" are the
// test cases of the routines this package replaces, with this package's
// answer; where it differs from the old one, the comment gives the old.
var stringCases = []struct{ in, want string }{
	// Every URL-ish spelling of userinfo.
	{"http://user:PW@h", "http://user:xxxxx@h"},
	{"https://user:PW@h/p", "https://user:xxxxx@h/p"},
	{"http:/user:PW@h", "http:/user:xxxxx@h"},
	{"http:user:PW@h", "http:user:xxxxx@h"},
	{"http:PW@h", "http:xxxxx@h"},
	{"user:PW@h:8404", "user:xxxxx@h:8404"},
	{"http//user:PW@h", "http//user:xxxxx@h"},
	{"tcp://user:PW@h:1", "tcp://user:xxxxx@h:1"},
	{"//gwtop:PW@127.0.0.1:1/stats", "//gwtop:xxxxx@127.0.0.1:1/stats"},
	{"unix://user:PW@/path", "unix://user:xxxxx@/path"},
	{"HTTPS://user:PW@h", "HTTPS://user:xxxxx@h"},
	{"git+ssh://user:PW@h", "git+ssh://user:xxxxx@h"},
	{"http://:PW@h", "http://:xxxxx@h"},
	{"http://u:@h", "http://u:@h"},
	// net/url's error for a mistyped URL quotes the password's first part
	// as a port; a number is a port, and kept.
	{`not a URL: invalid port ":Zq9-s3cr3t" after host`, `not a URL: invalid port ":xxxxx" after host`},
	{`parse "http://u:pa/ss@h": invalid port ":pa" after host`, `parse "http://u:xxxxx@h": invalid port ":xxxxx" after host`},
	{`invalid port ":p\"w" after host; invalid port ":8080" after host`, `invalid port ":xxxxx" after host; invalid port ":8080" after host`},
	{`invalid port ":" after host`, `invalid port ":" after host`},
	{"invalid port \":abcdef\nnext", "invalid port \":xxxxx\nnext"},
	// Embedded, quoted, in JSON, several in one text.
	{`Get "http://u:p@h/x": dial tcp 10.0.0.1:80: connect: connection refused`, `Get "http://u:xxxxx@h/x": dial tcp 10.0.0.1:80: connect: connection refused`},
	{`x 'http://u:pa ss@h/x' y`, `x 'http://u:xxxxx@h/x' y`},
	{"x `http://u:pa ss@h/x` y", "x `http://u:xxxxx@h/x` y"},
	{`{"url":"http://u:p\"s@h","b":"http://a:b@c","c":"ops@example.com"}`, `{"url":"http://u:xxxxx@h","b":"http://a:xxxxx@c","c":"ops@example.com"}`},
	{`{"url": "http://u:p@h/"}`, `{"url": "http://u:xxxxx@h/"}`},
	{"http://u:p@h1/ then https://a:b:c@d:2/ and tcp://e:f@g", "http://u:xxxxx@h1/ then https://a:xxxxx@d:2/ and tcp://e:xxxxx@g"},
	// Passwords holding the URL's delimiters, spaces, escapes.
	{"http://u:p@ss@h/", "http://u:xxxxx@h/"},
	{"http://u:pa/ss@h/", "http://u:xxxxx@h/"},
	{"http://u:pa:ss@h/", "http://u:xxxxx@h/"},
	{"http://u:pa#ss@h/", "http://u:xxxxx@h/"},
	{"http://u:pa?ss@h/", "http://u:xxxxx@h/"},
	{"http://u:p@ss/w?rd#x@h/x", "http://u:xxxxx@h/x"},
	{"http://u:pa ss@h/x", "http://u:xxxxx@h/x"},
	{"haproxy stats http://u:pa ss word@h/: not a URL", "haproxy stats http://u:xxxxx@h/: not a URL"},
	{`parse "http://u:p s@ss@h:x": invalid port`, `parse "http://u:xxxxx@h:x": invalid port`},
	{"http://u:p%40ss@h", "http://u:xxxxx@h"},
	{"http://u:p%2Fss%20x@h", "http://u:xxxxx@h"},
	{"http://bob@example.com:pw@h/", "http://bob@example.com:xxxxx@h/"},
	// User only: kept. IPv6 hosts.
	{"https://user@host/a@b", "https://user@host/a@b"},
	{"ssh://git@github.com:22/x", "ssh://git@github.com:22/x"},
	{"http://u:p@[::1]:80/x", "http://u:xxxxx@[::1]:80/x"},
	{"http://[::1]:80/x", "http://[::1]:80/x"},
	{"u:p@[fe80::1%25eth0]:80", "u:xxxxx@[fe80::1%25eth0]:80"},
	// Query tokens, assignments, headers.
	{"http://h/?token=abc&x=1&X-Amz-Signature=ff#access_token=t", "http://h/?token=xxxxx&x=1&X-Amz-Signature=xxxxx#access_token=xxxxx"},
	{"http://h/p?api_key=k1;apikey=k2&Key=k3&sig=s&pwd=p&passwd=p&password=p&secret=s&auth=a", "http://h/p?api_key=xxxxx;apikey=xxxxx&Key=xxxxx&sig=xxxxx&pwd=xxxxx&passwd=xxxxx&password=xxxxx&secret=xxxxx&auth=xxxxx"},
	{`Get "https://s3/b/o?X-Amz-Credential=AK&X-Amz-Security-Token=T0K&X-Amz-Signature=5ig": EOF`, `Get "https://s3/b/o?X-Amz-Credential=AK&X-Amz-Security-Token=xxxxx&X-Amz-Signature=xxxxx": EOF`},
	{"token=abc123 ok, client_secret='s e' and x-api-key=k done", "token=xxxxx ok, client_secret='xxxxx' and x-api-key=xxxxx done"},
	{"monkey=1&sortkey=2&author=me&keys=3&passage=4", "monkey=1&sortkey=2&author=me&keys=3&passage=4"},
	{`{"password":"hunter2","token": "a\"b","user":"ops"}`, `{"password":"xxxxx","token": "xxxxx","user":"ops"}`},
	{"{Username:ops Password:pa55word Token:t}", "{Username:ops Password:xxxxx Token:xxxxx}"},
	{"Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic xxxxx"},
	{"authorization: bearer eyJ.abc.def\nnext line", "authorization: bearer xxxxx\nnext line"},
	{"Proxy-Authorization: Basic dXNlcjpwYXNz", "Proxy-Authorization: Basic xxxxx"},
	{"Authorization: Digest username=\"u\", response=\"abc\"\nHost: h", "Authorization: Digest xxxxx\nHost: h"},
	{"Authorization: s3cr3t-token", "Authorization: xxxxx"},
	{"map[Accept:[*/*] Authorization:[Basic dXNlcjpwYXNz] X:[y]]", "map[Accept:[*/*] Authorization:[Basic xxxxx] X:[y]]"},
	{`{"Authorization":"Bearer abc.def","X":"y"}`, `{"Authorization":"Bearer xxxxx","X":"y"}`},
	{"sent Bearer eyJhbGci.x.y, then Basic dXNlcjpwYXNz; Bearer authentication and Basic auth failed", "sent Bearer xxxxx, then Basic xxxxx; Bearer authentication and Basic auth failed"},
	// What stays.
	{"http://127.0.0.1:8404/stats;csv", "http://127.0.0.1:8404/stats;csv"},
	{"10.0.0.1:8080", "10.0.0.1:8080"},
	{"dial tcp 10.0.0.1:8080: connect: connection refused", "dial tcp 10.0.0.1:8080: connect: connection refused"},
	{"mail user@example.com or mailto:ops@example.com", "mail user@example.com or mailto:ops@example.com"},
	{"http://h:8080/x failed, mail ops@example.com", "http://h:8080/x failed, mail ops@example.com"},
	{"ipv4@10.0.0.1:9999 and git@github.com:org/repo.git", "ipv4@10.0.0.1:9999 and git@github.com:org/repo.git"},
	{`10.0.0.1 - - [01/Jan/2025:12:00:00 +0000] "GET /api?user=bob@example.com HTTP/1.1" 200 12 "-" "curl/8.0"`, `10.0.0.1 - - [01/Jan/2025:12:00:00 +0000] "GET /api?user=bob@example.com HTTP/1.1" 200 12 "-" "curl/8.0"`},
	{"backend be/srv1 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\"", "backend be/srv1 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\""},
	{"", ""},
	// Known over-masking (see the package comment).
	{"http://h:8080/q?u=a@b", "http://h:xxxxx@b"},
	{"url=http://u:p@h,next=(tcp://a:b@c)", "url=http://u:xxxxx@h,next=(tcp://a:xxxxx@c)"},

	// old: probe.redact (the old one dropped the userinfo: "http://h:1/x").
	{`Get "http://u:p@h:1/x": EOF`, `Get "http://u:xxxxx@h:1/x": EOF`},
	// old: "https://host/a@b and tcp://c:1"
	{"https://user@host/a@b and tcp://a:b@c:1", "https://user@host/a@b and tcp://a:xxxxx@c:1"},
	{"no url here", "no url here"},
	{"http://host/path?q=a@b", "http://host/path?q=a@b"},
	// old: `parse "http://h:x": invalid port`
	{`parse "http://u:p@h:x": invalid port`, `parse "http://u:xxxxx@h:x": invalid port`},
	{"trailing http://", "trailing http://"},
	{"http://u:pass@host", "http://u:xxxxx@host"},            // old: "http://host"
	{"http://user:with@at@host/", "http://user:xxxxx@host/"}, // old: "http://host/"
	// old: `mid "http://[::1]:80/p" end`
	{`mid "http://x:y@[::1]:80/p" end`, `mid "http://x:xxxxx@[::1]:80/p" end`},
	// old: "http://h1/ then http://plain/ and http:/"
	{"http://u:p@h1/ then http://plain/ and http:/", "http://u:xxxxx@h1/ then http://plain/ and http:/"},
	// old: probe.redactInvalid
	{"http://u:pa/ss@host/", "http://u:xxxxx@host/"}, // old: "http://host/"
	{"u:p@host", "u:xxxxx@host"},                     // old: "host"
	{"http://host/", "http://host/"},
	// old: config.Redact (url.URL.Redacted): same answers.
	{"http://user:secret@h:1/reverse_proxy/upstreams", "http://user:xxxxx@h:1/reverse_proxy/upstreams"},
	{"http://user:secret@h:1", "http://user:xxxxx@h:1"},
	{"http://localhost:2019/reverse_proxy/upstreams", "http://localhost:2019/reverse_proxy/upstreams"},
	{"http://u:s3cret@h:bad/", "http://u:xxxxx@h:bad/"}, // old: unchanged (does not parse)
	{"ftp://u:s3cret@h/", "ftp://u:xxxxx@h/"},
	// old: statuspage.Shown of a URL that does not parse ("http://xxxxx@[::1/x"): see Userinfo.
	{"http://u:p@[::1/x", "http://u:xxxxx@[::1/x"},
	// old: haproxy redactURL
	{"http://admin:p%40ss@h/stats", "http://admin:xxxxx@h/stats"}, // old: unchanged (decoded "p@ss" not found)
	{"tcp://admin:pw@h", "tcp://admin:xxxxx@h"},
}

func TestString(t *testing.T) {
	for _, c := range stringCases {
		got := String(c.in)
		if got != c.want {
			t.Errorf("String(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
		if again := String(got); again != got {
			t.Errorf("String not idempotent on %q: %q then %q", c.in, got, again)
		}
		if len(got) > len(c.in)+MaxGrowth {
			t.Errorf("String(%q) grew by %d", c.in, len(got)-len(c.in))
		}
	}
}

// TestStringMatchesRedacted: for a URL that parses, String gives what
// url.URL.Redacted gives (config.Redact), as long as the URL is already
// in its canonical form.
func TestStringMatchesRedacted(t *testing.T) {
	for _, s := range []string{
		"http://user:secret@h:1/reverse_proxy/upstreams", "https://u:p@[::1]:443/a/b", "http://u@h/", "http://h/x",
		"https://gwtop:s3cr%2Fet@10.0.0.1:9901/stats?x=1", "http://u:p@h/p;csv#frag",
	} {
		u, err := url.Parse(s)
		if err != nil || u.String() != s {
			t.Fatalf("%q is no canonical URL", s)
		}
		if got, want := String(s), u.Redacted(); got != want {
			t.Errorf("String(%q) = %q, Redacted %q", s, got, want)
		}
	}
}

func TestUserinfo(t *testing.T) {
	for in, want := range map[string]string{
		"http://u:p@[::1/x":                   "http://xxxxx@[::1/x", // statuspage.Shown's form
		"http://gwtop:url-s3cret@[::1/x":      "http://xxxxx@[::1/x",
		"Get \"http://u:p ss@h/\" and u:p@h2": "Get \"http://xxxxx@h/\" and xxxxx@h2",
		"https://user@host/":                  "https://user@host/",
		"http://h/?token=t":                   "http://h/?token=xxxxx",
		"plain text":                          "plain text",
	} {
		got := Userinfo(in)
		if got != want {
			t.Errorf("Userinfo(%q) = %q, want %q", in, got, want)
		}
		if Userinfo(got) != got {
			t.Errorf("Userinfo not idempotent on %q", in)
		}
	}
}

func TestSecrets(t *testing.T) {
	const pw = "opt-p@ss/w0rd"
	b64 := base64.StdEncoding.EncodeToString([]byte("admin:" + pw))
	for _, c := range []struct {
		in      string
		secrets []string
		want    string
	}{
		{"got admin:" + pw + "\n", []string{pw}, "got admin:xxxxx\n"},
		{"quoted " + url.QueryEscape(pw) + " and " + url.PathEscape(pw), []string{pw}, "quoted xxxxx and xxxxx"},
		{"lower opt-p%40ss%2fw0rd", []string{pw}, "lower xxxxx"},
		{"header " + b64 + " seen", []string{pw}, "header YWRtaW46xxxxxA== seen"},
		{"Authorization: Basic " + b64, []string{pw}, "Authorization: Basic xxxxx"},
		{`json "a\"b\\c"`, []string{`a"b\c`}, `json "xxxxx"`},
		// statuspage: the URL's userinfo as written, then its password.
		{"got gwtop:url-s3cret", URLSecrets("http://gwtop:url-s3cret@h/"), "got xxxxx"},
		// haproxy: the configured password, whatever quotes it.
		{"server said: bad password s3cr3t for admin", []string{"s3cr3t"}, "server said: bad password xxxxx for admin"},
		{"http://admin:p%40ss@h/stats", []string{"p@ss"}, "http://admin:xxxxx@h/stats"},
		// Short, empty and mask-like secrets change nothing.
		{"a bad day at the office", []string{"", "a", "ad"}, "a bad day at the office"},
		{"keep xxx and xxxxx", []string{"xxx", "xxxxx"}, "keep xxx and xxxxx"},
		{"abc abc", []string{"abc"}, "xxxxx xxxxx"},
		// String's rules apply too.
		{"Get \"http://u:other@h/\": EOF", []string{"s3cr3t"}, "Get \"http://u:xxxxx@h/\": EOF"},
		// Several secrets, one inside another.
		{"p4ss and p4ss-longer", []string{"p4ss", "p4ss-longer"}, "xxxxx and xxxxx"},
	} {
		got := Secrets(c.in, c.secrets...)
		if got != c.want {
			t.Errorf("Secrets(%q, %q)\n got %q\nwant %q", c.in, c.secrets, got, c.want)
		}
		if again := Secrets(got, c.secrets...); again != got {
			t.Errorf("Secrets not idempotent on %q: %q then %q", c.in, got, again)
		}
	}
	var nilR *Redactor
	if got := nilR.String("http://u:p@h"); got != "http://u:xxxxx@h" {
		t.Errorf("nil Redactor: %q", got)
	}
}

func TestURLSecrets(t *testing.T) {
	for in, want := range map[string]string{
		"http://gwtop:url-s3cret@h/": "gwtop:url-s3cret|url-s3cret",
		"http://u:p%40ss@h/":         "u:p%40ss|p%40ss|p@ss",
		"http://u:pa/ss@[::1/x":      "u:pa/ss|pa/ss",
		"http://u@h/":                "",
		"http://h/a:b@c":             "",
		"http://u:@h/":               "",
		"no url":                     "",
		"//u:p@h":                    "u:p|p",
	} {
		if got := strings.Join(URLSecrets(in), "|"); got != want {
			t.Errorf("URLSecrets(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestGrowth: many one-character passwords grow the text by MaxGrowth
// at most, and a second pass changes nothing.
func TestGrowth(t *testing.T) {
	in := strings.Repeat("u:p@h ", 100)
	got := String(in)
	if len(got) > len(in)+MaxGrowth {
		t.Errorf("grew by %d", len(got)-len(in))
	}
	if strings.Contains(got, ":p@") {
		t.Errorf("a password is left: %q", got)
	}
	if String(got) != got {
		t.Error("not idempotent")
	}
}

// TestLinear: inputs built to make a naive scanner quadratic finish
// quickly.
func TestLinear(t *testing.T) {
	for _, in := range []string{
		strings.Repeat("a://a:", 1<<15) + " @",
		strings.Repeat("\"a:", 1<<15) + " @",
		strings.Repeat("\\\"http://a:b ", 1<<14) + "@",
		strings.Repeat("u:", 1<<16) + "@",
		strings.Repeat("http://a:b ", 1<<14) + "@h",
		strings.Repeat("token=", 1<<15),
		strings.Repeat("Authorization: ", 1<<13),
		strings.Repeat("//", 1<<16) + "@",
		strings.Repeat("?&#=", 1<<15) + "@",
	} {
		start := time.Now()
		String(in)
		Userinfo(in)
		New("a://a:b").String(in)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%d bytes (%q…) took %v", len(in), in[:20], d)
		}
	}
}

func BenchmarkString(b *testing.B) {
	plain := `caddy admin http://127.0.0.1:2019/reverse_proxy/upstreams: Get "http://127.0.0.1:2019/reverse_proxy/upstreams": dial tcp 127.0.0.1:2019: connect: connection refused (is the admin API enabled?)`
	withURL := `caddy admin http://127.0.0.1:2019/reverse_proxy/upstreams: Get "http://admin:s3cr3t@127.0.0.1:2019/reverse_proxy/upstreams": dial tcp 127.0.0.1:2019: connect: connection refused (admin?)`
	for _, bc := range []struct{ name, in string }{{"plain", plain}, {"url", withURL}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.in)))
			for b.Loop() {
				String(bc.in)
			}
		})
	}
	r := New("s3cr3t-Pa55", "admin:s3cr3t-Pa55")
	b.Run("redactor", func(b *testing.B) {
		b.SetBytes(int64(len(withURL)))
		for b.Loop() {
			r.String(withURL)
		}
	})
}

// TestQuotedEmptyThenRealPassword: in a quoted "//user:@0 0@h", the bare
// rule's empty password (up to the first '@') does not hide the URL's real
// one from the "//" rule (found by FuzzString).
func TestQuotedEmptyThenRealPassword(t *testing.T) {
	for _, in := range []string{`"//user:@0 0@h0`, `'//user:@a b@h'`} {
		if out := String(in); strings.Contains(out, "@0 0") || strings.Contains(out, "@a b") {
			t.Errorf("String(%q) = %q", in, out)
		}
	}
}
