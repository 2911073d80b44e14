package main

import (
	"encoding/json"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/gwtop/gwtop/internal/promtest"
	"github.com/gwtop/gwtop/model"
)

// TestFleetConfigFile: a configuration file with a prometheus: section
// opens the fleet (gwtop snapshot --config fleet.yaml), its credentials
// from the file — a ${VAR} password or a bearer_token_file — against a
// real Prometheus that requires basic auth; a refused credential is a
// failed row that quotes none of it; the file cannot be mixed with flags
// that watch this host, and the host's commands say it is a fleet's.
func TestFleetConfigFile(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("fleet-Conf-Pa55"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	p := promtest.Start(t, promtest.Options{User: "gwtop", Password: "fleet-Conf-Pa55", PasswordHash: string(hash)})
	snap := func(cfg string) (*model.Snapshot, string) {
		t.Helper()
		out, stderr, code := gwtopRun(t, "snapshot", "--config", cfg, "--json")
		if code != 0 {
			t.Fatalf("snapshot --config %s: exit %d: %s", cfg, code, stderr)
		}
		checkSchema(t, []byte(out))
		var s model.Snapshot
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatal(err)
		}
		return &s, out + stderr
	}
	t.Setenv("FLEET_PW", "fleet-Conf-Pa55")
	good := writeFile(t, "fleet.yaml", "prometheus:\n  url: "+p.URL+"\n  username: gwtop\n  password: ${FLEET_PW}\n  timeout: 4s\n")
	// Prometheus answered the queries (no agent is scraped here: that is
	// what the row says), so the file's credentials were taken.
	s, _ := snap(good)
	if len(s.Gateways) != 1 || !strings.Contains(s.Gateways[0].Error, `Prometheus scrapes no target of job "gwtop"`) {
		t.Fatalf("fleet row with the file's credentials: %+v", s.Gateways)
	}

	t.Setenv("FLEET_PW", "wrong-Conf-Secret-7")
	s, all := snap(good)
	if row := s.Gateways[0]; row.OK || !strings.Contains(row.Error, "401") || strings.Contains(all, "wrong-Conf-Secret-7") {
		t.Errorf("a refused password: %+v", row)
	}
	tok := writeFile(t, "prom.token", "tok-Secret-Bearer-42\n")
	bearer := writeFile(t, "fleet-token.yaml", "prometheus:\n  url: "+p.URL+"\n  bearer_token_file: "+tok+"\n")
	s, all = snap(bearer)
	if row := s.Gateways[0]; row.OK || !strings.Contains(row.Error, "401") || strings.Contains(all, "tok-Secret-Bearer-42") {
		t.Errorf("a bearer token this Prometheus does not take: %+v", row)
	}

	for _, args := range [][]string{
		{"snapshot", "--config", good, "--access-log", "/var/log/nginx/access.log"},
		{"--config", good, "--listen", "127.0.0.1:0"},
	} {
		_, stderr, code := gwtopRun(t, args...)
		if code != 2 || !strings.Contains(stderr, "reads a fleet from Prometheus (its prometheus: section)") || !strings.Contains(stderr, "give one or the other") {
			t.Errorf("%v: exit %d %q", args, code, stderr)
		}
	}
	for _, cmd := range []string{"watch", "serve"} {
		args := []string{cmd, "--config", good}
		if cmd == "watch" {
			args = append(args, "--for", "1s", "--fail-when", "state == down")
		}
		_, stderr, code := gwtopRun(t, args...)
		if code != 2 || !strings.Contains(stderr, "has a prometheus: section: it reads a fleet of gwtop agents") {
			t.Errorf("%s with a fleet's file: exit %d %q", cmd, code, stderr)
		}
	}
	missing := writeFile(t, "fleet-missing.yaml", "prometheus:\n  url: "+p.URL+"\n  bearer_token_file: /nonexistent/prom.token\n")
	if _, stderr, code := gwtopRun(t, "snapshot", "--config", missing); code == 0 || !strings.Contains(stderr, "prometheus.bearer_token_file") {
		t.Errorf("a missing token file: exit %d %q", code, stderr)
	}
}
