package legiontest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// nullField returns the first place (in key order) where the JSON body has
// null but t needs a string, an object or an array, as "name",
// `dependencies["x"]` or "keywords[1]"; "" when there is none.
// encoding/json leaves such a field at its zero value, so without this
// check "name": null would read as "" and a null range as "" (which means
// "*"); a JavaScript registry's validation refuses them.
// The type returned is the one the null stands in for.
func nullField(body []byte, t reflect.Type) (string, reflect.Type) {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return "", nil
	}
	return findNull(v, t, "")
}

func findNull(v any, t reflect.Type, at string) (string, reflect.Type) {
	if t.Kind() == reflect.Pointer {
		if v == nil {
			return "", nil // an optional value
		}
		t = t.Elem()
	}
	if v == nil {
		switch t.Kind() {
		case reflect.String, reflect.Map, reflect.Slice, reflect.Array, reflect.Struct:
			return at, t
		}
		return "", nil
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, _ := v.(map[string]any)
		for _, k := range sortedKeys(obj) {
			if f, ok := jsonField(t, k); ok {
				name := k
				if at != "" {
					name = at + "." + k
				}
				if p, want := findNull(obj[k], f.Type, name); p != "" {
					return p, want
				}
			}
		}
	case reflect.Map:
		obj, _ := v.(map[string]any)
		for _, k := range sortedKeys(obj) {
			if p, want := findNull(obj[k], t.Elem(), fmt.Sprintf("%s[%q]", at, k)); p != "" {
				return p, want
			}
		}
	case reflect.Slice, reflect.Array:
		arr, _ := v.([]any)
		for i, e := range arr {
			if p, want := findNull(e, t.Elem(), fmt.Sprintf("%s[%d]", at, i)); p != "" {
				return p, want
			}
		}
	}
	return "", nil
}

// jsonField finds the field whose JSON name is key, exactly: request
// bodies are matched as a JavaScript server reads them (see exactKeys).
func jsonField(t reflect.Type, key string) (reflect.StructField, bool) {
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}
