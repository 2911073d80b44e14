package config_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/gateway/haproxy"
)

const filePW = "f1le-Secr3t-w@rd"

func secretFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadSecretFile(t *testing.T) {
	for content, want := range map[string]string{
		filePW:            filePW,
		filePW + "\n":     filePW,
		filePW + "\r\n":   filePW,
		" spaced pass \n": " spaced pass ",
		"x\n":             "x",
		strings.Repeat("a", config.MaxSecretFile-1) + "\n": strings.Repeat("a", config.MaxSecretFile-1),
	} {
		got, err := config.ReadSecretFile(secretFile(t, content))
		if err != nil || got != want {
			t.Errorf("%.20q: got %.20q, %v; want %.20q", content, got, err, want)
		}
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct{ path, want string }{
		"empty":     {secretFile(t, ""), "empty"},
		"newline":   {secretFile(t, "\n"), "empty"},
		"two lines": {secretFile(t, filePW+"\nsecond\n"), "more than one line"},
		"too big":   {secretFile(t, filePW+strings.Repeat("a", config.MaxSecretFile)), "more than a secret"},
		"missing":   {filepath.Join(dir, "nope"), "no such file or directory"},
		"directory": {dir, "not a regular file (a directory)"},
		// A FIFO with no writer would block open(2): refused at once.
		"fifo": {fifo, "not a regular file (a FIFO)"},
	} {
		got, err := config.ReadSecretFile(c.path)
		if err == nil || got != "" || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.path) {
			t.Errorf("%s: got %q, %v; want an error naming %s and saying %q", name, got, err, c.path, c.want)
			continue
		}
		if strings.Contains(err.Error(), filePW) || strings.Contains(err.Error(), "second") {
			t.Errorf("%s: the error quotes the content: %v", name, err)
		}
	}
}

// quick parses args as the command line would and builds the
// configuration with the given environment.
func quick(t *testing.T, environ map[string]string, args ...string) (*config.Config, error) {
	t.Helper()
	var q config.Quick
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	q.Register(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return q.Build(env(environ))
}

// TestFlagsExpandEnv: ${VAR} in a flag's value is expanded as in the file,
// defaults included, and a variable that is not set is an error naming the
// flag and the variable.
func TestFlagsExpandEnv(t *testing.T) {
	cfg, err := quick(t, map[string]string{"NGX_PW": "env-Secr3t", "PROBE": "http://127.0.0.1:8000/h", "PORT": "8404"},
		"--nginx-status", "http://gwtop:${NGX_PW}@127.0.0.1/nginx_status",
		"--haproxy-stats", "http://127.0.0.1:${PORT}/stats",
		"--probe", "api=${PROBE}",
		"--probe", "db=tcp://127.0.0.1:${DBPORT:-5432}",
		"--access-log", "${LOGS:-/var/log/nginx}/access.log")
	if err != nil {
		t.Fatal(err)
	}
	if n := nginxOf(cfg); n.StatusURL != "http://gwtop:env-Secr3t@127.0.0.1/nginx_status" || n.AccessLog != "/var/log/nginx/access.log" {
		t.Errorf("nginx %+v", n)
	}
	if h := config.SectionOf[*haproxy.Config](cfg, "haproxy"); h == nil || h.Stats != "http://127.0.0.1:8404/stats" {
		t.Errorf("haproxy %+v", h)
	}
	if len(cfg.Upstreams) != 2 || cfg.Upstreams[0].Probe != "http://127.0.0.1:8000/h" || cfg.Upstreams[0].Address != "127.0.0.1:8000" ||
		cfg.Upstreams[1].Probe != "tcp://127.0.0.1:5432" {
		t.Errorf("upstreams %+v", cfg.Upstreams)
	}

	_, err = quick(t, nil, "--nginx-status", "http://gwtop:${NGX_PW}@127.0.0.1/s", "--probe", "api=${PROBE}")
	for _, want := range []string{"--nginx-status: environment variable NGX_PW is not set", "--probe api: environment variable PROBE is not set"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("unset variables: %v; want %q", err, want)
		}
	}
	// Expanded, a probe is checked as a literal one is.
	_, err = quick(t, map[string]string{"PROBE": "127.0.0.1:8000"}, "--probe", "api=${PROBE}")
	if err == nil || !strings.Contains(err.Error(), "--probe api: want a URL with http://") {
		t.Errorf("a probe without a scheme from the environment: %v", err)
	}
	_, err = quick(t, map[string]string{"PROBE": "user:" + filePW + "@127.0.0.1:8000"}, "--probe", "api=${PROBE}")
	if err == nil || strings.Contains(err.Error(), filePW) {
		t.Errorf("a mistyped probe from the environment: %v", err)
	}
}

