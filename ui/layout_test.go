package ui

import "testing"

func TestComputeLayout(t *testing.T) {
	cases := []struct {
		w, h, want   int
		tooSmall     bool
		header, body int
	}{
		{80, 24, 3, false, 3, 20},
		{200, 50, 2, false, 2, 47},
		{20, 5, 3, false, 1, 3},
		{20, 7, 3, false, 3, 3},
		{19, 24, 3, true, 0, 0},
		{80, 4, 3, true, 0, 0},
		{0, 0, 3, true, 0, 0},
	}
	for _, c := range cases {
		l := computeLayout(c.w, c.h, c.want)
		if l.TooSmall != c.tooSmall {
			t.Errorf("%dx%d: tooSmall=%v", c.w, c.h, l.TooSmall)
			continue
		}
		if c.tooSmall {
			continue
		}
		if l.Header.H != c.header || l.Body.H != c.body {
			t.Errorf("%dx%d want %d: header %d body %d, want %d %d", c.w, c.h, c.want, l.Header.H, l.Body.H, c.header, c.body)
		}
		if l.Header.H+l.Body.H+l.Footer.H != c.h {
			t.Errorf("%dx%d: rows do not add up: %+v", c.w, c.h, l)
		}
		if l.Body.Y != l.Header.H || l.Footer.Y != l.Header.H+l.Body.H {
			t.Errorf("%dx%d: rows overlap: %+v", c.w, c.h, l)
		}
	}
}
