package traefik

import (
	"context"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/gwtop/gwtop/config/discover"
)

// fuzzOptions make discovery read one file from memory: no process, no
// other file, no DNS, no program run.
func fuzzOptions(path string, data []byte) *discover.Options {
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

var knownUnloadable = regexp.MustCompile(`does not load \(a gwtop bug\): [^\n]*(port "[^"]*" is not a number from 1 to 65535|is already the name of upstreams)`)

// fuzzPassword is the password the seeds write in URLs and auth lines;
// fuzzSecret reports whether the input has it only there.
const fuzzPassword = "Hunter2isNotGood"

var fuzzSecretAt = regexp.MustCompile(`[A-Za-z0-9_.-]+:` + fuzzPassword + `(@|\s|"|$)`)

func fuzzSecret(data string) bool {
	n := strings.Count(data, fuzzPassword)
	return n > 0 && len(fuzzSecretAt.FindAllString(data, -1)) == n
}

// checkDiscovered holds for any discovery: no panic (the caller ran it),
// what it prints loads as a configuration (discovery says "a gwtop bug"
// otherwise), and neither the YAML, the notes nor the error spell a
// password the input wrote as a URL's or an auth line's.
func checkDiscovered(t *testing.T, data string, res *discover.Result, err error) {
	t.Helper()
	var nf *discover.NotFoundError
	if err != nil && !errors.As(err, &nf) {
		if knownUnloadable.MatchString(err.Error()) {
			// Known gap, reported (issue 11 item 6): discovery still
			// lists a server whose port config now refuses (0, above
			// 65535) or a second upstream of the same name; it should
			// note and drop it. Every other failure is a finding.
			return
		}
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
	if strings.Contains(out, fuzzPassword) {
		t.Fatalf("the password is printed:\n%s\ninput:\n%s", out, data)
	}
}

// FuzzDiscoverStatic: any Traefik static configuration, as TOML and as
// YAML.
func FuzzDiscoverStatic(f *testing.F) {
	for _, s := range []string{
		"[entryPoints.web]\n  address = \":80\"\n[api]\n  insecure = true\n[accessLog]\n  filePath = \"/var/log/traefik/access.log\"\n",
		"entryPoints:\n  traefik:\n    address: \":8080\"\napi:\n  insecure: true\naccessLog:\n  filePath: /var/log/traefik/access.log\n  format: json\n",
		"entryPoints:\n  traefik:\n    address: \"u:" + fuzzPassword + "@127.0.0.1:70000\"\napi: {}\n",
		"[api\n", "= = =", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		if len(data) > 1<<14 {
			return
		}
		for _, path := range []string{"/etc/traefik/traefik.toml", "/etc/traefik/traefik.yml"} {
			res, err := FromTraefikConfig(context.Background(), path, fuzzOptions(path, []byte(data)))
			checkDiscovered(t, data, res, err)
		}
	})
}
