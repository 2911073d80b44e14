package logformat

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// diffFormats are the formats the differential tests parse with: the
// built-ins, the fixtures', the backlog benchmark's, and ones that take
// each of fieldEnd's refinements (unquoted $request, escape=json quotes,
// a list before a literal starting with a separator byte, variables cut
// by width, a last variable).
var diffFormats = []string{
	"combined", "main", apmDirective, apmText, jsonDirective, upstreamFormat,
	`$remote_addr $request $status`,
	`$time_local$status $upstream_addr $upstream_status`,
	`$upstream_addr, $upstream_status : $request_time`,
	`$time_iso8601 $msec "$request_method $request_uri" $host $http_host`,
	`escape=json '{"a":"$upstream_addr","b":"$upstream_status","r":"$request","u":"$uri"}'`,
	`escape=none [$time_local] $request_time "$request"`,
	`$status`, `x=$upstream_response_time,$upstream_connect_time;$upstream_header_time`,
}

// checkSame parses line with the old parser and the new, each into its
// own record that lives across calls (so the time caches and reused
// Attempts are exercised), and fails on any difference: the error or
// its absence, the message, or the record.
func checkSame(t *testing.T, fm *Format, line string, got, want *Record) bool {
	t.Helper()
	errGot := fm.parse(line, got)
	errWant := refParse(fm, line, want)
	if (errGot == nil) != (errWant == nil) || errGot != nil && errGot.Error() != errWant.Error() {
		t.Fatalf("format %q line %q: error %v, the old parser's %v", fm.String(), line, errGot, errWant)
	}
	if errGot == nil && !reflect.DeepEqual(exported(*got), exported(*want)) {
		t.Fatalf("format %q line %q:\n got %+v\nwant %+v", fm.String(), line, exported(*got), exported(*want))
	}
	return errGot == nil
}

// TestParseMatchesOld: the specialised parser gives the old one's records
// and errors on generated lines of every kind, on the fixtures, and on
// those lines cut, with bytes changed, deleted or repeated, and with the
// formats' literals and list separators inserted.
func TestParseMatchesOld(t *testing.T) {
	var lines []string
	for _, kind := range []string{"apm", "combined", "json", "upstream"} {
		for _, l := range genLines(300, kind) {
			lines = append(lines, string(l))
		}
	}
	lines = append(lines, combinedLine, apmLine1, apmLine2, apmLine3, jsonLine, "", "-", "\n", "\r\n", " ",
		"10.0.0.1:80, 502 : 0.5", "x=0.1, 0.2 : -,-;0.3")
	rng := rand.New(rand.NewPCG(16, 4))
	for _, text := range diffFormats {
		fm := mustCompile(t, text)
		var got, want Record
		// What can be inserted: the literals, separators, escapes, digits.
		var bits []string
		for _, tk := range fm.tokens {
			if tk.name == "" {
				bits = append(bits, tk.lit)
			}
		}
		bits = append(bits, ", ", " : ", ",", ":", " ", `"`, `\"`, `\\`, "\\", "-", ".", "0", "9.", "12.3456789012", "1e3", `\u0041`, `\x41`)
		mine := append([]string{render(fm)}, lines...)
		parsed := 0 // lines that parsed, as given and mutated
		for _, l := range mine {
			if checkSame(t, fm, l, &got, &want) {
				parsed++
			}
			checkSame(t, fm, l+"\n", &got, &want)
			for range 30 {
				b := []byte(l)
				switch op := rng.IntN(5); {
				case len(b) == 0 || op == 0:
					at := rng.IntN(len(b) + 1)
					b = append(b[:at:at], append([]byte(bits[rng.IntN(len(bits))]), b[at:]...)...)
				case op == 1:
					b = b[:rng.IntN(len(b))]
				case op == 2:
					const subst = " \",:-.0a\\"
					b[rng.IntN(len(b))] = subst[rng.IntN(len(subst))]
				case op == 3:
					at := rng.IntN(len(b))
					b = append(b[:at], b[min(len(b), at+1+rng.IntN(8)):]...)
				default:
					at, n := rng.IntN(len(b)), 1+rng.IntN(12)
					b = append(b[:at:at], append([]byte(l[at:min(len(l), at+n)]), b[at:]...)...)
				}
				if checkSame(t, fm, string(b), &got, &want) {
					parsed++
				}
			}
		}
		if parsed == 0 {
			t.Errorf("format %q: no line parsed, the comparison saw no records", text)
		}
	}
}

