package config

import (
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"gopkg.in/yaml.v3"
)

// The YAML file is decoded into a struct type built at run time from the
// registered kinds: one field per kind, tagged with its name and typed as
// its section. yaml.v3 then checks unknown fields and types in every
// section with its own line numbers, exactly as for a static struct, while
// config never names a kind.

// structType caches the decoding type; RegisterKind clears it.
var structType atomic.Pointer[fileType]

type fileType struct {
	typ   reflect.Type
	kinds []Kind // parallel to the fields after the common ones
}

// common is the number of fields every file has before the sections.
const common = 7

func buildFileType() *fileType {
	if ft := structType.Load(); ft != nil {
		return ft
	}
	ks := Kinds()
	fields := []reflect.StructField{
		{Name: "Interval", Type: reflect.TypeFor[time.Duration](), Tag: `yaml:"interval"`},
		{Name: "ProbeTimeout", Type: reflect.TypeFor[time.Duration](), Tag: `yaml:"probe_timeout"`},
		{Name: "Upstreams", Type: reflect.TypeFor[[]Upstream](), Tag: `yaml:"upstreams"`},
		{Name: "Apps", Type: reflect.TypeFor[[]App](), Tag: `yaml:"apps"`},
		{Name: "Alerts", Type: reflect.TypeFor[[]Alert](), Tag: `yaml:"alerts"`},
		// A pointer, so that alert_after: 0s (alert at once) differs
		// from no alert_after: at all (the default).
		{Name: "AlertAfter", Type: reflect.TypeFor[*time.Duration](), Tag: `yaml:"alert_after"`},
		{Name: "Prometheus", Type: reflect.TypeFor[*Prometheus](), Tag: `yaml:"prometheus"`},
	}
	for i, k := range ks {
		fields = append(fields, reflect.StructField{
			Name: "Section" + strconv.Itoa(i),
			Type: reflect.TypeOf(k.New()),
			Tag:  reflect.StructTag(`yaml:"` + k.Name + `"`),
		})
	}
	ft := &fileType{typ: reflect.StructOf(fields), kinds: ks}
	structType.Store(ft)
	return ft
}

// file is one decoding of a configuration file.
type file struct {
	ft  *fileType
	ptr any // *struct{…}
	// extra are the KIND@LABEL sections of this file (more instances of a
	// kind), fields after the kinds'.
	extra []string
}

// newFile makes the decoding type for one document: the registered kinds'
// sections, and one more field for every KIND@LABEL key the document has
// (a second nginx on the host), so those are decoded as strictly.
func newFile(root *yaml.Node) file {
	ft := buildFileType()
	f := file{ft: ft}
	typ := ft.typ
	if root != nil && len(root.Content) > 0 && root.Content[0].Kind == yaml.MappingNode {
		fields := make([]reflect.StructField, 0, typ.NumField()+2)
		for i := 0; i < typ.NumField(); i++ {
			fields = append(fields, typ.Field(i))
		}
		m := root.Content[0]
		seen := map[string]bool{}
		for i := 0; i+1 < len(m.Content); i += 2 {
			key := m.Content[i].Value
			kind, label, ok := strings.Cut(key, "@")
			if !ok || seen[key] || !validLabel(label) {
				continue
			}
			k, known := kindByName(kind)
			if !known {
				continue
			}
			seen[key] = true
			f.extra = append(f.extra, key)
			fields = append(fields, reflect.StructField{Name: "Instance" + strconv.Itoa(len(f.extra)), Type: reflect.TypeOf(k.New()),
				Tag: reflect.StructTag(`yaml:"` + key + `"`)})
		}
		if len(f.extra) > 0 {
			typ = reflect.StructOf(fields)
		}
	}
	f.ptr = reflect.New(typ).Interface()
	return f
}

// into copies what was decoded into cfg: a section that the file names
// (even empty, `haproxy: {}`) is present.
func (f file) into(cfg *Config) {
	v := reflect.ValueOf(f.ptr).Elem()
	cfg.Interval = v.Field(0).Interface().(time.Duration)
	cfg.ProbeTimeout = v.Field(1).Interface().(time.Duration)
	cfg.Upstreams = v.Field(2).Interface().([]Upstream)
	cfg.Apps = v.Field(3).Interface().([]App)
	cfg.Alerts = v.Field(4).Interface().([]Alert)
	cfg.AlertAfter = DefaultAlertAfter
	if d := v.Field(5).Interface().(*time.Duration); d != nil {
		cfg.AlertAfter = *d
	}
	cfg.Prometheus = v.Field(6).Interface().(*Prometheus)
	for i, k := range f.ft.kinds {
		fv := v.Field(common + i)
		if fv.IsNil() {
			continue
		}
		cfg.SetSection(k.Name, fv.Interface().(Section))
	}
	for i, name := range f.extra {
		if fv := v.Field(common + len(f.ft.kinds) + i); !fv.IsNil() {
			cfg.SetSection(name, fv.Interface().(Section))
		}
	}
}
