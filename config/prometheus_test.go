package config

import (
	"strings"
	"testing"
)

// TestPrometheusSection: the fleet's section decodes with ${VAR}
// credentials, and says what is wrong with file, line and field; a
// password never appears in an error.
func TestPrometheusSection(t *testing.T) {
	env := func(k string) (string, bool) {
		if k == "PW" {
			return "s3cretPromPW", true
		}
		return "", false
	}
	cfg, err := Parse("fleet.yaml", []byte("prometheus:\n  url: http://prom:9090\n  username: gwtop\n  password: ${PW}\n  timeout: 3s\n"), env)
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.Prometheus; p == nil || p.URL != "http://prom:9090" || p.Username != "gwtop" || p.Password != "s3cretPromPW" || p.Timeout.Seconds() != 3 {
		t.Fatalf("section %+v", cfg.Prometheus)
	}
	for src, want := range map[string]string{
		"prometheus:\n  username: u\n  password: p\n":                                          "fleet.yaml:1: prometheus.url: missing",
		"prometheus:\n  url: ftp://x\n":                                                        "fleet.yaml:2: prometheus.url:",
		"prometheus:\n  url: http://p/\n  username: u\n":                                       "basic auth needs both username: and password:",
		"prometheus:\n  url: http://p/\n  bearer_token: t\n  password: ${PW}\n  username: u\n": "give one of username:/password:, bearer_token: or bearer_token_file:",
		"prometheus:\n  url: http://p/\nupstreams:\n  - address: 10.0.0.1:80\n":                "cannot be combined with upstreams:",
		"prometheus:\n  url: http://p/\n  tokn: x\n":                                           `fleet.yaml:3: unknown field "tokn"`,
	} {
		_, err := Parse("fleet.yaml", []byte(src), env)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", src, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cretPromPW") {
			t.Errorf("%q: the error shows the password: %v", src, err)
		}
	}
}
