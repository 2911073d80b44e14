package nginx

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseStubStatus(t *testing.T) {
	want := StubStatus{Active: 291, Reading: 6, Writing: 179, Waiting: 106, Accepts: 16630948, Handled: 16630948, Requests: 31070465}
	for name, in := range map[string]string{
		"fixture":        stubFixture,
		"no trailing sp": "Active connections: 291\nserver accepts handled requests\n16630948 16630948 31070465\nReading: 6 Writing: 179 Waiting: 106",
		"CRLF and tabs":  "Active connections:\t291 \r\nserver accepts handled requests\r\n 16630948 16630948 31070465 \r\nReading: 6 Writing: 179 Waiting: 106 \r\n\r\n",
		"extra trailer":  stubFixture + "Future: 1\n",
	} {
		got, err := ParseStubStatus([]byte(in))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got != want {
			t.Errorf("%s: got %+v, want %+v", name, got, want)
		}
	}
}

func TestParseStubStatusErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `stub_status: expected "Active connections:", got end of input`},
		{"<html><head><title>404 Not Found</title></head><body>", `stub_status: expected "Active connections:", got "<html><head><title>404 Not Found</title>..."`},
		{"Active connections: x\n", `stub_status: expected a number, got "x\n"`},
		{"Active connections: 1 \nserver accepts handled\n 1 2 3", `stub_status: expected "server accepts handled requests", got "server accepts handled\n 1 2 3"`},
		{"Active connections: 1 \nserver accepts handled requests\n 1 2 \nReading: 0", `stub_status: expected a number, got "Reading: 0"`},
		{strings.TrimSuffix(stubFixture, "106 \n"), `stub_status: expected a number, got end of input`},
		{"Active connections: -1", `stub_status: expected a number, got "-1"`},
		{"Active connections: 99999999999999999999", `stub_status: expected a number, got "99999999999999999999"`},
	}
	for _, tc := range tests {
		_, err := ParseStubStatus([]byte(tc.in))
		if err == nil {
			t.Errorf("ParseStubStatus(%q) succeeded", tc.in)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("ParseStubStatus(%q) = %q, want %q", tc.in, err, tc.want)
		}
	}
}

// stubFixture is a stub_status page as nginx renders it.
const stubFixture = "Active connections: 291 \nserver accepts handled requests\n 16630948 16630948 31070465 \nReading: 6 Writing: 179 Waiting: 106 \n"

func FuzzStubStatus(f *testing.F) {
	f.Add([]byte(stubFixture))
	f.Add([]byte("<html>"))
	f.Add([]byte("Active connections: 1 \nserver accepts handled requests\n 1 1 1 \nReading: 0 Writing: 1 Waiting: 0 \n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := ParseStubStatus(b)
		if err != nil {
			if st != (StubStatus{}) {
				t.Fatalf("error %v with values %+v", err, st)
			}
			return
		}
		// What parsed must survive nginx's own rendering.
		out := fmt.Sprintf("Active connections: %d \nserver accepts handled requests\n %d %d %d \nReading: %d Writing: %d Waiting: %d \n",
			st.Active, st.Accepts, st.Handled, st.Requests, st.Reading, st.Writing, st.Waiting)
		again, err := ParseStubStatus([]byte(out))
		if err != nil || again != st {
			t.Fatalf("round trip: %+v -> %q -> %+v, %v", st, out, again, err)
		}
	})
}
