package export

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gwtop/gwtop/internal/promtest"
	"github.com/gwtop/gwtop/model"
)

// A real Prometheus with native histograms on negotiates protobuf and
// ingests the native histogram as exported: its count, and quantiles that
// fall in the buckets of the sketch's samples.
func TestPrometheusIngestsNativeHistogram(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := fixture()
	reg.MustRegister(New(func() *model.Snapshot { return s }, "test"))
	target := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer target.Close()
	p := promtest.Start(t, promtest.Options{Targets: []string{strings.TrimPrefix(target.URL, "http://")}, NativeHistograms: true})
	query := func(q string) (float64, bool) {
		resp, err := http.Get(p.URL + "/api/v1/query?query=" + url.QueryEscape(q))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r struct {
			Data struct {
				Result []struct {
					Value [2]any `json:"value"`
				} `json:"result"`
			} `json:"data"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || len(r.Data.Result) != 1 {
			return 0, false
		}
		v, err := strconv.ParseFloat(r.Data.Result[0].Value[1].(string), 64)
		return v, err == nil
	}
	sel := `gwtop_upstream_request_duration_seconds{upstream="api"}`
	deadline := time.Now().Add(20 * time.Second)
	for {
		if n, ok := query("histogram_count(" + sel + ")"); ok && n == 18 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus never had the native histogram:\n%s", p.Output())
		}
		time.Sleep(200 * time.Millisecond)
	}
	// 2 samples at 0, 10 at 3 ms, 5 at 40 ms, 1 at 2 s: the median is in
	// the 3 ms bucket, p90 in the 40 ms one (within a bucket's 2.2 %).
	for _, c := range []struct {
		q    float64
		want float64
	}{{0.5, 0.003}, {0.9, 0.04}} {
		v, ok := query("histogram_quantile(" + strconv.FormatFloat(c.q, 'g', -1, 64) + ", " + sel + ")")
		if !ok || math.Abs(v-c.want)/c.want > 0.03 {
			t.Errorf("q%v = %v (%v), want %v within 3 %%", c.q, v, ok, c.want)
		}
	}
	if sum, ok := query("histogram_sum(" + sel + ")"); !ok || math.Abs(sum-2.23) > 1e-9 {
		t.Errorf("sum %v %v", sum, ok)
	}
}
