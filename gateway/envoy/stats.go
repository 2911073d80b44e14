package envoy

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ParseStats reads /stats in its text form: one "name: value" per line.
// Histograms ("P0(nan,2) P25(…)", "No recorded values") are skipped.
func ParseStats(b []byte) (map[string]int64, error) {
	t := bytes.TrimSpace(b)
	if len(t) > 0 && (t[0] == '<' || t[0] == '{') {
		return nil, fmt.Errorf("not Envoy's /stats text: it starts with %q (HTML or JSON)", t[0])
	}
	out := map[string]int64{}
	bad, good := 0, 0
	for line := range bytes.Lines(b) {
		l := strings.TrimSpace(string(line))
		if l == "" {
			continue
		}
		name, value, ok := strings.Cut(l, ": ")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			bad++
			continue
		}
		good++
		value = strings.TrimSpace(value)
		if n, err := strconv.ParseInt(value, 10, 64); err == nil {
			out[name] = n
		} else if u, err := strconv.ParseUint(value, 10, 64); err == nil {
			out[name] = int64(u >> 1) // beyond int64: keep it monotonic
		}
		// Anything else is a histogram or text: not a counter.
	}
	if good == 0 && bad > 0 {
		return nil, errors.New("not Envoy's /stats text: no line reads as name: value")
	}
	return out, nil
}

// clusterStatNames are the per-cluster stats gwtop reads, as the suffix
// after cluster.<name>.
var clusterStatNames = []string{
	"upstream_cx_connect_timeout",
	"upstream_rq_timeout",
	"upstream_rq_per_try_timeout",
	"upstream_cx_destroy_remote_with_active_rq",
	"upstream_rq_pending_overflow",
	"upstream_cx_overflow",
	"upstream_cx_none_healthy",
	"upstream_cx_protocol_error",
	"health_check.network_failure",
	"membership_healthy",
	"membership_total",
}

// ClusterStats picks the per-cluster stats gwtop reads out of /stats, by
// the cluster name the stats use. Cluster names may hold dots, so a name
// is what lies between "cluster." and a known stat suffix.
func ClusterStats(stats map[string]int64) map[string]map[string]int64 {
	out := map[string]map[string]int64{}
	for name, v := range stats {
		rest, ok := strings.CutPrefix(name, "cluster.")
		if !ok {
			continue
		}
		for _, s := range clusterStatNames {
			c, ok := strings.CutSuffix(rest, "."+s)
			if !ok || c == "" {
				continue
			}
			m := out[c]
			if m == nil {
				m = map[string]int64{}
				out[c] = m
			}
			m[s] = v
			break
		}
	}
	return out
}

// statName is the name a cluster's stats go under: its observability name
// when set, with ':' turned into '_' as Envoy does in stat names.
func statName(c *Cluster) string {
	n := c.Name
	if c.ObservabilityName != "" {
		n = c.ObservabilityName
	}
	return strings.ReplaceAll(n, ":", "_")
}
