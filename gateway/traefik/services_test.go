package traefik

import (
	"strings"
	"testing"

	"github.com/gwtop/gwtop/gateway/traefik/traefiktest"
)

func TestParseServicesFixture(t *testing.T) {
	s, err := ParseServices([]byte(traefiktest.ServicesJSON))
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 2 {
		t.Fatalf("got %d services, want 2", len(s))
	}
	bar, canary := s[0], s[1]
	if bar.Name != "bar@myprovider" || bar.Provider != "myprovider" || bar.Type != "loadbalancer" || bar.Status != "enabled" {
		t.Errorf("bar: %+v", bar)
	}
	if bar.LoadBalancer == nil || len(bar.LoadBalancer.Servers) != 1 || bar.LoadBalancer.Servers[0].URL != "http://127.0.0.1" {
		t.Fatalf("bar servers: %+v", bar.LoadBalancer)
	}
	if bar.LoadBalancer.HasHealthCheck() {
		t.Error("bar has no healthCheck")
	}
	if bar.ServerStatus["http://127.0.0.1"] != "UP" {
		t.Errorf("bar serverStatus: %v", bar.ServerStatus)
	}
	if canary.Type != "weighted" || canary.LoadBalancer != nil {
		t.Errorf("canary: %+v", canary)
	}
}

func TestParseServicesReal5503(t *testing.T) {
	s, err := ParseServices([]byte("[" + traefiktest.AppService + "]"))
	if err != nil {
		t.Fatal(err)
	}
	app := s[0]
	if app.Name != "app@file" || app.LoadBalancer == nil || !app.LoadBalancer.HasHealthCheck() {
		t.Fatalf("app: %+v", app)
	}
	if got := HostPort(app.LoadBalancer.Servers[0].URL); got != "172.17.0.1:3000" {
		t.Errorf("address %q", got)
	}
	if app.ServerStatus["http://172.17.0.1:3000"] != "UP" {
		t.Errorf("serverStatus %v", app.ServerStatus)
	}
}

func TestParseServicesPage2(t *testing.T) {
	s, err := ParseServices([]byte(traefiktest.Page2("DOWN")))
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 3 || s[2].Name != "api@docker" || s[2].ServerStatus["http://[::1]:9002"] != "DOWN" {
		t.Fatalf("page 2: %+v", s)
	}
}

func TestParseServicesErrors(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"", "empty"},
		{"  \n", "empty"},
		{"<html><body>login</body></html>", "HTML"},
		{"\x00garbage", "not a JSON array"},
		{`{"services":[]}`, "not a JSON array"},
		{`[{"name":3}]`, "not a JSON array"},
	} {
		_, err := ParseServices([]byte(tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseServices(%q) = %v, want error with %q", tc.body, err, tc.want)
		}
	}
	if s, err := ParseServices([]byte("[]")); err != nil || len(s) != 0 {
		t.Errorf("empty list: %v %v", s, err)
	}
}

func TestParseOverview(t *testing.T) {
	ov, err := ParseOverview([]byte(traefiktest.OverviewJSON))
	if err != nil {
		t.Fatal(err)
	}
	if c := ov["http"]["services"]; c.Total != 3 || c.Errors != 1 || c.Warnings != 1 {
		t.Errorf("http services: %+v", c)
	}
	if c := ov["http"]["middlewares"]; c.Total != 3 || c.Errors != 1 || c.Warnings != 0 {
		t.Errorf("http middlewares: %+v", c)
	}
	if c := ov["tcp"]["routers"]; c.Total != 3 {
		t.Errorf("tcp routers: %+v", c)
	}
	if _, ok := ov["udp"]; !ok {
		t.Error("udp missing")
	}
	// Newer versions add fields of other shapes; they must not break it.
	if _, err := ParseOverview([]byte(`{"http":{"routers":{"total":1}},"providers":["Docker"],"features":{"hub":true}}`)); err != nil {
		t.Errorf("newer overview: %v", err)
	}
	for _, bad := range []string{"", "<!DOCTYPE html>", "nope", `{}`, `{"http":[1]}`, `[]`} {
		if _, err := ParseOverview([]byte(bad)); err == nil {
			t.Errorf("ParseOverview(%q) accepted", bad)
		}
	}
}

func TestHostPort(t *testing.T) {
	for in, want := range map[string]string{
		"http://172.17.0.1:3000":   "172.17.0.1:3000",
		"http://127.0.0.1":         "127.0.0.1:80",
		"https://10.0.0.2":         "10.0.0.2:443",
		"h2c://backend:8080/x":     "backend:8080",
		"http://[::1]:9002":        "[::1]:9002",
		"https://[2001:db8::1]":    "[2001:db8::1]:443",
		"http://user:pw@host:81/p": "host:81",
		"":                         "",
		"not a url":                "",
		"http://":                  "",
		"http://:80":               "",
	} {
		if got := HostPort(in); got != want {
			t.Errorf("HostPort(%q) = %q, want %q", in, got, want)
		}
	}
}
