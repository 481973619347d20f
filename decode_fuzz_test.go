package legion

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// decoders runs data through each answer's envelope and result, exactly as
// the methods do, and reports a result that came back without its identity.
var decoders = []func(data []byte) error{
	func(data []byte) error { // Me, GetUser
		var env userEnvelope
		if err := decodeAnswer(data, &env); err != nil {
			return nil
		}
		return need(env.user().Username != "", "user without username")
	},
	func(data []byte) error { // Signup, Login
		var env sessionEnvelope
		if err := decodeAnswer(data, &env); err != nil {
			return nil
		}
		return need(env.Token != "" && env.User.user().Username != "", "session without token or user")
	},
	func(data []byte) error { // GetPackage, and its fast path against the tolerant one
		var env packageEnvelope
		if err := decodeAnswer(data, &env); err != nil {
			return nil
		}
		p := env.pkg()
		if env.fast != nil {
			var slow packageEnvelope
			if err := json.Unmarshal(data, &slow); err != nil || slow.check() != nil {
				return fmt.Errorf("the fast path accepted what the tolerant one refuses (%v)", err)
			}
			if diff := cmp.Diff(pick(slow.Package, &slow.wirePackage).pkg(), p, cmpOpts); diff != "" {
				return fmt.Errorf("fast and tolerant paths differ (-tolerant +fast):\n%s", diff)
			}
		}
		return pkgOK(p)
	},
	func(data []byte) error { // Download
		var env versionEnvelope
		if err := decodeAnswer(data, &env); err != nil {
			return nil
		}
		v := env.version()
		return need(v.Version != nil && v.Version.String() != "", "version without version")
	},
	func(data []byte) error { // ListVersions
		var env versionsEnvelope
		if err := decodeAnswer(data, &env); err != nil {
			return nil
		}
		if env.Versions == nil {
			return fmt.Errorf("nil versions list")
		}
		for _, v := range env.Versions.versions() {
			if v.Version == nil {
				return fmt.Errorf("listed version without version")
			}
		}
		return nil
	},
	func(data []byte) error { // ListPackages, ListUserPackages
		var env pageEnvelope
		if err := decodeAnswer(data, &env); err != nil {
			return nil
		}
		return pkgsOK(env.Packages)
	},
	func(data []byte) error { // Search
		var env searchEnvelope
		if err := decodeAnswer(data, &env); err != nil {
			return nil
		}
		return pkgsOK(env.Results)
	},
	func(data []byte) error { // ListTokens
		var env tokensEnvelope
		if err := decodeAnswer(data, &env); err != nil {
			return nil
		}
		if env.Tokens == nil {
			return fmt.Errorf("nil tokens list")
		}
		for _, t := range env.Tokens {
			if t.token().ID == "" {
				return fmt.Errorf("token without id")
			}
		}
		return nil
	},
	func(data []byte) error { // CreateToken
		var env createdTokenEnvelope
		if err := decodeAnswer(data, &env); err != nil {
			return nil
		}
		t := env.created()
		return need(!t.Value.IsZero() && t.ID != "", "created token without value or id")
	},
	func(data []byte) error { // Stats
		var env statsEnvelope
		if err := decodeAnswer(data, &env); err != nil {
			return nil
		}
		return pkgsOKOrNil(pick(env.Stats, &env.wireStats).Popular)
	},
	func(data []byte) error { // Audit
		var env auditEnvelope
		if err := decodeAnswer(data, &env); err != nil {
			return nil
		}
		r := pick(env.Audit, &env.AuditReport)
		return need(r.Advisories != nil || r.Problems != nil || r.Scanned != 0 || r.Clean, "empty audit report")
	},
}

func need(ok bool, what string) error {
	if !ok {
		return fmt.Errorf("%s", what)
	}
	return nil
}

func pkgOK(p Package) error {
	if p.Name == "" {
		return fmt.Errorf("package without name")
	}
	for _, v := range p.Versions {
		if v.Version == nil {
			return fmt.Errorf("package %q lists a version without version", p.Name)
		}
	}
	return nil
}

func pkgsOK(ws []wirePackage) error {
	if ws == nil {
		return fmt.Errorf("nil package list")
	}
	return pkgsOKOrNil(ws)
}

func pkgsOKOrNil(ws []wirePackage) error {
	for _, p := range packages(ws) {
		if err := pkgOK(p); err != nil {
			return err
		}
	}
	return nil
}

// FuzzDecodeAnswer feeds every envelope arbitrary bodies: decoding never
// panics, and an answer it accepts always has its identity. The seeds in
// testdata/fuzz/FuzzDecodeAnswer run with every go test.
func FuzzDecodeAnswer(f *testing.F) {
	for _, s := range []string{
		`null`, `{}`, `[]`, `{"success":true}`, `{"success":true,"data":{}}`,
		`{"success":true,"name":"lib","latest":"","versions":["1.0.0",""]}`,
		`{"success":true,"token":{"id":"x","token":"lgn_a"}}`,
	} {
		for k := range decoders {
			f.Add(uint8(k), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		if err := decoders[int(kind)%len(decoders)](data); err != nil {
			t.Errorf("decoder %d accepted %q: %v", int(kind)%len(decoders), data, err)
		}
	})
}
