package record

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"

	"github.com/gwtop/gwtop/model"
)

// The writer's side of delta.go, on Go values: comparing the fields of the
// previous and the new snapshot costs far less than marshalling both to
// JSON and parsing them back (a 500-upstream gateway: milliseconds, not
// most of a second), and only what changed is marshalled. It writes the
// same deltas apply reads; a field of a kind it cannot follow (an
// embedded struct, a ",string" option) makes it fall back to the JSON
// path.

// jfield is one struct field as encoding/json writes it.
type jfield struct {
	index     int
	name      string
	omitEmpty bool
}

var fieldCache sync.Map // reflect.Type → []jfield, or nil when unsupported

// jsonFields lists t's fields by their JSON names; ok is false for a type
// encoding/json would write in a way this coder does not follow.
func jsonFields(t reflect.Type) ([]jfield, bool) {
	if v, ok := fieldCache.Load(t); ok {
		fs := v.([]jfield)
		return fs, fs != nil
	}
	var fs []jfield
	ok := true
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			ok = false
			break
		}
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		if strings.Contains(opts, "string") {
			ok = false
			break
		}
		fs = append(fs, jfield{index: i, name: name, omitEmpty: strings.Contains(","+opts+",", ",omitempty,")})
	}
	if !ok {
		fs = nil
	}
	fieldCache.Store(t, fs)
	return fs, ok
}

// isEmpty is encoding/json's omitempty test.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

// diffStruct is the delta from prev to next, two structs of one type;
// skip names a field left out (the snapshot's upstreams).
func diffStruct(prev, next reflect.Value, skip string) (objDelta, bool, error) {
	fs, ok := jsonFields(next.Type())
	if !ok {
		return objDelta{}, false, nil
	}
	var d objDelta
	for _, f := range fs {
		if f.name == skip {
			continue
		}
		a, b := prev.Field(f.index), next.Field(f.index)
		if reflect.DeepEqual(a.Interface(), b.Interface()) {
			continue
		}
		aOut, bOut := f.omitEmpty && isEmpty(a), f.omitEmpty && isEmpty(b)
		switch {
		case aOut && bOut:
			continue
		case bOut:
			d.Del = append(d.Del, f.name)
			continue
		}
		if !aOut && a.Kind() == reflect.Slice && b.Kind() == reflect.Slice && !a.IsNil() {
			if k, m, ok := slid(a, b); ok {
				add := make([]json.RawMessage, 0, b.Len()-m)
				for i := m; i < b.Len(); i++ {
					e, err := json.Marshal(b.Index(i).Interface())
					if err != nil {
						return d, true, err
					}
					add = append(add, e)
				}
				if d.Arr == nil {
					d.Arr = map[string]arrDelta{}
				}
				d.Arr[f.name] = arrDelta{Drop: k, Add: add}
				continue
			}
		}
		raw, err := json.Marshal(b.Interface())
		if err != nil {
			return d, true, err
		}
		if d.Set == nil {
			d.Set = obj{}
		}
		d.Set[f.name] = raw
	}
	return d, true, nil
}

// slid finds b as a with its first k elements dropped and elements
// appended after the m it keeps (m > 0).
func slid(a, b reflect.Value) (k, m int, ok bool) {
	for k = 0; k < a.Len(); k++ {
		m = a.Len() - k
		if m > b.Len() {
			continue
		}
		same := true
		for i := 0; i < m && same; i++ {
			same = reflect.DeepEqual(a.Index(k+i).Interface(), b.Index(i).Interface())
		}
		if same {
			return k, m, true
		}
	}
	return 0, 0, false
}

type upKey struct{ gateway, address, name string }

// diffSnapshots is diff on the Go values; ok is false when the model has
// a field this coder does not follow.
func diffSnapshots(prev, next *model.Snapshot) (delta, bool, error) {
	top, ok, err := diffStruct(reflect.ValueOf(prev).Elem(), reflect.ValueOf(next).Elem(), "upstreams")
	if !ok || err != nil {
		return delta{}, ok, err
	}
	d := delta{objDelta: top, NullRows: next.Upstreams == nil, Rows: make([]rowDelta, 0, len(next.Upstreams))}
	at := make(map[upKey]int, len(prev.Upstreams))
	for i := range prev.Upstreams {
		u := &prev.Upstreams[i]
		k := upKey{u.Gateway, u.Address, u.Name}
		if _, dup := at[k]; !dup {
			at[k] = i
		}
	}
	for j := range next.Upstreams {
		u := &next.Upstreams[j]
		k := upKey{u.Gateway, u.Address, u.Name}
		i, found := at[k]
		if !found {
			full, err := json.Marshal(u)
			if err != nil {
				return d, true, err
			}
			d.Rows = append(d.Rows, rowDelta{I: -1, New: full})
			continue
		}
		delete(at, k) // a duplicate key is a new row
		rd, ok, err := diffStruct(reflect.ValueOf(&prev.Upstreams[i]).Elem(), reflect.ValueOf(u).Elem(), "")
		if !ok || err != nil {
			return d, ok, err
		}
		d.Rows = append(d.Rows, rowDelta{I: i, objDelta: rd})
	}
	return d, true, nil
}
