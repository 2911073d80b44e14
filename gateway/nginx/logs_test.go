package nginx

import (
	"testing"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/model"
)

// TestAccessCauseRules: nginx copies its own 502/504 into $upstream_status,
// so what an access-log attempt says of its cause depends on whether a
// response header arrived and whether an error log explains the rest.
func TestAccessCauseRules(t *testing.T) {
	cases := []struct {
		at       feed.Attempt
		errLog   bool
		want     model.Cause
		inferred bool
	}{
		{feed.Attempt{Addr: "a:1", Status: 500, Header: 0.01}, true, model.CauseUpstream5xx, false},
		{feed.Attempt{Addr: "a:1", Status: 503, Header: -1}, true, model.CauseUpstream5xx, false},
		{feed.Attempt{Addr: "a:1", Status: 502, Header: -1}, true, "", false},
		{feed.Attempt{Addr: "a:1", Status: 502, Header: 0.2}, false, model.CauseUpstream5xx, false},
		{feed.Attempt{Addr: "a:1", Status: 504, Connect: -1, Header: -1}, false, model.CauseConnectTimeout, true},
		{feed.Attempt{Addr: "a:1", Status: 504, Connect: 0.001, Header: -1}, false, model.CauseReadTimeout, true},
		{feed.Attempt{Addr: "a:1", Status: 504, Connect: 0.001, Header: -1}, true, "", false},
		{feed.Attempt{Addr: "backend", Status: 502, Connect: -1, Header: -1}, false, model.CauseNoLiveUpstreams, false},
		{feed.Attempt{Addr: "a:1", Status: 200, Header: 0.01}, false, "", false},
	}
	for i, c := range cases {
		at := c.at
		(&accessParser{errorLogWatched: c.errLog}).cause(&at)
		got, inf := at.Cause, at.Inferred
		if got != c.want || inf != c.inferred {
			t.Errorf("case %d: got %q/%v want %q/%v", i, got, inf, c.want, c.inferred)
		}
	}
}
