package legiontest

import "bytes"

// The live registry is a JavaScript service: its timestamps are what
// Date.prototype.toISOString writes (UTC, always three fractional digits:
// "2024-05-01T00:00:00.000Z") and a token never used has "lastUsedAt":
// null. The answers are marshalled from the SDK's own types, whose
// time.Time fields encode as RFC 3339 with as few fractional digits as
// needed ("…T00:00:00Z", "….85Z") and the zero time as
// "0001-01-01T00:00:00Z"; jsWire rewrites those into the registry's form.
//
// Only a member whose name ends in "At" and whose value is a UTC timestamp
// is touched. Such a member cannot be faked inside a string value: there
// every quote is escaped, so `At":"` preceded by a quoted name never
// appears literally. The registry's clock is UTC and truncated to the
// millisecond (Registry.now), so nothing is lost.

var stampKey = []byte(`At":"`)

// jsWire returns b with its timestamps in toISOString's form; b itself
// when there is nothing to change.
func jsWire(b []byte) []byte {
	var out []byte
	done := 0 // b[:done] is in out
	for i := 0; ; {
		k := bytes.Index(b[i:], stampKey)
		if k < 0 {
			break
		}
		k += i
		i = k + len(stampKey)
		name, ok := memberName(b, k+2) // the name ends at the 'A''t' quote
		if !ok {
			continue
		}
		secs, frac, end, ok := utcStamp(b, i)
		if !ok {
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(b)+len(b)/8) // room for the added digits
		}
		out = append(out, b[done:i-1]...) // up to and including the colon
		if string(name) == "lastUsedAt" && string(secs) == "0001-01-01T00:00:00" && allZero(frac) {
			out = append(out, "null"...)
		} else {
			out = append(out, '"')
			out = append(out, secs...)
			ms := [4]byte{'.', '0', '0', '0'}
			if len(frac) > 1 {
				copy(ms[1:], frac[1:min(len(frac), 4)])
			}
			out = append(out, ms[:]...)
			out = append(out, 'Z', '"')
		}
		done, i = end, end
	}
	if out == nil {
		return b
	}
	return append(out, b[done:]...)
}

// memberName returns the name of the member whose closing quote is at
// q, when it is a quoted run of letters ending in "At".
func memberName(b []byte, q int) ([]byte, bool) {
	j := q - 1
	for j >= 0 && (b[j] >= 'a' && b[j] <= 'z' || b[j] >= 'A' && b[j] <= 'Z') {
		j--
	}
	if j < 0 || b[j] != '"' || (j > 0 && b[j-1] == '\\') {
		return nil, false
	}
	return b[j+1 : q], true
}

// utcStamp parses `dddd-dd-ddTdd:dd:dd[.d{1,9}]Z"` at i (just after the
// opening quote): the seconds part, the fraction with its dot, and the
// index just past the closing quote.
func utcStamp(b []byte, i int) (secs, frac []byte, end int, ok bool) {
	const layout = "dddd-dd-ddTdd:dd:dd"
	if len(b)-i < len(layout)+2 {
		return nil, nil, 0, false
	}
	for n := 0; n < len(layout); n++ {
		c := b[i+n]
		if layout[n] == 'd' && (c < '0' || c > '9') || layout[n] != 'd' && c != layout[n] {
			return nil, nil, 0, false
		}
	}
	secs = b[i : i+len(layout)]
	j := i + len(layout)
	if b[j] == '.' {
		k := j + 1
		for k < len(b) && k-j <= 9 && b[k] >= '0' && b[k] <= '9' {
			k++
		}
		if k == j+1 {
			return nil, nil, 0, false
		}
		frac, j = b[j:k], k
	}
	if j+1 >= len(b) || b[j] != 'Z' || b[j+1] != '"' {
		return nil, nil, 0, false
	}
	return secs, frac, j + 2, true
}

func allZero(frac []byte) bool {
	for _, c := range frac[min(len(frac), 1):] {
		if c != '0' {
			return false
		}
	}
	return true
}
