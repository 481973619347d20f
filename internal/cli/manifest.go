package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/legion-registry/legion-go/internal/semrange"
)

const (
	manifestFile = "legion.json"
	lockFile     = "legion.lock"
	modulesDir   = "legion_modules"
	readmeFile   = "README.md"
)

// Manifest is a project's legion.json. Fields it does not know are kept,
// in sorted order after the known ones, when the file is rewritten.
type Manifest struct {
	Name         string
	Version      string
	Description  string
	License      string
	Keywords     []string
	Dependencies map[string]string // name → npm-style range

	extra map[string]json.RawMessage
}

// manifestKeys are the known fields, in the order they are written.
var manifestKeys = []string{"name", "version", "description", "license", "keywords", "dependencies"}

// ParseManifest reads legion.json's content.
func ParseManifest(b []byte) (*Manifest, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, jsonProblem(b, err, "an object of package settings")
	}
	if raw == nil {
		return nil, errors.New("expected an object of package settings, found null")
	}
	m := &Manifest{}
	fields := map[string]any{
		"name": &m.Name, "version": &m.Version, "description": &m.Description,
		"license": &m.License, "keywords": &m.Keywords, "dependencies": &m.Dependencies,
	}
	for _, k := range manifestKeys {
		v, ok := raw[k]
		if !ok {
			continue
		}
		delete(raw, k)
		if string(bytes.TrimSpace(v)) == "null" {
			continue
		}
		if err := json.Unmarshal(v, fields[k]); err != nil {
			return nil, fmt.Errorf("field %q: %s", k, jsonTypeProblem(err))
		}
	}
	if len(raw) > 0 {
		m.extra = raw
	}
	return m, nil
}

// jsonTypeProblem words a decoding error without the Go type names.
func jsonTypeProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "expected " + map[string]string{
			"string": "a string", "slice": "a list of strings", "map": "an object of strings",
		}[te.Type.Kind().String()] + ", found " + te.Value
	}
	return err.Error()
}

// Marshal renders legion.json: known fields first in a fixed order, then
// unknown ones sorted; two-space indent and a final newline, so that the
// same manifest always gives the same bytes.
func (m *Manifest) Marshal() []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	put := func(k string, v any) {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		kb, _ := marshalJSON(k)
		vb, err := marshalJSON(v)
		if err != nil { // only RawMessage could fail, and it was valid
			vb = []byte("null")
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	keywords := m.Keywords
	if keywords == nil {
		keywords = []string{}
	}
	deps := m.Dependencies
	if deps == nil {
		deps = map[string]string{}
	}
	put("name", m.Name)
	put("version", m.Version)
	put("description", m.Description)
	put("license", m.License)
	put("keywords", keywords)
	put("dependencies", deps)
	for _, k := range slices.Sorted(maps.Keys(m.extra)) {
		put(k, m.extra[k])
	}
	b.WriteByte('}')
	var out bytes.Buffer
	_ = json.Indent(&out, b.Bytes(), "", "  ")
	out.WriteByte('\n')
	return out.Bytes()
}

// marshalJSON is json.Marshal without HTML escaping: a description saying
// "fast & small" stays readable in the file.
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// marshalIndent is marshalJSON, indented by two spaces, with a final newline.
func marshalIndent(v any) ([]byte, error) {
	b, err := marshalJSON(v)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// clone returns a deep copy, so that a command can edit a manifest and
// compare it with the original.
func (m *Manifest) clone() *Manifest {
	c := *m
	c.Keywords = slices.Clone(m.Keywords)
	c.Dependencies = maps.Clone(m.Dependencies)
	c.extra = maps.Clone(m.extra)
	return &c
}

// checkDependencies validates the manifest's dependency names and ranges.
func (m *Manifest) checkDependencies() error {
	for _, name := range slices.Sorted(maps.Keys(m.Dependencies)) {
		if err := checkPackageName(name); err != nil {
			return fmt.Errorf("dependency %q: %w", name, err)
		}
		if _, err := semrange.Parse(m.Dependencies[name]); err != nil {
			return fmt.Errorf("dependency %s: invalid range %q", name, m.Dependencies[name])
		}
	}
	return nil
}

// readManifest reads dir/legion.json; a missing file is a clear error.
func readManifest(dir string) (*Manifest, []byte, error) {
	path := filepath.Join(dir, manifestFile)
	b, err := readRegularFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("no %s in %s (run 'legion pkg init' first)", manifestFile, dir)
	}
	if err != nil {
		return nil, nil, err
	}
	m, err := ParseManifest(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", manifestFile, err)
	}
	return m, b, nil
}

// checkPackageName rejects names that could not be a directory under
// legion_modules without escaping it or colliding with our own files: a
// registry (or a dependency list) is not trusted to name paths.
func checkPackageName(name string) error {
	switch {
	case name == "":
		return errors.New("empty package name")
	case len(name) > 214:
		return errors.New("package name longer than 214 characters")
	case name[0] == '.' || name[0] == '-' || name[0] == '_':
		return fmt.Errorf("package name %q starts with %q", name, name[:1])
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("package name %q has %q; names use letters, digits, '-', '_' and '.'", name, r)
		}
	}
	return nil
}

// sanitizeName makes a package name out of a directory name: lower case,
// runs of other characters turned into one '-', no leading punctuation.
func sanitizeName(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_'
		if ok {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	name := strings.TrimLeft(strings.TrimRight(b.String(), "-._"), "-._")
	if len(name) > 214 {
		name = strings.TrimRight(name[:214], "-._")
	}
	if name == "" {
		name = "my-project"
	}
	return name
}

// jsonProblem says where and what is wrong in a JSON file, in words: "line
// 3, column 14: invalid character '}'…", or "expected an object …, found an
// array" rather than Go's type names.
func jsonProblem(b []byte, err error, want string) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(b, se.Offset)
		return fmt.Errorf("line %d, column %d: %v", line, col, se)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field == "" {
		return fmt.Errorf("expected %s, found %s", want, jsonKind(te.Value))
	}
	if errors.As(err, &te) {
		line, col := lineCol(b, te.Offset)
		return fmt.Errorf("line %d, column %d: field %q: expected %s, found %s", line, col, te.Field, kindWords(te.Type.Kind()), jsonKind(te.Value))
	}
	if err.Error() == "unexpected end of JSON input" {
		line, col := lineCol(b, int64(len(b)))
		return fmt.Errorf("line %d, column %d: the file ends before the JSON does", line, col)
	}
	return err
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(b []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(b)))
	before := b[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	if col == 0 {
		col = 1
	}
	return line, col
}

// jsonKind names a JSON value's type as encoding/json reports it.
func jsonKind(v string) string {
	switch v {
	case "array":
		return "an array"
	case "object":
		return "an object"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	}
	if strings.HasPrefix(v, "number") {
		return "a number"
	}
	return v
}

func kindWords(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "a number"
	}
	return k.String()
}
