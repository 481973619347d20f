package legion

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/Masterminds/semver/v3"
)

// wire.go decodes what the registry sends. Its shapes are only partly
// published, so decoding is tolerant (Part 2 of the reference): payloads
// flat beside "success" or wrapped under the resource's key, lists bare or
// wrapped, timestamps in camelCase or snake_case and in several formats,
// versions as strings or objects, unknown fields ignored. The public types
// stay plain structs; these unexported mirrors do the tolerant work in a
// single pass of encoding/json (nested custom unmarshalers on containers
// would re-scan every body several times).

// envelope is what every answer decodes into. check reports an answer
// that decoded but lacks what identifies its result (a package's name, a
// version's version…): a "successful" answer is never returned empty.
type envelope interface {
	failure() (message string, failed bool)
	check() error
}

// fastDecoder is an envelope with a fast path for the common shape of its
// answers (see wire_fast.go); it reports false to take the tolerant one.
type fastDecoder interface {
	decodeFast(data []byte) bool
}

// lister is an envelope whose payload may also come as a bare JSON array.
type lister interface {
	envelope
	bare() any // pointer to the slice
}

// status is embedded in every envelope.
type status struct {
	Success *bool           `json:"success"`
	Error   json.RawMessage `json:"error"`
	Message string          `json:"message"`
}

func (s *status) failure() (string, bool) {
	if s.Success == nil || *s.Success {
		return "", false
	}
	return s.message(), true
}

// message is the server's text: "error" (a string, or an object with a
// message) or else "message" (Part 2 of the reference).
func (s *status) message() string {
	if m := messageText(s.Error); m != "" {
		return m
	}
	return s.Message
}

// messageText accepts "error" as a string or as an object with a message.
func messageText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var obj struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &obj) == nil {
		return obj.Message
	}
	return ""
}

func decodeAnswer(data []byte, env envelope) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		if l, ok := env.(lister); ok {
			if err := json.Unmarshal(data, l.bare()); err != nil {
				return err
			}
			return env.check()
		}
		return errors.New("a list where an object was expected")
	}
	if f, ok := env.(fastDecoder); !ok || !f.decodeFast(data) {
		if err := json.Unmarshal(data, env); err != nil {
			return err
		}
	}
	if msg, failed := env.failure(); failed {
		return fmt.Errorf(`"success": false: %s`, redactTokens(msg))
	}
	return env.check()
}

// missing is the error of an answer without a field its result needs.
func missing(what string) error { return fmt.Errorf("the answer has no %s", what) }

// Leaf types: cheap custom decoders for single values.

// unquote returns a JSON string's contents, fast when it has no escapes.
func unquote(b []byte) (string, error) {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0 {
		return string(b[1 : len(b)-1]), nil
	}
	var s string
	err := json.Unmarshal(b, &s)
	return s, err
}

// ver is a version sent as a string; strict semver first (no regexp), then
// Masterminds' lenient parser for forms like "1.2".
type ver struct{ v *semver.Version }

func (x *ver) UnmarshalJSON(b []byte) error {
	if string(b) == "null" || string(b) == `""` { // absent, as for timestamps
		return nil
	}
	s, err := unquote(b)
	if err != nil {
		return fmt.Errorf("version %s: not a string", b)
	}
	x.v, err = parseVer(s)
	return err
}

// parseVer parses a version string; "" is absent (nil).
func parseVer(s string) (*semver.Version, error) {
	if s == "" {
		return nil, nil
	}
	v, err := semver.StrictNewVersion(s)
	if err != nil {
		if v, err = semver.NewVersion(s); err != nil {
			return nil, fmt.Errorf("version %q: %w", s, err)
		}
	}
	return v, nil
}

// stamp is a timestamp: RFC 3339, SQLite's "2006-01-02 15:04:05" (UTC), ISO
// without a zone (UTC), a date, or Unix seconds or milliseconds; null and ""
// are the zero time.
type stamp struct{ t time.Time }

var stampLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
}

func (s *stamp) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || string(b) == "null" || string(b) == `""` {
		return nil
	}
	if b[0] != '"' {
		n, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return fmt.Errorf("timestamp %s: not a time", b)
		}
		if n > 1e11 { // milliseconds: 1e11 seconds is the year 5138
			s.t = time.UnixMilli(int64(n)).UTC()
		} else {
			s.t = time.Unix(int64(n), 0).UTC()
		}
		return nil
	}
	str, err := unquote(b)
	if err != nil {
		return err
	}
	s.t, err = parseStamp(str)
	return err
}

// parseStamp parses a timestamp string in any of stampLayouts; "" is the
// zero time.
func parseStamp(str string) (time.Time, error) {
	if str == "" {
		return time.Time{}, nil
	}
	for _, layout := range stampLayouts {
		if t, err := time.Parse(layout, str); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("timestamp %q: unknown format", str)
}

// firstTime returns the first non-zero of a field's spellings.
func firstTime(ss ...stamp) time.Time {
	for _, s := range ss {
		if !s.t.IsZero() {
			return s.t
		}
	}
	return time.Time{}
}

// author accepts "alice" or {"username": "alice"}.
type author string

func (a *author) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		s, err := unquote(b)
		*a = author(s)
		return err
	}
	var obj struct{ Username, Name string }
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	*a = author(obj.Username)
	if obj.Username == "" {
		*a = author(obj.Name)
	}
	return nil
}

