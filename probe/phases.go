package probe

import (
	"crypto/tls"
	"net/http/httptrace"
	"sync"
	"time"

	"github.com/gwtop/gwtop/model"
)

// stage is how far a probe got. Classification needs it: a deadline that
// expires before the connection exists is a connect timeout, one that
// expires while waiting for the first byte is a read timeout.
type stage int

const (
	stageConnect stage = iota // nothing established yet (or dialing)
	stageDNS                  // a lookup started and did not finish
	stageTLS                  // connected, handshake not finished
	stageWait                 // connected (and TLS done), no response byte yet
	stageBody                 // the response has started
)

// tracker records the timestamps of one probe. Its callbacks are installed
// as an httptrace.ClientTrace; net/http and net call them from their own
// goroutines (a dual-stack dial races two connects), hence the mutex.
//
// With redirects followed, each hop starts afresh (GetConn): the phases
// describe the request that produced the final answer; only Total spans
// all hops.
type tracker struct {
	mu    sync.Mutex
	start time.Time

	dnsStart, dnsDone time.Time
	dnsFailed         bool                 // the lookup ended in an error
	connStart         map[string]time.Time // attempts under way, by remote address
	connect           time.Duration        // of the connect that succeeded
	failedConnect     time.Duration        // of the last attempt that failed
	connected         bool
	tlsStart, tlsDone time.Time
	tlsOK             bool
	gotConn, reused   bool
	firstByte         time.Time
}

func newTracker(start time.Time) *tracker {
	return &tracker{start: start, connStart: make(map[string]time.Time)}
}

// trace returns the callbacks feeding t. DNS and connect hooks are also
// honoured by a bare net.Dialer (net reads them from the context), which is
// how the TCP probe is timed with the same code.
func (t *tracker) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn: func(string) {
			// A new request on this probe (a followed redirect):
			// start its phases afresh so that stage and phases
			// describe this hop, not the previous one.
			t.mu.Lock()
			t.dnsStart, t.dnsDone, t.tlsStart, t.tlsDone = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			t.dnsFailed = false
			t.connect, t.failedConnect, t.connected, t.tlsOK, t.gotConn, t.reused = 0, 0, false, false, false, false
			t.firstByte = time.Time{}
			clear(t.connStart)
			t.mu.Unlock()
		},
		DNSStart: func(httptrace.DNSStartInfo) {
			t.mu.Lock()
			t.dnsStart, t.dnsDone, t.dnsFailed = time.Now(), time.Time{}, false
			t.mu.Unlock()
		},
		DNSDone: func(info httptrace.DNSDoneInfo) {
			t.mu.Lock()
			t.dnsDone, t.dnsFailed = time.Now(), info.Err != nil
			t.mu.Unlock()
		},
		ConnectStart: func(_, addr string) {
			t.mu.Lock()
			t.connStart[addr] = time.Now()
			t.mu.Unlock()
		},
		ConnectDone: func(_, addr string, err error) {
			now := time.Now()
			t.mu.Lock()
			defer t.mu.Unlock()
			s, ok := t.connStart[addr]
			delete(t.connStart, addr)
			// A dual-stack dial may report a failed connect (say, to
			// ::1) before the one that worked: only a success counts
			// as the connect, a failure only when nothing connected.
			if err != nil {
				if ok {
					t.failedConnect = now.Sub(s)
				}
				return
			}
			if ok {
				t.connect = now.Sub(s)
			}
			t.connected = true
		},
		TLSHandshakeStart: func() {
			t.mu.Lock()
			t.tlsStart, t.tlsDone = time.Now(), time.Time{}
			t.mu.Unlock()
		},
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
			t.mu.Lock()
			t.tlsDone, t.tlsOK = time.Now(), err == nil
			t.mu.Unlock()
		},
		GotConn: func(info httptrace.GotConnInfo) {
			t.mu.Lock()
			t.gotConn, t.reused = true, info.Reused
			t.mu.Unlock()
		},
		GotFirstResponseByte: func() {
			t.mu.Lock()
			t.firstByte = time.Now()
			t.mu.Unlock()
		},
	}
}

// stage reports how far the probe got. isTLS says whether a handshake is due
// after the connect.
func (t *tracker) stage(isTLS bool) stage {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case !t.firstByte.IsZero():
		return stageBody
	case t.connected || t.gotConn:
		// GotConn fires only after the handshake, so a reused
		// connection is past TLS even though no handshake was traced.
		if isTLS && !t.gotConn && !t.tlsOK {
			return stageTLS
		}
		return stageWait
	case !t.dnsStart.IsZero() && (t.dnsDone.IsZero() || t.dnsFailed):
		// A lookup cut by the deadline may report its failure before the
		// probe looks: it still ended in the DNS phase.
		return stageDNS
	default:
		return stageConnect
	}
}

// phases converts the timestamps to model.Phases for a probe that ended at
// end. A phase that did not happen stays 0. A phase still under way at the
// end (the one a timeout interrupted) counts up to the end, and a lookup or
// handshake that failed counts up to its failure: the phases show where the
// time went. Connect counts the attempt that succeeded, or else the oldest
// one still pending, or else the last one that failed, up to its failure (a
// refused probe spent its time connecting). TTFB is set only when a byte of
// the answer came: a probe that failed before has none.
func (t *tracker) phases(end time.Time) (model.Phases, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var ph model.Phases
	ph.DNS = ms(span(t.dnsStart, t.dnsDone, end))
	ph.Connect = ms(t.connect)
	if !t.connected {
		var oldest time.Time
		for _, s := range t.connStart {
			if oldest.IsZero() || s.Before(oldest) {
				oldest = s
			}
		}
		ph.Connect = ms(span(oldest, time.Time{}, end))
		if oldest.IsZero() {
			ph.Connect = ms(t.failedConnect)
		}
	}
	ph.TLS = ms(span(t.tlsStart, t.tlsDone, end))
	if !t.firstByte.IsZero() {
		ph.TTFB = ms(t.firstByte.Sub(t.start))
	}
	ph.Total = ms(end.Sub(t.start))
	return ph, t.reused
}

// span is the length of a phase that began at from and ended at to, or is
// still running at end. A phase that never began is 0.
func span(from, to, end time.Time) time.Duration {
	switch {
	case from.IsZero():
		return 0
	case to.IsZero():
		return end.Sub(from)
	default:
		return to.Sub(from)
	}
}

// ms converts a duration to float milliseconds, the unit of model.Phases.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
