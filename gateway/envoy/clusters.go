// Package envoy reads Envoy: its admin interface (/clusters for per-host
// counters and health flags, /stats for the cluster counters that say why
// requests failed) and its access log, whose %RESPONSE_FLAGS% state the
// cause of each failed request, and reports both through feed.
package envoy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Cluster is one upstream cluster of /clusters.
type Cluster struct {
	Name string
	// ObservabilityName is the name the cluster's stats use, when Envoy
	// says it (alt_stat_name); empty otherwise.
	ObservabilityName string
	Hosts             []Host
}

// Host is one host of a cluster.
type Host struct {
	// Addr is host:port ([v6]:port for IPv6) or unix:PATH for a pipe.
	Addr     string
	Hostname string
	// Stats are the host's counters and gauges: cx_connect_fail, rq_total,
	// rq_error, rq_success, rq_timeout, …. A missing stat is 0.
	Stats map[string]int64
	// Flags are the health flags in /clusters' text spelling
	// ("/failed_active_hc"); none means healthy. JSON health_status
	// fields are turned into the same spelling.
	Flags []string
}

// downFlags are the health flags that take a host out of load balancing
// for failing: Envoy sends it nothing while they last. Degraded, draining
// and pending flags leave the host serving, so they are not "down".
var downFlags = map[string]bool{
	"/failed_active_hc":               true,
	"/failed_outlier_check":           true,
	"/failed_eds_health":              true,
	"/active_hc_timeout":              true,
	"/excluded_via_immediate_hc_fail": true,
}

// Down reports whether the host's health flags take it out of service,
// and the flags as Envoy writes them.
func (h *Host) Down() (bool, string) {
	if len(h.Flags) == 0 {
		return false, "healthy"
	}
	down := false
	for _, f := range h.Flags {
		down = down || downFlags[f]
	}
	return down, strings.Join(h.Flags, "")
}

// hostKeys are the text keys that only exist on host lines; they let a
// line without a cluster prefix still be read as a host.
var hostKeys = map[string]bool{
	"health_flags": true, "hostname": true, "weight": true, "region": true, "zone": true, "sub_zone": true,
	"canary": true, "priority": true, "success_rate": true, "local_origin_success_rate": true,
}

// clusterScopes are the middle fields of cluster-level lines
// (cluster::default_priority::max_connections::1024).
var clusterScopes = map[string]bool{"default_priority": true, "high_priority": true, "outlier": true}

var errNotClusters = errors.New("not Envoy's /clusters output")

// ParseClustersText reads /clusters in its text form. Lines are split from
// the right: the value, the key, then (host lines) the address, which may
// itself hold "::" ([::1]:80); what is left is the cluster name, which may
// hold '|', '#', '/' or '.'.
func ParseClustersText(b []byte) ([]Cluster, error) {
	t := bytes.TrimSpace(b)
	if len(t) > 0 && (t[0] == '<' || t[0] == '{' || t[0] == '[') {
		return nil, fmt.Errorf("%w: it starts with %q (HTML or JSON)", errNotClusters, t[0])
	}
	var out []Cluster
	index := map[string]int{}
	hosts := map[[2]string]int{}
	good, bad := 0, 0
	for line := range bytes.Lines(b) {
		l := strings.TrimRight(string(line), "\r\n")
		if strings.TrimSpace(l) == "" {
			continue
		}
		cluster, addr, key, value, ok := splitClusterLine(l)
		if !ok {
			bad++
			continue
		}
		good++
		ci, seen := index[cluster]
		if !seen {
			ci = len(out)
			index[cluster] = ci
			out = append(out, Cluster{Name: cluster})
		}
		c := &out[ci]
		if addr == "" {
			if key == "observability_name" {
				c.ObservabilityName = value
			}
			continue
		}
		hk := [2]string{cluster, addr}
		hi, seen := hosts[hk]
		if !seen {
			hi = len(c.Hosts)
			hosts[hk] = hi
			c.Hosts = append(c.Hosts, Host{Addr: addr, Stats: map[string]int64{}})
		}
		h := &c.Hosts[hi]
		switch key {
		case "health_flags":
			h.Flags = parseFlags(value)
		case "hostname":
			h.Hostname = value
		default:
			if hostKeys[key] {
				continue
			}
			if n, err := strconv.ParseInt(value, 10, 64); err == nil {
				h.Stats[key] = n
			}
		}
	}
	if good == 0 && bad > 0 {
		return nil, fmt.Errorf("%w: none of %d lines reads as cluster::…::key::value", errNotClusters, bad)
	}
	return out, nil
}

