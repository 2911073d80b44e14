package logformat

import (
	"testing"
)

func TestCompileFormatForms(t *testing.T) {
	tests := []struct {
		name, in, text string
		escape         escapeMode
	}{
		{"combined by name", "combined", formatCombined, escapeDefault},
		{"main by name", "  main\n", formatMain, escapeDefault},
		{"bare text", formatCombined, formatCombined, escapeDefault},
		{"bare text starting with a quote", apmText, apmText, escapeDefault},
		{"directive", apmDirective, apmText, escapeDefault},
		{"directive body only", `'$remote_addr ' "[$time_local]" '$status';`, `$remote_addr [$time_local]$status`, escapeDefault},
		{"escape=json pieces", `escape=json '{"time":"$time_iso8601",' '"status":"$status"}'`, `{"time":"$time_iso8601","status":"$status"}`, escapeJSON},
		{"escape=none", `escape=none '$status'`, `$status`, escapeNone},
		{"escape=default bare", `escape=default $status $request_time`, `$status $request_time`, escapeDefault},
		{"escape=json bare JSON", `escape=json {"s": "$status"}`, `{"s": "$status"}`, escapeJSON},
		{"double-quoted piece with escapes", `"\"$request\" $status\t"`, "\"$request\" $status\t", escapeDefault},
		{"log_format with bare word", `log_format short $status;`, `$status`, escapeDefault},
		{"braces", `${status}x${request_time}`, `${status}x${request_time}`, escapeDefault},
		{"adjacent after fixed width", `$time_local$status`, `$time_local$status`, escapeDefault},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := mustCompile(t, tc.in)
			if f.String() != tc.text {
				t.Errorf("text = %q, want %q", f.String(), tc.text)
			}
			if f.escape != tc.escape {
				t.Errorf("escape = %d, want %d", f.escape, tc.escape)
			}
		})
	}
}

func TestCompileFormatErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "log_format: empty format"},
		{"   ", "log_format: empty format"},
		{`'$remote_addr [$time_local] "$status`, "log_format: unterminated quote at column 1"},
		{`escape=json '{"a":"$status"}' '{"b":`, "log_format: unterminated quote at column 31"},
		{`log_format x '$status'x`, `log_format: unexpected 'x' after closing quote at column 23`},
		{`'$status'; more`, `log_format: unexpected text after ';' at column 11`},
		{`$status $`, "log_format: '$' without a variable name at column 9"},
		{`$status $-`, "log_format: '$' without a variable name at column 9"},
		{`${status`, "log_format: unterminated ${ at column 1"},
		{`${sta tus}`, `log_format: invalid character ' ' in variable name at column 6`},
		{`${}`, "log_format: '$' without a variable name at column 1"},
		{`$status$request_time`, "log_format: variables $status and $request_time have no text between them, so their values cannot be told apart at column 8"},
		{`escape=xml $status`, `log_format: unknown "escape=xml" (want escape=default, json or none) at column 1`},
		{`escape=json`, "log_format: empty format at column 12"},
		{`log_format`, "log_format: missing format name after log_format at column 11"},
		{`log_format x ''`, "log_format: empty format at column 14"},
		{"log_format x '$status'\n  '$foo", "log_format: unterminated quote at line 2 column 3"},
	}
	for _, tc := range tests {
		_, err := Compile(tc.in)
		if err == nil {
			t.Errorf("Compile(%q) succeeded, want %q", tc.in, tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("Compile(%q) = %q, want %q", tc.in, err.Error(), tc.want)
		}
	}
}
