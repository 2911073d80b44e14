package record

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// A snapshot is diffed as JSON, not as Go values: what is recorded is
// exactly what gwtop snapshot --json prints, and a field added to the model
// is recorded without touching this file.

// obj is one JSON object as its fields' encoded values.
type obj map[string]json.RawMessage

// state is a snapshot as the delta coder sees it: the top-level fields
// but the upstreams, and the upstream rows.
type state struct {
	top      obj
	rows     []obj
	nullRows bool // "upstreams": null
}

// objDelta turns one object into another: fields set, fields deleted, and
// arrays that slid (a probe history, sparklines, evidence lines: drop the
// oldest k elements, append these).
type objDelta struct {
	Set obj                 `json:"s,omitempty"`
	Del []string            `json:"d,omitempty"`
	Arr map[string]arrDelta `json:"a,omitempty"`
}

type arrDelta struct {
	Drop int               `json:"k"`
	Add  []json.RawMessage `json:"v"`
}

// rowDelta is one upstream row of the new snapshot: the previous
// snapshot's row I with changes, or (I < 0) a new row.
type rowDelta struct {
	I   int             `json:"i"`
	New json.RawMessage `json:"n,omitempty"`
	objDelta
}

// delta is a snapshot as changes to the previous one; rows not listed are
// gone, unchanged rows are a bare index.
type delta struct {
	objDelta
	Rows     []rowDelta `json:"r"`
	NullRows bool       `json:"z,omitempty"`
}

// parseState reads a snapshot's JSON.
func parseState(b []byte) (*state, error) {
	var top obj
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	if top == nil {
		return nil, fmt.Errorf("snapshot: not an object")
	}
	st := &state{top: top}
	ups, ok := top["upstreams"]
	delete(top, "upstreams")
	if !ok || bytes.Equal(ups, []byte("null")) {
		st.nullRows = true
		return st, nil
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(ups, &raws); err != nil {
		return nil, fmt.Errorf("snapshot upstreams: %w", err)
	}
	st.rows = make([]obj, len(raws))
	for i, r := range raws {
		if err := json.Unmarshal(r, &st.rows[i]); err != nil {
			return nil, fmt.Errorf("snapshot upstream %d: %w", i, err)
		}
		if st.rows[i] == nil {
			return nil, fmt.Errorf("snapshot upstream %d: not an object", i)
		}
	}
	return st, nil
}

// json is the snapshot's JSON again.
func (st *state) json() ([]byte, error) {
	top := make(obj, len(st.top)+1)
	for k, v := range st.top {
		top[k] = v
	}
	if st.nullRows {
		top["upstreams"] = json.RawMessage("null")
	} else {
		rows, err := json.Marshal(st.rows)
		if err != nil {
			return nil, err
		}
		top["upstreams"] = rows
	}
	return json.Marshal(top)
}

// rowKey identifies an upstream row across snapshots: its gateway
// instance, address and name.
func rowKey(r obj) string {
	return string(r["gateway"]) + "\x00" + string(r["address"]) + "\x00" + string(r["name"])
}

// diff is the delta from prev to next.
func diff(prev, next *state) delta {
	d := delta{objDelta: diffObj(prev.top, next.top), NullRows: next.nullRows, Rows: []rowDelta{}}
	at := make(map[string]int, len(prev.rows))
	for i, r := range prev.rows {
		if _, dup := at[rowKey(r)]; !dup {
			at[rowKey(r)] = i
		}
	}
	for _, r := range next.rows {
		i, ok := at[rowKey(r)]
		if !ok {
			full, _ := json.Marshal(r)
			d.Rows = append(d.Rows, rowDelta{I: -1, New: full})
			continue
		}
		delete(at, rowKey(r)) // a duplicate key is a new row
		d.Rows = append(d.Rows, rowDelta{I: i, objDelta: diffObj(prev.rows[i], r)})
	}
	return d
}

func diffObj(prev, next obj) objDelta {
	var d objDelta
	for k, v := range next {
		old, ok := prev[k]
		if ok && bytes.Equal(old, v) {
			continue
		}
		if ok {
			if a, ok := diffArray(old, v); ok {
				if d.Arr == nil {
					d.Arr = map[string]arrDelta{}
				}
				d.Arr[k] = a
				continue
			}
		}
		if d.Set == nil {
			d.Set = obj{}
		}
		d.Set[k] = v
	}
	for k := range prev {
		if _, ok := next[k]; !ok {
			d.Del = append(d.Del, k)
		}
	}
	return d
}

// diffArray finds next as prev with its oldest k elements dropped and new
// ones appended, keeping at least one element: a window that slid.
func diffArray(prev, next json.RawMessage) (arrDelta, bool) {
	if len(prev) == 0 || prev[0] != '[' || len(next) == 0 || next[0] != '[' {
		return arrDelta{}, false
	}
	var o, n []json.RawMessage
	if json.Unmarshal(prev, &o) != nil || json.Unmarshal(next, &n) != nil {
		return arrDelta{}, false
	}
	for k := 0; k < len(o); k++ {
		m := len(o) - k
		if m > len(n) {
			continue
		}
		same := true
		for i := 0; i < m && same; i++ {
			same = bytes.Equal(o[k+i], n[i])
		}
		if same {
			return arrDelta{Drop: k, Add: n[m:]}, true
		}
	}
	return arrDelta{}, false
}

// apply is prev with d applied; prev is not modified.
func apply(prev *state, d *delta) (*state, error) {
	top, err := applyObj(prev.top, &d.objDelta)
	if err != nil {
		return nil, err
	}
	next := &state{top: top, nullRows: d.NullRows, rows: make([]obj, 0, len(d.Rows))}
	for _, rd := range d.Rows {
		if rd.I < 0 {
			var r obj
			if err := json.Unmarshal(rd.New, &r); err != nil || r == nil {
				return nil, fmt.Errorf("delta: new row: not an object")
			}
			next.rows = append(next.rows, r)
			continue
		}
		if rd.I >= len(prev.rows) {
			return nil, fmt.Errorf("delta: row %d of %d", rd.I, len(prev.rows))
		}
		r, err := applyObj(prev.rows[rd.I], &rd.objDelta)
		if err != nil {
			return nil, err
		}
		next.rows = append(next.rows, r)
	}
	return next, nil
}

func applyObj(prev obj, d *objDelta) (obj, error) {
	if len(d.Set) == 0 && len(d.Del) == 0 && len(d.Arr) == 0 {
		return prev, nil // unchanged: shared, never modified
	}
	out := make(obj, len(prev)+len(d.Set))
	for k, v := range prev {
		out[k] = v
	}
	for k, v := range d.Set {
		out[k] = v
	}
	for _, k := range d.Del {
		delete(out, k)
	}
	for k, a := range d.Arr {
		var o []json.RawMessage
		if err := json.Unmarshal(prev[k], &o); err != nil {
			return nil, fmt.Errorf("delta: field %q is not an array", k)
		}
		if a.Drop < 0 || a.Drop > len(o) {
			return nil, fmt.Errorf("delta: field %q: drop %d of %d", k, a.Drop, len(o))
		}
		b, err := json.Marshal(append(o[a.Drop:len(o):len(o)], a.Add...))
		if err != nil {
			return nil, fmt.Errorf("delta: field %q: %w", k, err)
		}
		out[k] = b
	}
	return out, nil
}
