package facts

import "testing"

func TestServes(t *testing.T) {
	for _, c := range []struct {
		listen, addr string
		want         bool
	}{
		{"127.0.0.1:8000", "127.0.0.1:8000", true},
		{"[::ffff:127.0.0.1]:8000", "127.0.0.1:8000", true},
		{"0.0.0.0:8000", "10.1.2.3:8000", true},
		{"0.0.0.0:8000", "[::1]:8000", false},
		{"[::]:8000", "127.0.0.1:8000", true},
		{"[::1]:8000", "127.0.0.1:8000", false},
		{"127.0.0.1:8000", "localhost:8000", true},
		{"[::1]:8000", "localhost:8000", true},
		{"127.0.0.1:8000", "127.0.0.1:8001", false},
		{"127.0.0.1:8000", "api.internal:8000", false},
		{"unix:/run/a.sock", "unix:/run/a.sock", true},
		{"unix:/run/a.sock", "unix:/run/b.sock", false},
		{"unix:/run/a.sock", "127.0.0.1:80", false},
		{"garbage", "127.0.0.1:80", false},
		{"127.0.0.1:99999", "127.0.0.1:99999", false},
	} {
		if got := Serves(c.listen, c.addr); got != c.want {
			t.Errorf("Serves(%q, %q) = %v", c.listen, c.addr, got)
		}
	}
}

func FuzzServes(f *testing.F) {
	f.Add("0.0.0.0:80", "127.0.0.1:80")
	f.Add("unix:/a", "unix:/a")
	f.Add("[::]:1", "localhost:1")
	f.Fuzz(func(t *testing.T, l, a string) {
		if Serves(l, a) {
			// Whatever serves an address is a listener on its port.
			pl, _ := ParseAddr(l)
			pa, _ := ParseAddr(a)
			if pl.Port != pa.Port || (pl.Unix != pa.Unix) {
				t.Fatalf("Serves(%q, %q) with ports %d/%d, paths %q/%q", l, a, pl.Port, pa.Port, pl.Unix, pa.Unix)
			}
		}
	})
}
