package legiontest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
)

// --- request bodies ---

// decode reads the JSON object body into v (whatever the Content-Type).
func (c *reqCtx) decode(v any, limit int64) *failure {
	if c.tooBig {
		return &failure{http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds %d bytes", limit)}
	}
	if c.readErr {
		return &failure{http.StatusBadRequest, "could not read the request body"}
	}
	b := bytes.TrimLeft(c.body, " \t\r\n")
	if len(b) == 0 || b[0] != '{' {
		return &failure{http.StatusBadRequest, "invalid JSON: the body must be a JSON object"}
	}
	body := exactKeys(c.body, reflect.TypeOf(v).Elem())
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return &failure{http.StatusBadRequest, fmt.Sprintf("invalid JSON: field %q: expected %s, got %s", te.Field, kindName(te.Type), te.Value)}
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return &failure{http.StatusBadRequest, fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, se)}
		}
		return &failure{http.StatusBadRequest, "invalid JSON: " + err.Error()}
	}
	if at, want := nullField(body, reflect.TypeOf(v).Elem()); at != "" {
		return &failure{http.StatusBadRequest, fmt.Sprintf("invalid JSON: field %q: expected %s, got null", at, kindName(want))}
	}
	return nil
}

func kindName(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "of type " + t.String()
}

// exactKeys returns body without the top-level keys that name no field of
// t exactly. encoding/json matches keys case-insensitively and a
// JavaScript server does not: there {"VERSION":"1.0.1"} carries no version,
// and {"password":"a","Password":"b"} the password "a". Request bodies are
// flat objects, so the top level is all there is to filter. A body that is
// not an object of JSON values is returned as is, for decode to report.
func exactKeys(body []byte, t reflect.Type) []byte {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return body
	}
	dropped := false
	for k := range obj {
		if _, ok := jsonField(t, k); !ok {
			delete(obj, k)
			dropped = true
		}
	}
	if !dropped {
		return body
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return body
	}
	return out
}
