package legion

import (
	"encoding/json"
	"errors"
	"time"
)

// The fast path for package answers. Tolerant decoding (wire.go) gives
// values that come in several shapes a custom decoder each, and
// encoding/json re-scans every value it hands to one: for a package with
// its versions list that is most of the decoding time. The common shape —
// strings for versions, timestamps and the author, camelCase keys — decodes
// here in plain types, in one pass. Any other shape fails this decode (a
// type error) or marks it (a rare key seen), and the answer is decoded
// again, from the start, by the tolerant mirrors: the result is the same,
// only slower.

type fastPackage struct {
	Name           string            `json:"name"`
	Description    string            `json:"description"`
	Author         string            `json:"author"`
	License        string            `json:"license"`
	Keywords       []string          `json:"keywords"`
	Readme         string            `json:"readme"`
	Latest         string            `json:"latest"`
	LatestVersion  string            `json:"latestVersion"`
	LatestSnake    string            `json:"latest_version"`
	Versions       []fastVersion     `json:"versions"`
	Dependencies   map[string]string `json:"dependencies"`
	Downloads      int64             `json:"downloads"`
	Score          float64           `json:"score"`
	CreatedAt      string            `json:"createdAt"`
	CreatedAtSnake string            `json:"created_at"`
	UpdatedAt      string            `json:"updatedAt"`
	UpdatedAtSnake string            `json:"updated_at"`
}

// fastVersion is a versions-list entry in its common shape, a version and
// its date, kept small because the list is decoded by growing a slice of
// them. Every other key the tolerant path reads only sets a flag that sends
// the answer there.
type fastVersion struct {
	Version      string            `json:"version"`
	PublishedAt  string            `json:"publishedAt"`
	Dependencies map[string]string `json:"dependencies"`

	Name        rareKey `json:"name"`
	Description rareKey `json:"description"`
	Author      rareKey `json:"author"`
	License     rareKey `json:"license"`
	Keywords    rareKey `json:"keywords"`
	Readme      rareKey `json:"readme"`
	CreatedAt   rareKey `json:"createdAt"`
	Published   rareKey `json:"published_at"`
	Created     rareKey `json:"created_at"`
}

func (f *fastVersion) rare() bool {
	return bool(f.Name || f.Description || f.Author || f.License || f.Keywords || f.Readme ||
		f.CreatedAt || f.Published || f.Created)
}

// rareKey records that a key the fast path does not decode was present.
type rareKey bool

func (k *rareKey) UnmarshalJSON([]byte) error { *k = true; return nil }

type fastPackageEnvelope struct {
	status
	fastPackage
	Package *fastPackage `json:"package"`
}

// errSlowPath sends an answer to the tolerant decoders.
var errSlowPath = errors.New("not the common shape")

// decodeFast decodes data into e when it has the common shape, and reports
// whether it did.
func (e *packageEnvelope) decodeFast(data []byte) bool {
	var env fastPackageEnvelope
	if json.Unmarshal(data, &env) != nil {
		return false
	}
	p, err := pick(env.Package, &env.fastPackage).pkg()
	if err != nil {
		return false
	}
	e.status, e.fast = env.status, p
	return true
}

func (w *fastPackage) pkg() (*Package, error) {
	p := &Package{
		Name: w.Name, Description: w.Description, Author: w.Author, License: w.License,
		Keywords: w.Keywords, Readme: w.Readme, Dependencies: w.Dependencies,
		Downloads: w.Downloads, Score: w.Score,
	}
	// Every spelling is parsed, as the tolerant path does, so that both
	// paths refuse the same answers.
	for _, s := range [...]string{w.Latest, w.LatestVersion, w.LatestSnake} {
		v, err := parseVer(s)
		if err != nil {
			return nil, err
		}
		if p.Latest == nil {
			p.Latest = v
		}
	}
	var err error
	if p.CreatedAt, err = firstStamp(w.CreatedAt, w.CreatedAtSnake); err != nil {
		return nil, err
	}
	if p.UpdatedAt, err = firstStamp(w.UpdatedAt, w.UpdatedAtSnake); err != nil {
		return nil, err
	}
	if len(w.Versions) > 0 {
		p.Versions = make([]PackageVersion, len(w.Versions))
		for i := range w.Versions {
			f := &w.Versions[i]
			if f.rare() {
				return nil, errSlowPath
			}
			v := &p.Versions[i]
			v.Dependencies = f.Dependencies
			if v.Version, err = parseVer(f.Version); err != nil || v.Version == nil {
				return nil, errSlowPath // the tolerant path says what is wrong
			}
			if v.PublishedAt, err = parseStamp(f.PublishedAt); err != nil {
				return nil, err
			}
		}
	}
	return p, nil
}

// firstStamp parses every spelling of a field and keeps the first that is
// set, as firstTime does among decoded ones.
func firstStamp(ss ...string) (time.Time, error) {
	var first time.Time
	for _, s := range ss {
		t, err := parseStamp(s)
		if err != nil {
			return time.Time{}, err
		}
		if first.IsZero() {
			first = t
		}
	}
	return first, nil
}
