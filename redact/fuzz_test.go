package redact

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// schemes are the URL-ish beginnings FuzzString puts before "user:".
var schemes = []string{"http://", "https://", "http:/", "http:", "", "http//", "tcp://", "//", "unix://", "HTTPS://", "x-y+z://", "redis:"}

// hosts follow the '@'.
var hosts = []string{"h", "127.0.0.1:8404", "[::1]:80", "", "gw.example.com/stats;csv", "h:1/p?q=1#f"}

// checkInvariants holds for every input: no panic, idempotent, bounded
// growth.
func checkInvariants(t *testing.T, in string) string {
	t.Helper()
	out := String(in)
	if again := String(out); again != out {
		t.Fatalf("String not idempotent:\n in  %q\n out %q\n 2nd %q", in, out, again)
	}
	if len(out) > len(in)+MaxGrowth {
		t.Fatalf("String grew %q by %d", in, len(out)-len(in))
	}
	u := Userinfo(in)
	if again := Userinfo(u); again != u {
		t.Fatalf("Userinfo not idempotent:\n in  %q\n out %q\n 2nd %q", in, u, again)
	}
	if len(u) > len(in)+MaxGrowth {
		t.Fatalf("Userinfo grew %q by %d", in, len(u)-len(in))
	}
	return out
}

// fuzzable reports whether secret is one the property is about: long
// enough, no line break, and no 'x' at either end nor a whole Mask,
// which the masks themselves could spell.
func fuzzable(secret string) bool {
	return len(secret) >= 4 && !strings.ContainsAny(secret, "\n\r") &&
		secret[0] != 'x' && secret[len(secret)-1] != 'x' && !strings.Contains(secret, Mask)
}

func FuzzString(f *testing.F) {
	for _, c := range stringCases {
		f.Add(c.in, uint8(0), "s3cret", uint8(0), "")
	}
	f.Add(`Get "`, uint8(0), "p@ss/w:rd#?x y", uint8(1), `": EOF`)
	f.Add("", uint8(4), "pa@ss", uint8(1), " and more")
	f.Add("x ", uint8(3), "1234/5@6", uint8(2), "/p")
	f.Add(`{"u":"`, uint8(7), `p\"w d`, uint8(4), `"}`)
	f.Add("err: ", uint8(2), "p%40ss%2F", uint8(0), "")
	f.Fuzz(func(t *testing.T, prefix string, scheme uint8, secret string, host uint8, suffix string) {
		checkInvariants(t, prefix)
		checkInvariants(t, secret+suffix)
		if !fuzzable(secret) {
			return
		}
		sch := schemes[int(scheme)%len(schemes)]
		h := hosts[int(host)%len(hosts)]
		// The text around the URL must not hold the secret itself.
		if strings.Contains(prefix+"\x00"+sch+"user:"+"\x00"+Mask+"@"+h+suffix, secret) {
			return
		}
		// Documented limits: see the package comment.
		last := byte(' ')
		if prefix != "" {
			last = prefix[len(prefix)-1]
		}
		if !strings.HasSuffix(sch, "//") && !isBoundary(last) {
			return // a scheme or bare userinfo needs a word start
		}
		if strings.ContainsAny(secret, "\"'`") {
			return // a password ends at an unescaped quote
		}
		if String(prefix+"zz") != prefix+"zz" {
			return // the prefix starts a token= or a header value
		}
		if strings.Contains(secret, "//") {
			return // "//u:p@" in a password starts a URL of its own
		}
		if sch == "" && strings.HasPrefix(secret, "/") {
			return // "user://…" is a URL of scheme "user"
		}
		if sch == "" && strings.ContainsAny(secret, " \t\v\f") {
			return // no scheme: the password ends at the first space
		}
		quoted := isQuote(last)
		if sp := strings.IndexAny(secret, " \t\v\f"); sp >= 0 && !quoted {
			if sch == "" || sch == "redis:" || sch == "http:" {
				return // no scheme: the password ends at the first space
			}
			if strings.IndexByte(secret, '@') >= 0 {
				return // unquoted: the password ends at the first '@' word
			}
			e := 0
			for e < len(secret) && isDigit(secret[e]) {
				e++
			}
			if e == len(secret) || isAuthEnd(secret[e]) {
				return // unquoted: "1234 5" reads as a port
			}
		}
		if sch == "http:" || sch == "redis:" {
			// "http:user:pw@h" is user "user", unless the
			// password starts like a user name with its own ':'.
			if strings.IndexByte(secret, ':') >= 0 && !strings.ContainsAny(secret[:strings.IndexByte(secret, ':')], "/?#@ \t\"'`\\<>") {
				return
			}
		}
		in := prefix + sch + "user:" + secret + "@" + h + suffix
		if strings.Count(in, secret) != 1 {
			return // the text around spells the secret too
		}
		out := checkInvariants(t, in)
		if strings.Contains(out, secret) {
			t.Fatalf("secret %q survives in\n in  %q\n out %q", secret, in, out)
		}
	})
}

