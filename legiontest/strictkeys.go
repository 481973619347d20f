package legiontest

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// checkKeys reports the first key of the JSON document data, at any depth,
// that names no field of t exactly. encoding/json's DisallowUnknownFields
// still matches keys without regard to case ("Name" fills name); a seed or
// snapshot is read as strictly as a request body, where a JavaScript server
// would not see the field at all.
func checkKeys(data []byte, t reflect.Type) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil // the decoder reports it, with its position
	}
	return walkKeys(v, t, "")
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
var textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()

func walkKeys(v any, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return nil // the type reads itself
	}
	switch x := v.(type) {
	case map[string]any:
		switch t.Kind() {
		case reflect.Struct:
			for k, child := range x {
				f, ok := jsonField(t, k)
				if !ok {
					return fmt.Errorf("%s: unknown field %q%s", where(path), k, caseHint(t, k))
				}
				if err := walkKeys(child, f.Type, path+"."+k); err != nil {
					return err
				}
			}
		case reflect.Map:
			for k, child := range x {
				if err := walkKeys(child, t.Elem(), path+"."+k); err != nil {
					return err
				}
			}
		}
	case []any:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for i, child := range x {
				if err := walkKeys(child, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func where(path string) string {
	if path == "" {
		return "top level"
	}
	return strings.TrimPrefix(path, ".")
}

// caseHint names the field a key differs from only in case.
func caseHint(t reflect.Type, key string) string {
	for _, f := range reflect.VisibleFields(t) {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		if f.IsExported() && name != "-" && strings.EqualFold(name, key) {
			return fmt.Sprintf(" (keys are case-sensitive: %q)", name)
		}
	}
	return ""
}
