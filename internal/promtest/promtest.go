// Package promtest starts a real Prometheus (Debian's prometheus package)
// for tests: on a loopback port from the OS, with a temporary TSDB and a
// 1 s scrape interval over the targets it is given.
package promtest

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/proctest"
)

// Job is the scrape job's name, the one gwtop's fleet view reads by
// default.
const Job = "gwtop"

// Options say what Prometheus scrapes.
type Options struct {
	// Targets are host:port addresses scraped at /metrics every second.
	Targets []string
	// Job overrides the job name (default Job).
	Job string
	// NativeHistograms turns on Prometheus' native-histogram feature (it
	// then negotiates protobuf with the targets).
	NativeHistograms bool
	// User, Password and PasswordHash (its bcrypt hash) make Prometheus'
	// API require basic auth (its --web.config.file).
	User, Password, PasswordHash string
}

// Prometheus is a running Prometheus server.
type Prometheus struct {
	URL  string // http://127.0.0.1:PORT
	Dir  string // its configuration and TSDB
	proc *proctest.Proc
}

// Binary is the prometheus binary's path, or fails the test naming the
// Debian package (make deps installs it).
func Binary(t testing.TB) string {
	t.Helper()
	return proctest.Binary(t, "prometheus", "prometheus", "/usr/bin/prometheus")
}

// Start starts Prometheus and waits until it is ready; t.Cleanup stops it.
func Start(t testing.TB, o Options) *Prometheus {
	t.Helper()
	bin := Binary(t)
	if o.Job == "" {
		o.Job = Job
	}
	dir := t.TempDir()
	var targets []string
	for _, tg := range o.Targets {
		targets = append(targets, fmt.Sprintf("%q", tg))
	}
	conf := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
scrape_configs:
  - job_name: %q
    static_configs:
      - targets: [%s]
`, o.Job, strings.Join(targets, ", "))
	confFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(confFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	var webConf string
	if o.User != "" {
		webConf = filepath.Join(dir, "web.yml")
		if err := os.WriteFile(webConf, []byte(fmt.Sprintf("basic_auth_users:\n  %s: %s\n", o.User, o.PasswordHash)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := &Prometheus{Dir: dir}
	proctest.Retry(t, "prometheus", func() error {
		port := proctest.FreePort(t)
		p.URL = fmt.Sprintf("http://127.0.0.1:%d", port)
		args := []string{"--config.file=" + confFile, "--storage.tsdb.path=" + filepath.Join(dir, "data"),
			fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port), "--storage.tsdb.retention.time=1d", "--log.level=warn"}
		if webConf != "" {
			args = append(args, "--web.config.file="+webConf)
		}
		if o.NativeHistograms {
			args = append(args, "--enable-feature=native-histograms")
		}
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		proc, err := proctest.Start(cmd)
		if err != nil {
			return err
		}
		p.proc = proc
		client := &http.Client{Timeout: time.Second}
		return proc.WaitReady(30*time.Second, func() error {
			req, err := http.NewRequest("GET", p.URL+"/-/ready", nil)
			if err != nil {
				return err
			}
			if o.User != "" {
				req.SetBasicAuth(o.User, o.Password)
			}
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("/-/ready: %s", resp.Status)
			}
			client.CloseIdleConnections()
			return nil
		})
	}, func() { p.proc.Stop() })
	return p
}

// Output is what Prometheus logged so far.
func (p *Prometheus) Output() string { return p.proc.Output() }
