package nginx

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gwtop/gwtop/gateway/internal/lex"
)

// StubStatus is one reading of ngx_http_stub_status_module's page. Active,
// Reading, Writing and Waiting are gauges (Active includes Waiting);
// Accepts, Handled and Requests count since nginx started, and Accepts
// growing faster than Handled means connections are dropped at a limit
// such as worker_connections.
type StubStatus struct {
	Active, Reading, Writing, Waiting int64
	Accepts, Handled, Requests        int64
}

// ParseStubStatus parses the stub_status page:
//
//	Active connections: 291
//	server accepts handled requests
//	 16630948 16630948 31070465
//	Reading: 6 Writing: 179 Waiting: 106
//
// It compares words, not lines, because nginx pads lines with spaces. Text
// after the last counter is ignored. Anything else — an HTML error page, a
// login form, a different module's output — is an error quoting what was
// found instead.
func ParseStubStatus(b []byte) (StubStatus, error) {
	var st StubStatus
	p := stubParser{s: string(b)}
	p.expect("Active connections:", "Active", "connections:")
	p.number(&st.Active)
	p.expect("server accepts handled requests", "server", "accepts", "handled", "requests")
	p.number(&st.Accepts)
	p.number(&st.Handled)
	p.number(&st.Requests)
	p.expect("Reading:", "Reading:")
	p.number(&st.Reading)
	p.expect("Writing:", "Writing:")
	p.number(&st.Writing)
	p.expect("Waiting:", "Waiting:")
	p.number(&st.Waiting)
	if p.err != nil {
		return StubStatus{}, p.err
	}
	return st, nil
}

// stubParser walks the page word by word, remembering the first error so
// ParseStubStatus reads as the page does.
type stubParser struct {
	s   string
	err error
}

// word returns the next whitespace-separated word and the text from it on.
func (p *stubParser) word() (w, at string) {
	p.s = strings.TrimLeft(p.s, " \t\r\n")
	at = p.s
	i := strings.IndexAny(p.s, " \t\r\n")
	if i < 0 {
		i = len(p.s)
	}
	w, p.s = p.s[:i], p.s[i:]
	return w, at
}

func (p *stubParser) fail(want, at string) {
	if at == "" {
		p.err = fmt.Errorf("stub_status: expected %s, got end of input", want)
		return
	}
	if len(at) > 40 {
		at = at[:40] + "..."
	}
	p.err = fmt.Errorf("stub_status: expected %s, got %q", want, at)
}

func (p *stubParser) expect(what string, words ...string) {
	if p.err != nil {
		return
	}
	var start string
	for i, want := range words {
		w, at := p.word()
		if i == 0 {
			start = at
		}
		if w != want {
			p.fail(strconv.Quote(what), start)
			return
		}
	}
}

func (p *stubParser) number(dst *int64) {
	if p.err != nil {
		return
	}
	w, at := p.word()
	n, ok := lex.Digits(w)
	if !ok {
		p.fail("a number", at)
		return
	}
	*dst = n
}