// encodings are the forms FuzzSecret puts a secret in.
var encodings = []func(string) string{
	func(s string) string { return s },
	url.QueryEscape,
	url.PathEscape,
	func(s string) string { return lowerHex(url.QueryEscape(s)) },
	func(s string) string { q := strconv.Quote(s); return q[1 : len(q)-1] },
	func(s string) string { return strings.TrimPrefix(url.UserPassword("", s).String(), ":") },
	func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+s)) },
	func(s string) string { return base64.StdEncoding.EncodeToString([]byte("gwtop:" + s)) },
	func(s string) string { return base64.StdEncoding.EncodeToString([]byte("u:" + s)) },
}

func FuzzSecret(f *testing.F) {
	f.Add("got admin: here", "opt-p@ss/w0rd", uint8(0), uint16(10))
	f.Add(`Get "http://h/?q=": EOF`, "p a+s%s", uint8(1), uint16(16))
	f.Add("401 ", "s3cr3t-Pa55", uint8(6), uint16(4))
	f.Add("x", "abc", uint8(2), uint16(0))
	f.Fuzz(func(t *testing.T, text, secret string, enc uint8, pos uint16) {
		r := New(secret)
		p := int(pos) % (len(text) + 1)
		e := int(enc) % len(encodings)
		form := encodings[e](secret)
		in := text[:p] + form + text[p:]
		out := r.String(in)
		if again := r.String(out); again != out {
			t.Fatalf("not idempotent:\n in  %q\n out %q\n 2nd %q", in, out, again)
		}
		if len(out) > len(in)+4*MaxGrowth {
			t.Fatalf("grew %q by %d", in, len(out)-len(in))
		}
		if len(secret) < MinSecret || secret[0] == 'x' || secret[len(secret)-1] == 'x' || strings.Contains(secret, Mask) {
			return
		}
		if e >= 6 && len(secret) < 7 {
			return // base64 is searched for from 7 bytes on
		}
		for _, f := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret), base64.StdEncoding.EncodeToString([]byte("admin:" + secret))} {
			if len(f) >= MinSecret && strings.Contains(out, f) && !strings.Contains(Mask, f) {
				t.Fatalf("form %q of secret %q survives in\n in  %q\n out %q", f, secret, in, out)
			}
		}
	})
}

// pwChars are what FuzzUserinfoAnywhere builds passwords of: letters,
// digits and every punctuation a password may hold in a URL's userinfo,
// escaped or not ('/', '#', '?', '@', ':' and '%' included).
const pwChars = "abcdefghijklmnopqrstuvwyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&*+,;=%/#?@:()[]{}<>|^"

