package apache

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
)

// BalancerWorker is one member of a balancer as mod_proxy_balancer's
// balancer-manager?xml=1 page (balancer_display_page, usexml) shows it.
type BalancerWorker struct {
	Balancer string // "balancer://pool"
	Name     string // the worker URL, "http://127.0.0.1:8001"
	Addr     string // WorkerAddr(Name): "127.0.0.1:8001"
	// Status is ap_proxy_parse_wstatus's text, "Init Ok ", "Init Err ";
	// Flags are its words.
	Status string
	Flags  []string
	// Elected is how many requests the worker was chosen for; Busy the
	// ones in flight; Read and Transferred bytes from and to it.
	Elected, Busy, Read, Transferred int64
	Route                            string
	ErrorTime                        string // when it entered error state (RFC 822), "" if never
}

// Down reports whether the worker takes no requests: in error (Err), stopped
// (Stop), disabled (Dis), failing its health check (HcFl), shutting down
// (Shut) — PROXY_WORKER_NOT_USABLE_BITMAP of mod_proxy.h — or with none of
// the flags that mark it usable ("Ok"). Why lists the flags.
func (w BalancerWorker) Down() (down bool, why string) {
	var bad []string
	ok := false
	for _, f := range w.Flags {
		switch f {
		case "Err", "Stop", "Dis", "HcFl", "Shut":
			bad = append(bad, flagMeaning[f])
		case "Ok":
			ok = true
		}
	}
	if len(bad) > 0 {
		return true, "balancer-manager: " + strings.Join(bad, ", ") + " (" + strings.TrimSpace(w.Status) + ")"
	}
	if !ok {
		return true, "balancer-manager: not usable (" + strings.TrimSpace(w.Status) + ")"
	}
	return false, ""
}

// flagMeaning spells out the flags of mod_proxy.c's proxy_wstat_tbl.
var flagMeaning = map[string]string{
	"Init": "initialized", "Ign": "ignoring errors", "Drn": "draining", "Gen": "generic",
	"Shut": "shutting down", "Dis": "disabled", "Stop": "stopped", "Err": "in error state",
	"Stby": "hot standby", "Spar": "hot spare", "Free": "free", "HcFl": "failing its health check",
}

// xmlManager mirrors the XML's structure (namespace httpd:).
type xmlManager struct {
	XMLName   xml.Name `xml:"manager"`
	Balancers []struct {
		Name    string `xml:"name"`
		Workers []struct {
			Name        string `xml:"name"`
			Status      string `xml:"status"`
			Elected     int64  `xml:"elected"`
			Busy        int64  `xml:"busy"`
			Read        int64  `xml:"read"`
			Transferred int64  `xml:"transferred"`
			Route       string `xml:"route"`
			ErrorTime   string `xml:"error_time"`
		} `xml:"workers>worker"`
	} `xml:"balancers>balancer"`
}

// maxBalancerXML bounds the page ParseBalancerXML reads.
const maxBalancerXML = 8 << 20

// ParseBalancerXML parses /balancer-manager?xml=1. Note that Apache
// answers the HTML page instead, ignoring ?xml=1, unless the request
// carries a Referer whose host is the server's name (the manager's CSRF
// guard, which also logs AH10187); ParseBalancerXML says so when it is
// given HTML.
func ParseBalancerXML(b []byte) ([]BalancerWorker, error) {
	if len(b) > maxBalancerXML {
		return nil, fmt.Errorf("balancer-manager page of %d bytes: too big", len(b))
	}
	t := bytes.TrimSpace(b)
	if bytes.HasPrefix(t, []byte("<!DOCTYPE")) || bytes.HasPrefix(t, []byte("<html")) {
		return nil, fmt.Errorf("balancer-manager answered HTML, not XML: request ?xml=1 with a Referer naming the server (mod_proxy_balancer ignores the query otherwise)")
	}
	var m xmlManager
	if err := xml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("balancer-manager XML: %w", err)
	}
	var out []BalancerWorker
	for _, bal := range m.Balancers {
		for _, w := range bal.Workers {
			out = append(out, BalancerWorker{
				Balancer: strings.TrimSpace(bal.Name), Name: strings.TrimSpace(w.Name), Addr: WorkerAddr(strings.TrimSpace(w.Name)),
				Status: w.Status, Flags: strings.Fields(w.Status),
				Elected: w.Elected, Busy: w.Busy, Read: w.Read, Transferred: w.Transferred,
				Route: strings.TrimSpace(w.Route), ErrorTime: strings.TrimSpace(w.ErrorTime),
			})
		}
	}
	return out, nil
}