// Mirrors of the public types.

type wireUser struct {
	Username       string `json:"username"`
	Email          string `json:"email"`
	CreatedAt      stamp  `json:"createdAt"`
	CreatedAtSnake stamp  `json:"created_at"`
}

func (w *wireUser) user() User {
	return User{Username: w.Username, Email: w.Email, CreatedAt: firstTime(w.CreatedAt, w.CreatedAtSnake)}
}

type wirePackage struct {
	Name           string            `json:"name"`
	Description    string            `json:"description"`
	Author         author            `json:"author"`
	License        string            `json:"license"`
	Keywords       []string          `json:"keywords"`
	Readme         string            `json:"readme"`
	Latest         ver               `json:"latest"`
	LatestVersion  ver               `json:"latestVersion"`
	LatestSnake    ver               `json:"latest_version"`
	Versions       versionList       `json:"versions"`
	Dependencies   map[string]string `json:"dependencies"`
	Downloads      int64             `json:"downloads"`
	Score          float64           `json:"score"`
	CreatedAt      stamp             `json:"createdAt"`
	CreatedAtSnake stamp             `json:"created_at"`
	UpdatedAt      stamp             `json:"updatedAt"`
	UpdatedAtSnake stamp             `json:"updated_at"`
}

func (w *wirePackage) pkg() Package {
	p := Package{
		Name: w.Name, Description: w.Description, Author: string(w.Author), License: w.License,
		Keywords: w.Keywords, Readme: w.Readme, Dependencies: w.Dependencies,
		Downloads: w.Downloads, Score: w.Score,
		CreatedAt: firstTime(w.CreatedAt, w.CreatedAtSnake),
		UpdatedAt: firstTime(w.UpdatedAt, w.UpdatedAtSnake),
		Versions:  w.Versions.versions(),
	}
	for _, v := range []ver{w.Latest, w.LatestVersion, w.LatestSnake} {
		if p.Latest == nil {
			p.Latest = v.v
		}
	}
	return p
}

func packages(ws []wirePackage) []Package {
	ps := make([]Package, len(ws))
	for i := range ws {
		ps[i] = ws[i].pkg()
	}
	return ps
}

type wireVersion struct {
	Name             string            `json:"name"`
	Version          ver               `json:"version"`
	Description      string            `json:"description"`
	Author           author            `json:"author"`
	License          string            `json:"license"`
	Keywords         []string          `json:"keywords"`
	Readme           string            `json:"readme"`
	Dependencies     map[string]string `json:"dependencies"`
	PublishedAt      stamp             `json:"publishedAt"`
	PublishedAtSnake stamp             `json:"published_at"`
	CreatedAt        stamp             `json:"createdAt"`
	CreatedAtSnake   stamp             `json:"created_at"`
}

func (w *wireVersion) version() PackageVersion {
	return PackageVersion{
		Name: w.Name, Version: w.Version.v, Description: w.Description, Author: string(w.Author),
		License: w.License, Keywords: w.Keywords, Readme: w.Readme, Dependencies: w.Dependencies,
		PublishedAt: firstTime(w.PublishedAt, w.PublishedAtSnake, w.CreatedAt, w.CreatedAtSnake),
	}
}

// versionList is a versions list: objects, or bare strings. It looks at
// the first element once, rather than giving every element a custom
// decoder (which would re-scan each one).
type versionList []wireVersion

func (l *versionList) UnmarshalJSON(b []byte) error {
	rest := bytes.TrimLeft(b[1:], " \t\r\n")
	if len(rest) == 0 || rest[0] != '"' {
		return json.Unmarshal(b, (*[]wireVersion)(l))
	}
	var vs []ver
	if err := json.Unmarshal(b, &vs); err != nil {
		return err
	}
	*l = make([]wireVersion, len(vs))
	for i := range vs {
		(*l)[i].Version = vs[i]
	}
	return nil
}

func (l versionList) versions() []PackageVersion {
	if len(l) == 0 {
		return nil
	}
	vs := make([]PackageVersion, len(l))
	for i := range l {
		vs[i] = l[i].version()
	}
	return vs
}

type wireToken struct {
	ID              string  `json:"id"`
	Name            string  `json:"name"`
	Prefix          string  `json:"prefix"`
	Scopes          []Scope `json:"scopes"`
	CreatedAt       stamp   `json:"createdAt"`
	CreatedAtSnake  stamp   `json:"created_at"`
	LastUsedAt      stamp   `json:"lastUsedAt"`
	LastUsedAtSnake stamp   `json:"last_used_at"`
}

func (w *wireToken) token() Token {
	return Token{
		ID: w.ID, Name: w.Name, Prefix: w.Prefix, Scopes: w.Scopes,
		CreatedAt:  firstTime(w.CreatedAt, w.CreatedAtSnake),
		LastUsedAt: firstTime(w.LastUsedAt, w.LastUsedAtSnake),
	}
}
