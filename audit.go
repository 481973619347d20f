package legion

import "context"

// Severity grades an advisory.
type Severity string

const (
	SeverityLow      Severity = "low"
	SeverityModerate Severity = "moderate"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Advisory reports that a dependency's range admits an affected version.
type Advisory struct {
	ID       string   `json:"id,omitempty"`
	Package  string   `json:"package"`
	Range    string   `json:"range"`    // the dependency's range, as audited
	Affected string   `json:"affected"` // the advisory's affected range
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	URL      string   `json:"url,omitempty"`
	Versions []string `json:"versions,omitempty"` // published versions both ranges admit
}

// AuditProblem is a dependency the audit could not check: an unknown
// package or a range that does not parse.
type AuditProblem struct {
	Package string `json:"package"`
	Range   string `json:"range"`
	Problem string `json:"problem"`
}

// AuditReport is the answer of POST /audit.
type AuditReport struct {
	Advisories []Advisory     `json:"advisories"`
	Problems   []AuditProblem `json:"problems,omitempty"`
	Scanned    int            `json:"scanned"`
	Clean      bool           `json:"clean"` // no advisories and no problems
}

// Audit checks dependencies (name → npm-style range) against the registry's
// advisories. Ranges are checked before sending. An audit changes nothing on
// the server, so unlike other POSTs it is retried after a 5xx.
//
// POST /audit
func (c *Client) Audit(ctx context.Context, dependencies map[string]string) (*AuditReport, error) {
	if err := validateDependencies(dependencies); err != nil {
		return nil, err
	}
	if dependencies == nil {
		dependencies = map[string]string{}
	}
	body := struct {
		Dependencies map[string]string `json:"dependencies"`
	}{dependencies}
	var env auditEnvelope
	if err := c.send(ctx, request{method: "POST", path: "/audit", body: body, safe: true}, &env); err != nil {
		return nil, err
	}
	return pick(env.Audit, &env.AuditReport), nil
}
