package promtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestScrapes: the started Prometheus scrapes a target every second.
func TestScrapes(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "# TYPE promtest_value gauge\npromtest_value 42\n")
	}))
	defer target.Close()
	p := Start(t, Options{Targets: []string{strings.TrimPrefix(target.URL, "http://")}})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(p.URL + "/api/v1/query?query=" + url.QueryEscape(`promtest_value{job="gwtop"} * on(instance) up`))
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			Data struct {
				Result []struct {
					Value [2]any `json:"value"`
				} `json:"result"`
			} `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Data.Result) == 1 && r.Data.Result[0].Value[1] == "42" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("never scraped: %+v\n%s", r, p.Output())
		}
		time.Sleep(200 * time.Millisecond)
	}
}
