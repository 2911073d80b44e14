package collector

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// The route normalisation before it was made one pass per segment: the
// reference the differential tests below hold the new one to.

func refNormaliseRoute(b []byte, path string) []byte {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		rest := path[strings.Index(path, "//")+2:]
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			path = rest[i:]
		} else {
			path = "/"
		}
	}
	if path == "" || path[0] != '/' {
		return append(b, "(not a path)"...)
	}
	segs := 0
	for len(path) > 0 {
		path = path[1:]
		seg := path
		if i := strings.IndexByte(path, '/'); i >= 0 {
			seg, path = path[:i], path[i:]
		} else {
			path = ""
		}
		if seg == "" && path == "" {
			break
		}
		if segs == routeSegments {
			b = append(b, "/…"...)
			return b
		}
		segs++
		b = append(b, '/')
		if refIsID(seg) {
			b = append(b, ":id"...)
		} else {
			for i := 0; i < len(seg); i++ {
				c := seg[i]
				if c < 0x20 || c == 0x7f || c >= 0x80 || c == '%' {
					c = '_'
				}
				b = append(b, c)
			}
		}
		if len(b) > routeMaxLen {
			b = append(b[:routeMaxLen], "…"...)
			return b
		}
	}
	if len(b) == 0 {
		b = append(b, '/')
	}
	return b
}

func refIsID(s string) bool {
	if s == "" {
		return false
	}
	digits, hex, alnum, seps := 0, 0, 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-' || c == '_' || c == '.' || c == ':' || c == ',':
			seps++
			if c == '-' || c == '_' {
				alnum++
			}
		case c >= '0' && c <= '9':
			digits++
			hex++
			alnum++
		case c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F':
			hex++
			alnum++
		case c >= 'g' && c <= 'z' || c >= 'G' && c <= 'Z' || c == '_' || c == '-':
			alnum++
		}
	}
	n := len(s)
	if i := strings.LastIndexAny(s, "-_"); i > 0 && i < n-1 {
		tail := s[i+1:]
		if td := strings.Trim(tail, "0123456789"); td == "" && len(tail) >= 2 ||
			len(tail) >= 6 && strings.Trim(tail, "0123456789abcdefABCDEF") == "" && strings.ContainsAny(tail, "0123456789") {
			return true
		}
	}
	switch {
	case digits == n, digits > 0 && digits+seps == n:
		return true
	case n == 36 && strings.Count(s, "-") == 4 && hex == 32:
		return true
	case hex == n && n >= 8 && digits > 0:
		return true
	case alnum == n && n >= 16 && digits > 0:
		return true
	case n >= 12 && digits > 0 && digits*3 >= n:
		return true
	}
	return false
}

// trickySegments are segments on the edges of isID's rules.
var trickySegments = []string{
	"", "0", "00", "a0", "0a", "v2", "a-0", "a-00", "-00", "a_00", "a-", "_", "-", "--", "a--00",
	"order-42", "ch_082842", "usr_3f9a1c", "usr_3f9a1", "usr_abcdef", "usr_abcde0", "x-ABCDE0", "x-abc.e0",
	"2026-12-01", "7_3", "1.2.3", "1:2,3", ".5", "1.", "-1", "1-", "a.1", "1-a", "1_a_22", "1_a_2",
	"6f1c2e9a-1b2c-4d3e-8f90-a1b2c3d4e5f6", "abcdefab-abcd-abcd-abcd-abcdefabcdef", "ABCDEFAB-ABCD-ABCD-ABCD-ABCDEFABCDEF",
	"abcdefab-abcd-abcd-abcd-abcdefabcdeg", "abcdefab-abcd-abcd-abcd_abcdefabcdef", "abcdefababcd-abcd-abcd-abcdefabcdef-",
	"abcdefab", "abcdef0", "abcdef01", "ABCDEF01", "abcdefg1", "deadbeef", "3f786850e387550fdab836ed7e6dc881de23001b",
	"eyJhbGciOiJIUzI1NiJ9abc123XYZ", "aaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaa1", "aaaaaaaa-aaaaaa1", "aaaaaaaa.aaaaaa1",
	"abcdefghijk1", "abcdefghi123", "abcdefgh1234", "order-2026-1201-77", "x%20y1234567", "é1234567890", "a\xff1",
	"\xff\xfe-12", "é-12", "a-é12", "…-42", "a-4…2", "x_\x00\x0112", "12\x7f", "GHIJ-000000",
}

