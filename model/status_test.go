package model

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// The array and list types write the JSON the maps they replaced wrote
// (the same keys, in the same order) and read it back.
func TestStatusJSONAsMaps(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 500 {
		var c StatusClasses
		m := map[string]int64{}
		for i := range c {
			if r.IntN(2) == 0 {
				c[i] = r.Int64N(1 << 40)
				m[ClassNames[i]] = c[i]
			}
		}
		var codes StatusCodes
		cm := map[string]int64{}
		for _, code := range []int{0, 7, 200, 204, 301, 404, 499, 500, 502, 504, 1000, 99999} {
			if r.IntN(3) == 0 {
				n := r.Int64N(1000) + 1
				codes = append(codes, StatusCode{code, n})
				cm[strconv.Itoa(code)] = n
			}
		}
		r.Shuffle(len(codes), func(i, j int) { codes[i], codes[j] = codes[j], codes[i] })
		w := Window{Classes: c, Codes: codes}
		got, err := json.Marshal(w)
		if err != nil {
			t.Fatal(err)
		}
		type mapWindow struct {
			Seconds   int              `json:"seconds"`
			Requests  int64            `json:"requests"`
			Errors5xx int64            `json:"errors_5xx"`
			Rate5xx   float64          `json:"rate_5xx"`
			ReqPerSec float64          `json:"req_per_sec"`
			Classes   map[string]int64 `json:"status_classes"`
			Codes     map[string]int64 `json:"status_codes,omitempty"`
			LatencyMS Latency          `json:"latency_ms"`
		}
		want, _ := json.Marshal(mapWindow{Classes: m, Codes: cm})
		if string(got) != string(want) {
			t.Fatalf("JSON\n%s\nmaps write\n%s", got, want)
		}
		var back Window
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatal(err)
		}
		if back.Classes != c || !slices.Equal(back.Codes, codes.Sorted()) {
			t.Fatalf("read back %+v %+v, wrote %+v %+v", back.Classes, back.Codes, c, codes)
		}
		for i, name := range ClassNames {
			if n, ok := c.Get(name); n != c[i] || ok != (c[i] != 0) {
				t.Fatalf("Get(%q) = %d %v, holds %d", name, n, ok, c[i])
			}
		}
	}
	var w Window
	for _, bad := range []string{`{"status_classes": {"6xx": 1}}`, `{"status_codes": {"OK": 1}}`, `{"status_classes": [1]}`} {
		if err := json.Unmarshal([]byte(bad), &w); err == nil {
			t.Errorf("%s: read without an error", bad)
		}
	}
	if err := json.Unmarshal([]byte(`{"status_classes": null, "status_codes": null}`), &w); err != nil || w.Classes != (StatusClasses{}) || w.Codes != nil {
		t.Errorf("null: %v %+v", err, w)
	}
}
