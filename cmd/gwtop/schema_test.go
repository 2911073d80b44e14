package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gwtop/gwtop/model"
)

var (
	schemaOnce sync.Once
	schemaDoc  map[string]any
	schemaErr  error
)

// checkSchema validates a `gwtop snapshot --json` document against
// docs/snapshot.schema.json, for the parts of JSON Schema that file uses:
// type, required, properties, items, enum, minimum/maximum and $ref.
func checkSchema(t *testing.T, raw []byte) {
	t.Helper()
	schemaOnce.Do(func() {
		b, err := os.ReadFile("../../docs/snapshot.schema.json")
		if err != nil {
			schemaErr = err
			return
		}
		schemaErr = json.Unmarshal(b, &schemaDoc)
	})
	if schemaErr != nil {
		t.Fatalf("schema: %v", schemaErr)
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var errs []string
	validate(schemaDoc, schemaDoc, doc, "$", &errs)
	if len(errs) > 0 {
		if len(errs) > 20 {
			errs = errs[:20]
		}
		t.Errorf("snapshot JSON does not match docs/snapshot.schema.json:\n%s", strings.Join(errs, "\n"))
	}
}

func validate(root, s map[string]any, v any, path string, errs *[]string) {
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/$defs/")
		s = root["$defs"].(map[string]any)[name].(map[string]any)
	}
	bad := func(format string, a ...any) { *errs = append(*errs, path+": "+fmt.Sprintf(format, a...)) }
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		bad("%v is not one of %v", v, enum)
	}
	switch s["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			bad("want an object, got %T", v)
			return
		}
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if _, ok := m[r.(string)]; !ok {
					bad("missing required %q", r)
				}
			}
		}
		props, _ := s["properties"].(map[string]any)
		for k, pv := range m {
			if ps, ok := props[k].(map[string]any); ok {
				validate(root, ps, pv, path+"."+k, errs)
			} else if ap, ok := s["additionalProperties"].(map[string]any); ok {
				validate(root, ap, pv, path+"."+k, errs)
			} else if props != nil {
				bad("field %q is not in the schema", k)
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			bad("want an array, got %T", v)
			return
		}
		if max, ok := s["maxItems"].(float64); ok && float64(len(a)) > max {
			bad("%d items, at most %v", len(a), max)
		}
		if is, ok := s["items"].(map[string]any); ok {
			for i, e := range a {
				validate(root, is, e, fmt.Sprintf("%s[%d]", path, i), errs)
			}
		}
	case "number", "integer":
		n, ok := v.(float64)
		if !ok {
			bad("want a number, got %T", v)
			return
		}
		if s["type"] == "integer" && n != float64(int64(n)) {
			bad("want an integer, got %v", n)
		}
		if lo, ok := s["minimum"].(float64); ok && n < lo {
			bad("%v < minimum %v", n, lo)
		}
		if hi, ok := s["maximum"].(float64); ok && n > hi {
			bad("%v > maximum %v", n, hi)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			bad("want a string, got %T", v)
		}
		if p, isPat := s["pattern"].(string); ok && isPat && !regexp.MustCompile(p).MatchString(str) {
			bad("%q does not match %s", str, p)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("want a boolean, got %T", v)
		}
	}
}

// TestSchemaCheckerFails makes sure the checker can fail.
func TestSchemaCheckerFails(t *testing.T) {
	var errs []string
	b, err := os.ReadFile("../../docs/snapshot.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	var doc any
	_ = json.Unmarshal([]byte(`{"time":"x","started":"x","host":{"cpu_percent":120,"mem_percent":1,"load1":0},"gateways":[],"upstreams":[{"name":"a","address":"b","state":"sideways","state_reason":"","requests":1.5,"errors_5xx":0,"rate_5xx":0,"latency_ms":{"p50":0,"p95":0,"p99":0,"count":0},"causes":[{"code":"bogus"}],"extra":1}],"req_per_sec":0,"rate_5xx":0,"latency_ms":{"p50":0,"p95":0,"p99":0,"count":0}}`), &doc)
	validate(s, s, doc, "$", &errs)
	want := []string{"cpu_percent", "sideways", "requests", "bogus", `"extra"`, "next_step"}
	joined := strings.Join(errs, "\n")
	for _, w := range want {
		if !strings.Contains(joined, w) {
			t.Errorf("checker missed %s:\n%s", w, joined)
		}
	}
}

// TestSchemaCodes: the schema's cause and root enums are exactly the
// model's codes, so a new code cannot ship undocumented.
func TestSchemaCodes(t *testing.T) {
	b, err := os.ReadFile("../../docs/snapshot.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Defs map[string]struct {
			Enum []string `json:"enum"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var causes, roots []string
	for _, c := range model.AllCauses() {
		causes = append(causes, string(c))
	}
	for _, r := range model.AllRoots() {
		roots = append(roots, string(r))
	}
	if got := doc.Defs["cause"].Enum; !slices.Equal(got, causes) {
		t.Errorf("schema causes %v, model %v", got, causes)
	}
	if got := doc.Defs["root"].Enum; !slices.Equal(got, roots) {
		t.Errorf("schema roots %v, model %v", got, roots)
	}
}