// TestIsIDMatchesOld: the one-pass isID gives the old one's answer on the
// tricky segments and on random ones over the bytes its rules look at.
func TestIsIDMatchesOld(t *testing.T) {
	for _, s := range trickySegments {
		if got, want := isID(s), refIsID(s); got != want {
			t.Errorf("isID(%q) = %v, the old one %v", s, got, want)
		}
	}
	rng := rand.New(rand.NewPCG(16, 1))
	for range 300_000 {
		s := randomSegment(rng)
		if got, want := isID(s), refIsID(s); got != want {
			t.Fatalf("isID(%q) = %v, the old one %v", s, got, want)
		}
	}
}

// TestNormaliseRouteMatchesOld: the same on whole paths, queries,
// fragments, absolute URIs, trailing slashes and long paths included.
func TestNormaliseRouteMatchesOld(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 2))
	var got, want []byte
	check := func(p string) {
		got, want = normaliseRoute(got[:0], p), refNormaliseRoute(want[:0], p)
		if string(got) != string(want) {
			t.Fatalf("normaliseRoute(%q) = %q, the old one %q", p, got, want)
		}
	}
	for _, s := range trickySegments {
		for _, p := range []string{s, "/" + s, "/a/" + s + "/", "/" + s + "?" + s, "/" + s + "#/x", "http://h/" + s, "https://" + s, "http:/" + s} {
			check(p)
		}
	}
	for range 200_000 {
		var sb strings.Builder
		switch rng.IntN(8) {
		case 0:
			sb.WriteString("http://h")
		case 1:
			sb.WriteString("https://")
		case 2:
			sb.WriteString("x")
		}
		for range rng.IntN(8) {
			sb.WriteByte("/////?#"[rng.IntN(7)])
			sb.WriteString(randomSegment(rng))
		}
		if rng.IntN(4) == 0 {
			sb.WriteByte('/')
		}
		check(sb.String())
	}
	check("/" + strings.Repeat("abcdefghij/", 3) + strings.Repeat("y", 120))
	check("/" + strings.Repeat("1234567890", 12))
}

// randomSegment is a segment of 0 to 40 bytes (36, the UUID's length, and
// the rules' thresholds often) of digits, hex and other letters,
// separators and bytes outside them.
func randomSegment(rng *rand.Rand) string {
	const alphabet = "0123456789abcdefABCDEFghzGHZ-_.:,%~+ \x00\x1f\x7f\x80\xc3\xa9\xff"
	n := []int{0, 1, 2, 6, 7, 8, 12, 16, 36, 36, 36}[rng.IntN(11)]
	if rng.IntN(2) == 0 {
		n = rng.IntN(41)
	}
	b := make([]byte, n)
	// Bias towards one class, so the rules' counts reach their limits.
	classes := []string{"0123456789", "0123456789abcdef", "0123456789abcdefghzXYZ", alphabet}
	for i := range b {
		cls := classes[rng.IntN(len(classes))]
		if n == 36 && (i == 8 || i == 13 || i == 18 || i == 23) && rng.IntN(8) != 0 {
			b[i] = '-'
			continue
		}
		if rng.IntN(6) == 0 {
			cls = "-_.:,"
		}
		b[i] = cls[rng.IntN(len(cls))]
	}
	return string(b)
}

