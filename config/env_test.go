package config

import "testing"

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestEnvDefault(t *testing.T) {
	out, err := expandEnv("${A:-x}/${B}", env(map[string]string{"B": "y"}))
	if err != nil || out != "x/y" {
		t.Fatalf("got %q %v", out, err)
	}
}
