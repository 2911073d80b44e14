package discovertest

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/gwtop/gwtop/config/discover"
)

// FuzzOptions make discovery read one file from memory: no process, no
// other file, no DNS, no program run — for the kinds' discovery fuzz
// targets.
func FuzzOptions(path string, data []byte) *discover.Options {
	return &discover.Options{
		Processes: func(context.Context) ([]discover.Proc, error) { return nil, nil },
		Root:      "/nonexistent-gwtop-fuzz",
		ReadFile: func(p string) ([]byte, error) {
			if strings.HasSuffix(p, path) {
				return data, nil
			}
			return nil, os.ErrNotExist
		},
		CanRead:    func(string) error { return os.ErrNotExist },
		CanWrite:   func(string) error { return os.ErrPermission },
		LookupHost: func(context.Context, string) ([]string, error) { return nil, errors.New("no DNS while fuzzing") },
		NoExec:     true,
		NoStandard: true,
		Home:       "/nonexistent-gwtop-fuzz",
	}
}

// FuzzPassword is the password the fuzz seeds write in URLs and auth
// lines.
const FuzzPassword = "Hunter2isNotGood"

// fuzzSecret reports whether the input has the password, and only where a
// password goes: a URL's userinfo ("user:PW@host") or an auth line
// ("stats auth user:PW", "basic_auth user PW"). Elsewhere (a port field,
// a name) it is no secret and may be quoted.
func fuzzSecret(data string) bool {
	n := 0
	for _, line := range strings.Split(data, "\n") {
		for i := strings.Index(line, FuzzPassword); i >= 0; {
			auth := authBefore(line[:i])
			n++
			after := line[i+len(FuzzPassword):]
			prev := byte(0)
			if i > 0 {
				prev = line[i-1]
			}
			switch {
			case auth && (prev == ':' || prev == ' ' || prev == '\t'):
				// "stats auth user:PW", "basic_auth user PW"
			case prev == ':' && strings.HasPrefix(after, "@"):
				// "user:PW@host"
			default:
				return false
			}
			j := strings.Index(after, FuzzPassword)
			if j < 0 {
				break
			}
			line, i = after, j
		}
	}
	return n > 0
}

// authBefore reports whether a word before the password's own is an auth
// directive: "auth" (stats auth), "basic_auth", "basicauth" — a whole
// word, so that a value that merely holds "auth" ("stats uri 0Auth:PW", a
// path) does not make its text a password.
func authBefore(before string) bool {
	f := strings.Fields(before)
	if len(f) > 0 && !strings.HasSuffix(before, " ") && !strings.HasSuffix(before, "\t") {
		f = f[:len(f)-1] // the password's own word ("user:" before it)
	}
	for _, w := range f {
		if strings.HasSuffix(strings.ToLower(strings.Trim(w, `:"'{},`)), "auth") {
			return true
		}
	}
	return false
}

// CheckDiscovered holds for any discovery: no panic (the caller ran it),
// what it prints loads as a configuration (discovery says "a gwtop bug"
// otherwise: values gwtop refuses are dropped with a note), and neither
// the YAML, the notes nor the error spell a password the input wrote as a
// URL's or an auth line's.
func CheckDiscovered(t *testing.T, data string, res *discover.Result, err error) {
	t.Helper()
	var nf *discover.NotFoundError
	if err != nil && !errors.As(err, &nf) {
		t.Fatalf("discovery failed: %v\ninput:\n%s", err, data)
	}
	if !fuzzSecret(data) {
		return
	}
	out := ""
	if err != nil {
		out = err.Error()
	}
	if res != nil {
		out += string(res.YAML) + strings.Join(res.Notes, "\n")
	}
	if strings.Contains(out, FuzzPassword) {
		t.Fatalf("the password is printed:\n%s\ninput:\n%s", out, data)
	}
}
