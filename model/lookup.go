package model

// Upstream returns the snapshot's row for an address behind a gateway
// instance ("" matches any gateway: the first row with that address, in
// the snapshot's order), and whether there is one.
func (s *Snapshot) Upstream(gateway, address string) (Upstream, bool) {
	for _, u := range s.Upstreams {
		if u.Address == address && (gateway == "" || u.Gateway == gateway) {
			return u, true
		}
	}
	return Upstream{}, false
}

// Gateway returns the row of one gateway source (kind and source, e.g.
// "nginx", "stub_status"; target "" matches any), and whether there is one.
func (s *Snapshot) Gateway(kind, source, target string) (Gateway, bool) {
	for _, g := range s.Gateways {
		if g.Kind == kind && g.Source == source && (target == "" || g.Target == target) {
			return g, true
		}
	}
	return Gateway{}, false
}

// TopCause is the upstream's leading cause now (the first ranked cause
// with failures in the window), or "" when it has none.
func (u *Upstream) TopCause() Cause {
	if len(u.Causes) > 0 && u.Causes[0].Count > 0 {
		return u.Causes[0].Code
	}
	return ""
}
