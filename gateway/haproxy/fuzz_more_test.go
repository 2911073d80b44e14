package haproxy

import (
	"regexp"
	"strings"
	"testing"
)

// fuzzPassword is the password the seeds give.
const fuzzPassword = "Hunter2isNotGood"

// FuzzParseTarget: any stats target and credentials, never a panic; what
// a target shows and what its error says never spell the password given
// in a URL's userinfo or as the password.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{
		"http://127.0.0.1:8404/stats", "https://lb:8443/stats;csv", "http://admin:" + fuzzPassword + "@127.0.0.1:8404/",
		"unix:/run/haproxy/admin.sock", "unix:", "/run/haproxy.sock", "ipv4@127.0.0.1:9999", "ipv6@[::1]:9999",
		"tcp://127.0.0.1:9999", "tcp://nope", "ftp://u:" + fuzzPassword + "@h/", "http://", "http:// bad", " http://h ",
	} {
		f.Add(s, "", "")
		f.Add(s, "admin", fuzzPassword)
	}
	f.Fuzz(func(t *testing.T, s, user, pw string) {
		tg, err := parseTarget(s, user, pw)
		out := ""
		if err != nil {
			if tg != nil {
				t.Fatal("a target and an error")
			}
			out = err.Error()
		} else {
			out = tg.shown + " " + tg.source()
		}
		// The secret is the fuzz password, given where it is one: as the
		// password, or as an http(s) URL's userinfo.
		given := pw == fuzzPassword || (strings.Count(s, fuzzPassword) == 1 &&
			regexp.MustCompile(`^\s*https?://[A-Za-z0-9_.-]*:`+fuzzPassword+`@`).MatchString(s))
		if given && !strings.Contains(user, fuzzPassword) && strings.Contains(out, fuzzPassword) {
			t.Fatalf("parseTarget(%q, %q, %q) shows the password: %s", s, user, pw, out)
		}
	})
}
