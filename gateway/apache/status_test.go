package apache

import (
	"os"
	"strings"
	"testing"
)

func TestStatusAuto(t *testing.T) {
	b, err := os.ReadFile("testdata/live/status_auto.txt")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseStatusAuto(b)
	if err != nil {
		t.Fatal(err)
	}
	if s.MPM != "event" || s.Counters["BusyWorkers"] != 16 || s.Counters["IdleWorkers"] != 0 || len(s.Scoreboard) != 16 || !s.Saturated() {
		t.Fatalf("%+v", s)
	}
	// The same page with one idle and one open slot is not saturated.
	idle := strings.Replace(string(b), "Scoreboard: WWWWWWWWWWWWWWWW", "Scoreboard: WWWWWWWWWWWWWW_.", 1)
	if s, err := ParseStatusAuto([]byte(idle)); err != nil || s.Saturated() || s.LimitEvidence() != "" || s.Slots['_'] != 1 {
		t.Fatalf("%+v %v", s, err)
	}
	for _, bad := range []string{"<html><body>status</body></html>", "", "host\nno colon here\n"} {
		if _, err := ParseStatusAuto([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestBalancerXML(t *testing.T) {
	b, err := os.ReadFile("testdata/live/balancer.xml")
	if err != nil {
		t.Fatal(err)
	}
	ws, err := ParseBalancerXML(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 2 || ws[0].Balancer != "balancer://pool" || ws[0].Elected < 1 || ws[0].ErrorTime == "" {
		t.Fatalf("%+v", ws)
	}
	ok := strings.ReplaceAll(string(b), "Init Err ", "Init Ok ")
	ws, err = ParseBalancerXML([]byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if down, why := w.Down(); down {
			t.Errorf("%s down: %s", w.Addr, why)
		}
	}
	if _, err := ParseBalancerXML([]byte("<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">\n<html>")); err == nil || !strings.Contains(err.Error(), "Referer") {
		t.Errorf("HTML: %v", err)
	}
}