// TestParseSecondsMatchesOld: every shape of duration, nginx's and not.
func TestParseSecondsMatchesOld(t *testing.T) {
	cases := []string{"", "-", "0", "0.000", "0.012", "60.001", "1.", ".5", "1.5.", "1..5", "12a", "1.2a", "a", "-1", "+1",
		"1.0000000000", "1.2345678901", "1.123456789", "999999999999999999", "9999999999999999999", "999999999999999999.5",
		"9999999999999999999.5", "1.e5", "1.5e3", "1.0000000000e999", "1.inf", "0x1.8p1", "00.00", " 1.0", "1.0 "}
	rng := rand.New(rand.NewPCG(16, 5))
	for range 200_000 {
		var sb strings.Builder
		for range rng.IntN(24) {
			const alphabet = "0123456789.....-e+ a"
			sb.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
		cases = append(cases, sb.String())
	}
	for _, s := range cases {
		g, gok := parseSeconds(s)
		w, wok := refParseSeconds(s)
		if gok != wok || gok && g != w {
			t.Fatalf("parseSeconds(%q) = %v %v, the old one %v %v", s, g, gok, w, wok)
		}
	}
}

// FuzzParseMatchesOld: any format that compiles parses any line as the old
// parser did, and so does a line rendered in that format.
func FuzzParseMatchesOld(f *testing.F) {
	for i, text := range diffFormats {
		f.Add(text, []string{combinedLine, apmLine1, jsonLine, "", "-"}[i%5])
	}
	f.Add(`$upstream_addr $upstream_status`, "a, b : c 502, - : 200")
	f.Fuzz(func(t *testing.T, text, line string) {
		fm, err := Compile(text)
		if err != nil {
			return
		}
		var got, want Record
		for _, l := range []string{line, render(fm), combinedLine, apmLine1, jsonLine} {
			checkSame(t, fm, l, &got, &want)
		}
	})
}

// TestIndexFromMatchesStrings: the word-at-a-time searches find what
// strings.IndexByte and strings.Index find (spaceBefore: up to every end
// too), from every offset of strings
// of every length up to 80, the byte anywhere or nowhere, next to bytes
// one bit away from it (0x80 included, where a borrow could mislead).
func TestIndexFromMatchesStrings(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 6))
	const alphabet = "\"!#\x00\x01\x80\xff\xa2 ,:x="
	for range 5_000 {
		b := make([]byte, rng.IntN(81))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		s := string(b)
		for from := 0; from <= len(s); from++ {
			for _, c := range []byte{'"', 0, 0x80, 0xff, ' '} {
				want := strings.IndexByte(s[from:], c)
				if want >= 0 {
					want += from
				}
				if got := indexByteFrom(s, from, c); got != want {
					t.Fatalf("indexByteFrom(%q, %d, %q) = %d, want %d", s, from, c, got, want)
				}
			}
			for to := from; to <= len(s); to++ {
				want := strings.IndexByte(s[from:to], ' ')
				if want >= 0 {
					want += from
				}
				if got := spaceBefore(s, from, to); got != want {
					t.Fatalf("spaceBefore(%q, %d, %d) = %d, want %d", s, from, to, got, want)
				}
			}
			for _, lit := range []string{`" `, `"!#`, ", ", "\x80\x80"} {
				want := strings.Index(s[from:], lit)
				if want >= 0 {
					want += from
				}
				if got := indexFrom(s, from, lit); got != want {
					t.Fatalf("indexFrom(%q, %d, %q) = %d, want %d", s, from, lit, got, want)
				}
			}
		}
	}
}
