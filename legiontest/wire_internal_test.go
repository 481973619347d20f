package legiontest

import (
	"strings"
	"testing"
)

func TestJSWire(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`{"createdAt":"2025-03-04T05:06:07Z"}`, `{"createdAt":"2025-03-04T05:06:07.000Z"}`},
		{`{"createdAt":"2025-03-04T05:06:07.85Z","x":1}`, `{"createdAt":"2025-03-04T05:06:07.850Z","x":1}`},
		{`{"publishedAt":"2025-03-04T05:06:07.123456789Z"}`, `{"publishedAt":"2025-03-04T05:06:07.123Z"}`},
		{`{"lastUsedAt":"0001-01-01T00:00:00Z","createdAt":"0001-01-01T00:00:00Z"}`, `{"lastUsedAt":null,"createdAt":"0001-01-01T00:00:00.000Z"}`},
		{`{"lastUsedAt":"2025-03-04T05:06:07.1Z"}`, `{"lastUsedAt":"2025-03-04T05:06:07.100Z"}`},
		// Inside a string value, and values that are not UTC timestamps.
		{`{"readme":"\"createdAt\":\"2025-03-04T05:06:07Z\""}`, `{"readme":"\"createdAt\":\"2025-03-04T05:06:07Z\""}`},
		{`{"createdAt":"2025-03-04T05:06:07+02:00"}`, `{"createdAt":"2025-03-04T05:06:07+02:00"}`},
		{`{"createdAt":"soon"}`, `{"createdAt":"soon"}`},
		{`{"created_At":"2025-03-04T05:06:07Z"}`, `{"created_At":"2025-03-04T05:06:07Z"}`},
		{`{"createdAt":"2025-03-04T05:06:07.Z"}`, `{"createdAt":"2025-03-04T05:06:07.Z"}`},
		{`{"createdAt":"2025-03-04T05:06`, `{"createdAt":"2025-03-04T05:06`},
	} {
		if got := string(jsWire([]byte(tc.in))); got != tc.want {
			t.Errorf("jsWire(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// BenchmarkJSWire rewrites a 100-package listing's timestamps.
func BenchmarkJSWire(b *testing.B) {
	one := `{"name":"legion-http-1234","description":"a package for doing http things","author":"alice","latest":"1.2.3","downloads":12345,"keywords":["http","client"],"createdAt":"2025-03-04T05:06:07.85Z","updatedAt":"2025-03-04T05:06:07Z"},`
	body := []byte(`{"success":true,"packages":[` + strings.Repeat(one, 99) + strings.TrimSuffix(one, ",") + `]}`)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for range b.N {
		jsWire(body)
	}
}
