package model

import "testing"

func TestLookups(t *testing.T) {
	s := &Snapshot{
		Upstreams: []Upstream{
			{Name: "a", Address: "10.0.0.1:80", Gateway: "nginx", Causes: []CauseRank{{Code: CauseRefused, Count: 3}}},
			{Name: "b", Address: "10.0.0.1:80", Gateway: "haproxy", Causes: []CauseRank{{Code: CauseReset, Count: 0}}},
		},
		Gateways: []Gateway{{Kind: "nginx", Source: "access_log", Target: "/a.log"}, {Kind: "nginx", Source: "error_log", Target: "/e.log"}},
	}
	if u, ok := s.Upstream("haproxy", "10.0.0.1:80"); !ok || u.Name != "b" {
		t.Errorf("haproxy row: %+v %v", u, ok)
	}
	if u, ok := s.Upstream("", "10.0.0.1:80"); !ok || u.Name != "a" {
		t.Errorf("any gateway: %+v %v", u, ok)
	}
	if _, ok := s.Upstream("caddy", "10.0.0.1:80"); ok {
		t.Error("found a row of a gateway that has none")
	}
	if g, ok := s.Gateway("nginx", "error_log", ""); !ok || g.Target != "/e.log" {
		t.Errorf("error_log row: %+v %v", g, ok)
	}
	if _, ok := s.Gateway("nginx", "error_log", "/other.log"); ok {
		t.Error("target not matched")
	}
	a, b := s.Upstreams[0], s.Upstreams[1]
	if a.TopCause() != CauseRefused || b.TopCause() != "" {
		t.Errorf("top causes %q %q", a.TopCause(), b.TopCause())
	}
}