// FuzzUserinfoAnywhere is issue 11's property: for an input holding a
// user name, ':', a password P of 4 or more characters, '@' and a host —
// after any of the URL-ish beginnings, well-formed or mistyped, or none —
// inside any text, and for net/url's error about the same mistyped URL,
// the output does not contain P. The documented limits (a password with
// a space, a quote or a line break; "//" in a password) are outside what
// is built here.
func FuzzUserinfoAnywhere(f *testing.F) {
	f.Add("error: ", uint8(0), "gwtop", []byte("s3cret"), uint8(1), ": EOF")
	f.Add("", uint8(2), "u", []byte("pa/ss/w0rd"), uint8(0), "")
	f.Add("(", uint8(4), "user", []byte("p@ss#w?rd"), uint8(2), ")")
	f.Add(`"`, uint8(6), "a", []byte{1, 2, 3, 4, 5}, uint8(3), `"`)
	f.Fuzz(func(t *testing.T, prefix string, scheme uint8, user string, pw []byte, host uint8, suffix string) {
		if len(pw) < 4 || len(pw) > 64 {
			return
		}
		p := make([]byte, len(pw))
		for i, c := range pw {
			p[i] = pwChars[int(c)%len(pwChars)]
		}
		secret := string(p)
		if strings.Contains(secret, "//") || secret[0] == 'x' || secret[len(secret)-1] == 'x' {
			return // documented limits: see the package comment
		}
		user = strings.Map(func(r rune) rune {
			if r < 0x80 && (isAlpha(byte(r)) || isDigit(byte(r)) || r == '-' || r == '.' || r == '_') {
				return r
			}
			return -1
		}, user)
		if user == "" {
			user = "u"
		}
		if len(prefix) > 0 && !isBoundary(prefix[len(prefix)-1]) {
			prefix += " "
		}
		if len(suffix) > 0 && !isBoundary(suffix[0]) {
			suffix = " " + suffix // the URL ends where the word does
		}
		if strings.ContainsAny(prefix+suffix, "\"'`\\") || String(prefix+"zz") != prefix+"zz" {
			return // a quote could close around the password; a prefix may start a token=
		}
		sch := schemes[int(scheme)%len(schemes)]
		h := hosts[int(host)%len(hosts)]
		if sch == "" && secret[0] == '/' {
			return // documented limit: "user:/…" is a URL of scheme "user"
		}
		if !strings.HasSuffix(sch, "//") && strings.IndexByte(secret, ':') >= 0 {
			return // documented limit: "w:u:p@h" may be scheme "w", user "u"
		}
		raw := sch + user + ":" + secret + "@" + h
		in := prefix + raw + suffix
		if strings.Count(in, secret) != 1 || strings.Contains(prefix+suffix, secret) {
			return
		}
		if out := String(in); strings.Contains(out, secret) {
			t.Fatalf("secret %q survives in\n in  %q\n out %q", secret, in, out)
		}
		if out := Userinfo(in); strings.Contains(out, secret) {
			t.Fatalf("Userinfo: secret %q survives in\n in  %q\n out %q", secret, in, out)
		}
		// net/url's own words about the same URL, as gwtop's errors
		// quote them.
		if _, err := url.Parse(raw); err != nil {
			msg := prefix + err.Error() + suffix
			if out := String(msg); strings.Contains(out, secret) {
				t.Fatalf("secret %q survives in net/url's error\n in  %q\n out %q", secret, msg, out)
			}
			// Its "invalid port" error quotes the password up to a
			// '/', '#' or '?' (other errors quote the URL, which the
			// userinfo rules read, or nothing of it).
			for _, part := range strings.FieldsFunc(secret, func(r rune) bool { return r == '/' || r == '#' || r == '?' || r == '@' }) {
				// (A password with '@' cut by '#' reads as userinfo and a
				// host: not checked.)
				if len(part) >= 4 && strings.Contains(msg, portErr) && !strings.Contains(secret, "@") && strings.Count(msg, part) == 1 && strings.Contains(String(msg), part) && !strings.Contains(prefix+suffix+user+h, part) {
					t.Fatalf("part %q of secret %q survives in net/url's error\n in  %q\n out %q", part, secret, msg, String(msg))
				}
			}
		}
	})
}
