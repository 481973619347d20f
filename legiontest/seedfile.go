package legiontest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
)

// LoadSeed reads a Seed from a JSON file, as legion-registry -seed does:
// an unknown field is an error (a typo in a fixture must not silently
// drop data), and so is anything after the JSON object.
func LoadSeed(path string) (Seed, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Seed{}, fmt.Errorf("legiontest: LoadSeed: %w", err)
	}
	s, err := parseSeed(data)
	if err != nil {
		return Seed{}, fmt.Errorf("legiontest: LoadSeed %s: %w", path, err)
	}
	return s, nil
}

func parseSeed(data []byte) (Seed, error) {
	var s Seed
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Seed{}, err
	}
	if dec.More() {
		return Seed{}, fmt.Errorf("data after the JSON object")
	}
	if err := checkKeys(data, reflect.TypeFor[Seed]()); err != nil {
		return Seed{}, err
	}
	return s, nil
}

// WithSeedFile loads the Seed in the JSON file at path (see LoadSeed) when
// the registry is built, in order with any WithSeed.
func WithSeedFile(path string) Option {
	return func(cfg *config) error {
		s, err := LoadSeed(path)
		if err != nil {
			return err
		}
		cfg.seeds = append(cfg.seeds, s)
		return nil
	}
}