// FuzzIsIDMatchesOld: any path normalises as the old code did.
func FuzzIsIDMatchesOld(f *testing.F) {
	for _, s := range trickySegments {
		f.Add("/" + s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		if got, want := normaliseRoute(nil, path), refNormaliseRoute(nil, path); string(got) != string(want) {
			t.Fatalf("normaliseRoute(%q) = %q, the old one %q", path, got, want)
		}
		for _, s := range strings.Split(path, "/") {
			if got, want := isID(s), refIsID(s); got != want {
				t.Fatalf("isID(%q) = %v, the old one %v", s, got, want)
			}
		}
	})
}

// TestLatBinMatchesLog: the table lookup gives the logarithm's bin at
// every edge and a few ulps either side, on random latencies from 1 µs to
// 10⁶ s, and on the odd values (≤ 0, NaN, ±Inf, the largest floats).
func TestLatBinMatchesLog(t *testing.T) {
	check := func(ms float64) {
		if got, want := latBin(ms), latBinLog(ms); got != want {
			t.Fatalf("latBin(%v = %#x) = %d, the logarithm's %d", ms, math.Float64bits(ms), got, want)
		}
	}
	for k := 1; k < routeBins; k++ {
		e := latEdges[k]
		if latBinLog(e) < k || latBinLog(math.Nextafter(e, 0)) >= k {
			t.Fatalf("edge %d = %v is not the least of bin %d", k, e, k)
		}
		x, y := e, e
		for range 64 {
			check(x)
			check(y)
			x, y = math.Nextafter(x, 0), math.Nextafter(y, math.Inf(1))
		}
		check(routeBinBase * math.Pow(routeBinStep, float64(k)))
	}
	for _, ms := range []float64{0, -1, routeBinBase, math.Nextafter(routeBinBase, 1), math.NaN(), math.Inf(1), math.Inf(-1),
		math.MaxFloat64, math.SmallestNonzeroFloat64, 1e300, 8.000000000000002, 59, 1000} {
		check(ms)
	}
	rng := rand.New(rand.NewPCG(16, 3))
	for range 1_000_000 {
		check(math.Pow(10, rng.Float64()*12-3))
	}
	for ms := 0; ms < 100_000; ms++ { // the millisecond values nginx logs
		check(float64(ms) / 1000 * 1000)
		check(float64(ms))
	}
}

// BenchmarkNormaliseRoute: the paths of a typical API log, IDs and names.
func BenchmarkNormaliseRoute(b *testing.B) {
	paths := []string{
		"/api/items/105", "/api/export", "/api/v1/users/42/orders?page=2",
		"/api/v1/items/6f1c2e9a-1b2c-4d3e-8f90-a1b2c3d4e5f6", "/static/app.9f8e7d6c.js",
		"/payments/charges/ch_082842", "/", "/health", "/days/2026-12-01/report",
	}
	for _, impl := range []struct {
		name string
		f    func([]byte, string) []byte
	}{{"one-pass", normaliseRoute}, {"old", refNormaliseRoute}} {
		b.Run(impl.name, func(b *testing.B) {
			var buf []byte
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				buf = impl.f(buf[:0], paths[i%len(paths)])
			}
		})
	}
}

// BenchmarkLatBin: the bin of nginx-shaped latencies (whole ms, 1 ms to
// 2 s), by the edges and by the logarithm.
func BenchmarkLatBin(b *testing.B) {
	rng := rand.New(rand.NewPCG(16, 7))
	ms := make([]float64, 4096)
	for i := range ms {
		ms[i] = float64(1+rng.IntN(2000)) / 1000 * 1000
	}
	for _, impl := range []struct {
		name string
		f    func(float64) int
	}{{"edges", latBin}, {"log", latBinLog}} {
		b.Run(impl.name, func(b *testing.B) {
			n := 0
			for i := 0; b.Loop(); i++ {
				n += impl.f(ms[i%len(ms)])
			}
			if n < 0 {
				b.Fatal(n)
			}
		})
	}
}
