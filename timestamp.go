package legion

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// stamp decodes a timestamp in any of the forms a JSON API is seen to send:
// RFC 3339, SQLite's "2006-01-02 15:04:05" (UTC), an ISO time without zone
// (UTC), or Unix seconds or milliseconds. null and "" are the zero time.
// Public structs keep time.Time; stamp is used only while decoding them.
type stamp struct{ time.Time }

var stampLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
}

func (s *stamp) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" || string(b) == `""` {
		return nil
	}
	if b[0] != '"' {
		n, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return fmt.Errorf("timestamp %s: not a time", b)
		}
		if n > 1e11 { // milliseconds: 1e11 seconds is the year 5138
			s.Time = time.UnixMilli(int64(n)).UTC()
		} else {
			s.Time = time.Unix(int64(n), 0).UTC()
		}
		return nil
	}
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return err
	}
	for _, layout := range stampLayouts {
		if t, err := time.Parse(layout, str); err == nil {
			s.Time = t
			return nil
		}
	}
	return fmt.Errorf("timestamp %q: unknown format", str)
}

// firstTime returns the first non-zero of the spellings a field was sent as
// (camelCase or snake_case).
func firstTime(ss ...stamp) time.Time {
	for _, s := range ss {
		if !s.IsZero() {
			return s.Time
		}
	}
	return time.Time{}
}
