package config

import (
	"reflect"
	"strconv"
	"sync/atomic"
	"time"
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
const common = 3

func buildFileType() *fileType {
	if ft := structType.Load(); ft != nil {
		return ft
	}
	ks := Kinds()
	fields := []reflect.StructField{
		{Name: "Interval", Type: reflect.TypeFor[time.Duration](), Tag: `yaml:"interval"`},
		{Name: "ProbeTimeout", Type: reflect.TypeFor[time.Duration](), Tag: `yaml:"probe_timeout"`},
		{Name: "Upstreams", Type: reflect.TypeFor[[]Upstream](), Tag: `yaml:"upstreams"`},
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
}

func newFile() file {
	ft := buildFileType()
	return file{ft: ft, ptr: reflect.New(ft.typ).Interface()}
}

// into copies what was decoded into cfg: a section that the file names
// (even empty, `haproxy: {}`) is present.
func (f file) into(cfg *Config) {
	v := reflect.ValueOf(f.ptr).Elem()
	cfg.Interval = v.Field(0).Interface().(time.Duration)
	cfg.ProbeTimeout = v.Field(1).Interface().(time.Duration)
	cfg.Upstreams = v.Field(2).Interface().([]Upstream)
	for i, k := range f.ft.kinds {
		fv := v.Field(common + i)
		if fv.IsNil() {
			continue
		}
		cfg.SetSection(k.Name, fv.Interface().(Section))
	}
}
