package legion

import "context"

// Stats are registry-wide totals.
type Stats struct {
	Packages  int64     `json:"packages"`
	Downloads int64     `json:"downloads"`
	Users     int64     `json:"users"`
	Popular   []Package `json:"popular"` // most downloaded first
}

// Stats returns registry-wide statistics.
//
// GET /stats
func (c *Client) Stats(ctx context.Context) (*Stats, error) {
	var env statsEnvelope
	if err := c.send(ctx, request{method: "GET", path: "/stats"}, &env); err != nil {
		return nil, err
	}
	st := pick(env.Stats, &env.wireStats).stats()
	return &st, nil
}