// TestSecretFileFlag: --secret-file VAR=FILE defines ${VAR} for the flags
// and for the configuration file, before the environment; its mistakes are
// errors naming the flag, the variable and the file, never the content.
func TestSecretFileFlag(t *testing.T) {
	pw := secretFile(t, filePW+"\n")
	conf := filepath.Join(t.TempDir(), "g.yaml")
	if err := os.WriteFile(conf, []byte("haproxy:\n  stats: http://127.0.0.1:8404/stats\n  username: admin\n  password: ${HA_PW}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := quick(t, map[string]string{"NGX_PW": "from-env", "HA_PW": "from-env"},
		"--config", conf, "--secret-file", "NGX_PW="+pw, "--secret-file", "HA_PW="+pw,
		"--nginx-status", "http://gwtop:${NGX_PW}@127.0.0.1/nginx_status")
	if err != nil {
		t.Fatal(err)
	}
	if n := nginxOf(cfg); n.StatusURL != "http://gwtop:"+filePW+"@127.0.0.1/nginx_status" {
		t.Errorf("nginx status_url %q", n.StatusURL)
	}
	if h := config.SectionOf[*haproxy.Config](cfg, "haproxy"); h.Password != filePW {
		t.Errorf("haproxy password %q", h.Password)
	}

	// Mistakes.
	if _, err := quick(t, nil, "--secret-file", "PW"); err == nil || !strings.Contains(err.Error(), "want VAR=FILE") {
		t.Errorf("no '=': %v", err)
	}
	if _, err := quick(t, nil, "--secret-file", "1PW="+pw); err == nil || !strings.Contains(err.Error(), "want VAR=FILE") {
		t.Errorf("a bad name: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "nope")
	two := secretFile(t, filePW+"\nmore\n")
	_, err = quick(t, nil, "--secret-file", "A="+missing, "--secret-file", "B="+two, "--nginx-status", "http://u:${A}@127.0.0.1/s")
	if err == nil || !strings.Contains(err.Error(), "--secret-file A: "+missing+": no such file") ||
		!strings.Contains(err.Error(), "--secret-file B: "+two+": more than one line") || strings.Contains(err.Error(), filePW) {
		t.Errorf("unreadable secret files: %v", err)
	}
}

// TestSecretFileFIFODoesNotBlock: a FIFO given as a secret file is refused
// at once, not waited on for a writer.
func TestSecretFileFIFODoesNotBlock(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := quick(t, nil, "--secret-file", "PW="+fifo); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "a FIFO") {
			t.Errorf("FIFO: %v", err)
		}
	case <-ctx.Done():
		// Unblock the open so that the goroutine ends.
		if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			f.Close()
		}
		t.Fatal("reading a FIFO as a secret file blocked")
	}
}

// TestBuildErrorsHideExpandedSecrets: a password from --secret-file or a
// secret-named variable that breaks its URL (an unescaped '/' or '#') is
// quoted by net/url's error in part; Build masks the parts too.
func TestBuildErrorsHideExpandedSecrets(t *testing.T) {
	const slashPW = "Ab3dEf/gh1#Jk2Lm"
	pw := secretFile(t, slashPW+"\n")
	for _, args := range [][]string{
		{"--secret-file", "P=" + pw, "--nginx-status", "http://gwtop:${P}@127.0.0.1/s"},
		{"--nginx-status", "http://gwtop:${NGINX_PASSWORD}@127.0.0.1/s"},
		{"--probe", "x=http://gwtop:${NGINX_PASSWORD}@127.0.0.1:80/s"},
	} {
		_, err := quick(t, map[string]string{"NGINX_PASSWORD": slashPW}, args...)
		if err == nil {
			t.Errorf("%v: accepted", args)
			continue
		}
		for _, part := range []string{"Ab3dEf", "gh1", "Jk2Lm"} {
			if strings.Contains(err.Error(), part) {
				t.Errorf("%v: error quotes %q of the password: %v", args, part, err)
			}
		}
	}
	// A variable not named as a secret is quoted as it is: a port.
	_, err := quick(t, map[string]string{"PORT": "80a0"}, "--nginx-status", "http://127.0.0.1:${PORT}/s")
	if err == nil || !strings.Contains(err.Error(), "80a0") {
		t.Errorf("a bad port from the environment: %v", err)
	}
}
