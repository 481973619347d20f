package legion

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAudit(t *testing.T) {
	t.Parallel()
	const payload = `{"advisories":[{"id":"LGN-1","package":"legion-http","range":"^1.0.0","affected":"<1.2.0","severity":"high","title":"bad","versions":["1.0.0"]}],
		"problems":[{"package":"nope","range":"^1","problem":"unknown package"}],"scanned":2,"clean":false}`
	forms(t, "audit", payload, func(t *testing.T, body string) {
		c, srv := setup(t)
		srv.handle("/audit", func(w http.ResponseWriter, r *http.Request) {
			testMethod(t, r, "POST")
			testBody(t, r, `{"dependencies":{"legion-http":"^1.0.0","nope":"^1"}}`)
			reply(w, 200, body)
		})
		got, err := c.Audit(context.Background(), map[string]string{"legion-http": "^1.0.0", "nope": "^1"})
		if err != nil {
			t.Fatal(err)
		}
		want := &AuditReport{
			Advisories: []Advisory{{ID: "LGN-1", Package: "legion-http", Range: "^1.0.0", Affected: "<1.2.0", Severity: SeverityHigh, Title: "bad", Versions: []string{"1.0.0"}}},
			Problems:   []AuditProblem{{Package: "nope", Range: "^1", Problem: "unknown package"}},
			Scanned:    2,
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Audit (-want +got):\n%s", diff)
		}
	})
}

// The reference's example answer, as published.
func TestAuditClean(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/audit", func(w http.ResponseWriter, r *http.Request) {
		testBody(t, r, `{"dependencies":{}}`)
		reply(w, 200, `{ "success": true, "advisories": [], "scanned": 1, "clean": true }`)
	})
	got, err := c.Audit(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&AuditReport{Advisories: []Advisory{}, Scanned: 1, Clean: true}, got); diff != "" {
		t.Errorf("Audit (-want +got):\n%s", diff)
	}
}
