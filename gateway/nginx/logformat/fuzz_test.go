package logformat

import (
	"errors"
	"reflect"
	"testing"
)

// The fuzz targets check only that nothing panics and that what comes out
// is well formed; the table tests pin the values.

func FuzzAccessParse(f *testing.F) {
	formats := []*Format{mustCompile(f, "combined"), mustCompile(f, apmDirective), mustCompile(f, jsonDirective)}
	for i, l := range []string{combinedLine, apmLine1, apmLine2, apmLine3, jsonLine} {
		f.Add(uint8(i), l)
	}
	f.Add(uint8(1), `"07/May/2024:10:01:02 +0000" client=- method=- request="-" request_length=0 status=009 bytes_sent=0 body_bytes_sent=0 referer=- user_agent="" upstream_addr=a, b : c upstream_status=502, - : 200 request_time=- upstream_response_time=- upstream_connect_time=- upstream_header_time=-`)
	f.Fuzz(func(t *testing.T, which uint8, line string) {
		fm := formats[int(which)%len(formats)]
		var reused Record
		if err := fm.Parse([]byte(apmLine1), &reused); err != nil && fm == formats[1] {
			t.Fatal(err)
		}
		err := fm.Parse([]byte(line), &reused)
		var fresh Record
		err2 := fm.Parse([]byte(line), &fresh)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("reused record: %v, fresh record: %v", err, err2)
		}
		if err != nil {
			if !errors.Is(err, ErrMismatch) {
				t.Fatalf("error %v does not wrap ErrMismatch", err)
			}
			return
		}
		if !reflect.DeepEqual(exported(reused), exported(fresh)) {
			t.Fatalf("reused record %+v differs from fresh %+v", exported(reused), exported(fresh))
		}
		checkRecord(t, &fresh)
	})
}

func checkRecord(t *testing.T, r *Record) {
	t.Helper()
	if r.Status < 0 || r.Status > 999 {
		t.Fatalf("status %d", r.Status)
	}
	if r.RequestTime < -1 {
		t.Fatalf("request time %v", r.RequestTime)
	}
	group := 0
	for i, a := range r.Attempts {
		if a.Group < group || a.Group > group+1 || (i == 0 && a.Group != 0) {
			t.Fatalf("attempt %d group %d after group %d", i, a.Group, group)
		}
		group = a.Group
		if a.Status < 0 || a.Status > 999 || a.ConnectTime < -1 || a.HeaderTime < -1 || a.ResponseTime < -1 {
			t.Fatalf("attempt %d: %+v", i, a)
		}
	}
}

func FuzzCompileFormat(f *testing.F) {
	for _, s := range []string{"combined", "main", apmDirective, apmText, jsonDirective,
		`escape=json '{"time":"$time_iso8601",' '"status":"$status"}'`, `${a}x$b "$upstream_addr" $time_local$status`, `'$a`, `$`} {
		f.Add(s)
	}
	samples := []string{combinedLine, apmLine1, jsonLine, "", "-"}
	f.Fuzz(func(t *testing.T, s string) {
		fm, err := Compile(s)
		if err != nil {
			return
		}
		if len(fm.tokens) == 0 {
			t.Fatal("compiled to no tokens")
		}
		for i, tk := range fm.tokens {
			if tk.name == "" && tk.lit == "" {
				t.Fatalf("token %d is an empty literal", i)
			}
			if i > 0 && tk.name == "" && fm.tokens[i-1].name == "" {
				t.Fatalf("tokens %d and %d are both literals", i-1, i)
			}
			if tk.name != "" && tk.kind.width() == 0 && i+1 < len(fm.tokens) && fm.tokens[i+1].name != "" {
				t.Fatalf("variable $%s is followed by $%s", tk.name, fm.tokens[i+1].name)
			}
		}
		var rec Record
		for _, l := range append(samples, render(fm)) {
			if err := fm.Parse([]byte(l), &rec); err == nil {
				checkRecord(t, &rec)
			}
		}
	})
}

// render writes a line in fm with plausible values, to drive Parse down
// the paths that lead past the first literal.
func render(fm *Format) string {
	values := map[varKind]string{
		varTimeLocal: "07/May/2020:03:15:12 +0000", varTimeISO: "2024-05-07T10:01:02+00:00", varMsec: "1715076062.123",
		varStatus: "502", varRequest: "GET / HTTP/1.1", varRequestTime: "0.001",
		varUpAddr: "10.0.0.1:80, b : c", varUpStatus: "502, - : 200", varUpResponseTime: "0.001, 0.002",
	}
	var s string
	for _, tk := range fm.tokens {
		if tk.name == "" {
			s += tk.lit
		} else if v, ok := values[tk.kind]; ok {
			s += v
		} else {
			s += "v"
		}
	}
	return s
}