// splitClusterLine splits one text line. addr is "" for cluster-level lines.
func splitClusterLine(l string) (cluster, addr, key, value string, ok bool) {
	i := strings.LastIndex(l, "::")
	if i < 0 {
		return "", "", "", "", false
	}
	value, rest := l[i+2:], l[:i]
	j := strings.LastIndex(rest, "::")
	if j < 0 {
		return "", "", "", "", false
	}
	key, rest = rest[j+2:], rest[:j]
	if key == "" || rest == "" {
		return "", "", "", "", false
	}
	if !strings.Contains(rest, "::") || isBareIPv6(rest) {
		// cluster::key::value, or a host line printed without its
		// cluster (as some write-ups quote it).
		if hostKeys[key] && looksLikeAddr(rest) {
			return "", normAddr(rest), key, value, true
		}
		return rest, "", key, value, true
	}
	k := strings.LastIndex(rest, "::")
	if strings.HasSuffix(rest, "]") || bracketPort(rest) {
		// An IPv6 host: the address starts at the last "::[".
		if b := strings.LastIndex(rest, "::["); b >= 0 {
			k = b
		}
	}
	cluster, mid := rest[:k], rest[k+2:]
	if cluster == "" || mid == "" {
		return "", "", "", "", false
	}
	if clusterScopes[mid] {
		return cluster, "", key, value, true
	}
	return cluster, normAddr(mid), key, value, true
}

