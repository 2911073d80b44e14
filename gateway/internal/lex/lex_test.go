package lex

import (
	"testing"
	"time"
)

func TestDigitsNum2Clock(t *testing.T) {
	for s, want := range map[string]int64{"0": 0, "42": 42, "007": 7, "999999999999999999": 999999999999999999} {
		if n, ok := Digits(s); !ok || n != want {
			t.Errorf("Digits(%q) = %d %v", s, n, ok)
		}
	}
	for _, s := range []string{"", "-1", "1.5", "12a", "1234567890123456789"} {
		if _, ok := Digits(s); ok {
			t.Errorf("Digits(%q) accepted", s)
		}
	}
	if n, ok := Num2("09"); !ok || n != 9 {
		t.Errorf("Num2(09) = %d %v", n, ok)
	}
	for _, s := range []string{"9", "123", "a1"} {
		if _, ok := Num2(s); ok {
			t.Errorf("Num2(%q) accepted", s)
		}
	}
	got, ok := Clock(2026, 12, 1, "09:32:15", 3600)
	if want := time.Date(2026, 12, 1, 8, 32, 15, 0, time.UTC); !ok || !got.Equal(want) {
		t.Errorf("Clock = %v %v, want %v", got, ok, want)
	}
	for _, hms := range []string{"9:32:15", "09-32-15", "25:00:00", "09:60:00"} {
		if _, ok := Clock(2026, 12, 1, hms, 0); ok {
			t.Errorf("Clock(%q) accepted", hms)
		}
	}
}
