package redact

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// MinSecret is the shortest secret value a Redactor searches for. A one- or
// two-character password would match all over an ordinary text, and the
// masks would point at every place it occurs; such a password is still
// masked where String finds it (in a URL, after token=, in a header).
const MinSecret = 3

// minBase64 is the shortest base64 run searched for: a shorter one would
// match ordinary words.
const minBase64 = 8

// A Redactor masks, on top of what String masks, known secret values:
// the configured password of a status page, the password of a URL's
// userinfo. Each is searched for raw and in the forms an error text may
// quote it in: percent-encoded as url.QueryEscape, url.PathEscape and
// url.UserPassword write it (upper- and lower-case hex), escaped as by %q
// and by encoding/json, and base64-encoded as in a Basic Authorization
// header, at any of the three alignments a user name before it may give.
//
// A Redactor is immutable once built and safe for concurrent use. The nil
// *Redactor masks what String masks.
type Redactor struct {
	forms []string // longest first
}

// New returns a Redactor for the given secret values. Values shorter than
// MinSecret bytes, and values a mask would contain (such as "xxx"), are
// ignored; so are empty ones.
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	seen := map[string]bool{}
	add := func(f string) {
		// A form never starts or ends with the mask's letter: a mask
		// written beside text could otherwise make the form again ("00x"
		// in "000" + mask), and masking would never settle. That letter
		// is left showing; the rest is masked.
		f = strings.Trim(f, Mask[:1])
		if len(f) < MinSecret || strings.Contains(Mask, f) || seen[f] {
			return
		}
		seen[f] = true
		r.forms = append(r.forms, f)
	}
	for _, sec := range secrets {
		if len(sec) < MinSecret || strings.Contains(Mask, sec) {
			continue
		}
		add(sec)
		for _, f := range []string{url.QueryEscape(sec), url.PathEscape(sec), strings.TrimPrefix(url.UserPassword("", sec).String(), ":")} {
			add(f)
			add(lowerHex(f))
		}
		if q := strconv.Quote(sec); len(q) >= 2 {
			add(q[1 : len(q)-1])
		}
		if j, err := json.Marshal(sec); err == nil && len(j) >= 2 {
			add(string(j[1 : len(j)-1]))
		}
		for a := 0; a < 3; a++ {
			if f := base64Core(sec, a); len(f) >= minBase64 {
				add(f)
			}
		}
	}
	sort.SliceStable(r.forms, func(i, j int) bool { return len(r.forms[i]) > len(r.forms[j]) })
	return r
}

// Secrets is New(secrets...).String(s), for a single use.
func Secrets(s string, secrets ...string) string {
	return New(secrets...).String(s)
}

// String returns s with the Redactor's secrets and everything String
// masks replaced by Mask.
func (r *Redactor) String(s string) string {
	budget := MaxGrowth
	// The known values go first: String, reading a password that holds
	// an '@' in free text, would mask only part of it. Masks may make
	// new matches for the other step, rarely; a few rounds settle it.
	for range 4 {
		t := r.known(s, &budget)
		if maybeSecret(t) {
			t = portErrors(scan(t, &budget), &budget)
		}
		if t == s {
			break
		}
		s = t
	}
	return s
}

// known replaces the known values in s.
func (r *Redactor) known(s string, budget *int) string {
	if r == nil {
		return s
	}
	for _, f := range r.forms {
		if !strings.Contains(s, f) {
			continue
		}
		var b strings.Builder
		b.Grow(len(s))
		for {
			i := strings.Index(s, f)
			if i < 0 {
				break
			}
			b.WriteString(s[:i])
			b.WriteString(maskFor(len(f), budget))
			s = s[i+len(f):]
		}
		b.WriteString(s)
		s = b.String()
	}
	return s
}

// lowerHex returns s with the hex digits of its percent-escapes in lower
// case, as some servers write them.
func lowerHex(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			for k := i + 1; k <= i+2; k++ {
				if b[k] >= 'A' && b[k] <= 'F' {
					b[k] += 'a' - 'A'
				}
			}
			i += 2
		}
	}
	return string(b)
}

// base64Core returns the part of the standard base64 encoding of
// X + sec + Y that depends on sec alone, for any X of length ≡ a (mod 3)
// and any Y: what a Basic header holds of a password whatever the user
// name before it.
func base64Core(sec string, a int) string {
	enc := base64.StdEncoding.EncodeToString(append(make([]byte, a), sec...))
	skip := [3]int{0, 2, 3}[a]
	drop := [3]int{0, 3, 2}[(a+len(sec))%3]
	if len(enc)-drop <= skip {
		return ""
	}
	return enc[skip : len(enc)-drop]
}

// URLSecrets returns what of rawURL's userinfo a Redactor should know:
// the password as written (percent-escapes included), decoded when it
// differs, and the whole userinfo "user:password" as written, so that a
// server echoing it back (as "got user:password") is masked whole. rawURL
// need not parse: the userinfo is what lies between the first "//" and the
// last '@', as in a mistyped URL whose password holds a '/'. It returns
// nil when there is no password.
func URLSecrets(rawURL string) []string {
	i := strings.Index(rawURL, "//")
	if i < 0 {
		return nil
	}
	rest := rawURL[i+2:]
	at := strings.LastIndexByte(rest, '@')
	if at < 0 {
		return nil
	}
	ui := rest[:at]
	if j := strings.IndexAny(ui, "/?#"); j >= 0 && strings.IndexByte(ui[:j], ':') < 0 {
		return nil // the '@' is in the path: no userinfo
	}
	c := strings.IndexByte(ui, ':')
	if c < 0 || c == len(ui)-1 {
		return nil
	}
	pw := ui[c+1:]
	out := []string{ui, pw}
	if dec, err := url.PathUnescape(pw); err == nil && dec != pw {
		out = append(out, dec)
	}
	return out
}