// bracketPort reports whether s ends in "]:digits".
func bracketPort(s string) bool {
	i := strings.LastIndex(s, "]:")
	if i < 0 || i+2 == len(s) {
		return false
	}
	for _, c := range s[i+2:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func isBareIPv6(s string) bool {
	return strings.HasPrefix(s, "[") && bracketPort(s) && !strings.Contains(s[:strings.Index(s, "]")], "::[")
}

func looksLikeAddr(s string) bool {
	if strings.HasPrefix(s, "/") || strings.HasPrefix(s, "@") {
		return true
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" {
		return false
	}
	_, err = strconv.ParseUint(port, 10, 16)
	return err == nil
}

// normAddr writes a pipe address as unix:PATH, the way gwtop's
// configuration and nginx name unix-socket upstreams.
func normAddr(a string) string {
	if strings.HasPrefix(a, "/") || strings.HasPrefix(a, "@") {
		return "unix:" + a
	}
	return a
}

// parseFlags splits "/failed_active_hc/active_hc_timeout" into flags.
func parseFlags(v string) []string {
	v = strings.TrimSpace(v)
	if v == "" || v == "healthy" {
		return nil
	}
	var out []string
	for _, f := range strings.Split(v, "/") {
		if f != "" {
			out = append(out, "/"+f)
		}
	}
	return out
}

// jsonInt is a proto-JSON integer: a number (newer Envoy) or a string
// (older proto-JSON output). null is 0.
type jsonInt int64

func (n *jsonInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		*n = 0
		return nil
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		*n = jsonInt(v)
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("value %.40s is not a number", b)
	}
	*n = jsonInt(f)
	return nil
}

type jsonClusters struct {
	ClusterStatuses *[]struct {
		Name              string `json:"name"`
		ObservabilityName string `json:"observability_name"`
		HostStatuses      []struct {
			Address struct {
				SocketAddress *struct {
					Address   string  `json:"address"`
					PortValue jsonInt `json:"port_value"`
				} `json:"socket_address"`
				Pipe *struct {
					Path string `json:"path"`
				} `json:"pipe"`
			} `json:"address"`
			Stats []struct {
				Name  string  `json:"name"`
				Value jsonInt `json:"value"` // absent when 0
			} `json:"stats"`
			HealthStatus struct {
				EDSHealthStatus            string `json:"eds_health_status"`
				FailedActiveHealthCheck    bool   `json:"failed_active_health_check"`
				FailedOutlierCheck         bool   `json:"failed_outlier_check"`
				FailedActiveDegradedCheck  bool   `json:"failed_active_degraded_check"`
				PendingDynamicRemoval      bool   `json:"pending_dynamic_removal"`
				PendingActiveHC            bool   `json:"pending_active_hc"`
				ExcludedViaImmediateHCFail bool   `json:"excluded_via_immediate_hc_fail"`
				ActiveHCTimeout            bool   `json:"active_hc_timeout"`
			} `json:"health_status"`
			Hostname string `json:"hostname"`
		} `json:"host_statuses"`
	} `json:"cluster_statuses"`
}

// ParseClustersJSON reads /clusters?format=json (envoy.admin.v3.Clusters).
// Defaults are omitted there: a missing stat value is 0, a missing health
// flag false, and an Envoy with no clusters answers {}.
func ParseClustersJSON(b []byte) ([]Cluster, error) {
	t := bytes.TrimSpace(b)
	if len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("%w: not a JSON object", errNotClusters)
	}
	var j jsonClusters
	if err := json.Unmarshal(t, &j); err != nil {
		return nil, fmt.Errorf("%w: %s", errNotClusters, short(err.Error()))
	}
	if j.ClusterStatuses == nil {
		var keys map[string]json.RawMessage
		if json.Unmarshal(t, &keys) == nil && len(keys) > 0 {
			return nil, fmt.Errorf("%w: JSON without cluster_statuses", errNotClusters)
		}
		return nil, nil
	}
	out := make([]Cluster, 0, len(*j.ClusterStatuses))
	for _, cs := range *j.ClusterStatuses {
		c := Cluster{Name: cs.Name, ObservabilityName: cs.ObservabilityName}
		for _, hs := range cs.HostStatuses {
			var addr string
			switch a := hs.Address; {
			case a.SocketAddress != nil && a.SocketAddress.Address != "":
				addr = net.JoinHostPort(a.SocketAddress.Address, strconv.FormatInt(int64(a.SocketAddress.PortValue), 10))
			case a.Pipe != nil && a.Pipe.Path != "":
				addr = "unix:" + a.Pipe.Path
			default:
				continue
			}
			h := Host{Addr: addr, Hostname: hs.Hostname, Stats: map[string]int64{}}
			for _, s := range hs.Stats {
				if s.Name != "" {
					h.Stats[s.Name] = int64(s.Value)
				}
			}
			st := hs.HealthStatus
			for _, f := range []struct {
				on   bool
				flag string
			}{
				{st.FailedActiveHealthCheck, "/failed_active_hc"},
				{st.FailedOutlierCheck, "/failed_outlier_check"},
				{st.EDSHealthStatus == "UNHEALTHY" || st.EDSHealthStatus == "TIMEOUT", "/failed_eds_health"},
				{st.EDSHealthStatus == "DEGRADED", "/degraded_eds_health"},
				{st.EDSHealthStatus == "DRAINING", "/eds_status_draining"},
				{st.FailedActiveDegradedCheck, "/degraded_active_hc"},
				{st.PendingDynamicRemoval, "/pending_dynamic_removal"},
				{st.PendingActiveHC, "/pending_active_hc"},
				{st.ExcludedViaImmediateHCFail, "/excluded_via_immediate_hc_fail"},
				{st.ActiveHCTimeout, "/active_hc_timeout"},
			} {
				if f.on {
					h.Flags = append(h.Flags, f.flag)
				}
			}
			c.Hosts = append(c.Hosts, h)
		}
		out = append(out, c)
	}
	return out, nil
}

func short(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
