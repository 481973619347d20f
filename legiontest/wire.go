package legiontest

import "regexp"

// The live registry is a JavaScript service: its timestamps are what
// Date.prototype.toISOString writes (UTC, always three fractional digits:
// "2024-05-01T00:00:00.000Z") and a token never used has "lastUsedAt":
// null. The answers are marshalled from the SDK's own types, whose
// time.Time fields encode as RFC 3339 with as few fractional digits as
// needed ("…T00:00:00Z", "….85Z") and the zero time as
// "0001-01-01T00:00:00Z"; jsWire rewrites those into the registry's form.
//
// Only a member whose name ends in "At" and whose value is a UTC timestamp
// is touched. The pattern cannot match inside a string value: there every
// quote is escaped, so `"…At":"` never appears literally.
var (
	wireStamp   = regexp.MustCompile(`"([A-Za-z]*At)":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{1,9})?Z"`)
	wireNever   = []byte(`"0001-01-01T00:00:00.000Z"`)
	wireNullVal = []byte(`null`)
)

func jsWire(b []byte) []byte {
	return wireStamp.ReplaceAllFunc(b, func(m []byte) []byte {
		sub := wireStamp.FindSubmatch(m)
		name, secs, frac := sub[1], sub[2], sub[3]
		ms := []byte(".000")
		if len(frac) > 0 {
			copy(ms[1:], frac[1:min(len(frac), 4)])
		}
		out := make([]byte, 0, len(m)+4)
		out = append(out, '"')
		out = append(out, name...)
		out = append(out, `":`...)
		val := append(append(append([]byte{'"'}, secs...), ms...), `Z"`...)
		if string(name) == "lastUsedAt" && string(val) == string(wireNever) {
			val = wireNullVal
		}
		return append(out, val...)
	})
}
