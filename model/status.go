package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// StatusClasses counts responses by class: [0] any other status, [1] the
// 1xx … [5] the 5xx. An array, not a map: a snapshot of a thousand
// upstreams holds three windows each. In JSON it is the object of the
// classes seen, {"2xx": 10, "5xx": 1}, keys in order.
type StatusClasses [6]int64

// ClassNames are the JSON names of StatusClasses' entries.
var ClassNames = [6]string{"other", "1xx", "2xx", "3xx", "4xx", "5xx"}

// classOrder is the JSON key order (as a map's keys sort).
var classOrder = [6]int{1, 2, 3, 4, 5, 0}

// Get returns the count of the class named ("2xx", "other"); ok is false
// when none was seen.
func (c StatusClasses) Get(name string) (n int64, ok bool) {
	for i, cn := range ClassNames {
		if cn == name {
			return c[i], c[i] != 0
		}
	}
	return 0, false
}

// MarshalJSON writes the classes seen as an object.
func (c StatusClasses) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 64)
	b = append(b, '{')
	for _, i := range classOrder {
		if c[i] == 0 {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, ClassNames[i]...)
		b = append(b, '"', ':')
		b = strconv.AppendInt(b, c[i], 10)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads an object of class names; null leaves no counts.
func (c *StatusClasses) UnmarshalJSON(b []byte) error {
	*c = StatusClasses{}
	m, err := countObject(b)
	if err != nil {
		return err
	}
	for k, n := range m {
		i := slices.Index(ClassNames[:], k)
		if i < 0 {
			return fmt.Errorf("status class %q: not one of 1xx … 5xx, other", k)
		}
		c[i] = n
	}
	return nil
}

// StatusCode is one status code's count.
type StatusCode struct {
	Code int
	N    int64
}

// StatusCodes counts responses by status code. In JSON the object
// {"200": 10, "502": 1}, keys in the order of their text.
type StatusCodes []StatusCode

// Get returns the count of one code.
func (c StatusCodes) Get(code int) int64 {
	for _, sc := range c {
		if sc.Code == code {
			return sc.N
		}
	}
	return 0
}

// Sorted returns the codes in their JSON order (as text), a copy.
func (c StatusCodes) Sorted() StatusCodes {
	s := slices.Clone(c)
	slices.SortFunc(s, func(a, b StatusCode) int {
		var x, y [20]byte
		return bytes.Compare(strconv.AppendInt(x[:0], int64(a.Code), 10), strconv.AppendInt(y[:0], int64(b.Code), 10))
	})
	return s
}

// MarshalJSON writes the codes as an object.
func (c StatusCodes) MarshalJSON() ([]byte, error) {
	if c == nil {
		return []byte("null"), nil
	}
	b := make([]byte, 0, 16*len(c)+2)
	b = append(b, '{')
	for i, sc := range c.Sorted() {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = strconv.AppendInt(b, int64(sc.Code), 10)
		b = append(b, '"', ':')
		b = strconv.AppendInt(b, sc.N, 10)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads an object of decimal codes.
func (c *StatusCodes) UnmarshalJSON(b []byte) error {
	*c = nil
	m, err := countObject(b)
	if err != nil || m == nil {
		return err
	}
	out := make(StatusCodes, 0, len(m))
	for k, n := range m {
		code, err := strconv.Atoi(k)
		if err != nil {
			return fmt.Errorf("status code %q: not a number", k)
		}
		out = append(out, StatusCode{code, n})
	}
	*c = out.Sorted()
	return nil
}

// countObject reads a JSON object of counts; null reads as none.
func countObject(b []byte) (map[string]int64, error) {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil, nil
	}
	var m map[string]int64
	err := json.Unmarshal(b, &m)
	return m, err
}
