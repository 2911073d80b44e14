package apache_test

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/gateway/apache"
)

func noEnv(string) (string, bool) { return "", false }

// TestSection: the apache section decodes strictly, fills its defaults and
// says what is wrong with file, line and field.
func TestSection(t *testing.T) {
	cfg, err := config.Parse("g.yaml", []byte(`apache:
  status_url: http://127.0.0.1/server-status
  access_log: /var/log/apache2/access.log
  error_log: /var/log/apache2/error.log
  routes:
    - {prefix: /api/, upstream: 127.0.0.1:8000}
    - {prefix: /static/, upstream: "!"}
`), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	a := config.SectionOf[*apache.Config](cfg, "apache")
	if a == nil || a.LogFormat != "combined" || len(a.Routes) != 2 || a.Routes[1].Upstream != apache.Exclude {
		t.Fatalf("section %+v", a)
	}
	for src, want := range map[string]string{
		"apache:\n  acces_log: /x\n": `g.yaml:2: unknown field "acces_log"`,
		"apache: {}\n":               "g.yaml:1: apache: give status_url",
		"apache:\n  access_log: /x\n  log_format: '%h %{x'\n":                  "g.yaml:2: apache.access_log: LogFormat",
		"apache:\n  error_log: /x\n  routes: [{prefix: api, upstream: h:1}]\n": "apache.routes[0].prefix: \"api\": a ProxyPass prefix starts with /",
		"apache:\n  status_url: ftp://u:pw@h/\n":                               "g.yaml:2: apache.status_url:",
	} {
		_, err := config.Parse("g.yaml", []byte(src), noEnv)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", src, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Errorf("%q: the error shows the password: %v", src, err)
		}
	}
}

// TestQuickFlags: Apache can be watched without a file.
func TestQuickFlags(t *testing.T) {
	var q config.Quick
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	q.Register(fs)
	if err := fs.Parse([]string{"--apache-error-log", "/e.log", "--apache-access-log", "/a.log", "--apache-status", "http://127.0.0.1:8080/server-status"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := q.Build(noEnv)
	if err != nil {
		t.Fatal(err)
	}
	a := config.SectionOf[*apache.Config](cfg, "apache")
	if a == nil || a.ErrorLog != "/e.log" || a.AccessLog != "/a.log" || a.LogFormat != "combined" || a.StatusURL == "" {
		t.Fatalf("section %+v", a)
	}
	q = config.Quick{}
	fs = pflag.NewFlagSet("t", pflag.ContinueOnError)
	q.Register(fs)
	_ = fs.Parse([]string{"--apache-status", "gopher://h/"})
	if _, err := q.Build(noEnv); err == nil || !strings.Contains(err.Error(), "--apache-status") {
		t.Errorf("a bad --apache-status: %v", err)
	}
}
